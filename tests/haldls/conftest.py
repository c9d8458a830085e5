"""Shared helpers of the haldls tests: hypothesis strategies built from the
register map, and halco's coordinate types."""
from __future__ import annotations

import enum

import numpy as np
import pytest
from hypothesis import strategies as st

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


#: Coordinates of the composite containers (not in the register map), with their sizes.
COMPOSITE_COORDINATES = {"SynapseQuadOnDLS": 2 * 256 * 64, "CapMemBlockOnDLS": 4, "PPUMemoryOnDLS": 2}


@pytest.fixture
def coords():
    """name -> halco coordinate type, for every coordinate haldls uses."""
    import halco

    wanted = [r.coordinate for r in REGISTERS] + list(COMPOSITE_COORDINATES)
    return {name: getattr(halco, name) for name in wanted}


def make_coord(ctype, enum_value):
    """The coordinate of type ``ctype`` with linear index ``enum_value``."""
    return ctype.from_enum(int(enum_value))
