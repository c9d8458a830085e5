"""A balanced network written as for NEST, on the emulated chip: IF_curr_exp excitatory and
inhibitory populations in biological units, driven by on-chip Poisson background generators.
The only differences to a NEST script are the import and ``setup(units="biological")``.
Prints rates, irregularity and the time of each stage, writes a raster + membrane plot (PNG).

    .venv/bin/python examples/pynn_balanced.py [--n-exc 200] [--n-inh 50] [--out out/pynn_balanced.png]
"""
import argparse
import os
import time

import numpy as np

import pynn_brainscales.brainscales2 as sim


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-exc", type=int, default=200)
    ap.add_argument("--n-inh", type=int, default=50)
    ap.add_argument("--duration", type=float, default=1000.0, help="ms of biological time")
    ap.add_argument("--background-rate", type=float, default=35.0, help="Hz per background source")
    ap.add_argument("--w-exc", type=float, default=0.3, help="nA")
    ap.add_argument("--g", type=float, default=6.0, help="relative strength of inhibition")
    ap.add_argument("--calibration-cache", default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="out/pynn_balanced.png")
    args = ap.parse_args(argv)
    t = {}
    t0 = time.perf_counter()

    sim.setup(units="biological", calibration_cache=args.calibration_cache)
    rng = sim.NumpyRNG(seed=args.seed)
    cell = sim.IF_curr_exp(tau_m=20.0, tau_syn_E=5.0, tau_syn_I=5.0, v_rest=-65.0, v_reset=-65.0,
                           v_thresh=-50.0, tau_refrac=2.0, cm=1.0)
    exc = sim.Population(args.n_exc, cell, label="exc")
    inh = sim.Population(args.n_inh, cell, label="inh")
    background = sim.Population(64, sim.SpikeSourcePoissonOnChip(rate=args.background_rate, seed=args.seed),
                                label="background")
    exc.record("spikes")
    inh.record("spikes")
    exc[0:1].record("v")
    inh[1:2].record("v")       # the MADC reads one even and one odd column
    all_cells = exc + inh
    sim.Projection(background, all_cells, sim.FixedNumberPreConnector(16, rng=rng),
                   sim.StaticSynapse(weight=args.w_exc), receptor_type="excitatory", label="background")
    sim.Projection(exc, all_cells, sim.FixedProbabilityConnector(0.1, rng=rng),
                   sim.StaticSynapse(weight=args.w_exc), receptor_type="excitatory", label="E->all")
    sim.Projection(inh, all_cells, sim.FixedProbabilityConnector(0.1, rng=rng),
                   sim.StaticSynapse(weight=-args.g * args.w_exc), receptor_type="inhibitory", label="I->all")
    t["build"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    sim.run(args.duration)
    t["run (incl. calibration)"] = time.perf_counter() - t1
    stats = sim.get_backend_statistics()
    t["  calibration"] = stats["calibration"]["seconds"]
    t["  grenade"] = stats["timing"].total_s
    t2 = time.perf_counter()
    seg_e, seg_i = exc.get_data().segments[0], inh.get_data().segments[0]
    t["get_data"] = time.perf_counter() - t2

    def summary(seg, n):
        trains = [np.asarray(s) for s in seg.spiketrains]
        rate = sum(len(s) for s in trains) / n / (args.duration / 1000.0)
        isi = [np.diff(s) for s in trains if len(s) > 2]
        cv = float(np.mean([d.std() / d.mean() for d in isi])) if isi else float("nan")
        return rate, cv, sum(len(s) > 0 for s in trains)

    (rate_e, cv_e, act_e), (rate_i, cv_i, act_i) = summary(seg_e, args.n_exc), summary(seg_i, args.n_inh)
    print(f"balanced network: {args.n_exc} exc + {args.n_inh} inh IF_curr_exp, {args.duration:g} ms biological "
          f"({args.duration / 1000:g} ms on the chip), on-chip Poisson background {args.background_rate:g} Hz x 16")
    print(f"  exc: {rate_e:6.1f} Hz, CV(ISI) {cv_e:.2f}, {act_e}/{args.n_exc} active")
    print(f"  inh: {rate_i:6.1f} Hz, CV(ISI) {cv_i:.2f}, {act_i}/{args.n_inh} active")
    r = stats["routing"]
    print(f"  routing: {r.synapses} synapses, {r.synapse_drivers} synapse drivers, {r.label_groups} label groups")

    t3 = time.perf_counter()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for offset, seg, color in ((0, seg_e, "C0"), (args.n_exc, seg_i, "C3")):
        for j, s in enumerate(seg.spiketrains):
            ax1.plot(np.asarray(s), np.full(len(s), offset + j), "|", color=color, ms=2)
    ax1.set_ylabel("neuron (exc blue, inh red)")
    ax1.set_title("balanced IF_curr_exp network, biological units (emulated BrainScaleS-2)")
    for seg, lab, color in ((seg_e, "exc neuron 0", "C0"), (seg_i, "inh neuron 1", "C3")):
        sig = seg.analogsignals[0]               # PyNN's format: one column per recorded neuron
        ax2.plot(np.asarray(sig.times), np.asarray(sig)[:, 0], lw=0.5, color=color, label=lab)
    ax2.set_xlabel("time [ms, biological]")
    ax2.set_ylabel("membrane [mV]")
    ax2.legend(loc="upper right")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    t["plot"] = time.perf_counter() - t3
    sim.end()
    print("stage times:")
    for k, v in t.items():
        print(f"  {k:24s} {v * 1e3:8.1f} ms")
    print(f"wrote {args.out}")
    return {"rate_exc": rate_e, "rate_inh": rate_i, "cv_exc": cv_e, "cv_inh": cv_i}


if __name__ == "__main__":
    main()
