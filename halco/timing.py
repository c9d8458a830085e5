"""FPGA executor timing: timer, waits and the chip/FPGA time synchronisation."""
from __future__ import annotations

from ._base import Single

__all__ = ["TimerOnDLS", "WaitUntilOnFPGA", "SystimeSyncOnFPGA", "SystimeSyncBaseOnDLS"]


class TimerOnDLS(Single):
    """The FPGA executor timer (125 MHz): write resets it, ``block_until`` waits on it."""


class WaitUntilOnFPGA(Single):
    """The FPGA wait-until instruction target."""


class SystimeSyncOnFPGA(Single):
    """Synchronisation of the chip's systime counter with the FPGA time."""


class SystimeSyncBaseOnDLS(Single):
    """Base (initial value) of the chip's systime counter."""
