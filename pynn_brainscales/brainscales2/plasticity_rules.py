"""Plasticity rules on the embedded plasticity processors (PPUs): the public names.

``Timer`` is complete (the periodic schedule of a rule, in hardware ms, and its conversion to
PPU clock cycles).  Running user kernels on the emulated PPUs is not available yet:
constructing a ``PlasticityRule`` raises NotImplementedError naming the feature, so a script
written for the chip stops with a clear message instead of an AttributeError.
"""
from __future__ import annotations

import math

from grenade.inputs import FPGA_CYCLES_PER_MS

__all__ = ["Timer", "PlasticityRule", "PlasticityRuleHandle", "PPU_CYCLES_PER_FPGA_CYCLE"]

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


class PlasticityRuleHandle:
    """Mixin of the public backend for objects that carry a plasticity rule (plastic synapse
    types, neuron types).  Not emulated yet: constructing one with a rule raises
    NotImplementedError naming the PPU."""

    def __init__(self, plasticity_rule=None, **kwargs):
        if plasticity_rule is not None:
            raise NotImplementedError(
                f"{type(self).__name__}(plasticity_rule=...): plasticity kernels on the embedded plasticity "
                f"processors (PPU) are not emulated yet")
        super().__init__(**kwargs)


class PlasticityRule:
    """Base class of user plasticity rules (a C++ kernel run on the PPUs at the ``Timer``'s
    periods).  Not emulated yet: constructing one raises NotImplementedError."""

    def __init__(self, timer: Timer, observables=None, same_id: int = 0):
        raise NotImplementedError(
            "pynn.PlasticityRule: plasticity kernels on the embedded plasticity processors (PPU) are not "
            "emulated yet; static networks, calibrated cells and on-chip inputs run (see docs/pynn.md)")

    def generate_kernel(self) -> str:
        """The C++ source of the PPU kernel (implemented by subclasses)."""
        raise NotImplementedError("PlasticityRule.generate_kernel() must be implemented by the subclass")
