"""Targets in model units: mV, biological ms, nA / uS.

:class:`NeuronModelTarget` takes PyNN-style parameters (``v_rest = -65`` mV,
``tau_m = 20`` ms of biological time, ...) and converts them into a
:class:`~calix.spiking.targets.NeuronCalibTarget` in hardware units through
the emulator's documented nominal transfer functions
(:mod:`chipmodel.transfer`, docs/hxsim-analog.md) and one documented mapping
between model and hardware quantities (:class:`ModelMapping`):

* **time**: hardware time = model time / ``speedup`` (default 1000: 20 ms of
  biology = 20 us on the chip);
* **voltage**: hardware membrane voltage (mV) =
  ``v_offset + v_scale * V_model``, hardware mV -> CADC LSB by the nominal CADC
  transfer. The defaults are fixed in CADC LSB: 0 mV <-> 235 LSB and 2.5 LSB per
  mV, so -65 mV <-> 72.5 LSB, -50 mV <-> 110 LSB, -80 mV <-> 50 LSB; in hardware
  mV that is ``v_scale = 2.5 x`` the CADC step (6.86 mV per mV) and ``v_offset``
  = the CADC voltage of code 235 (834 mV), so -65 mV <-> 388 mV. (Before the
  CADC read the public 20..220 for a CapMem voltage of 70..550, its step was 4 mV
  and the same LSB mapping was 1140 mV + 10 x V; see docs/hxsim-raw-behaviour.md);
* **currents / conductances**: the dynamics must agree after both scalings,
  which fixes the hardware value from the model one, the model capacitance
  ``cm`` (nF) and the hardware capacitance ``C_hw`` (pF, nominal transfer of
  ``membrane_capacitance``): ``I_hw [nA] = v_scale * (C_hw / 1000 cm) * speedup * I_model``
  and ``g_hw [uS] = (C_hw / 1000 cm) * speedup * g_model`` (the 1000 converts
  nF to pF). The synaptic strength target ``i_synin_gm`` follows from the
  nominal CUBA gain (``i_bias_synin_*_gm``: nA per weight LSB at full synapse
  DAC bias) and the DAC bias: ``i_synin_gm = I_hw / (gain * synapse_dac_bias / 1022)``.

A weight of 1 (one 6-bit weight LSB) then gives a current jump of ``w_exc``
nA (CUBA) or a conductance jump of ``g_exc`` uS (COBA) in the model.

COBA (``e_rev_E``/``e_rev_I`` set): the reversals map like every voltage, the
reference is ``(v_rest + v_thresh) / 2`` and ``i_synin_gm`` is the CUBA bias of
the current ``g * |E_rev - V_ref|``. The LSB mapping is chosen for them:
PyNN's ``e_rev_E = 0 mV`` (235 LSB) must be read by the CADC and reached by the
excitatory reversal cell of every neuron (the reversal cells reach 164..1332 mV
nominal, i.e. CADC -9..255+); IF_cond_exp's ``e_rev_E``/``e_rev_I`` = 0/-70 mV
-> 235/60 LSB, and the leak range 50..160 LSB is -74..-30 mV
(IF_cond_exp and EIF_cond_exp_isfa_ista defaults -65/-70.6 mV inside).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..common.exceptions import InfeasibleTargetError
from ..common.serial import register
from .targets import FEASIBLE_RANGES, NeuronCalibTarget

__all__ = ["ModelMapping", "NeuronModelTarget"]


def _transfers():
    from chipmodel.transfer import TRANSFERS_BY_NAME
    return TRANSFERS_BY_NAME


@register
@dataclass
class ModelMapping:
    """How model quantities map to hardware ones (see the module doc)."""

    speedup: float = 1000.0
    v_offset: Optional[float] = None   # hardware mV at model 0 mV; None: the CADC voltage of 235 LSB
    v_scale: Optional[float] = None    # hardware mV per model mV; None: 2.5 CADC LSB per mV

    #: the default voltage mapping in CADC LSB (see the module doc)
    CADC_LSB_AT_ZERO_MV = 235.0
    CADC_LSB_PER_MV = 2.5

    def __post_init__(self):
        cadc = _transfers()["cadc"]
        if self.v_scale is None:
            self.v_scale = self.CADC_LSB_PER_MV * cadc.c1
        if self.v_offset is None:
            self.v_offset = cadc.c0 + self.CADC_LSB_AT_ZERO_MV * cadc.c1

    def voltage_to_hw_mv(self, v_model):
        return self.v_offset + self.v_scale * np.asarray(v_model, float)

    def voltage_to_cadc(self, v_model):
        cadc = _transfers()["cadc"]
        return (self.voltage_to_hw_mv(v_model) - cadc.c0) / cadc.c1

    def cadc_to_voltage(self, lsb):
        cadc = _transfers()["cadc"]
        return ((cadc.c0 + cadc.c1 * np.asarray(lsb, float)) - self.v_offset) / self.v_scale

    def time_to_hw_s(self, t_ms):
        return np.asarray(t_ms, float) * 1e-3 / self.speedup

    def capacitance_hw_pf(self, membrane_capacitance):
        return _transfers()["membrane_capacitor_size"].nominal(membrane_capacitance)

    def current_to_hw_na(self, i_model_na, cm_nf, c_hw_pf):
        return self.v_scale * (c_hw_pf / (1000.0 * np.asarray(cm_nf, float))) * self.speedup * \
            np.asarray(i_model_na, float)

    def conductance_to_hw_us(self, g_model_us, cm_nf, c_hw_pf):
        return (c_hw_pf / (1000.0 * np.asarray(cm_nf, float))) * self.speedup * np.asarray(g_model_us, float)


#: relative slack of the range checks: a target that lies on a bound computes to it through a
#: float round trip (model unit -> hardware unit) only to within a few ulp; it is the bound
BOUND_SLACK = 1e-9


def clip_to_range(value, lo: float, hi: float):
    """``(value clipped into [lo, hi], mask of entries outside it)``; an entry within
    ``BOUND_SLACK`` (relative to the larger bound) of a bound counts as on it, NaN as outside."""
    v = np.asarray(value, float)
    slack = BOUND_SLACK * max(abs(lo), abs(hi))
    outside = ~((v >= lo - slack) & (v <= hi + slack))
    return np.clip(v, lo, hi), outside


@register
@dataclass
class NeuronModelTarget:
    """Neuron calibration target in model units (PyNN names).

    - ``v_rest``, ``v_reset``, ``v_thresh``: mV
    - ``tau_m``, ``tau_syn_E``, ``tau_syn_I``, ``tau_refrac``: ms (biological)
    - ``cm``: model membrane capacitance, nF (only scales currents, see module doc)
    - ``w_exc``, ``w_inh``: CUBA current jump per weight LSB, nA (model)
    - ``e_rev_E``, ``e_rev_I``: reversal potentials, mV; set both for COBA
    - ``g_exc``, ``g_inh``: COBA conductance jump per weight LSB, uS (model; default 0.2 nS);
      with COBA they set the strength (``w_*`` are then ignored)
    - ``membrane_capacitance``: hardware capacitance, LSB 0..63
    - ``synapse_dac_bias``: CapMem LSB
    - ``mapping``: :class:`ModelMapping`
    """

    v_rest: object = -65.0
    v_reset: object = -65.0
    v_thresh: object = -50.0
    tau_m: object = 20.0
    tau_syn_E: object = 5.0
    tau_syn_I: object = 5.0
    tau_refrac: object = 2.0
    cm: float = 1.0
    w_exc: float = 0.01
    w_inh: float = 0.01
    e_rev_E: Optional[object] = None
    e_rev_I: Optional[object] = None
    # 0.2 nS: at the IF_cond_exp defaults (E_exc = 0 mV, reference -57.5 mV) the
    # current of 0.2 nS is 0.0115 nA ~ the CUBA default w_exc; the earlier 0.5 nS needed
    # i_synin_gm = 1126 > 800 (unreachable at synapse_dac_bias 600)
    g_exc: float = 0.0002
    g_inh: float = 0.0002
    membrane_capacitance: int = 63
    synapse_dac_bias: int = 600
    mapping: ModelMapping = field(default_factory=ModelMapping)

    def _gm(self, i_hw_na, name):
        t = _transfers()
        gain = t["i_bias_synin_exc_gm"].c1 * self.synapse_dac_bias / 1022.0
        gm = np.asarray(i_hw_na, float) / gain
        lo, hi, unit = FEASIBLE_RANGES["i_synin_gm"]
        clipped, outside = clip_to_range(gm, lo, hi)
        if np.any(outside):
            raise InfeasibleTargetError(
                name, np.asarray(i_hw_na, float), (lo * gain, hi * gain), "nA (hardware)",
                detail=f"needs i_synin_gm = {np.ravel(gm[outside])[0]:.7g} CapMem LSB outside [{lo}, {hi}]; "
                       "change the weight unit, cm or synapse_dac_bias")
        return clipped

    def to_hardware(self) -> NeuronCalibTarget:
        """The equivalent hardware-unit target (nominal mapping). Raises
        InfeasibleTargetError naming the *model* parameter when the hardware
        value is out of range."""
        m = self.mapping
        for name in ("v_rest", "v_reset", "v_thresh", "tau_m", "tau_syn_E", "tau_syn_I", "tau_refrac"):
            if not np.all(np.isfinite(np.asarray(getattr(self, name), float))):
                raise ValueError(f"{name} must be finite")
        c_hw = float(m.capacitance_hw_pf(self.membrane_capacitance))
        hw = {
            "leak": ("v_rest", m.voltage_to_cadc(self.v_rest), "mV"),
            "reset": ("v_reset", m.voltage_to_cadc(self.v_reset), "mV"),
            "threshold": ("v_thresh", m.voltage_to_cadc(self.v_thresh), "mV"),
            "tau_mem": ("tau_m", m.time_to_hw_s(self.tau_m), "ms"),
            "refractory_time": ("tau_refrac", m.time_to_hw_s(self.tau_refrac), "ms"),
        }
        out = {}
        for key, (model_name, value, unit) in hw.items():
            lo, hi, _ = FEASIBLE_RANGES[key]
            clipped, outside = clip_to_range(value, lo, hi)
            if np.any(outside):
                if unit == "mV":
                    flo, fhi = m.cadc_to_voltage(lo), m.cadc_to_voltage(hi)
                else:
                    flo, fhi = lo * 1e3 * m.speedup, hi * 1e3 * m.speedup
                raise InfeasibleTargetError(model_name, getattr(self, model_name), (flo, fhi), unit)
            value = clipped if np.ndim(value) else float(clipped)
            # potentials (LSB) to 1e-6 LSB, times (s) to 1 ps: a float-noise-free, exact target
            digits = 6 if unit == "mV" else 12
            out[key] = np.round(value, digits) if np.ndim(value) else float(np.round(value, digits))
        tau_syn = np.stack(np.broadcast_arrays(m.time_to_hw_s(self.tau_syn_E), m.time_to_hw_s(self.tau_syn_I)))
        lo, hi, _ = FEASIBLE_RANGES["tau_syn"]
        for i, name in enumerate(("tau_syn_E", "tau_syn_I")):
            tau_syn[i], outside = clip_to_range(tau_syn[i], lo, hi)
            if np.any(outside):
                raise InfeasibleTargetError(name, getattr(self, name), (lo * 1e3 * m.speedup, hi * 1e3 * m.speedup),
                                            "ms")
        coba = self.e_rev_E is not None or self.e_rev_I is not None
        if coba and (self.e_rev_E is None or self.e_rev_I is None):
            raise ValueError("COBA needs both e_rev_E and e_rev_I")
        if coba:
            rev = np.stack(np.broadcast_arrays(m.voltage_to_cadc(self.e_rev_E), m.voltage_to_cadc(self.e_rev_I)))
            ref = 0.5 * (np.asarray(out["leak"]) + np.asarray(out["threshold"]))
            # CUBA-equivalent current at the reference potential: g * (E_rev - V_ref)
            d_mv = np.abs(rev - ref) * _transfers()["cadc"].c1
            g_hw = m.conductance_to_hw_us(np.array([self.g_exc, self.g_inh]), self.cm, c_hw)
            i_hw = np.median(g_hw[:, None] * d_mv, axis=-1) if d_mv.ndim == 2 else g_hw * d_mv
            gm = self._gm(i_hw, "g_exc/g_inh")
            out["e_coba_reversal"] = np.round(rev, 6)
            out["e_coba_reference"] = np.round(np.broadcast_to(ref, rev.shape[1:]) if rev.ndim == 2
                                               else np.array([ref, ref]), 6)
        else:
            i_hw = m.current_to_hw_na(np.array([self.w_exc, self.w_inh]), self.cm, c_hw)
            gm = self._gm(i_hw, "w_exc/w_inh")
        out["tau_syn"] = np.round(tau_syn, 12) if tau_syn.ndim == 2 else np.round(tau_syn.reshape(2), 12)
        out["i_synin_gm"] = np.rint(gm).astype(int)
        t = NeuronCalibTarget(membrane_capacitance=self.membrane_capacitance,
                              synapse_dac_bias=self.synapse_dac_bias, **out)
        t.check()
        return t
