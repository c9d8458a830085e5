"""TsodyksMarkramSynapse on the synapse drivers' short-term plasticity (STP).

The chip's STP (haldls ``SynapseDriverConfig``: ``utilization``, ``recovery``, ``enable_stp``,
``enable_recovery``; ``CommonSTPConfig.recovery_clock_speed`` per hemisphere) depresses: a
driver keeps resources R, an event is transmitted with efficacy R and uses the fraction
``U = (utilization + 1) / 16`` of them, and R recovers towards 1 with
``tau_rec = unit x (recovery + 1) x (recovery_clock_speed + 1)`` (``unit`` =
``stp_tau_rec_unit_us`` of the chip, 1 us).  That is Tsodyks-Markram depression with
``tau_facil = 0``: the n-th spike of a source transmits ``weight x U x R_n``.  The chip has no
facilitation (no running utilisation u; the driver's ``enable_renewing`` and charge sharing
are broken on HX), so ``tau_facil > 0`` raises NotImplementedError.

Mapping: the hardware weight realises ``weight x U`` (the requested U: the first spike is
exact); U is rounded to the nearest sixteenth (1/16..1); all TsodyksMarkram connections share
one ``recovery_clock_speed`` s, chosen so that every requested tau_rec is met as closely as
possible by ``(r + 1)(s + 1)`` (relative error over all, largest first); rounded values come with
a :class:`TsodyksMarkramWarning`.  The state lives in the driver and every event it receives
uses it up, so every source gets drivers of its own (grenade routes one source per label group):
connections from on-chip neurons, whose events share row-select codes, raise
NotImplementedError.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Dict, List, Tuple

import numpy as np

__all__ = ["PARAMETERS", "TsodyksMarkramWarning", "check", "chip_stp", "tau_rec_range_hw_us"]

PARAMETERS = ("U", "tau_rec", "tau_facil")
U_STEPS = 16
FIELD_MAX = 15


class TsodyksMarkramWarning(UserWarning):
    """U or tau_rec of a TsodyksMarkramSynapse rounded to what the chip's STP realises."""


@lru_cache(maxsize=None)
def _unit_us() -> float:
    from chipmodel import transfer
    return float(transfer.CONSTANTS["stp_tau_rec_unit_us"])


def tau_rec_range_hw_us() -> Tuple[float, float]:
    """(shortest, longest) recovery time constant of the chip, hardware us."""
    return _unit_us(), _unit_us() * (FIELD_MAX + 1) ** 2


def check(projection, name: str, values) -> np.ndarray:
    """``values`` of STP parameter ``name`` as floats; ValueError out of range, NotImplementedError
    for facilitation."""
    v = np.asarray(values, dtype=float)
    what = projection._describe()
    if v.size and not np.all(np.isfinite(v)):
        raise ValueError(f"{what}: TsodyksMarkramSynapse {name} must be finite")
    if name == "tau_facil" and v.size and np.any(v != 0):
        raise NotImplementedError(
            f"{what}: TsodyksMarkramSynapse with tau_facil = {v[v != 0].ravel()[0]:g} ms (facilitation): the chip's "
            f"short-term plasticity only depresses (synapse driver utilization and recovery, no facilitation); "
            f"use tau_facil = 0")
    if name == "U" and v.size and np.any((v <= 0) | (v > 1)):
        raise ValueError(f"{what}: TsodyksMarkramSynapse U = {v[(v <= 0) | (v > 1)].ravel()[0]:g} must lie in (0, 1]")
    if name == "tau_rec" and v.size and np.any(v <= 0):
        raise ValueError(f"{what}: TsodyksMarkramSynapse tau_rec = {v[v <= 0].ravel()[0]:g} ms must be positive")
    return v


def _choose_speed(products: np.ndarray) -> int:
    """Recovery clock speed s (0..15) that meets the products tau_rec / unit = (r + 1)(s + 1) best:
    smallest largest relative error, then the smallest s."""
    best = None
    for s in range(FIELD_MAX + 1):
        r = np.clip(np.rint(products / (s + 1)), 1, FIELD_MAX + 1)
        err = float(np.max(np.abs(r * (s + 1) - products) / products)) if len(products) else 0.0
        if best is None or err < best[0] - 1e-12:
            best = (err, s)
    return best[1]


def chip_stp(state) -> Dict[Tuple[float, float], object]:
    """{(U, tau_rec in the backend's ms): grenade.STP} for every TsodyksMarkram connection of the
    network (one recovery clock speed for all).  ValueError for U below 1/32 or tau_rec beyond
    the chip's range, naming the projection; TsodyksMarkramWarning for rounded values."""
    import grenade
    pairs: Dict[Tuple[float, float], object] = {}
    where: Dict[Tuple[float, float], object] = {}
    for prj in state.projections:
        stp = getattr(prj, "_stp", None)
        if not stp or not len(prj._pre):
            continue
        for u, tau in set(zip(stp["U"].tolist(), stp["tau_rec"].tolist())):
            pairs[(u, tau)] = None
            where.setdefault((u, tau), prj)
    if not pairs:
        return {}
    lo, hi = tau_rec_range_hw_us()
    unit = _unit_us()
    keys = sorted(pairs)
    tau_hw = np.array([k[1] for k in keys]) / state.speedup * 1000.0          # ms -> hardware us
    for (u, tau), t_hw in zip(keys, tau_hw):
        if not lo * (1 - 1e-9) <= t_hw <= hi * (1 + 1e-9):
            f = state.speedup / 1000.0
            raise ValueError(f"{where[(u, tau)]._describe()}: TsodyksMarkramSynapse tau_rec = {tau:g} ms cannot be "
                             f"realised: the chip's STP recovers with {lo * f:g}..{hi * f:g} ms ({state.units} time; "
                             f"{lo:g}..{hi:g} us hardware)")
        if u < 0.5 / U_STEPS:
            raise ValueError(f"{where[(u, tau)]._describe()}: TsodyksMarkramSynapse U = {u:g} is below the chip's "
                             f"smallest utilisation 1/16 (U is realised in steps of 1/16)")
    products = tau_hw / unit
    s = _choose_speed(products)
    rounded = []
    for (u, tau), p in zip(keys, products):
        util = int(np.clip(np.rint(u * U_STEPS) - 1, 0, FIELD_MAX))
        rec = int(np.clip(np.rint(p / (s + 1)), 1, FIELD_MAX + 1)) - 1
        cfg = grenade.STP(utilization=util, recovery=rec, recovery_clock_speed=s)
        pairs[(u, tau)] = cfg
        tau_real = unit * (rec + 1) * (s + 1) * state.speedup / 1000.0
        if abs(cfg.U - u) > 1e-9 or abs(tau_real - tau) > 1e-9 * tau:
            rounded.append(f"U {u:g} -> {cfg.U:g}, tau_rec {tau:g} -> {tau_real:g} ms")
    if rounded:
        warnings.warn("TsodyksMarkramSynapse parameters rounded to the chip's short-term plasticity (U in steps of "
                      "1/16, tau_rec = (r + 1)(s + 1) us hardware with one s): " + "; ".join(rounded[:6])
                      + (" ..." if len(rounded) > 6 else ""), TsodyksMarkramWarning, stacklevel=4)
    return pairs


def connection_configs(projection, pairs) -> Tuple[np.ndarray, List]:
    """(config index per connection, [grenade.STP]) of a TsodyksMarkram projection."""
    stp = projection._stp
    keys = list(zip(stp["U"].tolist(), stp["tau_rec"].tolist()))
    configs = sorted({pairs[k] for k in keys}, key=lambda c: (c.utilization, c.recovery))
    index = np.array([configs.index(pairs[k]) for k in keys], dtype=np.int64)
    return index, configs
