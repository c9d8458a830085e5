"""hxsim.ModelSimulator against the independent numpy reference (reference_adex.py)
and against the physics it should show: PSP shape, membrane time constant,
f-I curve, refractory clamp, spike-frequency adaptation, exponential onset,
input and synaptic delays, run continuation and input validation.

Parameters are the adex512 neuron (NEST aeif_cond_exp defaults) mapped to
hardware units (C 281 pF, g_L 30 uS, tau_w 144 us, ...), so 0.1 us here is
0.1 ms of biology. Both simulators use the same forward-Euler scheme and event
schedule: traces agree to rounding, spike times exactly.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hxsim

from .reference_adex import ReferenceAdEx

#: The adex512 neuron in hardware units (pF, uS, mV, us, nA).
ADEX = dict(C=281.0, g_leak=30.0, E_leak=-70.6, V_T=-50.4, delta_T=2.0, V_peak=-40.4,
            V_reset=-60.0, t_ref=2.0, a=4.0, b=80.5, tau_w=144.0, E_w=-70.6, E_exc=0.0,
            E_inh=-80.0, tau_exc=5.0, tau_inh=5.0, I_offset=0.0, coba=True,
            exponential=True, adaptation=True)
TAU_MEM = ADEX["C"] / ADEX["g_leak"]  # 9.367 us

#: Traces of the two implementations differ only by rounding (the kernel's
#: vectorised exp vs numpy's, operation order).
V_TOL = 1e-9  # mV


def pair(n=1, n_inputs=0, dt=0.1, **params):
    """(emulator, reference), both with ADEX updated by ``params``."""
    sims = []
    for cls in (hxsim.ModelSimulator, ReferenceAdEx):
        s = cls(n, n_inputs, dt=dt)
        s.set_parameters(**{**ADEX, **params})
        sims.append(s)
    return sims


def run_both(sims, duration, *args, **kw):
    return [s.run(duration, *args, **kw) for s in sims]


def assert_same_spikes(a, b, dt):
    """Same spikes; times within 0.1 us (dt 0.1) and exact at finer steps."""
    assert a.spike_neurons.tolist() == b.spike_neurons.tolist()
    tol = 0.1 + 1e-9 if dt >= 0.1 else 1e-9
    np.testing.assert_allclose(a.spike_times, b.spike_times, rtol=0, atol=tol)


def spike_steps(res, dt, neuron=0):
    return np.rint(res.spike_times[res.spike_neurons == neuron] / dt).astype(int)


# ---------------------------------------------------------------------------------
# Single neuron
# ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [0.1, 0.01])
@pytest.mark.parametrize("receptor, sign", [(0, 1), (1, -1)])
def test_psp_shape(dt, receptor, sign):
    # neuron 0 gets the input, neuron 1 is its twin without: PSP = v0 - v1
    sims = pair(2, 1, dt=dt)
    for s in sims:
        s.set_state(v=-65.0)   # away from E_inh so that the IPSP is visible
        s.connect(2, 0, 6.0, receptor, 1.0)     # input 0 is presynaptic index 2
    a, b = run_both(sims, 60.0, [5.0], [0], record_v=[0, 1])
    assert a.v.shape == (2, round(60.0 / dt))
    np.testing.assert_array_equal(a.times, b.times)
    assert np.abs(a.v - b.v).max() < V_TOL
    psp = sign * (a.v[0] - a.v[1])
    arrive = round((5.0 + 1.0) / dt)   # g jumps at the end of this step, V moves in the next
    assert np.all(psp[:arrive + 2] == 0.0)
    assert np.all(psp[arrive + 2:arrive + 2 + round(20.0 / dt)] > 0.0)
    peak = int(np.argmax(psp))
    # the linear (current-based) estimate of a PSP: driving force at V0 = -65 mV,
    # difference of exponentials with tau_mem and tau_syn
    tm, ts = TAU_MEM, ADEX["tau_exc"]
    t_peak = math.log(tm / ts) * tm * ts / (tm - ts)
    drive = abs((ADEX["E_exc"] if receptor == 0 else ADEX["E_inh"]) + 65.0)
    amp = 6.0 * drive / ADEX["C"] * tm * ts / (tm - ts) * (math.exp(-t_peak / tm)
                                                            - math.exp(-t_peak / ts))
    assert psp[peak] == pytest.approx(amp, rel=0.3)
    assert a.times[peak] - 6.0 == pytest.approx(t_peak, abs=1.0)
    assert abs(psp[-1]) < 0.2 * psp[peak]
    assert a.spike_times.size == 0


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_leak_decay_tau(dt):
    sims = pair(1, dt=dt, exponential=False, adaptation=False)
    for s in sims:
        s.set_state(v=ADEX["E_leak"] + 10.0)
    a, b = run_both(sims, 30.0, record_v=[0])
    assert np.abs(a.v - b.v).max() < V_TOL
    taus = []
    for res in (a, b):
        y = np.log(res.v[0] - ADEX["E_leak"])
        taus.append(-1.0 / np.polyfit(res.times, y, 1)[0])
    tau_euler = -dt / math.log(1.0 - dt / TAU_MEM)   # exact for the Euler recursion
    assert taus[0] == pytest.approx(tau_euler, rel=1e-9)
    assert taus[0] == pytest.approx(taus[1], rel=1e-12)
    assert taus[0] == pytest.approx(TAU_MEM, rel=dt / TAU_MEM)  # O(dt) Euler error


def test_f_i_curve():
    I = np.arange(0.0, 1600.0, 100.0)        # nA (= pA of biology)
    sims = pair(I.size, dt=0.1, I_offset=I)
    a, b = run_both(sims, 300.0)
    assert_same_spikes(a, b, 0.1)
    rate = np.bincount(a.spike_neurons, minlength=I.size) / 300.0
    assert np.all(np.diff(rate) >= 0), rate
    assert rate[0] == 0 and rate[-1] > 0.05   # silent below rheobase, ~70 Hz bio at the top
    assert np.count_nonzero(rate) >= 8


@pytest.mark.parametrize("dt", [0.1, 0.01])
@pytest.mark.parametrize("t_ref", [0.5, 2.0, 5.0])
def test_refractory_clamp(dt, t_ref):
    sims = pair(1, dt=dt, t_ref=t_ref, I_offset=3000.0, adaptation=False)
    duration = 40.0 if dt == 0.1 else 15.0
    a, b = run_both(sims, duration, record_v=[0])
    assert_same_spikes(a, b, dt)
    assert np.abs(a.v - b.v).max() < V_TOL
    ks = spike_steps(a, dt)
    assert ks.size >= 2
    R = round(t_ref / dt)
    for k in ks[:-1]:
        held = a.v[0, k + 1:k + 1 + R]
        assert np.all(held == ADEX["V_reset"]), "V must sit at V_reset for t_ref"
        assert a.v[0, k + 1 + R] > ADEX["V_reset"], "integration resumes after t_ref"
    assert np.diff(a.spike_times).min() >= t_ref


def test_spike_frequency_adaptation():
    sims = pair(2, dt=0.1, I_offset=800.0, adaptation=[True, False])
    a, b = run_both(sims, 400.0)
    assert_same_spikes(a, b, 0.1)
    isi = np.diff(a.spike_times[a.spike_neurons == 0])
    assert isi.size >= 5
    assert np.all(np.diff(isi) >= -1e-9), isi     # ISIs grow ...
    assert isi[-1] > 2.5 * isi[0]                 # ... a lot (tau_w = 144 us)
    isi_plain = np.diff(a.spike_times[a.spike_neurons == 1])
    assert isi_plain.max() - isi_plain.min() <= 0.1 + 1e-9  # no adaptation: regular


def test_exponential_onset():
    # exponential: V accelerates past V_T into V_peak; LIF (no exp term) with the
    # same threshold V_peak decelerates towards its steady state instead.
    sims = pair(2, dt=0.1, adaptation=False, exponential=[True, False],
                I_offset=[800.0, 1200.0])
    a, b = run_both(sims, 30.0, record_v=[0, 1])
    assert np.abs(a.v - b.v).max() < V_TOL
    assert_same_spikes(a, b, 0.1)
    for neuron, accelerating in ((0, True), (1, False)):
        k = spike_steps(a, 0.1, neuron)[0]
        v = a.v[neuron, :k + 1]
        curv = np.diff(v[-6:], 2)       # second differences of the last samples
        assert np.all(curv > 0) if accelerating else np.all(curv < 0), (neuron, v[-6:])
    k = spike_steps(a, 0.1, 0)[0]
    assert a.v[0, k] > ADEX["V_T"]      # the upswing starts above V_T
    slope = np.diff(a.v[0, :k + 1])
    assert slope[-1] > 3 * slope[np.searchsorted(a.v[0, :k + 1], ADEX["V_T"]) - 1]


# ---------------------------------------------------------------------------------
# Timing of events, continuation
# ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dt, delay", [(0.1, 1.0), (0.1, 0.26), (0.01, 1.0), (0.01, 0.125)])
def test_input_delivery_delay(dt, delay):
    """An input at t with delay d: g jumps at the end of step (t + d)/dt and acts on V
    from the next step on (Brian2's schedule), i.e. g(t + d) = 0, g(t + d + dt) = w."""
    t_in, w = 3.0, 2.5
    D = math.floor(delay / dt + 0.5)
    sim = hxsim.ModelSimulator(1, 1, dt=dt)
    sim.set_parameters(**{**ADEX, "exponential": False, "adaptation": False})
    sim.connect(1, 0, w, 0, delay)
    k_arrive = round(t_in / dt) + D
    sim.run(k_arrive * dt, [t_in], [0])
    assert sim.get_state()["g_exc"][0] == 0.0
    assert sim.get_state()["v"][0] == ADEX["E_leak"]      # rest is exact without exp term
    r = sim.run(dt, record_v=[0])
    assert sim.get_state()["g_exc"][0] == w
    assert r.v[0, 0] == ADEX["E_leak"] and r.events == 1
    sim.run(dt)
    assert sim.get_state()["v"][0] > ADEX["E_leak"]


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_recurrent_delay(dt):
    sim = hxsim.ModelSimulator(2, dt=dt)
    sim.set_parameters(**{**ADEX, "I_offset": [3000.0, 0.0]})
    sim.connect(0, 1, 1.0, 1, 1.5)
    r = sim.run(6.0, record_v=[1])
    k0 = spike_steps(r, dt, 0)[0]
    D = math.floor(1.5 / dt + 0.5)
    sim2 = hxsim.ModelSimulator(2, dt=dt)
    sim2.set_parameters(**{**ADEX, "I_offset": [3000.0, 0.0]})
    sim2.connect(0, 1, 1.0, 1, 1.5)
    sim2.run((k0 + D) * dt)
    assert sim2.get_state()["g_inh"][1] == 0.0
    sim2.run(dt)
    assert sim2.get_state()["g_inh"][1] == 1.0


def small_network(dt, n=10, n_inputs=5, seed=0, T=60.0):
    rng = np.random.default_rng(seed)
    m = 60
    syn = (rng.integers(0, n + n_inputs, m), rng.integers(0, n, m), rng.uniform(0.0, 12.0, m),
           rng.integers(0, 2, m), rng.uniform(0.05, 3.0, m))
    t_in = rng.uniform(0.0, T - dt, 200)  # times within 1e-3 dt of the end belong to the next run
    src = rng.integers(0, n_inputs, t_in.size)
    v0 = rng.uniform(-70.6, -45.0, n)
    I = rng.uniform(0.0, 900.0, n)
    return syn, t_in, src, v0, I


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_network_matches_reference(dt):
    T = 60.0 if dt == 0.1 else 12.0
    syn, t_in, src, v0, I = small_network(dt, T=T)
    sims = pair(10, 5, dt=dt, I_offset=I)
    for s in sims:
        s.set_state(v=v0)
        s.connect(*syn)
    a, b = run_both(sims, T, t_in, src, record_v=np.arange(10))
    assert a.spike_times.size >= 5
    assert_same_spikes(a, b, dt)
    if dt < 0.1:
        np.testing.assert_array_equal(a.spike_times, b.spike_times)
    assert np.abs(a.v - b.v).max() < 1e-8
    assert a.events == b.events > 0


def test_run_continuation_equals_one_run():
    syn, t_in, src, v0, I = small_network(0.1, T=60.0)
    results = []
    for pieces in ([60.0], [25.0, 35.0], [10.0, 0.0, 20.0, 30.0]):
        sim = hxsim.ModelSimulator(10, 5, dt=0.1)
        sim.set_parameters(**{**ADEX, "I_offset": I})
        sim.set_state(v=v0)
        sim.connect(*syn)
        parts, start = [], 0.0
        for d in pieces:
            sel = (t_in >= start) & (t_in < start + d)
            parts.append(sim.run(d, t_in[sel], src[sel], record_v=np.arange(10)))
            start += d
        assert sim.time == pytest.approx(60.0)
        results.append(dict(
            t=np.concatenate([p.spike_times for p in parts]),
            i=np.concatenate([p.spike_neurons for p in parts]),
            v=np.concatenate([p.v for p in parts], axis=1),
            times=np.concatenate([p.times for p in parts]),
            events=sum(p.events for p in parts)))
    one = results[0]
    assert one["t"].size >= 10
    for other in results[1:]:
        np.testing.assert_array_equal(other["t"], one["t"])
        np.testing.assert_array_equal(other["i"], one["i"])
        np.testing.assert_array_equal(other["v"], one["v"])
        np.testing.assert_allclose(other["times"], one["times"], atol=1e-9)
        assert other["events"] == one["events"]


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31), dt=st.sampled_from([0.1, 0.05]),
       coba=st.booleans(), exponential=st.booleans(), adaptation=st.booleans())
def test_random_networks_match_reference(seed, dt, coba, exponential, adaptation):
    syn, t_in, src, v0, I = small_network(dt, n=6, n_inputs=3, seed=seed, T=20.0)
    if not coba:
        syn = syn[:2] + (syn[2] * 60.0,) + syn[3:]   # uS -> nA of similar effect
    sims = pair(6, 3, dt=dt, I_offset=I, coba=coba, exponential=exponential,
                adaptation=adaptation, t_ref=1.0)
    for s in sims:
        s.set_state(v=v0)
        s.connect(*syn)
    a, b = run_both(sims, 20.0, t_in, src, record_v=np.arange(6))
    assert_same_spikes(a, b, dt)
    assert np.abs(a.v - b.v).max() < 1e-8
    assert a.events == b.events


# ---------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, name", [
    (dict(pre=[0, 5], post=[1, 1], weight=1.0, receptor=0, delay=1.0), "pre"),   # 3 + 2 = 5
    (dict(pre=[-1], post=[1], weight=1.0, receptor=0, delay=1.0), "pre"),
    (dict(pre=[0], post=[3], weight=1.0, receptor=0, delay=1.0), "post"),
    (dict(pre=[0], post=[1], weight=-1.0, receptor=0, delay=1.0), "weight"),
    (dict(pre=[0], post=[1], weight=np.nan, receptor=0, delay=1.0), "weight"),
    (dict(pre=[0], post=[1], weight=1.0, receptor=2, delay=1.0), "receptor"),
    (dict(pre=[0], post=[1], weight=1.0, receptor=-1, delay=1.0), "receptor"),
    (dict(pre=[0], post=[1], weight=1.0, receptor=0, delay=0.01), "delay"),
    (dict(pre=[0, 1], post=[1, 2, 0], weight=1.0, receptor=0, delay=1.0), "post"),
])
def test_connect_rejects_bad_input(args, name):
    sim = hxsim.ModelSimulator(3, 2, dt=0.1)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        sim.connect(args["pre"], args["post"], args["weight"], args["receptor"], args["delay"])
    r = sim.run(1.0)                   # nothing half-added
    assert r.events == 0 and sim.num_synapses == 0


def test_run_rejects_bad_inputs():
    sim = hxsim.ModelSimulator(3, 2, dt=0.1)
    with pytest.raises(ValueError, match="input_sources"):
        sim.run(5.0, [1.0], [2])
    with pytest.raises(ValueError, match="input_times"):
        sim.run(5.0, [7.0], [0])
