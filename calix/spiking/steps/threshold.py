"""Step ``threshold``: the spike threshold, ``threshold.v_threshold`` (public
``calix.spiking.neuron_threshold``): the resting potential is set to the threshold target, then a
binary search finds the lowest threshold cell value at which the resting neuron stays silent."""
from __future__ import annotations

import numpy as np

from ...common import measure
from ...common.algorithms import BinarySearch
from ...common.base import Calib
from .. import setup as S
from ..targets import N_NEURONS
from .base import Step
from .leak import LeakPotentialCalib

__all__ = ["ThresholdCalib", "ThresholdStep"]


class ThresholdCalib(Calib):
    """``threshold.v_threshold`` in ``parameter_range``: result 1 where the resting neuron fires
    within ``WINDOW_US``, else 0 (the result falls as the threshold rises)."""

    #: how long the spike counters count, us
    WINDOW_US = 20.0

    def __init__(self, cal, parameter_range):
        super().__init__(parameter_range, N_NEURONS, inverted=True, name="threshold")
        self.cal = cal

    def configure_parameters(self, builder, parameters: np.ndarray) -> None:
        self.cal._set("threshold.v_threshold", parameters)

    def measure_results(self, connection, builder) -> np.ndarray:
        cal = self.cal
        b = cal._program(builder=builder)
        measure.reset_spike_counters(b)
        b.wait_until(S.us(self.WINDOW_US))
        t = measure.read_spike_counts(b)
        cal.session.run(b)
        c = t.get()
        return ((c.counts > 0) | c.overflow).astype(float)


class ThresholdStep(Step):
    """Thresholds at their targets (fast leak at the threshold target, then the search)."""

    name = "threshold"

    def run(self) -> None:
        cal = self.cal
        saved = {p: cal._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication",
                                          "leak.v_leak")}
        cal._set("leak.i_bias", np.full(N_NEURONS, 1000))
        cal._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        cal._set("leak.enable_multiplication", np.zeros(N_NEURONS, bool))
        # 1. the resting potential at the threshold target
        dac_leak, res = LeakPotentialCalib(cal, self.name, settle_us=10.0).search(cal.threshold)
        cal._set("leak.v_leak", dac_leak)
        cal.info["threshold_leak"] = res
        # 2. the lowest threshold cell value at which the resting neuron stays silent
        cal._set("threshold.enable", np.ones(N_NEURONS, bool))
        guess = np.clip(np.rint(S.nominal.voltage_dac(cal.threshold, "v_threshold")), 0, 1022).astype(np.int64)
        lo, hi = np.clip(guess - 96, 0, 1022), np.clip(guess + 96, 0, 1022)
        calib = ThresholdCalib(cal, (lo, hi))
        alg = BinarySearch()
        alg.run(calib, None, np.full(N_NEURONS, 0.5))
        # the switching point: the lowest value at which the resting neuron stays silent
        p = alg.boundary
        cal._set("threshold.v_threshold", np.clip(p, 0, 1022))
        cal.info["threshold_dac"] = p
        cal._fail("threshold", "silent even at the lowest threshold searched (threshold far below target)",
                  p <= lo)
        cal._fail("threshold", "fires even at the highest threshold searched (threshold far above target)",
                  p > hi)
        cal._set("threshold.enable", np.zeros(N_NEURONS, bool))
        for k, v in saved.items():
            cal._set(k, v)
