"""Small value types shared by grenade's interfaces (public ``grenade.common``).

- ``ChipOnConnection``: which chip of a connection (results and injected reads of several
  chips are keyed by it; the emulated connections have one chip, ``ChipOnConnection()``);
- ``Time``: a time in FPGA clock cycles (125 per us), as the FPGA timer counts.
"""
from __future__ import annotations

import operator

from haldls.register_map import FPGA_CLOCK_CYCLES_PER_US

__all__ = ["ChipOnConnection", "Time"]


class _Index(int):
    """A non-negative integer with its own type (equal only to its own type)."""

    __slots__ = ()

    def __new__(cls, value=0):
        if isinstance(value, bool):
            raise TypeError(f"{cls.__name__}() takes an integer, got bool {value!r}")
        try:
            v = operator.index(value)
        except TypeError:
            raise TypeError(f"{cls.__name__}() takes an integer, got {value!r}") from None
        if v < 0:
            raise ValueError(f"{cls.__name__}({v}) must be >= 0")
        return int.__new__(cls, v)

    def value(self) -> int:
        return int(self)

    def __eq__(self, other):
        return type(other) is type(self) and int(self) == int(other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__, int(self)))

    def __repr__(self):
        return f"{type(self).__name__}({int(self)})"


class ChipOnConnection(_Index):
    """A chip of a connection: ``ChipOnConnection(0)`` (the default) is the first."""

    __slots__ = ()


class Time(_Index):
    """A time in FPGA clock cycles (8 ns); ``Time.fpga_clock_cycles_per_us`` is 125."""

    __slots__ = ()

    def toTimerOnFPGAValue(self):
        """The same time as a ``haldls.Timer.Value`` (ValueError beyond the 32-bit timer)."""
        import haldls
        return haldls.Timer.Value(int(self))


Time.fpga_clock_cycles_per_us = Time(FPGA_CLOCK_CYCLES_PER_US)
