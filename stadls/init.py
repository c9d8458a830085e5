"""SystemInit: bring the (emulated) chip and its board into a defined, usable state.

``stadls.generate(SystemInit(hwdb_entry))`` (or ``init.generate()``) returns
``(builder, result)`` as the public API does.  ``SystemInit`` has the public parts:

- ``chip`` (:class:`ChipInit`): chip reset, systime sync, CapMem reference generator,
  event recording.  On silicon it also programs PLLs, high-speed links and SRAM timing; the
  emulated chip needs none of it (those public fields raise NotImplementedError).  Ours also
  enables the CapMem refresh of all four blocks and the neuron backend clocks, so that a chip
  after SystemInit runs.
- ``asic_adapter_board`` (:class:`CubeASICAdapterBoardInit`): the board's shift register
  (analog readout multiplexers), DAC channel values and DAC enables.  The emulated board
  models the analog readout path of these (docs/haldls.md, "Board").

The board part is written after the chip reset pulse: the emulated register file, board
registers included, is reset with the chip.  ``ExperimentInit`` (public until 2025) adds the
column switches and the common backend and correlation configuration; ``DigitalInit`` is the
earlier name of ``SystemInit``.
"""
from __future__ import annotations

from dataclasses import dataclass

import halco
import haldls
from haldls.register_map import FPGA_CLOCK_CYCLES_PER_US

from .builder import PlaybackProgramBuilder

#: CapMem settling time after (re)configuration, in FPGA cycles (20 us here:
#: the emulated CapMem settles at once, the wait keeps real-chip timing habits).
CAPMEM_SETTLING_CYCLES = 20 * FPGA_CLOCK_CYCLES_PER_US

#: Settling time of the board DACs after they were written, in FPGA cycles (10 us; the
#: emulated DACs settle at once).
BOARD_DAC_SETTLING_CYCLES = 10 * FPGA_CLOCK_CYCLES_PER_US

# public members of the silicon init that the emulated chip has no use for
_NOT_EMULATED_CHIP = {
    "jtag_clock_scaler": "the JTAG clock (the emulator is reached over hxcomm only)",
    "pll_clock_output_block": "the PLL clock outputs (the emulated chip has fixed clocks)",
    "adplls": "the ADPLLs (the emulated chip has fixed clocks)",
    "highspeed_link": "the high-speed link PHYs (the emulator is reached in-process)",
    "memory_timing": "the SRAM timing (emulated SRAMs have no timing)",
}
_NOT_EMULATED_SYSTEM = {
    "instruction_timeout": "the FPGA instruction timeout (the emulated executor never stalls)",
}


def _not_emulated(owner: str, table: dict, name: str):
    if name in table:
        raise NotImplementedError(f"stadls.{owner}.{name}: {table[name]} is not emulated")
    raise AttributeError(f"{owner} has no attribute {name!r}")


class ChipInit:
    """The chip part of the init sequence (public ``stadls.ChipInit``).

    Fields: ``event_recording`` (``EventRecordingConfig``, on), ``enable_capmem`` (CapMem
    refresh in all blocks, after a reference generator reset pulse with
    ``reference_generator_config``), ``enable_neuron_clocks`` (ours: the neuron backend clocks
    and event registers), ``enable_highspeed_link`` (accepted; the emulator needs no link),
    ``read_jtag_id`` (ours: read the chip id, ``result.jtag_id_code``)."""

    def __init__(self, hwdb_entry=None):
        _check_entry(hwdb_entry)
        self.event_recording = haldls.EventRecordingConfig(enable_event_recording=True)
        self.enable_capmem = True
        self.reference_generator_config = haldls.ReferenceGeneratorConfig()
        self.enable_neuron_clocks = True
        self.enable_highspeed_link = True
        self.read_jtag_id = True

    def __getattr__(self, name):
        return _not_emulated("ChipInit", _NOT_EMULATED_CHIP, name)

    def generate(self):
        """``(builder, result)`` of the chip part alone."""
        b = PlaybackProgramBuilder()
        result = SystemInitResult()
        self._append(b, result)
        return b, result

    def _append(self, b: PlaybackProgramBuilder, result: "SystemInitResult") -> None:
        b.write(halco.ResetChipOnDLS(), haldls.ResetChip(True))
        b.write(halco.TimerOnDLS(), haldls.Timer())
        b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(10))
        b.write(halco.ResetChipOnDLS(), haldls.ResetChip(False))
        b.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync(True))
        b.block_until(halco.BarrierOnFPGA(), haldls.Barrier.systime)
        if self.read_jtag_id:
            result.jtag_id_code = b.read(halco.JTAGIdCodeOnDLS())
        if self.enable_capmem:
            ref = self.reference_generator_config.copy()
            ref.enable_reset = True
            b.write(halco.ReferenceGeneratorConfigOnDLS(), ref)
            b.write(halco.ReferenceGeneratorConfigOnDLS(), self.reference_generator_config)
        for block in halco.iter_all(halco.CapMemBlockConfigOnDLS):
            b.write(block, haldls.CapMemBlockConfig(enable_capmem=self.enable_capmem))
        for block in halco.iter_all(halco.CommonNeuronBackendConfigOnDLS):
            b.write(block, haldls.CommonNeuronBackendConfig(enable_clocks=self.enable_neuron_clocks,
                                                            enable_event_registers=True))
        b.write(halco.EventRecordingConfigOnFPGA(), self.event_recording)

    def __repr__(self):
        return (f"ChipInit(enable_capmem={self.enable_capmem}, enable_neuron_clocks={self.enable_neuron_clocks}, "
                f"event_recording={self.event_recording!r})")


class ASICAdapterBoardInit:
    """A board init that writes nothing (public base class)."""

    def generate(self):
        """``(builder, None)``: the board part alone."""
        b = PlaybackProgramBuilder()
        self._append(b)
        return b, None

    def _append(self, b: PlaybackProgramBuilder) -> None:
        pass

    def copy(self):
        return type(self)()


class CubeASICAdapterBoardInit(ASICAdapterBoardInit):
    """The Cube carrier board (public ``stadls.CubeASICAdapterBoardInit``): ``shift_register``
    (``haldls.ShiftRegister``), ``dac_channel_block`` (``lola.DACChannelBlock``, the supply
    settings ``default_ldo_2``) and ``dac_control_block`` (``lola.DACControlBlock``, all on)."""

    def __init__(self):
        import lola
        self.shift_register = haldls.ShiftRegister()
        self.dac_channel_block = lola.DACChannelBlock.default_ldo_2
        self.dac_control_block = lola.DACControlBlock()

    def _append(self, b: PlaybackProgramBuilder) -> None:
        b.write(halco.ShiftRegisterOnBoard(), self.shift_register)
        b.write(halco.DACChannelBlockOnBoard(), self.dac_channel_block)
        b.write(halco.DACControlBlockOnBoard(), self.dac_control_block)
        b.write(halco.TimerOnDLS(), haldls.Timer())
        b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(BOARD_DAC_SETTLING_CYCLES))

    def copy(self):
        out = CubeASICAdapterBoardInit()
        out.shift_register = self.shift_register.copy()
        out.dac_channel_block = self.dac_channel_block.copy()
        out.dac_control_block = self.dac_control_block.copy()
        return out

    def __repr__(self):
        return (f"CubeASICAdapterBoardInit(shift_register={self.shift_register!r}, "
                f"dac_channel_block={self.dac_channel_block!r}, dac_control_block={self.dac_control_block!r})")


def _check_entry(hwdb_entry):
    import hxcomm
    if hwdb_entry is not None and not isinstance(hwdb_entry, hxcomm.HwdbEntry):
        raise TypeError(f"SystemInit takes a hardware database entry (hxcomm.EmulatorEntry, SimulationEntry or "
                        f"ZeroMockEntry, e.g. connection.get_hwdb_entry()[0]), got {hwdb_entry!r}")


class SystemInit:
    """The init sequence of a setup (public ``stadls.SystemInit``): ``SystemInit(hwdb_entry)``
    with the entry of the connection's setup (``connection.get_hwdb_entry()[0]``; default: the
    emulated setup).  Parts: ``asic_adapter_board`` (``CubeASICAdapterBoardInit``; the emulated
    and the public simulation and mock setups carry a Cube board) with
    ``enable_asic_adapter_board``, and ``chip`` (:class:`ChipInit`) with ``enable_chip``.

    The keyword options of earlier versions set the chip part: ``enable_event_recording``,
    ``enable_capmem``, ``enable_neuron_clocks``, ``reference_generator``, ``read_jtag_id``
    (they are also attributes).  ``init.generate()`` = ``stadls.generate(init)``.
    """

    def __init__(self, hwdb_entry=None, *, enable_event_recording: bool = True, enable_capmem: bool = True,
                 enable_neuron_clocks: bool = True, reference_generator=None, read_jtag_id: bool = True):
        _check_entry(hwdb_entry)
        self.hwdb_entry = hwdb_entry
        self.chip = ChipInit(hwdb_entry)
        self.enable_chip = True
        self.asic_adapter_board = CubeASICAdapterBoardInit()
        self.enable_asic_adapter_board = True
        self.enable_event_recording = enable_event_recording
        self.enable_capmem = enable_capmem
        self.enable_neuron_clocks = enable_neuron_clocks
        if reference_generator is not None:
            self.reference_generator = reference_generator
        self.read_jtag_id = read_jtag_id

    def __getattr__(self, name):
        return _not_emulated(type(self).__name__, _NOT_EMULATED_SYSTEM, name)

    # the options of earlier versions: views onto the chip part
    enable_event_recording = property(
        lambda self: self.chip.event_recording.enable_event_recording,
        lambda self, v: setattr(self.chip.event_recording, "enable_event_recording", v))
    enable_capmem = property(lambda self: self.chip.enable_capmem,
                             lambda self, v: setattr(self.chip, "enable_capmem", bool(v)))
    enable_neuron_clocks = property(lambda self: self.chip.enable_neuron_clocks,
                                    lambda self, v: setattr(self.chip, "enable_neuron_clocks", bool(v)))
    reference_generator = property(lambda self: self.chip.reference_generator_config,
                                   lambda self, v: setattr(self.chip, "reference_generator_config", v))
    read_jtag_id = property(lambda self: self.chip.read_jtag_id,
                            lambda self, v: setattr(self.chip, "read_jtag_id", bool(v)))

    def generate(self):
        """``(builder, result)``, the same as ``stadls.generate(self)``."""
        return generate(self)

    def _append(self, b: PlaybackProgramBuilder, result: "SystemInitResult") -> None:
        if self.enable_chip:
            self.chip._append(b, result)
        if self.enable_asic_adapter_board:
            self.asic_adapter_board._append(b)
        if self.enable_chip:
            b.write(halco.TimerOnDLS(), haldls.Timer())
            b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(CAPMEM_SETTLING_CYCLES))
            b.block_until(halco.BarrierOnFPGA(), haldls.Barrier.omnibus)

    def __repr__(self):
        return (f"{type(self).__name__}(chip={self.chip!r}, enable_chip={self.enable_chip}, "
                f"asic_adapter_board={self.asic_adapter_board!r}, "
                f"enable_asic_adapter_board={self.enable_asic_adapter_board})")


class DigitalInit(SystemInit):
    """The earlier name of :class:`SystemInit` (public until 2026); the same sequence."""


class ExperimentInit(SystemInit):
    """SystemInit plus the chip-wide defaults experiments start from (public until 2025, now
    done by writing a ``lola.Chip``): ``common_neuron_backend_config`` (2, backend clocks and
    event registers on), ``column_correlation_quad_config`` (128), ``column_current_quad_config``
    (128) and ``common_correlation_config`` (2), each indexed by its halco coordinate."""

    def __init__(self, hwdb_entry=None, **options):
        from lola import ContainerArray
        super().__init__(hwdb_entry, **options)

        def array(cls, coord, make=None):
            items = [make() if make else cls() for _ in range(coord.size)]
            return ContainerArray(cls, items, coord, f"ExperimentInit.{coord.__name__}")

        self.common_neuron_backend_config = array(
            haldls.CommonNeuronBackendConfig, halco.CommonNeuronBackendConfigOnDLS,
            lambda: haldls.CommonNeuronBackendConfig(enable_clocks=True, enable_event_registers=True))
        self.column_correlation_quad_config = array(haldls.ColumnCorrelationQuad, halco.ColumnCorrelationQuadOnDLS)
        self.column_current_quad_config = array(haldls.ColumnCurrentQuad, halco.ColumnCurrentQuadOnDLS)
        self.common_correlation_config = array(haldls.CommonCorrelationConfig, halco.CommonCorrelationConfigOnDLS)

    def _append(self, b: PlaybackProgramBuilder, result: "SystemInitResult") -> None:
        super()._append(b, result)
        for name, coord in (("common_neuron_backend_config", halco.CommonNeuronBackendConfigOnDLS),
                            ("column_correlation_quad_config", halco.ColumnCorrelationQuadOnDLS),
                            ("column_current_quad_config", halco.ColumnCurrentQuadOnDLS),
                            ("common_correlation_config", halco.CommonCorrelationConfigOnDLS)):
            for c, item in zip(halco.iter_all(coord), getattr(self, name)):
                b.write(c, item)


@dataclass
class SystemInitResult:
    """Tickets read during init: ``jtag_id_code.get()`` after the run."""

    jtag_id_code: object = None


def generate(init) -> tuple:
    """Build the playback program of an init sequence (``SystemInit``, ``ExperimentInit``,
    ``DigitalInit``, ``ChipInit`` or a board init): ``(builder, result)``."""
    if isinstance(init, (ChipInit, ASICAdapterBoardInit)):
        return init.generate()
    if not isinstance(init, SystemInit):
        raise TypeError(f"generate() takes a SystemInit (or ExperimentInit, DigitalInit, ChipInit, a board "
                        f"init), got {type(init).__name__}")
    b = PlaybackProgramBuilder()
    result = SystemInitResult()
    init._append(b, result)
    return b, result
