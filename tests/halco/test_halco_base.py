"""The base machinery: Enum, the coordinate kinds, construction rules, helpers."""
import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

import halco
from halco import Enum


def test_enum_is_a_non_negative_int():
    e = Enum(5)
    assert e == 5 and isinstance(e, int) and repr(e) == "Enum(5)"
    assert e.value() == 5 and e.toEnum() is e
    assert Enum() == 0 and Enum(np.int64(3)) == 3
    with pytest.raises(ValueError, match=r"Enum\(-1\)"):
        Enum(-1)
    for bad in (1.0, "3", True, halco.NeuronColumnOnDLS(1)):
        with pytest.raises(TypeError):
            Enum(bad)
    assert json.dumps(halco.AtomicNeuronOnDLS(Enum(3)).to_dict()) == '{"type": "AtomicNeuronOnDLS", "enum": 3}'


def test_ranged_construction_rules():
    C = halco.NeuronColumnOnDLS
    assert C(5).value() == 5 and C(Enum(5)) == C(5) and C() == C(0)
    assert C(np.int32(7)) == C(7) and C(np.uint8(255)) == C(255)
    assert int(C(9)) == 9 and [10, 11, 12][halco.EntryOnQuad(1)] == 11  # __index__
    assert (C.min, C.max, C.size, C.begin, C.end) == (0, 255, 256, 0, 256)
    with pytest.raises(TypeError, match="bool"):
        C(False)
    with pytest.raises(TypeError):
        C(np.bool_(True))
    with pytest.raises(TypeError, match="toNeuronColumnOnDLS"):
        C(halco.SynapseOnSynapseRow(3))  # another coordinate type: use a conversion
    with pytest.raises(TypeError):
        C(1, 2)
    # min != 0: value and enum differ
    P = halco.SpikePackFromFPGAOnDLS
    assert P().value() == 1 and P(Enum(0)) == P(1) and P(3).toEnum() == 2 and int(P(3)) == 3
    assert repr(P(2)) == "SpikePackFromFPGAOnDLS(2)"
    with pytest.raises(ValueError, match=r"SpikePackFromFPGAOnDLS\(0\) out of range \[1, 3\]"):
        P(0)


def test_coordinates_are_always_truthy_and_never_ints():
    assert bool(halco.SPL1Address(0)) and bool(halco.AtomicNeuronOnDLS())
    assert halco.NeuronColumnOnDLS(3) != 3 and 3 != halco.NeuronColumnOnDLS(3)
    assert halco.NeuronColumnOnDLS(3) != Enum(3)
    assert len({halco.NeuronColumnOnDLS(3), 3, halco.SynapseOnSynapseRow(3)}) == 3


def test_grid_construction_rules():
    A, C, R = halco.AtomicNeuronOnDLS, halco.NeuronColumnOnDLS, halco.NeuronRowOnDLS
    a = A(C(3), R(1))
    assert A(R(1), C(3)) == a == A(3, 1) == A(x=C(3), y=R(1)) == A(x=3, y=1) == A(Enum(259))
    assert A(C(3), 1) == a == A(1, C(3))  # a typed part fixes the role of the other one
    assert A() == A(C(0), R(0))
    with pytest.raises(TypeError):
        A(259)  # one plain int is ambiguous: use Enum
    with pytest.raises(TypeError):
        A(C(3), C(4))
    with pytest.raises(TypeError):
        A(C(1), halco.SynapseRowOnSynram(1))
    with pytest.raises(TypeError):
        A(x=C(3))
    with pytest.raises(ValueError, match="NeuronRowOnDLS"):
        A(3, 2)


def test_mixin_construction_rules():
    N = halco.NeuronConfigOnDLS
    L, B = halco.NeuronConfigOnNeuronConfigBlock, halco.NeuronConfigBlockOnDLS
    n = N(L(5), B(2))
    assert N(B(2), L(5)) == n == N(5, 2) == N(neuron=L(5), block=B(2)) == N(L(5), block=2) == N(Enum(261))
    assert N(5) == N(L(5)) == N(L(5), B(0))  # one plain int = the local index, block 0 (public)
    assert n.split() == (B(2), L(5))
    assert repr(n) == "NeuronConfigOnDLS(NeuronConfigOnNeuronConfigBlock(5), NeuronConfigBlockOnDLS(2))"
    with pytest.raises(ValueError, match=r"NeuronConfigOnDLS: NeuronConfigOnNeuronConfigBlock\(128\)"):
        N(128)
    with pytest.raises(TypeError):
        N(halco.AtomicNeuronOnDLS())
    with pytest.raises(TypeError):
        N(cell=L(1))
    with pytest.raises(TypeError):
        N(L(1), B(0), B(1))
    # the local type's conversions and x()/y() carry over (public mixins inherit them)
    q = halco.SynapseQuadOnDLS(Enum(16384 + 70))
    assert q.x() == halco.SynapseQuadColumnOnDLS(6) and q.y() == halco.SynapseRowOnSynram(1)
    assert q.toSynapseQuadColumnOnDLS() == q.x() and q.toSynapseRowOnSynram() == q.y()


def test_interval_coordinates():
    W, Blk = halco.PPUMemoryWordOnPPU, halco.PPUMemoryBlockOnPPU
    assert Blk.size == 4096 * 4097 // 2
    b = Blk(W(10), W(13))
    assert (b.toMin(), b.toMax(), b.length()) == (W(10), W(13), 4)
    assert list(b) == [W(10), W(11), W(12), W(13)] and b[3] == W(13)
    with pytest.raises(IndexError):
        b[4]
    assert Blk(10, 13) == b and Blk(Enum(b.toEnum())) == b
    with pytest.raises(ValueError, match="min > max"):
        Blk(W(5), W(4))
    assert Blk() == Blk(W(0), W(0)) and Blk(Enum(Blk.size - 1)) == Blk(W(4095), W(4095))
    # enum is dense and ordered by (min, max)
    small = halco.ExternalPPUMemoryBlockOnFPGA
    assert small(Enum(1)) == small(0, 1)
    d = halco.PPUMemoryBlockOnDLS(b, halco.PPUOnDLS(1))
    assert d.toPPUMemoryBlockOnPPU() == b and d.toMin() == W(10) and d.length() == 4


@given(st.integers(0, 4095), st.integers(0, 4095))
def test_interval_enum_round_trip(a, b):
    a, b = min(a, b), max(a, b)
    blk = halco.PPUMemoryBlockOnPPU(a, b)
    again = halco.PPUMemoryBlockOnPPU(Enum(blk.toEnum()))
    assert (again.toMin().value(), again.toMax().value()) == (a, b)
    later = halco.PPUMemoryBlockOnPPU(a, b + 1) if b < 4095 else None
    if later is not None:
        assert later.toEnum() == blk.toEnum() + 1


def test_define_a_new_coordinate_in_one_line():
    class WidgetOnThing(halco.Ranged, max=9, register=False):
        """A test type."""

    class WidgetBlockOnDLS(halco.Ranged, max=2, register=False):
        """A test block."""

    class WidgetOnDLS(halco.Mixin, local=WidgetOnThing, block=WidgetBlockOnDLS, register=False):
        """A test mixin."""

    class WidgetGrid(halco.Grid, x=halco.NeuronColumnOnDLS, y=WidgetBlockOnDLS, register=False):
        """A test grid."""

    w = WidgetOnDLS(WidgetOnThing(4), WidgetBlockOnDLS(2))
    assert w.toEnum() == 24 and WidgetOnDLS.size == 30 and w.toWidgetOnThing() == WidgetOnThing(4)
    assert len(list(halco.iter_all(WidgetOnDLS))) == 30
    assert WidgetGrid.size == 768 and not hasattr(w, "__dict__")
    with pytest.raises(ValueError):
        WidgetOnThing(10)
    assert "WidgetOnDLS" not in {T.__name__ for T in halco.coordinate_types()}


def test_from_enum_and_vectorized_helpers():
    A = halco.AtomicNeuronOnDLS
    assert A.from_enum(259) == A(Enum(259)) and A.from_enum(np.int64(3)) == A(Enum(3))
    with pytest.raises(ValueError):
        A.from_enum(512)
    coords = A.from_enums(np.arange(0, 512, 7))
    assert coords == [A(Enum(e)) for e in range(0, 512, 7)]
    assert halco.to_enum_array(coords).tolist() == list(range(0, 512, 7))
    with pytest.raises(ValueError):
        A.from_enums([0, 512])
    with pytest.raises(TypeError):
        A.from_enums([0.5])
    assert A.from_enums([]) == []


def test_iter_all_and_lookup():
    assert list(halco.iter_all(halco.SynramOnDLS)) == [halco.SynramOnDLS.top, halco.SynramOnDLS.bottom]
    with pytest.raises(TypeError):
        halco.iter_all(int)
    with pytest.raises(TypeError):
        halco.iter_all(halco.Ranged)
    assert halco.lookup("CapMemCellOnDLS") is halco.CapMemCellOnDLS
    with pytest.raises(KeyError):
        halco.lookup("NoSuchOnDLS")
    with pytest.raises(ValueError):
        halco.from_dict({"enum": 3})
    with pytest.raises(ValueError):
        halco.NeuronColumnOnDLS.from_dict({"type": "NeuronRowOnDLS", "enum": 0})
    with pytest.raises(ValueError):
        halco.from_dict({"type": "NeuronRowOnDLS", "enum": 2})
    assert halco.from_dict({"type": "NeuronColumnOnDLS", "value": 7}) == halco.NeuronColumnOnDLS(7)
    with pytest.raises(ValueError):
        halco.from_bytes(b"garbage")


def test_small_types_share_instances():
    assert halco.NeuronColumnOnDLS(3) is halco.NeuronColumnOnDLS(3)
    assert halco.AtomicNeuronOnDLS(Enum(3)) is halco.AtomicNeuronOnDLS(Enum(3))
    a = halco.SpikeLabel(3)
    assert a is not halco.SpikeLabel(3)  # the mutable type never shares
