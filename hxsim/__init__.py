"""hxsim: the emulated HX v3 chip (digital core in C++, ``hxsim._core``).

Reached only through an hxcomm connection, exactly as real hardware would be
(:class:`hxsim.connection.EmulatorConnection`, the hxcomm backend ``emulator``, wraps
:class:`Emulator` and registers itself with hxcomm; ``python -m hxsim.serve`` serves it over
TCP or a serial link). The C++ side holds no
copy of the register map, the instruction set or the chip geometry: :mod:`hxsim.emulator`
loads them from haldls, hxcomm and halco and hands them over as numeric tables. See
docs/hxsim.md.
"""
from .emulator import (L2_LATENCY_CYCLES, PADI_LATENCY_CYCLES, Emulator, chip_geometry, crossbar_nodes,
                       wire_spec)
from .model import ModelSimulator, RunResult
from .connection import EmulatorConnection  # noqa: E402 - importing it registers the hxcomm backend

__all__ = ["Emulator", "ModelSimulator", "RunResult", "L2_LATENCY_CYCLES", "PADI_LATENCY_CYCLES",
           "crossbar_nodes", "chip_geometry", "wire_spec", "EmulatorConnection"]
