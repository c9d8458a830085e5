"""The board coordinates: named DAC channels, supplies, LEDs; the public enum_type; public
coordinates of parts the emulated setup does not have raise NotImplementedError."""
import pytest
from hypothesis import given, strategies as st

import halco

DAC0 = ("v_reset", "v_res_meas", "mux_rfu_0", "mux_rfu_1", "i_ref_board", "ana_readout_debug_0",
        "ana_readout_debug_1", "mux_dac_25")
DAC1 = ("vdd25_digital", "vdd12_digital", "vdd25_analog", "vdd12_analog", "vdd12_madc", "vdd12_pll",
        "general_purpose_0", "general_purpose_1")


@pytest.mark.parametrize("dac, names", [(0, DAC0), (1, DAC1)])
def test_named_dac_channels_are_channel_and_dac(dac, names):
    for channel, name in enumerate(names):
        c = getattr(halco.DACChannelOnBoard, name)
        assert c == halco.DACChannelOnBoard(halco.DACChannelOnDAC(channel), halco.DACOnBoard(dac))
        assert int(c.toDACChannelOnDAC()) == channel and int(c.toDACOnBoard()) == dac
        assert int(c.toEnum()) == 8 * dac + channel


@given(st.integers(0, 15))
def test_dac_channel_enum_round_trip(e):
    c = halco.DACChannelOnBoard.from_enum(e)
    assert halco.DACChannelOnBoard(c.toDACChannelOnDAC(), c.toDACOnBoard()) == c


def test_supplies_and_their_dac_channels():
    for i, name in enumerate(DAC1[:6]):
        vdd = getattr(halco.VDDOnBoard, name)
        assert int(vdd) == i
        assert vdd.toDACChannelOnBoard() == getattr(halco.DACChannelOnBoard, name)
        assert vdd.toDACChannelOnBoard().toVDDOnBoard() == vdd
    with pytest.raises(ValueError, match="sets no supply"):
        halco.DACChannelOnBoard.mux_dac_25.toVDDOnBoard()
    with pytest.raises(ValueError, match="sets no supply"):
        halco.DACChannelOnBoard.general_purpose_0.toVDDOnBoard()


def test_sizes_and_named_values():
    assert [halco.LEDOnBoard.size, halco.VDDOnBoard.size, halco.ADCSourceOnBoard.size] == [6, 6, 10]
    assert int(halco.LEDOnBoard.led_7) == 4 and int(halco.ADCSourceOnBoard.none) == 9
    assert len(list(halco.iter_all(halco.DACChannelOnBoard))) == 16
    for single in (halco.ShiftRegisterOnBoard, halco.DACChannelBlockOnBoard, halco.DACControlBlockOnBoard):
        assert single.size == 1
    with pytest.raises(ValueError, match="out of range"):
        halco.DACOnBoard(2)


def test_enum_type_builds_any_coordinate_from_its_index():
    assert halco.AtomicNeuronOnDLS.enum_type is halco.Enum
    n = halco.AtomicNeuronOnDLS(halco.AtomicNeuronOnDLS.enum_type(300))
    assert int(n.toEnum()) == 300
    assert halco.DACChannelOnBoard(halco.DACChannelOnBoard.enum_type(7)) == halco.DACChannelOnBoard.mux_dac_25


@pytest.mark.parametrize("name", ["INA219OnBoard", "TCA9554OnBoard", "CurrentDACOnDLS", "SPIShiftRegisterOnBoard"])
def test_public_names_of_parts_not_emulated_raise_not_implemented(name):
    with pytest.raises(NotImplementedError, match=f"halco.{name} is not emulated"):
        getattr(halco, name)
    with pytest.raises(AttributeError):
        halco.NoSuchCoordinateAnywhere
