"""The f-I curve of a LIF neuron with raw HXNeuron settings.

Public source: electronicvisions/brainscales2-demos:cns_02_lif_fIcurve.rst (solution of
tasks 2, 3 and 4). The neuron rests below its threshold (leak 530, threshold 250 in raw
LSB of their own cells, reset 300); a constant current makes it fire, with a rate that
grows with the current from a rheobase on, and falls with the leak conductance and the
refractory period.
"""
import numpy as np
import pynn_brainscales.brainscales2 as pynn


def fI_experiment(currents,
                  refractory_period,
                  leak_conductance,
                  experiment_duration):
    """Firing rate (1 / mean ISI, kHz) for each constant current (the tutorial's function)."""
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(
              leak_i_bias=leak_conductance,
              leak_v_leak=530,
              threshold_v_threshold=250,
              reset_v_reset=300,
              membrane_capacitance_capacitance=63,
              refractory_period_refractory_time=refractory_period,
              threshold_enable=True,
              reset_i_bias=1022,
              reset_enable_multiplication=True))
    firing_rate = np.zeros_like(currents)
    for i, current in enumerate(currents):
        pop.record(["spikes"])
        pop.set(constant_current_enable=True,
                constant_current_i_offset=current)
        pynn.run(experiment_duration)
        spikes = pop.get_data("spikes").segments[-1].spiketrains[0]
        if (len(spikes) > 1):
            firing_rate[i] = 1 / np.mean(np.diff(spikes))
        pynn.reset()
    pynn.end()
    return firing_rate


def test_task2_rates_grow_with_the_current_from_a_rheobase():
    current_range = np.linspace(0, 1000, 50)
    firing_rate = fI_experiment(currents=current_range, refractory_period=10,
                                leak_conductance=150, experiment_duration=1)
    fired = firing_rate > 0
    assert not fired[0] and fired[-1]
    rheobase = current_range[np.argmax(fired)]
    assert np.all(fired[current_range >= rheobase])               # fires from the rheobase on
    assert 150 <= rheobase <= 300                                 # task 5 sweeps 200..270 around it
    assert np.all(np.diff(firing_rate[fired]) > 0)                # and faster with more current
    assert 10 < firing_rate[-1] < 1000                            # kHz


def test_task3_more_leak_conductance_raises_the_rheobase():
    current_range = np.linspace(0, 1000, 11)
    rates = [fI_experiment(currents=current_range, refractory_period=10, leak_conductance=c,
                           experiment_duration=1) for c in [150, 300, 450]]
    rheobases = [current_range[np.argmax(r > 0)] if np.any(r > 0) else np.inf for r in rates]
    assert rheobases[0] < rheobases[1] < rheobases[2]          # "the shift in the rheobase"
    # just above the lowest rheobase the weakest leak fires fastest
    assert rates[0][current_range == rheobases[1]] > rates[1][current_range == rheobases[1]]


def test_task4_a_longer_refractory_period_lowers_the_rates():
    current_range = np.linspace(0, 1000, 11)
    rates = [fI_experiment(currents=current_range, refractory_period=r, leak_conductance=150,
                           experiment_duration=1) for r in [10, 30, 50]]
    assert rates[0][-1] > rates[1][-1] > rates[2][-1]
    rheobases = [current_range[np.argmax(r > 0)] for r in rates]
    assert rheobases[0] == rheobases[1] == rheobases[2]          # the rheobase stays
