"""Placement: which atomic neuron circuits host each neuron, which background
generator each background population uses.

Rules (deterministic):

* explicitly placed populations keep their circuits; two populations claiming
  one circuit is a :class:`PlacementError`;
* the other on-chip populations are placed population after population, neuron
  after neuron: an atomic neuron takes the lowest free circuit in
  ``AtomicNeuronOnDLS`` enumeration order (top row 0..255, then bottom row); a
  multi-compartment neuron takes the first anchor in that order (its shape's
  top-left corner) where all circuits of its shape are free and the shape stays
  within one half of the chip (columns 0..127 or 128..255: the somatic lines of
  the halves are separate);
* a background population without placement uses one generator in each
  hemisphere holding one of its targets (hemisphere 0 if it has none), on the
  lowest free PADI bus; two background populations on one (hemisphere, bus)
  is a :class:`PlacementError` (each generator reaches only its own bus).
"""
from __future__ import annotations

from typing import List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

import halco

from .elements import NEURONS_ON_CHIP, BackgroundSourcePopulation, PlacementError, Population, Projection, _atoms

COLUMNS = halco.NeuronColumnOnDLS.size
ROWS = halco.NeuronRowOnDLS.size
HALF = COLUMNS // 2


class Placement(NamedTuple):
    """Result of :func:`place`, one entry per population (see ``grenade.Network``)."""

    atoms: Tuple[np.ndarray, ...]                        # spike master circuit per neuron
    compartments: Tuple[Tuple[np.ndarray, ...], ...]     # per compartment: (size, circuits)
    logical: Tuple[Optional[tuple], ...]                 # LogicalNeuronOnDLS per neuron, or None
    background: Tuple[Tuple[Tuple[int, int], ...], ...]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.int64)
    a.flags.writeable = False
    return a


def _compartment_arrays(coords) -> Tuple[np.ndarray, ...]:
    """Per compartment (by index) the (neurons, circuits) array of placed AtomicNeuronOnDLS enums."""
    per_neuron = [sorted(c.get_placed_compartments().items(), key=lambda kv: kv[0].value()) for c in coords]
    n_comp = len(per_neuron[0])
    return tuple(_frozen([[int(a.toEnum()) for a in neuron[k][1]] for neuron in per_neuron])
                 for k in range(n_comp))


def _explicit_circuits(pop: Population) -> np.ndarray:
    if pop.shape is None:
        return np.asarray(pop.placement, dtype=np.int64)
    return np.array([int(a.toEnum()) for c in pop.placement for a in c.get_atomic_neurons()], dtype=np.int64)


def shape_offsets(shape) -> Tuple[np.ndarray, int, int]:
    """((circuits, 2) array of (column, row) offsets from the shape's top-left corner, width, height)."""
    cells = [n for ns in shape.get_compartments().values() for n in ns]
    left = min(n.x().value() for n in cells)
    top = min(n.y().value() for n in cells)
    offsets = np.array([(n.x().value() - left, n.y().value() - top) for n in cells], dtype=np.int64)
    return offsets, int(offsets[:, 0].max()) + 1, int(offsets[:, 1].max()) + 1


def first_fit(shape, free: np.ndarray):
    """The first anchor (enumeration order) where ``shape`` fits on the free circuits
    ``free`` (a (rows, columns) bool array) within one half of the chip, as a
    ``LogicalNeuronOnDLS``; None if there is none."""
    import lola
    offsets, width, height = shape_offsets(shape)
    rows, cols = ROWS - height + 1, COLUMNS - width + 1
    if rows < 1 or cols < 1:
        return None
    ok = np.ones((rows, cols), dtype=bool)
    for dx, dy in offsets:
        ok &= free[dy:dy + rows, dx:dx + cols]
    anchor_col = np.arange(cols)
    ok &= (anchor_col // HALF) == ((anchor_col + width - 1) // HALF)
    hits = np.flatnonzero(ok.ravel())
    if not len(hits):
        return None
    row, col = divmod(int(hits[0]), cols)
    anchor = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(col), halco.NeuronRowOnDLS(row))
    return lola.LogicalNeuronOnDLS(shape, anchor)


def _place_logical(i: int, pop: Population, owner: np.ndarray) -> tuple:
    coords = []
    for k in range(pop.size):
        coord = first_fit(pop.shape, (owner < 0).reshape(ROWS, COLUMNS))
        if coord is None:
            _, width, height = shape_offsets(pop.shape)
            raise PlacementError(
                f"population {i}: neuron {k} does not fit on the chip: its logical neuron needs "
                f"{pop.circuits_per_neuron} circuits in a block of {width} column(s) x {height} row(s) within one "
                f"half of the chip (columns 0..{HALF - 1} or {HALF}..{COLUMNS - 1}); "
                f"{int(np.count_nonzero(owner < 0))} circuits are free, but no such block")
        owner[[int(a.toEnum()) for a in coord.get_atomic_neurons()]] = i
        coords.append(coord)
    return tuple(coords)


def place(populations: Sequence, projections: Sequence[Projection]) -> Placement:
    """The placement of all populations (see the module doc)."""
    owner = np.full(NEURONS_ON_CHIP, -1, dtype=np.int64)
    for i, pop in enumerate(populations):
        if isinstance(pop, Population) and pop.placement is not None:
            circuits = _explicit_circuits(pop)
            taken = owner[circuits]
            if np.any(taken >= 0):
                k = int(np.flatnonzero(taken >= 0)[0])
                raise PlacementError(f"placement collision: population {i} and population {int(taken[k])} both use "
                                     f"{_atoms([circuits[k]])}")
            owner[circuits] = i
    atoms: List[np.ndarray] = []
    compartments: List[Tuple[np.ndarray, ...]] = []
    logical: List[Optional[tuple]] = []
    for i, pop in enumerate(populations):
        if not isinstance(pop, Population):
            atoms.append(_frozen(np.zeros(0)))
            compartments.append(())
            logical.append(None)
            continue
        if pop.shape is not None:
            coords = pop.placement if pop.placement is not None else _place_logical(i, pop, owner)
            comps = _compartment_arrays(coords)
            atoms.append(_frozen(comps[0][:, 0]))
            compartments.append(comps)
            logical.append(tuple(coords))
            continue
        if pop.placement is not None:
            placed = pop.placement
        else:
            free = np.flatnonzero(owner < 0)
            if pop.size > len(free):
                raise PlacementError(f"too many neurons for the chip: population {i} ({pop.size} neurons) finds "
                                     f"only {len(free)} free neuron circuits of {NEURONS_ON_CHIP}")
            placed = free[:pop.size].copy()
            owner[placed] = i
        placed = _frozen(placed)
        atoms.append(placed)
        compartments.append((_frozen(placed[:, None]),))
        logical.append(None)
    return Placement(tuple(atoms), tuple(compartments), tuple(logical),
                     _place_background(populations, projections, compartments))


def _target_hemispheres(projection: Projection, compartments) -> List[int]:
    comps = compartments[projection.post.index]
    hemis = set()
    for c in np.unique(projection.post_compartments):
        idx = projection.post_indices[projection.post_compartments == c]
        hemis.update(int(h) for h in np.unique(comps[int(c)][idx] // COLUMNS))
    return sorted(hemis)


def _place_background(populations, projections, compartments) -> Tuple[Tuple[Tuple[int, int], ...], ...]:
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
        hemis = sorted({h for p in projections if p.pre.index == i
                        for h in _target_hemispheres(p, compartments)}) or [0]
        pairs = []
        for h in hemis:
            bus = next((b for b in range(4) if (h, b) not in used), None)
            if bus is None:
                raise PlacementError(f"BackgroundSourcePopulation {i}: no free background generator on "
                                     f"hemisphere {h} (all 4 PADI buses taken)")
            used[(h, bus)] = i
            pairs.append((h, bus))
        bg[i] = tuple(pairs)
    return tuple(bg)
