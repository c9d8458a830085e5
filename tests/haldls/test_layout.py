"""Bit layouts pinned by hand-computed words (the public container bit layouts of haldls)."""
from __future__ import annotations

import numpy as np
import pytest

import haldls
from haldls import REGISTERS, ReadoutSource, RowMode


def words(obj):
    return obj.encode().tolist()


# -- CrossbarNode: mask[0:13], target[16:29], enable_drop_counter[31] ------------------

def test_crossbar_node_bits():
    C = haldls.CrossbarNode
    assert words(C(mask=0x3fff)) == [0x0000_3fff]
    assert words(C(target=0x3fff)) == [0x3fff_0000]
    assert words(C(enable_drop_counter=True)) == [0x8000_0000]
    assert words(C(mask=0x1234, target=0x0abc, enable_drop_counter=True)) == [0x8abc_1234]
    assert C.decode([0xffff_ffff]) == C(mask=0x3fff, target=0x3fff, enable_drop_counter=True)
    assert words(C()) == [0]  # default: mask = target = 0, everything routes
    assert words(C.drop_all) == [0x0001_0000]


# -- BackgroundSpikeSource: {enable, enable_random, period[16:31]}, {seed}, {mask[0:7], rate[8:15], label[16:29]}

def test_background_spike_source_words():
    B = haldls.BackgroundSpikeSource
    b = B(enable=True, enable_random=True, period=0xffff, seed=0xdead_beef, mask=0xab, rate=0xcd,
          neuron_label=0x3fff)
    assert words(b) == [0xffff_0003, 0xdead_beef, 0x3fff_cdab]
    assert words(B(period=1)) == [0x0001_0000, 0, 0]
    assert words(B(enable_random=True)) == [0x2, 0, 0]
    assert words(B(neuron_label=1, rate=2, mask=3)) == [0, 0, 0x0001_0203]
    assert B.decode([0x0010_0001, 7, 0x0005_0000]) == B(enable=True, period=16, seed=7, neuron_label=5)


# -- synapse SRAM quads: entry 0 in the highest byte -------------------------------------

@pytest.mark.parametrize("name", ["SynapseWeightQuad", "SynapseLabelQuad"])
def test_synapse_quad_entry_order_reversed(name):
    Q = getattr(haldls, name)
    assert words(Q(values=[1, 2, 3, 63])) == [0x0102_033f]
    assert words(Q(values=[63, 0, 0, 0])) == [0x3f00_0000]
    assert words(Q(values=[0, 0, 0, 1])) == [0x0000_0001]
    assert list(Q.decode([0x0102_033f]).values) == [1, 2, 3, 63]
    # the 2 pad bits of each byte are not data
    assert list(Q.decode([0xc0c0_c0c0]).values) == [0, 0, 0, 0]
    cols = Q.decode_array(np.array([0x0102_033f, 0x3f00_0000], dtype=np.uint32))
    np.testing.assert_array_equal(cols["values"], [[1, 2, 3, 63], [63, 0, 0, 0]])
    np.testing.assert_array_equal(Q.encode_array({"values": np.array([[1, 2, 3, 63]])}), [[0x0102_033f]])


def test_correlation_calib_quad_words():
    Q = haldls.SynapseCorrelationCalibQuad
    assert words(Q(time_calibs=[1, 2, 3, 0])) == [0x0102_0300, 0]
    assert words(Q(amp_calibs=[0, 0, 0, 3])) == [0, 0x0000_0003]


def test_cadc_sample_quad_reversed():
    assert haldls.CADCSampleQuad.decode([0x0102_03ff]).samples == [1, 2, 3, 255]


def test_column_switch_quads_reversed():
    q = haldls.ColumnCurrentQuad(enable_synaptic_current_excitatory=[True, False, False, False],
                                 enable_debug_inhibitory=[False, False, False, True])
    assert words(q) == [0x0100_0008]
    # default: internal correlation sensors of all 4 columns connected (bits 0 and 1 of each byte)
    assert words(haldls.ColumnCorrelationQuad()) == [0x0303_0303]


# -- NeuronConfig (v3): word / bit of every switch, from the reference table -------------

NEURON_CONFIG_BITS = {
    "enable_reset_degeneration": (0, 0), "enable_reset_division": (0, 1),
    "enable_reset_multiplication": (0, 2), "enable_leak_degeneration": (0, 3),
    "enable_leak_division": (0, 4), "enable_leak_multiplication": (0, 5), "enable_strong_fire": (0, 6),
    "enable_synaptic_input_inhibitory_coba_mode": (1, 1),
    "enable_synaptic_input_excitatory_coba_mode": (1, 2), "enable_unbuffered_access": (1, 3),
    "enable_readout_amplifier": (1, 4), "enable_readout": (1, 7),
    "invert_adaptation_b": (2, 0), "invert_adaptation_a": (2, 1), "enable_adaptation": (2, 2),
    "enable_exponential": (2, 3), "enable_synaptic_input_inhibitory_small_capacitance": (2, 4),
    "enable_synaptic_input_excitatory_small_capacitance": (2, 5),
    "enable_synaptic_input_inhibitory_high_resistance": (2, 6),
    "enable_synaptic_input_excitatory_high_resistance": (2, 7),
    "enable_membrane_offset": (3, 0),
    "invert_membrane_offset": (4, 0), "enable_fire": (4, 2), "enable_threshold_comparator": (4, 3),
    "enable_synaptic_input_inhibitory": (4, 4), "enable_synaptic_input_excitatory": (4, 5),
    "enable_bypass_inhibitory": (4, 6), "enable_bypass_excitatory": (4, 7),
    "connect_soma_right": (5, 0), "connect_bottom": (5, 1), "enable_multicomp_conductance": (5, 2),
    "connect_membrane_right": (5, 3), "connect_soma": (5, 4),
    "enable_multicomp_conductance_multiplication": (5, 5),
    "enable_multicomp_conductance_division": (5, 6), "enable_pause": (5, 7),
}


def _all_clear_neuron_config():
    n = haldls.NeuronConfig()
    n.enable_synaptic_input_inhibitory_small_capacitance = False
    n.enable_synaptic_input_excitatory_small_capacitance = False
    n.membrane_capacitor_size = 0
    return n


def test_neuron_config_defaults():
    # small-capacitance switches on (word 2 bits 4, 5), membrane_capacitor_size = 63 (word 3 bits 2..7)
    assert words(haldls.NeuronConfig()) == [0, 0, 0x30, 0xfc, 0, 0]
    assert words(_all_clear_neuron_config()) == [0] * 6


@pytest.mark.parametrize("name", sorted(NEURON_CONFIG_BITS))
def test_neuron_config_switch_bits(name):
    word, bit = NEURON_CONFIG_BITS[name]
    n = _all_clear_neuron_config()
    setattr(n, name, True)
    expected = [0] * 6
    expected[word] = 1 << bit
    assert words(n) == expected
    assert haldls.NeuronConfig.decode(expected) == n


def test_neuron_config_multibit_fields():
    n = _all_clear_neuron_config()
    n.enable_fire = True
    assert words(n)[4] == 0b100  # word 4 bit 2
    n = _all_clear_neuron_config()
    n.readout_source = ReadoutSource.adaptation
    assert words(n) == [0, 0b11 << 5, 0, 0, 0, 0]  # word 1 bits 5..6
    n.readout_source = ReadoutSource.exc_synin
    assert words(n)[1] == 0b01 << 5
    n.readout_source = ReadoutSource.inh_synin
    assert words(n)[1] == 0b10 << 5
    n = _all_clear_neuron_config()
    n.membrane_capacitor_size = 0b100001
    assert words(n) == [0, 0, 0, 0b100001 << 2, 0, 0]  # word 3 bits 2..7
    # the layout uses only the low 8 bits of each word
    every = haldls.NeuronConfig.decode([0xffff_ffff] * 6)
    assert all(w <= 0xff for w in words(every))


def test_neuron_config_fields_cover_the_reference_table():
    reg = haldls.REGISTERS_BY_NAME["NeuronConfig"]
    single_bits = {f.name for f in reg.fields if f.width == 1}
    assert single_bits == set(NEURON_CONFIG_BITS)


# -- signed CADC offset -----------------------------------------------------------------------

def test_cadc_channel_offset_twos_complement():
    C = haldls.CADCChannelConfig
    assert words(C(offset=-1)) == [0xff]
    assert words(C(offset=-128)) == [0x80]
    assert words(C(offset=127)) == [0x7f]
    assert words(C(offset=0)) == [0]
    assert C.decode([0x80]).offset == -128
    assert C.decode([0xff]).offset == -1
    assert C.decode([0x7f]).offset == 127
    np.testing.assert_array_equal(C.encode_array({"offset": np.array([-1, -128, 127])})[:, 0], [0xff, 0x80, 0x7f])
    np.testing.assert_array_equal(C.decode_array(np.array([0xff, 0x80, 0x7f]))["offset"], [-1, -128, 127])


# -- other hand-checked words -------------------------------------------------------------------

def test_synapse_driver_row_modes():
    d = haldls.SynapseDriverConfig(row_mode_top=RowMode.inhibitory, row_mode_bottom=RowMode.excitatory,
                                   row_address_compare_mask=0)
    assert words(d) == [0, (2 << 6) | (1 << 4), 0]
    assert words(haldls.SynapseDriverConfig()) == [0x1f << 9, 0, 0]


def test_jtag_id_code_default_is_hx_v3():
    assert words(haldls.JTAGIdCode()) == [0x3485_80af]  # version 3, part 0x4858, manufacturer 0x057, marker


def test_padi_event_fields():
    e = haldls.PADIEvent(fire_bus=[True, False, False, True], event_address=0x3f, row_select_address=0x1f)
    assert words(e) == [0b1001 | (0x3f << 16) | (0x1f << 22)]


def test_readout_source_selection_lanes():
    s = haldls.ReadoutSourceSelection(neuron_even=[False, True], enable_buffered=[True, False])
    assert words(s) == [(1 << 17) | (1 << 7)]


def test_common_neuron_backend_defaults():
    # as the public container: event registers and clocks on, both refractory clocks at scale 0
    assert words(haldls.CommonNeuronBackendConfig()) == [
        1 | (1 << 2) | (0xf << 12),
        128 | (4 << 8) | (112 << 16) | (4 << 24)]


@pytest.mark.parametrize("reg", REGISTERS, ids=[r.name for r in REGISTERS])
def test_fields_fit_and_do_not_overlap(reg):
    used = {}
    for f in reg.fields:
        lanes = f.lanes()
        assert len(lanes) == f.count and len(set(lanes)) == f.count
        for w, shift in lanes:
            assert 0 <= w < reg.words and shift >= 0 and shift + f.width <= 32, (f.name, w, shift)
            for bit in range(shift, shift + f.width):
                assert (w, bit) not in used, (f.name, used.get((w, bit)))
                used[(w, bit)] = f.name
        assert f.lo <= f.default <= f.hi


def test_register_entries_are_validated():
    F, R = haldls.Field, haldls.Register
    with pytest.raises(ValueError, match="overlaps"):
        R("X", "XOnDLS", 0, (), (), 1, fields=(F("a", 0, 0, 4), F("b", 0, 3)))
    with pytest.raises(ValueError, match="outside"):
        R("X", "XOnDLS", 0, (), (), 1, fields=(F("a", 0, 30, 4, kind=int),))
    with pytest.raises(ValueError, match="outside"):
        R("X", "XOnDLS", 0, (), (), 1, fields=(F("a", 1, 0),))
    with pytest.raises(ValueError, match="strides"):
        R("X", "XOnDLS", 0, (2,), (), 1)
    with pytest.raises(ValueError, match="twice"):
        R("X", "XOnDLS", 0, (), (), 1, fields=(F("a", 0, 0), F("a", 0, 1)))
    with pytest.raises(ValueError, match="default"):
        R("X", "XOnDLS", 0, (), (), 1, fields=(F("a", 0, 0, 2, kind=int, default=4),))


def test_field_lanes():
    F = haldls.Field
    assert F("a", 0, 0, 6, kind=int, count=4, lane_stride=8, reverse=True).lanes() == ((0, 24), (0, 16), (0, 8), (0, 0))
    assert F("a", 1, 4, 2, kind=int, count=3).lanes() == ((1, 4), (1, 6), (1, 8))
    assert F("a", 0, 0, 8, kind=int, count=2, lane_word_stride=1).lanes() == ((0, 0), (1, 0))
    f = F("o", 0, 0, 8, kind=int, signed=True)
    assert (f.lo, f.hi) == (-128, 127)
    assert (F("m", 0, 0, 3, kind=int, maximum=6).hi) == 6
