"""The adex512 workload (bench/_workloads.py) and its run on hxsim.ModelSimulator.

The generator must build the network it documents, reproducibly; the emulator
must give the spike counts Brian2 gives on it (4909 at dt 0.1 ms, 4895 at
0.01 ms; Brian2 2.9, forward Euler, shared/peers/measured-summary.md) within
the validation target of 2 %.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

_path = Path(__file__).resolve().parents[2] / "bench" / "_workloads.py"
_spec = importlib.util.spec_from_file_location("openhx_bench_workloads", _path)
W = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(W)

BRIAN2_SPIKES = {0.1: 4909, 0.01: 4895}


@pytest.fixture(scope="module")
def net():
    return W.adex512_network()


def test_network_definition(net):
    P = net["params"]
    N, K = P["N"], P["indegree_in"]
    # 16 distinct pool sources per neuron
    src = net["in_src"].reshape(N, K)
    assert np.array_equal(net["in_tgt"], np.repeat(np.arange(N), K))
    assert all(np.unique(row).size == K for row in src)
    assert src.min() >= 0 and src.max() < P["n_sources"]
    # recurrent Bernoulli p = 0.1 without autapses, sign by the sender's type
    assert not np.any(net["rec_src"] == net["rec_tgt"])
    p = net["rec_src"].size / (N * (N - 1))
    assert abs(p - P["p_rec"]) < 4 * np.sqrt(P["p_rec"] * (1 - P["p_rec"]) / (N * (N - 1)))
    exc = net["rec_src"] < P["N_exc"]
    assert np.all(net["rec_w_nS"][exc] == P["w_exc_nS"])
    assert np.all(net["rec_w_nS"][~exc] == -P["w_inh_nS"])
    assert np.all((net["v0_mV"] >= P["EL_mV"]) & (net["v0_mV"] < P["VT_mV"]))
    # Poisson trains: 20 Hz, on the 0.1 ms grid, inside (0, T), time-sorted, no duplicates
    t, i = net["spk_t_ms"], net["spk_idx"]
    rate = t.size / P["n_sources"] / (float(net["T_ms"]) / 1000.0)
    assert abs(rate - P["src_rate_Hz"]) < 1.0
    assert np.all(np.diff(t) >= 0)
    assert np.allclose(t * 10, np.rint(t * 10), atol=1e-9, rtol=0)
    assert t.min() >= 0.1 and t.max() < float(net["T_ms"])
    assert np.unique(np.stack([i, np.rint(t * 10)]), axis=1).shape[1] == t.size


def test_network_is_reproducible(net):
    again = W.adex512_network()
    other = W.adex512_network(seed=W.ADEX512_SEED + 1)
    for key in ("in_src", "rec_src", "rec_tgt", "v0_mV", "spk_idx", "spk_t_ms"):
        assert np.array_equal(again[key], net[key])
    assert not np.array_equal(other["spk_t_ms"][:100], net["spk_t_ms"][:100])


def test_hardware_units():
    hw = W.hardware_parameters()
    P = W.ADEX512
    # same numbers: ms -> us, nS -> uS, pA -> nA; tau_mem keeps its number (ms -> us)
    assert hw["C"] / hw["g_leak"] == pytest.approx(P["C_pF"] / P["gL_nS"])
    assert (hw["t_ref"], hw["tau_w"], hw["b"], hw["a"]) == (2.0, 144.0, 80.5, 4.0)
    assert hw["E_w"] == hw["E_leak"]


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_adex512_matches_brian2_count(net, dt):
    r = W.run_model_simulator(net, dt)
    n = r["spike_i"].size
    assert abs(n - BRIAN2_SPIKES[dt]) / BRIAN2_SPIKES[dt] < 0.02, n
    assert r["spike_t_ms"].min() >= 0 and r["spike_t_ms"].max() < float(net["T_ms"])
    assert np.all(np.diff(r["spike_t_ms"]) >= 0)
    # every event of the run was delivered, except those still in flight at the end
    assert 0 < r["events"] - r["events_reported"] < 0.01 * r["events"]
