"""PlaybackProgram (immutable words + tickets) and ContainerTicket (a read future)."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from hxcomm.responses import MADC_SAMPLE_DTYPE, SPIKE_DTYPE


class EventArray(np.ndarray):
    """Recorded events (``program.spikes``, ``program.madc_samples``): a numpy structured
    array; ``to_numpy()`` gives it as a plain ndarray, as the public result vectors do."""

    def to_numpy(self) -> np.ndarray:
        return self.view(np.ndarray)


def _events(arr: np.ndarray) -> EventArray:
    return np.asarray(arr).view(EventArray)


class TicketNotReadyError(RuntimeError):
    """A ticket was asked for its value before its program ran."""


class ContainerTicket:
    """Future of a container read; ``get()`` works once the program has run."""

    __slots__ = ("_coord", "_cls", "_offset", "_count", "_program")

    def __init__(self, coord, cls, offset: int, count: int):
        self._coord, self._cls, self._offset, self._count = coord, cls, offset, count
        self._program: Optional["PlaybackProgram"] = None

    def valid(self) -> bool:
        """True once the program holding the read has run successfully."""
        return self._program is not None and self._program._read_words is not None

    def get(self):
        """The decoded container. Raises TicketNotReadyError before the run."""
        if not self.valid():
            raise TicketNotReadyError(
                f"ticket for {self._cls.__name__} at {self._coord!r} is not ready: "
                "run the program (stadls.run(connection, program)) first")
        words = self._program._read_words[self._offset:self._offset + self._count]
        return self._cls.decode_read(self._coord, words)

    def get_coordinate(self):
        return self._coord

    def __repr__(self):
        state = "valid" if self.valid() else "pending"
        return f"ContainerTicket({self._cls.__name__} at {self._coord!r}, {state})"


class WordsTicket:
    """Future of raw word reads (``PlaybackProgramBuilder.read_words``); ``get()`` gives the
    answered 32-bit words as a uint32 array, in the order of the addresses."""

    __slots__ = ("_offset", "_count", "_program")

    def __init__(self, offset: int, count: int):
        self._offset, self._count = offset, count
        self._program: Optional["PlaybackProgram"] = None

    def valid(self) -> bool:
        return self._program is not None and self._program._read_words is not None

    def get(self) -> np.ndarray:
        if not self.valid():
            raise TicketNotReadyError("word-read ticket is not ready: run the program "
                                      "(stadls.run(connection, program)) first")
        return np.asarray(self._program._read_words[self._offset:self._offset + self._count], dtype=np.uint32)

    def __repr__(self):
        return f"WordsTicket({self._count} words, {'valid' if self.valid() else 'pending'})"


class PlaybackProgram:
    """An immutable instruction stream with the tickets of its reads.

    After ``stadls.run`` it holds the results: ``spikes`` and ``madc_samples``
    (numpy structured arrays with the public field names), the tickets' read
    words, and ``run_ok()``.
    """

    def __init__(self, words: np.ndarray, tickets: List[ContainerTicket], read_words: int):
        self._words = words
        self._words.flags.writeable = False
        self._tickets = list(tickets)
        for t in self._tickets:
            t._program = self
        self._expected_reads = read_words
        self._read_words: Optional[np.ndarray] = None
        self.spikes = _events(np.zeros(0, dtype=SPIKE_DTYPE))
        self.madc_samples = _events(np.zeros(0, dtype=MADC_SAMPLE_DTYPE))
        self._ran = False

    @property
    def words(self) -> np.ndarray:
        """The instruction words (read-only uint64 array)."""
        return self._words

    @property
    def expected_read_words(self) -> int:
        return self._expected_reads

    def size_to_fpga(self) -> int:
        return len(self._words)

    def run_ok(self) -> bool:
        """True after a successful run."""
        return self._ran

    def tickets_valid(self) -> bool:
        return all(t.valid() for t in self._tickets)

    def _set_results(self, responses) -> None:
        self._read_words = responses.read_words
        self.spikes = _events(responses.spikes)
        self.madc_samples = _events(responses.madc_samples)
        self.highspeed_link_notifications = responses.highspeed_link_notifications
        self._ran = True

    def __repr__(self):
        return (f"PlaybackProgram(words={len(self._words)}, reads={self._expected_reads}, "
                f"ran={self._ran}, spikes={len(self.spikes)}, madc_samples={len(self.madc_samples)})")
