"""The in-process emulated chip as an hxcomm connection (backend ``emulator``, the default).

Importing this module registers the backend with hxcomm (the package metadata's entry point
``hxcomm.backends: emulator`` does the same for a process that never imported hxsim), so
hxcomm reaches the emulator without importing it.
"""
from __future__ import annotations

import os
from typing import List, Optional

import numpy as np

from hxcomm.backends import register_backend
from hxcomm.connection import Connection, package_version

__all__ = ["EmulatorConnection"]


class EmulatorConnection(Connection):
    """The in-process emulated chip (hxsim), the default backend.

    ``chip_id`` fixes the emulated chip's identity (its fixed-pattern mismatch); default:
    ``HXCOMM_CHIP_ID`` from the environment, else 0.  Other keywords are the emulator's
    options (``ideal``, ``noise``, ``noise_seed``, ``dt``, ``analog``; see
    :class:`hxsim.Emulator`) and the connection options ``run_timeout`` and ``progress``
    (see :class:`hxcomm.Connection`).  Programs run in pieces of about
    ``hxcomm.connection.CHUNK_SECONDS``, with bit-identical results.
    """

    def __init__(self, chip_id: Optional[int] = None, *, run_timeout: Optional[float] = None,
                 progress: Optional[bool] = None, **emulator_options):
        super().__init__(run_timeout=run_timeout, progress=progress)
        from .emulator import Emulator

        if chip_id is None:
            chip_id = int(os.environ.get("HXCOMM_CHIP_ID", "0"))
        if chip_id < 0:
            raise ValueError(f"chip_id {chip_id} must be >= 0")
        self.chip_id = int(chip_id)
        self.emulator_options = dict(emulator_options)
        self.emulator = Emulator(chip_id=self.chip_id, **emulator_options)
        self._start_cycle = 0

    # the pieces of a run, straight onto the emulator's chunked executor
    def _start(self, words: np.ndarray) -> None:
        self.emulator.start(words)
        self._start_cycle = self.emulator.now

    def _resume(self, budget_seconds: float) -> bool:
        done = self.emulator.resume(budget_seconds)
        if not done and self.emulator.ppu_due:
            # a PPU started, stopped or calls its kernels: run them at this moment of the chip
            self._ppu_host().serve(self.emulator)
        return done

    def _ppu_host(self):
        host = getattr(self, "_ppu", None)
        if host is None:
            from .ppu.host import PPUHost
            host = self._ppu = PPUHost()
        return host

    def _abort(self) -> None:
        self.emulator.abort()
        if getattr(self, "_ppu", None) is not None:
            self._ppu.unload()

    def close(self) -> None:
        """Release the emulator's PPU worker (if any); later ``execute`` calls raise
        ConnectionError."""
        host = getattr(self, "_ppu", None)
        if host is not None:
            host.close()
            self._ppu = None
        super().close()

    def _take_output(self) -> np.ndarray:
        return self.emulator.take_output()

    def _progress_cycles(self) -> int:
        return self.emulator.now - self._start_cycle

    def _execute(self, words: np.ndarray) -> np.ndarray:
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
        from hxcomm.hwdb import EmulatorEntry
        return [EmulatorEntry(self.chip_id, dict(self.emulator_options))]

    def get_bitfile_info(self) -> List[str]:
        """No FPGA bitfile: the description of the in-process emulator that plays the FPGA and
        the chip (YAML, as the public bitfile info)."""
        from hxcomm.instructions import PROTOCOL_VERSION
        return [f"backend: hxsim emulator (in-process, plays FPGA and chip)\n"
                f"software: openhx {package_version()}\n"
                f"protocol_version: {PROTOCOL_VERSION}\n"
                f"chip: HX v3 (emulated), chip_id {self.chip_id}\n"]

    def get_remote_repo_state(self) -> List[str]:
        """``[""]``: there is no remote end, the emulator runs in this process."""
        return [""]

    def __repr__(self):
        return f"EmulatorConnection(chip_id={self.chip_id})"


register_backend("emulator", EmulatorConnection, "the in-process emulated chip (hxsim)")
