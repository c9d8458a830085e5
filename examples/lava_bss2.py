"""The emulated BSS-2 chip inside a Lava graph: Lava source -> BrainScaleS2 -> Dense -> Lava LIF.

Writes a small NIR graph (8 inputs, 16 recurrent CubaLIF neurons, seconds), imports and
calibrates it, then runs, in Lava's environment (``.venv-lava``, started from here through
``grenade.lava.run_lava_script`` with a timeout), the Lava graph

    RingBuffer (Poisson, 8) -> BrainScaleS2 (the graph on the emulated chip, 16 out)
        -> Dense (16 -> 1, weight 100) -> LIF (du = dv = 4095, vth = 1): fires after any chip spike

``BrainScaleS2`` runs ``--chunk`` steps on the chip at once, so its output is ``chunk`` steps
late.  After the Lava run the script runs the same input on the chip once more, directly (one
chunk), and checks that the chip's output in Lava is that raster, ``chunk`` steps later, and that
the LIF fired one step after every step with a chip spike.  Prints the figures; ``--out`` plots
the three rasters into a PNG.

    python examples/lava_bss2.py [--steps 2000] [--chunk 100] [--out lava_bss2.png]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def run_inside_lava(nir_path, steps, chunk, seed, rate=80.0, dt=1e-4):
    """Build and run the Lava graph (in ``.venv-lava``); returns a dict of rasters and timings."""
    import calix
    import hxcomm
    import nir
    from calix.common.exceptions import CalibNotSuccessful
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF
    from grenade.lava.bss2 import BrainScaleS2, stopping
    from grenade.lava.chunked import ChunkedChip
    from grenade.nir import from_nir

    imported = from_nir(nir.read(nir_path), time_unit=1.0, dt=dt)
    with hxcomm.ManagedConnection() as connection:      # closed before Lava forks its processes
        try:
            calibration = calix.calibrate(imported.calib_target(), connection=connection)
        except CalibNotSuccessful as e:                 # a few circuits off their targets: run with the rest
            calibration = e.result
    rng = np.random.default_rng(seed)
    n_in = sum(size for _, size in imported.inputs.values())
    data = (rng.random((n_in, steps)) < rate * dt).astype(np.int32)

    source = RingBuffer(data=data)
    chip = BrainScaleS2.from_nir(imported, calibration, dt=dt, chunk=chunk)
    dense = Dense(weights=np.full((1, chip.s_out.shape[0]), 100, np.int32))
    lif = LIF(shape=(1,), du=4095, dv=4095, vth=1)
    ext_chip = Extractor(shape=chip.s_out.shape, buffer_size=steps)
    ext_lif = Extractor(shape=(1,), buffer_size=steps)
    source.s_out.connect(chip.s_in)
    chip.s_out.connect(dense.s_in)
    chip.s_out.connect(ext_chip.in_port)
    dense.a_out.connect(lif.a_in)
    lif.s_out.connect(ext_lif.in_port)
    cfg = Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map={Extractor: PyLoihiExtractorModel})
    t0 = time.perf_counter()
    lif.create_runtime(run_cfg=cfg)
    t1 = time.perf_counter()
    with stopping(lif):          # stops Lava; on an error: traceback, exit (Lava 0.10's stop() would hang)
        lif.run(condition=RunSteps(num_steps=steps, blocking=False))
        chip_r = np.zeros((steps, chip.s_out.shape[0]), bool)
        lif_r = np.zeros(steps, bool)
        for t in range(steps):
            chip_r[t] = ext_chip.receive() != 0
            lif_r[t] = ext_lif.receive()[0] != 0
        lif.wait()
        t2 = time.perf_counter()
        chunks_run = int(chip.chunks_run.get()[0])
    # the same input on the chip directly, in one chunk (after Lava: the emulator opens here only now)
    direct = ChunkedChip(imported.network, [d for d, _ in imported.inputs.values()],
                         [g.population for g in imported.groups.values()], calibration,
                         step_ms=float(imported.to_hardware_ms(dt)), settle_ms=chip.proc_params["chip"].settle_ms)
    direct_r = direct.run_chunk(data.T.astype(bool))
    direct.close()
    return {"chip_in_lava": chip_r, "lif": lif_r, "direct": direct_r, "input": data.T.astype(bool),
            "compile_s": t1 - t0, "run_s": t2 - t1, "chunks_run": chunks_run}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000, help="Lava time steps (dt = 0.1 ms biological)")
    ap.add_argument("--chunk", type=int, default=100, help="time steps run on the chip at once")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=300.0, help="wall-clock limit of the Lava run (s)")
    ap.add_argument("--out", type=Path, help="PNG of the rasters")
    ap.add_argument("--inside", help=argparse.SUPPRESS)      # NIR path: run in Lava's interpreter
    args = ap.parse_args(argv)
    if args.inside:
        r = run_inside_lava(args.inside, args.steps, args.chunk, args.seed)
        print(json.dumps({k: (v.astype(int).tolist() if isinstance(v, np.ndarray) else v) for k, v in r.items()}))
        return None

    import nir
    from grenade.lava import run_lava_script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from nir_lava import demo_graph
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.nir"
        nir.write(path, demo_graph())
        t0 = time.perf_counter()
        out = run_lava_script(__file__, ["--inside", path, "--steps", args.steps, "--chunk", args.chunk,
                                         "--seed", args.seed], timeout=args.timeout)
        wall = time.perf_counter() - t0
    d = json.loads(out.strip().splitlines()[-1])
    chip_r, direct_r, lif_r = (np.array(d[k], bool) for k in ("chip_in_lava", "direct", "lif"))
    n = args.chunk
    delayed = bool(np.array_equal(chip_r[n:], direct_r[:-n]) and not chip_r[:n].any())
    any_chip = chip_r.any(axis=1)
    followed = bool(np.array_equal(lif_r[1:], any_chip[:-1]))
    result = {"input_spikes": int(np.sum(d["input"])), "chip_spikes_in_lava": int(chip_r.sum()),
              "chip_spikes_direct": int(direct_r.sum()), "lif_spikes": int(lif_r.sum()),
              "chip_output_is_direct_run_delayed_by_chunk": delayed, "lif_fires_one_step_after_chip": followed,
              "chunks_run": d["chunks_run"], "lava_compile_s": round(d["compile_s"], 2),
              "lava_run_s": round(d["run_s"], 2), "wall_s": round(wall, 1)}
    for k, v in result.items():
        print(f"{k}: {v}")
    if args.out:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(3, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [1, 2, 0.5]})
        for ax, (title, r) in zip(axes, (("Lava RingBuffer -> chip", np.array(d["input"], bool)),
                                          (f"chip output in Lava ({n} steps late)", chip_r),
                                          ("Lava LIF", lif_r[:, None]))):
            t, i = np.nonzero(r)
            ax.plot(t * 0.1, i, "|k", ms=4)
            ax.set_title(f"{title}: {len(t)} spikes")
            ax.set_ylabel("neuron")
        axes[-1].set_xlabel("time (ms, biological; Lava step 0.1 ms)")
        fig.tight_layout()
        fig.savefig(args.out, dpi=100)
        print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
