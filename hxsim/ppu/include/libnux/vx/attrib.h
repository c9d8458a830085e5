// openhx host build: the PPU attribute macros of libnux.
#pragma once
#define ATTRIB_ALWAYS_INLINE inline
#define ATTRIB_UNUSED __attribute__((unused))
#define ATTRIB_LINK_TO_INTERNAL
#define ATTRIB_LINK_TO_EXTERNAL
