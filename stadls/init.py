"""SystemInit: bring the (emulated) chip into a defined, usable state.

``stadls.generate(SystemInit())`` returns ``(builder, result)`` as the public
API does.  On silicon the sequence also programs board power, PLLs and
high-speed links; the emulator needs only the chip-level part, which is
what is written here: chip reset, systime sync, CapMem and its reference
generator, neuron backend clocks, and event recording.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import halco
import haldls

from .builder import PlaybackProgramBuilder

#: CapMem settling time after (re)configuration, in FPGA cycles (20 us here:
#: the emulated CapMem settles at once, the wait keeps real-chip timing habits).
CAPMEM_SETTLING_CYCLES = 20 * 125


@dataclass
class SystemInit:
    """What the init sequence writes.  Change the fields before ``generate``
    to start from another state (e.g. ``enable_event_recording=False``)."""

    enable_event_recording: bool = True
    enable_capmem: bool = True
    enable_neuron_clocks: bool = True
    reference_generator: haldls.ReferenceGeneratorConfig = field(
        default_factory=haldls.ReferenceGeneratorConfig)
    read_jtag_id: bool = True


@dataclass
class SystemInitResult:
    """Tickets read during init: ``jtag_id_code.get()`` after the run."""

    jtag_id_code: object = None


def generate(init) -> tuple:
    """Build the playback program of an init sequence: ``(builder, result)``."""
    if not isinstance(init, SystemInit):
        raise TypeError(f"generate() takes a SystemInit, got {type(init).__name__}")
    b = PlaybackProgramBuilder()
    b.write(halco.ResetChipOnDLS(), haldls.ResetChip(True))
    b.write(halco.TimerOnDLS(), haldls.Timer())
    b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(10))
    b.write(halco.ResetChipOnDLS(), haldls.ResetChip(False))
    b.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync(True))
    b.block_until(halco.BarrierOnFPGA(), haldls.Barrier.systime)
    result = SystemInitResult()
    if init.read_jtag_id:
        result.jtag_id_code = b.read(halco.JTAGIdCodeOnDLS())
    ref = init.reference_generator.copy()
    ref.enable_reset = True
    b.write(halco.ReferenceGeneratorConfigOnDLS(), ref)
    ref.enable_reset = False
    b.write(halco.ReferenceGeneratorConfigOnDLS(), ref)
    for block in halco.iter_all(halco.CapMemBlockConfigOnDLS):
        b.write(block, haldls.CapMemBlockConfig(enable_capmem=init.enable_capmem))
    for block in halco.iter_all(halco.CommonNeuronBackendConfigOnDLS):
        b.write(block, haldls.CommonNeuronBackendConfig(enable_clocks=init.enable_neuron_clocks,
                                                        enable_event_registers=True))
    b.write(halco.EventRecordingConfigOnFPGA(),
            haldls.EventRecordingConfig(enable_event_recording=init.enable_event_recording))
    b.write(halco.TimerOnDLS(), haldls.Timer())
    b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(CAPMEM_SETTLING_CYCLES))
    b.block_until(halco.BarrierOnFPGA(), haldls.Barrier.omnibus)
    return b, result
