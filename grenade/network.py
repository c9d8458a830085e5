"""The network description: populations, projections, recordings, and the builder.

A :class:`Network` is an immutable value built with a :class:`NetworkBuilder`.
Elements are added one by one (``builder.add(...)`` returns a descriptor that
later elements refer to); ``done()`` validates the whole network, places its
neurons (:mod:`grenade.placement`) and returns the frozen ``Network``.

Every validation error is a :class:`NetworkError` (a ``ValueError``) whose
message names the element and the violated rule.
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

import halco
import haldls

#: Atomic neuron circuits on the chip (2 hemispheres x 256 columns).
NEURONS_ON_CHIP = halco.AtomicNeuronOnDLS.size
#: Largest weight of one hardware synapse.
MAX_SYNAPSE_WEIGHT = 63
#: Background spike sources on the chip (one per (hemisphere, PADI bus)).
BACKGROUND_SOURCES = halco.BackgroundSpikeSourceOnDLS.size


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------

class NetworkError(ValueError):
    """An invalid network description (raised by the elements and ``NetworkBuilder``)."""


class IndexOutOfRangeError(NetworkError):
    """A connection refers to a neuron index outside its population."""


class DuplicateConnectionError(NetworkError):
    """The same (pre, post, receptor type) connection occurs twice."""


class ReceptorError(NetworkError):
    """A projection asks for a receptor its target population does not have."""


class RecordingError(NetworkError):
    """An invalid MADC or CADC recording (too many neurons, parity, duplicates)."""


class PlacementError(NetworkError):
    """Neurons do not fit on the chip or two elements claim the same hardware."""


# ------------------------------------------------------------------------------------------
# enums
# ------------------------------------------------------------------------------------------

class Receptor(enum.Enum):
    """Synaptic input a projection feeds: the sign of its weights on the chip."""

    excitatory = "excitatory"
    inhibitory = "inhibitory"

    @classmethod
    def of(cls, value) -> "Receptor":
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value]
            except KeyError:
                pass
        raise NetworkError(f"receptor must be Receptor.excitatory or Receptor.inhibitory, got {value!r}")


#: What the MADC records of a neuron (the neuron's readout source).
MADCSource = haldls.ReadoutSource


def _madc_source(value) -> MADCSource:
    if isinstance(value, MADCSource):
        return value
    if isinstance(value, str) and value in MADCSource.__members__:
        return MADCSource[value]
    raise RecordingError(f"MADC source must be one of {list(MADCSource.__members__)}, got {value!r}")


# ------------------------------------------------------------------------------------------
# descriptors
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class PopulationDescriptor:
    """Handle of a population inside one network (its index in ``network.populations``)."""

    index: int

    def __repr__(self):
        return f"PopulationDescriptor({self.index})"


@dataclass(frozen=True, order=True)
class ProjectionDescriptor:
    """Handle of a projection inside one network (its index in ``network.projections``)."""

    index: int

    def __repr__(self):
        return f"ProjectionDescriptor({self.index})"


@dataclass(frozen=True)
class RecordingDescriptor:
    """Handle of the network's MADC or CADC recording (``kind`` is "madc" or "cadc")."""

    kind: str


# ------------------------------------------------------------------------------------------
# populations
# ------------------------------------------------------------------------------------------

def _frozen(a, dtype) -> np.ndarray:
    a = np.array(a, dtype=dtype)
    a.flags.writeable = False
    return a


def _atom_enum(value) -> int:
    if isinstance(value, halco.AtomicNeuronOnDLS):
        return int(value.toEnum())
    if isinstance(value, (bool, np.bool_)):
        raise PlacementError(f"placement entries are AtomicNeuronOnDLS or enums 0..511, got {value!r}")
    if isinstance(value, (int, np.integer)):
        if not 0 <= int(value) < NEURONS_ON_CHIP:
            raise PlacementError(f"placement enum {int(value)} out of range [0, {NEURONS_ON_CHIP - 1}]")
        return int(value)
    raise PlacementError(f"placement entries are AtomicNeuronOnDLS or enums 0..511, got {value!r}")


class Population:
    """On-chip neurons: one atomic neuron circuit each, or one multi-compartment logical
    neuron each.

    ``Population(size)`` or ``Population([AtomicNeuronOnDLS, ...])``;
    ``placement``: explicit ``AtomicNeuronOnDLS`` (or enums) per neuron, else
    automatic (increasing enumeration order over the free circuits);
    ``config``: neuron parameters -- ``None`` (the neuron of ``initial_config``
    at run time, e.g. a calibration, else the lola default), one
    ``lola.AtomicNeuron`` for all, a sequence of one per neuron, or a
    ``lola.Chip`` / calibration result with ``to_chip()`` whose neurons at the
    placed locations are used; ``receptors``: the synaptic inputs projections
    may target; ``record_spikes``: bool or one bool per neuron.

    Multi-compartment neurons: ``config`` is one ``lola.LogicalNeuron`` for all
    neurons or one per neuron (all of one shape, ``LogicalNeuron.compartments``);
    each neuron then occupies the circuits of that shape, placed as a
    ``LogicalNeuronOnDLS``.  ``placement`` (or the first argument) lists one
    ``LogicalNeuronOnDLS`` (its compartments: the shape, possibly flipped) or one
    anchor ``AtomicNeuronOnDLS`` (the shape's top-left corner) per neuron.  Spikes
    leave from compartment 0 (its first circuit, the spike master).
    """

    __slots__ = ("size", "placement", "config", "receptors", "record_spikes", "shape")

    def __init__(self, size_or_neurons, placement=None, config=None,
                 receptors=(Receptor.excitatory, Receptor.inhibitory), record_spikes=True):
        if isinstance(size_or_neurons, (int, np.integer)) and not isinstance(size_or_neurons, (bool, np.bool_)):
            size = int(size_or_neurons)
        else:
            if placement is not None:
                raise NetworkError("Population: give the neurons either as first argument or as placement, not both")
            placement = list(size_or_neurons)
            size = len(placement)
        if size < 1:
            raise NetworkError(f"Population size must be at least 1, got {size}")
        shape = _logical_shape(config, size)
        per_neuron = 1 if shape is None else sum(len(ns) for ns in shape.get_compartments().values())
        if size * per_neuron > NEURONS_ON_CHIP:
            what = "neurons" if shape is None else f"neurons of {per_neuron} circuits each"
            raise PlacementError(f"Population of {size} {what} does not fit on the chip ({NEURONS_ON_CHIP} "
                                 f"neuron circuits)")
        if placement is not None:
            placement = _atomic_placement(placement, size) if shape is None else \
                _logical_placement(placement, size, shape)
        receptors = frozenset(Receptor.of(r) for r in receptors)
        if np.ndim(record_spikes) == 0:
            record = np.full(size, bool(record_spikes))
        else:
            record = np.asarray(record_spikes, dtype=bool)
            if record.shape != (size,):
                raise NetworkError(f"Population record_spikes needs one bool per neuron ({size}), "
                                   f"got shape {record.shape}")
        if shape is None:
            _check_config(config, size)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "placement", placement)
        object.__setattr__(self, "config", _copy_config(config))
        object.__setattr__(self, "receptors", receptors)
        object.__setattr__(self, "record_spikes", _frozen(record, bool))
        object.__setattr__(self, "shape", shape)

    def __setattr__(self, name, value):
        raise AttributeError("Population is immutable; use Population.replace(...)")

    def replace(self, **changes) -> "Population":
        """A copy with some arguments changed (``config=...`` etc.)."""
        args = dict(size_or_neurons=self.size, placement=self.placement, config=self.config,
                    receptors=self.receptors, record_spikes=self.record_spikes)
        args.update(changes)
        return Population(**args)

    @property
    def circuits_per_neuron(self) -> int:
        """Atomic neuron circuits one neuron occupies (1, or the size of its logical neuron)."""
        if self.shape is None:
            return 1
        return sum(len(ns) for ns in self.shape.get_compartments().values())

    @property
    def compartment_sizes(self) -> Tuple[int, ...]:
        """Circuits of each compartment of one neuron, by compartment index ((1,) for atomic neurons)."""
        if self.shape is None:
            return (1,)
        comps = self.shape.get_compartments()
        return tuple(len(comps[c]) for c in sorted(comps, key=lambda c: c.value()))

    def __len__(self):
        return self.size

    def __repr__(self):
        where = "auto" if self.placement is None else f"{len(self.placement)} placed"
        rec = ",".join(sorted(r.name for r in self.receptors))
        kind = "" if self.shape is None else f", compartments={list(self.compartment_sizes)}"
        return f"Population({self.size}, placement={where}, receptors={{{rec}}}{kind})"


def _atoms(enums) -> str:
    return ", ".join(repr(halco.AtomicNeuronOnDLS.from_enum(int(e))) for e in enums)


def _atomic_placement(placement, size) -> np.ndarray:
    placement = [_atom_enum(p) for p in placement]
    if len(placement) != size:
        raise PlacementError(f"Population placement has {len(placement)} entries for {size} neurons")
    if len(set(placement)) != size:
        dup = sorted({p for p in placement if placement.count(p) > 1})
        raise PlacementError(f"Population placement uses neuron(s) {_atoms(dup)} more than once")
    return _frozen(placement, np.int64)


def _is_logical_neuron(value) -> bool:
    import lola
    return isinstance(value, lola.LogicalNeuron)


def _logical_shape(config, size):
    """The LogicalNeuronCompartments of a multi-compartment config (None for atomic neurons)."""
    if _is_logical_neuron(config):
        configs = [config]
    elif isinstance(config, (list, tuple)) and config and any(_is_logical_neuron(c) for c in config):
        configs = list(config)
        if len(configs) != size:
            raise NetworkError(f"Population config has {len(configs)} logical neurons for {size} neurons")
        bad = next((c for c in configs if not _is_logical_neuron(c)), None)
        if bad is not None:
            raise NetworkError("Population config mixes lola.LogicalNeuron with "
                               f"{type(bad).__name__}: give one kind for all neurons")
    else:
        return None
    shape = configs[0].compartments
    if not len(shape):
        raise NetworkError("Population config: the lola.LogicalNeuron is empty (build it with lola.Morphology)")
    for k, c in enumerate(configs[1:], 1):
        if c.compartments != shape:
            raise NetworkError(f"Population config: logical neuron {k} has the shape {c.compartments!r}, "
                               f"neuron 0 has {shape!r}; the neurons of one population share one shape")
    return shape


def _logical_placement(placement, size, shape):
    """One LogicalNeuronOnDLS per neuron from LogicalNeuronOnDLS or anchors (AtomicNeuronOnDLS / enums)."""
    import lola
    entries = list(placement)
    if len(entries) != size:
        raise PlacementError(f"Population placement has {len(entries)} entries for {size} neurons")
    sizes = sorted((c.value(), len(ns)) for c, ns in shape.get_compartments().items())
    out = []
    for k, p in enumerate(entries):
        if isinstance(p, lola.LogicalNeuronOnDLS):
            got = sorted((c.value(), len(ns)) for c, ns in p.get_placed_compartments().items())
            if got != sizes:
                raise PlacementError(f"Population placement entry {k}: {p!r} has compartment sizes {dict(got)}, "
                                     f"the logical neuron has {dict(sizes)}")
            out.append(p)
            continue
        anchor = halco.AtomicNeuronOnDLS.from_enum(_atom_enum(p))
        try:
            out.append(lola.LogicalNeuronOnDLS(shape, anchor))
        except ValueError as err:
            raise PlacementError(f"Population placement entry {k}: {err}") from None
    seen = {}
    for k, p in enumerate(out):
        for a in p.get_atomic_neurons():
            e = int(a.toEnum())
            if e in seen:
                raise PlacementError(f"Population placement: neurons {seen[e]} and {k} both use {a!r}")
            seen[e] = k
    return tuple(out)


def _check_config(config, size) -> None:
    if config is None:
        return
    import lola
    if isinstance(config, lola.AtomicNeuron):
        return
    if isinstance(config, lola.Chip) or hasattr(config, "to_chip"):
        return
    if isinstance(config, (list, tuple)):
        if len(config) != size:
            raise NetworkError(f"Population config has {len(config)} neurons for {size} neurons")
        for c in config:
            if not isinstance(c, lola.AtomicNeuron):
                raise NetworkError(f"Population config entries must be lola.AtomicNeuron, got {type(c).__name__}")
        return
    raise NetworkError("Population config must be None, a lola.AtomicNeuron, a list of them, a lola.Chip "
                       f"or a calibration result with to_chip(), got {type(config).__name__}")


def _copy_config(config):
    if config is None:
        return None
    if isinstance(config, (list, tuple)):
        return tuple(c.copy() for c in config)
    if hasattr(config, "copy") and not hasattr(config, "to_chip"):
        return config.copy()
    return config


class ExternalSourcePopulation:
    """Spike sources outside the chip: their spikes come from the host
    (:class:`grenade.InputGenerator`) and enter the chip through the FPGA."""

    __slots__ = ("size",)

    def __init__(self, size: int):
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)) or size < 1:
            raise NetworkError(f"ExternalSourcePopulation size must be a positive integer, got {size!r}")
        object.__setattr__(self, "size", int(size))

    def __setattr__(self, name, value):
        raise AttributeError("ExternalSourcePopulation is immutable")

    def __len__(self):
        return self.size

    def __repr__(self):
        return f"ExternalSourcePopulation({self.size})"


def _bg_placement(placement) -> Optional[Tuple[Tuple[int, int], ...]]:
    """Normalise (hemisphere, bus), [(h, b), ...] or {h: b} to a sorted tuple of pairs."""
    if placement is None:
        return None
    if isinstance(placement, dict):
        pairs = list(placement.items())
    elif (isinstance(placement, (tuple, list)) and len(placement) == 2
          and not isinstance(placement[0], (tuple, list))):
        pairs = [tuple(placement)]
    else:
        pairs = [tuple(p) for p in placement]
    out = []
    for h, b in pairs:
        h = int(h.value()) if hasattr(h, "value") else int(h)
        b = int(b.value()) if hasattr(b, "value") else int(b)
        if not 0 <= h < 2:
            raise PlacementError(f"BackgroundSourcePopulation hemisphere {h} out of range [0, 1]")
        if not 0 <= b < 4:
            raise PlacementError(f"BackgroundSourcePopulation PADI bus {b} out of range [0, 3]")
        out.append((h, b))
    if len({h for h, _ in out}) != len(out):
        raise PlacementError("BackgroundSourcePopulation: at most one PADI bus per hemisphere")
    return tuple(sorted(out))


class BackgroundSourcePopulation:
    """Spike sources on the chip (the 8 background spike generators).

    ``size``: number of sources (a power of two up to 256 with
    ``enable_random``: the random label bits; exactly 1 for a regular train);
    ``period`` (clock cycles, 16 bit), ``rate`` (8 bit, spike probability
    rate/255 per period in random mode), ``seed`` (32 bit): the
    ``haldls.BackgroundSpikeSource`` settings; ``placement``: ``(hemisphere,
    bus)``, a list of such pairs or ``{hemisphere: bus}`` (one generator per
    hemisphere, configured alike), else automatic (the hemispheres of its
    targets, first free bus).  A generator reaches only its own PADI bus.
    """

    __slots__ = ("size", "period", "rate", "seed", "enable_random", "placement")

    def __init__(self, size: int, period: int = 1000, rate: int = 255, seed: int = 0,
                 enable_random: bool = False, placement=None):
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)) or size < 1:
            raise NetworkError(f"BackgroundSourcePopulation size must be a positive integer, got {size!r}")
        size = int(size)
        if enable_random:
            if size & (size - 1) or size > 256:
                raise NetworkError(f"BackgroundSourcePopulation with enable_random needs a power-of-two size "
                                   f"of at most 256 (random label bits), got {size}")
        elif size != 1:
            raise NetworkError(f"BackgroundSourcePopulation with a regular spike train (enable_random=False) "
                               f"has exactly 1 source, got size {size}")
        for name, value, hi in (("period", period, 0xffff), ("rate", rate, 0xff), ("seed", seed, 0xffffffff)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                    or not 0 <= value <= hi:
                raise NetworkError(f"BackgroundSourcePopulation {name}={value!r} out of range [0, {hi}]")
        for name, value in (("size", size), ("period", int(period)), ("rate", int(rate)), ("seed", int(seed)),
                            ("enable_random", bool(enable_random)), ("placement", _bg_placement(placement))):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError("BackgroundSourcePopulation is immutable; use replace(...)")

    def replace(self, **changes) -> "BackgroundSourcePopulation":
        args = {k: getattr(self, k) for k in self.__slots__}
        args.update(changes)
        return BackgroundSourcePopulation(**args)

    def __len__(self):
        return self.size

    def __repr__(self):
        return (f"BackgroundSourcePopulation({self.size}, period={self.period}, rate={self.rate}, "
                f"seed={self.seed}, enable_random={self.enable_random}, placement={self.placement})")


AnyPopulation = Union[Population, ExternalSourcePopulation, BackgroundSourcePopulation]


# ------------------------------------------------------------------------------------------
# projections
# ------------------------------------------------------------------------------------------

def _connection_arrays(connections) -> Tuple[np.ndarray, np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """(pre, post, weight, post compartment or None) of the accepted connection formats."""
    post_comp = None
    if isinstance(connections, tuple) and len(connections) == 3 and all(np.ndim(c) == 1 for c in connections):
        pre, post, weight = (np.asarray(c) for c in connections)
        if not (len(pre) == len(post) == len(weight)):
            raise NetworkError(f"Projection connection arrays differ in length: {len(pre)}, {len(post)}, {len(weight)}")
    else:
        arr = np.asarray(connections)
        if arr.size == 0:
            arr = arr.reshape(0, 3)
        if arr.ndim != 2 or arr.shape[1] not in (3, 5):
            raise NetworkError("Projection connections must be an (n, 3) array of (pre, post, weight), "
                               f"an (n, 5) array of (pre, pre compartment, post, post compartment, weight) "
                               f"or three 1-D arrays; got shape {arr.shape}")
        if arr.shape[1] == 5:
            if np.any(arr[:, 1] != 0):
                bad = int(np.flatnonzero(arr[:, 1] != 0)[0])
                raise NetworkError(f"Projection connection {bad}: pre compartment {arr[bad, 1]}; spikes leave a "
                                   "neuron from compartment 0 (its spike master), other source compartments are "
                                   "not supported")
            post_comp = arr[:, 3]
            arr = arr[:, [0, 2, 4]]
        pre, post, weight = arr[:, 0], arr[:, 1], arr[:, 2]
    out = []
    for name, a in (("pre index", pre), ("post index", post), ("weight", weight), ("post compartment", post_comp)):
        if a is None:
            out.append(None)
            continue
        a = np.asarray(a)
        if a.dtype.kind == "f":
            if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
                raise NetworkError(f"Projection {name}s must be integers")
        elif a.dtype.kind not in "iu" and a.size:
            raise NetworkError(f"Projection {name}s must be integers, got dtype {a.dtype}")
        a = a.astype(np.int64)
        if np.any(a < 0):
            raise NetworkError(f"Projection {name}s must not be negative (the sign is the receptor); "
                               f"got {int(a.min())}")
        out.append(_frozen(a, np.int64))
    return tuple(out)


def _compartment_array(value, n: int) -> np.ndarray:
    """Per-connection post compartments from an int, a CompartmentOnLogicalNeuron or an array."""
    if hasattr(value, "value") and callable(value.value):
        value = value.value()
    a = np.asarray(value)
    if a.dtype.kind == "f" and (not np.all(np.isfinite(a)) or np.any(a != np.round(a))):
        raise NetworkError(f"Projection post_compartment must be integer, got {value!r}")
    if a.dtype.kind not in "iuf" or a.ndim > 1:
        raise NetworkError(f"Projection post_compartment must be an integer or one integer per connection, "
                           f"got {value!r}")
    a = a.astype(np.int64)
    if a.ndim == 1 and len(a) != n:
        raise NetworkError(f"Projection post_compartment has {len(a)} entries for {n} connections")
    if np.any(a < 0):
        raise NetworkError(f"Projection post_compartment must not be negative, got {int(a.min())}")
    return _frozen(np.broadcast_to(a, (n,)), np.int64)


@dataclass(frozen=True)
class STP:
    """Short-term plasticity (Tsodyks-Markram depression) of a projection's synapse drivers.

    The chip's STP lives in the synapse driver and acts on every event the driver receives: the
    driver keeps resources R (1 when recovered); an event is transmitted with efficacy R and
    uses ``U = (utilization + 1) / 16`` of them; R recovers towards 1 with
    ``tau_rec = unit x (recovery + 1) x (recovery_clock_speed + 1)`` (unit: the chip constant
    ``stp_tau_rec_unit_us``, 1 us).  ``recovery_clock_speed`` is one setting per hemisphere
    (``CommonSTPConfig``): all STP projections onto a hemisphere must agree on it.  The
    router gives every source of an STP projection drivers of its own (one label group per
    source), so each source has its own resources.  The chip has no facilitation."""

    utilization: int
    recovery: int
    recovery_clock_speed: int = 0

    def __post_init__(self):
        for name in ("utilization", "recovery", "recovery_clock_speed"):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not 0 <= int(v) <= 15:
                raise NetworkError(f"STP {name} must be an integer 0..15 (4 bit), got {v!r}")
            object.__setattr__(self, name, int(v))

    @property
    def U(self) -> float:
        """Fraction of the resources one event uses."""
        return (self.utilization + 1) / 16.0


class Projection:
    """Connections from the neurons of ``pre`` to those of ``post`` (an on-chip
    :class:`Population`) onto one ``receptor``.

    ``connections``: ``(n, 3)`` array of ``(pre index, post index, weight)``
    (or three 1-D arrays), or the public ``(n, 5)`` layout ``(pre, pre
    compartment, post, post compartment, weight)``.  Weights are non-negative
    integers of any size: a connection is realised by
    ``synapses_per_connection`` hardware synapses of at most 63 each (full 63s,
    then the remainder, then zeros), where ``synapses_per_connection = max(1,
    ceil(max_weight / 63))`` and ``max_weight`` defaults to the largest weight of
    the projection -- so later weight changes up to ``max_weight`` do not need
    new routing.

    ``post_compartment``: the compartment of the post neurons the connections
    end on (an int or one per connection; default 0, or the (n, 5) layout's);
    its synapses are dealt out over that compartment's circuits.  Spikes leave
    a neuron from compartment 0, so the pre compartment is always 0.
    """

    __slots__ = ("receptor", "pre", "post", "pre_indices", "post_indices", "weights", "max_weight",
                 "post_compartments", "stp")

    def __init__(self, receptor, pre: PopulationDescriptor, post: PopulationDescriptor, connections=(),
                 max_weight: Optional[int] = None, post_compartment=None, stp: Optional[STP] = None):
        if stp is not None and not isinstance(stp, STP):
            raise NetworkError(f"Projection stp must be a grenade.STP or None, got {stp!r}")
        receptor = Receptor.of(receptor)
        for name, d in (("pre", pre), ("post", post)):
            if not isinstance(d, PopulationDescriptor):
                raise NetworkError(f"Projection {name} must be a PopulationDescriptor (from NetworkBuilder.add), "
                                   f"got {d!r}")
        pre_i, post_i, w, comp = _connection_arrays(connections)
        if post_compartment is not None:
            if comp is not None and np.any(comp != 0):
                raise NetworkError("Projection: give the post compartments either in the (n, 5) connections or "
                                   "as post_compartment, not both")
            comp = _compartment_array(post_compartment, len(w))
        elif comp is None:
            comp = _frozen(np.zeros(len(w), np.int64), np.int64)
        if max_weight is not None:
            if isinstance(max_weight, (bool, np.bool_)) or not isinstance(max_weight, (int, np.integer)) \
                    or max_weight < 0:
                raise NetworkError(f"Projection max_weight must be a non-negative integer, got {max_weight!r}")
            if len(w) and int(w.max()) > max_weight:
                raise NetworkError(f"Projection weight {int(w.max())} exceeds its max_weight {max_weight}")
            max_weight = int(max_weight)
        for name, value in (("receptor", receptor), ("pre", pre), ("post", post), ("pre_indices", pre_i),
                            ("post_indices", post_i), ("weights", w), ("max_weight", max_weight),
                            ("post_compartments", comp), ("stp", stp)):
            object.__setattr__(self, name, value)

    @classmethod
    def from_numpy(cls, receptor, pre, post, array, max_weight=None) -> "Projection":
        """Projection from an ``(n, 3)`` or public-style ``(n, 5)`` integer array."""
        return cls(receptor, pre, post, np.asarray(array), max_weight=max_weight)

    def __setattr__(self, name, value):
        raise AttributeError("Projection is immutable; use with_weights(...)")

    def __len__(self):
        return len(self.weights)

    @property
    def connections(self) -> np.ndarray:
        """``(n, 3)`` array of (pre index, post index, weight)."""
        return np.stack([self.pre_indices, self.post_indices, self.weights], axis=1)

    @property
    def synapses_per_connection(self) -> int:
        """Hardware synapses reserved per connection (at least 1)."""
        m = self.max_weight if self.max_weight is not None else (int(self.weights.max()) if len(self.weights) else 0)
        return max(1, -(-m // MAX_SYNAPSE_WEIGHT))

    def with_weights(self, weights) -> "Projection":
        """Same connections, new weights (keeps ``max_weight`` and the compartments)."""
        w = np.broadcast_to(np.asarray(weights), self.weights.shape)
        return Projection(self.receptor, self.pre, self.post, (self.pre_indices, self.post_indices, w),
                          max_weight=self.max_weight, post_compartment=self.post_compartments, stp=self.stp)

    def __repr__(self):
        comps = np.unique(self.post_compartments)
        onto = "" if comps.tolist() in ([], [0]) else f", onto compartment(s) {comps.tolist()}"
        return (f"Projection({self.receptor.name}, {self.pre} -> {self.post}, {len(self)} connections, "
                f"{self.synapses_per_connection} synapse(s) each{onto}" + (f", {self.stp}" if self.stp else "") + ")")


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
        raise TypeError(f"NetworkBuilder.add takes populations, projections and recordings, "
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
        if len(np.unique(keys)) != len(keys):
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
        from .placement import place
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
                      madc_atoms=madc_atoms, cadc_atoms=cadc_atoms)
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
