"""Spiking calibration of all 512 neurons on emulated chips: speed and quality.

For each chip id (default 1, 2, 3): a full ``calix`` spiking calibration with
the default target (no cache), timed per step; then independent MADC
measurements (calix.spiking.verify) of the nominal (uncalibrated) and the
calibrated configuration: spread of leak / reset / threshold (CADC LSB),
fraction of neurons with tau_mem / tau_syn within 5 % of the target, relative
spread of the PSP amplitude.

    python bench/calibration.py [--chips 1 2 3] [--neurons-step 1]

The last line is ``RESULT {json}``: worst case over the chips for the quality
figures, the mean for the times (``step_<name>_s``).
"""
import argparse
import json
import sys

import numpy as np

from calix.spiking.verify import evaluate_chip


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--chips", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--neurons-step", type=int, default=1, help="verify/calibrate every n-th neuron")
    p.add_argument("--json", help="also write the per-chip figures to this file")
    args = p.parse_args(argv)
    neurons = None if args.neurons_step == 1 else np.arange(0, 512, args.neurons_step)
    runs = []
    for chip in args.chips:
        r = evaluate_chip(chip, neurons=neurons)
        runs.append(r)
        b, a = r["before"], r["after"]
        print(f"chip {chip}: calibration {r['calibration_s']:.2f} s ({r['programs']} programs), "
              f"failed {r['failed_neurons']}, verify {r['verify_s']:.1f} s")
        for k in sorted(a):
            print(f"    {k:28s} before {b.get(k, float('nan')):9.4f}   after {a[k]:9.4f}")
        print("    steps: " + ", ".join(f"{k} {v:.3f}" for k, v in r["step_s"].items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{k: v for k, v in r.items() if k != "values"} for r in runs], f, indent=1)
    worst = lambda key, fn: float(fn([r["after"][key] for r in runs]))  # noqa: E731
    out = {
        "calibration_s": float(np.mean([r["calibration_s"] for r in runs])),
        "calibration_max_s": float(np.max([r["calibration_s"] for r in runs])),
        "leak_std_lsb": worst("leak_std_lsb", max),
        "reset_std_lsb": worst("reset_std_lsb", max),
        "threshold_std_lsb": worst("threshold_std_lsb", max),
        "tau_mem_within_5pct_frac": worst("tau_mem_within_5pct_frac", min),
        "tau_syn_within_5pct_frac": worst("tau_syn_within_5pct_frac", min),
        "synin_rel_std": worst("synin_rel_std", max),
        "leak_std_lsb_before": float(max(r["before"]["leak_std_lsb"] for r in runs)),
        "threshold_std_lsb_before": float(max(r["before"]["threshold_std_lsb"] for r in runs)),
        "tau_mem_within_5pct_frac_before": float(min(r["before"]["tau_mem_within_5pct_frac"] for r in runs)),
        "failed_neurons": int(max(r["failed_neurons"] for r in runs)),
        "chips": len(runs),
    }
    for step in runs[0]["step_s"]:
        out[f"step_{step}_s"] = float(np.mean([r["step_s"][step] for r in runs]))
    print("RESULT " + json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
