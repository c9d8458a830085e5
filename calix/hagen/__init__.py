"""Hagen mode: the neurons as integrators for matrix multiplication (public ``calix.hagen``).

``calix.calibrate(HagenCalibTarget())`` is the cached entry; the steps are in
:mod:`calix.hagen.calibrate`, targets and options in :mod:`calix.hagen.targets`.
The result, a :class:`HagenCalibResult`, configures every neuron as an
integrator: leak off, threshold off, the same starting level (the reset
potential) and the same charge per synaptic event. See docs/calix.md ("Hagen mode").
"""
from .targets import (FEASIBLE_RANGES, TAU_SYN_MINIMUM, HagenCalibOptions, HagenCalibTarget,  # noqa: F401
                      HagenNeuronCalibTarget, HagenSyninCalibOptions, HagenSyninCalibTarget,
                      SynapseDriverCalibOptions)
from .calibrate import HagenCalibResult  # noqa: F401

__all__ = ["HagenCalibTarget", "HagenCalibOptions", "HagenNeuronCalibTarget", "HagenCalibResult",
           "HagenSyninCalibTarget", "HagenSyninCalibOptions", "SynapseDriverCalibOptions", "FEASIBLE_RANGES",
           "TAU_SYN_MINIMUM", "calibrate", "calibrate_for_synin_integration"]


def calibrate(connection, target=None, options=None, progress=None) -> HagenCalibResult:
    """Run the hagen calibration on ``connection`` (no cache; see :func:`calix.calibrate`
    for the cached entry)."""
    from .calibrate import calibrate as _calibrate
    return _calibrate(connection, target, options, progress=progress)


def calibrate_for_synin_integration(connection, target=None, options=None):
    """Public: hagen mode with integration on the synaptic input lines. Not modelled
    by the emulated chip."""
    raise NotImplementedError("hagen mode with integration on the synaptic input lines "
                              "(calibrate_for_synin_integration) is not modelled by the emulated chip")
