// openhx: the entry point of a compiled kernel library (included after the user's kernel,
// which was compiled with -DPLASTICITY_RULE_KERNEL=openhx_plasticity_rule_kernel and the
// handle counts OPENHX_NUM_SYNAPSE_HANDLES / OPENHX_NUM_NEURON_HANDLES).
#pragma once
#include "grenade/vx/ppu/neuron_view_handle.h"
#include "grenade/vx/ppu/synapse_array_view_handle.h"
#include "grenade/vx/ppu/time.h"
#include "libnux/vx/correlation.h"
#include "libnux/vx/location.h"
#include "libnux/vx/reset_neurons.h"
#include "libnux/vx/time.h"
#include "openhx/ppu_state.h"
#include <array>
#include <cstring>
#include <exception>

namespace openhx::ppu {
State* state = nullptr;
static uint64_t slept = 0;
#ifdef OPENHX_HAS_RECORDING
// the observables of the running call (public: one Recording per timer period)
static Recording recording;
static_assert(sizeof(Recording) <= max_recording_bytes, "the observables of one call exceed 128 KiB");
#endif
} // namespace openhx::ppu

// the PPU running this call; kernels declare it `extern volatile PPUOnDLS ppu;`
volatile libnux::vx::PPUOnDLS ppu = libnux::vx::PPUOnDLS::top;

namespace libnux::vx {
bool get_location(PPUOnDLS& p)
{
	p = static_cast<PPUOnDLS>(openhx::ppu::state->ppu);
	return true;
}
uint64_t now()
{
	return openhx::ppu::state->now + openhx::ppu::slept;
}
void sleep_cycles(uint32_t cycles)
{
	openhx::ppu::slept += cycles;
}
void reset_neurons()
{
	openhx::ppu::state->neuron_reset |= 1u << openhx::ppu::state->ppu;
}
void reset_all_correlations()
{
	auto& reset = openhx::ppu::state->correlation_reset[openhx::ppu::state->ppu];
	for (auto& row : reset)
		for (auto& c : row)
			c = 1;
}
} // namespace libnux::vx

namespace grenade::vx::ppu {
uint64_t now()
{
	return openhx::ppu::state->now + openhx::ppu::slept;
}
} // namespace grenade::vx::ppu

extern "C" {

unsigned long openhx_state_size()
{
	return sizeof(openhx::ppu::State);
}

int openhx_ppu_call(openhx::ppu::State* s)
{
	using namespace grenade::vx::ppu;
	using libnux::vx::PPUOnDLS;
	static std::array<SynapseArrayViewHandle, OPENHX_NUM_SYNAPSE_HANDLES> synapses;
	static std::array<NeuronViewHandle, OPENHX_NUM_NEURON_HANDLES> neurons;
	static bool built = false;
	openhx::ppu::state = s;
	openhx::ppu::slept = 0;
	::ppu = static_cast<PPUOnDLS>(s->ppu);
	s->error[0] = 0;
	try {
		if (!built) {
			for (size_t i = 0; i < synapses.size(); ++i) {
				auto const& spec = s->synapse_handles[i];
				auto& h = synapses[i];
				h.hemisphere = static_cast<PPUOnDLS>(spec.hemisphere);
				h.rows.assign(spec.rows, spec.rows + spec.num_rows);
				h.columns.assign(spec.columns, spec.columns + spec.num_columns);
				h.column_mask = SynapseArrayViewHandle::Row(0);
				for (auto c : h.columns)
					h.column_mask[c] = 1;
			}
			for (size_t i = 0; i < neurons.size(); ++i) {
				auto const& spec = s->neuron_handles[i];
				neurons[i].hemisphere = static_cast<PPUOnDLS>(spec.hemisphere);
				neurons[i].columns.assign(spec.columns, spec.columns + spec.num_columns);
			}
			built = true;
		}
		s->recording_size = 0;
#ifdef OPENHX_HAS_RECORDING
		openhx::ppu::recording = Recording();
		openhx_plasticity_rule_kernel(synapses, neurons, openhx::ppu::recording);
		std::memcpy(s->recording, &openhx::ppu::recording, sizeof(Recording));
		s->recording_size = sizeof(Recording);
#else
		openhx_plasticity_rule_kernel(synapses, neurons);
#endif
		return 0;
	} catch (std::exception const& e) {
		std::strncpy(s->error, e.what(), sizeof(s->error) - 1);
		s->error[sizeof(s->error) - 1] = 0;
		return 1;
	} catch (...) {
		std::strncpy(s->error, "an exception that is not a std::exception", sizeof(s->error) - 1);
		return 1;
	}
}
}
