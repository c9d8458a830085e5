"""pynn.morphology: multicompartment neurons in PyNN -- construction (and its errors), parameters
per compartment and circuit, placement, projections onto compartments, recording compartments."""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

import grenade
import lola as plain_lola
import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.morphology import (Compartment, McCircuitParameters, McNeuronBase,
                                                      MorphologyError, SharedLineConnection, create_mc_neuron)
from dlens_vx_v3 import halco, lola


@pytest.fixture(autouse=True)
def _end():
    yield
    pynn.end()


def chain_class(length=3, conductance=200, name="Chain", **kwargs):
    """The chain of the public examples: compartment k = circuits 2k, 2k + 1; the second circuit
    connects to the right through its conductance, the first of the next one directly."""
    compartments, connections = [], []
    for k in range(length):
        first, second = 2 * k, 2 * k + 1
        compartments.append(Compartment(
            positions=[first, second], label=f"comp{k}",
            connect_shared_line=[first] if k > 0 else [],
            connect_conductance=[(second, conductance)] if k < length - 1 else []))
        if k < length - 1:
            connections.append(SharedLineConnection(start=second, stop=second + 1, row=0))
    return create_mc_neuron(name, compartments=compartments, connections=connections, **kwargs)


def two_compartments(**parameters):
    return create_mc_neuron("Two", compartments=[
        Compartment(positions=[0], label="soma", connect_shared_line=[0], **parameters),
        Compartment(positions=[1], label="dend", connect_conductance=[(1, 200)])],
        connections=[SharedLineConnection(start=0, stop=1, row=0)])


# -- construction ---------------------------------------------------------------------------------

def test_compartment_keeps_its_arguments():
    comp = Compartment(positions=[0, 1], label="a", connect_shared_line=[0], connect_conductance=[(1, 200)],
                       leak_v_leak=[300, 400])
    assert (comp.positions, comp.label, comp.size) == ([0, 1], "a", 2)
    assert comp.connect_shared_line == [0] and comp.connect_conductance == [(1, 200)]
    assert comp.parameters == {"leak_v_leak": [300, 400]}


@pytest.mark.parametrize("kwargs, match", [
    (dict(positions=[0, 1, 0]), "non-unique entries: 0"),
    (dict(positions=[0, "1"]), "sequence of integers"),
    (dict(positions=[]), "at least one"),
    (dict(positions=[0], label=3), "string as a `label`"),
    (dict(positions=[0, 1], connect_shared_line=0), "connect_shared_line"),
    (dict(positions=[0, 1], connect_shared_line=[[0, 0]]), "sequence of integers"),
    (dict(positions=[0, 1], connect_shared_line=[2]), "circuit 2, which is not in `positions`"),
    (dict(positions=[0, 1], connect_conductance=0), "connect_conductance"),
    (dict(positions=[0, 1], connect_conductance=[(1, 100), (1, 200)]), "circuit 1 occurs twice"),
    (dict(positions=[0, 1], connect_conductance=[(2, 100)]), "circuit 2, which is not in `positions`"),
    (dict(positions=[0, 1], connect_conductance=([0], 100)), r"\(<position>, <conductance>\)"),
    (dict(positions=[0, 1], connect_conductance=[(1, 100, 10)]), r"\(<position>, <conductance>\)"),
    (dict(positions=[0, 1], connect_conductance=[(1, "strong")]), "must be a number"),
])
def test_compartment_rejects_bad_arguments_with_type_error(kwargs, match):
    with pytest.raises(TypeError, match=match):
        Compartment(**kwargs)


def test_compartment_positions_are_range_checked():
    with pytest.raises(ValueError, match=r"entry 256 out of range \[0, 255\]"):
        Compartment(positions=[255, 256])
    comp = Compartment(positions=[0, 1], connect_shared_line=[1])
    with pytest.raises(TypeError, match="do not contain circuit 1"):
        comp.positions = [0]


def test_create_mc_neuron_builds_a_cell_type():
    cls = chain_class(3)
    assert issubclass(cls, McNeuronBase) and cls.__name__ == "Chain"
    assert len(cls.compartments) == 3 and cls.get_labels() == ["comp0", "comp1", "comp2"]
    assert cls.get_label(halco.CompartmentOnLogicalNeuron(2)) == "comp2" and cls.get_label(1) == "comp1"
    assert cls.get_compartment_ids(["comp1"]) == [halco.CompartmentOnLogicalNeuron(1)]
    assert cls.logical_compartments == cls.logical_neuron.compartments
    sw = cls.logical_neuron[(0, 1)].multicompartment
    assert sw.enable_conductance and sw.connect_soma_right and not sw.connect_soma
    assert cls.logical_neuron[(1, 0)].multicompartment.connect_soma
    with pytest.raises(KeyError):
        cls.get_label(halco.CompartmentOnLogicalNeuron(4))
    with pytest.raises(ValueError, match='Label "axon" does not exist'):
        cls.get_compartment_ids(["axon"])
    # a single compartment of one or several circuits needs no connections
    assert len(create_mc_neuron("One", compartments=[Compartment(positions=[0, 1], label="x")]).compartments) == 1


def test_create_mc_neuron_argument_types():
    comp_0 = Compartment(positions=[0], label="a", connect_shared_line=[0])
    comp_1 = Compartment(positions=[1], label="b", connect_conductance=[(1, 200)])
    connection = SharedLineConnection(start=0, stop=1, row=0)
    with pytest.raises(TypeError, match="sequence of Compartments"):
        create_mc_neuron("X", compartments=comp_0)
    with pytest.raises(TypeError, match="sequence of SharedLineConnection"):
        create_mc_neuron("X", compartments=[comp_0, comp_1], connections=connection)
    with pytest.raises(TypeError, match="sequence of SharedLineConnection"):
        create_mc_neuron("X", compartments=[comp_0, comp_1], connections=[(0, 1, 0)])
    with pytest.raises(TypeError, match="class name"):
        create_mc_neuron("not a name", compartments=[comp_0])


def test_invalid_morphologies_raise_morphology_error():
    comp_0 = Compartment(positions=[0], label="a", connect_shared_line=[0])
    comp_1 = Compartment(positions=[1], label="b", connect_conductance=[(1, 200)])
    connection = SharedLineConnection(start=0, stop=1, row=0)
    create_mc_neuron("Fine", compartments=[comp_0, comp_1], connections=[connection])
    with pytest.raises(MorphologyError, match="not linked to compartment 0"):
        create_mc_neuron("X", compartments=[comp_0, comp_1])
    direct = copy.deepcopy(comp_1)
    direct.connect_conductance = []
    direct.connect_shared_line = [1]
    with pytest.raises(MorphologyError, match="merged through direct connections"):
        create_mc_neuron("X", compartments=[comp_0, direct], connections=[connection])
    twice = copy.deepcopy(comp_1)
    twice.positions.extend(comp_0.positions)            # edited in place: checked at creation
    with pytest.raises(MorphologyError, match="already in compartment 0"):
        create_mc_neuron("X", compartments=[comp_0, twice], connections=[connection])
    both = copy.deepcopy(comp_1)
    both.connect_shared_line = [1]
    with pytest.raises(MorphologyError, match="directly .* and through its conductance"):
        create_mc_neuron("X", compartments=[comp_0, both], connections=[connection])
    apart = Compartment(positions=[0, 2], label="gap")
    with pytest.raises(MorphologyError, match="not a contiguous block"):
        create_mc_neuron("X", compartments=[apart])
    # both the public exception type and lola's
    err = pytest.raises(RuntimeError, create_mc_neuron, "X", compartments=[comp_0, comp_1]).value
    assert isinstance(err, plain_lola.MorphologyError)


def test_compartment_parameters_are_checked_against_the_parameter_names_and_sizes():
    with pytest.raises(ValueError, match="unknown parameter 'leak_v_lek'"):
        create_mc_neuron("X", compartments=[Compartment(positions=[0], label="a", leak_v_lek=3)])
    with pytest.raises(ValueError, match="set by the morphology"):
        create_mc_neuron("X", compartments=[Compartment(positions=[0], label="a", multicompartment_connect_soma=True)])
    with pytest.raises(ValueError, match="3 values for 2 circuit"):
        create_mc_neuron("X", compartments=[Compartment(positions=[0, 1], label="a", leak_v_leak=[1, 2, 3])])


# -- parameters -----------------------------------------------------------------------------------

def test_parameters_per_compartment_and_circuit():
    cls = create_mc_neuron("Three", compartments=[
        Compartment(positions=[0], label="a", connect_shared_line=[0], leak_v_leak=[1], threshold_v_threshold=[1]),
        Compartment(positions=[1, 2], label="b", connect_conductance=[(1, 200)], leak_v_leak=[2, 3]),
        Compartment(positions=[3, 4], label="c", connect_conductance=[(3, 300)], leak_v_leak=4)],
        connections=[SharedLineConnection(start=0, stop=3, row=0)])
    expected = McCircuitParameters([[1], [2, 3], [4, 4]])
    pynn.setup()
    pop = pynn.Population(1, cls())
    assert pop.get("leak_v_leak") == expected
    assert pop.get(["leak_v_leak", "multicompartment_i_bias_nmda"]) == \
        [expected, McCircuitParameters([[0], [200, 0], [300, 0]])]
    five = pynn.Population(5, cls())
    assert five.get("leak_v_leak") == expected              # collapsed: the same for all neurons
    assert pynn.Population(1, cls(leak_v_leak=100)).get("leak_v_leak") == 100
    changed = McCircuitParameters([[2], [3, 4], [5, 6]])
    five.set(leak_v_leak=changed)
    assert five.get("leak_v_leak") == changed
    two = pynn.Population(2, cls())
    two.set(leak_v_leak=np.array([expected, changed]))
    assert np.all(two.get("leak_v_leak") == np.array([expected, changed]))
    two[1:2].set(threshold_v_threshold=500)
    assert two.get("threshold_v_threshold", simplify=False)[1] == 500
    # what reaches the chip
    neurons = two._lola_neurons()
    assert [n.leak.v_leak for n in neurons[1].morphology[halco.CompartmentOnLogicalNeuron(2)]] == [5, 6]
    assert neurons[1].morphology[halco.CompartmentOnLogicalNeuron(1)][0].threshold.v_threshold == 500
    assert neurons[0].morphology[halco.CompartmentOnLogicalNeuron(1)][0].multicompartment.i_bias_nmda == 200


def test_parameter_values_must_fit_the_morphology_and_the_hardware_range():
    cls = chain_class(2)
    pynn.setup()
    pop = pynn.Population(1, cls())
    with pytest.raises(ValueError, match="3 compartment"):
        pop.set(leak_v_leak=McCircuitParameters([1, 2, 3]))
    with pytest.raises(ValueError, match="compartment 1 has 2 circuit"):
        pop.set(leak_v_leak=McCircuitParameters([[1, 2], [1, 2, 3]]))
    with pytest.raises(ValueError, match=r"leak_v_leak = 1100 out of range \[0, 1022\]"):
        pop.set(leak_v_leak=McCircuitParameters([[1, 1100], 5]))
    with pytest.raises(ValueError, match="part of the morphology"):
        cls(multicompartment_connect_soma=True)
    with pytest.raises(TypeError, match="create_mc_neuron"):
        McNeuronBase()


def test_single_active_circuit_leaves_only_the_first_circuit_active():
    cls = chain_class(2, single_active_circuit=True)
    default = cls.default_parameters
    assert default["leak_i_bias"] == McCircuitParameters([[500, 0], [500, 0]])  # lola default, then off
    assert default["membrane_capacitance_capacitance"] == McCircuitParameters([[63, 0], [63, 0]])
    assert default["threshold_enable"] == McCircuitParameters([[False, False], [False, False]])
    assert default["leak_enable_division"] == McCircuitParameters([[False, True], [False, True]])


def test_initial_config_values_come_from_the_placed_circuits():
    init = lola.Chip()
    for coord, neuron in enumerate(init.neuron_block.atomic_neurons):
        neuron.leak.v_leak = coord
        neuron.threshold.v_threshold = coord
    cls = two_compartments(leak_v_leak=[1])
    pynn.setup(initial_config=init)
    pynn.Population(3, pynn.cells.HXNeuron())                              # circuits 0..2
    pop = pynn.Population(2, cls())                                        # circuits 3, 4 and 5, 6
    after = pynn.Population(2, pynn.cells.HXNeuron())
    values = pop.get("leak_v_leak")
    assert values[0] == McCircuitParameters([[1], [4]]) and values[1] == McCircuitParameters([[1], [6]])
    assert pop.get("threshold_v_threshold")[1] == McCircuitParameters([[5], [6]])
    assert pop.get("multicompartment_i_bias_nmda") == McCircuitParameters([[0], [200]])   # both neurons
    assert after.get("leak_v_leak").tolist() == [7, 8]                   # after the four circuits
    assert pynn.Population(1, cls(leak_v_leak=100)).get("leak_v_leak") == 100
    atoms = dict((p.label, a.tolist()) for p, a in pynn.simulator.state._on_chip_atoms())
    assert atoms[pop.label] == [3, 5] and atoms[after.label] == [7, 8]


# -- placement --------------------------------------------------------------------------------------

def test_populations_that_do_not_fit_fail_at_creation():
    cls = chain_class(4)                                                   # 8 circuits per neuron
    pynn.setup()
    pynn.Population(60, cls())
    with pytest.raises(ValueError, match="does not fit"):
        pynn.Population(5, cls())


def test_unsupported_setups_name_the_feature():
    cls = chain_class(2)
    pynn.setup(neuronPermutation=list(range(10)))
    with pytest.raises(NotImplementedError, match=r"neuronPermutation=...\) with multicompartment"):
        pynn.Population(1, cls())
    pynn.setup(enable_neuron_bypass=True)
    pynn.Population(1, cls())
    with pytest.raises(NotImplementedError, match="enable_neuron_bypass"):
        pynn.run(0.01)


# -- projections onto compartments -------------------------------------------------------------------

def _routed(pop, projection):
    """(grenade network, routing, circuits of each connection's synapses) of the last run."""
    st = pynn.simulator.state
    net, routing = st._routing.network, st._routing
    k = st.projections.index(projection)
    placed = routing.placed_connections(grenade.ProjectionDescriptor(k))
    return net, placed["column"] + 256 * placed["hemisphere"]


def test_location_selector_puts_the_synapses_on_the_compartments_circuits():
    cls = chain_class(3)
    pynn.setup()
    pop = pynn.Population(2, cls())
    src = pynn.Population(6, pynn.cells.SpikeSourceArray(spike_times=[0.01]))
    onto = {}
    for k in range(3):
        onto[k] = pynn.Projection(src, pop, pynn.AllToAllConnector(location_selector=f"comp{k}"),
                                  pynn.synapses.StaticSynapse(weight=10))
    plain = pynn.Projection(src, pop, pynn.FromListConnector([(0, 1)]),
                            pynn.synapses.StaticSynapse(weight=-5), receptor_type="inhibitory")
    pynn.run(None, pynn.RunCommand.PREPARE)
    for k, proj in onto.items():
        net, columns = _routed(pop, proj)
        assert proj._post_compartment == k
        d = grenade.PopulationDescriptor(0)
        expected = {int(a.toEnum()) for n in range(2) for a in net.circuits(d, n, k)}
        assert set(columns.tolist()) == expected                          # both circuits of each compartment
        assert net.projections[k].post_compartments.tolist() == [k] * 12
    assert set(_routed(pop, plain)[1].tolist()) == {6}                     # no selector: compartment 0 of neuron 1


def test_location_selector_errors():
    cls = create_mc_neuron("Same", compartments=[
        Compartment(positions=[0], label="x", connect_shared_line=[0]),
        Compartment(positions=[1], label="x", connect_conductance=[(1, 200)])],
        connections=[SharedLineConnection(start=0, stop=1, row=0)])
    pynn.setup()
    pop = pynn.Population(1, cls())
    point = pynn.Population(1, pynn.cells.HXNeuron())
    src = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[0.01]))
    with pytest.raises(ValueError, match='Label "y" does not exist'):
        pynn.Projection(src, pop, pynn.AllToAllConnector(location_selector="y"))
    with pytest.raises(ValueError, match='"x" matches 2 compartments'):
        pynn.Projection(src, pop, pynn.AllToAllConnector(location_selector="x"))
    with pytest.raises(ValueError, match="have no compartments"):
        pynn.Projection(src, point, pynn.AllToAllConnector(location_selector="x"))
    with pytest.raises(NotImplementedError, match="compartment labels"):
        pynn.Projection(src, pop, pynn.AllToAllConnector(location_selector=3))


# -- recording compartments -------------------------------------------------------------------------

def _chain_with_inputs(length=3, runtime=0.15):
    """The public example: one input population per compartment, one after another."""
    cls = chain_class(length, single_active_circuit=True)
    pynn.setup(initial_config=pynn.helper.chip_from_nightly())
    pop = pynn.Population(1, cls(threshold_enable=False))
    spikes = np.linspace(0.01, runtime - 0.05, length)
    for k, t in enumerate(spikes):
        src = pynn.Population(5, pynn.cells.SpikeSourceArray(spike_times=[t]))
        pynn.Projection(src, pop, pynn.AllToAllConnector(location_selector=f"comp{k}"),
                        synapse_type=pynn.synapses.StaticSynapse(weight=63))
    return pop, spikes


def _psp_heights(signal, spikes):
    t, v = signal.times.magnitude, np.asarray(signal.magnitude).ravel()
    return [v[(t >= s) & (t < s + 0.04)].max() - np.median(v[(t < s) & (t >= s - 0.008)]) for s in spikes]


def test_cadc_records_every_compartment_and_the_psp_is_largest_where_injected():
    pop, spikes = _chain_with_inputs()
    pop.record("v", locations=["comp0", "comp1", "comp2"], device="cadc")
    pynn.run(0.15)
    traces = pop.get_data("v").segments[0].irregularlysampledsignals
    assert len(traces) == 3
    assert [t.annotations["source_locations"] for t in traces] == [["comp0"], ["comp1"], ["comp2"]]
    assert [t.annotations["source_compartments"] for t in traces] == [[0], [1], [2]]
    assert all(t.annotations["device"] == "cadc" and t.size > 0 for t in traces)
    heights = np.array([_psp_heights(t, spikes) for t in traces])          # [recorded, injected]
    assert np.all(np.argmax(heights, axis=0) == np.arange(3))
    # get_data(locations=...) selects compartments
    only = pop.get_data("v", locations=["comp1"]).segments[0].irregularlysampledsignals
    assert [t.annotations["source_locations"] for t in only] == [["comp1"]]


def test_madc_records_two_compartments_of_one_neuron():
    pop, spikes = _chain_with_inputs()
    pop.record(["v"], locations=["comp0", "comp2"])                       # circuits 0 and 5: one even, one odd
    pynn.run(0.15)
    traces = pop.get_data().segments[0].irregularlysampledsignals
    assert [t.annotations["source_compartments"] for t in traces] == [[0], [2]]
    assert [t.annotations["device"] for t in traces] == ["madc", "madc"]
    first, last = (_psp_heights(t, spikes) for t in traces)
    assert first[0] > first[2] and last[2] > last[0]
    assert not np.array_equal(np.asarray(traces[0]), np.asarray(traces[1]))


def test_record_without_locations_is_compartment_zero_and_spikes_name_it():
    cls = chain_class(2)
    pynn.setup()
    pop = pynn.Population(1, cls())
    pop.record(["v", "spikes"])
    pynn.run(0.02)
    seg = pop.get_data().segments[0]
    assert seg.irregularlysampledsignals[0].annotations["source_locations"] == ["comp0"]
    assert seg.spiketrains[0].annotations["source_location"] == "comp0"
    assert seg.spiketrains[0].annotations["source_compartment"] == 0


def test_recording_errors():
    cls = chain_class(4)
    pynn.setup()
    pop = pynn.Population(1, cls())
    point = pynn.Population(1, pynn.cells.HXNeuron())
    with pytest.raises(ValueError, match="have no compartments"):
        point.record("v", locations=["comp0"])
    with pytest.raises(ValueError, match='Label "soma" does not exist'):
        pop.record("v", locations=["soma"])
    with pytest.raises(NotImplementedError, match="compartment 1"):
        pop.record("spikes", locations=["comp1"])
    pop.record(None)
    pop.record("v", locations=["comp0"])
    with pytest.raises(ValueError, match="already recorded on the MADC"):
        pop.record("v", locations=["comp1"], device="cadc")


def test_madc_compartments_beyond_one_pair_take_further_executions():
    """Three compartments on the MADC, and two single-circuit compartments in columns of the same
    parity: read over several executions of the same run (docs/pynn.md "Public semantics")."""
    pop, spikes = _chain_with_inputs()
    pop.record("v", locations=["comp0", "comp1", "comp2"])
    pynn.run(0.15)
    assert len(pynn.get_execution_instance_data()) == 2
    traces = pop.get_data().segments[0].irregularlysampledsignals
    assert [t.annotations["source_compartments"] for t in traces] == [[0], [1], [2]]
    heights = np.array([_psp_heights(t, spikes) for t in traces])          # [recorded, injected]
    assert np.all(np.argmax(heights, axis=0) == np.arange(3))
    pynn.setup()
    single = pynn.Population(1, _chain_of_widths([1, 2, 3, 1])())      # compartments 0 and 3 at circuits 0, 6
    single.record("v", locations=["c0", "c3"])
    pynn.run(0.01)
    assert len(pynn.get_execution_instance_data()) == 2
    assert [t.size > 0 for t in single.get_data().segments[0].irregularlysampledsignals] == [True, True]


# -- random chains: place and route or fail clearly -----------------------------------------------------

@st.composite
def chains(draw):
    length = draw(st.integers(1, 5))
    widths = [draw(st.integers(1, 3))] + [draw(st.integers(2, 3)) for _ in range(max(0, length - 2))]
    widths += [draw(st.integers(1, 3))] if length > 1 else []
    return widths, draw(st.integers(1, 30)), draw(st.integers(0, length - 1)), draw(st.integers(1, 120))


def _chain_of_widths(widths):
    compartments, connections, col = [], [], 0
    for k, w in enumerate(widths):
        positions = list(range(col, col + w))
        compartments.append(Compartment(
            positions=positions, label=f"c{k}", connect_shared_line=[positions[0]] if k else [],
            connect_conductance=[(positions[-1], 300)] if k < len(widths) - 1 else []))
        if k < len(widths) - 1:
            connections.append(SharedLineConnection(start=positions[-1], stop=positions[-1] + 1, row=0))
        col += w
    return create_mc_neuron("Random", compartments=compartments, connections=connections)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_random_chains_place_and_route_or_fail_clearly(chain):
    widths, size, target, n_inputs = chain
    cls = _chain_of_widths(widths)
    pynn.setup()
    try:
        pop = pynn.Population(size, cls())
    except ValueError as err:
        assert "does not fit" in str(err)
        event("does not fit")
        return
    src = pynn.Population(n_inputs, pynn.cells.SpikeSourceArray(spike_times=[0.01]))
    proj = pynn.Projection(src, pop, pynn.AllToAllConnector(location_selector=f"c{target}"),
                           pynn.synapses.StaticSynapse(weight=63))
    try:
        pynn.run(None, pynn.RunCommand.PREPARE)
    except grenade.RoutingError as err:
        assert "population" in str(err) or "PADI bus" in str(err)
        event(f"RoutingError: {str(err).split(':')[0]}")
        return
    event("routed")
    net, columns = _routed(pop, proj)
    d = grenade.PopulationDescriptor(0)
    allowed = {int(a.toEnum()) for n in range(size) for a in net.circuits(d, n, target)}
    assert set(columns.tolist()) <= allowed and len(columns) == size * n_inputs


def test_docs_example_runs_and_prints_what_it_says():
    """The first example of docs/pynn.md "Multicompartment neurons"."""
    import contextlib
    import io
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "pynn.md").read_text()
    section = text[text.index("## Multicompartment neurons"):]
    start = section.index("```python\n") + len("```python\n")
    code = section[start:section.index("```", start)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/pynn.md", "exec"), {})
    assert out.getvalue().strip() == "['soma'] True"
