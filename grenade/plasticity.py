"""Plasticity rules as graph elements: kernels the PPUs run during the realtime section.

A :class:`PlasticityRule` names the projections and populations its kernel sees (one synapse
handle per projection and hemisphere it lies on, one neuron handle per population and
hemisphere, in the order given, top hemisphere first), the kernel (C++ source for the PPU headers, or a
Python callable for the in-process emulator), and its timer: first call at ``start``, then
every ``period`` (hardware ms from the start of the realtime section), ``num_periods`` calls.

``grenade.run`` writes the rules as a program image into the PPUs' memory
(:mod:`haldls.ppu_program`), resets the correlation sensors of the rules' synapse rows and the
spike counters of their populations (a kernel sees this run's pairs and spikes, not those of an
earlier experiment on the same circuits), starts both PPUs when the realtime section starts and
stops them at its end; with ``read_symbols`` the kernels' globals (PPU symbols) are read back afterwards
(``SnippetResult.ppu_symbols``), and the observables a C++ kernel records per call
(``observables``) come back as ``SnippetResult.ppu_recordings``.

::

    builder = grenade.NetworkBuilder()
    ...
    proj = builder.add(grenade.Projection(...))
    builder.add(grenade.PlasticityRule(kernel=source, timer=(5.0, 10.0, 1), projections=(proj,)))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .elements import PopulationDescriptor, ProjectionDescriptor

__all__ = ["PlasticityRule", "ppu_program", "synapse_handles", "neuron_handles", "correlation_columns"]


@dataclass(frozen=True, eq=False)
class PlasticityRule:
    """A kernel run on the PPUs at its timer's periods (see the module doc).

    ``kernel``: C++ source defining ``PLASTICITY_RULE_KERNEL``; or ``python_kernel``:
    ``f(synapses, neurons, ppu, time)`` over :mod:`hxsim.ppu.handles` views (in-process
    emulator only).  ``timer``: (start ms, period ms, num_periods).  ``symbols``: initial
    values of the kernel's globals (name -> bytes, or a callable of the routed synapse handles,
    in the kernel's order, returning bytes: for values that depend on the routing).  Raises ValueError for an invalid timer
    or neither/both kernels."""

    timer: Tuple[float, float, int]
    projections: Tuple[ProjectionDescriptor, ...] = ()
    populations: Tuple[PopulationDescriptor, ...] = ()
    kernel: Optional[str] = None
    python_kernel: Optional[Callable] = None
    name: str = "rule"
    symbols: Dict[str, bytes] = field(default_factory=dict)
    read_symbols: bool = False
    #: observables the C++ kernel records per call (its third argument ``Recording&``): dicts
    #: with ``name``, ``kind`` ("array", "synapse", "neuron"), ``type`` ("int8", "uint8",
    #: "int16", "uint16"), ``layout`` and, for arrays, ``size`` (see hxsim.ppu.compiler)
    observables: Tuple[dict, ...] = ()
    #: the kernel reads the correlation sensors of its synapse handles: grenade connects both
    #: CADC channels of their columns to the sensors (not to the neurons) and sets the sensors'
    #: calibration bits ``correlation_calibs`` = (time_calib, amp_calib) on those columns if
    #: given.  (For every rule the sensors of its handles' rows and the spike counters of its
    #: populations are reset when the realtime section starts.)
    correlation_readout: bool = False
    correlation_calibs: Optional[Tuple[int, int]] = None
    #: read the weights of the synapse handles' rows after the realtime section
    #: (``SnippetResult.plastic_weights[rule name][hemisphere]``: {row: 256 weights by column})
    read_weights: bool = False

    def __post_init__(self):
        start, period, num = self.timer
        if not (np.isfinite(start) and start >= 0 and np.isfinite(period) and period > 0
                and int(num) == num and num >= 0):
            raise ValueError(f"PlasticityRule timer {self.timer}: needs start >= 0 ms, period > 0 ms and an "
                             "integer num_periods >= 0")
        if (self.kernel is None) == (self.python_kernel is None):
            raise ValueError("PlasticityRule needs either a C++ kernel (kernel=) or a Python kernel "
                             "(python_kernel=), not both or neither")
        if len(self.projections) > 64 or len(self.populations) > 64:
            raise ValueError("a PlasticityRule sees at most 64 projections and 64 populations")
        if self.observables and self.kernel is None:
            raise ValueError("PlasticityRule observables are recorded by C++ kernels (a Python kernel keeps its own)")
        object.__setattr__(self, "observables", tuple(dict(o) for o in self.observables))
        object.__setattr__(self, "projections", tuple(self.projections))
        object.__setattr__(self, "populations", tuple(self.populations))


def synapse_handles(routing, d: ProjectionDescriptor) -> List[dict]:
    """The synapse handles of projection ``d``: one per hemisphere its synapses lie on (top
    first), as public grenade splits a projection; ``projection``, ``hemisphere``, ``rows``
    and ``columns`` (hardware rows / columns of that hemisphere's synapse array)."""
    table = routing.synapse_table
    sel = table["projection"] == d.index
    hemis = sorted({int(h) for h in table["hemisphere"][sel]}) or [0]
    out = []
    for h in hemis:
        m = sel & (table["hemisphere"] == h)
        out.append({"projection": d.index, "hemisphere": h, "rows": sorted({int(r) for r in table["row"][m]}),
                    "columns": sorted({int(c) for c in table["column"][m]})})
    return out


def neuron_handles(network, d: PopulationDescriptor, rule_name: str = "rule") -> List[dict]:
    """The neuron handles of population ``d``: one per hemisphere its neurons lie on (top
    first); ``population``, ``hemisphere``, ``columns``.  ValueError for a population
    without on-chip neurons."""
    atoms = np.asarray(network.placement[d.index], dtype=np.int64)
    if len(atoms) == 0:
        raise ValueError(f"{rule_name}: population {d.index} is not on the chip; a neuron handle needs "
                         "on-chip neurons")
    return [{"population": d.index, "hemisphere": int(h), "columns": sorted(int(a) % 256 for a in atoms if a // 256 == h)}
            for h in sorted({int(a) // 256 for a in atoms})]


def ppu_program(network, routing, rules) -> dict:
    """The program image content of ``rules`` on the routed ``network`` (see
    :mod:`haldls.ppu_program`)."""
    from haldls.ppu_program import register_python_kernel
    out = []
    for rule in rules:
        for d in rule.projections:
            if not 0 <= d.index < len(network.projections):
                raise ValueError(f"{rule.name}: {d} is not a projection of this network")
        for d in rule.populations:
            if not 0 <= d.index < len(network.populations):
                raise ValueError(f"{rule.name}: {d} is not a population of this network")
        handles = [hd for d in rule.projections for hd in synapse_handles(routing, d)]
        out.append({
            "name": rule.name,
            "timer": [float(rule.timer[0]), float(rule.timer[1]), int(rule.timer[2])],
            "source": rule.kernel,
            "python": register_python_kernel(rule.python_kernel) if rule.python_kernel is not None else None,
            "synapse_handles": handles,
            "neuron_handles": [hd for d in rule.populations for hd in neuron_handles(network, d, rule.name)],
            "symbols": {k: bytes(v(handles) if callable(v) else v).hex() for k, v in (rule.symbols or {}).items()},
            "observables": [dict(o) for o in rule.observables],
            "read_symbols": bool(rule.read_symbols),
        })
    return {"rules": out}


def correlation_columns(network, routing) -> tuple:
    """((hemisphere, column, time_calib, amp_calib or -1 for "keep"), ...) of the synapse
    columns whose correlation sensors a rule reads (``correlation_readout``), sorted."""
    out = {}
    for rule in getattr(network, "plasticity_rules", ()):
        if not rule.correlation_readout:
            continue
        t, a = rule.correlation_calibs if rule.correlation_calibs is not None else (-1, -1)
        for d in rule.projections:
            for hd in synapse_handles(routing, d):
                for c in hd["columns"]:
                    key = (hd["hemisphere"], int(c))
                    if key in out and out[key] != (t, a):
                        raise ValueError(f"{rule.name}: synapse column {c} of hemisphere {hd['hemisphere']} "
                                         f"needs correlation sensor calibration {(t, a)}, another rule "
                                         f"{out[key]}: the sensors of one column share one setting here")
                    out[key] = (int(t), int(a))
    return tuple(sorted((h, c, t, a) for (h, c), (t, a) in out.items()))


def correlation_rows(network, routing) -> list:
    """[(hemisphere, rows)] of the synapse handles of all rules: their correlation sensors are
    reset when the realtime section starts."""
    out = []
    for rule in getattr(network, "plasticity_rules", ()):
        if rule.projections:
            out.extend((hd["hemisphere"], hd["rows"]) for d in rule.projections for hd in synapse_handles(routing, d))
    return out
