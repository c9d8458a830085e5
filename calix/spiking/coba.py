"""COBA synaptic inputs: reversal potentials and strength.

In COBA mode the emulated synaptic input is ``I = g (E_rev - V)`` with the
conductance per event set by ``i_bias_coba`` and the reversal by ``v_rev_coba``
(both with mismatch). As in the public calix, the strength is defined through
the CUBA calibration: at the reference potential ``e_coba_reference`` a COBA
input gives the same membrane response as the (matched) CUBA input.

Per iteration and receptor, the mean membrane shift ``dV`` under the periodic
calibration drive is measured at two resting potentials ``V1``, ``V2``. For a
conductance input ``dV = K (E - V)`` (K = the effective gain), so the two
points give the reversal ``E = (dV1 V2 - dV2 V1) / (dV1 - dV2)`` and, with the
driving force reduced by the shift itself (``dV = K (E - V - dV)``), the
small-signal gain ``K`` of every neuron; ``v_rev_coba`` is corrected by ``(E_target - E)`` through the
voltage-cell slope and ``i_bias_coba`` is scaled by ``K_target / K``, where
``K_target (E_target - V_ref)`` is the CUBA shift. Four measurements.
"""
from __future__ import annotations

import numpy as np

from . import setup as S
from .targets import N_NEURONS, per_neuron, per_synin

__all__ = ["calibrate_coba"]

_SYNIN = ("excitatory_input", "inhibitory_input")


def calibrate_coba(c) -> None:
    nt = c.target.neuron_target
    tol = c.nopt.tolerance_synin
    rev = per_synin(nt.e_coba_reversal)
    if nt.e_coba_reference is not None:
        ref = per_synin(nt.e_coba_reference)
    else:
        mid = 0.5 * (per_neuron(nt.leak) + per_neuron(nt.threshold))
        ref = np.stack([mid, mid])
    period, duration = c._prepare_synin()
    cuba_amp = np.asarray(c.info["synin_target_amplitude"], float)       # CUBA shift per receptor (LSB)
    off, sl = c.vmodel["leak.v_leak"]
    saved_leak = c._get("leak.v_leak")
    # nominal start: reversal cells from the nominal transfer, conductance from the CUBA current
    cuba_unit = S.nominal.cuba_gain_per_lsb()
    rev_dac = np.clip(np.rint(S.nominal.voltage_dac(rev)), 0, 1022).astype(np.int64)
    d_mv = np.abs(rev - ref) * (S.nominal.cadc_to_mv(1.0) - S.nominal.cadc_to_mv(0.0))
    gm = np.stack([c._get(f"{s}.i_bias_gm") for s in _SYNIN]).astype(float)
    g = gm * cuba_unit / np.maximum(d_mv, 1.0)
    coba_x = np.clip(np.rint(g / S.nominal.coba_gain_per_lsb()), 1, 1022)
    for i, s in enumerate(_SYNIN):
        c._set(f"{s}.enable_coba_mode", np.ones(N_NEURONS, bool))
        c._set(f"{s}.v_rev_coba", rev_dac[i])
        c._set(f"{s}.i_bias_coba", coba_x[i].astype(np.int64))
    # two resting potentials per receptor, on the side away from the reversal
    levels = {0: (60.0, 110.0), 1: (140.0, 190.0)}
    k_target = cuba_amp[:, None] / np.abs(rev - ref)
    e_meas = np.full((2, N_NEURONS), np.nan)
    k_meas = np.full((2, N_NEURONS), np.nan)
    n_it = 4
    for it in range(n_it):
        for r in (0, 1):
            dv = []
            for v in levels[r]:
                c._set("leak.v_leak", np.clip(np.rint((v - off) / sl), 0, 1022))
                shift = c._measure_synin(period, duration, receptors=(r,))[r]
                dv.append(shift if r == 0 else -shift)
            v1, v2 = levels[r]
            d1, d2 = dv
            with np.errstate(divide="ignore", invalid="ignore"):
                # dV = K (E - V - dV): the slope of dV over V is -K / (1 + K)
                kp = (d1 - d2) / (v2 - v1)
                k = kp / (1 - kp)
                e = (d1 * v2 - d2 * v1) / (d1 - d2)
            e_meas[r], k_meas[r] = e, k
        c.info[f"coba_reversal_iteration_{it}"] = e_meas.copy()
        if it == n_it - 1:
            break
        slope = S.nominal.cadc_per_dac()
        ok = np.isfinite(e_meas) & np.isfinite(k_meas) & (k_meas > 0)
        rev_dac = np.where(ok, np.clip(np.rint(rev_dac + (rev - e_meas) / slope), 0, 1022), rev_dac).astype(np.int64)
        coba_x = np.where(ok, np.clip(np.rint(coba_x * k_target / np.where(ok, k_meas, 1.0)), 1, 1022), coba_x)
        for i, s in enumerate(_SYNIN):
            c._set(f"{s}.v_rev_coba", rev_dac[i])
            c._set(f"{s}.i_bias_coba", coba_x[i].astype(np.int64))
    c._set("leak.v_leak", saved_leak)
    c.info["coba_reversal"] = e_meas
    c.info["coba_gain_rel"] = k_meas / k_target
    for r, name in enumerate(("excitatory", "inhibitory")):
        c._fail("coba", f"{name} reversal potential misses its target by more than 5 LSB",
                ~(np.abs(e_meas[r] - rev[r]) <= 5))
        c._fail("coba", f"{name} COBA strength at the reference deviates by more than {100 * tol:g} %",
                ~(np.abs(k_meas[r] / k_target[r] - 1) <= tol))
        c._fail("coba", f"{name} i_bias_coba / v_rev_coba at a range end",
                (coba_x[r] <= 1) | (coba_x[r] >= 1022) | (rev_dac[r] <= 0) | (rev_dac[r] >= 1022))
