"""Morphology, LogicalNeuron and the multi-compartment coordinates."""
import pickle

import pytest

import halco
import lola
import stadls
from lola import (AtomicNeuronOnLogicalNeuron as coord, CompartmentOnLogicalNeuron, LogicalNeuronCompartments,
                  LogicalNeuronOnDLS, MorphologyError, NeuronColumnOnLogicalNeuron as column,
                  NeuronRowOnLogicalNeuron as row)

SLIDE = """
from dlens_vx_v3 import halco, lola

coord = halco.AtomicNeuronOnLogicalNeuron # relative coordinate
row = halco.NeuronRowOnLogicalNeuron # 0, 1
column = halco.NeuronColumnOnLogicalNeuron # 0, 1, ..., 127

morphology = lola.Morphology()

# create compartments: main branch
morphology.create_compartment([coord(0, 0), coord(1, 0)])
morphology.create_compartment([coord(2, 0), coord(3, 0), coord(3, 1)])

# create compartments: sub branches
for row_coord in [0, 1]:
    for column_coord in [4, 6]:
        morphology.create_compartment([coord(column_coord, row_coord),
                                       coord(column_coord + 1, row_coord)])

# enable conductance to shared line
morphology.connect_resistor_to_soma(coord(1, 0))
for row_coord in [0, 1]:
    for column_coord in [3, 5]:
        morphology.connect_resistor_to_soma(coord(column_coord, row_coord))

# direct connection to shared line
morphology.connect_to_soma(coord(2, 0))
for row_coord in [0, 1]:
    for column_coord in [4, 6]:
        morphology.connect_to_soma(coord(column_coord, row_coord))

# connect somatic shared line
morphology.connect_soma_line(start=column(1), end=column(2), row=row(0))
for row_coord in [row(0), row(1)]:
    morphology.connect_soma_line(column(3), column(4), row_coord)
    morphology.connect_soma_line(column(5), column(6), row_coord)

neuron_coordinate, logical_neuron = morphology.done()
"""


def slide():
    ns = {}
    exec(SLIDE, ns)
    return ns["morphology"], ns["neuron_coordinate"], ns["logical_neuron"]


def c(x, y):
    return coord(column(x), row(y))


def test_slide_example_compartments():
    morph, shape, ln = slide()
    assert isinstance(shape, LogicalNeuronCompartments) and isinstance(ln, lola.LogicalNeuron)
    comps = {k.value(): [(n.x().value(), n.y().value()) for n in v] for k, v in shape.get_compartments().items()}
    assert comps == {0: [(0, 0), (1, 0)], 1: [(2, 0), (3, 0), (3, 1)], 2: [(4, 0), (5, 0)], 3: [(6, 0), (7, 0)],
                     4: [(4, 1), (5, 1)], 5: [(6, 1), (7, 1)]}
    assert ln.compartments == shape
    assert [len(v) for v in ln.morphology.values()] == [2, 3, 2, 2, 2, 2]


def test_slide_example_switches():
    morph, shape, ln = slide()
    sw = {(n.x().value(), n.y().value()): s for n, s in morph.morphology.items()}
    on = {name: sorted(p for p, s in sw.items() if getattr(s, name)) for name in
          ("connect_right", "connect_vertical", "connect_soma", "enable_conductance", "connect_soma_right")}
    assert on["connect_right"] == [(0, 0), (2, 0), (4, 0), (4, 1), (6, 0), (6, 1)]
    assert on["connect_vertical"] == [(3, 0), (3, 1)]
    assert on["connect_soma"] == [(2, 0), (4, 0), (4, 1), (6, 0), (6, 1)]
    assert on["enable_conductance"] == [(1, 0), (3, 0), (3, 1), (5, 0), (5, 1)]
    assert on["connect_soma_right"] == [(1, 0), (3, 0), (3, 1), (5, 0), (5, 1)]
    # the LogicalNeuron holds the same switches, per compartment and index
    assert ln[(1, 2)].multicompartment.connect_vertical and ln[(1, 2)].multicompartment.enable_conductance
    assert ln[(CompartmentOnLogicalNeuron(0), 0)].multicompartment.connect_right
    assert "R" in morph.sketch() and "N-N" in morph.sketch()


def test_placing_the_slide_neuron_on_a_chip():
    _, shape, ln = slide()
    anchor = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(130), halco.NeuronRowOnDLS(0))
    placed = LogicalNeuronOnDLS(shape, anchor)
    assert placed.get_placed_compartments()[CompartmentOnLogicalNeuron(1)][2] == \
        halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(133), halco.NeuronRowOnDLS(1))
    chip = lola.Chip()
    ln[(0, 0)].leak.v_leak = 321
    chip.neuron_block.set_logical_neuron(placed, ln)
    mc = {}
    for x in range(130, 138):
        for y in (0, 1):
            n = chip.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(x),
                                                                         halco.NeuronRowOnDLS(y))]
            mc[(x - 130, y)] = n.multicompartment
    assert chip.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS(halco.Enum(130))].leak.v_leak == 321
    assert sorted(p for p, s in mc.items() if s.connect_right) == [(0, 0), (2, 0), (4, 0), (4, 1), (6, 0), (6, 1)]
    assert sorted(p for p, s in mc.items() if s.connect_vertical) == [(3, 0), (3, 1)]
    assert sorted(p for p, s in mc.items() if s.connect_soma_right) == [(1, 0), (3, 0), (3, 1), (5, 0), (5, 1)]
    assert sorted(p for p, s in mc.items() if s.enable_conductance) == [(1, 0), (3, 0), (3, 1), (5, 0), (5, 1)]
    assert sorted(p for p, s in mc.items() if s.connect_soma) == [(2, 0), (4, 0), (4, 1), (6, 0), (6, 1)]
    assert not mc[(0, 1)].connect_right and not mc[(7, 0)].connect_right  # untouched neighbours


def test_flipped_placement_moves_right_connections():
    m = lola.Morphology()
    m.create_compartment([c(0, 0), c(1, 0), c(2, 0)])
    m.create_compartment([c(3, 0)])
    m.connect_resistor_to_soma(c(2, 0))
    m.connect_to_soma(c(3, 0))
    m.connect_soma_line(2, 3, 0)
    shape, ln = m.done()
    anchor = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(10), halco.NeuronRowOnDLS(1))
    placed = ln.place(LogicalNeuronOnDLS(shape.flip_x(), anchor))
    at = {a.x().value() - 10: n.multicompartment for a, n in placed.items()}
    # flipped: compartment 1 (old column 3) at 0, soma line 0-1, compartment 0 at 1..3
    assert at[0].connect_soma and at[0].connect_soma_right and not at[0].connect_right
    assert at[1].enable_conductance and at[1].connect_right and at[2].connect_right and not at[3].connect_right
    with pytest.raises(ValueError, match="does not match"):
        ln.place(LogicalNeuronOnDLS(LogicalNeuronCompartments({0: [c(0, 0)]}), anchor))


def test_builder_writes_a_logical_neuron(connection):
    _, shape, ln = slide()
    placed = LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(0), halco.NeuronRowOnDLS(0)))
    builder = stadls.PlaybackProgramBuilder()
    builder.write(placed, ln)
    t = builder.read(halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(3), halco.NeuronRowOnDLS(1)))
    stadls.run(connection, builder.done())
    mc = t.get().multicompartment
    assert mc.connect_vertical and mc.enable_conductance and mc.connect_soma_right and not mc.connect_soma


# -- errors ---------------------------------------------------------------------------------

def test_overlapping_compartments():
    m = lola.Morphology()
    m.create_compartment([c(0, 0), c(1, 0)])
    with pytest.raises(MorphologyError, match=r"already in compartment 0"):
        m.create_compartment([c(1, 0), c(2, 0)])
    with pytest.raises(MorphologyError, match="listed twice"):
        m.create_compartment([c(5, 0), c(5, 0)])
    with pytest.raises(ValueError, match="Multiple compartments contain the same neuron"):
        LogicalNeuronCompartments({0: [c(0, 0)], 1: [c(0, 0)]})


def test_non_contiguous_and_empty_compartments():
    m = lola.Morphology()
    with pytest.raises(MorphologyError, match="not a contiguous block"):
        m.create_compartment([c(0, 0), c(2, 0)])
    with pytest.raises(MorphologyError, match="not a contiguous block"):
        m.create_compartment([c(0, 0), c(1, 1)])  # diagonal
    with pytest.raises(MorphologyError, match="at least one neuron"):
        m.create_compartment([])
    with pytest.raises(MorphologyError, match="empty"):
        m.done()
    with pytest.raises(TypeError, match="AtomicNeuronOnLogicalNeuron"):
        m.create_compartment([halco.AtomicNeuronOnDLS()])


def test_out_of_range_positions():
    with pytest.raises(ValueError, match=r"out of range \[0, 127\]"):
        coord(128, 0)
    with pytest.raises(ValueError, match=r"out of range \[0, 1\]"):
        coord(0, 2)
    m = lola.Morphology()
    with pytest.raises(ValueError, match="out of range"):
        m.connect_soma_line(0, 128, 0)
    with pytest.raises(MorphologyError, match="right of end"):
        m.connect_soma_line(5, 3, 0)
    shape = LogicalNeuronCompartments({0: [c(0, 0), c(1, 0)], 1: [c(1, 1)]})
    with pytest.raises(ValueError, match="outside the neuron grid"):
        LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(0), halco.NeuronRowOnDLS(1)))
    with pytest.raises(ValueError, match="beyond column 127"):
        LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(127), halco.NeuronRowOnDLS(0)))
    with pytest.raises(ValueError, match="beyond column 255"):
        LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(255), halco.NeuronRowOnDLS(0)))
    assert len(LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.Enum(126))).get_atomic_neurons()) == 3


def test_disconnected_compartments():
    m = lola.Morphology()
    m.create_compartment([c(0, 0)])
    m.create_compartment([c(2, 0)])
    m.connect_to_soma(c(0, 0))
    m.connect_resistor_to_soma(c(2, 0))  # taps a separate (single-column) line segment
    with pytest.raises(MorphologyError, match="not connected: compartment 1"):
        m.done()
    m.connect_soma_line(0, 2, 0)          # now linked (column 1 is a bridge)
    shape, ln = m.done()
    assert len(shape) == 3 and shape.get_compartments()[CompartmentOnLogicalNeuron(2)] == [c(1, 0)]
    m.create_compartment([c(4, 1)])       # never connected; created ones come first: index 2
    with pytest.raises(MorphologyError, match=r"not connected: compartment 2 \(AtomicNeuronOnLogicalNeuron\(Neuron"
                                              r"ColumnOnLogicalNeuron\(4\)"):
        m.done()
    m2 = lola.Morphology()
    m2.create_compartment([c(0, 0)])
    m2.create_compartment([c(1, 0)])      # under the line, but not tapping it
    m2.create_compartment([c(2, 0)])
    m2.connect_to_soma(c(0, 0))
    m2.connect_resistor_to_soma(c(2, 0))
    m2.connect_soma_line(0, 2, 0)
    m2.done()                             # 1 continues the line (a bridge): linked
    m2.connect_to_soma(c(3, 1))
    with pytest.raises(MorphologyError, match="not connected: compartment 3"):
        m2.done()


def test_compartments_merged_through_direct_connections():
    m = lola.Morphology()
    m.create_compartment([c(0, 0)])
    m.create_compartment([c(1, 0)])
    m.connect_to_soma(c(0, 0))
    m.connect_to_soma(c(1, 0))
    m.connect_soma_line(0, 1, 0)
    with pytest.raises(MorphologyError, match="compartments 0 and 1 are merged through direct connections"):
        m.done()
    m2 = lola.Morphology()
    m2.create_compartment([c(0, 0)])
    m2.connect_to_soma(c(0, 0))
    m2.connect_to_soma(c(1, 0))  # not in any compartment, joined directly
    m2.connect_soma_line(0, 1, 0)
    with pytest.raises(MorphologyError, match="compartment 0 is larger than created"):
        m2.done()


def test_conflicting_soma_connections():
    m = lola.Morphology()
    m.connect_to_soma(c(0, 0))
    with pytest.raises(MorphologyError, match="already connected directly"):
        m.connect_resistor_to_soma(c(0, 0))
    m.connect_resistor_to_soma(c(1, 0))
    with pytest.raises(MorphologyError, match="through its conductance"):
        m.connect_to_soma(c(1, 0))


def test_mc_safe_neuron_protects_morphology_switches():
    _, _, ln = slide()
    n = ln[(1, 2)]
    n.leak.v_leak = 222                       # parameters are free
    n.multicompartment.i_bias_nmda = 100
    n.multicompartment.enable_conductance_division = True
    assert ln[(1, 2)].leak.v_leak == 222
    for switch in ("connect_soma", "connect_soma_right", "connect_right", "connect_vertical",
                   "enable_conductance"):
        with pytest.raises(AttributeError, match="morphology switch"):
            setattr(n.multicompartment, switch, True)
    with pytest.raises(ValueError, match="would change the morphology"):
        n.multicompartment = lola.AtomicNeuron.Multicompartment()
    plain = lola.AtomicNeuron()
    plain.leak.v_leak = 99
    with pytest.raises(ValueError, match="would change the morphology"):
        ln[(1, 2)] = plain
    plain.multicompartment = n.multicompartment
    ln[(1, 2)] = plain
    assert ln[(1, 2)].leak.v_leak == 99
    with pytest.raises(IndexError):
        ln[(1, 3)]
    with pytest.raises(IndexError):
        ln[(9, 0)]


def test_value_semantics():
    _, shape, ln = slide()
    assert pickle.loads(pickle.dumps(ln)) == ln
    assert lola.LogicalNeuron.from_dict(ln.to_dict()) == ln
    other = ln.copy()
    other[(0, 0)].leak.v_leak = 1
    assert other != ln
    assert LogicalNeuronCompartments.from_dict(shape.to_dict()) == shape
    assert halco.from_dict(shape.to_dict()) == shape
    assert hash(shape) == hash(LogicalNeuronCompartments(shape.get_compartments()))
    assert shape.flip_x().flip_x() == shape and shape.flip_y() != shape
    placed = LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.Enum(40)))
    assert halco.from_dict(placed.to_dict()) == placed and pickle.loads(pickle.dumps(placed)) == placed
    assert {placed: 1}[LogicalNeuronOnDLS(shape, halco.AtomicNeuronOnDLS(halco.Enum(40)))] == 1
    n = coord(3, 1)
    assert n.get_neighbor(coord.Direction.left) == coord(2, 1)
    assert n.get_neighbor(coord.Direction.opposite_row) == coord(3, 0)
    with pytest.raises(ValueError):
        coord(127, 0).get_neighbor(coord.Direction.right)
