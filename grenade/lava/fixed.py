"""Fixed-point LIF + Dense networks as Lava's bit-accurate CPU models (``fixed_pt``) run them.

:class:`FixedPointNetwork` is what the adapter hands the Lava worker: integer parameters only,
validated here against the ranges of the Loihi fixed-point models (:func:`validate`), because
Lava itself truncates floats and wraps out-of-range integers silently.  :func:`reference_run` is
a numpy implementation of the same semantics (``lava.proc.lif.models.PyLifModelBitAcc``,
``lava.proc.dense.models.PyDenseModelBitAcc`` / ``PyDelayDenseModelBitAcc``, ``io.source.RingBuffer``):
the test oracle that Lava's output equals bit for bit.

Semantics per time step ``t = 1 .. T`` (docs/lava.md):
``a = sum over projections (W @ s_pre(t - 1 - delay)) << weight_exp``;
``u = sgn(u') * (|u'| >> 12) + (a << 6)`` with ``u' = u * (4096 - du - 1)``, wrapped to 24 bits;
``v = clip(sgn(v') * (|v'| >> 12) + u + (bias_mant << bias_exp), +-(2^23 - 1))`` with
``v' = v * (4096 - dv)``; spike where ``v > vth << 6``, then ``v = 0``.  A source sends its
input column ``t - 1`` at step ``t``.  A population with ``refractory = R > 0`` runs the project's
own fixed-point refractory LIF (Lava's ``LIFRefractory`` has no fixed-point model): after a spike
at step ``t`` its ``v`` stays 0 in steps ``t + 1 .. t + R`` while ``u`` goes on integrating.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

__all__ = ["LavaParameterError", "FixedPopulation", "FixedProjection", "FixedSource", "FixedPointNetwork",
           "validate", "reference_run", "RANGES", "MAX_ACTIVATION"]

#: parameter -> (min, max) of Lava's fixed-point LIF/Dense models (Loihi register widths)
RANGES = {
    "du": (0, 4095), "dv": (0, 4095), "vth": (0, 2 ** 17 - 1),
    "bias_mant": (-4096, 4095), "bias_exp": (0, 7),
    "v_init": (-2 ** 23 + 1, 2 ** 23 - 1), "weights": (-255, 255), "weight_exp": (0, 7), "delays": (0, 63),
    # steps of the refractory model's int32 counter (time step + refractory must stay below 2^31)
    "refractory": (0, 2 ** 20),
}
#: largest |activation| one neuron may receive per step (16-bit dendritic accumulator): checked
#: for the worst case (every presynaptic neuron of one sign spiking at once)
MAX_ACTIVATION = 2 ** 15 - 1
_UV_MAX = 2 ** 23


class LavaParameterError(ValueError):
    """A parameter outside the range of Lava's fixed-point models; the message names it."""


@dataclass
class FixedSource:
    """External spikes: ``steps[i]`` (input column, 0-based; Lava sends column k at time step
    k + 1) and ``neurons[i]``."""
    name: str
    size: int
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    neurons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class FixedPopulation:
    """One Lava ``LIF`` process: scalar ``du``, ``dv``, ``vth``; per-neuron ``bias_mant``, ``bias_exp``
    and initial membrane ``v_init`` (None: 0); ``refractory`` > 0: a ``LIFRefractory`` process
    whose membrane rests at 0 for that many steps after a spike (module doc)."""
    name: str
    size: int
    du: int
    dv: int
    vth: int
    bias_mant: np.ndarray
    bias_exp: np.ndarray
    v_init: Optional[np.ndarray] = None
    refractory: int = 0


@dataclass
class FixedProjection:
    """One Lava ``Dense`` (``delays`` None), ``DelayDense`` (integer delays, extra steps) or
    ``Sparse`` (``sparse``) process from ``pre`` to ``post``: ``weights`` (n_post, n_pre)."""
    pre: str
    post: str
    weights: np.ndarray
    weight_exp: int = 0
    delays: Optional[np.ndarray] = None
    sparse: bool = False


@dataclass
class FixedPointNetwork:
    """Sources, LIF populations and projections with integer parameters, and ``steps``."""
    sources: List[FixedSource]
    populations: List[FixedPopulation]
    projections: List[FixedProjection]
    steps: int

    # -- wire format (a flat dict of arrays, np.savez-able; read back by the worker) ----------------
    def to_arrays(self) -> Dict[str, np.ndarray]:
        """The network as a flat dict of numpy arrays (``np.savez`` keys)."""
        d = {"steps": np.array(self.steps), "n_src": np.array(len(self.sources)),
             "n_pop": np.array(len(self.populations)), "n_proj": np.array(len(self.projections))}
        for i, s in enumerate(self.sources):
            d.update({f"src{i}_name": np.array(s.name), f"src{i}_size": np.array(s.size),
                      f"src{i}_steps": np.asarray(s.steps, np.int64), f"src{i}_neurons": np.asarray(s.neurons, np.int64)})
        for i, p in enumerate(self.populations):
            d.update({f"pop{i}_name": np.array(p.name), f"pop{i}_size": np.array(p.size),
                      f"pop{i}_scalars": np.array([p.du, p.dv, p.vth, p.refractory], np.int64),
                      f"pop{i}_bias_mant": np.asarray(p.bias_mant, np.int64),
                      f"pop{i}_bias_exp": np.asarray(p.bias_exp, np.int64),
                      f"pop{i}_v_init": np.asarray(p.v_init if p.v_init is not None else np.zeros(p.size), np.int64)})
        for i, c in enumerate(self.projections):
            d.update({f"proj{i}_pre": np.array(c.pre), f"proj{i}_post": np.array(c.post),
                      f"proj{i}_weights": np.asarray(c.weights, np.int64),
                      f"proj{i}_weight_exp": np.array(c.weight_exp), f"proj{i}_sparse": np.array(bool(c.sparse))})
            if c.delays is not None:
                d[f"proj{i}_delays"] = np.asarray(c.delays, np.int64)
        return d


def _ints(name, value, shape=None):
    a = np.asarray(value)
    if a.dtype.kind not in "iub" and not (a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a))):
        raise LavaParameterError(f"{name} must be integers (Lava truncates floats silently), got {value!r}")
    if shape is not None and a.shape != shape:
        raise LavaParameterError(f"{name} must have shape {shape}, got {a.shape}")
    return a.astype(np.int64)


def _in_range(name, key, value, shape=None):
    lo, hi = RANGES[key]
    a = _ints(name, value, shape)
    bad = (a < lo) | (a > hi)
    if np.any(bad):
        i = np.unravel_index(int(np.flatnonzero(bad)[0]), a.shape) if a.ndim else ()
        where = "[" + ", ".join(str(int(x)) for x in i) + "]" if a.ndim else ""
        raise LavaParameterError(f"{name}{where} = {int(a[i])} outside {lo}..{hi} "
                                 f"(Lava would wrap or truncate it silently)")
    return a


def validate(net: FixedPointNetwork) -> None:
    """Raise :class:`LavaParameterError` naming the first parameter outside Lava's fixed-point
    ranges (:data:`RANGES`), a shape mismatch, an unknown population name, or a neuron whose
    worst-case input per step exceeds :data:`MAX_ACTIVATION`."""
    if isinstance(net.steps, bool) or not isinstance(net.steps, (int, np.integer)) or net.steps < 1:
        raise LavaParameterError(f"steps must be a positive integer, got {net.steps!r}")
    sizes: Dict[str, int] = {}
    for s in net.sources:
        if s.name in sizes or s.size < 1:
            raise LavaParameterError(f"source {s.name!r}: duplicate name or size {s.size} < 1")
        sizes[s.name] = int(s.size)
        st, nr = _ints(f"source {s.name!r} steps", s.steps), _ints(f"source {s.name!r} neurons", s.neurons)
        if st.shape != nr.shape or st.ndim != 1:
            raise LavaParameterError(f"source {s.name!r}: steps and neurons must be 1-D of one length")
        if np.any((st < 0) | (st >= net.steps)):
            raise LavaParameterError(f"source {s.name!r}: spike steps must lie in 0..{net.steps - 1}, got "
                                     f"{st.min()}..{st.max()}")
        if np.any((nr < 0) | (nr >= s.size)):
            raise LavaParameterError(f"source {s.name!r}: neuron indices must lie in 0..{s.size - 1}")
    for p in net.populations:
        if p.name in sizes or p.size < 1:
            raise LavaParameterError(f"population {p.name!r}: duplicate name or size {p.size} < 1")
        sizes[p.name] = int(p.size)
        for key in ("du", "dv", "vth", "refractory"):
            _in_range(f"population {p.name!r}: {key}", key, getattr(p, key), ())
        _in_range(f"population {p.name!r}: bias_mant", "bias_mant", p.bias_mant, (p.size,))
        _in_range(f"population {p.name!r}: bias_exp", "bias_exp", p.bias_exp, (p.size,))
        if p.v_init is not None:
            _in_range(f"population {p.name!r}: v_init", "v_init", p.v_init, (p.size,))
    pops = {p.name for p in net.populations}
    pos: Dict[str, np.ndarray] = {p.name: np.zeros(p.size, np.int64) for p in net.populations}
    neg: Dict[str, np.ndarray] = {p.name: np.zeros(p.size, np.int64) for p in net.populations}
    for k, c in enumerate(net.projections):
        what = f"projection {k} ({c.pre!r} -> {c.post!r})"
        if c.pre not in sizes or c.post not in pops:
            raise LavaParameterError(f"{what}: pre must be a source or population, post a population")
        w = _in_range(f"{what}: weights", "weights", c.weights, (sizes[c.post], sizes[c.pre]))
        e = int(_in_range(f"{what}: weight_exp", "weight_exp", c.weight_exp, ()))
        if c.delays is not None:
            _in_range(f"{what}: delays", "delays", c.delays, w.shape)
        pos[c.post] += np.where(w > 0, w, 0).sum(axis=1) << e
        neg[c.post] += np.where(w < 0, -w, 0).sum(axis=1) << e
    for name in pops:
        worst = np.maximum(pos[name], neg[name])
        if np.any(worst > MAX_ACTIVATION):
            i = int(np.argmax(worst))
            raise LavaParameterError(f"population {name!r}[{i}]: worst-case input per step {int(worst[i])} exceeds "
                                     f"the 16-bit activation range {MAX_ACTIVATION} (sum of |weights| << weight_exp)")


def reference_run(net: FixedPointNetwork, validate_first: bool = True) -> Dict[str, np.ndarray]:
    """Run ``net`` with Lava's fixed-point semantics in numpy.  Returns population name ->
    boolean spike raster ``(steps, size)``; row ``t`` is time step ``t + 1``."""
    if validate_first:
        validate(net)
    T = net.steps
    spikes: Dict[str, np.ndarray] = {}
    for s in net.sources:   # column k is sent at step k + 1: row k of the raster
        r = np.zeros((T, s.size), bool)
        r[np.asarray(s.steps, int), np.asarray(s.neurons, int)] = True
        spikes[s.name] = r
    for p in net.populations:
        spikes[p.name] = np.zeros((T, p.size), bool)
    state = {p.name: (np.zeros(p.size, np.int64),
                      np.zeros(p.size, np.int64) if p.v_init is None else np.asarray(p.v_init, np.int64))
             for p in net.populations}
    # the last row of each neuron's refractory period (spike row + refractory); -1: none
    held = {p.name: np.full(p.size, -1, np.int64) for p in net.populations}
    bias = {p.name: np.asarray(p.bias_mant, np.int64) << np.asarray(p.bias_exp, np.int64) for p in net.populations}
    conns = [(c, np.asarray(c.weights, np.int64), None if c.delays is None else np.asarray(c.delays, np.int64))
             for c in net.projections]
    for t in range(T):                                   # row t = time step t + 1
        for p in net.populations:
            a = np.zeros(p.size, np.int64)
            for c, w, d in conns:
                if c.post != p.name:
                    continue
                if d is None:
                    if t >= 1:
                        a += (w @ spikes[c.pre][t - 1]) << c.weight_exp
                else:                                    # delay k: sent at row t - 1 - k
                    for k in np.unique(d[w != 0]):
                        if t - 1 - k >= 0:
                            a += (np.where(d == k, w, 0) @ spikes[c.pre][t - 1 - k]) << c.weight_exp
            u, v = state[p.name]
            du = u * (4096 - (p.du + 1))
            u = np.sign(du) * (np.abs(du) >> 12) + (a << 6)
            u = np.where(u > _UV_MAX, u - 2 * _UV_MAX, u)
            u = np.where(u <= -_UV_MAX, u + 2 * _UV_MAX, u)
            dv = v * (4096 - p.dv)
            new_v = np.clip(np.sign(dv) * (np.abs(dv) >> 12) + u + bias[p.name], -_UV_MAX + 1, _UV_MAX - 1)
            v = np.where(held[p.name] >= t, v, new_v)
            s = v > (p.vth << 6)
            v = np.where(s, 0, v)
            if p.refractory:
                held[p.name] = np.where(s, t + p.refractory, held[p.name])
            spikes[p.name][t] = s
            state[p.name] = (u, v)
    return {p.name: spikes[p.name] for p in net.populations}
