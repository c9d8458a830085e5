"""brainscales2-demos:nmpi_queue_runner/third_exp.txt — the third batch experiment of the
non-interactive queue runner (nmpi_00): fixed-pattern noise, ten neurons in the same
leak-over-threshold configuration, each recorded alone for 0.1 ms (``p.record(None)``, a
``PopulationView`` of the one neuron, ``pynn.run``, ``pynn.reset``), the population's data of all
ten runs written with neo's ``PickleIO`` and read back as plot_helper.rst does (one segment
per run, each with its one membrane signal).  The script runs unchanged in a temporary
directory (the queue is infrastructure, left out).

It shows ten sawtooth traces that differ in threshold, reset and slope and are not aligned in
time; the emulator's thresholds and resets scatter about twice as far as ts_00's figure of the
same experiment."""
import numpy as np
from neo.io import PickleIO

import pynn_brainscales.brainscales2 as pynn


def read_back(path):
    """Per segment of the file: its single membrane signal and its first spike train."""
    block = PickleIO(path).read_block()
    out = []
    for segment in block.segments:
        if len(segment.irregularlysampledsignals) != 1:
            raise ValueError("Plotting is supported for populations of size 1.")
        mem_v = segment.irregularlysampledsignals[0]
        spikes = segment.spiketrains[0] if len(segment.spiketrains) else None
        out.append((mem_v.times.magnitude, mem_v.magnitude.ravel(), spikes))
    return out


def test_third_experiment_fixed_pattern_noise(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    pynn.logger.default_config(level=pynn.logger.LogLevel.INFO)
    logger = pynn.logger.get("single_neuron_demo")

    pynn.setup()
    num_neurons = 10
    p = pynn.Population(num_neurons, pynn.cells.HXNeuron(
                            # Leak potential, range: 300-1000
                            leak_v_leak=1000,
                            # Leak conductance, range: 0-1022
                            leak_i_bias=200,
                            # Threshold potential, range: 0-600
                            threshold_v_threshold=300,
                            # Reset potential, range: 300-1000
                            reset_v_reset=400,
                            # Membrane capacitance, range: 0-63
                            membrane_capacitance_capacitance=63,
                            # Refractory time, range: 0-255
                            refractory_period_refractory_time=120,
                            # Enable reset on threshold crossing
                            threshold_enable=True,
                            # Reset conductance, range: 0-1022
                            reset_i_bias=1022,
                            # Enable strengthening of reset conductance
                            reset_enable_multiplication=True
                       ))
    for neuron_id in range(num_neurons):
        logger.INFO(f"Recording analog variations: Run {neuron_id}")
        # Remove recording of previously selected neuron
        p.record(None)
        # Record neuron with current neuron id
        p_view = pynn.PopulationView(p, [neuron_id])
        p_view.record(["v"])
        pynn.run(0.1)
        pynn.reset()

    # Store results to disk
    PickleIO(filename='third_experiment.dat').write_block(p.get_data())

    runs = read_back("third_experiment.dat")
    pynn.end()
    assert len(runs) == num_neurons                         # one segment per run
    peaks, troughs, periods, phases = [], [], [], []
    for times, v, spikes in runs:
        assert spikes is None                               # "No spikes found to plot."
        assert times[-1] > 0.099
        drops = np.flatnonzero(np.diff(v) < -50) + 1
        assert len(drops) >= 4                              # every neuron fires
        peaks.append(np.median(v[drops - 1]))
        troughs.append(np.median(v[drops]))
        periods.append(np.median(np.diff(times[drops])))
        phases.append(times[drops[0]])
    assert np.ptp(peaks) > 10 and np.ptp(troughs) > 10      # thresholds and resets differ
    assert np.ptp(periods) > 0.05 * np.mean(periods)        # so do the slopes
    assert np.ptp(np.mod(phases, np.mean(periods))) > 0.2 * np.mean(periods)   # not aligned
