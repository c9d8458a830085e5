"""PlaybackProgramBuilder: containers in, wire words out.

``write``/``read`` walk containers through their generic write/read plans
(register-map containers and composites alike) and append omnibus
instructions; ``block_until`` appends waits and barriers; ``done`` returns an
immutable :class:`PlaybackProgram`.  Words are kept as numpy chunks, so large
writes never pass through Python one word at a time.
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np

import halco
import haldls
from hxcomm import codec
from hxcomm.instructions import BY_NAME
from hxcomm.words import as_unsigned, assemble

from .program import ContainerTicket, PlaybackProgram, WordsTicket
from .registry import container_for_coordinate


class PlaybackProgramBuilder:
    """Collect instructions for one playback program.

    >>> builder = PlaybackProgramBuilder()
    >>> builder.write(halco.TimerOnDLS(), haldls.Timer())
    >>> builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(125))
    >>> program = builder.done()
    """

    def __init__(self):
        self._reset()

    def _reset(self):
        self._chunks: List[np.ndarray] = []
        self._size = 0
        self._tickets: List[ContainerTicket] = []
        self._read_words = 0

    def _append(self, words: np.ndarray):
        if len(words):
            self._chunks.append(words)
            self._size += len(words)

    # -- writes ---------------------------------------------------------------
    def write(self, coord, container, config_reference=None, backend=None) -> None:
        """Append the instructions that write ``container`` at ``coord``.

        With ``config_reference`` (a container of the same type believed to be
        on the chip already), only the words that differ are written.
        Raises TypeError for a container/coordinate mismatch or a read-only
        container.
        """
        special = self._write_special(coord, container)
        if special is not None:
            if config_reference is not None:
                raise TypeError(f"{type(container).__name__} does not support differential writes")
            self._append(special)
            return
        addresses, words = container.write_plan(coord)
        if config_reference is not None:
            if type(config_reference) is not type(container):
                raise TypeError(f"config_reference must be a {type(container).__name__}, "
                                f"got {type(config_reference).__name__}")
            ref_addresses, ref_words = config_reference.write_plan(coord)
            if not np.array_equal(ref_addresses, addresses):  # pragma: no cover - same type, same coord
                raise ValueError("reference configuration covers different addresses")
            changed = words != ref_words
            addresses, words = addresses[changed], words[changed]
        self._append(codec.omnibus_write(addresses, words))

    def write_words(self, addresses, words) -> None:
        """Append raw omnibus writes (arrays of 32-bit addresses and words)."""
        self._append(codec.omnibus_write(np.asarray(addresses), np.asarray(words)))

    def _write_special(self, coord, container) -> Optional[np.ndarray]:
        if isinstance(container, haldls.Timer):
            _expect(coord, halco.TimerOnDLS, container)
            return codec.timer_reset()
        if isinstance(container, (haldls.SpikePack1ToChip, haldls.SpikePack2ToChip, haldls.SpikePack3ToChip)):
            expected = {1: halco.SpikePack1ToChipOnDLS, 2: halco.SpikePack2ToChipOnDLS,
                        3: halco.SpikePack3ToChipOnDLS}[container.size]
            _expect(coord, expected, container)
            return codec.spike_pack(np.array([int(lab) for lab in container.labels], dtype=np.uint64))
        if isinstance(container, haldls.SystimeSync):
            _expect(coord, halco.SystimeSyncOnFPGA, container)
            return codec.systime_init() if container.do_sync else np.zeros(0, np.uint64)
        if isinstance(container, haldls.ResetChip):
            _expect(coord, halco.ResetChipOnDLS, container)
            return codec.chip_reset(int(container.value))
        if isinstance(container, haldls.Barrier):
            raise TypeError("a Barrier is a block_until condition: use "
                            "builder.block_until(halco.BarrierOnFPGA(), haldls.Barrier.omnibus)")
        return None

    def write_spikes(self, times, labels) -> None:
        """Append timed spike injections (vectorized).

        ``times`` are FPGA timer values (cycles, non-decreasing), ``labels`` 16-bit
        SpikeLabels; spikes sharing a time are packed up to 3 per instruction.
        Raises ValueError for decreasing times or out-of-range values.
        """
        times = np.asarray(times, dtype=np.int64)
        labels = np.asarray(labels, dtype=np.int64)
        if times.shape != labels.shape or times.ndim != 1:
            raise ValueError(f"times and labels must be 1-D of equal length, got {times.shape} and {labels.shape}")
        if len(times) == 0:
            return
        if np.any(np.diff(times) < 0):
            raise ValueError("spike times must be non-decreasing")
        self._append(_timed_spike_words(times, labels))

    # -- reads ----------------------------------------------------------------
    def read(self, coord, backend=None) -> ContainerTicket:
        """Append reads of the container at ``coord``; returns a ticket whose
        ``get()`` gives the decoded container after the program ran."""
        cls = container_for_coordinate(coord)
        addresses = np.asarray(cls.read_plan(coord), dtype=np.int64)
        ticket = ContainerTicket(coord, cls, self._read_words, len(addresses))
        self._append(codec.omnibus_read(addresses))
        self._read_words += len(addresses)
        self._tickets.append(ticket)
        return ticket

    def read_words(self, addresses) -> WordsTicket:
        """Append raw omnibus reads of 32-bit ``addresses`` (vectorized); the ticket's ``get()``
        gives the answered words as a uint32 array (decode them with a container's
        ``decode_array``)."""
        addresses = np.asarray(addresses, dtype=np.int64).reshape(-1)
        ticket = WordsTicket(self._read_words, len(addresses))
        self._append(codec.omnibus_read(addresses))
        self._read_words += len(addresses)
        self._tickets.append(ticket)
        return ticket

    # -- timing -----------------------------------------------------------------
    def block_until(self, coord, condition) -> None:
        """Block the executor: ``(TimerOnDLS(), Timer.Value(t))`` waits until the
        timer reaches ``t`` cycles; ``(BarrierOnFPGA(), Barrier.omnibus)`` waits
        for idle units."""
        if isinstance(coord, halco.TimerOnDLS):
            if isinstance(condition, haldls.Barrier) or not isinstance(condition, (int, np.integer)):
                raise TypeError(f"block_until(TimerOnDLS) needs a Timer.Value, got {condition!r}")
            self._append(codec.wait_until(int(haldls.Timer.Value(condition))))
        elif isinstance(coord, halco.BarrierOnFPGA):
            if not isinstance(condition, haldls.Barrier):
                raise TypeError(f"block_until(BarrierOnFPGA) needs a Barrier, got {condition!r}")
            self._append(codec.barrier(condition.value))
        else:
            raise TypeError(f"block_until takes TimerOnDLS or BarrierOnFPGA, got {coord!r}")

    def wait_until(self, cycles: int) -> None:
        """Shorthand for ``block_until(TimerOnDLS(), Timer.Value(cycles))``."""
        self.block_until(halco.TimerOnDLS(), haldls.Timer.Value(cycles))

    # -- composition ------------------------------------------------------------
    def merge_back(self, other: "PlaybackProgramBuilder") -> None:
        """Append ``other``'s instructions (and tickets); ``other`` is emptied."""
        if other is self:
            raise ValueError("cannot merge a builder into itself")
        for t in other._tickets:
            t._offset += self._read_words
        self._chunks.extend(other._chunks)
        self._size += other._size
        self._tickets.extend(other._tickets)
        self._read_words += other._read_words
        other._reset()

    def merge_front(self, other: "PlaybackProgramBuilder") -> None:
        """Prepend ``other``'s instructions (and tickets); ``other`` is emptied."""
        if other is self:
            raise ValueError("cannot merge a builder into itself")
        for t in self._tickets:
            t._offset += other._read_words
        self._chunks = other._chunks + self._chunks
        self._size += other._size
        self._tickets = other._tickets + self._tickets
        self._read_words += other._read_words
        other._reset()

    def copy_back(self, other: "PlaybackProgramBuilder") -> None:
        """Append a copy of ``other``'s instructions; only for write-only builders
        (tickets cannot be shared)."""
        if not other.is_write_only():
            raise ValueError("copy_back needs a write-only builder (it has reads)")
        self._chunks.extend(c.copy() for c in other._chunks)
        self._size += other._size

    # -- introspection ------------------------------------------------------------
    def empty(self) -> bool:
        return self._size == 0

    def size_to_fpga(self) -> int:
        """Number of instruction words so far."""
        return self._size

    def is_write_only(self) -> bool:
        return not self._tickets

    def __len__(self):
        return self._size

    def __repr__(self):
        return f"PlaybackProgramBuilder(words={self._size}, reads={len(self._tickets)})"

    def done(self) -> PlaybackProgram:
        """The immutable program; the builder starts over empty."""
        words = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.uint64)
        program = PlaybackProgram(words, self._tickets, self._read_words)
        self._reset()
        return program


def _expect(coord, ctype, container):
    if not isinstance(coord, ctype):
        raise TypeError(f"{type(container).__name__} is written at {ctype.__name__}, got {coord!r}")


_PACK_OPCODES = np.array([0] + [BY_NAME[f"SPIKE_PACK_{n}"].opcode for n in (1, 2, 3)], dtype=np.uint64)


def _timed_spike_words(times: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """WAIT_UNTIL + SPIKE_PACK words for sorted (time, label) pairs, vectorized:
    one wait per distinct time, followed by that time's labels in packs of 3."""
    labels = as_unsigned(labels, 16, "spike label")
    n = len(times)
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
    out = np.empty(len(group_start) + n_packs, dtype=np.uint64)
    out[np.arange(len(group_start)) + packs_before] = codec.wait_until(times[group_start])
    out[pack_group + 1 + np.arange(n_packs)] = assemble(_PACK_OPCODES[count], payload)
    return out
