"""Bring-up coordinates (reset, JTAG, PLL, high-speed links, omnibus addresses).

The emulator accepts and mostly ignores the registers behind them; they exist
so that init sequences written against the public API run unchanged.
"""
from __future__ import annotations

from ._base import Ranged, Single

__all__ = [
    "ResetChipOnDLS",
    "ResetJTAGTapOnDLS",
    "JTAGClockScalerOnDLS",
    "JTAGIdCodeOnDLS",
    "JTAGPLLRegisterOnDLS",
    "JTAGPhyRegisterOnDLS",
    "PLLSelfTestOnDLS",
    "PLLSelfTestStatusOnDLS",
    "PLLClockOutputBlockOnDLS",
    "ADPLLOnDLS",
    "PLLClockOutputOnDLS",
    "HicannARQStatusOnFPGA",
    "PerfTestOnFPGA",
    "PerfTestStatusOnFPGA",
    "PhyConfigFPGAOnDLS",
    "PhyConfigChipOnDLS",
    "PhyStatusOnFPGA",
    "CommonPhyConfigFPGAOnDLS",
    "CommonPhyConfigChipOnDLS",
    "OmnibusAddress",
    "OmnibusChipOverJTAGAddress",
    "PollingOmnibusBlockOnFPGA",
    "PollingOmnibusBlockConfigOnFPGA",
    "MemoryTimingOnDLS",
]


class ResetChipOnDLS(Single):
    """The chip reset line."""


class ResetJTAGTapOnDLS(Single):
    """Reset of the JTAG TAP controller."""


class JTAGClockScalerOnDLS(Single):
    """JTAG clock divider."""


class JTAGIdCodeOnDLS(Single):
    """The chip's JTAG ID code register."""


class JTAGPLLRegisterOnDLS(Ranged, max=7):
    """PLL register reached over JTAG."""


class JTAGPhyRegisterOnDLS(Ranged, max=7):
    """High-speed PHY register reached over JTAG."""


class PLLSelfTestOnDLS(Single):
    """PLL self test trigger/configuration."""


class PLLSelfTestStatusOnDLS(Single):
    """PLL self test result."""


class PLLClockOutputBlockOnDLS(Single):
    """The PLL clock output configuration."""


class ADPLLOnDLS(Ranged, max=1):
    """One of the two all-digital PLLs."""


class PLLClockOutputOnDLS(Ranged, max=3):
    """PLL clock output (named: ``serdes_ser_send_clk``, ``phy_ref_clk``, ``ppu_clk``, ``madc_clk``)."""


for _i, _n in enumerate(("serdes_ser_send_clk", "phy_ref_clk", "ppu_clk", "madc_clk")):
    setattr(PLLClockOutputOnDLS, _n, PLLClockOutputOnDLS(_i))
del _i, _n


class HicannARQStatusOnFPGA(Single):
    """Status of the FPGA's HICANN ARQ."""


class PerfTestOnFPGA(Single):
    """Link performance test control."""


class PerfTestStatusOnFPGA(Single):
    """Link performance test result."""


class PhyConfigFPGAOnDLS(Ranged, max=7):
    """FPGA side configuration of one of the 8 high-speed links."""


class PhyConfigChipOnDLS(Ranged, max=7):
    """Chip side configuration of one of the 8 high-speed links."""

    def toJTAGPhyRegisterOnDLS(self):
        """The JTAG register of this link (same index)."""
        return JTAGPhyRegisterOnDLS._u(self._v)


class PhyStatusOnFPGA(Ranged, max=7):
    """Status of one of the 8 high-speed links."""


class CommonPhyConfigFPGAOnDLS(Single):
    """FPGA side configuration common to all links."""


class CommonPhyConfigChipOnDLS(Single):
    """Chip side configuration common to all links."""


class OmnibusAddress(Ranged, max=0xFFFFFFFF):
    """32-bit omnibus (configuration bus) word address."""


class OmnibusChipOverJTAGAddress(Ranged, max=0xFFFFFFFF):
    """Omnibus address reached over JTAG."""


class PollingOmnibusBlockOnFPGA(Single):
    """``block_until`` an omnibus word matches (word & mask == target)."""


class PollingOmnibusBlockConfigOnFPGA(Single):
    """Address, mask and target of the polling block."""


class MemoryTimingOnDLS(Single):
    """All SRAM timing configuration of the chip (lola ``MemoryTiming``)."""
