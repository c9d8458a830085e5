"""Board containers (ShiftRegister, DACChannel, DACControl), PadMultiplexerConfig, the
ReadoutSourceSelection multiplexer view, positional single-field constructors and the table of
public containers (emulated / accepted / missing)."""
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import halco
import haldls
from haldls import public

ROOT = Path(__file__).resolve().parents[2]


def test_shift_register_mux_enums_are_public_names():
    sr = haldls.ShiftRegister()
    assert sr.select_analog_readout_mux_1_input == haldls.ShiftRegister.AnalogReadoutMux1Input.off
    sr.select_analog_readout_mux_1_input = haldls.ShiftRegister.AnalogReadoutMux1Input.readout_chain_0
    sr.select_analog_readout_mux_2_input = "v_reset"
    sr.select_analog_readout_mux_3_input = haldls.ShiftRegister.AnalogReadoutMux3Input.mux_rfu_2
    back = haldls.ShiftRegister.decode(sr.encode())
    assert back == sr
    assert back.select_analog_readout_mux_2_input is haldls.AnalogReadoutMux2Input.v_reset
    with pytest.raises(ValueError, match="AnalogReadoutMux1Input"):
        sr.select_analog_readout_mux_1_input = 4
    # public defaults: i_ref on, all supplies on, LEDs off
    d = haldls.ShiftRegister()
    assert d.enable_i_ref_board and all(d.enable_vdd) and not any(d.enable_led)


@given(st.integers(0, 5), st.booleans(), st.integers(0, 5), st.booleans())
def test_shift_register_led_and_vdd_accessors_by_coordinate(led, on, vdd, vdd_on):
    sr = haldls.ShiftRegister()
    sr.set_enable_led(halco.LEDOnBoard(led), on)
    sr.set_enable_vdd(halco.VDDOnBoard(vdd), vdd_on)
    assert sr.get_enable_led(halco.LEDOnBoard(led)) == on == sr.enable_led[led]
    assert sr.get_enable_vdd(halco.VDDOnBoard(vdd)) == vdd_on
    with pytest.raises(TypeError, match="LEDOnBoard"):
        sr.get_enable_led(halco.VDDOnBoard(0))


@given(st.integers(0, 7), st.booleans())
def test_dac_control_channel_enables(channel, on):
    c = haldls.DACControl()
    assert all(c.enable_channel)                      # public default: every channel on
    c.set_enable_channel(halco.DACChannelOnDAC(channel), on)
    assert c.get_enable_channel(halco.DACChannelOnDAC(channel)) == on
    assert haldls.DACControl.decode(c.encode()) == c


@given(st.integers(0, 4095))
def test_dac_channel_value_positional_and_range(code):
    assert haldls.DACChannel(code) == haldls.DACChannel(value=code) == haldls.DACChannel(haldls.DACChannel.Value(code))
    assert haldls.DACChannel.decode(haldls.DACChannel(code).encode()).value == code


def test_positional_value_only_for_single_field_containers():
    assert haldls.CapMemCell(17).value == 17
    assert haldls.PPUMemoryWord(haldls.PPUMemoryWord.Value(0x1234567)).value == 0x1234567
    with pytest.raises(ValueError, match="out of range"):
        haldls.DACChannel(4096)
    with pytest.raises(TypeError, match="by keyword"):
        haldls.NeuronConfig(1)
    with pytest.raises(TypeError, match="twice"):
        haldls.CapMemCell(3, value=4)


def test_board_registers_are_write_only_fpga_side():
    for name in ("ShiftRegister", "DACChannel", "DACControl"):
        reg = haldls.REGISTERS_BY_NAME[name]
        assert reg.fpga and reg.access == haldls.Access.TRIGGER
        cls = getattr(haldls, name)
        with pytest.raises(TypeError, match="write-only"):
            cls.read_plan(cls.coordinate_type().from_enum(0))


_MUX_FLAGS = ("debug_plus", "debug_minus", "current_dac", "synin_debug_inhibitory", "synin_debug_excitatory",
              "cadc_debug_causal", "cadc_debug_acausal")


@given(st.integers(0, 1), st.fixed_dictionaries({n: st.booleans() for n in _MUX_FLAGS}),
       st.lists(st.booleans(), min_size=2, max_size=2), st.lists(st.booleans(), min_size=2, max_size=2))
def test_source_multiplexer_buffer_round_trip(mux, flags, even, odd):
    sel = haldls.ReadoutSourceSelection()
    m = haldls.ReadoutSourceSelection.SourceMultiplexer(**flags)
    m.neuron_even = even
    m.neuron_odd = odd
    coord = halco.SourceMultiplexerOnReadoutSourceSelection(mux)
    sel.set_buffer(coord, m)
    back = haldls.ReadoutSourceSelection.decode(sel.encode()).get_buffer(coord)
    for n in _MUX_FLAGS:
        assert getattr(back, n) == flags[n]
        assert getattr(sel, n)[1 - mux] is False              # the other multiplexer is untouched
    # one even and one odd line for both hemispheres: either entry selects it
    assert list(back.neuron_even) == [any(even)] * 2 and list(back.neuron_odd) == [any(odd)] * 2


def test_source_multiplexer_rejects_bad_values():
    m = haldls.ReadoutSourceSelection.SourceMultiplexer()
    with pytest.raises(AttributeError, match="no field"):
        m.debug_plu = True
    with pytest.raises(ValueError, match="one per hemisphere"):
        m.neuron_odd = [True]
    with pytest.raises(IndexError):
        haldls.ReadoutSourceSelection().get_buffer(2)
    with pytest.raises(TypeError, match="SourceMultiplexer"):
        haldls.ReadoutSourceSelection().set_buffer(0, "debug_plus")


def test_pad_multiplexer_fields():
    p = haldls.PadMultiplexerConfig(debug_to_pad=True)
    p.cadc_v_ramp_mux[halco.CapMemBlockOnDLS(2)] = True
    p.buffer_to_pad[1] = True
    assert haldls.PadMultiplexerConfig.decode(p.encode()) == p
    assert haldls.PadMultiplexerConfig.coordinate_type() is halco.PadMultiplexerConfigOnDLS


def test_synapse_quad_value_types():
    assert haldls.SynapseQuad.Weight is haldls.SynapseWeightQuad.Value and haldls.SynapseQuad.Weight.max == 63
    assert haldls.SynapseQuad.Label.max == 63


def test_public_table_matches_the_package():
    for name, (status, note) in public.PUBLIC_CONTAINERS.items():
        if status == public.MISSING:
            with pytest.raises(NotImplementedError, match=rf"haldls\.{name} is not emulated"):
                getattr(haldls, name)
            assert note, f"{name}: a missing container needs a reason"
        else:
            assert isinstance(getattr(haldls, name), type), name
            if status == public.ACCEPTED:
                assert note, f"{name}: an accepted-without-effect container needs a reason"
    # every register-map container that is public is in the table (ours-only ones are not public)
    assert {r.name for r in haldls.REGISTERS} <= set(public.PUBLIC_CONTAINERS)
    with pytest.raises(AttributeError):
        haldls.NoSuchContainer


def test_docs_list_every_public_container():
    text = (ROOT / "docs" / "haldls.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \| (?:emulated|accepted without effect|missing) \|", text, re.M))
    assert listed == set(public.PUBLIC_CONTAINERS)
