"""Step ``refractory``: refractory counters, clocks and reset holdoffs, computed from the
targets (public ``calix.spiking.refractory_period``); nothing is measured."""
from __future__ import annotations

import logging

import numpy as np

from .. import setup as S
from .base import Step

__all__ = ["RefractoryStep", "apply_refractory", "refractory_settings", "REFRACTORY_START_SCALE",
           "REFRACTORY_MIN_TICKS"]

log = logging.getLogger("calix.spiking")


#: the clock scale the refractory clock search starts from (as the public calix): a medium
#: clock leaves room to lengthen a calibrated neuron's refractory counter by hand
REFRACTORY_START_SCALE = 4
#: fewest ticks a refractory period is given (keeps the quantisation error below ~3 %)
REFRACTORY_MIN_TICKS = 30


def _refractory_clock_scale(shortest_tick_us: float, longest_tick_us: float, mhz: float) -> int:
    """The clock scale whose tick lies in [shortest, longest] (us) and is nearest to
    :data:`REFRACTORY_START_SCALE`; a window below scale 0 gets scale 0 (the counters
    then come out shorter than ideal)."""
    if longest_tick_us < 2 * shortest_tick_us:        # too tight: only the lower bound counts
        longest_tick_us = 2 * shortest_tick_us
    scales = np.arange(16)
    tick = 2.0 ** (scales + 1) / mhz
    inside = scales[(tick >= shortest_tick_us * (1 - 1e-12)) & (tick <= longest_tick_us * (1 + 1e-12))]
    if inside.size:
        return int(inside[np.argmin(np.abs(inside - REFRACTORY_START_SCALE))])
    if tick[-1] < shortest_tick_us:
        raise ValueError(f"refractory or holdoff times up to {255 * shortest_tick_us:g} us exceed what the "
                         f"slowest refractory clock counts ({255 * tick[-1]:g} us in 255 ticks)")
    log.warning("refractory clock at its fastest scale: refractory and holdoff times are less precise")
    return 0


def refractory_settings(refractory_time, holdoff_time, mask=None) -> dict:
    """Clock scales and per-neuron counters for refractory and holdoff targets (s).

    The refractory counter runs ``refractory_time`` ticks of the neuron's clock
    (``input_clock`` 1: fast, 0: slow; 250 MHz / 2^(scale+1)); the membrane is released from the
    reset ``(31 - 2 * reset_holdoff)`` ticks before the counter expires (the holdoff, at least
    one tick). As in the public calix, the neurons with a refractory time up to the mean (of the
    neurons in ``mask``) use the fast clock, the others, and those whose holdoff the fast clock
    cannot count, the slow one; each clock is the scale nearest to
    :data:`REFRACTORY_START_SCALE` that counts its neurons' longest time in 255 ticks and their
    shortest in at least :data:`REFRACTORY_MIN_TICKS`; the counter is the whole ticks of the
    target plus the releasing one. Raises ValueError for times the slowest clock cannot count.
    """
    n = np.broadcast(np.asarray(refractory_time), np.asarray(holdoff_time)).shape or (1,)
    t_ref = np.broadcast_to(np.asarray(refractory_time, float) * 1e6, n)
    t_hold = np.broadcast_to(np.asarray(holdoff_time, float) * 1e6, n)
    mhz = S.nominal.backend_clock_mhz()
    m = np.ones(n, bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), n)
    if not m.any():
        m = np.ones(n, bool)

    def scale_for(group):
        hold = t_hold[group]
        shortest = max(np.max(t_ref[group]) / 255, np.max(hold) / 31)
        longest = np.min(t_ref[group]) / REFRACTORY_MIN_TICKS
        if np.any(hold > 0):
            longest = min(longest, np.min(hold[hold > 0]))
        return _refractory_clock_scale(shortest, longest, mhz)

    fast_group = m & (t_ref <= np.mean(t_ref[m]) * (1 + 1e-12))
    fast = scale_for(fast_group)
    use_slow = ~fast_group | (t_hold > 31 * 2.0 ** (fast + 1) / mhz)
    slow = scale_for(m & use_slow) if np.any(m & use_slow) else 0      # unused: left at its default
    scale = np.where(use_slow, slow, fast)
    tk = 2.0 ** (scale + 1) / mhz
    ticks = np.clip(np.floor(t_ref / tk * (1 + 1e-12)) + 1, 1, 255).astype(np.int64)
    release = np.floor(t_hold / tk * (1 + 1e-12)) + 1
    holdoff = np.clip(np.ceil(15 - (release - 1) / 2), 0, 15).astype(np.int64)
    achieved_hold = (31 - 2 * holdoff) * tk
    # select_input_clock: 1 = the fast clock, 0 = the slow one (as the public calix assigns them)
    return {"refractory_time": ticks, "input_clock": (~use_slow).astype(np.int64), "reset_holdoff": holdoff,
            "clock_scale_fast": fast, "clock_scale_slow": slow, "achieved_refractory": ticks * tk * 1e-6,
            "achieved_holdoff": achieved_hold * 1e-6, "tick": tk * 1e-6}


def apply_refractory(cal) -> None:
    """Refractory counters, clocks and holdoffs of ``cal``'s targets into its chip state."""
    settings = refractory_settings(cal.refractory_time, cal.holdoff_time, cal.mask)
    cal._set("refractory_period.refractory_time", settings["refractory_time"])
    cal._set("refractory_period.input_clock", settings["input_clock"])
    cal._set("refractory_period.reset_holdoff", settings["reset_holdoff"])
    for h in range(2):
        be = cal.session.chip.neuron_block.backends[h]
        be.clock_scale_fast = int(settings["clock_scale_fast"])
        be.clock_scale_slow = int(settings["clock_scale_slow"])
        be.enable_clocks = True
    cal.info["refractory_time_achieved"] = settings["achieved_refractory"]
    cal.info["holdoff_time_achieved"] = settings["achieved_holdoff"]
    err = np.abs(settings["achieved_refractory"] - cal.refractory_time)
    tick = settings["tick"]
    cal._fail("refractory", "refractory time not representable", err > tick * 1.001)


class RefractoryStep(Step):
    """Refractory settings of every neuron (:func:`apply_refractory`)."""

    name = "refractory"

    def run(self) -> None:
        apply_refractory(self.cal)
