"""Calibration on run (calix) of the populations whose cell types name a ``calibration_family``
(CalibHXNeuronCuba / CalibHXNeuronCoba, the biological standard cells of biological.py). It knows
the cell types only through the cell type protocol (celltype.py): each family names its calix
target (``calibration_target``); this module runs calix, caches the result and builds the
CalibHXNeuron target (``build_target``) and archives (``archive_hwparams``) for cells_base."""
from __future__ import annotations

import time

import numpy as np

import grenade
from grenade.network import NEURONS_ON_CHIP

_MEMO = {}          # (connection id, target key, base id) -> (CalibResult, lola.Chip)


# CalibHXNeuron parameter -> (NeuronCalibTarget field, receptor row or None, factor to calix units)
_TARGET_FIELDS = {"v_rest": ("leak", None, 1.0), "v_reset": ("reset", None, 1.0),
                  "v_thresh": ("threshold", None, 1.0), "tau_m": ("tau_mem", None, 1e-6),
                  "tau_syn_E": ("tau_syn", 0, 1e-6), "tau_syn_I": ("tau_syn", 1, 1e-6),
                  "cm": ("membrane_capacitance", None, 1.0), "tau_refrac": ("refractory_time", None, 1e-6),
                  "e_rev_E": ("e_coba_reversal", 0, 1.0), "e_rev_I": ("e_coba_reversal", 1, 1.0)}


def build_target(pops_atoms, injected=None):
    """SpikingCalibTarget with per-neuron targets at the atoms of the calibrated populations.
    ``pops_atoms``: [(population, atoms array)].  The other neurons, the CADC and STP targets come
    from ``injected`` (setup(injected_calib_target=...)) when given, else from the defaults of the
    populations' cell type; the populations' parameters overwrite the injected target at their
    neurons, their chip-wide parameters (i_synin_gm_E/I, synapse_dac_bias) overwrite it everywhere."""
    import copy
    from calix.spiking import NeuronCalibTarget, SpikingCalibTarget
    from calix.spiking.targets import per_neuron, per_synin
    if not pops_atoms:
        raise ValueError("build_target needs at least one calibrated population")
    coba = [p for p, _ in pops_atoms if p.celltype.conductance_based]
    if coba and len(coba) != len(pops_atoms):
        raise ValueError("CalibHXNeuronCuba and CalibHXNeuronCoba populations cannot be mixed in one network: "
                         "the chip is calibrated with one target")
    # the neurons outside the populations take the defaults of the populations' cell type
    d = type(pops_atoms[0][0].celltype).default_parameters
    base = None if injected is None else injected.neuron_target
    if base is not None and hasattr(base, "to_hardware"):
        base = base.to_hardware()

    def start(name):
        field, row, scale = _TARGET_FIELDS[name]
        value = None if base is None else getattr(base, field)
        if value is None:
            return np.full(NEURONS_ON_CHIP, float(d[name]) * scale)
        return (per_synin(value)[row] if row is not None else per_neuron(value)).astype(float)

    def per_neuron_target(name):
        _, _, scale = _TARGET_FIELDS[name]
        arr = start(name)
        for p, atoms in pops_atoms:
            arr[atoms] = np.broadcast_to(np.asarray(p._parameters[name], dtype=float), (p.size,)) * scale
        return arr

    def chip_wide(name):
        vals = set()
        for p, _ in pops_atoms:
            vals.update(np.unique(np.asarray(p._parameters[name], dtype=float)).tolist())
        if len(vals) > 1:
            raise ValueError(f"calibrated populations need equal {name} (chip-wide setting), got {sorted(vals)}")
        return vals.pop()

    kw = dict(leak=per_neuron_target("v_rest"), reset=per_neuron_target("v_reset"),
              threshold=per_neuron_target("v_thresh"), tau_mem=per_neuron_target("tau_m"),
              tau_syn=np.stack([per_neuron_target("tau_syn_E"), per_neuron_target("tau_syn_I")]),
              membrane_capacitance=np.rint(per_neuron_target("cm")).astype(int),
              refractory_time=per_neuron_target("tau_refrac"),
              i_synin_gm=np.array([chip_wide("i_synin_gm_E"), chip_wide("i_synin_gm_I")]).round().astype(int),
              synapse_dac_bias=int(round(chip_wide("synapse_dac_bias"))))
    if base is not None:
        kw["holdoff_time"] = base.holdoff_time
    if coba:
        kw["e_coba_reversal"] = np.stack([per_neuron_target("e_rev_E"), per_neuron_target("e_rev_I")])
        if base is not None and base.e_coba_reference is not None:
            kw["e_coba_reference"] = base.e_coba_reference
    if injected is None:
        return SpikingCalibTarget(neuron_target=NeuronCalibTarget(**kw))
    return SpikingCalibTarget(cadc_target=copy.deepcopy(injected.cadc_target), neuron_target=NeuronCalibTarget(**kw),
                              stp_target=copy.deepcopy(injected.stp_target))


def archive_hwparams(population, atoms, result, chip):
    """Public ``calib_target`` / ``calib_hwparams`` / ``actual_hwparams`` of a CalibHXNeuronCuba /
    CalibHXNeuronCoba population: the parameters its calibration was made for, the calibrated
    neurons (an archive) and the neurons the runs use (live lola.AtomicNeuron objects the user may
    adjust).  Regenerated only when the calibration or the placement changed, so adjustments made
    after ``run(None, RunCommand.PREPARE)`` reach the next run."""
    from pyNN.parameters import ParameterSpace
    source = (id(result), tuple(int(a) for a in atoms))
    if getattr(population, "_calib_source", None) == source:
        return
    neurons = [chip.neuron_block.atomic_neurons[int(a)] for a in atoms]
    population._calib_target = ParameterSpace(
        {k: np.array(np.broadcast_to(np.asarray(v, dtype=float), (population.size,)))
         for k, v in population._parameters.items()}, shape=(population.size,))
    population._calib_target.evaluate(simplify=False)       # plain arrays: target["v_rest"][i]
    population._calib_hwparams = [n.copy() for n in neurons]
    population._actual_hwparams = [n.copy() for n in neurons]
    population._calib_source = source
    celltype = population.celltype          # public: the cell type holds the last ones
    celltype._calib_target = population._calib_target
    celltype._calib_hwparams = population._calib_hwparams
    celltype._actual_hwparams = population._actual_hwparams


def _key(target):
    nt = target.neuron_target
    parts = []
    for name in ("leak", "reset", "threshold", "tau_mem", "tau_syn", "membrane_capacitance", "refractory_time",
                 "i_synin_gm", "synapse_dac_bias", "e_coba_reversal"):
        v = getattr(nt, name)
        parts.append(None if v is None else np.asarray(v, dtype=float).tobytes())
    for name in ("holdoff_time", "e_coba_reference"):
        v = getattr(nt, name, None)
        parts.append(None if v is None else np.asarray(v, dtype=float).tobytes())
    parts.append(repr(target.cadc_target))
    parts.append(repr(target.stp_target))
    return tuple(parts)


def calibrate(state, pops_atoms, connection):
    """(CalibResult, calibrated lola.Chip on top of setup()'s initial_config, seconds spent)."""
    import calix
    t0 = time.perf_counter()
    families = sorted({p.celltype.calibration_family for p, _ in pops_atoms})
    if len(families) > 1:
        raise ValueError(f"{' and '.join(families)} populations cannot be mixed in one network: the chip is "
                         f"calibrated with one target")
    celltype = pops_atoms[0][0].celltype
    target, scale = celltype.calibration_target(pops_atoms, state)
    options = getattr(state, "injected_calib_options", None)
    key = (id(connection), _key(target), repr(options), str(state.calibration_cache))
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
        result = calix.calibrate(target, options, cache_paths=cache_paths, connection=connection)
        grenade.forget(connection)          # calix ran its own programs on this chip
        base = state.initial_config
        if base is not None and not hasattr(base, "neuron_block") and hasattr(base, "to_chip"):
            base = base.to_chip()
        chip = result.to_chip(initial_config=base)
        if len(_MEMO) >= 8:
            _MEMO.pop(next(iter(_MEMO)))
        hit = _MEMO[key] = (result, chip, state.initial_config)
        celltype.check_calibration(result, pops_atoms)
    if scale is not None:
        scale.measure(hit[0])           # the weight LSB calix measured (else nominal)
    return hit[0], hit[1], time.perf_counter() - t0


#: (connection, base chip, target, cache) -> (base chip, correlation result, chip with it)
_CORRELATION_MEMO = {}


def with_correlation(state, chip, connection):
    """``chip`` with the correlation sensors calibrated for the network's STDP projections (their
    time constant, STDP's amplitude; calix.spiking.correlation, cached like the neuron
    calibration); ``chip`` itself without STDP projections.  The same object for the same
    inputs (differential writes)."""
    from . import stdp
    stdp_projections = [p for p in getattr(state, "projections", ()) if getattr(p, "_stdp", None)]
    target = stdp.sensor_target(stdp_projections, state.speedup, getattr(state, "stdp_time_constants", "reject"))
    if target is None or chip is None:
        return chip
    import calix
    options = stdp.sensor_options()
    key = (id(connection), id(chip), target.time_constant, target.amplitude, str(state.calibration_cache))
    hit = _CORRELATION_MEMO.get(key)
    if hit is None or hit[0] is not chip:
        cache = state.calibration_cache
        result = calix.calibrate(target, options, cache_paths=None if cache is None else [cache],
                                 connection=connection)
        grenade.forget(connection)          # calix ran its own programs on this chip
        if len(_CORRELATION_MEMO) >= 8:
            _CORRELATION_MEMO.pop(next(iter(_CORRELATION_MEMO)))
        hit = _CORRELATION_MEMO[key] = (chip, result, result.to_chip(chip=chip))
    state.correlation_calib_result = hit[1]
    return hit[2]
