"""PyNN networks in biological units on Lava: ``setup(units="biological", target="lava")``.

The same script runs on the chip (``target="chip"``, the default) or on Lava's bit-accurate
Loihi fixed-point models (``target="lava"``): the populations and projections are lowered with
:func:`grenade.lava.lowering.lower_populations` (one Lava ``LIF`` per ``IF_curr_exp``
population, one ``Dense``/``Sparse``/``DelayDense`` per connected pair and sign, a
``RingBuffer`` per spike source), run in the Lava worker (:func:`grenade.lava.run_worker`, a
wall-clock timeout) and the spikes go to the recorders: ``get_data()`` gives Neo blocks in
biological ms, as on the chip.  docs/lava.md "PyNN on Lava" lists what maps and what is rejected.

Mapping of ``IF_curr_exp`` (PyNN units: mV, ms, nF, nA) onto NIR's CUBA LIF parameters the
lowering takes: ``tau_mem = tau_m``, ``tau_syn = tau_syn_E = tau_syn_I`` (Lava's LIF has one
current), ``r = tau_m / cm`` (MOhm), ``w_in = 1`` (weights in nA), ``v_leak = v_rest + r *
i_offset`` (the offset current is part of the constant bias), ``v_threshold = v_thresh``,
``v_reset``, ``tau_refrac`` (``round(tau_refrac / dt)`` steps of the worker's fixed-point
refractory LIF, docs/lava.md).  The time step is ``setup(timestep)`` (default 0.1 ms).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
from pyNN import errors

from grenade.lava.fixed import RANGES, FixedPointNetwork, LavaParameterError, reference_run
from grenade.lava.lowering import input_sources, lower_populations

__all__ = ["TARGETS", "LAVA_MODES", "LavaRun", "check_population", "lower", "run"]

#: setup(target=...): where the network runs
TARGETS = ("chip", "lava")
#: setup(lava_mode=...): Lava's bit-accurate models (default), its float models (debug), or the
#: numpy reference of the fixed-point semantics (bit-identical to "fixed_pt", no Lava process)
LAVA_MODES = ("fixed_pt", "floating_pt", "reference")

#: cell type -> why it has no Lava model
_UNSUPPORTED = {
    "IF_cond_exp": "its synapses are conductance-based; Lava's LIF integrates currents (CUBA)",
    "EIF_cond_exp_isfa_ista": "Lava's LIF has no exponential term, no adaptation and no conductance-based synapses",
    "HXNeuron": "its parameters are the chip's raw hardware values (CapMem), which have no meaning on Lava",
    "CalibHXNeuronCuba": "its parameters are the chip's calibration targets in hardware units",
    "CalibHXNeuronCoba": "its parameters are the chip's calibration targets in hardware units",
    "SpikeSourcePoissonOnChip": "it is the chip's on-chip background generator; SpikeSourcePoisson draws "
                                "its spikes on the host",
}
_SUPPORTED = "IF_curr_exp, SpikeSourceArray, SpikeSourcePoisson, SpikeSourceGamma, SpikeSourcePoissonRefractory"


@dataclass
class LavaRun:
    """The last run on Lava (``pynn.simulator.state.lava_run``): the integer ``network`` Lava ran
    (:class:`grenade.lava.FixedPointNetwork`, for :func:`grenade.lava.reference_run`), ``rasters``
    (population name -> bool (steps, size); row ``t`` is time ``t * dt``), ``names`` (PyNN
    population -> its name there), ``dt`` (ms), ``mode``, ``voltage_scale`` and ``weight_error``
    of the lowering (per population name) and the ``timing`` (s: ``lower_s``, ``compile_s``,
    ``run_s``, ``wall_s``)."""
    network: FixedPointNetwork
    rasters: Dict[str, np.ndarray]
    names: Dict[object, str]
    dt: float
    mode: str
    voltage_scale: Dict[str, np.ndarray] = field(default_factory=dict)
    weight_error: Dict[str, float] = field(default_factory=dict)
    timing: Dict[str, float] = field(default_factory=dict)


def check_population(population) -> None:
    """Raise :class:`pyNN.errors.NoModelAvailableError` naming the cell type and why, when the
    population's cell type has no Lava model (called at creation with ``target="lava"``)."""
    ct = population.celltype
    name = type(ct).__name__
    if ct.sends_from_host or (name == "IF_curr_exp" and ct.is_biological):
        return
    why = _UNSUPPORTED.get(name, "it has no counterpart among Lava's fixed-point LIF models")
    raise errors.NoModelAvailableError(f"{name} population {population.label!r} cannot run on target='lava': {why}. "
                                       f"Supported on Lava: {_SUPPORTED}")


def _names(populations) -> Dict[object, str]:
    out, taken = {}, set()
    for i, pop in enumerate(populations):
        name = str(pop.label) if pop.label and str(pop.label) not in taken else f"{pop.label}#{i}"
        taken.add(name)
        out[pop] = name
    return out


def _cell_params(pop, dt) -> Dict[str, np.ndarray]:
    """NIR CubaLIF parameters (module doc) of an IF_curr_exp population; LavaParameterError naming
    the parameter for what Lava's LIF cannot take."""
    p = {k: np.broadcast_to(np.asarray(v, float), (pop.size,)) for k, v in pop._parameters.items()}
    if np.any(p["tau_syn_E"] != p["tau_syn_I"]):
        i = int(np.flatnonzero(p["tau_syn_E"] != p["tau_syn_I"])[0])
        raise LavaParameterError(f"IF_curr_exp population {pop.label!r}: tau_syn_E = {p['tau_syn_E'][i]:g} ms and "
                                 f"tau_syn_I = {p['tau_syn_I'][i]:g} ms differ (neuron {i}); Lava's LIF has one "
                                 f"synaptic current per neuron: give both receptors one time constant")
    for key in ("tau_m", "tau_syn_E", "tau_refrac"):
        if np.any(p[key] != p[key][0]):
            values = sorted(set(p[key].tolist()))
            raise LavaParameterError(f"IF_curr_exp population {pop.label!r}: {key} takes the values "
                                     f"{values[:4]}{' ...' if len(values) > 4 else ''} ms; Lava's LIF has one "
                                     f"{'refractory period' if key == 'tau_refrac' else 'decay'} per process: give "
                                     f"the population one value (or split it into populations)")
    r = p["tau_m"] / p["cm"]                          # MOhm: mV per nA
    return {"tau_syn": p["tau_syn_E"].copy(), "tau_mem": p["tau_m"].copy(), "r": r, "w_in": np.ones(pop.size),
            "v_leak": p["v_rest"] + r * p["i_offset"], "v_threshold": p["v_thresh"].copy(),
            "v_reset": p["v_reset"].copy(), "tau_refrac": p["tau_refrac"].copy()}


def _check_network(state) -> None:
    """NotImplementedError / NoModelAvailableError for what the Lava target does not run."""
    for pop in state.populations:
        check_population(pop)
        for var in pop.recorder.recorded:
            if var.name != "spikes" and pop.recorder.recorded[var]:
                raise NotImplementedError(f"population {pop.label!r} records {var.name!r}: on target='lava' only "
                                          f"spikes are recorded (reading Lava's state costs ~30 us per value and "
                                          f"step)")
    for source in state.current_sources:
        raise NotImplementedError(f"{type(source).__name__}: current sources do not run on target='lava' "
                                  f"(Lava's LIF has a constant bias only: give IF_curr_exp an i_offset)")
    for prj in state.projections:
        syn = prj.synapse_type
        kinds = {c.__name__ for c in type(syn).__mro__}     # (the synapse module imports the simulator)
        if "StaticSynapse" not in kinds or "StaticRecordingSynapse" in kinds \
                or getattr(syn, "plasticity_rule", None) is not None:
            raise NotImplementedError(f"{prj._describe()}: {type(syn).__name__} does not run on target='lava' "
                                      f"(static synapses only: Lava's Dense has fixed weights)")


def lower(state, t0: float, t1: float):
    """The fixed-point network of the span [t0, t1) (biological ms) of the PyNN network in
    ``state``: (network, names, source trains, voltage scales, weight errors).  Raises
    LavaParameterError naming the population, projection or parameter that does not fit."""
    _check_network(state)
    dt = float(state.timestep)
    names = _names(state.populations)
    trains, sizes = {}, {}
    groups = {}
    for pop in state.populations:
        if pop.celltype.sends_from_host:
            trains[pop] = pop._spike_trains(t0, t1)
            sizes[names[pop]] = pop.size
        else:
            groups[names[pop]] = _cell_params(pop, dt)
    sources, steps = input_sources({names[p]: [t - t0 for t in tr] for p, tr in trains.items()}, sizes, t1 - t0, dt)
    # per (pre, post): connections summed per (i, j, delay); a pair with several delays goes to
    # further matrices ("layers"), so each matrix has one delay per entry
    pairs: Dict[tuple, list] = {}
    for prj in state.projections:
        pre_roots, pre_root_of, pre_index = prj._pre_map[:3]
        post_roots, post_root_of, post_index = prj._post_map[:3]
        steps_d = np.rint(np.asarray(prj._delay, float) / dt).astype(np.int64)
        extra = np.maximum(steps_d, 1) - 1        # every Lava connection takes one step
        if len(extra) and extra.max() > RANGES["delays"][1]:
            k = int(np.argmax(extra))
            raise LavaParameterError(f"{prj._describe()}: delay {prj._delay[k]:g} ms is {steps_d[k]} steps of "
                                     f"{dt:g} ms; Lava's DelayDense reaches at most {RANGES['delays'][1] + 1} steps "
                                     f"({(RANGES['delays'][1] + 1) * dt:g} ms)")
        pre_r, post_r = pre_root_of[prj._pre], post_root_of[prj._post]
        for a in np.unique(pre_r):
            for b in np.unique(post_r[pre_r == a]):
                sel = (pre_r == a) & (post_r == b)
                key = (pre_roots[a], post_roots[b])
                pairs.setdefault(key, []).append((pre_index[prj._pre[sel]], post_index[prj._post[sel]],
                                                  np.asarray(prj._weight, float)[sel], extra[sel]))
    connections = []
    for (pre, post), parts in pairs.items():
        i = np.concatenate([x[0] for x in parts])
        j = np.concatenate([x[1] for x in parts])
        w = np.concatenate([x[2] for x in parts])
        d = np.concatenate([x[3] for x in parts])
        # one entry per (j, i, delay), summed; then the n-th delay of a pair goes to layer n
        key = np.stack([j, i, d], 1)
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        wsum = np.bincount(inv.reshape(-1), weights=w, minlength=len(uniq))
        pair_key = uniq[:, 0] * pre.size + uniq[:, 1]
        layer = np.zeros(len(uniq), np.int64)
        for k in range(1, len(uniq)):           # uniq is sorted by (j, i, d): repeats are adjacent
            if pair_key[k] == pair_key[k - 1]:
                layer[k] = layer[k - 1] + 1
        for n in range(int(layer.max(initial=-1)) + 1):
            m = layer == n
            W = np.zeros((post.size, pre.size))
            D = np.zeros((post.size, pre.size), np.int64)
            W[uniq[m, 0], uniq[m, 1]] = wsum[m]
            D[uniq[m, 0], uniq[m, 1]] = uniq[m, 2]
            connections.append((names[pre], names[post], W, D if D.any() else None))
    net, scales, errs = lower_populations(sources, groups, connections, steps, dt)
    return net, names, trains, scales, errs


def _timeout(state, net) -> float:
    """Wall-clock limit of one Lava run (s): ``setup(lava_timeout=...)``, else 60 s plus 5 ms per
    step and Lava process (about ten times the per-step cost measured on a 2-core machine)."""
    if state.lava_timeout is not None:
        return float(state.lava_timeout)
    processes = len(net.sources) + 2 * len(net.populations) + len(net.projections)
    return 60.0 + 5e-3 * net.steps * processes


def run(state, t0: float, t1: float) -> LavaRun:
    """Run [t0, t1) (biological ms) of the network in ``state`` on Lava and store the recorded
    spikes (simulator.State keeps the segment's parts).  Raises LavaParameterError before
    anything runs, grenade.lava.LavaTimeoutError / LavaError when Lava fails or hangs."""
    start = time.perf_counter()
    net, names, trains, scales, errs = lower(state, t0, t1)
    lowered = time.perf_counter()
    mode = state.lava_mode
    if not net.populations:             # sources only: nothing for Lava to integrate
        rasters, timing = {}, {"compile_s": 0.0, "run_s": 0.0}
    elif mode == "reference":
        rasters = reference_run(net)
        timing = {"compile_s": 0.0, "run_s": time.perf_counter() - lowered}
    else:
        from grenade.lava.client import run_worker
        out = run_worker(net, mode=mode, timeout=_timeout(state, net))
        rasters = out["spikes"]
        timing = {"compile_s": out["compile_s"], "run_s": out["run_s"]}
    timing.update(lower_s=lowered - start, wall_s=time.perf_counter() - start)
    state.parts.append((t0, t1, False))
    part = len(state.parts) - 1
    for pop, name in names.items():
        rec = pop.recorder
        if not any(v.name == "spikes" and ids for v, ids in rec.recorded.items()):
            continue
        if pop.celltype.sends_from_host:
            tr = trains[pop]
            idx = np.repeat(np.arange(len(tr)), [len(t) for t in tr]).astype(np.int64)
            rec._store_spikes(idx, np.concatenate(tr) if tr else np.zeros(0), part)
        else:
            steps, neurons = np.nonzero(rasters[name])
            rec._store_spikes(neurons.astype(np.int64), t0 + steps * float(state.timestep), part)
    return LavaRun(net, rasters, names, float(state.timestep), mode, scales, errs, timing)


def spike_times(lava_run: LavaRun, population) -> List[np.ndarray]:
    """Spike times (biological ms from the run's start) per neuron of an IF_curr_exp population
    of ``lava_run``: row ``t`` of the raster is time ``t * dt``."""
    r = lava_run.rasters[lava_run.names[population]]
    return [np.flatnonzero(r[:, i]) * lava_run.dt for i in range(r.shape[1])]


def reference_spike_times(lava_run: LavaRun, population) -> List[np.ndarray]:
    """The same from the numpy reference of the network Lava ran (the test oracle)."""
    return spike_times(LavaRun(lava_run.network, reference_run(lava_run.network), lava_run.names, lava_run.dt,
                               "reference"), population)
