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
    """Public observable descriptions of a rule (``TimedRecordingConfig``): ``type``
    (``Type``) and the layout of one call's data."""

    class Type(enum.Enum):
        int8 = "int8"
        uint8 = "uint8"
        int16 = "int16"
        uint16 = "uint16"

    kind = ""

    def __init__(self, type=None):
        self.type = type if type is not None else self.Type.int8
        if not isinstance(self.type, self.Type):
            raise TypeError(f"{type(self).__name__}.type must be one of {[t.name for t in self.Type]}, got "
                            f"{self.type!r}")

    def _spec(self, name: str) -> dict:
        return {"name": name, "kind": self.kind, "type": self.type.value}

    def __repr__(self):
        return f"{type(self).__name__}(type={self.type})"


class ObservablePerSynapse(_Observable):
    """One entry per synapse of each projection of the rule, per call.  The kernel's
    ``recording.<name>`` is a tuple over its synapse handles of, per row of the handle, a
    vector row of 256 entries (``LayoutPerRow.complete_rows``) or the handle's columns only
    (``packed_active_columns``)."""

    kind = "synapse"

    class LayoutPerRow(enum.Enum):
        complete_rows = "complete_rows"
        packed_active_columns = "packed_active_columns"

    def __init__(self, type=None, layout_per_row=None):
        super().__init__(type)
        self.layout_per_row = layout_per_row if layout_per_row is not None else self.LayoutPerRow.complete_rows

    def _spec(self, name):
        return dict(super()._spec(name), layout=self.LayoutPerRow(self.layout_per_row).value)


class ObservablePerNeuron(_Observable):
    """One entry per neuron of each population of the rule, per call (a tuple over the neuron
    handles of a vector row, ``Layout.complete_row``, or the handle's columns,
    ``packed_active_columns``)."""

    kind = "neuron"

    class Layout(enum.Enum):
        complete_row = "complete_row"
        packed_active_columns = "packed_active_columns"

    def __init__(self, type=None, layout=None):
        super().__init__(type)
        self.layout = layout if layout is not None else self.Layout.complete_row

    def _spec(self, name):
        return dict(super()._spec(name), layout=self.Layout(self.layout).value)


class ObservableArray(_Observable):
    """An array of ``size`` entries per call (``recording.<name>``, a ``std::array``)."""

    kind = "array"

    def __init__(self, type=None, size: int = 0):
        super().__init__(type)
        self.size = int(size)

    def _spec(self, name):
        if self.size < 0:
            raise ValueError(f"ObservableArray {name!r}: size {self.size} must be >= 0")
        return dict(super()._spec(name), size=self.size)


#: one recorded sample of an observable: ``time`` (``grenade.common.Time``, FPGA cycles from
#: the start of the realtime section) and ``data``
Sample = namedtuple("Sample", ["time", "data"])

_EMPTY_KERNEL = """
#include "grenade/vx/ppu/synapse_array_view_handle.h"
#include "grenade/vx/ppu/neuron_view_handle.h"

using namespace grenade::vx::ppu;
using namespace libnux::vx;

template <size_t N, size_t M>
void PLASTICITY_RULE_KERNEL(
    [[maybe_unused]] std::array<SynapseArrayViewHandle, N>& synapses,
    [[maybe_unused]] std::array<NeuronViewHandle, M>& neurons)
{}
"""


class PlasticityRule:
    """Base class of user plasticity rules: a kernel the PPUs run at the ``timer``'s periods.

    Subclasses implement ``generate_kernel()`` (C++ source defining ``PLASTICITY_RULE_KERNEL``
    over ``std::array<SynapseArrayViewHandle, N>`` and ``std::array<NeuronViewHandle, M>``, N the
    projections and M the populations carrying the rule, in creation order) or
    ``python_kernel(synapses, neurons, ppu, time)`` (numpy handles of :mod:`hxsim.ppu.handles`;
    ``record(name, value)`` stores observables).  ``observables``: name -> Observable*;
    ``same_id``: rules with the same id share one kernel (one state)."""

    ObservablePerSynapse = ObservablePerSynapse
    ObservablePerNeuron = ObservablePerNeuron
    ObservableArray = ObservableArray

    def __init__(self, timer: Timer, observables=None, same_id: int = 0):
        if not isinstance(timer, Timer):
            raise TypeError(f"PlasticityRule(timer=...) takes a pynn.Timer, got {type(timer).__name__}")
        self.timer = timer
        self.observables = dict(observables or {})
        self.same_id = int(same_id)
        for name, o in self.observables.items():
            if not isinstance(o, _Observable):
                raise TypeError(f"observable {name!r}: {o!r} is not an ObservablePerSynapse, ObservablePerNeuron or "
                                "ObservableArray")
        self._projections = []
        self._populations = []
        self._recording = {}
        self._recording_data = None

    def _add_projection(self, projection):
        if projection not in self._projections:
            self._projections.append(projection)

    def _add_population(self, population):
        if population not in self._populations:
            self._populations.append(population)

    def generate_kernel(self) -> str:
        """The C++ source of the PPU kernel; subclasses override it (this one does nothing).
        ``PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, N>&,
        std::array<NeuronViewHandle, M>&[, Recording&])``: the third argument when the rule
        has observables."""
        return _EMPTY_KERNEL

    def _observable_specs(self):
        return [o._spec(name) for name, o in self.observables.items()]

    def _samples(self, observable: str, ppu_of_element, element: int, convert):
        """Per snippet of the last run: the samples of ``observable``'s element ``element``
        (a handle index) recorded on the PPU of that handle, ``convert`` applied to its data."""
        from grenade.common import Time
        out = []
        for snippet in self._recording_data or []:
            if snippet is None:
                out.append(None)
                continue
            calls = snippet.get(ppu_of_element, [])
            out.append([Sample(Time(int(c["time"]) // PPU_CYCLES_PER_FPGA_CYCLE), convert(c[observable][element]))
                        for c in calls])
        return out

    def _has_python_kernel(self) -> bool:
        return callable(getattr(self, "python_kernel", None))

    def record(self, name: str, value, time: int = None) -> None:
        """Store ``value`` of observable ``name`` (Python kernels; ``time`` in PPU cycles)."""
        if name not in self.observables:
            raise KeyError(f"observable {name!r} is not one of this rule's: {sorted(self.observables)}")
        self._recording.setdefault(name, []).append((time, value))

    def get_observable_array(self, observable: str):
        """Public: the data of an ``ObservableArray`` in the last run, per snippet a list with
        one ``Sample(time, data)`` per timer period; ``data`` holds the array of the top PPU
        followed by the bottom PPU's (twice ``size`` entries).  RuntimeError for an unknown name
        or before a run, TypeError for another kind of observable."""
        from grenade.common import Time
        if observable not in self.observables:
            raise RuntimeError(f"plasticity rule has no observable {observable!r}; it has {sorted(self.observables)}")
        if not isinstance(self.observables[observable], ObservableArray):
            raise TypeError(f"observable {observable!r} is not an ObservableArray; use Projection.get_data / "
                            "Population.get_plasticity_data")
        if self._recording_data is None:
            raise RuntimeError("plasticity rule observables are available after pynn.run()")
        out = []
        for snippet in self._recording_data:
            top, bottom = snippet.get(0, []), snippet.get(1, [])
            out.append([Sample(Time(int(a["time"]) // PPU_CYCLES_PER_FPGA_CYCLE),
                               np.concatenate([np.asarray(a[observable][0]), np.asarray(b[observable][0])]))
                        for a, b in zip(top, bottom)])
        return out

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
        """The rule whose kernel sees this object's synapses or neurons, or None."""
        return getattr(self, "_plasticity_rule", None)

    @plasticity_rule.setter
    def plasticity_rule(self, rule):
        if rule is not None and not isinstance(rule, PlasticityRule):
            raise TypeError(f"plasticity_rule must be a pynn.PlasticityRule, got {type(rule).__name__}")
        self._plasticity_rule = rule


class _RecordingRule(PlasticityRule):
    """The rule of a ``StaticRecordingSynapse``: a kernel that records its observables
    ("weights", "correlation_causal", "correlation_acausal") of every synapse at each call and
    writes nothing."""

    _GETTERS = {"weights": "get_weights", "correlation_causal": "get_causal_correlation",
                "correlation_acausal": "get_acausal_correlation"}

    def __init__(self, timer, observables):
        super().__init__(timer, observables={k: ObservablePerSynapse(ObservablePerSynapse.Type.uint8,
                                                                     ObservablePerSynapse.LayoutPerRow.complete_rows)
                                             for k in sorted(observables)})

    def generate_kernel(self) -> str:
        names = list(self.observables)
        lines = "\n".join(f"            rec_{i}[j] = s.{self._GETTERS[n]}(j);" for i, n in enumerate(names))
        params = ", ".join(f"auto& rec_{i}" for i in range(len(names)))
        fields = ", ".join(f"recording.{n}" for n in names)
        return f"""
#include "grenade/vx/ppu/synapse_array_view_handle.h"
#include "grenade/vx/ppu/neuron_view_handle.h"
#include "grenade/vx/ppu/time.h"
#include "hate/tuple.h"
using namespace grenade::vx::ppu;
using namespace libnux::vx;
extern volatile PPUOnDLS ppu;

template <size_t N, size_t M>
void PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, N>& synapses,
                            std::array<NeuronViewHandle, M>&, Recording& recording)
{{
    recording.time = now();
    hate::for_each([](SynapseArrayViewHandle const& s, {params}) {{
        if (s.hemisphere != ppu)
            return;
        for (size_t j = 0; j < s.rows.size(); ++j) {{
{lines}
        }}
    }}, synapses, {fields});
}}
"""
