"""The client side of the word protocol, shared by the connections that reach a server.

A :class:`RemoteConnection` says HELLO, gets the server's WELCOME (the connection
information of the chip behind it), and runs programs as EXECUTE requests: the server answers
with PROGRESS heartbeats while a program waits or runs, OUTPUT parts, and a RESULT (or an
ERROR) that ends the request.  Ctrl-C sends CANCEL and waits for the request to end, so the
connection stays usable.  ``timeout`` bounds how long the client listens to silence: a server
that dies or stalls gives :class:`~hxcomm.errors.ConnectionTimeoutError` (or
ConnectionError when its socket closes) within it, never a hang.
"""
from __future__ import annotations

import os
import time
from typing import Dict, List, Optional

import numpy as np

from .channel import DEFAULT_TIMEOUT, Channel
from .connection import Connection, software_state
from .errors import (  # noqa: A004
    AuthenticationError, ConnectionError, ConnectionTimeoutError, HxcommError, ProtocolError,
    RemoteError, RunTimeoutError,
)
from .framing import (
    Kind, RunState, json_payload, payload_json, payload_progress, payload_words, words_payload,
)

__all__ = ["RemoteConnection", "PROTOCOL", "timeout_from_env", "error_frame_exception"]

#: Version of the message protocol (HELLO/WELCOME/EXECUTE/...; docs/hxcomm.md).
PROTOCOL = 1


def timeout_from_env(timeout: Optional[float], *names: str) -> float:
    """``timeout`` if given, else the first of the environment variables ``names`` (then
    ``HXCOMM_TIMEOUT``) that is set, else DEFAULT_TIMEOUT; ValueError unless > 0."""
    if timeout is None:
        for name in (*names, "HXCOMM_TIMEOUT"):
            value = os.environ.get(name, "").strip()
            if value:
                try:
                    timeout = float(value)
                except ValueError:
                    raise ValueError(f"{name}={value!r} is not a number of seconds") from None
                break
        else:
            timeout = DEFAULT_TIMEOUT
    timeout = float(timeout)
    if not timeout > 0:
        raise ValueError(f"timeout {timeout} s must be > 0")
    return timeout


def error_frame_exception(payload: bytes, where: str) -> HxcommError:
    """The exception an ERROR frame stands for."""
    try:
        info = payload_json(payload)
    except ProtocolError as err:
        return err
    kind, message = str(info.get("kind", "error")), str(info.get("message", ""))
    if kind == "run_timeout":
        return RunTimeoutError(f"{where}: {message}")
    if kind == "auth":
        return AuthenticationError(f"{where}: {message}")
    if kind == "protocol":
        return ProtocolError(f"{where} reports a protocol error: {message}")
    if kind in ("shutdown", "busy", "backend"):
        return ConnectionError(f"{where}: {kind}: {message}")
    return RemoteError(kind, f"{where}: {message}")


class RemoteConnection(Connection):
    """Base class of the connections to a server (see the module doc).

    ``timeout`` (s): the longest silence of the server before ConnectionTimeoutError.  While
    a program runs or waits for its turn the server sends a heartbeat several times a second,
    so a long run never trips it.
    """

    #: what the server is called in messages
    server_name = "the server"

    def __init__(self, *, timeout: Optional[float] = None, run_timeout: Optional[float] = None,
                 progress: Optional[bool] = None):
        super().__init__(run_timeout=run_timeout, progress=progress)
        self.timeout = timeout_from_env(timeout)
        self._channel: Optional[Channel] = None
        self._welcome: Dict = {}
        self._request = 0
        self._parts: List[np.ndarray] = []
        self._finished = True
        self._progress = 0
        self._state = RunState.QUEUED
        self._position = 0
        self._last_heard = 0.0

    # -- session ------------------------------------------------------------------------------
    def _hello(self, channel: Channel, hello: dict) -> dict:
        """Say HELLO on ``channel`` and return the WELCOME (the channel is this connection's
        from now on).  AuthenticationError / ConnectionError when the server refuses."""
        self._channel = channel
        hello = dict(hello, protocol=PROTOCOL, client=software_state(), pid=os.getpid())
        try:
            channel.send(Kind.HELLO, 0, json_payload(hello))
            deadline = time.monotonic() + self.timeout
            while True:
                frame = channel.receive(max(0.0, deadline - time.monotonic()))
                if frame is None:
                    raise ConnectionTimeoutError(f"{self.server_name} did not answer HELLO within {self.timeout} s")
                if frame.kind == Kind.WELCOME:
                    self._welcome = payload_json(frame.payload)
                    break
                if frame.kind == Kind.ERROR:
                    raise error_frame_exception(frame.payload, self.server_name)
                if frame.kind == Kind.PROGRESS:      # a busy server says it is alive
                    deadline = time.monotonic() + self.timeout
                    continue
                raise ProtocolError(f"{self.server_name} answered HELLO with {frame.kind.name}")
        except BaseException:
            self._close_channel()
            raise
        if self._welcome.get("protocol") != PROTOCOL:
            self._close_channel()
            raise ProtocolError(f"{self.server_name} speaks protocol {self._welcome.get('protocol')!r}, "
                                f"this client {PROTOCOL}")
        self._last_heard = time.monotonic()
        return self._welcome

    def _close_channel(self) -> None:
        if self._channel is not None:
            try:
                self._channel.close()
            except Exception:
                pass
        self._open = False

    def close(self) -> None:
        """Say BYE and close; a run still going is cancelled by the server."""
        if self._open and self._channel is not None:
            try:
                self._channel.send(Kind.BYE)
            except Exception:           # closing anyway
                pass
        self._close_channel()
        super().close()

    def _lost(self, err: BaseException):
        """Close the connection and raise ``err`` (naming the server, whose peer address
        alone would not tell the user much)."""
        self._close_channel()
        self._finished = True
        if isinstance(err, ConnectionError) and self.server_name not in str(err):
            named = type(err)(f"{self.server_name}: {err}")
            raise named from err
        raise err

    # -- the pieces of a run ------------------------------------------------------------------
    def _start(self, words: np.ndarray) -> None:
        self._request = (self._request + 1) % (2**32 - 1) or 1
        t0 = time.perf_counter()
        payload = words_payload(words)
        t1 = time.perf_counter()
        self._parts = []
        self._finished = False
        self._progress = 0
        self._state = RunState.QUEUED
        self._last_heard = time.monotonic()
        try:
            self._channel.send(Kind.EXECUTE, self._request, payload)
        except ConnectionError as err:
            self._lost(err)
        t2 = time.perf_counter()
        self.time_info.encode_duration += t1 - t0
        self.time_info.commit_duration += t2 - t1

    def _receive(self, timeout: float):
        try:
            frame = self._channel.receive(timeout)
        except ConnectionError as err:
            self._lost(err)
        now = time.monotonic()
        if frame is None:
            if now - self._last_heard > self.timeout:
                self._lost(ConnectionTimeoutError(
                    f"{self.server_name} has said nothing for {self.timeout} s (died or stalls)"))
            return None
        self._last_heard = now
        return frame

    def _handle(self, frame) -> bool:
        """Take one frame; True when it ends the current request."""
        if frame.kind == Kind.ERROR and frame.seq == 0:
            self._lost(error_frame_exception(frame.payload, self.server_name))
        if frame.kind == Kind.BYE:
            self._lost(ConnectionError(f"{self.server_name} closed the connection"))
        if frame.seq != self._request:
            return False                       # the late answer of a cancelled request
        if frame.kind == Kind.PROGRESS:
            self._state, self._progress, _, self._position = payload_progress(frame.payload)
            return False
        if frame.kind in (Kind.OUTPUT, Kind.RESULT):
            t0 = time.perf_counter()
            self._parts.append(payload_words(frame.payload))
            self.time_info.decode_duration += time.perf_counter() - t0
            if frame.kind == Kind.RESULT:
                self._finished = True
                return True
            return False
        if frame.kind == Kind.ERROR:
            self._finished = True
            raise error_frame_exception(frame.payload, self.server_name)
        self._lost(ProtocolError(f"{self.server_name} sent an unexpected {frame.kind.name} frame"))

    def _resume(self, budget_seconds: float) -> bool:
        if self._finished:
            return True
        deadline = time.monotonic() + budget_seconds
        while True:
            frame = self._receive(max(0.0, min(deadline - time.monotonic(), 0.25)))
            if frame is not None and self._handle(frame):
                return True
            if time.monotonic() >= deadline:
                return False

    def _take_output(self) -> np.ndarray:
        parts, self._parts = self._parts, []
        if not parts:
            return np.zeros(0, dtype=np.uint64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _abort(self) -> None:
        """Cancel the current request and wait (up to ``timeout``) until the server ends it."""
        self._parts = []
        if self._finished or not self._open:
            return
        try:
            self._channel.send(Kind.CANCEL, self._request)
        except ConnectionError as err:
            self._lost(err)
        deadline = time.monotonic() + self.timeout
        while not self._finished:
            if time.monotonic() > deadline:
                self._lost(ConnectionTimeoutError(f"{self.server_name} did not end a cancelled run "
                                                  f"within {self.timeout} s"))
            frame = self._receive(0.1)
            if frame is None:
                continue
            try:
                self._handle(frame)
            except (RemoteError, RunTimeoutError):   # the cancelled request's own end
                self._finished = True
        self._parts = []

    def _progress_cycles(self) -> Optional[int]:
        return self._progress if self._state == RunState.RUNNING else 0

    # -- information --------------------------------------------------------------------------
    def _information(self, key: str) -> list:
        info = self._welcome.get("info", {})
        if key not in info:
            raise NotImplementedError(f"{type(self).__name__}: {self.server_name} did not report {key}")
        return list(info[key])

    def get_unique_identifier(self) -> List[str]:
        """The identifier of the chip behind the server (the same as a local connection to
        that chip would report, so calibration caches apply to it)."""
        return self._information("unique_identifier")

    def get_hwdb_entry(self) -> list:
        """The entry of the setup behind the server."""
        from .hwdb import entry_from_dict
        return [entry_from_dict(d) for d in self._information("hwdb_entry")]

    def get_bitfile_info(self) -> List[str]:
        """What executes the programs behind the server."""
        return self._information("bitfile_info")

    def get_remote_repo_state(self) -> List[str]:
        """The server's software (its openhx version and commit)."""
        return [str(self._welcome.get("server", ""))]
