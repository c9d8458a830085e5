"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/multicompartment.py — a chain
of compartments (two circuits each, joined through conductances on the shared line) gets one input
after another into each compartment; the CADC records the membrane of every compartment.

The example's calls run unchanged (its plot is left out).  What it shows: each compartment answers
every input, most strongly the one injected into itself, weaker the farther away it was injected."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.morphology import create_mc_neuron, \
    Compartment, SharedLineConnection


def create_neuron_class(length: int):
    """The example's dendritic chain: compartment n = circuits 2n, 2n+1; the second circuit
    connects to the right through its conductance, the first of the next compartment directly."""
    compartments = []
    connections = []
    for n_comp in range(length):
        first = n_comp * 2
        second = first + 1

        connect_shared_line = []
        if n_comp > 0:
            connect_shared_line.append(first)

        connect_conductance = []
        if n_comp < length - 1:
            connect_conductance.append((second, 200))
            connections.append(
                SharedLineConnection(start=second,
                                     stop=second + 1,
                                     row=0))
        compartments.append(
            Compartment(positions=[first, second],
                        label=f'comp{n_comp}',
                        connect_shared_line=connect_shared_line,
                        connect_conductance=connect_conductance))

    return create_mc_neuron('McNeuron',
                            compartments=compartments,
                            connections=connections,
                            single_active_circuit=True)


def run_example(length: int = 3, runtime: float = 0.15):
    """The example's ``main`` without the figure: the recorded membranes and the input times."""
    McNeuron = create_neuron_class(length)

    pynn.setup(initial_config=pynn.helper.chip_from_nightly())

    pop = pynn.Population(1, McNeuron(threshold_enable=False))

    # one input time per compartment, spread over the run
    spike_times = np.linspace(0.01, runtime - 0.05, length)

    for n_input in range(length):
        in_pop = pynn.Population(3, pynn.cells.SpikeSourceArray(
            spike_times=[spike_times[n_input]]))

        synapse = pynn.standardmodels.synapses.StaticSynapse(weight=63)
        pynn.Projection(
            in_pop, pop,
            pynn.AllToAllConnector(location_selector=f'comp{n_input}'),
            synapse_type=synapse)

    # every compartment's membrane on the CADC
    pop.record(
        "v", locations=[f"comp{n_comp}" for n_comp in range(length)],
        device='cadc')

    pynn.run(runtime)

    v_mems = pop.get_data("v").segments[0].irregularlysampledsignals

    pynn.end()
    return v_mems, spike_times


def epsp_heights(v_mem, spike_times):
    """Per input: the largest deflection in the 40 us after it above the level just before it."""
    t = v_mem.times.magnitude
    v = np.asarray(v_mem.magnitude).ravel()
    return np.array([v[(t >= s) & (t < s + 0.04)].max() - np.median(v[(t < s) & (t >= s - 0.008)])
                     for s in spike_times])


def test_each_compartment_answers_its_own_input_most_strongly():
    v_mems, spike_times = run_example()
    assert len(v_mems) == 3                                   # one trace per compartment
    assert [v.annotations["source_locations"] for v in v_mems] == [["comp0"], ["comp1"], ["comp2"]]
    assert all(len(v) > 100 for v in v_mems)
    heights = np.array([epsp_heights(v, spike_times) for v in v_mems])   # [recorded, injected]
    assert np.all(np.argmax(heights, axis=0) == np.arange(3))           # the injection site is the largest
    assert np.all(np.argmax(heights, axis=1) == np.arange(3))           # each compartment: its own input
    assert heights.min() > 1                                             # the others arrive attenuated
    # attenuation grows with distance: the end compartments hear each other least
    assert heights[0, 2] < heights[0, 1] and heights[2, 0] < heights[2, 1]
