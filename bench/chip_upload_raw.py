"""Raw emulator throughput: every register word written once (and read once).

Measures hxsim.Emulator.execute alone (C++), on word streams built in advance:
~325k omnibus writes = ~650k words, then ~325k reads. Prints figures and, last,
a RESULT line (see ARCHITECTURE.md, Testing).
"""
import json
import time

import numpy as np

import hxcomm
import hxsim
from haldls.register_map import REGISTERS
from haldls.regmap import Access


def best_of(fn, repeat=7):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    all_addr = np.concatenate([r.all_addresses() for r in REGISTERS])
    writable = np.concatenate(
        [r.all_addresses() for r in REGISTERS if r.access != Access.READ_ONLY])
    readable = np.concatenate([r.all_addresses() for r in REGISTERS if r.access != Access.TRIGGER])
    rng = np.random.default_rng(0)
    values = rng.integers(0, 2**32, len(writable), dtype=np.uint64)
    writes = np.concatenate([hxcomm.omnibus_write(writable, values), hxcomm.loopback(True)])
    reads = np.concatenate([hxcomm.omnibus_read(readable), hxcomm.loopback(True)])

    t0 = time.perf_counter()
    emu = hxsim.Emulator(chip_id=1)
    t_ctor = time.perf_counter() - t0
    t_write, out = best_of(lambda: emu.execute(writes))
    assert len(out) == 1, hxcomm.decode_from_chip(out)
    t_read, out = best_of(lambda: emu.execute(reads))
    assert len(out) == len(readable) + 1
    # Every address once, read-only ones included (they answer ERROR): ~650k words.
    every = np.concatenate([hxcomm.omnibus_write(all_addr, np.uint64(0x1234)),
                            hxcomm.loopback(True)])
    t_every, _ = best_of(lambda: emu.execute(every))
    emu.execute(np.concatenate([hxcomm.chip_reset(1), hxcomm.chip_reset(0)]))
    # Host spikes looped back through the crossbar and recorded: 1M labels at 1000 times.
    labels = rng.integers(0, 2**16, 1_000_000).astype(np.uint64)
    spikes = np.concatenate(
        [hxcomm.omnibus_write(0x8800_0010, 1), hxcomm.timer_reset()] +
        [np.concatenate([hxcomm.wait_until(100 * (k + 1)), hxcomm.spike_pack(chunk)])
         for k, chunk in enumerate(np.split(labels, 1000))] + [hxcomm.loopback(True)])
    t_spikes, out = best_of(lambda: emu.execute(spikes), repeat=3)
    assert len(hxcomm.decode_from_chip(out).spikes) == len(labels)

    print(f"register words: {len(all_addr)} (writable {len(writable)}, readable {len(readable)})")
    print(f"construct emulator: {t_ctor * 1e3:.1f} ms")
    print(f"write all: {len(writes)} words in {t_write * 1e3:.2f} ms "
          f"({t_write / len(writes) * 1e9:.1f} ns/word)")
    print(f"read all:  {len(reads)} words in {t_read * 1e3:.2f} ms "
          f"({t_read / len(reads) * 1e9:.1f} ns/word)")
    print(f"write every address: {len(every)} words in {t_every * 1e3:.2f} ms "
          f"({t_every / len(every) * 1e9:.1f} ns/word)")
    print(f"spikes: {len(labels)} host spikes routed and recorded in {t_spikes * 1e3:.1f} ms "
          f"({len(labels) / t_spikes / 1e6:.1f} M events/s)")
    print("RESULT " + json.dumps({
        "register_words": int(len(all_addr)),
        "write_all_words": int(len(writes)),
        "write_all_ms": round(t_write * 1e3, 3),
        "read_all_ms": round(t_read * 1e3, 3),
        "ns_per_word_write": round(t_write / len(writes) * 1e9, 2),
        "write_every_address_words": int(len(every)),
        "write_every_address_ms": round(t_every * 1e3, 3),
        "spike_events_per_s": round(len(labels) / t_spikes),
        "construct_ms": round(t_ctor * 1e3, 2),
    }))


if __name__ == "__main__":
    main()
