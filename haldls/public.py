"""Every public haldls v3 container (``pyhaldls_vx_v3`` / ``dlens_vx_v3.hal``) and what the
emulated setup does with it: one table, from which ``haldls`` raises NotImplementedError for
the missing ones and docs/haldls.md lists them all (``python -m haldls.docs --update``).

Status:

- ``emulated``: the container exists and the emulator honours what it configures or reports;
- ``accepted``: the container exists and writes succeed, but they change nothing the emulated
  chip measures (the reason says why that is faithful enough);
- ``missing``: not there yet; ``haldls.<name>`` raises NotImplementedError naming it.
"""
from __future__ import annotations

EMULATED, ACCEPTED, MISSING = "emulated", "accepted", "missing"

_BRINGUP = "bring-up of clocks and links; the emulated chip runs at fixed clocks and is reached in-process"
_JBOA = "peripheral of the jboa board; the emulated setup carries a Cube board"
_SRAM = "SRAM timing; the emulated memories have no timing"
_FPGA_STATUS = "FPGA-internal status or test logic of the real link"

#: name -> (status, note)
PUBLIC_CONTAINERS = {
    # neurons
    "NeuronConfig": (EMULATED, ""),
    "NeuronBackendConfig": (EMULATED, ""),
    "CommonNeuronBackendConfig": (EMULATED, "refractory and adaptation/post-pulse clocks"),
    "NeuronReset": (EMULATED, ""),
    "NeuronResetQuad": (EMULATED, ""),
    "BlockPostPulse": (EMULATED, ""),
    "SpikeCounterRead": (EMULATED, ""),
    "SpikeCounterReset": (EMULATED, ""),
    # CapMem
    "CapMemCell": (EMULATED, ""),
    "CapMemBlock": (EMULATED, ""),
    "CapMemBlockConfig": (EMULATED, "enable_capmem; the refresh timing fields are accepted (the emulated "
                                    "CapMem settles at once)"),
    "ReferenceGeneratorConfig": (ACCEPTED, "the emulated CapMem needs no reference current"),
    # synapses, drivers, PADI
    "SynapseDriverConfig": (EMULATED, ""),
    "PADIEvent": (EMULATED, ""),
    "CommonPADIBusConfig": (ACCEPTED, "PADI bus timing; emulated buses deliver every event"),
    "CommonSTPConfig": (EMULATED, ""),
    "SynapseWeightQuad": (EMULATED, ""),
    "SynapseLabelQuad": (EMULATED, ""),
    "SynapseCorrelationCalibQuad": (EMULATED, ""),
    "SynapseQuad": (EMULATED, ""),
    "ColumnCorrelationQuad": (EMULATED, ""),
    "ColumnCurrentQuad": (EMULATED, ""),
    "CommonSynramConfig": (ACCEPTED, _SRAM),
    "CommonCorrelationConfig": (ACCEPTED, "correlation sensor timing; the emulated sensors read out at once"),
    "CorrelationReset": (EMULATED, ""),
    "SynapseBiasSelection": (MISSING, "the emulated synapse drivers always use the internal biases"),
    # crossbar, background sources
    "CrossbarNode": (EMULATED, ""),
    "CrossbarOutputConfig": (EMULATED, "event counter enables; slow mode is accepted"),
    "CrossbarInputDropCounter": (EMULATED, "at halco.CrossbarInputOnDLS"),
    "CrossbarOutputEventCounter": (EMULATED, "at halco.CrossbarOutputOnDLS"),
    "BackgroundSpikeSource": (EMULATED, ""),
    # readout
    "MADCConfig": (EMULATED, "sample count, clock scaling, initially selected input, dummy data; the "
                             "analog front-end settings are accepted"),
    "MADCControl": (EMULATED, ""),
    "ReadoutSourceSelection": (EMULATED, "neuron lines and the pad debug lines"),
    "PadMultiplexerConfig": (EMULATED, "debug_to_pad; the CapMem/CADC/stimulus routes to the pads are accepted "
                                       "(the emulated pads carry only the debug lines)"),
    "CurrentDAC": (MISSING, "the emulated chip has no current DAC"),
    "CADCConfig": (EMULATED, ""),
    "CADCChannelConfig": (EMULATED, ""),
    "CADCSampleQuad": (EMULATED, ""),
    # PPU
    "PPUMemoryWord": (EMULATED, "memory only: the emulated PPUs run no programs"),
    "PPUMemoryBlock": (EMULATED, "memory only"),
    "PPUMemory": (EMULATED, "memory only"),
    "PPUControlRegister": (ACCEPTED, "the emulated PPUs run no programs"),
    "PPUStatusRegister": (ACCEPTED, "reads back its default: the emulated PPUs run no programs"),
    "ExternalPPUMemoryByte": (MISSING, "external PPU memory on the FPGA"),
    "ExternalPPUMemoryQuad": (MISSING, "external PPU memory on the FPGA"),
    "ExternalPPUDRAMMemoryByte": (MISSING, "external PPU DRAM on the FPGA"),
    "ExternalPPUDRAMMemoryQuad": (MISSING, "external PPU DRAM on the FPGA"),
    "VectorGeneratorControl": (MISSING, "vector generators (PPU to synapse array streaming)"),
    "VectorGeneratorFIFOWord": (MISSING, "vector generators"),
    "VectorGeneratorLUTEntry": (MISSING, "vector generators"),
    "VectorGeneratorNotificationAddress": (MISSING, "vector generators"),
    "VectorGeneratorTrigger": (MISSING, "vector generators"),
    # FPGA and timing
    "Timer": (EMULATED, ""),
    "SystimeSync": (EMULATED, ""),
    "SystimeSyncBase": (MISSING, "the emulated systime starts at 0"),
    "EventRecordingConfig": (EMULATED, ""),
    "SpikePack1ToChip": (EMULATED, ""),
    "SpikePack2ToChip": (EMULATED, ""),
    "SpikePack3ToChip": (EMULATED, ""),
    "InstructionTimeoutConfig": (MISSING, "the emulated executor never stalls"),
    "SystimeCorrectionBarrierConfig": (MISSING, "systime correction of multi-FPGA setups"),
    "FPGASystimeSyncActiveState": (MISSING, "systime correction of multi-FPGA setups"),
    "FPGASystimeSyncLastAsicSystime": (MISSING, "systime correction of multi-FPGA setups"),
    "FPGASystimeSyncLastRTT": (MISSING, "systime correction of multi-FPGA setups"),
    "FPGASystimeSyncNumRetries": (MISSING, "systime correction of multi-FPGA setups"),
    "FPGADeviceDNA": (MISSING, "the FPGA's serial number"),
    "PollingOmnibusBlockConfig": (MISSING, "polling waits on omnibus words"),
    "NullPayloadReadable": (MISSING, "a test container of the link"),
    "SpikeIOConfig": (MISSING, "the FPGA's spike I/O to external devices"),
    "SpikeIOInputRoute": (MISSING, "the FPGA's spike I/O to external devices"),
    "SpikeIOOutputRoute": (MISSING, "the FPGA's spike I/O to external devices"),
    "InputRoutingTableEntry": (MISSING, "multi-chip routing on the FPGA"),
    "OutputRoutingTableEntry": (MISSING, "multi-chip routing on the FPGA"),
    "HicannARQStatus": (MISSING, _FPGA_STATUS),
    "PhyStatus": (MISSING, _FPGA_STATUS),
    "PerfTest": (MISSING, _FPGA_STATUS),
    "PerfTestStatus": (MISSING, _FPGA_STATUS),
    # bring-up
    "ResetChip": (EMULATED, ""),
    "JTAGIdCode": (EMULATED, "a fixed HX v3 id"),
    "JTAGClockScaler": (MISSING, _BRINGUP),
    "ResetJTAGTap": (MISSING, _BRINGUP),
    "ADPLL": (MISSING, _BRINGUP),
    "PLLClockOutputBlock": (MISSING, _BRINGUP),
    "PLLSelfTest": (MISSING, _BRINGUP),
    "PLLSelfTestStatus": (MISSING, _BRINGUP),
    "PhyConfigFPGA": (MISSING, _BRINGUP),
    "PhyConfigChip": (MISSING, _BRINGUP),
    "CommonPhyConfigFPGA": (MISSING, _BRINGUP),
    "CommonPhyConfigChip": (MISSING, _BRINGUP),
    "CADCOffsetSRAMTimingConfig": (MISSING, _SRAM),
    "CapMemSRAMTimingConfig": (MISSING, _SRAM),
    "NeuronBackendSRAMTimingConfig": (MISSING, _SRAM),
    "NeuronSRAMTimingConfig": (MISSING, _SRAM),
    "SynapseDriverSRAMTimingConfig": (MISSING, _SRAM),
    # the Cube board
    "ShiftRegister": (EMULATED, "readout multiplexers 1 and 2 route a chip pad and the mux_dac_25 DAC onto "
                                "the board's analog line; LEDs, supply switches, i_ref and the board ADC "
                                "controls are accepted (the emulated chip has ideal supplies)"),
    "DACChannel": (EMULATED, "mux_dac_25 drives the readout pads through the shift register's multiplexers; "
                             "the other channels are accepted (supplies and references of the emulated chip "
                             "are ideal)"),
    "DACControl": (EMULATED, "a disabled channel drives nothing"),
    "INA219Config": (MISSING, "supply monitors of the board; the emulated chip has ideal supplies"),
    "INA219Status": (MISSING, "supply monitors of the board; the emulated chip has ideal supplies"),
    "TMP112Status": (MISSING, "the board's temperature sensor"),
    "DAC6573ChannelConfig": (MISSING, _JBOA),
    "AD5252ChannelConfig": (MISSING, _JBOA),
    "AD5252ChannelConfigPersistent": (MISSING, _JBOA),
    "TCA9546ChannelConfig": (MISSING, _JBOA),
    "TCA9554Config": (MISSING, _JBOA),
    "TCA9554Inputs": (MISSING, _JBOA),
}


def missing(name: str):
    """NotImplementedError for a public container that is not emulated, or None."""
    entry = PUBLIC_CONTAINERS.get(name)
    if entry is None or entry[0] != MISSING:
        return None
    return NotImplementedError(f"haldls.{name} is not emulated: {entry[1]}")


def public_table_markdown() -> str:
    """Markdown table of every public v3 container with its status and note."""
    lines = ["| Public container | Status | Note |", "|---|---|---|"]
    for name in sorted(PUBLIC_CONTAINERS):
        status, note = PUBLIC_CONTAINERS[name]
        shown = {EMULATED: "emulated", ACCEPTED: "accepted without effect", MISSING: "missing"}[status]
        lines.append(f"| `{name}` | {shown} | {note} |")
    return "\n".join(lines) + "\n"
