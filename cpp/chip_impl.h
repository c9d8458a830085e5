// Inside of ChipCore (analog_chip.h): one struct per subsystem, each decoding
// its own group of registers (the change-tracking groups of ChipCore::Impl)
// and holding its own state:
//   Neurons      NeuronConfig, backends, CapMem, column currents (chip_neurons.cpp)
//   Multicomp    the compartment switches of NeuronConfig (chip_neurons.cpp)
//   Synapses     weight and label quads (chip_synapses.cpp)
//   Drivers      synapse drivers and STP, PADI events (chip_synapses.cpp)
//   Correlation  correlation sensors and their calibration (chip_synapses.cpp)
//   Readout      readout lines, MADC, board pads (chip_readout.cpp)
//   Backgrounds  background spike sources (chip_background.cpp)
// Impl (analog_chip.cpp) builds them, routes register changes to them and runs
// the step.
#pragma once

#include "analog_chip.h"
#include "analog_kernel.h"
#include "chip_neuron_config.h"
#include "spike_rule.h"

#include <array>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hxsim {
namespace chip {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double cycle_us = 0.008; // one FPGA cycle
constexpr uint32_t num_neurons = 512;
constexpr uint32_t num_rows = 256;
constexpr uint32_t num_columns = 256;
constexpr uint32_t num_drivers = 256; // both hemispheres

[[noreturn]] inline void fail(std::string const& what)
{
	throw std::invalid_argument("analog core: " + what);
}

// splitmix64: seeds; xoshiro256** for streams (our own generators, documented).
inline uint64_t splitmix64(uint64_t& x)
{
	uint64_t z = (x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct Rng
{
	uint64_t s[4] = {1, 2, 3, 4};
	void seed(uint64_t x)
	{
		for (auto& v : s)
			v = splitmix64(x);
	}
	static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
	uint64_t next()
	{
		uint64_t const r = rotl(s[1] * 5, 7) * 9;
		uint64_t const t = s[1] << 17;
		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = rotl(s[3], 45);
		return r;
	}
	// (0, 1]
	double uniform() { return (double(next() >> 11) + 1.0) * (1.0 / 9007199254740992.0); }
	double normal()
	{
		double const u = uniform(), v = uniform();
		return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
	}
};

struct Transfer
{
	int form = 0;
	double c0 = 0.0, c1 = 0.0;
	double y_min = -std::numeric_limits<double>::infinity();
	double y_max = std::numeric_limits<double>::infinity();
	std::vector<double> gain, offset;
	int capmem_row = -1; // CapMemRowOnCapMemBlock of a per-neuron cell, -1: none

	double nominal(double x) const
	{
		switch (form) {
			case 0:
				return c0 + c1 * x;
			case 1:
				return c1 * x;
			default:
				return c1 / (x + c0);
		}
	}
	double operator()(double x, size_t instance) const
	{
		return std::min(y_max, std::max(y_min, nominal(x) * gain[instance] + offset[instance]));
	}
};

// The transfer table, constants and mismatch arrays of ChipSetup, by name.
struct Tables
{
	ChipSetup const& setup;
	Transfer transfer(std::string const& name, size_t instances) const;
	double constant(std::string const& name) const;
	std::vector<double> mismatch(char const* name, size_t n) const;
};

// A group of registers whose changes one subsystem decodes.
struct Watch
{
	std::vector<RegisterId> regs;
	std::vector<uint64_t> seen;
	Watch() = default;
	Watch(RegisterMap const& map, std::initializer_list<char const*> names);
	bool changed(ConfigView const& v);
	bool changed_peek(ConfigView const& v) const;
	void invalidate();
};

// Where things are on the chip (hxsim/analog.py analog_geometry()).
struct Geometry
{
	struct Neuron
	{
		uint32_t hemisphere, column, nc, backend, common_backend, block, ccq, entry, corrq, reset,
		    line;
	};
	std::vector<Neuron> neurons;
	uint32_t neuron_at[2][num_columns];
	std::vector<int64_t> cells; // 512 x capmem_rows: CapMemCellOnDLS by (neuron, row)
	uint32_t capmem_rows = 0;
	std::vector<int64_t> dac_cells;
	std::vector<int64_t> ramp_cells, store_cells;
	uint32_t col_quad[num_columns], col_entry[num_columns]; // column -> (quad column, entry)
	int64_t synapse_quad_strides[3];
	struct Driver
	{
		uint32_t hemisphere, local, bus, index, row_top, row_bottom;
	};
	std::vector<Driver> drivers;
	std::vector<uint32_t> bus_drivers[2][4];

	explicit Geometry(ChipSetup const& setup);
	// CapMemCellOnDLS of neuron n's cell set by transfer t
	uint32_t cell(uint32_t n, Transfer const& t) const
	{
		return uint32_t(cells[n * capmem_rows + uint32_t(t.capmem_row)]);
	}
	// quad word index of synapse idx = (h * 256 + row) * 256 + column
	uint32_t quad_of(uint32_t idx) const
	{
		uint32_t const col = idx % num_columns, hr = idx / num_columns;
		return uint32_t(
		    int64_t(hr / num_rows) * synapse_quad_strides[0] +
		    int64_t(hr % num_rows) * synapse_quad_strides[1] +
		    int64_t(col_quad[col]) * synapse_quad_strides[2]);
	}
};

// The 512 neuron circuits: their decoded parameters and state. fire() applies
// the reset of the spike rule (spike_rule.h, which the vector kernel applies
// per lane) to one neuron: V to V_reset, w += b, refractory counter to R.
struct Neurons
{
	Transfer T_v_leak, T_v_reset, T_v_threshold, T_e_exc, T_e_inh, T_v_exp, T_v_adapt_ref, T_g_leak,
	    T_tau_exc, T_tau_inh, T_cuba_exc, T_cuba_inh, T_coba_exc, T_coba_inh, T_tau_w, T_a, T_b,
	    T_exp, T_i_offset, T_g_mc, T_C, T_delta_T, T_dac;
	double k_leak_div, k_leak_mul, k_large_cap, k_high_res, k_backend_mhz, k_syn_mv_na, k_syn_mv_us;
	double dt;
	FieldId be_refractory, be_holdoff, be_clock, be_adapt_pulse;
	FieldId cbe_clocks, cbe_slow, cbe_fast;
	FieldId capmem_value, capmem_enable;
	FieldId cc_exc, cc_inh;

	kernel::NeuronConstants k;
	kernel::NeuronState s;
	std::vector<int64_t> spiked;
	std::vector<double> iext;
	bool any_exp = false;
	std::vector<double> C, EL, gain_e, gain_i, Vth, Vreset, R, H, b, readout_scale_e,
	    readout_scale_i;
	std::vector<uint8_t> bypass_e, bypass_i, force;
	bool any_bypass = false; // any of bypass_e, bypass_i
	std::vector<uint32_t> forced;

	Neurons(Tables const& t, Geometry const& geo, double dt_us);
	void resolve(RegisterMap const& map);
	void decode(ConfigView const& v, Geometry const& geo, NeuronConfigTable const& ncf);
	void reset_state();

	void fire(uint32_t n)
	{
		spiked[n] = -1;
		spike_rule::reset<spike_rule::ScalarOps>(
		    true, s.v[n], s.w[n], s.refc[n], Vreset[n], b[n], R[n]);
	}
	// an input event through the bypass of a neuron makes it fire at the next step
	void force_fire(uint32_t n)
	{
		if (!force[n]) {
			force[n] = 1;
			forced.push_back(n);
		}
	}
	// bypassed neurons fire unless refractory or spiking anyway; true if any did
	bool fire_forced();
};

// Multi-compartment: membranes shorted into nodes and conductances to the
// somatic lines (NeuronConfig's switches), integrated around the kernel.
struct Multicomp
{
	bool active = false;
	struct Node
	{
		std::vector<uint32_t> members; // circuits sharing the membrane
		double C = 0.0;
	};
	std::vector<Node> nodes;      // capacitive nodes with >= 2 members
	std::vector<int32_t> node_of; // circuit -> node index in `nodes` or -1 (single)
	struct Edge
	{
		uint32_t circuit;   // membrane side
		int32_t other;      // circuit representing the somatic side, or -1 (algebraic node)
		uint32_t algebraic; // index into alg_* if other == -1
		double g;
	};
	std::vector<Edge> edges;
	std::vector<double> alg_num, alg_den, alg_v;
	std::vector<double> v_start;
	kernel::NeuronConstants kmc; // the neurons' constants without threshold and clamp
	double k_mc_mul, k_mc_div;

	explicit Multicomp(Tables const& t);
	void decode(
	    ConfigView const& v,
	    Geometry const& geo,
	    NeuronConfigTable const& ncf,
	    Neurons const& neurons);
	// one step of the coupled circuits (iext: noise or zeros); true if any spiked
	bool step(Neurons& neurons, bool noise);
};

struct Synapses
{
	struct Syn
	{
		uint16_t column;
		uint16_t neuron;
		float weight;   // 6-bit weight x synapse gain mismatch
		uint32_t index; // (hemisphere, row, column) for correlation
	};
	// what an event delivers: a synapse with a non-zero weight
	struct Hit
	{
		uint32_t neuron;
		float weight;
	};
	// per (hemisphere, row): entries grouped by label (all columns, for the correlation
	// sensors), and the same without the zero weights (delivery)
	struct Row
	{
		uint16_t offsets[65];
		uint16_t hit_offsets[65];
		std::vector<Syn> syn;
		std::vector<Hit> hits;
	};
	std::vector<Row> rows; // 2 x 256
	std::vector<uint32_t> weight_words, label_words;
	std::vector<double> syn_gain;
	FieldId weights, labels;

	explicit Synapses(Tables const& t);
	void resolve(RegisterMap const& map);
	// Rows whose words changed are decoded again; a row whose labels stay gets its weights in
	// place (the correlation worker reads columns and neurons only), any other change first
	// calls before_restructure (once).
	void decode(
	    ConfigView const& v, Geometry const& geo, std::function<void()> const& before_restructure);
};

struct Correlation
{
	double k_corr_reset, k_corr_step;
	std::vector<double> corr_gain;
	FieldId time_calibs, amp_calibs, neuron_causal, neuron_acausal, capmem_value, capmem_enable;
	// per CapMem block (quadrant): tau (us) from syn_i_bias_ramp, LSB per pair from
	// syn_i_bias_store, both at the nominal calibration code 1.5
	Transfer T_ramp, T_store;
	std::array<double, 8> block_tau_amp{};
	// Per-synapse state in two layouts, each for the spikes that walk it:
	// - row side, in the synapse rows' label order (Synapses::Row::syn), slot (hemisphere * 256
	//   + row) * 256 + position: a pre spike reaches one label group of one row, contiguous;
	//   reorder() moves this state along when labels change;
	// - column side, index (hemisphere * 256 + column) * 256 + row: a post spike walks one
	//   column. The last pre spike of a synapse is that of its (row, label) since the last
	//   label change (last_event), else the one before (pre_before, folded in by reorder()).
	// Allocated at the first pre spike (most experiments never read them).
	Synapses const* syn = nullptr;
	bool allocated = false;
	std::vector<double> tau_of_code; // us, by block * (codes) + time calibration code
	// The (neuron, time code) pairs the synapses have, numbered densely by alloc(): a pair
	// factor depends on no more (memo below); row side: the key of each slot.
	std::vector<uint32_t> key_r, key_neuron;
	std::vector<double> key_tau;
	std::vector<double> amp_r, acausal;       // row side: LSB per pair, sum (LSB)
	std::vector<double> tau_c, amp_c, causal; // column side
	std::vector<double> pre_before;           // column side (us)
	std::vector<double> last_event;           // per (hemisphere, row, label) (us)
	std::vector<uint8_t> label_c;             // column side: the labels last_event is for
	std::vector<uint16_t> column_at;          // row slot -> column
	std::vector<uint16_t> position_of;        // (hemisphere, row, column) -> position in the row
	std::vector<uint64_t> active; // per (hemisphere, column): 4 words, rows that saw a pre spike
	// per (hemisphere, row, label): its columns' bits in `active` are set (until a reset or a
	// label change of the row)
	std::vector<uint8_t> marked;
	bool kernel_stale = true; // tau/amp need recomputing from the calibration words
	std::vector<uint32_t> calib_time_words, calib_amp_words; // SynapseCorrelationCalibQuad
	FieldRef calib_time_ref, calib_amp_ref;
	std::vector<double> last_post;          // per neuron (us)
	std::vector<uint8_t> neuron_readout[2]; // per (hemisphere, column): causal/acausal

	explicit Correlation(Tables const& t);
	void resolve(RegisterMap const& map);
	void decode_calib(ConfigView const& v); // with the synapses
	void decode(ConfigView const& v, Geometry const& geo);
	// tau and amplitude of each block from its CapMem biases (changed ones need a sync first)
	std::array<double, 8> biases(ConfigView const& v, Geometry const& geo) const;
	// after Synapses::decode: the state follows its synapses into the rows' new label order
	void reorder();
	void reset_state();
	void alloc(Geometry const& geo);
	// row-side slot and column-side index of synapse (h, row, column)
	uint32_t slot(uint32_t h, uint32_t row, uint32_t column) const
	{
		uint32_t const hr = h * num_rows + row;
		return hr * num_columns + position_of[hr * num_columns + column];
	}
	static uint32_t column_index(uint32_t h, uint32_t row, uint32_t column)
	{
		return (h * num_columns + column) * num_rows + row;
	}
	// accumulated correlation of synapse (h, row, column): causal (ct 0) or acausal (ct 1)
	double accumulated(uint32_t h, uint32_t row, uint32_t column, uint32_t ct) const
	{
		if (!allocated)
			return 0.0;
		return ct == 0 ? causal[column_index(h, row, column)] : acausal[slot(h, row, column)];
	}
	// a pre spike at the synapses with label `address` of `row` on hemisphere h, at several
	// such groups at once, each coded (h << 14) | (row << 6) | address
	void pre_rows(Geometry const& geo, uint32_t const* rows, uint32_t count, double t_us);
	void post(Geometry const& geo, uint32_t n, double t_us);
	void reset_quad(ChipSetup const& setup, uint32_t instance);

private:
	// exponents and their exponentials, taken many at a time (kernel::pair_exp, vectorised)
	// (a post spike pairs with one column's synapses: 256; pre spikes are taken up to 256 misses
	// at a time)
	alignas(64) double t_buf[256], u_buf[256], x_buf[256], e_buf[256];
	uint32_t s_buf[256];
	void memo_misses(double t_us, uint32_t m); // pair factors of the m keys in s_buf -> memo
	// pre side: the pair factor of (neuron, time code) at time memo_t (see pre())
	struct Memo
	{
		double e;       // the pair factor of a key at memo_t
		uint64_t stamp; // valid if memo_epoch
	};
	std::vector<Memo> memo; // by key
	uint64_t memo_epoch = 1;
	double memo_t = nan_value;
};

// The correlation sensors only observe the dynamics (nothing they hold acts back on the
// neurons), so their work runs beside the step loop: the step loop logs pre spikes (per row
// and label, as delivered) and post spikes in order, and a worker thread applies them to
// Correlation in that same order, in batches. Everything that reads or changes what the worker
// uses (a CADC read of a sensor, a CorrelationReset, new synapse weights, labels or
// calibration, a reset of the core) first calls sync(), which waits for the worker and applies
// the rest: results are exactly those of applying every spike at once. Without a second
// thread (HXSIM_CORRELATION_THREAD=0, or after a fork) the batches are applied in place.
struct CorrelationLog
{
	struct Event
	{
		double t_us;
		// post: bit 31 | neuron; a registered list of groups: bit 30 | list; one group:
		// hemisphere << 14 | row << 6 | address
		uint32_t what;
		uint32_t count = 1; // a list: its length
	};
	Correlation& corr;
	Geometry const& geo;
	Synapses const& syn;

	CorrelationLog(Correlation& c, Geometry const& g, Synapses const& s);
	~CorrelationLog();
	CorrelationLog(CorrelationLog const&) = delete;
	CorrelationLog& operator=(CorrelationLog const&) = delete;

	void pre(double t_us, uint32_t h, uint32_t row, uint32_t address)
	{
		push({t_us, (h << 14) | (row << 6) | address});
	}
	// A list of such groups (coded as Correlation::pre_rows takes them) that one event reaches,
	// by where it is stored: logged as one entry. A list, once stored, neither moves nor changes
	// until clear_lists(), and the worker sees an entry only after the step loop has stored its
	// list (the batch hand-off orders them), so lists are added while the worker runs.
	uint32_t register_rows(std::vector<uint32_t> const& rows);
	// forget every list (the worker idle, nothing logged that names one: after sync())
	void clear_lists();
	void pre_list(double t_us, uint32_t list, uint32_t count)
	{
		push({t_us, (uint32_t(1) << 30) | list, count});
	}
	void post(double t_us, uint32_t n) { push({t_us, (uint32_t(1) << 31) | n}); }
	// all logged spikes applied to Correlation; the worker idle
	void sync();
	// the worker idle with nothing queued (before a fork; what the step loop still fills stays)
	void settle_for_fork();

private:
	static constexpr size_t batch = 8192;
	// batches handed off and not yet applied: the step loop waits only when this many are
	// queued (the worker may fall behind for a while without holding it up)
	static constexpr size_t max_queued = 16;
	std::vector<Event> filling, inflight; // inflight: the batch the worker applies
	std::deque<std::vector<Event>> queued, spare;
	// the lists, in chunks that never move: list at (chunk << chunk_bits) | offset
	static constexpr uint32_t chunk_bits = 16, max_chunks = 1u << 12;
	std::unique_ptr<uint32_t[]> chunks[max_chunks];
	uint32_t n_chunks = 0, chunk_used = 0;
	std::map<std::vector<uint32_t>, uint32_t> list_of;
	uint32_t const* list_at(uint32_t list) const
	{
		return &chunks[list >> chunk_bits][list & ((1u << chunk_bits) - 1)];
	}
	bool threaded;
	std::thread worker;
	std::mutex m;
	std::condition_variable cv;
	bool busy = false, stop = false;
	long owner = 0; // process that started the worker

	void push(Event const& e)
	{
		filling.push_back(e);
		if (filling.size() >= batch)
			hand_off();
	}
	void hand_off();
	void wait_idle();
	void apply(std::vector<Event> const& events);
	void run();
};

struct Drivers
{
	struct Driver
	{
		bool receiver = false, stp = false, recovery = false;
		uint32_t mask = 0, mode_top = 0, mode_bottom = 0;
		double U = 1.0, offset = 0.0, tau_rec = inf;
		double resources = 1.0, t_last = -inf; // STP state
	};
	std::vector<Driver> drivers;
	// per (hemisphere, PADI bus): the drivers with their receiver on
	std::vector<uint32_t> receiving[2][4];
	struct Pending
	{
		uint64_t cycle;
		uint32_t hemisphere, bus, label;
	};
	std::deque<Pending> pending;
	// What an event (hemisphere, bus, 11-bit label) does, compiled at its first use while no
	// driver it reaches uses STP and no neuron bypasses: the rows whose pre pulses the
	// correlation sensors see, and the increments of the synaptic inputs (index into
	// NeuronState::g, value = weight x gain, added in the order of the direct path, so the
	// result is bit for bit the same). Dropped when synapses, drivers or neurons change.
	struct Compiled
	{
		bool direct = false; // STP or bypass involved: deliver event by event
		std::vector<uint32_t> pre;
		int64_t pre_list = -1; // pre as registered with the correlation log, -1: empty
		std::vector<uint32_t> target;
		std::vector<double> inc;
	};
	std::vector<int32_t> compiled_of; // by (hemisphere * 4 + bus) * 2048 + label: -1 none
	std::vector<Compiled> compiled;
	void invalidate_compiled();
	double k_stp_unit;
	FieldId sd_util, sd_offset, sd_mask, sd_receiver, sd_recovery, sd_mode_bottom, sd_mode_top,
	    sd_stp, sd_enable_recovery;
	FieldId stp_clock, stp_speed;

	explicit Drivers(Tables const& t);
	void resolve(RegisterMap const& map);
	void decode(ConfigView const& v, Geometry const& geo);
	void reset_state();
	// an event on a PADI bus: through the drivers that accept it to the synapses
	void deliver(
	    Pending const& e,
	    Geometry const& geo,
	    Synapses const& syn,
	    CorrelationLog& corr,
	    Neurons& neurons);
	void deliver_direct(
	    Pending const& e,
	    Geometry const& geo,
	    Synapses const& syn,
	    CorrelationLog& corr,
	    Neurons& neurons);
	Compiled compile(
	    Pending const& e, Geometry const& geo, Synapses const& syn, Neurons const& neurons) const;
};

struct Readout
{
	Transfer T_madc;
	double madc_gain = 1.0, madc_offset = 0.0;
	double k_madc_period_ns, k_syn_base, k_ad_mv_na;
	FieldId nc_enable_readout, nc_readout_source;
	FieldId madc_samples, madc_scaling, madc_scale, madc_dummy_field, madc_initial_field,
	    madc_length;
	FieldId mc_start, mc_stop, mc_continuous;
	FieldId rss_odd, rss_even, rss_debug_plus, rss_debug_minus;
	FieldId pad_debug, sr_mux1, sr_mux2, dac_value, dac_enable;

	std::vector<uint32_t> line_neurons[2];
	std::vector<uint8_t> line_source[2];
	uint32_t madc_select_length = 0, madc_initial = 0;
	uint32_t mux_lines[2] = {0, 0}; // bit 0 even line, bit 1 odd line, per mux
	// the pad debug lines (0: debug_plus = pad 0, 1: debug_minus = pad 1): the voltage a
	// board DAC drives onto the pad (mV), NaN while nothing drives it; per mux, which of
	// the two debug lines it connects (bit 0 plus, bit 1 minus)
	double debug_mv[2] = {nan_value, nan_value};
	uint32_t mux_debug[2] = {0, 0};
	bool board = false;
	bool madc_dummy = false;
	double madc_period_cycles = 34.0 / 8.0;
	bool madc_on = false, madc_continuous = false;
	double madc_next = 0.0;
	uint64_t madc_left = 0, madc_count = 0;
	double line_a[2] = {0, 0}, line_b[2] = {0, 0}; // readout line values at step start / end
	bool line_jump[2] = {false, false};
	double last_step_t = 0.0, last_step_end = 0.0;
	bool have_step = false;

	explicit Readout(Tables const& t);
	void resolve(RegisterMap const& map, NeuronConfigFields const& nc, ChipSetup const& setup);
	void decode(
	    ConfigView const& v, Geometry const& geo, Neurons const& neurons, ChipSetup const& setup);
	void decode_pads(ConfigView const& v, ChipSetup const& setup);
	void reset_state();
	double line_value(uint32_t line, Neurons const& neurons) const;
	void control(uint64_t cycle, ConfigView const& v); // MADCControl written
	void emit_samples(double limit, EventSink& sink);
};

struct Backgrounds
{
	struct Source
	{
		bool on = false, random = false;
		double period = 0.0, next = 0.0, p = 0.0;
		uint32_t mask = 0, label = 0;
		uint32_t words[3] = {~0u, ~0u, ~0u};
		Rng rng;
	};
	Source bg[8];
	double k_background_mhz;
	RegisterId reg = 0;
	FieldId enable, random, period, seed, mask, rate, label;

	explicit Backgrounds(Tables const& t);
	void resolve(RegisterMap const& map);
	void decode(ConfigView const& v, uint64_t now);
	void invalidate();
	bool any_on() const;
	void emit(uint64_t to, EventSink& sink);
};

} // namespace chip
} // namespace hxsim
