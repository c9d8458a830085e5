"""brainscales2-demos:nmpi_queue_runner/second_exp.txt — the second batch experiment of the
non-interactive queue runner (nmpi_00): leak over threshold (leak 1000 above threshold 300,
reset 400, refractory counter 120), membrane and spikes recorded for 0.2 ms and written with
neo's ``PickleIO``, then read back as plot_helper.rst does.  The script runs unchanged in a
temporary directory (the queue is infrastructure, left out).

It shows a sawtooth: the membrane charges towards the leak, is reset at the threshold (a spike,
drawn as a vertical line) and held at the reset for the refractory time (120 ticks of the
uncalibrated 125 MHz clock, ~1 us), over and over."""
import numpy as np
import pytest
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


def test_second_experiment_leak_over_threshold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    pynn.logger.default_config(level=pynn.logger.LogLevel.INFO)
    logger = pynn.logger.get("single_neuron_demo")

    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(
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
    pop.record(["v", "spikes"])
    pynn.run(0.2)

    # Store results to disk
    PickleIO(filename='second_experiment.dat').write_block(pop.get_data())
    pynn.end()

    (times, v, spikes), = read_back("second_experiment.dat")
    spikes = spikes.magnitude
    assert len(spikes) >= 10 and np.std(np.diff(spikes)) < 0.05 * np.mean(np.diff(spikes))
    drops = np.flatnonzero(np.diff(v) < -50) + 1            # the resets
    assert abs(len(drops) - len(spikes)) <= 1
    # each reset follows its spike (the vertical line) within a few MADC samples
    for t_reset in times[drops]:
        assert np.min(np.abs(spikes - t_reset)) < 0.001
    # held for the refractory period (120 ticks at 125 MHz), then charging up again
    dt = np.median(np.diff(times)) * 1e3
    held = [np.argmax(v[a:b] > v[a] + 2) * dt for a, b in zip(drops[:-1], drops[1:])]
    assert np.median(held) == pytest.approx(120 / 125, rel=0.15)
    assert np.ptp(v) > 100 and v.max() < 1023
