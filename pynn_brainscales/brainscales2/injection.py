"""Injected configuration and readout: containers written or read at fixed points of every
executed program (public names: ``InjectedConfiguration``, ``InjectedReadout``,
``get_pre_realtime_read()``, ...).

Points of a program, in order: ``pre_non_realtime`` and ``pre_realtime`` (after the network's
configuration, before the realtime section), ``inside_realtime_begin`` (right after the timer
reset that starts the realtime section), ``inside_realtime_end`` (after the last snippet),
``post_realtime``.  A configuration entry is a dict ``{coordinate: container}`` (haldls or
lola) or a write-only ``stadls.PlaybackProgramBuilder``; it is applied in every execution (a
fresh builder each time).  Writes make grenade forget what it believes is on the chip, so the
next execution initialises the chip and writes its whole configuration.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, Optional, Set

import functools

import numpy as np

POINTS = ("pre_realtime", "inside_realtime_begin", "inside_realtime_end", "post_realtime")


@dataclass
class InjectedConfiguration:
    """Containers written at fixed points of every program (see the module doc).  Each field:
    None, ``{coordinate: container}`` or a write-only ``stadls.PlaybackProgramBuilder``.
    ``inside_realtime``: a write-only ``stadls.AbsoluteTimePlaybackProgramBuilder``, its writes
    at their times (FPGA cycles) from the start of the realtime section of every execution (as
    grenade timed writes, merged with the input spikes).  ``ppu_symbols`` (PPU memory) is not
    supported on the emulator: giving it raises NotImplementedError."""

    pre_non_realtime: Any = None
    pre_realtime: Any = None
    inside_realtime_begin: Any = None
    inside_realtime: Any = None
    inside_realtime_end: Any = None
    post_realtime: Any = None
    ppu_symbols: Any = None


@dataclass
class InjectedReadout:
    """Coordinates read at fixed points of every program; the containers of the last execution
    come back from ``get_pre_realtime_read()``, ``get_inside_realtime_begin_read()``,
    ``get_inside_realtime_end_read()``, ``get_post_realtime_read()``."""

    pre_realtime: Set[Any] = field(default_factory=set)
    inside_realtime_begin: Set[Any] = field(default_factory=set)
    inside_realtime_end: Set[Any] = field(default_factory=set)
    post_realtime: Set[Any] = field(default_factory=set)
    ppu_symbols: Set[Any] = field(default_factory=set)


def as_configuration(value) -> Optional[InjectedConfiguration]:
    """An InjectedConfiguration from ``setup(injected_config=...)`` (also a dict with its field
    names).  Raises KeyError for an unknown point, TypeError for an entry of the wrong type,
    NotImplementedError for the unsupported points."""
    value = _as(InjectedConfiguration, value, "injected_config", lambda v: v)
    if value is None:
        return None
    if value.inside_realtime is not None:
        import stadls
        if not isinstance(value.inside_realtime, stadls.AbsoluteTimePlaybackProgramBuilder):
            raise TypeError(f"injected_config.inside_realtime must be a stadls.AbsoluteTimePlaybackProgramBuilder "
                            f"(writes at times of the realtime section), got {type(value.inside_realtime).__name__}")
        if not value.inside_realtime.is_write_only():
            raise TypeError("injected_config.inside_realtime: the builder has reads (tickets cannot be repeated in "
                            "every program); read through setup(injected_readout=...)")
    for name in ("pre_non_realtime",) + POINTS:
        _check_entry(name, getattr(value, name))
    _check_ppu_symbols(value.ppu_symbols)
    return value


def _check_ppu_symbols(symbols) -> None:
    """``ppu_symbols``: {name: {HemisphereOnDLS: PPUMemoryBlock or bytes}} (or the value
    itself for both PPUs); TypeError naming the entry otherwise."""
    if not symbols:
        return
    if not isinstance(symbols, dict):
        raise TypeError(f"injected_config.ppu_symbols must be a dict {{name: {{HemisphereOnDLS: PPUMemoryBlock}}}}, "
                        f"got {type(symbols).__name__}")
    for name, per_h in symbols.items():
        values = per_h.values() if isinstance(per_h, dict) else [per_h]
        for v in values:
            if not (isinstance(v, (bytes, bytearray)) or hasattr(v, "words")):
                raise TypeError(f"injected_config.ppu_symbols[{name!r}]: {v!r} is neither a haldls.PPUMemoryBlock nor "
                                "bytes")


def as_readout(value) -> Optional[InjectedReadout]:
    """An InjectedReadout from ``setup(injected_readout=...)`` (also a dict of point -> coordinates)."""
    value = _as(InjectedReadout, value, "injected_readout", set)
    if value is None:
        return None
    from stadls.registry import container_for_coordinate
    for name in POINTS:
        for coord in getattr(value, name):
            container_for_coordinate(coord)          # TypeError for something that is no coordinate
    return value


def _as(cls, value, option, convert):
    """``value`` as a ``cls`` (None stays None; a dict of its field names is converted)."""
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, dict):
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise KeyError(f"{option}: unknown point(s) {sorted(unknown)}; points: {sorted(known)}")
        return cls(**{k: convert(v) for k, v in value.items()})
    raise TypeError(f"{option} must be a {cls.__name__} or a dict, got {type(value).__name__}")


def _check_entry(name, entry):
    import stadls
    if entry is None or isinstance(entry, dict):
        return
    if isinstance(entry, stadls.PlaybackProgramBuilder):
        if not entry.is_write_only():
            raise TypeError(f"injected_config.{name}: the builder has reads (tickets cannot be repeated in every "
                            "program); read through setup(injected_readout=...)")
        return
    raise TypeError(f"injected_config.{name} must be None, a dict {{coordinate: container}} or a write-only "
                    f"stadls.PlaybackProgramBuilder, got {type(entry).__name__}")


def _add(builder, entry):
    if entry is None:
        return
    if isinstance(entry, dict):
        for coord, container in entry.items():
            builder.write(coord, container)
    else:
        builder.copy_back(entry)


def build_hooks(config: Optional[InjectedConfiguration], readout: Optional[InjectedReadout]):
    """(grenade hooks {point: builder}, tickets {point: {coordinate: ticket}}, writes?) for one
    execution."""
    import stadls
    hooks, tickets, writes = {}, {}, False
    for point in POINTS:
        b = stadls.PlaybackProgramBuilder()
        if config is not None:
            if point == "pre_realtime":
                _add(b, config.pre_non_realtime)
            _add(b, getattr(config, point))
        writes = writes or not b.empty()
        if readout is not None:
            tickets[point] = {coord: b.read(coord) for coord in getattr(readout, point)}
        if not b.empty():
            hooks[point] = b
    return hooks, tickets, writes


def reset_all_membranes(builder=None):
    """``builder`` (a new one if None) with a NeuronReset of all 512 neurons appended (128
    quad triggers): every membrane goes to its reset potential at once."""
    import stadls
    if builder is None:
        builder = stadls.PlaybackProgramBuilder()
    builder.write_words(*_reset_words())
    return builder


@functools.lru_cache(maxsize=1)
def _reset_words():
    """(addresses, words) of the NeuronResetQuad triggers of all 512 neurons, encoded once (every
    program that starts a segment carries them)."""
    import halco
    import haldls
    plans = [haldls.NeuronResetQuad().write_plan(quad) for quad in halco.iter_all(halco.NeuronResetQuadOnDLS)]
    addresses = np.concatenate([a for a, _ in plans])
    words = np.concatenate([w for _, w in plans])
    addresses.flags.writeable = False
    words.flags.writeable = False
    return addresses, words


def collect(tickets) -> Dict[str, Dict[Any, Any]]:
    """{point: {coordinate: container}} once the program ran."""
    return {point: {coord: t.get() for coord, t in ts.items()} for point, ts in tickets.items()}


def inside_realtime_writes(config: Optional[InjectedConfiguration], runtimes_ms) -> list:
    """Per snippet of one execution (``runtimes_ms``: their hardware runtimes), the
    ``grenade.TimedWrites`` of ``config.inside_realtime`` that fall into it (None where none);
    ValueError for writes at or after the end of the realtime section."""
    builder = None if config is None else config.inside_realtime
    if builder is None or builder.empty():
        return [None] * len(runtimes_ms)
    import grenade
    from grenade.inputs import FPGA_CYCLES_PER_MS, ms_to_cycles
    ends = np.cumsum(ms_to_cycles(np.asarray(runtimes_ms, dtype=float)))
    last = max(c.time for c in builder.sorted_commands())
    if last >= ends[-1]:
        raise ValueError(f"injected_config.inside_realtime writes at {last} FPGA cycles, at or after the end of the "
                         f"realtime section ({int(ends[-1])} cycles = {ends[-1] / FPGA_CYCLES_PER_MS * 1000:g} us of hardware time)")
    out, start = [], 0
    for end in ends.tolist():
        w = grenade.TimedWrites.from_absolute_time_builder(builder, start, end)
        out.append(w if len(w) else None)
        start = end
    return out
