"""hxsim.ModelSimulator: semantics against a small numpy reference, argument
checking, continuation, and the kernel's exp and ISA builds."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import hxsim
from hxsim import _core


def reference(params, n, n_in, dt, syn, inputs, steps, v0, record=()):
    """Straight numpy transcription of docs/hxsim-analog.md (ModelSimulator semantics)."""
    p = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in params.items()}
    coba = p["coba"].astype(bool)
    v = np.array(v0, dtype=float)
    w = np.zeros(n)
    g = np.zeros((2, n))
    last = np.full(n, -10**9)
    R = np.floor(p["t_ref"] / dt + 1e-3)
    pending = {}
    in_steps = ((np.asarray(inputs[0], float) + 1e-3 * dt) / dt).astype(int)
    spikes, trace = [], []
    for k in range(steps):
        trace.append(v[list(record)].copy())
        nr = (k - last) >= R
        Ee = np.where(coba, p["E_exc"], 1.0)
        Ei = np.where(coba, p["E_inh"], -1.0)
        cv = np.where(coba, v, 0.0)
        I = (p["g_leak"] * p["E_leak"] + p["I_offset"]) - p["g_leak"] * v
        I = I + np.where(p["exponential"].astype(bool),
                         p["g_leak"] * p["delta_T"] * np.exp((v - p["V_T"]) / p["delta_T"]), 0.0)
        I = I + g[0] * (Ee - cv) + g[1] * (Ei - cv) - w
        vn = np.where(nr, v + dt / p["C"] * I, v)
        wn = w + dt / p["tau_w"] * (p["a"] * (v - p["E_w"]) - w)
        g[0] *= 1 - dt / p["tau_exc"]
        g[1] *= 1 - dt / p["tau_inh"]
        for tgt, rec, wt in pending.pop(k, []):
            g[rec, tgt] += wt
        spk = nr & (vn >= p["V_peak"])
        fired = list(np.flatnonzero(spk)) + [n + s for s in np.asarray(inputs[1])[in_steps == k]]
        for i in fired:
            if i < n:
                spikes.append((k, i))
            for pre, post, wt, rec, d in syn:
                if pre == i:
                    pending.setdefault(k + int(np.floor(d / dt + 0.5)), []).append((post, rec, wt))
        vn[spk] = p["V_reset"][spk]
        wn[spk] += p["b"][spk]
        last[spk] = k
        v, w = vn, wn
    return spikes, np.array(trace).T


BASE = dict(C=2.0, g_leak=0.2, E_leak=-65.0, V_T=-52.0, delta_T=2.0, V_peak=-45.0, V_reset=-68.0,
            t_ref=1.0, a=0.05, b=0.1, tau_w=20.0, E_exc=0.0, E_inh=-80.0, tau_exc=3.0,
            tau_inh=6.0, I_offset=0.0, coba=True, exponential=True, adaptation=True)


def make_net(rng, n=12, n_in=5, dt=0.1, coba=True):
    params = dict(BASE, E_w=BASE["E_leak"], coba=coba)
    params["I_offset"] = rng.uniform(2.0, 5.0, n)
    params["C"] = rng.uniform(1.5, 2.5, n)
    sim = hxsim.ModelSimulator(n, n_in, dt=dt)
    sim.set_parameters(**{k: v for k, v in params.items()})
    v0 = rng.uniform(-70, -50, n)
    sim.set_state(v=v0)
    m = 60
    pre = rng.integers(0, n + n_in, m)
    post = rng.integers(0, n, m)
    wt = rng.uniform(0.0, 0.05 if coba else 2.0, m)
    rec = rng.integers(0, 2, m)
    delay = rng.choice([0.1, 0.3, 0.5, 1.0], m)
    sim.connect(pre, post, wt, rec, delay)
    syn = list(zip(pre, post, wt, rec, delay))
    t_in = rng.uniform(0, 40.0, 30)
    s_in = rng.integers(0, n_in, 30)
    return sim, params, syn, (t_in, s_in), v0


@pytest.mark.parametrize("coba", [True, False])
def test_matches_reference(coba):
    rng = np.random.default_rng(3)
    sim, params, syn, inputs, v0 = make_net(rng, coba=coba)
    steps = 400
    res = sim.run(40.0, inputs[0], inputs[1], record_v=[0, 3])
    ref_spikes, ref_v = reference(params, 12, 5, 0.1, syn, inputs, steps, v0, record=(0, 3))
    got = list(zip(np.round(res.spike_times / 0.1).astype(int), res.spike_neurons))
    assert len(ref_spikes) > 10
    assert got == ref_spikes
    np.testing.assert_allclose(res.v, ref_v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.times, np.arange(steps) * 0.1)


def test_event_timing_is_brian2_order():
    # A CUBA input spike in step 10 with a delay of 2 steps is delivered in
    # step 12 after the update: V first moves in the update of step 13, i.e.
    # the V recorded at the start of step 14.
    sim = hxsim.ModelSimulator(1, 1, dt=0.1)
    sim.set_parameters(coba=False, exponential=False, adaptation=False, V_peak=100.0,
                       E_leak=-65.0, tau_exc=5.0)
    sim.set_state(v=-65.0)
    sim.connect(1, 0, 1.0, 0, 0.2)
    res = sim.run(2.0, [1.0], [0], record_v=[0])
    v = res.v[0]
    assert np.all(v[:14] == -65.0)
    assert v[14] > -65.0
    assert res.events == 1


def test_refractory_and_threshold_semantics():
    # Constant drive: spike in step k, V held at V_reset while (j - k) < R,
    # free again from step k + R on (R = floor(t_ref/dt + 1e-3)).
    sim = hxsim.ModelSimulator(1, dt=0.1)
    sim.set_parameters(exponential=False, adaptation=False, E_leak=-65, V_reset=-70, V_peak=-50,
                       I_offset=10.0, C=2.0, g_leak=0.2, t_ref=0.5)
    sim.set_state(v=-65.0)
    res = sim.run(10.0, record_v=[0])
    k0 = int(round(res.spike_times[0] / 0.1))
    v = res.v[0]
    assert np.all(v[k0 + 1:k0 + 6] == -70.0)   # after the reset: steps k0+1..k0+5 start at V_reset
    assert v[k0 + 6] > -70.0                   # step k0+5 integrates again (R = 5)
    assert res.spike_times.size >= 2
    assert np.all(np.diff(res.spike_times) >= 0.5)


def test_continuation_equals_one_run():
    rng = np.random.default_rng(5)
    sim_a, *_ = make_net(np.random.default_rng(5))
    sim_b, _, _, inputs, _ = make_net(rng)
    t, s = inputs
    r = sim_a.run(40.0, t, s, record_v=[1])
    first = t < 15.0
    r1 = sim_b.run(15.0, t[first], s[first], record_v=[1])
    r2 = sim_b.run(25.0, t[~first], s[~first], record_v=[1])
    assert sim_b.time == pytest.approx(40.0)
    np.testing.assert_array_equal(np.concatenate([r1.spike_times, r2.spike_times]), r.spike_times)
    np.testing.assert_array_equal(np.concatenate([r1.v, r2.v], axis=1), r.v)
    assert r1.events + r2.events == r.events


def test_connect_after_run_keeps_pending_events():
    # Growing the delay ring between runs keeps events in flight.
    sim = hxsim.ModelSimulator(2, 1, dt=0.1)
    sim.set_parameters(coba=False, exponential=False, adaptation=False, V_peak=100.0)
    sim.connect(2, 0, 1.0, 0, 0.5)
    r1 = sim.run(0.3, [0.0], [0])
    sim.connect(2, 1, 1.0, 0, 3.0)      # longer delay: the ring grows
    r2 = sim.run(1.0)
    assert r1.events == 0 and r2.events == 1
    assert sim.get_state()["g_exc"][0] > 0


def test_homogeneous_and_heterogeneous_parameters_agree():
    # The kernel's three layouts of the constants give the same numbers: all shared
    # (registers), per neuron with the usually uniform ones (refractory time, flags) shared
    # (compact blocks), and all per neuron (full blocks). Only neuron 8, not recorded and
    # unconnected, differs between the runs.
    def run(hetero):
        sim = hxsim.ModelSimulator(9, 0, dt=0.1)
        p = dict(BASE, I_offset=3.0)
        if "C" in hetero:
            p["C"] = np.full(9, 2.0)
            p["C"][8] = 2.0000001
        if "t_ref" in hetero:
            p["t_ref"] = np.full(9, BASE["t_ref"])
            p["t_ref"][8] = BASE["t_ref"] + 0.3
        sim.set_parameters(**p)
        sim.set_state(v=np.linspace(-70, -50, 9))
        return sim.run(30.0, record_v=range(8))
    shared = run(())
    assert len(shared.spike_times) > 0
    for hetero in (("C",), ("t_ref",), ("C", "t_ref")):
        np.testing.assert_array_equal(shared.v, run(hetero).v)


def test_errors_name_array_and_index():
    sim = hxsim.ModelSimulator(4, 2, dt=0.1)
    with pytest.raises(ValueError, match=r"pre\[2\] = 6 out of range \[0, 6\)"):
        sim.connect([0, 1, 6], [0, 1, 2], 0.1, 0, 1.0)
    with pytest.raises(ValueError, match=r"post\[1\] = -1"):
        sim.connect([0, 1], [0, -1], 0.1, 0, 1.0)
    with pytest.raises(ValueError, match=r"weight\[0\] = -0.1"):
        sim.connect([0], [1], [-0.1], 0, 1.0)
    with pytest.raises(ValueError, match=r"receptor\[1\] = 2"):
        sim.connect([0, 1], [1, 1], 0.1, [0, 2], 1.0)
    with pytest.raises(ValueError, match=r"delay\[0\] = 0.04"):
        sim.connect([0], [1], 0.1, 0, 0.04)
    with pytest.raises(ValueError, match=r"C\[2\] = 0.0"):
        sim.set_parameters(C=[1.0, 1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"tau_exc\[0\] = 0.05"):
        sim.set_parameters(tau_exc=0.05)
    with pytest.raises(ValueError, match="4 values"):
        sim.set_parameters(E_leak=[1.0, 2.0])
    with pytest.raises(TypeError, match="unknown parameter"):
        sim.set_parameters(tau_m=3.0)
    with pytest.raises(ValueError, match=r"input_sources\[0\] = 2"):
        sim.run(1.0, [0.5], [2])
    with pytest.raises(ValueError, match=r"input_times\[1\] = 5.0 us lies outside"):
        sim.run(1.0, [0.5, 5.0], [0, 1])
    with pytest.raises(ValueError, match=r"record_v\[0\] = 4"):
        sim.run(1.0, record_v=[4])
    assert sim.time == 0.0   # failed calls change nothing


def test_parameters_persist_and_E_w_tracks_E_leak():
    sim = hxsim.ModelSimulator(3)
    sim.set_parameters(E_leak=-60.0)
    assert np.all(sim.get_parameters()["E_w"] == -60.0)
    sim.set_parameters(E_w=-50.0)
    sim.set_parameters(E_leak=-70.0)
    p = sim.get_parameters()
    assert np.all(p["E_w"] == -50.0) and np.all(p["E_leak"] == -70.0)
    sim.set_parameters(E_w=None)
    assert np.all(sim.get_parameters()["E_w"] == -70.0)
    # before the first run, v follows E_leak unless set
    assert np.all(sim.get_state()["v"] == -70.0)


def test_kernel_exp_accuracy():
    x = np.linspace(-700, 700, 100001)
    rel = np.abs(_core.kernel_exp(x) / np.exp(x) - 1)
    assert rel.max() < 5e-16
    assert _core.kernel_exp(np.array([1000.0]))[0] == pytest.approx(np.exp(700.0))


def test_isa_builds_are_bit_identical(tmp_path):
    builds = {"avx512": ["avx512", "avx2", "sse2"], "avx2": ["avx2", "sse2"]}.get(_core.kernel_isa())
    if builds is None:
        pytest.skip("only the baseline build runs on this CPU")
    code = (
        "import numpy as np, sys\n"
        "sys.path.insert(0, %r)\n"
        "from test_analog_model import make_net\n"
        "sim, _, _, (t, s), _ = make_net(np.random.default_rng(11), n=37)\n"
        "r = sim.run(40.0, t, s, record_v=range(37))\n"
        "np.save(sys.argv[1], np.concatenate([r.v.ravel(), r.spike_times]))\n"
    ) % os.path.dirname(__file__)
    out = {}
    for isa in builds:
        env = dict(os.environ, HXSIM_KERNEL_ISA=isa)
        path = tmp_path / f"{isa}.npy"
        subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True)
        out[isa] = np.load(path)
    for isa in builds[1:]:
        np.testing.assert_array_equal(out[builds[0]], out[isa])
