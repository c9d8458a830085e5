"""Reinit stacks: what the experiment server replays for a client before its programs.

A client keeps a stack of entries (public ``ReinitStackEntry``); each entry holds a
``request`` program (words), optionally a ``snapshot`` program, and whether it is
``pending`` (must run before the client's next program even if the client kept the chip).
When the server gives the chip to a client it runs every entry's request; when it takes the
chip away it runs the snapshot programs and turns their omnibus reads into writes of the
values read (:func:`snapshot_to_writes`), which become the entry's request from then on:
the client's state, as it was when it lost the chip, is restored when it gets it back.

Wire form of a stack (REINIT frame payload, little-endian): ``u32 count`` and per entry
``u8 flags`` (1: has snapshot, 2: pending), ``u32 request words``, ``u32 snapshot words``,
then the request words and the snapshot words (u64 each).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ..errors import ProtocolError
from ..instructions import BY_NAME, MAX_PROGRAM_WORDS, OPCODE_LSB

__all__ = ["ReinitEntry", "encode_stack", "decode_stack", "snapshot_to_writes", "MAX_STACK_ENTRIES"]

#: Entries a stack may hold (a bound for what a client can make the server keep).
MAX_STACK_ENTRIES = 64

_HAS_SNAPSHOT, _PENDING = 1, 2
_COUNT = struct.Struct("<I")
_ENTRY = struct.Struct("<BII")
_U64 = np.uint64


@dataclass
class ReinitEntry:
    """One entry: ``request`` words, optional ``snapshot`` words, ``pending`` flag."""

    request: np.ndarray
    snapshot: Optional[np.ndarray] = None
    pending: bool = True


def encode_stack(entries: List[ReinitEntry]) -> bytes:
    """The REINIT payload of a stack."""
    parts = [_COUNT.pack(len(entries))]
    for e in entries:
        snap = e.snapshot if e.snapshot is not None else np.zeros(0, _U64)
        flags = (_HAS_SNAPSHOT if e.snapshot is not None else 0) | (_PENDING if e.pending else 0)
        parts.append(_ENTRY.pack(flags, len(e.request), len(snap)))
        parts.append(np.ascontiguousarray(e.request, dtype="<u8").tobytes())
        parts.append(np.ascontiguousarray(snap, dtype="<u8").tobytes())
    return b"".join(parts)


def decode_stack(payload: bytes) -> List[ReinitEntry]:
    """Inverse of :func:`encode_stack`; ProtocolError for a malformed or too large stack."""
    if len(payload) < _COUNT.size:
        raise ProtocolError("REINIT payload shorter than its entry count")
    (count,) = _COUNT.unpack_from(payload)
    if count > MAX_STACK_ENTRIES:
        raise ProtocolError(f"reinit stack of {count} entries (at most {MAX_STACK_ENTRIES})")
    pos, entries = _COUNT.size, []
    for i in range(count):
        if pos + _ENTRY.size > len(payload):
            raise ProtocolError(f"REINIT payload ends inside entry {i}")
        flags, n_request, n_snapshot = _ENTRY.unpack_from(payload, pos)
        pos += _ENTRY.size
        if n_request > MAX_PROGRAM_WORDS or n_snapshot > MAX_PROGRAM_WORDS:
            raise ProtocolError(f"reinit entry {i} is longer than the program memory")
        end = pos + 8 * (n_request + n_snapshot)
        if end > len(payload):
            raise ProtocolError(f"REINIT payload ends inside the words of entry {i}")
        words = np.frombuffer(payload[pos:end], dtype="<u8").astype(_U64)
        pos = end
        entries.append(ReinitEntry(words[:n_request], words[n_request:] if flags & _HAS_SNAPSHOT else None,
                                   bool(flags & _PENDING)))
    if pos != len(payload):
        raise ProtocolError(f"REINIT payload has {len(payload) - pos} bytes after its last entry")
    return entries


def snapshot_to_writes(snapshot: np.ndarray, response: np.ndarray) -> np.ndarray:
    """A program that writes back what the omnibus reads of ``snapshot`` returned in
    ``response``: each read address (is_read cleared, its byte enables kept) followed by the
    word read, then an omnibus barrier and a halt.  ValueError when the numbers of reads and
    read answers differ."""
    from ..codec import barrier, loopback, omnibus_write
    from ..instructions import BarrierMask
    from ..words import unpack
    snapshot = np.asarray(snapshot, dtype=_U64)
    response = np.asarray(response, dtype=_U64)
    payload_mask = _U64((1 << 52) - 1)
    op = (snapshot >> _U64(OPCODE_LSB)) & _U64(0x7F)
    fields = unpack("OMNIBUS_ADDRESS", snapshot[op == BY_NAME["OMNIBUS_ADDRESS"].opcode] & payload_mask)
    reads = fields["is_read"] == 1
    rop = (response >> _U64(OPCODE_LSB)) & _U64(0x7F)
    values = unpack("OMNIBUS_READ_DATA", response[rop == BY_NAME["OMNIBUS_READ_DATA"].opcode] & payload_mask)["word"]
    if len(values) != int(reads.sum()):
        raise ValueError(f"snapshot of {int(reads.sum())} reads got {len(values)} read answers")
    writes = (omnibus_write(fields["address"][reads].astype(np.int64), values.astype(np.int64),
                            fields["byte_enables"][reads].astype(np.int64))
              if len(values) else np.zeros(0, _U64))
    return np.concatenate([writes, barrier(int(BarrierMask.OMNIBUS)), loopback(True)])
