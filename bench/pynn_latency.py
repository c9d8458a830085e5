"""Warm end-to-end latency of a 1-neuron PyNN experiment on the emulator:
setup -> Population(HXNeuron) -> SpikeSourceArray -> Projection -> record spikes ->
run(0.2) -> get_data -> end.  Median over ``--reps`` warm repetitions (after
``--warmup`` ones), with a per-stage breakdown (PyNN stages and the grenade
ExecutionTimeInfo of the run).  Target: <= 20 ms.  Last line: ``RESULT {...}``.

    .venv/bin/python bench/pynn_latency.py [--reps 20] [--warmup 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import pynn_brainscales.brainscales2 as pynn

STAGES = ("setup", "create", "projection", "record", "run", "get_data", "end")


def experiment(connection=None):
    """One experiment; returns (per-stage seconds, number of output spikes, grenade timing)."""
    t = {}
    t0 = time.perf_counter()
    if connection is None:
        pynn.setup()
    else:
        pynn.setup(connection=connection)
    t1 = time.perf_counter()
    nrn = pynn.Population(1, pynn.HXNeuron.spiking())
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=list(np.arange(0.01, 0.19, 0.005))))
    t2 = time.perf_counter()
    pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63),
                    receptor_type="excitatory")
    t3 = time.perf_counter()
    nrn.record(["spikes"])
    t4 = time.perf_counter()
    pynn.run(0.2)
    t5 = time.perf_counter()
    block = nrn.get_data()
    n_spikes = sum(len(st) for st in block.segments[0].spiketrains)
    t6 = time.perf_counter()
    timing = pynn.get_backend_statistics()["timing"]
    pynn.end()
    t7 = time.perf_counter()
    for name, (a, b) in zip(STAGES, [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6), (t6, t7)]):
        t[name] = b - a
    t["total"] = t7 - t0
    return t, n_spikes, timing


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()

    for _ in range(args.warmup):
        experiment()
    runs = [experiment() for _ in range(args.reps)]
    med = {k: statistics.median(r[0][k] for r in runs) * 1e3 for k in STAGES + ("total",)}
    grenade_med = {k: statistics.median(getattr(r[2], k) for r in runs) * 1e3
                   for k in ("route_s", "build_s", "run_s", "decode_s", "total_s")}
    spikes = runs[-1][1]
    print(f"PyNN 1-neuron experiment, {args.reps} warm repetitions (median ms):")
    for k in STAGES:
        print(f"  {k:10s} {med[k]:7.2f}")
    print(f"  {'total':10s} {med['total']:7.2f}")
    print("  inside run (grenade): " + ", ".join(f"{k[:-2]} {v:.2f}" for k, v in grenade_med.items()))
    print(f"  output spikes: {spikes}")
    result = {"pynn_e2e_ms": round(med["total"], 3), "pynn_e2e_min_ms": round(min(r[0]["total"] for r in runs) * 1e3, 3),
              "stages_ms": {k: round(med[k], 3) for k in STAGES},
              "grenade_ms": {k: round(v, 3) for k, v in grenade_med.items()}, "spikes": spikes,
              "target_ms": 20}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
