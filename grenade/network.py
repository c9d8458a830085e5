"""The network description: populations, projections, recordings, and the builder.

A :class:`Network` is an immutable value built with a :class:`NetworkBuilder`.
Elements are added one by one (``builder.add(...)`` returns a descriptor that
later elements refer to); ``done()`` validates the whole network, places its
neurons (:mod:`grenade.placement`) and returns the frozen ``Network``.

Every validation error is a :class:`NetworkError` (a ``ValueError``) whose
message names the element and the violated rule.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

import halco

from .elements import (  # noqa: F401  (re-exported: the elements are part of this module's API)
    NEURONS_ON_CHIP, MAX_SYNAPSE_WEIGHT, BACKGROUND_SOURCES, NetworkError, IndexOutOfRangeError,
    DuplicateConnectionError, ReceptorError, RecordingError, PlacementError, Receptor, MADCSource,
    PopulationDescriptor, ProjectionDescriptor, RecordingDescriptor, Population,
    ExternalSourcePopulation, BackgroundSourcePopulation, AnyPopulation, STP, Projection, _frozen,
    _madc_source)
from .placement import place

# ------------------------------------------------------------------------------------------
# recordings
# ------------------------------------------------------------------------------------------

NeuronRef = Tuple[PopulationDescriptor, int]


def _neuron_ref(entry, what) -> Tuple[PopulationDescriptor, int]:
    try:
        pop, idx = entry[0], entry[1]
    except (TypeError, IndexError):
        raise RecordingError(f"{what} neurons are (population descriptor, neuron index), got {entry!r}") from None
    if not isinstance(pop, PopulationDescriptor):
        raise RecordingError(f"{what} neurons are (population descriptor, neuron index), got {entry!r}")
    if isinstance(idx, (bool, np.bool_)) or not isinstance(idx, (int, np.integer)):
        raise RecordingError(f"{what} neuron index must be an integer, got {idx!r}")
    return pop, int(idx)


def _compartment_index(value, what) -> int:
    if hasattr(value, "value") and callable(value.value):
        value = value.value()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise RecordingError(f"{what} compartment must be a non-negative integer, got {value!r}")
    return int(value)


def _describe_ref(ref, compartment) -> str:
    return f"({ref[0].index}, {ref[1]})" + (f" compartment {compartment}" if compartment else "")


class MADCRecording:
    """Record up to two analog signals with the MADC: ``neurons`` is a list of
    ``(population, index)``, ``(population, index, source)`` or ``(population,
    index, source, compartment)`` (source: ``MADCSource`` name or member, None or
    left out: membrane; compartment: of a multi-compartment neuron, default 0).
    With two signals, one must come from an even and one from an odd column (the
    two readout channels); a compartment of several circuits is read at whichever
    of its circuits satisfies this (its first one if both do)."""

    __slots__ = ("neurons", "sources", "compartments")

    def __init__(self, neurons):
        neurons = list(neurons)
        if not neurons:
            raise RecordingError("MADC recording needs at least one neuron")
        if len(neurons) > 2:
            raise RecordingError(f"MADC recording supports recording at most two neurons, got {len(neurons)}")
        refs, sources, comps = [], [], []
        for entry in neurons:
            refs.append(_neuron_ref(entry, "MADC recording"))
            source = entry[2] if len(entry) > 2 else None
            sources.append(MADCSource.membrane if source is None else _madc_source(source))
            comps.append(_compartment_index(entry[3], "MADC recording") if len(entry) > 3 else 0)
        sites = list(zip(refs, comps))
        if len(set(sites)) != len(sites):
            raise RecordingError(f"MADC recording lists neuron {_describe_ref(*sites[0])} twice")
        object.__setattr__(self, "neurons", tuple(refs))
        object.__setattr__(self, "sources", tuple(sources))
        object.__setattr__(self, "compartments", tuple(comps))

    def __setattr__(self, name, value):
        raise AttributeError("MADCRecording is immutable")

    def __eq__(self, other):
        return isinstance(other, MADCRecording) and (self.neurons, self.sources, self.compartments) == \
            (other.neurons, other.sources, other.compartments)

    def __hash__(self):
        return hash((self.neurons, self.sources, self.compartments))

    def __repr__(self):
        return "MADCRecording(" + ", ".join(f"({p.index}, {i}, {s.name}" + (f", {c})" if c else ")")
                                            for (p, i), s, c in zip(self.neurons, self.sources,
                                                                    self.compartments)) + ")"


class CADCRecording:
    """Sample membranes with the CADC: ``neurons`` is a list of ``(population,
    index)`` or ``(population, index, compartment)`` (a compartment of a
    multi-compartment neuron, default 0; read at its first circuit); ``times``:
    sample times in hardware ms relative to the start of the run (default: one
    sample at the end of the runtime)."""

    __slots__ = ("neurons", "times", "compartments")

    def __init__(self, neurons, times=None):
        neurons = list(neurons)
        refs = [_neuron_ref(e, "CADC recording") for e in neurons]
        comps = [_compartment_index(e[2], "CADC recording") if len(e) > 2 else 0 for e in neurons]
        if not refs:
            raise RecordingError("CADC recording needs at least one neuron")
        sites = list(zip(refs, comps))
        if len(set(sites)) != len(sites):
            dup = next(s for s in sites if sites.count(s) > 1)
            raise RecordingError(f"CADC recording lists neuron {_describe_ref(*dup)} twice")
        if times is not None:
            times = np.asarray(times, dtype=float)
            if times.ndim != 1 or np.any(times < 0) or np.any(np.diff(times) < 0):
                raise RecordingError("CADC recording times must be a non-decreasing 1-D array of ms >= 0")
            times = _frozen(times, float)
        object.__setattr__(self, "neurons", tuple(refs))
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "compartments", tuple(comps))

    def __setattr__(self, name, value):
        raise AttributeError("CADCRecording is immutable")

    def __eq__(self, other):
        if not isinstance(other, CADCRecording) or (self.neurons, self.compartments) != \
                (other.neurons, other.compartments):
            return False
        if self.times is None or other.times is None:
            return self.times is other.times
        return np.array_equal(self.times, other.times)

    def __hash__(self):
        return hash((self.neurons, self.compartments))

    def __repr__(self):
        return f"CADCRecording({len(self.neurons)} neurons)"


# ------------------------------------------------------------------------------------------
# network
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Network:
    """An immutable network: populations, projections, recordings and the
    neuron placement (``placement[i]``: AtomicNeuronOnDLS enums of population
    ``i`` -- for multi-compartment neurons the spike master, the first circuit of
    compartment 0 --, empty for off-chip populations; ``background_placement[i]``:
    ((hemisphere, bus), ...) of a background population).

    ``compartment_placement[i]``: per compartment a ``(size, circuits)`` array of
    the AtomicNeuronOnDLS enums of each neuron's circuits in that compartment
    (``(placement[i][:, None],)`` for atomic neurons); ``logical_placement[i]``:
    one ``LogicalNeuronOnDLS`` per neuron of a multi-compartment population, else
    None; ``madc_atoms`` / ``cadc_atoms``: the circuit read for each entry of the
    MADC / CADC recording."""

    populations: Tuple[AnyPopulation, ...]
    projections: Tuple[Projection, ...]
    madc_recording: Optional[MADCRecording]
    cadc_recording: Optional[CADCRecording]
    placement: Tuple[np.ndarray, ...]
    background_placement: Tuple[Tuple[Tuple[int, int], ...], ...]
    construction_duration: float = 0.0
    compartment_placement: Tuple[Tuple[np.ndarray, ...], ...] = ()
    logical_placement: Tuple[Optional[tuple], ...] = ()
    madc_atoms: Tuple[int, ...] = ()
    cadc_atoms: Tuple[int, ...] = ()
    #: :class:`grenade.PlasticityRule` s, run on the PPUs during the realtime section
    plasticity_rules: Tuple[object, ...] = ()

    def __repr__(self):
        return (f"Network({len(self.populations)} populations, {len(self.projections)} projections, "
                f"madc={self.madc_recording is not None}, cadc={self.cadc_recording is not None})")

    def population(self, d: PopulationDescriptor) -> AnyPopulation:
        return self.populations[d.index]

    def projection(self, d: ProjectionDescriptor) -> Projection:
        return self.projections[d.index]

    @property
    def population_descriptors(self) -> List[PopulationDescriptor]:
        return [PopulationDescriptor(i) for i in range(len(self.populations))]

    @property
    def projection_descriptors(self) -> List[ProjectionDescriptor]:
        return [ProjectionDescriptor(i) for i in range(len(self.projections))]

    def atom(self, population: PopulationDescriptor, index: int) -> halco.AtomicNeuronOnDLS:
        """Placed circuit of one neuron of an on-chip population (its spike master)."""
        return halco.AtomicNeuronOnDLS.from_enum(int(self.placement[population.index][index]))

    def circuits(self, population: PopulationDescriptor, index: int,
                 compartment: int = 0) -> List[halco.AtomicNeuronOnDLS]:
        """The placed circuits of one compartment of one neuron (IndexError for a compartment
        the neuron does not have)."""
        comps = self.compartment_placement[population.index]
        if not 0 <= int(compartment) < len(comps):
            raise IndexError(f"population {population.index} has {len(comps)} compartment(s) per neuron, "
                             f"no compartment {compartment}")
        return [halco.AtomicNeuronOnDLS.from_enum(int(a)) for a in comps[int(compartment)][index]]

    def logical_neuron(self, population: PopulationDescriptor, index: int):
        """The ``LogicalNeuronOnDLS`` of one multi-compartment neuron (None for an atomic neuron)."""
        placed = self.logical_placement[population.index]
        return None if placed is None else placed[index]

    def with_weights(self, projection: ProjectionDescriptor, weights) -> "Network":
        """A copy with the weights of one projection replaced (same connections)."""
        projs = list(self.projections)
        projs[projection.index] = projs[projection.index].with_weights(weights)
        return replace(self, projections=tuple(projs))

    def with_madc_recording(self, recording: Optional[MADCRecording]) -> "Network":
        """A copy with the MADC recording replaced (None: no MADC recording); populations,
        projections and placement stay, so the routing of this network serves the copy.  Raises
        RecordingError as ``NetworkBuilder.done()`` for entries the MADC cannot read together."""
        if recording is None:
            return replace(self, madc_recording=None, madc_atoms=())
        for (p, i), c in zip(recording.neurons, recording.compartments):
            if not 0 <= p.index < len(self.populations) or not isinstance(self.populations[p.index], Population):
                raise RecordingError(f"MADC recording: {p} is not an on-chip population of this network")
            if not 0 <= i < self.populations[p.index].size:
                raise IndexOutOfRangeError(f"MADC recording: neuron index {i} out of range of {p} "
                                           f"(size {self.populations[p.index].size})")
            if not 0 <= c < len(self.compartment_placement[p.index]):
                raise RecordingError(f"MADC recording: {p} neuron {i} has no compartment {c}")
        return replace(self, madc_recording=recording,
                       madc_atoms=_madc_atoms(recording, self.compartment_placement))

    def with_population(self, population: PopulationDescriptor, new: AnyPopulation) -> "Network":
        """A copy with one population replaced (e.g. new neuron ``config``); its
        size, shape and placement must not change."""
        old = self.populations[population.index]
        if type(new) is not type(old) or new.size != old.size:
            raise NetworkError("with_population keeps the population's type and size")
        if isinstance(new, Population) and new.shape != old.shape:
            raise NetworkError("with_population keeps the shape of the population's logical neurons")
        if isinstance(new, Population) and new.placement is not None and old.placement is not None \
                and not _same_placement(new.placement, old.placement):
            raise NetworkError("with_population keeps the population's placement")
        pops = list(self.populations)
        pops[population.index] = new
        return replace(self, populations=tuple(pops))


def _same_placement(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return tuple(a) == tuple(b)


def _circuit_count(pops) -> int:
    return sum(p.size * p.circuits_per_neuron for p in pops if isinstance(p, Population))


class NetworkBuilder:
    """Collects the elements of a network; ``done()`` validates and freezes it.

    >>> builder = NetworkBuilder()
    >>> src = builder.add(ExternalSourcePopulation(2))
    >>> pop = builder.add(Population(3))
    >>> proj = builder.add(Projection(Receptor.excitatory, src, pop, [(0, 0, 63), (1, 2, 100)]))
    >>> network = builder.done()
    """

    def __init__(self):
        self._populations: List[AnyPopulation] = []
        self._projections: List[Projection] = []
        self._madc: Optional[MADCRecording] = None
        self._cadc: Optional[CADCRecording] = None
        self._rules: list = []
        self._t0 = time.perf_counter()

    def add(self, element):
        """Add a population, projection or recording; returns its descriptor.
        Raises NetworkError for an invalid element (see the error classes)."""
        if isinstance(element, (Population, ExternalSourcePopulation, BackgroundSourcePopulation)):
            if isinstance(element, Population):
                total = _circuit_count(self._populations + [element])
                if total > NEURONS_ON_CHIP:
                    raise PlacementError(f"too many neurons for the chip: {total} neuron circuits in on-chip "
                                         f"populations, the chip has {NEURONS_ON_CHIP}")
            self._populations.append(element)
            return PopulationDescriptor(len(self._populations) - 1)
        if isinstance(element, Projection):
            self._check_projection(element, len(self._projections))
            self._projections.append(element)
            return ProjectionDescriptor(len(self._projections) - 1)
        if isinstance(element, MADCRecording):
            if self._madc is not None:
                raise RecordingError("Only one MADC recording per network possible.")
            for ref, comp in zip(element.neurons, element.compartments):
                self._check_ref(ref, "MADC recording", comp)
            self._madc = element
            return RecordingDescriptor("madc")
        if isinstance(element, CADCRecording):
            if self._cadc is not None:
                raise RecordingError("Only one CADC recording per network possible.")
            for ref, comp in zip(element.neurons, element.compartments):
                self._check_ref(ref, "CADC recording", comp)
            self._cadc = element
            return RecordingDescriptor("cadc")
        from .plasticity import PlasticityRule
        if isinstance(element, PlasticityRule):
            for d in element.projections:
                if not isinstance(d, ProjectionDescriptor) or not 0 <= d.index < len(self._projections):
                    raise NetworkError(f"plasticity rule {element.name}: {d} is not a projection of this network")
            for d in element.populations:
                self._population(d, f"plasticity rule {element.name}")
            self._rules.append(element)
            return len(self._rules) - 1
        raise TypeError(f"NetworkBuilder.add takes populations, projections, recordings and plasticity rules, "
                        f"got {type(element).__name__}")

    def _population(self, d: PopulationDescriptor, what: str):
        if not 0 <= d.index < len(self._populations):
            raise NetworkError(f"{what}: {d} is not a population of this network "
                               f"({len(self._populations)} populations)")
        return self._populations[d.index]

    def _check_ref(self, ref, what, compartment=0):
        pop = self._population(ref[0], what)
        if not isinstance(pop, Population):
            raise RecordingError(f"{what}: {ref[0]} is a {type(pop).__name__}, only on-chip neurons can be recorded")
        if not 0 <= ref[1] < pop.size:
            raise IndexOutOfRangeError(f"{what}: neuron index {ref[1]} out of range of {ref[0]} (size {pop.size})")
        n_comp = len(pop.compartment_sizes)
        if compartment >= n_comp:
            raise RecordingError(f"{what}: {ref[0]} neuron {ref[1]} has {n_comp} compartment(s) "
                                 f"(0..{n_comp - 1}), no compartment {compartment}")

    def _check_projection(self, proj: Projection, index: int):
        name = f"Projection {index} ({proj.pre.index} -> {proj.post.index}, {proj.receptor.name})"
        pre = self._population(proj.pre, name)
        post = self._population(proj.post, name)
        if not isinstance(post, Population):
            raise NetworkError(f"{name}: the post-synaptic population must be an on-chip Population, "
                               f"got {type(post).__name__}")
        if proj.receptor not in post.receptors:
            raise ReceptorError(f"{name}: target population {proj.post.index} has no {proj.receptor.name} "
                                f"receptor (it has {sorted(r.name for r in post.receptors)})")
        for label, idx, pop, d in (("pre", proj.pre_indices, pre, proj.pre), ("post", proj.post_indices, post,
                                                                                  proj.post)):
            if len(idx) and int(idx.max()) >= pop.size:
                bad = int(np.flatnonzero(idx >= pop.size)[0])
                raise IndexOutOfRangeError(
                    f"Connection index out of range of population(s): {name} connection {bad} has {label} index "
                    f"{int(idx[bad])}, population {d.index} has {pop.size} neurons")
        n_comp = len(post.compartment_sizes)
        comp = proj.post_compartments
        if len(comp) and int(comp.max()) >= n_comp:
            bad = int(np.flatnonzero(comp >= n_comp)[0])
            raise IndexOutOfRangeError(
                f"{name}: connection {bad} targets compartment {int(comp[bad])} of population {proj.post.index}, "
                f"whose neurons have {n_comp} compartment(s) (0..{n_comp - 1})")
        keys = _connection_keys(proj.pre_indices, proj.post_indices, comp)
        ordered = np.sort(keys)   # (sorting once is ~10x faster than np.unique's hashing here)
        if len(ordered) > 1 and bool((ordered[1:] == ordered[:-1]).any()):
            u, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
            bad = int(np.flatnonzero(counts[inv] > 1)[0])
            onto = f" onto compartment {int(comp[bad])}" if n_comp > 1 else ""
            raise DuplicateConnectionError(
                f"{name}: connection ({int(proj.pre_indices[bad])} -> {int(proj.post_indices[bad])}){onto} "
                f"occurs twice")

    def done(self) -> Network:
        """Validate across elements, place neurons and return the immutable Network.

        Raises DuplicateConnectionError for a (pre, post, compartment, receptor
        type) connection in two projections, PlacementError for placement
        collisions or neurons that do not fit, RecordingError for MADC parity
        violations."""
        projections = tuple(self._projections)
        _check_duplicates(projections)
        placed = place(self._populations, projections)
        madc_atoms = _madc_atoms(self._madc, placed.compartments)
        cadc_atoms = () if self._cadc is None else tuple(
            int(placed.compartments[p.index][c][i, 0]) for (p, i), c in zip(self._cadc.neurons,
                                                                            self._cadc.compartments))
        net = Network(tuple(self._populations), projections, self._madc, self._cadc, placed.atoms,
                      placed.background, construction_duration=time.perf_counter() - self._t0,
                      compartment_placement=placed.compartments, logical_placement=placed.logical,
                      madc_atoms=madc_atoms, cadc_atoms=cadc_atoms, plasticity_rules=tuple(self._rules))
        self.__init__()
        return net


def _connection_keys(pre, post, compartment) -> np.ndarray:
    """One int64 per (pre, post, post compartment): post < 512 circuits, compartment < 256."""
    return (np.asarray(pre, np.int64) << 17) | (np.asarray(post, np.int64) << 8) | np.asarray(compartment, np.int64)


def _madc_atoms(madc: Optional[MADCRecording], compartments) -> Tuple[int, ...]:
    """The circuit read for each MADC entry: the first circuit of its compartment, or, for two
    entries whose first circuits share a column parity, the first pair of circuits that does not."""
    if madc is None:
        return ()
    options = [compartments[p.index][c][i] for (p, i), c in zip(madc.neurons, madc.compartments)]
    if len(options) == 1:
        return (int(options[0][0]),)
    for a in options[0]:
        for b in options[1]:
            if (int(a) % 256) % 2 != (int(b) % 256) % 2:
                return int(a), int(b)
    cols = [int(o[0]) % 256 for o in options]
    parity = "even" if cols[0] % 2 == 0 else "odd"
    what = "neurons must sit" if not any(madc.compartments) and all(len(o) == 1 for o in options) \
        else "recorded compartments must have circuits"
    raise RecordingError(
        f"MADC recording: the two {what} in columns of different parity (one even, one odd), "
        f"both are in {parity} columns ({cols[0]} and {cols[1]})")


def madc_groups(network: Network, neurons) -> List[List[int]]:
    """Split MADC recording entries (``neurons`` as ``MADCRecording`` takes them) into groups the
    MADC reads in one run each: one entry, or two whose circuits can sit in columns of different
    parity.  Greedy in the given order: each entry is paired with the first later one it can share
    a run with (consecutive neurons of a population pair up as even / odd columns).  Returns lists
    of indices into ``neurons``.  Raises RecordingError / IndexOutOfRangeError for entries that are
    not on-chip neurons of ``network``."""
    entries = list(neurons)
    options = []
    for entry in entries:
        single = MADCRecording([entry])
        (p, i), c = single.neurons[0], single.compartments[0]
        network.with_madc_recording(single)               # checks the entry against the network
        options.append({int(a) % 256 % 2 for a in network.compartment_placement[p.index][c][i]})
    remaining = list(range(len(entries)))
    groups = []
    while remaining:
        a = remaining.pop(0)
        partner = next((b for b in remaining if len(options[a] | options[b]) == 2), None)
        if partner is None:
            groups.append([a])
        else:
            remaining.remove(partner)
            groups.append([a, partner])
    return groups


def _check_duplicates(projections: Sequence[Projection]) -> None:
    """Reject the same (pre population, pre, post population, post, post compartment, receptor)
    in two projections."""
    seen: Dict[tuple, List[int]] = {}
    for i, p in enumerate(projections):
        seen.setdefault((p.pre.index, p.post.index, p.receptor), []).append(i)
    for (pre, post, rec), idx in seen.items():
        if len(idx) < 2:
            continue
        keys = np.concatenate([_connection_keys(projections[i].pre_indices, projections[i].post_indices,
                                                projections[i].post_compartments) for i in idx])
        owner = np.concatenate([np.full(len(projections[i]), i) for i in idx])
        order = np.argsort(keys, kind="stable")
        k = keys[order]
        dup = np.flatnonzero(k[1:] == k[:-1])
        if len(dup):
            a, b = owner[order[dup[0]]], owner[order[dup[0] + 1]]
            key = int(k[dup[0]])
            comp = key & 0xff
            onto = f" compartment {comp}" if comp else ""
            raise DuplicateConnectionError(
                f"Duplicate connection ({key >> 17} -> {(key >> 8) & 0x1ff}{onto}) from population {pre} to "
                f"population {post} onto the {rec.name} receptor in projections {a} and {b}")
