"""An independent numpy reference of ``hxsim.ModelSimulator`` for a few neurons.

Written from the model's definition (docs/hxsim-analog.md), not from the C++
kernel: a plain loop over time steps, vectorised over neurons, with the same
API as ModelSimulator so a test can drive both with the same calls. Slow
(~20 us per step): meant for a handful of neurons and a few thousand steps.

Units (hardware time): V mV, t us, C pF, g uS, I nA.

Model (forward Euler, fixed dt; every right-hand side uses the values at the
start of the step)::

    C dV/dt   = g_L (E_L - V) + g_L D_T exp((V - V_T)/D_T) - w
                + g_e (E_e - V) + g_i (E_i - V) + I_offset       (coba)
                ... + g_e - g_i                                   (coba=False: g are nA)
    tau_w dw/dt = a (V - E_w) - w
    dg/dt     = -g / tau

Schedule of step k (from t_k = k dt to t_k+1), Brian2's order:

1. ``v`` is recorded (the value at t_k);
2. refractory countdown: ``refc = max(refc - 1, 0)``; the neuron integrates
   and may fire only where ``refc == 0``, else V stays where it is;
3. Euler update of V, w, g; then the synaptic increments due in step k are
   added to g (so they act from step k+1 on);
4. threshold ``V >= V_peak``: spike time t_k, V := V_reset, w += b,
   ``refc = floor(t_ref/dt + 1e-3)`` (Brian2's ``timestep``: V is held for
   that many steps minus one, integration resumes in step k + refc);
5. spikes of step k (neurons, then input spikes binned into step k by
   ``int((t + 1e-3 dt)/dt)``) add their weights to the increments of step
   k + D, D = floor(delay/dt + 0.5) >= 1.

``exponential=False`` drops the exponential term (LIF with threshold V_peak),
``adaptation=False`` removes w from the membrane and freezes it (b unused).
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

DEFAULTS = dict(
    C=2.0, g_leak=0.2, E_leak=-65.0, V_T=-50.0, delta_T=2.0, V_peak=-40.0, V_reset=-65.0,
    t_ref=2.0, a=0.0, b=0.0, tau_w=1.0, E_w=None, E_exc=0.0, E_inh=-80.0, tau_exc=5.0,
    tau_inh=5.0, I_offset=0.0, coba=True, exponential=True, adaptation=True)


class ReferenceAdEx:
    """Same constructor, ``set_parameters``, ``set_state``, ``connect``, ``run``
    and ``time`` as ``hxsim.ModelSimulator`` (no input validation)."""

    def __init__(self, n_neurons: int, n_inputs: int = 0, dt: float = 0.1, seed: int = 0):
        self.n, self.n_inputs, self.dt = int(n_neurons), int(n_inputs), float(dt)
        self.k = 0                      # steps done
        self.p = {}
        self._ew_is_leak = True         # E_w=None: E_w follows E_leak
        self._v_set = False             # before the first run, v follows E_leak until set
        self.set_parameters(**DEFAULTS)
        self.w = np.zeros(self.n)
        self.ge = np.zeros(self.n)
        self.gi = np.zeros(self.n)
        self.refc = np.zeros(self.n, dtype=np.int64)
        # step -> [exc increments, inh increments, number of events]
        self.pending = {}
        self.syn = []                   # per presynaptic index: list of (post, w, rec, D)

    # --- configuration -----------------------------------------------------------
    def set_parameters(self, **kw):
        for name, value in kw.items():
            if name == "E_w":
                self._ew_is_leak = value is None
                if value is None:
                    continue
            self.p[name] = np.broadcast_to(np.asarray(value, dtype=float if name not in (
                "coba", "exponential", "adaptation") else bool), (self.n,)).copy()
        if self._ew_is_leak:
            self.p["E_w"] = self.p["E_leak"].copy()
        if not self._v_set and self.k == 0:
            self.v = self.p["E_leak"].copy()

    def set_state(self, v=None, w=None, g_exc=None, g_inh=None):
        for name, value in (("v", v), ("w", w), ("ge", g_exc), ("gi", g_inh)):
            if value is not None:
                setattr(self, name, np.broadcast_to(np.asarray(value, float), (self.n,)).copy())
        if v is not None:
            self._v_set = True

    def connect(self, pre, post, weight, receptor=0, delay=None):
        pre = np.atleast_1d(pre)
        m = pre.size
        post, weight, receptor = (np.broadcast_to(np.asarray(x), (m,)) for x in (post, weight, receptor))
        delay = np.broadcast_to(np.asarray(self.dt if delay is None else delay, float), (m,))
        while len(self.syn) < self.n + self.n_inputs:
            self.syn.append([])
        for i in range(m):
            D = max(1, math.floor(delay[i] / self.dt + 0.5))
            self.syn[int(pre[i])].append((int(post[i]), float(weight[i]), int(receptor[i]), D))

    @property
    def time(self) -> float:
        return self.k * self.dt

    # --- dynamics ----------------------------------------------------------------
    def _emit(self, pre: int, k: int):
        if pre >= len(self.syn):
            return
        for post, wgt, rec, D in self.syn[pre]:
            inc = self.pending.setdefault(k + D, [np.zeros(self.n), np.zeros(self.n), 0])
            inc[rec][post] += wgt
            inc[2] += 1

    def run(self, duration, input_times=None, input_sources=None, record_v=None):
        dt, p = self.dt, self.p
        steps = math.floor(duration / dt + 0.5)
        if input_times is None:
            in_steps = np.zeros(0, np.int64)
            in_src = np.zeros(0, np.int64)
        else:
            in_steps = ((np.asarray(input_times, float) + 1e-3 * dt) / dt).astype(np.int64)
            in_src = np.asarray(input_sources, np.int64)
        rec = [] if record_v is None else list(np.atleast_1d(record_v))
        R = np.floor(p["t_ref"] / dt + 1e-3)
        coba, expo, adapt = p["coba"], p["exponential"], p["adaptation"]
        trace = np.zeros((len(rec), steps))
        spikes_t, spikes_i = [], []
        events = 0
        for j in range(steps):
            k = self.k + j
            trace[:, j] = self.v[rec]
            self.refc = np.maximum(self.refc - 1, 0)
            active = self.refc == 0
            v, w, ge, gi = self.v, self.w, self.ge, self.gi
            I = p["g_leak"] * (p["E_leak"] - v) + p["I_offset"]
            with np.errstate(over="ignore"):
                I = I + np.where(expo, p["g_leak"] * p["delta_T"]
                                 * np.exp((v - p["V_T"]) / np.where(expo, p["delta_T"], 1.0)), 0.0)
            I = I + np.where(coba, ge * (p["E_exc"] - v) + gi * (p["E_inh"] - v), ge - gi)
            I = I - np.where(adapt, w, 0.0)
            v_new = np.where(active, v + dt * I / p["C"], v)
            w_new = np.where(adapt, w + dt / p["tau_w"] * (p["a"] * (v - p["E_w"]) - w), w)
            ge_new = ge - dt * ge / p["tau_exc"]
            gi_new = gi - dt * gi / p["tau_inh"]
            inc = self.pending.pop(k, None)
            if inc is not None:
                ge_new = ge_new + inc[0]
                gi_new = gi_new + inc[1]
                events += inc[2]
            fired = active & (v_new >= p["V_peak"])
            v_new = np.where(fired, p["V_reset"], v_new)
            w_new = np.where(fired & adapt, w_new + p["b"], w_new)
            self.refc = np.where(fired, R, self.refc).astype(np.int64)
            self.v, self.w, self.ge, self.gi = v_new, w_new, ge_new, gi_new
            for i in np.flatnonzero(fired):
                spikes_t.append(k * dt)
                spikes_i.append(i)
                self._emit(int(i), k)
            for s in in_src[in_steps == k]:
                self._emit(self.n + int(s), k)
        start = self.k
        self.k += steps
        return SimpleNamespace(
            spike_times=np.asarray(spikes_t, dtype=np.float64),
            spike_neurons=np.asarray(spikes_i, dtype=np.int32),
            events=events, v=trace, times=(start + np.arange(steps)) * dt, wall_s=0.0)
