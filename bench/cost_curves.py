"""Cost curves of the real path: wall time of a grenade run on the emulated chip against the number
of neurons, synapses, input rate and biological duration; PNG figures for docs/performance.md.

The network: ``N`` LIF neurons (raw CapMem values as in tests/grenade/test_emulator_reference.py,
placed from circuit 0), driven by 64 on-chip Poisson sources (``BackgroundSourcePopulation``, no
host input, so durations of 100 s of biology fit one program), 16 sources per neuron, plus
recurrent excitatory connections with probability ``p`` (the last fifth of the neurons inhibit).
Each point is one ``grenade.run`` (program build, emulator, decode of the spikes) on one
connection, after a warm-up run of the same network; biological time = hardware time x 1000.
Also reported per point: spikes, synaptic events (input and recurrent spikes times their
out-degree) and events per wall second, and the process's peak resident memory (the duration
sweep runs in increasing order, so its growth shows what a longer run keeps).

    python bench/cost_curves.py [--quick] [--out docs/performance]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

N_BG, K_BG = 64, 16
BG_PERIOD = 40              # 250 MHz ticks: one draw per 0.16 us of hardware time (up to ~97 Hz bio per source)


def neuron():
    import lola
    n = lola.AtomicNeuron()
    n.leak.v_leak, n.leak.i_bias = 600, 200
    n.reset.v_reset = 580
    n.threshold.enable, n.threshold.v_threshold = True, 320
    n.membrane_capacitance.capacitance = 63
    for syn in (n.excitatory_input, n.inhibitory_input):
        syn.enable, syn.i_bias_tau, syn.i_bias_gm = True, 300, 600
    n.refractory_period.refractory_time = 50
    n.event_routing.analog_output = lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal   # spikes leave
    return n


def background_register(rate_hz_bio):
    """The generator's ``rate`` register for a mean rate per source (Hz of biology)."""
    total_hw = rate_hz_bio * 1000.0 * N_BG                      # spikes per hardware second, all sources
    p = total_hw * BG_PERIOD / 250e6
    if not 0 < p <= 1:
        raise ValueError(f"input rate {rate_hz_bio} Hz per source needs P = {p:.3f} per period, not in (0, 1]")
    return max(1, int(round(p * 255)))


def network(n, p_rec, rate_hz_bio, seed=1):
    import grenade
    rng = np.random.default_rng(seed)
    b = grenade.NetworkBuilder()
    bg = b.add(grenade.BackgroundSourcePopulation(N_BG, period=BG_PERIOD, rate=background_register(rate_hz_bio),
                                                  seed=seed, enable_random=True))
    pop = b.add(grenade.Population(n, config=neuron()))
    src = np.concatenate([rng.choice(N_BG, K_BG, replace=False) for _ in range(n)])
    b.add(grenade.Projection("excitatory", bg, pop, (src, np.repeat(np.arange(n), K_BG), np.full(n * K_BG, 12))))
    mask = rng.random((n, n)) < p_rec
    np.fill_diagonal(mask, False)
    pre, post = np.nonzero(mask)
    inh = pre >= n - n // 5
    if (~inh).any():
        b.add(grenade.Projection("excitatory", pop, pop, (pre[~inh], post[~inh], np.full(int((~inh).sum()), 2))))
    if inh.any():
        b.add(grenade.Projection("inhibitory", pop, pop, (pre[inh], post[inh], np.full(int(inh.sum()), 30))))
    net = b.done()
    return net, pop, dict(synapses=int(n * K_BG + mask.sum()), out_degree=np.bincount(pre, minlength=n))


def measure(conn, n=256, p_rec=0.1, rate_hz_bio=20.0, bio_s=1.0):
    import grenade
    net, pop, info = network(n, p_rec, rate_hz_bio)
    routing = grenade.route(net)
    runtime_ms = bio_s                                   # 1 s of biology = 1 ms on the chip
    gen = grenade.InputGenerator(net, runtime=runtime_ms)
    grenade.run(conn, net, routing, gen)                 # warm-up: configuration written
    t0 = time.perf_counter()
    res = grenade.run(conn, net, routing, gen)
    sp = res.spikes(pop)
    wall = time.perf_counter() - t0
    neurons = np.asarray(sp["neuron"], np.int64)
    events = int(info["out_degree"][neurons].sum()) + int(round(rate_hz_bio * N_BG * bio_s)) * n * K_BG // N_BG
    return dict(neurons=n, p_rec=p_rec, rate_hz_bio=rate_hz_bio, bio_s=bio_s, synapses=info["synapses"],
                wall_s=wall, wall_per_bio=wall / bio_s, emulator_s=res.timing.run_s, spikes=int(len(sp)),
                events=events, events_per_wall_s=events / wall,
                maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)


def plot(rows, key, xlabel, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = [r[key] for r in rows]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(x, [r["wall_s"] for r in rows], "o-", label="wall time of one run (s)")
    ax.plot(x, [r["emulator_s"] for r in rows], "s--", label="emulator alone (s)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seconds")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if key == "bio_s":
        ax.set_xscale("log")
        ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter points (seconds)")
    ap.add_argument("--out", default=None, help="directory for the PNGs (none: no figures)")
    args = ap.parse_args(argv)
    import hxcomm
    q = args.quick
    sweeps = {
        "neurons": [dict(n=n) for n in ((64, 256) if q else (64, 128, 256, 384, 512))],
        "synapses": [dict(p_rec=p) for p in ((0.0, 0.2) if q else (0.0, 0.05, 0.1, 0.2, 0.3))],
        "rate": [dict(rate_hz_bio=r) for r in ((5.0, 40.0) if q else (5.0, 10.0, 20.0, 40.0, 80.0))],
        "duration": [dict(bio_s=t) for t in ((1.0, 3.0) if q else (1.0, 3.0, 10.0, 30.0, 100.0))],
    }
    out = {}
    with hxcomm.ManagedConnection() as conn:
        for name, points in sweeps.items():
            out[name] = [measure(conn, **kw) for kw in points]
            for r in out[name]:
                print(f"{name:9s} N={r['neurons']:4d} p={r['p_rec']:.2f} rate={r['rate_hz_bio']:5.1f} Hz "
                      f"T={r['bio_s']:6.1f} s  synapses={r['synapses']:6d}  wall {r['wall_s']:7.3f} s "
                      f"(emulator {r['emulator_s']:7.3f} s)  spikes {r['spikes']:8d}  events/wall-s "
                      f"{r['events_per_wall_s']:.3g}  maxrss {r['maxrss_mb']:.0f} MB")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        plot(out["neurons"], "neurons", "neurons (16 inputs each, p_rec 0.1, 20 Hz, 1 s bio)",
             os.path.join(args.out, "cost_neurons.png"), "wall time vs neurons")
        plot(out["synapses"], "synapses", "synapses (256 neurons, p_rec 0..0.3)",
             os.path.join(args.out, "cost_synapses.png"), "wall time vs synapses")
        plot(out["rate"], "rate_hz_bio", "input rate per source (Hz, biological)",
             os.path.join(args.out, "cost_rate.png"), "wall time vs input rate (256 neurons)")
        plot(out["duration"], "bio_s", "biological duration (s)",
             os.path.join(args.out, "cost_duration.png"), "wall time vs duration (256 neurons)")
    d = out["duration"]
    res = dict(wall_per_bio_256=round(out["neurons"][-1 if q else 2]["wall_per_bio"], 4),
               events_per_wall_s_max=round(max(r["events_per_wall_s"] for v in out.values() for r in v), 1),
               duration_longest_bio_s=d[-1]["bio_s"], duration_longest_wall_s=round(d[-1]["wall_s"], 3),
               maxrss_growth_mb_over_durations=round(d[-1]["maxrss_mb"] - d[0]["maxrss_mb"], 1))
    print("RESULT " + json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
