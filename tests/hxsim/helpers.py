"""Small helpers for the hxsim tests: program building and register addresses."""
from __future__ import annotations

import numpy as np

import haldls
import hxcomm
import hxsim
from haldls.register_map import REGISTERS, REGISTERS_BY_NAME
from haldls.regmap import Access
from hxcomm.instructions import ErrorCode

U64 = np.uint64
RW_REGISTERS = [r for r in REGISTERS if r.access == Access.READ_WRITE]
RO_REGISTERS = [r for r in REGISTERS if r.access == Access.READ_ONLY]
TRIGGER_REGISTERS = [r for r in REGISTERS if r.access == Access.TRIGGER]
MAPPED = np.unique(np.concatenate([r.all_addresses() for r in REGISTERS]).astype(np.int64))


def program(*parts) -> np.ndarray:
    """Concatenate word arrays (or single words) into one uint64 stream."""
    return np.concatenate([np.atleast_1d(np.asarray(p, dtype=U64)) for p in parts] or
                          [np.zeros(0, U64)])


def run(emu, *parts, halt=True) -> hxcomm.Responses:
    """Execute the parts (plus a halt) and decode the response."""
    words = program(*parts, *([hxcomm.loopback(True)] if halt else []))
    return hxcomm.decode_from_chip(emu.execute(words))


def addr(name: str, enum: int = 0, word: int = 0) -> int:
    return int(REGISTERS_BY_NAME[name].addresses([enum])[0, word])


def write(name: str, enum: int, container) -> np.ndarray:
    """Omnibus writes of a container to instance ``enum`` of register ``name``."""
    reg = REGISTERS_BY_NAME[name]
    return hxcomm.omnibus_write(reg.addresses([enum])[0], container.encode())


def read(name: str, enum: int = 0) -> np.ndarray:
    return hxcomm.omnibus_read(REGISTERS_BY_NAME[name].addresses([enum])[0])


def enable_recording(on: bool = True) -> np.ndarray:
    return write("EventRecordingConfig", 0, haldls.EventRecordingConfig(enable_event_recording=on))


def errors(res: hxcomm.Responses):
    """(code, argument) pairs of the ERROR responses."""
    return [(int(c), int(a)) for c, a in zip(res.errors["code"], res.errors["argument"])]


def fresh(chip_id: int = 0, **kw) -> hxsim.Emulator:
    return hxsim.Emulator(chip_id=chip_id, **kw)


__all__ = ["U64", "RW_REGISTERS", "RO_REGISTERS", "TRIGGER_REGISTERS", "MAPPED", "program", "run",
           "addr", "write", "read", "enable_recording", "errors", "fresh", "ErrorCode",
           "REGISTERS", "REGISTERS_BY_NAME"]
