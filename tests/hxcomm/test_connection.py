"""Connections: selection by environment, lifecycle, errors."""
import numpy as np
import pytest

import haldls
import halco
import hxcomm
import stadls
from hxcomm import codec


def test_default_backend_is_the_emulator(monkeypatch):
    monkeypatch.delenv("HXCOMM_BACKEND", raising=False)
    monkeypatch.setenv("HXCOMM_CHIP_ID", "7")
    with hxcomm.ManagedConnection() as conn:
        assert isinstance(conn, hxcomm.EmulatorConnection)
        assert conn.chip_id == 7
        assert conn.get_unique_identifier() == ["emulator-chip-7"]
    assert conn.closed


def test_unknown_backend_names_the_choices(monkeypatch):
    monkeypatch.setenv("HXCOMM_BACKEND", "quantum")
    with pytest.raises(hxcomm.ConnectionError,
                       match=r"'quantum' is unknown; valid: \['emulator', 'quiggeldy', 'serial', 'sim', 'zeromock'\]"):
        hxcomm.connection_from_env()


def test_closed_connection_refuses(monkeypatch):
    conn = hxcomm.EmulatorConnection(chip_id=0)
    conn.close()
    with pytest.raises(ConnectionError, match="closed"):
        conn.execute(codec.loopback(True))


def test_execute_checks_shape_and_length():
    with hxcomm.EmulatorConnection() as conn:
        with pytest.raises(ValueError, match="1-D"):
            conn.execute(np.zeros((2, 2), dtype=np.uint64))
        with pytest.raises(ValueError, match="program memory"):
            conn.execute(np.zeros(hxcomm.MAX_PROGRAM_WORDS + 1, dtype=np.uint64))
        out = conn.execute(codec.loopback(True))
        assert codec.decode_from_chip(out).halted
        assert conn.get_time_info()[0].programs == 1


def test_malformed_stream_is_a_python_exception():
    with hxcomm.EmulatorConnection() as conn:
        bad = np.array([np.uint64(1) << np.uint64(63)], dtype=np.uint64)  # comma bit set
        response = codec.decode_from_chip(conn.execute(np.concatenate([bad, codec.loopback(True)])))
        assert response.errors["code"][0] == hxcomm.ErrorCode.MALFORMED_WORD
        with pytest.raises(hxcomm.ExecutorError, match="MALFORMED_WORD"):
            response.raise_for_errors()


def test_run_raises_for_unmapped_address():
    builder = stadls.PlaybackProgramBuilder()
    builder.write_words([0x0000_0fff], [1])
    with hxcomm.EmulatorConnection() as conn:
        with pytest.raises(hxcomm.ExecutorError, match="UNMAPPED_ADDRESS .*0xfff"):
            stadls.run(conn, builder.done())


def test_emulator_state_persists_across_programs():
    coord = halco.CapMemCellOnDLS.from_enum(99)
    with hxcomm.EmulatorConnection() as conn:
        b = stadls.PlaybackProgramBuilder()
        b.write(coord, haldls.CapMemCell(value=321))
        stadls.run(conn, b.done())
        b = stadls.PlaybackProgramBuilder()
        t = b.read(coord)
        stadls.run(conn, b.done())
        assert t.get().value == 321


def test_identifier_distinguishes_emulator_options():
    with hxcomm.EmulatorConnection(chip_id=2) as plain, hxcomm.EmulatorConnection(chip_id=2, ideal=True) as ideal:
        assert plain.get_unique_identifier() == ["emulator-chip-2"]
        assert ideal.get_unique_identifier() == ["emulator-chip-2,ideal=True"]


def test_connection_information_one_entry_per_chip():
    with hxcomm.EmulatorConnection(chip_id=9, noise=0.5) as conn:
        entry, = conn.get_hwdb_entry()
        assert isinstance(entry, hxcomm.EmulatorEntry)
        assert entry.chip_id == 9 and entry.emulator_options == {"noise": 0.5} and entry.board == "cube"
        info, = conn.get_bitfile_info()
        assert "hxsim emulator" in info and "chip_id 9" in info
        assert f"protocol_version: {hxcomm.PROTOCOL_VERSION}" in info
        assert conn.get_remote_repo_state() == [""]
        before, = conn.get_time_info()
        conn.execute(codec.loopback(True))
        after, = conn.get_time_info()
        assert (before.programs, after.programs) == (0, 1)          # a copy, not the live record
        assert after.words_sent == 1 and after.execution_duration > 0
        assert (after.encode_duration, after.decode_duration, after.commit_duration) == (0.0, 0.0, 0.0)


def test_base_connection_names_what_it_lacks():
    class Bare(hxcomm.Connection):
        def _execute(self, words):
            return words

    for getter in ("get_unique_identifier", "get_hwdb_entry", "get_bitfile_info", "get_remote_repo_state"):
        with pytest.raises(NotImplementedError, match=f"Bare.{getter}"):
            getattr(Bare(), getter)()
    assert hxcomm.ConnectionHandle is hxcomm.Connection


@pytest.mark.parametrize("name", ["ARQConnection", "MultiSimConnection", "LoopbackConnection"])
def test_public_transports_not_emulated_raise(name):
    with pytest.raises(NotImplementedError, match=f"hxcomm.{name} is not emulated.*ManagedConnection"):
        getattr(hxcomm, name)


def test_managed_connection_is_the_backend_the_environment_names():
    # make test runs part of the suite with HXCOMM_BACKEND=sim: this checks it really does
    name = hxcomm.backends.backend_name_from_env()
    expected = {"emulator": hxcomm.EmulatorConnection, "sim": hxcomm.SimConnection}[name]
    with hxcomm.ManagedConnection() as conn:
        assert type(conn) is expected
        assert conn.get_unique_identifier()[0].startswith("emulator-chip-")
