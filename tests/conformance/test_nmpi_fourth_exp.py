"""brainscales2-demos:nmpi_queue_runner/fourth_exp.txt — the fourth batch experiment of the
non-interactive queue runner (nmpi_00): external stimulation of an uncalibrated neuron whose
synaptic inputs are set by hand (``i_bias_gm`` 1022, ``i_bias_tau`` 200, shift reference 300),
three excitatory inputs (0.01, 0.05, 0.08 ms, weight 63) and one inhibitory (0.03 ms, weight
-42), 0.1 ms, written with neo's ``PickleIO`` and read back as plot_helper.rst does.  The script
runs unchanged in a temporary directory (it does not call ``pynn.end()``; the suite's fixture
does).  The queue is infrastructure, left out.

It shows PSPs: up at each excitatory input, down at the inhibitory one, no spike (threshold 400
far above)."""
import numpy as np
from neo.io import PickleIO

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.standardmodels.synapses import StaticSynapse


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


def test_fourth_experiment_external_stimulation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    pynn.logger.default_config(level=pynn.logger.LogLevel.INFO)
    logger = pynn.logger.get("single_neuron_demo")

    pynn.setup()

    stimulated_p = pynn.Population(1, pynn.cells.HXNeuron(
                                       # Leak potential, range: 300-1000
                                       leak_v_leak=400,
                                       # Leak conductance, range: 0-1022
                                       leak_i_bias=200,
                                       # Threshold potential, range: 0-600
                                       threshold_v_threshold=400,
                                       # Reset potential, range: 300-1000
                                       reset_v_reset=300,
                                       # Membrane capacitance, range: 0-63
                                       membrane_capacitance_capacitance=63,
                                       # Refractory time, range: 0-255
                                       refractory_period_refractory_time=120,
                                       # Enable reset on threshold crossing
                                       threshold_enable=True,
                                       # Reset conductance, range: 0-1022
                                       reset_i_bias=1022,
                                       # Enable strengthening of reset conductance
                                       reset_enable_multiplication=True,
                                       # -- Parameters for synaptic inputs -- #
                                       # Enable synaptic stimulation
                                       excitatory_input_enable=True,
                                       inhibitory_input_enable=True,
                                       # Strength of synaptic inputs
                                       excitatory_input_i_bias_gm=1022,
                                       inhibitory_input_i_bias_gm=1022,
                                       # Synaptic time constants
                                       excitatory_input_i_bias_tau=200,
                                       inhibitory_input_i_bias_tau=200,
                                       # Technical parameters
                                       excitatory_input_i_shift_reference=300,
                                       inhibitory_input_i_shift_reference=300))
    stimulated_p.record(["v", "spikes"])

    # Create off-chip populations serving as excitatory external spike sources
    exc_spiketimes = [0.01, 0.05, 0.080]
    exc_stim_pop = pynn.Population(1, pynn.cells.SpikeSourceArray,
                                   cellparams=dict(spike_times=exc_spiketimes))
    pynn.Projection(exc_stim_pop, stimulated_p,
                    pynn.AllToAllConnector(),
                    synapse_type=StaticSynapse(weight=63),
                    receptor_type="excitatory")

    # Create off-chip populations serving as inhibitory external spike sources
    inh_spiketimes = [0.03]
    inh_stim_pop = pynn.Population(1, pynn.cells.SpikeSourceArray,
                                   cellparams=dict(spike_times=inh_spiketimes))
    pynn.Projection(inh_stim_pop, stimulated_p,
                    pynn.AllToAllConnector(),
                    synapse_type=StaticSynapse(weight=-42),
                    receptor_type="inhibitory")

    pynn.run(0.1)
    # Store results to disk
    PickleIO(filename='fourth_experiment.dat').write_block(stimulated_p.get_data())

    (times, v, spikes), = read_back("fourth_experiment.dat")
    assert spikes is not None and len(spikes) == 0          # recorded, none fired
    rest = np.median(v[times < 0.01])
    assert np.ptp(v[times < 0.0095]) <= 2

    def extreme(t0, t1):
        window = v[(times > t0) & (times < t1)]
        return window.max() - rest, window.min() - rest
    up_1, _ = extreme(0.01, 0.03)
    _, down = extreme(0.03, 0.05)
    up_2, _ = extreme(0.05, 0.08)
    up_3, _ = extreme(0.08, 0.1)
    assert up_1 > 15 and up_2 > 15 and up_3 > 15            # an EPSP at every excitatory input
    assert down < -10                                       # the IPSP below the resting level
    assert v[(times > 0.03) & (times < 0.05)].min() < v[(times > 0.025) & (times < 0.03)].min() - 10
