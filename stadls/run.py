"""run(): execute programs on a connection and fill their results."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable, List, Union

import numpy as np

from hxcomm import codec
from hxcomm.errors import ExecutorError, HxcommError

from .program import PlaybackProgram


class RunError(HxcommError):
    """The chip answered a program incompletely (no halt, wrong read count)."""


@dataclass
class RunTimeInfo:
    """Where the time of one ``run`` call went (seconds)."""

    encode_duration: float = 0.0
    execution_duration: float = 0.0
    decode_duration: float = 0.0
    programs: int = 0
    words: List[int] = field(default_factory=list)

    @property
    def total_duration(self) -> float:
        return self.encode_duration + self.execution_duration + self.decode_duration


_HALT = codec.loopback(True)


def run(connection, programs: Union[PlaybackProgram, Iterable[PlaybackProgram]]) -> RunTimeInfo:
    """Execute one program or a list of programs, in order, on ``connection``.

    Each program gets its results (tickets, ``spikes``, ``madc_samples``).
    Raises ``hxcomm.ExecutorError`` if the chip reported errors (naming the
    code and the offending word or address) and ``RunError`` if the answer
    is incomplete; a failed program's tickets stay invalid.
    """
    if isinstance(programs, PlaybackProgram):
        programs = [programs]
    info = RunTimeInfo()
    for program in programs:
        if not isinstance(program, PlaybackProgram):
            raise TypeError(f"run() takes PlaybackPrograms, got {type(program).__name__}")
        t0 = time.perf_counter()
        words = np.concatenate([program.words, _HALT])
        t1 = time.perf_counter()
        response = connection.execute(words)
        t2 = time.perf_counter()
        decoded = codec.decode_from_chip(response)
        if len(decoded.errors):
            raise ExecutorError(decoded.errors)
        if not decoded.halted:
            raise RunError("the program did not reach its end (no halt echo in the response)")
        if len(decoded.read_words) != program.expected_read_words:
            raise RunError(f"expected {program.expected_read_words} read words, "
                           f"got {len(decoded.read_words)}")
        program._set_results(decoded)
        t3 = time.perf_counter()
        info.encode_duration += t1 - t0
        info.execution_duration += t2 - t1
        info.decode_duration += t3 - t2
        info.programs += 1
        info.words.append(len(words))
    return info
