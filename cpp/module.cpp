#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(_core, m)
{
	m.doc() = "C++ core of the emulated HX chip";
	m.attr("version") = 1;
}
