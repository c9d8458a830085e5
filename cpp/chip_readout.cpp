// Readout lines, MADC and the board's pads of the analog core (chip_impl.h).
#include "chip_impl.h"

#include <algorithm>

namespace hxsim {
namespace chip {

Readout::Readout(Tables const& t)
{
	T_madc = t.transfer("madc", 1);
	madc_gain = t.mismatch("madc_gain", 1)[0];
	madc_offset = t.mismatch("madc_offset", 1)[0];
	k_madc_period_ns = t.constant("madc_sample_period_ns");
	k_syn_base = t.constant("readout_synin_baseline_mv");
	k_ad_mv_na = t.constant("readout_adaptation_mv_per_na");
}

void Readout::resolve(RegisterMap const& map, NeuronConfigFields const& nc, ChipSetup const& setup)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	nc_enable_readout = nc.id[NeuronConfigFields::enable_readout];
	nc_readout_source = nc.id[NeuronConfigFields::readout_source];
	madc_samples = F("MADCConfig.number_of_samples");
	madc_scaling = F("MADCConfig.enable_madc_clock_scaling");
	madc_scale = F("MADCConfig.madc_clock_scale_value");
	madc_dummy_field = F("MADCConfig.enable_dummy_data");
	madc_initial_field = F("MADCConfig.active_mux_initially_selected_input");
	madc_length = F("MADCConfig.active_mux_input_select_length");
	mc_start = F("MADCControl.start_recording");
	mc_stop = F("MADCControl.stop_recording");
	mc_continuous = F("MADCControl.enable_continuous_sampling");
	rss_odd = F("ReadoutSourceSelection.neuron_odd");
	rss_even = F("ReadoutSourceSelection.neuron_even");
	board = !setup.board_mux1_pad.empty();
	if (board) {
		rss_debug_plus = F("ReadoutSourceSelection.debug_plus");
		rss_debug_minus = F("ReadoutSourceSelection.debug_minus");
		pad_debug = F("PadMultiplexerConfig.debug_to_pad");
		sr_mux1 = F("ShiftRegister.select_analog_readout_mux_1_input");
		sr_mux2 = F("ShiftRegister.select_analog_readout_mux_2_input");
		dac_value = F("DACChannel.value");
		dac_enable = F("DACControl.enable_channel");
		if (map.reg(map.field(dac_value).reg).size != setup.board_dac_full_scale_mv.size())
			fail("board_dac_full_scale_mv needs one entry per DACChannel");
		if (map.reg(map.field(pad_debug).reg).size != 2)
			fail("there must be 2 PadMultiplexerConfig instances (one per pad)");
	}
}

void Readout::decode(
    ConfigView const& v, Geometry const& geo, Neurons const& neurons, ChipSetup const& setup)
{
	for (uint32_t l = 0; l < 2; ++l) {
		line_neurons[l].clear();
		line_source[l].clear();
	}
	for (uint32_t n = 0; n < num_neurons; ++n) {
		Geometry::Neuron const& g = geo.neurons[n];
		if (!v.get(nc_enable_readout, g.nc))
			continue;
		line_neurons[g.line].push_back(n);
		line_source[g.line].push_back(uint8_t(v.get(nc_readout_source, g.nc)));
	}
	for (uint32_t m = 0; m < 2; ++m)
		mux_lines[m] = (v.get(rss_even, 0, m) ? 1u : 0u) | (v.get(rss_odd, 0, m) ? 2u : 0u);
	// the lines carry the new selection at once (until the next step)
	for (uint32_t l = 0; l < 2; ++l) {
		line_a[l] = line_b[l] = line_value(l, neurons);
		line_jump[l] = false;
	}
	if (board)
		decode_pads(v, setup);
	madc_dummy = v.get(madc_dummy_field, 0) != 0;
	madc_initial = uint32_t(v.get(madc_initial_field, 0));
	madc_select_length = uint32_t(v.get(madc_length, 0));
	double const div = v.get(madc_scaling, 0) ? double(v.get(madc_scale, 0)) + 1.0 : 1.0;
	madc_period_cycles = k_madc_period_ns * div / 8.0;
}

void Readout::decode_pads(ConfigView const& v, ChipSetup const& setup)
{
	// board: mux 1 joins one chip pad to the analog line, mux 2 one DAC channel
	int64_t pad = -1, dac = -1;
	uint32_t const m1 = uint32_t(v.get(sr_mux1, 0)), m2 = uint32_t(v.get(sr_mux2, 0));
	if (m1 < setup.board_mux1_pad.size())
		pad = setup.board_mux1_pad[m1];
	if (m2 < setup.board_mux2_dac.size())
		dac = setup.board_mux2_dac[m2];
	double line = nan_value;
	if (dac >= 0) {
		uint32_t const channels = v.lanes(dac_enable);
		bool const enabled =
		    v.get(dac_enable, uint32_t(dac) / channels, uint32_t(dac) % channels) != 0;
		double const full = setup.board_dac_full_scale_mv[size_t(dac)];
		if (enabled && full > 0.0)
			line = full * double(v.get(dac_value, uint32_t(dac))) /
			       double(v.map().field(dac_value).mask);
	}
	// chip: a pad reaches its debug line only through PadMultiplexerConfig.debug_to_pad
	for (uint32_t p = 0; p < 2; ++p)
		debug_mv[p] = (int64_t(p) == pad && v.get(pad_debug, p)) ? line : nan_value;
	for (uint32_t m = 0; m < 2; ++m)
		mux_debug[m] =
		    (v.get(rss_debug_plus, 0, m) ? 1u : 0u) | (v.get(rss_debug_minus, 0, m) ? 2u : 0u);
}

void Readout::reset_state()
{
	madc_on = false;
	madc_count = 0;
	have_step = false;
}

double Readout::line_value(uint32_t line, Neurons const& neurons) const
{
	// shorted outputs of every neuron on the line: their mean
	auto const& ns = line_neurons[line];
	if (ns.empty())
		return 0.0;
	kernel::NeuronState const& s = neurons.s;
	double sum = 0.0;
	for (size_t j = 0; j < ns.size(); ++j) {
		uint32_t const n = ns[j];
		switch (line_source[line][j]) {
			case 0:
				sum += s.v[n];
				break;
			case 1:
				sum += k_syn_base + neurons.readout_scale_e[n] * s.ge()[n];
				break;
			case 2:
				sum += k_syn_base + neurons.readout_scale_i[n] * s.gi()[n];
				break;
			default:
				// the adaptation state rides on its reference (v_adapt_ref)
				sum += neurons.k[kernel::P_Ew][n] + k_ad_mv_na * s.w[n];
		}
	}
	return sum / double(ns.size());
}

void Readout::control(uint64_t cycle, ConfigView const& v)
{
	if (v.get(mc_stop, 0))
		madc_on = false;
	if (v.get(mc_start, 0)) {
		madc_on = true;
		madc_continuous = v.get(mc_continuous, 0) != 0;
		madc_left = uint64_t(v.get(madc_samples, 0));
		if (!madc_continuous && madc_left == 0)
			madc_on = false;
		madc_next = double(cycle) + madc_period_cycles;
		madc_count = 0;
	}
}

void Readout::emit_samples(double limit, EventSink& sink)
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
				double const x = (mv - T_madc.c0) / T_madc.c1 * madc_gain + madc_offset;
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

} // namespace chip
} // namespace hxsim
