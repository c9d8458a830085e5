"""Start the Lava worker (:mod:`grenade.lava.worker`) in ``.venv-lava`` and collect its answer.

Lava never runs in the user's process: it forks at import, its child processes can hang or lose
their tracebacks, and lava-nc 0.10 needs Python < 3.11 and numpy < 2.  Each call starts one
worker process in a new session, waits at most ``timeout`` seconds (wall clock), and kills the
whole session (the worker and Lava's children) when it is over, finished or not.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from .fixed import FixedPointNetwork, validate

__all__ = ["LavaError", "LavaTimeoutError", "LavaUnavailableError", "lava_python", "run_worker"]

_WORKER = Path(__file__).with_name("worker.py")
_ROOT = Path(__file__).resolve().parents[2]


class LavaError(RuntimeError):
    """Lava failed; ``worker_traceback`` is the traceback from the worker process."""

    def __init__(self, message: str, worker_traceback: str = ""):
        super().__init__(message + (f"\n--- worker traceback ---\n{worker_traceback}" if worker_traceback else ""))
        self.worker_traceback = worker_traceback


class LavaTimeoutError(LavaError):
    """The worker did not finish within its wall-clock timeout; it was killed."""


class LavaUnavailableError(LavaError):
    """No Lava interpreter: neither ``OPENHX_LAVA_PYTHON`` nor ``.venv-lava`` (``make install``)."""


def lava_python() -> str:
    """The interpreter of the Lava worker: ``$OPENHX_LAVA_PYTHON``, else the repository's
    ``.venv-lava/bin/python``.  Raises :class:`LavaUnavailableError` if it does not exist."""
    p = os.environ.get("OPENHX_LAVA_PYTHON") or str(_ROOT / ".venv-lava" / "bin" / "python")
    if not Path(p).exists():
        raise LavaUnavailableError(f"no Lava interpreter at {p!r}: run `make install` (creates .venv-lava with "
                                   f"Python 3.10 and lava-nc 0.10) or set OPENHX_LAVA_PYTHON")
    return p


def _last_exception(tb: str) -> str:
    """The final exception of a traceback (its first line), e.g. ``ValueError: ...``."""
    lines = tb.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line)]
    return lines[starts[-1]] if starts else (lines[-1] if lines else "no traceback")


def _kill_session(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_worker(net: FixedPointNetwork, *, mode: str = "fixed_pt", timeout: float = 120.0,
               python: Optional[str] = None) -> Dict[str, object]:
    """Validate ``net``, run it in a Lava worker and return ``{"spikes": {population: bool
    raster (steps, size)}, "compile_s", "run_s", "wall_s"}``.

    ``mode``: "fixed_pt" (Lava's bit-accurate Loihi models) or "floating_pt" (debug: the same
    integer parameters in Lava's float models).  Raises :class:`~grenade.lava.fixed.LavaParameterError`
    before starting anything for out-of-range parameters, :class:`LavaTimeoutError` after
    ``timeout`` seconds, :class:`LavaError` with the worker's traceback when Lava fails."""
    if mode not in ("fixed_pt", "floating_pt"):
        raise ValueError(f"mode must be 'fixed_pt' or 'floating_pt', got {mode!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    validate(net)
    py = python or lava_python()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="openhx-lava-") as tmp:
        req, resp = Path(tmp) / "request.npz", Path(tmp) / "response.npz"
        np.savez(req, mode=np.array(mode), **net.to_arrays())
        with open(Path(tmp) / "stderr", "w+b") as err:
            proc = subprocess.Popen([py, str(_WORKER), str(req), str(resp)], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
                                    env={**os.environ, "PYTHONPATH": "", "PYTHONNOUSERSITE": "1"})
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_session(proc)
                proc.wait()
                err.seek(0)
                raise LavaTimeoutError(f"the Lava worker did not finish within {timeout:g} s and was killed "
                                       f"({net.steps} steps, {len(net.populations)} populations)",
                                       err.read().decode(errors="replace")[-4000:])
            finally:
                _kill_session(proc)   # Lava's forked children, if any are left
            err.seek(0)
            stderr = err.read().decode(errors="replace")
        data = dict(np.load(resp, allow_pickle=False)) if resp.exists() else {}
    if "error" in data:
        tb = str(data["error"])
        raise LavaError(f"Lava failed: {_last_exception(tb)}", tb)
    if rc != 0 or not data:
        raise LavaError(f"the Lava worker ({py}) exited with status {rc} without a result", stderr[-4000:])
    spikes = {p.name: data[f"spikes{i}"].astype(bool) for i, p in enumerate(net.populations)}
    return {"spikes": spikes, "compile_s": float(data["compile_s"]), "run_s": float(data["run_s"]),
            "wall_s": time.perf_counter() - t0}
