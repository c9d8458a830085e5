"""adex512 on the emulator's analog kernel (hxsim.ModelSimulator), with Brian2 beside it.

The chip-sized AdEx network of bench/_workloads.py (512 neurons, 256 Poisson
sources, 34 207 synapses, 1 s of biology = 1000 us of hardware time) runs on
``hxsim.ModelSimulator`` at dt = 0.1 ms and 0.01 ms biological (0.1 / 0.01 us
hardware), median of ``--reps`` repetitions each, and, when Brian2 is
importable, once in Brian2 ``cpp_standalone`` with one thread in the same
invocation (``--no-brian2`` skips it).

Figures (the peer scripts' definitions, shared/peers/README.md):

- ``wall_per_bio``: the simulation loop (``RunResult.wall_s``; Brian2: the
  binary's own loop timer) per biological second;
- ``time_to_result_s``: from the Python model description (the workload's
  arrays) to spikes in hand: building the simulator + the whole ``run`` call;
  Brian2: construction + code generation + compilation + run;
- ``events``: synaptic events = sum over spikes (recurrent and input) of the
  sender's out-degree; ``events_per_wall_s`` = events / loop time.

Targets: wall_per_bio <= 0.034 s and time_to_result < 0.2 s at dt 0.1 ms.
The last line is ``RESULT`` + one JSON object.

    python bench/adex512.py [--reps 7] [--no-brian2] [--brian2-dt 0.1 0.01]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import _workloads as W  # noqa: E402

TARGET_WALL_PER_BIO = 0.034
TARGET_TIME_TO_RESULT = 0.2

#: Medians measured with the peer scripts on a 2-core machine of this project's
#: kind (shared/peers/measured-summary.md), 1 thread: wall per biological second.
PEER_WALL_PER_BIO = {
    0.1: {"brian2 cpp_standalone": 0.0681, "brian2 cython": 0.401, "nest": 1.65},
    0.01: {"brian2 cpp_standalone": 0.661, "brian2 cython": 2.95, "nest": 15.7},
}
PEER_SPIKES = {0.1: {"brian2": 4909, "nest": 4886}, 0.01: {"brian2": 4895, "nest": 4909}}


def emulator_figures(net, dt_ms, reps):
    """Median figures of ``reps`` fresh build + run cycles (after one warm-up)."""
    T_s = float(net["T_ms"]) / 1000.0
    W.run_model_simulator(net, dt_ms)           # warm-up: page-in, allocator
    runs = [W.run_model_simulator(net, dt_ms) for _ in range(reps)]
    first = runs[0]
    for r in runs[1:]:                          # deterministic: every run the same
        assert np.array_equal(r["spike_i"], first["spike_i"])
        assert np.array_equal(r["spike_t_ms"], first["spike_t_ms"])
    run_s = statistics.median(r["run_s"] for r in runs)
    return dict(
        dt_ms=dt_ms, reps=reps, run_s=run_s, wall_per_bio=run_s / T_s,
        run_s_min=min(r["run_s"] for r in runs), run_s_max=max(r["run_s"] for r in runs),
        build_s=statistics.median(r["build_s"] for r in runs),
        time_to_result_s=statistics.median(r["time_to_result_s"] for r in runs),
        spikes=int(first["spike_i"].size), events=first["events"],
        events_reported=first["events_reported"],
        events_per_wall_s=first["events"] / run_s,
        rate_Hz=first["spike_i"].size / net["params"]["N"] / T_s,
        spike_i=first["spike_i"])


def brian2_figures(net, dt_ms):
    T_s = float(net["T_ms"]) / 1000.0
    r = W.run_brian2(net, dt_ms=dt_ms, target="cpp_standalone", threads=1)
    return dict(dt_ms=dt_ms, run_s=r["run_s"], wall_per_bio=r["run_s"] / T_s,
                build_s=r["build_s"], time_to_result_s=r["time_to_result_s"],
                spikes=int(r["spike_i"].size), events=r["events"],
                events_per_wall_s=r["events"] / r["run_s"] if r["run_s"] > 0 else float("nan"),
                rate_Hz=r["spike_i"].size / net["params"]["N"] / T_s,
                version=r["version"], spike_i=r["spike_i"])


def rate_correlation(a, b, n):
    ca, cb = np.bincount(a, minlength=n), np.bincount(b, minlength=n)
    return float(np.corrcoef(ca, cb)[0, 1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7, help="emulator repetitions per dt (median)")
    ap.add_argument("--no-brian2", action="store_true", help="skip the Brian2 run")
    ap.add_argument("--brian2-dt", type=float, nargs="+", default=[0.1],
                    help="time steps (ms) for Brian2 cpp_standalone (each compiles anew)")
    ap.add_argument("--seed", type=int, default=W.ADEX512_SEED)
    ap.add_argument("--T", type=float, default=1.0, help="biological seconds")
    args = ap.parse_args(argv)

    import hxsim
    t0 = time.perf_counter()
    net = W.adex512_network(seed=args.seed, T_ms=args.T * 1000.0)
    gen_s = time.perf_counter() - t0
    N = net["params"]["N"]

    emu = {dt: emulator_figures(net, dt, args.reps if dt >= 0.1 else max(3, args.reps // 2))
           for dt in (0.1, 0.01)}
    b2 = {}
    b2_note = ""
    if args.no_brian2:
        b2_note = "skipped (--no-brian2)"
    elif not W.brian2_available():
        b2_note = "skipped (brian2 not importable; pip install '.[validation]')"
    else:
        for dt in args.brian2_dt:
            b2[dt] = brian2_figures(net, dt)

    # --- table -------------------------------------------------------------------
    isa = getattr(hxsim._core, "kernel_isa", lambda: "?")()
    print(f"adex512: {N} AdEx neurons, {net['in_src'].size + net['rec_src'].size} synapses, "
          f"{net['spk_idx'].size} input spikes, {args.T:g} s biological (seed {args.seed}; "
          f"generated in {gen_s * 1e3:.0f} ms, not timed below)")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, numpy {np.__version__}, kernel {isa}")
    hdr = (f"{'simulator':<32}{'dt ms':>6}{'wall/bio s':>12}{'to result s':>13}"
           f"{'spikes':>8}{'events':>9}{'events/wall-s':>15}{'rate Hz':>9}")
    print(hdr)
    print("-" * len(hdr))
    rows = [(f"hxsim.ModelSimulator (med. {e['reps']})", e) for e in emu.values()]
    rows += [(f"brian2 {v['version']} cpp_standalone 1t", v) for v in b2.values()]
    for name, f in rows:
        print(f"{name:<32}{f['dt_ms']:>6g}{f['wall_per_bio']:>12.4f}{f['time_to_result_s']:>13.3f}"
              f"{f['spikes']:>8d}{f['events']:>9d}{f['events_per_wall_s']:>15.3g}"
              f"{f['rate_Hz']:>9.2f}")
    if b2_note:
        print(f"brian2: {b2_note}")
    e1 = emu[0.1]
    print(f"emulator loop spread at dt 0.1: {e1['run_s_min'] * 1e3:.1f}-{e1['run_s_max'] * 1e3:.1f} ms; "
          f"build {e1['build_s'] * 1e3:.1f} ms; events delivered inside the run "
          f"(RunResult.events) {e1['events_reported']}")

    print("\nratios (peer wall/bio / emulator wall/bio; > 1: the emulator is faster)")
    for dt, e in emu.items():
        parts = []
        if dt in b2:
            parts.append(f"brian2 cpp_standalone same run x{b2[dt]['wall_per_bio'] / e['wall_per_bio']:.2f}"
                         f" (time to result x{b2[dt]['time_to_result_s'] / e['time_to_result_s']:.0f})")
        parts += [f"{k} (measured) x{v / e['wall_per_bio']:.1f}"
                  for k, v in PEER_WALL_PER_BIO[dt].items()]
        print(f"  dt {dt:g} ms: " + "; ".join(parts))
    print("\nspike counts vs peers (same network and input)")
    for dt, e in emu.items():
        parts = [f"{k} (measured) {v} ({100 * (e['spikes'] - v) / v:+.2f} %)"
                 for k, v in PEER_SPIKES[dt].items()]
        if dt in b2:
            bs = b2[dt]["spikes"]
            parts.insert(0, f"brian2 same run {bs} ({100 * (e['spikes'] - bs) / bs:+.2f} %, "
                            f"per-neuron count r = {rate_correlation(e['spike_i'], b2[dt]['spike_i'], N):.4f})")
        print(f"  dt {dt:g} ms: emulator {e['spikes']}; " + "; ".join(parts))
    ok_w = e1["wall_per_bio"] <= TARGET_WALL_PER_BIO
    ok_t = e1["time_to_result_s"] < TARGET_TIME_TO_RESULT
    print(f"\ntargets at dt 0.1 ms: wall/bio <= {TARGET_WALL_PER_BIO} s: "
          f"{'met' if ok_w else 'MISSED'}; time to result < {TARGET_TIME_TO_RESULT} s: "
          f"{'met' if ok_t else 'MISSED'}")

    result = dict(
        wall_per_bio=round(e1["wall_per_bio"], 5),
        time_to_result_s=round(e1["time_to_result_s"], 4),
        spikes=e1["spikes"],
        events=e1["events"],
        events_per_wall_s=round(e1["events_per_wall_s"]),
        rate_Hz=round(e1["rate_Hz"], 3),
        wall_per_bio_dt001=round(emu[0.01]["wall_per_bio"], 5),
        time_to_result_s_dt001=round(emu[0.01]["time_to_result_s"], 4),
        spikes_dt001=emu[0.01]["spikes"],
    )
    if 0.1 in b2:
        b = b2[0.1]
        result.update(brian2_wall_per_bio=round(b["wall_per_bio"], 5),
                      brian2_time_to_result_s=round(b["time_to_result_s"], 3),
                      brian2_spikes=b["spikes"],
                      brian2_events_per_wall_s=round(b["events_per_wall_s"]),
                      spike_count_diff_vs_brian2_pct=round(
                          100 * (e1["spikes"] - b["spikes"]) / b["spikes"], 3),
                      rate_corr_vs_brian2=round(rate_correlation(e1["spike_i"], b["spike_i"], N), 5))
    if 0.01 in b2:
        b = b2[0.01]
        result.update(brian2_wall_per_bio_dt001=round(b["wall_per_bio"], 5),
                      brian2_spikes_dt001=b["spikes"])
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
