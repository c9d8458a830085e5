// openhx host build of libnux/vx/time.h: the PPU's time base (250 MHz cycles).
#pragma once
#include <cstdint>

namespace libnux::vx {
// PPU cycles since the PPU was started (the emulated chip's time at this call).
uint64_t now();
// The kernel's view of time advances by `cycles` (the emulated chip does not: a kernel
// call takes no chip time; see docs/ppu.md).
void sleep_cycles(uint32_t cycles);
} // namespace libnux::vx
