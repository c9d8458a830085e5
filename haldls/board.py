"""Facts of the carrier board (Cube xBoard) shared by its containers and the emulator.

The board DACs are 12-bit (``DACChannel.value`` 0..4095).  The channels that set voltages for
the chip's analog periphery have a fixed reference: code 4095 is 2.5 V on ``i_ref_board``,
``ana_readout_debug_0/1`` and ``mux_dac_25``, and 1.2 V on ``v_reset``, ``v_res_meas``,
``mux_rfu_0/1``.  The other eight channels (DAC 1) set the chip's supply regulators; their code
is no voltage of its own (lola's ``DACChannelBlock.set_voltage`` refuses them).
"""
from __future__ import annotations

from typing import Optional

#: DAC code of full scale (12 bit)
DAC_CODE_MAX = 4095

#: Full-scale voltage (V) of the board DAC channels that output a voltage, by channel name
#: (``halco.DACChannelOnBoard.<name>``).
DAC_FULL_SCALE_VOLTS = {
    "v_reset": 1.2, "v_res_meas": 1.2, "mux_rfu_0": 1.2, "mux_rfu_1": 1.2,
    "i_ref_board": 2.5, "ana_readout_debug_0": 2.5, "ana_readout_debug_1": 2.5, "mux_dac_25": 2.5,
}


def dac_full_scale_volts(channel) -> Optional[float]:
    """The full-scale voltage of ``channel`` (a ``halco.DACChannelOnBoard``), or None for a
    supply regulator channel."""
    import halco
    if not isinstance(channel, halco.DACChannelOnBoard):
        raise TypeError(f"expected a halco.DACChannelOnBoard, got {channel!r}")
    for name, volts in DAC_FULL_SCALE_VOLTS.items():
        if getattr(halco.DACChannelOnBoard, name) == channel:
            return volts
    return None


def dac_full_scale_table() -> list:
    """Full-scale voltage (V, 0.0 for supply channels) of every channel, in enum order."""
    import halco
    return [dac_full_scale_volts(c) or 0.0 for c in halco.iter_all(halco.DACChannelOnBoard)]
