"""brainscales2-demos:ts_13-network_partitioning.rst — partitioning of feed-forward networks, the
algorithm its first part states: a layer of N_l neurons that does not fit the chip is split into
p_l = ceil(N_l / N) sublayers run one after the other, each receiving all of its inputs, the outputs
combined before the next layer; consecutive layers that do fit share one run.

The tutorial builds and trains the network in hxtorch (out of scope here; it has no PyNN code).
The test states its algorithm with PyNN networks in bypass mode, where the backend partitions
automatically (N = 512 neuron circuits; fan-in stays within one neuron circuit's 256 rows, c_l = 1)."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


def _layers(sizes, n_inputs=100, connect=None):
    pynn.setup(enable_neuron_bypass=True)
    times = np.linspace(0.01, 0.09, 9)
    inputs = pynn.Population(n_inputs, pynn.cells.SpikeSourceArray(spike_times=times))
    layers = [pynn.Population(n, pynn.cells.HXNeuron(), label=f"layer{k}") for k, n in enumerate(sizes)]
    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=63)
    pre = inputs
    for k, layer in enumerate(layers):
        connector = (connect or {}).get(k, pynn.AllToAllConnector() if k == 0 else pynn.OneToOneConnector())
        pynn.Projection(pre, layer, connector, synapse_type=synapse)
        pre = layer
    layers[-1].record("spikes")
    pynn.run(0.1)
    spikes = layers[-1].get_data("spikes").segments[0].spiketrains
    executions = pynn.get_execution_instance_data()
    pynn.end()
    return times, spikes, executions


def _runs(executions):
    return [sorted((pop.label, start, stop) for pop, start, stop in ex.populations) for ex in executions]


def test_a_layer_larger_than_the_chip_is_split_into_sublayers():
    # 100 inputs -> hidden 1024 (p = ceil(1024 / 512) = 2) -> output 8, each output neuron reading
    # every eighth hidden neuron (fan-in 128)
    hidden_to_output = pynn.FromListConnector([(i, i % 8) for i in range(1024)])
    times, spikes, executions = _layers([1024, 8], connect={1: hidden_to_output})
    runs = _runs(executions)
    assert runs == [[("layer0", 0, 512)], [("layer0", 512, 1024)], [("layer1", 0, 8)]]
    # the combined hidden outputs drive the output layer: every output neuron answers every input time
    for st in spikes:
        t = np.asarray(st)
        assert len(t) >= len(times)
        lag = t[:, None] - times[None, :]
        assert np.all(((lag > 0) & (lag < 0.005)).any(axis=1))
        assert np.all(((lag > 0) & (lag < 0.005)).any(axis=0))


def test_consecutive_layers_that_fit_share_one_run():
    # 200 + 200 + 100 = 500 neurons fit the chip: one run, no partitioning
    _, spikes, executions = _layers([200, 200, 100])
    assert len(executions) == 1
    assert all(len(st) == 9 for st in spikes)
    # one more layer of 100 does not fit: the first three layers share the first run
    _, spikes, executions = _layers([200, 200, 100, 100])
    assert _runs(executions) == [[("layer0", 0, 200), ("layer1", 0, 200), ("layer2", 0, 100)],
                                 [("layer3", 0, 100)]]
    assert all(len(st) == 9 for st in spikes)
