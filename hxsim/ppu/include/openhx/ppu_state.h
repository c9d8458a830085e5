// openhx: the state a kernel call sees, shared between the emulator's PPU host (Python)
// and the worker process that runs the compiled kernel (hxsim/ppu/state.py mirrors it).
// The host fills it from the chip before a call and writes back what the kernel changed.
#pragma once
#include <cstdint>

namespace openhx::ppu {

constexpr uint32_t max_handles = 64;
// the largest Recording (observables of one call) a kernel may have
constexpr uint32_t max_recording_bytes = 1u << 17;

struct SynapseHandleSpec
{
	uint32_t hemisphere;
	uint32_t num_rows;
	uint32_t num_columns;
	uint32_t pad;
	uint8_t rows[256];
	uint8_t columns[256];
};

struct NeuronHandleSpec
{
	uint32_t hemisphere;
	uint32_t num_columns;
	uint8_t columns[256];
};

struct State
{
	uint64_t now;      // PPU cycles since the PPU started
	uint32_t ppu;      // running PPU (hemisphere)
	uint32_t num_synapse_handles;
	uint32_t num_neuron_handles;
	uint32_t neuron_reset; // bit h: reset_neurons() on PPU h
	SynapseHandleSpec synapse_handles[max_handles];
	NeuronHandleSpec neuron_handles[max_handles];
	uint8_t weights[2][256][256];
	uint8_t causal[2][256][256];
	uint8_t acausal[2][256][256];
	uint8_t weights_dirty[2][256][256]; // written by the kernel
	uint8_t correlation_reset[2][256][256];
	uint8_t rate[2][256];
	uint8_t rate_reset[2][256];
	uint8_t cadc[2][256];
	char error[1024]; // an exception's message
	uint32_t recording_size; // bytes of the kernel's Recording of this call (0: none)
	uint32_t pad2;
	uint8_t recording[max_recording_bytes];
};

// set by the entry point of each kernel library
extern State* state;

} // namespace openhx::ppu
