"""Plasticity processing units (one per hemisphere) and their memory."""
from __future__ import annotations


from ._base import Interval, Mixin, Ranged

__all__ = [
    "PPUOnDLS",
    "PPUMemoryWordOnPPU",
    "PPUMemoryWordOnDLS",
    "PPUMemoryBlockSize",
    "PPUMemoryBlockOnPPU",
    "PPUMemoryBlockOnDLS",
    "PPUMemoryOnDLS",
    "PPUControlRegisterOnDLS",
    "PPUStatusRegisterOnDLS",
]


class PPUOnDLS(Ranged, max=1):
    """PPU of one hemisphere (0 = top, 1 = bottom)."""


class PPUMemoryWordOnPPU(Ranged, max=0xFFF):
    """32-bit word of one PPU's 16 KiB memory."""


PPUMemoryWordOnPPU.return_code = PPUMemoryWordOnPPU(3071)


class PPUMemoryWordOnDLS(Mixin, local=PPUMemoryWordOnPPU, block=PPUOnDLS, names=("word", "ppu")):
    """One PPU memory word on the chip: word x PPU."""


class PPUMemoryBlockSize(Ranged, min=1, max=0x1000):
    """Number of words of a PPU memory block (1..4096)."""


class PPUMemoryBlockOnPPU(Interval, bound=PPUMemoryWordOnPPU):
    """Contiguous range of words [min, max] of one PPU memory."""

    def toPPUMemoryBlockSize(self):
        """Number of words."""
        return PPUMemoryBlockSize(self.length())


PPUMemoryBlockOnPPU.mailbox = PPUMemoryBlockOnPPU(PPUMemoryWordOnPPU(3072), PPUMemoryWordOnPPU(4095))


class PPUMemoryBlockOnDLS(Mixin, local=PPUMemoryBlockOnPPU, block=PPUOnDLS, names=("reg", "ppu")):
    """Contiguous range of words of one PPU's memory."""


class PPUMemoryOnDLS(Ranged, max=1):
    """The whole memory of one PPU."""


class PPUControlRegisterOnDLS(Ranged, max=1):
    """Control register (run/reset, clocks) of one PPU."""


class PPUStatusRegisterOnDLS(Ranged, max=1):
    """Status register (sleeping) of one PPU."""
