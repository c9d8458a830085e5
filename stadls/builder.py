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

from .program import ContainerTicket, PlaybackProgram, WordsTicket
from .registry import container_for_coordinate
from .spikes import TimedSpikes


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

    def write_spikes(self, times, labels=None) -> None:
        """Append timed spike injections (vectorized).

        ``times`` are FPGA timer values (cycles, non-decreasing), ``labels`` 16-bit
        SpikeLabels; spikes sharing a time are packed up to 3 per instruction.  ``times`` may
        instead be a :class:`stadls.TimedSpikes` (encoded once, no ``labels``), whose words
        are appended as they are.  Raises ValueError for decreasing times or out-of-range
        values.
        """
        if isinstance(times, TimedSpikes):
            if labels is not None:
                raise TypeError("write_spikes(TimedSpikes) takes no labels: the TimedSpikes carries them")
            self._append(times.words)
            return
        if labels is None:
            raise TypeError("write_spikes(times, labels) needs the labels")
        self._append(TimedSpikes(times, labels).words)

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
