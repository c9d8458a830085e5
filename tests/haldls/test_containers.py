"""Every register-map container: construction, range checks, encode/decode,
bulk encode/decode, serialisation and value semantics."""
from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haldls
from haldls import REGISTERS

from .conftest import (REGISTER_IDS, is_enum, other_value, random_columns, reference_encode,
                       values_strategy)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
by_register = pytest.mark.parametrize("reg", REGISTERS, ids=REGISTER_IDS)


def cls_of(reg):
    return getattr(haldls, reg.name)


def plain(f, v):
    """Comparable plain value of a field value (lists for array fields)."""
    return [x for x in v] if f.count > 1 else v


def test_every_register_has_a_container_class():
    types = haldls.container_types()
    for reg in REGISTERS:
        cls = types[reg.name]
        assert cls is cls_of(reg)
        assert cls.register is reg
        assert cls.fields() == reg.fields


@by_register
def test_defaults(reg):
    obj = cls_of(reg)()
    for f in reg.fields:
        v = getattr(obj, f.name)
        want = [f.default] * f.count if f.count > 1 else f.default
        assert plain(f, v) == want, f.name
        lanes = list(v) if f.count > 1 else [v]
        for lane in lanes:
            if f.kind is bool:
                assert type(lane) is bool
            elif is_enum(f.kind):
                assert isinstance(lane, f.kind)
            else:
                assert type(lane) is int
    assert obj.encode().dtype == np.uint32
    assert obj.encode().shape == (reg.words,)
    assert obj.encode().tolist() == reference_encode(reg, {f.name: getattr(obj, f.name) for f in reg.fields})


@by_register
def test_random_values_encode_decode(reg):
    cls = cls_of(reg)

    @SETTINGS
    @given(values_strategy(reg))
    def check(values):
        obj = cls(**values)
        for name, v in values.items():
            got = getattr(obj, name)
            assert (list(got) if isinstance(v, list) else got) == v
        words = obj.encode()
        assert words.dtype == np.uint32 and words.shape == (reg.words,)
        assert words.tolist() == reference_encode(reg, values)
        back = cls.decode(words)
        assert back == obj
        for name, v in values.items():
            got = getattr(back, name)
            assert (list(got) if isinstance(v, list) else got) == v
        assert cls.decode(words.tolist()) == obj  # plain lists are words too

    check()


@by_register
def test_bulk_agrees_with_single(reg):
    cls = cls_of(reg)

    @SETTINGS
    @given(st.lists(values_strategy(reg), min_size=1, max_size=6))
    def check(batch):
        objs = [cls(**v) for v in batch]
        single = np.stack([o.encode() for o in objs])
        cols = {f.name: np.array([[int(x) for x in v[f.name]] if f.count > 1 else int(v[f.name])
                                  for v in batch]) for f in reg.fields}
        bulk = cls.encode_array(cols, n=len(batch))
        assert bulk.dtype == np.uint32
        assert bulk.shape == (len(batch), reg.words)
        np.testing.assert_array_equal(bulk, single)
        decoded = cls.decode_array(bulk)
        assert set(decoded) == {f.name for f in reg.fields}
        for f in reg.fields:
            np.testing.assert_array_equal(decoded[f.name], cols[f.name])

    check()


@by_register
def test_bulk_random_batch(reg):
    """A bigger numpy batch: encode_array == stacked encode, decode_array inverts it."""
    cls = cls_of(reg)
    rng = np.random.default_rng(sum(map(ord, reg.name)))
    n = 64
    cols = random_columns(reg, n, rng)
    words = cls.encode_array(cols, n=n)
    assert words.shape == (n, reg.words)
    for i in range(0, n, 7):
        obj = cls(**{k: (v[i].tolist()) for k, v in cols.items()})
        np.testing.assert_array_equal(words[i], obj.encode())
        assert cls.decode(words[i]) == obj
    decoded = cls.decode_array(words)
    for f in reg.fields:
        np.testing.assert_array_equal(decoded[f.name], cols[f.name].astype(np.int64))
    if reg.words == 1:  # one-word registers also take a flat word vector
        flat = cls.decode_array(words[:, 0])
        for f in reg.fields:
            np.testing.assert_array_equal(flat[f.name], decoded[f.name])


@by_register
def test_bulk_defaults(reg):
    cls = cls_of(reg)
    words = cls.encode_array({}, n=3)
    assert words.shape == (3, reg.words)
    for row in words:
        np.testing.assert_array_equal(row, cls().encode())


def _bad_values(f):
    if f.kind is bool:
        return [2, -1]
    if is_enum(f.kind):
        return [int(max(f.kind)) + 1, int(min(f.kind)) - 1]
    return [f.lo - 1, f.hi + 1]


def _range_text(f):
    if f.kind is bool:
        return "[0, 1]"
    if is_enum(f.kind):
        return f"[{int(min(f.kind))}, {int(max(f.kind))}]"
    return f"[{f.lo}, {f.hi}]"


@by_register
def test_out_of_range_values_raise_naming_field_and_range(reg):
    cls = cls_of(reg)
    for f in reg.fields:
        label = f"{reg.name}.{f.name}"
        for bad in _bad_values(f):
            value = [bad] + [f.default] * (f.count - 1) if f.count > 1 else bad
            with pytest.raises(ValueError) as info:
                cls(**{f.name: value})
            assert label in str(info.value) and _range_text(f) in str(info.value), str(info.value)
            obj = cls()
            with pytest.raises(ValueError, match=label.replace(".", r"\.")):
                setattr(obj, f.name, value)
            assert obj == cls(), "a failed assignment must not change the container"
            if f.count > 1:
                with pytest.raises(ValueError, match=label.replace(".", r"\.")):
                    getattr(obj, f.name)[f.count - 1] = bad
            column = np.array([value, value])
            column = column if f.count > 1 else column.reshape(2)
            with pytest.raises(ValueError) as info:
                cls.encode_array({f.name: column})
            assert label in str(info.value) and _range_text(f) in str(info.value), str(info.value)
            assert str(bad) in str(info.value)


@by_register
def test_non_integers_raise_type_error(reg):
    cls = cls_of(reg)
    for f in reg.fields:
        for bad in (0.5, 1.0, None, object()):
            value = [bad] * f.count if f.count > 1 else bad
            with pytest.raises(TypeError, match=f.name):
                cls(**{f.name: value})
        with pytest.raises(TypeError, match=f.name):
            cls.encode_array({f.name: np.full((2, f.count) if f.count > 1 else 2, 1.0)})
        if not is_enum(f.kind):  # enum fields accept member names
            with pytest.raises(TypeError, match=f.name):
                cls(**{f.name: ["1"] * f.count if f.count > 1 else "1"})
        if f.count > 1:
            with pytest.raises(ValueError, match=f.name):
                cls(**{f.name: [f.default] * (f.count + 1)})
            with pytest.raises(ValueError, match=f.name):
                cls.encode_array({f.name: np.zeros((2, f.count + 1), dtype=int)})


@by_register
def test_unknown_field_names_raise(reg):
    cls = cls_of(reg)
    with pytest.raises(TypeError, match="no_such_field"):
        cls(no_such_field=1)
    obj = cls()
    with pytest.raises(AttributeError, match="no_such_field"):
        obj.no_such_field = 1
    with pytest.raises(TypeError, match="no_such_field"):
        cls.encode_array({"no_such_field": np.zeros(2, dtype=int)})
    with pytest.raises(TypeError, match="no_such_field"):
        cls.from_dict({"type": reg.name, "no_such_field": 1})
    with pytest.raises(ValueError):
        cls.from_dict({"type": "NotThisContainer"})


@by_register
def test_decode_rejects_wrong_words(reg):
    cls = cls_of(reg)
    with pytest.raises(ValueError, match=reg.name):
        cls.decode(np.zeros(reg.words + 1, dtype=np.uint32))
    with pytest.raises(ValueError, match="32-bit"):
        cls.decode([2**32] + [0] * (reg.words - 1))
    with pytest.raises(ValueError, match="32-bit"):
        cls.decode([-1] + [0] * (reg.words - 1))
    with pytest.raises(ValueError, match="32-bit"):
        cls.decode_array(np.full((2, reg.words), 2**32, dtype=np.int64))
    with pytest.raises(TypeError):
        cls.decode(np.zeros(reg.words, dtype=float))


@by_register
def test_serialisation_and_copies(reg):
    cls = cls_of(reg)

    @settings(max_examples=10, deadline=None)
    @given(values_strategy(reg))
    def check(values):
        obj = cls(**values)
        d = obj.to_dict()
        assert d["type"] == reg.name
        text = json.dumps(d)
        assert cls.from_dict(json.loads(text)) == obj
        assert haldls.from_dict(json.loads(text)) == obj
        assert type(haldls.from_dict(json.loads(text))) is cls
        assert pickle.loads(pickle.dumps(obj)) == obj
        for dup in (obj.copy(), copy.copy(obj), copy.deepcopy(obj)):
            assert dup == obj and dup is not obj
            for f in reg.fields:  # mutate the copy: the original must not change
                before = obj.to_dict()
                if f.count > 1:
                    lanes = getattr(dup, f.name)
                    lanes[0] = other_value(f, lanes[0])
                else:
                    setattr(dup, f.name, other_value(f, getattr(dup, f.name)))
                assert obj.to_dict() == before
        assert repr(obj).startswith(reg.name + "(")

    check()


@by_register
def test_equality_each_field_matters(reg):
    cls = cls_of(reg)

    @settings(max_examples=10, deadline=None)
    @given(values_strategy(reg))
    def check(values):
        a, b = cls(**values), cls(**values)
        assert a == b and not (a != b)
        for f in reg.fields:
            c = cls(**values)
            if f.count > 1:
                for lane in range(f.count):
                    c = cls(**values)
                    getattr(c, f.name)[lane] = other_value(f, getattr(c, f.name)[lane])
                    assert c != a and not (c == a), (f.name, lane)
            else:
                setattr(c, f.name, other_value(f, getattr(c, f.name)))
                assert c != a and not (c == a), f.name

    check()
    assert cls() != object()
    with pytest.raises(TypeError):
        hash(cls())  # mutable values are not hashable


def test_containers_of_different_types_are_unequal():
    assert haldls.SynapseWeightQuad() != haldls.SynapseLabelQuad()
    assert haldls.NeuronReset() != haldls.SpikeCounterReset()


def test_value_types_and_constants():
    assert haldls.CapMemCell.Value(1022) == 1022
    with pytest.raises(ValueError, match=r"\[0, 1022\]"):
        haldls.CapMemCell.Value(1023)
    assert int(haldls.CapMemCell.DisableRefresh()) == 1023
    cell = haldls.CapMemCell(value=haldls.CapMemCell.DisableRefresh())
    assert cell.encode().tolist() == [1023]
    assert haldls.Timer.Value.fpga_clock_cycles_per_us == 125
    assert haldls.Timer.Value(2**32 - 1) == 2**32 - 1
    with pytest.raises(ValueError):
        haldls.Timer.Value(2**32)
    with pytest.raises(TypeError):
        haldls.Timer.Value(1.5)
    assert haldls.SynapseWeightQuad.Value.max == 63
    assert haldls.NeuronBackendConfig.AddressOut.max == 255
    assert haldls.CADCChannelConfig.Offset.min == -128
    drop = haldls.CrossbarNode.drop_all
    assert (drop.mask, drop.target) == (0, 1)
    drop.mask = 5  # a fresh copy each time: the preset itself cannot be changed
    assert haldls.CrossbarNode.drop_all.mask == 0


def test_enum_fields_take_members_names_and_values():
    n = haldls.NeuronConfig(readout_source="adaptation")
    assert n.readout_source is haldls.ReadoutSource.adaptation
    n.readout_source = 1
    assert n.readout_source is haldls.ReadoutSource.exc_synin
    assert haldls.NeuronConfig.ReadoutSource is haldls.ReadoutSource
    with pytest.raises(ValueError, match="readout_source"):
        n.readout_source = "no_such_source"
    d = haldls.SynapseDriverConfig(row_mode_top=haldls.RowMode.inhibitory).to_dict()
    assert d["row_mode_top"] == "inhibitory"


def test_encode_array_broadcasts_scalars_and_checks_shapes():
    W = haldls.SynapseWeightQuad
    np.testing.assert_array_equal(W.encode_array({"values": 1}, n=3), np.full((3, 1), 0x01010101))
    with pytest.raises(ValueError, match=r"values needs shape \(3, 4\)"):
        W.encode_array({"values": np.zeros((3, 3), dtype=int)})
    with pytest.raises(ValueError, match=r"values\[\(1, 2\)\] = 64"):
        W.encode_array({"values": np.array([[0, 0, 0, 0], [0, 0, 64, 0]])})
    with pytest.raises(ValueError, match=r"offset\[1\] = 128"):
        haldls.CADCChannelConfig.encode_array({"offset": np.array([0, 128])})
    with pytest.raises(ValueError, match="out of range"):
        haldls.PPUMemoryWord.encode_array({"value": np.array([2**64 - 1], dtype=np.uint64)})


def test_lane_array_behaves_like_a_sequence():
    q = haldls.SynapseWeightQuad(values=[1, 2, 3, 4])
    assert len(q.values) == 4 and list(q.values) == [1, 2, 3, 4]
    assert q.values == [1, 2, 3, 4] and q.values == (1, 2, 3, 4)
    assert q.values[-1] == 4
    assert q.values.tolist() == [1, 2, 3, 4]
    np.testing.assert_array_equal(np.asarray(q.values.tolist()), [1, 2, 3, 4])
    with pytest.raises(IndexError):
        q.values[4] = 0
    with pytest.raises(IndexError):
        q.values[4]
