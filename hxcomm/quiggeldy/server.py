"""The multi-client experiment server: many clients, one chip, taking turns.

Threads: an acceptor; per client a reader (frames in) and a writer (frames out: a client
that does not read can never block anyone else); one scheduler that owns the chip; a
heartbeat that tells waiting clients their place.

Scheduling: clients queue programs (EXECUTE).  The scheduler runs one program at a time.
The client that has the chip keeps it while it has programs queued and its slice
(``user_period``) lasts, or while nobody else waits; then the next client with queued
programs, in round-robin order, gets it.  Before the first program of a turn the server
replays that client's reinit stack (after taking the snapshots of the client that had the
chip, see :mod:`hxcomm.quiggeldy.reinit`); entries set with ``enforce`` are replayed before
the next program even within a turn.  So a client's configuration survives the use of the
chip by others.

Faults: a client whose connection breaks (or that sends bytes that are not frames, or
leaves a frame unfinished longer than ``client_timeout``) is dropped with its queued
programs; its running program is stopped within one piece (CHUNK_SECONDS).  A run longer
than ``run_timeout`` is stopped and its client gets an ERROR (``run_timeout``); the server
goes on.  With ``tokens`` set, a client must present one of them in its HELLO; results go
only to the connection that asked for them.
"""
from __future__ import annotations

import collections
import itertools
import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, List, Optional

import numpy as np

from ..channel import Channel, SocketChannel
from ..connection import CHUNK_SECONDS, Connection, program_duration_cycles, software_state
from ..errors import ConnectionError, HxcommError, ProtocolError  # noqa: A004
from ..framing import (
    MAX_PAYLOAD, Kind, RunState, encode_frame, json_payload, payload_json, payload_words,
    progress_payload, split_words, words_payload,
)
from ..instructions import MAX_PROGRAM_WORDS
from ..remote import PROTOCOL
from .reinit import ReinitEntry, decode_stack, snapshot_to_writes

__all__ = ["QuiggeldyServer", "read_token_file"]

log = logging.getLogger("hxcomm.quiggeldy")

HEARTBEAT_SECONDS = 0.2


def read_token_file(path) -> Dict[str, str]:
    """{token: user} from a file of lines ``token [user]`` (``#`` starts a comment).
    ValueError for a file without tokens or with a token twice."""
    tokens: Dict[str, str] = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            token, user = parts[0], (parts[1] if len(parts) > 1 else f"user{len(tokens) + 1}")
            if token in tokens:
                raise ValueError(f"{path}:{number}: token given twice")
            tokens[token] = user
    if not tokens:
        raise ValueError(f"{path}: no tokens")
    return tokens


@dataclass(eq=False)
class Job:
    client: "Client"
    seq: int
    words: np.ndarray
    cancelled: bool = False
    submitted: float = field(default_factory=time.monotonic)


class Client:
    """One connection: its queue, its reinit stack and its outgoing frames."""

    def __init__(self, server: "QuiggeldyServer", cid: int, channel: Channel):
        self.server = server
        self.id = cid
        self.channel = channel
        self.user = f"client{cid}"
        self.jobs: Deque[Job] = collections.deque()
        self.reinit: List[ReinitEntry] = []
        self.alive = True
        self._out: "queue.Queue[Optional[bytes]]" = queue.Queue()
        self.writer = threading.Thread(target=self._write_loop, daemon=True, name=f"quiggeldy writer {cid}")
        self.reader = threading.Thread(target=self._read_loop, daemon=True, name=f"quiggeldy reader {cid}")

    def __repr__(self):
        return f"client {self.id} ({self.user}, {self.channel.peer})"

    # outgoing frames go through the writer thread
    def send(self, kind: Kind, seq: int = 0, payload: bytes = b"") -> None:
        if self.alive:
            self._out.put(encode_frame(kind, seq, payload))

    def send_error(self, seq: int, kind: str, message: str) -> None:
        self.send(Kind.ERROR, seq, json_payload({"kind": kind, "message": message}))

    def send_output(self, seq: int, words: np.ndarray) -> None:
        parts = split_words(words)
        for part in parts[:-1]:
            self.send(Kind.OUTPUT, seq, words_payload(part))
        self.send(Kind.RESULT, seq, words_payload(parts[-1]))

    def _write_loop(self) -> None:
        try:
            while True:
                data = self._out.get()
                if data is None:
                    break
                self.channel.send_bytes(data)
        except ConnectionError as err:
            self.server.drop(self, f"cannot send to it: {err}")
        finally:
            self.channel.close()

    def close_output(self) -> None:
        self._out.put(None)

    def _read_loop(self) -> None:
        try:
            self.server.session(self)
        except ProtocolError as err:
            self.send_error(0, "protocol", str(err))
            self.server.drop(self, f"protocol error: {err}")
        except ConnectionError as err:
            self.server.drop(self, str(err))
        except Exception as err:                # a server bug must not take others down
            log.exception("%s: session failed", self)
            self.send_error(0, "backend", f"{type(err).__name__}: {err}")
            self.server.drop(self, "session failed")
        else:
            self.server.drop(self, "said BYE")


class QuiggeldyServer:
    """The experiment server (see the module doc).

    ``make_backend()``: the connection to the chip (the registry's backend by default);
    ``user_period`` (s): how long a client keeps the chip while others wait;
    ``run_timeout`` (s, None: none): the longest run; ``client_timeout`` (s): how long a
    client may leave a frame unfinished or not take its results; ``tokens``: {token: user}
    (None: no tokens needed); ``max_clients``: connections served at once.
    """

    def __init__(self, make_backend: Callable[[], Connection], *, user_period: float = 0.01,
                 run_timeout: Optional[float] = None, client_timeout: float = 30.0,
                 tokens: Optional[Dict[str, str]] = None, max_clients: int = 256):
        self.make_backend = make_backend
        self.user_period = float(user_period)
        self.run_timeout = run_timeout
        self.client_timeout = float(client_timeout)
        self.tokens = dict(tokens) if tokens is not None else None
        self.max_clients = int(max_clients)
        self._cond = threading.Condition()
        self._clients: Dict[int, Client] = {}
        self._ids = itertools.count(1)
        self._stop = threading.Event()
        self._owner: Optional[Client] = None
        self._last_served = 0
        self._running: Optional[Job] = None
        self.backend: Optional[Connection] = None
        self.info: dict = {}
        self.stats = collections.Counter()

    # -- lifecycle ----------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def serve(self, listener: socket.socket, ready: Optional[Callable[[], None]] = None) -> None:
        """Run until :meth:`stop`: open the backend, accept clients on ``listener``."""
        self.backend = self.make_backend()
        self.info = self.backend.information()
        scheduler = threading.Thread(target=self._schedule_loop, daemon=True, name="quiggeldy scheduler")
        heartbeat = threading.Thread(target=self._heartbeat_loop, daemon=True, name="quiggeldy heartbeat")
        scheduler.start()
        heartbeat.start()
        if ready is not None:
            ready()
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
                self._accept(sock)
        finally:
            listener.close()
            self._stop.set()
            with self._cond:
                clients = list(self._clients.values())
                self._cond.notify_all()
            for c in clients:
                c.send_error(0, "shutdown", "the server is shutting down")
                self.drop(c, "server shutdown")
            scheduler.join(timeout=5)
            heartbeat.join(timeout=1)
            self.backend.close()

    def _accept(self, sock: socket.socket) -> None:
        channel = SocketChannel(sock, send_timeout=self.client_timeout, max_payload=MAX_PAYLOAD)
        with self._cond:
            if len(self._clients) >= self.max_clients:
                busy = True
            else:
                busy = False
                client = Client(self, next(self._ids), channel)
                self._clients[client.id] = client
        if busy:
            try:
                channel.send(Kind.ERROR, 0, json_payload({"kind": "busy", "message": "too many clients"}))
            finally:
                channel.close()
            return
        client.writer.start()
        client.reader.start()

    def drop(self, client: Client, why: str) -> None:
        """Forget ``client``: its queued programs go, its running program stops."""
        with self._cond:
            if not client.alive:
                return
            client.alive = False
            self._clients.pop(client.id, None)
            dropped = len(client.jobs)
            client.jobs.clear()
            if self._running is not None and self._running.client is client:
                self._running.cancelled = True
            if self._owner is client:
                self._owner = None
            self._cond.notify_all()
        self.stats["clients_dropped"] += 1
        log.info("%s dropped (%s); %d queued programs discarded", client, why, dropped)
        client.close_output()

    # -- one client's frames ------------------------------------------------------------------
    def _receive(self, client: Client, timeout: float):
        frame = client.channel.receive(timeout)
        since = client.channel.partial_since
        if frame is None and since is not None and time.monotonic() - since > self.client_timeout:
            raise ProtocolError(f"a frame stayed incomplete for {self.client_timeout} s (truncated)")
        return frame

    def session(self, client: Client) -> None:
        deadline = time.monotonic() + self.client_timeout
        frame = None
        while frame is None:
            if self._stop.is_set():
                return
            if time.monotonic() > deadline:
                raise ConnectionError("no HELLO")
            frame = self._receive(client, 0.2)
        if frame.kind != Kind.HELLO:
            raise ProtocolError(f"expected HELLO, got {frame.kind.name}")
        hello = payload_json(frame.payload)
        if hello.get("protocol") != PROTOCOL:
            raise ProtocolError(f"client speaks protocol {hello.get('protocol')!r}, this server {PROTOCOL}")
        if self.tokens is not None:
            user = self.tokens.get(str(hello.get("token") or ""))
            if user is None:
                client.send_error(0, "auth", "this server needs a valid token (QUIGGELDY_TOKEN)")
                raise ConnectionError("refused: no valid token")
            client.user = user
        elif hello.get("user"):
            client.user = str(hello["user"])[:64]
        client.send(Kind.WELCOME, 0, json_payload({
            "protocol": PROTOCOL, "server": software_state(), "name": "quiggeldy", "client_id": client.id,
            "info": self.info, "user_period": self.user_period, "run_timeout": self.run_timeout}))
        while not self._stop.is_set() and client.alive:
            frame = self._receive(client, 0.5)
            if frame is None:
                continue
            kind = frame.kind
            if kind == Kind.EXECUTE:
                words = payload_words(frame.payload)
                if len(words) > MAX_PROGRAM_WORDS:
                    client.send_error(frame.seq, "program", f"{len(words)} words exceed the program memory")
                    continue
                with self._cond:
                    client.jobs.append(Job(client, frame.seq, words))
                    self._cond.notify_all()
            elif kind == Kind.CANCEL:
                self._cancel(client, frame.seq)
            elif kind == Kind.REINIT:
                entries = decode_stack(frame.payload)
                with self._cond:
                    client.reinit = entries
            elif kind == Kind.REINIT_ENFORCE:
                with self._cond:
                    for e in client.reinit:
                        e.pending = True
            elif kind == Kind.INFO_REQUEST:
                client.send(Kind.INFO, frame.seq, json_payload(self.info))
            elif kind == Kind.BYE:
                return
            else:
                raise ProtocolError(f"unexpected {kind.name} frame")

    def _cancel(self, client: Client, seq: int) -> None:
        with self._cond:
            for job in client.jobs:
                if job.seq == seq:
                    client.jobs.remove(job)
                    client.send_error(seq, "cancelled", "cancelled before it ran")
                    return
            running = self._running
            if running is not None and running.client is client and running.seq == seq:
                running.cancelled = True
        # anything else is a request of this client that has ended already

    # -- the chip -------------------------------------------------------------------------------
    def _next_job(self) -> Optional[Job]:
        """The next job by the rules of the module doc (called with the lock held)."""
        owner = self._owner
        waiting = [c for c in self._clients.values() if c.jobs]
        if not waiting:
            return None
        others = [c for c in waiting if c is not owner]
        if owner is not None and owner.jobs and (not others or time.monotonic() - self._slice_start < self.user_period):
            return owner.jobs.popleft()
        ordered = sorted(others or waiting, key=lambda c: (c.id <= self._last_served, c.id))
        return ordered[0].jobs.popleft()

    def _schedule_loop(self) -> None:
        self._slice_start = 0.0
        while not self._stop.is_set():
            with self._cond:
                job = self._next_job()
                while job is None and not self._stop.is_set():
                    self._cond.wait(0.2)
                    job = self._next_job()
                if job is None:
                    return
                self._running = job
            try:
                self._serve(job)
            except Exception as err:          # the backend failed: tell the client, go on
                log.exception("running a program of %s failed", job.client)
                job.client.send_error(job.seq, "backend", f"{type(err).__name__}: {err}")
                self.backend.abort()
            finally:
                with self._cond:
                    self._running = None

    def _replay(self, client: Client, force: bool) -> None:
        for entry in client.reinit:
            if entry.pending or force:
                self.backend.execute(entry.request)
                entry.pending = False

    def _snapshot(self, client: Client) -> None:
        for entry in client.reinit:
            if entry.snapshot is not None:
                response = self.backend.execute(entry.snapshot)
                entry.request = snapshot_to_writes(entry.snapshot, response)

    def _serve(self, job: Job) -> None:
        client = job.client
        with self._cond:
            previous = self._owner
            switch = previous is not client
            if switch:
                self._owner = client
                self._slice_start = time.monotonic()
                self._last_served = client.id
            entries_previous = list(previous.reinit) if (switch and previous is not None and previous.alive) else []
        if switch:
            self.stats["switches"] += 1
            if entries_previous:
                self._snapshot(previous)
        if job.cancelled or not client.alive:
            return
        try:
            self._replay(client, force=switch)
        except HxcommError as err:
            client.send_error(job.seq, "reinit", f"replaying the reinit stack failed: {err}")
            return
        self._run(job)

    def _run(self, job: Job) -> None:
        client = job.client
        backend = self.backend
        total = program_duration_cycles(job.words)
        backend.start(job.words)
        t0 = last_beat = time.monotonic()
        while not backend.resume(CHUNK_SECONDS):
            now = time.monotonic()
            if job.cancelled or not client.alive:
                backend.abort()
                self.stats["cancelled"] += 1
                client.send_error(job.seq, "cancelled", "the run was cancelled")
                return
            if self._stop.is_set():
                backend.abort()
                client.send_error(job.seq, "shutdown", "the server is shutting down")
                return
            if self.run_timeout is not None and now - t0 > self.run_timeout:
                backend.abort()
                self.stats["run_timeouts"] += 1
                client.send_error(job.seq, "run_timeout",
                                  f"the run exceeded the server's limit of {self.run_timeout} s and was stopped")
                return
            if now - last_beat >= HEARTBEAT_SECONDS:
                client.send(Kind.PROGRESS, job.seq,
                            progress_payload(RunState.RUNNING, backend.progress_cycles() or 0, total))
                last_beat = now
        out = backend.take_output()
        self.stats["programs"] += 1
        client.send_output(job.seq, out)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with self._cond:
                queued = [(c, job) for c in self._clients.values() for job in c.jobs]
            for position, (c, job) in enumerate(sorted(queued, key=lambda cj: cj[1].submitted)):
                c.send(Kind.PROGRESS, job.seq, progress_payload(RunState.QUEUED, 0, 0, position))
