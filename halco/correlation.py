"""Column switches (correlation readout, synaptic current) and correlation config."""
from __future__ import annotations

from ._base import Mixin, Ranged, link_same_enum, types as _h
from .synram import SynramOnDLS

__all__ = [
    "CommonCorrelationConfigOnDLS",
    "ColumnCorrelationQuadOnSynram",
    "ColumnCorrelationQuadOnDLS",
    "ColumnCurrentQuadOnSynram",
    "ColumnCurrentQuadOnDLS",
    "ColumnCorrelationRowOnDLS",
    "ColumnCurrentRowOnDLS",
]


class CommonCorrelationConfigOnDLS(Ranged, max=1):
    """Correlation sensor timing shared by one hemisphere."""


class ColumnCorrelationQuadOnSynram(Ranged, max=63):
    """Correlation-readout switches of the 4 columns of one synapse quad column."""

    def toSynapseQuadColumnOnDLS(self):
        """The synapse quad column of these switches (same index)."""
        return _h.SynapseQuadColumnOnDLS._u(self._v)


class ColumnCurrentQuadOnSynram(Ranged, max=63):
    """Synaptic-current switches (to the neurons' inputs) of the 4 columns of one quad column."""

    def toSynapseQuadColumnOnDLS(self):
        """The synapse quad column of these switches (same index)."""
        return _h.SynapseQuadColumnOnDLS._u(self._v)


link_same_enum(ColumnCorrelationQuadOnSynram, ColumnCurrentQuadOnSynram)


class ColumnCorrelationQuadOnDLS(Mixin, local=ColumnCorrelationQuadOnSynram, block=SynramOnDLS,
                                 names=("block", "synram")):
    """Correlation-readout switch quad on the chip."""


class ColumnCurrentQuadOnDLS(Mixin, local=ColumnCurrentQuadOnSynram, block=SynramOnDLS,
                             names=("block", "synram")):
    """Synaptic-current switch quad on the chip."""


link_same_enum(ColumnCorrelationQuadOnDLS, ColumnCurrentQuadOnDLS)


class ColumnCorrelationRowOnDLS(Ranged, max=1):
    """All correlation-readout switches of one hemisphere."""


class ColumnCurrentRowOnDLS(Ranged, max=1):
    """All synaptic-current switches of one hemisphere."""
