"""The register map of the emulated HX v3 chip, written once.

Every leaf container: coordinate, base address, how the coordinate enum
spreads over the address space (mixed-radix ``radices`` x ``strides``), word
count, access kind and bit fields.  Python containers, their encode/decode,
the address lists and the C++ emulator's register file all come from this
table.  Base addresses follow the public omnibus regions (haldls and fisch address maps);
where the public layout is not known, the layout here is our own and is
documented in docs/haldls.md.
"""
from __future__ import annotations

import enum

from .regmap import Access, Field as F, Register as R

RW, RO, TRIGGER = Access.READ_WRITE, Access.READ_ONLY, Access.TRIGGER

#: The FPGA clock (125 MHz, 8 ns per cycle): the executor timer, waits and the chip's systime
#: count these cycles. Every other layer takes this number from here.
FPGA_CLOCK_CYCLES_PER_US = 125

# --- omnibus regions --------------------------------------------------------
PADI_BASE = 0x0011_0000          # + hemisphere * 0x8000
SYNAPSE_DRIVER_BASE = 0x0011_0400
NEURON_BACKEND_TRIGGER_BASE = 0x0012_2000  # + backend block * 0x8000
CAPMEM_BASE = 0x0014_0000        # + block * 0x8000
CAPMEM_CONFIG_BASE = 0x0014_4000
NEURON_SRAM_BASE = 0x0016_0000   # + quadrant * 0x8000
NEURON_BACKEND_BASE = 0x001a_1000
NEURON_BACKEND_COMMON_BASE = 0x001a_1800
CROSSBAR_BASE = 0x0010_0000
PPU_BASE = 0x0200_0000           # + ppu * 0x0100_0000
PPU_STRIDE = 0x0100_0000
PPU_MEMORY_OFFSET = 0x0080_0000
PPU_CONTROL_OFFSET = 0x0020_0000
SYNRAM_OFFSET = 0x0040_0000      # synram and CADC, through the PPU subtree
FPGA_EXECUTOR_BASE = 0x8800_0000
BOARD_SPI_BASE = 0x8c00_0000     # our own: the FPGA's SPI masters towards the board peripherals
HEMI = 0x8000


class ReadoutSource(enum.IntEnum):
    """Neuron signal routed to the readout line (NeuronConfig.readout_source)."""

    membrane = 0
    exc_synin = 1
    inh_synin = 2
    adaptation = 3


class AnalogReadoutMux1Input(enum.IntEnum):
    """Board analog readout multiplexer 1: which chip readout pad joins the board's analog line."""

    off = 0
    readout_chain_0 = 1
    readout_chain_1 = 2
    mux_rfu_0 = 3


class AnalogReadoutMux2Input(enum.IntEnum):
    """Board analog readout multiplexer 2: which board voltage joins the board's analog line."""

    off = 0
    v_reset = 1
    vdd_res_meas = 2
    mux_dac_25 = 3


class AnalogReadoutMux3Input(enum.IntEnum):
    """Board analog readout multiplexer 3."""

    off = 0
    i_ref = 1
    mux_rfu_1 = 2
    mux_rfu_2 = 3


class RowMode(enum.IntEnum):
    """Receptor of a synapse row: bit 0 excitatory, bit 1 inhibitory."""

    disabled = 0
    excitatory = 1
    inhibitory = 2
    excitatory_and_inhibitory = 3


def _quad(name, coordinate, offset, doc, width=6, access=RW, value_type="Value"):
    """A 32-bit SRAM word holding 4 entries, entry 0 in the highest byte."""
    return R(name, coordinate, PPU_BASE + SYNRAM_OFFSET + offset, (2, 256, 64), (PPU_STRIDE, 64, 1), 1,
             access, (F("values", 0, 0, width, kind=int, count=4, lane_stride=8, reverse=True,
                        value_type=value_type),), doc)


REGISTERS = (
    # --- neurons ----------------------------------------------------------
    R("NeuronConfig", "NeuronConfigOnDLS", NEURON_SRAM_BASE + 2, (4, 128), (HEMI, 8), 6, RW, (
        F("enable_reset_degeneration", 0, 0), F("enable_reset_division", 0, 1),
        F("enable_reset_multiplication", 0, 2), F("enable_leak_degeneration", 0, 3),
        F("enable_leak_division", 0, 4), F("enable_leak_multiplication", 0, 5),
        F("enable_strong_fire", 0, 6),
        F("enable_synaptic_input_inhibitory_coba_mode", 1, 1),
        F("enable_synaptic_input_excitatory_coba_mode", 1, 2),
        F("enable_unbuffered_access", 1, 3), F("enable_readout_amplifier", 1, 4),
        F("readout_source", 1, 5, 2, kind=ReadoutSource), F("enable_readout", 1, 7),
        F("invert_adaptation_b", 2, 0), F("invert_adaptation_a", 2, 1),
        F("enable_adaptation", 2, 2), F("enable_exponential", 2, 3),
        F("enable_synaptic_input_inhibitory_small_capacitance", 2, 4, default=1),
        F("enable_synaptic_input_excitatory_small_capacitance", 2, 5, default=1),
        F("enable_synaptic_input_inhibitory_high_resistance", 2, 6),
        F("enable_synaptic_input_excitatory_high_resistance", 2, 7),
        F("enable_membrane_offset", 3, 0),
        F("membrane_capacitor_size", 3, 2, 6, kind=int, default=63,
          doc="membrane capacitance, 0..63 (63 ~ 2.3 pF)"),
        F("invert_membrane_offset", 4, 0), F("enable_fire", 4, 2),
        F("enable_threshold_comparator", 4, 3), F("enable_synaptic_input_inhibitory", 4, 4),
        F("enable_synaptic_input_excitatory", 4, 5), F("enable_bypass_inhibitory", 4, 6),
        F("enable_bypass_excitatory", 4, 7),
        F("connect_soma_right", 5, 0), F("connect_bottom", 5, 1),
        F("enable_multicomp_conductance", 5, 2), F("connect_membrane_right", 5, 3),
        F("connect_soma", 5, 4), F("enable_multicomp_conductance_multiplication", 5, 5),
        F("enable_multicomp_conductance_division", 5, 6), F("enable_pause", 5, 7),
    ), "Digital switches of one neuron circuit (v3): leak/reset modes, synaptic inputs, "
       "adaptation, exponential, readout, multi-compartment switches.", enums=(ReadoutSource,)),
    R("NeuronBackendConfig", "NeuronBackendConfigOnDLS", NEURON_BACKEND_BASE, (2, 256), (HEMI, 4), 4, RW, (
        F("address_out", 0, 0, 8, kind=int, value_type="AddressOut",
          doc="8-bit label sent with the neuron's spikes (bits 0..7 of the event label)"),
        F("reset_holdoff", 1, 0, 4, kind=int, default=15),
        F("post_overwrite", 1, 4), F("select_input_clock", 1, 5, kind=int, width=1, maximum=1),
        F("enable_adaptation_pulse", 1, 6), F("enable_bayesian_extension", 1, 7),
        F("refractory_time", 2, 0, 8, kind=int, doc="refractory counter preset, 0..255 clock ticks"),
        F("enable_neuron_slave", 3, 0), F("connect_fire_bottom", 3, 1),
        F("connect_fire_from_right", 3, 2), F("connect_fire_to_right", 3, 3),
        F("enable_spike_out", 3, 4), F("enable_neuron_master", 3, 5),
        F("enable_0_bayesian", 3, 6), F("enable_1_bayesian", 3, 7),
    ), "Digital backend of one neuron: output label, refractory counter, reset holdoff, "
       "spike output, Bayesian extension."),
    R("CommonNeuronBackendConfig", "CommonNeuronBackendConfigOnDLS", NEURON_BACKEND_COMMON_BASE, (2,), (HEMI,), 2, RW, (
        F("enable_event_registers", 0, 0, default=1), F("force_reset", 0, 1),
        F("enable_clocks", 0, 2, default=1),
        F("clock_scale_slow", 0, 4, 4, kind=int,
          doc="slow refractory clock = 250 MHz / 2^(scale+1); default 0 (125 MHz)"),
        F("clock_scale_fast", 0, 8, 4, kind=int,
          doc="fast refractory clock = 250 MHz / 2^(scale+1); default 0 (125 MHz)"),
        F("sample_positive_edge", 0, 12, 1, count=4, default=1),
        F("clock_scale_adaptation_pulse", 0, 16, 4, kind=int),
        F("clock_scale_post_pulse", 0, 20, 4, kind=int),
        F("wait_global_post_pulse", 1, 0, 8, kind=int, default=128),
        F("wait_spike_counter_reset", 1, 8, 8, kind=int, default=4),
        F("wait_spike_counter_read", 1, 16, 8, kind=int, default=112),
        F("wait_fire_neuron", 1, 24, 8, kind=int, default=4),
    ), "Shared configuration of one neuron backend block (256 neurons): clocks and timing."),
    R("NeuronReset", "NeuronResetOnDLS", NEURON_BACKEND_TRIGGER_BASE, (2, 256), (HEMI, 4), 1, TRIGGER, (),
      "Writing resets the neuron's membrane to its reset potential."),
    R("BlockPostPulse", "BlockPostPulseOnDLS", NEURON_BACKEND_TRIGGER_BASE + 0x400, (2,), (HEMI,), 1, TRIGGER, (),
      "Writing sends a post-synaptic pulse from every neuron of the block."),
    R("SpikeCounterRead", "SpikeCounterReadOnDLS", NEURON_BACKEND_TRIGGER_BASE + 0x800, (2, 256), (HEMI, 4), 1, RO, (
        F("count", 0, 0, 8, kind=int), F("overflow", 0, 8),
    ), "Spike counter of one neuron: 8-bit count plus sticky overflow."),
    R("SpikeCounterReset", "SpikeCounterResetOnDLS", NEURON_BACKEND_TRIGGER_BASE + 0xc00, (2, 256), (HEMI, 4), 1,
      TRIGGER, (), "Writing clears the neuron's spike counter."),
    # --- CapMem -------------------------------------------------------------
    R("CapMemCell", "CapMemCellOnDLS", CAPMEM_BASE, (4, 24, 130), (HEMI, 1, 32), 1, RW, (
        F("value", 0, 0, 10, kind=int, maximum=1023,
          doc="DAC value 0..1022; 1023 disables the refresh of the cell"),
    ), "One analog parameter cell (10-bit DAC) of the capacitive memory."),
    R("CapMemBlockConfig", "CapMemBlockConfigOnDLS", CAPMEM_CONFIG_BASE, (4,), (HEMI,), 5, RW, (
        F("enable_capmem", 0, 0), F("debug_readout_enable", 0, 1),
        F("pause_counter", 1, 0, 32, kind=int, default=8096),
        F("sub_counter", 2, 0, 16, kind=int, default=16),
        F("prescale_pause", 2, 16, 3, kind=int, default=3, maximum=6),
        F("prescale_ramp", 2, 20, 3, kind=int, default=3, maximum=6),
        F("boost_factor", 2, 24, 4, kind=int), F("enable_boost", 2, 28),
        F("pulse_a", 3, 0, 16, kind=int, default=4), F("pulse_b", 3, 16, 16, kind=int, default=7),
        F("boost_a", 4, 0, 16, kind=int), F("boost_b", 4, 16, 16, kind=int),
    ), "Refresh timing of one CapMem block."),
    R("ReferenceGeneratorConfig", "ReferenceGeneratorConfigOnDLS", CAPMEM_CONFIG_BASE + 0x100, (), (), 3, RW, (
        F("enable_internal_reference", 0, 0, default=1), F("enable_reference_output", 0, 1),
        F("enable_reference_input", 0, 2), F("enable_reset", 0, 3),
        F("capmem_amplifier", 1, 0, 6, kind=int, default=60),
        F("capmem_offset", 1, 8, 6, kind=int, default=2),
        F("capmem_slope", 1, 16, 6, kind=int, default=5),
        F("reference_control", 2, 0, 6, kind=int, default=10),
        F("resistor_control", 2, 8, 6, kind=int, default=40),
    ), "Reference current generator of the CapMem DACs."),
    # --- synapse drivers, PADI ---------------------------------------------
    R("SynapseDriverConfig", "SynapseDriverOnDLS", SYNAPSE_DRIVER_BASE, (2, 128), (HEMI, 4), 3, RW, (
        F("utilization", 0, 0, 4, kind=int, doc="STP utilization, 0..15"),
        F("offset", 0, 4, 4, kind=int, doc="STP pulse-width offset, 0..15"),
        F("enable_hagen_dac", 0, 8),
        F("row_address_compare_mask", 0, 9, 5, kind=int, default=0x1f,
          doc="bits of the 5-bit row-select address compared with the driver index on its bus"),
        F("enable_address_out", 0, 14), F("enable_receiver", 0, 15),
        F("recovery", 1, 0, 4, kind=int, doc="STP recovery, 0..15"),
        F("row_mode_bottom", 1, 4, 2, kind=RowMode), F("row_mode_top", 1, 6, 2, kind=RowMode),
        F("hagen_dac_offset", 1, 8, 6, kind=int),
        F("select_target_voltages", 2, 0, kind=int, maximum=1), F("enable_readout", 2, 1),
        F("enable_renewing", 2, 2), F("enable_hagen_modulation", 2, 3), F("enable_stp", 2, 4),
        F("enable_charge_sharing", 2, 5), F("enable_recovery", 2, 6),
    ), "One synapse driver: receives PADI events of its bus and drives two synapse rows "
       "(top = even row 2i, bottom = odd row 2i+1).", enums=(RowMode,)),
    R("PADIEvent", "PADIEventOnDLS", PADI_BASE, (2,), (HEMI,), 1, TRIGGER, (
        F("fire_bus", 0, 0, 1, count=4), F("hagen_activation", 0, 8, 5, kind=int),
        F("event_address", 0, 16, 6, kind=int), F("row_select_address", 0, 22, 5, kind=int),
        F("hagen_address", 0, 27, 2, kind=int), F("hagen_enable", 0, 29),
    ), "Writing injects an event on the selected PADI buses of the hemisphere."),
    R("CommonPADIBusConfig", "CommonPADIBusConfigOnDLS", PADI_BASE + 1, (2,), (HEMI,), 1, RW, (
        F("enable_spl1", 0, 0, 1, count=4), F("enable_extended_timing", 0, 4, 1, count=4),
        F("dacen_pulse_extension", 0, 8, 4, kind=int, count=4),
    ), "Per PADI bus of a hemisphere: SPL1 input enable, timing, DAC pulse extension."),
    R("CommonSTPConfig", "CommonSTPConfigOnDLS", PADI_BASE + 2, (2,), (HEMI,), 1, RW, (
        F("enable_recovery_clock", 0, 0), F("recovery_clock_speed", 0, 4, 4, kind=int),
    ), "Recovery clock of the short-term plasticity circuits of a hemisphere."),
    # --- crossbar, background sources --------------------------------------
    R("CrossbarNode", "CrossbarNodeOnDLS", CROSSBAR_BASE, (76,), (1,), 1, RW, (
        F("mask", 0, 0, 14, kind=int), F("target", 0, 16, 14, kind=int),
        F("enable_drop_counter", 0, 31),
    ), "A crossbar switch: an event passes iff (label & mask) == target."),
    R("CrossbarOutputConfig", "CrossbarOutputConfigOnDLS", CROSSBAR_BASE + 0x80, (), (), 1, RW, (
        F("enable_slow", 0, 0, 1, count=4), F("enable_event_counter", 0, 4, 1, count=12),
    ), "Crossbar outputs: slow mode of the L2 outputs and event counter enables."),
    R("CrossbarInputDropCounter", "CrossbarInputDropCounterOnDLS", CROSSBAR_BASE + 0x100, (20,), (1,), 1, RO, (
        F("value", 0, 0, 16, kind=int),), "Events dropped at a crossbar input (16 bit)."),
    R("CrossbarOutputEventCounter", "CrossbarOutputEventCounterOnDLS", CROSSBAR_BASE + 0x200, (12,), (1,), 1, RO, (
        F("value", 0, 0, 24, kind=int),), "Events that left a crossbar output (24 bit)."),
    R("BackgroundSpikeSource", "BackgroundSpikeSourceOnDLS", CROSSBAR_BASE + 0x400, (8,), (4,), 3, RW, (
        F("enable", 0, 0), F("enable_random", 0, 1),
        F("period", 0, 16, 16, kind=int, doc="clock cycles between spikes (regular) or bins (Poisson)"),
        F("seed", 1, 0, 32, kind=int), F("mask", 2, 0, 8, kind=int, doc="random bits of the label"),
        F("rate", 2, 8, 8, kind=int, doc="Poisson: P(spike per period) = rate / 255"),
        F("neuron_label", 2, 16, 14, kind=int),
    ), "On-chip background spike generator (regular or binned Poisson)."),
    # --- readout --------------------------------------------------------------
    R("MADCConfig", "MADCConfigOnDLS", CROSSBAR_BASE + 0x800, (), (), 6, RW, (
        F("active_mux_initially_selected_input", 0, 0, kind=int, maximum=1),
        F("active_mux_input_select_length", 0, 4, 4, kind=int),
        F("sample_duration_adjust", 0, 8, 3, kind=int, default=5),
        F("enable_sar_reset_on_fall", 0, 11), F("sar_reset_wait", 0, 12, 2, kind=int, default=3),
        F("sar_reset_length", 0, 14, 2, kind=int), F("conversion_cycles_offset", 0, 16, 4, kind=int, default=12),
        F("sample_on_positive_edge", 0, 20, default=1), F("enable_dummy_data", 0, 21),
        F("connect_preamp_to_madc", 0, 22, default=1), F("connect_pads_to_madc", 0, 23),
        F("enable_madc_clock_scaling", 0, 24), F("enable_active_mux_amplifiers", 0, 25, default=1),
        F("enable_pseudo_differential_reference", 0, 26, default=1), F("enable_iconv_amplifier", 0, 27),
        F("enable_calibration", 0, 28), F("connect_preamp_to_pads", 0, 29),
        F("powerup_wait_value", 1, 0, 10, kind=int, default=96),
        F("calibration_wait_value", 1, 16, 10, kind=int),
        F("number_of_samples", 2, 0, 16, kind=int, doc="samples per recording (16 bit)"),
        F("preamp_sampling_window_start", 3, 0, 5, kind=int, default=3),
        F("preamp_sampling_window_end", 3, 8, 5, kind=int, default=8),
        F("iconv_sampling_window_start", 3, 16, 5, kind=int, default=9),
        F("iconv_sampling_window_end", 3, 24, 5, kind=int, default=14),
        F("preamp_gain_capacitor_size", 4, 0, 5, kind=int, default=31),
        F("signal_selection_connect_current_meter", 4, 8),
        F("signal_selection_connect_active_mux", 4, 9, default=1),
        F("signal_selection_connect_debug", 4, 10),
        F("signal_selection_connect_preamp", 4, 11, default=1),
        F("connect_iconv_neuron", 4, 12, 1, count=2, doc="per hemisphere"),
        F("connect_iconv_synapse", 4, 14, 1, count=2, doc="per synapse target (exc, inh)"),
        F("madc_clock_scale_value", 5, 0, 12, kind=int,
          doc="MADC clock divider when enable_madc_clock_scaling is set"),
    ), "Membrane ADC configuration: sample count, clocking, input mux, test pattern."),
    R("MADCControl", "MADCControlOnDLS", CROSSBAR_BASE + 0x810, (), (), 1, TRIGGER, (
        F("enable_iconv_amplifier", 0, 0), F("enable_pre_amplifier", 0, 1),
        F("enable_continuous_sampling", 0, 2), F("enable_power_down_after_sampling", 0, 3),
        F("stop_recording", 0, 4), F("start_recording", 0, 5), F("wake_up", 0, 6),
    ), "Membrane ADC state machine commands: wake up, start, stop."),
    R("ReadoutSourceSelection", "ReadoutSourceSelectionOnDLS", CROSSBAR_BASE + 0x820, (), (), 1, RW, (
        F("neuron_odd", 0, 0, 1, count=2, lane_stride=16, doc="per mux: odd neuron readout line"),
        F("neuron_even", 0, 1, 1, count=2, lane_stride=16, doc="per mux: even neuron readout line"),
        F("synapse_driver_debug", 0, 2, 1, count=2, lane_stride=16),
        F("synin_debug_excitatory", 0, 3, 1, count=2, lane_stride=16),
        F("synin_debug_inhibitory", 0, 4, 1, count=2, lane_stride=16),
        F("cadc_debug_causal", 0, 5, 1, count=2, lane_stride=16),
        F("cadc_debug_acausal", 0, 6, 1, count=2, lane_stride=16),
        F("enable_buffered", 0, 7, 1, count=2, lane_stride=16),
        F("debug_plus", 0, 8, 1, count=2, lane_stride=16, doc="per mux: the debug line of pad 0"),
        F("debug_minus", 0, 9, 1, count=2, lane_stride=16, doc="per mux: the debug line of pad 1"),
        F("current_dac", 0, 10, 1, count=2, lane_stride=16, doc="per mux: the current DAC output"),
    ), "Source multiplexers of the two readout (MADC) channels; lane = "
       "SourceMultiplexerOnReadoutSourceSelection."),
    R("PadMultiplexerConfig", "PadMultiplexerConfigOnDLS", CROSSBAR_BASE + 0x830, (2,), (1,), 1, RW, (
        F("cadc_v_ramp_mux", 0, 0, 1, count=4, doc="per CapMem block: CADC ramp voltage"),
        F("cadc_v_ramp_mux_to_pad", 0, 4),
        F("capmem_i_out_mux", 0, 5, 1, count=4), F("capmem_i_out_mux_to_capmem_intermediate_mux", 0, 9),
        F("capmem_intermediate_mux_to_pad", 0, 10),
        F("capmem_v_out_mux", 0, 11, 1, count=4), F("capmem_v_out_mux_to_capmem_intermediate_mux", 0, 15),
        F("capmem_v_ref_mux", 0, 16, 1, count=4), F("capmem_v_ref_mux_to_capmem_intermediate_mux", 0, 20),
        F("neuron_i_stim_mux", 0, 21, 1, count=2), F("neuron_i_stim_mux_to_pad", 0, 23),
        F("cadc_debug_acausal_to_synapse_intermediate_mux", 0, 24),
        F("cadc_debug_causal_to_synapse_intermediate_mux", 0, 25),
        F("synin_debug_inhibitory_to_synapse_intermediate_mux", 0, 26),
        F("synin_debug_excitatory_to_synapse_intermediate_mux", 0, 27),
        F("synapse_intermediate_mux_to_pad", 0, 28),
        F("buffer_to_pad", 0, 29, 1, count=2, doc="per readout mux: its buffered output to the pad"),
        F("debug_to_pad", 0, 31, doc="connect the pad to its debug line (pad 0: debug_plus, pad 1: debug_minus)"),
    ), "What one of the two analog pads is connected to."),
    # --- synapse array (through the PPU subtree) -------------------------------
    _quad("SynapseWeightQuad", "SynapseWeightQuadOnDLS", 0x0000,
          "Weights (6 bit) of 4 neighbouring synapses; entry 0 in the highest byte."),
    _quad("SynapseLabelQuad", "SynapseLabelQuadOnDLS", 0x4_0000,
          "Labels (6 bit) of 4 neighbouring synapses; a synapse fires when the event address equals it."),
    R("SynapseCorrelationCalibQuad", "SynapseCorrelationCalibQuadOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x1_0000,
      (2, 256, 64), (PPU_STRIDE, 128, 2), 2, RW, (
          F("time_calibs", 0, 0, 2, kind=int, count=4, lane_stride=8, reverse=True, value_type="TimeCalib"),
          F("amp_calibs", 1, 0, 2, kind=int, count=4, lane_stride=8, reverse=True, value_type="AmpCalib"),
      ), "Correlation-sensor calibration bits of 4 synapses."),
    R("ColumnCorrelationQuad", "ColumnCorrelationQuadOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0000, (2, 64),
      (PPU_STRIDE, 1), 1, RW, (
          F("enable_internal_causal", 0, 0, count=4, lane_stride=8, reverse=True, default=1),
          F("enable_internal_acausal", 0, 1, count=4, lane_stride=8, reverse=True, default=1),
          F("enable_debug_causal", 0, 2, count=4, lane_stride=8, reverse=True),
          F("enable_debug_acausal", 0, 3, count=4, lane_stride=8, reverse=True),
          F("enable_cadc_neuron_readout_causal", 0, 4, count=4, lane_stride=8, reverse=True),
          F("enable_cadc_neuron_readout_acausal", 0, 5, count=4, lane_stride=8, reverse=True),
      ), "Per column: connect correlation sensors (or the neuron membrane) to the CADC."),
    R("ColumnCurrentQuad", "ColumnCurrentQuadOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0100, (2, 64),
      (PPU_STRIDE, 1), 1, RW, (
          F("enable_synaptic_current_excitatory", 0, 0, count=4, lane_stride=8, reverse=True),
          F("enable_synaptic_current_inhibitory", 0, 1, count=4, lane_stride=8, reverse=True),
          F("enable_debug_excitatory", 0, 2, count=4, lane_stride=8, reverse=True),
          F("enable_debug_inhibitory", 0, 3, count=4, lane_stride=8, reverse=True),
      ), "Per column: switches from the synapse column currents to the neuron's inputs."),
    R("CommonSynramConfig", "CommonSynramConfigOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0200, (2,), (PPU_STRIDE,), 3,
      RW, (
          F("pc_conf_west", 0, 0, 4, kind=int, default=8), F("pc_conf_east", 0, 4, 4, kind=int, default=8),
          F("w_conf_west", 1, 0, 8, kind=int, default=0x3f), F("w_conf_east", 1, 8, 8, kind=int, default=0x3f),
          F("wait_ctr_clear", 2, 0, 3, kind=int, default=1),
      ), "SRAM timing of a synapse array."),
    R("CommonCorrelationConfig", "CommonCorrelationConfigOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0210, (2,),
      (PPU_STRIDE,), 4, RW, (
          F("sense_delay", 0, 0, 12, kind=int, default=1), F("reset_duration", 1, 0, 12, kind=int, default=1),
          F("reset_fall_time", 2, 0, 12, kind=int, default=1), F("reset_mode", 3, 0, kind=int, maximum=1),
          F("cadc_v_offset_assignment", 3, 4, 1, kind=int, count=2, maximum=1),
      ), "Correlation sensor timing (in PPU cycles) of a synapse array."),
    R("CorrelationReset", "CorrelationResetOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x3_0000, (2, 256, 64),
      (PPU_STRIDE, 64, 1), 1, TRIGGER, (), "Writing resets the correlation sensors of 4 synapses."),
    R("NeuronResetQuad", "NeuronResetQuadOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0300, (2, 64),
      (PPU_STRIDE, 1), 1, TRIGGER, (), "Writing resets the 4 neurons of a column quad of a hemisphere."),
    R("CADCConfig", "CADCConfigOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0400, (2,), (PPU_STRIDE,), 1, RW, (
        F("enable", 0, 0), F("reset_wait", 0, 8, 8, kind=int), F("dead_time", 0, 16, 8, kind=int),
    ), "Column ADC of a hemisphere: enable and ramp timing."),
    R("CADCChannelConfig", "CADCChannelConfigOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x2_0800, (2, 2, 256),
      (PPU_STRIDE, 0x100, 1), 1, RW, (
          F("offset", 0, 0, 8, kind=int, signed=True, doc="digital offset added to the sample, -128..127"),
      ), "Per CADC channel: digital offset."),
    # enum digits: synram, readout type (triggered/buffered), channel type (causal/acausal), row,
    # quad column; causal samples at +0x8_0000 and acausal at +0xc_0000 (public map), the
    # buffered copy of each 0x1_0000 above (our own choice)
    R("CADCSampleQuad", "CADCSampleQuadOnDLS", PPU_BASE + SYNRAM_OFFSET + 0x8_0000, (2, 2, 2, 256, 64),
      (PPU_STRIDE, 0x1_0000, 0x4_0000, 64, 1), 1, RO, (
          F("samples", 0, 0, 8, kind=int, count=4, lane_stride=8, reverse=True, value_type="Value"),
      ), "4 CADC samples (8 bit) of a row: causal/acausal correlation or membrane readout."),
    # --- PPU ----------------------------------------------------------------------
    R("PPUMemoryWord", "PPUMemoryWordOnDLS", PPU_BASE + PPU_MEMORY_OFFSET, (2, 4096), (PPU_STRIDE, 1), 1, RW, (
        F("value", 0, 0, 32, kind=int),), "One 32-bit word of a PPU's local memory."),
    R("PPUControlRegister", "PPUControlRegisterOnDLS", PPU_BASE + PPU_CONTROL_OFFSET, (2,), (PPU_STRIDE,), 1, RW, (
        F("cache_controller_enable", 0, 0), F("inhibit_reset", 0, 1),
        F("force_clock_on", 0, 2), F("force_clock_off", 0, 3),
    ), "Run/stop and clocking of a PPU."),
    R("PPUStatusRegister", "PPUStatusRegisterOnDLS", PPU_BASE + PPU_CONTROL_OFFSET + 1, (2,), (PPU_STRIDE,), 1, RO, (
        F("sleep", 0, 0),), "A PPU's sleep flag."),
    # --- FPGA and bring-up ----------------------------------------------------------
    R("Timer", "TimerOnDLS", FPGA_EXECUTOR_BASE + 0xc, (), (), 1, RO, (
        F("value", 0, 0, 32, kind=int, doc=f"FPGA executor timer, {FPGA_CLOCK_CYCLES_PER_US} cycles per us"),),
      "FPGA executor timer (read over the omnibus). stadls turns a Timer write into the "
      "TIMER_RESET instruction; Timer.Value is also the block_until condition.", fpga=True),
    R("EventRecordingConfig", "EventRecordingConfigOnFPGA", FPGA_EXECUTOR_BASE + 0x10, (), (), 1, RW, (
        F("enable_event_recording", 0, 0),), "The FPGA forwards chip events to the host only when enabled.",
      fpga=True),
    # --- board peripherals (over the FPGA's SPI masters; write-only like the real SPI devices) ----
    R("ShiftRegister", "ShiftRegisterOnBoard", BOARD_SPI_BASE, (), (), 1, TRIGGER, (
        F("select_analog_readout_mux_1_input", 0, 0, 2, kind=AnalogReadoutMux1Input),
        F("select_analog_readout_mux_2_input", 0, 2, 2, kind=AnalogReadoutMux2Input),
        F("select_analog_readout_mux_3_input", 0, 4, 2, kind=AnalogReadoutMux3Input),
        F("enable_i_ref_board", 0, 6, default=1), F("enable_measure_i_ref", 0, 7),
        F("enable_dac_to_readout_0", 0, 8), F("enable_dac_to_readout_1", 0, 9),
        F("enable_led", 0, 10, 1, count=6, doc="per LEDOnBoard"),
        F("enable_adc_power_down", 0, 16), F("enable_adc_reset", 0, 17),
        F("enable_vdd", 0, 18, 1, count=6, default=1, doc="per VDDOnBoard"),
    ), "Board shift register: the three analog readout multiplexers (which chip pad and which board "
       "voltage meet on the board's analog line), LEDs, supply switches.",
      fpga=True, enums=(AnalogReadoutMux1Input, AnalogReadoutMux2Input, AnalogReadoutMux3Input)),
    R("DACChannel", "DACChannelOnBoard", BOARD_SPI_BASE + 0x100, (2, 8), (0x10, 1), 1, TRIGGER, (
        F("value", 0, 0, 12, kind=int, doc="12-bit DAC code; the voltage is code / 4095 x the channel's reference"),
    ), "One channel of a board DAC.", fpga=True),
    R("DACControl", "DACOnBoard", BOARD_SPI_BASE + 0x200, (2,), (1,), 1, TRIGGER, (
        F("enable_channel", 0, 0, 1, count=8, default=1, doc="per DACChannelOnDAC"),
    ), "Channel enables of one board DAC (a disabled channel drives nothing).", fpga=True),
    R("JTAGIdCode", "JTAGIdCodeOnDLS", 0x0000_0010, (), (), 1, RO, (
        F("marker", 0, 0, default=1), F("manufacturer_id", 0, 1, 11, kind=int, default=0x057),
        F("part_number", 0, 12, 16, kind=int, default=0x4858), F("version", 0, 28, 4, kind=int, default=3),
    ), "Chip identification (reads a fixed HX v3 id)."),
)

REGISTERS_BY_NAME = {r.name: r for r in REGISTERS}

#: Fields renamed to their public names (old name -> new name), so that files written before
#: (lola chip files, calibration results) still load.
RENAMED_FIELDS = {
    "clock_scale_adapt_pulse": "clock_scale_adaptation_pulse",                  # CommonNeuronBackendConfig
    "iconv_amplifier_sampling_window_start": "iconv_sampling_window_start",     # MADCConfig
    "iconv_amplifier_sampling_window_end": "iconv_sampling_window_end",         # MADCConfig
}

#: Fields added to registers after files were written: a file without them loads their default.
ADDED_FIELDS = {
    "MADCConfig": ("enable_calibration", "connect_preamp_to_pads", "signal_selection_connect_current_meter",
                   "signal_selection_connect_active_mux", "signal_selection_connect_debug",
                   "signal_selection_connect_preamp", "connect_iconv_neuron", "connect_iconv_synapse"),
    "ReadoutSourceSelection": ("debug_plus", "debug_minus", "current_dac"),
}
