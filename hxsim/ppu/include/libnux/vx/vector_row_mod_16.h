// openhx host build: all vector row types live in vector_row.h.
#pragma once
#include "libnux/vx/vector_row.h"
