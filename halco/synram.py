"""Synapse arrays (one per hemisphere) and their shared configuration."""
from __future__ import annotations

from ._base import Ranged

__all__ = ["SynramOnDLS", "CommonSynramConfigOnDLS", "SynapseBlockOnDLS"]


class SynramOnDLS(Ranged, max=1):
    """Synapse array (SRAM + analog synapses) of one hemisphere: 0 = top, 1 = bottom."""


class CommonSynramConfigOnDLS(Ranged, max=1):
    """SRAM timing configuration shared by one synapse array."""


class SynapseBlockOnDLS(Ranged, max=1):
    """All synapse-related configuration of one hemisphere (lola ``SynapseBlock``)."""
