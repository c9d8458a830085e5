#include "analog_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace hxsim {

void ModelParams::resize(size_t n)
{
	for (std::vector<double>* p :
	     {&C, &g_leak, &E_leak, &V_T, &delta_T, &V_peak, &V_reset, &t_ref, &a, &b, &tau_w, &E_w,
	      &E_exc, &E_inh, &tau_exc, &tau_inh, &I_offset})
		p->assign(n, 0.0);
	coba.assign(n, 1);
	exponential.assign(n, 1);
	adaptation.assign(n, 1);
}

void derive_constants(
    ModelParams const& p, size_t i, double dt, kernel::NeuronConstants& k, double refractory_steps)
{
	bool const exp_on = p.exponential[i] != 0;
	bool const adapt = p.adaptation[i] != 0;
	bool const coba = p.coba[i] != 0;
	k[kernel::P_kC][i] = dt / p.C[i];
	k[kernel::P_gL][i] = p.g_leak[i];
	k[kernel::P_c0][i] = p.g_leak[i] * p.E_leak[i] + p.I_offset[i];
	k[kernel::P_VT][i] = p.V_T[i];
	k[kernel::P_invDT][i] = exp_on ? 1.0 / p.delta_T[i] : 1.0;
	k[kernel::P_expc][i] = exp_on ? p.g_leak[i] * p.delta_T[i] : 0.0;
	k[kernel::P_Vth][i] = p.V_peak[i];
	k[kernel::P_Vreset][i] = p.V_reset[i];
	k[kernel::P_a][i] = adapt ? p.a[i] : 0.0;
	k[kernel::P_Ew][i] = p.E_w[i];
	k[kernel::P_kw][i] = adapt ? dt / p.tau_w[i] : 0.0;
	k[kernel::P_wf][i] = adapt ? 1.0 : 0.0;
	k[kernel::P_b][i] = adapt ? p.b[i] : 0.0;
	k[kernel::P_cfe][i] = coba ? 1.0 : 0.0;
	k[kernel::P_cfi][i] = coba ? 1.0 : 0.0;
	k[kernel::P_Ee][i] = coba ? p.E_exc[i] : 1.0;
	k[kernel::P_Ei][i] = coba ? p.E_inh[i] : -1.0;
	k[kernel::P_de][i] = 1.0 - dt / p.tau_exc[i];
	k[kernel::P_di][i] = 1.0 - dt / p.tau_inh[i];
	// Brian2: not_refractory = timestep(t - lastspike) >= timestep(t_ref),
	// timestep(x) = int((x + 1e-3 dt) / dt).
	k[kernel::P_R][i] =
	    refractory_steps >= 0.0 ? refractory_steps : std::floor(p.t_ref[i] / dt + 1e-3);
	k[kernel::P_H][i] = 0.0;
}

ModelSimulator::ModelSimulator(uint32_t n_neurons, uint32_t n_inputs, double dt, uint64_t seed) :
    m_n(n_neurons),
    m_n_inputs(n_inputs),
    m_np(uint32_t(kernel::padded(n_neurons))),
    m_dt(dt),
    m_seed(seed)
{
	if (n_neurons == 0)
		throw std::invalid_argument("n_neurons must be >= 1");
	if (!(dt > 0.0) || !std::isfinite(dt))
		throw std::invalid_argument("dt must be a positive finite number of us");
	m_k.resize(m_np);
	m_s.resize(m_np);
	m_spiked.assign(m_np, 0);
	m_params.resize(m_n);
	m_offsets.assign(size_t(m_n) + m_n_inputs + 1, 0);
	resize_ring(2);
}

void ModelSimulator::set_parameters(ModelParams const& p)
{
	m_params = p;
	m_any_exp = false;
	for (uint32_t i = 0; i < m_n; ++i) {
		derive_constants(p, i, m_dt, m_k);
		m_any_exp |= p.exponential[i] != 0;
	}
	m_k.finalize(m_n);
	if (!m_v_set && m_step == 0)
		for (uint32_t i = 0; i < m_n; ++i)
			m_s.v[i] = p.E_leak[i];
	// Padding lanes simulate copies of neuron 0 (spikes ignored): keep them calm.
	for (uint32_t i = m_n; i < m_np; ++i)
		m_s.v[i] = p.E_leak[0];
}

void ModelSimulator::set_state(double const* v, double const* w, double const* ge, double const* gi)
{
	for (uint32_t i = 0; i < m_n; ++i) {
		if (v)
			m_s.v[i] = v[i];
		if (w)
			m_s.w[i] = w[i];
		if (ge)
			m_s.ge()[i] = ge[i];
		if (gi)
			m_s.gi()[i] = gi[i];
	}
	if (v)
		m_v_set = true;
}

void ModelSimulator::get_state(double* v, double* w, double* ge, double* gi, double* refc) const
{
	for (uint32_t i = 0; i < m_n; ++i) {
		v[i] = m_s.v[i];
		w[i] = m_s.w[i];
		ge[i] = m_s.ge()[i];
		gi[i] = m_s.gi()[i];
		refc[i] = m_s.refc[i];
	}
}

void ModelSimulator::connect(
    size_t count,
    int64_t const* pre,
    int64_t const* post,
    double const* weight,
    int64_t const* receptor,
    int64_t const* delay_steps)
{
	m_pending_pre.insert(m_pending_pre.end(), pre, pre + count);
	m_pending_post.insert(m_pending_post.end(), post, post + count);
	m_pending_weight.insert(m_pending_weight.end(), weight, weight + count);
	m_pending_rec.insert(m_pending_rec.end(), receptor, receptor + count);
	m_pending_delay.insert(m_pending_delay.end(), delay_steps, delay_steps + count);
}

void ModelSimulator::build()
{
	if (m_pending_pre.empty())
		return;
	size_t const n_pre = size_t(m_n) + m_n_inputs;
	// Merge the existing CSR with the new synapses: count per pre, then fill.
	std::vector<uint64_t> counts(n_pre, 0);
	for (size_t p = 0; p < n_pre; ++p)
		counts[p] = m_offsets[p + 1] - m_offsets[p];
	uint32_t max_delay = 1;
	for (size_t j = 0; j < m_pending_pre.size(); ++j) {
		++counts[size_t(m_pending_pre[j])];
		max_delay = std::max<uint32_t>(max_delay, uint32_t(m_pending_delay[j]));
	}
	std::vector<uint64_t> offsets(n_pre + 1, 0);
	for (size_t p = 0; p < n_pre; ++p)
		offsets[p + 1] = offsets[p] + counts[p];
	std::vector<Synapse> syn(offsets[n_pre]);
	std::vector<uint64_t> fill(offsets.begin(), offsets.end() - 1);
	for (size_t p = 0; p < n_pre; ++p)
		for (uint64_t s = m_offsets[p]; s < m_offsets[p + 1]; ++s) {
			syn[fill[p]++] = m_syn[s];
			max_delay = std::max(max_delay, m_syn[s].delay);
		}
	for (size_t j = 0; j < m_pending_pre.size(); ++j) {
		size_t const p = size_t(m_pending_pre[j]);
		syn[fill[p]++] = {
		    uint32_t(m_pending_rec[j] * m_np + m_pending_post[j]), uint32_t(m_pending_delay[j]),
		    m_pending_weight[j]};
	}
	// Per pre, order by delay then target: consecutive writes hit one slot.
	for (size_t p = 0; p < n_pre; ++p)
		std::sort(
		    syn.begin() + int64_t(offsets[p]), syn.begin() + int64_t(offsets[p + 1]),
		    [](Synapse const& x, Synapse const& y) {
			    return x.delay != y.delay ? x.delay < y.delay : x.target < y.target;
		    });
	m_syn = std::move(syn);
	m_offsets = std::move(offsets);
	for (auto* v : {&m_pending_pre, &m_pending_post, &m_pending_rec, &m_pending_delay})
		v->clear();
	m_pending_weight.clear();
	if (max_delay + 1 > m_slots)
		resize_ring(max_delay + 1);
}

void ModelSimulator::resize_ring(uint32_t slots)
{
	// Keep pending events: the list of step k + d moves from (k + d) % old to (k + d) % new.
	std::vector<std::vector<Event>> ring(slots);
	for (uint32_t d = 0; d < m_slots; ++d) {
		uint64_t const k = m_step + d;
		ring[k % slots] = std::move(m_ring[k % m_slots]);
	}
	m_ring = std::move(ring);
	m_slots = slots;
}

inline void ModelSimulator::propagate(uint32_t pre, uint64_t slot_now)
{
	uint64_t const b = m_offsets[pre], e = m_offsets[pre + 1];
	for (uint64_t s = b; s < e; ++s) {
		Synapse const& syn = m_syn[s];
		uint64_t slot = slot_now + syn.delay;
		if (slot >= m_slots)
			slot -= m_slots;
		m_ring[slot].push_back({syn.target, syn.weight});
	}
}

ModelRunResult ModelSimulator::run(
    uint64_t steps,
    size_t n_input_spikes,
    int64_t const* input_steps,
    int64_t const* input_sources,
    std::vector<int64_t> const& record)
{
	build();
	ModelRunResult res;
	size_t const n_rec = record.size();
	res.v.assign(n_rec * steps, 0.0);
	auto const t0 = std::chrono::steady_clock::now();

	kernel::StepArgs args;
	args.n = m_np;
	args.k = &m_k;
	args.s = &m_s;
	args.spiked = m_spiked.data();
	args.exponential = m_any_exp;
	size_t in = 0;
	double const* const v = m_s.v.data();
	double* const g = m_s.g.data();
	uint64_t slot = m_step % m_slots;
	for (uint64_t j = 0; j < steps; ++j) {
		uint64_t const k = m_step + j;
		for (size_t r = 0; r < n_rec; ++r)
			res.v[r * steps + j] = v[record[r]];
		// 1. + 2. integrate, threshold, reset (the reset does not touch g)
		bool const any = kernel::step(args);
		// 3. deliver the events due in this step (after the update, as Brian2)
		std::vector<Event>& due = m_ring[slot];
		for (Event const& e : due)
			g[e.target] += e.weight;
		res.events += due.size();
		due.clear();
		// spikes of this step are scheduled for later steps (delay >= 1)
		if (any) {
			for (uint32_t i = 0; i < m_n; ++i)
				if (m_spiked[i]) {
					res.spike_steps.push_back(int64_t(k));
					res.spike_neurons.push_back(int32_t(i));
					propagate(i, slot);
				}
		}
		for (; in < n_input_spikes && uint64_t(input_steps[in]) <= k; ++in)
			if (uint64_t(input_steps[in]) == k)
				propagate(m_n + uint32_t(input_sources[in]), slot);
		if (++slot == m_slots)
			slot = 0;
	}
	m_step += steps;
	res.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	return res;
}

} // namespace hxsim
