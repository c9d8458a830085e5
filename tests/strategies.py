"""Hypothesis strategies shared by the layer tests."""
from __future__ import annotations

import enum

from hypothesis import strategies as st

import haldls


def field_values(f):
    """Strategy for one valid value of a register-map field."""
    if f.kind is bool:
        one = st.booleans()
    elif isinstance(f.kind, type) and issubclass(f.kind, enum.IntEnum):
        one = st.sampled_from(list(f.kind))
    else:
        one = st.integers(f.lo, f.hi)
    return st.lists(one, min_size=f.count, max_size=f.count) if f.count > 1 else one


@st.composite
def containers(draw, cls):
    """A random valid instance of a register-map container class."""
    return cls(**{f.name: draw(field_values(f)) for f in cls.fields()})


def coordinates(ctype):
    """A random instance of a halco coordinate type."""
    return st.integers(0, ctype.size - 1).map(ctype.from_enum)


#: Register-map containers that can be written and read back unchanged.
READ_WRITE_TYPES = [getattr(haldls, r.name) for r in haldls.REGISTERS
                    if r.access == haldls.Access.READ_WRITE]
