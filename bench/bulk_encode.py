"""Bulk encode/decode of the whole synapse matrix through haldls.

All 2 x 256 x 256 synapse weights and labels: SynapseWeightQuad and
SynapseLabelQuad ``encode_array`` + ``decode_array``, and the addresses of
all 2 * 256 * 64 quads of both.  Target: under 20 ms for the whole pass.

Prints the median of several repetitions; the last line is ``RESULT`` and
one JSON object (``synapse_matrix_encode_decode_ms`` is the whole pass:
encode + decode + addresses).

    python bench/bulk_encode.py [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import haldls  # noqa: E402

TARGET_MS = 20.0


def one_pass(weights: np.ndarray, labels: np.ndarray):
    """Encode, decode and address the full matrix once; returns the results and the
    three phase durations in seconds."""
    W, L = haldls.SynapseWeightQuad, haldls.SynapseLabelQuad
    t0 = time.perf_counter()
    # quads in SynapseQuadOnDLS enum order (synram, row, quad column); entry = column % 4
    w_words = W.encode_array({"values": weights.reshape(-1, 4)})
    l_words = L.encode_array({"values": labels.reshape(-1, 4)})
    t1 = time.perf_counter()
    w_back = W.decode_array(w_words)["values"].reshape(weights.shape)
    l_back = L.decode_array(l_words)["values"].reshape(labels.shape)
    t2 = time.perf_counter()
    enums = np.arange(W.register.size)
    w_addr = W.register.addresses(enums)
    l_addr = L.register.addresses(enums)
    t3 = time.perf_counter()
    return (w_words, l_words, w_back, l_back, w_addr, l_addr), (t1 - t0, t2 - t1, t3 - t2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=21, help="repetitions (median is reported)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(12345)
    weights = rng.integers(0, 64, size=(2, 256, 256))
    labels = rng.integers(0, 64, size=(2, 256, 256))

    (w_words, l_words, w_back, l_back, w_addr, l_addr), _ = one_pass(weights, labels)  # warm-up + check
    assert w_words.shape == (2 * 256 * 64, 1) and w_words.dtype == np.uint32
    assert np.array_equal(w_back, weights) and np.array_equal(l_back, labels)
    assert w_addr.shape == (2 * 256 * 64, 1) and len(np.unique(np.concatenate([w_addr, l_addr]))) == 2 * w_addr.size
    # spot check against the per-object path
    assert haldls.SynapseWeightQuad(values=weights[1, 7, 8:12]).encode()[0] == w_words[16384 + 7 * 64 + 2, 0]

    phases = np.array([one_pass(weights, labels)[1] for _ in range(args.repeat)]) * 1e3
    encode_ms, decode_ms, addresses_ms = np.median(phases, axis=0)
    total_ms = float(np.median(phases.sum(axis=1)))

    n = weights.size
    print(f"haldls bulk encode/decode of the synapse matrix: 2 x 256 x 256 = {n} synapses, "
          f"weights + labels = {2 * w_words.size} quads, median of {args.repeat}")
    print(f"  encode_array (weights + labels)  {encode_ms:8.3f} ms")
    print(f"  decode_array (weights + labels)  {decode_ms:8.3f} ms")
    print(f"  addresses    (weights + labels)  {addresses_ms:8.3f} ms")
    print(f"  whole pass                        {total_ms:8.3f} ms   target < {TARGET_MS:g} ms: "
          f"{'met' if total_ms < TARGET_MS else 'MISSED'}")
    print(f"  numpy {np.__version__}, python {sys.version.split()[0]}")
    result = {
        "synapse_matrix_encode_decode_ms": round(total_ms, 3),
        "synapse_matrix_encode_ms": round(float(encode_ms), 3),
        "synapse_matrix_decode_ms": round(float(decode_ms), 3),
        "synapse_matrix_addresses_ms": round(float(addresses_ms), 3),
    }
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
