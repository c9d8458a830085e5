// Neurons and multi-compartment of the analog core (chip_impl.h).
#include "chip_impl.h"

#include <algorithm>

namespace hxsim {
namespace chip {

namespace {

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

// --- neurons -------------------------------------------------------------------------------

Neurons::Neurons(Tables const& t, Geometry const& geo, double dt_us) : dt(dt_us)
{
	T_v_leak = t.transfer("v_leak", num_neurons);
	T_v_reset = t.transfer("v_reset", num_neurons);
	T_v_threshold = t.transfer("v_threshold", num_neurons);
	T_e_exc = t.transfer("e_synin_exc_rev", num_neurons);
	T_e_inh = t.transfer("e_synin_inh_rev", num_neurons);
	T_v_exp = t.transfer("v_exp", num_neurons);
	T_v_adapt_ref = t.transfer("v_adapt_ref", num_neurons);
	T_g_leak = t.transfer("i_bias_leak", num_neurons);
	T_tau_exc = t.transfer("i_bias_synin_exc_tau", num_neurons);
	T_tau_inh = t.transfer("i_bias_synin_inh_tau", num_neurons);
	T_cuba_exc = t.transfer("i_bias_synin_exc_gm", num_neurons);
	T_cuba_inh = t.transfer("i_bias_synin_inh_gm", num_neurons);
	T_coba_exc = t.transfer("i_bias_synin_exc_coba", num_neurons);
	T_coba_inh = t.transfer("i_bias_synin_inh_coba", num_neurons);
	T_tau_w = t.transfer("i_bias_adapt_tau", num_neurons);
	T_a = t.transfer("i_bias_adapt_a", num_neurons);
	T_b = t.transfer("i_bias_adapt_b", num_neurons);
	T_exp = t.transfer("i_bias_exp", num_neurons);
	T_i_offset = t.transfer("i_mem_offset", num_neurons);
	T_g_mc = t.transfer("i_bias_nmda", num_neurons);
	T_C = t.transfer("membrane_capacitor_size", num_neurons);
	T_delta_T = t.transfer("delta_T", num_neurons);
	T_dac = t.transfer("syn_i_bias_dac", 4);
	k_leak_div = t.constant("leak_division_factor");
	k_leak_mul = t.constant("leak_multiplication_factor");
	k_large_cap = t.constant("synin_large_capacitance_gain");
	k_high_res = t.constant("synin_high_resistance_tau_factor");
	k_backend_mhz = t.constant("backend_clock_mhz");
	k_syn_mv_na = t.constant("readout_synin_mv_per_na");
	k_syn_mv_us = t.constant("readout_synin_mv_per_us");
	for (Transfer const* x : {&T_v_leak,   &T_v_reset,     &T_v_threshold, &T_e_exc,    &T_e_inh,
	                          &T_v_exp,    &T_v_adapt_ref, &T_g_leak,      &T_tau_exc,  &T_tau_inh,
	                          &T_cuba_exc, &T_cuba_inh,    &T_coba_exc,    &T_coba_inh, &T_tau_w,
	                          &T_a,        &T_b,           &T_exp,         &T_i_offset, &T_g_mc})
		if (x->capmem_row < 0 || uint32_t(x->capmem_row) >= geo.capmem_rows)
			fail(
			    "transfer of a per-neuron CapMem cell has row " + std::to_string(x->capmem_row) +
			    ", valid rows are 0.." + std::to_string(geo.capmem_rows - 1));

	k.resize(num_neurons);
	s.resize(num_neurons);
	spiked.assign(num_neurons, 0);
	iext.assign(num_neurons, 0.0);
	for (auto* vec :
	     {&C, &EL, &gain_e, &gain_i, &Vth, &Vreset, &R, &H, &b, &readout_scale_e, &readout_scale_i})
		vec->assign(num_neurons, 0.0);
	bypass_e.assign(num_neurons, 0);
	bypass_i.assign(num_neurons, 0);
	force.assign(num_neurons, 0);
}

void Neurons::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	be_refractory = F("NeuronBackendConfig.refractory_time");
	be_holdoff = F("NeuronBackendConfig.reset_holdoff");
	be_clock = F("NeuronBackendConfig.select_input_clock");
	be_adapt_pulse = F("NeuronBackendConfig.enable_adaptation_pulse");
	cbe_clocks = F("CommonNeuronBackendConfig.enable_clocks");
	cbe_slow = F("CommonNeuronBackendConfig.clock_scale_slow");
	cbe_fast = F("CommonNeuronBackendConfig.clock_scale_fast");
	capmem_value = F("CapMemCell.value");
	capmem_enable = F("CapMemBlockConfig.enable_capmem");
	cc_exc = F("ColumnCurrentQuad.enable_synaptic_current_excitatory");
	cc_inh = F("ColumnCurrentQuad.enable_synaptic_current_inhibitory");
	if (map.field(cc_exc).count != 4)
		fail("quad registers must have 4 lanes (EntryOnQuad)");
}

void Neurons::decode(ConfigView const& v, Geometry const& geo, NeuronConfigTable const& ncf)
{
	using NC = NeuronConfigFields;
	auto all = [&](FieldId id) {
		std::vector<int64_t> out(v.instances(id));
		v.get_all(id, 0, out.data());
		return out;
	};
	std::vector<int64_t> const refractory = all(be_refractory), holdoff = all(be_holdoff),
	                           clock = all(be_clock), pulse = all(be_adapt_pulse);
	std::vector<int64_t> const clocks = all(cbe_clocks), slow = all(cbe_slow), fast = all(cbe_fast);
	std::vector<int64_t> const capmem_on = all(capmem_enable);
	std::vector<int64_t> const cc_e = [&] {
		std::vector<int64_t> o(v.instances(cc_exc) * 4);
		v.get_all_lanes(cc_exc, o.data());
		return o;
	}();
	std::vector<int64_t> const cc_i = [&] {
		std::vector<int64_t> o(v.instances(cc_inh) * 4);
		v.get_all_lanes(cc_inh, o.data());
		return o;
	}();
	auto cell = [&](uint32_t n, Transfer const& t) -> double {
		uint32_t const c = geo.cell(n, t);
		if (!capmem_on[geo.neurons[n].block])
			return 0.0;
		int64_t const x = v.get(capmem_value, c);
		return x > 1022 ? 0.0 : double(x); // 1023: refresh disabled, the cell decays to 0
	};
	double dac[4];
	for (uint32_t q = 0; q < 4; ++q) {
		int64_t const x = capmem_on[q] ? v.get(capmem_value, uint32_t(geo.dac_cells[q])) : 0;
		dac[q] = T_dac(x > 1022 ? 0.0 : double(x), q);
	}

	any_exp = false;
	for (uint32_t n = 0; n < num_neurons; ++n) {
		Geometry::Neuron const& g = geo.neurons[n];
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
		b[n] = adapt && pulse[g.backend] ? (nc(NC::invert_b) ? -1.0 : 1.0) * T_b(cell(n, T_b), n)
		                                 : 0.0;
		k[kernel::P_b][n] = b[n];
		// synaptic inputs
		bool const coba_e = nc(NC::exc_coba), coba_i = nc(NC::inh_coba);
		k[kernel::P_cfe][n] = coba_e ? 1.0 : 0.0;
		k[kernel::P_cfi][n] = coba_i ? 1.0 : 0.0;
		k[kernel::P_Ee][n] = coba_e ? T_e_exc(cell(n, T_e_exc), n) : 1.0;
		k[kernel::P_Ei][n] = coba_i ? T_e_inh(cell(n, T_e_inh), n) : -1.0;
		double const tau_e =
		    T_tau_exc(cell(n, T_tau_exc), n) * (nc(NC::exc_high_res) ? k_high_res : 1.0);
		double const tau_i =
		    T_tau_inh(cell(n, T_tau_inh), n) * (nc(NC::inh_high_res) ? k_high_res : 1.0);
		k[kernel::P_de][n] = 1.0 - std::min(1.0, dt / tau_e);
		k[kernel::P_di][n] = 1.0 - std::min(1.0, dt / tau_i);
		double ge =
		    coba_e ? T_coba_exc(cell(n, T_coba_exc), n) : T_cuba_exc(cell(n, T_cuba_exc), n);
		double gi =
		    coba_i ? T_coba_inh(cell(n, T_coba_inh), n) : T_cuba_inh(cell(n, T_cuba_inh), n);
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
		double const scale =
		    double(clock[g.backend] ? fast[g.common_backend] : slow[g.common_backend]);
		double const tick_us = std::pow(2.0, scale + 1.0) / k_backend_mhz;
		double const t_ref = double(refractory[g.backend]) * tick_us;
		double const release = std::max(0.0, 31.0 - 2.0 * double(holdoff[g.backend])) * tick_us;
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
	any_bypass = false;
	for (uint32_t n = 0; n < num_neurons; ++n)
		any_bypass |= bypass_e[n] || bypass_i[n];
	k.finalize(num_neurons);
}

void Neurons::reset_state()
{
	for (uint32_t n = 0; n < num_neurons; ++n) {
		// at rest: V = c0 / gL (E_leak shifted by the offset current), nothing pending
		double const gL = k[kernel::P_gL][n];
		s.v[n] = gL > 0 ? (k[kernel::P_c0][n]) / gL : 0.0;
		s.w[n] = 0.0;
		s.ge()[n] = s.gi()[n] = 0.0;
		s.refc[n] = 0.0;
		force[n] = 0;
	}
}

bool Neurons::fire_forced()
{
	bool any = false;
	for (uint32_t n : forced) {
		force[n] = 0;
		if (!spiked[n] && spike_rule::ready<spike_rule::ScalarOps>(s.refc[n])) {
			fire(n);
			any = true;
		}
	}
	forced.clear();
	return any;
}

// --- multi-compartment ----------------------------------------------------------------------

Multicomp::Multicomp(Tables const& t)
{
	k_mc_mul = t.constant("multicomp_multiplication_factor");
	k_mc_div = t.constant("multicomp_division_factor");
	kmc.resize(num_neurons);
	node_of.assign(num_neurons, -1);
	v_start.assign(num_neurons, 0.0);
}

void Multicomp::decode(
    ConfigView const& v, Geometry const& geo, NeuronConfigTable const& ncf, Neurons const& neurons)
{
	using NC = NeuronConfigFields;
	UnionFind uf(2 * num_neurons);
	bool any = false;
	for (uint32_t n = 0; n < num_neurons; ++n) {
		Geometry::Neuron const& g = geo.neurons[n];
		auto nc = [&](NC::Index field) { return ncf.on(field, g.nc); };
		if (nc(NC::membrane_right) && g.column + 1 < num_columns) {
			uf.unite(n, geo.neuron_at[g.hemisphere][g.column + 1]);
			any = true;
		}
		if (nc(NC::bottom)) {
			uf.unite(geo.neuron_at[0][g.column], geo.neuron_at[1][g.column]);
			any = true;
		}
		if (nc(NC::soma)) {
			uf.unite(n, num_neurons + n);
			any = true;
		}
		if (nc(NC::soma_right) && g.column + 1 < num_columns) {
			uf.unite(num_neurons + n, num_neurons + geo.neuron_at[g.hemisphere][g.column + 1]);
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
		node.C += neurons.C[n];
		node_of[n] = group_node[r];
	}
	// resistive edges membrane <-> somatic line
	alg_num.clear();
	alg_den.clear();
	alg_v.clear();
	std::vector<int32_t> alg_index(2 * num_neurons, -1);
	for (uint32_t n = 0; n < num_neurons; ++n) {
		Geometry::Neuron const& g = geo.neurons[n];
		auto nc = [&](NC::Index field) { return ncf.on(field, g.nc); };
		if (!nc(NC::mc_cond) || nc(NC::soma))
			continue;
		double gc = neurons.T_g_mc(
		    [&] {
			    if (!v.get(neurons.capmem_enable, g.block))
				    return 0.0;
			    int64_t const x = v.get(neurons.capmem_value, geo.cell(n, neurons.T_g_mc));
			    return x > 1022 ? 0.0 : double(x);
		    }(),
		    n);
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
	active = any && (!nodes.empty() || !edges.empty());
	if (active) {
		for (unsigned p = 0; p < kernel::P_COUNT; ++p)
			kmc[kernel::Param(p)] = neurons.k[kernel::Param(p)];
		std::fill(kmc[kernel::P_Vth].begin(), kmc[kernel::P_Vth].end(), inf);
		std::fill(kmc[kernel::P_H].begin(), kmc[kernel::P_H].end(), inf);
		kmc.finalize(num_neurons);
	}
}

bool Multicomp::step(Neurons& x, bool noise)
{
	kernel::NeuronState& s = x.s;
	// coupling currents from the values at the start of the step
	if (!noise)
		std::fill(x.iext.begin(), x.iext.end(), 0.0);
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
		x.iext[e.circuit] += i;
		if (e.other >= 0)
			x.iext[uint32_t(e.other)] -= i;
	}
	kernel::StepArgs a;
	a.n = num_neurons;
	a.k = &kmc;
	a.s = &s;
	a.iext = x.iext.data();
	a.spiked = x.spiked.data();
	a.exponential = x.any_exp;
	kernel::step(a); // no thresholds, no clamping: done per node below
	// clamped circuits hold their node; merged nodes share one membrane
	using Ops = spike_rule::ScalarOps;
	for (uint32_t n = 0; n < num_neurons; ++n)
		if (node_of[n] < 0 && !spike_rule::integrating<Ops>(s.refc[n], x.H[n]))
			s.v[n] = v_start[n];
	for (Node const& node : nodes) {
		double vn = 0.0;
		bool clamped = false;
		for (uint32_t n : node.members) {
			clamped |= !spike_rule::integrating<Ops>(s.refc[n], x.H[n]);
			vn += x.C[n] * s.v[n];
		}
		vn = clamped ? v_start[node.members[0]] : vn / node.C;
		for (uint32_t n : node.members)
			s.v[n] = vn;
	}
	bool any = false;
	for (uint32_t n = 0; n < num_neurons; ++n) {
		x.spiked[n] = 0;
		if (spike_rule::spikes<Ops>(s.refc[n], s.v[n], x.Vth[n])) {
			x.fire(n);
			any = true;
			// the whole node follows its circuit to the reset potential
			if (node_of[n] >= 0)
				for (uint32_t m : nodes[size_t(node_of[n])].members)
					s.v[m] = x.Vreset[n];
		}
	}
	return any;
}

} // namespace chip
} // namespace hxsim
