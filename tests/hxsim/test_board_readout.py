"""The emulated board's analog readout path: the mux_dac_25 DAC reaches a chip pad through the
shift register's multiplexers, the pad its debug line through PadMultiplexerConfig, and the
MADC samples the debug line its multiplexer selects (docs/haldls.md, "Board")."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import halco
import haldls
import hxcomm
import stadls

M1, M2 = haldls.AnalogReadoutMux1Input, haldls.AnalogReadoutMux2Input
SAMPLES = 40


@pytest.fixture(scope="module")
def ideal():
    with hxcomm.EmulatorConnection(chip_id=1, ideal=True) as conn:
        yield conn


def sample(conn, code, pad=0, mux1=None, mux2=M2.v_reset, debug_to_pad=True, select=None, enable=True,
           neuron_line=False):
    """MADC channel 0 for a mux_dac_25 code; returns the sample values."""
    b, _ = stadls.generate(stadls.SystemInit())
    sr = haldls.ShiftRegister()
    sr.select_analog_readout_mux_1_input = mux1 if mux1 is not None else (M1.readout_chain_0, M1.readout_chain_1)[pad]
    sr.select_analog_readout_mux_2_input = mux2
    b.write(halco.ShiftRegisterOnBoard(), sr)
    b.write(halco.DACChannelOnBoard.mux_dac_25, haldls.DACChannel(code))
    ctrl = haldls.DACControl()
    ctrl.set_enable_channel(halco.DACChannelOnBoard.mux_dac_25.toDACChannelOnDAC(), enable)
    b.write(halco.DACOnBoard(0), ctrl)
    b.write(halco.PadMultiplexerConfigOnDLS(pad), haldls.PadMultiplexerConfig(debug_to_pad=debug_to_pad))
    sel = haldls.ReadoutSourceSelection()
    line = select if select is not None else ("debug_plus", "debug_minus")[pad]
    getattr(sel, line)[0] = True
    sel.neuron_even[0] = neuron_line
    b.write(halco.ReadoutSourceSelectionOnDLS(), sel)
    b.write(halco.MADCConfigOnDLS(), haldls.MADCConfig(number_of_samples=SAMPLES))
    b.write(halco.TimerOnDLS(), haldls.Timer())
    b.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync())
    b.write(halco.MADCControlOnDLS(), haldls.MADCControl(wake_up=True, start_recording=True))
    b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(20 * 125))
    program = b.done()
    stadls.run(conn, program)
    return program.madc_samples.to_numpy()


def expected_code(code):
    """The ideal MADC (1 mV per LSB from 100 mV) of a mux_dac_25 code (2.5 V full scale)."""
    return int(np.clip(np.round(code / 4095 * 2500.0 - 100.0), 0, 1023))


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 4095), st.integers(0, 1), st.sampled_from([M2.v_reset, M2.mux_dac_25]))
def test_madc_samples_the_dac_voltage_on_either_pad(ideal, code, pad, mux2):
    s = sample(ideal, code, pad=pad, mux2=mux2)
    assert len(s) == SAMPLES
    assert np.all(s["channel"] == 0)
    assert np.all(s["value"] == expected_code(code))


@pytest.mark.parametrize("broken", [
    dict(debug_to_pad=False),                 # pad not on its debug line
    dict(select="debug_minus"),               # the multiplexer takes the other pad's line
    dict(mux1=M1.off),                        # no pad on the board line
    dict(mux1=M1.readout_chain_1),            # the other pad on the board line
    dict(mux2=M2.off), dict(mux2=M2.vdd_res_meas),   # no DAC on the board line
    dict(enable=False),                       # DAC channel disabled
])
def test_every_link_of_the_path_is_needed(ideal, broken):
    assert np.all(sample(ideal, 2000, **broken)["value"] == 0)
    assert np.all(sample(ideal, 2000)["value"] == expected_code(2000))


def test_shorted_with_a_neuron_line_the_mux_averages(ideal):
    # the even neuron line with no neuron on it carries 0 mV: the shorted lines read the mean
    shorted = sample(ideal, 2000, neuron_line=True)["value"].astype(float)
    assert np.all(np.abs(shorted - (2000 / 4095 * 2500.0 / 2 - 100.0)) <= 1.0)


def test_mismatch_makes_the_characteristic_chip_specific():
    codes = (800, 1600)
    with hxcomm.EmulatorConnection(chip_id=5) as real:
        a = [sample(real, c)["value"].mean() for c in codes]
    slope = (a[1] - a[0]) / ((codes[1] - codes[0]) / 4095 * 2500)
    assert 0.9 < slope < 1.1 and slope != 1.0


_BOARD = [haldls.ShiftRegister, haldls.DACChannel, haldls.DACControl]


@pytest.mark.parametrize("cls", _BOARD, ids=lambda c: c.__name__)
def test_written_board_registers_hold_their_value(cls):
    """Write-only on the wire (as the SPI devices), but the emulated board keeps what was written:
    random values survive builder -> wire -> emulator register file -> decode."""
    from tests.strategies import containers, coordinates
    import hxsim

    @settings(max_examples=20, deadline=None)
    @given(coordinates(cls.coordinate_type()), containers(cls))
    def check(coord, value):
        emu = hxsim.Emulator(chip_id=0)
        b = stadls.PlaybackProgramBuilder()
        b.write(coord, value)
        words = np.concatenate([b.done().words, hxcomm.loopback(True)])
        assert hxcomm.decode_from_chip(emu.execute(words)).halted
        stored = [emu.peek(int(a)) for a in cls.addresses(coord)]
        assert cls.decode(stored) == value

    check()
