// openhx host build of grenade/vx/ppu/synapse_array_view_handle.h: the synapses of one
// projection on one hemisphere as a kernel sees them. `rows` and `columns` are the hardware
// rows and columns (of that hemisphere's synapse array) the view occupies; a Row holds a
// whole hardware row (256 columns), and writes touch only the view's columns.
#pragma once
#include "hate/visibility.h"
#include "libnux/vx/dls.h"
#include "libnux/vx/vector.h"
#include "openhx/ppu_state.h"
#include <array>
#include <cstdint>
#include <vector>

namespace grenade::vx::ppu {

struct SynapseArrayViewHandle
{
	std::vector<uint8_t> columns;
	std::vector<uint8_t> rows;
	libnux::vx::PPUOnDLS hemisphere;
	typedef libnux::vx::vector_row_t Row;
	// 1 at the view's columns, else 0
	Row column_mask;

	struct CorrelationRow
	{
		Row causal;
		Row acausal;
	};

	Row get_weights(size_t index_row) const
	{
		Row r;
		uint8_t const* w = openhx::ppu::state->weights[h()][row(index_row)];
		for (size_t c = 0; c < 256; ++c)
			r[c] = w[c];
		return r;
	}

	// Weights are 6 bit: the higher bits of `value` are dropped, as the synapse SRAM does.
	void set_weights(Row const& value, size_t index_row) const
	{
		size_t const hw = row(index_row);
		uint8_t* w = openhx::ppu::state->weights[h()][hw];
		uint8_t* dirty = openhx::ppu::state->weights_dirty[h()][hw];
		for (size_t c = 0; c < 256; ++c)
			if (column_mask[c]) {
				w[c] = value[c] & 63;
				dirty[c] = 1;
			}
	}

	Row get_causal_correlation(size_t index_row) const
	{
		return copy(openhx::ppu::state->causal[h()][row(index_row)]);
	}

	Row get_acausal_correlation(size_t index_row) const
	{
		return copy(openhx::ppu::state->acausal[h()][row(index_row)]);
	}

	CorrelationRow get_correlation(size_t index_row, bool reset) const
	{
		CorrelationRow r{get_causal_correlation(index_row), get_acausal_correlation(index_row)};
		if (reset)
			reset_correlation(index_row);
		return r;
	}

	// Resets the sensors of the view's columns in this row (at the end of the call).
	void reset_correlation(size_t index_row) const
	{
		uint8_t* reset = openhx::ppu::state->correlation_reset[h()][row(index_row)];
		for (size_t c = 0; c < 256; ++c)
			if (column_mask[c])
				reset[c] = 1;
	}

private:
	size_t h() const { return static_cast<size_t>(hemisphere); }
	size_t row(size_t index_row) const { return rows.at(index_row); }
	static Row copy(uint8_t const* src)
	{
		Row r;
		for (size_t c = 0; c < 256; ++c)
			r[c] = src[c];
		return r;
	}
};

} // namespace grenade::vx::ppu
