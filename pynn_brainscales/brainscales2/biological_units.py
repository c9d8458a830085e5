"""The unit mapping of the biological standard cells: model units (mV, ms, nF, nA, uS) <->
hardware units, through calix's :class:`~calix.spiking.ModelMapping` and the nominal chip model
(:mod:`chipmodel`). See :mod:`pynn_brainscales.brainscales2.biological` for the mapping itself.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict

import numpy as np

from chipmodel.ranges import FEASIBLE_RANGES

__all__ = ["MEMBRANE_CAPACITANCE", "c_hw_pf", "current_factor", "conductance_factor", "model_ranges",
           "to_model_units"]

MEMBRANE_CAPACITANCE = 63             # hardware capacitance of every biological neuron (LSB; 2.3 pF)


# -- the mapping -------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _mapping():
    from calix.spiking import ModelMapping
    return ModelMapping()


def _t(name):
    from chipmodel import transfer
    return transfer.TRANSFERS_BY_NAME[name]


@lru_cache(maxsize=None)
def c_hw_pf() -> float:
    """Nominal hardware membrane capacitance of the biological neurons (pF)."""
    return float(_mapping().capacitance_hw_pf(MEMBRANE_CAPACITANCE))


def current_factor(cm):
    """Hardware nA per model nA on a neuron of capacitance ``cm`` nF."""
    return _mapping().current_to_hw_na(1.0, cm, c_hw_pf())


def conductance_factor(cm):
    """Hardware uS per model uS on a neuron of capacitance ``cm`` nF."""
    return _mapping().conductance_to_hw_us(1.0, cm, c_hw_pf())


def _v_hw(v_model):
    return _mapping().voltage_to_hw_mv(v_model)


def _v_model(v_hw_mv):
    m = _mapping()
    return (np.asarray(v_hw_mv, float) - m.v_offset) / m.v_scale


# -- feasible ranges in model units --------------------------------------------------------------
@lru_cache(maxsize=None)
def model_ranges() -> Dict[str, tuple]:
    """name -> (low, high, unit, where it comes from) of the parameters whose range does not depend
    on other parameters (calix FEASIBLE_RANGES through ModelMapping; nominal transfers for the
    circuits calix does not calibrate)."""
    F = FEASIBLE_RANGES
    m = _mapping()

    def volt(key):
        lo, hi = m.cadc_to_voltage(np.array(F[key][:2], float))
        return float(lo), float(hi), "mV", f"calix {key} {F[key][0]}..{F[key][1]} CADC LSB"

    def time(key):
        lo, hi = F[key][0] * 1e3 * m.speedup, F[key][1] * 1e3 * m.speedup
        return float(lo), float(hi), "ms", f"calix {key} {F[key][0] * 1e6:g}..{F[key][1] * 1e6:g} us hardware"

    v_exp = _t("v_exp")
    reach = np.array(v_exp.range()) + np.array([3, -3]) * v_exp.offset_sigma
    tau_w = _t("i_bias_adapt_tau")
    i_t = _t("i_bias_exp")
    delta_t = float(_t("delta_T").c0 / m.v_scale)
    # exponential strength g_L * delta_T -> hardware C_hw / tau_m_hw * delta_T_hw, at most I_T(1022)
    tau_m_eif = c_hw_pf() * _t("delta_T").c0 / i_t.range()[1]
    r = {
        "v_rest": volt("leak"), "v_reset": volt("reset"), "v_thresh": volt("threshold"),
        "v_spike": volt("threshold"),
        "tau_m": time("tau_mem"), "tau_syn_E": time("tau_syn"), "tau_syn_I": time("tau_syn"),
        "tau_refrac": time("refractory_time"),
        "e_rev_E": volt("e_coba_reversal"), "e_rev_I": volt("e_coba_reversal"),
        "cm": (1e-6, np.inf, "nF", "> 0; it scales currents and conductances"),
        # ranges depending on cm are checked per population (check_population)
        "i_offset": (-np.inf, np.inf, "nA", "checked with cm"),
        "a": (-np.inf, np.inf, "nS", "checked with cm"),
        "b": (-np.inf, np.inf, "nA", "checked with cm"),
        "tau_w": (float(tau_w.nominal(tau_w.hi)), float(tau_w.nominal(10)), "ms",
                  "i_bias_adapt_tau 10..1022 (nominal; coarser than 5 % below 10)"),
        "delta_T": (delta_t, delta_t, "mV", f"fixed by the circuit: {_t('delta_T').c0:g} mV hardware"),
        "eif_v_thresh": (float(_v_model(reach[0])), float(_v_model(reach[1])), "mV",
                         "reach of the v_exp cell less 3 sigma offset"),
        "eif_tau_m": (max(float(time("tau_mem")[0]), float(tau_m_eif)), float(time("tau_mem")[1]), "ms",
                      f"calix tau_mem, and the exponential current I_T = C_hw delta_T / tau_m <= "
                      f"{i_t.range()[1]:g} nA"),
    }
    return r


def _limits(cm):
    """Per-neuron limits depending on cm: |i_offset| (nA), |a| (nS), |b| (nA)."""
    cm = np.asarray(cm, float)
    i_max = _t("i_mem_offset").range()[1] / current_factor(cm)
    a_max = _t("i_bias_adapt_a").range()[1] / conductance_factor(cm) * 1e3
    b_max = _t("i_bias_adapt_b").range()[1] / current_factor(cm)
    return {"i_offset": i_max, "a": a_max, "b": b_max}


_LIMIT_CELLS = {"i_offset": "i_mem_offset", "a": "i_bias_adapt_a", "b": "i_bias_adapt_b"}


# -- recordings ---------------------------------------------------------------------------------
def to_model_units(variable, values, population, index):
    """Recorded ``values`` of ``variable`` of neuron ``index`` of a biological ``population`` in
    model units: "v" in mV from MADC LSB (nominal MADC transfer: the MADC is not calibrated, but it
    is calix's reference for the CADC offsets, so the calibrated potentials read as their targets)
    or from CADC LSB (CADC recording; nominal ramp + calix's per-channel offsets), then
    ModelMapping's voltage map."""
    if variable != "v":
        raise ValueError(f"{variable!r} has no model-unit conversion (recordable: spikes, v)")
    device = getattr(getattr(population, "recorder", None), "_device", {}).get("v", "madc")
    adc = _t("cadc") if device == "cadc" else _t("madc")
    return _v_model(adc.nominal(np.asarray(values, float)))
