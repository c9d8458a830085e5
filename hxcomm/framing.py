"""Frames: how word streams and control messages cross a byte link (TCP or serial).

Every message is one frame (little-endian)::

    offset  size  field
       0     2    magic b"HX"
       2     1    frame format version (FRAME_VERSION = 1)
       3     1    kind (:class:`Kind`)
       4     4    sequence number: the request a message belongs to (TCP), the link
                  sequence number (serial link frames)
       8     4    payload length n in bytes
      12     4    CRC-32 of bytes 0..11
      16     n    payload
    16+n     4    CRC-32 of the payload

The header has its own checksum so that a corrupted length is caught before anyone waits
for (or allocates) a payload of that length; ``max_payload`` bounds what a reader accepts.
Word payloads are the 64-bit words of hxcomm, little-endian; control payloads are UTF-8
JSON objects; ``PROGRESS`` is a fixed struct.  A strict reader (TCP) raises
:class:`~hxcomm.errors.ProtocolError` at the first bad byte; a resynchronising reader
(serial) skips to the next valid header and counts what it dropped.  See docs/hxcomm.md.
"""
from __future__ import annotations

import enum
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Iterator, List, Optional

import numpy as np

from .errors import ProtocolError
from .instructions import MAX_PROGRAM_WORDS

__all__ = ["MAGIC", "FRAME_VERSION", "HEADER_SIZE", "TRAILER_SIZE", "MAX_PAYLOAD", "Kind", "Frame",
           "encode_frame", "FrameDecoder", "words_payload", "payload_words", "json_payload",
           "payload_json", "progress_payload", "payload_progress", "RunState", "OUTPUT_PART_WORDS"]

MAGIC = b"HX"
FRAME_VERSION = 1
_HEADER = struct.Struct("<2sBBIII")
HEADER_SIZE = _HEADER.size            # 16
TRAILER_SIZE = 4
#: Largest payload a reader accepts by default: the longest program (MAX_PROGRAM_WORDS words)
#: plus room for its framing; responses are sent in parts of OUTPUT_PART_WORDS words.
MAX_PAYLOAD = MAX_PROGRAM_WORDS * 8 + 65536
#: Response words per OUTPUT / RESULT frame.
OUTPUT_PART_WORDS = 1 << 20


class Kind(enum.IntEnum):
    """What a frame carries (payload in brackets)."""

    HELLO = 1            # client -> server [JSON: protocol, client, token, chip options]
    WELCOME = 2          # server -> client [JSON: server, the connection information]
    EXECUTE = 3          # client -> server [words]: run one program; seq = request id
    OUTPUT = 4           # server -> client [words]: a part of the response, more follows
    RESULT = 5           # server -> client [words]: the last part of the response
    PROGRESS = 6         # server -> client [struct]: heartbeat, queue position, progress
    CANCEL = 7           # client -> server []: stop request seq
    ERROR = 8            # server -> client [JSON: kind, message]; seq 0 = the connection
    INFO_REQUEST = 9     # client -> server []
    INFO = 10            # server -> client [JSON]
    REINIT = 11          # client -> server [reinit stack, see hxcomm.quiggeldy.protocol]
    REINIT_ENFORCE = 12  # client -> server []: replay the reinit stack before the next run
    BYE = 13             # either way []: orderly close
    LINK_DATA = 32       # serial link: a fragment of a message [flags byte, bytes]
    LINK_ACK = 33        # serial link: every frame before seq arrived []
    LINK_SYNC = 34       # serial link: start afresh [8-byte nonce]
    LINK_SYNC_ACK = 35   # serial link: fresh start acknowledged [the nonce]


class RunState(enum.IntEnum):
    """State reported in a PROGRESS frame."""

    QUEUED = 0
    RUNNING = 1
    REINIT = 2


@dataclass(frozen=True)
class Frame:
    kind: Kind
    seq: int
    payload: bytes

    def __repr__(self):
        return f"Frame({self.kind.name}, seq={self.seq}, {len(self.payload)} bytes)"


_KINDS = {int(k): k for k in Kind}


def encode_frame(kind: Kind, seq: int = 0, payload: bytes = b"") -> bytes:
    """The bytes of one frame.  ValueError for a sequence number outside [0, 2**32)."""
    if not 0 <= seq < 2**32:
        raise ValueError(f"sequence number {seq} must lie in [0, 2**32)")
    head = _HEADER.pack(MAGIC, FRAME_VERSION, int(kind), seq, len(payload), 0)[:12]
    return b"".join((head, struct.pack("<I", zlib.crc32(head)), payload,
                     struct.pack("<I", zlib.crc32(payload))))


class FrameDecoder:
    """Incremental frame reader: ``feed(bytes)``, then iterate :meth:`frames`.

    ``resync=False`` (TCP): the first bad header or checksum raises ProtocolError (the
    stream cannot be trusted after it).  ``resync=True`` (serial): bad bytes are skipped up
    to the next valid header; ``dropped_bytes`` and ``bad_frames`` count them.
    ``max_payload`` bounds the accepted payload length.
    """

    def __init__(self, max_payload: int = MAX_PAYLOAD, resync: bool = False):
        self.max_payload = int(max_payload)
        self.resync = bool(resync)
        self._buf = bytearray()
        self.dropped_bytes = 0
        self.bad_frames = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def buffered(self) -> int:
        """Bytes received that do not form a whole frame yet."""
        return len(self._buf)

    def _bad(self, reason: str) -> None:
        if not self.resync:
            raise ProtocolError(reason)
        self.bad_frames += 1
        # skip to the next possible magic after the first byte
        nxt = self._buf.find(MAGIC, 1)
        drop = nxt if nxt >= 0 else max(1, len(self._buf) - 1)
        self.dropped_bytes += drop
        del self._buf[:drop]

    def frames(self) -> Iterator[Frame]:
        """The whole frames received so far (consumed as they are yielded)."""
        buf = self._buf
        while True:
            if self.resync and buf[:2] != MAGIC and len(buf) >= 2:
                start = buf.find(MAGIC)
                drop = start if start >= 0 else len(buf) - 1
                self.dropped_bytes += drop
                del buf[:drop]
            if len(buf) < HEADER_SIZE:
                if not self.resync and len(buf) >= 2 and buf[:2] != MAGIC:
                    raise ProtocolError(f"bad frame magic {bytes(buf[:2])!r} (expected {MAGIC!r})")
                return
            magic, version, kind, seq, length, head_crc = _HEADER.unpack_from(buf)
            if magic != MAGIC:
                self._bad(f"bad frame magic {magic!r} (expected {MAGIC!r})")
                continue
            if zlib.crc32(bytes(buf[:12])) != head_crc:
                self._bad("frame header checksum mismatch")
                continue
            if version != FRAME_VERSION:
                self._bad(f"frame format version {version} (this side speaks {FRAME_VERSION})")
                continue
            if kind not in _KINDS:
                self._bad(f"unknown frame kind {kind}")
                continue
            if length > self.max_payload:
                self._bad(f"frame of {length} bytes exceeds the limit of {self.max_payload} bytes")
                continue
            end = HEADER_SIZE + length + TRAILER_SIZE
            if len(buf) < end:
                return
            payload = bytes(buf[HEADER_SIZE:HEADER_SIZE + length])
            (crc,) = struct.unpack_from("<I", buf, HEADER_SIZE + length)
            if zlib.crc32(payload) != crc:
                self._bad(f"payload checksum mismatch in a {Kind(kind).name} frame")
                continue
            del buf[:end]
            yield Frame(_KINDS[kind], seq, payload)


# -- payloads -------------------------------------------------------------------------------------
def words_payload(words) -> bytes:
    """64-bit words as little-endian bytes."""
    return np.ascontiguousarray(words, dtype="<u8").tobytes()


def payload_words(payload: bytes) -> np.ndarray:
    """Inverse of :func:`words_payload` (a native uint64 array).  ProtocolError if the
    length is not a multiple of 8."""
    if len(payload) % 8:
        raise ProtocolError(f"a word payload of {len(payload)} bytes is not a whole number of 64-bit words")
    return np.frombuffer(payload, dtype="<u8").astype(np.uint64)


def json_payload(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


def payload_json(payload: bytes) -> dict:
    """A JSON object payload; ProtocolError for anything else."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ProtocolError(f"control payload is not UTF-8 JSON: {err}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(f"control payload is a JSON {type(obj).__name__}, expected an object")
    return obj


_PROGRESS = struct.Struct("<BQQI")


def progress_payload(state: RunState, done_cycles: int = 0, total_cycles: int = 0, position: int = 0) -> bytes:
    """PROGRESS payload: state, chip cycles done and expected, place in the queue (0: next)."""
    return _PROGRESS.pack(int(state), max(0, int(done_cycles)), max(0, int(total_cycles)), max(0, int(position)))


def payload_progress(payload: bytes):
    """(RunState, done_cycles, total_cycles, position); ProtocolError for a bad payload."""
    if len(payload) != _PROGRESS.size:
        raise ProtocolError(f"PROGRESS payload of {len(payload)} bytes (expected {_PROGRESS.size})")
    state, done, total, position = _PROGRESS.unpack(payload)
    try:
        state = RunState(state)
    except ValueError:
        raise ProtocolError(f"PROGRESS state {state} is unknown") from None
    return state, done, total, position


def split_words(words: np.ndarray, part: int = OUTPUT_PART_WORDS) -> List[np.ndarray]:
    """``words`` in parts of at most ``part`` words (at least one part, maybe empty)."""
    if len(words) <= part:
        return [words]
    return [words[i:i + part] for i in range(0, len(words), part)]


def first_frame_error(data: bytes) -> Optional[str]:
    """Why ``data`` does not start with a valid frame (None if it does, or is too short to
    tell); a diagnostic for tests and logs."""
    try:
        dec = FrameDecoder()
        dec.feed(data)
        next(iter(dec.frames()), None)
    except ProtocolError as err:
        return str(err)
    return None
