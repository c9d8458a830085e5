"""Routing time of a full chip: 512 neurons, recurrent connections with p = 0.1
(excitatory and inhibitory halves), plus 256 external inputs with p = 0.1 onto every
neuron.  Target: under 1 s.  Prints per-run times and the resource use; the last line
is ``RESULT {...}``."""
from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

import grenade


def full_chip_network(seed: int = 1, p: float = 0.1, n_neurons: int = 512, n_inputs: int = 256,
                      max_weight: int = 63) -> grenade.Network:
    rng = np.random.default_rng(seed)
    b = grenade.NetworkBuilder()
    inputs = b.add(grenade.ExternalSourcePopulation(n_inputs))
    neurons = b.add(grenade.Population(n_neurons))
    half = n_neurons // 2
    for receptor, pre_lo, pre_hi in (("excitatory", 0, half), ("inhibitory", half, n_neurons)):
        mask = rng.random((pre_hi - pre_lo, n_neurons)) < p
        pre, post = np.nonzero(mask)
        w = rng.integers(1, max_weight + 1, size=len(pre))
        b.add(grenade.Projection(receptor, neurons, neurons, (pre + pre_lo, post, w)))
    mask = rng.random((n_inputs, n_neurons)) < p
    pre, post = np.nonzero(mask)
    b.add(grenade.Projection("excitatory", inputs, neurons, (pre, post, rng.integers(1, max_weight + 1, len(pre)))))
    return b.done()


def main(repeats: int = 5) -> dict:
    t0 = time.perf_counter()
    network = full_chip_network()
    build_s = time.perf_counter() - t0
    grenade.route(network)   # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        routing = grenade.route(network)
        times.append(time.perf_counter() - t)
    s = routing.statistics
    print(f"network build: {build_s * 1e3:.1f} ms, {s.connections} connections")
    print(f"routing: best {min(times) * 1e3:.1f} ms, median {statistics.median(times) * 1e3:.1f} ms "
          f"over {repeats} runs (target < 1000 ms)")
    print(f"synapses {s.synapses}, rows {s.synapse_rows}/512, drivers {s.synapse_drivers}/256, "
          f"label groups {s.label_groups}, PADI buses {s.padi_buses}/8, crossbar nodes {s.crossbar_nodes}/76")
    print(f"rows per bus {s.rows_per_bus}, drivers per bus {s.drivers_per_bus}")
    t = time.perf_counter()
    grenade.update_routing(routing, network.with_weights(grenade.ProjectionDescriptor(0),
                                                         network.projections[0].weights // 2))
    update_s = time.perf_counter() - t
    print(f"weight update without re-routing: {update_s * 1e3:.1f} ms")
    result = {"full_chip_routing_s": round(min(times), 4), "full_chip_routing_median_s": round(statistics.median(times), 4),
              "network_build_s": round(build_s, 4), "weight_update_s": round(update_s, 4),
              "connections": s.connections, "synapses": s.synapses, "synapse_rows": s.synapse_rows,
              "synapse_drivers": s.synapse_drivers, "label_groups": s.label_groups}
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
