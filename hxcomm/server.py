"""The server side of the word protocol for one chip per client (``python -m hxsim.serve``).

:class:`ChipServer` takes a factory of connections (the emulator registers one) and serves
every client session on its own chip, made afresh at the client's HELLO (as a simulator is
reset when a client connects): TCP clients each get a thread, a serial link is one session
at a time.  Programs run in pieces (:meth:`hxcomm.Connection.resume`), so a CANCEL, a
client that goes away or the server's ``run_timeout`` stop a run within a piece; between
pieces the server sends PROGRESS heartbeats.  A client that sends bytes that are not
frames, an oversized frame, or only part of a frame for longer than ``client_timeout``
gets an ERROR and is closed; nothing else is affected.  Multi-client scheduling on one
shared chip is the experiment server's job (:mod:`hxcomm.quiggeldy`).
"""
from __future__ import annotations

import collections
import logging
import socket
import threading
import time
from typing import Callable, Optional

import numpy as np

from .channel import Channel, SocketChannel
from .connection import CHUNK_SECONDS, Connection, program_duration_cycles, software_state
from .errors import ConnectionError, ProtocolError  # noqa: A004
from .framing import (
    MAX_PAYLOAD, Kind, RunState, json_payload, payload_json, payload_words, progress_payload,
    split_words, words_payload,
)
from .instructions import MAX_PROGRAM_WORDS
from .remote import PROTOCOL

__all__ = ["ChipServer", "HEARTBEAT_SECONDS", "send_output", "send_error", "listen_tcp"]

log = logging.getLogger("hxcomm.server")

#: Seconds between two PROGRESS heartbeats to a client whose program waits or runs.
HEARTBEAT_SECONDS = 0.2


def send_error(channel: Channel, seq: int, kind: str, message: str) -> None:
    """Send an ERROR frame; a client that is gone already is not an error."""
    try:
        channel.send(Kind.ERROR, seq, json_payload({"kind": kind, "message": message}))
    except (ConnectionError, OSError):
        pass


def send_output(channel: Channel, seq: int, words: np.ndarray) -> None:
    """The response of request ``seq`` as OUTPUT parts and a final RESULT."""
    parts = split_words(np.asarray(words, dtype=np.uint64))
    for part in parts[:-1]:
        channel.send(Kind.OUTPUT, seq, words_payload(part))
    channel.send(Kind.RESULT, seq, words_payload(parts[-1]))


def listen_tcp(host: str, port: int) -> socket.socket:
    """A listening TCP socket (``port`` 0: any free port); OSError naming the address."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {err}") from None
    sock.listen(64)
    sock.settimeout(0.2)
    return sock


class ChipServer:
    """Serve ``make_connection(**chip_options)`` chips to clients (see the module doc).

    ``default_options``: the chip options when a client asks for none (``chip_id`` and the
    emulator's options); ``allowed_options``: the options a client may choose; ``client_timeout`` (s): how long a client may leave a frame
    unfinished or not take the server's bytes; ``run_timeout`` (s, None: none): the longest
    run the server allows; ``name``: what WELCOME calls the server.
    """

    def __init__(self, make_connection: Callable[..., Connection], *, default_options: Optional[dict] = None,
                 client_timeout: float = 30.0, run_timeout: Optional[float] = None, name: str = "chip server",
                 allowed_options=("chip_id",)):
        self.make_connection = make_connection
        self.allowed_options = frozenset(allowed_options)
        self.default_options = dict(default_options or {})
        self.client_timeout = float(client_timeout)
        self.run_timeout = run_timeout
        self.name = name
        self._stop = threading.Event()
        self._threads = []
        self.sessions_served = 0

    def stop(self) -> None:
        self._stop.set()

    # -- TCP ----------------------------------------------------------------------------------
    def serve_tcp(self, listener: socket.socket) -> None:
        """Accept clients on ``listener`` until :meth:`stop`; one thread per client."""
        try:
            while not self._stop.is_set():
                try:
                    sock, addr = listener.accept()
                except socket.timeout:
                    continue
                except OSError:
                    if self._stop.is_set():
                        break
                    raise
                channel = SocketChannel(sock, send_timeout=self.client_timeout, max_payload=MAX_PAYLOAD)
                t = threading.Thread(target=self.serve_channel, args=(channel,), daemon=True,
                                     name=f"client {addr[0]}:{addr[1]}")
                t.start()
                self._threads = [x for x in self._threads if x.is_alive()] + [t]
        finally:
            listener.close()
            for t in self._threads:
                t.join(timeout=2 * CHUNK_SECONDS + 1)

    # -- one session --------------------------------------------------------------------------
    def serve_channel(self, channel: Channel) -> None:
        """Serve one client session on ``channel`` until it says BYE, breaks or the server
        stops; closes the channel."""
        try:
            self._session(channel)
        except ProtocolError as err:
            log.warning("%s: %s; closing it", channel.peer, err)
            send_error(channel, 0, "protocol", str(err))
        except ConnectionError as err:
            log.info("%s: %s", channel.peer, err)
        except Exception as err:            # a server bug must not take other sessions down
            log.exception("%s: session failed", channel.peer)
            send_error(channel, 0, "backend", f"{type(err).__name__}: {err}")
        finally:
            channel.close()

    def _receive(self, channel: Channel, timeout: float):
        """A frame, or None; ProtocolError for a frame left unfinished beyond client_timeout."""
        frame = channel.receive(timeout)
        since = channel.partial_since
        if frame is None and since is not None and time.monotonic() - since > self.client_timeout:
            raise ProtocolError(f"a frame stayed incomplete for {self.client_timeout} s (truncated)")
        return frame

    def _session(self, channel: Channel) -> None:
        frame = None
        deadline = time.monotonic() + self.client_timeout
        while frame is None:
            if self._stop.is_set() or time.monotonic() > deadline:
                raise ConnectionError("no HELLO from the client")
            frame = self._receive(channel, 0.2)
        if frame.kind != Kind.HELLO:
            raise ProtocolError(f"expected HELLO, got {frame.kind.name}")
        hello = payload_json(frame.payload)
        if hello.get("protocol") != PROTOCOL:
            raise ProtocolError(f"client speaks protocol {hello.get('protocol')!r}, this server {PROTOCOL}")
        requested = dict(hello.get("emulator_options") or {})
        if hello.get("chip_id") is not None:
            requested["chip_id"] = hello["chip_id"]
        refused = sorted(set(requested) - self.allowed_options)
        if refused:
            send_error(channel, 0, "options", f"this server does not let clients choose {refused}; "
                                              f"allowed: {sorted(self.allowed_options)}")
            return
        options = dict(self.default_options, **requested)
        try:
            connection = self.make_connection(**options)
        except (TypeError, ValueError) as err:
            send_error(channel, 0, "options", f"cannot make the chip {options}: {err}")
            return
        self.sessions_served += 1
        with connection:
            channel.send(Kind.WELCOME, 0, json_payload({"protocol": PROTOCOL, "server": software_state(),
                                                         "name": self.name, "info": connection.information()}))
            waiting = collections.deque()
            while not self._stop.is_set():
                frame = waiting.popleft() if waiting else self._receive(channel, 0.2)
                if frame is None:
                    continue
                if frame.kind == Kind.EXECUTE:
                    self._run(channel, connection, frame, waiting)
                elif frame.kind == Kind.INFO_REQUEST:
                    channel.send(Kind.INFO, frame.seq, json_payload(connection.information()))
                elif frame.kind == Kind.CANCEL:
                    continue                            # for a run that has ended already
                elif frame.kind == Kind.BYE:
                    return
                else:
                    raise ProtocolError(f"unexpected {frame.kind.name} frame")
            send_error(channel, 0, "shutdown", f"{self.name} is shutting down")

    def _run(self, channel: Channel, connection: Connection, frame, waiting) -> None:
        seq = frame.seq
        words = payload_words(frame.payload)
        if len(words) > MAX_PROGRAM_WORDS:
            send_error(channel, seq, "program", f"{len(words)} words exceed the program memory ({MAX_PROGRAM_WORDS})")
            return
        total = program_duration_cycles(words)
        connection.start(words)
        t0 = last_beat = time.monotonic()
        try:
            while not connection.resume(CHUNK_SECONDS):
                now = time.monotonic()
                # what the client says meanwhile: a cancel, a goodbye, or its next request
                frame = self._receive(channel, 0)
                while frame is not None:
                    if frame.kind == Kind.CANCEL and frame.seq == seq:
                        connection.abort()
                        send_error(channel, seq, "cancelled", "the run was cancelled by the client")
                        return
                    if frame.kind == Kind.BYE:
                        connection.abort()
                        raise ConnectionError("the client said BYE during a run")
                    waiting.append(frame)
                    frame = self._receive(channel, 0)
                if self._stop.is_set():
                    connection.abort()
                    send_error(channel, seq, "shutdown", f"{self.name} is shutting down")
                    return
                if self.run_timeout is not None and now - t0 > self.run_timeout:
                    connection.abort()
                    send_error(channel, seq, "run_timeout",
                               f"the run exceeded the server's limit of {self.run_timeout} s and was stopped")
                    return
                if now - last_beat >= HEARTBEAT_SECONDS:
                    channel.send(Kind.PROGRESS, seq, progress_payload(
                        RunState.RUNNING, connection.progress_cycles() or 0, total))
                    last_beat = now
            out = connection.take_output()
        except BaseException:
            connection.abort()
            raise
        send_output(channel, seq, out)
