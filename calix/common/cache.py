"""Result cache: calibrations keyed by chip identity, target, options and version.

The key is the sha256 of the canonical JSON of (kind, target, options, the
connection's unique identifier, calix version, cache format, and the digest of
the nominal chip model, :func:`hxsim.transfer.chip_model_digest`, so that a
change of the emulated physics never reuses a calibration of the old one, and of
the ``lola.Chip`` array layout, so that a renamed or resized container field
never meets an old result); the file is ``<kind>-<key>.npz`` in the first cache
directory. Lookups go through all directories in order (e.g. a shared read-only
one first); a hit is checked against its metadata and against the chip layout
(every value a ``lola.Chip`` array of the right size, all finite) before it is
returned: anything else is a miss with a warning, never an error.

Default directory: ``$CALIX_CACHE_DIR``, else ``~/.cache/openhx/calix``.
"""
from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import List, Optional, Sequence, Union

from . import serial
from .result import CalibResult

__all__ = ["default_cache_dir", "cache_key", "CalibCache", "chip_layout_digest", "layout_problem"]

log = logging.getLogger("calix.cache")

#: 2: per-receptor synaptic drives (results of targets with unequal i_synin_gm changed; info
#: synin_drives, synin_target_shift, tau_syn_drive): entries of format 1 miss
#: 3: refractory clocks as public calix chooses them (2 us = 32 ticks of scale 3, not 250 of
#: scale 0): entries of format 2 miss
CACHE_FORMAT = 3


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


def cache_key(kind: str, target, options, chip_id: str, version: str) -> str:
    """Cache key of a calibration (sha256 hex, see the module doc)."""
    from hxsim.transfer import chip_model_digest
    return serial.digest({"kind": kind, "target": target, "options": options, "chip_id": chip_id,
                          "version": version, "cache_format": CACHE_FORMAT,
                          "chip_model": chip_model_digest(), "chip_layout": chip_layout_digest()})


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
                log.warning("ignoring unreadable cache file %s: %s", f, err)
                continue
            problem = layout_problem(result)
            if problem is not None:
                log.warning("ignoring cache file %s: %s", f, problem)
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
                result.to_file(d / name)
                log.info("calibration stored in cache: %s", d / name)
                return d / name
            except OSError as err:
                log.warning("cannot write cache directory %s: %s", d, err)
        return None
