"""Step ``coba``: conductance-based synaptic inputs (only for COBA targets): reversal
potentials and COBA strengths, by :func:`calix.spiking.coba.calibrate_coba`."""
from __future__ import annotations

from ..coba import calibrate_coba
from .base import Step

__all__ = ["COBAStep"]


class COBAStep(Step):
    """Reversal potentials and COBA strengths at the reference potential (CUBA targets: nothing)."""

    name = "coba"

    def run(self) -> None:
        if self.cal.coba:
            calibrate_coba(self.cal)
