"""lola: logical containers of the HX v3 chip.

Logical containers group leaf containers (haldls) into the units users think
in: an ``AtomicNeuron`` (one NeuronConfig, its 24 CapMem cells and one
NeuronBackendConfig), a ``SynapseMatrix`` (all synapses of one array), a
multi-compartment ``LogicalNeuron`` built with a ``Morphology``, and the whole
``Chip``.  They are plain values with the public names; stadls writes and reads
them like any container::

    import halco, lola, stadls
    neuron = lola.AtomicNeuron()
    neuron.leak.v_leak = 600
    builder = stadls.PlaybackProgramBuilder()
    builder.write(halco.AtomicNeuronOnDLS(halco.Enum(5)), neuron)

See docs/lola.md.
"""
from ._common import AnalogDisableRefresh, AnalogValue, ContainerArray, upgraded_key  # noqa: F401
from .synapse import (ColumnCorrelationRow, ColumnCurrentRow, SynapseCorrelationCalibMatrix,  # noqa: F401
                      SynapseCorrelationCalibRow, SynapseLabelMatrix, SynapseLabelRow, SynapseMatrix,
                      SynapseRow, SynapseWeightMatrix, SynapseWeightRow)
from .neuron import AtomicNeuron, AtomicNeuronArray, NeuronBlock  # noqa: F401
from .capmem import CapMem  # noqa: F401
from .blocks import (CADCChannel, CADCChannelArray, CADCReadoutChain, Crossbar, ReadoutChain,  # noqa: F401
                     SynapseBlock, SynapseDriverBlock)
from .chip import Chip, chip_from_file  # noqa: F401
from .board import DACChannelBlock, DACControlBlock  # noqa: F401
from .morphology_coordinates import (AtomicNeuronOnLogicalNeuron, CompartmentOnLogicalNeuron,  # noqa: F401
                                     LogicalNeuronCompartments, LogicalNeuronOnDLS, NeuronColumnOnLogicalNeuron,
                                     NeuronRowOnLogicalNeuron)
from .morphology import LogicalNeuron, MCSafeAtomicNeuron, Morphology, MorphologyError  # noqa: F401


def containers_by_coordinate() -> dict:
    """Coordinate type name -> lola container class, for stadls' ``builder.read``."""
    classes = (AtomicNeuron, SynapseMatrix, SynapseRow, SynapseWeightMatrix, SynapseLabelMatrix,
               SynapseCorrelationCalibMatrix, SynapseWeightRow, SynapseLabelRow, SynapseCorrelationCalibRow,
               ColumnCurrentRow, ColumnCorrelationRow, NeuronBlock, CapMem, CADCReadoutChain, Crossbar,
               ReadoutChain, SynapseBlock, SynapseDriverBlock, Chip, DACChannelBlock, DACControlBlock)
    return {c.coordinate_type().__name__: c for c in classes}


__all__ = [
    "AnalogDisableRefresh", "AnalogValue", "AtomicNeuron", "AtomicNeuronArray", "AtomicNeuronOnLogicalNeuron",
    "CADCChannel", "CADCChannelArray", "CADCReadoutChain", "CapMem", "Chip", "ColumnCorrelationRow",
    "ColumnCurrentRow", "CompartmentOnLogicalNeuron", "ContainerArray", "Crossbar", "LogicalNeuron",
    "LogicalNeuronCompartments", "LogicalNeuronOnDLS", "MCSafeAtomicNeuron", "Morphology", "MorphologyError",
    "NeuronBlock", "NeuronColumnOnLogicalNeuron", "NeuronRowOnLogicalNeuron", "ReadoutChain", "SynapseBlock",
    "SynapseCorrelationCalibMatrix", "SynapseCorrelationCalibRow", "SynapseDriverBlock", "SynapseLabelMatrix",
    "SynapseLabelRow", "SynapseMatrix", "SynapseRow", "SynapseWeightMatrix", "SynapseWeightRow",
    "chip_from_file", "containers_by_coordinate", "DACChannelBlock", "DACControlBlock",
]

#: public lola containers the emulated setup does not have yet (name -> reason)
NOT_EMULATED = {
    "CADCSampleRow": "a row of CADC samples (read CADCSampleQuads, or let grenade record with the CADC)",
    "CADCSamples": "all CADC samples of a read (read CADCSampleQuads, or let grenade record with the CADC)",
    "CorrelationResetRow": "a row of correlation resets (write CorrelationReset per quad)",
    "ExternalPPUMemoryBlock": "external PPU memory on the FPGA",
    "ExternalPPUMemory": "external PPU memory on the FPGA",
    "ExternalPPUDRAMMemoryBlock": "external PPU DRAM on the FPGA",
    "MemoryTiming": "the SRAM timings (emulated memories have no timing)",
    "InputRoutingTable": "multi-chip routing on the FPGA",
    "OutputRoutingTable": "multi-chip routing on the FPGA",
    "SinglechipFPGA": "the FPGA configuration of a single-chip setup",
    "ChipAndSinglechipFPGA": "the FPGA configuration of a single-chip setup",
    "MultichipJboaLeafFPGA": "the FPGA configuration of a multi-chip jboa setup",
    "ChipAndMultichipJboaLeafFPGA": "the FPGA configuration of a multi-chip jboa setup",
}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"lola.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'lola' has no attribute {name!r}")
