"""The FPGA -> host direction: decode a response stream into result arrays, and build one.

Time reconstruction follows the public PlaybackDecoder: an event's ``fpga_time`` is the
payload of the most recent SYSTIME (0 before the first), and its ``chip_time`` combines the
upper bits of ``fpga_time`` with the 8-bit chip timestamp (250 MHz ticks, so ``>> 1`` gives
FPGA cycles), stepping back 128 cycles if that would lie after ``fpga_time``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ExecutorError
from .instructions import BY_NAME, LOOPBACK_HALT, Direction
from .words import as_unsigned, assemble, encode_instruction, unpack, validate_split

#: Spikes received from the chip (matches the public pyhxcomm/stadls result dtype).
SPIKE_DTYPE = np.dtype([("label", "u2"), ("fpga_time", "u8"), ("chip_time", "u8")])
#: MADC samples received from the chip.
MADC_SAMPLE_DTYPE = np.dtype(
    [("value", "u2"), ("channel", "u1"), ("fpga_time", "u8"), ("chip_time", "u8")])
#: ERROR responses; ``index`` is the position of the ERROR word in the response stream.
ERROR_DTYPE = np.dtype([("code", "u1"), ("argument", "u8"), ("index", "u8")])
#: TIMEOUT responses.
TIMEOUT_DTYPE = np.dtype([("timer", "u4"), ("stall_count", "u2")])

_U64 = np.uint64
_OP = {name: ins.opcode for name, ins in BY_NAME.items()}
_LOW7 = _U64(0x7F)
_WRAP = _U64(128)


def reconstruct_chip_time(fpga_time, timestamp) -> np.ndarray:
    """Chip time (uint64, FPGA cycles) of events with the given ``fpga_time`` (FPGA cycles,
    last SYSTIME) and 8-bit chip ``timestamp`` (250 MHz ticks).

    ``chip_time = (fpga_time & ~0x7f) | (timestamp >> 1)``, minus 128 if that exceeds
    ``fpga_time`` (the timestamp wrapped). An event that would land before time 0 (only
    possible within the first 128 cycles, e.g. before any SYSTIME) gets chip_time 0 instead
    of wrapping around.
    """
    f = np.asarray(fpga_time, dtype=_U64)
    base = (f & ~_LOW7) | (np.asarray(timestamp, dtype=_U64) >> _U64(1))
    # Subtract min(base, 128) so that an event before time 0 saturates instead of wrapping.
    step = np.where(base > f, np.minimum(base, _WRAP), _U64(0))
    return (base - step).astype(_U64)


@dataclass(eq=False)
class Responses:
    """Everything one response stream (FPGA -> host) carried, as numpy arrays."""

    read_words: np.ndarray  #: uint32, OMNIBUS_READ_DATA words in arrival (= program) order
    spikes: np.ndarray  #: SPIKE_DTYPE
    madc_samples: np.ndarray  #: MADC_SAMPLE_DTYPE
    halted: bool  #: a LOOPBACK_ECHO with halt=1 was seen (the program ran to its end)
    loopbacks: int  #: number of LOOPBACK_ECHO words (ticks and halts)
    timeouts: np.ndarray  #: TIMEOUT_DTYPE
    errors: np.ndarray  #: ERROR_DTYPE
    highspeed_link_notifications: np.ndarray  #: uint8 status values

    def raise_for_errors(self) -> None:
        """Raise ExecutorError if the stream contained ERROR responses."""
        if len(self.errors):
            raise ExecutorError(self.errors)

    def __repr__(self) -> str:
        return (f"Responses(read_words={len(self.read_words)}, spikes={len(self.spikes)}, "
                f"madc_samples={len(self.madc_samples)}, halted={self.halted}, "
                f"loopbacks={self.loopbacks}, timeouts={len(self.timeouts)}, "
                f"errors={len(self.errors)}, "
                f"highspeed_link_notifications={len(self.highspeed_link_notifications)})")


def decode_from_chip(words) -> Responses:
    """Decode a FPGA -> host word stream into :class:`Responses`.

    Raises MalformedStreamError for the first invalid word. ERROR responses are returned in
    ``Responses.errors``, not raised (see :meth:`Responses.raise_for_errors`).
    """
    _, opcode, payload = validate_split(words, Direction.FROM_CHIP)
    # one pass counts every kind: the kinds a stream lacks (most of them) cost no selection
    present = np.bincount(opcode, minlength=128) > 0

    def at(name):
        return np.flatnonzero(opcode == _OP[name]) if present[_OP[name]] else _NOWHERE

    def fields(name, where):
        if not len(where):
            return _NO_FIELDS[name]
        return unpack(name, payload[where])

    spike_at, madc_at = at("SPIKE"), at("MADC_SAMPLE")
    fpga_spike, fpga_madc = _fpga_times(opcode, payload, at("SYSTIME"), spike_at, madc_at)

    spikes = np.empty(len(spike_at), dtype=SPIKE_DTYPE)
    f = fields("SPIKE", spike_at)
    spikes["label"] = f["label"]
    spikes["fpga_time"] = fpga_spike
    spikes["chip_time"] = reconstruct_chip_time(fpga_spike, f["timestamp"])

    madc = np.empty(len(madc_at), dtype=MADC_SAMPLE_DTYPE)
    f = fields("MADC_SAMPLE", madc_at)
    madc["value"] = f["value"]
    madc["channel"] = f["channel"]
    madc["fpga_time"] = fpga_madc
    madc["chip_time"] = reconstruct_chip_time(fpga_madc, f["timestamp"])

    loop = fields("LOOPBACK_ECHO", at("LOOPBACK_ECHO"))["halt"]
    f = fields("TIMEOUT", at("TIMEOUT"))
    timeouts = np.empty(len(f["timer"]), dtype=TIMEOUT_DTYPE)
    timeouts["timer"], timeouts["stall_count"] = f["timer"], f["stall_count"]
    error_at = at("ERROR")
    f = fields("ERROR", error_at)
    errors = np.empty(len(error_at), dtype=ERROR_DTYPE)
    errors["code"], errors["argument"], errors["index"] = f["code"], f["argument"], error_at

    return Responses(
        read_words=payload[at("OMNIBUS_READ_DATA")].astype(np.uint32),
        spikes=spikes,
        madc_samples=madc,
        halted=bool((loop == LOOPBACK_HALT).any()),
        loopbacks=int(len(loop)),
        timeouts=timeouts,
        errors=errors,
        highspeed_link_notifications=fields("HIGHSPEED_LINK_NOTIFICATION",
                                            at("HIGHSPEED_LINK_NOTIFICATION"))["status"],
    )


_NOWHERE = np.zeros(0, dtype=np.intp)
_NOWHERE.flags.writeable = False
# the fields of no response of a kind (read-only: shared by all decoded streams)
_NO_FIELDS = {name: unpack(name, np.zeros(0, _U64)) for name, ins in BY_NAME.items()
              if ins.direction is Direction.FROM_CHIP}
for _f in _NO_FIELDS.values():
    for _a in _f.values():
        _a.flags.writeable = False


def _fpga_times(opcode, payload, systime_at, *positions):
    """Payload of the latest SYSTIME (at ``systime_at``) before each position (0 if none), per
    position array."""
    if not len(systime_at):
        return [np.zeros(len(p), dtype=_U64) for p in positions]
    # values[k]: the payload of SYSTIME number k, after a 0 for "none yet"
    values = np.empty(len(systime_at) + 1, dtype=_U64)
    values[0] = 0
    values[1:] = payload[systime_at]
    seen = np.cumsum(opcode == _OP["SYSTIME"], dtype=np.intp)   # SYSTIMEs up to and including each word
    return [values[seen[p]] for p in positions]


# --- building response streams (for tests and reference emulators) ----------------------------

def omnibus_read_data(words) -> np.ndarray:
    """OMNIBUS_READ_DATA words for 32-bit read values. Raises ValueError if out of range."""
    return encode_instruction("OMNIBUS_READ_DATA", word=words)


def systime(times) -> np.ndarray:
    """SYSTIME words for absolute FPGA times (FPGA cycles, < 2**43). Raises ValueError."""
    return encode_instruction("SYSTIME", time=times)


def spike(labels, timestamps) -> np.ndarray:
    """SPIKE words for 16-bit labels and 8-bit chip timestamps (250 MHz ticks)."""
    return encode_instruction("SPIKE", label=labels, timestamp=timestamps)


def madc_sample(values, channels, timestamps) -> np.ndarray:
    """MADC_SAMPLE words for 10-bit values, 1-bit channels and 8-bit chip timestamps."""
    return encode_instruction("MADC_SAMPLE", value=values, channel=channels,
                              timestamp=timestamps)


def loopback_echo(halt=True) -> np.ndarray:
    """LOOPBACK_ECHO words (halt=1 marks the end of the responses to a program)."""
    return encode_instruction("LOOPBACK_ECHO", halt=halt)


def timeout(timer, stall_count) -> np.ndarray:
    """TIMEOUT words: 32-bit timer value (FPGA cycles) and 16-bit stall count."""
    return encode_instruction("TIMEOUT", timer=timer, stall_count=stall_count)


def error(codes, arguments=0) -> np.ndarray:
    """ERROR words: 8-bit ErrorCode and 40-bit argument (word index or address)."""
    return encode_instruction("ERROR", code=codes, argument=arguments)


def highspeed_link_notification(status) -> np.ndarray:
    """HIGHSPEED_LINK_NOTIFICATION words for 8-bit status values."""
    return encode_instruction("HIGHSPEED_LINK_NOTIFICATION", status=status)


def encode_events(spikes=None, madc_samples=None) -> np.ndarray:
    """SYSTIME/SPIKE/MADC_SAMPLE words that :func:`decode_from_chip` turns back into exactly
    ``spikes`` (SPIKE_DTYPE fields) and ``madc_samples`` (MADC_SAMPLE_DTYPE fields).

    A SYSTIME carrying ``fpga_time`` is emitted whenever that time changes; events are
    merged by ``fpga_time`` (spikes first on ties). Each input must have non-decreasing
    ``fpga_time`` (< 2**43) and ``fpga_time - 127 <= chip_time <= fpga_time`` (the window
    one timestamp can express). Raises ValueError naming the first violating event.
    """
    kinds = []
    if spikes is not None:
        s = np.asarray(spikes)
        ts = _timestamps(s, "spikes")
        kinds.append((s, assemble(_OP["SPIKE"], _pack_event(s, "label", 16) | (ts << _U64(16)))))
    if madc_samples is not None:
        m = np.asarray(madc_samples)
        ts = _timestamps(m, "madc_samples")
        p = (_pack_event(m, "value", 10) | (as_unsigned(m["channel"], 1, "madc channel")
                                            << _U64(10)) | (ts << _U64(16)))
        kinds.append((m, assemble(_OP["MADC_SAMPLE"], p)))
    if not kinds:
        return np.zeros(0, dtype=_U64)
    fpga = np.concatenate([k["fpga_time"].astype(_U64) for k, _ in kinds])
    events = np.concatenate([w for _, w in kinds])
    order = np.argsort(fpga, kind="stable")
    fpga, events = fpga[order], events[order]
    new_time = np.ones(len(fpga), dtype=bool)
    new_time[1:] = fpga[1:] != fpga[:-1]
    # Event i lands after all earlier events and after the SYSTIMEs up to and including its own.
    pos = np.arange(len(fpga)) + np.cumsum(new_time)
    out = np.empty(len(fpga) + int(new_time.sum()), dtype=_U64)
    out[pos] = events
    out[pos[new_time] - 1] = systime(fpga[new_time])
    return out


def _pack_event(a, name, width):
    return as_unsigned(a[name], width, f"event {name}").reshape(-1)


def _timestamps(a, what):
    """8-bit chip timestamps for events of ``a``, after checking their times."""
    fpga = as_unsigned(a["fpga_time"], 43, f"{what}.fpga_time").reshape(-1)
    chip = as_unsigned(a["chip_time"], 64, f"{what}.chip_time").reshape(-1)
    if len(fpga) > 1 and (fpga[1:] < fpga[:-1]).any():
        i = int(np.argmax(fpga[1:] < fpga[:-1])) + 1
        raise ValueError(f"{what}.fpga_time must not decrease: index {i} has {fpga[i]} "
                         f"after {fpga[i - 1]}")
    bad = (chip > fpga) | (fpga - chip > _U64(127))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{what}.chip_time = {chip[i]} at index {i} is outside "
                         f"[fpga_time - 127, fpga_time] = [{max(int(fpga[i]) - 127, 0)}, "
                         f"{fpga[i]}]")
    return (chip & _LOW7) << _U64(1)


__all__ = [
    "SPIKE_DTYPE", "MADC_SAMPLE_DTYPE", "ERROR_DTYPE", "TIMEOUT_DTYPE", "Responses",
    "decode_from_chip", "reconstruct_chip_time", "omnibus_read_data", "systime", "spike",
    "madc_sample", "loopback_echo", "timeout", "error", "highspeed_link_notification",
    "encode_events",
]
