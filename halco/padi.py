"""PADI buses: the event buses from the crossbar to the synapse drivers
(4 per hemisphere; ``PADIBusOnDLS`` n = crossbar output n)."""
from __future__ import annotations

from ._base import Mixin, Ranged, types as _h

__all__ = [
    "PADIBusOnPADIBusBlock",
    "PADIBusBlockOnDLS",
    "PADIBusOnDLS",
    "PADIEventOnDLS",
    "CommonPADIBusConfigOnDLS",
    "CommonSTPConfigOnDLS",
    "PADIRowSelectAddress",
]


class PADIBusOnPADIBusBlock(Ranged, max=3):
    """PADI bus within one hemisphere; serves synapse drivers i with i % 4 == bus."""

    def toSynapseDriverOnSynapseDriverBlock(self):
        """The 32 drivers on this bus, indexed by ``SynapseDriverOnPADIBus``."""
        D = _h.SynapseDriverOnSynapseDriverBlock._u
        b = self._v
        return tuple(D(d * 4 + b) for d in range(32))


class PADIBusBlockOnDLS(Ranged, max=1):
    """The PADI buses of one hemisphere (0 = top, 1 = bottom)."""


class PADIBusOnDLS(Mixin, local=PADIBusOnPADIBusBlock, block=PADIBusBlockOnDLS,
                  names=("synapse_driver", "block")):
    """One of the 8 PADI buses: 0..3 top, 4..7 bottom; fed by crossbar output n."""

    def toCrossbarOutputOnDLS(self):
        """The crossbar output driving this bus (same index)."""
        return _h.CrossbarOutputOnDLS._u(self._v)

    def toHemisphereOnDLS(self):
        """The hemisphere of this bus."""
        return _h.HemisphereOnDLS._u(self._v >> 2)


class PADIEventOnDLS(Ranged, max=1):
    """PADI event injection register of one hemisphere (writing it sends an event)."""


class CommonPADIBusConfigOnDLS(Ranged, max=1):
    """Per-hemisphere PADI bus configuration (enable_spl1, extended timing, ...)."""


class CommonSTPConfigOnDLS(Ranged, max=1):
    """Per-hemisphere short-term plasticity clock configuration."""


class PADIRowSelectAddress(Ranged, max=31):
    """5-bit row-select address of a PADI event (label bits 10..6): selects the
    driver on the bus (``SynapseDriverOnPADIBus``)."""

    def toSynapseDriverOnPADIBus(self):
        """The driver on the bus addressed without masking (same index)."""
        return _h.SynapseDriverOnPADIBus._u(self._v)
