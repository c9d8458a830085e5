"""The flat numeric register map the C++ emulator loads."""
from __future__ import annotations

import enum

import numpy as np

import haldls
from haldls import REGISTERS
from haldls.tables import MAX_RADICES, flat_register_map

from .conftest import reference_encode


def test_shapes_are_consistent():
    t = flat_register_map()
    n = len(REGISTERS)
    assert t["names"] == [r.name for r in REGISTERS]
    assert t["registers"].shape == (n, 4 + 2 * MAX_RADICES) and t["registers"].dtype == np.int64
    assert t["defaults"].dtype == np.uint32
    assert t["defaults"].shape == (sum(r.words for r in REGISTERS),)
    assert t["default_offsets"].shape == (n,)
    np.testing.assert_array_equal(t["default_offsets"], np.concatenate([[0], np.cumsum([r.words for r in REGISTERS])[:-1]]))
    m = sum(len(r.fields) for r in REGISTERS)
    assert len(t["field_names"]) == m
    assert t["fields"].shape == (m, 6)
    assert t["lanes"].shape == (sum(f.count for r in REGISTERS for f in r.fields), 2)


def test_register_rows():
    t = flat_register_map()
    for rid, reg in enumerate(REGISTERS):
        row = t["registers"][rid].tolist()
        k = len(reg.radices)
        assert row[:4] == [reg.base, reg.words, int(reg.access), k]
        radices, strides = row[4:4 + MAX_RADICES], row[4 + MAX_RADICES:]
        assert radices[:k] == list(reg.radices) and radices[k:] == [1] * (MAX_RADICES - k)
        assert strides[:k] == list(reg.strides) and strides[k:] == [0] * (MAX_RADICES - k)
        # the emulator's mixed-radix arithmetic on these numbers gives the Python addresses
        enums = np.unique(np.linspace(0, reg.size - 1, 17).astype(np.int64))
        addr = np.full(enums.shape, row[0], dtype=np.int64)
        rest = enums.copy()
        for radix, stride in zip(reversed(radices), reversed(strides)):
            addr += (rest % radix) * stride
            rest //= radix
        np.testing.assert_array_equal(addr, reg.addresses(enums)[:, 0].astype(np.int64))


def test_defaults_are_the_map_defaults_at_their_bit_positions():
    """The default words follow from each field's declared default and bit position
    (computed here without haldls.container), and the containers' defaults agree."""
    t = flat_register_map()
    for rid, reg in enumerate(REGISTERS):
        off = t["default_offsets"][rid]
        declared = {f.name: [f.default] * f.count if f.count > 1 else f.default for f in reg.fields}
        expected = reference_encode(reg, declared)
        np.testing.assert_array_equal(t["defaults"][off:off + reg.words], expected, err_msg=reg.name)
        np.testing.assert_array_equal(getattr(haldls, reg.name)().encode(), expected, err_msg=reg.name)


def test_fields_and_lanes():
    t = flat_register_map()
    i = 0
    for rid, reg in enumerate(REGISTERS):
        for f in reg.fields:
            assert t["field_names"][i] == f"{reg.name}.{f.name}"
            r, width, count, signed, first, kind = t["fields"][i].tolist()
            assert (r, width, count, signed) == (rid, f.width, f.count, int(f.signed))
            want_kind = 0 if f.kind is bool else 2 if isinstance(f.kind, type) and issubclass(f.kind, enum.IntEnum) else 1
            assert kind == want_kind
            lanes = [tuple(x) for x in t["lanes"][first:first + count].tolist()]
            assert lanes == list(f.lanes())
            i += 1
