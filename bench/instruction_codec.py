"""Throughput of the hxcomm codec: 10^6 to-chip words and 10^6 response words.

Prints the figures and, as the last line, ``RESULT {json}``.
"""

from __future__ import annotations

import json
import time

import numpy as np

import hxcomm
from hxcomm import responses

N = 1_000_000
REPEATS = 5


def best_ms(fn):
    """Best of REPEATS wall-clock runs, in ms (the minimum filters scheduler noise)."""
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def encode_program(rng):
    """A mixed program of N words: per 10-word unit a wait, two writes, two reads and
    three spike packs (9 labels)."""
    units = N // 10
    t = np.cumsum(rng.integers(1, 100, units, dtype=np.uint64))
    addr = rng.integers(0, 2**32, 2 * units, dtype=np.uint64)
    data = rng.integers(0, 2**32, 2 * units, dtype=np.uint64)
    labels = rng.integers(0, 2**16, 9 * units, dtype=np.uint64)

    def run():
        out = np.empty((units, 10), dtype=np.uint64)
        out[:, 0] = hxcomm.wait_until(t)
        out[:, 1:5] = hxcomm.omnibus_write(addr, data).reshape(units, 4)
        out[:, 5:7] = hxcomm.omnibus_read(addr).reshape(units, 2)
        out[:, 7:10] = hxcomm.spike_pack(labels).reshape(units, 3)
        return out.reshape(-1)

    return run


def response_stream(rng):
    """N response words: a SYSTIME every 16 words, read data every 8th, spikes otherwise."""
    kind = np.zeros(N, dtype=np.uint8)
    kind[::8] = 1
    kind[::16] = 2
    n_spike, n_read, n_sys = (kind == 0).sum(), (kind == 1).sum(), (kind == 2).sum()
    words = np.empty(N, dtype=np.uint64)
    words[kind == 0] = responses.spike(rng.integers(0, 2**16, n_spike),
                                       rng.integers(0, 256, n_spike))
    words[kind == 1] = responses.omnibus_read_data(rng.integers(0, 2**32, n_read,
                                                                dtype=np.uint64))
    words[kind == 2] = responses.systime(np.arange(n_sys, dtype=np.uint64) * 1000 + 500)
    return words


def main():
    rng = np.random.default_rng(1)
    encode = encode_program(rng)
    program = encode()
    assert len(program) == N
    encode_ms = best_ms(encode)
    decode_ms = best_ms(lambda: hxcomm.decode_to_chip(program))
    stream = response_stream(rng)
    res = hxcomm.decode_from_chip(stream)
    response_ms = best_ms(lambda: hxcomm.decode_from_chip(stream))
    slowest = max(encode_ms, decode_ms, response_ms)
    result = {
        "encode_1e6_ms": round(encode_ms, 2),
        "decode_1e6_ms": round(decode_ms, 2),
        "response_decode_1e6_ms": round(response_ms, 2),
        "words_per_s": round(N / (slowest / 1e3)),
        "spikes_decoded": int(len(res.spikes)),
        "numpy": np.__version__,
    }
    print(f"encode   10^6 to-chip words : {encode_ms:8.1f} ms")
    print(f"decode   10^6 to-chip words : {decode_ms:8.1f} ms (validated)")
    print(f"decode   10^6 response words: {response_ms:8.1f} ms "
          f"({len(res.spikes)} spikes, {len(res.read_words)} read words)")
    print(f"slowest path                : {result['words_per_s'] / 1e6:8.1f} M words/s")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
