"""Placement: which atomic neuron circuit hosts each neuron, which background
generator each background population uses.

Rules (deterministic):

* explicitly placed populations keep their circuits; two populations claiming
  one circuit is a :class:`PlacementError`;
* the other on-chip populations get the free circuits in increasing
  ``AtomicNeuronOnDLS`` enumeration order (top row 0..255, then bottom row),
  population after population, neuron after neuron;
* a background population without placement uses one generator in each
  hemisphere holding one of its targets (hemisphere 0 if it has none), on the
  lowest free PADI bus; two background populations on one (hemisphere, bus)
  is a :class:`PlacementError` (each generator reaches only its own bus).
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

from .network import (NEURONS_ON_CHIP, BackgroundSourcePopulation, PlacementError, Population, Projection, _atoms)


def place(populations: Sequence, projections: Sequence[Projection]
          ) -> Tuple[Tuple[np.ndarray, ...], Tuple[Tuple[Tuple[int, int], ...], ...]]:
    """(neuron placement per population, background placement per population)."""
    owner = np.full(NEURONS_ON_CHIP, -1, dtype=np.int64)
    for i, pop in enumerate(populations):
        if isinstance(pop, Population) and pop.placement is not None:
            taken = owner[pop.placement]
            if np.any(taken >= 0):
                k = int(np.flatnonzero(taken >= 0)[0])
                raise PlacementError(f"placement collision: population {i} and population {int(taken[k])} both use "
                                     f"{_atoms([pop.placement[k]])}")
            owner[pop.placement] = i
    free = np.flatnonzero(owner < 0)
    pos = 0
    placement: List[np.ndarray] = []
    for i, pop in enumerate(populations):
        if not isinstance(pop, Population):
            placement.append(np.zeros(0, dtype=np.int64))
        elif pop.placement is not None:
            placement.append(pop.placement)
        else:
            if pos + pop.size > len(free):
                raise PlacementError(f"too many neurons for the chip: population {i} ({pop.size} neurons) finds "
                                     f"only {len(free) - pos} free neuron circuits of {NEURONS_ON_CHIP}")
            atoms = free[pos:pos + pop.size].copy()
            pos += pop.size
            owner[atoms] = i
            placement.append(atoms)
    for a in placement:
        a.flags.writeable = False

    bg: List[Tuple[Tuple[int, int], ...]] = [() for _ in populations]
    used = {}
    for i, pop in enumerate(populations):
        if isinstance(pop, BackgroundSourcePopulation) and pop.placement is not None:
            for hb in pop.placement:
                if hb in used:
                    raise PlacementError(f"BackgroundSourcePopulations {used[hb]} and {i} are both placed on "
                                         f"hemisphere {hb[0]}, PADI bus {hb[1]} (one generator per bus)")
                used[hb] = i
            bg[i] = pop.placement
    for i, pop in enumerate(populations):
        if not isinstance(pop, BackgroundSourcePopulation) or pop.placement is not None:
            continue
        hemis = sorted({int(h) for p in projections if p.pre.index == i
                        for h in np.unique(placement[p.post.index][p.post_indices] // 256)}) or [0]
        pairs = []
        for h in hemis:
            bus = next((b for b in range(4) if (h, b) not in used), None)
            if bus is None:
                raise PlacementError(f"BackgroundSourcePopulation {i}: no free background generator on "
                                     f"hemisphere {h} (all 4 PADI buses taken)")
            used[(h, bus)] = i
            pairs.append((h, bus))
        bg[i] = tuple(pairs)
    return tuple(placement), tuple(bg)
