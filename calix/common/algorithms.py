"""Search algorithms: find per-instance parameters whose measured result hits a target.

Every algorithm works on all instances (neurons, quadrants, drivers) in
parallel: one call of ``calibration.measure_parameters(connection, parameters)``
measures every instance at its own parameter (one stadls program, or a few),
and the bookkeeping is numpy over the instance axis.

An algorithm only needs this from the ``calibration`` object:

* ``n_instances``: number of instances;
* ``parameter_range``: ``(low, high)`` (scalars or arrays of n_instances), inclusive;
* ``inverted``: ``True`` if the result *decreases* with the parameter;
* ``measure_parameters(connection, parameters) -> results`` (float array).

``run(calibration, connection, target)`` returns the parameters (int64) and
leaves ``algorithm.results`` (the results measured at those parameters,
NaN where none was) and ``algorithm.n_measurements`` behind.

The algorithms (as in the public calix):

=========================  =============================================================
``BinarySearch``           bisection of the parameter range; best of the last probes
``NoisyBinarySearch``      bisection from a randomised start (avoids many equal CapMem
                           values at once, which crosstalk on real silicon)
``LinearSearch``           walk from a start value until the target is crossed
``PolynomialPrediction``   measure at a probe value, predict with a polynomial model
``LinearPrediction``       the same with a straight line
``SecantSearch``           (ours) Newton/secant steps from a model's initial guess: the
                           model's slope first, then the measured one; few probes
=========================  =============================================================
"""
from __future__ import annotations

import logging
from typing import Callable, Optional, Union

import numpy as np

from .exceptions import AlgorithmError

__all__ = ["Algorithm", "BinarySearch", "NoisyBinarySearch", "LinearSearch", "PredictiveModel",
           "PolynomialPrediction", "LinearPrediction", "SecantSearch", "FunctionCalibration"]

log = logging.getLogger("calix.algorithms")

ArrayLike = Union[int, float, np.ndarray]


def _ranges(calibration):
    n = int(calibration.n_instances)
    lo, hi = calibration.parameter_range
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (n,)).copy()
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (n,)).copy()
    if np.any(lo > hi):
        i = int(np.flatnonzero(lo > hi)[0])
        raise AlgorithmError(f"parameter range of instance {i} is empty: [{lo[i]}, {hi[i]}]")
    return n, lo, hi


def _target(target, n):
    t = np.asarray(target, dtype=float)
    try:
        return np.broadcast_to(t, (n,)).astype(float)
    except ValueError:
        raise AlgorithmError(f"target of shape {t.shape} does not fit {n} instances") from None


def _measure(calibration, connection, parameters, n):
    r = np.asarray(calibration.measure_parameters(connection, parameters.copy()), dtype=float)
    if r.shape != (n,):
        raise AlgorithmError(f"{type(calibration).__name__}.measure_parameters returned shape "
                             f"{r.shape}, expected ({n},)")
    return r


class Algorithm:
    """Base class: ``run(calibration, connection, target) -> parameters``."""

    #: results measured at the returned parameters (NaN where not measured)
    results: Optional[np.ndarray] = None
    #: how many times ``measure_parameters`` was called in the last run
    n_measurements: int = 0

    def run(self, calibration, connection, target) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                           if not k.startswith("_") and k not in ("results", "n_measurements"))
        return f"{type(self).__name__}({fields})"


class _History:
    """Measured (parameter, result) pairs per instance; picks the best."""

    def __init__(self, n):
        self.params, self.results = [], []
        self.n = n

    def add(self, p, r):
        self.params.append(p.copy())
        self.results.append(r.copy())

    def best(self, target, last: Optional[int] = None):
        p = np.array(self.params[-last:] if last else self.params)
        r = np.array(self.results[-last:] if last else self.results)
        dev = np.abs(r - target[None, :])
        dev[np.isnan(dev)] = np.inf
        k = np.argmin(dev, axis=0)
        cols = np.arange(self.n)
        return p[k, cols], r[k, cols]


class BinarySearch(Algorithm):
    """Bisection of the parameter range, all instances in parallel.

    Each step probes the middle of the interval that is still open and keeps
    the half on the target's side; the search ends when every interval is
    empty (``ceil(log2(range))`` steps: 10 for CapMem 0..1022). The parameter
    returned is, per instance, the one whose result came closest to the
    target among the last ``n_steps_best`` probes (all of them bracket the
    crossing, and taking the best of them tolerates noise).

    ``n_steps`` limits the number of steps (coarser result, fewer programs).
    """

    def __init__(self, n_steps_best: Optional[int] = None, n_steps: Optional[int] = None):
        if n_steps_best is not None and n_steps_best < 1:
            raise AlgorithmError(f"n_steps_best must be >= 1, got {n_steps_best}")
        if n_steps is not None and n_steps < 1:
            raise AlgorithmError(f"n_steps must be >= 1, got {n_steps}")
        self.n_steps_best = n_steps_best
        self.n_steps = n_steps

    def _first_probe(self, lo, hi) -> np.ndarray:
        return (lo + hi) // 2

    def run(self, calibration, connection, target) -> np.ndarray:
        n, lo, hi = _ranges(calibration)
        target = _target(target, n)
        sign = -1.0 if calibration.inverted else 1.0
        hist = _History(n)
        best_p = (lo + hi) // 2
        step = 0
        self.n_measurements = 0
        while np.any(lo <= hi) and (self.n_steps is None or step < self.n_steps):
            active = lo <= hi
            p = np.where(active, (lo + hi) // 2, best_p)
            if step == 0:
                p = np.where(active, np.clip(self._first_probe(lo, hi), lo, hi), p)
            r = _measure(calibration, connection, p, n)
            self.n_measurements += 1
            hist.add(p, r)
            # NaN results (nothing measured) count as "below": search upwards
            below = ~(sign * (r - target) >= 0)
            lo = np.where(active & below, p + 1, lo)
            hi = np.where(active & ~below, p - 1, hi)
            best_p, _ = hist.best(target, self.n_steps_best)
            step += 1
        params, results = hist.best(target, self.n_steps_best)
        self.results = results
        #: per instance, the smallest parameter whose result was found on the
        #: far side of the target (range end + 1 if none): for step-like
        #: responses (e.g. "fires" / "silent") this is the switching point
        self.boundary = lo
        return params.astype(np.int64)


class NoisyBinarySearch(BinarySearch):
    """Binary search whose first probe is the middle plus a random offset
    (uniform in ``[-noise_amplitude, noise_amplitude]``) per instance.

    On silicon this keeps many CapMem cells from sitting at the same value
    (crosstalk); on the emulator it is harmless. The randomness is seeded
    (``seed``), so a calibration is reproducible.
    """

    def __init__(self, noise_amplitude: int = 5, n_steps_best: Optional[int] = None, seed: int = 0,
                 n_steps: Optional[int] = None):
        super().__init__(n_steps_best=n_steps_best, n_steps=n_steps)
        if noise_amplitude < 0:
            raise AlgorithmError(f"noise_amplitude must be >= 0, got {noise_amplitude}")
        self.noise_amplitude = int(noise_amplitude)
        self.seed = seed

    def _first_probe(self, lo, hi):
        rng = np.random.default_rng(self.seed)
        noise = rng.integers(-self.noise_amplitude, self.noise_amplitude + 1, size=lo.shape)
        return (lo + hi) // 2 + noise


class LinearSearch(Algorithm):
    """Walk from ``initial_parameters`` in steps of ``step_size`` towards the
    target until the result crosses it (or ``max_steps`` are done, or the range
    ends); per instance, the closer of the two probes around the crossing wins."""

    def __init__(self, initial_parameters: Optional[ArrayLike] = None, step_size: int = 1,
                 max_steps: int = 50):
        if step_size < 1:
            raise AlgorithmError(f"step_size must be >= 1, got {step_size}")
        if max_steps < 1:
            raise AlgorithmError(f"max_steps must be >= 1, got {max_steps}")
        self.initial_parameters = initial_parameters
        self.step_size = int(step_size)
        self.max_steps = int(max_steps)

    def run(self, calibration, connection, target) -> np.ndarray:
        n, lo, hi = _ranges(calibration)
        target = _target(target, n)
        sign = -1.0 if calibration.inverted else 1.0
        if self.initial_parameters is None:
            p = (lo + hi) // 2
        else:
            p = np.clip(np.broadcast_to(np.asarray(self.initial_parameters, dtype=np.int64), (n,)), lo, hi)
        r = _measure(calibration, connection, p, n)
        self.n_measurements = 1
        best_p, best_r = p.copy(), r.copy()
        # +1: the parameter has to grow to approach the target
        direction = np.sign(sign * (target - r)).astype(np.int64)
        done = direction == 0
        for _ in range(self.max_steps):
            if done.all():
                break
            p_new = np.where(done, p, np.clip(p + direction * self.step_size, lo, hi))
            stuck = (p_new == p) & ~done
            r_new = _measure(calibration, connection, p_new, n)
            self.n_measurements += 1
            crossed = (np.sign(sign * (target - r_new)) * direction <= 0) & ~done
            moving = ~done & ~stuck
            closer = np.abs(r_new - target) < np.abs(best_r - target)
            take = moving & (closer | ~crossed)
            best_p = np.where(take, p_new, best_p)
            best_r = np.where(take, r_new, best_r)
            done |= crossed | stuck
            p, r = np.where(done, p, p_new), np.where(done, r, r_new)
        self.results = best_r
        return best_p.astype(np.int64)


class PredictiveModel(Algorithm):
    """Measure once at ``probe_parameters``, then predict the parameters that
    give the target with a model (subclasses implement ``_predict``)."""

    def __init__(self, probe_parameters: ArrayLike):
        self.probe_parameters = probe_parameters

    def _predict(self, probe_results: np.ndarray, target: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def predict(self, probe_results, target) -> np.ndarray:
        """Parameters (float, unclipped) predicted from the probe results."""
        return np.asarray(self._predict(np.asarray(probe_results, float), np.asarray(target, float)), float)

    def run(self, calibration, connection, target) -> np.ndarray:
        n, lo, hi = _ranges(calibration)
        target = _target(target, n)
        probe = np.clip(np.broadcast_to(np.asarray(self.probe_parameters, dtype=np.int64), (n,)), lo, hi)
        r = _measure(calibration, connection, probe, n)
        self.n_measurements = 1
        p = self.predict(r, target)
        p = np.where(np.isfinite(p), p, probe)
        self.results = np.full(n, np.nan)
        return np.clip(np.rint(p), lo, hi).astype(np.int64)


class PolynomialPrediction(PredictiveModel):
    """Predict with ``parameter = polynomial(result)``, shifted per instance so
    that it passes through the probe point:
    ``p = polynomial(target) - polynomial(probe_result) + probe_parameter``."""

    def __init__(self, probe_parameters: ArrayLike, polynomial: np.polynomial.Polynomial):
        super().__init__(probe_parameters)
        self.polynomial = polynomial

    @classmethod
    def from_data(cls, parameters, results, degree: int, probe_parameters: Optional[ArrayLike] = None):
        """Fit ``parameter = polynomial(result)`` of ``degree`` to measured data
        (any shape; NaNs dropped). The probe defaults to the median parameter."""
        parameters = np.asarray(parameters, float).reshape(-1)
        results = np.asarray(results, float).reshape(-1)
        if parameters.shape != results.shape:
            raise AlgorithmError(f"parameters {parameters.shape} and results {results.shape} differ in size")
        ok = np.isfinite(parameters) & np.isfinite(results)
        if ok.sum() <= degree:
            raise AlgorithmError(f"{ok.sum()} finite points cannot fit a polynomial of degree {degree}")
        poly = np.polynomial.Polynomial.fit(results[ok], parameters[ok], degree).convert()
        if probe_parameters is None:
            probe_parameters = int(np.rint(np.median(parameters[ok])))
        return cls(probe_parameters, poly)

    def _predict(self, probe_results, target):
        probe = np.asarray(self.probe_parameters, float)
        return self.polynomial(target) - self.polynomial(probe_results) + probe


class LinearPrediction(PolynomialPrediction):
    """``parameter = offset + slope * result`` (shifted through the probe point)."""

    def __init__(self, probe_parameters: ArrayLike, offset: float = 0.0, slope: float = 1.0):
        super().__init__(probe_parameters, np.polynomial.Polynomial([offset, slope]))
        self.offset, self.slope = offset, slope


class SecantSearch(Algorithm):
    """Newton/secant iteration per instance, for smooth monotone responses.

    Starts at ``initial_parameters`` (e.g. a nominal model's inverse at the
    target) and steps by ``(target - result) / slope``: the first step uses
    ``slope`` (the model's d result / d parameter, a scalar, an array or a
    callable of the parameters), later steps the secant through the last two
    probes when it is usable (same sign as the model's slope, not tiny),
    else the model slope. Steps are limited to ``max_jump`` parameter units.
    Stops after ``max_steps`` probes or when every instance is within
    ``tolerance`` of its target or cannot move (integer parameter, range end).
    Typically 3-4 probes instead of a binary search's 10.
    """

    def __init__(self, slope: Union[float, np.ndarray, Callable], initial_parameters: Optional[ArrayLike] = None,
                 max_steps: int = 5, tolerance: float = 0.0, max_jump: Optional[float] = None):
        if max_steps < 1:
            raise AlgorithmError(f"max_steps must be >= 1, got {max_steps}")
        self.slope = slope
        self.initial_parameters = initial_parameters
        self.max_steps = int(max_steps)
        self.tolerance = float(tolerance)
        self.max_jump = max_jump

    def _model_slope(self, p, n):
        s = self.slope(p) if callable(self.slope) else self.slope
        return np.broadcast_to(np.asarray(s, float), (n,)).copy()

    def run(self, calibration, connection, target) -> np.ndarray:
        n, lo, hi = _ranges(calibration)
        target = _target(target, n)
        if self.initial_parameters is None:
            p = (lo + hi) // 2
        else:
            init = np.asarray(self.initial_parameters, dtype=float)
            init = np.where(np.isfinite(init), init, 0.5 * (lo + hi))
            p = np.clip(np.rint(np.broadcast_to(init, (n,))), lo, hi).astype(np.int64)
        sign = -1.0 if calibration.inverted else 1.0
        hist = _History(n)
        prev_p = prev_r = None
        active = np.ones(n, dtype=bool)
        self.n_measurements = 0
        for _ in range(self.max_steps):
            r = _measure(calibration, connection, p, n)
            self.n_measurements += 1
            hist.add(p, r)
            err = target - r
            active &= ~(np.abs(err) <= self.tolerance)
            if not active.any():
                break
            slope = self._model_slope(p, n)
            slope = np.where(np.sign(slope) == sign, slope, sign * np.maximum(np.abs(slope), 1e-12))
            if prev_p is not None:
                dp = (p - prev_p).astype(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    sec = (r - prev_r) / dp
                usable = (dp != 0) & np.isfinite(sec) & (np.sign(sec) == sign) & \
                    (np.abs(sec) > 0.05 * np.abs(slope)) & (np.abs(sec) < 20 * np.abs(slope))
                slope = np.where(usable, sec, slope)
            step = err / slope
            step = np.where(np.isfinite(step), step, 0.0)
            if self.max_jump is not None:
                step = np.clip(step, -self.max_jump, self.max_jump)
            new_p = np.clip(np.rint(p + step), lo, hi).astype(np.int64)
            # an integer parameter that does not move: try the neighbour in the target's direction
            same = (new_p == p) & active
            nudge = np.sign(sign * err).astype(np.int64)
            new_p = np.where(same, np.clip(p + nudge, lo, hi), new_p)
            active &= new_p != p
            if not active.any():
                break
            prev_p, prev_r = p, r
            p = np.where(active, new_p, p)
        params, results = hist.best(target)
        self.results = results
        return params.astype(np.int64)


class FunctionCalibration:
    """An instance set whose "measurement" is a Python function of the
    parameters: for tests and for calibrating against a model.

    ``function(parameters) -> results`` (vectorized over instances).
    """

    def __init__(self, function: Callable[[np.ndarray], np.ndarray], n_instances: int,
                 parameter_range=(0, 1022), inverted: bool = False):
        self.function = function
        self.n_instances = n_instances
        self.parameter_range = parameter_range
        self.inverted = inverted
        self.calls = 0

    def measure_parameters(self, connection, parameters):
        self.calls += 1
        return self.function(np.asarray(parameters))
