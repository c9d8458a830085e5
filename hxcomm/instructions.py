"""The hxcomm instruction set: one declarative table, everything else is derived from it.

A message is one 64-bit word::

    bit 63      comma bit, 0 in every valid message
    bits 62..56 opcode (7 bits)
    bits 55..52 protocol version (PROTOCOL_VERSION)
    bits 51..0  payload; bits not used by the opcode's fields must be 0

To add an instruction, append one row to :data:`INSTRUCTIONS`. Its ``OPCODE_<NAME>``
constant, the encoder/decoder, the validation mask, the numeric export for the C++ emulator
and the spec table in ``docs/hxcomm.md`` (``python -m hxcomm.spec_doc``) follow from the row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from haldls.register_map import FPGA_CLOCK_CYCLES_PER_US

PROTOCOL_VERSION = 1
#: Size of the FPGA playback memory in instructions (words).
MAX_PROGRAM_WORDS = 4_194_304
TIMER_MAX = 2**32 - 1
#: Payload value of a LOOPBACK instruction that ends the program.
LOOPBACK_HALT = 1
LOOPBACK_TICK = 0

COMMA_BIT = 63
OPCODE_LSB = 56
OPCODE_WIDTH = 7
VERSION_LSB = 52
VERSION_WIDTH = 4
PAYLOAD_WIDTH = 52
NUM_OPCODES = 2**OPCODE_WIDTH


class Direction(str, enum.Enum):
    """Which way a message travels. Opcodes of the two directions never overlap."""

    TO_CHIP = "to_chip"  # host -> FPGA
    FROM_CHIP = "from_chip"  # FPGA -> host


class BarrierMask(enum.IntFlag):
    """Bits of the BARRIER mask: the executor waits until these units are idle."""

    OMNIBUS = 1
    JTAG = 2
    SYSTIME = 4
    MULTI_FPGA = 8
    SYSTIME_CORRECTION = 16
    ALL = 31


class ErrorCode(enum.IntEnum):
    """Codes carried by an ERROR response (bits 7..0 of its payload)."""

    MALFORMED_WORD = 1
    UNKNOWN_OPCODE = 2
    UNMAPPED_ADDRESS = 3
    WRITE_TO_READ_ONLY = 4
    READ_OF_WRITE_ONLY = 5
    DATA_WITHOUT_ADDRESS = 6
    ADDRESS_WITHOUT_DATA = 7
    TIME_NOT_MONOTONIC = 8
    PROGRAM_TOO_LONG = 9
    INTERNAL = 10


ERROR_CODE_DOCS = {
    ErrorCode.MALFORMED_WORD: "comma bit set, wrong protocol version or nonzero unused payload bits",
    ErrorCode.UNKNOWN_OPCODE: "opcode not in the to-chip table",
    ErrorCode.UNMAPPED_ADDRESS: "omnibus access to an address no register answers",
    ErrorCode.WRITE_TO_READ_ONLY: "omnibus write to a read-only register",
    ErrorCode.READ_OF_WRITE_ONLY: "omnibus read of a write-only register",
    ErrorCode.DATA_WITHOUT_ADDRESS: "OMNIBUS_DATA not preceded by OMNIBUS_ADDRESS with is_read=0",
    ErrorCode.ADDRESS_WITHOUT_DATA: "OMNIBUS_ADDRESS with is_read=0 not followed by OMNIBUS_DATA",
    ErrorCode.TIME_NOT_MONOTONIC: "reserved",
    ErrorCode.PROGRAM_TOO_LONG: f"more than {MAX_PROGRAM_WORDS} instructions",
    ErrorCode.INTERNAL: "emulator-internal failure",
}


@dataclass(frozen=True)
class Field:
    """A payload bit field: bits ``lsb + width - 1 .. lsb``."""

    name: str
    lsb: int
    width: int
    doc: str = ""
    default: int | None = None  # None: the field must be given when encoding

    @property
    def mask(self) -> int:
        """The field's bits within the payload."""
        return ((1 << self.width) - 1) << self.lsb

    @property
    def max(self) -> int:
        """The largest value the field holds."""
        return (1 << self.width) - 1


@dataclass(frozen=True)
class Instruction:
    """One row of the table: a message kind with its opcode and payload fields."""

    direction: Direction
    opcode: int
    name: str
    fields: tuple[Field, ...]
    doc: str

    @property
    def payload_mask(self) -> int:
        """The payload bits this instruction uses; all others must be 0."""
        mask = 0
        for f in self.fields:
            mask |= f.mask
        return mask

    def field(self, name: str) -> Field:
        """The field called ``name``; raises KeyError naming the valid fields."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}; fields: {[f.name for f in self.fields]}")


F = Field
TO, FROM = Direction.TO_CHIP, Direction.FROM_CHIP
_TIMESTAMP = F("timestamp", 16, 8, "chip timestamp, 250 MHz ticks (see time reconstruction)")

# fmt: off
INSTRUCTIONS: tuple[Instruction, ...] = (
    # --- host -> FPGA ---------------------------------------------------------------------
    Instruction(TO, 0x01, "TIMER_RESET", (), "FPGA executor timer := 0"),
    Instruction(TO, 0x02, "WAIT_UNTIL", (F("time", 0, 32, "timer value, FPGA cycles (125 MHz)"),),
                "executor blocks until timer >= time"),
    Instruction(TO, 0x03, "BARRIER", (F("mask", 0, 5, "BarrierMask bits"),),
                "wait until the masked units are idle: omnibus 1, jtag 2, systime 4, "
                "multi_fpga 8, systime_correction 16"),
    Instruction(TO, 0x04, "OMNIBUS_ADDRESS",
                (F("address", 0, 32, "omnibus word address"),
                 F("is_read", 32, 1, "1: read, answered by one OMNIBUS_READ_DATA"),
                 F("byte_enables", 33, 4, "0xf = all bytes", default=0xF)),
                "start an omnibus access; a write is followed by OMNIBUS_DATA"),
    Instruction(TO, 0x05, "OMNIBUS_DATA", (F("word", 0, 32, "write data"),),
                "write data for the immediately preceding OMNIBUS_ADDRESS with is_read=0"),
    Instruction(TO, 0x06, "SPIKE_PACK_1", (F("label0", 0, 16, "spike label"),),
                "one spike, released when the executor reaches it"),
    Instruction(TO, 0x07, "SPIKE_PACK_2", (F("label0", 0, 16), F("label1", 16, 16)),
                "two spikes"),
    Instruction(TO, 0x08, "SPIKE_PACK_3", (F("label0", 0, 16), F("label1", 16, 16),
                                          F("label2", 32, 16)),
                "three spikes"),
    Instruction(TO, 0x09, "SYSTIME_INIT", (F("reset", 0, 1, "1: systime counter := 0", default=1),),
                "synchronise the chip systime"),
    Instruction(TO, 0x0A, "LOOPBACK", (F("halt", 0, 1, "1: halt (end of program), 0: tick"),),
                "echoed back as LOOPBACK_ECHO"),
    Instruction(TO, 0x0B, "RESET", (F("level", 0, 1, "chip reset line level"),),
                "drive the chip reset line"),
    # --- FPGA -> host ---------------------------------------------------------------------
    Instruction(FROM, 0x41, "OMNIBUS_READ_DATA", (F("word", 0, 32, "read data"),),
                "answer to one OMNIBUS_ADDRESS with is_read=1, in program order"),
    Instruction(FROM, 0x42, "SYSTIME", (F("time", 0, 43, "absolute FPGA systime, FPGA cycles"),),
                "applies to all following events until the next SYSTIME"),
    Instruction(FROM, 0x43, "SPIKE", (F("label", 0, 16, "spike label"), _TIMESTAMP),
                "spike event from the chip"),
    Instruction(FROM, 0x44, "MADC_SAMPLE", (F("value", 0, 10, "ADC value"),
                                          F("channel", 10, 1, "MADC channel"), _TIMESTAMP),
                "MADC sample from the chip"),
    Instruction(FROM, 0x45, "LOOPBACK_ECHO", (F("halt", 0, 1, "echo of LOOPBACK.halt"),),
                "echo of a LOOPBACK instruction; halt=1 marks the end of the responses"),
    Instruction(FROM, 0x46, "TIMEOUT", (F("timer", 0, 32, "timer value at timeout, FPGA cycles"),
                                      F("stall_count", 32, 16, "stall count")),
                "instruction timeout notification"),
    Instruction(FROM, 0x47, "ERROR", (F("code", 0, 8, "ErrorCode"),
                                    F("argument", 8, 40, "e.g. offending word index or address")),
                "the executor rejected something (see ErrorCode)"),
    Instruction(FROM, 0x48, "HIGHSPEED_LINK_NOTIFICATION", (F("status", 0, 8, "link status"),),
                "highspeed link status change"),
)
# fmt: on

BY_NAME: dict[str, Instruction] = {ins.name: ins for ins in INSTRUCTIONS}
BY_OPCODE: dict[int, Instruction] = {ins.opcode: ins for ins in INSTRUCTIONS}


def _check_table() -> None:
    # Catch a bad row at import time rather than as a confusing codec error later.
    assert len(BY_NAME) == len(INSTRUCTIONS), "instruction names must be unique"
    assert len(BY_OPCODE) == len(INSTRUCTIONS), "opcodes must be unique across both directions"
    for ins in INSTRUCTIONS:
        assert 0 < ins.opcode < NUM_OPCODES, ins
        used = 0
        for f in ins.fields:
            assert f.width > 0 and f.lsb + f.width <= PAYLOAD_WIDTH, (ins.name, f)
            assert used & f.mask == 0, f"{ins.name}.{f.name} overlaps another field"
            used |= f.mask


_check_table()

# OPCODE_<NAME> constants, derived so that a new row needs no second edit.
for _ins in INSTRUCTIONS:
    globals()[f"OPCODE_{_ins.name}"] = _ins.opcode
OPCODE_NAMES = tuple(f"OPCODE_{ins.name}" for ins in INSTRUCTIONS)
del _ins


def by_direction(direction: Direction | str | None = None) -> tuple[Instruction, ...]:
    """The table rows, optionally only those of one ``direction`` ("to_chip"/"from_chip")."""
    if direction is None:
        return INSTRUCTIONS
    direction = Direction(direction)
    return tuple(ins for ins in INSTRUCTIONS if ins.direction is direction)


def opcode_table() -> dict[str, int]:
    """Numeric export for the C++ emulator: instruction name -> opcode, both directions."""
    return {ins.name: ins.opcode for ins in INSTRUCTIONS}


def payload_masks(direction: Direction | str | None = None) -> np.ndarray:
    """Used-payload masks as a uint64 array of 128 entries indexed by opcode.

    Unknown opcodes (and, if ``direction`` is given, those of the other direction) get 0.
    A word is valid iff its opcode is known and ``payload & ~mask == 0``.
    """
    masks = np.zeros(NUM_OPCODES, dtype=np.uint64)
    for ins in by_direction(direction):
        masks[ins.opcode] = ins.payload_mask
    return masks


def known_opcodes(direction: Direction | str | None = None) -> np.ndarray:
    """Boolean array of 128 entries: True where the opcode exists (in ``direction``)."""
    known = np.zeros(NUM_OPCODES, dtype=bool)
    for ins in by_direction(direction):
        known[ins.opcode] = True
    return known


def _bits(f: Field) -> str:
    hi = f.lsb + f.width - 1
    return f"{f.lsb}" if f.width == 1 else f"{hi}..{f.lsb}"


def spec_table_markdown() -> str:
    """The instruction tables (both directions) and the error codes as Markdown.

    ``docs/hxcomm.md`` embeds this text; ``python -m hxcomm.spec_doc`` rewrites it there.
    """
    out = []
    titles = {TO: "Towards the chip (host -> FPGA)", FROM: "From the chip (FPGA -> host)"}
    for direction in Direction:
        out += [f"#### {titles[direction]}", "",
                "| Opcode | Name | Payload fields (bits) | Payload mask | Meaning |",
                "|---|---|---|---|---|"]
        for ins in by_direction(direction):
            fields = "<br>".join(
                f"`{f.name}` {_bits(f)}" + (f": {f.doc}" if f.doc else "") for f in ins.fields
            ) or "none"
            out.append(f"| 0x{ins.opcode:02x} | {ins.name} | {fields} | "
                       f"0x{ins.payload_mask:x} | {ins.doc} |")
        out.append("")
    out += ["#### Error codes (ERROR.code)", "", "| Code | Name | Meaning |", "|---|---|---|"]
    out += [f"| {c.value} | {c.name} | {ERROR_CODE_DOCS[c]} |" for c in ErrorCode]
    return "\n".join(out) + "\n"


__all__ = [
    "PROTOCOL_VERSION", "FPGA_CLOCK_CYCLES_PER_US", "MAX_PROGRAM_WORDS", "TIMER_MAX",
    "LOOPBACK_HALT", "LOOPBACK_TICK", "NUM_OPCODES", "PAYLOAD_WIDTH",
    "Direction", "BarrierMask", "ErrorCode", "ERROR_CODE_DOCS", "Field", "Instruction",
    "INSTRUCTIONS", "BY_NAME", "BY_OPCODE", "by_direction", "opcode_table", "payload_masks",
    "known_opcodes", "spec_table_markdown", *OPCODE_NAMES,
]
