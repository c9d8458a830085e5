"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/partitioned_network.py —
10 inputs, a hidden and an output population of 1000 neurons each in bypass mode: too large for
one chip, so the backend partitions the network into several executions and merges the results
(also test/hw/pynn_brainscales2_test_partitioning.py)."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


def main():
    pynn.setup(enable_neuron_bypass=True)

    input_pop = pynn.Population(
        10, pynn.cells.SpikeSourceArray(spike_times=np.linspace(0., 1., 50)))

    hidden_pop = pynn.Population(1000, pynn.cells.HXNeuron())

    output_pop = pynn.Population(1000, pynn.cells.HXNeuron())
    output_pop.record(["spikes"])

    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=63)

    pynn.Projection(input_pop, hidden_pop, pynn.AllToAllConnector(),
                    synapse_type=synapse)

    pynn.Projection(hidden_pop, output_pop, pynn.OneToOneConnector(),
                    synapse_type=synapse)

    pynn.run(1)

    spiketrain = output_pop.get_data("spikes").segments[0].spiketrains
    executions = pynn.get_execution_instance_data()

    pynn.end()

    return spiketrain, executions


def test_partitioned_network_runs_and_merges_its_results():
    spiketrain, executions = main()
    # one Neo block: a spike train for each of the 1000 output neurons
    assert len(spiketrain) == 1000
    assert sorted(st.annotations["source_index"] for st in spiketrain) == list(range(1000))
    # bypass: each of the 49 input spikes inside the run (the 50th is at t = 1 ms, the end) passes
    # through hidden to output neuron, in every execution alike
    counts = np.array([len(st) for st in spiketrain])
    assert np.all(counts == 49)
    inputs = np.linspace(0., 1., 50)[:-1]
    lag = np.asarray(spiketrain[777]) - inputs
    assert np.all((lag > 0) & (lag < 0.005))
    # the network did not fit one chip (2000 neurons, 512 circuits): at least four executions, each
    # within the chip, hidden slices before the output slices they feed
    assert len(executions) >= 4
    for ex in executions:
        assert sum(stop - start for _, start, stop in ex.populations) <= 512
    first = {}
    for ex in executions:
        for pop, start, stop in ex.populations:
            first.setdefault(pop.label, ex.index)
    assert len(first) == 2
    hidden_label, output_label = sorted(first, key=first.get)
    assert first[hidden_label] < first[output_label]
