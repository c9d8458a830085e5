"""brainscales2-demos:fp_pynn_introduction.rst — a first network in PyNN: one ``HXNeuron`` with
raw parameters on top of the nightly calibration, stimulated by five ``SpikeSourceArray``
neurons at 0.01, 0.03, ..., 0.09 ms through weight-63 synapses; spikes and membrane recorded
for 0.1 ms.  The notebook's API calls unchanged; ``setup_hardware_client()`` is lab
infrastructure, ``get_nightly_calibration()`` is the demos' helper outside the collaboratory.

What it shows (the same network as gs_02, whose solution figure has it): five EPSPs that
stack, each rising within a few microseconds and decaying with the membrane time constant
(the raw ``leak_i_bias`` 200), the neuron staying below its threshold.  The emulator: rest
166 vs ~190, first peak 375 vs ~290, stacked peaks 465 vs ~325, below its threshold (~545).
Its EPSPs are twice the figure's at the synaptic strength of the later figures (ts_00, ts_06,
0.75 LSB per weight LSB): the figure's decay to a quarter within 13 us shows a synaptic time
constant of ~3 us where the nightly calibration has 10 us (docs/hxsim-raw-behaviour.md).
"""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    calib_path = pynn.helper.nightly_calib_path().parent
    return pynn.helper.chip_from_file(calib_path.joinpath(filename))


def test_five_stacking_psps_below_threshold():
    calib = get_nightly_calibration()
    pynn.setup(initial_config=calib)

    # define the neuron parameters of the population
    n_neurons = 1
    neuron_parameters = {                          # range
        "leak_v_leak": 400,                        # (300-1000)
        "leak_i_bias": 200,                        # (0-1022)
        "threshold_v_threshold": 400,              # (0-600)
        "threshold_enable": True,                  #
        "refractory_period_refractory_time": 100,  # (0-255)
        "reset_v_reset": 300,                      # (300-1000)
        "reset_i_bias": 1000,                      # (0-1022)
        "membrane_capacitance_capacitance": 63     # (0-63)
    }
    neuron_type = pynn.cells.HXNeuron(**neuron_parameters)
    pop = pynn.Population(n_neurons, neuron_type)
    pop.record(["spikes", "v"])

    # create a source population that generates spikes at given times
    spike_times = [0.01, 0.03, 0.05, 0.07, 0.09]
    src = pynn.Population(5, pynn.cells.SpikeSourceArray(spike_times=spike_times))
    synapse_weight = 63
    synapse = pynn.synapses.StaticSynapse(weight=synapse_weight)
    pynn.Projection(src, pop, pynn.AllToAllConnector(),
                    synapse_type=synapse, receptor_type="excitatory")

    duration = 0.1
    pynn.run(duration)

    spiketrain = pop.get_data("spikes").segments[0].spiketrains[0]
    print(f"The neuron spiked {len(spiketrain)} times.")
    print(f"The spike times were: {spiketrain}")
    mem_v = pop.get_data("v").segments[0].irregularlysampledsignals[0]
    pynn.end()

    t, v = mem_v.times.magnitude, mem_v.magnitude.ravel()
    assert t[0] < 0.001 and t[-1] > 0.099
    assert len(spiketrain) == 0                         # the figure: "0 mal gefeuert"
    rest = np.median(v[t < 0.01])
    assert np.ptp(v[t < 0.0095]) <= 2                   # quiet until the first input
    peaks, peak_delay, troughs = [], [], []
    for k, onset in enumerate(spike_times):
        window = (t > onset) & (t < onset + 0.02)
        peaks.append(v[window].max() - rest)
        peak_delay.append(t[window][np.argmax(v[window])] - onset)
        if k:
            troughs.append(v[(t > onset - 0.002) & (t <= onset + 0.0005)].min() - rest)
    peaks, troughs = np.array(peaks), np.array(troughs)
    assert peaks[0] > 40                                # a clear EPSP from five weight-63 inputs
    assert np.all(np.array(peak_delay) < 0.012)         # rising within a few microseconds
    assert np.all(troughs > 0) and np.all(troughs < 0.8 * peaks[:-1])  # decays between the inputs
    assert peaks[-1] > peaks[0] * 1.05                  # and stacks on what is left of the last
    assert np.all(np.diff(peaks) > -3)
