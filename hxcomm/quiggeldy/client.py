"""``QuiggeldyConnection``: a client of the multi-client experiment server.

Found through the public environment names ``QUIGGELDY_IP``, ``QUIGGELDY_PORT``,
``QUIGGELDY_TOKEN`` (when the server wants tokens), ``QUIGGELDY_USER_NO_MUNGE`` (a user
name for the server's log) and ``QUIGGELDY_TIMEOUT`` (seconds of silence before the
connection gives up; also ``HXCOMM_TIMEOUT``).  ``HXCOMM_BACKEND=quiggeldy`` or
``QUIGGELDY_ENABLED=1`` make ``ManagedConnection()`` one.

The connection keeps the client's reinit stack (``stadls.ReinitStackEntry`` fills it) and
uploads it whenever it changes; the server replays it whenever this client gets the chip.
"""
from __future__ import annotations

import os
from typing import List, Optional

import numpy as np

from ..channel import connect_tcp
from ..errors import ConnectionError  # noqa: A004
from ..framing import Kind
from ..remote import RemoteConnection, timeout_from_env
from .reinit import MAX_STACK_ENTRIES, ReinitEntry, encode_stack

__all__ = ["QuiggeldyConnection", "ReinitStack", "quiggeldy_parameters_from_env"]


def quiggeldy_parameters_from_env(ip: Optional[str] = None, port: Optional[int] = None):
    """(ip, port): the arguments, else ``QUIGGELDY_IP`` and ``QUIGGELDY_PORT``.
    ConnectionError naming the variable that is missing; ValueError for a bad port."""
    ip = ip or os.environ.get("QUIGGELDY_IP", "").strip()
    if not ip:
        raise ConnectionError("QUIGGELDY_IP is not set and no address was given "
                              "(start a server with `python -m hxcomm.quiggeldy --port P`)")
    if port is None:
        text = os.environ.get("QUIGGELDY_PORT", "").strip()
        if not text:
            raise ConnectionError("QUIGGELDY_PORT is not set and no port was given")
        try:
            port = int(text)
        except ValueError:
            raise ValueError(f"QUIGGELDY_PORT={text!r} is not a port number") from None
    port = int(port)
    if not 0 < port < 65536:
        raise ValueError(f"quiggeldy port {port} must lie in 1..65535")
    return ip, port


class ReinitStack:
    """The reinit entries of one connection, in stack order (what the server replays)."""

    def __init__(self, connection: "QuiggeldyConnection"):
        self._connection = connection
        self._entries: List[Optional[ReinitEntry]] = []

    def push(self) -> int:
        """A new, empty entry on top; its index."""
        if len(self._entries) >= MAX_STACK_ENTRIES:
            raise ValueError(f"a reinit stack holds at most {MAX_STACK_ENTRIES} entries")
        self._entries.append(None)
        return len(self._entries) - 1

    def set(self, index: int, request: np.ndarray, snapshot: Optional[np.ndarray], enforce: bool) -> None:
        """Give entry ``index`` its programs; ``enforce``: replay it before the next program."""
        self._check(index)
        self._entries[index] = ReinitEntry(np.asarray(request, np.uint64),
                                           None if snapshot is None else np.asarray(snapshot, np.uint64),
                                           bool(enforce))
        self._upload()

    def enforce(self) -> None:
        """Replay the whole stack before the next program."""
        self._connection._send_control(Kind.REINIT_ENFORCE)

    def pop(self, index: int) -> None:
        """Remove entry ``index``, which must be the topmost one (ValueError otherwise)."""
        self._check(index)
        if index != len(self._entries) - 1:
            raise ValueError(f"reinit stack entry {index} is not the topmost one "
                             f"({len(self._entries) - 1}); pop the entries above it first")
        del self._entries[index:]
        self._upload()

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self._entries):
            raise IndexError(f"reinit stack entry {index} does not exist (the stack holds {len(self._entries)})")

    def _upload(self) -> None:
        self._connection._send_control(Kind.REINIT, encode_stack([e for e in self._entries if e is not None]))

    def __len__(self):
        return len(self._entries)


class QuiggeldyConnection(RemoteConnection):
    """A connection to ``python -m hxcomm.quiggeldy`` (see the module doc).

    ``ip``, ``port``: the server (default: the environment); ``token``: the client's token
    (default ``QUIGGELDY_TOKEN``); ``user``: a name for the server's log; ``timeout``:
    seconds of silence before ConnectionTimeoutError (the server sends heartbeats while this
    client's program waits or runs); ``run_timeout``, ``progress``: as every connection.
    AuthenticationError when the server refuses the token.
    """

    server_name = "the quiggeldy server"
    #: programs of this connection are replayed by the server (stadls.ReinitStackEntry)
    supports_reinit = True

    def __init__(self, ip: Optional[str] = None, port: Optional[int] = None, *, token: Optional[str] = None,
                 user: Optional[str] = None, timeout: Optional[float] = None, run_timeout: Optional[float] = None,
                 progress: Optional[bool] = None):
        super().__init__(timeout=timeout_from_env(timeout, "QUIGGELDY_TIMEOUT"), run_timeout=run_timeout,
                         progress=progress)
        self.ip, self.port = quiggeldy_parameters_from_env(ip, port)
        self.server_name = f"the quiggeldy server at {self.ip}:{self.port}"
        if token is None:
            token = os.environ.get("QUIGGELDY_TOKEN") or None
        if user is None:
            user = os.environ.get("QUIGGELDY_USER_NO_MUNGE") or os.environ.get("USER") or None
        channel = connect_tcp(self.ip, self.port, self.timeout, "the quiggeldy server")
        welcome = self._hello(channel, {"token": token, "user": user})
        self.client_id = welcome.get("client_id")
        self.reinit_stack = ReinitStack(self)

    def _send_control(self, kind: Kind, payload: bytes = b"") -> None:
        if not self._open:
            raise ConnectionError(f"{type(self).__name__} is closed")
        try:
            self._channel.send(kind, 0, payload)
        except ConnectionError as err:
            self._lost(err)

    def get_bitfile_info(self) -> List[str]:
        """What the server runs the programs on, and that it is shared."""
        return [f"{info}transport: TCP to the quiggeldy server at {self.ip}:{self.port} (shared)\n"
                for info in self._information("bitfile_info")]

    def __repr__(self):
        return f"QuiggeldyConnection({self.ip}:{self.port}, client {self.client_id})"
