"""Step ``reset``: the reset potential, ``reset.v_reset``, by a secant search (public
``calix.hagen.neuron_potentials.ResetPotentialCalib``)."""
from __future__ import annotations

import numpy as np

from ...common import measure
from .. import setup as S
from ..targets import N_NEURONS
from .base import Step, VoltageCalib

__all__ = ["ResetPotentialCalib", "ResetStep"]


class ResetPotentialCalib(VoltageCalib):
    """Search of ``reset.v_reset``: the membrane read after a NeuronReset (without leak
    conductance the membrane keeps the potential the reset gives it)."""

    path = "reset.v_reset"

    def measure_results(self, connection, builder) -> np.ndarray:
        cal = self.cal
        b = cal._program(settle_us=2.0, builder=builder)
        measure.neuron_reset(b)
        b.wait_until(S.us(3.0))
        tickets = measure.cadc_trace(b, S.us(3.0) + np.arange(cal.nopt.reads) * S.us(0.5))
        cal.session.run(b)
        return np.mean([t.get() for t in tickets], axis=0)


class ResetStep(Step):
    """Reset potentials at their targets."""

    name = "reset"

    def run(self) -> None:
        cal = self.cal
        # without leak conductance the membrane keeps the potential a NeuronReset gives it
        saved = {p: cal._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        cal._set("leak.i_bias", np.zeros(N_NEURONS, np.int64))

        dac, res = ResetPotentialCalib(cal, self.name).search(cal.reset)
        cal._set("reset.v_reset", dac)
        cal.info["reset"] = res
        for p, v in saved.items():
            cal._set(p, v)
