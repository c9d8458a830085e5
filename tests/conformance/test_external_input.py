"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/external_input.py — one
neuron stimulated by 20 SpikeSourceArray inputs, spikes of the neuron and of three inputs
recorded, the membrane on the MADC (also test/hw/pynn_brainscales2_test_external_input.py)."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


cell_params = {"threshold_v_threshold": 300,
               "leak_v_leak": 750,
               "leak_i_bias": 420,
               "leak_enable_division": True,
               "reset_v_reset": 200,
               "reset_i_bias": 950,
               "reset_enable_multiplication": True,
               "threshold_enable": True,
               "membrane_capacitance_capacitance": 4,
               "refractory_period_refractory_time": 250,
               "excitatory_input_enable": True,
               "excitatory_input_i_bias_tau": 150,
               "excitatory_input_i_bias_gm": 200}


def main(params: dict):
    pynn.setup()

    nrn = pynn.Population(1, pynn.cells.HXNeuron(**params))
    nrn.record(["spikes", "v"])

    spike_times = [0.01, 0.03, 0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.17, 0.19]
    pop_input = pynn.Population(20, pynn.cells.SpikeSourceArray,
                                cellparams={"spike_times": spike_times})
    pop_input[2:5].record("spikes")

    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=63)
    pynn.Projection(pop_input, nrn, pynn.AllToAllConnector(),
                    synapse_type=synapse)

    pynn.run(0.2)

    spiketrain = nrn.get_data("spikes").segments[0].spiketrains[0]
    spiketrain_input = pop_input.get_data("spikes").segments[0].spiketrains[0]
    mem_v = nrn.get_data("v").segments[0].irregularlysampledsignals[0]
    pynn.end()
    return spiketrain, spiketrain_input, mem_v


def test_neuron_fires_and_inputs_are_recorded():
    spiketrain, spiketrain_input, mem_v = main(cell_params)
    # the recorded inputs are those of the view pop_input[2:5]; the first is neuron 2 (id 3: the
    # neuron is id 0), sending the given times
    assert spiketrain_input.annotations["source_id"] == 3
    assert spiketrain_input.annotations["source_index"] == 2
    assert np.allclose(np.asarray(spiketrain_input), [0.01, 0.03, 0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.17, 0.19])
    # the stimulated neuron fires regularly (leak above threshold, plus the input) within the run
    out = np.asarray(spiketrain)
    assert len(out) >= 5 and out.min() >= 0 and out.max() < 0.2
    # the membrane: MADC samples over the whole run, a sawtooth between reset and threshold
    v = np.asarray(mem_v).ravel()
    t = np.asarray(mem_v.times)
    assert len(v) > 1000 and t[0] < 0.01 and t[-1] > 0.19
    assert v.max() - v.min() > 50
