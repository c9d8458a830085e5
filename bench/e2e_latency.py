"""End-to-end latency of a small experiment on the emulator, warm: build the network
(1 external source -> 1 neuron), route it, run 0.1 ms of hardware time with 10 input
spikes (the neuron answers with spikes), read the spikes.  Target: under 20 ms.  The first run of a connection
(SystemInit + whole chip configuration) is reported separately; warm runs send only
the configuration words that differ (none here).  Last line: ``RESULT {...}``."""
from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

import hxcomm
import lola
import grenade


def neuron() -> lola.AtomicNeuron:
    """An uncalibrated neuron (raw CapMem values) that fires on a few strong inputs."""
    n = lola.AtomicNeuron()
    n.threshold.enable = True
    n.threshold.v_threshold = 510
    n.excitatory_input.enable = True
    n.excitatory_input.i_bias_gm = 1000
    n.excitatory_input.i_bias_tau = 200
    n.event_routing.analog_output = lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal
    return n


def experiment(connection, weight: int = 63):
    t0 = time.perf_counter()
    b = grenade.NetworkBuilder()
    inp = b.add(grenade.ExternalSourcePopulation(1))
    pop = b.add(grenade.Population(1, config=neuron()))
    b.add(grenade.Projection(grenade.Receptor.excitatory, inp, pop, [(0, 0, weight)]))
    network = b.done()
    t1 = time.perf_counter()
    routing = grenade.route(network)
    t2 = time.perf_counter()
    inputs = grenade.InputGenerator(network, runtime=0.1).add([np.linspace(0.005, 0.095, 10)], inp)
    results = grenade.run(connection, network, routing, inputs)
    spikes = results.spike_times(pop, 0)
    t3 = time.perf_counter()
    return t3 - t0, {"build": t1 - t0, "route": t2 - t1, "run_total": t3 - t2, "results": results,
                     "spikes": len(spikes)}


def main(repeats: int = 50) -> dict:
    with hxcomm.ManagedConnection() as conn:
        t = time.perf_counter()
        experiment(conn)
        cold = time.perf_counter() - t
        for _ in range(3):
            experiment(conn)
        totals, parts = [], []
        for _ in range(repeats):
            total, p = experiment(conn)
            totals.append(total)
            parts.append(p)
    med = statistics.median(totals)
    timing = [p["results"].timing for p in parts]
    print(f"first run on a fresh connection (init + full configuration): {cold * 1e3:.1f} ms")
    print(f"warm end-to-end over {repeats} runs: median {med * 1e3:.2f} ms, best {min(totals) * 1e3:.2f} ms "
          f"(target < 20 ms)")
    print("median parts: network build {:.2f} ms, route {:.2f} ms, run() {:.2f} ms "
          "[chip spec + programs {:.2f} ms, execution {:.2f} ms, decode {:.2f} ms], config words {}".format(
              statistics.median(p["build"] for p in parts) * 1e3, statistics.median(p["route"] for p in parts) * 1e3,
              statistics.median(p["run_total"] for p in parts) * 1e3,
              statistics.median(t.build_s for t in timing) * 1e3, statistics.median(t.run_s for t in timing) * 1e3,
              statistics.median(t.decode_s for t in timing) * 1e3, timing[-1].config_words))
    result = {"e2e_ms": round(med * 1e3, 3), "e2e_best_ms": round(min(totals) * 1e3, 3),
              "first_run_ms": round(cold * 1e3, 1),
              "route_ms": round(statistics.median(p["route"] for p in parts) * 1e3, 3),
              "execution_ms": round(statistics.median(t.run_s for t in timing) * 1e3, 3),
              "spikes": parts[-1]["spikes"]}
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
