"""Step ``init``: the nominal configuration of every neuron (from the documented nominal
transfer functions, :func:`nominal_config`) in measurement mode, written to the chip."""
from __future__ import annotations

import numpy as np

from .. import setup as S
from ..targets import N_NEURONS
from .base import SYNIN, Step
from .refractory import apply_refractory
from .stp import apply_stp_settings

__all__ = ["InitStep", "nominal_config", "measurement_mode"]


def nominal_config(cal) -> None:
    """The nominal configuration: every parameter from the documented nominal
    transfer functions, no measurement (what an uncalibrated chip gets)."""
    x, div, mul = S.leak_bias_for_tau(cal.tau_mem, cal.cap)
    cal._set("membrane_capacitance.capacitance", cal.cap)
    cal._set("leak.i_bias", x)
    cal._set("leak.enable_division", div)
    cal._set("leak.enable_multiplication", mul)
    cal._set("leak.v_leak", np.clip(np.rint(S.nominal.voltage_dac(cal.leak)), 0, 1022))
    cal._set("reset.v_reset", np.clip(np.rint(S.nominal.voltage_dac(cal.reset, "v_reset")), 0, 1022))
    cal._set("reset.i_bias", np.full(N_NEURONS, 1000))
    cal._set("threshold.v_threshold",
             np.clip(np.rint(S.nominal.voltage_dac(cal.threshold, "v_threshold")), 0, 1022))
    tt = S.nominal.tau_syn_transfer()
    for i, s in enumerate(SYNIN):
        cal._set(f"{s}.i_bias_tau", tt.to_dac(cal.tau_syn[i] * 1e6, clip=True))
        cal._set(f"{s}.i_bias_gm", np.full(N_NEURONS, int(round(cal.gm[i]))))
        cal._set(f"{s}.enable_small_capacitance", np.ones(N_NEURONS, bool))
    for h in range(2):
        cal.session.chip.synapse_blocks[h].i_bias_dac = np.full(2, cal.dac_bias)
    apply_refractory(cal)
    for s in SYNIN:
        cal._set(f"{s}.enable", np.ones(N_NEURONS, bool))
    cal._set("threshold.enable", np.ones(N_NEURONS, bool))
    cal._set("event_routing.enable_digital", np.ones(N_NEURONS, bool))
    apply_stp_settings(cal)


def measurement_mode(cal) -> None:
    """Threshold and synaptic inputs off: the membrane rests at the leak."""
    for s in SYNIN:
        cal._set(f"{s}.enable", np.zeros(N_NEURONS, bool))
    cal._set("threshold.enable", np.zeros(N_NEURONS, bool))


class InitStep(Step):
    """The nominal configuration, threshold and synaptic inputs off, written to the chip."""

    name = "init"

    def run(self) -> None:
        nominal_config(self.cal)
        measurement_mode(self.cal)
        self.cal.session.init()
