"""Calibration on run for CalibHXNeuronCuba / CalibHXNeuronCoba populations and the biological standard cells
(biological.py) (calix)."""
from __future__ import annotations

import time

import numpy as np

import grenade

NEURONS_ON_CHIP = 512
_MEMO = {}          # (connection id, target key, base id) -> (CalibResult, lola.Chip)


def calibrated_populations(populations):
    return [p for p in populations if getattr(p.celltype, "is_calibrated", False)]


def build_target(pops_atoms):
    """SpikingCalibTarget with per-neuron targets at the atoms of the calibrated populations
    (defaults of CalibHXNeuronCuba elsewhere).  ``pops_atoms``: [(population, atoms array)]."""
    from calix.spiking import NeuronCalibTarget, SpikingCalibTarget
    from .standardmodels import CalibHXNeuronCuba
    d = CalibHXNeuronCuba.default_parameters
    coba = [p for p, _ in pops_atoms if p.celltype.conductance_based]
    if coba and len(coba) != len(pops_atoms):
        raise ValueError("CalibHXNeuronCuba and CalibHXNeuronCoba populations cannot be mixed in one network: "
                         "the chip is calibrated with one target")
    if coba:
        d = type(coba[0].celltype).default_parameters

    def per_neuron(name, scale=1.0):
        arr = np.full(NEURONS_ON_CHIP, float(d[name]))
        for p, atoms in pops_atoms:
            arr[atoms] = np.broadcast_to(np.asarray(p._parameters[name], dtype=float), (p.size,))
        return arr * scale

    def chip_wide(name):
        vals = set()
        for p, _ in pops_atoms:
            vals.update(np.unique(np.asarray(p._parameters[name], dtype=float)).tolist())
        if len(vals) > 1:
            raise ValueError(f"calibrated populations need equal {name} (chip-wide setting), got {sorted(vals)}")
        return vals.pop()

    kw = dict(leak=per_neuron("v_rest"), reset=per_neuron("v_reset"), threshold=per_neuron("v_thresh"),
              tau_mem=per_neuron("tau_m", 1e-6),
              tau_syn=np.stack([per_neuron("tau_syn_E", 1e-6), per_neuron("tau_syn_I", 1e-6)]),
              membrane_capacitance=np.rint(per_neuron("cm")).astype(int),
              refractory_time=per_neuron("tau_refrac", 1e-6),
              i_synin_gm=np.array([chip_wide("i_synin_gm_E"), chip_wide("i_synin_gm_I")]).round().astype(int),
              synapse_dac_bias=int(round(chip_wide("synapse_dac_bias"))))
    if coba:
        kw["e_coba_reversal"] = np.stack([per_neuron("e_rev_E"), per_neuron("e_rev_I")])
    return SpikingCalibTarget(neuron_target=NeuronCalibTarget(**kw))


def _key(target):
    nt = target.neuron_target
    parts = []
    for name in ("leak", "reset", "threshold", "tau_mem", "tau_syn", "membrane_capacitance", "refractory_time",
                 "i_synin_gm", "synapse_dac_bias", "e_coba_reversal"):
        v = getattr(nt, name)
        parts.append(None if v is None else np.asarray(v, dtype=float).tobytes())
    return tuple(parts)


def calibrate(state, pops_atoms, connection):
    """(CalibResult, calibrated lola.Chip on top of setup()'s initial_config, seconds spent)."""
    import calix
    t0 = time.perf_counter()
    bio = [p for p, _ in pops_atoms if getattr(p.celltype, "is_biological", False)]
    scale = None
    if bio and len(bio) != len(pops_atoms):
        raise ValueError("biological standard cells (IF_curr_exp, IF_cond_exp, EIF_cond_exp_isfa_ista) and "
                         "CalibHXNeuronCuba/CalibHXNeuronCoba populations cannot be mixed in one network: the chip "
                         "is calibrated with one target")
    if bio:
        from . import biological
        keep = getattr(state, "bio_scale", None) if getattr(state, "pending", None) else None
        target, scale = biological.calibration_target(pops_atoms, state.projections, keep=keep)
    else:
        target = build_target(pops_atoms)
    key = (id(connection), _key(target), str(state.calibration_cache))
    if getattr(state, "pending", None) and getattr(state, "_calib_key", None) not in (None, key):
        prev = _MEMO.get(state._calib_key)
        if prev is not None:            # the pending snippets keep running on their calibration
            state.calib_result, state._calib_chip = prev[0], prev[1]
        raise ValueError("the calibration target changed between APPEND snippets of one execution (parameters of "
                         "calibrated cells or, for the biological standard cells, a weight range needing another "
                         "synaptic strength): the snippets of one program share one calibration; EXECUTE the pending "
                         "snippets first")
    state._calib_key = key
    state.bio_scale = scale
    hit = _MEMO.get(key)
    if hit is None or hit[2] is not state.initial_config:
        cache = state.calibration_cache
        cache_paths = None if cache is None else [cache]
        result = calix.calibrate(target, cache_paths=cache_paths, connection=connection)
        grenade.forget(connection)          # calix ran its own programs on this chip
        base = state.initial_config
        if base is not None and not hasattr(base, "neuron_block") and hasattr(base, "to_chip"):
            base = base.to_chip()
        chip = result.to_chip(initial_config=base)
        if len(_MEMO) >= 8:
            _MEMO.pop(next(iter(_MEMO)))
        hit = _MEMO[key] = (result, chip, state.initial_config)
        if scale is not None:
            biological.check_calibration(result, pops_atoms)
    if scale is not None:
        scale.measure(hit[0])           # the weight LSB calix measured (else nominal)
    return hit[0], hit[1], time.perf_counter() - t0
