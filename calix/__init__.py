"""calix: calibration of the emulated BrainScaleS-2 HX v3 chip.

Everything is measured through stadls programs on an hxcomm connection, as on
real hardware: CADC reads of all neurons, MADC traces, spike counters. Search
algorithms tune the CapMem cells of all 512 neurons in parallel; the result is
a :class:`CalibResult` (npz/JSON files, ``apply(builder)``, ``to_chip()``),
cached per chip, target, options and calix version.

>>> import calix, calix.spiking
>>> result = calix.calibrate(calix.spiking.SpikingCalibTarget())     # doctest: +SKIP
>>> chip = result.to_chip()                                          # doctest: +SKIP

See docs/calix.md.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Optional, Sequence, Union

from .version import __version__  # noqa: E402

from .common.algorithms import (BinarySearch, LinearPrediction, LinearSearch, NoisyBinarySearch,  # noqa: E402
                                PolynomialPrediction, SecantSearch)
from .common.cache import CalibCache, cache_key, default_cache_dir  # noqa: E402
from .common.exceptions import (AlgorithmError, CalibError, CalibNotSuccessful, CalibNotSupported,  # noqa: E402
                                ExcessiveNoiseError, HardwareError, InfeasibleTargetError, TooFewSamplesError)
from .common.result import CalibResult, result_from_file  # noqa: E402
from . import hagen, spiking  # noqa: E402 - also registers their targets, results and calibrations

__all__ = ["calibrate", "default_calibration", "default_calibration_file", "CalibResult", "result_from_file",
           "CalibError", "CalibNotSuccessful", "CalibNotSupported", "InfeasibleTargetError", "TooFewSamplesError",
           "AlgorithmError", "ExcessiveNoiseError", "HardwareError", "BinarySearch", "NoisyBinarySearch",
           "LinearSearch", "PolynomialPrediction", "LinearPrediction", "SecantSearch", "CalibCache",
           "default_cache_dir", "cache_key", "__version__"]

log = logging.getLogger("calix")

#: fraction of the calibrated neurons that may fail before calibrate() raises
DEFAULT_ALLOWED_FAILURES = 0.02


def _kind_and_options(target, options):
    if isinstance(target, (hagen.HagenCalibTarget, hagen.HagenSyninCalibTarget)):
        expected = hagen.HagenCalibOptions if isinstance(target, hagen.HagenCalibTarget) \
            else hagen.HagenSyninCalibOptions
        if options is None:
            options = expected()
        if not isinstance(options, expected):
            raise TypeError(f"a {type(target).__name__} needs {expected.__name__}, got {type(options).__name__}")
        if isinstance(target, hagen.HagenSyninCalibTarget):
            target.calibrate(None, options)     # raises NotImplementedError naming the feature
        return "hagen", target, options
    if isinstance(target, Mapping):
        target = spiking.SpikingCalibTarget.from_mapping(target)
    if isinstance(target, spiking.NeuronModelTarget):
        target = spiking.SpikingCalibTarget(neuron_target=target)
    if isinstance(target, spiking.SpikingCalibTarget):
        if options is None:
            options = spiking.SpikingCalibOptions()
        if not isinstance(options, spiking.SpikingCalibOptions):
            raise TypeError(f"a SpikingCalibTarget needs SpikingCalibOptions, got {type(options).__name__}")
        return "spiking", target, options
    if isinstance(target, spiking.correlation.CorrelationCalibTarget):
        if options is None:
            options = spiking.correlation.CorrelationCalibOptions()
        if not isinstance(options, spiking.correlation.CorrelationCalibOptions):
            raise TypeError(f"a CorrelationCalibTarget needs CorrelationCalibOptions, got {type(options).__name__}")
        return "correlation", target, options
    raise TypeError(f"calix.calibrate cannot calibrate a {type(target).__name__}; use "
                    "calix.spiking.SpikingCalibTarget, calix.spiking.correlation.CorrelationCalibTarget or "
                    "calix.hagen.HagenCalibTarget")


@contextlib.contextmanager
def _connection(connection):
    if connection is not None:
        yield connection
        return
    import hxcomm
    with hxcomm.ManagedConnection() as conn:
        yield conn


def calibrate(target, options=None, cache_paths: Optional[Sequence[Union[str, os.PathLike]]] = None,
              connection=None, *, cache_read_only: bool = False, progress: Optional[bool] = None,
              allowed_failures: float = DEFAULT_ALLOWED_FAILURES) -> CalibResult:
    """Calibrate the chip behind ``connection`` for ``target``; cached.

    - ``target``: a :class:`calix.spiking.SpikingCalibTarget` (hardware units; or a mapping
      of its parts' fields, :meth:`~calix.spiking.SpikingCalibTarget.from_mapping`, as
      grenade's NIR importer gives),
      a :class:`calix.spiking.NeuronModelTarget` (model units: mV, ms, nA) or a
      :class:`calix.hagen.HagenCalibTarget` (integrators; the result is a
      :class:`calix.hagen.HagenCalibResult`)
    - ``options``: the matching options (default: default options)
    - ``cache_paths``: cache directories, searched in order, the first one
      written; None = ``$CALIX_CACHE_DIR`` or ``~/.cache/openhx/calix``;
      ``[]`` = no cache
    - ``connection``: an hxcomm connection; None opens
      ``hxcomm.ManagedConnection()`` (the emulator, ``HXCOMM_CHIP_ID``) for
      the call
    - ``cache_read_only``: look up, but never write the cache
    - ``progress``: show a tqdm bar (None: when stderr is a terminal)
    - ``allowed_failures``: fraction of the calibrated neurons that may miss
      their targets; the result marks them in ``success`` and the log lists
      them. More failures raise :class:`CalibNotSuccessful` (its ``result``
      holds the partial calibration; it is not cached).
    - raises ``InfeasibleTargetError``: a target outside its feasible range (before
      anything is measured)
    - raises ``CalibNotSuccessful``: too many neurons failed (names them and why)
    """
    kind, target, options = _kind_and_options(target, options)
    target.check()
    cache = CalibCache(cache_paths, read_only=cache_read_only)
    with _connection(connection) as conn:
        chip_id = conn.get_unique_identifier()[0]
        key = cache_key(kind, target, options, chip_id, __version__)
        result = cache.load(kind, key, chip_id, __version__) if cache.paths else None
        if result is not None:
            return result
        result = target.calibrate(conn, options, progress=progress)
    result.chip_id = chip_id
    result.target, result.options = target, options
    calibrated = _calibrated_neurons(options)
    failed = calibrated[~result.success[calibrated]]
    if failed.size > allowed_failures * calibrated.size:
        raise CalibNotSuccessful(result.failures, result=result)
    if failed.size:
        log.warning("%d of %d neurons failed their targets (%s); see result.failures",
                    failed.size, calibrated.size, failed.tolist()[:20])
    if cache.paths:
        cache.store(result, kind, key)
    return result


def _calibrated_neurons(options):
    import numpy as np

    import halco
    neurons = getattr(options, "neurons", None)
    return np.arange(halco.AtomicNeuronOnDLS.size) if neurons is None else np.asarray(neurons, dtype=np.int64)


def default_calibration_file(chip_id: int, cache_dir: Optional[Union[str, os.PathLike]] = None) -> Path:
    """Where the default calibration of ``chip_id`` is (or will be) cached."""
    target, options = spiking.SpikingCalibTarget(), spiking.SpikingCalibOptions()
    key = cache_key("spiking", target, options, f"emulator-chip-{int(chip_id)}", __version__)
    return Path(cache_dir or default_cache_dir()) / CalibCache.filename("spiking", key)


def default_calibration(chip_id: int, cache_dir: Optional[Union[str, os.PathLike]] = None,
                        progress: Optional[bool] = None) -> CalibResult:
    """The default spiking calibration of emulated chip ``chip_id`` (the role
    of the public nightly calibration): ``SpikingCalibTarget()`` with default
    options, generated on first use on ``hxcomm.EmulatorConnection(chip_id)``
    and cached (``cache_dir``, default ``$CALIX_CACHE_DIR`` or
    ``~/.cache/openhx/calix``); later calls load the file."""
    import hxcomm
    with hxcomm.EmulatorConnection(chip_id=int(chip_id)) as conn:
        return calibrate(spiking.SpikingCalibTarget(), spiking.SpikingCalibOptions(),
                         cache_paths=[cache_dir or default_cache_dir()], connection=conn, progress=progress)
