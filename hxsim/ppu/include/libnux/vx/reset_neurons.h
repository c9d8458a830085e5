// openhx host build of libnux/vx/reset_neurons.h.
#pragma once
namespace libnux::vx {
// Reset the membranes of all neurons of the running PPU's hemisphere.
void reset_neurons();
} // namespace libnux::vx
