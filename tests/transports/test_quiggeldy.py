"""The multi-client experiment server: results, reinit, fairness, tokens and faults.

Servers are subprocesses on loopback (tests.transports.servers); every wait is bounded.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import hxcomm
import stadls
from hxcomm import codec
from hxcomm.framing import Kind, encode_frame, json_payload
from hxcomm.quiggeldy.server import Client, Job, QuiggeldyServer

from .servers import capmem_reads, capmem_words, pause, read_values, server_process, stop

HALT = codec.loopback(True)
#: a CapMem cell every client sets to a value of its own in its reinit program
SHARED_CELL = 500
#: chip time of a program long enough to be stopped in the middle (noise keeps the chip busy)
LONG_WAIT = codec.wait_until(125 * 20_000)          # 20 ms of chip time: many seconds of wall time


def quiggeldy(*args):
    return server_process("hxcomm.quiggeldy", "--port", "0", "--log-level", "INFO", *args)


def connect(server, **kw) -> hxcomm.QuiggeldyConnection:
    return hxcomm.QuiggeldyConnection("127.0.0.1", server.port, timeout=kw.pop("timeout", 20), **kw)


def own_cells(c: int):
    return [c * 4 + i for i in range(4)]


def reinit_program(c: int) -> np.ndarray:
    return np.concatenate([capmem_words([SHARED_CELL] + own_cells(c), [100 + c] + [10 * c + i for i in range(4)]),
                           HALT])


def shared_config(c: int) -> np.ndarray:
    return np.concatenate([capmem_words([SHARED_CELL], [100 + c]), HALT])


def own_config(c: int) -> np.ndarray:
    return np.concatenate([capmem_words(own_cells(c), [10 * c + i for i in range(4)]), HALT])


def own_snapshot(c: int) -> np.ndarray:
    return np.concatenate([capmem_reads(own_cells(c)), HALT])


def client_program(c: int, k: int) -> np.ndarray:
    """Writes one of the client's own cells (state that later programs see), then reads the
    shared cell and its own cells."""
    cell = own_cells(c)[k % 4]
    return np.concatenate([capmem_words([cell], [(37 * c + 11 * k) % 1000]),
                           capmem_reads([SHARED_CELL] + own_cells(c)), HALT])


def run_alone(c: int, programs: int):
    """What client ``c``'s programs answer on a chip of their own."""
    with hxcomm.EmulatorConnection() as conn:
        conn.execute(shared_config(c))
        conn.execute(own_config(c))
        return [conn.execute(client_program(c, k)) for k in range(programs)]


def join_all(threads, timeout):
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a client thread did not finish in time"


def test_16_clients_100_programs_each_get_what_they_would_alone():
    n_clients, n_programs = 16, 100
    expected = [run_alone(c, n_programs) for c in range(n_clients)]
    results = {}
    errors = []

    def client(c):
        try:
            with connect(server) as conn:
                # a fixed configuration, and one whose state the client's programs change: the
                # server keeps it across other clients' turns through the snapshot
                conn.reinit_stack.push()
                conn.reinit_stack.set(0, shared_config(c), None, enforce=True)
                conn.reinit_stack.push()
                conn.reinit_stack.set(1, own_config(c), own_snapshot(c), enforce=True)
                results[c] = [conn.execute(client_program(c, k)) for k in range(n_programs)]
        except BaseException as err:          # reported below, the thread must not die silently
            errors.append((c, err))

    with quiggeldy() as server:
        threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(n_clients)]
        for t in threads:
            t.start()
        join_all(threads, 120)
        log = server.log()
    assert not errors, errors
    lost = [(c, k) for c in range(n_clients) for k in range(n_programs)
            if not np.array_equal(results[c][k], expected[c][k])]
    assert lost == []
    # the shared cell shows the client's own value although all 16 set it differently
    assert {read_values(results[c][-1])[0] for c in range(n_clients)} == {100 + c for c in range(n_clients)}
    assert "Traceback" not in log


def test_reinit_snapshot_restores_the_state_a_client_left():
    cell = 700
    with quiggeldy() as server, connect(server) as a, connect(server) as b:
        entry = stadls.ReinitStackEntry(a)
        write_1, snapshot = stadls.PlaybackProgramBuilder(), stadls.PlaybackProgramBuilder()
        import halco
        import haldls
        write_1.write(halco.CapMemCellOnDLS.from_enum(cell), haldls.CapMemCell(value=1))
        snapshot.read(halco.CapMemCellOnDLS.from_enum(cell))
        entry.set([write_1.done()], [snapshot.done()], enforce=True)
        a.execute(np.concatenate([capmem_words([cell], [77]), HALT]))   # a changes its state
        b.execute(np.concatenate([capmem_words([cell], [5]), HALT]))    # b takes the chip, clobbers it
        assert read_values(a.execute(np.concatenate([capmem_reads([cell]), HALT]))) == [77]
        assert read_values(b.execute(np.concatenate([capmem_reads([cell]), HALT]))) == [77]  # b has no reinit
        entry.pop()
        b.execute(np.concatenate([capmem_words([cell], [6]), HALT]))
        assert read_values(a.execute(np.concatenate([capmem_reads([cell]), HALT]))) == [6]   # popped: no replay


def test_reinit_entry_without_a_server_runs_now_when_enforced():
    import halco
    import haldls
    with hxcomm.EmulatorConnection() as conn:
        entry = stadls.ReinitStackEntry(conn)
        b = stadls.PlaybackProgramBuilder()
        b.write(halco.CapMemCellOnDLS.from_enum(3), haldls.CapMemCell(value=9))
        entry.set([b.done()], enforce=False)                  # nothing to do
        assert read_values(conn.execute(np.concatenate([capmem_reads([3]), HALT]))) != [9]
        b = stadls.PlaybackProgramBuilder()
        b.write(halco.CapMemCellOnDLS.from_enum(3), haldls.CapMemCell(value=9))
        ticket = b.read(halco.CapMemCellOnDLS.from_enum(3))
        entry.set([b.done()], enforce=True)
        assert ticket.get().value == 9
        with pytest.raises(TypeError, match="PlaybackPrograms"):
            entry.set([np.zeros(3)])


def test_scheduler_takes_turns_between_clients():
    server = QuiggeldyServer(lambda: None, user_period=0.0)

    class Quiet(Client):
        def __init__(self, cid):
            self.id, self.jobs, self.alive, self.reinit = cid, __import__("collections").deque(), True, []

    a, b, c = Quiet(1), Quiet(2), Quiet(3)
    server._clients = {1: a, 2: b, 3: c}
    server._slice_start = 0.0
    for k in range(4):
        a.jobs.append(Job(a, k, np.zeros(0, np.uint64)))
    b.jobs.append(Job(b, 0, np.zeros(0, np.uint64)))
    c.jobs.append(Job(c, 0, np.zeros(0, np.uint64)))
    order = []
    while True:
        job = server._next_job()
        if job is None:
            break
        order.append(job.client.id)
        server._owner, server._last_served = job.client, job.client.id
    assert order == [1, 2, 3, 1, 1, 1]          # nobody waits behind a's backlog
    # within its slice the owner keeps the chip
    server = QuiggeldyServer(lambda: None, user_period=60.0)
    server._clients = {1: a, 2: b}
    a.jobs.extend(Job(a, k, np.zeros(0, np.uint64)) for k in range(2))
    b.jobs.append(Job(b, 0, np.zeros(0, np.uint64)))
    server._owner, server._last_served, server._slice_start = a, 1, time.monotonic()
    assert [server._next_job().client.id for _ in range(3)] == [1, 1, 2]


def _client_script(port: int) -> str:
    return f"""
import numpy as np, hxcomm, sys
from hxcomm import codec
conn = hxcomm.QuiggeldyConnection("127.0.0.1", {port}, timeout=30)
conn.execute(np.concatenate([codec.omnibus_read([0x8800_0010]), codec.loopback(True)]))
print("RUNNING", flush=True)
conn.execute(np.concatenate([codec.timer_reset(), codec.wait_until({125 * 20_000}), codec.loopback(True)]))
print("FINISHED", flush=True)
"""


def test_a_client_killed_mid_run_costs_the_others_nothing():
    with quiggeldy("--option", "noise=1.0") as server, connect(server) as other:
        victim = subprocess.Popen([sys.executable, "-c", _client_script(server.port)], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        try:
            assert victim.stdout.readline().strip() == "RUNNING"
            time.sleep(0.3)                          # its long program is on the chip now
            victim.kill()
            victim.wait(10)
        finally:
            stop(victim)
        # the other client is served (the victim's run is stopped within one piece)
        for k in range(20):
            assert len(hxcomm.decode_from_chip(other.execute(codec.omnibus_read([0x8800_0010]))).read_words) == 1
        assert server.proc.poll() is None
        deadline = time.monotonic() + 10
        while "dropped" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "client 2" in server.log() and "dropped" in server.log()


def test_server_killed_mid_run_gives_every_client_a_clear_error_within_its_timeout():
    timeout = 10.0
    outcome = {}

    def client(i, port):
        t0 = time.monotonic()
        try:
            with hxcomm.QuiggeldyConnection("127.0.0.1", port, timeout=timeout) as conn:
                ready.wait(10)
                conn.execute(np.concatenate([codec.timer_reset(), LONG_WAIT, HALT]))
            outcome[i] = ("finished", time.monotonic() - t0)
        except hxcomm.ConnectionError as err:
            outcome[i] = (err, time.monotonic() - t0)

    ready = threading.Event()
    with quiggeldy("--option", "noise=1.0") as server:
        threads = [threading.Thread(target=client, args=(i, server.port), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        ready.set()
        time.sleep(0.5)
        server.proc.kill()
        join_all(threads, timeout + 10)
    assert sorted(outcome) == [0, 1, 2, 3]
    for err, elapsed in outcome.values():
        assert isinstance(err, hxcomm.ConnectionError), err
        assert "quiggeldy server" in str(err)
        assert elapsed < timeout + 5


def test_a_stalled_server_gives_a_timeout_error_not_a_hang():
    with quiggeldy() as server:
        conn = connect(server, timeout=1.0)
        pause(server.proc)
        try:
            t0 = time.monotonic()
            with pytest.raises(hxcomm.ConnectionTimeoutError, match="said nothing for 1.0 s"):
                conn.execute(np.concatenate([codec.omnibus_read([0x8800_0010]), HALT]))
            assert time.monotonic() - t0 < 10
        finally:
            os.kill(server.proc.pid, signal.SIGCONT)
        assert conn.closed


def test_a_run_over_the_time_limit_is_cancelled_and_the_server_goes_on():
    with quiggeldy("--run-timeout", "0.3", "--option", "noise=1.0") as server, connect(server) as a, \
            connect(server) as b:
        with pytest.raises(hxcomm.RunTimeoutError, match="limit of 0.3 s"):
            a.execute(np.concatenate([codec.timer_reset(), LONG_WAIT, HALT]))
        for conn in (a, b):
            assert hxcomm.decode_from_chip(conn.execute(np.concatenate([capmem_reads([1]), HALT]))).halted


def test_tokens_admit_only_their_holders_and_results_stay_with_their_client(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# token user\ntok-alice alice\ntok-bob bob\n")
    with quiggeldy("--token-file", str(tokens), "--option", "noise=1.0") as server:
        for token in (None, "tok-mallory"):
            with pytest.raises(hxcomm.AuthenticationError, match="valid token"):
                connect(server, token=token)
        with connect(server, token="tok-alice") as alice, connect(server, token="tok-bob") as bob:
            for conn, c in ((alice, 1), (bob, 2)):
                conn.reinit_stack.push()
                conn.reinit_stack.set(0, reinit_program(c), None, enforce=True)
            # the same request numbers on both connections: each gets its own answers
            for _ in range(3):
                assert read_values(alice.execute(client_program(1, 0)))[0] == 101
                assert read_values(bob.execute(client_program(2, 0)))[0] == 102
            # bob cancelling alice's request number touches only his own requests
            done = {}
            t = threading.Thread(target=lambda: done.setdefault("words", alice.execute(
                np.concatenate([codec.timer_reset(), codec.wait_until(125 * 200), capmem_reads([SHARED_CELL]), HALT]))))
            t.start()
            time.sleep(0.05)
            bob._channel.send(Kind.CANCEL, alice._request)
            t.join(60)
            assert read_values(done["words"]) == [101]
            assert read_values(bob.execute(client_program(2, 1)))[0] == 102


def _raw(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.settimeout(10)
    return s


def _error_kind(sock) -> str:
    """The kind of the ERROR frame the server answers with before it closes."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    from hxcomm.framing import FrameDecoder
    dec = FrameDecoder()
    dec.feed(data)
    frames = [f for f in dec.frames() if f.kind == Kind.ERROR]
    assert frames, f"no ERROR frame in {data[:64]!r}"
    return json.loads(frames[-1].payload)["kind"]


HELLO = encode_frame(Kind.HELLO, 0, json_payload({"protocol": 1}))


@pytest.mark.parametrize("module", ["hxcomm.quiggeldy", "hxsim.serve"])
def test_garbage_truncated_and_oversized_frames_get_errors_not_crashes(module):
    with server_process(module, "--port", "0", "--client-timeout", "0.5") as server:
        attacks = {
            "garbage": b"GET / HTTP/1.1\r\n\r\n" + bytes(range(256)),
            "garbage after hello": HELLO + os.urandom(64),
            "truncated": HELLO + encode_frame(Kind.EXECUTE, 1, codec.loopback(True).tobytes() * 100)[:300],
            "oversized": HELLO + struct.pack("<2sBBII", b"HX", 1, int(Kind.EXECUTE), 1, 2**31) + b"\0" * 4,
            "bad checksum": HELLO[:-1] + bytes([HELLO[-1] ^ 0xff]),
            "unexpected kind": HELLO + encode_frame(Kind.RESULT, 1, b""),
        }
        # the oversized header needs a valid header checksum to be read as a length at all
        import zlib
        head = struct.pack("<2sBBII", b"HX", 1, int(Kind.EXECUTE), 1, 2**31)
        attacks["oversized"] = HELLO + head + struct.pack("<I", zlib.crc32(head))
        for name, data in attacks.items():
            with _raw(server.port) as s:
                s.sendall(data)
                assert _error_kind(s) == "protocol", name
            assert server.proc.poll() is None, name
        # a well-behaved client is still served
        if module == "hxsim.serve":
            conn = hxcomm.SimConnection("127.0.0.1", server.port, timeout=10)
        else:
            conn = connect(server)
        with conn:
            assert hxcomm.decode_from_chip(conn.execute(np.concatenate([capmem_reads([2]), HALT]))).halted
