"""Leak over threshold with raw HXNeuron settings.

Public source: electronicvisions/pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/leak_over_threshold.py
(and its hardware test brainscales2/test/hw/pynn_brainscales2_test_leak_over_threshold.py).
The leak (1022) lies above the threshold (350) and the reset (400) in raw LSB of their own
CapMem cells; on the chip such a neuron fires regularly with a sawtooth membrane.
"""
import numpy as np
import pynn_brainscales.brainscales2 as pynn

cell_params = {"threshold_v_threshold": 350,
               "leak_v_leak": 1022,
               "leak_i_bias": 320,
               "reset_v_reset": 400,
               "reset_i_bias": 950,
               "reset_enable_multiplication": True,
               "threshold_enable": True,
               "membrane_capacitance_capacitance": 63,
               "refractory_period_refractory_time": 95}

#: the hardware test's variant: a lower reset, leak division and a smaller capacitor
hw_test_params = {"threshold_v_threshold": 400,
                  "leak_v_leak": 1022,
                  "leak_i_bias": 420,
                  "leak_enable_division": True,
                  "reset_v_reset": 50,
                  "reset_i_bias": 950,
                  "reset_enable_multiplication": True,
                  "threshold_enable": True,
                  "membrane_capacitance_capacitance": 32,
                  "refractory_period_refractory_time": 100}


def main(params: dict):
    log = pynn.logger.get("leak_over_threshold")
    pynn.setup()

    pop2 = pynn.Population(2, pynn.cells.HXNeuron(**params))
    pop1 = pynn.Population(1, pynn.cells.HXNeuron(**params))

    pop1.record(["spikes", "v"])
    pop2.record("spikes")
    pynn.run(0.2)

    spikes1 = pop1.get_data("spikes").segments[0]
    spikes2 = pop2.get_data("spikes").segments[0]
    for i, spiketrain in enumerate(spikes2.spiketrains):
        log.INFO(f"Number of Spikes of Neuron {i + 1}: ", len(spiketrain))
    spiketimes = spikes1.spiketrains[0]
    log.INFO("Number of spikes of single recorded neuron: {}", len(spiketimes))

    v_mem = pop1.get_data("v").segments[0].irregularlysampledsignals[0]
    membrane = v_mem.magnitude
    times = v_mem.times
    log.INFO("Number of MADC Samples: ", len(times))
    out = ([len(s) for s in spikes2.spiketrains], np.asarray(spiketimes.magnitude),
           np.asarray(membrane).ravel(), np.asarray(times.magnitude))
    pynn.end()
    return out


def _check_sawtooth(counts, spiketimes, membrane, times):
    assert all(c > 10 for c in counts)                       # every neuron fires regularly
    assert len(spiketimes) > 10
    isi = np.diff(spiketimes)
    assert np.std(isi) < 0.1 * np.mean(isi)
    assert len(times) > 1000 and np.all(np.diff(times) > 0)
    # a sawtooth: from near the reset up to near the threshold, not a flat line at the reset
    lo, hi = np.percentile(membrane, [2, 98])
    assert hi - lo > 150
    # rises between spikes: within most inter-spike intervals the membrane goes up
    rising = 0
    for a, b in zip(spiketimes[:-1], spiketimes[1:]):
        seg = membrane[(times > a + 0.25 * (b - a)) & (times < b - 0.05 * (b - a))]
        rising += seg.size > 2 and seg[-1] > seg[0] + 20
    assert rising >= 0.8 * (len(spiketimes) - 1)


def test_leak_over_threshold_example():
    pynn.logger.default_config(level=pynn.logger.LogLevel.INFO)
    _check_sawtooth(*main(cell_params))


def test_leak_over_threshold_hardware_test_parameters():
    _check_sawtooth(*main(hw_test_params))
