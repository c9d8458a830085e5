"""Input spikes for external source populations, per batch entry.

>>> gen = InputGenerator(network, batch_size=2, runtime=0.5)
>>> gen.add([[0.01, 0.02], [0.015]], population)          # neuron 0 twice, neuron 1 once, all entries
>>> gen.add([[0.3], []], population, batch=1)             # extra spike only in entry 1
>>> inputs = gen.done()

Times are hardware milliseconds from the start of the run (1 ms = 125 000 FPGA
cycles); they become FPGA cycles (rounded to the nearest cycle) and
are sent with the labels the routing gave each neuron.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from haldls.register_map import FPGA_CLOCK_CYCLES_PER_US

from .network import ExternalSourcePopulation, Network, NetworkError, PopulationDescriptor

FPGA_CYCLES_PER_MS = 1000 * FPGA_CLOCK_CYCLES_PER_US


def ms_to_cycles(t_ms) -> np.ndarray:
    """Hardware ms -> FPGA clock cycles (nearest cycle)."""
    return np.rint(np.asarray(t_ms, dtype=float) * FPGA_CYCLES_PER_MS).astype(np.int64)


@dataclass(frozen=True)
class InputData:
    """Spikes per batch entry: ``times`` (ms), ``populations``, ``neurons`` (sorted
    by time), and the runtime (ms) of each entry (None: given to ``run``)."""

    times: Tuple[np.ndarray, ...]
    populations: Tuple[np.ndarray, ...]
    neurons: Tuple[np.ndarray, ...]
    runtime: Optional[Tuple[float, ...]]

    @property
    def batch_size(self) -> int:
        return len(self.times)


class InputGenerator:
    """Collects input spike times for ``network``'s external populations."""

    def __init__(self, network: Network, batch_size: int = 1, runtime=None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.network = network
        self.batch_size = int(batch_size)
        if runtime is not None:
            runtime = np.broadcast_to(np.asarray(runtime, dtype=float), (self.batch_size,))
            if np.any(runtime <= 0):
                raise ValueError("runtime must be positive (hardware ms)")
            runtime = tuple(float(x) for x in runtime)
        self.runtime = runtime
        self._parts: List[List[Tuple[np.ndarray, int, np.ndarray]]] = [[] for _ in range(self.batch_size)]
        self._done = None   # (runtime, InputData) of the last done(), until the next add()

    def add(self, times: Sequence, population: PopulationDescriptor, batch: Optional[int] = None) -> "InputGenerator":
        """Add spike times (ms) for the neurons of an external population: ``times[i]``
        are the times of neuron ``i`` (one list per neuron); for all batch entries, or
        only entry ``batch``.  Raises ValueError for a wrong population, a list of the
        wrong length, or negative / non-finite times."""
        if not isinstance(population, PopulationDescriptor) or \
                not 0 <= population.index < len(self.network.populations):
            raise NetworkError(f"{population!r} is not a population of the network")
        pop = self.network.populations[population.index]
        if not isinstance(pop, ExternalSourcePopulation):
            raise NetworkError(f"input spikes go to ExternalSourcePopulations, population {population.index} is a "
                               f"{type(pop).__name__}")
        times = list(times)
        if len(times) != pop.size:
            raise ValueError(f"population {population.index} has {pop.size} neurons, got spike times for {len(times)}")
        t = [np.asarray(x, dtype=float).reshape(-1) for x in times]
        flat = np.concatenate(t) if t else np.zeros(0)
        if flat.size and (not np.all(np.isfinite(flat)) or flat.min() < 0):
            raise ValueError("spike times must be finite and >= 0 (hardware ms)")
        neurons = np.repeat(np.arange(pop.size), [len(x) for x in t])
        entries = range(self.batch_size) if batch is None else [int(batch)]
        for b in entries:
            if not 0 <= b < self.batch_size:
                raise ValueError(f"batch entry {b} out of range [0, {self.batch_size - 1}]")
            self._parts[b].append((flat, population.index, neurons))
        self._done = None
        return self

    def done(self) -> InputData:
        """The spikes added so far as immutable, time-sorted :class:`InputData` (the same object
        again while nothing was added and the runtime is unchanged: a network re-run in a loop
        does not sort its input again)."""
        if self._done is not None and self._done[0] == self.runtime:
            return self._done[1]
        times, pops, neurons = [], [], []
        for parts in self._parts:
            t = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
            pp = np.concatenate([np.full(len(p[0]), p[1]) for p in parts]) if parts else np.zeros(0, np.int64)
            nn = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int64)
            order = np.argsort(t, kind="stable")
            for a, lst in ((t[order], times), (pp[order].astype(np.int64), pops), (nn[order].astype(np.int64),
                                                                                      neurons)):
                a.flags.writeable = False
                lst.append(a)
        data = InputData(tuple(times), tuple(pops), tuple(neurons), self.runtime)
        self._done = (self.runtime, data)
        return data


def spike_words(inputs: InputData, entry: int, routing, offset_cycles: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """(times in cycles, 16-bit labels) to inject for one batch entry: each spike is
    sent once per label its neuron has (one per target hemisphere)."""
    t = inputs.times[entry]
    if not len(t):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pops, neurons = inputs.populations[entry], inputs.neurons[entry]
    cycles = ms_to_cycles(t) + offset_cycles
    out_t, out_l = [], []
    for p in np.unique(pops):
        sel = pops == p
        idx, labels = routing.external_labels.get(int(p), (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        if not len(idx):
            continue
        # labels grouped by neuron: counts and starts
        size = routing.network.populations[int(p)].size
        counts = np.bincount(idx, minlength=size)
        order = np.argsort(idx, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        n = neurons[sel]
        k = counts[n]
        rep_t = np.repeat(cycles[sel], k)
        pos = np.repeat(starts[n], k) + (np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k))
        out_t.append(rep_t)
        out_l.append(labels[order][pos])
    if not out_t:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    t_all, l_all = np.concatenate(out_t), np.concatenate(out_l)
    order = np.argsort(t_all, kind="stable")
    return t_all[order], l_all[order]
