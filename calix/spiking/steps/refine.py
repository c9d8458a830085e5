"""Step ``refine``: the operating configuration (synaptic inputs and threshold on, no
calibration synapses left) and, unless the options say otherwise (COBA targets: not by
default), the leak potentials searched again in it."""
from __future__ import annotations

import numpy as np

from .. import setup as S
from ..targets import N_NEURONS
from .base import ANALOG_NORMAL, SYNIN, Step
from .leak import LeakPotentialCalib

__all__ = ["RefineStep"]


class RefineStep(Step):
    """The final configuration, with the leak potentials refined in it."""

    name = "refine"

    def run(self) -> None:
        cal = self.cal
        refine = cal.options.refine_potentials
        if refine is None:
            refine = cal.nopt.refine_potentials and not cal.coba
        # the operating configuration
        for s in SYNIN:
            cal._set(f"{s}.enable", np.ones(N_NEURONS, bool))
        S.SynapseDrive(1, 0).apply(cal.session.chip)    # no calibration synapses left behind
        cal._set("threshold.enable", np.zeros(N_NEURONS, bool))
        if refine:
            settle = cal._settle_us()
            dac, res = LeakPotentialCalib(cal, self.name, settle_us=settle).search(cal.leak)
            cal._set("leak.v_leak", dac)
            cal.info["leak"] = res
        cal._set("threshold.enable", np.ones(N_NEURONS, bool))
        cal._set("event_routing.analog_output", np.full(N_NEURONS, ANALOG_NORMAL))
        cal._set("event_routing.enable_digital", np.ones(N_NEURONS, bool))
