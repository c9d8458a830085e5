"""The calibration framework: one parameter search over many instances.

A :class:`Calib` tunes one parameter (a CapMem cell, a digital offset) of
``n_instances`` instances (neurons, quadrants, drivers) so that a measured
result hits a target. Subclasses say how to write parameters
(``configure_parameters``) and how to measure (``measure_results``); an
:mod:`algorithm <calix.common.algorithms>` decides which parameters to probe.
``run`` returns a :class:`ParameterCalibResult` with a success mask and, for
every failed instance, the reason.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

import stadls

from .algorithms import Algorithm
from .exceptions import AlgorithmError, format_indices

__all__ = ["Calib", "ParameterRange", "ParameterCalibResult"]

log = logging.getLogger("calix")


@dataclass(frozen=True)
class ParameterRange:
    """Inclusive range of a parameter (scalars or per-instance arrays)."""

    lower: object
    upper: object

    def __iter__(self):
        return iter((self.lower, self.upper))


@dataclass
class ParameterCalibResult:
    """What :meth:`Calib.run` returns.

    ``calibrated_parameters``: int64 (n_instances,); ``success``: bool mask;
    ``results``: the measured result at the calibrated parameters (NaN if the
    algorithm did not measure there); ``failures``: reason -> failed indices.
    """

    calibrated_parameters: np.ndarray
    success: np.ndarray
    results: Optional[np.ndarray] = None
    failures: Dict[str, np.ndarray] = field(default_factory=dict)


class Calib:
    """One-dimensional parameter search, all instances in parallel.

    - ``parameter_range``: inclusive ``(low, high)`` of the parameter
    - ``n_instances``: how many instances are calibrated at once
    - ``inverted``: the result decreases when the parameter grows
    - ``errors``: messages for instances that end at the lower / upper
      end of the range (why the target could not be reached)
    - ``tolerance``: an instance whose result misses the target by more
      than this (result units) fails; ``None``: only range ends fail
    """

    def __init__(self, parameter_range, n_instances: int, inverted: bool = False,
                 errors: Optional[Sequence[str]] = None, tolerance: Optional[float] = None,
                 name: Optional[str] = None):
        lo, hi = parameter_range
        self.parameter_range = ParameterRange(lo, hi)
        self.n_instances = int(n_instances)
        self.inverted = bool(inverted)
        self.errors = tuple(errors) if errors else (
            "parameter at the lower end of its range", "parameter at the upper end of its range")
        self.tolerance = tolerance
        self.target = None
        self.name = name or type(self).__name__

    # -- hooks ------------------------------------------------------------------------
    def prelude(self, connection) -> None:
        """Prepare the chip before the search (default: nothing)."""

    def configure_parameters(self, builder: stadls.PlaybackProgramBuilder, parameters: np.ndarray):
        """Append the writes that set ``parameters`` (n_instances,) to ``builder``."""
        raise NotImplementedError

    def measure_results(self, connection, builder: stadls.PlaybackProgramBuilder) -> np.ndarray:
        """Run ``builder`` (with the measurement appended) and return the
        result of every instance (n_instances,)."""
        raise NotImplementedError

    def postlude(self, connection) -> None:
        """Clean up or log after the search (default: nothing)."""

    # -- driver -----------------------------------------------------------------------
    def measure_parameters(self, connection, parameters: np.ndarray) -> np.ndarray:
        """Configure ``parameters`` and measure (what algorithms call)."""
        builder = stadls.PlaybackProgramBuilder()
        self.configure_parameters(builder, np.asarray(parameters, dtype=np.int64))
        return np.asarray(self.measure_results(connection, builder), dtype=float)

    def run(self, connection, algorithm: Algorithm, target=None) -> ParameterCalibResult:
        """Search the parameters that give ``target`` (default ``self.target``).

        Instances whose parameter ends at a range end, or whose result misses
        the target by more than ``tolerance``, are marked failed (logged with
        their indices; nothing is raised here).
        """
        if target is None:
            target = self.target
        if target is None:
            raise AlgorithmError(f"{self.name}: no target given")
        self.prelude(connection)
        params = np.asarray(algorithm.run(self, connection, target), dtype=np.int64)
        if params.shape != (self.n_instances,):
            raise AlgorithmError(f"{type(algorithm).__name__} returned shape {params.shape}, "
                                 f"expected ({self.n_instances},)")
        lo, hi = self.parameter_range
        lo = np.broadcast_to(np.asarray(lo), params.shape)
        hi = np.broadcast_to(np.asarray(hi), params.shape)
        results = algorithm.results
        target_arr = np.broadcast_to(np.asarray(target, float), params.shape)
        failures: Dict[str, np.ndarray] = {}
        missed = np.zeros(params.shape, dtype=bool)
        if self.tolerance is not None and results is not None:
            dev = np.abs(np.asarray(results, float) - target_arr)
            missed = ~(dev <= self.tolerance)          # NaN results count as missed
        at_low = (params <= lo) & missed if self.tolerance is not None else params <= lo
        at_high = (params >= hi) & missed if self.tolerance is not None else params >= hi
        if at_low.any():
            failures[self.errors[0]] = np.flatnonzero(at_low)
        if at_high.any():
            failures[self.errors[1]] = np.flatnonzero(at_high)
        other = missed & ~at_low & ~at_high
        if other.any():
            failures[f"result misses the target by more than {self.tolerance:g}"] = np.flatnonzero(other)
        success = ~(at_low | at_high | other)
        for reason, idx in failures.items():
            log.warning("%s: %d instances failed %s: %s", self.name, len(idx), format_indices(idx), reason)
        self.postlude(connection)
        return ParameterCalibResult(params, success, None if results is None else np.asarray(results, float),
                                    failures)


def as_instance_array(name: str, value, n: int, dtype=float) -> np.ndarray:
    """Broadcast a scalar or array to (n,); ValueError naming the field otherwise."""
    a = np.asarray(value, dtype=dtype)
    try:
        return np.broadcast_to(a, (n,)).copy()
    except ValueError:
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {a.shape}") from None


def shape_check(name: str, value, shapes: Sequence[Tuple[int, ...]]) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.shape not in [tuple(s) for s in shapes]:
        allowed = " or ".join(str(tuple(s)) for s in shapes)
        raise ValueError(f"{name} has shape {a.shape}, expected {allowed}")
    return a
