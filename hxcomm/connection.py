"""Connections: one interface to whatever executes word streams.

A connection is a context manager with ``execute(words) -> response words``
(numpy uint64 arrays in both directions), an identity and timing
information.  The in-process emulator is the default; the environment
variable ``HXCOMM_BACKEND`` selects another one.

As in the public stack, where every connection is a multi-connection (one entry per chip),
the information getters return one entry per chip: ``get_unique_identifier()[0]``,
``get_hwdb_entry()[0]``, ``get_time_info()[0]``, ``get_bitfile_info()[0]``,
``get_remote_repo_state()[0]``.
"""
from __future__ import annotations

import builtins
import os
import time
from dataclasses import dataclass, replace
from typing import List

import numpy as np

from .errors import HxcommError
from .instructions import MAX_PROGRAM_WORDS


class ConnectionError(HxcommError, builtins.ConnectionError):  # noqa: A001
    """A connection could not be made, was used after closing, or was lost
    (also a builtin ConnectionError)."""


@dataclass
class ConnectionTimeInfo:
    """Accumulated time spent by a connection (seconds) and the words moved.

    The public fields: ``execution_duration`` (from handing the words over to having the
    answer), ``encode_duration``, ``decode_duration`` and ``commit_duration`` (0 for the
    connections here: they receive words that stadls encoded, and hand the answer back as
    words without a transport in between)."""

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


class Connection:
    """Base class: context management, checks and time accounting.

    Subclasses implement ``_execute(words) -> words``.
    """

    def __init__(self):
        self._open = True
        self.time_info = ConnectionTimeInfo()

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

    def execute(self, words) -> np.ndarray:
        """Send a to-chip word stream and return the from-chip response words.

        Raises ConnectionError on a closed connection and ValueError for a
        stream longer than the FPGA program memory.
        """
        if not self._open:
            raise ConnectionError(f"{type(self).__name__} is closed")
        words = np.ascontiguousarray(words, dtype=np.uint64)
        if words.ndim != 1:
            raise ValueError(f"a word stream is 1-D, got shape {words.shape}")
        if len(words) > MAX_PROGRAM_WORDS:
            raise ValueError(f"program of {len(words)} words exceeds the FPGA program memory "
                             f"({MAX_PROGRAM_WORDS} words); split it into several programs")
        t0 = time.perf_counter()
        out = self._execute(words)
        self.time_info.execution_duration += time.perf_counter() - t0
        self.time_info.programs += 1
        self.time_info.words_sent += len(words)
        self.time_info.words_received += len(out)
        return out

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

    def _execute(self, words: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class EmulatorConnection(Connection):
    """The in-process emulated chip (hxsim), the default backend.

    ``chip_id`` fixes the emulated chip's identity (its fixed-pattern mismatch);
    default: ``HXCOMM_CHIP_ID`` from the environment, else 0.
    """

    def __init__(self, chip_id: int | None = None, **emulator_options):
        super().__init__()
        import hxsim

        if chip_id is None:
            chip_id = int(os.environ.get("HXCOMM_CHIP_ID", "0"))
        if chip_id < 0:
            raise ValueError(f"chip_id {chip_id} must be >= 0")
        self.chip_id = int(chip_id)
        self.emulator_options = dict(emulator_options)
        self.emulator = hxsim.Emulator(chip_id=self.chip_id, **emulator_options)

    def _execute(self, words):
        return self.emulator.execute(words)

    def get_unique_identifier(self) -> List[str]:
        """``["emulator-chip-N"]``, plus the emulator options that change what the chip
        measures (e.g. ``ideal``, ``noise``, ``dt``), so caches keyed by it never mix
        an ideal or noisy chip with the default one."""
        extra = "".join(f",{k}={v}" for k, v in sorted(self.emulator_options.items()))
        return [f"emulator-chip-{self.chip_id}{extra}"]

    def get_hwdb_entry(self) -> list:
        """``[hxcomm.EmulatorEntry(chip_id, emulator_options)]``: one emulated HX v3 chip on an
        emulated Cube board."""
        from .hwdb import EmulatorEntry
        return [EmulatorEntry(self.chip_id, dict(self.emulator_options))]

    def get_bitfile_info(self) -> List[str]:
        """No FPGA bitfile: the description of the in-process emulator that plays the FPGA and
        the chip (YAML, as the public bitfile info)."""
        from .instructions import PROTOCOL_VERSION
        return [f"backend: hxsim emulator (in-process, plays FPGA and chip)\n"
                f"software: openhx {_package_version()}\n"
                f"protocol_version: {PROTOCOL_VERSION}\n"
                f"chip: HX v3 (emulated), chip_id {self.chip_id}\n"]

    def get_remote_repo_state(self) -> List[str]:
        """``[""]``: there is no remote end, the emulator runs in this process."""
        return [""]

    def __repr__(self):
        return f"EmulatorConnection(chip_id={self.chip_id})"


def _package_version() -> str:
    try:
        from importlib.metadata import version
        return version("openhx")
    except Exception:       # running from a source tree that was not installed
        return "unknown version"


#: The type of what ``ManagedConnection()`` gives (public ``hxcomm.ConnectionHandle``, for
#: annotations).
ConnectionHandle = Connection

#: Backends selectable through HXCOMM_BACKEND.
BACKENDS = {"emulator": EmulatorConnection}


def connection_from_env(**kwargs) -> Connection:
    """The connection named by ``HXCOMM_BACKEND`` (default ``emulator``).

    Raises ConnectionError naming the valid choices for an unknown value.
    """
    name = os.environ.get("HXCOMM_BACKEND", "emulator").strip().lower() or "emulator"
    try:
        cls = BACKENDS[name]
    except KeyError:
        raise ConnectionError(f"HXCOMM_BACKEND={name!r} is unknown; valid: {sorted(BACKENDS)}") from None
    return cls(**kwargs)


def ManagedConnection(**kwargs) -> Connection:  # noqa: N802 - the public spelling
    """Context-managed connection from the environment:
    ``with hxcomm.ManagedConnection() as conn: ...``."""
    return connection_from_env(**kwargs)


__all__ = ["BACKENDS", "Connection", "ConnectionError", "ConnectionHandle", "ConnectionTimeInfo",
           "EmulatorConnection", "ManagedConnection", "connection_from_env"]
