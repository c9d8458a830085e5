"""Model networks -> :class:`~grenade.lava.fixed.FixedPointNetwork`, and Lava's spikes back as
grenade :class:`~grenade.results.Results` (the chip's result type).

The source of a lowering is a :class:`grenade.nir.NIRImport`: a grenade network whose populations
carry CUBA LIF model parameters (NIR units) and whose projections carry the chip's 6-bit weights.
Lava gets the weights the chip has (``w_hw / weight_scale``), re-quantised to Lava's 8-bit
mantissa and exponent, so the same quantised network runs on both.

Fixed-point mapping per population (docs/lava.md, "Mapping"): the membrane is measured from
``v_reset`` (Lava resets to 0), ``du = round(4096 (1 - exp(-dt/tau_syn))) - 1``,
``dv = round(4096 (1 - exp(-dt/tau_mem)))`` (one value per population: Lava's LIF has scalar
decays), ``vth`` as large as the 17-bit threshold, the 8-bit weights (exponent 0..7), the 13-bit
bias and the 16-bit activation allow; a weight ``W`` adds ``dt/tau_mem * r * w_in * W`` to the
membrane (as the discrete CUBA model does), the leak towards ``v_leak`` is a constant bias.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..results import SPIKE_DTYPE, ExecutionTimeInfo, Results, SnippetResult
from .fixed import (RANGES, MAX_ACTIVATION, FixedPointNetwork, FixedPopulation, FixedProjection, FixedSource,
                    LavaParameterError, reference_run)

__all__ = ["LavaLowering", "input_sources", "lower_populations", "lower_nir_import", "run_on_lava", "run_reference",
           "to_results", "spikes_per_neuron"]


@dataclass
class LavaLowering:
    """A lowered network: ``network`` (integers), ``dt`` and ``time_unit`` of the model,
    ``populations``: neuron node name -> grenade PopulationDescriptor, ``voltage_scale``:
    name -> Lava v LSB per model voltage unit (per neuron), ``weight_error``: largest relative
    error of the Lava weights against the chip's, per population."""
    network: FixedPointNetwork
    source: object
    dt: float
    time_unit: float
    populations: Dict[str, object]
    voltage_scale: Dict[str, np.ndarray]
    weight_error: Dict[str, float]


def _decay(dt, tau, offset, name, what):
    d = np.rint(4096.0 * (1.0 - np.exp(-dt / np.asarray(tau, float)))) - offset
    d = np.clip(d, 0, 4095).astype(np.int64)
    if np.any(d != d[0]):
        raise LavaParameterError(f"population {name!r}: {what} gives decays {sorted(set(d.tolist()))} at dt={dt:g}; "
                                 f"Lava's LIF has one {what} decay per process (give the population one value)")
    return int(d[0])


def input_sources(spikes: Dict[str, Sequence], sizes: Dict[str, int], runtime: float, dt: float
                  ) -> Tuple[List[FixedSource], int]:
    """(FixedSources, steps) of a run of ``runtime`` with time step ``dt``: ``spikes`` maps a
    source name to one sequence of spike times per neuron (the unit of ``dt``), ``sizes`` every
    source name to its size (sources without spikes stay silent).  A spike at ``t`` goes to input
    column ``round(t / dt)``; those at or beyond the last step are dropped.  Raises
    :class:`LavaParameterError` for a non-positive ``dt``/``runtime`` or a wrong number of trains."""
    if not dt > 0 or not runtime > 0:
        raise LavaParameterError(f"dt and runtime must be positive, got dt={dt!r}, runtime={runtime!r}")
    steps = int(np.ceil(runtime / dt - 1e-9))
    sources = []
    for name, times in spikes.items():
        if name not in sizes:
            raise KeyError(f"no input {name!r} (inputs: {sorted(sizes)})")
        size = sizes[name]
        if len(times) != size:
            raise LavaParameterError(f"input {name!r}: {len(times)} spike trains for {size} neurons")
        st = [np.rint(np.asarray(t, float) / dt).astype(np.int64) for t in times]
        nr = [np.full(len(s), i, np.int64) for i, s in enumerate(st)]
        st_all, nr_all = (np.concatenate(st), np.concatenate(nr)) if st else (np.zeros(0, int), np.zeros(0, int))
        keep = st_all < steps
        sources.append(FixedSource(name, size, st_all[keep], nr_all[keep]))
    for name, size in sizes.items():
        if name not in spikes:
            sources.append(FixedSource(name, size))
    return sources, steps


def lower_populations(sources: List[FixedSource], groups: Dict[str, Dict[str, np.ndarray]],
                      connections: Sequence[Tuple[str, str, np.ndarray, Optional[np.ndarray]]], steps: int,
                      dt: float) -> Tuple[FixedPointNetwork, Dict[str, np.ndarray], Dict[str, float]]:
    """The fixed-point network of CUBA LIF populations (module doc, docs/lava.md "Mapping").

    ``groups``: population name -> model parameters, one array per neuron (NIR's CubaLIF names:
    ``tau_syn``, ``tau_mem``, ``r``, ``w_in``, ``v_leak``, ``v_threshold``, ``v_reset``; without
    ``v_threshold`` the population never spikes, CubaLI; optional ``tau_refrac``: a refractory
    period of ``round(tau_refrac / dt)`` steps, one per population); ``connections``: (pre, post, signed
    weights ``(post, pre)`` in the model's weight unit, extra delay steps ``(post, pre)`` or None)
    in order; ``dt`` in the unit of the ``tau``s.  Returns (network, voltage scale per
    population, largest relative 8-bit weight error per population).  Raises
    :class:`LavaParameterError` naming the population/parameter that does not fit."""
    pops, projs, scales, errors = [], [], {}, {}
    for name, p in groups.items():
        size = len(p["tau_mem"])
        du = _decay(dt, p["tau_syn"], 1, name, "tau_syn")
        dv = _decay(dt, p["tau_mem"], 0, name, "tau_mem")
        refractory = np.rint(np.asarray(p.get("tau_refrac", np.zeros(size)), float) / dt).astype(np.int64)
        if np.any(refractory != refractory[0]):
            raise LavaParameterError(f"population {name!r}: tau_refrac gives refractory periods "
                                     f"{sorted(set(refractory.tolist()))} steps at dt={dt:g}; Lava's LIFRefractory has "
                                     f"one refractory period per process (give the population one value)")
        v_reset = p.get("v_reset", p["v_leak"])
        dist = p["v_threshold"] - v_reset if "v_threshold" in p else np.full(size, np.inf)
        if np.any(dist <= 0):
            raise LavaParameterError(f"population {name!r}: v_threshold must lie above v_reset")
        gain = dt / p["tau_mem"] * p["r"] * p["w_in"]                  # membrane step per unit weight
        incoming = [(pre, w, d) for pre, post, w, d in connections if post == name]
        # y: fraction of the threshold distance per spike; vth * y is the activation (w << exp)
        ys = [(pre, gain[:, None] * w / dist[:, None], d) for pre, w, d in incoming]
        leak = (p["v_leak"] - v_reset) / dist * dv / 4096.0 * 64.0     # bias per unit vth
        bounds = [float(RANGES["vth"][1])]
        pos = sum((np.where(y > 0, y, 0).sum(axis=1) for _, y, _ in ys), np.zeros(size))
        neg = sum((np.where(y < 0, -y, 0).sum(axis=1) for _, y, _ in ys), np.zeros(size))
        worst = np.maximum(pos, neg).max(initial=0.0)
        if worst > 0:
            bounds.append(0.99 * MAX_ACTIVATION / worst)
        for _, y, _ in ys:
            if np.abs(y).max(initial=0.0) > 0:
                bounds.append(0.99 * 255 * 2 ** RANGES["weight_exp"][1] / np.abs(y).max())
        if np.abs(leak).max(initial=0.0) > 0 and np.all(np.isfinite(leak)):
            bounds.append(0.99 * 4095 * 2 ** RANGES["bias_exp"][1] / np.abs(leak).max())
        vth = int(np.floor(min(bounds)))
        if "v_threshold" not in p:          # CubaLI: no spikes (the largest threshold); not scaled by it
            vth = RANGES["vth"][1]
        if vth < 1:
            raise LavaParameterError(f"population {name!r}: no 17-bit threshold fits its weights and bias")
        scale = vth * 64.0 / dist
        bias = leak * vth
        bias_exp = np.zeros(size, np.int64)
        while np.any(np.abs(np.rint(bias / 2.0 ** bias_exp)) > 4095) and bias_exp.max() < 7:
            bias_exp = np.where(np.abs(np.rint(bias / 2.0 ** bias_exp)) > 4095, bias_exp + 1, bias_exp)
        mant = np.rint(bias / 2.0 ** bias_exp).astype(np.int64)
        v_init = np.rint(np.clip((p["v_leak"] - v_reset) * scale, -(2 ** 23 - 1), 2 ** 23 - 1)).astype(np.int64)
        v_init = np.minimum(v_init, vth << 6)
        pops.append(FixedPopulation(name, size, du, dv, vth, mant, bias_exp, v_init, int(refractory[0])))
        scales[name] = scale
        err = 0.0
        for pre, y, d in ys:
            a = vth * y
            m = np.abs(a).max(initial=0.0)
            exp = 0 if m <= 255 else int(np.ceil(np.log2(m / 255.0)))
            w = np.rint(a / 2 ** exp).astype(np.int64)
            if np.abs(w).max(initial=0) > 255:
                exp += 1
                w = np.rint(a / 2 ** exp).astype(np.int64)
            if m > 0:
                err = max(err, float(np.abs(w * 2 ** exp - a).max() / m))
            delays = None if d is None else np.asarray(d, np.int64)
            if np.any(w > 0) and np.any(w < 0):    # one sign per Dense: split as the chip's receptors
                for part in (np.where(w > 0, w, 0), np.where(w < 0, w, 0)):
                    projs.append(FixedProjection(pre, name, part, exp, delays=delays,
                                                 sparse=delays is None and _sparse(part)))
            else:
                projs.append(FixedProjection(pre, name, w, exp, delays=delays, sparse=delays is None and _sparse(w)))
        errors[name] = err
    return FixedPointNetwork(sources, pops, projs, steps), scales, errors


def lower_nir_import(imported, spikes: Dict[str, Sequence], runtime: float, dt: float) -> LavaLowering:
    """Lower a :class:`grenade.nir.NIRImport` for a run of ``runtime`` with inputs ``spikes``
    (Input node name -> one sequence of times per neuron), all in the import's ``time_unit``;
    ``dt`` is the Lava time step in ``time_unit``.  Input spikes go to step ``round(t / dt)``.
    Lava gets the chip's weights (``w_hw / weight_scale``).  Raises :class:`LavaParameterError`
    naming the population/parameter that does not fit, KeyError for an unknown Input name."""
    for name in spikes:
        if name not in imported.inputs:
            raise KeyError(f"no Input node {name!r} in the imported graph (inputs: {sorted(imported.inputs)})")
    sources, steps = input_sources(spikes, {n: size for n, (_, size) in imported.inputs.items()}, runtime, dt)
    connections = [(pre, post, hw / imported.groups[post].quantisation.weight_scale[:, None], None)
                   for (pre, post), hw in imported.weights.items()]
    net, scales, errors = lower_populations(sources, {n: g.params for n, g in imported.groups.items()},
                                            connections, steps, dt)
    return LavaLowering(net, imported, float(dt), float(imported.time_unit),
                        {n: g.population for n, g in imported.groups.items()}, scales, errors)


def _sparse(w) -> bool:
    return w.size >= 1024 and np.count_nonzero(w) < 0.1 * w.size


def spikes_per_neuron(lowering: LavaLowering, rasters: Dict[str, np.ndarray]) -> Dict[str, List[np.ndarray]]:
    """Rasters (steps x size) -> neuron node name -> spike times per neuron (``time_unit``):
    row ``t`` is time ``t * dt``."""
    return {name: [np.flatnonzero(r[:, i]) * lowering.dt for i in range(r.shape[1])] for name, r in rasters.items()}


def to_results(lowering: LavaLowering, rasters: Dict[str, np.ndarray], timing: Optional[ExecutionTimeInfo] = None
               ) -> Results:
    """Rasters as grenade :class:`Results` of the lowered grenade network: spike times in hardware
    ms (model time / speedup), as the chip's results give them."""
    entry = SnippetResult()
    for name, r in rasters.items():
        t, n = np.nonzero(r)
        arr = np.zeros(len(t), SPIKE_DTYPE)
        arr["time"] = lowering.source.to_hardware_ms(t * lowering.dt)
        arr["neuron"] = n
        entry.spikes[lowering.populations[name].index] = arr
    return Results(lowering.source.network, [[entry]], timing or ExecutionTimeInfo(), None)


def run_on_lava(lowering: LavaLowering, *, mode: str = "fixed_pt", timeout: float = 120.0) -> Results:
    """Run a lowering in the Lava worker (:func:`grenade.lava.client.run_worker`); grenade Results."""
    from .client import run_worker
    out = run_worker(lowering.network, mode=mode, timeout=timeout)
    timing = ExecutionTimeInfo(build_s=out["compile_s"], run_s=out["run_s"], total_s=out["wall_s"])
    res = to_results(lowering, out["spikes"], timing)
    res.rasters = out["spikes"]
    return res


def run_reference(lowering: LavaLowering) -> Results:
    """Run a lowering with the numpy reference of Lava's fixed-point semantics; grenade Results."""
    t0 = time.perf_counter()
    rasters = reference_run(lowering.network)
    res = to_results(lowering, rasters, ExecutionTimeInfo(run_s=time.perf_counter() - t0,
                                                          total_s=time.perf_counter() - t0))
    res.rasters = rasters
    return res
