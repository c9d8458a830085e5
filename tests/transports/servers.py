"""Servers for the transport tests: subprocesses on loopback, always cleaned up.

:func:`server_process` starts ``python -m <module> ...``, waits (bounded) for its first
stdout line (where it listens) and, whatever happens in the test, terminates it (then kills
it) on exit.  Every wait here has a timeout, so no test can hang on a server.
"""
from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Iterator, List

import numpy as np

import hxcomm
from hxcomm import codec

#: bound for a server to start (it imports numpy and builds a chip)
START_TIMEOUT = 60.0


@dataclass
class Server:
    proc: subprocess.Popen
    line: str                 # its first stdout line
    log_path: str

    @property
    def address(self) -> str:
        return self.line.split()[-1]

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            break
        readable, _, _ = select.select([fd], [], [], min(left, 0.2))
        if readable:
            chunk = os.read(fd, 1)
            if not chunk:
                break
            buf += chunk
    return buf.decode(errors="replace").strip()


@contextlib.contextmanager
def server_process(module: str, *args: str, env=None) -> Iterator[Server]:
    """``python -m module args`` as a server (see the module doc)."""
    log = tempfile.NamedTemporaryFile(prefix="server-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, stderr=log,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        line = _read_line(proc, START_TIMEOUT)
        if not line:
            log.flush()
            raise RuntimeError(f"{module} did not start: {open(log.name, errors='replace').read()[-2000:]}")
        yield Server(proc, line, log.name)
    finally:
        stop(proc)
        log.close()
        os.unlink(log.name)


def pause(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGSTOP the server and wait until every thread of it is stopped (the signal takes effect
    asynchronously: a thread running on the other core could still answer a request)."""
    os.kill(proc.pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    task_dir = f"/proc/{proc.pid}/task"
    while os.path.isdir(task_dir):
        states = []
        for tid in os.listdir(task_dir):
            with contextlib.suppress(OSError):
                with open(f"{task_dir}/{tid}/stat") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
        if states and all(s in "Tt" for s in states):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"server {proc.pid} did not stop within {timeout} s (thread states {states})")
        time.sleep(0.01)


def stop(proc: subprocess.Popen) -> None:
    """Terminate, and kill if it does not end within 5 s (a stopped process is continued)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc.stdout is not None:
        proc.stdout.close()


def small_program(*values: int) -> np.ndarray:
    """A tiny program: reads of the EventRecordingConfig register and a halt."""
    return np.concatenate([codec.omnibus_read([0x8800_0010] * max(1, len(values))), codec.loopback(True)])


def capmem_words(cells: List[int], values: List[int]) -> np.ndarray:
    """Omnibus writes of CapMem cells (by CapMemCellOnDLS enum)."""
    import halco
    import haldls
    import stadls
    b = stadls.PlaybackProgramBuilder()
    for c, v in zip(cells, values):
        b.write(halco.CapMemCellOnDLS.from_enum(int(c)), haldls.CapMemCell(value=int(v)))
    return b.done().words


def capmem_reads(cells: List[int]) -> np.ndarray:
    import halco
    import stadls
    b = stadls.PlaybackProgramBuilder()
    for c in cells:
        b.read(halco.CapMemCellOnDLS.from_enum(int(c)))
    return b.done().words


def read_values(response: np.ndarray) -> List[int]:
    """CapMem values of the read answers in ``response``."""
    import haldls
    return [haldls.CapMemCell.decode([int(w)]).value for w in hxcomm.decode_from_chip(response).read_words]
