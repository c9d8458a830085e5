// openhx host build of libnux/vx/vector.h: the row type of the synapse array.
#pragma once
#include "libnux/vx/dls.h"
#include "libnux/vx/vector_row.h"

namespace libnux::vx {
typedef VectorRowMod8 vector_row_t;
} // namespace libnux::vx
