"""Cost of plasticity kernels on the emulated PPUs.

A 256-neuron network (one hemisphere, 16 Poisson sources all-to-all at 20 kHz each) runs for
``--runtime`` hardware ms, once with static synapses and once with a ``PlasticSynapse`` whose
C++ kernel runs every 10 us on both PPUs and touches one full synapse row per call
(``get_weights`` + ``set_weights``).  Warm runs (kernel compiled and cached), median of
``--reps``.

* ``slowdown``: wall time with the kernel / without (target <= 2);
* ``kernel_call_us``: the extra wall time per kernel call (both PPUs' calls counted).

Usage: ``python bench/ppu.py [--runtime 2] [--reps 3]``
"""
from __future__ import annotations

import argparse
import json
import statistics
import textwrap
import time

import numpy as np

import pynn_brainscales.brainscales2 as pynn

KERNEL = textwrap.dedent("""
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "grenade/vx/ppu/neuron_view_handle.h"
    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;

    void PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, 1>& synapses,
                                std::array<NeuronViewHandle, 0>&)
    {
        if (synapses[0].hemisphere != ppu) {
            return;
        }
        auto w = synapses[0].get_weights(0);
        for (auto const c : synapses[0].columns) {
            w[c] = (w[c] & 1) ? w[c] - 1 : w[c] + 1;    // 20 <-> 21: the weights stay about the same
        }
        synapses[0].set_weights(w, 0);
    }
    """)


class TouchRow(pynn.PlasticityRule):
    def generate_kernel(self) -> str:
        return KERNEL


def experiment(runtime: float, period: float, plastic: bool) -> float:
    """Wall seconds of pynn.run(runtime) (the second of two runs: warm)."""
    np.random.seed(1)
    pynn.setup()
    src = pynn.Population(16, pynn.cells.SpikeSourcePoisson(rate=20e3, start=0.0, duration=runtime))
    nrn = pynn.Population(256, pynn.cells.HXNeuron())
    nrn.record(["spikes"])
    if plastic:
        rule = TouchRow(timer=pynn.Timer(start=period, period=period, num_periods=int(runtime / period) - 1))
        syn = pynn.standardmodels.synapses.PlasticSynapse(weight=20, plasticity_rule=rule)
    else:
        syn = pynn.standardmodels.synapses.StaticSynapse(weight=20)
    pynn.Projection(src, nrn, pynn.AllToAllConnector(), synapse_type=syn)
    pynn.run(runtime)
    pynn.reset()
    t0 = time.perf_counter()
    pynn.run(runtime)
    wall = time.perf_counter() - t0
    pynn.end()
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime", type=float, default=2.0, help="hardware ms per run")
    ap.add_argument("--period", type=float, default=0.01, help="kernel period, hardware ms")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    calls = 2 * (int(args.runtime / args.period) - 1)         # both PPUs run the kernel
    static = [experiment(args.runtime, args.period, False) for _ in range(args.reps)]
    plastic = [experiment(args.runtime, args.period, True) for _ in range(args.reps)]
    t_s, t_p = statistics.median(static), statistics.median(plastic)
    slowdown = t_p / t_s
    per_call_us = (t_p - t_s) / calls * 1e6
    print(f"256 neurons, {args.runtime} ms, kernel every {args.period * 1e3:g} us ({calls} calls on two PPUs)")
    print(f"  static  {t_s:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in static)})")
    print(f"  plastic {t_p:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in plastic)})")
    print(f"RESULT kernel_call_us={per_call_us:.1f}")
    print(f"RESULT slowdown={slowdown:.2f}")
    print("RESULT " + json.dumps({"kernel_call_us": round(per_call_us, 2), "slowdown": round(slowdown, 3),
                                  "static_s": round(t_s, 4), "plastic_s": round(t_p, 4), "calls": calls,
                                  "target_slowdown": 2}))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
