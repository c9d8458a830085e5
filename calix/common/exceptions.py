"""Exceptions of calix.

All derive from :class:`CalibError` (a ``RuntimeError``), except
:class:`InfeasibleTargetError`, which is a ``ValueError``: a target outside
the feasible range is bad input, detected before anything runs.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["CalibError", "CalibNotSuccessful", "CalibNotSupported", "InfeasibleTargetError",
           "TooFewSamplesError", "AlgorithmError", "ExcessiveNoiseError", "HardwareError",
           "format_indices"]


def format_indices(indices: Iterable[int], limit: int = 20) -> str:
    """``[3, 17, 200, ...(+12 more)]`` for log and error messages."""
    idx = [int(i) for i in indices]
    head = ", ".join(str(i) for i in idx[:limit])
    more = f", ...(+{len(idx) - limit} more)" if len(idx) > limit else ""
    return f"[{head}{more}]"


class CalibError(RuntimeError):
    """Base of all calibration errors."""


class InfeasibleTargetError(ValueError):
    """A target (or option) lies outside the range the chip can reach.

    ``parameter`` names the target field, ``indices`` the offending entries
    (flat indices into the field's array), ``feasible`` the ``(low, high)``
    range and ``unit`` its unit.
    """

    def __init__(self, parameter: str, values, feasible, unit: str = "", indices=None,
                 detail: str = ""):
        self.parameter = parameter
        self.feasible = tuple(feasible)
        self.unit = unit
        values = np.atleast_1d(np.asarray(values, dtype=float))
        if indices is None:
            indices = np.flatnonzero(~((values >= feasible[0]) & (values <= feasible[1])))
        self.indices = np.asarray(indices, dtype=np.int64)
        bad = values.reshape(-1)[self.indices] if self.indices.size else values.reshape(-1)[:1]
        where = "" if values.size == 1 else f" at {format_indices(self.indices)}"
        u = f" {unit}" if unit else ""
        msg = (f"target {parameter} = {_fmt(bad[0])}{u}{where} is infeasible: "
               f"feasible range is [{_fmt(feasible[0])}, {_fmt(feasible[1])}]{u}")
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)


def _fmt(x) -> str:
    x = float(x)
    return f"{x:g}"


class CalibNotSuccessful(CalibError):
    """Some instances (neurons, quadrants, drivers) did not reach their target.

    ``failures`` maps a step name to ``{reason: indices}``; ``result`` is the
    (partial) result, so nothing that was calibrated is lost.
    """

    def __init__(self, failures: Mapping[str, Mapping[str, Sequence[int]]], result=None,
                 instance_name: str = "neurons"):
        self.failures = {step: {reason: np.asarray(idx, dtype=np.int64) for reason, idx in reasons.items()}
                         for step, reasons in failures.items()}
        self.result = result
        lines = []
        for step, reasons in self.failures.items():
            for reason, idx in reasons.items():
                lines.append(f"  {step}: {len(idx)} {instance_name} {format_indices(idx)}: {reason}")
        n = len(self.failed_indices)
        super().__init__(f"calibration not successful for {n} {instance_name}:\n" + "\n".join(lines))

    @property
    def failed_indices(self) -> np.ndarray:
        """All instances that failed in any step, sorted."""
        all_idx = [idx for reasons in self.failures.values() for idx in reasons.values()]
        if not all_idx:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(all_idx))


class CalibNotSupported(CalibError):
    """The requested calibration (or a combination of options) is not available."""


class TooFewSamplesError(CalibError):
    """A recording returned fewer samples than requested (MADC/CADC)."""


class AlgorithmError(CalibError):
    """An algorithm was used wrongly (bad parameters, inconsistent shapes)."""


class ExcessiveNoiseError(CalibError):
    """Repeated measurements disagree by more than the calibration can tolerate."""


class HardwareError(CalibError):
    """The chip behaves in a way no configuration explains (e.g. no response at all)."""
