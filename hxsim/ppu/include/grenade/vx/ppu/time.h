// openhx host build of grenade/vx/ppu/time.h.
#pragma once
#include "hate/visibility.h"
#include <cstdint>

namespace grenade::vx::ppu {
// PPU cycles (250 MHz) since the start of the realtime section.
uint64_t now() SYMBOL_VISIBLE;
} // namespace grenade::vx::ppu
