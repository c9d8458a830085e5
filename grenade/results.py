"""Results of ``grenade.run``: spikes, MADC traces, CADC samples, timing."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .network import PopulationDescriptor

SPIKE_DTYPE = np.dtype([("time", "f8"), ("neuron", "i8")])
SAMPLE_DTYPE = np.dtype([("time", "f8"), ("value", "i8")])


@dataclass
class ExecutionTimeInfo:
    """Where the time of one ``run`` went (seconds): routing (0 if a routing was
    given), building chip configuration and programs, executing on the
    connection (encode + transfer + emulation + response decode in stadls),
    decoding results; and the configuration words written."""

    route_s: float = 0.0
    build_s: float = 0.0
    run_s: float = 0.0
    decode_s: float = 0.0
    total_s: float = 0.0
    config_words: int = 0
    program_words: int = 0

    def __repr__(self):
        return (f"ExecutionTimeInfo(route {self.route_s * 1e3:.2f} ms, build {self.build_s * 1e3:.2f} ms, "
                f"run {self.run_s * 1e3:.2f} ms, decode {self.decode_s * 1e3:.2f} ms, total "
                f"{self.total_s * 1e3:.2f} ms, {self.config_words} config words)")


@dataclass
class SnippetResult:
    """Data of one batch entry and snippet (times in hardware ms from the snippet start)."""

    spikes: Dict[int, np.ndarray] = field(default_factory=dict)          # population -> SPIKE_DTYPE
    # (population, neuron, compartment) -> SAMPLE_DTYPE
    madc: Dict[Tuple[int, int, int], np.ndarray] = field(default_factory=dict)
    cadc: Dict[Tuple[int, int, int], np.ndarray] = field(default_factory=dict)
    spike_counts: Dict[int, np.ndarray] = field(default_factory=dict)    # population -> (count, overflow)
    #: after a run with plasticity rules that read symbols: rule name -> {symbol: bytes}, per PPU
    #: (``ppu_symbols[ppu][rule][name]``; last snippet only)
    ppu_symbols: Dict[int, Dict[str, Dict[str, bytes]]] = field(default_factory=dict)
    #: observables of the plasticity rules' C++ kernels: ``ppu_recordings[ppu][rule]`` is a list
    #: with one dict per call: ``time`` (PPU cycles since the realtime section started) and per
    #: observable a list over its elements (handles) of nested lists (last snippet only)
    ppu_recordings: Dict[int, Dict[str, list]] = field(default_factory=dict)
    #: weights of the synapse handles' rows of rules with ``read_weights`` after the realtime
    #: section: ``plastic_weights[rule][hemisphere]`` = {row: 256 weights by column} (last snippet)
    plastic_weights: Dict[str, Dict[int, Dict[int, np.ndarray]]] = field(default_factory=dict)


class Results:
    """Output of one ``grenade.run`` call, per batch entry and snippet.

    * ``spikes(population, batch=0, snippet=0)`` -> structured array ``time`` (ms),
      ``neuron`` sorted by time; ``spike_times(population, neuron=None, ...)`` ->
      one float array per neuron (or that neuron's array);
    * ``madc(population, neuron, ..., compartment=0)`` / ``cadc(...)`` -> structured
      array ``time`` (ms), ``value`` (ADC LSB);
    * ``spike_counts(population, ...)`` -> (counts, overflow) if read;
    * ``timing``: :class:`ExecutionTimeInfo`.
    """

    def __init__(self, network, entries: List[List[SnippetResult]], timing: ExecutionTimeInfo, routing):
        self.network = network
        self.entries = entries
        self.timing = timing
        self.routing = routing

    @property
    def batch_size(self) -> int:
        return len(self.entries)

    def _get(self, batch, snippet) -> SnippetResult:
        return self.entries[batch][snippet]

    @staticmethod
    def _index(population) -> int:
        return population.index if isinstance(population, PopulationDescriptor) else int(population)

    def spikes(self, population, batch: int = 0, snippet: int = 0) -> np.ndarray:
        return self._get(batch, snippet).spikes.get(self._index(population), np.zeros(0, SPIKE_DTYPE))

    def spike_times(self, population, neuron: Optional[int] = None, batch: int = 0, snippet: int = 0):
        s = self.spikes(population, batch, snippet)
        if neuron is not None:
            return s["time"][s["neuron"] == neuron]
        size = self.network.populations[self._index(population)].size
        order = np.argsort(s["neuron"], kind="stable")
        counts = np.bincount(s["neuron"], minlength=size)
        return np.split(s["time"][order], np.cumsum(counts)[:-1])

    def madc(self, population, neuron: int, batch: int = 0, snippet: int = 0, *, compartment: int = 0) -> np.ndarray:
        return self._get(batch, snippet).madc.get((self._index(population), int(neuron), int(compartment)),
                                                  np.zeros(0, SAMPLE_DTYPE))

    def cadc(self, population, neuron: int, batch: int = 0, snippet: int = 0, *, compartment: int = 0) -> np.ndarray:
        return self._get(batch, snippet).cadc.get((self._index(population), int(neuron), int(compartment)),
                                                  np.zeros(0, SAMPLE_DTYPE))

    def spike_counts(self, population, batch: int = 0, snippet: int = 0):
        return self._get(batch, snippet).spike_counts.get(self._index(population))

    def __repr__(self):
        n = sum(len(s) for e in self.entries for r in e for s in r.spikes.values())
        return f"Results(batch_size={self.batch_size}, {n} spikes, {self.timing!r})"
