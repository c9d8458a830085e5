"""Step ``leak``: the leak (resting) potential, ``leak.v_leak``, by a secant search (public
``calix.spiking.neuron`` / ``calix.hagen.neuron_potentials.LeakPotentialCalib``)."""
from __future__ import annotations

import numpy as np

from ..targets import N_NEURONS
from .base import Step, VoltageCalib

__all__ = ["LeakPotentialCalib", "LeakStep"]


class LeakPotentialCalib(VoltageCalib):
    """Search of ``leak.v_leak``: the resting potential read by the CADC after ``settle_us``."""

    path = "leak.v_leak"

    def __init__(self, cal, step: str, settle_us: float):
        super().__init__(cal, step)
        self.settle_us = settle_us

    def measure_results(self, connection, builder) -> np.ndarray:
        return self.cal._read_potentials(self.settle_us, builder=builder)


class LeakStep(Step):
    """Resting potentials at their targets, measured with a fast leak (E_leak does not depend
    on the leak bias)."""

    name = "leak"

    def run(self) -> None:
        cal = self.cal
        # a fast leak settles in microseconds; E_leak does not depend on the leak bias
        saved = {p: cal._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        cal._set("leak.i_bias", np.full(N_NEURONS, 1000))
        cal._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        cal._set("leak.enable_multiplication", np.zeros(N_NEURONS, bool))
        dac, res = LeakPotentialCalib(cal, self.name, settle_us=10.0).search(cal.leak)
        cal._set("leak.v_leak", dac)
        cal.info["leak"] = res
        for p, v in saved.items():
            cal._set(p, v)
