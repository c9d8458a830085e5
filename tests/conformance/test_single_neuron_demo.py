"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/single_neuron_demo.py — a
silent neuron whose resting potential follows leak_v_leak, a leak-over-threshold neuron, and the
fixed-pattern variation of ten neurons recorded one after the other (also
test/hw/test_single_neuron_demo.py).  Plots are left out."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


LOT = dict(leak_v_leak=1000, leak_i_bias=200, threshold_v_threshold=300, reset_v_reset=400,
           membrane_capacitance_capacitance=63, refractory_period_refractory_time=120,
           threshold_enable=True, reset_i_bias=1022, reset_enable_multiplication=True)


def membrane(population, segment_id=-1):
    return population.get_data("v").segments[segment_id].irregularlysampledsignals[0].magnitude.ravel()


def silent_neuron(leak_v_leak):
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(leak_v_leak=leak_v_leak, leak_i_bias=1022))
    pop.record(["v"])
    pynn.run(0.2)
    v = membrane(pop)
    # the demo's plot helper: a population recording only "v" has no spike trains
    spikes = pop.get_data("spikes").segments[0]
    assert len(spikes.spiketrains) == 0
    pynn.end()
    return v


def test_first_experiment_silent_neuron_follows_its_leak_potential():
    rests = [np.mean(silent_neuron(v)) for v in (500, 700, 900)]
    assert rests[0] < rests[1] < rests[2]
    v = silent_neuron(700)
    assert np.std(v) < 10                       # silent: a flat trace


def test_second_experiment_leak_over_threshold_spikes():
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(**LOT))
    pop.record(["v", "spikes"])
    pynn.run(0.2)
    v = membrane(pop)
    spikes = pop.get_data("spikes").segments[0].spiketrains[0]
    pynn.end()
    assert len(spikes) > 3                      # regular firing
    assert len(v) > 1000
    assert np.ptp(v) > 100                      # a sawtooth from the reset up to the threshold


def test_third_experiment_fixed_pattern_variations():
    pynn.setup()
    pop = pynn.Population(10, pynn.cells.HXNeuron(**LOT))
    means = []
    for neuron_id in range(len(pop)):
        p_view = pynn.PopulationView(pop, [neuron_id])
        p_view.record(["v"])
        pynn.run(0.1)
        means.append(np.mean(membrane(p_view)))
        pynn.reset()
        pop.record(None)
    pynn.end()
    # one trace per neuron, each its own: the circuits differ (fixed-pattern mismatch)
    assert len(set(np.round(means, 3))) >= 8
    assert np.ptp(means) > 10
