"""Spiking-mode calibration of all 512 neurons (public ``calix.spiking``).

``calix.calibrate(SpikingCalibTarget(...))`` is the entry; the steps are in
:mod:`calix.spiking.steps` (run by :mod:`calix.spiking.calibrate`), targets in :mod:`calix.spiking.targets`,
model-unit targets in :mod:`calix.spiking.model_units`.
"""
from .targets import (CADCCalibOptions, CADCCalibTarget, FEASIBLE_RANGES, NeuronCalibOptions,  # noqa: F401
                      NeuronCalibTarget, SpikingCalibOptions, SpikingCalibTarget, STPCalibOptions,
                      STPCalibTarget)
from .model_units import ModelMapping, NeuronModelTarget  # noqa: F401
from . import calibrate as _steps  # noqa: F401,E402 - registers the calibration of SpikingCalibTarget
from . import correlation  # noqa: F401,E402 - registers the calibration of CorrelationCalibTarget
from .correlation import CorrelationCalibOptions, CorrelationCalibTarget  # noqa: F401,E402

__all__ = ["SpikingCalibTarget", "SpikingCalibOptions", "NeuronCalibTarget", "NeuronCalibOptions",
           "CADCCalibTarget", "CADCCalibOptions", "STPCalibTarget", "STPCalibOptions", "NeuronModelTarget",
           "ModelMapping", "FEASIBLE_RANGES", "CorrelationCalibTarget", "CorrelationCalibOptions",
           "correlation", "calibrate"]


def calibrate(connection, target=None, options=None, progress=None):
    """Run the spiking calibration on ``connection`` (no cache; see
    :func:`calix.calibrate` for the cached entry)."""
    from .calibrate import calibrate as _calibrate
    return _calibrate(connection, target or SpikingCalibTarget(), options, progress=progress)
