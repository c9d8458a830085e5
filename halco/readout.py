"""Analog readout chain: source selection, multiplexers and pads."""
from __future__ import annotations

from ._base import Ranged, Single

__all__ = [
    "ReadoutSourceSelectionOnDLS",
    "SourceMultiplexerOnReadoutSourceSelection",
    "PadMultiplexerConfigOnDLS",
    "PadOnDLS",
    "ReadoutChainOnDLS",
]


class ReadoutSourceSelectionOnDLS(Single):
    """Selection of the signals routed to the two readout (MADC) channels."""


class SourceMultiplexerOnReadoutSourceSelection(Ranged, max=1):
    """One of the two readout channels of the source selection."""


class PadMultiplexerConfigOnDLS(Ranged, max=1):
    """Multiplexer in front of one of the two analog pads."""


class PadOnDLS(Ranged, max=1):
    """One of the two analog readout pads."""


class ReadoutChainOnDLS(Single):
    """The whole readout chain (lola ``ReadoutChain``)."""
