#include "analog_chip.h"

#include "chip_neuron_config.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace hxsim {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double cycle_us = 0.008; // one FPGA cycle
constexpr uint32_t num_neurons = 512;
constexpr uint32_t num_rows = 256;
constexpr uint32_t num_columns = 256;
constexpr uint32_t num_drivers = 256; // both hemispheres

[[noreturn]] void fail(std::string const& what)
{
	throw std::invalid_argument("analog core: " + what);
}

// splitmix64: seeds; xoshiro256** for streams (our own generators, documented).
uint64_t splitmix64(uint64_t& x)
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

// Union-find over membranes (0..511) and somatic-line segments (512..1023).
struct UnionFind
{
	std::vector<uint32_t> p;
	explicit UnionFind(size_t n) : p(n) { std::iota(p.begin(), p.end(), 0u); }
	uint32_t find(uint32_t x)
	{
		while (p[x] != x)
			x = p[x] = p[p[x]];
		return x;
	}
	void unite(uint32_t a, uint32_t b) { p[find(a)] = find(b); }
};

} // namespace

struct ChipCore::Impl
{
	ChipSetup setup;
	double dt;         // us
	double dt_cycles;  // FPGA cycles per step

	// transfer table (by name from hxsim/transfer.py)
	Transfer T_v_leak, T_v_reset, T_v_threshold, T_e_exc, T_e_inh, T_v_exp, T_v_adapt_ref,
	    T_g_leak, T_tau_exc, T_tau_inh, T_cuba_exc, T_cuba_inh, T_coba_exc, T_coba_inh, T_tau_w,
	    T_a, T_b, T_exp, T_i_offset, T_g_mc, T_C, T_delta_T, T_dac, T_cadc, T_madc;
	double k_leak_div, k_leak_mul, k_large_cap, k_high_res, k_mc_mul, k_mc_div, k_backend_mhz,
	    k_background_mhz, k_madc_period_ns, k_syn_base, k_syn_mv_na, k_syn_mv_us,
	    k_ad_mv_na, k_stp_unit, k_corr_tau, k_corr_lsb, k_corr_reset, k_corr_step;
	std::vector<double> syn_gain, corr_gain, cadc_gain, cadc_offset;
	double madc_gain = 1.0, madc_offset = 0.0;

	// geometry
	struct NeuronGeo
	{
		uint32_t hemisphere, column, nc, backend, common_backend, block, ccq, entry, corrq, reset,
		    line;
	};
	std::vector<NeuronGeo> geo;
	uint32_t neuron_at[2][num_columns];
	std::vector<int64_t> cells; // 512 x capmem_rows: CapMemCellOnDLS by (neuron, row)
	uint32_t capmem_rows = 0;
	struct DriverGeo
	{
		uint32_t hemisphere, local, bus, index, row_top, row_bottom;
	};
	std::vector<DriverGeo> dgeo;
	std::vector<uint32_t> bus_drivers[2][4];

	// resolved register map
	bool resolved = false;
	struct Fields
	{
		NeuronConfigFields nc;
		FieldId be_refractory, be_holdoff, be_clock, be_adapt_pulse;
		FieldId cbe_clocks, cbe_slow, cbe_fast;
		FieldId capmem_value, capmem_enable;
		FieldId sd_util, sd_offset, sd_mask, sd_receiver, sd_recovery, sd_mode_bottom,
		    sd_mode_top, sd_stp, sd_enable_recovery;
		FieldId stp_clock, stp_speed;
		FieldId weights, labels, time_calibs, amp_calibs;
		FieldId cc_exc, cc_inh, corr_causal, corr_acausal, corr_neuron_causal,
		    corr_neuron_acausal;
		FieldId padi_fire, padi_address, padi_row_select;
		FieldId bg_enable, bg_random, bg_period, bg_seed, bg_mask, bg_rate, bg_label;
		FieldId madc_samples, madc_scaling, madc_scale, madc_dummy, madc_initial, madc_length;
		FieldId mc_start, mc_stop, mc_continuous;
		FieldId rss_odd, rss_even, rss_debug_plus, rss_debug_minus;
		FieldId pad_debug, sr_mux1, sr_mux2, dac_value, dac_enable;
		FieldId cadc_enable, cadc_offset, cadc_samples;
	} f;
	RegisterId r_neuron_reset, r_neuron_reset_quad, r_correlation_reset, r_post_pulse, r_padi_event,
	    r_madc_control, r_cadc_sample;
	FieldRef cadc_samples_ref;
	struct Watch
	{
		std::vector<RegisterId> regs;
		std::vector<uint64_t> seen;
		bool changed(ConfigView const& v)
		{
			bool c = false;
			for (size_t i = 0; i < regs.size(); ++i) {
				uint64_t const now = v.version(regs[i]);
				if (now != seen[i]) {
					seen[i] = now;
					c = true;
				}
			}
			return c;
		}
		bool changed_peek(ConfigView const& v) const
		{
			for (size_t i = 0; i < regs.size(); ++i)
				if (v.version(regs[i]) != seen[i])
					return true;
			return false;
		}
		void invalidate()
		{
			for (auto& s : seen)
				s = ~uint64_t(0);
		}
	};
	Watch w_neurons, w_synapses, w_drivers, w_background, w_readout, w_corr;

	// neuron model
	kernel::NeuronConstants k, kmc;
	kernel::NeuronState s;
	std::vector<int64_t> spiked;
	std::vector<double> iext;
	bool any_exp = false;
	std::vector<double> C, EL, gain_e, gain_i, Vth, Vreset, R, H, b, readout_scale_e,
	    readout_scale_i;
	std::vector<uint8_t> bypass_e, bypass_i, force;
	std::vector<uint32_t> forced;

	// multi-compartment
	bool mc_active = false;
	struct Node
	{
		std::vector<uint32_t> members; // circuits sharing the membrane
		double C = 0.0;
	};
	std::vector<Node> nodes;            // capacitive nodes with >= 2 members
	std::vector<int32_t> node_of;       // circuit -> node index in `nodes` or -1 (single)
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

	// synapse arrays: per (hemisphere, row): entries grouped by label
	struct Syn
	{
		uint16_t column;
		uint16_t neuron;
		float weight; // 6-bit weight x synapse gain mismatch
		uint32_t index; // (hemisphere, row, column) for correlation
	};
	struct Row
	{
		uint16_t offsets[65];
		std::vector<Syn> syn;
	};
	std::vector<Row> rows; // 2 x 256
	std::vector<uint32_t> weight_words, label_words;
	uint32_t col_quad[num_columns], col_entry[num_columns]; // column -> (quad column, entry)

	// synapse drivers
	struct Driver
	{
		bool receiver = false, stp = false, recovery = false;
		uint32_t mask = 0, mode_top = 0, mode_bottom = 0;
		double U = 1.0, offset = 0.0, tau_rec = inf;
		double resources = 1.0, t_last = -inf; // STP state
	};
	std::vector<Driver> drivers;
	struct Pending
	{
		uint64_t cycle;
		uint32_t hemisphere, bus, label;
	};
	std::deque<Pending> pending;

	// correlation sensors
	// allocated at the first pre spike (most experiments never read them)
	std::vector<double> last_pre, causal, acausal; // per synapse (us / LSB)
	std::vector<uint32_t> calib_time_words, calib_amp_words; // SynapseCorrelationCalibQuad
	FieldRef calib_time_ref, calib_amp_ref;
	void corr_alloc()
	{
		if (!last_pre.empty())
			return;
		size_t const nsyn = 2 * num_rows * num_columns;
		last_pre.assign(nsyn, -inf);
		causal.assign(nsyn, 0.0);
		acausal.assign(nsyn, 0.0);
	}
	// quad word index and lane of synapse idx = (h * 256 + row) * 256 + column
	uint32_t quad_of(uint32_t idx) const
	{
		uint32_t const col = idx % num_columns, hr = idx / num_columns;
		return uint32_t(int64_t(hr / num_rows) * setup.synapse_quad_strides[0] +
		                int64_t(hr % num_rows) * setup.synapse_quad_strides[1] +
		                int64_t(col_quad[col]) * setup.synapse_quad_strides[2]);
	}
	// correlation kernel of synapse idx: time constant (us) and LSB per pair
	double corr_tau_of(uint32_t idx) const
	{
		FieldLane const& l = calib_time_ref.lanes[col_entry[idx % num_columns]];
		double const c = double((calib_time_words[quad_of(idx)] >> l.shift) & calib_time_ref.mask);
		return k_corr_tau * (1.0 + k_corr_step * (c - 1.5));
	}
	double corr_amp_of(uint32_t idx) const
	{
		FieldLane const& l = calib_amp_ref.lanes[col_entry[idx % num_columns]];
		double const c = double((calib_amp_words[quad_of(idx)] >> l.shift) & calib_amp_ref.mask);
		return k_corr_lsb * corr_gain[idx] * (1.0 + k_corr_step * (c - 1.5));
	}
	std::vector<double> last_post;                 // per neuron (us)
	std::vector<uint8_t> column_has_pre;           // per (hemisphere, column)
	std::vector<uint8_t> corr_neuron_readout[2];   // per (hemisphere, column): causal/acausal

	// readout / MADC
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

	// background spike sources
	struct Background
	{
		bool on = false, random = false;
		double period = 0.0, next = 0.0, p = 0.0;
		uint32_t mask = 0, label = 0;
		uint32_t words[3] = {~0u, ~0u, ~0u};
		Rng rng;
	};
	Background bg[8];
	RegisterId r_background = 0;

	// noise
	Rng noise_rng;

	// rest detection (see ChipCore::max_step)
	bool quiescent = false;
	uint32_t since_check = 0;
	bool compare_next = false;
	kernel::avector<double> snap;
	bool eligible() const
	{
		if (!pending.empty() || madc_on || setup.noise > 0.0 || !forced.empty())
			return false;
		for (auto const& b_ : bg)
			if (b_.on)
				return false;
		return true;
	}
	bool config_changed(ConfigView const& v) const
	{
		for (Watch const* w : {&w_neurons, &w_synapses, &w_drivers, &w_background, &w_readout, &w_corr})
			if (w->changed_peek(v))
				return true;
		return false;
	}

	// time
	double t0 = 0.0;     // cycle of step 0
	uint64_t steps = 0;  // steps done since t0
	double t_next() const { return t0 + double(steps) * dt_cycles; }

	explicit Impl(ChipSetup su);
	Transfer transfer(std::string const& name, size_t instances);
	double constant(std::string const& name);
	void resolve(RegisterMap const& map);
	bool refresh(ConfigView const& v, uint64_t now);
	void decode_neurons(ConfigView const& v);
	void decode_mc(ConfigView const& v, NeuronConfigTable const& ncf);
	void decode_synapses(ConfigView const& v);
	void decode_drivers(ConfigView const& v);
	void decode_background(ConfigView const& v, uint64_t now);
	void decode_readout(ConfigView const& v);
	void decode_pads(ConfigView const& v);
	void decode_corr(ConfigView const& v);
	void reset_state();
	void apply_event(Pending const& e);
	bool step(uint64_t from, EventSink& sink);
	void post_spike(uint32_t n, double t_us);
	double line_value(uint32_t line) const;
	void emit_samples(double limit, EventSink& sink);
	void emit_background(uint64_t from, uint64_t to, EventSink& sink);
};

// --- construction ------------------------------------------------------------------------

Transfer ChipCore::Impl::transfer(std::string const& name, size_t instances)
{
	auto it = setup.transfers.find(name);
	if (it == setup.transfers.end())
		fail("the transfer table has no entry '" + name + "'");
	Transfer t;
	t.form = it->second.form;
	t.c0 = it->second.c0;
	t.c1 = it->second.c1;
	t.gain = it->second.gain;
	t.offset = it->second.offset;
	t.y_min = it->second.y_min;
	t.y_max = it->second.y_max;
	t.capmem_row = it->second.capmem_row;
	if (t.gain.size() != instances || t.offset.size() != instances)
		fail("transfer '" + name + "' needs " + std::to_string(instances) + " mismatch values");
	return t;
}

double ChipCore::Impl::constant(std::string const& name)
{
	auto it = setup.constants.find(name);
	if (it == setup.constants.end())
		fail("missing constant '" + name + "'");
	return it->second;
}

ChipCore::Impl::Impl(ChipSetup su) : setup(std::move(su))
{
	dt = setup.dt_us;
	if (!(dt > 0.0) || !std::isfinite(dt))
		fail("dt must be a positive number of us");
	dt_cycles = dt / cycle_us;
	T_v_leak = transfer("v_leak", num_neurons);
	T_v_reset = transfer("v_reset", num_neurons);
	T_v_threshold = transfer("v_threshold", num_neurons);
	T_e_exc = transfer("e_synin_exc_rev", num_neurons);
	T_e_inh = transfer("e_synin_inh_rev", num_neurons);
	T_v_exp = transfer("v_exp", num_neurons);
	T_v_adapt_ref = transfer("v_adapt_ref", num_neurons);
	T_g_leak = transfer("i_bias_leak", num_neurons);
	T_tau_exc = transfer("i_bias_synin_exc_tau", num_neurons);
	T_tau_inh = transfer("i_bias_synin_inh_tau", num_neurons);
	T_cuba_exc = transfer("i_bias_synin_exc_gm", num_neurons);
	T_cuba_inh = transfer("i_bias_synin_inh_gm", num_neurons);
	T_coba_exc = transfer("i_bias_synin_exc_coba", num_neurons);
	T_coba_inh = transfer("i_bias_synin_inh_coba", num_neurons);
	T_tau_w = transfer("i_bias_adapt_tau", num_neurons);
	T_a = transfer("i_bias_adapt_a", num_neurons);
	T_b = transfer("i_bias_adapt_b", num_neurons);
	T_exp = transfer("i_bias_exp", num_neurons);
	T_i_offset = transfer("i_mem_offset", num_neurons);
	T_g_mc = transfer("i_bias_nmda", num_neurons);
	T_C = transfer("membrane_capacitor_size", num_neurons);
	T_delta_T = transfer("delta_T", num_neurons);
	T_dac = transfer("syn_i_bias_dac", 4);
	T_cadc = transfer("cadc", 1);
	T_madc = transfer("madc", 1);
	k_leak_div = constant("leak_division_factor");
	k_leak_mul = constant("leak_multiplication_factor");
	k_large_cap = constant("synin_large_capacitance_gain");
	k_high_res = constant("synin_high_resistance_tau_factor");
	k_mc_mul = constant("multicomp_multiplication_factor");
	k_mc_div = constant("multicomp_division_factor");
	k_backend_mhz = constant("backend_clock_mhz");
	k_background_mhz = constant("background_clock_mhz");
	k_madc_period_ns = constant("madc_sample_period_ns");
	k_syn_base = constant("readout_synin_baseline_mv");
	k_syn_mv_na = constant("readout_synin_mv_per_na");
	k_syn_mv_us = constant("readout_synin_mv_per_us");
	k_ad_mv_na = constant("readout_adaptation_mv_per_na");
	k_stp_unit = constant("stp_tau_rec_unit_us");
	k_corr_tau = constant("correlation_tau_us");
	k_corr_lsb = constant("correlation_lsb_per_pair");
	k_corr_reset = constant("correlation_reset_code");
	k_corr_step = constant("correlation_calib_step");
	auto mm = [&](char const* name, size_t n) {
		auto it = setup.mismatch.find(name);
		if (it == setup.mismatch.end() || it->second.size() != n)
			fail(std::string("mismatch array '") + name + "' missing or of wrong size");
		return it->second;
	};
	syn_gain = mm("synapse_gain", 2 * num_rows * num_columns);
	corr_gain = mm("correlation_gain", 2 * num_rows * num_columns);
	cadc_gain = mm("cadc_gain", 2 * 2 * num_columns);
	cadc_offset = mm("cadc_offset", 2 * 2 * num_columns);
	madc_gain = mm("madc_gain", 1)[0];
	madc_offset = mm("madc_offset", 1)[0];

	// geometry
	if (setup.neuron_columns < 11 || setup.neurons.size() != num_neurons * setup.neuron_columns)
		fail("neuron table must have 512 rows of >= 11 columns");
	capmem_rows = uint32_t(setup.capmem_cells.size() / num_neurons);
	if (capmem_rows == 0 || setup.capmem_cells.size() != num_neurons * capmem_rows ||
	    setup.dac_cells.size() != 4 ||
	    setup.quad_columns.size() != 256 || setup.synapse_quad_strides.size() != 3 ||
	    setup.column_quad_strides.size() != 2 || setup.cadc_sample_strides.size() != 5 ||
	    setup.cadc_channel_strides.size() != 3 || setup.drivers.size() != num_drivers * 6 ||
	    setup.neuron_reset_atomic.size() != num_neurons || setup.neuron_reset_quad.size() != 512)
		fail("geometry tables have unexpected sizes");
	geo.resize(num_neurons);
	for (uint32_t n = 0; n < num_neurons; ++n) {
		int64_t const* r = &setup.neurons[n * setup.neuron_columns];
		NeuronGeo& g = geo[n];
		g = {uint32_t(r[0]), uint32_t(r[1]), uint32_t(r[2]), uint32_t(r[3]), uint32_t(r[4]),
		     uint32_t(r[5]), uint32_t(r[6]), uint32_t(r[7]), uint32_t(r[8]), uint32_t(r[9]),
		     uint32_t(r[10])};
		if (g.hemisphere > 1 || g.column >= num_columns || g.block > 3 || g.entry > 3 ||
		    g.line > 1)
			fail("neuron table out of range");
		neuron_at[g.hemisphere][g.column] = n;
	}
	cells = setup.capmem_cells;
	for (Transfer const* t : {&T_v_leak, &T_v_reset, &T_v_threshold, &T_e_exc, &T_e_inh, &T_v_exp,
	                          &T_v_adapt_ref, &T_g_leak, &T_tau_exc, &T_tau_inh, &T_cuba_exc,
	                          &T_cuba_inh, &T_coba_exc, &T_coba_inh, &T_tau_w, &T_a, &T_b, &T_exp,
	                          &T_i_offset, &T_g_mc})
		if (t->capmem_row < 0 || uint32_t(t->capmem_row) >= capmem_rows)
			fail("transfer of a per-neuron CapMem cell has row " + std::to_string(t->capmem_row) +
			     ", valid rows are 0.." + std::to_string(capmem_rows - 1));
	for (uint32_t q = 0; q < 64; ++q)
		for (uint32_t e = 0; e < 4; ++e) {
			int64_t const col = setup.quad_columns[q * 4 + e];
			if (col < 0 || col >= int64_t(num_columns))
				fail("quad column table out of range");
			col_quad[col] = q;
			col_entry[col] = e;
		}
	dgeo.resize(num_drivers);
	for (uint32_t d = 0; d < num_drivers; ++d) {
		int64_t const* r = &setup.drivers[d * 6];
		dgeo[d] = {uint32_t(r[0]), uint32_t(r[1]), uint32_t(r[2]), uint32_t(r[3]), uint32_t(r[4]),
		           uint32_t(r[5])};
		if (dgeo[d].hemisphere > 1 || dgeo[d].bus > 3 || dgeo[d].index > 31 ||
		    dgeo[d].row_top >= num_rows || dgeo[d].row_bottom >= num_rows)
			fail("driver table out of range");
		bus_drivers[dgeo[d].hemisphere][dgeo[d].bus].push_back(d);
	}

	k.resize(num_neurons);
	kmc.resize(num_neurons);
	s.resize(num_neurons);
	spiked.assign(num_neurons, 0);
	iext.assign(num_neurons, 0.0);
	for (auto* vec : {&C, &EL, &gain_e, &gain_i, &Vth, &Vreset, &R, &H, &b, &readout_scale_e,
	                  &readout_scale_i, &v_start, &last_post})
		vec->assign(num_neurons, 0.0);
	bypass_e.assign(num_neurons, 0);
	bypass_i.assign(num_neurons, 0);
	force.assign(num_neurons, 0);
	node_of.assign(num_neurons, -1);
	rows.resize(2 * num_rows);
	for (Row& r : rows)
		std::fill(std::begin(r.offsets), std::end(r.offsets), 0);
	column_has_pre.assign(2 * num_columns, 0);
	for (auto& c : corr_neuron_readout)
		c.assign(2 * num_columns, 0);
	drivers.resize(num_drivers);
	noise_rng.seed(setup.noise_seed ^ 0x6e6f697365ull);
}

void ChipCore::Impl::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	f.nc.resolve(map);
	f.be_refractory = F("NeuronBackendConfig.refractory_time");
	f.be_holdoff = F("NeuronBackendConfig.reset_holdoff");
	f.be_clock = F("NeuronBackendConfig.select_input_clock");
	f.be_adapt_pulse = F("NeuronBackendConfig.enable_adaptation_pulse");
	f.cbe_clocks = F("CommonNeuronBackendConfig.enable_clocks");
	f.cbe_slow = F("CommonNeuronBackendConfig.clock_scale_slow");
	f.cbe_fast = F("CommonNeuronBackendConfig.clock_scale_fast");
	f.capmem_value = F("CapMemCell.value");
	f.capmem_enable = F("CapMemBlockConfig.enable_capmem");
	f.sd_util = F("SynapseDriverConfig.utilization");
	f.sd_offset = F("SynapseDriverConfig.offset");
	f.sd_mask = F("SynapseDriverConfig.row_address_compare_mask");
	f.sd_receiver = F("SynapseDriverConfig.enable_receiver");
	f.sd_recovery = F("SynapseDriverConfig.recovery");
	f.sd_mode_bottom = F("SynapseDriverConfig.row_mode_bottom");
	f.sd_mode_top = F("SynapseDriverConfig.row_mode_top");
	f.sd_stp = F("SynapseDriverConfig.enable_stp");
	f.sd_enable_recovery = F("SynapseDriverConfig.enable_recovery");
	f.stp_clock = F("CommonSTPConfig.enable_recovery_clock");
	f.stp_speed = F("CommonSTPConfig.recovery_clock_speed");
	f.weights = F("SynapseWeightQuad.values");
	f.labels = F("SynapseLabelQuad.values");
	f.time_calibs = F("SynapseCorrelationCalibQuad.time_calibs");
	f.amp_calibs = F("SynapseCorrelationCalibQuad.amp_calibs");
	f.cc_exc = F("ColumnCurrentQuad.enable_synaptic_current_excitatory");
	f.cc_inh = F("ColumnCurrentQuad.enable_synaptic_current_inhibitory");
	f.corr_causal = F("ColumnCorrelationQuad.enable_internal_causal");
	f.corr_acausal = F("ColumnCorrelationQuad.enable_internal_acausal");
	f.corr_neuron_causal = F("ColumnCorrelationQuad.enable_cadc_neuron_readout_causal");
	f.corr_neuron_acausal = F("ColumnCorrelationQuad.enable_cadc_neuron_readout_acausal");
	f.padi_fire = F("PADIEvent.fire_bus");
	f.padi_address = F("PADIEvent.event_address");
	f.padi_row_select = F("PADIEvent.row_select_address");
	f.bg_enable = F("BackgroundSpikeSource.enable");
	f.bg_random = F("BackgroundSpikeSource.enable_random");
	f.bg_period = F("BackgroundSpikeSource.period");
	f.bg_seed = F("BackgroundSpikeSource.seed");
	f.bg_mask = F("BackgroundSpikeSource.mask");
	f.bg_rate = F("BackgroundSpikeSource.rate");
	f.bg_label = F("BackgroundSpikeSource.neuron_label");
	f.madc_samples = F("MADCConfig.number_of_samples");
	f.madc_scaling = F("MADCConfig.enable_madc_clock_scaling");
	f.madc_scale = F("MADCConfig.madc_clock_scale_value");
	f.madc_dummy = F("MADCConfig.enable_dummy_data");
	f.madc_initial = F("MADCConfig.active_mux_initially_selected_input");
	f.madc_length = F("MADCConfig.active_mux_input_select_length");
	f.mc_start = F("MADCControl.start_recording");
	f.mc_stop = F("MADCControl.stop_recording");
	f.mc_continuous = F("MADCControl.enable_continuous_sampling");
	f.rss_odd = F("ReadoutSourceSelection.neuron_odd");
	f.rss_even = F("ReadoutSourceSelection.neuron_even");
	board = !setup.board_mux1_pad.empty();
	if (board) {
		f.rss_debug_plus = F("ReadoutSourceSelection.debug_plus");
		f.rss_debug_minus = F("ReadoutSourceSelection.debug_minus");
		f.pad_debug = F("PadMultiplexerConfig.debug_to_pad");
		f.sr_mux1 = F("ShiftRegister.select_analog_readout_mux_1_input");
		f.sr_mux2 = F("ShiftRegister.select_analog_readout_mux_2_input");
		f.dac_value = F("DACChannel.value");
		f.dac_enable = F("DACControl.enable_channel");
		if (map.reg(map.field(f.dac_value).reg).size != setup.board_dac_full_scale_mv.size())
			fail("board_dac_full_scale_mv needs one entry per DACChannel");
		if (map.reg(map.field(f.pad_debug).reg).size != 2)
			fail("there must be 2 PadMultiplexerConfig instances (one per pad)");
	}
	f.cadc_enable = F("CADCConfig.enable");
	f.cadc_offset = F("CADCChannelConfig.offset");
	f.cadc_samples = F("CADCSampleQuad.samples");
	r_neuron_reset = map.register_id("NeuronReset");
	r_neuron_reset_quad = map.register_id("NeuronResetQuad");
	r_correlation_reset = map.register_id("CorrelationReset");
	r_post_pulse = map.register_id("BlockPostPulse");
	r_padi_event = map.register_id("PADIEvent");
	r_madc_control = map.register_id("MADCControl");
	r_cadc_sample = map.register_id("CADCSampleQuad");
	r_background = map.register_id("BackgroundSpikeSource");
	cadc_samples_ref = FieldRef(map, f.cadc_samples);
	calib_time_ref = FieldRef(map, f.time_calibs);
	calib_amp_ref = FieldRef(map, f.amp_calibs);
	for (FieldRef const* r : {&calib_time_ref, &calib_amp_ref})
		for (FieldLane const& l : r->lanes)
			if (l.word != r->lanes[0].word)
				fail("correlation calibration lanes must share one word");
	if (map.field(f.weights).count != 4 || map.field(f.labels).count != 4 ||
	    map.field(f.cc_exc).count != 4 || map.field(f.cadc_samples).count != 4)
		fail("quad registers must have 4 lanes (EntryOnQuad)");
	if (map.reg(map.field(f.bg_enable).reg).size != 8)
		fail("there must be 8 background spike sources");

	auto regs = [&](std::initializer_list<char const*> names) {
		Watch w;
		for (char const* n : names)
			w.regs.push_back(map.register_id(n));
		w.seen.assign(w.regs.size(), ~uint64_t(0));
		return w;
	};
	w_neurons = regs({"NeuronConfig", "NeuronBackendConfig", "CommonNeuronBackendConfig",
	                  "CapMemCell", "CapMemBlockConfig", "ColumnCurrentQuad"});
	w_synapses = regs({"SynapseWeightQuad", "SynapseLabelQuad", "SynapseCorrelationCalibQuad"});
	w_drivers = regs({"SynapseDriverConfig", "CommonSTPConfig"});
	w_background = regs({"BackgroundSpikeSource"});
	w_readout = board ? regs({"NeuronConfig", "ReadoutSourceSelection", "MADCConfig", "PadMultiplexerConfig",
	                          "ShiftRegister", "DACChannel", "DACControl"})
	                  : regs({"NeuronConfig", "ReadoutSourceSelection", "MADCConfig"});
	w_corr = regs({"ColumnCorrelationQuad"});
	resolved = true;
}

// --- configuration decode -------------------------------------------------------------------

bool ChipCore::Impl::refresh(ConfigView const& v, uint64_t now)
{
	bool any = false;
	if (w_neurons.changed(v)) {
		decode_neurons(v);
		any = true;
	}
	if (w_synapses.changed(v)) {
		decode_synapses(v);
		any = true;
	}
	if (w_drivers.changed(v)) {
		decode_drivers(v);
		any = true;
	}
	if (w_background.changed(v)) {
		decode_background(v, now);
		any = true;
	}
	if (w_readout.changed(v)) {
		decode_readout(v);
		any = true;
	}
	if (w_corr.changed(v)) {
		decode_corr(v);
		any = true;
	}
	if (any)
		quiescent = false;
	return any;
}

void ChipCore::Impl::decode_neurons(ConfigView const& v)
{
	auto all = [&](FieldId id) {
		std::vector<int64_t> out(v.instances(id));
		v.get_all(id, 0, out.data());
		return out;
	};
	NeuronConfigTable ncf;
	ncf.read(v, f.nc);
	using NC = NeuronConfigFields;
	std::vector<int64_t> const refractory = all(f.be_refractory), holdoff = all(f.be_holdoff),
	                           clock = all(f.be_clock), pulse = all(f.be_adapt_pulse);
	std::vector<int64_t> const clocks = all(f.cbe_clocks), slow = all(f.cbe_slow),
	                           fast = all(f.cbe_fast);
	std::vector<int64_t> const capmem_on = all(f.capmem_enable);
	std::vector<int64_t> const cc_e = [&] {
		std::vector<int64_t> o(v.instances(f.cc_exc) * 4);
		v.get_all_lanes(f.cc_exc, o.data());
		return o;
	}();
	std::vector<int64_t> const cc_i = [&] {
		std::vector<int64_t> o(v.instances(f.cc_inh) * 4);
		v.get_all_lanes(f.cc_inh, o.data());
		return o;
	}();
	auto cell = [&](uint32_t n, Transfer const& t) -> double {
		int64_t const c = cells[n * capmem_rows + uint32_t(t.capmem_row)];
		if (!capmem_on[geo[n].block])
			return 0.0;
		int64_t const x = v.get(f.capmem_value, uint32_t(c));
		return x > 1022 ? 0.0 : double(x); // 1023: refresh disabled, the cell decays to 0
	};
	double dac[4];
	for (uint32_t q = 0; q < 4; ++q) {
		int64_t const x = capmem_on[q] ? v.get(f.capmem_value, uint32_t(setup.dac_cells[q])) : 0;
		dac[q] = T_dac(x > 1022 ? 0.0 : double(x), q);
	}

	any_exp = false;
	for (uint32_t n = 0; n < num_neurons; ++n) {
		NeuronGeo const& g = geo[n];
		auto nc = [&](NC::Index field) { return ncf.on(field, g.nc); };
		double const Cn = T_C(double(ncf.get(NC::cap_size, g.nc)), n);
		C[n] = Cn;
		double gL = T_g_leak(cell(n, T_g_leak), n);
		if (nc(NC::leak_div))
			gL *= k_leak_div;
		if (nc(NC::leak_mul))
			gL *= k_leak_mul;
		EL[n] = T_v_leak(cell(n, T_v_leak), n);
		double Ioff = 0.0;
		if (nc(NC::mem_offset))
			Ioff = (nc(NC::invert_offset) ? -1.0 : 1.0) * T_i_offset(cell(n, T_i_offset), n);
		k[kernel::P_kC][n] = dt / Cn;
		k[kernel::P_gL][n] = gL;
		k[kernel::P_c0][n] = gL * EL[n] + Ioff;
		bool const expo = nc(NC::expo);
		any_exp |= expo;
		double const dT = T_delta_T(0.0, n);
		k[kernel::P_VT][n] = T_v_exp(cell(n, T_v_exp), n);
		k[kernel::P_invDT][n] = dT > 0 ? 1.0 / dT : 1.0;
		k[kernel::P_expc][n] = expo && dT > 0 ? T_exp(cell(n, T_exp), n) : 0.0;
		bool const fire = nc(NC::fire);
		Vth[n] = fire && nc(NC::threshold) ? T_v_threshold(cell(n, T_v_threshold), n) : inf;
		Vreset[n] = T_v_reset(cell(n, T_v_reset), n);
		k[kernel::P_Vth][n] = Vth[n];
		k[kernel::P_Vreset][n] = Vreset[n];
		bool const adapt = nc(NC::adapt);
		k[kernel::P_a][n] = adapt ? (nc(NC::invert_a) ? -1.0 : 1.0) * T_a(cell(n, T_a), n) : 0.0;
		k[kernel::P_Ew][n] = T_v_adapt_ref(cell(n, T_v_adapt_ref), n);
		k[kernel::P_kw][n] = adapt ? std::min(1.0, dt / T_tau_w(cell(n, T_tau_w), n)) : 0.0;
		k[kernel::P_wf][n] = adapt ? 1.0 : 0.0;
		b[n] = adapt && pulse[g.backend] ? (nc(NC::invert_b) ? -1.0 : 1.0) * T_b(cell(n, T_b), n) : 0.0;
		k[kernel::P_b][n] = b[n];
		// synaptic inputs
		bool const coba_e = nc(NC::exc_coba), coba_i = nc(NC::inh_coba);
		k[kernel::P_cfe][n] = coba_e ? 1.0 : 0.0;
		k[kernel::P_cfi][n] = coba_i ? 1.0 : 0.0;
		k[kernel::P_Ee][n] = coba_e ? T_e_exc(cell(n, T_e_exc), n) : 1.0;
		k[kernel::P_Ei][n] = coba_i ? T_e_inh(cell(n, T_e_inh), n) : -1.0;
		double const tau_e = T_tau_exc(cell(n, T_tau_exc), n) * (nc(NC::exc_high_res) ? k_high_res : 1.0);
		double const tau_i = T_tau_inh(cell(n, T_tau_inh), n) * (nc(NC::inh_high_res) ? k_high_res : 1.0);
		k[kernel::P_de][n] = 1.0 - std::min(1.0, dt / tau_e);
		k[kernel::P_di][n] = 1.0 - std::min(1.0, dt / tau_i);
		double ge = coba_e ? T_coba_exc(cell(n, T_coba_exc), n) : T_cuba_exc(cell(n, T_cuba_exc), n);
		double gi = coba_i ? T_coba_inh(cell(n, T_coba_inh), n) : T_cuba_inh(cell(n, T_cuba_inh), n);
		ge *= nc(NC::exc_small_cap) ? 1.0 : k_large_cap;
		gi *= nc(NC::inh_small_cap) ? 1.0 : k_large_cap;
		double const d = dac[g.block];
		gain_e[n] = nc(NC::syn_exc) && cc_e[g.ccq * 4 + g.entry] ? ge * d : 0.0;
		gain_i[n] = nc(NC::syn_inh) && cc_i[g.ccq * 4 + g.entry] ? gi * d : 0.0;
		readout_scale_e[n] = coba_e ? k_syn_mv_us : k_syn_mv_na;
		readout_scale_i[n] = coba_i ? k_syn_mv_us : k_syn_mv_na;
		bypass_e[n] = fire && nc(NC::bypass_exc) && cc_e[g.ccq * 4 + g.entry];
		bypass_i[n] = fire && nc(NC::bypass_inh) && cc_i[g.ccq * 4 + g.entry];
		// backend: refractory counter on the selected clock (select_input_clock 1 = fast,
		// 0 = slow, as calix assigns them)
		double const scale = double(clock[g.backend] ? fast[g.common_backend] : slow[g.common_backend]);
		double const tick_us = std::pow(2.0, scale + 1.0) / k_backend_mhz;
		double const t_ref = double(refractory[g.backend]) * tick_us;
		double const release =
		    std::max(0.0, 31.0 - 2.0 * double(holdoff[g.backend])) * tick_us;
		if (clocks[g.common_backend]) {
			R[n] = t_ref / dt;
			H[n] = std::min(R[n], release / dt);
		} else {
			// no clock: the counter never runs out once it is loaded
			R[n] = refractory[g.backend] ? inf : 0.0;
			H[n] = 0.0;
		}
		k[kernel::P_R][n] = R[n];
		k[kernel::P_H][n] = H[n];
	}
	k.finalize(num_neurons);
	decode_mc(v, ncf);
}

void ChipCore::Impl::decode_mc(ConfigView const& v, NeuronConfigTable const& ncf)
{
	using NC = NeuronConfigFields;
	UnionFind uf(2 * num_neurons);
	bool any = false;
	for (uint32_t n = 0; n < num_neurons; ++n) {
		NeuronGeo const& g = geo[n];
		auto nc = [&](NC::Index field) { return ncf.on(field, g.nc); };
		if (nc(NC::membrane_right) && g.column + 1 < num_columns) {
			uf.unite(n, neuron_at[g.hemisphere][g.column + 1]);
			any = true;
		}
		if (nc(NC::bottom)) {
			uf.unite(neuron_at[0][g.column], neuron_at[1][g.column]);
			any = true;
		}
		if (nc(NC::soma)) {
			uf.unite(n, num_neurons + n);
			any = true;
		}
		if (nc(NC::soma_right) && g.column + 1 < num_columns) {
			uf.unite(num_neurons + n, num_neurons + neuron_at[g.hemisphere][g.column + 1]);
			any = true;
		}
	}
	nodes.clear();
	edges.clear();
	std::fill(node_of.begin(), node_of.end(), -1);
	// capacitive groups: the membranes in each union-find class
	std::vector<int32_t> group_node(2 * num_neurons, -1);
	std::vector<int32_t> rep(2 * num_neurons, -1); // a circuit of the class, if any
	std::vector<uint32_t> count(2 * num_neurons, 0);
	for (uint32_t n = 0; n < num_neurons; ++n) {
		uint32_t const r = uf.find(n);
		++count[r];
		if (rep[r] < 0)
			rep[r] = int32_t(n);
	}
	for (uint32_t n = 0; n < num_neurons; ++n) {
		uint32_t const r = uf.find(n);
		if (count[r] < 2)
			continue;
		if (group_node[r] < 0) {
			group_node[r] = int32_t(nodes.size());
			nodes.emplace_back();
		}
		Node& node = nodes[size_t(group_node[r])];
		node.members.push_back(n);
		node.C += C[n];
		node_of[n] = group_node[r];
	}
	// resistive edges membrane <-> somatic line
	alg_num.clear();
	alg_den.clear();
	alg_v.clear();
	std::vector<int32_t> alg_index(2 * num_neurons, -1);
	for (uint32_t n = 0; n < num_neurons; ++n) {
		NeuronGeo const& g = geo[n];
		auto nc = [&](NC::Index field) { return ncf.on(field, g.nc); };
		if (!nc(NC::mc_cond) || nc(NC::soma))
			continue;
		double gc = T_g_mc([&] {
			if (!v.get(f.capmem_enable, geo[n].block))
				return 0.0;
			int64_t const x =
			    v.get(f.capmem_value, uint32_t(cells[n * capmem_rows + uint32_t(T_g_mc.capmem_row)]));
			return x > 1022 ? 0.0 : double(x);
		}(), n);
		if (nc(NC::mc_mul))
			gc *= k_mc_mul;
		if (nc(NC::mc_div))
			gc *= k_mc_div;
		uint32_t const sr = uf.find(num_neurons + n);
		if (sr == uf.find(n))
			continue; // shorted anyway
		Edge e{n, rep[sr], 0, gc};
		if (rep[sr] < 0) {
			if (alg_index[sr] < 0) {
				alg_index[sr] = int32_t(alg_num.size());
				alg_num.push_back(0.0);
				alg_den.push_back(0.0);
				alg_v.push_back(0.0);
			}
			e.algebraic = uint32_t(alg_index[sr]);
		}
		edges.push_back(e);
		any = true;
	}
	mc_active = any && (!nodes.empty() || !edges.empty());
	if (mc_active) {
		for (unsigned p = 0; p < kernel::P_COUNT; ++p)
			kmc[kernel::Param(p)] = k[kernel::Param(p)];
		std::fill(kmc[kernel::P_Vth].begin(), kmc[kernel::P_Vth].end(), inf);
		std::fill(kmc[kernel::P_H].begin(), kmc[kernel::P_H].end(), inf);
		kmc.finalize(num_neurons);
	}
}

void ChipCore::Impl::decode_synapses(ConfigView const& v)
{
	RegisterInfo const& wr = v.map().reg(v.map().field(f.weights).reg);
	uint32_t const nq = wr.size;
	std::vector<uint32_t> wwords(nq), lwords(nq);
	{
		uint32_t const* pw = v.words(v.map().field(f.weights).reg);
		uint32_t const* pl = v.words(v.map().field(f.labels).reg);
		uint32_t const stride_w = wr.words, stride_l = v.map().reg(v.map().field(f.labels).reg).words;
		for (uint32_t q = 0; q < nq; ++q) {
			wwords[q] = pw[q * stride_w];
			lwords[q] = pl[q * stride_l];
		}
	}
	bool const first = weight_words.size() != nq;
	int64_t const ss = setup.synapse_quad_strides[0], sr = setup.synapse_quad_strides[1],
	              sq = setup.synapse_quad_strides[2];
	FieldRef const W(v.map(), f.weights), L(v.map(), f.labels);
	for (uint32_t h = 0; h < 2; ++h)
		for (uint32_t r = 0; r < num_rows; ++r) {
			bool changed = first;
			for (uint32_t q = 0; q < 64 && !changed; ++q) {
				uint32_t const i = uint32_t(h * ss + r * sr + q * sq);
				changed = wwords[i] != weight_words[i] || lwords[i] != label_words[i];
			}
			if (!changed)
				continue;
			Row& row = rows[h * num_rows + r];
			// counting sort by label; columns ascending within a label
			uint16_t count[65] = {};
			uint8_t lab_of[num_columns];
			uint8_t w_of[num_columns];
			for (uint32_t col = 0; col < num_columns; ++col) {
				uint32_t const i = uint32_t(h * ss + r * sr + col_quad[col] * sq);
				uint32_t const e = col_entry[col];
				w_of[col] = uint8_t((wwords[i] >> W.lanes[e].shift) & W.mask);
				lab_of[col] = uint8_t(((lwords[i] >> L.lanes[e].shift) & L.mask) & 63);
				++count[lab_of[col] + 1];
			}
			for (uint32_t lab = 0; lab < 64; ++lab)
				count[lab + 1] = uint16_t(count[lab + 1] + count[lab]);
			std::copy(std::begin(count), std::end(count), std::begin(row.offsets));
			row.syn.resize(num_columns);
			for (uint32_t col = 0; col < num_columns; ++col) {
				uint32_t const idx = (h * num_rows + r) * num_columns + col;
				row.syn[count[lab_of[col]]++] = {uint16_t(col), uint16_t(neuron_at[h][col]),
				                                 float(double(w_of[col]) * syn_gain[idx]), idx};
			}
		}
	weight_words = std::move(wwords);
	label_words = std::move(lwords);
	// correlation calibration bits (decoded when used)
	{
		RegisterId const reg = v.map().field(f.time_calibs).reg;
		RegisterInfo const& ri = v.map().reg(reg);
		uint32_t const* words = v.words(reg);
		calib_time_words.resize(ri.size);
		calib_amp_words.resize(ri.size);
		uint32_t const wt = calib_time_ref.lanes[0].word, wa = calib_amp_ref.lanes[0].word;
		for (uint32_t q = 0; q < ri.size; ++q) {
			calib_time_words[q] = words[q * ri.words + wt];
			calib_amp_words[q] = words[q * ri.words + wa];
		}
	}
}

void ChipCore::Impl::decode_drivers(ConfigView const& v)
{
	bool const clock_on[2] = {v.get(f.stp_clock, 0) != 0, v.get(f.stp_clock, 1) != 0};
	double const speed[2] = {double(v.get(f.stp_speed, 0)), double(v.get(f.stp_speed, 1))};
	// SynapseDriverConfig instances are SynapseDriverOnDLS enums (= our driver index)
	for (uint32_t d = 0; d < num_drivers; ++d) {
		Driver& dr = drivers[d];
		uint32_t const h = dgeo[d].hemisphere;
		dr.receiver = v.get(f.sd_receiver, d) != 0;
		dr.mask = uint32_t(v.get(f.sd_mask, d));
		dr.mode_top = uint32_t(v.get(f.sd_mode_top, d));
		dr.mode_bottom = uint32_t(v.get(f.sd_mode_bottom, d));
		dr.stp = v.get(f.sd_stp, d) != 0;
		dr.U = (double(v.get(f.sd_util, d)) + 1.0) / 16.0;
		dr.offset = double(v.get(f.sd_offset, d)) / 30.0;
		dr.recovery = v.get(f.sd_enable_recovery, d) != 0 && clock_on[h];
		dr.tau_rec = k_stp_unit * (double(v.get(f.sd_recovery, d)) + 1.0) * (speed[h] + 1.0);
	}
}

void ChipCore::Impl::decode_background(ConfigView const& v, uint64_t now)
{
	RegisterInfo const& reg = v.map().reg(r_background);
	uint32_t const* words = v.words(r_background);
	for (uint32_t i = 0; i < 8; ++i) {
		Background& s_ = bg[i];
		uint32_t const* w = words + i * reg.words;
		bool same = true;
		for (uint32_t j = 0; j < 3 && j < reg.words; ++j)
			same &= s_.words[j] == w[j];
		if (same)
			continue;
		for (uint32_t j = 0; j < 3 && j < reg.words; ++j)
			s_.words[j] = w[j];
		// any change restarts the source: first spike one full period after (re)enable
		uint32_t const period = uint32_t(v.get(f.bg_period, i));
		s_.random = v.get(f.bg_random, i) != 0;
		uint32_t const rate = uint32_t(v.get(f.bg_rate, i));
		s_.on = v.get(f.bg_enable, i) != 0 && period > 0 && (!s_.random || rate > 0);
		s_.period = double(period) * (125.0 / k_background_mhz); // in FPGA cycles
		s_.p = double(rate) / 255.0;
		s_.mask = uint32_t(v.get(f.bg_mask, i));
		s_.label = uint32_t(v.get(f.bg_label, i));
		s_.rng.seed((uint64_t(v.get(f.bg_seed, i)) & 0xffff) * 0x100000001ull + i);
		s_.next = double(now) + s_.period;
		if (s_.on && s_.random && s_.p < 1.0) {
			// binned Poisson: skip the empty bins (geometric number of them)
			double const u = s_.rng.uniform();
			s_.next += std::floor(std::log(u) / std::log1p(-s_.p)) * s_.period;
		}
	}
}

void ChipCore::Impl::decode_readout(ConfigView const& v)
{
	for (uint32_t l = 0; l < 2; ++l) {
		line_neurons[l].clear();
		line_source[l].clear();
	}
	for (uint32_t n = 0; n < num_neurons; ++n) {
		NeuronGeo const& g = geo[n];
		if (!v.get(f.nc.id[NeuronConfigFields::enable_readout], g.nc))
			continue;
		line_neurons[g.line].push_back(n);
		line_source[g.line].push_back(uint8_t(v.get(f.nc.id[NeuronConfigFields::readout_source], g.nc)));
	}
	for (uint32_t m_ = 0; m_ < 2; ++m_)
		mux_lines[m_] = (v.get(f.rss_even, 0, m_) ? 1u : 0u) | (v.get(f.rss_odd, 0, m_) ? 2u : 0u);
	// the lines carry the new selection at once (until the next step)
	for (uint32_t l = 0; l < 2; ++l) {
		line_a[l] = line_b[l] = line_value(l);
		line_jump[l] = false;
	}
	if (board)
		decode_pads(v);
	madc_dummy = v.get(f.madc_dummy, 0) != 0;
	madc_initial = uint32_t(v.get(f.madc_initial, 0));
	madc_select_length = uint32_t(v.get(f.madc_length, 0));
	double const div = v.get(f.madc_scaling, 0) ? double(v.get(f.madc_scale, 0)) + 1.0 : 1.0;
	madc_period_cycles = k_madc_period_ns * div / 8.0;
}

void ChipCore::Impl::decode_pads(ConfigView const& v)
{
	// board: mux 1 joins one chip pad to the analog line, mux 2 one DAC channel
	int64_t pad = -1, dac = -1;
	uint32_t const m1 = uint32_t(v.get(f.sr_mux1, 0)), m2 = uint32_t(v.get(f.sr_mux2, 0));
	if (m1 < setup.board_mux1_pad.size())
		pad = setup.board_mux1_pad[m1];
	if (m2 < setup.board_mux2_dac.size())
		dac = setup.board_mux2_dac[m2];
	double line = nan_value;
	if (dac >= 0) {
		uint32_t const channels = v.lanes(f.dac_enable);
		bool const enabled = v.get(f.dac_enable, uint32_t(dac) / channels, uint32_t(dac) % channels) != 0;
		double const full = setup.board_dac_full_scale_mv[size_t(dac)];
		if (enabled && full > 0.0)
			line = full * double(v.get(f.dac_value, uint32_t(dac))) / double(v.map().field(f.dac_value).mask);
	}
	// chip: a pad reaches its debug line only through PadMultiplexerConfig.debug_to_pad
	for (uint32_t p = 0; p < 2; ++p)
		debug_mv[p] = (int64_t(p) == pad && v.get(f.pad_debug, p)) ? line : nan_value;
	for (uint32_t m_ = 0; m_ < 2; ++m_)
		mux_debug[m_] = (v.get(f.rss_debug_plus, 0, m_) ? 1u : 0u) | (v.get(f.rss_debug_minus, 0, m_) ? 2u : 0u);
}

void ChipCore::Impl::decode_corr(ConfigView const& v)
{
	std::vector<int64_t> nc(v.instances(f.corr_neuron_causal) * 4),
	    na(v.instances(f.corr_neuron_acausal) * 4);
	v.get_all_lanes(f.corr_neuron_causal, nc.data());
	v.get_all_lanes(f.corr_neuron_acausal, na.data());
	for (uint32_t n = 0; n < num_neurons; ++n) {
		NeuronGeo const& g = geo[n];
		corr_neuron_readout[0][g.hemisphere * num_columns + g.column] = uint8_t(nc[g.corrq * 4 + g.entry]);
		corr_neuron_readout[1][g.hemisphere * num_columns + g.column] = uint8_t(na[g.corrq * 4 + g.entry]);
	}
}

// --- dynamics --------------------------------------------------------------------------------

void ChipCore::Impl::reset_state()
{
	for (uint32_t n = 0; n < num_neurons; ++n) {
		// at rest: V = c0 / gL (E_leak shifted by the offset current), nothing pending
		double const gL = k[kernel::P_gL][n];
		s.v[n] = gL > 0 ? (k[kernel::P_c0][n]) / gL : 0.0;
		s.w[n] = 0.0;
		s.ge()[n] = s.gi()[n] = 0.0;
		s.refc[n] = 0.0;
		last_post[n] = -inf;
		force[n] = 0;
	}
	pending.clear();
	for (Driver& d : drivers) {
		d.resources = 1.0;
		d.t_last = -inf;
	}
	last_pre.clear();
	causal.clear();
	acausal.clear();
	std::fill(column_has_pre.begin(), column_has_pre.end(), 0);
	madc_on = false;
	madc_count = 0;
	have_step = false;
}

void ChipCore::Impl::apply_event(Pending const& e)
{
	uint32_t const rs = (e.label >> 6) & 31, addr = e.label & 63;
	double const t_us = double(e.cycle) * cycle_us;
	for (uint32_t d : bus_drivers[e.hemisphere][e.bus]) {
		Driver& dr = drivers[d];
		if (!dr.receiver || ((rs ^ dgeo[d].index) & dr.mask) != 0)
			continue;
		double m_ = 1.0;
		if (dr.stp) {
			if (dr.recovery && dr.t_last > -inf)
				dr.resources = 1.0 - (1.0 - dr.resources) * std::exp(-(t_us - dr.t_last) / dr.tau_rec);
			m_ = dr.resources + (1.0 - dr.resources) * dr.offset;
			dr.resources -= dr.U * dr.resources;
			dr.t_last = t_us;
		}
		for (int half = 0; half < 2; ++half) {
			uint32_t const mode = half ? dr.mode_bottom : dr.mode_top;
			uint32_t const row = half ? dgeo[d].row_bottom : dgeo[d].row_top;
			if (mode == 0)
				continue; // no pulse reaches a disabled row
			Row const& rw = rows[e.hemisphere * num_rows + row];
			for (uint32_t j = rw.offsets[addr]; j < rw.offsets[addr + 1]; ++j) {
				Syn const& sy = rw.syn[j];
				uint32_t const n = sy.neuron;
				// the correlation sensor sees every pre spike at its synapse
				corr_alloc();
				if (last_post[n] > -inf)
					acausal[sy.index] += corr_amp_of(sy.index) *
					                     std::exp(-(t_us - last_post[n]) / corr_tau_of(sy.index));
				last_pre[sy.index] = t_us;
				column_has_pre[e.hemisphere * num_columns + sy.column] = 1;
				if (sy.weight <= 0.0f)
					continue;
				double const a = m_ * double(sy.weight);
				if (mode & 1) {
					s.ge()[n] += a * gain_e[n];
					if (bypass_e[n] && !force[n]) {
						force[n] = 1;
						forced.push_back(n);
					}
				}
				if (mode & 2) {
					s.gi()[n] += a * gain_i[n];
					if (bypass_i[n] && !force[n]) {
						force[n] = 1;
						forced.push_back(n);
					}
				}
			}
		}
	}
}

void ChipCore::Impl::post_spike(uint32_t n, double t_us)
{
	last_post[n] = t_us;
	NeuronGeo const& g = geo[n];
	if (!column_has_pre[g.hemisphere * num_columns + g.column])
		return;
	for (uint32_t r = 0; r < num_rows; ++r) {
		uint32_t const idx = (g.hemisphere * num_rows + r) * num_columns + g.column;
		if (last_pre[idx] > -inf)
			causal[idx] += corr_amp_of(idx) * std::exp(-(t_us - last_pre[idx]) / corr_tau_of(idx));
	}
}

double ChipCore::Impl::line_value(uint32_t line) const
{
	// shorted outputs of every neuron on the line: their mean
	auto const& ns = line_neurons[line];
	if (ns.empty())
		return 0.0;
	double sum = 0.0;
	for (size_t j = 0; j < ns.size(); ++j) {
		uint32_t const n = ns[j];
		switch (line_source[line][j]) {
			case 0:
				sum += s.v[n];
				break;
			case 1:
				sum += k_syn_base + readout_scale_e[n] * s.ge()[n];
				break;
			case 2:
				sum += k_syn_base + readout_scale_i[n] * s.gi()[n];
				break;
			default:
				// the adaptation state rides on its reference (v_adapt_ref)
				sum += k[kernel::P_Ew][n] + k_ad_mv_na * s.w[n];
		}
	}
	return sum / double(ns.size());
}

void ChipCore::Impl::emit_samples(double limit, EventSink& sink)
{
	while (madc_on && madc_next < limit) {
		double const t = madc_next;
		uint32_t const channel =
		    madc_select_length ? (madc_initial ^ uint32_t((madc_count / madc_select_length) & 1))
		                       : madc_initial;
		uint32_t code;
		if (madc_dummy) {
			code = uint32_t(madc_count & 1023);
		} else {
			uint32_t const lines = mux_lines[channel & 1];
			double frac = have_step && last_step_end > last_step_t
			                  ? (t - last_step_t) / (last_step_end - last_step_t)
			                  : 0.0;
			frac = std::clamp(frac, 0.0, 1.0);
			double sum = 0.0;
			int count = 0;
			for (uint32_t l = 0; l < 2; ++l)
				if (lines & (1u << l)) {
					sum += line_jump[l] ? line_a[l] : line_a[l] + frac * (line_b[l] - line_a[l]);
					++count;
				}
			for (uint32_t p = 0; p < 2; ++p)
				if ((mux_debug[channel & 1] & (1u << p)) && !std::isnan(debug_mv[p])) {
					sum += debug_mv[p];
					++count;
				}
			if (count == 0) {
				code = 0;
			} else {
				double const mv = sum / count;
				double const x =
				    (mv - T_madc.c0) / T_madc.c1 * madc_gain + madc_offset;
				code = uint32_t(std::clamp(std::round(x), 0.0, 1023.0));
			}
		}
		sink.madc_sample(uint64_t(t), code, channel & 1);
		++madc_count;
		madc_next = t + madc_period_cycles;
		if (!madc_continuous && --madc_left == 0)
			madc_on = false;
	}
}

void ChipCore::Impl::emit_background(uint64_t from, uint64_t to, EventSink& sink)
{
	(void) from;
	for (uint32_t i = 0; i < 8; ++i) {
		Background& b_ = bg[i];
		while (b_.on && b_.next < double(to)) {
			uint32_t label = b_.label;
			if (b_.mask)
				label = (label & ~b_.mask) | (uint32_t(b_.rng.next() >> 32) & b_.mask);
			sink.background_spike(uint64_t(b_.next), i, label & 0x3fff);
			b_.next += b_.period;
			if (b_.random && b_.p < 1.0) {
				double const u = b_.rng.uniform();
				b_.next += std::floor(std::log(u) / std::log1p(-b_.p)) * b_.period;
			}
		}
	}
}

bool ChipCore::Impl::step(uint64_t from, EventSink& sink)
{
	double const t = t_next();
	// events that arrived up to the start of this step act on it
	while (!pending.empty() && double(pending.front().cycle) <= t) {
		apply_event(pending.front());
		pending.pop_front();
	}
	for (uint32_t l = 0; l < 2; ++l)
		line_a[l] = line_value(l);

	bool const noise = setup.noise > 0.0;
	if (noise) {
		double const sq = setup.noise / std::sqrt(dt);
		for (uint32_t n = 0; n < num_neurons; ++n)
			iext[n] = C[n] * sq * noise_rng.normal();
	}
	bool any;
	if (!mc_active) {
		kernel::StepArgs a;
		a.n = num_neurons;
		a.k = &k;
		a.s = &s;
		a.iext = noise ? iext.data() : nullptr;
		a.spiked = spiked.data();
		a.exponential = any_exp;
		any = kernel::step(a);
	} else {
		// coupling currents from the values at the start of the step
		if (!noise)
			std::fill(iext.begin(), iext.end(), 0.0);
		std::copy(s.v.begin(), s.v.begin() + num_neurons, v_start.begin());
		std::fill(alg_num.begin(), alg_num.end(), 0.0);
		std::fill(alg_den.begin(), alg_den.end(), 0.0);
		for (Edge const& e : edges)
			if (e.other < 0) {
				alg_num[e.algebraic] += e.g * v_start[e.circuit];
				alg_den[e.algebraic] += e.g;
			}
		for (size_t j = 0; j < alg_v.size(); ++j)
			alg_v[j] = alg_den[j] > 0 ? alg_num[j] / alg_den[j] : 0.0;
		for (Edge const& e : edges) {
			double const vs = e.other >= 0 ? v_start[uint32_t(e.other)] : alg_v[e.algebraic];
			double const i = e.g * (vs - v_start[e.circuit]);
			iext[e.circuit] += i;
			if (e.other >= 0)
				iext[uint32_t(e.other)] -= i;
		}
		kernel::StepArgs a;
		a.n = num_neurons;
		a.k = &kmc;
		a.s = &s;
		a.iext = iext.data();
		a.spiked = spiked.data();
		a.exponential = any_exp;
		kernel::step(a); // no thresholds, no clamping: done per node below
		// clamped circuits hold their node; merged nodes share one membrane
		for (uint32_t n = 0; n < num_neurons; ++n)
			if (node_of[n] < 0 && s.refc[n] > H[n])
				s.v[n] = v_start[n];
		for (Node const& node : nodes) {
			double vn = 0.0;
			bool clamped = false;
			for (uint32_t n : node.members) {
				clamped |= s.refc[n] > H[n];
				vn += C[n] * s.v[n];
			}
			vn = clamped ? v_start[node.members[0]] : vn / node.C;
			for (uint32_t n : node.members)
				s.v[n] = vn;
		}
		any = false;
		for (uint32_t n = 0; n < num_neurons; ++n) {
			spiked[n] = 0;
			if (s.refc[n] <= 0.0 && s.v[n] >= Vth[n]) {
				spiked[n] = -1;
				any = true;
				double const vr = Vreset[n];
				if (node_of[n] >= 0)
					for (uint32_t m_ : nodes[size_t(node_of[n])].members)
						s.v[m_] = vr;
				else
					s.v[n] = vr;
				s.w[n] += b[n];
				s.refc[n] = R[n];
			}
		}
	}
	// bypass: an input event makes the neuron fire (unless refractory)
	for (uint32_t n : forced) {
		force[n] = 0;
		if (!spiked[n] && s.refc[n] <= 0.0) {
			spiked[n] = -1;
			any = true;
			s.v[n] = Vreset[n];
			s.w[n] += b[n];
			s.refc[n] = R[n];
		}
	}
	forced.clear();

	uint64_t const cycle = std::max<uint64_t>(from, uint64_t(t));
	if (any) {
		double const t_us = t * cycle_us;
		for (uint32_t n = 0; n < num_neurons; ++n)
			if (spiked[n]) {
				sink.neuron_spike(cycle, n);
				post_spike(n, t_us);
			}
	}
	for (uint32_t l = 0; l < 2; ++l) {
		line_b[l] = line_value(l);
		line_jump[l] = false;
	}
	if (any)
		for (uint32_t l = 0; l < 2; ++l)
			for (uint32_t n : line_neurons[l])
				if (spiked[n])
					line_jump[l] = true;
	++steps;
	last_step_t = t;
	last_step_end = t_next();
	have_step = true;
	return any;
}

// --- ChipCore -------------------------------------------------------------------------------

ChipCore::ChipCore(ChipSetup setup) : m(std::make_unique<Impl>(std::move(setup)))
{
	m_dt = m->dt;
	m_max_step = std::max<uint64_t>(1, uint64_t(std::floor(m->dt_cycles)));
}

ChipCore::~ChipCore() = default;

void ChipCore::reset(uint64_t cycle, ConfigView const& config)
{
	m_view = &config;
	m->quiescent = false;
	m->since_check = 0;
	m->compare_next = false;
	if (!m->resolved)
		m->resolve(config.map());
	for (auto* w : {&m->w_neurons, &m->w_synapses, &m->w_drivers, &m->w_background,
	                &m->w_readout, &m->w_corr})
		w->invalidate();
	for (auto& b_ : m->bg)
		std::fill(std::begin(b_.words), std::end(b_.words), ~0u);
	m->weight_words.clear();
	m->refresh(config, cycle);
	m->reset_state();
	m->t0 = double(cycle);
	m->steps = 0;
}

uint64_t ChipCore::max_step() const
{
	if (m->quiescent && m_view && m->pending.empty() && !m->config_changed(*m_view))
		return 0;
	return m_max_step;
}

void ChipCore::advance(uint64_t from, uint64_t to, ConfigView const& config, EventSink& sink)
{
	Impl& x = *m;
	x.refresh(config, from);
	if (x.quiescent && x.eligible()) {
		// at rest: every step would repeat the last one exactly
		double const n = std::ceil((double(to) - x.t0) / x.dt_cycles);
		if (n > double(x.steps))
			x.steps = uint64_t(n);
		while (x.t_next() < double(to))
			++x.steps;
		return;
	}
	x.quiescent = false;
	x.emit_background(from, to, sink);
	x.emit_samples(std::min(x.t_next(), double(to)), sink);
	size_t const nbytes = num_neurons * sizeof(double);
	while (x.t_next() < double(to)) {
		bool const check = x.compare_next;
		if (check) {
			x.snap.resize(5 * num_neurons);
			std::memcpy(&x.snap[0], x.s.v.data(), nbytes);
			std::memcpy(&x.snap[num_neurons], x.s.w.data(), nbytes);
			std::memcpy(&x.snap[2 * num_neurons], x.s.ge(), nbytes);
			std::memcpy(&x.snap[3 * num_neurons], x.s.gi(), nbytes);
			std::memcpy(&x.snap[4 * num_neurons], x.s.refc.data(), nbytes);
			x.compare_next = false;
		}
		bool const spikes = x.step(from, sink);
		x.emit_samples(std::min(x.t_next(), double(to)), sink);
		if (check && !spikes && x.eligible() &&
		    std::memcmp(&x.snap[0], x.s.v.data(), nbytes) == 0 &&
		    std::memcmp(&x.snap[num_neurons], x.s.w.data(), nbytes) == 0 &&
		    std::memcmp(&x.snap[2 * num_neurons], x.s.ge(), nbytes) == 0 &&
		    std::memcmp(&x.snap[3 * num_neurons], x.s.gi(), nbytes) == 0 &&
		    std::memcmp(&x.snap[4 * num_neurons], x.s.refc.data(), nbytes) == 0) {
			x.quiescent = true;
			// the rest of this chunk is more of the same
			while (x.t_next() < double(to))
				++x.steps;
			return;
		}
		if (x.eligible() && ++x.since_check >= 64) {
			x.since_check = 0;
			x.compare_next = true;
		}
	}
}

void ChipCore::on_time_origin(uint64_t cycle)
{
	// Move the step grid back by less than one step so that a step boundary
	// falls on `cycle`: the state (and the last step, which the MADC
	// interpolates over) is relabelled to a time up to one step earlier.
	// Before an experiment's origin nothing is recorded and the chip has
	// relaxed, so the shift is unobservable; after it, every input and sample
	// meets the grid at the same phase in every run.
	Impl& x = *m;
	double shift = std::fmod(x.t_next() - double(cycle), x.dt_cycles);
	if (shift < 0.0)
		shift += x.dt_cycles;
	x.t0 -= shift;
	x.last_step_t -= shift;
	x.last_step_end -= shift;
}

void ChipCore::on_padi_event(uint64_t cycle, uint32_t hemisphere, uint32_t bus, uint32_t label)
{
	if (hemisphere > 1 || bus > 3)
		return;
	m->pending.push_back({cycle, hemisphere, bus, label});
	m->quiescent = false;
}

void ChipCore::on_trigger(
    uint64_t cycle,
    RegisterId reg,
    uint32_t instance,
    uint32_t /*word*/,
    uint32_t /*data*/,
    ConfigView const& v)
{
	Impl& x = *m;
	x.refresh(v, cycle);
	x.quiescent = false;
	if (reg == x.r_neuron_reset) {
		uint32_t const n = uint32_t(x.setup.neuron_reset_atomic.at(instance));
		x.s.v[n] = x.Vreset[n];
	} else if (reg == x.r_neuron_reset_quad) {
		for (uint32_t e = 0; e < 4; ++e) {
			uint32_t const n = uint32_t(x.setup.neuron_reset_quad.at(instance * 4 + e));
			x.s.v[n] = x.Vreset[n];
		}
	} else if (reg == x.r_padi_event) {
		uint32_t const label = uint32_t((v.get(x.f.padi_row_select, instance) << 6) |
		                                v.get(x.f.padi_address, instance));
		for (uint32_t bus = 0; bus < 4; ++bus)
			if (v.get(x.f.padi_fire, instance, bus))
				x.pending.push_back({cycle, instance, bus, label});
	} else if (reg == x.r_madc_control) {
		if (v.get(x.f.mc_stop, 0))
			x.madc_on = false;
		if (v.get(x.f.mc_start, 0)) {
			x.madc_on = true;
			x.madc_continuous = v.get(x.f.mc_continuous, 0) != 0;
			x.madc_left = uint64_t(v.get(x.f.madc_samples, 0));
			if (!x.madc_continuous && x.madc_left == 0)
				x.madc_on = false;
			x.madc_next = double(cycle) + x.madc_period_cycles;
			x.madc_count = 0;
		}
	} else if (reg == x.r_correlation_reset) {
		int64_t const* st = x.setup.synapse_quad_strides.data();
		uint32_t const h = uint32_t(instance / st[0]);
		uint32_t const r = uint32_t((instance % st[0]) / st[1]);
		uint32_t const q = uint32_t((instance % st[1]) / st[2]);
		for (uint32_t e = 0; e < 4; ++e) {
			uint32_t const col = uint32_t(x.setup.quad_columns[q * 4 + e]);
			uint32_t const idx = (h * num_rows + r) * num_columns + col;
			if (!x.causal.empty())
				x.causal[idx] = x.acausal[idx] = 0.0;
		}
	} else if (reg == x.r_post_pulse) {
		double const t_us = double(cycle) * cycle_us;
		for (uint32_t n = 0; n < num_neurons; ++n)
			if (x.geo[n].common_backend == instance)
				x.post_spike(n, t_us);
	}
}

uint32_t ChipCore::read_only_word(
    uint64_t cycle,
    RegisterId reg,
    uint32_t instance,
    uint32_t /*word*/,
    uint32_t stored,
    ConfigView const& v)
{
	Impl& x = *m;
	if (reg != x.r_cadc_sample)
		return stored;
	x.refresh(v, cycle);
	int64_t const* st = x.setup.cadc_sample_strides.data(); // synram, readout, channel, row, quad
	uint32_t const h = uint32_t(instance / st[0]);
	uint32_t const ct = uint32_t((instance % st[1]) / st[2]);
	uint32_t const r = uint32_t((instance % st[2]) / st[3]);
	uint32_t const q = uint32_t((instance % st[3]) / st[4]);
	if (!v.get(x.f.cadc_enable, h))
		return 0;
	int64_t const* cs = x.setup.cadc_channel_strides.data(); // synram, channel, column
	uint32_t word = 0;
	for (uint32_t e = 0; e < 4; ++e) {
		uint32_t const col = uint32_t(x.setup.quad_columns[q * 4 + e]);
		uint32_t const ch = uint32_t(h * cs[0] + ct * cs[1] + col * cs[2]);
		uint32_t const mm = (h * 2 + ct) * num_columns + col;
		double code;
		if (x.corr_neuron_readout[ct][h * num_columns + col]) {
			double const mv = x.s.v[x.neuron_at[h][col]];
			code = (mv - x.T_cadc.c0) / x.T_cadc.c1 * x.cadc_gain[mm] + x.cadc_offset[mm];
		} else {
			uint32_t const idx = (h * num_rows + r) * num_columns + col;
			double const acc = x.causal.empty() ? 0.0 : ct == 0 ? x.causal[idx] : x.acausal[idx];
			code = (x.k_corr_reset - acc) * x.cadc_gain[mm] + x.cadc_offset[mm];
		}
		code += double(v.get(x.f.cadc_offset, ch));
		uint32_t const c = uint32_t(std::clamp(std::round(code), 0.0, 255.0));
		word = x.cadc_samples_ref.put(word, c, e);
	}
	return word;
}

std::unordered_map<std::string, std::vector<double>> ChipCore::inspect(ConfigView const& v)
{
	Impl& x = *m;
	x.refresh(v, uint64_t(x.t_next()));
	std::unordered_map<std::string, std::vector<double>> out;
	auto put = [&](char const* name, auto get) {
		std::vector<double> a(num_neurons);
		for (uint32_t n = 0; n < num_neurons; ++n)
			a[n] = get(n);
		out[name] = std::move(a);
	};
	using kernel::Param;
	put("C", [&](uint32_t n) { return x.C[n]; });
	put("g_leak", [&](uint32_t n) { return x.k[kernel::P_gL][n]; });
	put("E_leak", [&](uint32_t n) { return x.EL[n]; });
	put("I_offset", [&](uint32_t n) { return x.k[kernel::P_c0][n] - x.k[kernel::P_gL][n] * x.EL[n]; });
	put("V_threshold", [&](uint32_t n) { return x.Vth[n]; });
	put("V_reset", [&](uint32_t n) { return x.Vreset[n]; });
	put("V_T", [&](uint32_t n) { return x.k[kernel::P_VT][n]; });
	put("delta_T", [&](uint32_t n) { return 1.0 / x.k[kernel::P_invDT][n]; });
	put("I_T", [&](uint32_t n) { return x.k[kernel::P_expc][n]; });
	put("a", [&](uint32_t n) { return x.k[kernel::P_a][n]; });
	put("b", [&](uint32_t n) { return x.b[n]; });
	put("tau_w", [&](uint32_t n) {
		double const kw = x.k[kernel::P_kw][n];
		return kw > 0 ? x.dt / kw : inf;
	});
	put("E_w", [&](uint32_t n) { return x.k[kernel::P_Ew][n]; });
	put("E_exc", [&](uint32_t n) { return x.k[kernel::P_Ee][n]; });
	put("E_inh", [&](uint32_t n) { return x.k[kernel::P_Ei][n]; });
	put("tau_exc", [&](uint32_t n) { return x.dt / (1.0 - x.k[kernel::P_de][n]); });
	put("tau_inh", [&](uint32_t n) { return x.dt / (1.0 - x.k[kernel::P_di][n]); });
	put("coba_exc", [&](uint32_t n) { return x.k[kernel::P_cfe][n]; });
	put("coba_inh", [&](uint32_t n) { return x.k[kernel::P_cfi][n]; });
	put("gain_exc", [&](uint32_t n) { return x.gain_e[n]; });
	put("gain_inh", [&](uint32_t n) { return x.gain_i[n]; });
	put("t_ref", [&](uint32_t n) { return x.R[n] * x.dt; });
	put("t_holdoff", [&](uint32_t n) { return x.H[n] * x.dt; });
	put("v", [&](uint32_t n) { return x.s.v[n]; });
	put("w", [&](uint32_t n) { return x.s.w[n]; });
	put("g_exc", [&](uint32_t n) { return x.s.ge()[n]; });
	put("g_inh", [&](uint32_t n) { return x.s.gi()[n]; });
	put("refractory_steps", [&](uint32_t n) { return x.s.refc[n]; });
	put("node", [&](uint32_t n) { return double(x.node_of[n]); });
	return out;
}

} // namespace hxsim
