"""The building blocks of a multicompartment neuron: ``Compartment`` and ``SharedLineConnection``.

Positions are ``AtomicNeuronOnLogicalNeuron`` enums: ``column + 128 * row`` of a neuron circuit
relative to the logical neuron (columns 0..127, rows 0..1), so 0, 1, 2, ... are neighbouring
circuits of the top row.
"""
from collections import namedtuple
from collections.abc import Iterable
from numbers import Integral, Real
from typing import List, Optional, Tuple

import numpy as np

#: Enums of AtomicNeuronOnLogicalNeuron: 128 columns x 2 rows.
POSITIONS = 256

#: Close the shared (somatic) line of ``row`` from column ``start`` to column ``stop``
#: (``connect_soma_right`` of the circuits start .. stop - 1).
SharedLineConnection = namedtuple("SharedLineConnection", ["start", "stop", "row"])
SharedLineConnection.__doc__ = (
    "Make the shared (somatic) line of ``row`` (0 or 1) continuous from column ``start`` to column "
    "``stop`` (both NeuronColumnOnLogicalNeuron values 0..127, start <= stop).")


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def _int_sequence(value, name: str) -> List[int]:
    """A list of unique ints from a sequence (TypeError naming ``name`` otherwise)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"`{name}` needs to be a sequence of integers (list, tuple, ...), got {value!r}")
    items = list(value)
    bad = next((v for v in items if not _is_int(v)), None)
    if bad is not None:
        raise TypeError(f"`{name}` needs to be a sequence of integers (list, tuple, ...), it contains {bad!r}")
    dup = next((v for v in items if items.count(v) > 1), None)
    if dup is not None:
        raise TypeError(f"`{name}` contains non-unique entries: {dup} occurs {items.count(dup)} times")
    return [int(v) for v in items]


class Compartment:
    """One iso-potential compartment of a multicompartment neuron.

    ``positions``: the circuits (AtomicNeuronOnLogicalNeuron enums 0..255, column + 128 * row)
    joined into this compartment through their direct membrane switches -- a contiguous block;
    ``label``: name used by ``location_selector`` and ``record(..., locations=[...])`` (labels
    may repeat; a label then selects all its compartments where that is meaningful);
    ``connect_shared_line``: circuits (of ``positions``) connected directly to the shared
    (somatic) line; ``connect_conductance``: ``(circuit, conductance)`` pairs connected to the
    shared line through the inter-compartment conductance, its strength the circuit's
    ``multicompartment_i_bias_nmda`` (CapMem LSB 0..1022). A circuit uses one of the two.
    Further keyword arguments are neuron parameters of this compartment (names as
    ``HXNeuron``'s, e.g. ``leak_v_leak``): one value for all its circuits or one per circuit;
    they take precedence over the ``initial_config`` values.

    Raises TypeError for arguments of the wrong type, duplicates and circuits not in
    ``positions``; ValueError for positions outside 0..255.
    """

    def __init__(self, *, positions: List[int], label: Optional[str] = None,
                 connect_shared_line: Optional[List[int]] = None,
                 connect_conductance: Optional[List[Tuple[int, int]]] = None, **parameters):
        self._positions: List[int] = []
        self._connect_shared_line: List[int] = []
        self._connect_conductance: List[Tuple[int, int]] = []
        self.positions = positions
        self.label = label
        if connect_shared_line is not None:
            self.connect_shared_line = connect_shared_line
        if connect_conductance is not None:
            self.connect_conductance = connect_conductance
        self.parameters = parameters

    @property
    def positions(self) -> List[int]:
        return self._positions

    @positions.setter
    def positions(self, positions):
        values = _int_sequence(positions, "positions")
        if not values:
            raise TypeError("`positions` must name at least one neuron circuit")
        bad = next((v for v in values if not 0 <= v < POSITIONS), None)
        if bad is not None:
            raise ValueError(f"`positions` entry {bad} out of range [0, {POSITIONS - 1}] "
                             "(AtomicNeuronOnLogicalNeuron enum: column + 128 * row)")
        outside = [v for v in self._connect_shared_line if v not in values]
        outside += [v for v, _ in self._connect_conductance if v not in values]
        if outside:
            raise TypeError(f"The supplied `positions` {values} do not contain circuit {outside[0]}, which "
                            "`connect_shared_line` / `connect_conductance` use")
        # the caller's list stays the caller's: later edits of it must go through this setter
        self._positions = values

    @property
    def label(self) -> Optional[str]:
        return self._label

    @label.setter
    def label(self, label):
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Provide a string as a `label`, got {label!r}")
        self._label = label

    @property
    def connect_shared_line(self) -> List[int]:
        return self._connect_shared_line

    @connect_shared_line.setter
    def connect_shared_line(self, value):
        values = _int_sequence(value, "connect_shared_line")
        missing = next((v for v in values if v not in self._positions), None)
        if missing is not None:
            raise TypeError(f"`connect_shared_line` contains circuit {missing}, which is not in `positions` "
                            f"{self._positions}")
        self._connect_shared_line = values

    @property
    def connect_conductance(self) -> List[Tuple[int, int]]:
        return self._connect_conductance

    @connect_conductance.setter
    def connect_conductance(self, value):
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError("`connect_conductance` needs to be a sequence of (position, conductance) tuples, "
                            f"got {value!r}")
        pairs = []
        for entry in value:
            if not isinstance(entry, tuple) or len(entry) != 2:
                raise TypeError("`connect_conductance` has to be a sequence in which each entry is of the form "
                                f"`(<position>, <conductance>)`, got {entry!r}")
            position, conductance = entry
            if not _is_int(position):
                raise TypeError(f"`connect_conductance`: the position must be an integer, got {position!r}")
            if isinstance(conductance, (bool, np.bool_)) or not isinstance(conductance, Real):
                raise TypeError(f"`connect_conductance`: the conductance of circuit {position} must be a number "
                                f"(CapMem LSB), got {conductance!r}")
            pairs.append((int(position), conductance))
        positions = [p for p, _ in pairs]
        dup = next((p for p in positions if positions.count(p) > 1), None)
        if dup is not None:
            raise TypeError(f"`connect_conductance` contains non-unique entries: circuit {dup} occurs twice")
        missing = next((p for p in positions if p not in self._positions), None)
        if missing is not None:
            raise TypeError(f"`connect_conductance` contains circuit {missing}, which is not in `positions` "
                            f"{self._positions}")
        self._connect_conductance = pairs

    @property
    def size(self) -> int:
        """Number of neuron circuits of the compartment."""
        return len(self._positions)

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.parameters.items())
        return (f"Compartment(positions={self._positions}, label={self._label!r}, connect_shared_line="
                f"{self._connect_shared_line}, connect_conductance={self._connect_conductance}{extra})")
