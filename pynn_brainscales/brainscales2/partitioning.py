"""Networks larger than one chip: partitioned into several executions, as the public backend.

When the on-chip populations hold more neurons than the chip offers (512 circuits, or the length
of ``setup(neuronPermutation=...)``), the network is split into *execution instances*, each of
which fits the chip and runs as a program of its own, one after the other:

1. every on-chip population is cut into consecutive slices of at most one chip;
2. slices connected in a cycle (a recurrent population, two populations projecting onto each
   other) form a strongly connected component and must share one execution;
3. the components are taken in topological order and packed greedily into executions while the
   neurons fit (the public mapper does the same: correct, not space-optimal);
4. spikes of a slice that feeds a later execution are recorded in its execution and played back
   from the host into the later one, at the times they were recorded.

So feed-forward networks of any size run; a recurrent component larger than one chip raises
ValueError naming it.  Each execution starts from rest and runs the whole span of the pending
snippets; the recorded data of all executions are merged into one Neo block per population.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class Slice:
    """Neurons ``[start, stop)`` of an on-chip population, run in execution ``instance``."""

    population: object
    start: int
    stop: int
    instance: int = -1

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass
class Plan:
    """The execution instances of a partitioned network: ``instances[i]`` lists the slices run in
    execution i (at most one slice per population); ``slices[population]`` all slices of a
    population in order."""

    instances: List[List[Slice]]
    slices: Dict[object, List[Slice]] = field(default_factory=dict)

    def range_in(self, population, instance) -> Optional[Tuple[int, int]]:
        """(start, stop) of ``population``'s slice in execution ``instance``, or None."""
        for s in self.slices.get(population, ()):
            if s.instance == instance:
                return s.start, s.stop
        return None

    def slice_of(self, population, index) -> Slice:
        for s in self.slices[population]:
            if s.start <= index < s.stop:
                return s
        raise IndexError(f"neuron {index} of {population.label!r} is in no slice")


def capacity(state) -> int:
    """Neuron circuits one execution can use: the chip's, or the neuronPermutation's length."""
    from grenade.network import NEURONS_ON_CHIP
    perm = state.neuron_permutation
    return NEURONS_ON_CHIP if perm is None else len(perm)


def plan(state) -> Optional[Plan]:
    """The partition of the current network, or None when it fits into one execution.

    Raises NotImplementedError for calibrated or multicompartment populations in a network larger
    than the chip (each execution would need its own calibration; executions are cut by neuron
    counts) and ValueError for a recurrent component
    that does not fit on the chip."""
    cap = capacity(state)
    on_chip = [p for p in state.populations if p.celltype.is_on_chip]
    total = sum(p.size for p in on_chip)
    if total <= cap:
        return None
    calibrated = [p.label for p in on_chip if getattr(p.celltype, "is_calibrated", False)]
    if calibrated:
        raise NotImplementedError(
            f"partitioning a network of {total} on-chip neurons (the chip takes {cap}) with calibrated "
            f"populations ({', '.join(map(repr, calibrated))}): each execution would need its own "
            f"calibration; use HXNeuron populations (with setup(initial_config=...)) or at most {cap} neurons")
    multicompartment = [p.label for p in on_chip if getattr(p.celltype, "is_multicompartment", False)]
    if multicompartment:
        raise NotImplementedError(
            f"partitioning a network of {total} on-chip neurons (the chip takes {cap}) with multicompartment "
            f"populations ({', '.join(map(repr, multicompartment))}): executions are cut by neuron counts, a "
            f"multicompartment neuron takes several circuits; use at most {cap} neuron circuits")
    if cap < 1:
        raise ValueError("setup(neuronPermutation=[]) leaves no neuron circuit to place populations on")
    slices = [Slice(p, lo, min(lo + cap, p.size)) for p in on_chip for lo in range(0, p.size, cap)]
    index = {(s.population, s.start): k for k, s in enumerate(slices)}
    starts = {p: np.array([s.start for s in slices if s.population is p]) for p in on_chip}

    edges = {k: set() for k in range(len(slices))}
    for prj in state.projections:
        for pre_root, post_root, pre, post, *_ in prj._connection_groups():
            if not pre_root.celltype.is_on_chip or len(pre) == 0:
                continue
            k_pre = np.searchsorted(starts[pre_root], pre, side="right") - 1
            k_post = np.searchsorted(starts[post_root], post, side="right") - 1
            for a, b in set(zip(k_pre.tolist(), k_post.tolist())):
                edges[index[(pre_root, int(starts[pre_root][a]))]].add(index[(post_root, int(starts[post_root][b]))])
    components = _strong_components(len(slices), edges)
    instances, load = [[]], 0
    for comp in components:
        size = sum(slices[k].size for k in comp)
        if size > cap:
            names = ", ".join(f"{slices[k].population.label}[{slices[k].start}:{slices[k].stop}]" for k in comp)
            raise ValueError(f"network of {total} on-chip neurons cannot be partitioned: the recurrently "
                             f"connected neurons {names} ({size} neurons) must run in one execution, one "
                             f"execution takes at most {cap} neurons; only feed-forward connections between "
                             f"groups of at most {cap} neurons can be split over several executions")
        if load + size > cap and instances[-1]:
            instances.append([])
            load = 0
        instances[-1].extend(comp)
        load += size
    out = Plan([])
    for i, members in enumerate(instances):
        placed = [Slice(slices[k].population, slices[k].start, slices[k].stop, i)
                  for k in sorted(members, key=lambda k: k)]
        out.instances.append(placed)
        for s in placed:
            out.slices.setdefault(s.population, []).append(s)
    for p in out.slices:
        out.slices[p].sort(key=lambda s: s.start)
    return out


def _strong_components(n, edges) -> List[List[int]]:
    """Strongly connected components of the graph ``edges`` (node -> successors) in topological
    order (sources first; ties by the smallest node), iterative Tarjan."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = 0
    for root in range(n):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    k = stack.pop()
                    on_stack.discard(k)
                    comp.append(k)
                    if k == node:
                        break
                comps.append(sorted(comp))
    # Tarjan emits sinks first; a deterministic topological order of the component graph
    comp_of = {k: c for c, comp in enumerate(comps) for k in comp}
    succ = {c: {comp_of[b] for k in comp for b in edges[k]} - {c} for c, comp in enumerate(comps)}
    indeg = {c: 0 for c in succ}
    for c in succ:
        for d in succ[c]:
            indeg[d] += 1
    import heapq
    ready = [(comps[c][0], c) for c in succ if indeg[c] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, c = heapq.heappop(ready)
        order.append(comps[c])
        for d in succ[c]:
            indeg[d] -= 1
            if indeg[d] == 0:
                heapq.heappush(ready, (comps[d][0], d))
    return order
