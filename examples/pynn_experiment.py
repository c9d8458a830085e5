"""End-to-end PyNN experiment on calibrated neurons: a synfire chain of CalibHXNeuronCuba groups
driven by a SpikeSourceArray pulse.  Prints spike statistics and the time of each stage, writes a
raster + membrane plot (PNG).

    .venv/bin/python examples/pynn_experiment.py [--groups 4] [--size 8] [--out out/pynn_experiment.png]
"""
import argparse
import os
import time

import numpy as np

import pynn_brainscales.brainscales2 as pynn


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, default=4)
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--weight", type=int, default=63)
    ap.add_argument("--runtime", type=float, default=0.2, help="hardware ms")
    ap.add_argument("--calibration-cache", default=None)
    ap.add_argument("--out", default="out/pynn_experiment.png")
    args = ap.parse_args(argv)
    t = {}
    t0 = time.perf_counter()
    pynn.setup(calibration_cache=args.calibration_cache)
    pulse = pynn.Population(args.size, pynn.SpikeSourceArray(spike_times=list(np.arange(0.02, 0.03, 0.002))))
    groups = [pynn.Population(args.size, pynn.CalibHXNeuronCuba(tau_refrac=20),
                              label=f"g{i}") for i in range(args.groups)]
    for g in groups:
        g.record("spikes")
    pynn.PopulationView(groups[0], [0]).record("v")
    conn = pynn.AllToAllConnector()
    pynn.Projection(pulse, groups[0], conn, pynn.StaticSynapse(weight=args.weight), receptor_type="excitatory")
    for a, b in zip(groups[:-1], groups[1:]):
        pynn.Projection(a, b, conn, pynn.StaticSynapse(weight=args.weight), receptor_type="excitatory")
    t["build"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    pynn.run(args.runtime)
    t["run (incl. calibration)"] = time.perf_counter() - t1
    stats = pynn.get_backend_statistics()
    t["  calibration"] = stats["calibration"]["seconds"]
    t["  grenade"] = stats["timing"].total_s
    t2 = time.perf_counter()
    segs = [g.get_data().segments[0] for g in groups]
    t["get_data"] = time.perf_counter() - t2
    print(f"synfire chain: {args.groups} groups x {args.size} CalibHXNeuronCuba, {args.runtime} ms hardware time")
    first_times = []
    for i, seg in enumerate(segs):
        counts = [len(s) for s in seg.spiketrains]
        all_t = np.concatenate([np.asarray(s) for s in seg.spiketrains] or [np.zeros(0)])
        first = float(all_t.min()) if all_t.size else float("nan")
        first_times.append(first)
        print(f"  group {i}: {sum(counts):4d} spikes, {sum(c > 0 for c in counts)}/{args.size} neurons active, "
              f"first spike {first * 1e3:.1f} us")
    t3 = time.perf_counter()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for i, seg in enumerate(segs):
        for j, s in enumerate(seg.spiketrains):
            ax1.plot(np.asarray(s), np.full(len(s), i * args.size + j), "|", color=f"C{i}")
    ax1.set_ylabel("neuron")
    ax1.set_title("synfire chain on calibrated neurons (emulated BrainScaleS-2)")
    for seg, lab in ((segs[0], "group 0, neuron 0"),):
        sig = seg.irregularlysampledsignals[0]
        ax2.plot(np.asarray(sig.times), np.asarray(sig).ravel(), lw=0.6, label=lab)
    ax2.set_xlabel("time [ms, hardware]")
    ax2.set_ylabel("membrane [MADC LSB]")
    ax2.legend(loc="upper right")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    t["plot"] = time.perf_counter() - t3
    pynn.end()
    print("stage times:")
    for k, v in t.items():
        print(f"  {k:24s} {v * 1e3:8.1f} ms")
    print(f"wrote {args.out}")
    return first_times


if __name__ == "__main__":
    main()
