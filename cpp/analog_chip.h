// The analog core of the emulated HX v3 chip: 512 AdEx neuron circuits on the
// shared kernel, synapse drivers with STP, the two synapse arrays, neuron
// backends, background spike sources, MADC, CADC, correlation sensors and
// multi-compartment switches. Parameters come from the register file through
// the transfer table (chipmodel/transfer.py via hxsim.analog.transfer_tables,
// loaded at construction) plus
// fixed-pattern mismatch; see docs/hxsim-analog.md.
#pragma once

#include "analog_core.h"
#include "analog_kernel.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hxsim {

// Everything the core is built from (see hxsim/analog.py, chipmodel/transfer.py).
struct ChipSetup
{
	double dt_us = 0.1;
	double noise = 0.0; // membrane noise density, mV / sqrt(us); 0 = off
	uint64_t noise_seed = 0;

	struct TransferSpec
	{
		int form = 0; // 0 affine c0 + c1 x, 1 linear c1 x, 2 reciprocal c1 / (x + c0)
		double c0 = 0.0, c1 = 0.0;
		std::vector<double> gain, offset; // per instance
		// output saturation (a buffer's rails), applied after the mismatch
		double y_min = -std::numeric_limits<double>::infinity();
		double y_max = std::numeric_limits<double>::infinity();
		// the CapMemRowOnCapMemBlock that sets a per-neuron input (halco's numbering,
		// passed from Python); -1: the input is not a per-neuron CapMem cell
		int capmem_row = -1;
	};
	std::unordered_map<std::string, TransferSpec> transfers;
	std::unordered_map<std::string, double> constants;
	std::unordered_map<std::string, std::vector<double>> mismatch;

	// Geometry (analog_geometry()).
	std::vector<int64_t> neurons; // 512 x neuron_columns
	size_t neuron_columns = 0;
	std::vector<int64_t> capmem_cells; // 512 x rows: CapMemCellOnDLS by (neuron, row)
	std::vector<int64_t> dac_cells;    // syn_i_bias_dac per quadrant (4)
	std::vector<int64_t> ramp_cells;   // syn_i_bias_ramp per quadrant (4)
	std::vector<int64_t> store_cells;  // syn_i_bias_store per quadrant (4)
	std::vector<int64_t> quad_columns; // 64 x 4
	std::vector<int64_t> synapse_quad_strides, column_quad_strides, cadc_sample_strides,
	    cadc_channel_strides;
	std::vector<int64_t> drivers; // 256 x 6
	std::vector<int64_t> neuron_reset_atomic;
	std::vector<int64_t> neuron_reset_quad; // 128 x 4

	// The board around the chip (hxsim/analog.py board_tables()): which chip pad the
	// shift register's readout mux 1 joins to the board's analog line (-1: none), which
	// board DAC channel drives the line for each mux 2 input (-1: none), and each DAC
	// channel's full-scale voltage in mV (0: drives no analog line). Empty: no board.
	std::vector<int64_t> board_mux1_pad, board_mux2_dac;
	std::vector<double> board_dac_full_scale_mv;
};

class ChipCore final : public AnalogCore
{
public:
	explicit ChipCore(ChipSetup setup);
	~ChipCore() override;

	std::string name() const override { return "adex"; }
	void reset(uint64_t cycle, ConfigView const& config) override;
	void advance(uint64_t from, uint64_t to, ConfigView const& config, EventSink& sink) override;
	void on_padi_event(uint64_t cycle, uint32_t hemisphere, uint32_t bus, uint32_t label) override;
	void on_time_origin(uint64_t cycle) override;
	void on_trigger(
	    uint64_t cycle,
	    RegisterId reg,
	    uint32_t instance,
	    uint32_t word,
	    uint32_t data,
	    ConfigView const& config) override;
	uint32_t read_only_word(
	    uint64_t cycle,
	    RegisterId reg,
	    uint32_t instance,
	    uint32_t word,
	    uint32_t stored,
	    ConfigView const& config) override;

	// Inspection (tests, debugging): the decoded model parameters of every
	// neuron and its state, by name, 512 values each.
	// max_step: one integration step; 0 ("any length") while the chip is at
	// rest: no events pending, no background source, MADC or noise, and one
	// step changed nothing (bit-exact), so every further step is the same.
	std::unordered_map<std::string, std::vector<double>> inspect(ConfigView const& config) override;
	double dt_us() const { return m_dt; }
	uint64_t max_step() const override;

private:
	struct Impl;
	std::unique_ptr<Impl> m;
	uint64_t m_max_step = 1;
	double m_dt = 0.1;
	ConfigView const* m_view = nullptr; // the emulator's (outlives the core)
};

} // namespace hxsim
