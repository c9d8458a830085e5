"""The serial link: the word protocol over a byte link through pyserial, made reliable.

``SerialConnection(url)`` opens ``url`` with pyserial (a device such as ``/dev/ttyUSB0`` or
``/dev/pts/7``, or a URL handler: ``loop://``, ``socket://host:port``, ``rfc2217://``...) and
runs the same messages as the TCP connections (HELLO, EXECUTE, RESULT, ...) over an
:class:`ArqLink`, a sliding-window ARQ that makes a lossy byte link reliable:

* every link frame carries a CRC-32 of its header and of its payload (:mod:`hxcomm.framing`),
  so a corrupted frame is detected and dropped; the reader resynchronises on the next header;
* DATA frames carry sequence numbers; the receiver takes only the next one in order and
  acknowledges cumulatively (ACK n: everything before n arrived), so a duplicate is recognised
  and dropped and a gap is never delivered;
* the sender keeps up to ``window`` frames unacknowledged and sends them again when no ACK
  came within the retransmission timeout (adaptive, from measured round trips: Karn/Jacobson)
  or after three duplicate ACKs (go-back-N);
* a LINK_SYNC handshake with a random nonce starts both directions afresh, so a client that
  reconnects never meets stale sequence numbers.

Messages are split into fragments of ``fragment`` bytes.  Servers: ``python -m hxsim.serve
--serial PTY|DEVICE|URL`` (or ``--serial-port P`` for ``socket://``).
"""
from __future__ import annotations

import collections
import logging
import os
import random
import select
import socket
import threading
import time
from typing import Deque, Dict, List, Optional, Tuple

from .channel import Channel
from .errors import ConnectionError, ConnectionTimeoutError, ProtocolError  # noqa: A004
from .framing import MAX_PAYLOAD, Frame, FrameDecoder, Kind, encode_frame
from .remote import RemoteConnection, timeout_from_env

__all__ = ["ArqLink", "FaultInjector", "LinkChannel", "SerialConnection", "open_server_port", "serve_link",
           "serve_link_over_tcp", "PySerialPort", "FdPort", "SocketPort"]

log = logging.getLogger("hxcomm.serial")

_LAST_FRAGMENT = 1


# -- byte ports ---------------------------------------------------------------------------------
class PySerialPort:
    """A pyserial port as the link sees it: ``read()`` what arrived (waiting at most
    ``poll`` s), ``write(bytes)`` all of it (at most ``write_timeout`` s)."""

    def __init__(self, port, poll: float = 0.02):
        self.port = port
        port.timeout = poll

    def read(self) -> bytes:
        waiting = self.port.in_waiting
        return self.port.read(waiting or 1)

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def close(self) -> None:
        self.port.close()


class FdPort:
    """A file descriptor (the master side of a pseudo-terminal) as a port."""

    def __init__(self, fd: int, poll: float = 0.02, write_timeout: float = 30.0, keep_open=()):
        self.fd = fd
        self.poll = poll
        self.write_timeout = write_timeout
        self._keep_open = list(keep_open)
        self._closed = False

    def read(self) -> bytes:
        readable, _, _ = select.select([self.fd], [], [], self.poll)
        if not readable:
            return b""
        try:
            return os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self.write_timeout
        while view:
            _, writable, _ = select.select([], [self.fd], [], min(self.poll, max(0.0, deadline - time.monotonic())))
            if self._closed:
                raise OSError("port closed")
            if not writable:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the serial peer took no data for {self.write_timeout} s")
                continue
            n = os.write(self.fd, view)
            view = view[n:]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for fd in [self.fd, *self._keep_open]:
                try:
                    os.close(fd)
                except OSError:
                    pass


class SocketPort:
    """A connected socket as a port (the serial protocol over TCP, for ``socket://``)."""

    def __init__(self, sock: socket.socket, poll: float = 0.02, write_timeout: float = 30.0):
        self.sock = sock
        self.poll = poll
        sock.settimeout(write_timeout)
        self._closed = False

    def read(self) -> bytes:
        readable, _, _ = select.select([self.sock], [], [], self.poll)
        if not readable:
            return b""
        data = self.sock.recv(1 << 16)
        if not data:
            raise EOFError("the peer closed the socket")
        return data

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()


# -- fault injection ------------------------------------------------------------------------------
class FaultInjector:
    """Test aid: spoil outgoing link frames at random (``corrupt``: flip one bit, ``drop``,
    ``duplicate``: fractions in [0, 1); ``seed`` makes it repeatable)."""

    def __init__(self, corrupt: float = 0.0, drop: float = 0.0, duplicate: float = 0.0, seed: int = 0):
        for name, p in (("corrupt", corrupt), ("drop", drop), ("duplicate", duplicate)):
            if not 0.0 <= p < 1.0:
                raise ValueError(f"fault fraction {name}={p} must lie in [0, 1)")
        self.corrupt, self.drop, self.duplicate = float(corrupt), float(drop), float(duplicate)
        self._rng = random.Random(seed)
        self.counts = collections.Counter()

    @classmethod
    def parse(cls, spec, seed: int = 0) -> Optional["FaultInjector"]:
        """From ``"CORRUPT,DROP[,DUPLICATE]"`` (None for None or an empty string)."""
        if spec is None or isinstance(spec, FaultInjector):
            return spec
        spec = str(spec).strip()
        if not spec:
            return None
        try:
            values = [float(x) for x in spec.split(",")]
        except ValueError:
            raise ValueError(f"faults {spec!r}: expected CORRUPT,DROP[,DUPLICATE] fractions") from None
        if not 1 <= len(values) <= 3:
            raise ValueError(f"faults {spec!r}: expected CORRUPT,DROP[,DUPLICATE] fractions")
        return cls(*values, seed=seed)

    def apply(self, raw: bytes) -> List[bytes]:
        r = self._rng.random()
        if r < self.drop:
            self.counts["dropped"] += 1
            return []
        r -= self.drop
        if r < self.corrupt:
            self.counts["corrupted"] += 1
            spoiled = bytearray(raw)
            i = self._rng.randrange(len(spoiled))
            spoiled[i] ^= 1 << self._rng.randrange(8)
            return [bytes(spoiled)]
        r -= self.corrupt
        if r < self.duplicate:
            self.counts["duplicated"] += 1
            return [raw, raw]
        return [raw]


# -- the link ---------------------------------------------------------------------------------------
class ArqLink:
    """Reliable, ordered messages over a byte port (see the module doc).

    ``send_message(bytes)`` queues a message; ``receive_message(timeout)`` returns the next
    whole message or None.  A reader thread takes frames off the port and a writer thread
    sends, acknowledges and retransmits, so neither side can block the other.  ``close()``
    stops both.  Statistics: ``retransmissions``, ``bad_frames`` (failed a checksum),
    ``duplicates`` (arrived twice), ``resets`` (the peer started afresh).
    """

    def __init__(self, port, *, window: int = 16, fragment: int = 2048, initial_rto: float = 0.2,
                 min_rto: float = 0.02, max_rto: float = 3.0, faults=None, fault_seed: int = 0,
                 name: str = "serial link"):
        if window < 1 or fragment < 16:
            raise ValueError(f"window {window} must be >= 1 and fragment {fragment} >= 16 bytes")
        self.port = port
        self.window = int(window)
        self.fragment = int(fragment)
        self.min_rto, self.max_rto = float(min_rto), float(max_rto)
        self.rto = float(initial_rto)
        self._srtt: Optional[float] = None
        self._rttvar = 0.0
        self.faults = FaultInjector.parse(faults, fault_seed)
        self.name = name
        self._decoder = FrameDecoder(max_payload=self.fragment + 64, resync=True)
        self._cond = threading.Condition()
        self._closed = False
        self.error: Optional[BaseException] = None
        # sending
        self._outbox: Deque[bytes] = collections.deque()      # fragments not yet given a number
        self._unacked: "collections.OrderedDict[int, Tuple[bytes, float, bool]]" = collections.OrderedDict()
        self._next_seq = 0
        self._base = 0
        self._timer: Optional[float] = None
        self._dup_acks = 0
        self._control: Dict[Kind, Frame] = {}                 # ACK / SYNC_ACK to send (latest wins)
        # receiving
        self._expected = 0
        self._assembling = bytearray()
        self._inbox: Deque[Tuple[int, bytes]] = collections.deque()   # (session, message)
        # synchronisation
        self._my_nonce: Optional[bytes] = None
        self._peer_nonce: Optional[bytes] = None
        self._synced = False
        self._sync_sent = 0.0
        self.retransmissions = 0
        self.duplicates = 0
        self.resets = 0
        self._reader = threading.Thread(target=self._read_loop, daemon=True, name=f"{name} reader")
        self._writer = threading.Thread(target=self._write_loop, daemon=True, name=f"{name} writer")

    @property
    def bad_frames(self) -> int:
        return self._decoder.bad_frames

    def start(self) -> "ArqLink":
        self._reader.start()
        self._writer.start()
        return self

    # -- public --------------------------------------------------------------------------------
    def sync(self, timeout: float) -> None:
        """Start both directions afresh with the peer (the client side calls this once);
        ConnectionTimeoutError when the peer does not answer within ``timeout``."""
        with self._cond:
            self._my_nonce = os.urandom(8)
            self._reset_locked()
            self._synced = False
            self._sync_sent = 0.0
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            while not self._synced:
                self._raise_if_failed()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ConnectionTimeoutError(f"{self.name}: no answer from the peer within {timeout} s")
                self._cond.wait(min(left, 0.05))

    def accept_sync(self) -> None:
        """The server side: take the peer's LINK_SYNC whenever it comes."""
        with self._cond:
            self._synced = True

    def send_message(self, data: bytes) -> None:
        """Queue ``data`` for the peer (split into fragments)."""
        with self._cond:
            self._raise_if_failed()
            step = self.fragment
            count = max(1, -(-len(data) // step))
            for i in range(count):
                flags = _LAST_FRAGMENT if i == count - 1 else 0
                self._outbox.append(bytes([flags]) + data[i * step:(i + 1) * step])
            self._cond.notify_all()

    def receive_message(self, timeout: Optional[float], session: Optional[int] = None) -> Optional[bytes]:
        """The next whole message, or None after ``timeout`` seconds; ConnectionError when the
        link failed or was closed, or (with ``session``, a value of ``resets``) when the peer
        has started another session since (the message stays for that session)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                self._raise_if_failed()
                if session is not None and session != self.resets:
                    raise ConnectionError(f"{self.name}: the peer started a new session")
                if self._inbox:
                    return self._inbox.popleft()[1]
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(0.05 if left is None else min(left, 0.05))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        try:
            self.port.close()
        except Exception:
            pass
        for t in (self._reader, self._writer):
            if t.is_alive() and t is not threading.current_thread():
                t.join(timeout=1.0)

    @property
    def closed(self) -> bool:
        return self._closed

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise ConnectionError(f"{self.name} failed: {self.error}")
        if self._closed:
            raise ConnectionError(f"{self.name} is closed")

    # -- state ------------------------------------------------------------------------------
    def _reset_locked(self) -> None:
        self._outbox.clear()
        self._unacked.clear()
        self._next_seq = self._base = 0
        self._timer = None
        self._dup_acks = 0
        self._control.clear()
        self._expected = 0
        self._assembling = bytearray()
        self._inbox.clear()

    def _fail(self, err: BaseException) -> None:
        with self._cond:
            if self.error is None and not self._closed:
                self.error = err
                log.warning("%s: %s", self.name, err)
            self._cond.notify_all()

    # -- reader -----------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        try:
            while not self._closed:
                data = self.port.read()
                if not data:
                    continue
                self._decoder.feed(data)
                for frame in self._decoder.frames():
                    self._on_frame(frame)
        except Exception as err:        # a port that failed: the link is down
            if not self._closed:
                self._fail(err)

    def _on_frame(self, frame: Frame) -> None:
        with self._cond:
            kind = frame.kind
            if kind == Kind.LINK_SYNC:
                nonce = frame.payload
                if nonce != self._my_nonce and nonce != self._peer_nonce:
                    # a new session of the peer: both directions start afresh
                    self._reset_locked()
                    self._peer_nonce = nonce
                    self._synced = True
                    self.resets += 1
                self._control[Kind.LINK_SYNC_ACK] = Frame(Kind.LINK_SYNC_ACK, 0, nonce)
                self._cond.notify_all()
                return
            if kind == Kind.LINK_SYNC_ACK:
                if self._my_nonce is not None and frame.payload == self._my_nonce and not self._synced:
                    self._synced = True
                    self._cond.notify_all()
                return
            if not self._synced:
                return                          # stale frames of an earlier session
            if kind == Kind.LINK_DATA:
                self._on_data(frame)
            elif kind == Kind.LINK_ACK:
                self._on_ack(frame.seq)
            # anything else on a link is noise that passed a checksum: ignored

    def _on_data(self, frame: Frame) -> None:
        if frame.seq == self._expected and frame.payload:
            self._expected += 1
            self._assembling += frame.payload[1:]
            if frame.payload[0] & _LAST_FRAGMENT:
                self._inbox.append((self.resets, bytes(self._assembling)))
                self._assembling = bytearray()
        elif frame.seq < self._expected:
            self.duplicates += 1
        self._control[Kind.LINK_ACK] = Frame(Kind.LINK_ACK, self._expected, b"")
        self._cond.notify_all()

    def _on_ack(self, ack: int) -> None:
        if self._base < ack <= self._next_seq:
            now = time.monotonic()
            while self._unacked and next(iter(self._unacked)) < ack:
                seq, (_, sent, resent) = self._unacked.popitem(last=False)
                if not resent and seq == ack - 1:
                    self._measure(now - sent)
            self._base = ack
            self._dup_acks = 0
            self._timer = now if self._unacked else None
            self._cond.notify_all()
        elif ack == self._base and self._unacked:
            self._dup_acks += 1
            if self._dup_acks == 3:             # the peer lost one: send the window again now
                self._timer = 0.0
                self._cond.notify_all()

    def _measure(self, rtt: float) -> None:
        if self._srtt is None:
            self._srtt, self._rttvar = rtt, rtt / 2
        else:
            self._rttvar = 0.75 * self._rttvar + 0.25 * abs(self._srtt - rtt)
            self._srtt = 0.875 * self._srtt + 0.125 * rtt
        self.rto = min(self.max_rto, max(self.min_rto, self._srtt + 4 * self._rttvar))

    # -- writer -----------------------------------------------------------------------------------
    def _write_loop(self) -> None:
        try:
            while True:
                with self._cond:
                    out = self._collect_locked()
                    while not out and not self._closed:
                        self._cond.wait(self._wait_time_locked())
                        out = self._collect_locked()
                    if self._closed:
                        return
                for raw in out:
                    for piece in (self.faults.apply(raw) if self.faults is not None else [raw]):
                        self.port.write(piece)
        except Exception as err:
            if not self._closed:
                self._fail(err)

    def _wait_time_locked(self) -> float:
        waits = [0.05]
        if self._timer is not None:
            waits.append(max(0.0, self._timer + self.rto - time.monotonic()))
        return min(waits)

    def _collect_locked(self) -> List[bytes]:
        """Frames to write now: acknowledgements, the sync handshake, retransmissions and new
        fragments within the window."""
        now = time.monotonic()
        out = [encode_frame(f.kind, f.seq, f.payload) for f in self._control.values()]
        self._control.clear()
        if self._my_nonce is not None and not self._synced:
            if now - self._sync_sent >= self.rto:
                out.append(encode_frame(Kind.LINK_SYNC, 0, self._my_nonce))
                self._sync_sent = now
            return out
        if not self._synced:
            return out
        if self._unacked and self._timer is not None and now - self._timer >= self.rto:
            for seq, (raw, _, _) in list(self._unacked.items()):
                self._unacked[seq] = (raw, now, True)
                out.append(raw)
                self.retransmissions += 1
            if self._timer != 0.0:              # a timeout (not 3 duplicate ACKs): back off
                self.rto = min(self.max_rto, self.rto * 2)
            self._timer = now
            self._dup_acks = 0
        while self._outbox and self._next_seq - self._base < self.window:
            raw = encode_frame(Kind.LINK_DATA, self._next_seq, self._outbox.popleft())
            self._unacked[self._next_seq] = (raw, now, False)
            self._next_seq += 1
            if self._timer is None:
                self._timer = now
            out.append(raw)
        return out


# -- messages over the link -------------------------------------------------------------------------
class LinkChannel(Channel):
    """The frames of the word protocol, one per link message.  ``owns_link``: ``close()``
    closes the link too (a client); a server session leaves the link for the next one."""

    def __init__(self, link: ArqLink, owns_link: bool = False, max_payload: int = MAX_PAYLOAD):
        self.link = link
        self.owns_link = owns_link
        self.max_payload = max_payload
        self._resets = link.resets
        self._closed = False

    @property
    def peer(self) -> str:
        return self.link.name

    def _check(self) -> None:
        if self._closed:
            raise ConnectionError(f"{self.link.name}: the session is closed")
        if self.link.resets != self._resets:
            raise ConnectionError(f"{self.link.name}: the peer started a new session")

    def send(self, kind: Kind, seq: int = 0, payload: bytes = b"") -> None:
        self._check()
        self.link.send_message(encode_frame(kind, seq, payload))

    def receive(self, timeout: Optional[float]) -> Optional[Frame]:
        self._check()
        data = self.link.receive_message(timeout, session=self._resets)
        if data is None:
            return None
        decoder = FrameDecoder(max_payload=self.max_payload)
        decoder.feed(data)
        frames = list(decoder.frames())
        if len(frames) != 1 or decoder.buffered:
            raise ProtocolError(f"{self.link.name}: a link message is not exactly one frame")
        return frames[0]

    def close(self) -> None:
        self._closed = True
        if self.owns_link:
            self.link.close()


class SerialConnection(RemoteConnection):
    """The word protocol over a pyserial port or URL (see the module doc).

    ``url``: a device or pyserial URL (default ``HXCOMM_SERIAL_URL``); ``baudrate`` for real
    ports; ``timeout`` (s, default ``HXCOMM_TIMEOUT`` or 30): the longest silence of the peer;
    ``chip_id`` and emulator options: the chip the peer makes for this session;
    ``window``, ``fragment``: ARQ window (frames) and fragment size (bytes); ``faults``
    (``"CORRUPT,DROP[,DUPLICATE]"`` or a :class:`FaultInjector`): test aid that spoils
    outgoing frames.  ConnectionError when the port cannot be opened or the peer does not
    answer.
    """

    server_name = "the serial peer"

    def __init__(self, url: Optional[str] = None, *, baudrate: int = 115200, timeout: Optional[float] = None,
                 run_timeout: Optional[float] = None, progress: Optional[bool] = None,
                 chip_id: Optional[int] = None, window: int = 16, fragment: int = 2048, faults=None,
                 fault_seed: int = 0, **emulator_options):
        super().__init__(timeout=timeout_from_env(timeout), run_timeout=run_timeout, progress=progress)
        url = url or os.environ.get("HXCOMM_SERIAL_URL", "").strip()
        if not url:
            raise ConnectionError("no serial link: give a device or pyserial URL, or set HXCOMM_SERIAL_URL "
                                  "(a server: `python -m hxsim.serve --serial PTY`)")
        self.url = url
        self.server_name = f"the serial peer on {url}"
        import serial as pyserial
        try:
            port = pyserial.serial_for_url(url, baudrate=baudrate, timeout=0.02, write_timeout=self.timeout)
            port.reset_input_buffer()
        except (pyserial.SerialException, ValueError, OSError) as err:
            raise ConnectionError(f"cannot open the serial link {url!r}: {err}") from None
        self.link = ArqLink(PySerialPort(port), window=window, fragment=fragment, faults=faults,
                            fault_seed=fault_seed, name=f"serial link {url}").start()
        try:
            self.link.sync(self.timeout)
        except BaseException:
            self.link.close()
            raise
        if chip_id is None and os.environ.get("HXCOMM_CHIP_ID", "").strip():
            chip_id = int(os.environ["HXCOMM_CHIP_ID"])
        self._hello(LinkChannel(self.link, owns_link=True),
                    {"chip_id": None if chip_id is None else int(chip_id), "emulator_options": dict(emulator_options)})

    def get_bitfile_info(self) -> List[str]:
        """What the peer says it runs, and over which link."""
        return [f"{info}transport: serial link {self.url} (SerialConnection, ARQ)\n"
                for info in self._information("bitfile_info")]

    def __repr__(self):
        return f"SerialConnection({self.url!r})"


# -- the server side ----------------------------------------------------------------------------------
def open_server_port(spec: str, baudrate: int = 115200):
    """(port, name) for a server: ``"PTY"`` makes a pseudo-terminal (name: the path a client
    opens), anything else is opened with pyserial."""
    if spec.upper() == "PTY":
        import tty
        master, slave = os.openpty()
        tty.setraw(slave)           # no echo, no line editing: bytes pass unchanged
        name = os.ttyname(slave)
        # the server keeps the slave open, so the master never reads EIO between clients
        return FdPort(master, keep_open=[slave]), name
    import serial as pyserial
    try:
        port = pyserial.serial_for_url(spec, baudrate=baudrate, timeout=0.02, write_timeout=30.0)
    except (pyserial.SerialException, ValueError, OSError) as err:
        raise ConnectionError(f"cannot open the serial link {spec!r}: {err}") from None
    return PySerialPort(port), spec


def serve_link(server, port, *, faults=None, fault_seed: int = 0, name: str = "serial link") -> None:
    """Serve client sessions of ``server`` (an :class:`hxcomm.server.ChipServer`) over one
    serial port, one after the other, until the server stops or the port fails."""
    link = ArqLink(port, faults=faults, fault_seed=fault_seed, name=name).start()
    link.accept_sync()
    try:
        while not server._stop.is_set() and link.error is None:
            server.serve_channel(LinkChannel(link))
    finally:
        link.close()


def serve_link_over_tcp(server, listener, *, faults=None, fault_seed: int = 0) -> None:
    """The serial protocol over TCP (for ``socket://host:port`` URLs): one client at a time."""
    try:
        while not server._stop.is_set():
            try:
                sock, addr = listener.accept()
            except socket.timeout:
                continue
            serve_link(server, SocketPort(sock), faults=faults, fault_seed=fault_seed,
                       name=f"serial link {addr[0]}:{addr[1]}")
    finally:
        listener.close()
