"""Channels: frames (:mod:`hxcomm.framing`) over a byte link, with timeouts everywhere.

A channel sends ``(kind, seq, payload)`` and receives :class:`~hxcomm.framing.Frame` s.
:class:`SocketChannel` runs over a TCP socket (a strict reader: bad bytes close it); the
serial link's channel (:class:`hxcomm.serial.LinkChannel`) runs over the ARQ link.  Clients
and servers are written against this interface, so the same protocol runs on both.
"""
from __future__ import annotations

import select
import socket
import threading
import time
from typing import Optional

from .errors import ConnectionError, ConnectionTimeoutError  # noqa: A004
from .framing import MAX_PAYLOAD, Frame, FrameDecoder, Kind, encode_frame

__all__ = ["Channel", "SocketChannel", "connect_tcp", "DEFAULT_TIMEOUT"]

#: Seconds a connection waits for a silent peer by default (``HXCOMM_TIMEOUT`` overrides).
DEFAULT_TIMEOUT = 30.0


class Channel:
    """Frames both ways.  ``send`` raises ConnectionError (ConnectionTimeoutError when the peer
    does not take the bytes within ``send_timeout``); ``receive(timeout)`` returns the next
    frame, or None when none arrived within ``timeout`` seconds, and raises ConnectionError
    when the peer closed and ProtocolError for bytes that are not frames."""

    def send(self, kind: Kind, seq: int = 0, payload: bytes = b"") -> None:
        raise NotImplementedError

    def receive(self, timeout: Optional[float]) -> Optional[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def partial_since(self) -> Optional[float]:
        """``time.monotonic()`` at which an incomplete frame began arriving (None: none)."""
        return None

    @property
    def peer(self) -> str:
        return "?"


class SocketChannel(Channel):
    """A channel over a connected TCP socket (``send_timeout``: seconds a send may block)."""

    def __init__(self, sock: socket.socket, *, send_timeout: float = DEFAULT_TIMEOUT,
                 max_payload: int = MAX_PAYLOAD):
        self.sock = sock
        sock.settimeout(send_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:             # not TCP (a socketpair in tests)
            pass
        self.send_timeout = send_timeout
        self._decoder = FrameDecoder(max_payload=max_payload, resync=False)
        self._send_lock = threading.Lock()
        self._closed = False
        self._partial_since: Optional[float] = None
        try:
            host, port = sock.getpeername()[:2]
            self._peer = f"{host}:{port}"
        except (OSError, ValueError, TypeError):
            self._peer = "socket"

    @property
    def peer(self) -> str:
        return self._peer

    @property
    def partial_since(self) -> Optional[float]:
        return self._partial_since

    def send(self, kind: Kind, seq: int = 0, payload: bytes = b"") -> None:
        self.send_bytes(encode_frame(kind, seq, payload))

    def send_bytes(self, data: bytes) -> None:
        """Send frames encoded already (``encode_frame``)."""
        with self._send_lock:
            if self._closed:
                raise ConnectionError(f"the connection to {self._peer} is closed")
            try:
                self.sock.sendall(data)
            except socket.timeout:
                # part of the frame may be out: the stream cannot be used any more
                self.close()
                raise ConnectionTimeoutError(f"{self._peer} took no data for {self.send_timeout} s") from None
            except OSError as err:
                self.close()
                raise ConnectionError(f"the connection to {self._peer} is lost: {err}") from None

    def receive(self, timeout: Optional[float]) -> Optional[Frame]:
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        while True:
            frame = next(self._decoder.frames(), None)
            if frame is not None:
                self._partial_since = time.monotonic() if self._decoder.buffered else None
                return frame
            if self._closed:
                raise ConnectionError(f"the connection to {self._peer} is closed")
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                readable, _, _ = select.select([self.sock], [], [], remaining)
            except (OSError, ValueError) as err:
                self.close()
                raise ConnectionError(f"the connection to {self._peer} is lost: {err}") from None
            if not readable:
                return None
            try:
                data = self.sock.recv(1 << 20)
            except (socket.timeout, BlockingIOError, InterruptedError):
                continue
            except OSError as err:
                self.close()
                raise ConnectionError(f"the connection to {self._peer} is lost: {err}") from None
            if not data:
                self.close()
                raise ConnectionError(f"{self._peer} closed the connection")
            if not self._decoder.buffered:
                self._partial_since = time.monotonic()
            self._decoder.feed(data)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    @property
    def closed(self) -> bool:
        return self._closed


def connect_tcp(host: str, port: int, timeout: float, what: str) -> SocketChannel:
    """A SocketChannel to ``host:port``; ConnectionError naming ``what`` when it cannot be
    reached within ``timeout`` seconds."""
    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    except socket.timeout:
        raise ConnectionTimeoutError(f"{what} at {host}:{port} did not answer within {timeout} s") from None
    except OSError as err:
        raise ConnectionError(f"cannot reach {what} at {host}:{port}: {err}") from None
    return SocketChannel(sock, send_timeout=timeout)
