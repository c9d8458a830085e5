"""TimedSpikes: timed spike injections encoded once, written into any number of programs.

A spike train is encoded into WAIT_UNTIL + SPIKE_PACK words once; ``PlaybackProgramBuilder.
write_spikes`` appends the words, and a slice of the train (``spikes[i:j]``) reuses its part of
the words when it begins and ends between two spike times (else it is encoded anew).  A run
loop that sends the same input again does not encode it again.

>>> spikes = TimedSpikes([10, 10, 20], [1, 2, 3])
>>> builder = PlaybackProgramBuilder()
>>> builder.write_spikes(spikes)
"""
from __future__ import annotations

import numpy as np

from hxcomm import codec
from hxcomm.instructions import BY_NAME
from hxcomm.words import as_unsigned, assemble

__all__ = ["TimedSpikes"]


class TimedSpikes:
    """Spike injections at FPGA timer values: ``times`` (cycles, non-decreasing), ``labels``
    (16-bit SpikeLabels) and ``words``, their instruction words (one WAIT_UNTIL per distinct
    time, followed by that time's labels in packs of 3).  Immutable (read-only arrays).

    Raises ValueError for arrays of different lengths or more than one dimension, decreasing
    times or out-of-range values."""

    __slots__ = ("times", "labels", "words", "_group_word")

    def __init__(self, times, labels):
        times = np.array(times, dtype=np.int64)         # own copies: they become read-only
        labels = np.array(labels, dtype=np.int64)
        if times.shape != labels.shape or times.ndim != 1:
            raise ValueError(f"times and labels must be 1-D of equal length, got {times.shape} and {labels.shape}")
        if len(times) and np.any(np.diff(times) < 0):
            raise ValueError("spike times must be non-decreasing")
        words, group_word = _encode(times, labels)
        self._set(times, labels, words, group_word)

    def _set(self, times, labels, words, group_word):
        for a in (times, labels, words, group_word):
            a.flags.writeable = False
        self.times, self.labels, self.words = times, labels, words
        # per spike: the index of the WAIT_UNTIL word of its time; one more entry: len(words)
        self._group_word = group_word

    def __len__(self) -> int:
        return len(self.times)

    def _starts_group(self, i: int) -> bool:
        return i == 0 or i == len(self.times) or self.times[i] != self.times[i - 1]

    def __getitem__(self, index: slice) -> "TimedSpikes":
        """The spikes of a slice (step 1); its words are a view of these when the slice cuts
        the train between two times."""
        if not isinstance(index, slice):
            raise TypeError(f"TimedSpikes takes slices, got {type(index).__name__}")
        start, stop, step = index.indices(len(self.times))
        if step != 1:
            raise ValueError("TimedSpikes slices have step 1")
        stop = max(start, stop)
        if not (self._starts_group(start) and self._starts_group(stop)):
            return TimedSpikes(self.times[start:stop], self.labels[start:stop])
        out = TimedSpikes.__new__(TimedSpikes)
        first = self._group_word[start]
        out._set(self.times[start:stop], self.labels[start:stop], self.words[first:self._group_word[stop]],
                 self._group_word[start:stop + 1] - first)
        return out

    def __repr__(self):
        return f"TimedSpikes({len(self.times)} spikes, {len(self.words)} words)"


_PACK_OPCODES = np.array([0] + [BY_NAME[f"SPIKE_PACK_{n}"].opcode for n in (1, 2, 3)], dtype=np.uint64)


def _encode(times: np.ndarray, labels: np.ndarray):
    """(words, WAIT_UNTIL word index per spike and len(words) after them) of sorted (time, label)
    pairs, vectorized."""
    labels = as_unsigned(labels, 16, "spike label")
    n = len(times)
    if n == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    new_group = np.r_[True, times[1:] != times[:-1]]
    group = np.cumsum(new_group) - 1
    group_start = np.flatnonzero(new_group)
    rank = np.arange(n) - group_start[group]
    slot = rank % 3
    pack = np.cumsum(slot == 0) - 1
    n_packs = int(pack[-1]) + 1
    payload = np.zeros(n_packs, dtype=np.uint64)
    for s in range(3):  # each (pack, slot) occurs once, so plain fancy assignment is exact
        m = slot == s
        payload[pack[m]] |= labels[m] << np.uint64(16 * s)
    count = np.bincount(pack, minlength=n_packs)
    pack_group = group[slot == 0]
    packs_per_group = np.bincount(pack_group, minlength=len(group_start))
    packs_before = np.r_[0, np.cumsum(packs_per_group)[:-1]]
    wait_at = np.arange(len(group_start)) + packs_before
    out = np.empty(len(group_start) + n_packs, dtype=np.uint64)
    out[wait_at] = codec.wait_until(times[group_start])
    out[pack_group + 1 + np.arange(n_packs)] = assemble(_PACK_OPCODES[count], payload)
    return out, np.r_[wait_at[group], len(out)]
