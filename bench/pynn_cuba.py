"""Chip-sized CUBA network through PyNN in biological units, with Brian2 beside it.

400 excitatory + 100 inhibitory IF_curr_exp cells (tau_m 20 ms, tau_syn 5 / 10 ms), recurrent
p = 0.1, driven by 100 Poisson sources (20 per neuron); connectivity and input spike trains are
drawn once with numpy and given to both tools (PyNN: FromListConnector, SpikeSourceArray).
Recurrent delays are the chip's latency (0.1 ms) in both; 1 s of biology (1 ms on the chip).

Figures: population rates and their ratio to Brian2 (same network, same input; Brian2 integrates
the same equations exactly at dt 0.1 ms), the emulator's time to result through PyNN
(setup -> get_data, calibration cached) and the PyNN run alone, Brian2's time to result
(construction + code generation + compilation + run, cpp_standalone, 1 thread) and its loop.
The last line is ``RESULT`` + one JSON object.

    python bench/pynn_cuba.py [--reps 3] [--no-brian2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

import numpy as np

N_EXC, N_INH, N_EXT, K_EXT, P_REC = 400, 100, 100, 20, 0.1
CELL = dict(cm=1.0, tau_m=20.0, tau_syn_E=5.0, tau_syn_I=10.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0,
            tau_refrac=5.0, i_offset=0.0)
W_EXT, W_EXC, W_INH = 0.35, 0.12, -0.6          # nA
RATE_EXT, T_MS, LATENCY_MS = 30.0, 1000.0, 0.1


def network(seed=11):
    """Connections (pre, post) per kind and the input trains, from one seed."""
    rng = np.random.default_rng(seed)
    n = N_EXC + N_INH
    ext = np.array([(int(s), j) for j in range(n) for s in rng.choice(N_EXT, K_EXT, replace=False)])
    rec = rng.random((n, n)) < P_REC
    np.fill_diagonal(rec, False)
    pre, post = np.nonzero(rec)
    exc = np.stack([pre[pre < N_EXC], post[pre < N_EXC]], 1)
    inh = np.stack([pre[pre >= N_EXC] - N_EXC, post[pre >= N_EXC]], 1)
    # Poisson trains on the 0.1 ms grid (at most one spike per step: Brian2's SpikeGeneratorGroup)
    steps = int(round(T_MS / 0.1))
    trains = [np.flatnonzero(rng.random(steps) < RATE_EXT * 1e-4) * 0.1 for _ in range(N_EXT)]
    return {"ext": ext, "exc": exc, "inh": inh, "trains": trains}


def run_pynn(net, cache=None):
    import pynn_brainscales.brainscales2 as sim
    t0 = time.perf_counter()
    sim.setup(units="biological", calibration_cache=cache)
    cells = sim.Population(N_EXC + N_INH, sim.IF_curr_exp(**CELL), label="cells")
    src = sim.Population(N_EXT, sim.SpikeSourceArray(spike_times=[list(t) for t in net["trains"]]), label="ext")
    exc, inh = cells[:N_EXC], cells[N_EXC:]
    cells.record("spikes")

    def conns(pairs, w):
        # one array (pre, post, weight, delay), as FromListConnector takes it: a list of tuples
        # built in Python here would cost this script more than the emulator's run
        pairs = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
        return sim.FromListConnector(np.column_stack([pairs, np.full(len(pairs), w), np.full(len(pairs), LATENCY_MS)]),
                                     column_names=["weight", "delay"])
    sim.Projection(src, cells, conns(net["ext"], W_EXT), sim.StaticSynapse(), receptor_type="excitatory")
    sim.Projection(exc, cells, conns(net["exc"], W_EXC), sim.StaticSynapse(), receptor_type="excitatory")
    sim.Projection(inh, cells, conns(net["inh"], W_INH), sim.StaticSynapse(), receptor_type="inhibitory")
    t1 = time.perf_counter()
    sim.run(T_MS)
    t2 = time.perf_counter()
    trains = [np.asarray(s) for s in cells.get_data().segments[0].spiketrains]
    t3 = time.perf_counter()
    stats = sim.get_backend_statistics()
    sim.end()
    return {"trains": trains, "time_to_result_s": t3 - t0, "run_s": t2 - t1,
            "calibration_s": stats["calibration"]["seconds"], "grenade_s": stats["timing"].total_s,
            "synapses": stats["routing"].synapses}


def run_brian2(net):
    import brian2 as b2
    from brian2 import ms, mV, nF
    t0 = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="pynn_cuba_b2_")
    b2.set_device("cpp_standalone", directory=tmp, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = 0.1 * ms
    c = CELL
    eqs = """dv/dt = (v_rest - v) / tau_m + (ie + ii) / c_m : volt (unless refractory)
             die/dt = -ie / tau_e : amp
             dii/dt = -ii / tau_i : amp"""
    ns = dict(v_rest=c["v_rest"] * mV, tau_m=c["tau_m"] * ms, c_m=c["cm"] * nF, tau_e=c["tau_syn_E"] * ms,
              tau_i=c["tau_syn_I"] * ms, v_th=c["v_thresh"] * mV, v_reset=c["v_reset"] * mV)
    g = b2.NeuronGroup(N_EXC + N_INH, eqs, threshold="v > v_th", reset="v = v_reset",
                       refractory=c["tau_refrac"] * ms, method="exact", namespace=ns)
    g.v = c["v_rest"] * mV
    idx = np.concatenate([np.full(len(t), i) for i, t in enumerate(net["trains"])])
    times = np.concatenate(net["trains"])
    src = b2.SpikeGeneratorGroup(N_EXT, idx, times * ms)
    s_ext = b2.Synapses(src, g, on_pre=f"ie += {W_EXT} * nA")
    s_ext.connect(i=net["ext"][:, 0], j=net["ext"][:, 1])
    s_exc = b2.Synapses(g, g, on_pre=f"ie += {W_EXC} * nA", delay=LATENCY_MS * ms)
    s_exc.connect(i=net["exc"][:, 0], j=net["exc"][:, 1])
    s_inh = b2.Synapses(g, g, on_pre=f"ii += {W_INH} * nA", delay=LATENCY_MS * ms)
    s_inh.connect(i=net["inh"][:, 0] + N_EXC, j=net["inh"][:, 1])
    mon = b2.SpikeMonitor(g)
    b2.run(T_MS * ms)
    b2.device.build(directory=tmp, compile=True, run=True, with_output=False)
    t1 = time.perf_counter()
    loop_s = float(b2.device._last_run_time)
    i, t = np.asarray(mon.i), np.asarray(mon.t / ms)
    b2.device.reinit()
    b2.device.activate()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"trains": [t[i == k] for k in range(N_EXC + N_INH)], "time_to_result_s": t1 - t0,
            "loop_s": loop_s, "version": b2.__version__}


def rates(trains):
    counts = np.array([len(t) for t in trains])
    return counts[:N_EXC].mean() / (T_MS / 1000.0), counts[N_EXC:].mean() / (T_MS / 1000.0), counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-brian2", action="store_true")
    args = ap.parse_args(argv)
    net = network()
    cache = tempfile.mkdtemp(prefix="pynn_cuba_calix_")
    cold = run_pynn(net, cache)                          # calibrates once (cached afterwards)
    warm = [run_pynn(net, cache) for _ in range(args.reps)]
    shutil.rmtree(cache, ignore_errors=True)
    e = warm[-1]
    re_, ri_, ce = rates(e["trains"])
    ttr = statistics.median(w["time_to_result_s"] for w in warm)
    run_s = statistics.median(w["run_s"] for w in warm)
    print(f"CUBA on the chip: {N_EXC}+{N_INH} IF_curr_exp, {e['synapses']} synapses, {T_MS:g} ms biological")
    print(f"  emulator via PyNN: exc {re_:.2f} Hz, inh {ri_:.2f} Hz, {int(ce.sum())} spikes; time to result "
          f"{ttr:.3f} s (run {run_s:.3f} s; first run with calibration {cold['time_to_result_s']:.2f} s, "
          f"calibration {cold['calibration_s']:.2f} s)")
    result = {"rate_exc_hz": round(re_, 3), "rate_inh_hz": round(ri_, 3), "spikes": int(ce.sum()),
              "time_to_result_s": round(ttr, 4), "pynn_run_s": round(run_s, 4),
              "first_time_to_result_s": round(cold["time_to_result_s"], 3),
              "wall_per_bio": round(run_s / (T_MS / 1000.0), 4)}
    brian2_result = None
    if not args.no_brian2:
        try:
            import brian2  # noqa: F401
            brian2_result = run_brian2(net)
        except ImportError:
            print("  brian2: not importable (pip install '.[validation]')")
    if brian2_result is not None:
        rb_e, rb_i, cb = rates(brian2_result["trains"])
        corr = float(np.corrcoef(ce, cb)[0, 1]) if ce.std() and cb.std() else float("nan")
        print(f"  brian2 {brian2_result['version']} cpp_standalone 1t: exc {rb_e:.2f} Hz, inh {rb_i:.2f} Hz, "
              f"{int(cb.sum())} spikes; time to result {brian2_result['time_to_result_s']:.2f} s (loop "
              f"{brian2_result['loop_s']:.3f} s)")
        print(f"  same run: rate ratio emulator/brian2 exc {re_ / rb_e:.3f}, inh {ri_ / rb_i:.3f}; per-neuron "
              f"spike-count correlation {corr:.3f}; time to result x{brian2_result['time_to_result_s'] / ttr:.1f} faster")
        result.update(brian2_rate_exc_hz=round(rb_e, 3), brian2_rate_inh_hz=round(rb_i, 3),
                      brian2_spikes=int(cb.sum()), brian2_time_to_result_s=round(brian2_result["time_to_result_s"], 3),
                      brian2_loop_s=round(brian2_result["loop_s"], 4), rate_ratio_exc=round(re_ / rb_e, 4),
                      rate_ratio_inh=round(ri_ / rb_i, 4), count_corr=round(corr, 4))
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
