"""Which function calibrates a target type.

A calibration module registers its entry point for the target type it calibrates
(``@runs(SpikingCalibTarget)``), so a target's ``calibrate()`` finds its steps without
importing them: the target modules stay below the steps that use them.
"""
from __future__ import annotations

from typing import Callable, Dict

__all__ = ["runs", "runner_for"]

_RUNNERS: Dict[type, Callable] = {}


def runs(target_type: type):
    """Decorator: the decorated ``fn(connection, target, options, progress=None)`` calibrates
    ``target_type``."""
    def register(fn: Callable) -> Callable:
        _RUNNERS[target_type] = fn
        return fn
    return register


def runner_for(target) -> Callable:
    """The registered calibration of ``type(target)`` (or of its nearest registered base).

    - raises ``TypeError``: no calibration is registered for the target's type.
    """
    for cls in type(target).__mro__:
        if cls in _RUNNERS:
            return _RUNNERS[cls]
    raise TypeError(f"no calibration is registered for a {type(target).__name__} "
                    f"(registered: {sorted(c.__name__ for c in _RUNNERS)})")
