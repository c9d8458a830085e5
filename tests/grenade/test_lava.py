"""grenade.lava: validation, the numpy reference of Lava's fixed-point LIF+Dense, the worker
process (errors, tracebacks, timeouts) and Lava == reference bit for bit (bounded: few examples)."""
import sys
import time

import nir
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from grenade.lava import (FixedPointNetwork, FixedPopulation, FixedProjection, FixedSource, LavaError,
                          LavaParameterError, LavaTimeoutError, LavaUnavailableError, reference_run,
                          run_worker, validate)
from grenade.lava.lowering import lower_nir_import, run_on_lava, run_reference, spikes_per_neuron
from grenade.nir import from_nir
from grenade.results import Results
from tests.lava_marks import needs_lava




def pop(name, n, du=0, dv=0, vth=10, mant=0, bexp=0, v_init=None):
    return FixedPopulation(name, n, du, dv, vth, np.full(n, mant), np.full(n, bexp), v_init)


def one_input(steps, weight, exp=0, **kw):
    return FixedPointNetwork([FixedSource("in", 1, np.array(steps), np.zeros(len(steps), int))],
                             [pop("p", 1, **kw)], [FixedProjection("in", "p", np.array([[weight]]), exp)], 20)


# -- validation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("change, match", [
    (dict(du=4096), r"population 'p': du = 4096 outside 0..4095"),
    (dict(dv=-1), r"dv = -1 outside 0..4095"),
    (dict(vth=2 ** 17), r"vth = 131072 outside 0..131071"),
    (dict(mant=40000), r"bias_mant\[0\] = 40000 outside -4096..4095"),
    (dict(bexp=8), r"bias_exp\[0\] = 8 outside 0..7"),
    (dict(vth=10.5), r"vth must be integers"),
])
def test_out_of_range_parameters_are_errors_naming_them(change, match):
    with pytest.raises(LavaParameterError, match=match):
        validate(one_input([1], 10, **change))


def test_weights_exponents_delays_and_fan_in_are_checked():
    with pytest.raises(LavaParameterError, match=r"projection 0 \('in' -> 'p'\): weights\[0, 0\] = 300"):
        validate(one_input([1], 300))
    with pytest.raises(LavaParameterError, match=r"weights must be integers"):
        validate(one_input([1], 10.9))
    with pytest.raises(LavaParameterError, match=r"weight_exp = 8 outside 0..7"):
        validate(one_input([1], 10, exp=8))
    net = one_input([1], 10)
    net.projections[0].delays = np.array([[64]])
    with pytest.raises(LavaParameterError, match=r"delays\[0, 0\] = 64 outside 0..63"):
        validate(net)
    big = FixedPointNetwork([FixedSource("in", 200)], [pop("p", 1)], [FixedProjection("in", "p", np.full((1, 200), 255))],
                            5)
    with pytest.raises(LavaParameterError, match=r"'p'\[0\]: worst-case input per step 51000 exceeds .* 32767"):
        validate(big)
    with pytest.raises(LavaParameterError, match=r"spike steps must lie in 0..19"):
        validate(one_input([20], 10))


# -- the reference's semantics (the measured unit checks of Lava's fixed-point model) --------------------
def test_reference_timing_threshold_and_bias():
    # w=10 -> u jumps by 640 at step k + 2 for input column k; du=4095 clears u after one step; the
    # threshold is strict (v > vth << 6): vth=10 (640) does not fire, vth=9 does
    assert not reference_run(one_input([3], 10, du=4095, vth=10))["p"].any()
    r = reference_run(one_input([3], 10, du=4095, vth=9))["p"][:, 0]
    assert np.flatnonzero(r).tolist() == [4]
    # bias 100 << 3 = 800 per step with dv=0: v = 800, 1600, 2400 > 1600 = 25 << 6 -> fires at rows 2, 5, ...
    r = reference_run(FixedPointNetwork([], [pop("p", 1, vth=25, mant=100, bexp=3)], [], 9))["p"][:, 0]
    assert np.flatnonzero(r).tolist() == [2, 5, 8]
    # decay truncates towards zero: du=2048 halves u (640 -> 319 -> 159), here visible as a slower rise
    slow = reference_run(one_input([0], 10, du=2048, vth=15))["p"][:, 0]
    fast = reference_run(one_input([0], 10, du=0, vth=15))["p"][:, 0]
    assert np.flatnonzero(fast)[0] < np.flatnonzero(slow)[0]


def test_reference_refractory_period_holds_the_membrane_at_zero():
    # a bias far above threshold fires every step without refractory period, every R + 1 steps with R
    for refractory in (0, 1, 3):
        net = FixedPointNetwork([], [pop("p", 1, vth=1, mant=4000, bexp=7)], [], 12)
        net.populations[0].refractory = refractory
        r = reference_run(net)["p"][:, 0]
        assert np.flatnonzero(r).tolist() == list(range(0, 12, refractory + 1))
    # the current integrates on while the membrane rests: an input during the period still counts
    net = one_input([0], 200, du=0, vth=100)
    net.populations[0].refractory = 2
    assert np.flatnonzero(reference_run(net)["p"][:, 0]).tolist() == [1, 4, 7, 10, 13, 16, 19]
    net.populations[0].refractory = -1
    with pytest.raises(LavaParameterError, match=r"population 'p': refractory = -1 outside 0..1048576"):
        validate(net)


@st.composite
def networks(draw, max_neurons=6, steps=40):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    n_in = draw(st.integers(1, 4))
    n_spk = draw(st.integers(0, 30))
    src = FixedSource("in", n_in, rng.integers(0, steps, n_spk), rng.integers(0, n_in, n_spk))
    pops, projs = [], []
    for k in range(draw(st.integers(1, 2))):
        n = draw(st.integers(1, max_neurons))
        pops.append(FixedPopulation(f"p{k}", n, int(rng.integers(0, 4096)), int(rng.integers(0, 4096)),
                                    int(rng.integers(0, 400)), rng.integers(-300, 300, n), rng.integers(0, 4, n),
                                    rng.integers(-3000, 3000, n), refractory=draw(st.integers(0, 3))))
    names = ["in"] + [p.name for p in pops]
    sizes = {"in": n_in, **{p.name: p.size for p in pops}}
    for p in pops:
        for pre in names:
            if rng.random() < 0.6:
                sign = rng.choice([-1, 1])
                w = sign * rng.integers(0, 256, (p.size, sizes[pre])) * (rng.random((p.size, sizes[pre])) < 0.7)
                delays = rng.integers(0, 4, w.shape) if rng.random() < 0.3 else None
                projs.append(FixedProjection(pre, p.name, w, int(rng.integers(0, 4)), delays))
    net = FixedPointNetwork([src], pops, projs, steps)
    try:
        validate(net)
    except LavaParameterError:   # fan-in beyond 16 bits: shrink the exponents
        for c in projs:
            c.weight_exp = 0
        validate(net)
    return net


@needs_lava
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks())
def test_lava_fixed_point_equals_the_reference_bit_for_bit(net):
    out = run_worker(net, timeout=120)
    ref = reference_run(net)
    for name, raster in ref.items():
        np.testing.assert_array_equal(out["spikes"][name], raster, err_msg=f"population {name}")


# -- the worker process -------------------------------------------------------------------------------
def test_a_failing_worker_returns_its_traceback(monkeypatch):
    # the main interpreter has no lava: the import fails inside the worker
    monkeypatch.setenv("OPENHX_LAVA_PYTHON", sys.executable)
    with pytest.raises(LavaError, match=r"Lava failed: ModuleNotFoundError: No module named 'lava'") as e:
        run_worker(one_input([1], 10))
    assert "worker.py" in e.value.worker_traceback and "Traceback" in e.value.worker_traceback


def test_missing_interpreter_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENHX_LAVA_PYTHON", str(tmp_path / "no-python"))
    with pytest.raises(LavaUnavailableError, match=r"no Lava interpreter at .*no-python.*make install"):
        run_worker(one_input([1], 10))


def test_a_hanging_worker_is_killed_after_its_timeout(tmp_path, monkeypatch):
    # an interpreter that never finishes stands in for a hung Lava run; its child sleeps too
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setenv("OPENHX_LAVA_PYTHON", str(fake))
    t0 = time.monotonic()
    with pytest.raises(LavaTimeoutError, match=r"did not finish within 1 s and was killed"):
        run_worker(one_input([1], 10), timeout=1.0)
    assert time.monotonic() - t0 < 30


# -- lowering from a NIR import ------------------------------------------------------------------------
def cuba_graph(n_in=3, n=4, seed=0, recurrent=True):
    rng = np.random.default_rng(seed)
    f = lambda v: np.full(n, float(v))   # noqa: E731
    nodes = {"in": nir.Input(input_type={"input": np.array([n_in])}),
             "w": nir.Linear(weight=rng.uniform(-0.5, 1.5, (n, n_in))),
             "lif": nir.CubaLIF(tau_syn=f(5.0), tau_mem=f(10.0), r=f(1.0), v_leak=f(0.0), v_threshold=f(1.0),
                                v_reset=f(0.0), w_in=f(1.0)),
             "out": nir.Output(output_type={"output": np.array([n])})}
    edges = [("in", "w"), ("w", "lif"), ("lif", "out")]
    if recurrent:
        nodes["rec"] = nir.Linear(weight=rng.uniform(-0.4, 0.4, (n, n)))
        edges += [("lif", "rec"), ("rec", "lif")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def test_nir_lowering_quantises_within_lava_ranges_and_reference_spikes():
    imp = from_nir(cuba_graph(), time_unit=1e-3, dt=0.1)
    rng = np.random.default_rng(1)
    spikes = {"in": [np.sort(rng.uniform(0, 50, 30)) for _ in range(3)]}
    low = lower_nir_import(imp, spikes, runtime=60.0, dt=0.1)
    validate(low.network)
    p = low.network.populations[0]
    assert (p.du, p.dv) == (int(round(4096 * (1 - np.exp(-0.1 / 5)))) - 1, int(round(4096 * (1 - np.exp(-0.1 / 10)))))
    assert all(np.all(c.weights >= 0) or np.all(c.weights <= 0) for c in low.network.projections)
    assert max(low.weight_error.values()) < 0.01
    res = run_reference(low)
    assert isinstance(res, Results) and len(res.spikes(imp.groups["lif"].population)) > 0
    times = spikes_per_neuron(low, res.rasters)["lif"]     # model ms; Results: hardware ms (1000x faster)
    for i, t in enumerate(times):
        np.testing.assert_allclose(res.spike_times(imp.groups["lif"].population, i), t / 1000.0)


def test_nir_lowering_rejects_heterogeneous_time_constants():
    g = cuba_graph(recurrent=False)
    g.nodes["lif"].tau_mem = np.array([10.0, 10.0, 20.0, 10.0])
    imp = from_nir(g, time_unit=1e-3, dt=0.1)
    with pytest.raises(LavaParameterError, match=r"population 'lif': tau_mem gives decays \[20, 41\]"):
        lower_nir_import(imp, {}, runtime=10.0, dt=0.1)


@needs_lava
def test_nir_network_on_lava_equals_reference_and_float_mode_runs():
    imp = from_nir(cuba_graph(n=8, seed=3), time_unit=1e-3, dt=0.1)
    rng = np.random.default_rng(2)
    low = lower_nir_import(imp, {"in": [np.sort(rng.uniform(0, 40, 25)) for _ in range(3)]}, runtime=50.0, dt=0.1)
    ref, lava = run_reference(low), run_on_lava(low, timeout=120)
    pd = imp.groups["lif"].population
    np.testing.assert_array_equal(lava.spikes(pd), ref.spikes(pd))
    assert lava.timing.run_s > 0 and len(ref.spikes(pd)) > 0
    flt = run_on_lava(low, mode="floating_pt", timeout=120)
    n_fixed, n_float = len(ref.spikes(pd)), len(flt.spikes(pd))
    assert abs(n_float - n_fixed) <= 0.2 * n_fixed + 2
