"""The backend registry (hxcomm never imports the emulator), ZeroMock, frames and reinit stacks."""
from __future__ import annotations

import subprocess
import sys
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hxcomm
from hxcomm import codec
from hxcomm.backends import backend, register_backend
from hxcomm.errors import ProtocolError
from hxcomm.framing import (
    HEADER_SIZE, Frame, FrameDecoder, Kind, encode_frame, payload_progress, payload_words, progress_payload,
    RunState, words_payload,
)
from hxcomm.quiggeldy.reinit import ReinitEntry, decode_stack, encode_stack, snapshot_to_writes

from .servers import capmem_reads, capmem_words

HALT = codec.loopback(True)


def test_hxcomm_imports_no_emulator_and_still_finds_it():
    code = ("import sys, hxcomm; assert 'hxsim' not in sys.modules, 'imported at import'; "
            "c = hxcomm.ManagedConnection(); print(type(c).__module__, c.get_unique_identifier()[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HXCOMM_CHIP_ID": "4"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["hxsim.connection", "emulator-chip-4"]
    # and no module of hxcomm names hxsim in an import
    import pathlib
    for path in pathlib.Path(hxcomm.__file__).parent.rglob("*.py"):
        text = path.read_text()
        assert "import hxsim" not in text and "from hxsim" not in text, path


def test_backend_selection_by_environment(monkeypatch):
    for var in ("HXCOMM_BACKEND", "HXCOMM_ENABLE_ZERO_MOCK", "QUIGGELDY_ENABLED"):
        monkeypatch.delenv(var, raising=False)
    assert hxcomm.backends.backend_name_from_env() == "emulator"
    monkeypatch.setenv("QUIGGELDY_ENABLED", "1")
    assert hxcomm.backends.backend_name_from_env() == "quiggeldy"
    monkeypatch.setenv("HXCOMM_ENABLE_ZERO_MOCK", "1")          # the public order: zero mock first
    assert hxcomm.backends.backend_name_from_env() == "zeromock"
    with hxcomm.ManagedConnection() as conn:
        assert isinstance(conn, hxcomm.ZeroMockConnection)
    monkeypatch.setenv("HXCOMM_BACKEND", "Emulator ")
    assert hxcomm.backends.backend_name_from_env() == "emulator"
    assert set(hxcomm.registered_backends()) >= {"emulator", "sim", "quiggeldy", "serial", "zeromock"}


def test_register_backend_rules():
    class Mine(hxcomm.ZeroMockConnection):
        pass
    register_backend("test-mine", Mine, "for this test")
    register_backend("test-mine", Mine)                        # again: harmless
    assert backend("TEST-MINE") is Mine
    with pytest.raises(ValueError, match="registered already"):
        register_backend("test-mine", hxcomm.ZeroMockConnection)
    with pytest.raises(ValueError, match="non-empty word"):
        register_backend("a b", Mine)


def test_zeromock_answers_reads_with_zero_and_echoes():
    words = np.concatenate([codec.omnibus_write([0x8800_0010], [7]), codec.omnibus_read([0x8800_0010, 1, 2]),
                            codec.loopback(False), codec.wait_until(1000), HALT, codec.omnibus_read([3])])
    with hxcomm.ZeroMockConnection() as conn:
        res = hxcomm.decode_from_chip(conn.execute(words))
        assert res.read_words.tolist() == [0, 0, 0] and res.halted and res.loopbacks == 2
        assert conn.get_unique_identifier() == ["zeromock"]
        assert conn.get_hwdb_entry() == [hxcomm.ZeroMockEntry()]


# -- frames -------------------------------------------------------------------------------------
frames = st.builds(Frame, st.sampled_from(list(Kind)), st.integers(0, 2**32 - 1), st.binary(max_size=300))


@given(st.lists(frames, max_size=8), st.data())
@settings(max_examples=100, deadline=None)
def test_frames_survive_any_chunking(sent, data):
    stream = b"".join(encode_frame(f.kind, f.seq, f.payload) for f in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    dec, got = FrameDecoder(), []
    for a, b in zip([0, *cuts], [*cuts, len(stream)]):
        dec.feed(stream[a:b])
        got.extend(dec.frames())
    assert got == sent and dec.buffered == 0


@given(frames, st.integers(0, 10_000), st.integers(0, 7))
@settings(max_examples=200, deadline=None)
def test_a_flipped_bit_is_never_delivered(frame, where, bit):
    good = encode_frame(frame.kind, frame.seq, frame.payload)
    bad = bytearray(good)
    bad[where % len(bad)] ^= 1 << bit
    strict = FrameDecoder()
    strict.feed(bytes(bad))
    try:
        got = list(strict.frames())
    except ProtocolError:
        got = []
    assert frame not in got or bytes(bad) == good
    # a resynchronising reader drops it and finds the next frame intact
    resync = FrameDecoder(resync=True)
    resync.feed(bytes(bad) + good)
    assert list(resync.frames())[-1:] == [frame]


def test_strict_reader_names_what_is_wrong():
    head = bytearray(encode_frame(Kind.EXECUTE, 1, b"12345678")[:HEADER_SIZE])
    cases = {b"XY" + bytes(30): "bad frame magic",
             bytes(head[:12]) + b"\0\0\0\0": "header checksum",
             encode_frame(Kind.EXECUTE, 1, b"12345678")[:-1] + b"\0": "payload checksum mismatch in a EXECUTE"}
    import struct
    big = struct.pack("<2sBBII", b"HX", 1, 3, 1, 10**9)
    cases[big + struct.pack("<I", zlib.crc32(big))] = "exceeds the limit"
    kind = struct.pack("<2sBBII", b"HX", 1, 99, 1, 0)
    cases[kind + struct.pack("<I", zlib.crc32(kind)) + struct.pack("<I", zlib.crc32(b""))] = "unknown frame kind 99"
    for data, message in cases.items():
        dec = FrameDecoder()
        dec.feed(data)
        with pytest.raises(ProtocolError, match=message):
            list(dec.frames())
    with pytest.raises(ProtocolError, match="not a whole number of 64-bit words"):
        payload_words(b"123")
    with pytest.raises(ValueError, match="sequence number"):
        encode_frame(Kind.BYE, 2**32)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=50))
def test_word_payload_round_trip(words):
    words = np.array(words, dtype=np.uint64)
    assert np.array_equal(payload_words(words_payload(words)), words)


def test_progress_payload_round_trip():
    assert payload_progress(progress_payload(RunState.RUNNING, 5, 10, 2)) == (RunState.RUNNING, 5, 10, 2)
    with pytest.raises(ProtocolError, match="PROGRESS payload of 3 bytes"):
        payload_progress(b"abc")


# -- reinit stacks ---------------------------------------------------------------------------------
word_arrays = st.lists(st.integers(0, 2**64 - 1), max_size=20).map(lambda w: np.array(w, dtype=np.uint64))


@given(st.lists(st.tuples(word_arrays, st.one_of(st.none(), word_arrays), st.booleans()), max_size=5))
def test_reinit_stack_round_trip(entries):
    stack = [ReinitEntry(r, s, p) for r, s, p in entries]
    back = decode_stack(encode_stack(stack))
    assert len(back) == len(stack)
    for a, b in zip(stack, back):
        assert np.array_equal(a.request, b.request) and a.pending == b.pending
        assert (a.snapshot is None) == (b.snapshot is None)
        if a.snapshot is not None:
            assert np.array_equal(a.snapshot, b.snapshot)
    payload = encode_stack(stack)
    if stack:
        with pytest.raises(ProtocolError):
            decode_stack(payload[:-1])
    with pytest.raises(ProtocolError, match="after its last entry"):
        decode_stack(payload + b"x")


def test_snapshot_reads_become_writes_of_what_was_read():
    cells = [3, 200, 901]
    with hxcomm.EmulatorConnection() as conn:
        conn.execute(np.concatenate([capmem_words(cells, [11, 22, 33]), HALT]))
        snapshot = np.concatenate([capmem_reads(cells), HALT])
        writes = snapshot_to_writes(snapshot, conn.execute(snapshot))
        with hxcomm.EmulatorConnection() as fresh:
            fresh.execute(writes)
            assert np.array_equal(fresh.execute(snapshot), conn.execute(snapshot))
    with pytest.raises(ValueError, match="snapshot of 3 reads got 0 read answers"):
        snapshot_to_writes(snapshot, HALT)
