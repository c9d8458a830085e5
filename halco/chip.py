"""Chip-level coordinates: the chip itself and its two hemispheres."""
from __future__ import annotations

from ._base import Mixin, Ranged, Single

__all__ = ["HemisphereOnDLS", "ChipOnDLS", "DLSGlobal", "HemisphereGlobal"]


class HemisphereOnDLS(Ranged, max=1):
    """One half of the chip (0 = top, 1 = bottom): a PPU, a synapse array with
    its drivers, PADI buses and CADC, and one neuron row.

    The ``to...()`` conversions to every other per-hemisphere coordinate
    (``toSynramOnDLS()``, ``toPPUOnDLS()`` ...) come from ``halco.hemisphere``.
    """


class ChipOnDLS(Single):
    """The whole chip, as a single coordinate (e.g. for a full ``lola.Chip``)."""


class DLSGlobal(Ranged, max=254):
    """Identifier of one physical chip in a system (arbitrary upper limit, as public)."""


class HemisphereGlobal(Mixin, local=HemisphereOnDLS, block=DLSGlobal, names=("half", "dls")):
    """A hemisphere on a given chip of a system."""
