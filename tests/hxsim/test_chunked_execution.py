"""Programs run in pieces: the same answer and chip state whatever the pieces, Ctrl-C stops a
long run and leaves the connection usable, run limits and the progress bar."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hxcomm
import hxsim
from hxcomm import codec
from tests.hxsim.test_analog_chip import Setup, atomic, padi_label, psp_setup
from tests.hxsim.test_fuzz import instruction, with_pairs

HALT = codec.loopback(True)


def in_pieces(emu: hxsim.Emulator, words, budget: float = 0.0) -> np.ndarray:
    """Run ``words`` through start/resume with a tiny budget, collecting the output as it comes."""
    emu.start(np.asarray(words, dtype=np.uint64))
    parts, pieces = [], 0
    while not emu.resume(budget):
        parts.append(emu.take_output())
        pieces += 1
    parts.append(emu.take_output())
    return np.concatenate(parts), pieces


def analog_programs():
    """Programs with integration, MADC samples, spikes and background sources."""
    s, n = psp_setup(63)
    for t in range(5):
        s.wait(20 + 5 * t)
        s.spike(padi_label(5, 7))
    s.wait(200)
    yield s.b.done().words
    s = Setup()
    n = s.neuron(atomic(30), enable_bypass_excitatory=True, enable_threshold_comparator=False, address=0x77)
    s.dac()
    s.driver(0)
    s.synapse(0, 30, 20, 3)
    s.column_switch(n)
    s.start()
    import halco
    import haldls
    s.b.write(halco.BackgroundSpikeSourceOnDLS(0), haldls.BackgroundSpikeSource(enable=True, enable_random=True,
                                                                                 period=300, rate=100, seed=9,
                                                                                 neuron_label=3))
    s.wait(300)
    yield s.b.done().words


@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_pieces_give_the_answer_and_the_state_of_one_execute(noise):
    for words in analog_programs():
        words = np.concatenate([words, HALT])
        whole, pieces_emu = hxsim.Emulator(3, noise=noise, noise_seed=1), hxsim.Emulator(3, noise=noise, noise_seed=1)
        expected = whole.execute(words)
        got, pieces = in_pieces(pieces_emu, words)
        assert pieces > 10                                   # it did pause, many times
        assert np.array_equal(got, expected)
        assert whole.now == pieces_emu.now and whole.systime == pieces_emu.systime
        for key, value in whole.analog_inspect().items():
            assert np.array_equal(value, pieces_emu.analog_inspect()[key], equal_nan=True), key
        # and they go on alike
        again = np.concatenate([codec.timer_reset(), codec.wait_until(125 * 30), HALT])
        assert np.array_equal(whole.execute(again), in_pieces(pieces_emu, again)[0])


@given(st.lists(instruction(), max_size=60).map(with_pairs), st.floats(0, 1e-4))
@settings(max_examples=60, deadline=None)
def test_random_programs_in_pieces(words, budget):
    words = np.array(words, dtype=np.uint64)
    a, b = hxsim.Emulator(1, analog=False), hxsim.Emulator(1, analog=False)
    assert np.array_equal(a.execute(words), in_pieces(b, words, budget)[0])
    assert a.stats["instructions"] == b.stats["instructions"]


def test_abort_drops_the_rest_and_the_chip_goes_on():
    emu = hxsim.Emulator(0, noise=1.0)
    emu.start(np.concatenate([codec.timer_reset(), codec.wait_until(125 * 1000), HALT]))
    assert not emu.resume(0.0) and emu.running
    with pytest.raises(ValueError, match="a program is running"):
        emu.start(HALT)
    emu.abort()
    assert not emu.running and len(emu.take_output()) == 0
    assert hxcomm.decode_from_chip(emu.execute(HALT)).halted


def test_program_duration_counts_the_waits_per_timer_stretch():
    words = np.concatenate([codec.timer_reset(), codec.wait_until([100, 50, 300]), codec.timer_reset(),
                            codec.wait_until(20), HALT])
    assert hxcomm.program_duration_cycles(words) == 320
    assert hxcomm.program_duration_cycles(HALT) == 0
    assert hxcomm.program_duration_cycles(codec.wait_until(7)) == 7        # no reset: from the start


def test_run_timeout_stops_an_in_process_run():
    with hxcomm.EmulatorConnection(noise=1.0, run_timeout=0.1) as conn:
        t0 = time.monotonic()
        with pytest.raises(hxcomm.RunTimeoutError, match="run_timeout = 0.1 s"):
            conn.execute(np.concatenate([codec.timer_reset(), codec.wait_until(125 * 100_000), HALT]))
        assert time.monotonic() - t0 < 30                 # stopped, not run to its end
        assert hxcomm.decode_from_chip(conn.execute(HALT)).halted
    with pytest.raises(ValueError, match="run_timeout 0 s must be > 0"):
        hxcomm.EmulatorConnection(run_timeout=0)


def test_ctrl_c_in_process_stops_the_run_and_keeps_the_connection():
    with hxcomm.EmulatorConnection(noise=1.0) as conn:
        timer = threading.Timer(0.2, os.kill, args=(os.getpid(), signal.SIGINT))
        timer.start()
        start = conn.emulator.now
        try:
            with pytest.raises(KeyboardInterrupt):
                conn.execute(np.concatenate([codec.timer_reset(), codec.wait_until(125 * 100_000), HALT]))
        finally:
            timer.cancel()
        assert conn.emulator.now - start < 125 * 100_000 and not conn.emulator.running
        assert hxcomm.decode_from_chip(conn.execute(HALT)).halted


def test_progress_bar_for_long_runs(monkeypatch, capsys):
    monkeypatch.setattr(hxcomm.connection, "PROGRESS_DELAY_SECONDS", 0.0)
    # pieces far shorter than the run, so it takes several on any machine
    monkeypatch.setattr(hxcomm.connection, "CHUNK_SECONDS", 1e-4)
    words = np.concatenate([codec.timer_reset(), codec.wait_until(125 * 3000), HALT])
    with hxcomm.EmulatorConnection(noise=1.0, progress=True) as conn:
        conn.execute(words)
    assert "chip us" in capsys.readouterr().err
    with hxcomm.EmulatorConnection(noise=1.0, progress=False) as conn:
        conn.execute(words)
    monkeypatch.setenv("HXCOMM_PROGRESS", "0")
    with hxcomm.EmulatorConnection(noise=1.0) as conn:
        conn.execute(words)
    assert "chip us" not in capsys.readouterr().err


SCRIPT = textwrap.dedent("""
    import sys, time, numpy as np, hxcomm
    from hxcomm import codec
    conn = hxcomm.EmulatorConnection(noise=1.0, progress=False)
    conn.execute(np.concatenate([codec.omnibus_write([0x8800_0010], [1]), codec.loopback(True)]))
    long = np.concatenate([codec.timer_reset(), codec.wait_until(125 * 100_000), codec.loopback(True)])
    print("READY", flush=True)
    try:
        conn.execute(long)
        print("FINISHED", flush=True)
    except KeyboardInterrupt:
        print("INTERRUPTED", time.monotonic(), flush=True)
    out = hxcomm.decode_from_chip(conn.execute(np.concatenate([codec.omnibus_read([0x8800_0010]),
                                                                 codec.loopback(True)])))
    print("USABLE", int(out.read_words[0]), flush=True)
""")


def test_ctrl_c_of_a_user_process_stops_a_long_run():
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "READY"
        time.sleep(0.5)                                  # the 100 ms of chip time take minutes
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    lines = out.split("\n")
    assert lines[0].startswith("INTERRUPTED"), (out, err)
    latency = float(lines[0].split()[1]) - sent
    print(f"KeyboardInterrupt {latency:.3f} s after SIGINT")
    assert latency < 5                                   # bounded: the run did not go on
    assert lines[1] == "USABLE 1"
    assert "KeyboardInterrupt" not in err
