"""Cost of building, hashing and iterating halco coordinates.

Prints ns per item for the hot-loop operations other layers rely on; the last
line is ``RESULT`` + one JSON object.  Each figure is the best of a few repeats
of 10^5 operations, so it measures the code rather than the machine's noise.
``baseline_slots_class_ns`` (a bare Python class with ``__slots__`` and
``__init__``) gives the floor of this interpreter and machine for comparison.
"""
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import halco  # noqa: E402
from halco import Enum  # noqa: E402

N = 100_000
REPEATS = 7


def best_ns_per_item(fn, n=N, repeats=REPEATS):
    """Best-of-``repeats`` wall time of ``fn()`` divided by ``n``, in ns."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def main():
    C, R, A = halco.NeuronColumnOnDLS, halco.NeuronRowOnDLS, halco.AtomicNeuronOnDLS
    QC, SR, QS, Q, S = (halco.SynapseQuadColumnOnDLS, halco.SynapseRowOnSynram,
                        halco.SynapseQuadOnSynram, halco.SynapseQuadOnDLS, halco.SynramOnDLS)
    ints = [i & 255 for i in range(N)]
    cols = [C(i & 255) for i in range(N)]
    rows = [R(i & 1) for i in range(N)]
    enums = [Enum(i & 511) for i in range(N)]
    qcols = [QC(i & 63) for i in range(N)]
    srows = [SR((i >> 6) & 255) for i in range(N)]
    synrams = [S((i >> 14) & 1) for i in range(N)]
    qenums = [Enum(i % Q.size) for i in range(N)]

    class Plain:
        __slots__ = ("_v",)

        def __init__(self, v):
            self._v = v

    def loop_overhead():
        for _ in ints:
            pass

    figures = {}
    overhead = best_ns_per_item(loop_overhead)

    def fig(name, fn):
        figures[name] = round(max(best_ns_per_item(fn) - overhead, 0.0), 1)

    fig("baseline_slots_class_ns", lambda: [Plain(i) for i in ints])
    fig("ranged_construct_ns", lambda: [C(i) for i in ints])
    fig("grid_construct_ns", lambda: list(map(A, cols, rows)))
    fig("grid_from_enum_ns", lambda: [A(e) for e in enums])
    fig("from_enum_ns", lambda: list(map(A.from_enum, ints)))
    fig("mixin_construct_ns", lambda: [Q(QS(c, r), s) for c, r, s in zip(qcols, srows, synrams)])
    fig("mixin_from_enum_ns", lambda: [Q(e) for e in qenums])

    atoms = [A(e) for e in enums]
    quads = [Q(e) for e in qenums]
    mixed = atoms + quads + cols
    fig("hash_ns", lambda: set(quads))
    figures["set_of_mixed_types_ns"] = round(best_ns_per_item(lambda: set(mixed), n=len(mixed)), 1)
    fig("conversion_ns", lambda: [a.toNeuronBackendConfigOnDLS() for a in atoms])

    best = float("inf")
    for _ in range(REPEATS):
        gc.collect()
        t0 = time.perf_counter()
        cells = list(halco.iter_all(halco.CapMemCellOnDLS))
        best = min(best, time.perf_counter() - t0)
    assert len(cells) == 12480
    figures["iter_all_capmem_ms"] = round(best * 1e3, 3)
    t0 = time.perf_counter()
    n_syn = sum(1 for _ in halco.iter_all(halco.SynapseOnDLS))
    figures["iter_all_synapses_ms"] = round((time.perf_counter() - t0) * 1e3, 1)
    assert n_syn == 131072

    width = max(map(len, figures))
    print(f"halco coordinates, Python {sys.version.split()[0]}, {N} items, best of {REPEATS}")
    for k, v in figures.items():
        print(f"  {k:<{width}}  {v:>10}")
    print("RESULT " + json.dumps(figures))


if __name__ == "__main__":
    main()
