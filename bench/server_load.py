"""Load on the multi-client experiment server (``python -m hxcomm.quiggeldy``) on loopback.

A small program (a CapMem write, three reads and a halt: 6 words) through the server: its latency
with one client (p50/p99, beside the same program on the in-process emulator: the server's
per-program overhead), then 16 client processes x 100 programs at once, each client with a
reinit program of its own: throughput, latency under load, and lost results (a result that
is missing or differs from what the program gives on a chip of its own; must be 0).

Last line: ``RESULT {json}``.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CLIENTS, PROGRAMS, SINGLE = 16, 100, 1000


def program(c: int, k: int) -> np.ndarray:
    from hxcomm import codec
    from tests.transports.servers import capmem_reads, capmem_words
    return np.concatenate([capmem_words([900 + c], [(7 * c + k) % 1000]), capmem_reads([900 + c, 500, 1]),
                           codec.loopback(True)])


def reinit(c: int) -> np.ndarray:
    from hxcomm import codec
    from tests.transports.servers import capmem_words
    return np.concatenate([capmem_words([500], [100 + c]), codec.loopback(True)])


def expected(c: int, k: int):
    return [(7 * c + k) % 1000, 100 + c]


def percentile_ms(samples, q):
    return round(float(np.percentile(samples, q)) * 1e3, 4)


def in_process_latency():
    import hxcomm
    words = program(0, 0)
    with hxcomm.EmulatorConnection(progress=False) as conn:
        conn.execute(reinit(0))
        for _ in range(50):
            conn.execute(words)
        t = []
        for _ in range(SINGLE):
            t0 = time.perf_counter()
            conn.execute(words)
            t.append(time.perf_counter() - t0)
    return t


def single_client_latency(port):
    import hxcomm
    words = program(0, 0)
    with hxcomm.QuiggeldyConnection("127.0.0.1", port, timeout=30, progress=False) as conn:
        conn.reinit_stack.push()
        conn.reinit_stack.set(0, reinit(0), None, enforce=True)
        for _ in range(50):
            conn.execute(words)
        t = []
        for _ in range(SINGLE):
            t0 = time.perf_counter()
            conn.execute(words)
            t.append(time.perf_counter() - t0)
    return t


def client(args):
    c, port, barrier = args
    import hxcomm
    from tests.transports.servers import read_values
    words = [program(c, k) for k in range(PROGRAMS)]
    latencies, correct = [], 0
    with hxcomm.QuiggeldyConnection("127.0.0.1", port, timeout=60, progress=False) as conn:
        conn.reinit_stack.push()
        conn.reinit_stack.set(0, reinit(c), None, enforce=True)
        barrier.wait(60)
        for k in range(PROGRAMS):
            t0 = time.perf_counter()
            out = conn.execute(words[k])
            latencies.append(time.perf_counter() - t0)
            values = read_values(out)
            correct += values[:2] == expected(c, k)
    return latencies, correct


def main() -> dict:
    server = subprocess.Popen([sys.executable, "-m", "hxcomm.quiggeldy", "--port", "0"], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    try:
        port = int(server.stdout.readline().split(":")[-1])
        local = in_process_latency()
        single = single_client_latency(port)
        ctx = multiprocessing.get_context("spawn")
        with ctx.Manager() as manager:
            barrier = manager.Barrier(CLIENTS + 1)
            with ctx.Pool(CLIENTS) as pool:
                pending = pool.map_async(client, [(c, port, barrier) for c in range(CLIENTS)])
                barrier.wait(120)
                t0 = time.perf_counter()
                results = pending.get(600)
                wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(10)
    load = [t for lat, _ in results for t in lat]
    correct = sum(ok for _, ok in results)
    out = {
        "clients": CLIENTS, "programs": CLIENTS * PROGRAMS, "lost": CLIENTS * PROGRAMS - correct,
        "throughput_programs_per_s": round(CLIENTS * PROGRAMS / wall, 1),
        "p50_ms": percentile_ms(single, 50), "p99_ms": percentile_ms(single, 99),
        "inprocess_p50_ms": percentile_ms(local, 50), "inprocess_p99_ms": percentile_ms(local, 99),
        "server_overhead_p50_ms": round(percentile_ms(single, 50) - percentile_ms(local, 50), 4),
        "load_p50_ms": percentile_ms(load, 50), "load_p99_ms": percentile_ms(load, 99),
        "cpus": os.cpu_count(),
    }
    print(f"small program ({len(program(0, 0))} words), {SINGLE} runs:")
    print(f"  in-process emulator     p50 {out['inprocess_p50_ms']:.3f} ms   p99 {out['inprocess_p99_ms']:.3f} ms")
    print(f"  through the server      p50 {out['p50_ms']:.3f} ms   p99 {out['p99_ms']:.3f} ms   "
          f"(overhead p50 {out['server_overhead_p50_ms']:.3f} ms per program)")
    print(f"{CLIENTS} clients x {PROGRAMS} programs at once: {out['throughput_programs_per_s']:.0f} programs/s, "
          f"latency p50 {out['load_p50_ms']:.3f} ms p99 {out['load_p99_ms']:.3f} ms, lost {out['lost']} "
          f"(median client {statistics.median(sum(lat) for lat, _ in results):.2f} s busy)")
    return out


if __name__ == "__main__":
    result = main()
    print("RESULT " + json.dumps(result))
