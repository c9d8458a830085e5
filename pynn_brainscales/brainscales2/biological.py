"""PyNN standard cells in biological units: ``IF_curr_exp``, ``IF_cond_exp``, ``EIF_cond_exp_isfa_ista``.

Parameters, weights and recordings in PyNN's units (mV, ms of biological time, nF, nA, uS, nS),
with ``setup(units="biological")`` (times: hardware = biological / speedup 1000).  On run the
chip is calibrated by calix for the populations' parameters (a
:class:`calix.spiking.NeuronModelTarget`, converted through calix's :class:`ModelMapping`);
see docs/pynn.md, "Standard cells in biological units".

This module holds the cell types; the unit mapping is :mod:`.biological_units`, the weight
scaling (calibration target, weight LSB, hardware weights) :mod:`.biological_weights`.

The one mapping (calix ``ModelMapping()``; C_hw = 2.3 pF, the nominal capacitance at
``membrane_capacitance`` 63):

* time: t_hw = t / 1000; voltage: V_hw = v_offset + v_scale V (ModelMapping: 834 mV + 6.86 V at present);
* a model current I (nA) on a neuron of capacitance cm (nF) is the hardware current
  ``I_hw = 10 * 1000 * C_hw / (1000 cm) * I = 23 I / cm`` nA (the same dV/dt after both scalings);
  a conductance g (uS): ``g_hw = 1000 * C_hw / (1000 cm) * g = 2.3 g / cm`` uS.

Weights (one chip-wide strength per receptor): a hardware synapse of weight n gives the current
jump ``n * I_lsb`` (CUBA) with ``I_lsb = gain * i_synin_gm * synapse_dac_bias / 1022`` (nominal
CUBA gain 0.001 nA) at the median neuron; COBA inputs are calibrated so that at the reference
potential ``V_ref = (v_rest + v_thresh) / 2`` the conductance jump times the driving force
``d = |E_rev - V_ref|`` equals that current.  Per post neuron i the hardware current of one model
weight unit is ``f_i = 23 / cm_i`` (CUBA, per nA) or ``f_i = 2.3 d_i / cm_i`` (COBA, per uS, d_i in
hardware mV).  calix matches every neuron's mean synaptic response (~ I tau_syn tau_m / C) to the
median neuron's, so neuron i gets ``I_lsb,i = I_lsb * P_med / P_i`` with ``P = tau_syn * tau_m``;
after the calibration ``I_lsb,i`` is replaced by calix's measurement (``BioScale.measure``).  The
hardware weight of a connection is ``n = round(f_i |w| / I_lsb,i)``.  The strength is chosen per
receptor from the largest ``f_i |w| P_i / P_med`` onto biological populations so that it maps to
~56 of 63 (``WEIGHT_HEADROOM`` for the measured strength; ``i_synin_gm`` on a geometric grid of
ratio 2**(1/8), so small weight changes reuse the calibration), raising or lowering
``synapse_dac_bias`` and, beyond ``GM_EFF_MAX``, using several synapses per connection.
"""
from __future__ import annotations

from typing import Dict

import numpy as np
from pyNN.standardmodels import build_translations, cells

from . import biological_weights, simulator
from .biological_weights import (BiologicalCalibrationWarning, BiologicalWeightWarning, BioScale,  # noqa: F401
                                 calibration_target, check_calibration, check_model_weights,
                                 is_biological_projection)
from .biological_weights import hardware_weights as _hardware_weights
from .celltype import CalibratedNeuron
from .biological_units import (_LIMIT_CELLS, _limits, _t, _v_hw, c_hw_pf, conductance_factor, current_factor,
                               model_ranges, to_model_units)

__all__ = ["IF_curr_exp", "IF_cond_exp", "EIF_cond_exp_isfa_ista", "calibration_target", "hardware_weights",
           "to_model_units", "model_ranges", "BioScale", "BiologicalWeightWarning", "BiologicalCalibrationWarning"]

# -- the cell types --------------------------------------------------------------------------------
class _BiologicalCell(CalibratedNeuron):
    """Mixin of the biological standard cells (see the module doc)."""

    is_biological = True
    calibration_family = "biological standard cells (IF_curr_exp, IF_cond_exp, EIF_cond_exp_isfa_ista)"
    injectable = True           # current sources add to i_offset (docs/pynn.md "Current sources")
    # gsyn_exc/gsyn_inh/w: the chip's synaptic-input and adaptation readouts are uncalibrated
    # circuit nodes (on hardware an OTA output of unknown gain and offset), not offered in model
    # units; HXNeuron's exc_synin/inh_synin/adaptation give them in raw MADC LSB.
    recordable = ["spikes", "v"]
    _range_alias: Dict[str, str] = {}

    @classmethod
    def _range(cls, name):
        return model_ranges()[cls._range_alias.get(name, name)]

    @classmethod
    def check_values(cls, name, values):
        """ValueError naming the parameter, the value and the feasible range (model units)."""
        arr = np.asarray(values, dtype=float)
        if arr.size and not np.all(np.isfinite(arr)):
            raise ValueError(f"{cls.__name__} parameter {name}: values must be finite")
        lo, hi, unit, why = cls._range(name)
        if name == "delta_T":
            bad = np.abs(arr - lo) > 1e-3 * lo
        else:
            bad = (arr < lo) | (arr > hi)
        if arr.size and np.any(bad):
            v = arr[bad].ravel()[0]
            rng = f"[{lo:.4g}, {hi:.4g}] {unit}" if lo != hi else f"{lo:g} {unit} only"
            raise ValueError(f"{cls.__name__} parameter {name} = {v:g} {unit} is infeasible on the chip: "
                             f"feasible range {rng} ({why})")

    @classmethod
    def check_population(cls, population):
        """At create (Population._create_cells hook) and at run: biological units required, and the
        ranges that depend on several parameters.  On error the half-created population's recorder is
        unregistered (PyNN registers it before the cells are created; reset() would trip over it)."""
        try:
            cls._check_population(population)
        except ValueError:
            simulator.state.recorders.discard(getattr(population, "recorder", None))
            raise

    @classmethod
    def _check_population(cls, population):
        if getattr(simulator.state, "units", "hardware") != "biological":
            raise ValueError(f"{cls.__name__} takes biological units (mV, ms, nA, uS) and biological time: call "
                             f"pynn.setup(units='biological') before creating it (current units: "
                             f"{getattr(simulator.state, 'units', 'hardware')!r}); in hardware units use "
                             f"HXNeuron or CalibHXNeuronCuba")
        cls.check_parameters(population._parameters, population.size)

    @classmethod
    def check_parameters(cls, params, size):
        p = {k: np.broadcast_to(np.asarray(v, float), (size,)) for k, v in params.items()
             if k in cls.default_parameters}
        for name in p:
            cls.check_values(name, p[name])
        # as NEST: the reset lies below the threshold (above it calix's threshold calibration fails on
        # circuits all over the chip, or the neuron is silent)
        thr = "v_spike" if "v_spike" in p else "v_thresh"
        if "v_reset" in p and thr in p and np.any(p["v_reset"] >= p[thr]):
            i = int(np.flatnonzero(p["v_reset"] >= p[thr])[0])
            raise ValueError(f"{cls.__name__}: v_reset = {p['v_reset'][i]:g} mV must be below {thr} = "
                             f"{p[thr][i]:g} mV (neuron {i})")
        lim = _limits(p["cm"])
        for name in ("i_offset", "a", "b"):
            if name not in p:
                continue
            bad = np.abs(p[name]) > lim[name] * (1 + 1e-9)
            if np.any(bad):
                i = int(np.flatnonzero(bad)[0])
                unit = "nS" if name == "a" else "nA"
                raise ValueError(f"{cls.__name__} parameter {name} = {p[name][i]:g} {unit} is infeasible on the chip "
                                 f"for cm = {p['cm'][i]:g} nF: feasible range [{-lim[name][i]:.4g}, "
                                 f"{lim[name][i]:.4g}] {unit} ({_LIMIT_CELLS[name]} reaches "
                                 f"{_t(_LIMIT_CELLS[name]).range()[1]:g} {_t(_LIMIT_CELLS[name]).unit} on the chip; "
                                 f"the range scales with cm)")

    def calibration_target(self, populations_atoms, state):
        """The calix NeuronModelTarget of the populations' parameters and the weight scale chosen for
        the weights of the projections onto them (kept while APPEND snippets are pending)."""
        keep = getattr(state, "bio_scale", None) if state.pending else None
        return biological_weights.calibration_target(populations_atoms, state.projections, keep=keep)

    def check_calibration(self, result, populations_atoms):
        """Warn about neurons the calibration left off their targets."""
        biological_weights.check_calibration(result, populations_atoms)

    @classmethod
    def calix_threshold(cls, params):
        """The threshold calix calibrates (model mV)."""
        return params["v_thresh"]

    @classmethod
    def adjust_lola(cls, config, params, size):
        """The calibrated lola.AtomicNeurons of a population plus what calix does not calibrate:
        ``i_offset`` on the constant current (nominal transfer)."""
        p = {k: np.broadcast_to(np.asarray(v, float), (size,)) for k, v in params.items()}
        i_hw = current_factor(p["cm"]) * p["i_offset"]
        dac = _t("i_mem_offset").to_dac(np.abs(i_hw))
        import lola
        ctype = lola.AtomicNeuron.ConstantCurrent.Type
        want_type = np.where(i_hw < 0, int(ctype.sink), int(ctype.source))
        todo = range(len(config))
        if config and all(isinstance(n, lola.AtomicNeuron) for n in config):
            # most cells are so already (no offset): write only the others
            have = lola.AtomicNeuron.field_columns(config, ("constant_current.enable", "constant_current.i_offset",
                                                             "constant_current.type"))
            todo = np.flatnonzero((have["constant_current.enable"] != (dac > 0)) |
                                  (have["constant_current.i_offset"] != dac) |
                                  (have["constant_current.type"] != want_type)).tolist()
        for k in todo:
            cc = config[k].constant_current
            cc.enable, cc.i_offset = bool(dac[k] > 0), int(dac[k])
            cc.type = ctype.sink if i_hw[k] < 0 else ctype.source
        return config


def _translations(cls):
    return build_translations(*[(n, n) for n in cls.default_parameters])


class IF_curr_exp(_BiologicalCell, cells.IF_curr_exp):
    __doc__ = ("Leaky integrate-and-fire neuron with exponential current-based synapses (PyNN names, units and "
               "defaults) on a calibrated chip neuron; needs setup(units='biological').  "
               "Inhibitory weights are negative.  See docs/pynn.md.")
    translations = _translations(cells.IF_curr_exp)


class IF_cond_exp(_BiologicalCell, cells.IF_cond_exp):
    __doc__ = ("Leaky integrate-and-fire neuron with exponential conductance-based synapses (PyNN names, units "
               "and defaults) on a calibrated chip neuron; needs setup(units='biological').  Weights (uS) are "
               "positive for both receptors.  See docs/pynn.md.")
    translations = _translations(cells.IF_cond_exp)


class EIF_cond_exp_isfa_ista(_BiologicalCell, cells.EIF_cond_exp_isfa_ista):
    __doc__ = ("Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005) with conductance-based "
               "synapses (PyNN names, units and defaults) on a calibrated chip neuron (calix calibrates the "
               "LIF part: v_rest, v_reset, v_spike, tau_m, tau_syn, tau_refrac, e_rev); a, b, tau_w, v_thresh "
               "(V_T) and i_offset go through the nominal transfer functions (no calibration); delta_T is "
               "fixed at 2 mV by the circuit.  Needs setup(units='biological').  See docs/pynn.md.")
    translations = _translations(cells.EIF_cond_exp_isfa_ista)
    _range_alias = {"v_thresh": "eif_v_thresh", "tau_m": "eif_tau_m"}

    @classmethod
    def calix_threshold(cls, params):
        return params["v_spike"]

    @classmethod
    def adjust_lola(cls, config, params, size):
        """i_offset (base class), the exponential term and the adaptation through the nominal
        transfers: V_T -> v_exp; I_T = g_L delta_T -> i_bias_exp (hardware C_hw delta_T_hw /
        tau_m_hw); tau_w -> i_bias_adapt_tau; a -> i_bias_adapt_a (sign: invert_a);
        b -> i_bias_adapt_b (sign: invert_b), E_w = v_rest -> v_adapt_ref."""
        config = super().adjust_lola(config, params, size)
        p = {k: np.broadcast_to(np.asarray(v, float), (size,)) for k, v in params.items()}
        cm = p["cm"]
        v_exp = _t("v_exp").to_dac(_v_hw(p["v_thresh"]))
        i_t = c_hw_pf() * _t("delta_T").c0 / p["tau_m"]          # nA: C_hw [pF] * mV / us
        i_exp = _t("i_bias_exp").to_dac(i_t)
        a_hw = conductance_factor(cm) * p["a"] * 1e-3            # nS -> uS
        b_hw = current_factor(cm) * p["b"]
        a_dac = _t("i_bias_adapt_a").to_dac(np.abs(a_hw))
        b_dac = _t("i_bias_adapt_b").to_dac(np.abs(b_hw))
        tau_dac = _t("i_bias_adapt_tau").to_dac(p["tau_w"])      # us hardware = ms biological
        v_ref = _t("v_adapt_ref").to_dac(_v_hw(p["v_rest"]))
        for k, n in enumerate(config):
            n.exponential.enable = True
            n.exponential.v_exp = int(v_exp[k])
            n.exponential.i_bias = int(i_exp[k])
            adapt = bool(a_dac[k] > 0 or b_dac[k] > 0)
            n.adaptation.enable = adapt
            n.adaptation.enable_pulse = bool(b_dac[k] > 0)
            n.adaptation.invert_a = bool(a_hw[k] < 0)
            n.adaptation.invert_b = bool(b_hw[k] < 0)
            n.adaptation.i_bias_a = int(a_dac[k])
            n.adaptation.i_bias_b = int(b_dac[k])
            n.adaptation.i_bias_tau = int(tau_dac[k])
            n.adaptation.v_ref = int(v_ref[k])
        return config


BIOLOGICAL_CELLS = (IF_curr_exp, IF_cond_exp, EIF_cond_exp_isfa_ista)


def hardware_weights(projection, weights):
    """Integer hardware weights (>= 0; > 63 = several synapses) of the model ``weights`` of a
    projection onto biological cells, with the weight LSB of the last calibration
    (``simulator.state.bio_scale``); see :func:`biological_weights.hardware_weights`."""
    return _hardware_weights(projection, weights, getattr(simulator.state, "bio_scale", None))
