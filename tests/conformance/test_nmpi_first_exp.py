"""brainscales2-demos:nmpi_queue_runner/first_exp.txt — the first batch experiment of the
non-interactive queue runner (nmpi_00): a single silent neuron with leak 700 and the strongest
leak conductance, its membrane recorded for 0.2 ms and written with neo's ``PickleIO``; the
notebook then reads the file back and plots every segment's one signal (plot_helper.rst, "No
spikes found to plot." where the segment has no spike train).  The script runs unchanged in a
temporary directory (the queue that ships it to the lab is infrastructure, left out).

It shows a flat membrane at the leak potential; the emulator's reads 514 where ts_00's figure
of the same neuron reads ~375 (docs/hxsim-raw-behaviour.md, voltages)."""
import numpy as np
from neo.io import PickleIO

import pynn_brainscales.brainscales2 as pynn


def read_back(path):
    """What plot_membrane_dynamics(path) of plot_helper.rst reads: per segment its single
    membrane signal and its first spike train (None where there is none)."""
    block = PickleIO(path).read_block()
    out = []
    for segment in block.segments:
        if len(segment.irregularlysampledsignals) != 1:
            raise ValueError("Plotting is supported for populations of size 1.")
        mem_v = segment.irregularlysampledsignals[0]
        spikes = segment.spiketrains[0] if len(segment.spiketrains) else None
        out.append((mem_v.times.magnitude, mem_v.magnitude.ravel(), spikes))
    return out


def test_first_experiment_silent_neuron(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    pynn.logger.default_config(level=pynn.logger.LogLevel.INFO)
    logger = pynn.logger.get("single_neuron_demo")

    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(
                          # Leak potential, range: 300-1000
                          leak_v_leak=700,
                          # Leak conductance, range: 0-1022
                          leak_i_bias=1022)
                     )
    pop.record(["v"])
    pynn.run(0.2)

    # Store results to disk
    PickleIO(filename='first_experiment.dat').write_block(pop.get_data("v"))

    # Reset the pyNN internal state and prepare for the following experiment
    pynn.end()

    (times, v, spikes), = read_back("first_experiment.dat")
    assert spikes is None                                   # "No spikes found to plot."
    assert times[0] < 0.001 and times[-1] > 0.199 and len(times) > 1000
    assert np.ptp(v) <= 2 and 0 < v.mean() < 1023           # a flat line inside the plot's 0..1023
