"""Files are never lost or misread: atomic writes under kills and concurrent writers, stale
temporary files, validation on read (lola.Chip files, calix results and cache entries)."""
from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import hxcomm
import lola
from lola.fileio import atomic_write, clean_stale_temps

import calix
import calix.spiking as spiking
from calix.common.result import CalibResult

CHIP_FORMATS = (".npz", ".json", ".pbin")
RESULT_FORMATS = (".npz", ".json", ".pkl")


def chip_version(k: int) -> lola.Chip:
    chip = lola.Chip()
    chip.neuron_block.atomic_neurons.set_field("leak.v_leak", np.full(512, 100 + k))
    return chip


def result_version(k: int) -> CalibResult:
    from tests.calix.test_result_cache import make_result
    return make_result(k)


WRITER = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {root!r})
    from tests.lola.test_files_atomic import chip_version, result_version, CHIP_FORMATS, RESULT_FORMATS
    d = {d!r}
    chips = [chip_version(0), chip_version(1)]
    results = [result_version(0), result_version(1)]
    from lola.fileio import atomic_write
    blobs = [b"A" * (16 << 20), b"B" * (16 << 20)]          # long writes: kills land inside them
    print("READY", flush=True)
    i = 1
    while True:
        atomic_write(d + "/blob", blobs[i % 2])
        for f in CHIP_FORMATS:
            chips[i % 2].to_file(d + "/chip" + f)
        for f in RESULT_FORMATS:
            results[i % 2].to_file(d + "/result" + f)
        i += 1
""")


def test_a_writer_killed_at_random_points_leaves_the_old_or_the_new_file(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for f in CHIP_FORMATS:
        chip_version(0).to_file(tmp_path / f"chip{f}")
    for f in RESULT_FORMATS:
        result_version(0).to_file(tmp_path / f"result{f}")
    atomic_write(tmp_path / "blob", b"A" * (16 << 20))
    chips = [chip_version(0), chip_version(1)]
    results = [result_version(0), result_version(1)]
    rng = random.Random(7)
    left_behind = 0
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=root, d=str(tmp_path))],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
            time.sleep(rng.uniform(0.05, 0.6))
            proc.kill()
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
        for f in CHIP_FORMATS:
            assert lola.Chip.from_file(tmp_path / f"chip{f}") in chips, f
        for f in RESULT_FORMATS:
            assert CalibResult.from_file(tmp_path / f"result{f}") in results, f
        blob = (tmp_path / "blob").read_bytes()
        assert blob in (b"A" * (16 << 20), b"B" * (16 << 20))
        left_behind += len(clean_stale_temps(tmp_path))
    # the killed writer's temporary files are gone; only the real files remain
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["blob"] + [f"chip{f}" for f in CHIP_FORMATS] + [f"result{f}" for f in RESULT_FORMATS])
    print(f"{left_behind} temporary files of killed writers removed")


def test_stale_temporary_files_are_cleaned_but_not_those_of_live_writers(tmp_path):
    target = tmp_path / "chip.npz"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, timeout=60)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".chip.npz.{dead_pid}.abc123.tmp"
    stale.write_bytes(b"half a file")
    mine = tmp_path / f".chip.npz.{os.getpid()}.xyz.tmp"      # a writer at work (this process)
    mine.write_bytes(b"in progress")
    other = tmp_path / f".result.npz.{dead_pid}.q.tmp"
    other.write_bytes(b"x")
    chip_version(0).to_file(target)                  # cleans the stale files of its own target
    assert not stale.exists() and mine.exists() and other.exists()
    assert clean_stale_temps(tmp_path) == [other]
    assert mine.exists()


def test_concurrent_writers_threads(tmp_path):
    errors = []

    def writer(k):
        try:
            for f in CHIP_FORMATS:
                for _ in range(3):
                    chip_version(k).to_file(tmp_path / f"chip{f}")
            for _ in range(3):
                result_version(k).to_file(tmp_path / "result.npz")
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and not any(t.is_alive() for t in threads)
    versions = [chip_version(k) for k in range(6)]
    for f in CHIP_FORMATS:
        assert lola.Chip.from_file(tmp_path / f"chip{f}") in versions
    assert CalibResult.from_file(tmp_path / "result.npz") in [result_version(k) for k in range(6)]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_concurrent_writers_processes(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {root!r})
        from tests.lola.test_files_atomic import chip_version, result_version
        k = int(sys.argv[1])
        for _ in range(10):
            chip_version(k).to_file({str(tmp_path)!r} + "/chip.pbin")
            result_version(k).to_file({str(tmp_path)!r} + "/result.pkl")
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(k)], stderr=subprocess.PIPE, text=True)
             for k in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    assert lola.Chip.from_file(tmp_path / "chip.pbin") in [chip_version(k) for k in range(3)]
    assert CalibResult.from_file(tmp_path / "result.pkl") in [result_version(k) for k in range(3)]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("suffix", CHIP_FORMATS)
def test_broken_chip_files_give_value_errors_naming_the_file(tmp_path, suffix):
    path = tmp_path / f"chip{suffix}"
    chip_version(1).to_file(path)
    whole = path.read_bytes()
    for name, data in {"truncated": whole[:len(whole) // 2], "empty": b"", "garbage": os.urandom(300),
                       "one byte changed": whole[:100] + bytes([whole[100] ^ 0x40]) + whole[101:]}.items():
        path.write_bytes(data)
        try:
            back = lola.Chip.from_file(path)
        except ValueError as err:
            assert str(path) in str(err), (name, err)
        else:
            # JSON is checked by its schema: a change that keeps it valid is a valid chip
            assert suffix == ".json" and name == "one byte changed" and isinstance(back, lola.Chip), name
    with pytest.raises(FileNotFoundError):
        lola.Chip.from_file(tmp_path / "missing.npz")


def test_chip_file_with_nan_is_refused(tmp_path):
    arrays = lola.Chip().to_arrays()
    key = next(iter(arrays))
    arrays[key] = np.full(np.shape(arrays[key]), np.nan)
    import json
    np.savez(tmp_path / "nan.npz", __meta__=np.array(json.dumps({"format": "lola.Chip", "version": 1})), **arrays)
    with pytest.raises(ValueError, match=f"nan.npz: entry '{key}' is not finite"):
        lola.Chip.from_file(tmp_path / "nan.npz")


@pytest.mark.parametrize("suffix", RESULT_FORMATS)
def test_broken_result_files_give_value_errors_naming_the_file(tmp_path, suffix):
    path = tmp_path / f"result{suffix}"
    result_version(1).to_file(path)
    whole = path.read_bytes()
    for name, data in {"truncated": whole[:len(whole) // 2], "empty": b"", "garbage": os.urandom(300)}.items():
        path.write_bytes(data)
        with pytest.raises(ValueError) as err:
            CalibResult.from_file(path)
        assert str(path) in str(err.value), name


def test_result_with_nan_values_is_refused(tmp_path):
    r = result_version(0)
    r.values[next(iter(r.values))] = np.full(512, np.nan)
    r.to_file(tmp_path / "nan.npz")
    with pytest.raises(ValueError, match="nan.npz: value .* is not finite"):
        CalibResult.from_file(tmp_path / "nan.npz")


def test_result_from_file_in_a_fresh_process(tmp_path):
    from calix.hagen import HagenCalibResult
    spiking_result = result_version(2)
    hagen_result = HagenCalibResult(dict(result_version(3).values), chip_id="emulator-chip-1")
    for r, kind in ((spiking_result, "CalibResult"), (hagen_result, "HagenCalibResult")):
        for suffix in RESULT_FORMATS:
            path = tmp_path / f"{kind}{suffix}"
            r.to_file(path)
            code = (f"import calix; r = calix.result_from_file({str(path)!r}); "
                    f"print(type(r).__name__, type(r.target).__name__, len(r.values))")
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            assert out.stdout.split() == [kind, type(r.target).__name__, str(len(r.values))]


def test_an_unreadable_cache_entry_is_reported_once_moved_aside_and_made_again(tmp_path, monkeypatch, caplog):
    calls = []

    def fake(self, connection, options, progress=None):
        calls.append(1)
        return result_version(len(calls))

    monkeypatch.setattr(spiking.SpikingCalibTarget, "calibrate", fake)
    target = spiking.SpikingCalibTarget()
    with hxcomm.EmulatorConnection(chip_id=5) as conn:
        first = calix.calibrate(target, cache_paths=[tmp_path], connection=conn)
        entry, = tmp_path.glob("spiking-*.npz")
        broken = entry.read_bytes()[:500]                       # truncated, e.g. by a full disk
        entry.write_bytes(broken)
        with caplog.at_level(logging.WARNING, logger="calix.cache"):
            second = calix.calibrate(target, cache_paths=[tmp_path], connection=conn)
            third = calix.calibrate(target, cache_paths=[tmp_path], connection=conn)
    assert len(calls) == 2                                      # made again once, then cached
    assert second == third and second.values.keys() == first.values.keys()
    warnings = [r for r in caplog.records if "unusable" in r.getMessage()]
    assert len(warnings) == 1 and "moved aside" in warnings[0].getMessage()
    aside, = tmp_path.glob("spiking-*.npz.unreadable-*")
    assert aside.read_bytes() == broken                          # kept for inspection
    assert CalibResult.from_file(entry) == second


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")

    def failing_fsync(fd):
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
