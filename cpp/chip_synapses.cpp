// Synapse arrays, synapse drivers with STP, and correlation sensors of the
// analog core (chip_impl.h).
#include "chip_impl.h"

#include <algorithm>

namespace hxsim {
namespace chip {

// --- synapse arrays -------------------------------------------------------------------------

Synapses::Synapses(Tables const& t)
{
	syn_gain = t.mismatch("synapse_gain", 2 * num_rows * num_columns);
	rows.resize(2 * num_rows);
	for (Row& r : rows)
		std::fill(std::begin(r.offsets), std::end(r.offsets), 0);
}

void Synapses::resolve(RegisterMap const& map)
{
	weights = map.field_id("SynapseWeightQuad.values");
	labels = map.field_id("SynapseLabelQuad.values");
	if (map.field(weights).count != 4 || map.field(labels).count != 4)
		fail("quad registers must have 4 lanes (EntryOnQuad)");
}

void Synapses::decode(ConfigView const& v, Geometry const& geo)
{
	RegisterInfo const& wr = v.map().reg(v.map().field(weights).reg);
	uint32_t const nq = wr.size;
	std::vector<uint32_t> wwords(nq), lwords(nq);
	{
		uint32_t const* pw = v.words(v.map().field(weights).reg);
		uint32_t const* pl = v.words(v.map().field(labels).reg);
		uint32_t const stride_w = wr.words, stride_l = v.map().reg(v.map().field(labels).reg).words;
		for (uint32_t q = 0; q < nq; ++q) {
			wwords[q] = pw[q * stride_w];
			lwords[q] = pl[q * stride_l];
		}
	}
	bool const first = weight_words.size() != nq;
	int64_t const ss = geo.synapse_quad_strides[0], sr = geo.synapse_quad_strides[1],
	              sq = geo.synapse_quad_strides[2];
	FieldRef const W(v.map(), weights), L(v.map(), labels);
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
				uint32_t const i = uint32_t(h * ss + r * sr + geo.col_quad[col] * sq);
				uint32_t const e = geo.col_entry[col];
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
				row.syn[count[lab_of[col]]++] = {
				    uint16_t(col), uint16_t(geo.neuron_at[h][col]),
				    float(double(w_of[col]) * syn_gain[idx]), idx};
			}
		}
	weight_words = std::move(wwords);
	label_words = std::move(lwords);
}

// --- correlation sensors --------------------------------------------------------------------

Correlation::Correlation(Tables const& t)
{
	k_corr_tau = t.constant("correlation_tau_us");
	k_corr_lsb = t.constant("correlation_lsb_per_pair");
	k_corr_reset = t.constant("correlation_reset_code");
	k_corr_step = t.constant("correlation_calib_step");
	corr_gain = t.mismatch("correlation_gain", 2 * num_rows * num_columns);
	last_post.assign(num_neurons, 0.0);
	column_has_pre.assign(2 * num_columns, 0);
	for (auto& c : neuron_readout)
		c.assign(2 * num_columns, 0);
}

void Correlation::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	time_calibs = F("SynapseCorrelationCalibQuad.time_calibs");
	amp_calibs = F("SynapseCorrelationCalibQuad.amp_calibs");
	neuron_causal = F("ColumnCorrelationQuad.enable_cadc_neuron_readout_causal");
	neuron_acausal = F("ColumnCorrelationQuad.enable_cadc_neuron_readout_acausal");
	calib_time_ref = FieldRef(map, time_calibs);
	calib_amp_ref = FieldRef(map, amp_calibs);
	for (FieldRef const* r : {&calib_time_ref, &calib_amp_ref})
		for (FieldLane const& l : r->lanes)
			if (l.word != r->lanes[0].word)
				fail("correlation calibration lanes must share one word");
}

void Correlation::decode_calib(ConfigView const& v)
{
	// correlation calibration bits (decoded when used)
	RegisterId const reg = v.map().field(time_calibs).reg;
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

void Correlation::decode(ConfigView const& v, Geometry const& geo)
{
	std::vector<int64_t> nc(v.instances(neuron_causal) * 4), na(v.instances(neuron_acausal) * 4);
	v.get_all_lanes(neuron_causal, nc.data());
	v.get_all_lanes(neuron_acausal, na.data());
	for (uint32_t n = 0; n < num_neurons; ++n) {
		Geometry::Neuron const& g = geo.neurons[n];
		neuron_readout[0][g.hemisphere * num_columns + g.column] =
		    uint8_t(nc[g.corrq * 4 + g.entry]);
		neuron_readout[1][g.hemisphere * num_columns + g.column] =
		    uint8_t(na[g.corrq * 4 + g.entry]);
	}
}

void Correlation::reset_state()
{
	std::fill(last_post.begin(), last_post.end(), -inf);
	last_pre.clear();
	causal.clear();
	acausal.clear();
	std::fill(column_has_pre.begin(), column_has_pre.end(), 0);
}

void Correlation::alloc()
{
	if (!last_pre.empty())
		return;
	size_t const nsyn = 2 * num_rows * num_columns;
	last_pre.assign(nsyn, -inf);
	causal.assign(nsyn, 0.0);
	acausal.assign(nsyn, 0.0);
}

double Correlation::tau_of(Geometry const& geo, uint32_t idx) const
{
	FieldLane const& l = calib_time_ref.lanes[geo.col_entry[idx % num_columns]];
	double const c = double((calib_time_words[geo.quad_of(idx)] >> l.shift) & calib_time_ref.mask);
	return k_corr_tau * (1.0 + k_corr_step * (c - 1.5));
}

double Correlation::amp_of(Geometry const& geo, uint32_t idx) const
{
	FieldLane const& l = calib_amp_ref.lanes[geo.col_entry[idx % num_columns]];
	double const c = double((calib_amp_words[geo.quad_of(idx)] >> l.shift) & calib_amp_ref.mask);
	return k_corr_lsb * corr_gain[idx] * (1.0 + k_corr_step * (c - 1.5));
}

void Correlation::pre(Geometry const& geo, uint32_t h, Synapses::Syn const& sy, double t_us)
{
	alloc();
	double const tp = last_post[sy.neuron];
	if (tp > -inf)
		acausal[sy.index] += amp_of(geo, sy.index) * std::exp(-(t_us - tp) / tau_of(geo, sy.index));
	last_pre[sy.index] = t_us;
	column_has_pre[h * num_columns + sy.column] = 1;
}

void Correlation::post(Geometry const& geo, uint32_t n, double t_us)
{
	last_post[n] = t_us;
	Geometry::Neuron const& g = geo.neurons[n];
	if (!column_has_pre[g.hemisphere * num_columns + g.column])
		return;
	for (uint32_t r = 0; r < num_rows; ++r) {
		uint32_t const idx = (g.hemisphere * num_rows + r) * num_columns + g.column;
		if (last_pre[idx] > -inf)
			causal[idx] += amp_of(geo, idx) * std::exp(-(t_us - last_pre[idx]) / tau_of(geo, idx));
	}
}

void Correlation::reset_quad(ChipSetup const& setup, uint32_t instance)
{
	int64_t const* st = setup.synapse_quad_strides.data();
	uint32_t const h = uint32_t(instance / st[0]);
	uint32_t const r = uint32_t((instance % st[0]) / st[1]);
	uint32_t const q = uint32_t((instance % st[1]) / st[2]);
	for (uint32_t e = 0; e < 4; ++e) {
		uint32_t const col = uint32_t(setup.quad_columns[q * 4 + e]);
		uint32_t const idx = (h * num_rows + r) * num_columns + col;
		if (!causal.empty())
			causal[idx] = acausal[idx] = 0.0;
	}
}

// --- synapse drivers ------------------------------------------------------------------------

Drivers::Drivers(Tables const& t)
{
	k_stp_unit = t.constant("stp_tau_rec_unit_us");
	drivers.resize(num_drivers);
}

void Drivers::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	sd_util = F("SynapseDriverConfig.utilization");
	sd_offset = F("SynapseDriverConfig.offset");
	sd_mask = F("SynapseDriverConfig.row_address_compare_mask");
	sd_receiver = F("SynapseDriverConfig.enable_receiver");
	sd_recovery = F("SynapseDriverConfig.recovery");
	sd_mode_bottom = F("SynapseDriverConfig.row_mode_bottom");
	sd_mode_top = F("SynapseDriverConfig.row_mode_top");
	sd_stp = F("SynapseDriverConfig.enable_stp");
	sd_enable_recovery = F("SynapseDriverConfig.enable_recovery");
	stp_clock = F("CommonSTPConfig.enable_recovery_clock");
	stp_speed = F("CommonSTPConfig.recovery_clock_speed");
}

void Drivers::decode(ConfigView const& v, Geometry const& geo)
{
	bool const clock_on[2] = {v.get(stp_clock, 0) != 0, v.get(stp_clock, 1) != 0};
	double const speed[2] = {double(v.get(stp_speed, 0)), double(v.get(stp_speed, 1))};
	// SynapseDriverConfig instances are SynapseDriverOnDLS enums (= our driver index)
	for (uint32_t d = 0; d < num_drivers; ++d) {
		Driver& dr = drivers[d];
		uint32_t const h = geo.drivers[d].hemisphere;
		dr.receiver = v.get(sd_receiver, d) != 0;
		dr.mask = uint32_t(v.get(sd_mask, d));
		dr.mode_top = uint32_t(v.get(sd_mode_top, d));
		dr.mode_bottom = uint32_t(v.get(sd_mode_bottom, d));
		dr.stp = v.get(sd_stp, d) != 0;
		dr.U = (double(v.get(sd_util, d)) + 1.0) / 16.0;
		dr.offset = double(v.get(sd_offset, d)) / 30.0;
		dr.recovery = v.get(sd_enable_recovery, d) != 0 && clock_on[h];
		dr.tau_rec = k_stp_unit * (double(v.get(sd_recovery, d)) + 1.0) * (speed[h] + 1.0);
	}
}

void Drivers::reset_state()
{
	pending.clear();
	for (Driver& d : drivers) {
		d.resources = 1.0;
		d.t_last = -inf;
	}
}

void Drivers::deliver(
    Pending const& e, Geometry const& geo, Synapses const& syn, Correlation& corr, Neurons& neurons)
{
	uint32_t const rs = (e.label >> 6) & 31, addr = e.label & 63;
	double const t_us = double(e.cycle) * cycle_us;
	kernel::NeuronState& s = neurons.s;
	for (uint32_t d : geo.bus_drivers[e.hemisphere][e.bus]) {
		Driver& dr = drivers[d];
		if (!dr.receiver || ((rs ^ geo.drivers[d].index) & dr.mask) != 0)
			continue;
		double m = 1.0;
		if (dr.stp) {
			if (dr.recovery && dr.t_last > -inf)
				dr.resources =
				    1.0 - (1.0 - dr.resources) * std::exp(-(t_us - dr.t_last) / dr.tau_rec);
			m = dr.resources + (1.0 - dr.resources) * dr.offset;
			dr.resources -= dr.U * dr.resources;
			dr.t_last = t_us;
		}
		for (int half = 0; half < 2; ++half) {
			uint32_t const mode = half ? dr.mode_bottom : dr.mode_top;
			uint32_t const row = half ? geo.drivers[d].row_bottom : geo.drivers[d].row_top;
			if (mode == 0)
				continue; // no pulse reaches a disabled row
			Synapses::Row const& rw = syn.rows[e.hemisphere * num_rows + row];
			for (uint32_t j = rw.offsets[addr]; j < rw.offsets[addr + 1]; ++j) {
				Synapses::Syn const& sy = rw.syn[j];
				uint32_t const n = sy.neuron;
				// the correlation sensor sees every pre spike at its synapse
				corr.pre(geo, e.hemisphere, sy, t_us);
				if (sy.weight <= 0.0f)
					continue;
				double const a = m * double(sy.weight);
				if (mode & 1) {
					s.ge()[n] += a * neurons.gain_e[n];
					if (neurons.bypass_e[n])
						neurons.force_fire(n);
				}
				if (mode & 2) {
					s.gi()[n] += a * neurons.gain_i[n];
					if (neurons.bypass_i[n])
						neurons.force_fire(n);
				}
			}
		}
	}
}

} // namespace chip
} // namespace hxsim
