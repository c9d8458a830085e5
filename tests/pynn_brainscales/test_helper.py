"""pynn.helper: the nightly and weekly calibration files of the emulated chip (layout, formats,
atomic and concurrent generation, damaged files, pickles in a fresh process).

The deployment of chip 0 lives in the normal calix cache and is shared by all tests (it is made
once, by whichever test needs it first); tests that damage or remake files work on a copy in
a temporary root that holds the cached calibrations, so nothing is calibrated twice."""
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import lola
import pynn_brainscales.brainscales2 as pynn
import stadls

import calix
import calix.nightly as nightly
from calix.common.cache import CalibCache, cache_key

ALL = {"latest": ["spiking", "spiking2", "hagen"], "latest-weekly": ["spiking", "spiking2", "hagen", "correlation"]}


@pytest.fixture(scope="module")
def path(monkeypatch_module):
    monkeypatch_module.delenv("HXCOMM_CHIP_ID", raising=False)
    return pynn.helper.nightly_calib_path()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture
def root(path, tmp_path):
    """An empty deployment root that holds chip 0's cached calibrations (no recalibration)."""
    identifier = "emulator-chip-0"
    for r in nightly.RECIPES:
        kind, target, options = calix._kind_and_options(r.make_target(), r.make_options())
        name = CalibCache.filename(kind, cache_key(kind, target, options, identifier, calix.__version__))
        shutil.copy(calix.default_cache_dir() / name, tmp_path / name)
    return tmp_path


def _data_files(stable):
    return sorted(p for p in Path(stable).rglob("*") if p.is_file() and not p.name.startswith("."))


def test_layout_public_idioms_and_every_file(path):
    stable = calix.default_cache_dir() / "nightly" / "hicann-dls-sr-hx" / "emulator-chip-0" / "stable"
    assert path == stable / "latest" / "spiking_cocolist.pbin"
    assert pynn.helper.get_unique_identifier() == ["emulator-chip-0"]
    # what public scripts do with the path
    hagen = pynn.helper.chip_from_file(path.parent / "hagen_cocolist.pbin")
    weekly = path.parent.parent / "latest-weekly"
    names = {folder: sorted(f"{r}_{f}" for r in recipes for f in ("cocolist.pbin", "calix-native.pkl"))
             for folder, recipes in ALL.items()}
    for folder, expected in names.items():
        assert sorted(p.name for p in (stable / folder).iterdir() if not p.name.startswith(".")) == expected
    for recipe in ALL["latest-weekly"]:
        with open(weekly / f"{recipe}_calix-native.pkl", "rb") as f:
            result = pickle.load(f)
        # the .pbin is exactly the pickled result's chip
        assert pynn.helper.chip_from_file(weekly / f"{recipe}_cocolist.pbin") == result.to_chip()
        assert result.chip_id == "emulator-chip-0" and result.success.mean() >= 0.98
    for name in names["latest"]:                # the nightly set: the same calibrations
        assert (stable / "latest" / name).read_bytes() == (weekly / name).read_bytes()
    with open(weekly / "hagen_calix-native.pkl", "rb") as f:
        h = pickle.load(f)
    assert isinstance(h, calix.hagen.HagenCalibResult) and hagen == h.to_chip()
    assert np.all(h.neuron("leak.i_bias") == 0) and not h.neuron("threshold.enable").any()
    with open(weekly / "spiking2_calix-native.pkl", "rb") as f:
        s2 = pickle.load(f)
    nt = s2.target.neuron_target
    assert (nt.leak, nt.reset, nt.threshold, nt.tau_mem, nt.tau_syn, nt.synapse_dac_bias) == \
        (80, 80, 150, 6e-6, 6e-6, 1000)
    # the manifest records every file with its calibration key and content hash
    for folder in ALL:
        m = json.loads((stable / folder / ".manifest.json").read_text())
        assert m["chip"] == "emulator-chip-0" and sorted(m["files"]) == names[folder]
        for name, entry in m["files"].items():
            assert entry["sha256"] == hashlib.sha256((stable / folder / name).read_bytes()).hexdigest()


def test_later_calls_write_nothing(path):
    before = {p: p.stat().st_mtime_ns for p in _data_files(path.parent.parent)}
    assert pynn.helper.nightly_calib_path(chip_id=0) == path
    assert {p: p.stat().st_mtime_ns for p in _data_files(path.parent.parent)} == before


def test_public_workflow_hxneurons_take_the_calibration(path):
    chip = pynn.helper.chip_from_nightly()
    assert chip == pynn.helper.chip_from_file(path)
    pynn.setup(initial_config=chip)
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=list(np.arange(0.01, 0.19, 0.005))))
    n = pynn.Population(2, pynn.HXNeuron())
    m = pynn.Population(1, pynn.HXNeuron(threshold_v_threshold=1000))
    for k, a in enumerate((0, 1)):
        assert n.get("leak_v_leak")[k] == chip.neuron_block.atomic_neurons[a].leak.v_leak
    assert m.get("threshold_v_threshold") == 1000                  # given explicitly: kept
    for p in (n, m):
        p.record("spikes")
        pynn.Projection(src, p, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63),
                        receptor_type="excitatory")
    pynn.run(0.2)
    assert all(len(s) > 10 for s in n.get_data().segments[0].spiketrains)
    assert len(m.get_data().segments[0].spiketrains[0]) == 0       # threshold out of reach
    pynn.end()


def test_chip_from_file_formats_and_errors(path, tmp_path):
    chip = pynn.helper.chip_from_file(path)
    with open(path.parent / "spiking_calix-native.pkl", "rb") as f:
        result = pickle.load(f)
    for name, write in (("c.npz", chip.to_file), ("r.npz", result.to_file),
                        ("r.json", result.to_file), ("r.pkl", result.to_file)):
        write(tmp_path / name)
        assert pynn.helper.chip_from_file(tmp_path / name) == chip, name
    data = path.read_bytes()
    (tmp_path / "cut.pbin").write_bytes(data[:-100])
    with pytest.raises(ValueError, match=r"cut\.pbin.*truncated"):
        pynn.helper.chip_from_file(tmp_path / "cut.pbin")
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x10
    (tmp_path / "flip.pbin").write_bytes(bytes(bad))
    with pytest.raises(ValueError, match=r"flip\.pbin.*corrupt"):
        pynn.helper.chip_from_file(tmp_path / "flip.pbin")
    (tmp_path / "zip.pbin").write_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(ValueError, match="not a lola.Chip portable binary"):
        pynn.helper.chip_from_file(tmp_path / "zip.pbin")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="unknown calibration file type '.txt'"):
        pynn.helper.chip_from_file(tmp_path / "x.txt")
    with pytest.raises(FileNotFoundError):
        pynn.helper.chip_from_file(tmp_path / "missing.pbin")
    with pytest.raises(ValueError, match="-1"):
        pynn.helper.nightly_calib_path(chip_id=-1)
    assert nightly.chip_directory("emulator-chip-1") != nightly.chip_directory("emulator-chip-2")
    assert nightly.chip_directory("emulator-chip-1,noise=0.5", tmp_path).parent.name == "emulator-chip-1,noise=0.5"


def test_missing_damaged_and_stale_files_are_remade(root, path):
    stable = nightly.ensure(0, root=root)
    reference = {p.relative_to(stable): p.read_bytes() for p in _data_files(stable)}
    assert len(reference) == 14
    # the same calibration as the shared deployment
    assert pynn.helper.chip_from_file(stable / "latest" / "hagen_cocolist.pbin") == \
        pynn.helper.chip_from_file(path.parent / "hagen_cocolist.pbin")
    (stable / "latest" / "hagen_cocolist.pbin").unlink()
    cut = stable / "latest-weekly" / "correlation_cocolist.pbin"
    cut.write_bytes(cut.read_bytes()[:50])
    m = stable / "latest" / ".manifest.json"
    doc = json.loads(m.read_text())
    doc["files"]["spiking2_calix-native.pkl"]["key"] = "made-with-another-calibration"
    m.write_text(json.dumps(doc))
    untouched = (stable / "latest" / "spiking_cocolist.pbin").stat().st_mtime_ns
    assert nightly.ensure(0, root=root) == stable
    assert {p.relative_to(stable): p.read_bytes() for p in _data_files(stable)} == reference
    assert (stable / "latest" / "spiking_cocolist.pbin").stat().st_mtime_ns == untouched


def test_concurrent_threads_calibrate_and_write_once(root, monkeypatch):
    writes, lock = [], threading.Lock()
    real = nightly._atomic_write

    def counting(p, data):
        with lock:
            writes.append(Path(p).name)
        real(p, data)

    monkeypatch.setattr(nightly, "_atomic_write", counting)
    barrier = threading.Barrier(4)
    out, errors = [], []

    def worker():
        try:
            barrier.wait()
            out.append(nightly.ensure(0, root=root))
        except BaseException as err:        # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(out)) == 1
    data = [w for w in writes if not w.startswith(".")]
    assert len(data) == 14 and len(set(data)) == 8             # each file once in each set directory
    assert not [p for p in Path(root).rglob("*.tmp")]


_PROCESS = """
import sys, calix.nightly as n
count = [0]
real = n._atomic_write
def counting(p, data):
    count[0] += not p.name.startswith(".")
    real(p, data)
n._atomic_write = counting
open(sys.argv[2], "w").close()
while len(__import__("os").listdir(sys.argv[3])) < 2:      # start together
    pass
n.ensure(0, root=sys.argv[1])
print(count[0])
"""


def test_two_processes_share_one_generation(root, tmp_path_factory):
    ready = tmp_path_factory.mktemp("ready")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, "-c", _PROCESS, str(root), str(ready / f"p{k}"), str(ready)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for k in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert sum(int(o[0].split()[-1]) for o in outs) == 14     # one of them wrote every file, once
    stable = nightly.chip_directory("emulator-chip-0", root)
    for folder in ("latest", "latest-weekly"):
        m = json.loads((stable / folder / ".manifest.json").read_text())
        for name, entry in m["files"].items():
            assert entry["sha256"] == hashlib.sha256((stable / folder / name).read_bytes()).hexdigest()
    assert not [p for p in Path(root).rglob("*.tmp")]


def test_atomic_writes_never_show_half_a_file(tmp_path):
    target = tmp_path / "f.bin"
    payloads = [bytes([k]) * 300_000 for k in range(6)]
    nightly._atomic_write(target, payloads[0])
    stop = threading.Event()
    seen, errors = set(), []

    def reader():
        while not stop.is_set():
            data = target.read_bytes()
            if data not in payloads:
                errors.append(len(data))
            seen.add(data[:1])

    def writer(k):
        for _ in range(20):
            nightly._atomic_write(target, payloads[k])

    r = threading.Thread(target=reader)
    r.start()
    ws = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    stop.set()
    r.join()
    assert not errors and target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]      # no temporary file left behind


def test_pickles_load_in_a_fresh_process(path):
    weekly = path.parent.parent / "latest-weekly"
    code = """
import pickle, sys, hashlib
import stadls
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        r = pickle.load(f)
    b = stadls.PlaybackProgramBuilder()
    r.apply(b)
    d = stadls.PlaybackProgramBuilderDumper()
    r.apply(d)
    print(type(r).__name__, r.kind, len(d.done()), hashlib.sha256(r.to_chip().to_portable_binary()).hexdigest())
"""
    recipes = (("hagen", "HagenCalibResult", "hagen"), ("correlation", "CalibResult", "spiking"))
    out = subprocess.run([sys.executable, "-c", code] + [str(weekly / f"{r}_calix-native.pkl") for r, _, _ in recipes],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout.splitlines()
    assert len(out) == len(recipes)
    for line, (recipe, cls, kind) in zip(out, recipes):
        words = line.split()
        assert words[:2] == [cls, kind] and int(words[2]) > 0
        assert words[3] == hashlib.sha256((weekly / f"{recipe}_cocolist.pbin").read_bytes()).hexdigest()


def test_pickles_refuse_a_newer_format(path):
    with open(path.parent / "spiking_calix-native.pkl", "rb") as f:
        result = pickle.load(f)
    reducer, (state,) = result.__reduce__()
    state = dict(state, meta=dict(state["meta"], format_version=99))
    with pytest.raises(ValueError, match="format version 99 is newer"):
        reducer(state)
    # a pickled result applies like the public one: its writes bring a chip to its configuration
    import halco
    import hxcomm
    b, _ = stadls.generate(stadls.SystemInit())
    result.apply(b)
    ticket = b.read(halco.NeuronBlockOnDLS())
    with hxcomm.EmulatorConnection(chip_id=0) as conn:
        stadls.run(conn, b.done())
    assert ticket.get() == result.to_chip().neuron_block
    assert isinstance(result.to_chip(), lola.Chip)


def test_atomic_neuron_values_and_member_names(path):
    chip = pynn.helper.chip_from_file(path)
    neuron = chip.neuron_block.atomic_neurons[7]
    values = pynn.helper.get_values_of_atomic_neuron(neuron, exclude=["leak_i_bias"])
    assert "leak_i_bias" not in values and values["leak_v_leak"] == float(neuron.leak.v_leak)
    assert values["threshold_enable"] is True
    for key, value in values.items():
        member, field = pynn.helper.decompose_in_member_names(key)
        assert member in pynn.helper.ATOMIC_NEURON_MEMBERS and f"{member}_{field}" == key
        original = getattr(getattr(neuron, member), field)
        assert value == (original if isinstance(original, bool) else float(int(original)))
    with pytest.raises(NotImplementedError, match="nightly_calib_path"):
        pynn.helper.nightly_calib_url()
