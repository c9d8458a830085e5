"""AbsoluteTimePlaybackProgramBuilder: writes and reads at absolute times.

Commands carry a time (FPGA timer cycles, ``haldls.Timer.Value``, 125 per us) instead of a
place in a sequence.  ``done()`` sorts them by time (stably: commands of equal time keep the
order they were given in) and turns them into a plain ``PlaybackProgramBuilder``: a timer
reset, then per distinct time a wait until that time and its commands.  Builders merge
(``merge``, ``copy``), shift (``+ offset``) and stretch (``* factor``) as wholes, which is what
makes two independently written command queues combinable.  PyNN's
``InjectedConfiguration.inside_realtime`` takes one: its writes happen at their times after the
start of the realtime section.
"""
from __future__ import annotations

from typing import List, NamedTuple, Optional

import halco
import haldls

from .builder import PlaybackProgramBuilder
from .program import TicketNotReadyError

_TIMER_MAX = 2**32 - 1


def _time(t) -> int:
    """A timer value in cycles (``haldls.Timer.Value`` or an int in [0, 2**32 - 1])."""
    return int(haldls.Timer.Value(t))


def _snapshot(container):
    return container.copy() if hasattr(container, "copy") else container


class TimedCommand(NamedTuple):
    """One command of an AbsoluteTimePlaybackProgramBuilder: ``time`` (cycles), ``kind``
    ("write" or "read"), ``coordinate``, ``container`` (writes), ``reference`` (differential
    writes) and the ticket of a read."""

    time: int
    kind: str
    coordinate: object
    container: object = None
    reference: object = None
    ticket: Optional["AbsoluteTimePlaybackProgramContainerTicket"] = None

    def apply(self, builder: PlaybackProgramBuilder) -> None:
        """Append this command (without its wait) to ``builder``."""
        if self.kind == "write":
            builder.write(self.coordinate, self.container, self.reference)
        else:
            self.ticket._ticket = builder.read(self.coordinate)


class AbsoluteTimePlaybackProgramContainerTicket:
    """The future of a read at an absolute time; ``get()`` works once the program built from
    the builder has run."""

    __slots__ = ("_coordinate", "_ticket")

    def __init__(self, coordinate):
        self._coordinate = coordinate
        self._ticket = None

    def valid(self) -> bool:
        return self._ticket is not None and self._ticket.valid()

    def get(self):
        """The read container; TicketNotReadyError before the program ran."""
        if self._ticket is None:
            raise TicketNotReadyError(f"read of {self._coordinate!r} is not in a program yet: call done() on its "
                                      "AbsoluteTimePlaybackProgramBuilder and run the program")
        return self._ticket.get()

    def get_coordinate(self):
        return self._coordinate

    @property
    def fpga_time(self):
        """Not emulated: read answers carry no time stamp on the emulated FPGA."""
        raise NotImplementedError("AbsoluteTimePlaybackProgramContainerTicket.fpga_time: read answers carry no "
                                  "time stamp on the emulated FPGA")

    def __repr__(self):
        return f"AbsoluteTimePlaybackProgramContainerTicket({self._coordinate!r}, " \
               f"{'valid' if self.valid() else 'pending'})"


class AbsoluteTimePlaybackProgramBuilder:
    """Collect writes and reads at absolute times (see the module doc).

    >>> b = AbsoluteTimePlaybackProgramBuilder()
    >>> b.write(haldls.Timer.Value(125), halco.CapMemCellOnDLS.from_enum(0), haldls.CapMemCell(5))
    >>> plain = b.done()             # a PlaybackProgramBuilder
    """

    def __init__(self):
        self._commands: List[TimedCommand] = []

    # -- commands ----------------------------------------------------------------------------
    def write(self, time, coord, container, config_reference=None) -> None:
        """Write ``container`` at ``coord`` when the timer reaches ``time`` (cycles).  The
        container is copied now (later changes to it do not reach the builder).  Writing the
        timer itself raises ValueError: the builder owns it."""
        if isinstance(coord, halco.TimerOnDLS):
            raise ValueError("the AbsoluteTimePlaybackProgramBuilder owns the FPGA timer: writes at TimerOnDLS "
                             "are not allowed")
        if isinstance(container, haldls.Barrier):
            raise TypeError("a Barrier is no write: the AbsoluteTimePlaybackProgramBuilder only writes and reads")
        self._commands.append(TimedCommand(_time(time), "write", coord, _snapshot(container),
                                           None if config_reference is None else _snapshot(config_reference)))

    def read(self, time, coord) -> AbsoluteTimePlaybackProgramContainerTicket:
        """Read the container at ``coord`` when the timer reaches ``time``; returns its ticket."""
        from .registry import container_for_coordinate
        container_for_coordinate(coord)          # TypeError now for a coordinate nothing is read at
        ticket = AbsoluteTimePlaybackProgramContainerTicket(coord)
        self._commands.append(TimedCommand(_time(time), "read", coord, ticket=ticket))
        return ticket

    # -- composition -------------------------------------------------------------------------
    def merge(self, other: "AbsoluteTimePlaybackProgramBuilder") -> None:
        """Move ``other``'s commands in (``other`` is emptied)."""
        _check_builder(other)
        if other is self:
            raise ValueError("cannot merge a builder into itself")
        self._commands.extend(other._commands)
        other._commands = []

    def copy(self, other: "AbsoluteTimePlaybackProgramBuilder") -> None:
        """Append copies of ``other``'s commands; ``other`` must be write-only (tickets cannot
        be shared)."""
        _check_builder(other)
        if not other.is_write_only():
            raise ValueError("copy needs a write-only AbsoluteTimePlaybackProgramBuilder (it has reads)")
        self._commands.extend(c._replace(container=_snapshot(c.container), reference=_snapshot(c.reference))
                              for c in list(other._commands))

    def _copied(self) -> "AbsoluteTimePlaybackProgramBuilder":
        if not self.is_write_only():
            raise ValueError("a builder with reads cannot be copied (its tickets cannot be shared)")
        out = AbsoluteTimePlaybackProgramBuilder()
        out.copy(self)
        return out

    def __iadd__(self, offset):
        """Shift every command by ``offset`` cycles."""
        offset = _time(offset)
        shifted = [c._replace(time=c.time + offset) for c in self._commands]
        if any(c.time > _TIMER_MAX for c in shifted):
            raise ValueError(f"shifting by {offset} cycles moves a command past the 32-bit timer")
        self._commands = shifted
        return self

    def __add__(self, offset) -> "AbsoluteTimePlaybackProgramBuilder":
        """A shifted copy (write-only builders only)."""
        out = self._copied()
        out += offset
        return out

    def __imul__(self, factor):
        """Stretch every command time by ``factor`` (rounded to whole cycles)."""
        factor = float(factor)
        if not factor >= 0:
            raise ValueError(f"time factor {factor} must be >= 0")
        scaled = [c._replace(time=int(round(c.time * factor))) for c in self._commands]
        if any(c.time > _TIMER_MAX for c in scaled):
            raise ValueError(f"scaling by {factor} moves a command past the 32-bit timer")
        self._commands = scaled
        return self

    def __mul__(self, factor) -> "AbsoluteTimePlaybackProgramBuilder":
        """A stretched copy (write-only builders only)."""
        out = self._copied()
        out *= factor
        return out

    # -- introspection -----------------------------------------------------------------------
    def empty(self) -> bool:
        return not self._commands

    def is_write_only(self) -> bool:
        return all(c.kind == "write" for c in self._commands)

    def __len__(self):
        return len(self._commands)

    def sorted_commands(self) -> List[TimedCommand]:
        """The commands in execution order: by time, stably (equal times keep their order)."""
        return sorted(self._commands, key=lambda c: c.time)

    def __repr__(self):
        lines = [f"AbsoluteTimePlaybackProgramBuilder({len(self._commands)} commands)"]
        lines += [f"  {c.kind:5s} t={c.time} {c.coordinate!r}" for c in self.sorted_commands()[:20]]
        return "\n".join(lines)

    # -- the plain builder ----------------------------------------------------------------------
    def done(self) -> PlaybackProgramBuilder:
        """A PlaybackProgramBuilder: timer reset, then per distinct time a wait and the
        commands of that time.  This builder starts over empty."""
        b = PlaybackProgramBuilder()
        b.write(halco.TimerOnDLS(), haldls.Timer())
        append_timed(b, self.sorted_commands())
        self._commands = []
        return b


def append_timed(builder: PlaybackProgramBuilder, commands: List[TimedCommand], offset: int = 0) -> None:
    """Append sorted ``commands`` to ``builder``: a wait until ``offset + time`` before each
    distinct time (the timer must count from the origin the times refer to)."""
    current = None
    for c in commands:
        if c.time != current:
            builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(offset + c.time))
            current = c.time
        c.apply(builder)


def _check_builder(other):
    if not isinstance(other, AbsoluteTimePlaybackProgramBuilder):
        raise TypeError(f"expected an AbsoluteTimePlaybackProgramBuilder, got {type(other).__name__}")
