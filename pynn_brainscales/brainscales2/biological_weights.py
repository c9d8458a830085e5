"""Weight scaling of the biological standard cells: the calibration target that gives the
projections' model weights a synaptic strength (:func:`calibration_target`), the scale it makes
(:class:`BioScale`) and the hardware weights of a projection under it (:func:`hardware_weights`).
The mapping is described in :mod:`pynn_brainscales.brainscales2.biological`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Dict

import numpy as np

from chipmodel.ranges import FEASIBLE_RANGES
from grenade.network import MAX_SYNAPSE_WEIGHT, NEURONS_ON_CHIP

from .biological_units import MEMBRANE_CAPACITANCE, _mapping, _t, c_hw_pf, conductance_factor, current_factor

__all__ = ["BioScale", "calibration_target", "check_calibration", "hardware_weights", "is_biological_projection",
           "check_model_weights", "BiologicalWeightWarning", "BiologicalCalibrationWarning"]

SYNAPSE_MAX = MAX_SYNAPSE_WEIGHT      # 6-bit weight of one synapse
MAX_SYNAPSES_PER_CONNECTION = 16      # several synapses (rows) per connection for very large weights
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


# -- calibration target and weight scale ---------------------------------------------------------
@dataclass
class BioScale:
    """The weight scale of one calibration (``simulator.state.bio_scale``).

    - ``coba``: conductance-based target
    - ``synapses``: (2,) synapses per connection the largest weights need (excitatory, inhibitory)
    - ``i_synin_gm``, ``synapse_dac_bias``: the chip-wide calix settings chosen
    - ``factor``: population -> (2, size) hardware nA per model weight unit (nA or uS) per neuron
    - ``lsb_current``: population -> (2, size) hardware nA of one weight LSB at each neuron
      (CUBA-equivalent): the nominal prediction, replaced by calix's measurement (``measure``)
    - ``source``: "nominal" or "measured"
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
    kinds = {bool(r.celltype.is_biological) for r in _post_root_set(projection)}
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
        w = np.abs(np.asarray(prj._weight, float))
        if getattr(prj, "_stdp", None):             # STDP weights may grow up to w_max
            w = np.maximum(w, np.asarray(prj._stdp["w_max"], float))
        q = float(np.max(w * f)) if len(f) else 0.0
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


def hardware_weights(projection, weights, scale):
    """Integer hardware weights (>= 0; > 63 = several synapses) of the model ``weights`` of a
    projection onto biological cells, with the weight LSB of a calibration, ``scale`` (a
    :class:`BioScale`; None raises RuntimeError).  Nonzero weights that round to 0 are dropped with a
    BiologicalWeightWarning; weights beyond the calibrated range raise ValueError."""
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
                      f"are clipped to {limit} hardware LSB", BiologicalWeightWarning, stacklevel=4)
        hw = np.minimum(hw, limit)
    zero = (hw == 0) & (w > 0)
    if zero.any():
        lsb = cur[zero] / f[zero]
        unit = "uS" if scale.coba else "nA"
        warnings.warn(f"{int(zero.sum())} of {len(w)} nonzero weights of {_describe(projection)} are below half a "
                      f"hardware weight LSB ({0.5 * lsb.min():.3g} {unit} for this target neuron; the LSB is set "
                      f"by the "
                      f"largest {projection.receptor_type} weight onto biological cells, which maps to ~56 of 63) "
                      f"and are dropped (weight 0)", BiologicalWeightWarning, stacklevel=4)
    return hw


def _describe(projection):
    d = getattr(projection, "_describe", None)
    return d() if d is not None else f"Projection {projection.label!r}"
