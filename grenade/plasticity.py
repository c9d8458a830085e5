"""Plasticity rules as graph elements: kernels the PPUs run during the realtime section.

A :class:`PlasticityRule` names the projections (one synapse handle each) and populations
(one neuron handle each) its kernel sees, the kernel (C++ source for the PPU headers, or a
Python callable for the in-process emulator), and its timer: first call at ``start``, then
every ``period`` (hardware ms from the start of the realtime section), ``num_periods`` calls.

``grenade.run`` writes the rules as a program image into the PPUs' memory
(:mod:`haldls.ppu_program`), starts both PPUs when the realtime section starts and stops them
at its end; with ``read_symbols`` the kernels' globals (PPU symbols) are read back afterwards
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
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from .elements import PopulationDescriptor, ProjectionDescriptor

__all__ = ["PlasticityRule", "ppu_program"]


@dataclass(frozen=True, eq=False)
class PlasticityRule:
    """A kernel run on the PPUs at its timer's periods (see the module doc).

    ``kernel``: C++ source defining ``PLASTICITY_RULE_KERNEL``; or ``python_kernel``:
    ``f(synapses, neurons, ppu, time)`` over :mod:`hxsim.ppu.handles` views (in-process
    emulator only).  ``timer``: (start ms, period ms, num_periods).  ``symbols``: initial
    values of the kernel's globals (name -> bytes).  Raises ValueError for an invalid timer
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


def _synapse_handle(network, routing, d: ProjectionDescriptor, rule: PlasticityRule) -> dict:
    table = routing.synapse_table
    sel = table["projection"] == d.index
    hemis = np.unique(table["hemisphere"][sel])
    if len(hemis) > 1:
        raise ValueError(f"{rule.name}: projection {d.index} is placed on both hemispheres; a synapse handle "
                         "covers one hemisphere (keep the postsynaptic population on one hemisphere, "
                         "at most 256 neurons)")
    h = int(hemis[0]) if len(hemis) else 0
    return {"hemisphere": h, "rows": sorted({int(r) for r in table["row"][sel]}),
            "columns": sorted({int(c) for c in table["column"][sel]})}


def _neuron_handle(network, d: PopulationDescriptor, rule: PlasticityRule) -> dict:
    atoms = np.asarray(network.placement[d.index], dtype=np.int64)
    if len(atoms) == 0:
        raise ValueError(f"{rule.name}: population {d.index} is not on the chip; a neuron handle needs "
                         "on-chip neurons")
    hemis = np.unique(atoms // 256)
    if len(hemis) > 1:
        raise ValueError(f"{rule.name}: population {d.index} lies on both hemispheres; a neuron handle covers "
                         "one hemisphere")
    return {"hemisphere": int(hemis[0]), "columns": sorted(int(a) % 256 for a in atoms)}


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
        out.append({
            "name": rule.name,
            "timer": [float(rule.timer[0]), float(rule.timer[1]), int(rule.timer[2])],
            "source": rule.kernel,
            "python": register_python_kernel(rule.python_kernel) if rule.python_kernel is not None else None,
            "synapse_handles": [_synapse_handle(network, routing, d, rule) for d in rule.projections],
            "neuron_handles": [_neuron_handle(network, d, rule) for d in rule.populations],
            "symbols": {k: bytes(v).hex() for k, v in (rule.symbols or {}).items()},
            "observables": [dict(o) for o in rule.observables],
        })
    return {"rules": out}
