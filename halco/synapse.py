"""Synapses, synapse rows and synapse quads (4 synapses = one 32-bit SRAM word).

Column <-> (quad, entry) follows the public v3 mapping, which is *not*
``(col // 4, col % 4)``: even columns live in quad columns 0..31, odd columns
in 32..63, and the entry order is reversed::

    column = (3 - entry) * 2 + (quad % 32) * 8 + quad // 32

Synapse rows of a driver (pinned convention, see docs/halco.md): driver ``i``
drives rows ``(2i, 2i+1)``; ``SynapseRowOnSynapseDriver(k)`` is row ``2i + k``.
"""
from __future__ import annotations

from ._base import Grid, Mixin, Ranged, Single, link_same_enum, types as _h
from .synram import SynramOnDLS

__all__ = [
    "EntryOnQuad",
    "SynapseQuadColumnOnDLS",
    "SynapseRowOnSynapseDriver",
    "SynapseRowOnSynram",
    "SynapseRowOnDLS",
    "SynapseWeightRowOnDLS",
    "SynapseLabelRowOnDLS",
    "SynapseCorrelationCalibRowOnDLS",
    "CorrelationResetRowOnDLS",
    "SynapseQuadOnSynram",
    "SynapseQuadOnDLS",
    "SynapseWeightQuadOnDLS",
    "SynapseLabelQuadOnDLS",
    "SynapseCorrelationCalibQuadOnDLS",
    "CorrelationResetOnDLS",
    "SynapseOnSynapseRow",
    "SynapseOnSynram",
    "SynapseOnDLS",
    "SynapseLabel",
    "SynapticInputOnNeuron",
    "SynapseBiasSelectionOnDLS",
    "SynapseWeightMatrixOnDLS",
    "SynapseLabelMatrixOnDLS",
    "SynapseCorrelationCalibMatrixOnDLS",
]


class EntryOnQuad(Ranged, max=3):
    """One of the 4 entries of a quad (synapse quad, CADC sample quad, column switch quad)."""


def _column(entry: int, quad: int) -> int:
    return (3 - entry) * 2 + (quad % 32) * 8 + quad // 32


class SynapseQuadColumnOnDLS(Ranged, max=63):
    """Column of 4-synapse SRAM words in a synapse array (see the module doc for the
    column mapping)."""

    def toColumnCorrelationQuadOnSynram(self):
        """The correlation-readout switch quad of the same columns."""
        return _h.ColumnCorrelationQuadOnSynram._u(self._v)

    def toColumnCurrentQuadOnSynram(self):
        """The synaptic-current switch quad of the same columns."""
        return _h.ColumnCurrentQuadOnSynram._u(self._v)

    def toNeuronColumnOnDLS(self):
        """The 4 neuron columns of this quad, indexed by ``EntryOnQuad``.

        Consistent with ``SynapseOnSynapseRow(entry, quad)`` (the public
        ``toNeuronColumnOnDLS`` omits the entry reversal; see docs).
        """
        q = self._v
        col = _h.NeuronColumnOnDLS._u
        return tuple(col(_column(e, q)) for e in range(4))

    def toSynapseOnSynapseRow(self):
        """The 4 synapse columns of this quad, indexed by ``EntryOnQuad``."""
        q = self._v
        return tuple(SynapseOnSynapseRow._u(_column(e, q)) for e in range(4))


class SynapseRowOnSynapseDriver(Ranged, max=1):
    """Which of the two rows of a synapse driver: row ``2i + value`` of driver ``i``.

    ``top`` = 0 (row 2i), ``bottom`` = 1 (row 2i+1).  The public stack calls the
    odd row "top"; we pin the order of ``SynapseDriverOnSynapseDriverBlock.toSynapseRowOnSynram()``.
    """


SynapseRowOnSynapseDriver.top = SynapseRowOnSynapseDriver(0)
SynapseRowOnSynapseDriver.bottom = SynapseRowOnSynapseDriver(1)


class SynapseRowOnSynram(Ranged, max=255):
    """Row of a synapse array."""

    def toSynapseDriverOnSynapseDriverBlock(self):
        """The driver of this row (row // 2)."""
        return _h.SynapseDriverOnSynapseDriverBlock._u(self._v >> 1)

    def toSynapseRowOnSynapseDriver(self):
        """Which of its driver's two rows this is (row % 2)."""
        return SynapseRowOnSynapseDriver._u(self._v & 1)


class SynapseRowOnDLS(Mixin, local=SynapseRowOnSynram, block=SynramOnDLS, names=("block", "synram")):
    """Synapse row on the chip: row x synapse array."""

    def toSynapseDriverOnDLS(self):
        """The synapse driver of this row."""
        return _h.SynapseDriverOnDLS._u(self._v >> 1)

    def toCADCSampleRowOnDLS(self):
        """The CADC sample row (row-wise correlation readout) of this row."""
        return _h.CADCSampleRowOnDLS._u(self._v)


class SynapseWeightRowOnDLS(Mixin, local=SynapseRowOnSynram, block=SynramOnDLS,
                            names=("block", "synram")):
    """Weights of one synapse row."""


class SynapseLabelRowOnDLS(Mixin, local=SynapseRowOnSynram, block=SynramOnDLS,
                           names=("block", "synram")):
    """Labels (6-bit addresses) of one synapse row."""


class SynapseCorrelationCalibRowOnDLS(Mixin, local=SynapseRowOnSynram, block=SynramOnDLS,
                                      names=("block", "synram")):
    """Correlation calibration bits of one synapse row."""


class CorrelationResetRowOnDLS(Mixin, local=SynapseRowOnSynram, block=SynramOnDLS,
                               names=("block", "synram")):
    """Reset of the correlation sensors of one synapse row."""


link_same_enum(SynapseRowOnDLS, SynapseWeightRowOnDLS, SynapseLabelRowOnDLS,
               SynapseCorrelationCalibRowOnDLS, CorrelationResetRowOnDLS)


class SynapseQuadOnSynram(Grid, x=SynapseQuadColumnOnDLS, y=SynapseRowOnSynram):
    """One 4-synapse SRAM word of a synapse array: quad column x row."""


def _quad_to_neuron_config_block(self):
    """Neuron quadrant (west/east half of this hemisphere) below this quad."""
    local = self._v % 16384
    q = local % 64
    synram = self._v // 16384
    return _h.NeuronConfigBlockOnDLS._u(synram * 2 + ((q % 32) >= 16))


class SynapseQuadOnDLS(Mixin, local=SynapseQuadOnSynram, block=SynramOnDLS,
                       names=("block", "synram")):
    """One 4-synapse SRAM word on the chip (weights, labels and calibration bits)."""

    toNeuronConfigBlockOnDLS = _quad_to_neuron_config_block


class SynapseWeightQuadOnDLS(Mixin, local=SynapseQuadOnSynram, block=SynramOnDLS,
                             names=("block", "synram")):
    """The 4 weights (6 bit each) of one synapse quad."""

    toNeuronConfigBlockOnDLS = _quad_to_neuron_config_block


class SynapseLabelQuadOnDLS(Mixin, local=SynapseQuadOnSynram, block=SynramOnDLS,
                            names=("block", "synram")):
    """The 4 labels (6 bit each) of one synapse quad."""

    toNeuronConfigBlockOnDLS = _quad_to_neuron_config_block


class SynapseCorrelationCalibQuadOnDLS(Mixin, local=SynapseQuadOnSynram, block=SynramOnDLS,
                                       names=("block", "synram")):
    """The 4 correlation calibrations (time + amplitude, 2 bit each) of one synapse quad."""

    toNeuronConfigBlockOnDLS = _quad_to_neuron_config_block


class CorrelationResetOnDLS(Mixin, local=SynapseQuadOnSynram, block=SynramOnDLS,
                            names=("block", "synram")):
    """Reset of the correlation sensors of one synapse quad."""


link_same_enum(SynapseQuadOnDLS, SynapseWeightQuadOnDLS, SynapseLabelQuadOnDLS,
               SynapseCorrelationCalibQuadOnDLS, CorrelationResetOnDLS)


class SynapseOnSynapseRow(Ranged, max=255):
    """Column of a synapse in its row (= neuron column).

    ``SynapseOnSynapseRow(EntryOnQuad(e), SynapseQuadColumnOnDLS(q))`` builds it
    from its quad position (mapping in the module doc).
    """

    @classmethod
    def _from_parts(cls, entry, quad, *more):
        if more:
            raise TypeError("SynapseOnSynapseRow() takes (EntryOnQuad, SynapseQuadColumnOnDLS)")
        if isinstance(entry, SynapseQuadColumnOnDLS) and isinstance(quad, EntryOnQuad):
            entry, quad = quad, entry
        if not (isinstance(entry, EntryOnQuad) and isinstance(quad, SynapseQuadColumnOnDLS)):
            raise TypeError(
                "SynapseOnSynapseRow() takes one integer, an Enum or "
                f"(EntryOnQuad, SynapseQuadColumnOnDLS), got ({entry!r}, {quad!r})")
        return cls._u(_column(entry._v, quad._v))

    def toEntryOnQuad(self):
        """Position of this synapse in its quad."""
        return EntryOnQuad._u(3 - ((self._v >> 1) & 3))

    def toSynapseQuadColumnOnDLS(self):
        """The quad column holding this synapse."""
        c = self._v
        return SynapseQuadColumnOnDLS._u((c & 1) * 32 + (c >> 3))

    def toNeuronColumnOnDLS(self):
        """The neuron column fed by this synapse (same index)."""
        return _h.NeuronColumnOnDLS._u(self._v)

    def toCADCChannelColumnOnSynram(self):
        """The CADC channel column reading this synapse column (same index)."""
        return _h.CADCChannelColumnOnSynram._u(self._v)


class SynapseOnSynram(Grid, x=SynapseOnSynapseRow, y=SynapseRowOnSynram):
    """One synapse of a synapse array: column x row."""

    def toSynapseQuadOnSynram(self):
        """The quad holding this synapse."""
        return SynapseQuadOnSynram._u((self._v >> 8) * 64 + self.x().toSynapseQuadColumnOnDLS()._v)

    def toEntryOnQuad(self):
        """Position of this synapse in its quad."""
        return self.x().toEntryOnQuad()

    def toNeuronColumnOnDLS(self):
        """The neuron column fed by this synapse."""
        return _h.NeuronColumnOnDLS._u(self._v & 255)


class SynapseOnDLS(Mixin, local=SynapseOnSynram, block=SynramOnDLS, names=("synapse", "synram")):
    """One synapse on the chip (131 072 in total)."""

    def toSynapseQuadOnDLS(self):
        """The quad holding this synapse."""
        return SynapseQuadOnDLS._u((self._v >> 16) * 16384 + self._local().toSynapseQuadOnSynram()._v)

    def toAtomicNeuronOnDLS(self):
        """The neuron this synapse feeds (its column, the neuron row of its hemisphere)."""
        return _h.AtomicNeuronOnDLS._u((self._v >> 16) * 256 + (self._v & 255))

    def toSynapseRowOnDLS(self):
        """The row of this synapse."""
        return SynapseRowOnDLS._u(self._v >> 8)


class SynapseLabel(Ranged, max=63):
    """6-bit synapse address a spike label must carry to reach a synapse."""


class SynapticInputOnNeuron(Ranged, max=1):
    """Excitatory (0) or inhibitory (1) synaptic input of a neuron."""


SynapticInputOnNeuron.excitatory = SynapticInputOnNeuron(0)
SynapticInputOnNeuron.inhibitory = SynapticInputOnNeuron(1)


class SynapseBiasSelectionOnDLS(Single):
    """Synapse bias current selection (one register per chip)."""


class SynapseWeightMatrixOnDLS(Ranged, max=1):
    """All weights of one synapse array."""


class SynapseLabelMatrixOnDLS(Ranged, max=1):
    """All labels of one synapse array."""


class SynapseCorrelationCalibMatrixOnDLS(Ranged, max=1):
    """All correlation calibration bits of one synapse array."""


