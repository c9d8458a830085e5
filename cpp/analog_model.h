// hxsim.ModelSimulator: the AdEx network of the analog kernel driven
// directly in model units (no chip configuration), with event-driven
// synapses: a ring of per-step event lists (target, weight), one list per
// delay slot; no per-step work per synapse, no allocation once warm.
//
// Semantics (Brian2's schedule, see docs/hxsim-analog.md): in step k
//   1. the neurons are integrated from t_k to t_k+1 (values at t_k);
//   2. threshold: a neuron spikes in step k (spike time t_k = k*dt);
//   3. synaptic events due in step k are added to g (after the update, so they
//      act on the integration of step k+1); spikes of neurons and inputs of
//      step k are scheduled for step k + D (D = round(delay/dt) >= 1);
//   4. reset of the neurons that spiked.
#pragma once

#include "analog_kernel.h"

#include <cstdint>
#include <vector>

namespace hxsim {

// Model parameters of N neurons (units: pF, uS, mV, us, nA).
struct ModelParams
{
	std::vector<double> C, g_leak, E_leak, V_T, delta_T, V_peak, V_reset, t_ref, a, b, tau_w, E_w,
	    E_exc, E_inh, tau_exc, tau_inh, I_offset;
	std::vector<uint8_t> coba, exponential, adaptation;

	void resize(size_t n);
};

// Kernel constants of neuron i from its parameters (shared with the chip core).
// `refractory_steps` overrides floor(t_ref/dt + 1e-3) when >= 0.
void derive_constants(
    ModelParams const& p,
    size_t i,
    double dt,
    kernel::NeuronConstants& k,
    double refractory_steps = -1.0);

struct ModelRunResult
{
	std::vector<int64_t> spike_steps;
	std::vector<int32_t> spike_neurons;
	uint64_t events = 0;
	double wall_s = 0.0;
	std::vector<double> v; // (n_record, steps), row-major
};

class ModelSimulator
{
public:
	ModelSimulator(uint32_t n_neurons, uint32_t n_inputs, double dt, uint64_t seed);

	uint32_t n_neurons() const { return m_n; }
	uint32_t n_inputs() const { return m_n_inputs; }
	double dt() const { return m_dt; }
	uint64_t step() const { return m_step; }

	// All parameters at once (arrays of n_neurons; validated by the caller).
	void set_parameters(ModelParams const& p);
	ModelParams const& parameters() const { return m_params; }

	// State variables; a null pointer keeps the current values.
	void set_state(double const* v, double const* w, double const* ge, double const* gi);
	void get_state(double* v, double* w, double* ge, double* gi, double* refractory_steps) const;

	// Append synapses (validated by the caller: pre < n + n_inputs, post < n,
	// weight >= 0, receptor 0/1, delay_steps >= 1).
	void connect(
	    size_t count,
	    int64_t const* pre,
	    int64_t const* post,
	    double const* weight,
	    int64_t const* receptor,
	    int64_t const* delay_steps);
	size_t num_synapses() const { return m_pending_pre.size() + m_syn.size(); }

	// Advance `steps` steps. Inputs: step index (absolute, in
	// [step(), step() + steps)) and source of each input spike, sorted by step.
	// Record V of the neurons in `record` at the start of every step.
	ModelRunResult run(
	    uint64_t steps,
	    size_t n_input_spikes,
	    int64_t const* input_steps,
	    int64_t const* input_sources,
	    std::vector<int64_t> const& record);

private:
	struct Synapse
	{
		uint32_t target; // receptor * m_np + post
		uint32_t delay;  // steps, >= 1
		double weight;
	};

	void build();
	void resize_ring(uint32_t slots);
	void propagate(uint32_t pre, uint64_t slot_now);

	uint32_t m_n, m_n_inputs, m_np; // neurons, inputs, padded neurons
	double m_dt;
	uint64_t m_seed;
	uint64_t m_step = 0;
	bool m_v_set = false;

	ModelParams m_params;
	kernel::NeuronConstants m_k;
	kernel::NeuronState m_s;
	bool m_any_exp = true;

	// Synapses: CSR by presynaptic index (neurons, then inputs).
	std::vector<Synapse> m_syn;
	std::vector<uint64_t> m_offsets;
	std::vector<int64_t> m_pending_pre, m_pending_post, m_pending_rec, m_pending_delay;
	std::vector<double> m_pending_weight;

	// Event ring: m_slots lists; the events due in step k are in list k % m_slots.
	struct Event
	{
		uint32_t target; // index into the state's g (receptor * m_np + post)
		double weight;
	};
	uint32_t m_slots = 0;
	std::vector<std::vector<Event>> m_ring;
	std::vector<int64_t> m_spiked;
};

} // namespace hxsim
