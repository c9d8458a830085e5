"""The event-routing crossbar: 20 inputs x 12 outputs, 76 existing nodes.

Inputs: 0..7 neuron event outputs, 8..11 L2 inputs from the FPGA
(``SPL1Address`` 0..3), 12..19 background spike sources.
Outputs: 0..7 PADI buses (top 0..3, bottom 0..3), 8..11 L2 outputs to the FPGA.

``CrossbarNodeOnDLS`` follows the public grid: x = output, y = input, and its
enum counts the existing nodes input by input, outputs ascending (the
top-left to bottom-right reading of the public crossbar diagram).
"""
from __future__ import annotations

from ._base import Ranged, Single, SparseGrid, types as _h

__all__ = [
    "CrossbarInputOnDLS",
    "CrossbarOutputOnDLS",
    "CrossbarL2OutputOnDLS",
    "CrossbarNodeOnDLS",
    "CrossbarOutputConfigOnDLS",
    "CrossbarOnDLS",
    "CrossbarInputDropCounterOnDLS",
    "CrossbarOutputEventCounterOnDLS",
]

_NEURON_INPUTS = 8
_L2_INPUTS = 4
_PADI_OUTPUTS = 8


class CrossbarInputOnDLS(Ranged, max=19):
    """Crossbar input: 0..7 neuron event outputs, 8..11 L2 (FPGA), 12..19 background sources.

    Also the coordinate of the per-input drop counter (``CrossbarInputDropCounter``).
    """

    def toNeuronEventOutputOnDLS(self):
        """The neuron event output feeding this input, or None for other inputs."""
        v = self._v
        return _h.NeuronEventOutputOnDLS._u(v) if v < _NEURON_INPUTS else None

    def toSPL1Address(self):
        """The L2 channel feeding this input (inputs 8..11), or None."""
        v = self._v - _NEURON_INPUTS
        return _h.SPL1Address._u(v) if 0 <= v < _L2_INPUTS else None

    def toBackgroundSpikeSourceOnDLS(self):
        """The background source feeding this input (inputs 12..19), or None."""
        v = self._v - _NEURON_INPUTS - _L2_INPUTS
        return _h.BackgroundSpikeSourceOnDLS._u(v) if v >= 0 else None


class CrossbarOutputOnDLS(Ranged, max=11):
    """Crossbar output: 0..7 PADI buses, 8..11 L2 outputs to the FPGA.

    Also the coordinate of the per-output event counter (``CrossbarOutputEventCounter``).
    """

    def toPADIBusOnDLS(self):
        """The PADI bus driven by this output, or None for an L2 output."""
        v = self._v
        return _h.PADIBusOnDLS._u(v) if v < _PADI_OUTPUTS else None

    def toCrossbarL2OutputOnDLS(self):
        """The L2 output this is (outputs 8..11), or None for a PADI bus output."""
        v = self._v - _PADI_OUTPUTS
        return CrossbarL2OutputOnDLS._u(v) if v >= 0 else None


class CrossbarL2OutputOnDLS(Ranged, max=3):
    """Crossbar output towards the FPGA (crossbar outputs 8..11)."""

    def toCrossbarOutputOnDLS(self):
        """The crossbar output (8 + i)."""
        return CrossbarOutputOnDLS._u(self._v + _PADI_OUTPUTS)

    def toSPL1Address(self):
        """The L2 channel this output sends on (same index)."""
        return _h.SPL1Address._u(self._v)


def _crossbar_cells():
    """(output, input) of the 76 nodes in public enum order (section 8.2 of the reference)."""
    cells = []
    for i in range(_NEURON_INPUTS):  # neuron output n: top bus n%4, bottom bus n%4, L2 n%4
        cells += [(i % 4, i), (4 + i % 4, i), (8 + i % 4, i)]
    for j in range(_L2_INPUTS):  # L2 input j: all 8 PADI buses and its own L2 output
        i = _NEURON_INPUTS + j
        cells += [(o, i) for o in range(_PADI_OUTPUTS)] + [(8 + j, i)]
    for s in range(8):  # background source s: PADI bus s and L2 output s%4
        i = _NEURON_INPUTS + _L2_INPUTS + s
        cells += [(s, i), (8 + s % 4, i)]
    return cells


class CrossbarNodeOnDLS(SparseGrid, x=CrossbarOutputOnDLS, y=CrossbarInputOnDLS,
                        cells=_crossbar_cells()):
    """Crossbar node connecting an input to an output; only 76 of 240 exist.

    ``CrossbarNodeOnDLS(CrossbarOutputOnDLS(o), CrossbarInputOnDLS(i))`` (the
    typed arguments may come in either order; plain ints are (output, input)).
    A non-existing pair raises ``ValueError``.
    """


class CrossbarOutputConfigOnDLS(Single):
    """Crossbar output configuration register (slow mode, event counters)."""


class CrossbarOnDLS(Single):
    """The whole crossbar (lola ``Crossbar``: 76 nodes + output config)."""


#: The public drop counter container is addressed by the crossbar input itself.
CrossbarInputDropCounterOnDLS = CrossbarInputOnDLS
#: The public event counter container is addressed by the crossbar output itself.
CrossbarOutputEventCounterOnDLS = CrossbarOutputOnDLS
