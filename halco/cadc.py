"""Column ADCs (one per hemisphere, causal + acausal channel per column).

``CADCSampleQuadOnDLS`` nests like the public type: synapse quad x channel
type x readout type x synapse array; enum =
((synram * 2 + readout_type) * 2 + channel_type) * 16384 + quad.
"""
from __future__ import annotations

from ._base import Mixin, Ranged, Single, types as _h
from .synapse import SynapseQuadOnSynram, SynapseRowOnSynram
from .synram import SynramOnDLS

__all__ = [
    "CADCOnDLS",
    "CADCConfigOnDLS",
    "CADCChannelType",
    "CADCReadoutType",
    "CADCChannelColumnOnSynram",
    "CADCChannelConfigOnSynram",
    "CADCChannelConfigOnDLS",
    "CADCSampleQuadUnspecifiedReadoutOnSynram",
    "CADCSampleQuadOnSynram",
    "CADCSampleQuadOnDLS",
    "CADCSampleRowOnDLS",
    "CADCOffsetSRAMTimingConfigOnDLS",
    "CADCSamplesOnDLS",
]


class CADCOnDLS(Ranged, max=1):
    """Column ADC of one hemisphere."""


class CADCConfigOnDLS(Ranged, max=1):
    """Configuration (enable, reset wait, dead time) of one CADC."""


class CADCChannelType(Ranged, max=1):
    """Causal (0) or acausal (1) channel of a column."""


CADCChannelType.causal = CADCChannelType(0)
CADCChannelType.acausal = CADCChannelType(1)


class CADCReadoutType(Ranged, max=1):
    """Triggered read (0, ``trigger_read``) or buffered (1, ``buffered``) CADC readout."""


CADCReadoutType.trigger_read = CADCReadoutType(0)
CADCReadoutType.buffered = CADCReadoutType(1)


class CADCChannelColumnOnSynram(Ranged, max=255):
    """CADC channel column (= synapse/neuron column)."""

    def toSynapseOnSynapseRow(self):
        """The synapse column read (same index)."""
        return _h.SynapseOnSynapseRow._u(self._v)

    def toNeuronColumnOnDLS(self):
        """The neuron column read (same index)."""
        return _h.NeuronColumnOnDLS._u(self._v)


class CADCChannelConfigOnSynram(Mixin, local=CADCChannelColumnOnSynram, block=CADCChannelType,
                                names=("quad", "cadc_channel_type")):
    """Offset configuration of one CADC channel of a hemisphere: column x channel type."""


class CADCChannelConfigOnDLS(Mixin, local=CADCChannelConfigOnSynram, block=SynramOnDLS,
                             names=("block", "synram")):
    """Offset configuration of one CADC channel (1024 in total)."""

    def toNeuronConfigBlockOnDLS(self):
        """The neuron quadrant below this channel's column."""
        return _h.NeuronConfigBlockOnDLS._u((self._v >> 9) * 2 + ((self._v & 255) >> 7))


class CADCSampleQuadUnspecifiedReadoutOnSynram(Mixin, local=SynapseQuadOnSynram, block=CADCChannelType,
                                               names=("quad", "cadc_channel_type")):
    """4 CADC samples of one quad and channel type, readout type not fixed."""


class CADCSampleQuadOnSynram(Mixin, local=CADCSampleQuadUnspecifiedReadoutOnSynram, block=CADCReadoutType,
                             names=("quad", "cadc_readout_type")):
    """4 CADC samples of one synapse quad: quad x channel type x readout type.

    Also ``CADCSampleQuadOnSynram(SynapseQuadOnSynram, CADCChannelType[, CADCReadoutType])``.
    """

    @classmethod
    def _from_parts(cls, quad, channel, readout=None, *more):
        if readout is None:
            readout = CADCReadoutType._u(0)
        if more or not (isinstance(quad, SynapseQuadOnSynram) and isinstance(channel, CADCChannelType)
                        and isinstance(readout, CADCReadoutType)):
            raise TypeError("CADCSampleQuadOnSynram() takes (SynapseQuadOnSynram, CADCChannelType"
                            "[, CADCReadoutType]) or an Enum")
        return cls._u((readout._v * 2 + channel._v) * SynapseQuadOnSynram.size + quad._v)

    @classmethod
    def _construct(cls, args, kw):
        if len(args) == 2 and isinstance(args[0], SynapseQuadOnSynram) and not kw:
            return cls._from_parts(*args)
        return super()._construct(args, kw)


class CADCSampleQuadOnDLS(Mixin, local=CADCSampleQuadOnSynram, block=SynramOnDLS,
                          names=("block", "synram")):
    """4 CADC samples read at once: quad x channel type x readout type x synapse array."""

    def toSynapseQuadOnDLS(self):
        """The synapse quad whose columns are sampled."""
        return _h.SynapseQuadOnDLS._u((self._v >> 16) * 16384 + (self._v & 16383))

    def toSynapseWeightQuadOnDLS(self):
        """The weight quad of the same synapses."""
        return _h.SynapseWeightQuadOnDLS._u((self._v >> 16) * 16384 + (self._v & 16383))

    def toSynapseLabelQuadOnDLS(self):
        """The label quad of the same synapses."""
        return _h.SynapseLabelQuadOnDLS._u((self._v >> 16) * 16384 + (self._v & 16383))

    def toSynapseCorrelationCalibQuadOnDLS(self):
        """The correlation calibration quad of the same synapses."""
        return _h.SynapseCorrelationCalibQuadOnDLS._u((self._v >> 16) * 16384 + (self._v & 16383))

    def toCADCChannelType(self):
        """Causal or acausal."""
        return CADCChannelType._u((self._v >> 14) & 1)

    def toCADCReadoutType(self):
        """Triggered or buffered."""
        return CADCReadoutType._u((self._v >> 15) & 1)


class CADCSampleRowOnDLS(Mixin, local=SynapseRowOnSynram, block=SynramOnDLS, names=("block", "synram")):
    """All CADC samples of one synapse row (row-wise correlation readout)."""

    def toSynapseRowOnDLS(self):
        """The synapse row (same index)."""
        return _h.SynapseRowOnDLS._u(self._v)


class CADCOffsetSRAMTimingConfigOnDLS(Ranged, max=1):
    """SRAM timing of one CADC's offset memory."""


class CADCSamplesOnDLS(Single):
    """All CADC samples of the chip (lola ``CADCSamples``)."""
