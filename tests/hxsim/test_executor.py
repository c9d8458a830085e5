"""FPGA executor: time, program end, reset, stream errors."""
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import haldls
import hxcomm
import hxsim
from hxcomm.instructions import MAX_PROGRAM_WORDS

from .helpers import ErrorCode, addr, errors, fresh, program, read, run, write


def timer_value(res, i=0):
    return int(haldls.Timer.decode(res.read_words[i:i + 1]).value)


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5))
@settings(max_examples=30, deadline=None)
def test_timer_register_reads_the_timer(waits):
    emu = fresh()
    parts = [hxcomm.timer_reset()]
    for t in waits:
        parts += [hxcomm.wait_until(t), read("Timer")]
    res = run(emu, *parts)
    assert errors(res) == []
    expected = np.maximum.accumulate(waits)  # a wait in the past is a no-op
    assert [timer_value(res, i) for i in range(len(waits))] == list(expected)
    assert emu.timer == expected[-1]
    assert emu.systime == expected[-1]


def test_timer_reset_and_systime():
    emu = fresh()
    run(emu, hxcomm.wait_until(1000))
    assert (emu.timer, emu.systime) == (1000, 1000)
    res = run(emu, hxcomm.timer_reset(), read("Timer"), hxcomm.wait_until(250), read("Timer"))
    assert [timer_value(res, 0), timer_value(res, 1)] == [0, 250]
    assert emu.systime == 1250
    run(emu, hxcomm.systime_init(reset=True), hxcomm.wait_until(300))
    assert (emu.timer, emu.systime) == (300, 50)
    run(emu, hxcomm.systime_init(reset=False))
    assert emu.systime == 50


def test_state_persists_across_programs():
    emu = fresh()
    a = addr("CapMemCell", 100)
    run(emu, hxcomm.omnibus_write(a, 77))
    assert run(emu, hxcomm.omnibus_read(a)).read_words[0] == 77


def test_far_wait_is_cheap():
    emu = fresh()
    words = program(*[np.concatenate([hxcomm.timer_reset(), hxcomm.wait_until(2**32 - 1)])] * 1000)
    t0 = time.perf_counter()
    run(emu, words)
    assert time.perf_counter() - t0 < 0.5
    assert emu.stats["cycles"] == 1000 * (2**32 - 1)


def test_halt_ends_the_program():
    emu = fresh()
    a = addr("CapMemCell", 3)
    words = program(hxcomm.loopback(False), hxcomm.omnibus_read(a), hxcomm.loopback(True),
                    hxcomm.omnibus_write(a, 5), hxcomm.omnibus_read(a), 0xFFFFFFFFFFFFFFFF)
    out = emu.execute(words)
    res = hxcomm.decode_from_chip(out)
    assert res.halted and res.loopbacks == 2 and len(res.read_words) == 1
    assert out[-1] == hxcomm.responses.loopback_echo(True)[0]
    assert emu.peek(a) == 0  # the write after the halt never ran


def test_program_without_halt_runs_to_its_end():
    emu = fresh()
    res = hxcomm.decode_from_chip(emu.execute(program(read("JTAGIdCode"))))
    assert not res.halted and len(res.read_words) == 1
    assert len(emu.execute(np.zeros(0, np.uint64))) == 0


def test_barrier_and_tick_are_harmless():
    emu = fresh()
    res = run(emu, hxcomm.barrier(31), hxcomm.loopback(False), hxcomm.barrier(0))
    assert errors(res) == [] and res.loopbacks == 2


def test_chip_reset_restores_defaults():
    emu = fresh()
    cfg = haldls.NeuronConfig(enable_fire=True, membrane_capacitor_size=3)
    run(emu, write("NeuronConfig", 5, cfg), hxcomm.chip_reset(0))
    assert haldls.NeuronConfig.decode(run(emu, read("NeuronConfig", 5)).read_words) == cfg
    res = run(emu, hxcomm.chip_reset(1), hxcomm.chip_reset(0), read("NeuronConfig", 5))
    assert haldls.NeuronConfig.decode(res.read_words) == haldls.NeuronConfig()


def test_program_too_long():
    emu = fresh()
    a = addr("CapMemCell", 1)
    words = np.full(MAX_PROGRAM_WORDS + 1, hxcomm.barrier(0)[0], dtype=np.uint64)
    words[:2] = hxcomm.omnibus_write(a, 9)
    res = hxcomm.decode_from_chip(emu.execute(words))
    assert errors(res) == [(ErrorCode.PROGRAM_TOO_LONG, MAX_PROGRAM_WORDS)]
    assert emu.peek(a) == 0
    assert len(emu.execute(words[:MAX_PROGRAM_WORDS])) == 0  # exactly full is fine


def test_data_without_address():
    emu = fresh()
    data = hxcomm.encode_instruction("OMNIBUS_DATA", word=1)
    res = run(emu, data, read("JTAGIdCode"), data)
    assert errors(res) == [(ErrorCode.DATA_WITHOUT_ADDRESS, 0), (ErrorCode.DATA_WITHOUT_ADDRESS, 2)]
    assert len(res.read_words) == 1


def test_address_without_data():
    emu = fresh()
    a = addr("CapMemCell", 2)
    w = hxcomm.omnibus_write(a, 4)
    # address, then a read instead of data: error at the address, the read still runs
    res = run(emu, w[0], hxcomm.omnibus_read(a), w, w[0])
    assert errors(res) == [(ErrorCode.ADDRESS_WITHOUT_DATA, 0), (ErrorCode.ADDRESS_WITHOUT_DATA, 4)]
    assert list(res.read_words) == [0]
    assert emu.peek(a) == 4
    # an address directly before the halt, and a read address between two writes
    res = run(emu, w[0], hxcomm.omnibus_read(a), hxcomm.omnibus_read(a))
    assert errors(res) == [(ErrorCode.ADDRESS_WITHOUT_DATA, 0)]


def _word(opcode, payload=0, version=1, comma=0):
    return np.uint64((comma << 63) | (opcode << 56) | (version << 52) | payload)


@pytest.mark.parametrize("word, code", [
    (_word(0x01, comma=1), ErrorCode.MALFORMED_WORD),
    (_word(0x01, version=0), ErrorCode.MALFORMED_WORD),
    (_word(0x01, version=15), ErrorCode.MALFORMED_WORD),
    (_word(0x01, payload=1), ErrorCode.MALFORMED_WORD),
    (_word(0x02, payload=1 << 32), ErrorCode.MALFORMED_WORD),
    (_word(0x04, payload=1 << 37), ErrorCode.MALFORMED_WORD),
    (_word(0x0a, payload=2), ErrorCode.MALFORMED_WORD),
    (_word(0x00), ErrorCode.UNKNOWN_OPCODE),
    (_word(0x41), ErrorCode.UNKNOWN_OPCODE),  # a from-chip opcode
    (_word(0x7f), ErrorCode.UNKNOWN_OPCODE),
])
def test_malformed_words(word, code):
    emu = fresh()
    res = run(emu, hxcomm.barrier(0), word, read("JTAGIdCode"), word)
    assert errors(res) == [(code, 1), (code, 3)]
    assert len(res.read_words) == 1 and res.halted


def test_stats_count():
    emu = fresh()
    a = addr("CapMemCell", 2)
    run(emu, hxcomm.omnibus_write([a, a], [1, 2]), hxcomm.omnibus_read(a), np.uint64(1 << 63))
    s = emu.stats
    assert (s["programs"], s["instructions"], s["words_written"], s["words_read"], s["errors"]) == \
        (1, 6, 2, 1, 1)


def test_execute_rejects_bad_arrays():
    emu = fresh()
    with pytest.raises(ValueError):
        emu.execute(np.zeros((2, 2), np.uint64))
    with pytest.raises(TypeError):
        emu.execute(np.array([1.5]))
    out = emu.execute([hxcomm.loopback(True)[0]])  # lists convert
    assert len(out) == 1
    assert len(emu.execute(np.zeros(0))) == 0


def test_parallel_programs():
    """execute() releases the GIL: emulators run side by side, one emulator serialises."""
    import threading

    emus = [fresh(i) for i in range(2)]
    words = program(*[np.concatenate([hxcomm.timer_reset(), hxcomm.wait_until(1000),
                                      read("Timer")])] * 20_000, hxcomm.loopback(True))
    results = []

    def work(emu):
        results.append(hxcomm.decode_from_chip(emu.execute(words)))

    threads = [threading.Thread(target=work, args=(e,)) for e in emus + emus]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for res in results:
        assert res.halted and len(res.read_words) == 20_000 and set(res.read_words) == {1000}
    assert all(e.stats["programs"] == 2 for e in emus)


def test_chip_id_and_repr():
    emu = hxsim.Emulator(chip_id=2**64 - 1)
    assert emu.chip_id == 2**64 - 1
    assert "chip_id=18446744073709551615" in repr(emu)
    with pytest.raises(ValueError):
        hxsim.Emulator(chip_id=-1)


def test_connection_wraps_emulator():
    with hxcomm.EmulatorConnection(chip_id=5) as conn:
        res = hxcomm.decode_from_chip(conn.execute(program(read("JTAGIdCode"), hxcomm.loopback())))
        assert res.halted and conn.emulator.chip_id == 5
