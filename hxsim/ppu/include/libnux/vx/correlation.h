// openhx host build of libnux/vx/correlation.h (the names kernels use).
#pragma once
#include "libnux/vx/dls.h"

namespace libnux::vx {
// Reset all correlation sensors of the running PPU's synapse array (after the call).
void reset_all_correlations();
} // namespace libnux::vx
