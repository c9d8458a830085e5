"""Full-chip configuration upload through stadls and the in-process emulator.

A lola.Chip with random neurons, synapses, drivers and crossbar (every
configuration register written once, ~159 000 omnibus words) goes
builder.write -> done -> stadls.run on hxcomm.EmulatorConnection.  Reported
(median of repeats, after one warm-up that fills the address caches):

* plan:  Chip.write_plan (lola encode: neurons, synapse quads, CapMem, leaves)
* build: builder.write + done (plan + wire encoding of the omnibus writes)
* run:   stadls.run (halt, emulator execution, response decode)
* diff:  a differential write with 4 changed neurons (build + run)

The last line is ``RESULT {json}`` (see ARCHITECTURE.md, Testing).
"""
import json
import statistics
import time

import numpy as np

import halco
import hxcomm
import lola
import stadls

CHIP = halco.ChipOnDLS()
REPEAT = 9


def random_chip(seed=0) -> lola.Chip:
    rng = np.random.default_rng(seed)
    chip = lola.Chip.default_neuron_bypass
    neurons = chip.neuron_block.atomic_neurons
    for path in ("leak.v_leak", "leak.i_bias", "reset.v_reset", "threshold.v_threshold",
                 "excitatory_input.i_bias_tau", "inhibitory_input.i_bias_tau"):
        neurons.set_field(path, rng.integers(0, 1023, 512))
    neurons.set_field("membrane_capacitance.capacitance", rng.integers(0, 64, 512))
    for block in chip.synapse_blocks:
        block.matrix.weights = rng.integers(0, 64, (256, 256))
        block.matrix.labels = rng.integers(0, 64, (256, 256))
    for block in chip.synapse_driver_blocks:
        for d in block.synapse_drivers:
            d.utilization = int(rng.integers(0, 16))
    return chip


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    chip = random_chip()
    changed = chip.copy()
    for e in (3, 100, 300, 511):
        changed.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS(halco.Enum(e))].leak.v_leak = 1

    def build(new, ref=None):
        b = stadls.PlaybackProgramBuilder()
        b.write(CHIP, new, ref)
        return b.done()

    with hxcomm.EmulatorConnection(chip_id=0) as conn:
        t_cold_build, program = timed(lambda: build(chip))
        t_cold_run, _ = timed(lambda: stadls.run(conn, program))
        plans, builds, runs, diffs, diff_runs = [], [], [], [], []
        for _ in range(REPEAT):
            t, (addresses, words) = timed(lambda: chip.write_plan(CHIP))
            plans.append(t)
            t, program = timed(lambda: build(chip))
            builds.append(t)
            t, _ = timed(lambda: stadls.run(conn, program))
            runs.append(t)
            t, diff_program = timed(lambda: build(changed, chip))
            diffs.append(t)
            t, _ = timed(lambda: stadls.run(conn, diff_program))
            diff_runs.append(t)
        # the emulator holds what was sent
        b = stadls.PlaybackProgramBuilder()
        ticket = b.read(CHIP)
        t_read, _ = timed(lambda: stadls.run(conn, b.done()))
        t_decode, back = timed(ticket.get)
        assert back == changed

    med = statistics.median
    plan, build_t, run = med(plans), med(builds), med(runs)
    total = build_t + run
    n_words = len(addresses)
    diff_words = diff_program.size_to_fpga() // 2
    print(f"configuration words: {n_words} (program: {program.size_to_fpga()} instruction words)")
    print(f"plan (lola encode):  {plan * 1e3:7.2f} ms")
    print(f"build (plan + wire): {build_t * 1e3:7.2f} ms")
    print(f"run (emulator):      {run * 1e3:7.2f} ms")
    print(f"full upload:         {total * 1e3:7.2f} ms  ({n_words / total / 1e6:.1f} M config words/s)")
    print(f"cold (first) upload: {(t_cold_build + t_cold_run) * 1e3:7.2f} ms (address caches filled)")
    print(f"differential, 4 neurons changed: {diff_words} words, build {med(diffs) * 1e3:.2f} ms "
          f"+ run {med(diff_runs) * 1e3:.2f} ms")
    print(f"read back whole chip: run {t_read * 1e3:.2f} ms + decode {t_decode * 1e3:.2f} ms")
    print("RESULT " + json.dumps({
        "full_chip_upload_ms": round(total * 1e3, 3),
        "build_ms": round(build_t * 1e3, 3),
        "plan_ms": round(plan * 1e3, 3),
        "wire_encode_ms": round((build_t - plan) * 1e3, 3),
        "run_ms": round(run * 1e3, 3),
        "config_words": n_words,
        "words_per_s": round(n_words / total),
        "cold_upload_ms": round((t_cold_build + t_cold_run) * 1e3, 3),
        "diff_upload_ms": round((med(diffs) + med(diff_runs)) * 1e3, 3),
        "diff_words": diff_words,
        "read_back_ms": round((t_read + t_decode) * 1e3, 3),
    }))


if __name__ == "__main__":
    main()
