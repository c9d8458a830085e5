"""Where grenade will place the on-chip populations, known before the network is built.

PyNN needs the circuits of a population when it is created (parameters taken from
``setup(initial_config=...)``) and before a run (calibration, MADC checks).  grenade places
the on-chip populations in creation order (``grenade.placement``); this module asks the same
placement function with the same populations, so the answer is grenade's by construction.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

import grenade
from grenade.placement import Placement, place


def is_multicompartment(population) -> bool:
    return population.celltype.is_multicompartment


def _stub(population) -> grenade.Population:
    """A grenade population with this population's size and shape (no parameters)."""
    if is_multicompartment(population):
        return grenade.Population(population.size, config=population.celltype.logical_neuron)
    return grenade.Population(population.size)


def predict(populations: Sequence) -> Placement:
    """grenade's placement of the on-chip populations among ``populations`` (in this order).

    Raises grenade.PlacementError when they do not fit on the chip."""
    return place([_stub(p) for p in populations if p.celltype.is_on_chip], [])


def on_chip_atoms(populations: Sequence, permutation: Optional[Sequence[int]] = None
                  ) -> List[Tuple[object, np.ndarray]]:
    """[(population, AtomicNeuronOnDLS enums)] of the on-chip populations: one circuit per neuron
    (a multicompartment neuron's spike master); with ``setup(neuronPermutation=...)`` the
    permutation's entries in order.

    Raises NotImplementedError for a permutation together with multicompartment neurons."""
    on_chip = [p for p in populations if p.celltype.is_on_chip]
    if permutation is None:
        return list(zip(on_chip, predict(on_chip).atoms))
    if any(is_multicompartment(p) for p in on_chip):
        raise NotImplementedError("setup(neuronPermutation=...) with multicompartment neurons is not supported: "
                                  "their circuits are placed automatically")
    out, placed = [], 0
    for pop in on_chip:
        out.append((pop, np.asarray(permutation[placed:placed + pop.size], dtype=np.int64)))
        placed += pop.size
    return out


def next_atoms(populations: Sequence, size: int, permutation: Optional[Sequence[int]] = None) -> np.ndarray:
    """AtomicNeuronOnDLS enums the next on-chip population of ``size`` atomic neurons will occupy
    (shorter than ``size`` if a permutation runs out)."""
    placed = sum(p.size for p in populations if p.celltype.is_on_chip)
    if permutation is not None:
        return np.asarray(permutation[placed:placed + size], dtype=np.int64)
    on_chip = [_stub(p) for p in populations if p.celltype.is_on_chip]
    return place(on_chip + [grenade.Population(size)], []).atoms[-1]
