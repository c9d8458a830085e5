"""Plasticity rules on the embedded plasticity processors (PPUs).

A ``PlasticityRule`` subclass returns C++ from ``generate_kernel()`` (the public PPU API:
``grenade/vx/ppu/*.h``, ``libnux/vx/*.h``; compiled on the host, see docs/ppu.md), or defines
``python_kernel(self, synapses, neurons, ppu, time)`` over the same handles as numpy arrays
(in-process emulator only).  The emulated PPUs call it at each period of its ``Timer`` (hardware
ms from the start of each ``pynn.run``).  Synapse types (``PlasticSynapse``) and cell types
(``HXNeuron(plasticity_rule=...)``) carry rules through ``PlasticityRuleHandle``.
"""
from __future__ import annotations

import enum
import math
from collections import namedtuple

import numpy as np

from grenade.inputs import FPGA_CYCLES_PER_MS

__all__ = ["Timer", "PlasticityRule", "PlasticityRuleHandle", "PPU_CYCLES_PER_FPGA_CYCLE", "ObservablePerSynapse",
           "ObservablePerNeuron", "ObservableArray"]

# the PPUs run at 250 MHz, twice the FPGA clock
PPU_CYCLES_PER_FPGA_CYCLE = 2


class Timer:
    """When a plasticity rule runs: first at ``start``, then every ``period`` (hardware ms),
    ``num_periods`` times in all.  Further keyword parameters are kept in ``parameters``."""

    def __init__(self, **parameters):
        missing = [k for k in ("start", "period", "num_periods") if k not in parameters]
        if missing:
            raise TypeError(f"Timer() needs start, period and num_periods (ms, ms, count); missing: "
                            f"{', '.join(missing)}")
        self.start = parameters["start"]
        self.period = parameters["period"]
        self.num_periods = parameters["num_periods"]
        self.parameters = {k: v for k, v in parameters.items() if k not in ("start", "period", "num_periods")}

    @property
    def start(self) -> float:
        return self._start

    @start.setter
    def start(self, value):
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"Timer start must be a finite time >= 0 ms, got {value}")
        self._start = value

    @property
    def period(self) -> float:
        return self._period

    @period.setter
    def period(self, value):
        value = float(value)
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"Timer period must be a finite time > 0 ms, got {value}")
        self._period = value

    @property
    def num_periods(self) -> int:
        return self._num_periods

    @num_periods.setter
    def num_periods(self, value):
        if int(value) != value or value < 0:
            raise ValueError(f"Timer num_periods must be an integer >= 0, got {value}")
        self._num_periods = int(value)

    @staticmethod
    def to_ppu_cycles(ms: float) -> int:
        """Hardware ms -> PPU clock cycles (250 MHz)."""
        return int(round(float(ms) * FPGA_CYCLES_PER_MS * PPU_CYCLES_PER_FPGA_CYCLE))

    def schedule(self, snippet_begin: float, snippet_end: float):
        """(start, period, num_periods) in PPU cycles of the calls that fall into the realtime
        snippet [snippet_begin, snippet_end) (hardware ms): the periods before the snippet are
        skipped, those past its end dropped, as the public backend clips a timer per snippet."""
        before = math.ceil(max(snippet_begin - self.start, 0.0) / self.period)
        inside = math.ceil(max(snippet_end - self.start, 0.0) / self.period) - before
        return (self.to_ppu_cycles(self.start + before * self.period), self.to_ppu_cycles(self.period),
                max(0, min(self.num_periods - before, inside)))

    def __repr__(self):
        return f"Timer(start={self.start}, period={self.period}, num_periods={self.num_periods})"


class _Observable:
    """Public observable descriptions of a rule (``TimedRecordingConfig``): ``type`` (``Type``)
    and, per synapse, ``layout_per_row`` (``LayoutPerRow``); arrays have a ``size``."""

    class Type(enum.Enum):
        int8 = "int8"
        uint8 = "uint8"
        int16 = "int16"
        uint16 = "uint16"

    class LayoutPerRow(enum.Enum):
        complete_rows = "complete_rows"
        packed_active_columns = "packed_active_columns"

    def __init__(self, type=None, layout_per_row=None, size: int = 0):
        self.type = type if type is not None else self.Type.int8
        self.layout_per_row = layout_per_row if layout_per_row is not None else self.LayoutPerRow.complete_rows
        self.size = int(size)

    def __repr__(self):
        return f"{type(self).__name__}(type={self.type}, layout_per_row={self.layout_per_row}, size={self.size})"


class ObservablePerSynapse(_Observable):
    """An observable with one entry per synapse of each projection, per call."""


class ObservablePerNeuron(_Observable):
    """An observable with one entry per neuron of each population, per call."""


class ObservableArray(_Observable):
    """An observable array of ``size`` entries per call."""


#: one recorded sample of an observable: ``time`` (FPGA cycles from the start of the run) and ``data``
Sample = namedtuple("Sample", ["time", "data"])


class PlasticityRule:
    """Base class of user plasticity rules: a kernel the PPUs run at the ``timer``'s periods.

    Subclasses implement ``generate_kernel()`` (C++ source defining ``PLASTICITY_RULE_KERNEL``
    over ``std::array<SynapseArrayViewHandle, N>`` and ``std::array<NeuronViewHandle, M>``, N the
    projections and M the populations carrying the rule, in creation order) or
    ``python_kernel(synapses, neurons, ppu, time)`` (numpy handles of :mod:`hxsim.ppu.handles`;
    ``record(name, value)`` stores observables).  ``observables``: name -> Observable*;
    ``same_id``: rules with the same id share one kernel (one state)."""

    def __init__(self, timer: Timer, observables=None, same_id: int = 0):
        if not isinstance(timer, Timer):
            raise TypeError(f"PlasticityRule(timer=...) takes a pynn.Timer, got {type(timer).__name__}")
        self.timer = timer
        self.observables = dict(observables or {})
        self.same_id = int(same_id)
        self._projections = []
        self._populations = []
        self._recording = {}

    def _add_projection(self, projection):
        if projection not in self._projections:
            self._projections.append(projection)

    def _add_population(self, population):
        if population not in self._populations:
            self._populations.append(population)

    def generate_kernel(self) -> str:
        """The C++ source of the PPU kernel (implemented by subclasses)."""
        raise NotImplementedError("PlasticityRule.generate_kernel() must be implemented by the subclass "
                                  "(or define python_kernel(synapses, neurons, ppu, time))")

    def _has_python_kernel(self) -> bool:
        return callable(getattr(self, "python_kernel", None))

    def record(self, name: str, value, time: int = None) -> None:
        """Store ``value`` of observable ``name`` (Python kernels; ``time`` in PPU cycles)."""
        if name not in self.observables:
            raise KeyError(f"observable {name!r} is not one of this rule's: {sorted(self.observables)}")
        self._recording.setdefault(name, []).append((time, value))

    def get_observable_array(self, observable: str):
        """The samples of an ``ObservableArray`` recorded in the last run (list of
        ``Sample(time, data)``).  KeyError for an unknown name, TypeError for another kind."""
        if observable not in self.observables:
            raise KeyError(f"plasticity rule has no observable {observable!r}; it has {sorted(self.observables)}")
        if not isinstance(self.observables[observable], ObservableArray):
            raise TypeError(f"observable {observable!r} is not an ObservableArray; use Projection.get_data / "
                            "Population.get_plasticity_data")
        return [Sample(int(t) // PPU_CYCLES_PER_FPGA_CYCLE if t is not None else None, np.asarray(v))
                for t, v in self._recording.get(observable, [])]

    def __repr__(self):
        return f"{type(self).__name__}(timer={self.timer!r}, same_id={self.same_id})"


class PlasticityRuleHandle:
    """Mixin for objects that carry a plasticity rule (plastic synapse types, neuron types):
    ``plasticity_rule`` is a :class:`PlasticityRule` or None."""

    def __init__(self, plasticity_rule=None, **kwargs):
        super().__init__(**kwargs)
        self.plasticity_rule = plasticity_rule

    @property
    def plasticity_rule(self):
        return getattr(self, "_plasticity_rule", None)

    @plasticity_rule.setter
    def plasticity_rule(self, rule):
        if rule is not None and not isinstance(rule, PlasticityRule):
            raise TypeError(f"plasticity_rule must be a pynn.PlasticityRule, got {type(rule).__name__}")
        self._plasticity_rule = rule


class _RecordingRule(PlasticityRule):
    """The rule of a ``StaticRecordingSynapse``: reads its observables at each call (a Python
    kernel; nothing is written)."""

    _FIELDS = {"weights": "get_weights", "correlation_causal": "get_causal_correlation",
               "correlation_acausal": "get_acausal_correlation"}

    def __init__(self, timer, observables):
        super().__init__(timer, observables={k: ObservablePerSynapse() for k in observables})

    def python_kernel(self, synapses, neurons, ppu, time):
        """Record the observables of every handle on the running PPU: per name, a list of
        (time, handle index, rows, (rows, 256) array)."""
        for i, s in enumerate(synapses):
            if s.hemisphere != ppu:
                continue
            for name in self.observables:
                get = getattr(s, self._FIELDS[name])
                rows = np.stack([get(r) for r in range(len(s.rows))]) if len(s.rows) else np.zeros((0, 256))
                self._recording.setdefault(name, []).append((time, i, np.asarray(s.rows), rows))
