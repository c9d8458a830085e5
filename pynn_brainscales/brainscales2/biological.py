"""PyNN standard cells in biological units: ``IF_curr_exp``, ``IF_cond_exp``, ``EIF_cond_exp_isfa_ista``.

Parameters, weights and recordings in PyNN's units (mV, ms of biological time, nF, nA, uS, nS),
with ``setup(units="biological")`` (times: hardware = biological / speedup 1000).  On run the
chip is calibrated by calix for the populations' parameters (a
:class:`calix.spiking.NeuronModelTarget`, converted through calix's :class:`ModelMapping`);
see docs/pynn.md, "Standard cells in biological units".

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

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict

import numpy as np
from pyNN.standardmodels import build_translations, cells

from chipmodel.ranges import FEASIBLE_RANGES
from grenade.network import MAX_SYNAPSE_WEIGHT, NEURONS_ON_CHIP

from . import simulator

__all__ = ["IF_curr_exp", "IF_cond_exp", "EIF_cond_exp_isfa_ista", "calibration_target", "hardware_weights",
           "to_model_units", "model_ranges", "BioScale", "BiologicalWeightWarning", "BiologicalCalibrationWarning"]

SYNAPSE_MAX = MAX_SYNAPSE_WEIGHT      # 6-bit weight of one synapse
MAX_SYNAPSES_PER_CONNECTION = 16      # several synapses (rows) per connection for very large weights
MEMBRANE_CAPACITANCE = 63             # hardware capacitance of every biological neuron (LSB; 2.3 pF)
DEFAULT_SYNAPSE_DAC_BIAS = 600
GM_RANGE = FEASIBLE_RANGES["i_synin_gm"][:2]
# largest i_synin_gm * synapse_dac_bias / 1022 used; stronger weights use several synapses per
# connection (chosen when calix's tau_syn step failed above ~560 with unequal receptors; calix now
# calibrates the whole range, so this cap could be raised to 800)
GM_EFF_MAX = 500.0
DAC_RANGE = FEASIBLE_RANGES["synapse_dac_bias"][:2]
# i_synin_gm values used: geometric grid (ratio 2**(1/8)): the largest weight maps to 52..56 (headroom)
GM_GRID = np.unique(np.concatenate([np.rint(GM_RANGE[0] * 2.0 ** (np.arange(0, 64) / 8.0)),
                                    [GM_RANGE[1]]]))
GM_GRID = GM_GRID[GM_GRID <= GM_RANGE[1]].astype(np.int64)
RECEPTORS = ("excitatory", "inhibitory")
# the largest weight maps to ~63 / WEIGHT_HEADROOM with the nominal strength, leaving room for the
# measured strength (calix's synapse DAC matching to the weakest quadrant makes it ~5 % weaker)
WEIGHT_HEADROOM = 1.12


class BiologicalWeightWarning(UserWarning):
    """Model weights that the chosen weight LSB cannot represent (rounded to 0)."""


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
    from calix.spiking.targets import FEASIBLE_RANGES as F
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


# -- the cell types --------------------------------------------------------------------------------
class _BiologicalCell:
    """Mixin of the biological standard cells (see the module doc)."""

    is_on_chip = True
    is_calibrated = True
    is_biological = True
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

    @classmethod
    def calix_threshold(cls, params):
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
        for k, n in enumerate(config):
            n.constant_current.enable = bool(dac[k] > 0)
            n.constant_current.i_offset = int(dac[k])
            n.constant_current.type = ctype.sink if i_hw[k] < 0 else ctype.source
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


# -- calibration target and weight scale ---------------------------------------------------------
@dataclass
class BioScale:
    """The weight scale of one calibration (``simulator.state.bio_scale``).

    :ivar coba: conductance-based target
    :ivar synapses: (2,) synapses per connection the largest weights need (excitatory, inhibitory)
    :ivar i_synin_gm, synapse_dac_bias: the chip-wide calix settings chosen
    :ivar factor: population -> (2, size) hardware nA per model weight unit (nA or uS) per neuron
    :ivar lsb_current: population -> (2, size) hardware nA of one weight LSB at each neuron
        (CUBA-equivalent): the nominal prediction, replaced by calix's measurement (``measure``)
    :ivar source: "nominal" or "measured"
    """

    coba: bool
    synapses: np.ndarray
    i_synin_gm: np.ndarray
    synapse_dac_bias: int
    factor: Dict[object, np.ndarray] = field(default_factory=dict)
    lsb_current: Dict[object, np.ndarray] = field(default_factory=dict)
    atoms: Dict[object, np.ndarray] = field(default_factory=dict)
    source: str = "nominal"

    def weight_lsb(self, population, receptor):
        """Model weight (nA or uS) of one hardware weight LSB per neuron of ``population``."""
        r = RECEPTORS.index(receptor)
        return self.lsb_current[population][r] / self.factor[population][r]

    def measure(self, result):
        """Replace the nominal LSB currents by the ones calix measured: its synaptic-strength step
        matches every neuron's mean membrane shift under a known periodic drive (``rows`` x ``weight``
        per ``period``) to the median neuron's shift ``A``, so at neuron i one weight LSB is
        ``A C_hw period / (rows weight tau_syn_i tau_m_i)`` (measured time constants; nominal C_hw).
        Kept nominal (with a warning) if the result lacks these data or they disagree by > 30 %."""
        info = getattr(result, "info", {}) or {}
        try:
            rows, weight, period = (float(x) for x in np.asarray(info["synin_drive"], float)[:3])
            amp_mv = np.asarray(info["synin_target_amplitude"], float).reshape(2) * _t("cadc").c1
            tau_syn = np.asarray(info["tau_syn"], float).reshape(2, NEURONS_ON_CHIP)
            tau_m = np.asarray(info["tau_mem"], float).reshape(NEURONS_ON_CHIP)
        except (KeyError, ValueError, TypeError):
            warnings.warn("calix result without synaptic-strength data: nominal weight scale",
                          BiologicalCalibrationWarning, stacklevel=3)
            return self
        measured = {}
        for p, atoms in self.atoms.items():
            lsb = amp_mv[:, None] * c_hw_pf() * period / (rows * weight * tau_syn[:, atoms] * tau_m[None, atoms])
            nominal = self.lsb_current[p]
            ratio = lsb / nominal
            if not np.all(np.isfinite(ratio)) or np.any(np.abs(np.median(ratio, axis=1) - 1) > 0.3):
                warnings.warn(f"calix's measured synaptic strength deviates from the nominal one by more than 30 % "
                              f"({np.median(ratio, axis=1)}): nominal weight scale", BiologicalCalibrationWarning,
                              stacklevel=3)
                return self
            measured[p] = lsb
        self.lsb_current = measured
        self.source = "measured"
        return self


def _post_roots(projection):
    """(root populations, root number per connection, index in that root per connection)."""
    post = np.asarray(projection._post, np.int64)
    pm = getattr(projection, "_post_map", None)
    if pm is not None:
        return list(pm[0]), np.asarray(pm[1][post], np.int64), np.asarray(pm[2][post], np.int64)
    pop = projection.post
    root = getattr(pop, "grandparent", pop)
    idx = post if root is pop else np.asarray(pop.index_in_grandparent(post), np.int64)
    return [root], np.zeros(len(post), np.int64), idx


def _per_connection(projection, tables, r):
    """``tables[root][r, index]`` for every connection of ``projection`` (KeyError if a root is
    missing)."""
    roots, root_of, idx = _post_roots(projection)
    out = np.empty(len(idx))
    for k, root in enumerate(roots):
        sel = root_of == k
        if sel.any():
            out[sel] = tables[root][r, idx[sel]]
    return out


def _post_root_set(projection):
    pm = getattr(projection, "_post_map", None)
    if pm is not None:
        return list(pm[0])
    pop = projection.post
    return [getattr(pop, "grandparent", pop)]


def is_biological_projection(projection) -> bool:
    """True if the projection targets biological cells (all its post populations); ValueError if it
    mixes biological and other cells."""
    kinds = {bool(getattr(r.celltype, "is_biological", False)) for r in _post_root_set(projection)}
    if len(kinds) > 1:
        raise ValueError("a projection cannot target biological standard cells and other cells at once (different "
                         "weight units)")
    return kinds == {True}


def check_model_weights(projection, w):
    """Model weights (float) of a projection onto biological cells, PyNN sign conventions:
    current-based (IF_curr_exp) excitatory >= 0, inhibitory <= 0; conductance-based >= 0."""
    w = np.asarray(w, dtype=float)
    if w.size and not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    coba = {bool(r.celltype.conductance_based) for r in _post_root_set(projection)}
    if coba == {True}:
        if np.any(w < 0):
            raise ValueError(f"Weights must be positive (uS) for conductance-based cells on both receptors, got "
                             f"{w[w < 0].ravel()[0]:g} on an {projection.receptor_type} projection")
    elif projection.receptor_type == "excitatory" and np.any(w < 0):
        raise ValueError(f"Weights must be positive for excitatory current-based synapses, got {w[w < 0].ravel()[0]:g}")
    elif projection.receptor_type == "inhibitory" and np.any(w > 0):
        raise ValueError(f"Weights must be negative (nA) for inhibitory current-based synapses (IF_curr_exp), got "
                         f"{w[w > 0].ravel()[0]:g}")
    return w.astype(float)


def _per_circuit(pops_atoms, getter, default_from_first=True):
    first_pop = pops_atoms[0][0]
    out = np.full(NEURONS_ON_CHIP, float(np.ravel(getter(first_pop))[0]))
    for p, atoms in pops_atoms:
        out[np.asarray(atoms, np.int64)] = np.broadcast_to(np.asarray(getter(p), float), (p.size,))
    return out


def _param(name):
    return lambda p: np.broadcast_to(np.asarray(p._parameters[name], float), (p.size,))


def _choose_strength(need, gm_lo, gm_hi):
    """(i_synin_gm (2,), synapse_dac_bias, synapses per connection (2,)): the hardware current of
    one weight LSB, ``gain * gm * dac / 1022``, is at least ``need[r]`` (the largest weight then maps
    to <= 63 per synapse) and as close to it as the gm grid allows.  ``need``: (2,) hardware nA
    (NaN: no weights on that receptor); ``gm_lo``, ``gm_hi``: (2,) usable gm targets."""
    gain = _t("i_bias_synin_exc_gm").c1                 # nA per weight LSB per gm LSB at full DAC bias
    has = np.isfinite(need) & (need > 0)
    k = np.ones(2, np.int64)
    dac = float(DEFAULT_SYNAPSE_DAC_BIAS)
    if has.any():
        gm = need[has] * 1022.0 / (gain * dac)
        up = float(np.max(gm / gm_hi[has]))
        down = float(np.min(gm / gm_lo[has]))
        if up > 1:                                       # strong synapses: raise the DAC bias
            dac = min(DAC_RANGE[1], np.ceil(dac * up))
        elif down < 1:                                   # tiny weights: lower it, the largest stays in range
            dac = max(DAC_RANGE[0], np.floor(dac * max(down, up)))
    gm_hi = np.minimum(gm_hi, GM_EFF_MAX * 1022.0 / dac)
    gm_out = np.zeros(2, np.int64)
    for r in range(2):
        if not has[r]:
            gm_out[r] = int(np.clip(500, gm_lo[r], gm_hi[r]))      # unused receptor: calix default strength
            continue
        g = need[r] * 1022.0 / (gain * dac)
        if g > gm_hi[r]:                                 # beyond the chip's strength: several synapses
            k[r] = int(np.ceil(g / gm_hi[r]))
            if k[r] > MAX_SYNAPSES_PER_CONNECTION:
                raise ValueError(f"{RECEPTORS[r]} weights too large for the chip: the largest needs {k[r]} synapses "
                                 f"per connection (at most {MAX_SYNAPSES_PER_CONNECTION})")
            g = g / k[r]
        g = max(g, gm_lo[r])                             # tiny weights: the largest maps below 63
        # smallest grid value >= g (the largest weight then maps to 58..63 x k)
        idx = int(np.searchsorted(GM_GRID, g - 1e-9))
        val = GM_GRID[idx] if idx < len(GM_GRID) else GM_RANGE[1]
        gm_out[r] = int(min(val, np.floor(gm_hi[r]))) if val > gm_hi[r] else int(val)
        gm_out[r] = max(gm_out[r], int(np.ceil(g - 1e-9)))
    return gm_out, int(dac), k


def calibration_target(pops_atoms, projections, keep=None):
    """(calix SpikingCalibTarget, BioScale) for the biological populations ``pops_atoms``
    ([(population, AtomicNeuronOnDLS enums)]) and the projections onto them.

    Per-neuron targets at the populations' circuits, the first population's values at the other
    circuits; the synaptic strength (i_synin_gm, synapse_dac_bias) from the largest weights (module
    doc).  ``keep``: a BioScale whose synaptic strength is kept if it still holds the weights (the
    snippets of one execution share their calibration).  Raises ValueError for mixed current- and
    conductance-based populations, infeasible parameters and weights too large for the chip."""
    from calix.spiking import NeuronModelTarget, SpikingCalibTarget
    pops = [p for p, _ in pops_atoms]
    kinds = {bool(p.celltype.conductance_based) for p in pops}
    if len(kinds) > 1:
        names = sorted({type(p.celltype).__name__ for p in pops})
        coba_names = ", ".join(n for n in names if n != "IF_curr_exp")
        raise ValueError(f"current-based (IF_curr_exp) and conductance-based ({coba_names}) "
                         "populations cannot be mixed in one network: the chip is calibrated with one target "
                         "(its synaptic inputs are either current- or conductance-based chip-wide)")
    coba = kinds.pop()
    for p in pops:
        type(p.celltype).check_population(p)
    thr = lambda p: np.broadcast_to(np.asarray(type(p.celltype).calix_threshold(p._parameters), float), (p.size,))
    arrays = {name: _per_circuit(pops_atoms, _param(name))
              for name in ("v_rest", "v_reset", "tau_m", "tau_syn_E", "tau_syn_I", "tau_refrac", "cm")}
    arrays["v_thresh"] = _per_circuit(pops_atoms, thr)
    m = _mapping()
    v_ref = 0.5 * (arrays["v_rest"] + arrays["v_thresh"])       # COBA reference (calix default), model mV
    if coba:
        for name in ("e_rev_E", "e_rev_I"):
            arrays[name] = _per_circuit(pops_atoms, _param(name))
        min_gap = 5 * _t("cadc").c1 / m.v_scale                  # calix: >= 5 CADC LSB from the reference
        for p, atoms in pops_atoms:
            ref = v_ref[atoms]
            for name, sign in (("e_rev_E", 1), ("e_rev_I", -1)):
                e = arrays[name][atoms]
                bad = sign * (e - ref) < min_gap
                if np.any(bad):
                    i = int(np.flatnonzero(bad)[0])
                    lim = ref[i] + sign * min_gap
                    side = f">= {lim:.4g}" if sign > 0 else f"<= {lim:.4g}"
                    raise ValueError(f"{type(p.celltype).__name__} parameter {name} = {e[i]:g} mV is infeasible: "
                                     f"it must "
                                     f"be {side} mV, {min_gap:g} mV {'above' if sign > 0 else 'below'} the COBA "
                                     f"reference (v_rest + v_thresh) / 2 = {ref[i]:g} mV")
    # hardware current per model weight unit, per circuit and receptor
    cm = arrays["cm"]
    prod = np.stack([arrays["tau_syn_E"] * arrays["tau_m"], arrays["tau_syn_I"] * arrays["tau_m"]])
    # calix matches every neuron's mean response to the median neuron's (amplitude ~ I tau_syn tau_m / C):
    # a neuron with a smaller tau_syn * tau_m gets a proportionally larger current per weight LSB
    equal = prod / np.median(prod, axis=1, keepdims=True)
    if coba:
        d = np.stack([np.abs(arrays["e_rev_E"] - v_ref), np.abs(arrays["e_rev_I"] - v_ref)]) * m.v_scale  # hw mV
        f_all = conductance_factor(cm)[None, :] * d
    else:
        f_all = np.broadcast_to(current_factor(cm), (2, NEURONS_ON_CHIP))
    factor = {p: f_all[:, np.asarray(atoms, np.int64)].copy() for p, atoms in pops_atoms}
    # the weight of a connection is |w| f_i / (i_lsb / equal_i), i_lsb at the median neuron
    scaled = {p: f_all[:, np.asarray(atoms, np.int64)] * equal[:, np.asarray(atoms, np.int64)]
              for p, atoms in pops_atoms}
    # largest hardware current of one connection per receptor
    need = np.full(2, np.nan)
    for prj in projections:
        if not len(getattr(prj, "_post", ())) or not is_biological_projection(prj):
            continue
        if any(root not in scaled for root in _post_root_set(prj)):
            continue
        r = RECEPTORS.index(prj.receptor_type)
        f = _per_connection(prj, scaled, r)
        q = float(np.max(np.abs(np.asarray(prj._weight, float)) * f)) if len(f) else 0.0
        if q > 0:
            need[r] = q if np.isnan(need[r]) else max(need[r], q)
    # calix matches every neuron's response to the median one, so circuit i runs at gm_target / equal_i:
    # keep that within the CapMem range (1022, with 15 % for mismatch) and above ~20 (resolution)
    g_max, g_min = (1.0 / equal).max(axis=1), (1.0 / equal).min(axis=1)
    gm_hi = np.minimum(GM_RANGE[1], 1022.0 / (1.15 * g_max))
    gm_lo = np.maximum(GM_RANGE[0], 23.0 / g_min)
    if np.any(gm_lo > gm_hi):
        r = int(np.flatnonzero(gm_lo > gm_hi)[0])
        ts = "tau_syn_E" if r == 0 else "tau_syn_I"
        raise ValueError(f"the products tau_m * {ts} of the biological neurons differ too much (from {prod[r].min():g} "
                         f"to {prod[r].max():g} ms^2): calix matches every neuron's synaptic response to the median "
                         f"neuron's, which needs i_synin_gm ratios of up to {g_max[r] / g_min[r]:.3g} (at most "
                         f"{1022.0 / 1.15 / 23.0:.3g}); use more similar time constants")
    if coba:
        # the COBA conductance per LSB (i_bias_coba <= 1022, 15 % for mismatch) must give the CUBA-equivalent
        # current at the smallest driving force |E_rev - V_ref| of all circuits
        cuba, cond = _t("i_bias_synin_exc_gm"), _t("i_bias_synin_exc_coba")
        gm_hi = np.maximum(np.minimum(gm_hi, 0.85 * cond.c1 * cond.hi / cuba.c1 * (d * equal).min(axis=1)), gm_lo)
    gm, dac, k = _choose_strength(need * WEIGHT_HEADROOM / SYNAPSE_MAX, gm_lo, gm_hi)
    if keep is not None and keep.coba == coba:
        gain = _t("i_bias_synin_exc_gm").c1
        room = gain * keep.i_synin_gm * keep.synapse_dac_bias / 1022.0 * keep.synapses * SYNAPSE_MAX
        fits = ~np.isfinite(need) | (need * WEIGHT_HEADROOM <= room)
        if np.all(fits) and np.all((keep.i_synin_gm >= gm_lo) & (keep.i_synin_gm <= gm_hi)):
            gm, dac, k = keep.i_synin_gm.copy(), keep.synapse_dac_bias, keep.synapses.copy()
    gain = _t("i_bias_synin_exc_gm").c1
    i_lsb = gain * gm * dac / 1022.0
    kw = dict(v_rest=arrays["v_rest"], v_reset=arrays["v_reset"], v_thresh=arrays["v_thresh"],
              tau_m=20.0, tau_syn_E=arrays["tau_syn_E"], tau_syn_I=arrays["tau_syn_I"],
              tau_refrac=2.0, cm=1.0, membrane_capacitance=MEMBRANE_CAPACITANCE,
              synapse_dac_bias=dac, mapping=m)
    if coba:
        # NeuronModelTarget: i_synin_gm = median(g_hw * |E_rev - V_ref|) / (gain * dac / 1022)
        d_med = np.median(np.stack([np.abs(arrays["e_rev_E"] - v_ref), np.abs(arrays["e_rev_I"] - v_ref)])
                          * m.v_scale, axis=1)
        g = i_lsb / (conductance_factor(1.0) * d_med)
        kw.update(e_rev_E=arrays["e_rev_E"], e_rev_I=arrays["e_rev_I"], g_exc=float(g[0]), g_inh=float(g[1]))
    else:
        w = i_lsb / current_factor(1.0)
        kw.update(w_exc=float(w[0]), w_inh=float(w[1]))
    hw = NeuronModelTarget(**kw).to_hardware()
    # NeuronModelTarget.to_hardware rounds tau_mem / refractory_time to 1e-6 s (1 ms biological:
    # tau_refrac 0.1 -> 0 (infeasible), tau_m 9.3667 -> 9), so the exact times (same mapping,
    # ranges checked by check_values) replace its two values here
    hw.tau_mem = np.round(m.time_to_hw_s(arrays["tau_m"]), 12)
    hw.refractory_time = np.round(m.time_to_hw_s(arrays["tau_refrac"]), 12)
    hw.check()
    target = SpikingCalibTarget(neuron_target=hw)
    gm_hw = np.asarray(target.neuron_target.i_synin_gm, np.int64).reshape(2)
    i_lsb = gain * gm_hw * dac / 1022.0                   # what the chip gets (rounded gm), median neuron
    lsb_current = {p: i_lsb[:, None] / equal[:, np.asarray(atoms, np.int64)] for p, atoms in pops_atoms}
    scale = BioScale(coba=coba, synapses=k, i_synin_gm=gm_hw, synapse_dac_bias=dac, factor=factor,
                     lsb_current=lsb_current, atoms={p: np.asarray(a, np.int64) for p, a in pops_atoms})
    return target, scale


class BiologicalCalibrationWarning(UserWarning):
    """Neurons of biological populations that calix could not calibrate to their targets."""


def check_calibration(result, pops_atoms):
    """Warn (BiologicalCalibrationWarning) for biological neurons calix marked as failed (up to its
    allowed 2 % of all neurons; more raise calix.CalibNotSuccessful), naming population, indices and
    the reasons."""
    ok = np.asarray(result.success, bool)
    reasons = {}
    for step, by_reason in (result.failures or {}).items():
        for reason, idx in by_reason.items():
            for i in np.asarray(idx, np.int64).reshape(-1):
                reasons.setdefault(int(i), []).append(f"{step}: {reason}")
    for p, atoms in pops_atoms:
        atoms = np.asarray(atoms, np.int64)
        bad = np.flatnonzero(~ok[atoms])
        if bad.size:
            why = sorted({r for i in bad for r in reasons.get(int(atoms[i]), ["failed"])})
            more = " ..." if bad.size > 20 else ""
            warnings.warn(f"calix could not calibrate {bad.size} neuron(s) of {p.label!r} "
                          f"({type(p.celltype).__name__}) to their targets: indices {bad[:20].tolist()}{more} "
                          f"({'; '.join(why)})",
                          BiologicalCalibrationWarning, stacklevel=4)


def hardware_weights(projection, weights):
    """Integer hardware weights (>= 0; > 63 = several synapses) of the model ``weights`` of a
    projection onto biological cells, with the weight LSB of the last calibration
    (``simulator.state.bio_scale``).  Nonzero weights that round to 0 are dropped with a
    BiologicalWeightWarning; weights beyond the calibrated range raise ValueError."""
    scale = getattr(simulator.state, "bio_scale", None)
    w = np.abs(np.asarray(weights, float))
    if not len(w):
        return np.zeros(0, np.int64)
    if scale is None:
        raise RuntimeError("hardware weights of biological cells need the calibration of this run (no bio_scale)")
    r = RECEPTORS.index(projection.receptor_type)
    try:
        f = _per_connection(projection, scale.factor, r)
        cur = _per_connection(projection, scale.lsb_current, r)
    except KeyError:
        raise RuntimeError("the calibration of this run does not cover the projection's target population")
    n = w * f / cur
    hw = np.rint(n).astype(np.int64)
    limit = SYNAPSE_MAX * int(scale.synapses[r])
    over = hw > limit
    if over.any():
        i = int(np.argmax(hw))
        if hw[i] > 1.1 * limit:
            raise ValueError(f"weight {weights[i]:g} of {_describe(projection)} needs {hw[i]} hardware LSB, more than "
                             f"the calibrated {limit} ({scale.synapses[r]} synapse(s) x 63)")
        warnings.warn(f"{int(over.sum())} weights of {_describe(projection)} exceed the calibrated range by up to "
                      f"{100 * (hw[i] / limit - 1):.0f} % (the measured synaptic strength is weaker than planned) and "
                      f"are clipped to {limit} hardware LSB", BiologicalWeightWarning, stacklevel=3)
        hw = np.minimum(hw, limit)
    zero = (hw == 0) & (w > 0)
    if zero.any():
        lsb = cur[zero] / f[zero]
        unit = "uS" if scale.coba else "nA"
        warnings.warn(f"{int(zero.sum())} of {len(w)} nonzero weights of {_describe(projection)} are below half a "
                      f"hardware weight LSB ({0.5 * lsb.min():.3g} {unit} for this target neuron; the LSB is set "
                      f"by the "
                      f"largest {projection.receptor_type} weight onto biological cells, which maps to ~56 of 63) "
                      f"and are dropped (weight 0)", BiologicalWeightWarning, stacklevel=3)
    return hw


def _describe(projection):
    d = getattr(projection, "_describe", None)
    return d() if d is not None else f"Projection {projection.label!r}"


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
