"""adex512 on the real path: the calibrated emulated chip, configured by programs, via grenade and PyNN.

The adex512 network of bench/_workloads.py (512 AdEx neurons, 256 Poisson sources, ~34 000
synapses) runs

- through PyNN in biological units (``EIF_cond_exp_isfa_ista``, ``SpikeSourceArray``,
  ``FromListConnector``, ``setup(units="biological")``): calix calibrates the neurons (cached in
  a temporary directory, the first run pays for it), grenade places and routes, the chip is
  configured by playback programs, the input spikes go in through the FPGA and the spikes come back
  as events;
- through grenade directly: the grenade network, routing and input PyNN built (calibrated chip,
  hardware weights) re-run by ``grenade.run`` on the same connection, as a grenade user would
  run an already built network in a loop (a sweep, training), with grenade's default
  ``inter_batch_entry_wait`` of 0 (``--chip-relax-ms``: PyNN lets the membranes settle for 1 ms of
  hardware time before every run, which doubles the emulated time of a 1 s run);
- on ``hxsim.ModelSimulator`` (the analog kernel with the model parameters directly, dt 0.1 us
  hardware = 0.1 ms biological) and in Brian2 ``cpp_standalone`` (one thread, dt 0.1 ms), in the
  same invocation.

Figures (per biological second; 1 s of biology = 1 ms on the chip):

- ``chip_wall_per_bio``: one ``grenade.run`` (program build, emulator execution, decode) per
  biological second, median of ``--reps``;
- ``pynn_wall_per_bio``: PyNN ``run()`` per biological second (warm: calibration cached, network
  routed), median;
- ``model_wall_per_bio``: ModelSimulator's loop (``RunResult.wall_s``); ``model_call_wall_per_bio``:
  the whole ``ModelSimulator.run`` call (input conversion, loop, result), the counterpart of one
  ``grenade.run``; ``chip_vs_model`` = chip / model call, ``chip_vs_model_loop`` = chip / loop;
- ``brian2_loop_wall_per_bio``: Brian2's own loop timer; ``chip_vs_brian2`` = Brian2 / chip;
- ``chip_time_to_result_s``: grenade routing + run + spikes decoded, from the calibrated network
  description and its input; ``pynn_time_to_result_s``: PyNN ``setup`` -> ``get_data`` with
  the calibration cached;
- ``spikes`` (the chip's), ``count_corr_vs_model``: per-neuron spike-count correlation of the chip
  against ModelSimulator (the chip has calibrated, mismatched neurons and 6-bit weights, so this is
  a statistical agreement; delays are the chip's latency, not 1 ms).

    python bench/adex512_chip.py [--reps 3] [--T 1.0] [--no-brian2] [--brian2-python PY] [--quick]

Brian2 2.9 does not import with numpy >= 2.4 (the dev venv's): ``make bench-env`` makes
``.venv-bench`` (brian2 2.9.0, numpy < 2.4), which this bench then uses by default.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import _workloads as W  # noqa: E402


def pynn_cell_parameters(P):
    """EIF_cond_exp_isfa_ista parameters (PyNN units: nF, ms, mV, nA, nS) of the workload."""
    return dict(cm=P["C_pF"] * 1e-3, tau_m=P["C_pF"] / P["gL_nS"], v_rest=P["EL_mV"], v_thresh=P["VT_mV"],
                delta_T=P["DeltaT_mV"], tau_w=P["tauw_ms"], a=P["a_nS"], b=P["b_pA"] * 1e-3,
                v_reset=P["Vr_mV"], v_spike=P["Vpeak_mV"], tau_refrac=P["tref_ms"],
                e_rev_E=P["Ee_mV"], e_rev_I=P["Ei_mV"], tau_syn_E=P["tau_e_ms"], tau_syn_I=P["tau_i_ms"],
                i_offset=0.0)


def run_pynn(net, cache, keep=False):
    """One PyNN experiment from setup to spikes; timings and the spikes (bio ms)."""
    import pynn_brainscales.brainscales2 as sim
    P = net["params"]
    N, S = P["N"], P["n_sources"]
    T_ms = float(net["T_ms"])
    t0 = time.perf_counter()
    sim.setup(units="biological", calibration_cache=cache, on_chip_delays="latency")
    cells = sim.Population(N, sim.EIF_cond_exp_isfa_ista(**pynn_cell_parameters(P)), label="adex")
    cells.initialize(v=net["v0_mV"])
    idx, t = net["spk_idx"], net["spk_t_ms"]
    order = np.argsort(idx, kind="stable")
    trains = np.split(t[order], np.cumsum(np.bincount(idx, minlength=S))[:-1])
    src = sim.Population(S, sim.SpikeSourceArray(spike_times=[list(x) for x in trains]), label="pool")
    cells.record("spikes")
    d = P["delay_ms"]
    exc = net["rec_w_nS"] > 0

    def conns(pre, post, w_nS):
        return sim.FromListConnector(np.column_stack([pre, post, np.full(pre.size, w_nS * 1e-3),
                                                      np.full(pre.size, d)]), column_names=["weight", "delay"])
    sim.Projection(src, cells, conns(net["in_src"], net["in_tgt"], P["w_in_nS"]), sim.StaticSynapse(),
                   receptor_type="excitatory")
    sim.Projection(cells, cells, conns(net["rec_src"][exc], net["rec_tgt"][exc], P["w_exc_nS"]),
                   sim.StaticSynapse(), receptor_type="excitatory")
    sim.Projection(cells, cells, conns(net["rec_src"][~exc], net["rec_tgt"][~exc], P["w_inh_nS"]),
                   sim.StaticSynapse(), receptor_type="inhibitory")
    t1 = time.perf_counter()
    sim.run(T_ms)
    t2 = time.perf_counter()
    sts = cells.get_data().segments[0].spiketrains
    t3 = time.perf_counter()
    spike_i = np.concatenate([np.full(len(s), k) for k, s in enumerate(sts)]).astype(np.int64)
    out = dict(spike_i=spike_i, run_s=t2 - t1, time_to_result_s=t3 - t0)
    if keep:
        st = sim.simulator.state
        snip = st._routed_snippet
        out.update(network=snip.network, inputs=snip.inputs, runtime_hw=snip.runtime_hw,
                   chip=st._calib_chip, pop=snip.descriptors[cells], conn=st.open_connection(),
                   relax_ms=sim.simulator.RELAX_MS)
        out["sim"] = sim
    else:
        sim.end()
    return out


def run_grenade(g, reps, relax_ms=0.0):
    """Re-run PyNN's grenade network through grenade.run on the same connection; figures."""
    import grenade
    times, ttr, first = [], [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        routing = grenade.route(g["network"])
        t1 = time.perf_counter()
        res = grenade.run(g["conn"], g["network"], routing, g["inputs"], initial_config=g["chip"],
                          inter_batch_entry_wait=relax_ms)
        sp = res.spikes(g["pop"])
        t3 = time.perf_counter()
        times.append(t3 - t1)
        ttr.append(t3 - t0)
        if first is None:
            first = np.asarray(sp["neuron"], np.int64)
    return dict(spike_i=first, run_s=statistics.median(times), time_to_result_s=statistics.median(ttr))


def brian2_elsewhere(python, seed, T_s):
    """Brian2 cpp_standalone (one thread) on the same workload in another interpreter (one whose
    numpy Brian2 supports: Brian2 2.9 does not import with numpy >= 2.4); its figures and spikes."""
    import subprocess
    code = ("import sys, json; sys.path.insert(0, %r); import _workloads as W; "
            "net = W.adex512_network(seed=%d, T_ms=%r); "
            "r = W.run_brian2(net, dt_ms=0.1, target='cpp_standalone', threads=1); "
            "print(json.dumps(dict(run_s=r['run_s'], time_to_result_s=r['time_to_result_s'], "
            "spike_i=r['spike_i'].tolist())))") % (os.path.dirname(os.path.abspath(__file__)), seed, T_s * 1000.0)
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["spike_i"] = np.asarray(r["spike_i"], np.int64)
    return r


def default_brian2_python():
    """$BRIAN2_PYTHON, else the repository's .venv-bench (``make bench-env``) if it exists, else None."""
    env = os.environ.get("BRIAN2_PYTHON")
    if env:
        return env
    py = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".venv-bench", "bin", "python")
    return py if os.access(py, os.X_OK) else None


def count_corr(a, b, n):
    ca, cb = np.bincount(a, minlength=n), np.bincount(b, minlength=n)
    if ca.std() == 0 or cb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ca, cb)[0, 1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--T", type=float, default=1.0, help="biological seconds")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--brian2-python", default=default_brian2_python(),
                    help="run Brian2 in this interpreter (default: $BRIAN2_PYTHON, else .venv-bench made by "
                         "`make bench-env`) instead of this process")
    ap.add_argument("--quick", action="store_true", help="0.2 s of biology, 1 rep, no Brian2")
    ap.add_argument("--seed", type=int, default=W.ADEX512_SEED)
    ap.add_argument("--chip-relax-ms", type=float, default=0.0,
                    help="grenade's inter_batch_entry_wait before each chip run (hardware ms; PyNN uses 1 ms)")
    args = ap.parse_args(argv)
    if args.quick:
        args.T, args.reps, args.no_brian2 = 0.2, 1, True
    warnings.simplefilter("ignore")
    net = W.adex512_network(seed=args.seed, T_ms=args.T * 1000.0)
    N = net["params"]["N"]
    T_s = args.T

    cache = os.environ.get("CALIX_CACHE_DIR") or tempfile.mkdtemp(prefix="adex512_chip_calix_")
    cold = run_pynn(net, cache)
    warm = [run_pynn(net, cache, keep=(k == args.reps - 1)) for k in range(args.reps)]
    pynn_run = statistics.median(w["run_s"] for w in warm)
    pynn_ttr = statistics.median(w["time_to_result_s"] for w in warm)
    g = warm[-1]
    chip = run_grenade(g, args.reps, args.chip_relax_ms)
    g["sim"].end()
    if not os.environ.get("CALIX_CACHE_DIR"):
        shutil.rmtree(cache, ignore_errors=True)

    W.run_model_simulator(net, 0.1)                       # warm-up
    models = [W.run_model_simulator(net, 0.1) for _ in range(max(args.reps, 1))]
    model_run = statistics.median(m["run_s"] for m in models)
    model_call = statistics.median(m["call_s"] for m in models)
    model = models[0]

    b2 = None
    if not args.no_brian2 and args.brian2_python:
        b2 = brian2_elsewhere(args.brian2_python, args.seed, args.T)
    elif not args.no_brian2 and W.brian2_available():
        b2 = W.run_brian2(net, dt_ms=0.1, target="cpp_standalone", threads=1)

    chip_wpb = chip["run_s"] / T_s
    res = dict(
        chip_wall_per_bio=round(chip_wpb, 5),
        pynn_wall_per_bio=round(pynn_run / T_s, 5),
        model_wall_per_bio=round(model_run / T_s, 5),
        model_call_wall_per_bio=round(model_call / T_s, 5),
        chip_vs_model=round(chip_wpb / (model_call / T_s), 3),
        chip_vs_model_loop=round(chip_wpb / (model_run / T_s), 3),
        chip_time_to_result_s=round(chip["time_to_result_s"], 4),
        pynn_time_to_result_s=round(pynn_ttr, 4),
        pynn_first_time_to_result_s=round(cold["time_to_result_s"], 3),
        model_time_to_result_s=round(statistics.median(m["time_to_result_s"] for m in models), 4),
        spikes=int(chip["spike_i"].size), pynn_spikes=int(g["spike_i"].size), model_spikes=int(model["spike_i"].size),
        count_corr_vs_model=round(count_corr(chip["spike_i"], model["spike_i"], N), 4),
        bio_s=T_s, reps=args.reps)
    if b2 is not None:
        res.update(brian2_loop_wall_per_bio=round(b2["run_s"] / T_s, 5),
                   chip_vs_brian2=round(b2["run_s"] / T_s / chip_wpb, 3),
                   brian2_time_to_result_s=round(b2["time_to_result_s"], 3), brian2_spikes=int(b2["spike_i"].size),
                   count_corr_model_vs_brian2=round(count_corr(model["spike_i"], b2["spike_i"], N), 4))
    print(f"adex512 on the real path: {N} neurons, {net['in_src'].size + net['rec_src'].size} synapses, "
          f"{net['spk_idx'].size} input spikes, {T_s:g} s of biology")
    for k, v in res.items():
        print(f"  {k:32s} {v}")
    print("RESULT " + json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
