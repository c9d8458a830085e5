"""Synapse drivers: 128 per hemisphere, each driving two synapse rows.

Driver ``i`` of a block listens on PADI bus ``i % 4`` as driver ``i // 4`` of
that bus and drives synapse rows ``(2i, 2i+1)`` (pinned order, see docs).
"""
from __future__ import annotations

from ._base import Mixin, Ranged, types as _h

__all__ = [
    "SynapseDriverOnSynapseDriverBlock",
    "SynapseDriverOnPADIBus",
    "SynapseDriverBlockOnDLS",
    "SynapseDriverOnDLS",
    "CommonSynapseDriverConfigOnDLS",
    "SynapseDriverSRAMTimingConfigOnDLS",
]


class SynapseDriverOnSynapseDriverBlock(Ranged, max=127):
    """Synapse driver within a hemisphere.

    Also built as ``SynapseDriverOnSynapseDriverBlock(SynapseDriverOnPADIBus(d),
    PADIBusOnPADIBusBlock(b))`` = driver ``4 d + b``.
    """

    @classmethod
    def _from_parts(cls, a, b, *more):
        D, P = SynapseDriverOnPADIBus, _h.PADIBusOnPADIBusBlock
        if isinstance(a, P) and isinstance(b, D):
            a, b = b, a
        if more or not (isinstance(a, D) and isinstance(b, P)):
            raise TypeError("SynapseDriverOnSynapseDriverBlock() takes one integer, an Enum or "
                            "(SynapseDriverOnPADIBus, PADIBusOnPADIBusBlock)")
        return cls._u(a._v * 4 + b._v)

    def toPADIBusOnPADIBusBlock(self):
        """The PADI bus this driver listens on (i % 4)."""
        return _h.PADIBusOnPADIBusBlock._u(self._v & 3)

    def toSynapseDriverOnPADIBus(self):
        """Index of this driver on its bus (i // 4), matched against the row-select address."""
        return SynapseDriverOnPADIBus._u(self._v >> 2)

    def toSynapseRowOnSynram(self):
        """The two rows driven: ``(2i, 2i+1)``, indexed by ``SynapseRowOnSynapseDriver``."""
        R = _h.SynapseRowOnSynram._u
        i = self._v
        return (R(2 * i), R(2 * i + 1))


class SynapseDriverOnPADIBus(Ranged, max=31):
    """Index of a driver among the 32 on one PADI bus."""

    def toSynapseDriverOnSynapseDriverBlock(self):
        """The 4 drivers with this index, one per bus, indexed by ``PADIBusOnPADIBusBlock``."""
        D = SynapseDriverOnSynapseDriverBlock._u
        d = self._v
        return tuple(D(d * 4 + b) for b in range(4))

    def toPADIRowSelectAddress(self):
        """The row-select address that addresses this driver without masking."""
        return _h.PADIRowSelectAddress._u(self._v)


class SynapseDriverBlockOnDLS(Ranged, max=1):
    """The synapse drivers of one hemisphere (0 = top, 1 = bottom)."""


class SynapseDriverOnDLS(Mixin, local=SynapseDriverOnSynapseDriverBlock, block=SynapseDriverBlockOnDLS,
                         names=("synapse_driver", "block")):
    """One of the 256 synapse drivers on the chip."""

    def toCapMemBlockOnDLS(self):
        """CapMem block with this driver's STP voltages: 2 * hemisphere + (i odd)."""
        return _h.CapMemBlockOnDLS._u((self._v >> 7) * 2 + (self._v & 1))

    def toSynapseRowOnDLS(self):
        """The two rows driven: ``(2i, 2i+1)`` in its synapse array."""
        R = _h.SynapseRowOnDLS._u
        e = self._v
        return (R(2 * e), R(2 * e + 1))

    def toPADIBusOnDLS(self):
        """The PADI bus this driver listens on."""
        return _h.PADIBusOnDLS._u((self._v >> 7) * 4 + (self._v & 3))

    def toHemisphereOnDLS(self):
        """The hemisphere of this driver."""
        return _h.HemisphereOnDLS._u(self._v >> 7)

    def toSynramOnDLS(self):
        """The synapse array this driver feeds."""
        return _h.SynramOnDLS._u(self._v >> 7)


class CommonSynapseDriverConfigOnDLS(Ranged, max=1):
    """Per-hemisphere synapse driver configuration."""


class SynapseDriverSRAMTimingConfigOnDLS(Ranged, max=1):
    """SRAM timing of one hemisphere's synapse driver memory."""
