// openhx host build of the PPU headers: symbol visibility is not needed on the host.
#pragma once
#ifndef SYMBOL_VISIBLE
#define SYMBOL_VISIBLE
#endif
