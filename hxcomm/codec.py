"""The hxcomm codec: build host -> FPGA programs as word arrays and decode both directions.

Every builder returns a 1-D uint64 array of words, so a program is a ``np.concatenate`` of
builder results. Builders take scalars or arrays (one instruction per element), check every
value against its field width and raise ValueError instead of wrapping around.

The FPGA -> host side (``decode_from_chip``, ``Responses``, response builders) lives in
:mod:`hxcomm.responses` and is re-exported here.
"""

from __future__ import annotations

import numpy as np

from .instructions import BY_NAME, Direction
from .responses import (  # noqa: F401  (re-exported: the codec covers both directions)
    ERROR_DTYPE, MADC_SAMPLE_DTYPE, SPIKE_DTYPE, TIMEOUT_DTYPE, Responses, decode_from_chip,
    encode_events, error, highspeed_link_notification, loopback_echo, madc_sample,
    omnibus_read_data, reconstruct_chip_time, spike, systime, timeout,
)
from .words import (  # noqa: F401
    DECODED_DTYPE, as_unsigned, assemble, decode, encode, encode_instruction, pack, unpack,
    validate,
)

_U64 = np.uint64


def timer_reset() -> np.ndarray:
    """One TIMER_RESET word: the FPGA executor timer restarts at 0."""
    return encode_instruction("TIMER_RESET")


def wait_until(times) -> np.ndarray:
    """WAIT_UNTIL words: the executor blocks until its timer >= time (FPGA cycles, 125 MHz).

    Raises ValueError for a time outside [0, TIMER_MAX].
    """
    return encode_instruction("WAIT_UNTIL", time=times)


def barrier(mask) -> np.ndarray:
    """BARRIER words: wait until the units in ``mask`` (BarrierMask bits) are idle."""
    return encode_instruction("BARRIER", mask=mask)


def omnibus_write(addresses, words, byte_enables=0xF) -> np.ndarray:
    """Interleaved OMNIBUS_ADDRESS(is_read=0) / OMNIBUS_DATA words, one pair per write.

    ``addresses`` and ``words`` are 32-bit values (broadcast against each other),
    ``byte_enables`` 4 bits (0xf: all bytes). Raises ValueError for values out of range.
    """
    addr = encode_instruction("OMNIBUS_ADDRESS", address=addresses, is_read=0,
                              byte_enables=byte_enables)
    data = encode_instruction("OMNIBUS_DATA", word=words)
    addr, data = np.broadcast_arrays(addr, data)
    out = np.empty(2 * len(addr), dtype=_U64)
    out[0::2] = addr
    out[1::2] = data
    return out


def omnibus_read(addresses, byte_enables=0xF) -> np.ndarray:
    """OMNIBUS_ADDRESS(is_read=1) words; each is answered by one OMNIBUS_READ_DATA.

    Raises ValueError for an address outside [0, 2**32 - 1].
    """
    return encode_instruction("OMNIBUS_ADDRESS", address=addresses, is_read=1,
                              byte_enables=byte_enables)


_PACK_BY_COUNT = {n: BY_NAME[f"SPIKE_PACK_{n}"].opcode for n in (1, 2, 3)}


def spike_pack(labels) -> np.ndarray:
    """Pack 16-bit spike labels into ceil(n / 3) SPIKE_PACK words, order preserved.

    All full groups of three become SPIKE_PACK_3 (first label in label0); a remainder of one
    or two labels becomes a trailing SPIKE_PACK_1 or SPIKE_PACK_2. All labels of one call
    are released at the same executor time. Raises ValueError for a label > 0xffff.
    """
    lab = as_unsigned(labels, 16, "spike label").reshape(-1)
    full = len(lab) // 3
    triples = lab[: 3 * full].reshape(full, 3)
    payload = triples[:, 0] | (triples[:, 1] << _U64(16)) | (triples[:, 2] << _U64(32))
    parts = [assemble(_PACK_BY_COUNT[3], payload)]
    rest = lab[3 * full:]
    if len(rest):
        tail = rest[0] if len(rest) == 1 else rest[0] | (rest[1] << _U64(16))
        parts.append(assemble(_PACK_BY_COUNT[len(rest)], np.atleast_1d(tail)))
    return np.concatenate(parts)


def systime_init(reset=True) -> np.ndarray:
    """One SYSTIME_INIT word; ``reset=True`` sets the chip systime counter to 0."""
    return encode_instruction("SYSTIME_INIT", reset=reset)


def loopback(halt=True) -> np.ndarray:
    """LOOPBACK words, echoed as LOOPBACK_ECHO. ``halt=True`` ends the program, False ticks."""
    return encode_instruction("LOOPBACK", halt=halt)


def chip_reset(level) -> np.ndarray:
    """RESET words driving the chip reset line to ``level`` (0 or 1)."""
    return encode_instruction("RESET", level=level)


def decode_to_chip(words, *, stream_rules: bool = True) -> np.ndarray:
    """Validate a host -> FPGA program and split it into a DECODED_DTYPE array
    (``opcode`` uint8, ``payload`` uint64). Use :func:`unpack` for the fields of one kind.

    Raises MalformedStreamError (index, word in hex, reason) for the first invalid word,
    an unpaired omnibus write or a program longer than MAX_PROGRAM_WORDS.
    """
    return decode(words, Direction.TO_CHIP, stream_rules=stream_rules)


__all__ = [
    "timer_reset", "wait_until", "barrier", "omnibus_write", "omnibus_read", "spike_pack",
    "systime_init", "loopback", "chip_reset", "decode_to_chip",
    "DECODED_DTYPE", "as_unsigned", "decode", "encode", "encode_instruction", "pack",
    "unpack", "validate",
    "SPIKE_DTYPE", "MADC_SAMPLE_DTYPE", "ERROR_DTYPE", "TIMEOUT_DTYPE", "Responses",
    "decode_from_chip", "reconstruct_chip_time", "encode_events", "omnibus_read_data",
    "systime", "spike", "madc_sample", "loopback_echo", "timeout", "error",
    "highspeed_link_notification",
]
