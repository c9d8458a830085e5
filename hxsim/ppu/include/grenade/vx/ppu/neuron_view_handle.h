// openhx host build of grenade/vx/ppu/neuron_view_handle.h: the neurons of one population on
// one hemisphere as a kernel sees them (`columns`: their neuron columns on that hemisphere).
#pragma once
#include "hate/visibility.h"
#include "libnux/vx/dls.h"
#include "libnux/vx/vector.h"
#include "openhx/ppu_state.h"
#include <array>
#include <cstdint>
#include <vector>

namespace grenade::vx::ppu {

struct NeuronViewHandle
{
	std::vector<uint8_t> columns;
	libnux::vx::PPUOnDLS hemisphere;
	typedef libnux::vx::vector_row_t Row;

	// Spikes of neuron columns[column_index] since its last reset (saturates at 255).
	uint8_t get_rate_counter(size_t column_index, bool reset) const
	{
		size_t const c = columns.at(column_index);
		uint8_t const v = openhx::ppu::state->rate[h()][c];
		if (reset)
			openhx::ppu::state->rate_reset[h()][c] = 1;
		return v;
	}

	// The counters of the view's columns (others 0).
	Row get_rate_counters(bool reset) const
	{
		Row r;
		for (size_t i = 0; i < columns.size(); ++i)
			r[columns[i]] = get_rate_counter(i, reset);
		return r;
	}

	// CADC readout of the membranes at the view's columns (others 0).
	Row get_analog_readouts() const
	{
		Row r;
		for (auto const c : columns)
			r[c] = openhx::ppu::state->cadc[h()][c];
		return r;
	}

private:
	size_t h() const { return static_cast<size_t>(hemisphere); }
};

} // namespace grenade::vx::ppu
