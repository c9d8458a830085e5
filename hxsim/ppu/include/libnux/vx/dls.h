// openhx host build of libnux/vx/dls.h: which PPU (hemisphere) runs the code, and sizes.
#pragma once
#include <cstddef>
#include <cstdint>

namespace libnux::vx {

// The two plasticity processors: top (hemisphere 0) and bottom (hemisphere 1).
enum class PPUOnDLS : uint32_t
{
	top = 0,
	bottom = 1
};

constexpr size_t dls_num_synapse_rows = 256;
constexpr size_t dls_num_columns = 256;
constexpr size_t dls_num_vector_units = 1;
constexpr size_t dls_bytes_per_vector = 128;

} // namespace libnux::vx
