"""Co-simulation over TCP (SimConnection <-> python -m hxsim.serve) and the serial link
(SerialConnection over pyserial: loop://, a pseudo-terminal, socket://), with injected faults."""
from __future__ import annotations

import os
import random
import signal
import threading
import time

import numpy as np
import pytest
import serial as pyserial
from hypothesis import given, settings, strategies as st

import hxcomm
import stadls
from hxcomm import codec
from hxcomm.serial import ArqLink, FaultInjector, PySerialPort

from .servers import capmem_reads, capmem_words, read_values, server_process
from .test_quiggeldy import HALT, LONG_WAIT

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture(scope="module")
def sim_server():
    with server_process("hxsim.serve", "--port", "0", "--client-timeout", "5") as server:
        yield server


def programs_with_events():
    """Programs whose answers carry reads, spikes with times and errors."""
    import halco
    import haldls
    b = stadls.PlaybackProgramBuilder()
    b.write(halco.TimerOnDLS(), haldls.Timer())
    b.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync())
    b.write(halco.BackgroundSpikeSourceOnDLS(1), haldls.BackgroundSpikeSource(enable=True, period=500,
                                                                               neuron_label=0x55))
    b.write(halco.EventRecordingConfigOnFPGA(), haldls.EventRecordingConfig(enable_event_recording=True))
    b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(125 * 40))
    b.write(halco.BackgroundSpikeSourceOnDLS(1), haldls.BackgroundSpikeSource(enable=False))
    yield np.concatenate([b.done().words, capmem_reads([5, 6]), HALT])
    yield np.concatenate([capmem_words([5], [123]), capmem_reads([5]), np.array([1 << 63], np.uint64), HALT])


def test_sim_connection_answers_as_the_in_process_emulator(sim_server, monkeypatch):
    monkeypatch.setenv("FLANGE_SIMULATION_RCF_PORT", str(sim_server.port))
    monkeypatch.delenv("FLANGE_SIMULATION_RCF_HOST", raising=False)
    with hxcomm.SimConnection(chip_id=5) as remote, hxcomm.EmulatorConnection(chip_id=5) as local:
        for words in programs_with_events():
            assert np.array_equal(remote.execute(words), local.execute(words))
        res = hxcomm.decode_from_chip(remote.execute(next(programs_with_events())))
        assert len(res.spikes) > 10
        # information: the chip it simulates, where, and that it is served
        assert remote.get_unique_identifier() == local.get_unique_identifier() == ["emulator-chip-5"]
        entry, = remote.get_hwdb_entry()
        assert isinstance(entry, hxcomm.SimulationEntry)
        assert (entry.host, entry.port, entry.simulated) == ("127.0.0.1", sim_server.port, hxcomm.EmulatorEntry(5))
        info, = remote.get_bitfile_info()
        assert "python -m hxsim.serve" in info and f"TCP to 127.0.0.1:{sim_server.port}" in info
        assert remote.get_remote_repo_state()[0].startswith("openhx ")
        t, = remote.get_time_info()
        assert t.programs == 3 and t.commit_duration > 0 and t.decode_duration > 0
        stadls.SystemInit(entry)                       # the public init takes the entry


def test_sim_connection_gives_a_fresh_chip_per_connection(sim_server):
    with hxcomm.SimConnection("127.0.0.1", sim_server.port) as a:
        a.execute(np.concatenate([capmem_words([9], [321]), HALT]))
        assert read_values(a.execute(np.concatenate([capmem_reads([9]), HALT]))) == [321]
    with hxcomm.SimConnection("127.0.0.1", sim_server.port) as b:
        assert read_values(b.execute(np.concatenate([capmem_reads([9]), HALT]))) != [321]


def test_sim_connection_names_what_is_missing(monkeypatch):
    monkeypatch.delenv("FLANGE_SIMULATION_RCF_PORT", raising=False)
    with pytest.raises(hxcomm.ConnectionError, match="FLANGE_SIMULATION_RCF_PORT is not set"):
        hxcomm.SimConnection()
    with pytest.raises(ValueError, match="port 70000 must lie in 1..65535"):
        hxcomm.SimConnection(port=70000)
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                          # nobody listens there now
    with pytest.raises(hxcomm.ConnectionError, match=f"cannot reach the simulation server at 127.0.0.1:{port}"):
        hxcomm.SimConnection(port=port, timeout=2)


def test_sim_server_refuses_options_it_does_not_offer(sim_server):
    with pytest.raises(hxcomm.RemoteError, match="does not let clients choose \\['max_response_words'\\]"):
        hxcomm.SimConnection("127.0.0.1", sim_server.port, max_response_words=5)


def _interrupt_soon(delay: float):
    """SIGINT to this process after ``delay`` seconds (Ctrl-C, as the user presses it)."""
    timer = threading.Timer(delay, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_a_remote_run_and_the_connection_stays_usable(sim_server):
    with hxcomm.SimConnection("127.0.0.1", sim_server.port, noise=1.0) as conn:
        timer = _interrupt_soon(0.3)
        t0 = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                conn.execute(np.concatenate([codec.timer_reset(), LONG_WAIT, HALT]))
        finally:
            timer.cancel()
        print(f"stopped {time.monotonic() - t0 - 0.3:.3f} s after Ctrl-C")
        assert not conn.closed
        conn.execute(np.concatenate([capmem_words([4], [44]), HALT]))
        assert read_values(conn.execute(np.concatenate([capmem_reads([4]), HALT]))) == [44]


def test_a_run_timeout_stops_a_remote_run(sim_server):
    with hxcomm.SimConnection("127.0.0.1", sim_server.port, noise=1.0, run_timeout=0.2) as conn:
        with pytest.raises(hxcomm.RunTimeoutError, match="run_timeout = 0.2 s"):
            conn.execute(np.concatenate([codec.timer_reset(), LONG_WAIT, HALT]))
        assert hxcomm.decode_from_chip(conn.execute(HALT)).halted


# -- the serial link -----------------------------------------------------------------------------
@given(st.lists(st.binary(max_size=5000), min_size=1, max_size=12), st.integers(0, 2**16))
@settings(max_examples=15, deadline=None)
def test_arq_link_over_loop_url_delivers_every_message_once_in_order(messages, seed):
    port = pyserial.serial_for_url("loop://", timeout=0.02)
    link = ArqLink(PySerialPort(port), fragment=512, faults=FaultInjector(0.05, 0.05, 0.05, seed=seed),
                   min_rto=0.01).start()
    try:
        link.sync(10)
        for m in messages:
            link.send_message(m)
        got = [link.receive_message(20) for _ in messages]
        assert got == messages
        assert link.receive_message(0.05) is None            # nothing twice
    finally:
        link.close()


def test_fault_injector_spoils_what_it_says():
    inj = FaultInjector(corrupt=0.3, drop=0.3, duplicate=0.3, seed=4)
    frame = bytes(range(40))
    out = [inj.apply(frame) for _ in range(1000)]
    assert sum(o == [] for o in out) == inj.counts["dropped"] > 200
    assert sum(len(o) == 2 for o in out) == inj.counts["duplicated"] > 200
    assert sum(len(o) == 1 and o[0] != frame for o in out) == inj.counts["corrupted"] > 200
    with pytest.raises(ValueError, match="corrupt=1.5"):
        FaultInjector(corrupt=1.5)


def _serial_programs(n, seed):
    rng = random.Random(seed)
    for k in range(n):
        cells = rng.sample(range(1000), rng.randint(1, 30))
        values = [rng.randrange(1023) for _ in cells]
        yield cells, values, np.concatenate([capmem_words(cells, values), capmem_reads(cells), HALT])


def test_serial_link_to_a_pty_server_with_1_percent_corrupted_and_dropped_frames():
    with server_process("hxsim.serve", "--serial", "PTY", "--inject-faults", "0.01,0.01",
                        "--fault-seed", "3") as server:
        assert server.address.startswith("/dev/pts/")
        with hxcomm.SerialConnection(server.address, faults="0.01,0.01", fault_seed=5, timeout=20,
                                     chip_id=2) as conn:
            assert conn.get_unique_identifier() == ["emulator-chip-2"]
            assert "serial link /dev/pts/" in conn.get_bitfile_info()[0]
            for cells, values, words in _serial_programs(150, seed=1):
                assert read_values(conn.execute(words)) == values
            # the long message of a whole chip-sized answer crosses in fragments
            big = np.concatenate([capmem_reads(list(range(1000)) * 3), HALT])
            assert len(read_values(conn.execute(big))) == 3000
            counts = conn.link.faults.counts
            assert counts["corrupted"] > 0 and counts["dropped"] > 0
            assert conn.link.retransmissions > 0 and conn.link.bad_frames > 0
        # a second client on the same port starts afresh
        with hxcomm.SerialConnection(server.address, timeout=20) as again:
            assert read_values(again.execute(np.concatenate([capmem_words([1], [7]), capmem_reads([1]), HALT]))) == [7]


def test_serial_link_over_socket_url():
    with server_process("hxsim.serve", "--serial-port", "0") as server:
        url = server.address
        assert url.startswith("socket://127.0.0.1:")
        with hxcomm.SerialConnection(url, timeout=20) as conn:
            for cells, values, words in _serial_programs(10, seed=2):
                assert read_values(conn.execute(words)) == values


def test_serial_connection_errors_are_clear(monkeypatch, tmp_path):
    monkeypatch.delenv("HXCOMM_SERIAL_URL", raising=False)
    with pytest.raises(hxcomm.ConnectionError, match="HXCOMM_SERIAL_URL"):
        hxcomm.SerialConnection()
    with pytest.raises(hxcomm.ConnectionError, match="cannot open the serial link"):
        hxcomm.SerialConnection(str(tmp_path / "no-such-port"))
    # on loop:// the connection hears its own HELLO: a clear error, not a hang
    with pytest.raises(hxcomm.ProtocolError, match="answered HELLO with HELLO"):
        hxcomm.SerialConnection("loop://", timeout=2)
