"""Random and mutated word streams: never a crash, and exactly the expected ERROR responses.

The expected errors come from a small Python model of the executor's rules (word validity,
omnibus pairing, access kinds, program end), written from the spec in docs/hxsim.md.
"""
import numpy as np
from hypothesis import given, settings, strategies as st

import hxcomm
from haldls.regmap import Access
from hxcomm.instructions import (BY_NAME, MAX_PROGRAM_WORDS, known_opcodes, payload_masks)

from .helpers import MAPPED, REGISTERS, ErrorCode, errors, fresh

MASKS = [int(m) for m in payload_masks("to_chip")]
KNOWN = known_opcodes("to_chip")
TO_CHIP = [i for i in BY_NAME.values() if i.direction.value == "to_chip"]
OP = {i.name: i.opcode for i in TO_CHIP}
ACCESS = {a: r.access for r in REGISTERS for a in r.all_addresses().tolist()}
PAYLOAD = (1 << 52) - 1


def word_error(w: int):
    if w >> 63:
        return ErrorCode.MALFORMED_WORD
    op = (w >> 56) & 0x7F
    if not KNOWN[op]:
        return ErrorCode.UNKNOWN_OPCODE
    if (w >> 52) & 0xF != 1 or (w & PAYLOAD) & ~MASKS[op]:
        return ErrorCode.MALFORMED_WORD
    return None


def expected_errors(words):
    """(code, argument) of every ERROR the executor must answer, in order."""
    if len(words) > MAX_PROGRAM_WORDS:
        return [(ErrorCode.PROGRAM_TOO_LONG, MAX_PROGRAM_WORDS)], False
    out, pending, halted = [], None, False
    for i, w in enumerate(int(x) for x in words):
        e = word_error(w)
        op, payload = (w >> 56) & 0x7F, w & PAYLOAD
        if pending is not None and (e or op != OP["OMNIBUS_DATA"]):
            out.append((ErrorCode.ADDRESS_WITHOUT_DATA, pending[0]))
            pending = None
        if e:
            out.append((e, i))
            continue
        if op == OP["OMNIBUS_ADDRESS"]:
            a = payload & 0xFFFFFFFF
            if payload >> 32 & 1:
                acc = ACCESS.get(a)
                if acc is None:
                    out.append((ErrorCode.UNMAPPED_ADDRESS, a))
                elif acc == Access.TRIGGER:
                    out.append((ErrorCode.READ_OF_WRITE_ONLY, a))
            else:
                pending = (i, a)
        elif op == OP["OMNIBUS_DATA"]:
            if pending is None:
                out.append((ErrorCode.DATA_WITHOUT_ADDRESS, i))
            else:
                acc = ACCESS.get(pending[1])
                if acc is None:
                    out.append((ErrorCode.UNMAPPED_ADDRESS, pending[1]))
                elif acc == Access.READ_ONLY:
                    out.append((ErrorCode.WRITE_TO_READ_ONLY, pending[1]))
                pending = None
        elif op == OP["LOOPBACK"] and payload & 1:
            halted = True
            break
    if pending is not None:
        out.append((ErrorCode.ADDRESS_WITHOUT_DATA, pending[0]))
    return out, halted


# The error answers do not depend on the chip's state, so one emulator serves all examples
# (which also exercises a long-lived emulator).
SHARED = fresh(chip_id=11)


def check(emu, words):
    words = np.asarray(words, dtype=np.uint64)
    res = hxcomm.decode_from_chip(emu.execute(words))  # every response word is valid
    exp, halted = expected_errors(words)
    assert errors(res) == [(int(c), a) for c, a in exp]
    assert res.halted == halted
    return res


@st.composite
def instruction(draw):
    """A valid to-chip word, addresses biased towards mapped ones."""
    ins = draw(st.sampled_from(TO_CHIP))
    payload = draw(st.integers(0, 2**52 - 1)) & ins.payload_mask
    if ins.name == "OMNIBUS_ADDRESS":
        a = draw(st.one_of(st.integers(0, len(MAPPED) - 1).map(lambda i: int(MAPPED[i])),
                           st.integers(0, 2**32 - 1)))
        payload = (payload & ~0xFFFFFFFF) | a
    if ins.name == "RESET":
        payload = 0  # a chip reset is fine, but rarely interesting
    return (ins.opcode << 56) | (1 << 52) | payload


def with_pairs(words):
    """Follow most write addresses by data, as real programs do."""
    out = []
    for w in words:
        out.append(w)
        if (w >> 56) & 0x7F == OP["OMNIBUS_ADDRESS"] and not (w >> 32) & 1 and w & 0b1000:
            out.append((OP["OMNIBUS_DATA"] << 56) | (1 << 52) | (w & 0xFFFF))
    return out


@given(st.lists(st.integers(0, 2**64 - 1), max_size=50))
@settings(max_examples=200, deadline=None)
def test_random_words(words):
    check(SHARED, words)


@given(st.lists(instruction(), max_size=40).map(with_pairs))
@settings(max_examples=200, deadline=None)
def test_random_valid_instructions(words):
    check(SHARED, words)


@given(st.lists(instruction(), min_size=1, max_size=40).map(with_pairs), st.data())
@settings(max_examples=200, deadline=None)
def test_mutated_streams(words, data):
    words = list(words)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(words) - 1))
        kind = data.draw(st.sampled_from(["flip", "drop", "dup", "swap"]))
        if kind == "flip":
            words[i] ^= 1 << data.draw(st.integers(0, 63))
        elif kind == "drop" and len(words) > 1:
            del words[i]
        elif kind == "dup":
            words.insert(i, words[i])
        else:
            j = data.draw(st.integers(0, len(words) - 1))
            words[i], words[j] = words[j], words[i]
    check(SHARED, words)


def test_one_emulator_survives_many_random_programs():
    emu = fresh()
    rng = np.random.default_rng(5)
    for _ in range(10):
        words = rng.integers(0, 2**64, 20_000, dtype=np.uint64)
        # keep the version and comma bits plausible in half of the words
        half = rng.random(len(words)) < 0.5
        words[half] = (words[half] & ~np.uint64(0xFF << 52)) | np.uint64(1 << 52)
        check(emu, words)
    assert emu.stats["errors"] > 0


def test_many_spike_packs_are_bounded():
    emu = fresh(max_response_words=1000)
    rec = hxcomm.omnibus_write(int(REGISTERS[[r.name for r in REGISTERS].index(
        "EventRecordingConfig")].base), 1)
    words = np.concatenate([rec, hxcomm.spike_pack(np.arange(30_000) % 2**16),
                            hxcomm.loopback(True)])
    res = hxcomm.decode_from_chip(emu.execute(words))
    assert [int(c) for c in res.errors["code"]] == [ErrorCode.INTERNAL]
    assert len(res.spikes) <= 1000 and res.halted
    assert emu.stats["events_dropped"] == 30_000 - len(res.spikes)
