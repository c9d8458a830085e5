"""The carrier board around the chip (the Cube "xBoard"): its two 8-channel DACs, the shift
register with the analog readout multiplexers, LEDs and supply enables, and the board ADC
sources.  The board is reached over SPI from the FPGA; on the emulated setup these are the
board peripherals the emulator models (see docs/haldls.md, "Board").

Named values follow the public halco: ``DACChannelOnBoard.mux_dac_25`` is channel 7 of DAC 0,
``DACChannelOnBoard.vdd12_madc`` channel 4 of DAC 1, ``VDDOnBoard.vdd25_digital`` is 0, ...
"""
from __future__ import annotations

from ._base import Mixin, Ranged, Single

__all__ = [
    "DACOnBoard",
    "DACChannelOnDAC",
    "DACChannelOnBoard",
    "DACChannelBlockOnBoard",
    "DACControlBlockOnBoard",
    "ShiftRegisterOnBoard",
    "LEDOnBoard",
    "VDDOnBoard",
    "ADCSourceOnBoard",
    "ADCOnBoard",
]


class DACOnBoard(Ranged, max=1):
    """One of the two 8-channel DACs on the board (DAC 0: references for the chip's analog
    readout and the external voltage source, DAC 1: supply regulators)."""


class DACChannelOnDAC(Ranged, max=7):
    """A channel of one board DAC."""


class DACChannelOnBoard(Mixin, local=DACChannelOnDAC, block=DACOnBoard, names=("channel", "dac")):
    """A DAC channel on the board: ``DACChannelOnBoard(DACChannelOnDAC(c), DACOnBoard(d))``,
    enum = 8 d + c.  Named channels: ``v_reset``, ``v_res_meas``, ``mux_rfu_0``, ``mux_rfu_1``,
    ``i_ref_board``, ``ana_readout_debug_0``, ``ana_readout_debug_1``, ``mux_dac_25`` (DAC 0)
    and ``vdd25_digital``, ``vdd12_digital``, ``vdd25_analog``, ``vdd12_analog``,
    ``vdd12_madc``, ``vdd12_pll``, ``general_purpose_0``, ``general_purpose_1`` (DAC 1)."""

    def toVDDOnBoard(self):
        """The supply this channel regulates; ValueError for a channel that sets no supply."""
        if self._v // 8 == 1 and self._v % 8 <= 5:
            return VDDOnBoard._u(self._v % 8)
        raise ValueError(f"{self!r} sets no supply voltage (only channels 0..5 of DAC 1 do)")


class DACChannelBlockOnBoard(Single):
    """All 16 board DAC channels (lola ``DACChannelBlock``)."""


class DACControlBlockOnBoard(Single):
    """The channel enables of both board DACs (lola ``DACControlBlock``)."""


class ShiftRegisterOnBoard(Single):
    """The board's SPI shift register (analog readout multiplexers, LEDs, supply enables)."""


class LEDOnBoard(Ranged, max=5):
    """A status LED driven by the shift register: ``led_1``, ``led_2``, ``led_3``, ``led_4``,
    ``led_7``, ``led_8``."""


class VDDOnBoard(Ranged, max=5):
    """A chip supply switched by the shift register and regulated by DAC 1: ``vdd25_digital``,
    ``vdd12_digital``, ``vdd25_analog``, ``vdd12_analog``, ``vdd12_madc``, ``vdd12_pll``."""

    def toDACChannelOnBoard(self):
        """The DAC channel regulating this supply (channel = supply index on DAC 1)."""
        return DACChannelOnBoard._u(8 + self._v)


class ADCSourceOnBoard(Ranged, max=9):
    """What the board ADC converts: ``readout_chain_0``, ``readout_chain_1``, ``mux_rfu_0``,
    ``v_reset``, ``vdd_res_meas``, ``mux_dac_25``, ``i_ref``, ``mux_rfu_1``, ``mux_rfu_2``,
    ``none``."""


class ADCOnBoard(Single):
    """The board ADC."""


def _name(cls, names):
    for i, n in enumerate(names):
        setattr(cls, n, cls._u(i))


_name(DACChannelOnBoard, ("v_reset", "v_res_meas", "mux_rfu_0", "mux_rfu_1", "i_ref_board",
                          "ana_readout_debug_0", "ana_readout_debug_1", "mux_dac_25",
                          "vdd25_digital", "vdd12_digital", "vdd25_analog", "vdd12_analog",
                          "vdd12_madc", "vdd12_pll", "general_purpose_0", "general_purpose_1"))
_name(LEDOnBoard, ("led_1", "led_2", "led_3", "led_4", "led_7", "led_8"))
_name(VDDOnBoard, ("vdd25_digital", "vdd12_digital", "vdd25_analog", "vdd12_analog", "vdd12_madc",
                   "vdd12_pll"))
_name(ADCSourceOnBoard, ("readout_chain_0", "readout_chain_1", "mux_rfu_0", "v_reset", "vdd_res_meas",
                         "mux_dac_25", "i_ref", "mux_rfu_1", "mux_rfu_2", "none"))
del _name
