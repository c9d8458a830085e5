// openhx host build of libnux/vx/location.h: which PPU runs this code.
#pragma once
#include "libnux/vx/dls.h"
#include "libnux/vx/vector.h"

namespace libnux::vx {
// The host sets the running PPU before each call: always valid.
bool get_location(PPUOnDLS& ppu);
} // namespace libnux::vx
