"""Background spike sources (8 on-chip Poisson/regular generators)."""
from __future__ import annotations

from ._base import Ranged, types as _h

__all__ = ["BackgroundSpikeSourceOnDLS"]


class BackgroundSpikeSourceOnDLS(Ranged, max=7):
    """Background spike source i: crossbar input 12 + i; reaches PADI bus i
    (0..3 top, 4..7 bottom) and L2 output i % 4."""

    def toCrossbarInputOnDLS(self):
        """The crossbar input fed by this source (12 + i)."""
        return _h.CrossbarInputOnDLS._u(self._v + 12)

    def toPADIBusOnDLS(self):
        """The PADI bus this source can reach (same index)."""
        return _h.PADIBusOnDLS._u(self._v)

    def toCrossbarL2OutputOnDLS(self):
        """The L2 output this source can reach (i % 4)."""
        return _h.CrossbarL2OutputOnDLS._u(self._v & 3)

    def toHemisphereOnDLS(self):
        """The hemisphere whose PADI bus this source reaches."""
        return _h.HemisphereOnDLS._u(self._v >> 2)
