"""Configuration writes at given times inside the realtime section of a snippet.

A :class:`TimedWrites` is a list of omnibus word writes, each with a time in hardware ms from
the start of its snippet (the clock of the snippet's input spikes).  ``grenade.run`` merges
them with the input spikes and CADC reads of the snippet in time order
(:func:`append_realtime`): the executor waits until a write's time, then writes.  A write at
the same time as an input spike goes first.

Afterwards the chip holds the last written words; the execution tells its
:class:`grenade.chip.ChipState` so (``note_written``), and the next configuration difference
writes the network's own words back where they differ.  Nothing else of grenade changes.

::

    writes = grenade.TimedWrites.from_containers([(0.05, coord, container), ...])
    grenade.run(connection, [grenade.Snippet(network, inputs, 0.1, routing, timed_writes=writes)])
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

import numpy as np

from .inputs import FPGA_CYCLES_PER_MS, ms_to_cycles

__all__ = ["TimedWrites", "append_realtime", "FULL_MASK"]


FULL_MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class TimedWrites:
    """Word writes at times of a snippet: ``times`` (hardware ms from the snippet start,
    non-negative), ``addresses`` and ``words`` (32 bit), one entry per word, in any order
    (stably sorted by time when executed: writes of equal time keep their order).

    ``masks`` (optional, 32 bit per entry, default all bits): only the bits set in the mask are
    written; the others keep what the chip holds at that time (the network's configuration,
    or an earlier timed write), so a write can change one field of a register that grenade
    also configures (e.g. one switch of a ``NeuronConfig``).  Masked writes need an address
    that grenade configures."""

    times: np.ndarray
    addresses: np.ndarray
    words: np.ndarray
    masks: Optional[np.ndarray] = None

    def __post_init__(self):
        t = np.asarray(self.times, dtype=float).reshape(-1)
        a = np.asarray(self.addresses, dtype=np.int64).reshape(-1)
        w = np.asarray(self.words, dtype=np.int64).reshape(-1)
        m = np.full(len(w), FULL_MASK, np.int64) if self.masks is None else \
            np.asarray(self.masks, dtype=np.int64).reshape(-1)
        if not (len(t) == len(a) == len(w) == len(m)):
            raise ValueError(f"TimedWrites: times, addresses, words and masks must have equal lengths, got "
                             f"{len(t)}, {len(a)}, {len(w)}, {len(m)}")
        if len(m) and (m.min() < 0 or m.max() > FULL_MASK):
            raise ValueError("TimedWrites: masks must be 32-bit unsigned values")
        if len(t) and (not np.all(np.isfinite(t)) or t.min() < 0):
            i = int(np.flatnonzero(~np.isfinite(t) | (t < 0))[0])
            raise ValueError(f"TimedWrites: write {i} at {t[i]} ms: times must be finite and >= 0 (hardware ms "
                             f"from the snippet start)")
        if len(a) and (a.min() < 0 or a.max() >= 2 ** 32 or w.min() < 0 or w.max() >= 2 ** 32):
            raise ValueError("TimedWrites: addresses and words must be 32-bit unsigned values")
        order = np.argsort(t, kind="stable")
        object.__setattr__(self, "times", t[order])
        object.__setattr__(self, "addresses", a[order].astype(np.uint32))
        object.__setattr__(self, "words", w[order].astype(np.uint32))
        object.__setattr__(self, "masks", m[order].astype(np.uint32))

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def empty(cls) -> "TimedWrites":
        return cls(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64))

    @classmethod
    def from_containers(cls, writes: Iterable[Tuple[float, object, object]]) -> "TimedWrites":
        """From ``(time in hardware ms, coordinate, container)`` triples (haldls or lola
        containers: anything with ``write_plan(coordinate)``)."""
        times, addrs, words = [], [], []
        for t, coord, container in writes:
            a, w = container.write_plan(coord)
            addrs.append(np.asarray(a, dtype=np.int64).reshape(-1))
            words.append(np.asarray(w, dtype=np.int64).reshape(-1))
            times.append(np.full(len(addrs[-1]), float(t)))
        if not times:
            return cls.empty()
        return cls(np.concatenate(times), np.concatenate(addrs), np.concatenate(words))

    @classmethod
    def from_absolute_time_builder(cls, builder, start: int = 0, stop: Optional[int] = None) -> "TimedWrites":
        """The writes of a write-only ``stadls.AbsoluteTimePlaybackProgramBuilder`` (times in FPGA
        cycles) in ``[start, stop)``, with times relative to ``start`` (the builder is not changed).
        TypeError for a builder with reads (their tickets cannot be repeated)."""
        if not builder.is_write_only():
            raise TypeError("timed writes take a write-only AbsoluteTimePlaybackProgramBuilder (read through "
                            "injected readout instead)")
        writes = [((c.time - start) / FPGA_CYCLES_PER_MS, c.coordinate, c.container)
                  for c in builder.sorted_commands() if c.time >= start and (stop is None or c.time < stop)]
        return cls.from_containers(writes)

    @classmethod
    def concatenate(cls, parts: Iterable["TimedWrites"]) -> "TimedWrites":
        parts = [p for p in parts if p is not None and len(p)]
        if not parts:
            return cls.empty()
        return cls(np.concatenate([p.times for p in parts]), np.concatenate([p.addresses for p in parts]),
                   np.concatenate([p.words for p in parts]), np.concatenate([p.masks for p in parts]))

    @property
    def masked(self) -> bool:
        """Whether some entry writes only part of its word."""
        return bool(len(self.masks)) and bool(np.any(self.masks != FULL_MASK))

    def cycles(self) -> np.ndarray:
        """Write times in FPGA cycles from the snippet start (nearest cycle)."""
        return ms_to_cycles(self.times)


def append_realtime(builder, spikes, write_cycles: Optional[np.ndarray] = None,
                    write_addresses: Optional[np.ndarray] = None, write_words: Optional[np.ndarray] = None,
                    read_cycles: Iterable[int] = (), read_addresses: Optional[np.ndarray] = None) -> List:
    """Append one snippet's realtime events to ``builder`` in time order (all times absolute FPGA
    cycles of the program's timer, sorted): input ``spikes`` (a ``stadls.TimedSpikes``), word
    writes (before spikes of the same time) and bulk word reads (after spikes of the same time).
    Returns the read tickets, one per read time."""
    t_sp = spikes.times
    wc = np.zeros(0, np.int64) if write_cycles is None else np.asarray(write_cycles, dtype=np.int64)
    stops = []              # (cycle, kind, payload): kind 0 = writes (before spikes), 1 = read
    if len(wc):
        starts = np.flatnonzero(np.r_[True, wc[1:] != wc[:-1]])
        ends = np.r_[starts[1:], len(wc)]
        for s, e in zip(starts.tolist(), ends.tolist()):
            stops.append((int(wc[s]), 0, (s, e)))
    for t in read_cycles:
        stops.append((int(t), 1, None))
    stops.sort(key=lambda x: (x[0], x[1]))
    tickets = []
    pos = 0
    for cycle, kind, payload in stops:
        # a cut at a time boundary: the slice reuses the encoded words of the spikes
        upto = int(np.searchsorted(t_sp, cycle, side="left" if kind == 0 else "right"))
        builder.write_spikes(spikes[pos:upto])
        pos = upto
        builder.wait_until(cycle)
        if kind == 0:
            s, e = payload
            builder.write_words(np.asarray(write_addresses[s:e]), np.asarray(write_words[s:e]))
        else:
            tickets.append(builder.read_words(read_addresses))
    builder.write_spikes(spikes[pos:])
    return tickets
