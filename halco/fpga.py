"""FPGA-side coordinates: barrier, event recording, external PPU memory, loopback."""
from __future__ import annotations

from ._base import Interval, Ranged, Single

__all__ = [
    "BarrierOnFPGA",
    "EventRecordingConfigOnFPGA",
    "NullPayloadReadableOnFPGA",
    "FPGADeviceDNAOnFPGA",
    "ExternalPPUMemoryByteOnFPGA",
    "ExternalPPUMemoryQuadOnFPGA",
    "ExternalPPUMemoryBlockSize",
    "ExternalPPUMemoryBlockOnFPGA",
    "ExternalPPUDRAMMemoryByteOnFPGA",
    "ExternalPPUDRAMMemoryQuadOnFPGA",
]


class BarrierOnFPGA(Single):
    """Barrier of the FPGA executor (``block_until`` waits for idle buses)."""


class EventRecordingConfigOnFPGA(Single):
    """Whether the FPGA forwards events from the chip to the host."""


class NullPayloadReadableOnFPGA(Single):
    """Read without payload, answered at once (for time annotation)."""


class FPGADeviceDNAOnFPGA(Single):
    """Unique identifier of the FPGA."""


class ExternalPPUMemoryByteOnFPGA(Ranged, max=0x20000 - 1):
    """Byte of the 128 KiB FPGA-side memory visible to the PPUs."""


class ExternalPPUMemoryQuadOnFPGA(Ranged, max=0x8000 - 1):
    """32-bit word of the FPGA-side PPU memory."""


class ExternalPPUMemoryBlockSize(Ranged, min=1, max=0x20000):
    """Number of bytes of an external PPU memory block."""


class ExternalPPUMemoryBlockOnFPGA(Interval, bound=ExternalPPUMemoryByteOnFPGA):
    """Contiguous byte range [min, max] of the external PPU memory."""

    def toExternalPPUMemoryBlockSize(self):
        """Number of bytes."""
        return ExternalPPUMemoryBlockSize(self.length())


class ExternalPPUDRAMMemoryByteOnFPGA(Ranged, max=(1 << 28) - 1):
    """Byte of the 256 MiB FPGA-side DRAM visible to the PPUs."""


class ExternalPPUDRAMMemoryQuadOnFPGA(Ranged, max=(1 << 26) - 1):
    """32-bit word of the FPGA-side PPU DRAM."""
