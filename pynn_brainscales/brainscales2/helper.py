"""The "nightly calibration" of the emulated chip, offline.

On hardware, ``nightly_calib_path()`` / ``chip_from_nightly()`` fetch the calibration made every
night for a setup.  Here the role is played by calix's default calibration of the emulated chip
(``calix.default_calibration(chip_id)``: ``SpikingCalibTarget()`` defaults), generated on first
use (~1.5 s for 512 neurons) and cached (``$CALIX_CACHE_DIR`` or ``~/.cache/openhx/calix``)::

    pynn.setup(initial_config=pynn.helper.chip_from_nightly())
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import lola

PathLike = Union[str, os.PathLike]


def _chip_id(chip_id: Optional[int]) -> int:
    if chip_id is None:
        chip_id = int(os.environ.get("HXCOMM_CHIP_ID", "0"))
    chip_id = int(chip_id)
    if chip_id < 0:
        raise ValueError(f"chip_id {chip_id} must be >= 0")
    return chip_id


def nightly_calib_path(chip_id: Optional[int] = None, cache_dir: Optional[PathLike] = None) -> Path:
    """Path of the default calibration file of emulated chip ``chip_id`` (default: ``HXCOMM_CHIP_ID``
    or 0); the calibration is generated and cached first if it does not exist yet."""
    import calix
    cid = _chip_id(chip_id)
    path = Path(calix.default_calibration_file(cid, cache_dir=cache_dir))
    if not path.exists():
        calix.default_calibration(cid, cache_dir=cache_dir)
    if not path.exists():       # pragma: no cover - calix did not write where it said it would
        raise FileNotFoundError(f"calix did not write the default calibration of chip {cid} to {path}")
    return path


def calib_from_file(path: PathLike):
    """The ``calix.CalibResult`` stored in ``path`` (``.npz`` or ``.json``)."""
    import calix
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no calibration file {path}")
    return calix.result_from_file(path)


def chip_from_file(path: PathLike) -> lola.Chip:
    """A new ``lola.Chip`` holding the calibration stored in ``path`` (a calix result file)."""
    return calib_from_file(path).to_chip()


def chip_from_nightly(chip_id: Optional[int] = None, cache_dir: Optional[PathLike] = None) -> lola.Chip:
    """A new ``lola.Chip`` with the default ("nightly") calibration of emulated chip ``chip_id``."""
    return chip_from_file(nightly_calib_path(chip_id, cache_dir=cache_dir))
