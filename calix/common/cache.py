"""Result cache: calibrations keyed by chip identity, target, options and version.

The key is the sha256 of the canonical JSON of (kind, target, options, the
connection's unique identifier, calix version, cache format, and the digest of
the nominal chip model, :func:`chipmodel.transfer.chip_model_digest`, so that a
change of the emulated physics never reuses a calibration of the old one, of
the ``lola.Chip`` array layout, so that a renamed or resized container field
never meets an old result, and of the calibration and emulator code,
:func:`code_digest`, so that a changed calibration step or emulator never meets
an entry of the old code); the file is ``<kind>-<key>.npz`` in the first cache
directory. Lookups go through all directories in order (e.g. a shared read-only
one first); a hit is checked against its metadata and against the chip layout
(every value a ``lola.Chip`` array of the right size, all finite) before it is
returned: anything else is a miss, never an error.  An entry that cannot be read or does
not fit is reported once as a warning and moved aside (renamed to
``<name>.unreadable-<time>``, kept for inspection), so the calibration is made again and
stored in its place; where the directory cannot be written it is only skipped (and
reported once per process).  Entries are written atomically, and temporary files of
writers that died are removed (:mod:`lola.fileio`).

Default directory: ``$CALIX_CACHE_DIR``, else ``~/.cache/openhx/calix``.
"""
from __future__ import annotations

import functools
import logging
import os
import time
from pathlib import Path
from typing import List, Optional, Sequence, Union

from lola.fileio import clean_stale_temps

from . import serial
from .result import CalibResult

__all__ = ["default_cache_dir", "cache_key", "code_digest", "CalibCache", "chip_layout_digest", "layout_problem"]

log = logging.getLogger("calix.cache")

#: 2: per-receptor synaptic drives (results of targets with unequal i_synin_gm changed; info
#: synin_drives, synin_target_shift, tau_syn_drive): entries of format 1 miss
#: 3: the leak divider/multiplier only where the plain bias range (63..959) cannot reach tau_mem,
#: the refractory clock search from the medium scale (as the public calix): entries of format 2 miss
CACHE_FORMAT = 3


#: entries reported as unusable in this process (each is reported once)
_reported = set()


def _set_aside(path: Path, why: str) -> None:
    """Move an unusable entry out of the way (warn once); where that is impossible, warn
    once per process and leave it."""
    aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return                          # another process moved it already
    except OSError as err:
        if str(path) not in _reported:
            _reported.add(str(path))
            log.warning("cache file %s is unusable (%s) and cannot be moved aside (%s); it is skipped",
                        path, why, err)
        return
    log.warning("cache file %s is unusable (%s); moved aside to %s, the calibration is made again",
                path, why, aside.name)


def default_cache_dir() -> Path:
    """``$CALIX_CACHE_DIR`` or ``~/.cache/openhx/calix``."""
    env = os.environ.get("CALIX_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "openhx" / "calix"


@functools.lru_cache(maxsize=1)
def _chip_layout():
    """{array path: (shape, dtype)} of a default ``lola.Chip`` (what a result's values must fit)."""
    import lola
    import numpy as np
    return {k: (np.shape(v), str(np.asarray(v).dtype)) for k, v in lola.Chip().to_arrays().items()}


def chip_layout_digest() -> str:
    """Digest of the ``lola.Chip`` array layout (paths, shapes, dtypes)."""
    return serial.digest(sorted((k, list(shape), dtype) for k, (shape, dtype) in _chip_layout().items()))


def layout_problem(result: CalibResult) -> Optional[str]:
    """Why ``result`` cannot be applied to today's ``lola.Chip`` (None if it can)."""
    import numpy as np
    layout = _chip_layout()
    for k, v in result.values.items():
        if k not in layout:
            return f"value {k!r} is not a lola.Chip array"
        if int(np.size(v)) != int(np.prod(layout[k][0], dtype=np.int64)):
            return f"value {k!r} has {np.size(v)} entries, the chip has {int(np.prod(layout[k][0]))}"
        arr = np.asarray(v)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            return f"value {k!r} is not finite"
    return None


@functools.lru_cache(maxsize=None)
def code_digest() -> str:
    """sha256 (hex) of the code a calibration result depends on: the sources of the calix,
    chipmodel and hxsim packages and, in a source checkout, of the emulator's C++ core
    (``cpp/``). A result made by other code is another entry: a changed step that keeps the
    cache format would otherwise hand out results of the old one. The emulator's sources are
    located, not imported: calix reaches the chip only through a connection."""
    import hashlib
    import importlib.util

    calix_dir = Path(__file__).resolve().parents[1]
    files = []
    for pkg in ("calix", "chipmodel", "hxsim"):
        spec = importlib.util.find_spec(pkg)
        if spec is not None and spec.origin:
            files += sorted(Path(spec.origin).resolve().parent.rglob("*.py"))
    cpp_dir = calix_dir.parent / "cpp"
    if cpp_dir.is_dir():
        files += sorted(f for f in cpp_dir.iterdir() if f.suffix in (".cpp", ".h"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def cache_key(kind: str, target, options, chip_id: str, version: str) -> str:
    """Cache key of a calibration (sha256 hex, see the module doc)."""
    from chipmodel.transfer import chip_model_digest
    return serial.digest({"kind": kind, "target": target, "options": options, "chip_id": chip_id,
                          "version": version, "cache_format": CACHE_FORMAT,
                          "chip_model": chip_model_digest(), "chip_layout": chip_layout_digest(),
                          "code": code_digest()})


class CalibCache:
    """Lookup and store of results in a list of directories.

    ``paths``: directories (str/Path), searched in order; ``None`` = the
    default directory. ``read_only``: never write.
    """

    def __init__(self, paths: Optional[Sequence[Union[str, os.PathLike]]] = None, read_only: bool = False):
        if paths is None:
            paths = [default_cache_dir()]
        elif isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        self.paths: List[Path] = [Path(p).expanduser() for p in paths]
        self.read_only = read_only

    @staticmethod
    def filename(kind: str, key: str) -> str:
        return f"{kind}-{key[:40]}.npz"

    def load(self, kind: str, key: str, chip_id: str, version: str) -> Optional[CalibResult]:
        name = self.filename(kind, key)
        for d in self.paths:
            f = d / name
            if not f.is_file():
                continue
            try:
                result = CalibResult.from_file(f)
            except Exception as err:       # a broken entry is a miss, whatever broke it
                _set_aside(f, f"unreadable: {err}")
                continue
            problem = layout_problem(result)
            if problem is not None:
                _set_aside(f, problem)
                continue
            if result.chip_id != chip_id or result.version != version or result.kind != kind:
                log.warning("ignoring cache file %s: made for chip %r, calix %r", f, result.chip_id,
                            result.version)
                continue
            log.info("calibration cache hit: %s", f)
            return result
        log.info("calibration cache miss (%s)", name)
        return None

    def store(self, result: CalibResult, kind: str, key: str) -> Optional[Path]:
        """Write ``result`` to the first writable directory; returns the file
        (None if read-only or nothing writable)."""
        if self.read_only:
            return None
        name = self.filename(kind, key)
        for d in self.paths:
            try:
                d.mkdir(parents=True, exist_ok=True)
                clean_stale_temps(d)
                result.to_file(d / name)
                log.info("calibration stored in cache: %s", d / name)
                return d / name
            except OSError as err:
                log.warning("cannot write cache directory %s: %s", d, err)
        return None
