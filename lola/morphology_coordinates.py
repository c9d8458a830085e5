"""Coordinates of multi-compartment (logical) neurons.

The public stack has them in halco (``halco.AtomicNeuronOnLogicalNeuron``,
``CompartmentOnLogicalNeuron``, ``LogicalNeuronCompartments``,
``LogicalNeuronOnDLS``); here they sit with the logical neurons that use them,
built on halco's coordinate machinery with the same value semantics, and the
umbrella ``dlens_vx_v3.halco`` offers them under their public halco names.

* ``NeuronColumnOnLogicalNeuron`` (0..127) x ``NeuronRowOnLogicalNeuron`` (0..1)
  = ``AtomicNeuronOnLogicalNeuron``: a neuron circuit's position relative to
  the logical neuron (a logical neuron never spans the west/east halves, whose
  somatic lines are separate, hence 128 columns).
* ``CompartmentOnLogicalNeuron`` (0..254): index of a compartment.
* ``LogicalNeuronCompartments``: compartment -> list of AtomicNeuronOnLogicalNeuron
  (an unplaced shape); ``flip_x()``/``flip_y()`` mirror it.
* ``LogicalNeuronOnDLS(compartments, anchor)``: the shape placed on the chip with
  its top-left corner at the ``AtomicNeuronOnDLS`` ``anchor``;
  ``get_placed_compartments()`` gives compartment -> list of AtomicNeuronOnDLS.
"""
from __future__ import annotations

import enum
from typing import Dict, List, Mapping, Tuple

import halco
from halco import _base

__all__ = ["NeuronColumnOnLogicalNeuron", "NeuronRowOnLogicalNeuron", "AtomicNeuronOnLogicalNeuron",
           "CompartmentOnLogicalNeuron", "LogicalNeuronCompartments", "LogicalNeuronOnDLS"]

_COLUMNS_PER_HALF = halco.NeuronColumnOnDLS.size // halco.NeuronBackendConfigBlockOnDLS.size  # 128


class NeuronColumnOnLogicalNeuron(_base.Ranged, max=_COLUMNS_PER_HALF - 1):
    """Column of a neuron circuit relative to its logical neuron (0..127)."""


class NeuronRowOnLogicalNeuron(_base.Ranged, max=halco.NeuronRowOnDLS.size - 1):
    """Row of a neuron circuit relative to its logical neuron (0..1)."""


class _Direction(enum.Enum):
    left = 0
    right = 1
    opposite_row = 2


class AtomicNeuronOnLogicalNeuron(_base.Grid, x=NeuronColumnOnLogicalNeuron, y=NeuronRowOnLogicalNeuron):
    """Position of a neuron circuit in a logical neuron: column x row
    (``AtomicNeuronOnLogicalNeuron(column, row)``, plain ints column first)."""

    Direction = _Direction

    def get_neighbor(self, direction):
        """The neighbour ``left``, ``right`` or in the ``opposite_row``
        (``AtomicNeuronOnLogicalNeuron.Direction``); ValueError off the grid."""
        x, y = self.x().value(), self.y().value()
        if direction is _Direction.left:
            return AtomicNeuronOnLogicalNeuron(NeuronColumnOnLogicalNeuron(x - 1), self.y())
        if direction is _Direction.right:
            return AtomicNeuronOnLogicalNeuron(NeuronColumnOnLogicalNeuron(x + 1), self.y())
        if direction is _Direction.opposite_row:
            return AtomicNeuronOnLogicalNeuron(self.x(), NeuronRowOnLogicalNeuron(1 - y))
        raise TypeError(f"get_neighbor takes an AtomicNeuronOnLogicalNeuron.Direction, got {direction!r}")


class CompartmentOnLogicalNeuron(_base.Ranged, max=254):
    """Index of a compartment of a logical neuron (0..254)."""


def _as_neuron(v, where: str) -> "AtomicNeuronOnLogicalNeuron":
    if not isinstance(v, AtomicNeuronOnLogicalNeuron):
        raise TypeError(f"{where}: expected AtomicNeuronOnLogicalNeuron, got {v!r}")
    return v


def _as_compartment(k) -> "CompartmentOnLogicalNeuron":
    if isinstance(k, CompartmentOnLogicalNeuron):
        return k
    if isinstance(k, halco.Coordinate):
        raise TypeError(f"compartment keys are CompartmentOnLogicalNeuron, got {k!r}")
    return CompartmentOnLogicalNeuron(k)


def _freeze(compartments: Mapping) -> Tuple[Tuple["CompartmentOnLogicalNeuron", tuple], ...]:
    items = []
    seen: Dict = {}
    for k, neurons in dict(compartments).items():
        c = _as_compartment(k)
        ns = tuple(_as_neuron(n, f"compartment {c.value()}") for n in neurons)
        if not ns:
            raise ValueError(f"compartment {c.value()} has no neurons")
        for n in ns:
            if n in seen:
                raise ValueError(f"Multiple compartments contain the same neuron: {n!r} is in "
                                 f"compartments {seen[n].value()} and {c.value()}")
            seen[n] = c
        items.append((c, ns))
    keys = [c for c, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("a compartment index occurs twice")
    return tuple(sorted(items, key=lambda t: t[0].toEnum()))


def _key(items) -> tuple:
    return tuple((int(c.toEnum()), tuple(int(n.toEnum()) for n in ns)) for c, ns in items)


class LogicalNeuronCompartments:
    """Shape of a logical neuron: compartment -> list of AtomicNeuronOnLogicalNeuron
    (public ``halco.LogicalNeuronCompartments``).  Immutable; a neuron may occur in
    one compartment only (ValueError otherwise)."""

    __slots__ = ("_items",)

    def __init__(self, compartments: Mapping = None):
        object.__setattr__(self, "_items", _freeze(compartments or {}))

    def __setattr__(self, name, value):
        raise AttributeError("LogicalNeuronCompartments is immutable")

    def get_compartments(self) -> Dict["CompartmentOnLogicalNeuron", List["AtomicNeuronOnLogicalNeuron"]]:
        """compartment -> list of neurons (a fresh dict)."""
        return {c: list(ns) for c, ns in self._items}

    def _all(self) -> List["AtomicNeuronOnLogicalNeuron"]:
        return [n for _, ns in self._items for n in ns]

    def get_left_most_column(self) -> "NeuronColumnOnLogicalNeuron":
        return min((n.x() for n in self._all()), default=NeuronColumnOnLogicalNeuron(NeuronColumnOnLogicalNeuron.max))

    def get_right_most_column(self) -> "NeuronColumnOnLogicalNeuron":
        return max((n.x() for n in self._all()), default=NeuronColumnOnLogicalNeuron(NeuronColumnOnLogicalNeuron.min))

    def get_top_most_row(self) -> "NeuronRowOnLogicalNeuron":
        return min((n.y() for n in self._all()), default=NeuronRowOnLogicalNeuron(NeuronRowOnLogicalNeuron.max))

    def get_bottom_most_row(self) -> "NeuronRowOnLogicalNeuron":
        return max((n.y() for n in self._all()), default=NeuronRowOnLogicalNeuron(NeuronRowOnLogicalNeuron.min))

    def flip_x(self) -> "LogicalNeuronCompartments":
        """Mirrored left <-> right within its bounding box."""
        lo, hi = self.get_left_most_column().value(), self.get_right_most_column().value()
        return LogicalNeuronCompartments({c: [AtomicNeuronOnLogicalNeuron(
            NeuronColumnOnLogicalNeuron(lo + hi - n.x().value()), n.y()) for n in ns] for c, ns in self._items})

    def flip_y(self) -> "LogicalNeuronCompartments":
        """Mirrored top <-> bottom within its bounding box."""
        lo, hi = self.get_top_most_row().value(), self.get_bottom_most_row().value()
        return LogicalNeuronCompartments({c: [AtomicNeuronOnLogicalNeuron(
            n.x(), NeuronRowOnLogicalNeuron(lo + hi - n.y().value())) for n in ns] for c, ns in self._items})

    def __len__(self):
        return len(self._items)

    def __eq__(self, other):
        if type(other) is not LogicalNeuronCompartments:
            return NotImplemented
        return _key(self._items) == _key(other._items)

    def __lt__(self, other):
        if type(other) is not LogicalNeuronCompartments:
            return NotImplemented
        return _key(self._items) < _key(other._items)

    def __hash__(self):
        return hash(("LogicalNeuronCompartments", _key(self._items)))

    def __repr__(self):
        inner = ", ".join(f"{c.value()}: [{', '.join(repr(n) for n in ns)}]" for c, ns in self._items)
        return f"LogicalNeuronCompartments({{{inner}}})"

    def __reduce__(self):
        return (LogicalNeuronCompartments.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict:
        """``{"type": ..., "compartments": {index: [[column, row], ...]}}`` (JSON-able)."""
        return {"type": "LogicalNeuronCompartments",
                "compartments": {str(c.value()): [[n.x().value(), n.y().value()] for n in ns]
                                 for c, ns in self._items}}

    @classmethod
    def from_dict(cls, d: dict) -> "LogicalNeuronCompartments":
        if d.get("type", "LogicalNeuronCompartments") != "LogicalNeuronCompartments":
            raise ValueError(f"dict describes a {d.get('type')}, not a LogicalNeuronCompartments")
        return cls({int(k): [AtomicNeuronOnLogicalNeuron(x, y) for x, y in v]
                    for k, v in d["compartments"].items()})


class LogicalNeuronOnDLS:
    """A logical neuron placed on the chip (public ``halco.LogicalNeuronOnDLS``): the
    compartments' neurons shifted so that the shape's top-left corner sits at
    ``anchor`` (an ``AtomicNeuronOnDLS``).  ValueError if the shape leaves the
    neuron grid or crosses from the west half (columns 0..127) into the east half.
    """

    __slots__ = ("_items",)

    def __init__(self, compartments: "LogicalNeuronCompartments", anchor):
        if not isinstance(compartments, LogicalNeuronCompartments):
            raise TypeError(f"LogicalNeuronOnDLS needs LogicalNeuronCompartments, got {compartments!r}")
        if not isinstance(anchor, halco.AtomicNeuronOnDLS):
            raise TypeError(f"LogicalNeuronOnDLS anchor must be an AtomicNeuronOnDLS, got {anchor!r}")
        lm, rm = compartments.get_left_most_column().value(), compartments.get_right_most_column().value()
        tm, bm = compartments.get_top_most_row().value(), compartments.get_bottom_most_row().value()
        ax, ay = anchor.x().value(), anchor.y().value()
        if ay + (bm - tm) > halco.NeuronRowOnDLS.max:
            raise ValueError(f"LogicalNeuronOnDLS: anchor {anchor!r} places the {bm - tm + 1}-row shape "
                             "outside the neuron grid")
        half_end = (ax // _COLUMNS_PER_HALF + 1) * _COLUMNS_PER_HALF - 1
        if ax + (rm - lm) > half_end:
            raise ValueError(f"LogicalNeuronOnDLS: anchor {anchor!r} places the {rm - lm + 1} columns wide "
                             f"shape beyond column {half_end} (a logical neuron stays in one half of the chip)")
        placed = []
        for c, ns in compartments._items:
            placed.append((c, tuple(halco.AtomicNeuronOnDLS(
                halco.NeuronColumnOnDLS(ax + n.x().value() - lm), halco.NeuronRowOnDLS(ay + n.y().value() - tm))
                for n in ns)))
        object.__setattr__(self, "_items", tuple(placed))

    def __setattr__(self, name, value):
        raise AttributeError("LogicalNeuronOnDLS is immutable")

    def get_placed_compartments(self) -> Dict["CompartmentOnLogicalNeuron", List]:
        """compartment -> list of AtomicNeuronOnDLS (a fresh dict)."""
        return {c: list(ns) for c, ns in self._items}

    def get_atomic_neurons(self) -> List:
        """All placed AtomicNeuronOnDLS, compartment by compartment."""
        return [n for _, ns in self._items for n in ns]

    def __eq__(self, other):
        if type(other) is not LogicalNeuronOnDLS:
            return NotImplemented
        return _key(self._items) == _key(other._items)

    def __lt__(self, other):
        if type(other) is not LogicalNeuronOnDLS:
            return NotImplemented
        return _key(self._items) < _key(other._items)

    def __hash__(self):
        return hash(("LogicalNeuronOnDLS", _key(self._items)))

    def __repr__(self):
        inner = ", ".join(f"{c.value()}: [{', '.join(repr(n) for n in ns)}]" for c, ns in self._items)
        return f"LogicalNeuronOnDLS({{{inner}}})"

    def __reduce__(self):
        return (LogicalNeuronOnDLS.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict:
        """``{"type": ..., "compartments": {index: [AtomicNeuronOnDLS enum, ...]}}``."""
        return {"type": "LogicalNeuronOnDLS",
                "compartments": {str(c.value()): [int(n.toEnum()) for n in ns] for c, ns in self._items}}

    @classmethod
    def from_dict(cls, d: dict) -> "LogicalNeuronOnDLS":
        """Inverse of ``to_dict``."""
        if d.get("type", "LogicalNeuronOnDLS") != "LogicalNeuronOnDLS":
            raise ValueError(f"dict describes a {d.get('type')}, not a LogicalNeuronOnDLS")
        obj = cls.__new__(cls)
        items = [(CompartmentOnLogicalNeuron(int(k)),
                  tuple(halco.AtomicNeuronOnDLS.from_enum(int(e)) for e in v))
                 for k, v in d["compartments"].items()]
        object.__setattr__(obj, "_items", tuple(sorted(items, key=lambda t: t[0].toEnum())))
        return obj

# make halco.from_dict / halco.lookup find the two structured coordinates
_base._REGISTRY.setdefault("LogicalNeuronCompartments", LogicalNeuronCompartments)
_base._REGISTRY.setdefault("LogicalNeuronOnDLS", LogicalNeuronOnDLS)
