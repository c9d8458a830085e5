"""Connections: one interface to whatever executes word streams.

A connection is a context manager with ``execute(words) -> response words`` (numpy uint64
arrays in both directions), an identity and timing information.  Which connection
``ManagedConnection()`` gives is chosen by ``HXCOMM_BACKEND`` among the registered backends
(:mod:`hxcomm.backends`): the in-process emulator by default, which the emulator package
registers itself, so this layer never imports it.

Every connection runs a program in pieces (:meth:`Connection.start`, :meth:`~Connection.resume`,
:meth:`~Connection.take_output`, :meth:`~Connection.abort`): ``execute`` drives them, so that
Ctrl-C stops a long run within a fraction of a second (the connection stays usable), a run
longer than ``run_timeout`` is cancelled with :class:`RunTimeoutError`, and a run longer than
about two seconds shows a progress bar.  Servers drive the same pieces.

As in the public stack, where every connection is a multi-connection (one entry per chip),
the information getters return one entry per chip: ``get_unique_identifier()[0]``,
``get_hwdb_entry()[0]``, ``get_time_info()[0]``, ``get_bitfile_info()[0]``,
``get_remote_repo_state()[0]``.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, replace
from typing import List, Optional

import numpy as np

from .errors import ConnectionError, RunTimeoutError  # noqa: A004 - the public name
from .instructions import FPGA_CLOCK_CYCLES_PER_US, MAX_PROGRAM_WORDS, OPCODE_LSB, OPCODE_TIMER_RESET, OPCODE_WAIT_UNTIL

#: Wall time one piece of a run may take (s): how late Ctrl-C, a cancel or a time limit is seen.
CHUNK_SECONDS = 0.05
#: Runs longer than this (s) show a progress bar (when progress bars are on).
PROGRESS_DELAY_SECONDS = 2.0


@dataclass
class ConnectionTimeInfo:
    """Accumulated time spent by a connection (seconds) and the words moved.

    The public fields: ``execution_duration`` (from handing the words over to having the
    answer), ``encode_duration`` (framing the words for a transport), ``decode_duration``
    (unframing the answer) and ``commit_duration`` (writing the request onto the link); the
    last three are 0 for the in-process emulator, which has no transport."""

    execution_duration: float = 0.0
    programs: int = 0
    words_sent: int = 0
    words_received: int = 0
    encode_duration: float = 0.0
    decode_duration: float = 0.0
    commit_duration: float = 0.0

    def __repr__(self):
        return (f"ConnectionTimeInfo(execution={self.execution_duration * 1e3:.3f} ms, "
                f"programs={self.programs}, sent={self.words_sent}, received={self.words_received})")


def program_duration_cycles(words: np.ndarray) -> int:
    """Chip time a program spends waiting, in FPGA cycles: per stretch between TIMER_RESETs
    the latest WAIT_UNTIL target (the timer restarts at 0 at each reset).  What a progress
    bar counts to; a lower bound where a wait lies behind the timer."""
    words = np.asarray(words, dtype=np.uint64)
    if words.size == 0:
        return 0
    opcode = (words >> np.uint64(OPCODE_LSB)) & np.uint64(0x7F)
    waits = opcode == OPCODE_WAIT_UNTIL
    if not waits.any():
        return 0
    segment = np.cumsum(opcode == OPCODE_TIMER_RESET)[waits]
    target = (words[waits] & np.uint64(0xFFFF_FFFF)).astype(np.int64)
    latest = np.zeros(int(segment.max()) + 1, dtype=np.int64)
    np.maximum.at(latest, segment, target)
    return int(latest.sum())


def _progress_wanted(progress: Optional[bool]) -> bool:
    if progress is not None:
        return bool(progress)
    env = os.environ.get("HXCOMM_PROGRESS", "").strip().lower()
    if env:
        return env not in ("0", "false", "no", "off")
    return sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


class _ProgressBar:
    """A tqdm bar in chip microseconds, shown once a run has taken PROGRESS_DELAY_SECONDS."""

    def __init__(self, total_cycles: int):
        self.total = total_cycles
        self.bar = None

    def update(self, elapsed: float, done_cycles: Optional[int]) -> None:
        if elapsed < PROGRESS_DELAY_SECONDS or done_cycles is None:
            return
        if self.bar is None:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=round(self.total / FPGA_CLOCK_CYCLES_PER_US, 1) or None, unit="chip us", desc="hxcomm run",
                            leave=False, dynamic_ncols=True)
        self.bar.n = round(min(done_cycles, self.total or done_cycles) / FPGA_CLOCK_CYCLES_PER_US, 1)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Connection:
    """Base class: context management, checks, chunked execution and time accounting.

    Options (every connection): ``run_timeout`` (s, None: no limit): a run that takes longer
    is cancelled and raises :class:`RunTimeoutError`, the connection stays usable;
    ``progress`` (None: on when stderr is a terminal or ``HXCOMM_PROGRESS=1``): a tqdm bar
    for runs longer than about two seconds.

    Subclasses implement either ``_execute(words) -> words`` (all at once) or the pieces
    ``_start(words)``, ``_resume(budget_seconds) -> done``, ``_take_output()``, ``_abort()``
    and ``_progress_cycles()``.
    """

    def __init__(self, *, run_timeout: Optional[float] = None, progress: Optional[bool] = None):
        if run_timeout is not None and not run_timeout > 0:
            raise ValueError(f"run_timeout {run_timeout!r} s must be > 0 (or None: no limit)")
        self._open = True
        self._active = False
        self.run_timeout = run_timeout
        self.progress = progress
        self.time_info = ConnectionTimeInfo()
        self._pending_words: Optional[np.ndarray] = None
        self._output: Optional[np.ndarray] = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self) -> None:
        """Release the backend; later ``execute`` calls raise ConnectionError."""
        self._open = False

    @property
    def closed(self) -> bool:
        return not self._open

    # -- running programs ---------------------------------------------------------------------
    def _check_program(self, words) -> np.ndarray:
        if not self._open:
            raise ConnectionError(f"{type(self).__name__} is closed")
        words = np.ascontiguousarray(words, dtype=np.uint64)
        if words.ndim != 1:
            raise ValueError(f"a word stream is 1-D, got shape {words.shape}")
        if len(words) > MAX_PROGRAM_WORDS:
            raise ValueError(f"program of {len(words)} words exceeds the FPGA program memory "
                             f"({MAX_PROGRAM_WORDS} words); split it into several programs")
        return words

    def execute(self, words) -> np.ndarray:
        """Send a to-chip word stream and return the from-chip response words.

        Raises ConnectionError on a closed or lost connection (ConnectionTimeoutError when the
        peer says nothing for longer than the connection's ``timeout``), ValueError for a
        stream longer than the FPGA program memory, RunTimeoutError for a run longer than
        ``run_timeout`` and KeyboardInterrupt on Ctrl-C; after the last two the program is
        stopped and the connection stays usable.
        """
        words = self._check_program(words)
        t0 = time.perf_counter()
        bar = _ProgressBar(program_duration_cycles(words)) if _progress_wanted(self.progress) else None
        self.start(words)
        try:
            while not self.resume(CHUNK_SECONDS):
                elapsed = time.perf_counter() - t0
                if self.run_timeout is not None and elapsed > self.run_timeout:
                    self.abort()
                    raise RunTimeoutError(f"the program ran longer than run_timeout = {self.run_timeout} s "
                                          f"and was stopped ({type(self).__name__})")
                if bar is not None:
                    bar.update(elapsed, self.progress_cycles())
            out = self.take_output()
        except BaseException:
            self._stop_after_failure()
            raise
        finally:
            if bar is not None:
                bar.close()
        self.time_info.execution_duration += time.perf_counter() - t0
        self.time_info.programs += 1
        self.time_info.words_sent += len(words)
        self.time_info.words_received += len(out)
        return out

    def _stop_after_failure(self) -> None:
        """A run ended by an exception (Ctrl-C included): stop what the backend still runs."""
        if not self._active:
            return
        try:
            self.abort()
        except BaseException:
            # a second interrupt or a lost link while stopping: the state is unknown
            self._active = False
            self._open = False

    def start(self, words) -> None:
        """Hand a program over (the pieces of ``execute``; servers use them).  ValueError
        while another program runs on this connection."""
        words = self._check_program(words)
        if self._active:
            raise ValueError(f"{type(self).__name__}: a program is running; take its output or abort() it first")
        self._start(words)
        self._active = True

    def resume(self, budget_seconds: float) -> bool:
        """Run the started program for about ``budget_seconds``; True when it has ended."""
        if not self._active:
            return True
        return bool(self._resume(float(budget_seconds)))

    def take_output(self) -> np.ndarray:
        """The whole response of the program that ``resume`` reported as ended."""
        out = self._take_output()
        self._active = False
        return np.asarray(out, dtype=np.uint64)

    def abort(self) -> None:
        """Stop the started program (the chip keeps its state); nothing of its response is
        kept.  Does nothing when no program runs."""
        if self._active:
            try:
                self._abort()
            finally:
                self._active = False

    def progress_cycles(self) -> Optional[int]:
        """Chip cycles the started program has advanced so far (None: not known)."""
        return self._progress_cycles() if self._active else None

    # pieces in terms of _execute, for connections that run a program at once
    def _start(self, words: np.ndarray) -> None:
        self._pending_words = words
        self._output = None

    def _resume(self, budget_seconds: float) -> bool:
        if self._pending_words is not None:
            words, self._pending_words = self._pending_words, None
            self._output = self._execute(words)
        return True

    def _take_output(self) -> np.ndarray:
        out, self._output = self._output, None
        return out if out is not None else np.zeros(0, dtype=np.uint64)

    def _abort(self) -> None:
        self._pending_words = None
        self._output = None

    def _progress_cycles(self) -> Optional[int]:
        return None

    def _execute(self, words: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} implements neither _execute nor _start/_resume")

    # -- information --------------------------------------------------------------------------
    def get_time_info(self) -> List[ConnectionTimeInfo]:
        """Time spent so far, one ``ConnectionTimeInfo`` per chip (a copy)."""
        return [replace(self.time_info)]

    def get_unique_identifier(self) -> List[str]:
        """A name for each chip that stays the same across connections (calibration caches key
        on it)."""
        raise NotImplementedError(f"{type(self).__name__}.get_unique_identifier")

    def get_hwdb_entry(self) -> list:
        """The hardware database entry of each chip's setup (``hxcomm.hwdb``)."""
        raise NotImplementedError(f"{type(self).__name__}.get_hwdb_entry")

    def get_bitfile_info(self) -> List[str]:
        """What executes the programs, per chip (on hardware: the FPGA bitfile's description)."""
        raise NotImplementedError(f"{type(self).__name__}.get_bitfile_info")

    def get_remote_repo_state(self) -> List[str]:
        """The software state of the remote end, per chip ("" when there is none)."""
        raise NotImplementedError(f"{type(self).__name__}.get_remote_repo_state")

    def information(self) -> dict:
        """All of the information getters in one JSON-able dict (what servers hand on)."""
        from .hwdb import entry_to_dict
        return {"unique_identifier": self.get_unique_identifier(),
                "hwdb_entry": [entry_to_dict(e) for e in self.get_hwdb_entry()],
                "bitfile_info": self.get_bitfile_info(),
                "remote_repo_state": self.get_remote_repo_state()}


def package_version() -> str:
    """The installed openhx version ("unknown version" in an uninstalled source tree)."""
    try:
        from importlib.metadata import version
        return version("openhx")
    except Exception:       # running from a source tree that was not installed
        return "unknown version"


def software_state() -> str:
    """This side's software: the openhx version and, in a git checkout, the commit."""
    state = f"openhx {package_version()}"
    try:
        import subprocess
        here = os.path.dirname(os.path.abspath(__file__))
        commit = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=2).stdout.strip()
        if commit:
            state += f" (git {commit})"
    except Exception:       # no git, no checkout: the version alone
        pass
    return state


#: The type of what ``ManagedConnection()`` gives (public ``hxcomm.ConnectionHandle``, for
#: annotations).
ConnectionHandle = Connection


def __getattr__(name):
    # the emulator's connection lives with the emulator; it is found through the registry
    if name == "EmulatorConnection":
        from .backends import backend
        return backend("emulator")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def ManagedConnection(**kwargs) -> Connection:  # noqa: N802 - the public spelling
    """Context-managed connection from the environment:
    ``with hxcomm.ManagedConnection() as conn: ...`` (see :func:`hxcomm.connection_from_env`)."""
    from .backends import connection_from_env
    return connection_from_env(**kwargs)


__all__ = ["CHUNK_SECONDS", "Connection", "ConnectionError", "ConnectionHandle", "ConnectionTimeInfo",
           "ManagedConnection", "program_duration_cycles", "RunTimeoutError"]
