"""Conversions: round trips over every instance, and hand-checked facts from the reference."""
import itertools

import pytest

import halco
from halco import Enum, iter_all

NEURON_TYPES = [halco.AtomicNeuronOnDLS, halco.NeuronConfigOnDLS, halco.NeuronBackendConfigOnDLS,
                halco.NeuronResetOnDLS, halco.SpikeCounterReadOnDLS, halco.SpikeCounterResetOnDLS]


def neuron(col, row):
    return halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(col), halco.NeuronRowOnDLS(row))


# --------------------------------------------------------------------------- generic round trips

@pytest.mark.parametrize("T", [T for T in halco.coordinate_types() if issubclass(T, halco.Grid)],
                         ids=lambda T: T.__name__)
def test_grid_round_trip(T):
    X, Y = T._X, T._Y
    for c in itertools.islice(iter_all(T), 0, None, max(1, T.size // 3000)):
        x, y = c.x(), c.y()
        assert type(x) is X and type(y) is Y
        assert T(x, y) == c == T(y, x) == T(x=x, y=y)
        assert getattr(c, "to" + X.__name__)() == x
        assert getattr(c, "to" + Y.__name__)() == y
        if not issubclass(T, halco.SparseGrid):
            assert c.toEnum() == y.toEnum() * X.size + x.toEnum()  # row-major


@pytest.mark.parametrize("T", [T for T in halco.coordinate_types() if issubclass(T, halco.Mixin)],
                         ids=lambda T: T.__name__)
def test_mixin_round_trip(T):
    L, B = T._L, T._B
    step = max(1, T.size // 3000)
    for e in range(0, T.size, step):
        c = T(Enum(e))
        block, local = c.split()
        assert type(local) is L and type(block) is B
        assert getattr(c, "to" + L.__name__)() == local
        assert getattr(c, "to" + B.__name__)() == block
        assert T(local, block) == c == T(block, local)
        assert c.toEnum() == block.toEnum() * L.size + local.toEnum()
        lname, bname = T._names
        assert T(**{lname: local, bname: block}) == c
    # block defaults to 0, as in the public API
    assert T(L()) == T()


def test_neuron_numberings_round_trip_and_agree():
    for a in iter_all(halco.AtomicNeuronOnDLS):
        assert halco.AtomicNeuronOnDLS(a.toNeuronColumnOnDLS(), a.toNeuronRowOnDLS()) == a
        views = [a] + [getattr(a, "to" + T.__name__)() for T in NEURON_TYPES[1:]]
        by_type = dict(zip(NEURON_TYPES, views))
        for v in views:
            for T in NEURON_TYPES:
                if T is not type(v):
                    assert getattr(v, "to" + T.__name__)() == by_type[T], (v, T)
            for conv in ("toNeuronColumnOnDLS", "toNeuronRowOnDLS", "toCapMemBlockOnDLS",
                         "toCapMemColumnOnCapMemBlock", "toSynramOnDLS", "toHemisphereOnDLS",
                         "toNeuronEventOutputOnDLS", "toSynapseQuadColumnOnDLS", "toEntryOnQuad",
                         "toNeuronConfigBlockOnDLS", "toNeuronBackendConfigBlockOnDLS",
                         "toColumnCorrelationQuadOnDLS", "toColumnCurrentQuadOnDLS"):
                assert getattr(v, conv)() == getattr(a, conv)(), (v, conv)
    # each numbering is a bijection
    for T in NEURON_TYPES:
        assert len({getattr(a, "to" + T.__name__)() if T is not halco.AtomicNeuronOnDLS else a
                    for a in iter_all(halco.AtomicNeuronOnDLS)}) == 512


def test_neuron_to_capmem_cells():
    seen = set()
    for a in iter_all(halco.AtomicNeuronOnDLS):
        for row in iter_all(halco.CapMemRowOnCapMemBlock):
            cell = a.toCapMemCellOnDLS(row)
            assert cell.toCapMemBlockOnDLS() == a.toCapMemBlockOnDLS()
            assert cell.toCapMemColumnOnCapMemBlock() == a.toCapMemColumnOnCapMemBlock()
            assert cell.toCapMemRowOnCapMemBlock() == row
            assert cell.toAtomicNeuronOnDLS() == a
            seen.add(cell)
    assert len(seen) == 512 * 24
    shared = [c for c in iter_all(halco.CapMemCellOnDLS) if c.toCapMemCellOnCapMemBlock().isShared()]
    assert len(shared) == 4 * 2 * 24 and all(c.toAtomicNeuronOnDLS() is None for c in shared)


def test_capmem_cell_round_trip():
    for c in iter_all(halco.CapMemCellOnDLS):
        cell, block = c.toCapMemCellOnCapMemBlock(), c.toCapMemBlockOnDLS()
        assert halco.CapMemCellOnDLS(cell, block) == c
        assert halco.CapMemCellOnDLS(cell=cell, block=block) == c
        col, row = cell.toCapMemColumnOnCapMemBlock(), cell.toCapMemRowOnCapMemBlock()
        assert halco.CapMemCellOnCapMemBlock(col, row) == cell
        assert c.toCapMemColumnOnCapMemBlock() == col  # the local type's conversions carry over
        assert cell.isShared() == col.isShared() == (col.value() >= 128)
    for b in iter_all(halco.CapMemBlockOnDLS):
        assert halco.CapMemBlockOnDLS(b.toCapMemBlockOnHemisphere(), b.toHemisphereOnDLS()) == b
        assert b.toNeuronConfigBlockOnDLS().toCapMemBlockOnDLS() == b


def test_synapse_driver_round_trips():
    rows = []
    for d in iter_all(halco.SynapseDriverOnSynapseDriverBlock):
        bus, on_bus = d.toPADIBusOnPADIBusBlock(), d.toSynapseDriverOnPADIBus()
        assert halco.SynapseDriverOnSynapseDriverBlock(on_bus, bus) == d
        assert on_bus.toSynapseDriverOnSynapseDriverBlock()[bus] == d
        assert bus.toSynapseDriverOnSynapseDriverBlock()[on_bus] == d
        pair = d.toSynapseRowOnSynram()
        assert [r.value() for r in pair] == [2 * d.value(), 2 * d.value() + 1]
        for k, r in enumerate(pair):
            assert r.toSynapseDriverOnSynapseDriverBlock() == d
            assert r.toSynapseRowOnSynapseDriver() == halco.SynapseRowOnSynapseDriver(k)
            assert pair[r.toSynapseRowOnSynapseDriver()] == r
        rows += pair
    assert sorted(rows) == list(iter_all(halco.SynapseRowOnSynram))
    for d in iter_all(halco.SynapseDriverOnDLS):
        local, block = d.toSynapseDriverOnSynapseDriverBlock(), d.toSynapseDriverBlockOnDLS()
        assert halco.SynapseDriverOnDLS(local, block) == d
        assert d.toPADIBusOnDLS() == halco.PADIBusOnDLS(local.toPADIBusOnPADIBusBlock(),
                                                        block.toPADIBusBlockOnDLS())
        for r in d.toSynapseRowOnDLS():
            assert r.toSynapseDriverOnDLS() == d
            assert r.toSynramOnDLS() == block.toSynramOnDLS()
        assert [r.toSynapseRowOnSynram() for r in d.toSynapseRowOnDLS()] == list(local.toSynapseRowOnSynram())
        assert d.toCapMemBlockOnDLS().toHemisphereOnDLS() == block.toHemisphereOnDLS()


def test_synapse_column_quad_mapping_is_a_bijection():
    pairs = set()
    for s in iter_all(halco.SynapseOnSynapseRow):
        q, e = s.toSynapseQuadColumnOnDLS(), s.toEntryOnQuad()
        assert halco.SynapseOnSynapseRow(e, q) == s
        assert q.toNeuronColumnOnDLS()[e] == s.toNeuronColumnOnDLS()
        assert q.toSynapseOnSynapseRow()[e] == s
        assert s.toNeuronColumnOnDLS().toSynapseOnSynapseRow() == s
        assert s.toNeuronColumnOnDLS().toSynapseQuadColumnOnDLS() == q
        pairs.add((q, e))
    assert len(pairs) == 256


def test_synapse_on_dls_to_quad():
    counts = {}
    for s in itertools.islice(iter_all(halco.SynapseOnDLS), 0, None, 7):
        quad = s.toSynapseQuadOnDLS()
        col = s.toSynapseOnSynram().toSynapseOnSynapseRow()
        assert quad.toSynapseQuadOnSynram().toSynapseQuadColumnOnDLS() == col.toSynapseQuadColumnOnDLS()
        assert quad.toSynapseRowOnSynram() == s.toSynapseOnSynram().toSynapseRowOnSynram()
        assert quad.toSynramOnDLS() == s.toSynramOnDLS()
        assert s.toAtomicNeuronOnDLS() == halco.AtomicNeuronOnDLS(
            col.toNeuronColumnOnDLS(), s.toSynramOnDLS().toNeuronRowOnDLS())
        counts[quad] = counts.get(quad, 0) + 1
    assert max(counts.values()) <= 4


def test_quad_types_share_enum():
    quads = [halco.SynapseQuadOnDLS, halco.SynapseWeightQuadOnDLS, halco.SynapseLabelQuadOnDLS,
             halco.SynapseCorrelationCalibQuadOnDLS, halco.CorrelationResetOnDLS]
    for e in (0, 1, 16383, 16384, 32767):
        for A, B in itertools.permutations(quads, 2):
            a = A(Enum(e))
            b = getattr(a, "to" + B.__name__)()
            assert type(b) is B and b.toEnum() == e
        q = halco.SynapseQuadOnDLS(Enum(e))
        assert q.toSynapseWeightQuadOnDLS().toNeuronConfigBlockOnDLS() == q.toNeuronConfigBlockOnDLS()


def test_quad_neuron_config_block_matches_columns():
    for q in iter_all(halco.SynapseQuadColumnOnDLS):
        for syn in iter_all(halco.SynramOnDLS):
            quad = halco.SynapseQuadOnDLS(halco.SynapseQuadOnSynram(q, halco.SynapseRowOnSynram(3)), syn)
            blocks = {halco.AtomicNeuronOnDLS(c, syn.toNeuronRowOnDLS()).toNeuronConfigBlockOnDLS()
                      for c in q.toNeuronColumnOnDLS()}
            assert blocks == {quad.toNeuronConfigBlockOnDLS()}


def test_crossbar_inputs_and_outputs_round_trip():
    kinds = {"neuron": 0, "l2": 0, "bg": 0}
    for i in iter_all(halco.CrossbarInputOnDLS):
        n, s, b = i.toNeuronEventOutputOnDLS(), i.toSPL1Address(), i.toBackgroundSpikeSourceOnDLS()
        assert sum(x is not None for x in (n, s, b)) == 1
        back = (n or s or b).toCrossbarInputOnDLS()
        assert back == i
        kinds["neuron" if n is not None else "l2" if s is not None else "bg"] += 1
    assert kinds == {"neuron": 8, "l2": 4, "bg": 8}
    for o in iter_all(halco.CrossbarOutputOnDLS):
        p, l2 = o.toPADIBusOnDLS(), o.toCrossbarL2OutputOnDLS()
        assert (p is None) != (l2 is None)
        assert (p or l2).toCrossbarOutputOnDLS() == o
    for p in iter_all(halco.PADIBusOnDLS):
        assert p.toCrossbarOutputOnDLS().toPADIBusOnDLS() == p
    for l2 in iter_all(halco.CrossbarL2OutputOnDLS):
        assert l2.toSPL1Address().toCrossbarL2OutputOnDLS() == l2


def test_hemisphere_group_links_everything():
    group = halco.HEMISPHERE_COORDINATES
    assert halco.HemisphereOnDLS in group and halco.NeuronRowOnDLS in group
    for A, B in itertools.permutations(group, 2):
        for e in (0, 1):
            b = getattr(A(e), "to" + B.__name__)()
            assert type(b) is B and b.value() == e
            assert getattr(b, "to" + A.__name__)() == A(e)
    for T in group:
        assert T.top == T(0) and T.bottom == T(1)


def test_ppu_memory_word_round_trip():
    for w in itertools.islice(iter_all(halco.PPUMemoryWordOnDLS), 0, None, 13):
        assert halco.PPUMemoryWordOnDLS(w.toPPUMemoryWordOnPPU(), w.toPPUOnDLS()) == w
        assert w.toEnum() == w.toPPUOnDLS().value() * 4096 + w.toPPUMemoryWordOnPPU().value()


# ---------------------------------------------------------------------------- hand facts

def test_facts_neurons():
    n = neuron(3, 1)
    assert n.toEnum() == 259 and halco.AtomicNeuronOnDLS(Enum(259)) == n
    assert repr(n) == "AtomicNeuronOnDLS(NeuronColumnOnDLS(3), NeuronRowOnDLS(1))"
    cfg = halco.NeuronConfigOnDLS(halco.NeuronConfigOnNeuronConfigBlock(5), halco.NeuronConfigBlockOnDLS(2))
    assert cfg.toEnum() == 2 * 128 + 5
    assert cfg.toNeuronConfigBlockOnDLS() == halco.NeuronConfigBlockOnDLS(2)
    assert cfg.toNeuronConfigOnNeuronConfigBlock() == halco.NeuronConfigOnNeuronConfigBlock(5)
    assert cfg.toAtomicNeuronOnDLS() == neuron(5, 1)
    m = neuron(200, 1)
    assert m.toNeuronConfigOnDLS() == halco.NeuronConfigOnDLS(halco.NeuronConfigOnNeuronConfigBlock(72),
                                                              halco.NeuronConfigBlockOnDLS(3))
    assert m.toCapMemBlockOnDLS() == halco.CapMemBlockOnDLS(3)
    assert m.toCapMemColumnOnCapMemBlock() == halco.CapMemColumnOnCapMemBlock(72)
    assert m.toNeuronBackendConfigOnDLS() == halco.NeuronBackendConfigOnDLS(
        halco.NeuronBackendConfigOnNeuronBackendConfigBlock(128 + 72), halco.NeuronBackendConfigBlockOnDLS(1))
    assert m.toNeuronResetOnDLS().toEnum() == 256 + 200
    assert m.toNeuronEventOutputOnDLS() == halco.NeuronEventOutputOnDLS(Enum(6))
    assert m.toSynramOnDLS() == halco.SynramOnDLS.bottom
    assert m.toHemisphereOnDLS() == halco.HemisphereOnDLS.bottom
    assert halco.NeuronColumnOnDLS(200).toNeuronEventOutputOnDLS().toCrossbarInputOnDLS() == \
        halco.CrossbarInputOnDLS(6)
    assert halco.NeuronColumnOnDLS(31).toNeuronEventOutputOnDLS() == halco.NeuronEventOutputOnDLS(Enum(0))
    assert halco.NeuronColumnOnDLS(32).toNeuronEventOutputOnDLS() == halco.NeuronEventOutputOnDLS(Enum(1))
    assert halco.NeuronBackendConfigOnNeuronBackendConfigBlock(128 + 40).toNeuronEventOutputOnNeuronBackendBlock() \
        == halco.NeuronEventOutputOnNeuronBackendBlock(1)
    assert halco.NeuronRowOnDLS.top == halco.NeuronRowOnDLS(0)
    assert halco.NeuronRowOnDLS(1).toSynramOnDLS() == halco.SynramOnDLS(1)
    assert halco.NeuronRowOnDLS(0).toHemisphereOnDLS() == halco.HemisphereOnDLS.top
    resets = halco.NeuronResetQuadOnDLS(halco.SynapseQuadColumnOnDLS(32), halco.SynramOnDLS(1)).toNeuronResetOnDLS()
    assert {r.toNeuronColumnOnDLS().value() for r in resets} == {1, 3, 5, 7}
    assert {r.toNeuronRowOnDLS().value() for r in resets} == {1}


def test_facts_synapse_drivers_and_padi():
    d = halco.SynapseDriverOnSynapseDriverBlock(5)
    assert d.toPADIBusOnPADIBusBlock() == halco.PADIBusOnPADIBusBlock(1)
    assert d.toSynapseDriverOnPADIBus() == halco.SynapseDriverOnPADIBus(1)
    assert d.toSynapseRowOnSynram() == (halco.SynapseRowOnSynram(10), halco.SynapseRowOnSynram(11))
    assert halco.SynapseRowOnSynram(11).toSynapseDriverOnSynapseDriverBlock() == d
    assert halco.SynapseRowOnSynram(11).toSynapseRowOnSynapseDriver() == halco.SynapseRowOnSynapseDriver.bottom
    top, bottom = halco.SynapseDriverBlockOnDLS.top, halco.SynapseDriverBlockOnDLS.bottom
    cap = lambda i, b: halco.SynapseDriverOnDLS(halco.SynapseDriverOnSynapseDriverBlock(i), b).toCapMemBlockOnDLS()
    assert [cap(4, top), cap(5, top), cap(4, bottom), cap(127, bottom)] == \
        [halco.CapMemBlockOnDLS(v) for v in (0, 1, 2, 3)]
    assert halco.SynapseDriverOnDLS(d, bottom).toPADIBusOnDLS() == halco.PADIBusOnDLS(Enum(5))
    assert halco.SynapseDriverOnDLS(d, bottom).toSynapseRowOnDLS()[1] == halco.SynapseRowOnDLS(
        halco.SynapseRowOnSynram(11), halco.SynramOnDLS(1))
    assert halco.PADIBusOnDLS(halco.PADIBusOnPADIBusBlock(2), halco.PADIBusBlockOnDLS(1)).toCrossbarOutputOnDLS() \
        == halco.CrossbarOutputOnDLS(6)
    assert halco.HemisphereOnDLS(1).toPADIBusBlockOnDLS() == halco.PADIBusBlockOnDLS(1)
    assert halco.HemisphereOnDLS(1).toSynapseDriverBlockOnDLS() == halco.SynapseDriverBlockOnDLS(1)
    assert halco.HemisphereOnDLS(0).toCADCOnDLS() == halco.CADCOnDLS(0)
    assert halco.HemisphereOnDLS(1).toPPUOnDLS() == halco.PPUOnDLS.bottom
    assert halco.HemisphereOnDLS(1).toNeuronRowOnDLS() == halco.NeuronRowOnDLS.bottom


def test_facts_crossbar_sources():
    assert halco.BackgroundSpikeSourceOnDLS(5).toCrossbarInputOnDLS() == halco.CrossbarInputOnDLS(17)
    assert halco.BackgroundSpikeSourceOnDLS(5).toPADIBusOnDLS() == halco.PADIBusOnDLS(
        halco.PADIBusOnPADIBusBlock(1), halco.PADIBusBlockOnDLS(1))
    assert halco.BackgroundSpikeSourceOnDLS(5).toCrossbarL2OutputOnDLS() == halco.CrossbarL2OutputOnDLS(1)
    assert halco.SPL1Address(2).toCrossbarInputOnDLS() == halco.CrossbarInputOnDLS(10)
    assert halco.CrossbarOutputOnDLS(9).toPADIBusOnDLS() is None
    assert halco.CrossbarOutputOnDLS(9).toCrossbarL2OutputOnDLS() == halco.CrossbarL2OutputOnDLS(1)
    assert halco.CrossbarOutputOnDLS(3).toCrossbarL2OutputOnDLS() is None
    assert halco.CrossbarL2OutputOnDLS(3).toCrossbarOutputOnDLS() == halco.CrossbarOutputOnDLS(11)
    assert halco.CrossbarInputOnDLS(12).toBackgroundSpikeSourceOnDLS() == halco.BackgroundSpikeSourceOnDLS(0)
    assert halco.CrossbarInputOnDLS(11).toSPL1Address() == halco.SPL1Address(3)


@pytest.mark.parametrize("col,quad,entry", [
    (0, 0, 3), (1, 32, 3), (2, 0, 2), (6, 0, 0), (7, 32, 0), (8, 1, 3), (9, 33, 3),
    (128, 16, 3), (254, 31, 0), (255, 63, 0),
])
def test_facts_synapse_quad_layout(col, quad, entry):
    """Public v3 layout: even columns in quads 0..31, odd in 32..63, entries reversed."""
    s = halco.SynapseOnSynapseRow(col)
    assert s.toSynapseQuadColumnOnDLS() == halco.SynapseQuadColumnOnDLS(quad)
    assert s.toEntryOnQuad() == halco.EntryOnQuad(entry)
    assert halco.SynapseOnSynapseRow(halco.EntryOnQuad(entry), halco.SynapseQuadColumnOnDLS(quad)) == s
    assert halco.NeuronColumnOnDLS(col).toSynapseOnSynapseRow() == s


def test_facts_quads_and_cadc():
    row = halco.SynapseRowOnSynram(0)
    block = lambda q, s: halco.SynapseQuadOnDLS(
        halco.SynapseQuadOnSynram(halco.SynapseQuadColumnOnDLS(q), row), halco.SynramOnDLS(s)
    ).toNeuronConfigBlockOnDLS().value()
    assert [block(0, 0), block(15, 0), block(16, 0), block(47, 1), block(48, 1), block(63, 1)] == \
        [0, 0, 1, 2, 3, 3]
    qs = halco.SynapseQuadOnSynram(Enum(7))
    c = halco.CADCSampleQuadOnDLS(
        halco.CADCSampleQuadOnSynram(qs, halco.CADCChannelType.acausal, halco.CADCReadoutType.buffered),
        halco.SynramOnDLS(1))
    assert c.toEnum() == 65536 + 32768 + 16384 + 7
    assert c.toCADCChannelType() == halco.CADCChannelType.acausal
    assert c.toCADCReadoutType() == halco.CADCReadoutType.buffered
    assert c.toSynapseQuadOnDLS() == halco.SynapseQuadOnDLS(qs, halco.SynramOnDLS(1))
    assert halco.CADCSampleQuadOnSynram(qs, halco.CADCChannelType.causal) == \
        halco.CADCSampleQuadOnSynram(qs, halco.CADCChannelType.causal, halco.CADCReadoutType.trigger_read)
    ch = halco.CADCChannelConfigOnDLS(
        halco.CADCChannelConfigOnSynram(halco.CADCChannelColumnOnSynram(200), halco.CADCChannelType.acausal),
        halco.SynramOnDLS(1))
    assert ch.toEnum() == 512 + 256 + 200
    assert ch.toNeuronConfigBlockOnDLS() == halco.NeuronConfigBlockOnDLS(3)
    assert ch.toSynapseOnSynapseRow() == halco.SynapseOnSynapseRow(200)


CAPMEM_ROWS = """v_leak v_reset v_threshold e_synin_exc_rev e_synin_inh_rev v_adapt_leak v_exp v_adapt_ref
i_bias_leak i_bias_reset i_bias_synin_exc_tau i_bias_synin_exc_coba i_bias_synin_exc_shift
i_bias_synin_exc_gm i_bias_synin_inh_tau i_bias_synin_inh_coba i_bias_synin_inh_shift
i_bias_synin_inh_gm i_bias_adapt_tau i_bias_adapt_a i_bias_adapt_b i_bias_exp i_mem_offset
i_bias_nmda""".split()


def test_capmem_row_names_in_reference_order():
    R = halco.CapMemRowOnCapMemBlock
    assert len(CAPMEM_ROWS) == R.size == 24
    for i, name in enumerate(CAPMEM_ROWS):
        assert getattr(R, name) == R(i), name
    assert R.i_bias_synin_exc_drop == R.i_bias_synin_exc_coba  # older public name


def test_facts_capmem_and_ppu():
    R = halco.CapMemRowOnCapMemBlock
    assert [R.v_leak, R.v_reset, R.v_threshold, R.i_bias_leak, R.i_mem_offset, R.i_bias_nmda] == \
        [R(0), R(1), R(2), R(8), R(22), R(23)]
    assert R.i_bias_synin_exc_tau == R(10) and R.i_bias_synin_inh_gm == R(17) and R.i_bias_adapt_b == R(20)
    assert halco.CapMemColumnOnCapMemBlock(128).isShared() and halco.CapMemColumnOnCapMemBlock(129).isShared()
    assert not halco.CapMemColumnOnCapMemBlock(127).isShared()
    C = halco.CapMemCellOnCapMemBlock
    assert C.syn_i_bias_dac == C(halco.CapMemColumnOnCapMemBlock(128), R(8))
    assert C.syn_i_bias_dac.toEnum() == 8 * 130 + 128
    assert halco.CapMemCellOnDLS.readout_out_amp_i_bias_1 == halco.CapMemCellOnDLS(
        C(halco.CapMemColumnOnCapMemBlock(129), R(8)), halco.CapMemBlockOnDLS(0))
    assert halco.CapMemBlockOnHemisphere.right.value() == 1
    w = halco.PPUMemoryWordOnDLS(halco.PPUMemoryWordOnPPU(5), halco.PPUOnDLS(1))
    assert w.toEnum() == 4096 + 5
    assert halco.PPUMemoryWordOnPPU.return_code.value() == 3071
    mb = halco.PPUMemoryBlockOnPPU.mailbox
    assert (mb.toMin().value(), mb.toMax().value(), mb.length()) == (3072, 4095, 1024)
    assert mb.toPPUMemoryBlockSize() == halco.PPUMemoryBlockSize(1024)
    assert halco.PPUOnDLS(1).toCADCConfigOnDLS() == halco.CADCConfigOnDLS(1)
    assert halco.PPUOnDLS(0).toPPUMemoryOnDLS() == halco.PPUMemoryOnDLS(0)
