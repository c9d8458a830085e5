// Python bindings of the analog side (kernel, ModelSimulator, chip core
// inspection); called from module.cpp.
#pragma once

#include "analog_core.h"

#include <pybind11/pybind11.h>

#include <memory>

namespace hxsim {
void bind_analog(pybind11::module_& m);
// The chip's analog core from the dict hxsim.Emulator builds (hxsim/analog.py,
// chipmodel/transfer.py); None -> the digital-only core.
std::unique_ptr<AnalogCore> make_analog_core(pybind11::object setup);
} // namespace hxsim
