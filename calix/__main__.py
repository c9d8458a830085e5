"""Command line: write a calibration of an emulated chip to a file.

    python -m calix --chip-id 3 --out calib.npz
    python -m calix --chip-id 3 --target leak=80,threshold=130,tau_mem=12e-6 --out calib.json
    python -m calix --chip-id 3 --model v_rest=-65,v_thresh=-52,tau_m=20 --out calib.npz
    python -m calix --chip-id 3 --default          # the cached default calibration (path printed)
    python -m calix --chip-id 3 --nightly          # the nightly/weekly files of the chip (directory printed)
    python -m calix --chip-id 3 --hagen --out hagen.npz    # hagen mode (integrators), default target

``--target`` takes ``NeuronCalibTarget`` fields in hardware units (CADC LSB,
seconds, CapMem LSB; ``tau_syn`` / ``i_synin_gm`` as ``a:b`` for exc:inh),
``--model`` takes ``NeuronModelTarget`` fields in model units (mV, biological
ms, nA, uS), ``--target-file`` a JSON file of either. Exit status 0 on
success, 2 on an infeasible target, 3 if too many neurons failed (the partial
calibration is still written, with ``.failed`` before the suffix).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

import calix
from calix import spiking
from calix.common import serial


def _parse_value(text: str):
    if ":" in text:
        return np.array([float(x) for x in text.split(":")])
    if text.lower() == "none":
        return None
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    return int(v) if v.is_integer() and "e" not in text.lower() and "." not in text else v


def _parse_fields(text: str, cls) -> dict:
    out = {}
    names = {f for f in cls.__dataclass_fields__}
    for item in filter(None, (x.strip() for x in text.split(","))):
        if "=" not in item:
            raise argparse.ArgumentTypeError(f"expected name=value, got {item!r}")
        k, v = (x.strip() for x in item.split("=", 1))
        if k not in names:
            raise argparse.ArgumentTypeError(f"{cls.__name__} has no field {k!r}; fields: {', '.join(sorted(names))}")
        out[k] = _parse_value(v)
    return out


def build_target(args) -> spiking.SpikingCalibTarget:
    neuron = spiking.NeuronCalibTarget()
    if args.target_file:
        data = json.loads(Path(args.target_file).read_text())
        obj = serial.from_jsonable(data) if "__type__" in data else spiking.NeuronCalibTarget(**data)
        if isinstance(obj, spiking.SpikingCalibTarget):
            return obj
        neuron = obj.to_hardware() if isinstance(obj, spiking.NeuronModelTarget) else obj
    if args.target:
        neuron = spiking.NeuronCalibTarget(**{**neuron.__dict__, **_parse_fields(args.target, spiking.NeuronCalibTarget)})
    if args.model:
        neuron = spiking.NeuronModelTarget(**_parse_fields(args.model, spiking.NeuronModelTarget)).to_hardware()
    return spiking.SpikingCalibTarget(neuron_target=neuron)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m calix", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chip-id", type=int, default=0, help="emulated chip (its fixed-pattern mismatch)")
    p.add_argument("--target", default="", help="NeuronCalibTarget fields, hardware units: leak=80,tau_mem=10e-6")
    p.add_argument("--model", default="", help="NeuronModelTarget fields, model units: v_rest=-65,tau_m=20")
    p.add_argument("--target-file", help="JSON file with a target (NeuronCalibTarget fields or a serialised target)")
    p.add_argument("--neurons", help="calibrate only these neurons: 'start:stop[:step]'")
    p.add_argument("--out", help="output file (.npz or .json)")
    p.add_argument("--default", action="store_true", help="make/load the default calibration of the chip and "
                   "print its cache path")
    p.add_argument("--nightly", action="store_true", help="make the nightly and weekly calibration files of the "
                   "chip (latest/, latest-weekly/) if missing and print their directory")
    p.add_argument("--hagen", action="store_true", help="calibrate for hagen mode (HagenCalibTarget defaults)")
    p.add_argument("--cache-dir", help="cache directory (default $CALIX_CACHE_DIR or ~/.cache/openhx/calix)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--ideal", action="store_true", help="an emulated chip without mismatch")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.default:
        result = calix.default_calibration(args.chip_id, cache_dir=args.cache_dir, progress=not args.quiet)
        print(calix.default_calibration_file(args.chip_id, args.cache_dir))
        if args.out:
            result.to_file(args.out)
        return 0
    if args.nightly:
        from calix import nightly
        print(nightly.ensure(args.chip_id, root=args.cache_dir, progress=not args.quiet))
        return 0
    if not args.out:
        p.error("--out is required (or --default, --nightly)")
    neurons = tuple(range(*[int(x) for x in args.neurons.split(":")])) if args.neurons else None
    if args.hagen:
        from calix import hagen
        if args.target or args.model or args.target_file:
            p.error("--hagen takes the default HagenCalibTarget (no --target/--model/--target-file)")
        target, options = hagen.HagenCalibTarget(), hagen.HagenCalibOptions(neurons=neurons)
    else:
        try:
            target = build_target(args)
        except (ValueError, TypeError, argparse.ArgumentTypeError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        options = spiking.SpikingCalibOptions(neurons=neurons)
    # the connection's identity does not (yet) include the ideal flag: never cache ideal chips
    cache = [] if args.no_cache or args.ideal else [args.cache_dir] if args.cache_dir else None
    import hxcomm
    opts = {"ideal": True} if args.ideal else {}
    try:
        with hxcomm.EmulatorConnection(chip_id=args.chip_id, **opts) as conn:
            result = calix.calibrate(target, options, cache_paths=cache, connection=conn,
                                     progress=not args.quiet)
    except calix.InfeasibleTargetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except calix.CalibNotSuccessful as err:
        print(f"error: {err}", file=sys.stderr)
        out = Path(args.out)
        err.result.to_file(out.with_name(out.stem + ".failed" + out.suffix))
        return 3
    result.to_file(args.out)
    n_failed = int((~result.success[calix._calibrated_neurons(options)]).sum())
    t = result.timings.get("total")
    print(f"wrote {args.out}: chip {result.chip_id}, {n_failed} failed neurons"
          + (f", {t:.2f} s" if t is not None else " (from cache)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
