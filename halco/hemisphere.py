"""Per-hemisphere coordinates (public ``hemisphere.def``).

Every coordinate with one instance per hemisphere converts into every other
one with the same index (``HemisphereOnDLS(1).toPPUOnDLS() == PPUOnDLS(1)``)
and has ``top`` (0) and ``bottom`` (1) constants.
"""
from __future__ import annotations

from ._base import link_same_enum
from .cadc import CADCConfigOnDLS, CADCOnDLS
from .chip import HemisphereOnDLS
from .correlation import ColumnCorrelationRowOnDLS, ColumnCurrentRowOnDLS, CommonCorrelationConfigOnDLS
from .neuron import NeuronRowOnDLS
from .padi import CommonPADIBusConfigOnDLS, CommonSTPConfigOnDLS, PADIBusBlockOnDLS, PADIEventOnDLS
from .ppu import PPUControlRegisterOnDLS, PPUMemoryOnDLS, PPUOnDLS, PPUStatusRegisterOnDLS
from .synapse import (SynapseCorrelationCalibMatrixOnDLS, SynapseLabelMatrixOnDLS,
                      SynapseWeightMatrixOnDLS)
from .synapse_driver import (CommonSynapseDriverConfigOnDLS, SynapseDriverBlockOnDLS,
                             SynapseDriverSRAMTimingConfigOnDLS)
from .synram import CommonSynramConfigOnDLS, SynapseBlockOnDLS, SynramOnDLS

__all__ = ["HEMISPHERE_COORDINATES"]

#: the per-hemisphere coordinate types, linked to each other
HEMISPHERE_COORDINATES = (
    SynapseBlockOnDLS,
    SynapseWeightMatrixOnDLS,
    SynapseLabelMatrixOnDLS,
    SynapseCorrelationCalibMatrixOnDLS,
    ColumnCorrelationRowOnDLS,
    ColumnCurrentRowOnDLS,
    HemisphereOnDLS,
    PPUOnDLS,
    CADCOnDLS,
    CADCConfigOnDLS,
    PADIEventOnDLS,
    CommonSynramConfigOnDLS,
    SynramOnDLS,
    PADIBusBlockOnDLS,
    CommonPADIBusConfigOnDLS,
    CommonSTPConfigOnDLS,
    PPUMemoryOnDLS,
    PPUControlRegisterOnDLS,
    PPUStatusRegisterOnDLS,
    SynapseDriverBlockOnDLS,
    SynapseDriverSRAMTimingConfigOnDLS,
    CommonCorrelationConfigOnDLS,
    NeuronRowOnDLS,
    CommonSynapseDriverConfigOnDLS,
)

link_same_enum(*HEMISPHERE_COORDINATES)
for _c in HEMISPHERE_COORDINATES:
    _c.top = _c(0)
    _c.bottom = _c(1)
del _c
