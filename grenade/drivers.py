"""Row-select codes and synapse-driver allocation on one PADI bus.

An event on a PADI bus carries a 5-bit row-select address ``rs`` (label bits
10..6).  Synapse driver ``d`` (its index on the bus, 0..31) with compare mask
``m`` takes the event iff ``(rs ^ d) & m == 0``.  A *label group* is a set of
at most 64 sources that share one row-select code ``c`` and differ in their
6-bit synapse label; its drivers must take ``c`` and must not take the code of
any other group on the bus (its synapses would answer foreign events).

The widest mask with which driver ``d`` still takes code ``c`` is
``~(c ^ d)``; it takes exactly the codes ``x`` that agree with ``c`` on every
bit where ``c`` and ``d`` agree (the "interval" between ``c`` and ``d`` on
the 5-cube).  So ``d`` can serve ``c`` iff no other code in use lies in that
interval.  Given the codes, drivers are assigned to groups by bipartite
matching (each group needs ``n`` drivers); codes are chosen greedily, largest
demand first, taking the first code for which a full matching exists.
All sets are 32-bit Python ints (bit d = driver d).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

N_CODES = 32
DRIVERS_PER_BUS = 32
_FULL = (1 << DRIVERS_PER_BUS) - 1


def _block_table():
    # _BLOCK[c][x]: drivers that cannot serve code c while code x is in use
    # (x lies in their interval with c: they agree with x on every bit where x != c).
    table = [[0] * N_CODES for _ in range(N_CODES)]
    for c in range(N_CODES):
        for x in range(N_CODES):
            if x == c:
                continue
            diff = c ^ x
            m = 0
            for d in range(DRIVERS_PER_BUS):
                if (d ^ x) & diff == 0:
                    m |= 1 << d
            table[c][x] = m
    return table


_BLOCK = _block_table()


def compare_mask(code: int, driver: int) -> int:
    """The compare mask with which ``driver`` takes ``code`` and as few other codes as possible."""
    return ~(code ^ driver) & (N_CODES - 1)


def takes(driver: int, mask: int, code: int) -> bool:
    """Whether a driver with this compare mask takes events with row-select ``code``."""
    return ((code ^ driver) & mask) == 0


def serve_sets(codes: Sequence[int]) -> List[int]:
    """For each code, the drivers (bitset) that can serve it given all codes."""
    out = []
    for c in codes:
        m = _FULL
        for x in codes:
            if x != c:
                m &= ~_BLOCK[c][x]
        out.append(m & _FULL)
    return out


def match(demands: Sequence[int], serve: Sequence[int]) -> Optional[List[int]]:
    """Assign ``demands[g]`` drivers from ``serve[g]`` to each group g; returns the
    owner group per driver (-1 = unused) or None if impossible (augmenting paths)."""
    owner = [-1] * DRIVERS_PER_BUS

    def augment(g: int, seen: List[int]) -> bool:
        avail = serve[g] & ~seen[0]
        while avail:                       # a free driver first
            low = avail & -avail
            avail ^= low
            seen[0] |= low
            d = low.bit_length() - 1
            if owner[d] < 0:
                owner[d] = g
                return True
        avail = serve[g] & ~seen[1]
        while avail:                       # else move another group's driver
            low = avail & -avail
            avail ^= low
            seen[1] |= low
            d = low.bit_length() - 1
            if augment(owner[d], seen):
                owner[d] = g
                return True
        return False

    for g, n in enumerate(demands):
        for _ in range(n):
            if not augment(g, [0, 0]):
                return None
    return owner


class Item:
    """Groups whose codes are tied: ``codes = base + offsets[k]`` for a base from
    ``bases`` (one candidate: a fixed code)."""

    __slots__ = ("demands", "bases", "offsets", "key")

    def __init__(self, demands: Sequence[int], bases: Sequence[int], offsets: Sequence[int] = (0,), key=None):
        self.demands = tuple(int(d) for d in demands)
        self.bases = tuple(int(b) for b in bases)
        self.offsets = tuple(int(o) for o in offsets)
        self.key = key


def allocate(items: Sequence[Item]) -> Optional[Tuple[List[List[int]], List[List[List[int]]]]]:
    """Choose codes and drivers for the items, in the order given.

    Returns ``(codes, drivers)``: per item the code of each group and the sorted
    driver indices (on the bus) of each group; None if the greedy search fails.
    """
    chosen_codes: List[int] = []
    chosen_demands: List[int] = []
    owner = None
    item_codes: List[List[int]] = []
    for item in items:
        for base in item.bases:
            codes = [base + o for o in item.offsets]
            if any(not 0 <= c < N_CODES or c in chosen_codes for c in codes):
                continue
            trial_codes = chosen_codes + codes
            trial_demands = chosen_demands + list(item.demands)
            result = match(trial_demands, serve_sets(trial_codes))
            if result is not None:
                chosen_codes, chosen_demands, owner = trial_codes, trial_demands, result
                item_codes.append(codes)
                break
        else:
            return None
    drivers: List[List[List[int]]] = []
    g = 0
    for codes in item_codes:
        per = []
        for _ in codes:
            per.append([d for d in range(DRIVERS_PER_BUS) if owner is not None and owner[d] == g])
            g += 1
        drivers.append(per)
    return item_codes, drivers
