"""Encoding and decoding of host -> FPGA programs."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hxcomm
from hxcomm import codec
from hxcomm.errors import MalformedStreamError
from hxcomm.instructions import INSTRUCTIONS, MAX_PROGRAM_WORDS, TIMER_MAX, BarrierMask


def _fields(instruction, n):
    """Strategy: dict field -> list of n values within the field's width."""
    return st.fixed_dictionaries({
        f.name: st.lists(st.integers(0, f.max), min_size=n, max_size=n)
        for f in instruction.fields})


@pytest.mark.parametrize("instruction", INSTRUCTIONS, ids=lambda i: i.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_instruction_round_trips(instruction, data):
    n = data.draw(st.integers(1, 20))
    fields = data.draw(_fields(instruction, n))
    words = hxcomm.encode_instruction(instruction.name, **fields)
    if not instruction.fields:
        words = np.repeat(words, n)
    assert words.dtype == np.uint64 and words.shape == (n,)
    decoded = hxcomm.decode(words, instruction.direction, stream_rules=False)
    assert (decoded["opcode"] == instruction.opcode).all()
    unpacked = hxcomm.unpack(instruction.name, decoded["payload"])
    for name, values in fields.items():
        assert unpacked[name].tolist() == values
    # The generic path gives the same words.
    np.testing.assert_array_equal(hxcomm.encode(instruction.opcode, decoded["payload"]), words)


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
                          st.integers(0, 15)), max_size=30))
def test_omnibus_write_round_trip(writes):
    addresses = [a for a, _, _ in writes]
    values = [v for _, v, _ in writes]
    enables = [b for _, _, b in writes]
    words = codec.omnibus_write(np.array(addresses, dtype=np.uint64), values, enables)
    assert len(words) == 2 * len(writes)
    d = codec.decode_to_chip(words)
    assert (d["opcode"][0::2] == hxcomm.OPCODE_OMNIBUS_ADDRESS).all()
    assert (d["opcode"][1::2] == hxcomm.OPCODE_OMNIBUS_DATA).all()
    a = codec.unpack("OMNIBUS_ADDRESS", d["payload"][0::2])
    assert a["address"].tolist() == addresses
    assert a["is_read"].tolist() == [0] * len(writes)
    assert a["byte_enables"].tolist() == enables
    assert codec.unpack("OMNIBUS_DATA", d["payload"][1::2])["word"].tolist() == values


@given(st.lists(st.integers(0, 2**32 - 1), max_size=30))
def test_omnibus_read_round_trip(addresses):
    d = codec.decode_to_chip(codec.omnibus_read(addresses))
    a = codec.unpack("OMNIBUS_ADDRESS", d["payload"])
    assert a["address"].tolist() == addresses
    assert (a["is_read"] == 1).all() and (a["byte_enables"] == 0xF).all()


@given(st.lists(st.integers(0, TIMER_MAX), min_size=1, max_size=30))
def test_wait_until_round_trip(times):
    d = codec.decode_to_chip(codec.wait_until(times))
    assert (d["opcode"] == hxcomm.OPCODE_WAIT_UNTIL).all()
    assert codec.unpack("WAIT_UNTIL", d["payload"])["time"].tolist() == times


@given(st.lists(st.integers(0, 0xFFFF), max_size=50))
def test_spike_pack_minimal_words_and_order(labels):
    words = codec.spike_pack(labels)
    assert len(words) == math.ceil(len(labels) / 3)
    d = codec.decode_to_chip(words)
    out = []
    for op, payload in d.tolist():
        n = {hxcomm.OPCODE_SPIKE_PACK_1: 1, hxcomm.OPCODE_SPIKE_PACK_2: 2,
             hxcomm.OPCODE_SPIKE_PACK_3: 3}[op]
        fields = codec.unpack(f"SPIKE_PACK_{n}", payload)
        out += [int(fields[f"label{k}"]) for k in range(n)]
    assert out == labels
    # Only the last word may be a partial pack.
    assert (d["opcode"][:-1] == hxcomm.OPCODE_SPIKE_PACK_3).all()


def test_spike_pack_layout():
    words = codec.spike_pack([1, 2, 3, 4, 5])
    assert [hex(int(w)) for w in words] == ["0x810000300020001", "0x710000000050004"]


def test_simple_builders():
    assert int(codec.timer_reset()[0]) == 0x0110_0000_0000_0000
    assert int(codec.barrier(BarrierMask.OMNIBUS | BarrierMask.SYSTIME)[0]) == 0x0310_0000_0000_0005
    assert int(codec.systime_init()[0]) == 0x0910_0000_0000_0001
    assert int(codec.loopback()[0]) == 0x0A10_0000_0000_0001
    assert int(codec.loopback(halt=False)[0]) == 0x0A10_0000_0000_0000
    assert int(codec.chip_reset(1)[0]) == 0x0B10_0000_0000_0001
    assert int(codec.wait_until(TIMER_MAX)[0]) == 0x0210_0000_FFFF_FFFF
    assert int(codec.omnibus_read(0x8800_0010)[0]) == 0x0410_001F_8800_0010


@pytest.mark.parametrize("call, what", [
    (lambda: codec.wait_until(2**32), "WAIT_UNTIL.time = 4294967296"),
    (lambda: codec.wait_until(-1), "WAIT_UNTIL.time = -1"),
    (lambda: codec.wait_until([5, 2**40]), "at index 1"),
    (lambda: codec.spike_pack([1, 0x10000]), "spike label = 65536 at index 1"),
    (lambda: codec.omnibus_write(2**32, 0), "OMNIBUS_ADDRESS.address = 4294967296"),
    (lambda: codec.omnibus_write(0, 2**32), "OMNIBUS_DATA.word = 4294967296"),
    (lambda: codec.omnibus_read(np.array([2**63], dtype=np.uint64)), "address"),
    (lambda: codec.omnibus_read(0, byte_enables=16), "byte_enables = 16"),
    (lambda: codec.barrier(32), "BARRIER.mask = 32"),
    (lambda: codec.loopback(2), "LOOPBACK.halt = 2"),
    (lambda: codec.wait_until(2**70), f"WAIT_UNTIL.time = {2**70} is out of range [0, 4294967295]"),
    (lambda: hxcomm.encode(0x04, 1 << 40), "outside the fields of OMNIBUS_ADDRESS"),
    (lambda: hxcomm.encode(0x30, 0), "not in the instruction table"),
    (lambda: hxcomm.encode(0x80, 0), "opcode = 128"),
    (lambda: hxcomm.encode(0x02, 1 << 52), "payload"),
    (lambda: hxcomm.encode_instruction("NOPE"), "unknown instruction"),
    (lambda: hxcomm.encode_instruction("WAIT_UNTIL"), "needs field 'time'"),
    (lambda: hxcomm.encode_instruction("WAIT_UNTIL", time=1, tim=2), "no field"),
])
def test_out_of_range_raises_value_error(call, what):
    with pytest.raises(ValueError) as info:
        call()
    assert what in str(info.value)


def test_float_input_is_refused():
    with pytest.raises(TypeError):
        codec.wait_until(1.5)


def test_small_and_signed_dtypes_are_checked():
    assert codec.unpack("WAIT_UNTIL", codec.decode_to_chip(
        codec.wait_until(np.array([0, 255], dtype=np.uint8)))["payload"])["time"].tolist() == [0, 255]
    with pytest.raises(ValueError, match="-3"):
        codec.spike_pack(np.array([1, -3], dtype=np.int8))


def _word(op, payload=0, version=1, comma=0):
    return (comma << 63) | (op << 56) | (version << 52) | payload


@pytest.mark.parametrize("word, reason", [
    (_word(0x01, comma=1), "comma bit"),
    (_word(0x01, version=2), "protocol version 2"),
    (_word(0x3F), "unknown to_chip opcode 0x3f"),
    (_word(0x41), "a from_chip opcode, OMNIBUS_READ_DATA"),
    (_word(0x01, payload=1), "TIMER_RESET payload sets unused bits 0x1"),
    (_word(0x06, payload=1 << 16), "unused bits 0x10000"),
])
def test_validate_names_index_word_and_reason(word, reason):
    stream = np.concatenate([codec.timer_reset(), np.array([word], dtype=np.uint64)])
    with pytest.raises(MalformedStreamError) as info:
        codec.decode_to_chip(stream)
    e = info.value
    assert e.index == 1 and e.word == word
    assert reason in e.reason
    assert f"word 1 (0x{word:016x})" in str(e)
    assert isinstance(e, ValueError) and isinstance(e, hxcomm.HxcommError)


def test_omnibus_pairing_rules():
    write = codec.omnibus_write(0x10, 5)
    read = codec.omnibus_read(0x10)
    codec.decode_to_chip(np.concatenate([write, read, write]))
    with pytest.raises(MalformedStreamError, match="not immediately followed") as info:
        codec.decode_to_chip(np.concatenate([codec.timer_reset(), write[:1], read]))
    assert info.value.index == 1
    with pytest.raises(MalformedStreamError, match="not immediately followed"):
        codec.decode_to_chip(write[:1])
    with pytest.raises(MalformedStreamError, match="not immediately preceded") as info:
        codec.decode_to_chip(np.concatenate([read, write[1:]]))
    assert info.value.index == 1
    with pytest.raises(MalformedStreamError, match="not immediately preceded"):
        codec.decode_to_chip(np.concatenate([write, write[1:]]))
    # The pairing rule is a stream rule and can be switched off for single words.
    codec.decode_to_chip(write[1:], stream_rules=False)


def test_program_length_limit():
    words = np.repeat(codec.timer_reset(), MAX_PROGRAM_WORDS + 1)
    with pytest.raises(MalformedStreamError, match="program longer") as info:
        codec.decode_to_chip(words)
    assert info.value.index == MAX_PROGRAM_WORDS
    codec.decode_to_chip(words[:MAX_PROGRAM_WORDS])


def test_decode_accepts_lists_and_signed_buffers():
    words = np.concatenate([codec.timer_reset(), codec.wait_until(7)])
    expected = codec.decode_to_chip(words)
    np.testing.assert_array_equal(codec.decode_to_chip([int(w) for w in words]), expected)
    np.testing.assert_array_equal(codec.decode_to_chip(words.view(np.int64)), expected)
    assert len(codec.decode_to_chip([])) == 0
    with pytest.raises(MalformedStreamError, match="comma bit"):
        codec.decode_to_chip(np.array([-1], dtype=np.int64))
    with pytest.raises(MalformedStreamError, match="64 bits"):
        codec.decode_to_chip([2**64])
