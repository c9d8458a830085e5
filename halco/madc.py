"""Membrane ADC (one per chip, two input channels)."""
from __future__ import annotations

from ._base import Single

__all__ = ["MADCConfigOnDLS", "MADCControlOnDLS"]


class MADCConfigOnDLS(Single):
    """MADC configuration (sample count, clock scale, preamp, input mux ...)."""


class MADCControlOnDLS(Single):
    """MADC state machine control (wake up, start/stop recording ...)."""
