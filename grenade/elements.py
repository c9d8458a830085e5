"""The elements of a network: populations, projections, their descriptors, the
receptor types and the network errors.

Plain immutable values that validate themselves on construction. They sit below
both :mod:`grenade.network` (which assembles and validates them across elements)
and :mod:`grenade.placement` (which places them on the chip), so neither of those
imports the other's internals.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Tuple, Union

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
        import lola
        return tuple(lola.AtomicNeuron.copies(config))
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
