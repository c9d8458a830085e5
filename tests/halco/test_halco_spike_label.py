"""SpikeLabel bit fields (reference section 1.3)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import halco
from halco import SpikeLabel

FIELDS = {  # name: (type, lsb, width)
    "spl1_address": (halco.SPL1Address, 14, 2),
    "neuron_label": (halco.NeuronLabel, 0, 14),
    "neuron_event_output": (halco.NeuronEventOutputOnDLS, 8, 3),
    "neuron_backend_address_out": (halco.NeuronBackendAddressOut, 0, 8),
    "row_select_address": (halco.PADIRowSelectAddress, 6, 5),
    "synapse_label": (halco.SynapseLabel, 0, 6),
}

labels = st.integers(0, 0xFFFF)


@given(labels)
def test_getters_read_the_documented_bits(v):
    label = SpikeLabel(v)
    for name, (T, lsb, width) in FIELDS.items():
        expected = (v >> lsb) & ((1 << width) - 1)
        got = getattr(label, name)
        assert type(got) is T
        assert got.toEnum() == expected
        assert getattr(label, "get_" + name)() == got


@settings(max_examples=200)
@given(labels, st.sampled_from(sorted(FIELDS)), st.data())
def test_setters_touch_only_their_bits(v, name, data):
    T, lsb, width = FIELDS[name]
    new = data.draw(st.integers(0, (1 << width) - 1))
    mask = ((1 << width) - 1) << lsb
    for style in ("property", "setter", "typed"):
        label = SpikeLabel(v)
        if style == "property":
            setattr(label, name, new)
        elif style == "setter":
            getattr(label, "set_" + name)(new)
        else:
            setattr(label, name, T(halco.Enum(new)))
        assert label.value() == (v & ~mask) | (new << lsb)
        assert getattr(label, name).toEnum() == new


@given(labels, st.sampled_from(sorted(FIELDS)))
def test_setting_out_of_range_raises(v, name):
    T, lsb, width = FIELDS[name]
    label = SpikeLabel(v)
    for bad in (1 << width, -1):
        with pytest.raises(ValueError) as err:
            setattr(label, name, bad)
        assert name in str(err.value)
    with pytest.raises(TypeError):
        setattr(label, name, 1.0)
    with pytest.raises(TypeError):
        setattr(label, name, halco.HemisphereOnDLS(0) if T is not halco.HemisphereOnDLS else None)
    assert label.value() == v  # unchanged


@given(st.integers(0, 3), st.integers(0, 31), st.integers(0, 63))
def test_padi_view_composes(spl1, row_select, syn):
    label = SpikeLabel()
    label.spl1_address = halco.SPL1Address(spl1)
    label.row_select_address = halco.PADIRowSelectAddress(row_select)
    label.synapse_label = halco.SynapseLabel(syn)
    assert label.value() == (spl1 << 14) | (row_select << 6) | syn
    assert label.neuron_label.value() == (row_select << 6) | syn
    assert int(SpikeLabel.pack(spl1, row_select, syn)) == label.value()


@given(st.integers(0, 7), st.integers(0, 255))
def test_neuron_view_composes(output, address):
    label = SpikeLabel()
    label.neuron_event_output = halco.NeuronEventOutputOnDLS(halco.Enum(output))
    label.neuron_backend_address_out = address
    assert label.value() == (output << 8) | address
    assert int(SpikeLabel.pack_neuron(output, address)) == label.value()


@given(st.lists(labels, min_size=0, max_size=50))
def test_vectorized_pack_unpack_round_trip(values):
    arr = np.array(values, dtype=np.uint16)
    fields = SpikeLabel.unpack(arr)
    for name, (T, lsb, width) in FIELDS.items():
        assert fields[name].dtype == np.uint16
        assert fields[name].tolist() == [(v >> lsb) & ((1 << width) - 1) for v in values]
    packed = SpikeLabel.pack(fields["spl1_address"], fields["row_select_address"], fields["synapse_label"])
    assert packed.dtype == np.uint16
    assert packed.tolist() == [v & ~(0b111 << 11) for v in values]  # bits 11..13 are not in the PADI view


def test_vectorized_range_checks():
    with pytest.raises(ValueError):
        SpikeLabel.pack(np.array([4]), 0, 0)
    with pytest.raises(ValueError):
        SpikeLabel.pack(0, np.array([0, 32]), 0)
    with pytest.raises(ValueError):
        SpikeLabel.pack_neuron(8, 0)
    with pytest.raises(ValueError):
        SpikeLabel.unpack(np.array([70000]))
    with pytest.raises(TypeError):
        SpikeLabel.pack(0.5, 0, 0)
    assert SpikeLabel.pack(np.arange(4), 1, 2).tolist() == [(s << 14) | 64 | 2 for s in range(4)]


def test_label_is_mutable_value():
    a = SpikeLabel(0x1234)
    b = SpikeLabel(0x1234)
    assert a == b and hash(a) == hash(b)
    a.synapse_label = 0
    assert a != b
    c = __import__("copy").copy(b)
    c.spl1_address = 3
    assert b.value() == 0x1234  # copies are independent
    assert repr(SpikeLabel(5)) == "SpikeLabel(5)"
    with pytest.raises(ValueError):
        SpikeLabel(0x10000)
    assert halco.NeuronLabel.max == 0x3FFF
