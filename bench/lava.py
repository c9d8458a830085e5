"""One network, three targets: the emulated chip, Lava's fixed-point models and their numpy reference.

Two workloads, each a NIR graph imported once (grenade.nir.from_nir) and run on
  * the calibrated emulated chip (``NIRImport.run``; calibration cached, not timed),
  * Lava ``fixed_pt`` (Loihi 2 bit-accurate CPU models) in the ``.venv-lava`` worker,
  * the numpy reference of the same fixed-point semantics (grenade.lava.fixed.reference_run):
1. ``lif``: the NIR paper's LIF task graph (Norse's export: Affine w=1 -> LIF tau 2.5 ms,
   threshold 0.1, reset 0; seconds as time unit; dt 0.1 ms, 1000 steps) driven by 34 input spikes
   (the paper's CSV input is not shipped: a fixed pattern of bursts and scattered spikes).  The chip
   has no instantaneous synapse: the import puts its shortest tau_syn there (with w_in = dt / tau_syn),
   Lava runs the same import.
2. ``cuba256``: 256 CubaLIF neurons (tau_syn 5 ms, tau_mem 10 ms), recurrent p=0.1 (80 % excitatory
   presynaptic neurons, 20 % inhibitory), 64 Poisson inputs (p=0.1, 20 Hz), 500 ms, dt 0.1 ms.
3. ``pynn_cuba``: a CUBA network written in PyNN in biological units (200 excitatory + 50 inhibitory
   IF_curr_exp, tau_syn 5 ms, tau_refrac 2 ms, p = 0.1 everywhere, 100 Poisson inputs at 20 Hz drawn
   with numpy, 500 ms), the same script run with ``setup(units="biological")`` (the chip),
   ``target="lava"`` (fixed_pt) and ``target="lava", lava_mode="reference"``.

Figures per workload: rates (Hz, biological), per-neuron spike-count correlation chip vs Lava,
spike-time agreement (fraction of spikes with a partner of the same neuron within +-1 ms in the
other run, averaged over both directions), wall time per biological second for each target,
Lava's compile time and per-step overhead, and whether Lava equals the reference bit for bit.
The last line is ``RESULT`` + one JSON object.

    python bench/lava.py [--runtime-ms 500] [--timeout 600] [--pynn-runtime-ms 500]
"""
from __future__ import annotations

import argparse
import json
import time

import nir
import numpy as np

from grenade.lava.lowering import lower_nir_import, run_on_lava, run_reference, spikes_per_neuron
from grenade.nir import from_nir


def lif_task():
    """The NIR paper's LIF graph (seconds) and its input (one train), runtime and dt in seconds."""
    g = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([1])}),
        "affine": nir.Affine(weight=np.array([[1.0]]), bias=np.array([0.0])),
        "lif": nir.LIF(tau=np.array([0.0025]), r=np.array([1.0]), v_leak=np.array([0.0]),
                       v_threshold=np.array([0.1]), v_reset=np.array([0.0])),
        "output": nir.Output(output_type={"output": np.array([1])})},
        edges=[("input", "affine"), ("affine", "lif"), ("lif", "output")])
    rng = np.random.default_rng(7)
    steps = np.concatenate([200 + 3 * np.arange(8), 450 + 4 * np.arange(8), 700 + 5 * np.arange(8),
                            rng.choice(np.arange(0, 1000), 10, replace=False)])
    times = np.unique(steps)[:34] * 1e-4
    return g, 1.0, {"input": [times]}, 0.1, 1e-4


def cuba_task(runtime_ms, n=256, n_in=64, seed=3):
    """A recurrent CUBA network of ``n`` CubaLIF neurons (ms) with Poisson input."""
    rng = np.random.default_rng(seed)
    f = lambda v: np.full(n, float(v))   # noqa: E731
    w_in = (rng.random((n, n_in)) < 0.1) * rng.uniform(1.0, 2.0, (n, n_in))
    rec = (rng.random((n, n)) < 0.1) * rng.uniform(0.1, 0.3, (n, n))
    np.fill_diagonal(rec, 0.0)
    rec[:, int(0.8 * n):] *= -5.0                      # inhibitory presynaptic neurons
    g = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "w_in": nir.Linear(weight=w_in),
        "lif": nir.CubaLIF(tau_syn=f(5.0), tau_mem=f(10.0), r=f(1.0), v_leak=f(0.0), v_threshold=f(1.0),
                           v_reset=f(0.0), w_in=f(1.0)),
        "w_rec": nir.Linear(weight=rec),
        "output": nir.Output(output_type={"output": np.array([n])})},
        edges=[("input", "w_in"), ("w_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    steps = int(runtime_ms / 0.1)
    trains = [np.flatnonzero(rng.random(steps) < 20.0 * 1e-4) * 0.1 for _ in range(n_in)]
    return g, 1e-3, {"input": trains}, float(runtime_ms), 0.1


def agreement(a, b, window):
    """Mean over both directions of the fraction of spikes with a partner within ``window``."""
    def frac(x, y):
        hits = total = 0
        for s, t in zip(x, y):
            total += len(s)
            if len(s) and len(t):
                idx = np.clip(np.searchsorted(t, s), 1, len(t)) - 1
                d = np.minimum(np.abs(s - t[idx]), np.abs(s - t[np.minimum(idx + 1, len(t) - 1)]))
                hits += int(np.count_nonzero(d <= window + 1e-12))
        return hits / total if total else 1.0
    return 0.5 * (frac(a, b) + frac(b, a))


def corr(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.corrcoef(x, y)[0, 1]) if len(x) > 1 and x.std() > 0 and y.std() > 0 else float("nan")


def bench(name, graph, time_unit, spikes, runtime, dt, connection, timeout):
    import calix
    import grenade
    imported = from_nir(graph, time_unit=time_unit, dt=dt)
    bio_s = runtime * time_unit
    from calix.common.exceptions import CalibNotSuccessful
    try:
        calibration = calix.calibrate(imported.calib_target(), connection=connection)
        failed = 0
    except CalibNotSuccessful as e:   # e.g. the shortest tau_syn misses its tolerance on some circuits
        calibration, failed = e.result, len(e.result.failures) if hasattr(e.result, "failures") else -1
    t0 = time.perf_counter()
    chip = imported.run(connection, calibration, spikes, runtime)["lif"]
    chip_wall = time.perf_counter() - t0
    grenade.forget(connection)
    low = lower_nir_import(imported, spikes, runtime, dt)
    t0 = time.perf_counter()
    ref = run_reference(low)
    ref_wall = time.perf_counter() - t0
    lava = run_on_lava(low, timeout=timeout)
    identical = all(np.array_equal(ref.rasters[k], lava.rasters[k]) for k in ref.rasters)
    lava_t = spikes_per_neuron(low, lava.rasters)["lif"]
    n = len(lava_t)
    rate = lambda trains: sum(len(s) for s in trains) / n / bio_s   # noqa: E731
    chip_rate, lava_rate = rate(chip), rate(lava_t)
    ms = 1e-3 / time_unit                                           # 1 ms in time_unit
    out = {
        f"{name}_neurons": n, f"{name}_calibration_failures": failed, f"{name}_bio_s": bio_s, f"{name}_steps": low.network.steps,
        f"{name}_lava_vs_reference_identical": bool(identical),
        f"{name}_rate_chip_hz": chip_rate, f"{name}_rate_lava_hz": lava_rate,
        f"{name}_rate_reference_hz": rate(spikes_per_neuron(low, ref.rasters)["lif"]),
        f"{name}_spikes_chip": int(sum(len(s) for s in chip)), f"{name}_spikes_lava": int(sum(len(s) for s in lava_t)),
        f"{name}_chip_vs_lava_rate_ratio": chip_rate / lava_rate if lava_rate else float("nan"),
        f"{name}_chip_vs_lava_count_corr": corr([len(s) for s in chip], [len(s) for s in lava_t]),
        f"{name}_spike_time_agreement_1ms": agreement([np.sort(s) for s in chip], lava_t, ms),
        f"{name}_lava_weight_requant_error": max(low.weight_error.values()),
        f"{name}_wall_per_bio_s_chip": chip_wall / bio_s,
        f"{name}_wall_per_bio_s_lava": lava.timing.total_s / bio_s,
        f"{name}_wall_per_bio_s_reference": ref_wall / bio_s,
        f"{name}_lava_compile_s": lava.timing.build_s,
        f"{name}_lava_step_ms": lava.timing.run_s / low.network.steps * 1e3,
        f"{name}_lava_processes": len(low.network.sources) + 2 * len(low.network.populations)
        + len(low.network.projections),
    }
    for k, v in out.items():
        print(f"{k}: {v}")
    return out


PYNN_CELL = dict(cm=1.0, tau_m=20.0, tau_syn_E=5.0, tau_syn_I=5.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0,
                 tau_refrac=2.0)


def pynn_cuba(runtime_ms, target, n_exc=200, n_inh=50, n_in=100, seed=5):
    """The PyNN CUBA script on ``target`` (setup() options); (spike trains per neuron, wall s of
    run() + get_data(), the LavaRun or None)."""
    import pynn_brainscales.brainscales2 as pynn
    from pynn_brainscales.brainscales2 import simulator
    rng = np.random.default_rng(seed)
    steps = int(runtime_ms / 0.1)
    trains = [np.flatnonzero(rng.random(steps) < 20.0 * 1e-4) * 0.1 for _ in range(n_in)]
    pynn.setup(units="biological", **target)
    cells = pynn.Population(n_exc + n_inh, pynn.IF_curr_exp(**PYNN_CELL), label="cells")
    src = pynn.Population(n_in, pynn.SpikeSourceArray(spike_times=[list(t) for t in trains]), label="input")
    cells.record("spikes")
    exc, inh = cells[:n_exc], cells[n_exc:]
    conn = pynn.FixedProbabilityConnector(0.1, rng=pynn.NumpyRNG(seed))
    pynn.Projection(src, cells, conn, pynn.StaticSynapse(weight=0.6), receptor_type="excitatory")
    pynn.Projection(exc, cells, conn, pynn.StaticSynapse(weight=0.25), receptor_type="excitatory")
    pynn.Projection(inh, cells, conn, pynn.StaticSynapse(weight=-1.0), receptor_type="inhibitory")
    pynn.run(None, pynn.RunCommand.PREPARE)       # the chip calibrates here (not timed)
    t0 = time.perf_counter()
    pynn.run(runtime_ms)
    out = [np.asarray(t.magnitude) for t in cells.get_data().segments[0].spiketrains]
    wall = time.perf_counter() - t0
    lava_run = simulator.state.lava_run
    pynn.end()
    return out, wall, lava_run


def bench_pynn(runtime_ms):
    """Figures of the PyNN CUBA script on the chip, Lava fixed_pt and the reference mode."""
    from grenade.lava import reference_run
    chip, chip_wall, _ = pynn_cuba(runtime_ms, {})
    lava, lava_wall, run = pynn_cuba(runtime_ms, {"target": "lava"})
    ref, ref_wall, _ = pynn_cuba(runtime_ms, {"target": "lava", "lava_mode": "reference"})
    oracle = reference_run(run.network)
    identical = all(np.array_equal(oracle[k], run.rasters[k]) for k in oracle) and \
        all(np.array_equal(a, b) for a, b in zip(lava, ref))
    bio_s, n = runtime_ms * 1e-3, len(lava)
    rate = lambda trains: sum(len(s) for s in trains) / n / bio_s   # noqa: E731
    out = {
        "pynn_cuba_neurons": n, "pynn_cuba_lava_vs_reference_identical": bool(identical),
        "pynn_cuba_rate_chip_hz": rate(chip), "pynn_cuba_rate_lava_hz": rate(lava),
        "pynn_cuba_chip_vs_lava_rate_ratio": rate(chip) / rate(lava) if rate(lava) else float("nan"),
        "pynn_cuba_chip_vs_lava_count_corr": corr([len(s) for s in chip], [len(s) for s in lava]),
        "pynn_cuba_spike_time_agreement_1ms": agreement(chip, lava, 1.0),
        "pynn_cuba_wall_per_bio_s_chip": chip_wall / bio_s, "pynn_cuba_wall_per_bio_s_lava": lava_wall / bio_s,
        "pynn_cuba_wall_per_bio_s_reference": ref_wall / bio_s,
        "pynn_cuba_lava_step_ms": run.timing["run_s"] / run.network.steps * 1e3,
        "pynn_cuba_lava_processes": len(run.network.sources) + 2 * len(run.network.populations)
        + len(run.network.projections),
    }
    for k, v in out.items():
        print(f"{k}: {v}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime-ms", type=float, default=500.0, help="cuba256 biological run time (ms)")
    ap.add_argument("--timeout", type=float, default=600.0, help="Lava worker wall-clock timeout (s)")
    ap.add_argument("--pynn-runtime-ms", type=float, default=500.0, help="pynn_cuba biological run time (ms)")
    args = ap.parse_args()
    import hxcomm
    result = {}
    with hxcomm.ManagedConnection() as connection:
        result.update(bench("lif", *lif_task(), connection, args.timeout))
        result.update(bench("cuba256", *cuba_task(args.runtime_ms), connection, args.timeout))
    result["lava_vs_reference_identical"] = bool(result["lif_lava_vs_reference_identical"]
                                                 and result["cuba256_lava_vs_reference_identical"])
    result["chip_vs_lava_rate_ratio"] = result["cuba256_chip_vs_lava_rate_ratio"]
    result["chip_vs_lava_count_corr"] = result["cuba256_chip_vs_lava_count_corr"]
    result.update(bench_pynn(args.pynn_runtime_ms))
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
