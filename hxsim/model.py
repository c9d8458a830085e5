"""hxsim.ModelSimulator: the emulator's AdEx neuron kernel driven directly in
model units, without a chip configuration.

The same C++ kernel integrates the neurons of the emulated chip (there its
parameters come from the CapMem through the transfer functions of
:mod:`chipmodel.transfer`). Here every parameter is given in model units and the
synapses are an arbitrary list, which makes it the reference for validating
the kernel against Brian2/NEST and a fast network simulator in its own right.

Units (hardware time): V mV, t us, C pF, g uS, I nA. Semantics: see
docs/hxsim-analog.md, "ModelSimulator".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from . import _core

__all__ = ["ModelSimulator", "RunResult", "DEFAULT_PARAMETERS"]

#: Initial parameter values of every neuron (units pF, uS, mV, us, nA). A
#: hardware-like AdEx neuron: tau_mem = C / g_leak = 10 us.
DEFAULT_PARAMETERS = dict(
    C=2.0, g_leak=0.2, E_leak=-65.0, V_T=-50.0, delta_T=2.0, V_peak=-40.0, V_reset=-65.0,
    t_ref=2.0, a=0.0, b=0.0, tau_w=1.0, E_w=None, E_exc=0.0, E_inh=-80.0, tau_exc=5.0,
    tau_inh=5.0, I_offset=0.0, coba=True, exponential=True, adaptation=True)

_UNITS = dict(C="pF", g_leak="uS", E_leak="mV", V_T="mV", delta_T="mV", V_peak="mV",
              V_reset="mV", t_ref="us", a="uS", b="nA", tau_w="us", E_w="mV", E_exc="mV",
              E_inh="mV", tau_exc="us", tau_inh="us", I_offset="nA")
_FLAGS = ("coba", "exponential", "adaptation")


@dataclass
class RunResult:
    """What :meth:`ModelSimulator.run` returns.

    ``spike_times`` (float64, us; the start of the step in which the threshold
    was crossed) and ``spike_neurons`` (int32) are sorted by time, then
    neuron. ``events`` counts the synaptic events delivered during the run
    (an event scheduled for a later step is counted by the run that delivers
    it). ``wall_s`` is the time of the C++ loop. ``v`` has shape
    ``(len(record_v), steps)``: V (mV) at the start of every step, at
    ``times`` (us).
    """

    spike_times: np.ndarray
    spike_neurons: np.ndarray
    events: int
    wall_s: float
    v: np.ndarray
    times: np.ndarray
    record_v: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def num_spikes(self) -> int:
        return int(self.spike_times.size)


def _as_float_array(name: str, value, n: int, unit: str) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,):
        raise ValueError(f"{name} must be a scalar or an array of {n} values ({unit}), "
                         f"got shape {a.shape}")
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] = {a[bad[0]]} is not finite ({unit})")
    return a


def _as_bool_array(name: str, value, n: int) -> np.ndarray:
    a = np.asarray(value)
    if a.ndim == 0:
        a = np.full(n, bool(a))
    if a.shape != (n,):
        raise ValueError(f"{name} must be a bool or an array of {n} bools, got shape {a.shape}")
    if a.dtype != bool:
        ok = np.isin(a, (0, 1))
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise ValueError(f"{name}[{i}] = {a[i]!r} is not a bool")
    return a.astype(bool)


def _check(cond: np.ndarray, name: str, a: np.ndarray, what: str, unit: str):
    bad = np.flatnonzero(~cond)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = {a[i]} {unit}: {what}")


def _as_index_array(name: str, value, n: int, lo: int, hi: int) -> np.ndarray:
    a = np.asarray(value)
    if a.ndim == 0:
        a = np.full(n, a)
    if a.shape != (n,):
        raise ValueError(f"{name} must be a scalar or an array of {n} integers, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            i = int(np.flatnonzero(~np.isfinite(a) | (a != np.round(a)))[0])
            raise ValueError(f"{name}[{i}] = {a[i]!r} is not an integer")
    a = a.astype(np.int64)
    bad = np.flatnonzero((a < lo) | (a >= hi))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = {a[i]} out of range [{lo}, {hi})")
    return a


class ModelSimulator:
    """N AdEx neurons plus N_in input sources with delayed synapses, forward Euler.

    ``dt`` is the integration step in us (hardware time: 0.1 us = 0.1 ms
    biological at the 1000x speed-up). ``seed`` is kept for stochastic
    extensions (the model itself is deterministic).

    Neurons are indices ``0..n_neurons-1``; inputs are presynaptic indices
    ``n_neurons .. n_neurons+n_inputs-1`` in :meth:`connect` and
    ``0..n_inputs-1`` as ``input_sources`` of :meth:`run`.
    """

    def __init__(self, n_neurons: int, n_inputs: int = 0, dt: float = 0.1, seed: int = 0):
        n_neurons, n_inputs = int(n_neurons), int(n_inputs)
        if n_neurons < 1:
            raise ValueError(f"n_neurons = {n_neurons} must be >= 1")
        if n_inputs < 0:
            raise ValueError(f"n_inputs = {n_inputs} must be >= 0")
        dt = float(dt)
        if not (np.isfinite(dt) and dt > 0):
            raise ValueError(f"dt = {dt} us must be a positive finite number")
        if n_neurons + n_inputs >= 2**31:
            raise ValueError("n_neurons + n_inputs must be < 2**31")
        self.n_neurons, self.n_inputs, self.dt, self.seed = n_neurons, n_inputs, dt, int(seed)
        self._core = _core.ModelSimulatorCore(n_neurons, n_inputs, dt, self.seed & (2**64 - 1))
        self._params = {}
        self._E_w_tracks_leak = np.ones(n_neurons, dtype=bool)
        self.set_parameters(**{k: v for k, v in DEFAULT_PARAMETERS.items() if v is not None})

    # --- configuration -------------------------------------------------------------
    def set_parameters(self, **params) -> None:
        """Set neuron parameters (keyword-only; scalar or array of ``n_neurons`` each).

        Units: C pF, g_leak uS, E_leak/V_T/delta_T/V_peak/V_reset/E_w/E_exc/E_inh mV,
        t_ref/tau_w/tau_exc/tau_inh us, a uS, b nA, I_offset nA; flags ``coba``,
        ``exponential``, ``adaptation`` (bool). Parameters not given keep their
        current values (initially :data:`DEFAULT_PARAMETERS`). ``E_w=None`` makes
        E_w follow E_leak (the default). The spike threshold is always ``V_peak``
        (with ``exponential=False`` the neuron is an LIF with threshold V_peak).
        ``adaptation=False`` removes w from the membrane equation and freezes it.
        ``coba=False`` makes both synaptic inputs current-based: g_exc / g_inh
        are then currents in nA (inhibitory ones are subtracted) and E_exc /
        E_inh are unused. Raises ValueError naming the parameter and neuron.
        """
        n = self.n_neurons
        unknown = set(params) - set(DEFAULT_PARAMETERS)
        if unknown:
            raise TypeError(f"unknown parameter(s) {sorted(unknown)}; valid: "
                            f"{sorted(DEFAULT_PARAMETERS)}")
        new = dict(self._params)
        tracks = self._E_w_tracks_leak.copy()
        for name, value in params.items():
            if name in _FLAGS:
                new[name] = _as_bool_array(name, value, n)
            elif name == "E_w" and value is None:
                tracks[:] = True
            else:
                new[name] = _as_float_array(name, value, n, _UNITS[name])
                if name == "E_w":
                    tracks[:] = False
        if "E_leak" in new:
            new["E_w"] = np.where(tracks, new["E_leak"], new.get("E_w", new["E_leak"]))
        if len(new) == len(DEFAULT_PARAMETERS):
            self._validate(new)
        self._params, self._E_w_tracks_leak = new, tracks
        if len(new) == len(DEFAULT_PARAMETERS):
            self._core.set_parameters({k: (v.astype(np.uint8) if k in _FLAGS else v)
                                       for k, v in new.items()})

    def _validate(self, p) -> None:
        dt = self.dt
        _check(p["C"] > 0, "C", p["C"], "must be > 0", "pF")
        _check(p["g_leak"] >= 0, "g_leak", p["g_leak"], "must be >= 0", "uS")
        _check(p["t_ref"] >= 0, "t_ref", p["t_ref"], "must be >= 0", "us")
        for tau in ("tau_exc", "tau_inh"):
            _check(p[tau] >= dt, tau, p[tau], f"must be >= dt = {dt} us (forward Euler)", "us")
        _check(~p["adaptation"] | (p["tau_w"] >= dt), "tau_w", p["tau_w"],
               f"must be >= dt = {dt} us (forward Euler) where adaptation is on", "us")
        _check(~p["exponential"] | (p["delta_T"] > 0), "delta_T", p["delta_T"],
               "must be > 0 where the exponential term is on", "mV")

    def set_state(self, v=None, w=None, g_exc=None, g_inh=None) -> None:
        """Set state variables (scalar or array of ``n_neurons``; None keeps them).

        v mV, w nA, g_exc/g_inh uS (nA for current-based inputs). Before the
        first run a neuron whose v was never set starts at its E_leak.
        """
        n = self.n_neurons
        conv = [None if x is None else _as_float_array(name, x, n, unit)
                for x, name, unit in ((v, "v", "mV"), (w, "w", "nA"),
                                      (g_exc, "g_exc", "uS"), (g_inh, "g_inh", "uS"))]
        self._core.set_state(*conv)

    def get_state(self) -> dict:
        """Current state: v, w, g_exc, g_inh and refractory_steps (steps left), arrays."""
        return self._core.get_state()

    def get_parameters(self) -> dict:
        """Current parameters (arrays of ``n_neurons``)."""
        return {k: v.copy() for k, v in self._params.items()}

    def connect(self, pre, post, weight, receptor=0, delay=None) -> None:
        """Add synapses ``pre -> post`` (arrays of equal length; scalars broadcast).

        ``pre`` in [0, n_neurons + n_inputs) (inputs after the neurons), ``post``
        in [0, n_neurons), ``weight`` >= 0 (uS for conductance-based, nA for
        current-based inputs), ``receptor`` 0 excitatory / 1 inhibitory, ``delay``
        in us (default: one step), rounded to whole steps: D = round(delay/dt) >= 1.
        May be called repeatedly (synapses accumulate; multapses allowed).
        Raises ValueError naming the array and index of the first bad entry.
        """
        pre = np.asarray(pre)
        if pre.ndim == 0:
            pre = pre.reshape(1)
        if pre.ndim != 1:
            raise ValueError(f"pre must be 1-D, got shape {pre.shape}")
        m = pre.size
        pre = _as_index_array("pre", pre, m, 0, self.n_neurons + self.n_inputs)
        post = _as_index_array("post", post, m, 0, self.n_neurons)
        receptor = _as_index_array("receptor", receptor, m, 0, 2)
        weight = _as_float_array("weight", weight, m, "uS")
        _check(weight >= 0, "weight", weight, "must be >= 0 (the receptor sets the sign)", "uS")
        if delay is None:
            delay = self.dt
        delay = _as_float_array("delay", delay, m, "us")
        steps = np.floor(delay / self.dt + 0.5)
        _check(steps >= 1, "delay", delay, f"must be at least one step (dt = {self.dt} us)", "us")
        _check(steps < 2**20, "delay", delay, "is too long (more than 2**20 steps)", "us")
        self._core.connect(pre, post, weight, receptor, steps.astype(np.int64))

    @property
    def num_synapses(self) -> int:
        return int(self._core.num_synapses)

    # --- simulation ----------------------------------------------------------------
    @property
    def time(self) -> float:
        """Current time in us (steps done x dt)."""
        return self._core.step * self.dt

    @property
    def step(self) -> int:
        """Steps done so far."""
        return int(self._core.step)

    def run(self, duration: float, input_times=None, input_sources=None,
            record_v: Optional[Sequence[int]] = None) -> RunResult:
        """Advance by ``duration`` us (round(duration/dt) steps) and return a RunResult.

        ``input_times`` (us, absolute on the clock of :attr:`time`, any order)
        and ``input_sources`` (in [0, n_inputs)) are input spikes of this run:
        a spike at t is emitted in step ``int((t + 1e-3*dt)/dt)`` (Brian2's
        SpikeGeneratorGroup binning) and must fall inside this run. The state
        persists: calling run again continues.
        """
        dt = self.dt
        duration = float(duration)
        if not (np.isfinite(duration) and duration >= 0):
            raise ValueError(f"duration = {duration} us must be >= 0")
        steps = int(np.floor(duration / dt + 0.5))
        start = self.step
        if input_times is None and input_sources is None:
            in_steps = np.zeros(0, np.int64)
            in_src = np.zeros(0, np.int64)
        else:
            if input_times is None or input_sources is None:
                raise ValueError("input_times and input_sources must be given together")
            t = np.atleast_1d(np.asarray(input_times, dtype=np.float64))
            if t.ndim != 1:
                raise ValueError(f"input_times must be 1-D, got shape {t.shape}")
            in_src = _as_index_array("input_sources", np.atleast_1d(input_sources), t.size, 0,
                                     self.n_inputs)
            bad = np.flatnonzero(~np.isfinite(t))
            if bad.size:
                raise ValueError(f"input_times[{bad[0]}] = {t[bad[0]]} is not finite")
            in_steps = ((t + 1e-3 * dt) / dt).astype(np.int64)
            out = np.flatnonzero((in_steps < start) | (in_steps >= start + steps))
            if out.size:
                i = int(out[0])
                raise ValueError(
                    f"input_times[{i}] = {t[i]} us lies outside this run "
                    f"[{start * dt}, {(start + steps) * dt}) us")
            order = np.argsort(in_steps, kind="stable")
            in_steps, in_src = in_steps[order], in_src[order]
        if record_v is None:
            record = np.zeros(0, np.int64)
        else:
            record = _as_index_array("record_v", np.atleast_1d(np.asarray(record_v)),
                                     len(np.atleast_1d(np.asarray(record_v))), 0, self.n_neurons)
        r = self._core.run(steps, in_steps, in_src, [int(i) for i in record])
        return RunResult(
            spike_times=r["spike_steps"].astype(np.float64) * dt,
            spike_neurons=r["spike_neurons"],
            events=int(r["events"]),
            wall_s=float(r["wall_s"]),
            v=r["v"],
            times=(start + np.arange(steps, dtype=np.float64)) * dt,
            record_v=record,
        )

    def __repr__(self) -> str:
        return (f"hxsim.ModelSimulator(n_neurons={self.n_neurons}, n_inputs={self.n_inputs}, "
                f"dt={self.dt}, time={self.time})")
