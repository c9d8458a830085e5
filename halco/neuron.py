"""Neurons: the 2 x 256 grid of neuron circuits and their per-neuron registers.

Three numberings of the same 512 neurons exist (all public):

* *atomic* (``AtomicNeuronOnDLS``, ``NeuronConfigOnDLS``): row * 256 + column;
  ``NeuronConfigBlockOnDLS`` is the quadrant 2 * row + column // 128
  (0 = top west, 1 = top east, 2 = bottom west, 3 = bottom east).
* *backend* (``NeuronBackendConfigOnDLS``, ``NeuronResetOnDLS``,
  ``SpikeCounterReadOnDLS``, ``SpikeCounterResetOnDLS``): block (west/east
  = column // 128) * 256 + row * 128 + column % 128.

All of these convert into each other and share the derived conversions
(column, row, CapMem block/column, quad column, event output, ...).
"""
from __future__ import annotations

from ._base import Grid, Mixin, Ranged, Single, link_same_enum, types as _h
from .chip import HemisphereOnDLS
from .synapse import EntryOnQuad, SynapseOnSynapseRow, SynapseQuadColumnOnDLS
from .synram import SynramOnDLS

__all__ = [
    "NeuronColumnOnDLS",
    "NeuronRowOnDLS",
    "AtomicNeuronOnDLS",
    "NeuronConfigOnNeuronConfigBlock",
    "NeuronConfigBlockOnDLS",
    "NeuronConfigOnDLS",
    "NeuronBackendConfigOnNeuronBackendConfigBlock",
    "NeuronBackendConfigBlockOnDLS",
    "NeuronBackendConfigOnDLS",
    "CommonNeuronBackendConfigOnDLS",
    "BlockPostPulseOnDLS",
    "NeuronResetOnNeuronResetBlock",
    "NeuronResetBlockOnDLS",
    "NeuronResetOnDLS",
    "SpikeCounterReadOnSpikeCounterReadBlock",
    "SpikeCounterReadBlockOnDLS",
    "SpikeCounterReadOnDLS",
    "SpikeCounterResetOnSpikeCounterResetBlock",
    "SpikeCounterResetBlockOnDLS",
    "SpikeCounterResetOnDLS",
    "NeuronEventOutputOnNeuronBackendBlock",
    "NeuronEventOutputOnDLS",
    "NeuronResetQuadOnDLS",
    "NeuronBackendAddressOut",
    "NeuronSRAMTimingConfigOnDLS",
    "NeuronBackendSRAMTimingConfigOnDLS",
    "NeuronBlockOnDLS",
]


class NeuronColumnOnDLS(Ranged, max=255):
    """Column of the neuron grid (x of ``AtomicNeuronOnDLS``)."""

    def toSynapseOnSynapseRow(self):
        """The synapse column feeding this neuron column (same index)."""
        return SynapseOnSynapseRow._u(self._v)

    def toCapMemColumnOnCapMemBlock(self):
        """The CapMem column holding this column's parameters (column % 128)."""
        return _h.CapMemColumnOnCapMemBlock._u(self._v & 127)

    def toNeuronEventOutputOnDLS(self):
        """The event output (crossbar input) serving this column (column // 32)."""
        return NeuronEventOutputOnDLS._u(self._v >> 5)

    def toSynapseQuadColumnOnDLS(self):
        """The synapse quad column holding this column's synapses."""
        return SynapseOnSynapseRow._u(self._v).toSynapseQuadColumnOnDLS()

    def toEntryOnQuad(self):
        """Position of this column in its synapse quad."""
        return SynapseOnSynapseRow._u(self._v).toEntryOnQuad()

    def toNeuronBackendConfigBlockOnDLS(self):
        """The backend block (0 = west, 1 = east) of this column."""
        return NeuronBackendConfigBlockOnDLS._u(self._v >> 7)

    def toCADCChannelColumnOnSynram(self):
        """The CADC channel column of this column (same index)."""
        return _h.CADCChannelColumnOnSynram._u(self._v)


class NeuronRowOnDLS(Ranged, max=1):
    """Row of the neuron grid (y of ``AtomicNeuronOnDLS``): 0 = top, 1 = bottom
    hemisphere."""


class AtomicNeuronOnDLS(Grid, x=NeuronColumnOnDLS, y=NeuronRowOnDLS):
    """One neuron circuit: column x row; enum = row * 256 + column."""


class NeuronConfigOnNeuronConfigBlock(Ranged, max=127):
    """Neuron within a quadrant."""

    def toCapMemColumnOnCapMemBlock(self):
        """The CapMem column of this neuron (same index)."""
        return _h.CapMemColumnOnCapMemBlock._u(self._v)


class NeuronConfigBlockOnDLS(Ranged, max=3):
    """Neuron quadrant: 0 = top west, 1 = top east, 2 = bottom west, 3 = bottom east."""

    def toCapMemBlockOnDLS(self):
        """The CapMem block of this quadrant (same index)."""
        return _h.CapMemBlockOnDLS._u(self._v)

    def toNeuronResetBlockOnDLS(self):
        """West/east block of the quadrant."""
        return NeuronResetBlockOnDLS._u(self._v & 1)

    def toSpikeCounterReadBlockOnDLS(self):
        """West/east block of the quadrant."""
        return SpikeCounterReadBlockOnDLS._u(self._v & 1)

    def toSpikeCounterResetBlockOnDLS(self):
        """West/east block of the quadrant."""
        return SpikeCounterResetBlockOnDLS._u(self._v & 1)

    def toNeuronBackendConfigBlockOnDLS(self):
        """West/east backend block of the quadrant."""
        return NeuronBackendConfigBlockOnDLS._u(self._v & 1)

    def toHemisphereOnDLS(self):
        """Hemisphere of the quadrant."""
        return HemisphereOnDLS._u(self._v >> 1)


class NeuronConfigOnDLS(Mixin, local=NeuronConfigOnNeuronConfigBlock, block=NeuronConfigBlockOnDLS,
                        names=("neuron", "block")):
    """Neuron configuration register set (6 words); same enum as ``AtomicNeuronOnDLS``."""


class NeuronBackendConfigOnNeuronBackendConfigBlock(Ranged, max=255):
    """Neuron within a backend block: row * 128 + column % 128."""

    def toNeuronEventOutputOnNeuronBackendBlock(self):
        """The event output of this neuron within its block."""
        return NeuronEventOutputOnNeuronBackendBlock._u((self._v & 127) >> 5)


class NeuronBackendConfigBlockOnDLS(Ranged, max=1):
    """Neuron backend block: 0 = west (columns 0..127), 1 = east."""


class CommonNeuronBackendConfigOnDLS(Ranged, max=1):
    """Register shared by the neurons of one backend block (clocks, waits)."""


class BlockPostPulseOnDLS(Ranged, max=1):
    """Trigger of a global post-pulse to all neurons of one backend block."""


link_same_enum(NeuronBackendConfigBlockOnDLS, CommonNeuronBackendConfigOnDLS, BlockPostPulseOnDLS)


class NeuronBackendConfigOnDLS(Mixin, local=NeuronBackendConfigOnNeuronBackendConfigBlock,
                               block=NeuronBackendConfigBlockOnDLS, names=("neuron", "block")):
    """Neuron backend register set (4 words: address_out, refractory time, ...)."""


class NeuronResetOnNeuronResetBlock(Ranged, max=255):
    """Neuron within a reset block (backend numbering)."""


class NeuronResetBlockOnDLS(Ranged, max=1):
    """West/east neuron reset block."""


class NeuronResetOnDLS(Mixin, local=NeuronResetOnNeuronResetBlock, block=NeuronResetBlockOnDLS,
                       names=("neuron", "block")):
    """Reset trigger of one neuron (backend numbering)."""


class SpikeCounterReadOnSpikeCounterReadBlock(Ranged, max=255):
    """Neuron within a spike counter block (backend numbering)."""


class SpikeCounterReadBlockOnDLS(Ranged, max=1):
    """West/east spike counter block."""


class SpikeCounterReadOnDLS(Mixin, local=SpikeCounterReadOnSpikeCounterReadBlock,
                            block=SpikeCounterReadBlockOnDLS, names=("neuron", "block")):
    """Spike counter of one neuron, read access (backend numbering)."""


class SpikeCounterResetOnSpikeCounterResetBlock(Ranged, max=255):
    """Neuron within a spike counter reset block (backend numbering)."""


class SpikeCounterResetBlockOnDLS(Ranged, max=1):
    """West/east spike counter reset block."""


class SpikeCounterResetOnDLS(Mixin, local=SpikeCounterResetOnSpikeCounterResetBlock,
                             block=SpikeCounterResetBlockOnDLS, names=("neuron", "block")):
    """Spike counter reset trigger of one neuron (backend numbering)."""


class NeuronEventOutputOnNeuronBackendBlock(Ranged, max=3):
    """Event output within a backend block (32 columns x 2 rows each)."""


class NeuronEventOutputOnDLS(Mixin, local=NeuronEventOutputOnNeuronBackendBlock,
                             block=NeuronBackendConfigBlockOnDLS, names=("output", "block")):
    """One of the 8 neuron event outputs (columns 32 n .. 32 n + 31, both rows);
    feeds crossbar input n."""

    def toCrossbarInputOnDLS(self):
        """The crossbar input this output feeds (same index)."""
        return _h.CrossbarInputOnDLS._u(self._v)


class NeuronResetQuadOnDLS(Mixin, local=SynapseQuadColumnOnDLS, block=SynramOnDLS,
                           names=("quad", "synram")):
    """Reset trigger of the 4 neurons of one quad column in one neuron row."""

    def toNeuronResetOnDLS(self):
        """The 4 neuron resets triggered, indexed by ``EntryOnQuad``."""
        row = self._v >> 6
        cols = SynapseQuadColumnOnDLS._u(self._v & 63).toNeuronColumnOnDLS()
        return tuple(NeuronResetOnDLS._u(_atomic_to_backend(row * 256 + c._v)) for c in cols)

    def toNeuronRowOnDLS(self):
        """The neuron row of these neurons."""
        return NeuronRowOnDLS._u(self._v >> 6)


class NeuronBackendAddressOut(Ranged, max=255):
    """8-bit label a neuron puts in the low bits of its spike events."""


class NeuronSRAMTimingConfigOnDLS(Ranged, max=3):
    """SRAM timing of one neuron quadrant's configuration memory."""


class NeuronBackendSRAMTimingConfigOnDLS(Ranged, max=1):
    """SRAM timing of one neuron backend block."""


class NeuronBlockOnDLS(Single):
    """All neurons of the chip with their shared settings (lola ``NeuronBlock``)."""


# ---------------------------------------------------------------------------------------------
# conversions shared by the six neuron numberings
# ---------------------------------------------------------------------------------------------

def _atomic_to_backend(a: int) -> int:
    col = a & 255
    return (col >> 7) * 256 + (a >> 8) * 128 + (col & 127)


def _backend_to_atomic(b: int) -> int:
    loc = b & 255
    return (loc >> 7) * 256 + (b >> 8) * 128 + (loc & 127)


def _identity(e: int) -> int:
    return e


_ATOMIC = (AtomicNeuronOnDLS, NeuronConfigOnDLS)
_BACKEND = (NeuronBackendConfigOnDLS, NeuronResetOnDLS, SpikeCounterReadOnDLS, SpikeCounterResetOnDLS)


def _quad(a: int) -> int:
    c = a & 255
    return (c & 1) * 32 + (c >> 3)


# derived conversions, as functions of the atomic enum
_DERIVED = {
    "toAtomicNeuronOnDLS": lambda a: AtomicNeuronOnDLS._u(a),
    "toNeuronColumnOnDLS": lambda a: NeuronColumnOnDLS._u(a & 255),
    "toNeuronRowOnDLS": lambda a: NeuronRowOnDLS._u(a >> 8),
    "toSynramOnDLS": lambda a: SynramOnDLS._u(a >> 8),
    "toHemisphereOnDLS": lambda a: HemisphereOnDLS._u(a >> 8),
    "toNeuronConfigBlockOnDLS": lambda a: NeuronConfigBlockOnDLS._u(a >> 7),
    "toNeuronConfigOnNeuronConfigBlock": lambda a: NeuronConfigOnNeuronConfigBlock._u(a & 127),
    "toCapMemBlockOnDLS": lambda a: _h.CapMemBlockOnDLS._u(a >> 7),
    "toCapMemColumnOnCapMemBlock": lambda a: _h.CapMemColumnOnCapMemBlock._u(a & 127),
    "toSynapseOnSynapseRow": lambda a: SynapseOnSynapseRow._u(a & 255),
    "toSynapseQuadColumnOnDLS": lambda a: SynapseQuadColumnOnDLS._u(_quad(a)),
    "toEntryOnQuad": lambda a: EntryOnQuad._u(3 - ((a >> 1) & 3)),
    "toColumnCorrelationQuadOnDLS": lambda a: _h.ColumnCorrelationQuadOnDLS._u((a >> 8) * 64 + _quad(a)),
    "toColumnCurrentQuadOnDLS": lambda a: _h.ColumnCurrentQuadOnDLS._u((a >> 8) * 64 + _quad(a)),
    "toNeuronEventOutputOnDLS": lambda a: NeuronEventOutputOnDLS._u((a & 255) >> 5),
    "toNeuronBackendConfigBlockOnDLS": lambda a: NeuronBackendConfigBlockOnDLS._u((a & 255) >> 7),
    "toCommonNeuronBackendConfigOnDLS": lambda a: CommonNeuronBackendConfigOnDLS._u((a & 255) >> 7),
    "toNeuronBackendConfigOnNeuronBackendConfigBlock":
        lambda a: NeuronBackendConfigOnNeuronBackendConfigBlock._u((a >> 8) * 128 + (a & 127)),
    "toNeuronConfigOnDLS": lambda a: NeuronConfigOnDLS._u(a),
    "toNeuronBackendConfigOnDLS": lambda a: NeuronBackendConfigOnDLS._u(_atomic_to_backend(a)),
    "toNeuronResetOnDLS": lambda a: NeuronResetOnDLS._u(_atomic_to_backend(a)),
    "toSpikeCounterReadOnDLS": lambda a: SpikeCounterReadOnDLS._u(_atomic_to_backend(a)),
    "toSpikeCounterResetOnDLS": lambda a: SpikeCounterResetOnDLS._u(_atomic_to_backend(a)),
}


def _conversion(name, f, to_atomic):
    if to_atomic is _identity:
        def conversion(self):
            return f(self._v)
    else:
        def conversion(self):
            return f(to_atomic(self._v))
    conversion.__name__ = conversion.__qualname__ = name
    conversion.__doc__ = f"Conversion {name[2:]} of the same neuron."
    return conversion


for _cls in _ATOMIC + _BACKEND:
    _to_atomic = _identity if _cls in _ATOMIC else _backend_to_atomic
    for _name, _f in _DERIVED.items():
        _own = _cls.__dict__.get(_name)
        if _name == "to" + _cls.__name__ or (_own is not None and not getattr(_own, "_halco_delegate", False)):
            continue
        setattr(_cls, _name, _conversion(_name, _f, _to_atomic))


def _to_capmem_cell(self, row):
    """The CapMem cell of this neuron for parameter ``row`` (a ``CapMemRowOnCapMemBlock``,
    e.g. ``CapMemRowOnCapMemBlock.v_leak``)."""
    Row = _h.CapMemRowOnCapMemBlock
    if not isinstance(row, Row):
        row = Row(row)
    a = self.toAtomicNeuronOnDLS()._v if self.__class__ is not AtomicNeuronOnDLS else self._v
    return _h.CapMemCellOnDLS._u((a >> 7) * 3120 + row._v * 130 + (a & 127))


for _cls in _ATOMIC + _BACKEND:
    _cls.toCapMemCellOnDLS = _to_capmem_cell

del _cls, _to_atomic, _name, _f, _own
