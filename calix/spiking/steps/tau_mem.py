"""Step ``tau_mem``: the membrane time constant, ``leak.i_bias`` with the leak divider or
multiplier where the plain range cannot reach it (public ``calix.hagen.neuron_leak_bias``): the
decay after a reset is fitted, and a proportional model of the leak conductance is updated from
the pooled estimates."""
from __future__ import annotations

import numpy as np

from ...common import measure
from ...common.fit import fit_exponential
from ...common.measure import CYCLES_PER_US
from .. import setup as S
from .base import Step

__all__ = ["TauMemStep", "measure_tau_mem"]


class TauMemStep(Step):
    """Membrane time constants at their targets."""

    name = "tau_mem"

    def run(self) -> None:
        cal = self.cal
        tol = cal.nopt.tolerance_time
        # reset 60 LSB away from the leak (below if possible)
        off, sl = cal.vmodel["reset.v_reset"]
        rcode = np.where(cal.leak - 60 >= 10, cal.leak - 60, cal.leak + 60)
        saved_reset = cal._get("reset.v_reset")
        cal._set("reset.v_reset", np.clip(np.rint((rcode - off) / sl), 0, 1022))
        target_us = cal.tau_mem * 1e6
        x = cal._get("leak.i_bias").astype(float)
        div = cal._get("leak.enable_division").copy()
        mul = cal._get("leak.enable_multiplication").copy()
        # model: tau * g = C with g ~ x * factor ("plain" LSB); every measurement
        # estimates K = tau * g_rel per neuron, and the estimates are pooled
        ks = []
        for it in range(4):
            tau = measure_tau_mem(cal, target_us)
            cal.info[f"tau_mem_iteration_{it}"] = tau
            ks.append(tau * x * S.nominal.leak_factor(div, mul))
            k = np.mean(ks[-3:], axis=0)
            g_rel = k / target_us
            div, mul = S.leak_range_switches(g_rel)
            x = np.clip(np.rint(g_rel / S.nominal.leak_factor(div, mul)), 1, 1022)
            cal._set("leak.i_bias", x.astype(np.int64))
            cal._set("leak.enable_division", div)
            cal._set("leak.enable_multiplication", mul)
        predicted = k / (x * S.nominal.leak_factor(div, mul))
        noise = np.std(ks[-3:], axis=0) / np.maximum(np.abs(k), 1e-12)
        cal.info["tau_mem"] = predicted
        cal.info["tau_mem_measurement_noise"] = noise
        err = np.abs(predicted / target_us - 1)
        cal._fail("tau_mem", f"tau_mem misses the target by more than {100 * tol:g} %", ~(err <= tol))
        cal._fail("tau_mem", "tau_mem measurements disagree by more than the tolerance", ~(noise <= tol))
        cal._fail("tau_mem", "leak bias at its range end", (x <= 1) | (x >= 1022))
        cal._set("reset.v_reset", saved_reset)


def measure_tau_mem(cal, target_us):
    """tau_mem (us) of every neuron from the decay after a NeuronReset."""
    settle = cal._settle_us()
    b = cal._program(settle_us=settle)
    lo, hi = np.min(target_us[cal.mask]), np.max(target_us[cal.mask])
    times = cal._trace_times(0.5 * lo, 1.5 * hi)
    # two relaxations, averaged: halves the effect of membrane noise
    t_reset = int(np.ceil(S.us(settle + 1.0) / 25) * 25)
    traces = []
    for _ in range(2):
        b.wait_until(t_reset)
        measure.neuron_reset(b)
        traces.append(measure.cadc_trace(b, t_reset + times))
        t_reset = int(np.ceil((t_reset + times[-1] + S.us(1.0)) / 25) * 25)
    cal.session.run(b)
    y = np.mean([np.stack([t.get() for t in tickets], axis=1) for tickets in traces], axis=0).astype(float)
    # the offset is fitted too: a baseline read is quantised to 1 LSB, which
    # would bias the tail of the fit
    fit = fit_exponential(times / CYCLES_PER_US, y, tau_min=0.05, tau_max=5000.0)
    return fit.tau
