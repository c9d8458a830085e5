"""Word-level encoding, decoding and validation, derived from the instruction table.

Everything here works on whole numpy arrays; there is no Python loop per word. Scalar Python
code runs only to describe the first error found.
"""

from __future__ import annotations

import numpy as np

from .errors import MalformedStreamError
from .instructions import (
    BY_NAME, BY_OPCODE, MAX_PROGRAM_WORDS, NUM_OPCODES, OPCODE_LSB, PAYLOAD_WIDTH,
    PROTOCOL_VERSION, VERSION_LSB, Direction, Instruction, known_opcodes, payload_masks,
)

_U64 = np.uint64
# numpy 1.x turns uint64 (op) int64 into float64, so every constant is a uint64 scalar.
_PAYLOAD_MASK = _U64((1 << PAYLOAD_WIDTH) - 1)
_SHIFT_OPCODE = _U64(OPCODE_LSB)
_SHIFT_VERSION = _U64(VERSION_LSB)
_OPCODE_MASK = _U64(NUM_OPCODES - 1)
_VERSION_MASK = _U64(0xF)
_VERSION_BITS = _U64(PROTOCOL_VERSION << VERSION_LSB)

#: Result of :func:`decode`: one row per word.
DECODED_DTYPE = np.dtype([("opcode", "u1"), ("payload", "u8")])

_MASKS = {d: payload_masks(d) for d in Direction}
_KNOWN = {d: known_opcodes(d) for d in Direction}
_MASKS_ANY = payload_masks()
_KNOWN_ANY = known_opcodes()
_OMNIBUS_ADDRESS = BY_NAME["OMNIBUS_ADDRESS"].opcode
_OMNIBUS_DATA = BY_NAME["OMNIBUS_DATA"].opcode
_IS_READ_SHIFT = _U64(BY_NAME["OMNIBUS_ADDRESS"].field("is_read").lsb)


def _field_dtype(width: int) -> np.dtype:
    for bits, dt in ((8, "u1"), (16, "u2"), (32, "u4")):
        if width <= bits:
            return np.dtype(dt)
    return np.dtype("u8")


def _as_array(values) -> np.ndarray:
    # numpy turns [0, 2**63] into float64 and loses bits, so Python containers and scalars
    # go through an object array that is checked element by element.
    if isinstance(values, (np.ndarray, np.generic)):
        return np.asarray(values)
    return np.array(values, dtype=object)


def as_unsigned(values, width: int, what: str) -> np.ndarray:
    """``values`` as a uint64 array (same shape), checked to lie in [0, 2**width - 1].

    Raises ValueError naming ``what``, the offending value and the valid range, and
    TypeError for non-integer input (floats are refused rather than truncated).
    """
    a = _as_array(values)
    limit = (1 << width) - 1
    kind = a.dtype.kind
    if kind == "b":
        return a.astype(_U64)
    if kind == "O":  # Python ints beyond int64/uint64, or mixed signs
        flat = a.reshape(-1).tolist()
        for i, v in enumerate(flat):
            if not isinstance(v, (int, np.integer)):
                raise TypeError(f"{what} must be integers, got {type(v).__name__} {v!r}")
            if not 0 <= v <= limit:
                _raise_range(what, v, i if a.ndim else None, width)
        return np.array(flat, dtype=_U64).reshape(a.shape)
    if kind not in "iu":
        if a.size == 0:
            return a.astype(_U64)
        raise TypeError(f"{what} must be integers, got dtype {a.dtype}")
    if a.size:
        bad = np.zeros(a.shape, dtype=bool)
        if kind == "i":
            bad |= a < 0
        if limit < np.iinfo(a.dtype).max:  # otherwise nothing can exceed it
            bad |= a > np.asarray(limit, dtype=a.dtype)
        if bad.any():
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            _raise_range(what, a.reshape(-1)[i].item(), i if a.ndim else None, width)
    return a.astype(_U64, copy=False)


def _raise_range(what, value, index, width):
    where = "" if index is None else f" at index {index}"
    raise ValueError(
        f"{what} = {value}{where} is out of range [0, {(1 << width) - 1}] ({width} bits)")


def as_words(words) -> np.ndarray:
    """``words`` as a 1-D uint64 array. Signed integers are reinterpreted bit for bit.

    Raises MalformedStreamError for a value that does not fit 64 bits, TypeError for
    non-integer input and ValueError for arrays of more than one dimension.
    """
    a = _as_array(words)
    if a.ndim > 1:
        raise ValueError(f"word stream must be 1-D, got shape {a.shape}")
    a = a.reshape(-1)
    if a.dtype == _U64:
        return a
    if a.dtype.kind in "iu":
        return a.astype(_U64)  # two's complement: a raw int64 buffer keeps its bits
    if a.dtype.kind == "O":
        flat = a.tolist()
        for i, v in enumerate(flat):
            if not isinstance(v, (int, np.integer)):
                raise TypeError(f"words must be integers, got {type(v).__name__} at index {i}")
            if not 0 <= v < 2**64:
                raise MalformedStreamError(i, None, f"value {v} does not fit in 64 bits")
        return np.array(flat, dtype=_U64)
    if a.size == 0:
        return a.astype(_U64)
    raise TypeError(f"words must be integers, got dtype {a.dtype}")


def assemble(opcodes, payloads) -> np.ndarray:
    """Build words from already checked opcode and payload arrays (no validation)."""
    op = np.asarray(opcodes).astype(_U64)
    return (op << _SHIFT_OPCODE) | _VERSION_BITS | np.asarray(payloads, dtype=_U64)


def encode(opcodes, payloads) -> np.ndarray:
    """Words (1-D uint64) from arrays of opcodes and payloads (broadcast against each other).

    Raises ValueError if an opcode is not in the table or a payload does not fit 52 bits or
    sets bits outside its instruction's fields.
    """
    op = as_unsigned(opcodes, 7, "opcode")
    pl = as_unsigned(payloads, PAYLOAD_WIDTH, "payload")
    op, pl = np.broadcast_arrays(np.atleast_1d(op), np.atleast_1d(pl))
    op, pl = op.reshape(-1), pl.reshape(-1)
    opi = op.astype(np.intp)
    bad = ~_KNOWN_ANY[opi] | ((pl & ~_MASKS_ANY[opi]) != 0)
    if bad.any():
        i = int(np.argmax(bad))
        o, p = int(op[i]), int(pl[i])
        if o not in BY_OPCODE:
            raise ValueError(f"opcode 0x{o:02x} at index {i} is not in the instruction table")
        ins = BY_OPCODE[o]
        raise ValueError(
            f"payload 0x{p:x} at index {i} sets bits outside the fields of {ins.name} "
            f"(mask 0x{ins.payload_mask:x})")
    return assemble(op, pl)


def _instruction(name: str) -> Instruction:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown instruction {name!r}; known: {sorted(BY_NAME)}") from None


def pack(name: str, **fields) -> np.ndarray:
    """Payloads (uint64, broadcast shape of the fields) of instruction ``name``.

    Field values are integers or integer arrays; omitted fields take their table default.
    Raises ValueError for an unknown instruction or field, a missing field or a value out
    of its field's range.
    """
    ins = _instruction(name)
    unknown = set(fields) - {f.name for f in ins.fields}
    if unknown:
        raise ValueError(f"{name} has no field(s) {sorted(unknown)}; "
                         f"fields: {[f.name for f in ins.fields]}")
    parts = []
    for f in ins.fields:
        value = fields.get(f.name, f.default)
        if value is None:
            raise ValueError(f"{name} needs field {f.name!r}")
        parts.append((as_unsigned(value, f.width, f"{name}.{f.name}"), _U64(f.lsb)))
    shape = np.broadcast_shapes(*(a.shape for a, _ in parts)) if parts else ()
    payload = np.zeros(shape, dtype=_U64)
    for a, lsb in parts:
        payload |= a << lsb
    return payload


def unpack(name: str, payloads) -> dict[str, np.ndarray]:
    """Field arrays of instruction ``name`` from its payloads (smallest fitting uint dtype)."""
    ins = _instruction(name)
    pl = np.asarray(payloads, dtype=_U64)
    return {f.name: ((pl >> _U64(f.lsb)) & _U64(f.max)).astype(_field_dtype(f.width))
            for f in ins.fields}


def encode_instruction(name: str, **fields) -> np.ndarray:
    """1-D uint64 words of instruction ``name``, one per element of the broadcast fields.

    Raises ValueError like :func:`pack`.
    """
    ins = _instruction(name)
    return assemble(ins.opcode, np.atleast_1d(pack(name, **fields)).reshape(-1))


def validate(words, direction: Direction | str, *, stream_rules: bool = True) -> np.ndarray:
    """Check a word stream and return it as a 1-D uint64 array.

    Per word: comma bit clear, protocol version PROTOCOL_VERSION, opcode known in
    ``direction``, no payload bits outside the opcode's fields. With ``stream_rules``
    (to-chip only): every OMNIBUS_ADDRESS with is_read=0 is immediately followed by
    OMNIBUS_DATA, every OMNIBUS_DATA immediately follows such an address, and the program has
    at most MAX_PROGRAM_WORDS words.

    Raises MalformedStreamError for the first offending word (index, word in hex, reason).
    """
    return validate_split(words, direction, stream_rules=stream_rules)[0]


def validate_split(words, direction: Direction | str, *, stream_rules: bool = True):
    """:func:`validate`, also giving what it found: ``(words, opcodes, payloads)`` (uint64,
    intp, uint64 arrays), so that a decoder does not take the words apart again."""
    direction = Direction(direction)
    w = as_words(words)
    header = (w >> _SHIFT_VERSION).astype(np.intp)
    valid, unused = _HEADERS[direction]
    bad = ~valid[header]
    bad |= (w & unused[header]) != 0
    if bad.any():
        i = int(np.argmax(bad))
        raise MalformedStreamError(i, w[i], _word_fault(int(w[i]), direction))
    opcode = header >> (OPCODE_LSB - VERSION_LSB)       # the comma bit above it is clear
    payload = w & _PAYLOAD_MASK
    if stream_rules and direction is Direction.TO_CHIP:
        _check_omnibus_pairs(w, opcode, payload)
        if len(w) > MAX_PROGRAM_WORDS:
            raise MalformedStreamError(MAX_PROGRAM_WORDS, w[MAX_PROGRAM_WORDS],
                                       f"program longer than {MAX_PROGRAM_WORDS} words "
                                       f"({len(w)})")
    return w, opcode, payload


def _header_tables(direction: Direction):
    """Per header (the 12 bits above the payload: version, opcode, comma bit): whether a word
    with it is valid in ``direction``, and the payload bits its instruction leaves unused."""
    header = np.arange(1 << (64 - VERSION_LSB))
    opcode = (header >> (OPCODE_LSB - VERSION_LSB)) & int(_OPCODE_MASK)
    valid = ((header >> (63 - VERSION_LSB)) == 0) & ((header & int(_VERSION_MASK)) == PROTOCOL_VERSION) \
        & _KNOWN[direction][opcode]
    unused = np.where(valid, ~_MASKS[direction][opcode] & _PAYLOAD_MASK, _U64(0))
    return valid, unused


_HEADERS = {d: _header_tables(d) for d in Direction}


def _word_fault(word: int, direction: Direction) -> str:
    if word >> 63:
        return "comma bit (63) set"
    version = (word >> VERSION_LSB) & 0xF
    if version != PROTOCOL_VERSION:
        return f"protocol version {version}, expected {PROTOCOL_VERSION}"
    op = (word >> OPCODE_LSB) & 0x7F
    ins = BY_OPCODE.get(op)
    if ins is None or ins.direction is not direction:
        other = f" (a {ins.direction.value} opcode, {ins.name})" if ins else ""
        return f"unknown {direction.value} opcode 0x{op:02x}{other}"
    extra = word & ((1 << PAYLOAD_WIDTH) - 1) & ~ins.payload_mask
    return (f"{ins.name} payload sets unused bits 0x{extra:x} "
            f"(allowed mask 0x{ins.payload_mask:x})")


def _check_omnibus_pairs(w, opcode, payload):
    addr_write = (opcode == _OMNIBUS_ADDRESS) & (((payload >> _IS_READ_SHIFT) & _U64(1)) == 0)
    data = opcode == _OMNIBUS_DATA
    data_ok = np.zeros_like(data)
    data_ok[1:] = addr_write[:-1]
    addr_ok = np.zeros_like(data)
    addr_ok[:-1] = data[1:]
    bad = (data & ~data_ok) | (addr_write & ~addr_ok)
    if bad.any():
        i = int(np.argmax(bad))
        if data[i]:
            reason = "OMNIBUS_DATA not immediately preceded by OMNIBUS_ADDRESS with is_read=0"
        else:
            reason = "OMNIBUS_ADDRESS with is_read=0 not immediately followed by OMNIBUS_DATA"
        raise MalformedStreamError(i, w[i], reason)


def decode(words, direction: Direction | str, *, stream_rules: bool = True) -> np.ndarray:
    """Validate ``words`` (see :func:`validate`) and split them into a DECODED_DTYPE array
    with fields ``opcode`` (uint8) and ``payload`` (uint64, 52 bits).

    Raises MalformedStreamError.
    """
    w, opcode, payload = validate_split(words, direction, stream_rules=stream_rules)
    out = np.empty(len(w), dtype=DECODED_DTYPE)
    out["opcode"] = opcode
    out["payload"] = payload
    return out


__all__ = ["DECODED_DTYPE", "as_unsigned", "as_words", "assemble", "encode", "pack", "unpack",
           "encode_instruction", "validate", "validate_split", "decode"]
