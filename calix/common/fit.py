"""Vectorized exponential fits of many traces at once (numpy only).

``fit_exponential(t, y)`` fits ``y = offset + amplitude * exp(-(t - t[0]) / tau)``
to every row of ``y``. For a fixed tau, offset and amplitude are a linear
least-squares problem; tau is found by a golden-section search on
``log(tau)`` of the residual, all traces in parallel. This is robust (no
start values to get wrong) and costs ~60 linear solves of (n_traces, n_samples).
"""
from __future__ import annotations

from dataclasses import dataclass


import numpy as np

__all__ = ["ExponentialFit", "fit_exponential"]

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass
class ExponentialFit:
    """Fit results, one entry per trace: ``tau`` (units of t), ``amplitude``,
    ``offset``, ``rms`` (residual), ``at_bound`` (tau hit the search range)."""

    tau: np.ndarray
    amplitude: np.ndarray
    offset: np.ndarray
    rms: np.ndarray
    at_bound: np.ndarray


def _linear(basis, y, w, offset):
    """Least squares of y ~ offset + a * basis (offset fitted if None)."""
    if offset is None:
        sw = w.sum(axis=-1)
        sb = (w * basis).sum(axis=-1)
        sy = (w * y).sum(axis=-1)
        sbb = (w * basis * basis).sum(axis=-1)
        sby = (w * basis * y).sum(axis=-1)
        det = sw * sbb - sb * sb
        with np.errstate(divide="ignore", invalid="ignore"):
            a = (sw * sby - sb * sy) / det
            c = (sy - a * sb) / sw
        a = np.where(np.isfinite(a), a, 0.0)
        c = np.where(np.isfinite(c), c, sy / np.maximum(sw, 1e-300))
    else:
        c = np.broadcast_to(np.asarray(offset, float), y.shape[:-1])
        r = y - c[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            a = (w * basis * r).sum(axis=-1) / (w * basis * basis).sum(axis=-1)
        a = np.where(np.isfinite(a), a, 0.0)
    res = y - c[..., None] - a[..., None] * basis
    return a, c, (w * res * res).sum(axis=-1)


def fit_exponential(t, y, tau_min: float, tau_max: float, offset=None, weights=None,
                    iterations: int = 48) -> ExponentialFit:
    """Fit ``offset + amplitude * exp(-(t - t0) / tau)`` to each row of ``y``.

    - ``t``: sample times, shape (n_samples,) or like ``y``
    - ``y``: traces, shape (n_traces, n_samples) (or (n_samples,))
    - ``tau_min``, ``tau_max``: search range of tau (units of t)
    - ``offset``: known offsets (scalar or (n_traces,)); None fits them
    - ``weights``: sample weights like ``y`` (0 drops a sample, e.g. a lost one)
    """
    y = np.asarray(y, dtype=float)
    squeeze = y.ndim == 1
    y = np.atleast_2d(y)
    t = np.broadcast_to(np.asarray(t, dtype=float), y.shape)
    t = t - t[..., :1]
    w = np.ones_like(y) if weights is None else np.broadcast_to(np.asarray(weights, float), y.shape).copy()
    bad = ~np.isfinite(y)
    if bad.any():
        w = np.where(bad, 0.0, w)
        y = np.where(bad, 0.0, y)
    lo = np.full(y.shape[0], np.log(tau_min))
    hi = np.full(y.shape[0], np.log(tau_max))

    def cost(log_tau):
        basis = np.exp(-t / np.exp(log_tau)[:, None])
        return _linear(basis, y, w, offset)[2]

    x1 = hi - _GOLDEN * (hi - lo)
    x2 = lo + _GOLDEN * (hi - lo)
    f1, f2 = cost(x1), cost(x2)
    for _ in range(iterations):
        left = f1 < f2
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        x2n = np.where(left, x1, lo + _GOLDEN * (hi - lo))
        x1n = np.where(left, hi - _GOLDEN * (hi - lo), x2)
        new = np.where(left, x1n, x2n)
        fn = cost(new)
        f1, f2 = np.where(left, fn, f2), np.where(left, f1, fn)
        x1, x2 = x1n, x2n
    log_tau = 0.5 * (lo + hi)
    tau = np.exp(log_tau)
    basis = np.exp(-t / tau[:, None])
    a, c, ss = _linear(basis, y, w, offset)
    n_eff = np.maximum(w.sum(axis=-1), 1.0)
    rms = np.sqrt(ss / n_eff)
    span = np.log(tau_max) - np.log(tau_min)
    at_bound = (log_tau - np.log(tau_min) < 1e-3 * span) | (np.log(tau_max) - log_tau < 1e-3 * span)
    out = ExponentialFit(tau, a, np.asarray(c, float).copy(), rms, at_bound)
    if squeeze:
        out = ExponentialFit(*(np.asarray(v)[0] for v in (out.tau, out.amplitude, out.offset, out.rms, out.at_bound)))
    return out
