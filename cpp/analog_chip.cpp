#include "analog_chip.h"

#include "chip_impl.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hxsim {

using namespace chip;

// --- tables, geometry, watches ----------------------------------------------------------------

namespace chip {

Transfer Tables::transfer(std::string const& name, size_t instances) const
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

double Tables::constant(std::string const& name) const
{
	auto it = setup.constants.find(name);
	if (it == setup.constants.end())
		fail("missing constant '" + name + "'");
	return it->second;
}

std::vector<double> Tables::mismatch(char const* name, size_t n) const
{
	auto it = setup.mismatch.find(name);
	if (it == setup.mismatch.end() || it->second.size() != n)
		fail(std::string("mismatch array '") + name + "' missing or of wrong size");
	return it->second;
}

Watch::Watch(RegisterMap const& map, std::initializer_list<char const*> names)
{
	for (char const* n : names)
		regs.push_back(map.register_id(n));
	seen.assign(regs.size(), ~uint64_t(0));
}

bool Watch::changed(ConfigView const& v)
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

bool Watch::changed_peek(ConfigView const& v) const
{
	for (size_t i = 0; i < regs.size(); ++i)
		if (v.version(regs[i]) != seen[i])
			return true;
	return false;
}

void Watch::invalidate()
{
	for (auto& s : seen)
		s = ~uint64_t(0);
}

Geometry::Geometry(ChipSetup const& setup)
{
	capmem_rows = uint32_t(setup.capmem_cells.size() / num_neurons);
	if (setup.neuron_columns < 11 || setup.neurons.size() != num_neurons * setup.neuron_columns)
		fail("neuron table must have 512 rows of >= 11 columns");
	if (capmem_rows == 0 || setup.capmem_cells.size() != num_neurons * capmem_rows ||
	    setup.dac_cells.size() != 4 || setup.ramp_cells.size() != 4 ||
	    setup.store_cells.size() != 4 || setup.quad_columns.size() != 256 ||
	    setup.synapse_quad_strides.size() != 3 || setup.column_quad_strides.size() != 2 ||
	    setup.cadc_sample_strides.size() != 5 || setup.cadc_channel_strides.size() != 3 ||
	    setup.drivers.size() != num_drivers * 6 ||
	    setup.neuron_reset_atomic.size() != num_neurons || setup.neuron_reset_quad.size() != 512)
		fail("geometry tables have unexpected sizes");
	neurons.resize(num_neurons);
	for (uint32_t n = 0; n < num_neurons; ++n) {
		int64_t const* r = &setup.neurons[n * setup.neuron_columns];
		Neuron& g = neurons[n];
		g = {uint32_t(r[0]), uint32_t(r[1]), uint32_t(r[2]), uint32_t(r[3]),
		     uint32_t(r[4]), uint32_t(r[5]), uint32_t(r[6]), uint32_t(r[7]),
		     uint32_t(r[8]), uint32_t(r[9]), uint32_t(r[10])};
		if (g.hemisphere > 1 || g.column >= num_columns || g.block > 3 || g.entry > 3 || g.line > 1)
			fail("neuron table out of range");
		neuron_at[g.hemisphere][g.column] = n;
	}
	cells = setup.capmem_cells;
	dac_cells = setup.dac_cells;
	ramp_cells = setup.ramp_cells;
	store_cells = setup.store_cells;
	for (uint32_t q = 0; q < 64; ++q)
		for (uint32_t e = 0; e < 4; ++e) {
			int64_t const col = setup.quad_columns[q * 4 + e];
			if (col < 0 || col >= int64_t(num_columns))
				fail("quad column table out of range");
			col_quad[col] = q;
			col_entry[col] = e;
		}
	for (int i = 0; i < 3; ++i)
		synapse_quad_strides[i] = setup.synapse_quad_strides[size_t(i)];
	drivers.resize(num_drivers);
	for (uint32_t d = 0; d < num_drivers; ++d) {
		int64_t const* r = &setup.drivers[d * 6];
		drivers[d] = {uint32_t(r[0]), uint32_t(r[1]), uint32_t(r[2]),
		              uint32_t(r[3]), uint32_t(r[4]), uint32_t(r[5])};
		if (drivers[d].hemisphere > 1 || drivers[d].bus > 3 || drivers[d].index > 31 ||
		    drivers[d].row_top >= num_rows || drivers[d].row_bottom >= num_rows)
			fail("driver table out of range");
		bus_drivers[drivers[d].hemisphere][drivers[d].bus].push_back(d);
	}
}

} // namespace chip

// --- the core ---------------------------------------------------------------------------------

struct ChipCore::Impl
{
	ChipSetup setup;
	double dt;        // us
	double dt_cycles; // FPGA cycles per step
	Tables tables{setup};
	Geometry geo;

	// the subsystems, each decoding its group of registers
	NeuronConfigFields nc;
	Neurons neurons;
	Multicomp mc;
	Synapses synapses;
	Correlation corr;
	Drivers drivers;
	Readout readout;
	Backgrounds backgrounds;
	CorrelationLog corr_log{corr, geo, synapses}; // after what it uses: stops first
	Watch w_neurons, w_synapses, w_corr_calib, w_drivers, w_background, w_readout, w_corr;

	// CADC: membrane or correlation readout on demand
	Transfer T_cadc;
	std::vector<double> cadc_gain, cadc_offset;
	FieldId cadc_enable, cadc_offset_field;
	FieldRef cadc_samples_ref;

	bool resolved = false;
	RegisterId r_neuron_reset, r_neuron_reset_quad, r_correlation_reset, r_post_pulse, r_padi_event,
	    r_madc_control, r_cadc_sample;
	FieldId padi_fire, padi_address, padi_row_select;

	// noise
	Rng noise_rng;

	// rest detection (see ChipCore::max_step)
	bool quiescent = false;
	uint32_t since_check = 0;
	bool compare_next = false;
	kernel::avector<double> snap;
	bool eligible() const
	{
		return drivers.pending.empty() && !readout.madc_on && !(setup.noise > 0.0) &&
		       neurons.forced.empty() && !backgrounds.any_on();
	}
	uint64_t writes_seen = ~uint64_t(0); // ConfigView::writes() at the last refresh
	bool config_changed(ConfigView const& v) const
	{
		if (v.writes() == writes_seen)
			return false;
		for (Watch const* w :
		     {&w_neurons, &w_synapses, &w_corr_calib, &w_drivers, &w_background, &w_readout,
		      &w_corr})
			if (w->changed_peek(v))
				return true;
		return false;
	}

	// time
	double t0 = 0.0;    // cycle of step 0
	uint64_t steps = 0; // steps done since t0
	double t_next() const { return t0 + double(steps) * dt_cycles; }

	explicit Impl(ChipSetup su);
	void resolve(RegisterMap const& map);
	bool refresh(ConfigView const& v, uint64_t now);
	void reset_state();
	bool step(uint64_t from, EventSink& sink);
	void post_spike(uint32_t n, double t_us) { corr_log.post(t_us, n); }
};

namespace {

double checked_dt(double dt)
{
	if (!(dt > 0.0) || !std::isfinite(dt))
		fail("dt must be a positive number of us");
	return dt;
}

} // namespace

ChipCore::Impl::Impl(ChipSetup su) :
    setup(std::move(su)),
    dt(checked_dt(setup.dt_us)),
    dt_cycles(dt / cycle_us),
    geo(setup),
    neurons(tables, geo, dt),
    mc(tables),
    synapses(tables),
    corr(tables),
    drivers(tables),
    readout(tables),
    backgrounds(tables)
{
	corr.syn = &synapses;
	T_cadc = tables.transfer("cadc", 1);
	cadc_gain = tables.mismatch("cadc_gain", 2 * 2 * num_columns);
	cadc_offset = tables.mismatch("cadc_offset", 2 * 2 * num_columns);
	noise_rng.seed(setup.noise_seed ^ 0x6e6f697365ull);
}

void ChipCore::Impl::resolve(RegisterMap const& map)
{
	nc.resolve(map);
	neurons.resolve(map);
	synapses.resolve(map);
	corr.resolve(map);
	drivers.resolve(map);
	readout.resolve(map, nc, setup);
	backgrounds.resolve(map);
	auto F = [&](char const* name) { return map.field_id(name); };
	padi_fire = F("PADIEvent.fire_bus");
	padi_address = F("PADIEvent.event_address");
	padi_row_select = F("PADIEvent.row_select_address");
	cadc_enable = F("CADCConfig.enable");
	cadc_offset_field = F("CADCChannelConfig.offset");
	FieldId const cadc_samples = F("CADCSampleQuad.samples");
	if (map.field(cadc_samples).count != 4)
		fail("quad registers must have 4 lanes (EntryOnQuad)");
	cadc_samples_ref = FieldRef(map, cadc_samples);
	r_neuron_reset = map.register_id("NeuronReset");
	r_neuron_reset_quad = map.register_id("NeuronResetQuad");
	r_correlation_reset = map.register_id("CorrelationReset");
	r_post_pulse = map.register_id("BlockPostPulse");
	r_padi_event = map.register_id("PADIEvent");
	r_madc_control = map.register_id("MADCControl");
	r_cadc_sample = map.register_id("CADCSampleQuad");

	w_neurons = Watch(
	    map, {"NeuronConfig", "NeuronBackendConfig", "CommonNeuronBackendConfig", "CapMemCell",
	          "CapMemBlockConfig", "ColumnCurrentQuad"});
	w_synapses = Watch(map, {"SynapseWeightQuad", "SynapseLabelQuad"});
	w_corr_calib = Watch(map, {"SynapseCorrelationCalibQuad"});
	w_drivers = Watch(map, {"SynapseDriverConfig", "CommonSTPConfig"});
	w_background = Watch(map, {"BackgroundSpikeSource"});
	w_readout =
	    readout.board
	        ? Watch(
	              map, {"NeuronConfig", "ReadoutSourceSelection", "MADCConfig",
	                    "PadMultiplexerConfig", "ShiftRegister", "DACChannel", "DACControl"})
	        : Watch(map, {"NeuronConfig", "ReadoutSourceSelection", "MADCConfig"});
	w_corr = Watch(map, {"ColumnCorrelationQuad"});
	resolved = true;
}

// --- configuration decode ----------------------------------------------------------------------

bool ChipCore::Impl::refresh(ConfigView const& v, uint64_t now)
{
	// nothing written since the last look: nothing to decode (the common case, once per step)
	if (v.writes() == writes_seen)
		return false;
	writes_seen = v.writes();
	bool any = false;
	if (w_neurons.changed(v)) {
		NeuronConfigTable ncf;
		ncf.read(v, nc);
		neurons.decode(v, geo, ncf);
		mc.decode(v, geo, ncf, neurons);
		std::array<double, 8> const b = corr.biases(v, geo);
		if (b != corr.block_tau_amp) {
			corr_log.sync(); // the worker reads the kernels
			corr.block_tau_amp = b;
			corr.kernel_stale = true;
		}
		any = true;
		drivers.invalidate_compiled();
	}
	if (w_synapses.changed(v)) {
		// the correlation worker reads the rows' structure: it is idle before that changes
		bool restructured = false;
		synapses.decode(v, geo, [this, &restructured] {
			corr_log.sync();
			restructured = true;
		});
		if (restructured)
			corr.reorder();
		any = true;
		drivers.invalidate_compiled(); // the compiled events carry the weights
	}
	if (w_corr_calib.changed(v)) {
		corr_log.sync(); // the worker reads the calibration
		corr.decode_calib(v);
		any = true;
	}
	if (w_drivers.changed(v)) {
		drivers.decode(v, geo);
		any = true;
		drivers.invalidate_compiled();
	}
	if (w_background.changed(v)) {
		backgrounds.decode(v, now);
		any = true;
	}
	if (w_readout.changed(v)) {
		readout.decode(v, geo, neurons, setup);
		any = true;
	}
	if (w_corr.changed(v)) {
		corr.decode(v, geo);
		any = true;
	}
	if (any)
		quiescent = false;
	return any;
}

// --- dynamics --------------------------------------------------------------------------------

void ChipCore::Impl::reset_state()
{
	corr_log.sync();
	// the row lists start afresh with the events that name them
	drivers.invalidate_compiled();
	corr_log.clear_lists();
	neurons.reset_state();
	corr.reset_state();
	drivers.reset_state();
	readout.reset_state();
}

bool ChipCore::Impl::step(uint64_t from, EventSink& sink)
{
	double const t = t_next();
	// events that arrived up to the start of this step act on it
	while (!drivers.pending.empty() && double(drivers.pending.front().cycle) <= t) {
		drivers.deliver(drivers.pending.front(), geo, synapses, corr_log, neurons);
		drivers.pending.pop_front();
	}
	for (uint32_t l = 0; l < 2; ++l)
		readout.line_a[l] = readout.line_value(l, neurons);

	bool const noise = setup.noise > 0.0;
	if (noise) {
		double const sq = setup.noise / std::sqrt(dt);
		for (uint32_t n = 0; n < num_neurons; ++n)
			neurons.iext[n] = neurons.C[n] * sq * noise_rng.normal();
	}
	bool any;
	if (!mc.active) {
		kernel::StepArgs a;
		a.n = num_neurons;
		a.k = &neurons.k;
		a.s = &neurons.s;
		a.iext = noise ? neurons.iext.data() : nullptr;
		a.spiked = neurons.spiked.data();
		a.exponential = neurons.any_exp;
		any = kernel::step(a);
	} else {
		any = mc.step(neurons, noise);
	}
	// bypass: an input event makes the neuron fire (unless refractory)
	any |= neurons.fire_forced();

	uint64_t const cycle = std::max<uint64_t>(from, uint64_t(t));
	std::vector<int64_t> const& spiked = neurons.spiked;
	if (any) {
		double const t_us = t * cycle_us;
		// a few neurons spike in a step: skip the quiet blocks of 8 at once
		for (uint32_t b = 0; b < num_neurons; b += 8) {
			int64_t const* const sp = &spiked[b];
			if ((sp[0] | sp[1] | sp[2] | sp[3] | sp[4] | sp[5] | sp[6] | sp[7]) == 0)
				continue;
			for (uint32_t n = b; n < b + 8; ++n)
				if (spiked[n]) {
					sink.neuron_spike(cycle, n);
					post_spike(n, t_us);
				}
		}
	}
	for (uint32_t l = 0; l < 2; ++l) {
		readout.line_b[l] = readout.line_value(l, neurons);
		readout.line_jump[l] = false;
	}
	if (any)
		for (uint32_t l = 0; l < 2; ++l)
			for (uint32_t n : readout.line_neurons[l])
				if (spiked[n])
					readout.line_jump[l] = true;
	++steps;
	readout.last_step_t = t;
	readout.last_step_end = t_next();
	readout.have_step = true;
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
	for (auto* w :
	     {&m->w_neurons, &m->w_synapses, &m->w_corr_calib, &m->w_drivers, &m->w_background,
	      &m->w_readout, &m->w_corr})
		w->invalidate();
	m->writes_seen = ~uint64_t(0);
	m->backgrounds.invalidate();
	m->synapses.weight_words.clear();
	m->refresh(config, cycle);
	m->reset_state();
	m->t0 = double(cycle);
	m->steps = 0;
}

uint64_t ChipCore::max_step() const
{
	if (m->quiescent && m_view && m->drivers.pending.empty() && !m->config_changed(*m_view))
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
	x.backgrounds.emit(to, sink);
	x.readout.emit_samples(std::min(x.t_next(), double(to)), sink);
	size_t const nbytes = num_neurons * sizeof(double);
	while (x.t_next() < double(to)) {
		bool const check = x.compare_next;
		if (check) {
			x.snap.resize(5 * num_neurons);
			std::memcpy(&x.snap[0], x.neurons.s.v.data(), nbytes);
			std::memcpy(&x.snap[num_neurons], x.neurons.s.w.data(), nbytes);
			std::memcpy(&x.snap[2 * num_neurons], x.neurons.s.ge(), nbytes);
			std::memcpy(&x.snap[3 * num_neurons], x.neurons.s.gi(), nbytes);
			std::memcpy(&x.snap[4 * num_neurons], x.neurons.s.refc.data(), nbytes);
			x.compare_next = false;
		}
		bool const spikes = x.step(from, sink);
		x.readout.emit_samples(std::min(x.t_next(), double(to)), sink);
		if (check && !spikes && x.eligible() &&
		    std::memcmp(&x.snap[0], x.neurons.s.v.data(), nbytes) == 0 &&
		    std::memcmp(&x.snap[num_neurons], x.neurons.s.w.data(), nbytes) == 0 &&
		    std::memcmp(&x.snap[2 * num_neurons], x.neurons.s.ge(), nbytes) == 0 &&
		    std::memcmp(&x.snap[3 * num_neurons], x.neurons.s.gi(), nbytes) == 0 &&
		    std::memcmp(&x.snap[4 * num_neurons], x.neurons.s.refc.data(), nbytes) == 0) {
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
	x.readout.last_step_t -= shift;
	x.readout.last_step_end -= shift;
}

void ChipCore::on_padi_event(uint64_t cycle, uint32_t hemisphere, uint32_t bus, uint32_t label)
{
	if (hemisphere > 1 || bus > 3)
		return;
	m->drivers.pending.push_back({cycle, hemisphere, bus, label});
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
		x.neurons.s.v[n] = x.neurons.Vreset[n];
	} else if (reg == x.r_neuron_reset_quad) {
		for (uint32_t e = 0; e < 4; ++e) {
			uint32_t const n = uint32_t(x.setup.neuron_reset_quad.at(instance * 4 + e));
			x.neurons.s.v[n] = x.neurons.Vreset[n];
		}
	} else if (reg == x.r_padi_event) {
		uint32_t const label =
		    uint32_t((v.get(x.padi_row_select, instance) << 6) | v.get(x.padi_address, instance));
		for (uint32_t bus = 0; bus < 4; ++bus)
			if (v.get(x.padi_fire, instance, bus))
				x.drivers.pending.push_back({cycle, instance, bus, label});
	} else if (reg == x.r_madc_control) {
		x.readout.control(cycle, v);
	} else if (reg == x.r_correlation_reset) {
		x.corr_log.sync();
		x.corr.reset_quad(x.setup, instance);
	} else if (reg == x.r_post_pulse) {
		double const t_us = double(cycle) * cycle_us;
		for (uint32_t n = 0; n < num_neurons; ++n)
			if (x.geo.neurons[n].common_backend == instance)
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
	if (!v.get(x.cadc_enable, h))
		return 0;
	int64_t const* cs = x.setup.cadc_channel_strides.data(); // synram, channel, column
	uint32_t word = 0;
	for (uint32_t e = 0; e < 4; ++e) {
		uint32_t const col = uint32_t(x.setup.quad_columns[q * 4 + e]);
		uint32_t const ch = uint32_t(h * cs[0] + ct * cs[1] + col * cs[2]);
		uint32_t const mm = (h * 2 + ct) * num_columns + col;
		double code;
		if (x.corr.neuron_readout[ct][h * num_columns + col]) {
			double const mv = x.neurons.s.v[x.geo.neuron_at[h][col]];
			code = (mv - x.T_cadc.c0) / x.T_cadc.c1 * x.cadc_gain[mm] + x.cadc_offset[mm];
		} else {
			x.corr_log.sync();
			double const acc = x.corr.accumulated(h, r, col, ct);
			code = (x.corr.k_corr_reset - acc) * x.cadc_gain[mm] + x.cadc_offset[mm];
		}
		code += double(v.get(x.cadc_offset_field, ch));
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
	put("C", [&](uint32_t n) { return x.neurons.C[n]; });
	put("g_leak", [&](uint32_t n) { return x.neurons.k[kernel::P_gL][n]; });
	put("E_leak", [&](uint32_t n) { return x.neurons.EL[n]; });
	put("I_offset", [&](uint32_t n) {
		return x.neurons.k[kernel::P_c0][n] - x.neurons.k[kernel::P_gL][n] * x.neurons.EL[n];
	});
	put("V_threshold", [&](uint32_t n) { return x.neurons.Vth[n]; });
	put("V_reset", [&](uint32_t n) { return x.neurons.Vreset[n]; });
	put("V_T", [&](uint32_t n) { return x.neurons.k[kernel::P_VT][n]; });
	put("delta_T", [&](uint32_t n) { return 1.0 / x.neurons.k[kernel::P_invDT][n]; });
	put("I_T", [&](uint32_t n) { return x.neurons.k[kernel::P_expc][n]; });
	put("a", [&](uint32_t n) { return x.neurons.k[kernel::P_a][n]; });
	put("b", [&](uint32_t n) { return x.neurons.b[n]; });
	put("tau_w", [&](uint32_t n) {
		double const kw = x.neurons.k[kernel::P_kw][n];
		return kw > 0 ? x.dt / kw : inf;
	});
	put("E_w", [&](uint32_t n) { return x.neurons.k[kernel::P_Ew][n]; });
	put("E_exc", [&](uint32_t n) { return x.neurons.k[kernel::P_Ee][n]; });
	put("E_inh", [&](uint32_t n) { return x.neurons.k[kernel::P_Ei][n]; });
	put("tau_exc", [&](uint32_t n) { return x.dt / (1.0 - x.neurons.k[kernel::P_de][n]); });
	put("tau_inh", [&](uint32_t n) { return x.dt / (1.0 - x.neurons.k[kernel::P_di][n]); });
	put("coba_exc", [&](uint32_t n) { return x.neurons.k[kernel::P_cfe][n]; });
	put("coba_inh", [&](uint32_t n) { return x.neurons.k[kernel::P_cfi][n]; });
	put("gain_exc", [&](uint32_t n) { return x.neurons.gain_e[n]; });
	put("gain_inh", [&](uint32_t n) { return x.neurons.gain_i[n]; });
	put("t_ref", [&](uint32_t n) { return x.neurons.R[n] * x.dt; });
	put("t_holdoff", [&](uint32_t n) { return x.neurons.H[n] * x.dt; });
	put("v", [&](uint32_t n) { return x.neurons.s.v[n]; });
	put("w", [&](uint32_t n) { return x.neurons.s.w[n]; });
	put("g_exc", [&](uint32_t n) { return x.neurons.s.ge()[n]; });
	put("g_inh", [&](uint32_t n) { return x.neurons.s.gi()[n]; });
	put("refractory_steps", [&](uint32_t n) { return x.neurons.s.refc[n]; });
	put("node", [&](uint32_t n) { return double(x.mc.node_of[n]); });
	return out;
}

} // namespace hxsim
