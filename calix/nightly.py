"""The nightly and weekly default calibrations of an emulated chip, as files.

On the public lab systems a job calibrates every setup each night (and a longer
one each week) and deploys the results under the setup's identifier; scripts
find them through ``pynn.helper.nightly_calib_path()``. Here the emulated chip
plays the setup, and the files are made from the calibrations of this package
on first use, cached like every calix result::

    <root>/nightly/hicann-dls-sr-hx/<chip identifier>/stable/
        latest/          spiking, spiking2, hagen          (the nightly set)
        latest-weekly/   the same plus correlation         (the weekly set)

each as ``<name>_cocolist.pbin`` (the calibrated ``lola.Chip``, portable
binary, read by ``pynn.helper.chip_from_file``) and ``<name>_calix-native.pkl``
(the pickled :class:`~calix.common.result.CalibResult`, for ``pickle.load``).
``<root>`` is the calix cache directory (``$CALIX_CACHE_DIR`` or
``~/.cache/openhx/calix``), the identifier the connection's
``get_unique_identifier()[0]`` (``emulator-chip-3``).

:func:`ensure` makes every file of both sets exist and match the current
calibration key (target, options, chip, calix version: the key of
:func:`calix.calibrate`, so a change that invalidates the calix cache also
remakes these files); a script that only opens or copies a file finds it.
Writes are atomic (a uniquely named temporary file in the same directory,
then ``os.replace``), and one writer at a time per chip holds a lock file, so
concurrent threads and processes neither clash nor calibrate twice.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple, Union

__all__ = ["Recipe", "RECIPES", "FORMATS", "CHIP_MODEL", "NIGHTLY", "WEEKLY", "chip_directory", "file_name",
           "ensure", "deploy", "expected_files"]

log = logging.getLogger("calix.nightly")

PathLike = Union[str, os.PathLike]

#: the directory of the chip model (the public deployment's name for HX chips)
CHIP_MODEL = "hicann-dls-sr-hx"
#: the directories of the nightly and the weekly set, below ``<chip>/stable``
NIGHTLY, WEEKLY = "latest", "latest-weekly"
#: version of the file set (writers, names, layout); a change remakes every file
FILES_VERSION = 1
MANIFEST = ".manifest.json"
LOCK = ".lock"


@dataclass(frozen=True)
class Recipe:
    """One deployed calibration: ``name`` (file prefix), target and options
    (factories), and whether the nightly set holds it (the weekly one holds all)."""

    name: str
    make_target: Callable
    make_options: Callable
    nightly: bool
    description: str


def _spiking2_target():
    from .spiking import NeuronCalibTarget, SpikingCalibTarget
    return SpikingCalibTarget(neuron_target=NeuronCalibTarget(
        leak=80, reset=80, threshold=150, tau_mem=6e-6, tau_syn=6e-6, i_synin_gm=500, synapse_dac_bias=1000))


def _correlation_target():
    from .spiking import NeuronCalibTarget, SpikingCalibTarget
    return SpikingCalibTarget(neuron_target=NeuronCalibTarget(
        leak=100, reset=80, threshold=130, tau_mem=20e-6, tau_syn=5e-6, i_synin_gm=400, synapse_dac_bias=1000))


def _spiking_target():
    from .spiking import SpikingCalibTarget
    return SpikingCalibTarget()


def _spiking_options():
    from .spiking import SpikingCalibOptions
    return SpikingCalibOptions()


def _hagen_target():
    from .hagen import HagenCalibTarget
    return HagenCalibTarget()


def _hagen_options():
    from .hagen import HagenCalibOptions
    return HagenCalibOptions()


#: The deployed calibrations (public ``calix_generate_default_calibration.py`` and
#: ``calix_generate_weekly_calibration.py``). ``correlation`` holds the weekly recipe's neuron
#: calibration; the correlation sensors themselves are not calibrated (docs/calix.md).
RECIPES: Tuple[Recipe, ...] = (
    Recipe("spiking", _spiking_target, _spiking_options, True, "SpikingCalibTarget() defaults"),
    Recipe("spiking2", _spiking2_target, _spiking_options, True,
           "leak = reset = 80, threshold 150, tau_mem = tau_syn = 6 us, i_synin_gm 500, synapse DAC bias 1000"),
    Recipe("hagen", _hagen_target, _hagen_options, True, "HagenCalibTarget() defaults: integrators"),
    Recipe("correlation", _correlation_target, _spiking_options, False,
           "leak 100, reset 80, threshold 130, tau_mem 20 us, tau_syn 5 us, i_synin_gm 400, "
           "synapse DAC bias 1000 (neurons only)"),
)


def _cocolist(result) -> bytes:
    return result.to_chip().to_portable_binary()


def _native(result) -> bytes:
    return pickle.dumps(result, protocol=4)


#: (format name, file suffix, bytes of a result): the public ``*_cocolist.pbin`` and
#: ``*_calix-native.pkl`` dumpers
FORMATS: Tuple[Tuple[str, str, Callable], ...] = (
    ("cocolist", ".pbin", _cocolist),
    ("calix-native", ".pkl", _native),
)


def file_name(recipe: str, fmt: str) -> str:
    """``spiking_cocolist.pbin``, ``hagen_calix-native.pkl``, ..."""
    for name, suffix, _ in FORMATS:
        if name == fmt:
            return f"{recipe}_{name}{suffix}"
    raise ValueError(f"unknown format {fmt!r}; valid: {[f[0] for f in FORMATS]}")


def expected_files() -> Dict[str, Tuple[Tuple[str, str], ...]]:
    """{set directory: ((recipe, file name), ...)} of a complete deployment."""
    out = {}
    for folder, nightly_only in ((NIGHTLY, True), (WEEKLY, False)):
        out[folder] = tuple((r.name, file_name(r.name, f[0])) for r in RECIPES if r.nightly or not nightly_only
                            for f in FORMATS)
    return out


def _safe(identifier: str) -> str:
    """A directory name for a chip identifier (keeps letters, digits and ``-_.,=``)."""
    return re.sub(r"[^A-Za-z0-9._,=-]", "_", identifier) or "_"


def chip_directory(identifier: str, root: Optional[PathLike] = None) -> Path:
    """``<root>/nightly/hicann-dls-sr-hx/<identifier>/stable`` (root: the calix cache directory)."""
    from .common.cache import default_cache_dir
    base = Path(root).expanduser() if root is not None else default_cache_dir()
    return base / "nightly" / CHIP_MODEL / _safe(identifier) / "stable"


@lru_cache(maxsize=None)
def _emulator_identifier(chip_id: int) -> str:
    import hxcomm
    with hxcomm.EmulatorConnection(chip_id=chip_id) as conn:
        return conn.get_unique_identifier()[0]


def _keys(identifier: str) -> Dict[str, str]:
    """{recipe: calibration cache key} (the key of calix.calibrate for this chip)."""
    from . import __version__, _kind_and_options
    from .common.cache import cache_key
    out = {}
    for r in RECIPES:
        kind, target, options = _kind_and_options(r.make_target(), r.make_options())
        out[r.name] = cache_key(kind, target, options, identifier, __version__)
    return out


# -- files ------------------------------------------------------------------------------------------
def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`lola.fileio.atomic_write`: a uniquely
    named temporary file in the same directory, fsync, rename): readers see the old or the
    new file, never a part."""
    from lola.fileio import atomic_write
    atomic_write(path, data)


_THREAD_LOCKS: Dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer at a time per chip directory: a thread lock in this process and an
    exclusive ``flock`` on ``<directory>/.lock`` across processes (where available)."""
    with _THREAD_LOCKS_GUARD:
        tlock = _THREAD_LOCKS.setdefault(str(directory), threading.Lock())
    with tlock:
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / LOCK, "a+b") as f:
            try:
                import fcntl
            except ImportError:              # pragma: no cover - not POSIX: the thread lock only
                yield
                return
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _read_manifest(folder: Path) -> dict:
    try:
        with open(folder / MANIFEST) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return {}
    if m.get("files_version") != FILES_VERSION:
        return {}
    return m.get("files", {})


def _stale(stable: Path, keys: Dict[str, str]) -> Dict[str, Sequence[str]]:
    """{set directory: [file names that are missing or do not match ``keys``]}."""
    out = {}
    for folder, files in expected_files().items():
        manifest = _read_manifest(stable / folder)
        bad = []
        for recipe, name in files:
            entry = manifest.get(name)
            path = stable / folder / name
            if (entry is None or entry.get("key") != keys[recipe] or not path.is_file()
                    or path.stat().st_size != entry.get("size")):
                bad.append(name)
        if bad:
            out[folder] = bad
    return out


def deploy(connection, stable: PathLike, names: Optional[Dict[str, Sequence[str]]] = None,
           cache_paths: Optional[Sequence[PathLike]] = None, progress: Optional[bool] = None) -> Dict[str, Path]:
    """Calibrate the chip on ``connection`` for the recipes and write their files
    into ``stable/latest`` and ``stable/latest-weekly`` (atomically; the caller holds
    the lock if others may write too). ``names``: {set directory: file names} to
    write (default: all); ``cache_paths`` as for :func:`calix.calibrate` (the
    calibrations themselves come from the calix cache when they are there).
    Returns {file name in its set directory ("latest/spiking_cocolist.pbin"): path}."""
    from . import calibrate as _calibrate
    stable = Path(stable)
    wanted = names if names is not None else {k: [n for _, n in v] for k, v in expected_files().items()}
    needed = {recipe for folder, files in expected_files().items() for recipe, name in files
              if name in wanted.get(folder, ())}
    identifier = connection.get_unique_identifier()[0]
    keys = _keys(identifier)
    contents: Dict[str, bytes] = {}
    for r in RECIPES:
        if r.name not in needed:
            continue
        log.info("nightly calibration %s of %s", r.name, identifier)
        result = _calibrate(r.make_target(), r.make_options(), cache_paths=cache_paths, connection=connection,
                            progress=progress)
        for fmt, _suffix, encode in FORMATS:
            contents[file_name(r.name, fmt)] = encode(result)
    written = {}
    for folder, files in expected_files().items():
        todo = [(recipe, name) for recipe, name in files if name in wanted.get(folder, ())]
        if not todo:
            continue
        d = stable / folder
        d.mkdir(parents=True, exist_ok=True)
        manifest = _read_manifest(d)
        for recipe, name in todo:
            data = contents[name]
            _atomic_write(d / name, data)
            manifest[name] = {"recipe": recipe, "key": keys[recipe], "size": len(data),
                              "sha256": hashlib.sha256(data).hexdigest()}
            written[f"{folder}/{name}"] = d / name
        doc = {"format": "calix.nightly", "files_version": FILES_VERSION, "chip": identifier, "files": manifest}
        _atomic_write(d / MANIFEST, json.dumps(doc, indent=1, sort_keys=True).encode())
    return written


def ensure(chip_id: int, root: Optional[PathLike] = None, progress: Optional[bool] = None,
           regenerate: bool = False) -> Path:
    """The ``stable`` directory of emulated chip ``chip_id`` with every file of the
    nightly and the weekly set present and current; missing or stale files are made
    first (calibrations from the calix cache in ``root`` when they are there).
    ``regenerate`` remakes every file. Safe under concurrent calls (threads and
    processes): one of them writes, the others wait for it and find the files."""
    identifier = _emulator_identifier(int(chip_id))
    stable = chip_directory(identifier, root)
    keys = _keys(identifier)
    if not regenerate and not _stale(stable, keys):
        return stable
    with _locked(stable):
        todo = {k: [n for _, n in v] for k, v in expected_files().items()} if regenerate else _stale(stable, keys)
        if todo:
            import hxcomm
            from .common.cache import default_cache_dir
            cache = [Path(root).expanduser() if root is not None else default_cache_dir()]
            with hxcomm.EmulatorConnection(chip_id=int(chip_id)) as conn:
                deploy(conn, stable, todo, cache_paths=cache, progress=progress)
    return stable
