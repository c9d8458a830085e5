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
from typing import Dict, Optional, Sequence

import numpy as np

from .fixed import FixedPointNetwork, validate

__all__ = ["LavaError", "LavaTimeoutError", "LavaUnavailableError", "lava_python", "run_lava_script", "run_worker"]

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


def _run_session(argv, timeout: float, what: str):
    """Run ``argv`` in a new session with Lava's environment; returns (status, stdout, stderr).
    After ``timeout`` seconds the session is killed and :class:`LavaTimeoutError` raised (with the
    end of its stderr); the session is killed in any case when the call returns (Lava's forked
    children, if any are left)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
                                env={**os.environ, "PYTHONPATH": "", "PYTHONNOUSERSITE": "1"})
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_session(proc)
            proc.wait()
            err.seek(0)
            raise LavaTimeoutError(f"the Lava worker did not finish within {timeout:g} s and was killed {what}",
                                   err.read().decode(errors="replace")[-4000:])
        finally:
            _kill_session(proc)
        out.seek(0)
        err.seek(0)
        return rc, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def run_lava_script(script, args: Sequence[str] = (), *, timeout: float = 300.0, python: Optional[str] = None) -> str:
    """Run the Python file ``script`` with ``args`` in Lava's environment (``.venv-lava``, which
    holds the project too) and return its standard output.

    For code that builds its own Lava graph (e.g. with :class:`grenade.lava.bss2.BrainScaleS2`):
    the script runs in a new session, at most ``timeout`` seconds (wall clock), after which the
    session (the script and Lava's forked children) is killed and :class:`LavaTimeoutError`
    raised; a non-zero exit raises :class:`LavaError` with the final exception line and the end
    of the script's stderr (its traceback) as ``worker_traceback``."""
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    script = Path(script)
    if not script.is_file():
        raise FileNotFoundError(f"no script {str(script)!r}")
    py = python or lava_python()
    rc, out, err = _run_session([py, str(script), *map(str, args)], timeout, f"(script {script.name})")
    if rc != 0:
        raise LavaError(f"the Lava script {script.name} failed (status {rc}): {_last_exception(err)}", err[-8000:])
    return out


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
        rc, _, stderr = _run_session([py, str(_WORKER), str(req), str(resp)], timeout,
                                     f"({net.steps} steps, {len(net.populations)} populations)")
        data = dict(np.load(resp, allow_pickle=False)) if resp.exists() else {}
    if "error" in data:
        tb = str(data["error"])
        raise LavaError(f"Lava failed: {_last_exception(tb)}", tb)
    if rc != 0 or not data:
        raise LavaError(f"the Lava worker ({py}) exited with status {rc} without a result", stderr[-4000:])
    spikes = {p.name: data[f"spikes{i}"].astype(bool) for i, p in enumerate(net.populations)}
    return {"spikes": spikes, "compile_s": float(data["compile_s"]), "run_s": float(data["run_s"]),
            "wall_s": time.perf_counter() - t0}
