// Python binding of the router's source distribution (grenade/routing.py); called from
// module.cpp.
#pragma once

#include <pybind11/pybind11.h>

namespace hxsim {
void bind_routing(pybind11::module_& m);
} // namespace hxsim
