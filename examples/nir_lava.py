"""A NIR graph from another framework on the emulated chip and on Lava, side by side.

Reads a NIR file (``--nir``; without it, writes a small recurrent CubaLIF graph in seconds, as
Norse and snnTorch export them, and reads that), imports it onto the chip
(``grenade.nir.from_nir``), drives its Input with Poisson spike trains, runs it on the calibrated
emulated chip and on Lava's fixed-point models (``grenade.lava``, worker in ``.venv-lava``), and
plots both rasters into one PNG (``--out``).  Prints the spike counts and their correlation.

    python examples/nir_lava.py [--nir graph.nir] [--time-unit 1.0] [--dt 1e-4] [--runtime 0.2] --out rasters.png
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import nir
import numpy as np


def demo_graph(n_in=8, n=16, seed=5):
    """A recurrent CubaLIF layer in NIR's seconds (tau_syn 5 ms, tau_mem 10 ms)."""
    rng = np.random.default_rng(seed)
    f = lambda v: np.full(n, float(v))   # noqa: E731
    rec = (rng.random((n, n)) < 0.2) * rng.uniform(-0.6, 0.3, (n, n))
    return nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "fc": nir.Linear(weight=(rng.random((n, n_in)) < 0.5) * rng.uniform(0.5, 1.5, (n, n_in))),
        "lif": nir.CubaLIF(tau_syn=f(0.005), tau_mem=f(0.01), r=f(1.0), v_leak=f(0.0), v_threshold=f(1.0),
                           v_reset=f(0.0), w_in=f(1.0)),
        "rec": nir.Linear(weight=rec),
        "output": nir.Output(output_type={"output": np.array([n])})},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nir", type=Path, help="NIR file (default: write and read a demo graph)")
    ap.add_argument("--time-unit", type=float, default=1.0, help="seconds per time unit of the graph")
    ap.add_argument("--dt", type=float, default=1e-4, help="time step (graph's time unit)")
    ap.add_argument("--runtime", type=float, default=0.2, help="run time (graph's time unit)")
    ap.add_argument("--rate", type=float, default=30.0, help="input Poisson rate (Hz, biological)")
    ap.add_argument("--out", type=Path, default=Path("nir_lava.png"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    import calix
    import grenade
    import hxcomm
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from calix.common.exceptions import CalibNotSuccessful
    from grenade.lava.lowering import lower_nir_import, run_on_lava, spikes_per_neuron
    from grenade.nir import from_nir

    with tempfile.TemporaryDirectory() as tmp:
        path = args.nir
        if path is None:
            path = Path(tmp) / "demo.nir"
            nir.write(path, demo_graph())
        graph = nir.read(path)
    imported = from_nir(graph, time_unit=args.time_unit, dt=args.dt)
    rng = np.random.default_rng(args.seed)
    p = args.rate * args.dt * args.time_unit
    steps = int(round(args.runtime / args.dt))
    spikes = {name: [np.flatnonzero(rng.random(steps) < p) * args.dt for _ in range(size)]
              for name, (_, size) in imported.inputs.items()}
    with hxcomm.ManagedConnection() as connection:
        try:
            calibration = calix.calibrate(imported.calib_target(), connection=connection)
        except CalibNotSuccessful as e:        # a few circuits off their targets: run with the rest
            calibration = e.result
        chip = imported.run(connection, calibration, spikes, args.runtime)
        grenade.forget(connection)
    low = lower_nir_import(imported, spikes, args.runtime, args.dt)
    lava = spikes_per_neuron(low, run_on_lava(low).rasters)
    fig, axes = plt.subplots(len(imported.groups), 2, figsize=(10, 3 * len(imported.groups)), squeeze=False,
                             sharex=True)
    for row, name in zip(axes, imported.groups):
        for ax, (title, trains) in zip(row, (("emulated BSS-2 chip", chip[name]), ("Lava fixed_pt", lava[name]))):
            for i, t in enumerate(trains):
                ax.plot(np.asarray(t) * args.time_unit * 1e3, np.full(len(t), i), "|k", ms=4)
            ax.set_title(f"{name}: {title} ({sum(len(t) for t in trains)} spikes)")
            ax.set_ylabel("neuron")
        row[0].set_xlabel("time (ms, biological)")
        row[1].set_xlabel("time (ms, biological)")
        a = np.array([len(t) for t in chip[name]], float)
        b = np.array([len(t) for t in lava[name]], float)
        c = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
        print(f"{name}: chip {int(a.sum())} spikes, Lava {int(b.sum())} spikes, count correlation {c:.3f}")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")
    return chip, lava


if __name__ == "__main__":
    main()
