"""Shared helpers of the haldls tests: hypothesis strategies built from the
register map, and coordinate types (halco's, or stand-ins while halco lacks one)."""
from __future__ import annotations

import enum
import operator

import numpy as np
import pytest
from hypothesis import strategies as st

import haldls
from haldls import REGISTERS

REGISTER_IDS = [r.name for r in REGISTERS]


def is_enum(kind) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.IntEnum)


def lane_strategy(f):
    if f.kind is bool:
        return st.booleans()
    if is_enum(f.kind):
        return st.sampled_from(list(f.kind))
    return st.integers(f.lo, f.hi)


def field_strategy(f):
    lane = lane_strategy(f)
    return st.lists(lane, min_size=f.count, max_size=f.count) if f.count > 1 else lane


def values_strategy(reg):
    """Dicts field name -> random valid value, for every field of ``reg``."""
    return st.fixed_dictionaries({f.name: field_strategy(f) for f in reg.fields})


def random_columns(reg, n, rng):
    """Random valid values of every field of ``reg`` as encode_array columns."""
    cols = {}
    for f in reg.fields:
        shape = (n,) if f.count == 1 else (n, f.count)
        if f.kind is bool:
            cols[f.name] = rng.integers(0, 2, shape).astype(bool)
        elif is_enum(f.kind):
            cols[f.name] = rng.choice(np.array([int(m) for m in f.kind]), shape)
        else:
            cols[f.name] = rng.integers(f.lo, f.hi, shape, endpoint=True, dtype=np.int64)
    return cols


def reference_encode(reg, values) -> list:
    """Words of ``values`` computed straight from the map's bit positions.

    Independent of haldls.container: plain integer arithmetic, two's complement
    for signed fields."""
    words = [0] * reg.words
    for f in reg.fields:
        v = values[f.name]
        lanes = list(v) if f.count > 1 else [v]
        for i, lane in enumerate(lanes):
            j = f.count - 1 - i if f.reverse else i
            w = f.word + j * f.lane_word_stride
            shift = f.lsb + j * (f.lane_stride if f.count > 1 else 0)
            words[w] |= (int(lane) % (1 << f.width)) << shift
    return words


def other_value(f, v):
    """A valid value of field ``f`` different from ``v``."""
    if f.kind is bool:
        return not v
    if is_enum(f.kind):
        members = list(f.kind)
        return members[(members.index(f.kind(v)) + 1) % len(members)]
    return f.lo if v != f.lo else f.hi


class _StandIn:
    """Minimal coordinate: what haldls needs of a halco type (``size``,
    ``from_enum``, ``toEnum``)."""

    __slots__ = ("_enum",)
    size = 1

    def __init__(self, value=0):
        v = operator.index(value)
        if not 0 <= v < self.size:
            raise ValueError(f"{type(self).__name__}({v}) out of range [0, {self.size - 1}]")
        self._enum = v

    @classmethod
    def from_enum(cls, value):
        return cls(value)

    def toEnum(self):
        return self._enum

    def __index__(self):
        return self._enum

    def __eq__(self, other):
        return type(other) is type(self) and other._enum == self._enum

    def __hash__(self):
        return hash((type(self).__name__, self._enum))

    def __repr__(self):
        return f"{type(self).__name__}({self._enum})"


def stand_in(name, size):
    return type(name, (_StandIn,), {"size": size, "__slots__": ()})


COMPOSITE_COORDINATES = {"SynapseQuadOnDLS": 2 * 256 * 64, "CapMemBlockOnDLS": 4, "PPUMemoryOnDLS": 2}


@pytest.fixture
def coords(monkeypatch):
    """name -> coordinate type for every coordinate haldls uses.

    halco's own type when halco defines it; otherwise a stand-in is put into
    the halco module for the duration of the test (halco is written in
    parallel), so haldls' coordinate logic is tested either way.
    ``coords.stand_ins`` lists the names that were stood in for."""
    import halco

    wanted = {r.coordinate: r.size for r in REGISTERS}
    wanted.update(COMPOSITE_COORDINATES)
    out = {}
    stand_ins = []
    for name, size in wanted.items():
        if hasattr(halco, name):
            out[name] = getattr(halco, name)
        else:
            out[name] = stand_in(name, size)
            monkeypatch.setattr(halco, name, out[name], raising=False)
            stand_ins.append(name)
    for cls in haldls.container_types().values():
        if isinstance(cls, type) and issubclass(cls, haldls.Container):
            monkeypatch.setattr(cls, "_coordinate_type", None)  # forget cached types

    class Coords(dict):
        pass

    result = Coords(out)
    result.stand_ins = stand_ins
    return result


def make_coord(ctype, enum_value):
    """The coordinate of type ``ctype`` with linear index ``enum_value``."""
    return ctype.from_enum(int(enum_value))
