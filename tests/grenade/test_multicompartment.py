"""Multi-compartment neurons in grenade: placement of logical neurons, projections onto
compartments (synapses dealt over the compartment's circuits), recording compartments, and the
attenuation of a PSP along a chain of compartments on the emulated chip."""
from __future__ import annotations

from typing import List, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

import halco
import hxcomm
import lola
import grenade
from grenade import (CADCRecording, ExternalSourcePopulation, InputGenerator, MADCRecording, NetworkBuilder,
                     Population, Projection)

from .reference import ChipView, effective_connectivity, expected_connectivity

Coord = lola.AtomicNeuronOnLogicalNeuron


def chain(sizes: Sequence[int], rows: int = 1, conductance: int = 500, active: bool = True) -> lola.LogicalNeuron:
    """A chain of compartments of ``sizes[k]`` columns (``rows`` rows each), left to right: the last
    circuit of compartment k taps the shared line through its conductance, the first circuit of
    compartment k+1 taps it directly, the line is closed between them."""
    m = lola.Morphology()
    col = 0
    spans = []
    for n in sizes:
        m.create_compartment([Coord(c, r) for r in range(rows) for c in range(col, col + n)])
        spans.append((col, col + n - 1))
        col += n
    for k in range(len(sizes) - 1):
        m.connect_resistor_to_soma(Coord(spans[k][1], 0))
        m.connect_to_soma(Coord(spans[k + 1][0], 0))
        m.connect_soma_line(spans[k][1], spans[k + 1][0], 0)
    _, neuron = m.done()
    if active:
        for circuits in neuron.morphology.values():
            for i, n in enumerate(circuits):
                n.excitatory_input.enable = True
                n.excitatory_input.i_bias_gm = 1000
                n.excitatory_input.i_bias_tau = 100
                n.leak.i_bias = 200 if i == 0 else 0
                n.membrane_capacitance.capacitance = 63 if i == 0 else 0
                n.multicompartment.i_bias_nmda = conductance
                n.event_routing.analog_output = lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal
    return neuron


def atom(col, row=0):
    return halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(col), halco.NeuronRowOnDLS(row))


def enums(circuits) -> List[int]:
    return [int(a.toEnum()) for a in circuits]


# -- placement ----------------------------------------------------------------------------------

def test_logical_neurons_take_the_first_free_block_of_their_shape():
    b = NetworkBuilder()
    first = b.add(Population(3))                                    # circuits 0..2
    mc = b.add(Population(2, config=chain([2, 2])))                 # 4 columns each
    after = b.add(Population(2))
    net = b.done()
    assert net.placement[first.index].tolist() == [0, 1, 2]
    assert enums(net.circuits(mc, 0, 0)) == [3, 4] and enums(net.circuits(mc, 0, 1)) == [5, 6]
    assert enums(net.circuits(mc, 1, 0)) == [7, 8] and enums(net.circuits(mc, 1, 1)) == [9, 10]
    assert net.placement[mc.index].tolist() == [3, 7]               # spike masters: compartment 0, circuit 0
    assert net.placement[after.index].tolist() == [11, 12]
    assert net.logical_neuron(mc, 1) == lola.LogicalNeuronOnDLS(chain([2, 2]).compartments, atom(7))
    assert net.logical_neuron(first, 0) is None
    assert net.compartment_placement[mc.index][1].tolist() == [[5, 6], [9, 10]]
    assert net.populations[mc.index].compartment_sizes == (2, 2)
    with pytest.raises(IndexError, match="no compartment 2"):
        net.circuits(mc, 0, 2)


def test_logical_neurons_never_cross_the_halves_and_use_both_rows():
    b = NetworkBuilder()
    b.add(Population(126))                                          # top row 0..125
    mc = b.add(Population(3, config=chain([2, 2])))
    two_rows = b.add(Population(1, config=chain([1, 1], rows=2)))
    net = b.done()
    # 126..129 would cross column 127 -> 128: the first fits at 128
    assert [net.logical_neuron(mc, k).get_atomic_neurons()[0].x().value() for k in range(3)] == [128, 132, 136]
    circuits = net.logical_neuron(two_rows, 0).get_atomic_neurons()
    assert sorted(enums(circuits)) == [126, 127, 382, 383]           # first fit: the gap at 126, 127, both rows


def test_explicit_placement_by_coordinate_or_anchor_and_flipped_shapes():
    neuron = chain([1, 2])
    flipped = lola.LogicalNeuronOnDLS(neuron.compartments.flip_x(), atom(40))
    b = NetworkBuilder()
    mc = b.add(Population(2, config=neuron, placement=[flipped, atom(10, 1)]))
    auto = b.add(Population(1, config=neuron))
    net = b.done()
    assert enums(net.circuits(mc, 0, 0)) == [42] and enums(net.circuits(mc, 0, 1)) == [41, 40]
    assert enums(net.circuits(mc, 1, 0)) == [266]                   # bottom row, column 10
    assert enums(net.circuits(auto, 0, 0)) == [0]
    chip = grenade.build_chip(net, grenade.route(net))
    switches = chip.neuron_block.atomic_neurons
    # the flipped placement moves the connections: 40-41 merged, the line closed 41 -> 42
    assert switches[40].multicompartment.connect_right and not switches[41].multicompartment.connect_right
    assert switches[41].multicompartment.connect_soma_right and switches[42].multicompartment.enable_conductance


def test_placement_errors_name_the_population_and_the_shape():
    with pytest.raises(grenade.PlacementError, match="does not fit on the chip"):
        Population(65, config=chain([4, 4]))
    b = NetworkBuilder()
    b.add(Population(128, placement=list(range(0, 512, 4))))       # every fourth circuit: 384 free, in threes
    b.add(Population(1, config=chain([2, 2])))
    with pytest.raises(grenade.PlacementError, match=r"population 1: neuron 0 does not fit .* 4 column\(s\) x 1 "
                                                     r"row\(s\) within one half .* 384 circuits are free"):
        b.done()
    b = NetworkBuilder()
    b.add(Population(1, placement=[5]))
    b.add(Population(1, config=chain([2, 2]), placement=[atom(3)]))
    with pytest.raises(grenade.PlacementError, match="placement collision"):
        b.done()
    with pytest.raises(grenade.PlacementError, match="beyond column 127"):
        Population(1, config=chain([2, 2]), placement=[atom(126)])
    with pytest.raises(grenade.PlacementError, match="compartment sizes"):
        Population(1, config=chain([2, 2]), placement=[lola.LogicalNeuronOnDLS(chain([1, 3]).compartments, atom(0))])
    with pytest.raises(grenade.NetworkError, match="share one shape"):
        Population(2, config=[chain([2, 2]), chain([1, 3])])
    with pytest.raises(grenade.NetworkError, match="mixes"):
        Population(2, config=[chain([2, 2]), lola.AtomicNeuron()])


# -- projections onto compartments ----------------------------------------------------------------

def test_projection_onto_a_compartment_spreads_its_synapses_over_the_compartment_circuits():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(7))
    mc = b.add(Population(2, config=chain([3, 2])))
    proj = b.add(Projection("excitatory", src, mc, [(i, 1, 63) for i in range(7)], post_compartment=0))
    other = b.add(Projection("excitatory", src, mc, [(0, 1, 100)], post_compartment=1))   # 2 synapses
    net = b.done()
    routing = grenade.route(net)
    placed = routing.placed_connections(proj)
    columns = placed["column"] + 256 * placed["hemisphere"]
    soma = enums(net.circuits(mc, 1, 0))
    assert set(columns.tolist()) == set(soma)
    assert sorted(np.bincount(columns, minlength=512)[soma].tolist()) == [2, 2, 3]   # dealt in turn
    dend = routing.placed_connections(other)
    assert set((dend["column"] + 256 * dend["hemisphere"]).tolist()) <= set(enums(net.circuits(mc, 1, 1)))
    assert sorted(dend["weight"].tolist()) == [37, 63]
    # the synaptic inputs of all circuits are switched on, spikes leave from the spike masters only
    circuits = np.concatenate([c.ravel() for c in net.compartment_placement[mc.index]])
    assert routing.neuron_receptors[0, 0, circuits].all()
    assert routing.neuron_spike_out[net.placement[mc.index]].all()
    assert not routing.neuron_spike_out[np.setdiff1d(circuits, net.placement[mc.index])].any()
    view = ChipView.from_lola(grenade.build_chip(net, routing))
    assert effective_connectivity(view, net, routing.external_labels) == expected_connectivity(net)


def test_projection_compartments_are_validated():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    mc = b.add(Population(1, config=chain([2, 2])))
    point = b.add(Population(1))
    with pytest.raises(grenade.IndexOutOfRangeError, match="targets compartment 2 of population 1, whose neurons "
                                                           r"have 2 compartment\(s\)"):
        b.add(Projection("excitatory", src, mc, [(0, 0, 1)], post_compartment=2))
    with pytest.raises(grenade.IndexOutOfRangeError, match="compartment 1 of population 2"):
        b.add(Projection("excitatory", src, point, [(0, 0, 1)], post_compartment=1))
    with pytest.raises(grenade.NetworkError, match="pre compartment 1"):
        Projection.from_numpy("excitatory", src, mc, [[0, 1, 0, 0, 5]])
    with pytest.raises(grenade.NetworkError, match="2 entries for 1 connections"):
        Projection("excitatory", src, mc, [(0, 0, 1)], post_compartment=[0, 1])
    # the public (n, 5) layout carries the compartments; the same source may reach two compartments
    both = Projection.from_numpy("excitatory", src, mc, [[0, 0, 0, 0, 5], [0, 0, 0, 1, 6]])
    assert both.post_compartments.tolist() == [0, 1] and both.with_weights([1, 2]).post_compartments.tolist() == [0, 1]
    b.add(both)
    with pytest.raises(grenade.DuplicateConnectionError, match="onto compartment 1 occurs twice"):
        b.add(Projection("excitatory", src, mc, [(1, 0, 1), (1, 0, 2)], post_compartment=1))
    b.add(Projection("excitatory", src, mc, [(0, 0, 1)], post_compartment=lola.CompartmentOnLogicalNeuron(1)))
    with pytest.raises(grenade.DuplicateConnectionError, match=r"\(0 -> 0 compartment 1\)"):
        b.done()


def test_routing_follows_compartment_changes():
    def network(compartment):
        b = NetworkBuilder()
        src = b.add(ExternalSourcePopulation(1))
        mc = b.add(Population(1, config=chain([2, 2])))
        b.add(Projection("excitatory", src, mc, [(0, 0, 10)], post_compartment=compartment))
        return b.done()

    assert grenade.requires_routing(network(0), network(1))
    assert not grenade.requires_routing(network(1), network(1))


# -- recording compartments -------------------------------------------------------------------------

def test_madc_reads_a_circuit_of_each_compartment_in_columns_of_different_parity():
    b = NetworkBuilder()
    mc = b.add(Population(1, config=chain([2, 2, 2])))             # compartments at 0-1, 2-3, 4-5
    b.add(MADCRecording([(mc, 0, "membrane", 0), (mc, 0, None, 2)]))
    net = b.done()
    assert net.madc_atoms == (0, 5)                                 # 0 and 4 are both even: 5 instead
    b = NetworkBuilder()
    single = b.add(Population(1, config=chain([1, 2, 1])))        # compartments at 0, 1-2, 3
    b.add(MADCRecording([(single, 0, "membrane", 0), (single, 0, "membrane", 1)]))
    assert b.done().madc_atoms == (0, 1)
    b = NetworkBuilder()
    ends = b.add(Population(1, config=chain([1, 2, 3, 1])))      # compartments 0 and 3 at columns 0 and 6
    b.add(MADCRecording([(ends, 0, "membrane", 0), (ends, 0, "membrane", 3)]))
    with pytest.raises(grenade.RecordingError, match="recorded compartments must have circuits in columns of "
                                                     r"different parity .* \(0 and 6\)"):
        b.done()
    b = NetworkBuilder()
    mc = b.add(Population(1, config=chain([2, 2])))
    with pytest.raises(grenade.RecordingError, match="no compartment 2"):
        b.add(MADCRecording([(mc, 0, "membrane", 2)]))
    with pytest.raises(grenade.RecordingError, match=r"lists neuron \(0, 0\) compartment 1 twice"):
        MADCRecording([(mc, 0, "membrane", 1), (mc, 0, "exc_synin", 1)])
    b.add(CADCRecording([(mc, 0, 0), (mc, 0, 1)]))
    assert b.done().cadc_atoms == (0, 2)


@pytest.fixture(scope="module")
def chain_runs():
    """A chain of four compartments of two circuits, input into compartment 0, every compartment
    recorded on the MADC (one run each) and sampled by the CADC; for two conductances."""
    out = {}
    with hxcomm.ManagedConnection() as conn:
        for conductance in (100, 1000):
            neuron = chain([2, 2, 2, 2], conductance=conductance)
            madc, cadc = [], None
            for k in range(4):
                b = NetworkBuilder()
                src = b.add(ExternalSourcePopulation(10))
                mc = b.add(Population(1, config=neuron))
                b.add(Projection("excitatory", src, mc, [(i, 0, 30) for i in range(10)], post_compartment=0))
                b.add(MADCRecording([(mc, 0, "membrane", k)]))
                b.add(CADCRecording([(mc, 0, c) for c in range(4)], times=np.arange(0, 0.2, 0.002)))
                net = b.done()
                gen = InputGenerator(net, runtime=0.2).add([[0.1]] * 10, src)
                res = grenade.run(conn, net, None, gen)
                v = res.madc(mc, 0, compartment=k)["value"].astype(float)
                madc.append(v.max() - np.median(v[:1000]))
                if cadc is None:
                    cadc = [res.cadc(mc, 0, compartment=c)["value"].astype(float) for c in range(4)]
            out[conductance] = (np.array(madc), cadc)
    return out


def test_psp_attenuates_along_the_chain(chain_runs):
    for conductance, (amplitudes, cadc) in chain_runs.items():
        assert np.all(np.diff(amplitudes) < 0), (conductance, amplitudes)
        assert amplitudes[-1] > 2
        cadc_amplitudes = [c.max() - np.median(c[:40]) for c in cadc]
        assert cadc_amplitudes[0] > cadc_amplitudes[-1]


def test_lower_conductance_attenuates_more_and_keeps_the_local_psp_larger(chain_runs):
    weak, strong = chain_runs[100][0], chain_runs[1000][0]
    assert weak[-1] / weak[0] < 0.5 * strong[-1] / strong[0]
    assert weak[0] > strong[0]


# -- random chains: place and route, or fail clearly -----------------------------------------------

@st.composite
def chain_networks(draw):
    """A builder function: random chains (and atomic populations) fed by random projections
    onto random compartments."""
    n_src = draw(st.integers(1, 80))
    specs = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            n = draw(st.integers(1, 5))
            sizes = [draw(st.integers(1, 3))] + [draw(st.integers(2, 3)) for _ in range(max(0, n - 2))]
            sizes += [draw(st.integers(1, 3))] if n > 1 else []
            specs.append((draw(st.integers(1, 40)), sizes, draw(st.integers(1, 2))))
        else:
            specs.append((draw(st.integers(1, 150)), None, 1))
    seed = draw(st.integers(0, 2**32 - 1))
    receptors = draw(st.lists(st.sampled_from(["excitatory", "inhibitory"]), min_size=16, max_size=16))

    def build() -> grenade.Network:
        rng = np.random.default_rng(seed)
        b = NetworkBuilder()
        src = b.add(ExternalSourcePopulation(n_src))
        targets = []
        for size, sizes, rows in specs:
            config = None if sizes is None else chain(sizes, rows, active=False)
            targets.append((b.add(Population(size, config=config)), size, 1 if sizes is None else len(sizes)))
        k = 0
        for pop, size, n_comp in targets:
            for comp in range(n_comp):
                pairs = [(i, j) for i in range(n_src) for j in range(size) if rng.random() < 0.3]
                if pairs and rng.random() < 0.6:
                    w = rng.integers(1, 130, len(pairs))
                    b.add(Projection(receptors[k % 16], src, pop, [(i, j, int(x)) for (i, j), x in zip(pairs, w)],
                                     post_compartment=comp))
                    k += 1
        return b.done()

    return build


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain_networks())
def test_random_chains_place_and_route_or_fail_clearly(build):
    try:
        net = build()
    except grenade.PlacementError as err:
        assert "does not fit" in str(err) or "too many neurons" in str(err)
        event("PlacementError")
        return
    used = {}
    for p, pop in enumerate(net.populations):
        if not isinstance(pop, Population):
            continue
        for i in range(pop.size):
            circuits = [int(a) for c in net.compartment_placement[p] for a in c[i]]
            assert len({a % 256 // 128 for a in circuits}) == 1     # one half of the chip
            for a in circuits:
                assert a not in used, f"circuit {a} used twice"
                used[a] = (p, i)
            if pop.shape is not None:
                # the placed shape is the logical neuron's, shifted
                rel = sorted(((a % 256) - min(x % 256 for x in circuits), a // 256 - min(x // 256 for x in circuits))
                             for a in circuits)
                shape = [(n.x().value(), n.y().value()) for ns in pop.shape.get_compartments().values() for n in ns]
                assert rel == sorted(shape)
    try:
        routing = grenade.route(net)
    except grenade.RoutingError as err:
        assert "population" in str(err) or "PADI bus" in str(err)
        event(f"RoutingError: {str(err).split(':')[0]}")
        return
    event("routed")
    view = ChipView.from_routing(routing)
    assert effective_connectivity(view, net, routing.external_labels) == expected_connectivity(net)
    # connections onto one compartment are dealt evenly over its circuits
    for k, proj in enumerate(net.projections):
        placed = routing.placed_connections(grenade.ProjectionDescriptor(k))
        first = placed[np.r_[True, placed["connection"][1:] != placed["connection"][:-1]]]
        col = first["column"] + 256 * first["hemisphere"]
        comps = net.compartment_placement[proj.post.index]
        for c in np.unique(proj.post_compartments):
            for j in np.unique(proj.post_indices):
                circuits = comps[int(c)][j]
                sel = (proj.post_indices == j) & (proj.post_compartments == c)
                counts = np.array([np.count_nonzero(col[sel] == a) for a in circuits])
                assert counts.sum() == sel.sum() and counts.max() - counts.min() <= 1


def test_docs_example_runs_and_prints_what_it_says():
    """The multi-compartment example of docs/grenade.md."""
    import contextlib
    import io
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "grenade.md").read_text()
    section = text[text.index("**Multi-compartment neurons.**"):]
    start = section.index("```python\n") + len("```python\n")
    code = section[start:section.index("```", start)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/grenade.md", "exec"), {})
    assert out.getvalue().strip() == "[6, 7] (4, 7)"
