"""The steps of the spiking calibration, one module each, and their order: :data:`STEPS` is
the one list (:class:`~calix.spiking.calibrate.SpikingCalibration` runs it, the progress bar
and the result's timings name its steps, the hagen calibration reuses its steps by class).
"""
from .base import Step, VoltageCalib  # noqa: F401
from .cadc import CADCStep
from .coba import COBAStep
from .init import InitStep
from .leak import LeakPotentialCalib, LeakStep  # noqa: F401
from .refine import RefineStep
from .refractory import RefractoryStep
from .reset import ResetPotentialCalib, ResetStep  # noqa: F401
from .stp import STPStep
from .synapse_dac_bias import SynapseDACBiasStep
from .synin import SyninStep
from .tau_mem import TauMemStep
from .tau_syn import TauSynStep
from .threshold import ThresholdCalib, ThresholdStep  # noqa: F401

#: the steps of the spiking calibration, in the order they run
STEPS = (InitStep, CADCStep, LeakStep, ResetStep, ThresholdStep, TauMemStep, TauSynStep, SynapseDACBiasStep,
         SyninStep, COBAStep, RefractoryStep, STPStep, RefineStep)
#: their names
STEP_NAMES = tuple(step.name for step in STEPS)

__all__ = ["STEPS", "STEP_NAMES", "Step", "VoltageCalib", "LeakPotentialCalib", "ResetPotentialCalib",
           "ThresholdCalib", *(step.__name__ for step in STEPS)]
