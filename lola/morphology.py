"""Multi-compartment neurons: the Morphology builder and the LogicalNeuron.

A logical neuron is a group of neuron circuits (a 2-row x up-to-128-column
patch) joined by switches:

* ``connect_right`` / ``connect_vertical``: direct membrane connections between
  neighbours -- circuits joined this way form one *compartment*;
* the *somatic line*: a wire above each row, made continuous between column c
  and c+1 by ``connect_soma_right`` of circuit c; a circuit taps it either
  directly (``connect_soma``) or through its inter-compartment conductance
  (``enable_conductance``).

``Morphology`` sets these switches (``create_compartment``, ``connect_to_soma``,
``connect_resistor_to_soma``, ``connect_soma_line``) and ``done()`` checks the
result: every created compartment must stay what it was created as (two
compartments joined through direct switches are an error), all compartments
must be linked through the somatic line, and it returns
``(LogicalNeuronCompartments, LogicalNeuron)``.  The ``LogicalNeuron`` holds one
``MCSafeAtomicNeuron`` per circuit: every parameter can be edited except the
morphology switches.  Placed at a ``LogicalNeuronOnDLS`` it becomes atomic
neurons (``place``, ``NeuronBlock.set_logical_neuron``, or
``builder.write(coord, logical_neuron)``).
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

import numpy as np

import halco
import haldls

from .morphology_coordinates import (AtomicNeuronOnLogicalNeuron, CompartmentOnLogicalNeuron,
                                     LogicalNeuronCompartments, LogicalNeuronOnDLS,
                                     NeuronColumnOnLogicalNeuron, NeuronRowOnLogicalNeuron)
from .neuron import (AtomicNeuron, MCSafeMulticompartment, Multicompartment,
                     _STRUCT_CLASSES, _copy_row, _copy_struct)

__all__ = ["Morphology", "MorphologyError", "LogicalNeuron", "MCSafeAtomicNeuron"]

Coord = AtomicNeuronOnLogicalNeuron


class MorphologyError(ValueError):
    """An invalid morphology: overlapping or non-contiguous compartments, compartments
    merged through direct switches, compartments not linked by the somatic line."""


def _coord(n, where: str) -> Coord:
    if not isinstance(n, Coord):
        raise TypeError(f"{where} takes AtomicNeuronOnLogicalNeuron, got {n!r}")
    return n


def _xy(n: Coord) -> Tuple[int, int]:
    return n.x().value(), n.y().value()


def _at(x: int, y: int) -> Coord:
    return Coord(NeuronColumnOnLogicalNeuron(x), NeuronRowOnLogicalNeuron(y))


def _column(c, where) -> int:
    if isinstance(c, NeuronColumnOnLogicalNeuron):
        return c.value()
    if isinstance(c, halco.Coordinate):
        raise TypeError(f"{where} takes NeuronColumnOnLogicalNeuron, got {c!r}")
    return NeuronColumnOnLogicalNeuron(c).value()


def _row(r, where) -> int:
    if isinstance(r, NeuronRowOnLogicalNeuron):
        return r.value()
    if isinstance(r, halco.Coordinate):
        raise TypeError(f"{where} takes NeuronRowOnLogicalNeuron, got {r!r}")
    return NeuronRowOnLogicalNeuron(r).value()


class _UnionFind:
    def __init__(self, items):
        self.p = {i: i for i in items}

    def find(self, a):
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


class Morphology:
    """Builder of a multi-compartment neuron (public ``lola.Morphology``).

    ``morphology`` maps every circuit used so far (AtomicNeuonOnLogicalNeuron) to
    its switch settings (an ``AtomicNeuron.Multicompartment``); ``m[coord]`` returns
    a copy.  See the module doc for the switch semantics.
    """

    def __init__(self):
        self.morphology: Dict[Coord, Multicompartment] = {}
        self._compartments: List[Tuple[Coord, ...]] = []

    def _switches(self, n: Coord) -> Multicompartment:
        sw = self.morphology.get(n)
        if sw is None:
            sw = self.morphology[n] = Multicompartment()
        return sw

    def __getitem__(self, coord) -> Multicompartment:
        return self.morphology[_coord(coord, "Morphology[]")].copy()

    def at(self, coord) -> Multicompartment:
        """The switch settings of ``coord`` (a copy)."""
        return self[coord]

    # -- building ------------------------------------------------------------------------------
    def create_compartment(self, neurons: Iterable[Coord]) -> CompartmentOnLogicalNeuron:
        """Join ``neurons`` (a contiguous block of circuits) into a new compartment
        through their direct membrane switches and return its index.

        Raises MorphologyError for an empty list, a neuron listed twice or already in
        another compartment, or a block that is not contiguous (4-neighbourhood)."""
        ns = [_coord(n, "create_compartment") for n in neurons]
        if not ns:
            raise MorphologyError("create_compartment: a compartment needs at least one neuron")
        if len(set(ns)) != len(ns):
            dup = next(n for n in ns if ns.count(n) > 1)
            raise MorphologyError(f"create_compartment: {dup!r} is listed twice")
        for k, comp in enumerate(self._compartments):
            both = [n for n in ns if n in comp]
            if both:
                raise MorphologyError(f"create_compartment: {both[0]!r} is already in compartment {k} "
                                      f"({', '.join(map(repr, comp))}); a circuit belongs to one compartment")
        index = CompartmentOnLogicalNeuron(len(self._compartments))
        members = set(map(_xy, ns))
        seen, todo = set(), [_xy(ns[0])]
        while todo:
            x, y = todo.pop()
            if (x, y) in seen:
                continue
            seen.add((x, y))
            todo.extend(p for p in ((x - 1, y), (x + 1, y), (x, 1 - y)) if p in members)
        if seen != members:
            apart = sorted(members - seen)[0]
            raise MorphologyError(
                f"create_compartment: the neurons are not a contiguous block: {_at(*apart)!r} is not "
                "connected to the others through horizontal or vertical neighbours")
        for n in ns:
            self._switches(n)
        for x, y in members:
            if (x + 1, y) in members:
                self.morphology[_at(x, y)].connect_right = True
            if y == 0 and (x, 1) in members:
                self.morphology[_at(x, 0)].connect_vertical = True
                self.morphology[_at(x, 1)].connect_vertical = True
        self._compartments.append(tuple(ns))
        return index

    def connect_to_soma(self, neuron: Coord) -> None:
        """Connect ``neuron``'s membrane directly to the somatic line (connect_soma).
        MorphologyError if it already uses the conductance (``connect_resistor_to_soma``)."""
        sw = self._switches(_coord(neuron, "connect_to_soma"))
        if sw.enable_conductance:
            raise MorphologyError(f"{neuron!r} is already connected to the somatic line through its conductance")
        sw.connect_soma = True

    def connect_resistor_to_soma(self, neuron: Coord) -> None:
        """Connect ``neuron`` to the somatic line through its inter-compartment
        conductance (enable_conductance).  MorphologyError if it is already
        connected directly (``connect_to_soma``)."""
        sw = self._switches(_coord(neuron, "connect_resistor_to_soma"))
        if sw.connect_soma:
            raise MorphologyError(f"{neuron!r} is already connected directly to the somatic line")
        sw.enable_conductance = True

    def connect_soma_line(self, start, end, row) -> None:
        """Make the somatic line of ``row`` continuous from column ``start`` to ``end``
        (both included): connect_soma_right on start .. end-1.  Columns and rows are
        NeuronColumnOnLogicalNeuron / NeuronRowOnLogicalNeuron or ints; out-of-range
        values raise ValueError, ``start > end`` MorphologyError."""
        a, b, r = _column(start, "connect_soma_line"), _column(end, "connect_soma_line"), _row(row, "connect_soma_line")
        if a > b:
            raise MorphologyError(f"connect_soma_line: start column {a} is right of end column {b}")
        for x in range(a, b):
            self._switches(_at(x, r)).connect_soma_right = True
        self._switches(_at(b, r))

    # -- checking ---------------------------------------------------------------------------------
    def _soma_segments(self) -> Dict[Tuple[int, int], int]:
        """(x, y) of every circuit -> id of its somatic line segment."""
        uf = _UnionFind(list(map(_xy, self.morphology)))
        for n, sw in self.morphology.items():
            x, y = _xy(n)
            if sw.connect_soma_right and (x + 1, y) in uf.p:
                uf.union((x, y), (x + 1, y))
        return {p: uf.find(p) for p in uf.p}

    def done(self) -> Tuple[LogicalNeuronCompartments, "LogicalNeuron"]:
        """Check the morphology and return ``(LogicalNeuronCompartments, LogicalNeuron)``.

        Compartments created with ``create_compartment`` keep their index; circuits
        used only otherwise (e.g. bridges that merely continue the somatic line)
        become further compartments.  Raises MorphologyError for an empty
        morphology, compartments merged through direct switches, and compartments
        not linked to each other through the somatic line."""
        if not self.morphology:
            raise MorphologyError("the morphology is empty: create a compartment first")
        sw = {_xy(n): s for n, s in self.morphology.items()}
        segment = self._soma_segments()
        # 1. compartments = circuits joined by direct switches (membrane, or both tapping
        #    the same somatic segment without a conductance)
        uf = _UnionFind(list(sw))
        for (x, y), s in sw.items():
            if s.connect_right and (x + 1, y) in sw:
                uf.union((x, y), (x + 1, y))
            if s.connect_vertical and (x, 1 - y) in sw and sw[(x, 1 - y)].connect_vertical:
                uf.union((x, y), (x, 1 - y))
        direct: Dict[int, Tuple[int, int]] = {}
        for p, s in sw.items():
            if s.connect_soma:
                seg = segment[p]
                if seg in direct:
                    uf.union(direct[seg], p)
                else:
                    direct[seg] = p
        groups: Dict[Tuple[int, int], List[Tuple[int, int]]] = {}
        for p in sw:
            groups.setdefault(uf.find(p), []).append(p)
        # 2. created compartments must be whole groups
        owner = {}
        for k, comp in enumerate(self._compartments):
            for n in comp:
                owner[_xy(n)] = k
        compartments: List[List[Tuple[int, int]]] = []
        for k, comp in enumerate(self._compartments):
            root = uf.find(_xy(comp[0]))
            extra = sorted(set(groups[root]) - set(map(_xy, comp)))
            others = sorted({owner[p] for p in extra if p in owner})
            if others:
                raise MorphologyError(
                    f"compartments {k} and {others[0]} are merged through direct connections (membrane switches "
                    "or both connected to the same somatic line segment with connect_to_soma); connect one of "
                    "them through its conductance (connect_resistor_to_soma) instead.\n" + self.sketch())
            if extra:
                raise MorphologyError(
                    f"compartment {k} is larger than created: {_at(*extra[0])!r} is joined to it through direct "
                    "connections; use connect_resistor_to_soma or leave it out.\n" + self.sketch())
            compartments.append(list(map(_xy, comp)))
        used = {p for c in compartments for p in c}
        rest = sorted((sorted(g, key=lambda p: (p[1], p[0])) for g in groups.values() if not used & set(g)),
                      key=lambda g: (g[0][1], g[0][0]))
        compartments.extend(rest)
        if len(compartments) > CompartmentOnLogicalNeuron.size:
            raise MorphologyError(f"{len(compartments)} compartments; at most {CompartmentOnLogicalNeuron.size}")
        # 3. all compartments linked through the somatic line
        touching: Dict[int, set] = {}
        for k, c in enumerate(compartments):
            for p in c:
                s = sw[p]
                taps = s.connect_soma or s.enable_conductance
                # a bridge only continues the line (public: is_bridge_segment)
                bridge = s.connect_soma_right and not (taps or s.connect_right or s.connect_vertical)
                if taps or bridge:
                    touching.setdefault(segment[p], set()).add(k)
        link = _UnionFind(range(len(compartments)))
        for ks in touching.values():
            ks = sorted(ks)
            for k in ks[1:]:
                link.union(ks[0], k)
        apart = [k for k in range(len(compartments)) if link.find(k) != link.find(0)]
        if apart:
            raise MorphologyError(
                f"the morphology is not connected: compartment {apart[0]} ({', '.join(repr(_at(*p)) for p in compartments[apart[0]])}) "
                "is not linked to compartment 0 through the somatic line (connect_to_soma / "
                "connect_resistor_to_soma and connect_soma_line).\n" + self.sketch())
        shape = LogicalNeuronCompartments({CompartmentOnLogicalNeuron(k): [_at(*p) for p in c]
                                           for k, c in enumerate(compartments)})
        index = {p: (k, i) for k, c in enumerate(compartments) for i, p in enumerate(c)}
        connections = []
        for (x, y), s in sorted(sw.items()):
            if s.connect_right and (x + 1, y) in sw:
                connections.append(("right", index[(x, y)], index[(x + 1, y)]))
            if s.connect_soma_right and (x + 1, y) in sw:
                connections.append(("soma_right", index[(x, y)], index[(x + 1, y)]))
            if y == 0 and s.connect_vertical and (x, 1) in sw and sw[(x, 1)].connect_vertical:
                connections.append(("vertical", index[(x, 0)], index[(x, 1)]))
        neurons = {}
        for k, c in enumerate(compartments):
            neurons[CompartmentOnLogicalNeuron(k)] = [MCSafeAtomicNeuron._with_switches(sw[p]) for p in c]
        return shape, LogicalNeuron._make(neurons, shape, tuple(connections))

    def sketch(self) -> str:
        """ASCII picture of the switches: per row the somatic line ('+' tap, '-'
        continuous), the taps ('|' direct, 'R' conductance), the circuits ('N',
        '-' membrane connection) and vertical connections ('|' between the rows)."""
        if not self.morphology:
            return "(empty morphology)"
        width = 2 * (max(n.x().value() for n in self.morphology) + 1)
        lines = {k: [" "] * width for k in ("s0", "t0", "n0", "v", "n1", "t1", "s1")}
        for n, s in self.morphology.items():
            x, y = _xy(n)
            lines[f"n{y}"][2 * x] = "N"
            if s.connect_right:
                lines[f"n{y}"][2 * x + 1] = "-"
            if s.connect_soma_right:
                lines[f"s{y}"][2 * x] = "+"
                lines[f"s{y}"][2 * x + 1] = "-"
            if s.connect_soma or s.enable_conductance:
                lines[f"s{y}"][2 * x] = "+"
                lines[f"t{y}"][2 * x] = "|" if s.connect_soma else "R"
            if s.connect_vertical and y == 0:
                lines["v"][2 * x] = "|"
        out = ["".join(v).rstrip() for v in lines.values()]
        return "\n".join(line for line in out if line)

    def __repr__(self):
        return f"Morphology({len(self.morphology)} circuits, {len(self._compartments)} compartments)\n{self.sketch()}"


# ------------------------------------------------------------------------------------------
# the protected neuron and the logical neuron
# ------------------------------------------------------------------------------------------

class MCSafeAtomicNeuron(AtomicNeuron):
    """An AtomicNeuron whose morphology switches (``multicompartment.connect_soma``,
    ``connect_soma_right``, ``connect_right``, ``connect_vertical``,
    ``enable_conductance``) are fixed (public ``lola.MCSafeAtomicNeuron``): changing
    them raises AttributeError (field) or ValueError (whole struct); every other
    parameter is free.  ``MCSafeAtomicNeuron(atomic_neuron)`` copies a neuron."""

    __slots__ = ()
    _struct_classes = dict(_STRUCT_CLASSES, multicompartment=MCSafeMulticompartment)

    def __init__(self, neuron: AtomicNeuron = None, **structs):
        super().__init__()
        if neuron is not None:
            if not isinstance(neuron, AtomicNeuron):
                raise TypeError(f"MCSafeAtomicNeuron copies an AtomicNeuron, got {type(neuron).__name__}")
            _copy_row(self._t, 0, neuron._t, neuron._r)
        for k, v in structs.items():
            setattr(self, k, v)

    @classmethod
    def _with_switches(cls, switches: Multicompartment) -> "MCSafeAtomicNeuron":
        n = cls()
        _copy_struct(_STRUCT_CLASSES["multicompartment"]._view(n._t, 0, "multicompartment"), switches)
        return n

    def to_atomic_neuron(self) -> AtomicNeuron:
        """A plain (unprotected) AtomicNeuron copy."""
        n = AtomicNeuron()
        _copy_row(n._t, 0, self._t, self._r)
        return n


haldls.register_type(MCSafeAtomicNeuron)


def _locate(index, morphology) -> Tuple[CompartmentOnLogicalNeuron, int]:
    try:
        comp, i = index
    except (TypeError, ValueError):
        raise TypeError("LogicalNeuron is indexed by (CompartmentOnLogicalNeuron, index in compartment)") from None
    if not isinstance(comp, CompartmentOnLogicalNeuron):
        comp = CompartmentOnLogicalNeuron(comp)
    if comp not in morphology:
        raise IndexError(f"LogicalNeuron has no compartment {comp.value()}")
    i = int(i)
    if not 0 <= i < len(morphology[comp]):
        raise IndexError(f"compartment {comp.value()} has {len(morphology[comp])} neurons, no index {i}")
    return comp, i


class LogicalNeuron:
    """Configuration of a multi-compartment neuron (public ``lola.LogicalNeuron``),
    made by ``Morphology.done()``.

    ``morphology``: compartment -> list of ``MCSafeAtomicNeuron`` (one per circuit,
    in the order of the compartment's neurons); ``ln[(compartment, i)]`` /
    ``ln.at(compartment, i)`` gives one (a live view), ``ln[(compartment, i)] = neuron``
    sets its parameters (its morphology switches must not differ).  Written at a
    ``LogicalNeuronOnDLS`` whose compartments have this shape (possibly flipped).
    """

    __slots__ = ("morphology", "_shape", "_connections")

    def __init__(self):
        self.morphology: Dict[CompartmentOnLogicalNeuron, List[MCSafeAtomicNeuron]] = {}
        self._shape = LogicalNeuronCompartments()
        self._connections: tuple = ()

    @classmethod
    def _make(cls, morphology, shape, connections):
        obj = cls()
        obj.morphology = morphology
        obj._shape = shape
        obj._connections = connections
        return obj

    @property
    def compartments(self) -> LogicalNeuronCompartments:
        """The unplaced shape (as returned by ``Morphology.done()``)."""
        return self._shape

    def at(self, compartment, index: int) -> MCSafeAtomicNeuron:
        comp, i = _locate((compartment, index), self.morphology)
        return self.morphology[comp][i]

    def __getitem__(self, index) -> MCSafeAtomicNeuron:
        comp, i = _locate(index, self.morphology)
        return self.morphology[comp][i]

    def __setitem__(self, index, neuron) -> None:
        comp, i = _locate(index, self.morphology)
        if not isinstance(neuron, AtomicNeuron):
            raise TypeError(f"LogicalNeuron holds AtomicNeuron configurations, got {type(neuron).__name__}")
        target = self.morphology[comp][i]
        target.multicompartment = neuron.multicompartment  # checks the morphology switches
        for s in _STRUCT_CLASSES:
            if s != "multicompartment":
                setattr(target, s, getattr(neuron, s))

    def collapse_neuron(self) -> Dict[CompartmentOnLogicalNeuron, List[AtomicNeuron]]:
        """compartment -> list of plain AtomicNeuron copies."""
        return {c: [n.to_atomic_neuron() for n in ns] for c, ns in self.morphology.items()}

    # -- placement ---------------------------------------------------------------------------------
    def place(self, coord: LogicalNeuronOnDLS) -> Dict[halco.AtomicNeuronOnDLS, AtomicNeuron]:
        """The atomic neurons of this logical neuron placed at ``coord``, with the
        morphology switches set for the placed positions (a flipped placement moves
        each right-connection to the circuit that is now on the left).

        Raises ValueError if ``coord``'s compartments do not have this shape."""
        if not isinstance(coord, LogicalNeuronOnDLS):
            raise TypeError(f"LogicalNeuron is placed at a LogicalNeuronOnDLS, got {coord!r}")
        placed = coord.get_placed_compartments()
        sizes = {c: len(ns) for c, ns in self.morphology.items()}
        if {c: len(ns) for c, ns in placed.items()} != sizes:
            raise ValueError("LogicalNeuronOnDLS does not match this LogicalNeuron: compartment sizes "
                             f"{ {c.value(): n for c, n in sorted(sizes.items())} } vs "
                             f"{ {c.value(): len(ns) for c, ns in sorted(placed.items())} }")
        pos = {(c.value(), i): a for c, ns in placed.items() for i, a in enumerate(ns)}
        out: Dict[halco.AtomicNeuronOnDLS, AtomicNeuron] = {}
        for c, ns in self.morphology.items():
            for i, n in enumerate(ns):
                a = n.to_atomic_neuron()
                mc = a.multicompartment
                mc.connect_right = mc.connect_soma_right = mc.connect_vertical = False
                out[pos[(c.value(), i)]] = a
        for kind, (ca, ia), (cb, ib) in self._connections:
            pa, pb = pos[(ca, ia)], pos[(cb, ib)]
            (xa, ya), (xb, yb) = (pa.x().value(), pa.y().value()), (pb.x().value(), pb.y().value())
            if kind == "vertical":
                if xa != xb or ya == yb:
                    raise ValueError(f"placement breaks a vertical connection: {pa!r} and {pb!r}")
                out[pa].multicompartment.connect_vertical = True
                out[pb].multicompartment.connect_vertical = True
            else:
                if ya != yb or abs(xa - xb) != 1:
                    raise ValueError(f"placement breaks a horizontal connection: {pa!r} and {pb!r}")
                left = pa if xa < xb else pb
                setattr(out[left].multicompartment, "connect_right" if kind == "right" else "connect_soma_right",
                        True)
        return out

    @classmethod
    def coordinate_type(cls):
        return LogicalNeuronOnDLS

    def write_plan(self, coord) -> Tuple[np.ndarray, np.ndarray]:
        """(addresses, words) of all placed atomic neurons (see ``place``)."""
        plans = [n.write_plan(a) for a, n in sorted(self.place(coord).items())]
        return np.concatenate([p[0] for p in plans]), np.concatenate([p[1] for p in plans])

    def leaves(self, coord):
        for a, n in sorted(self.place(coord).items()):
            yield from n.leaves(a)

    # -- value semantics ---------------------------------------------------------------------------
    def __eq__(self, other):
        if not isinstance(other, LogicalNeuron):
            return NotImplemented
        return (self._shape == other._shape and self._connections == other._connections
                and self.morphology == other.morphology)

    __hash__ = None

    def copy(self) -> "LogicalNeuron":
        return LogicalNeuron._make({c: [MCSafeAtomicNeuron(n) for n in ns] for c, ns in self.morphology.items()},
                                   self._shape, self._connections)

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (LogicalNeuron.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict:
        """JSON-able dict: the shape, the connections and every circuit's configuration."""
        return {"type": "LogicalNeuron", "compartments": self._shape.to_dict(),
                "connections": [[k, list(a), list(b)] for k, a, b in self._connections],
                "neurons": {str(c.value()): [n.to_dict() for n in ns] for c, ns in self.morphology.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "LogicalNeuron":
        if d.get("type", "LogicalNeuron") != "LogicalNeuron":
            raise ValueError(f"dict describes a {d.get('type')}, not a LogicalNeuron")
        neurons = {}
        for k, ns in d["neurons"].items():
            neurons[CompartmentOnLogicalNeuron(int(k))] = [
                MCSafeAtomicNeuron.from_dict(dict(nd, type="MCSafeAtomicNeuron")) for nd in ns]
        connections = tuple((k, tuple(a), tuple(b)) for k, a, b in d["connections"])
        return cls._make(neurons, LogicalNeuronCompartments.from_dict(d["compartments"]), connections)

    def __repr__(self):
        sizes = ", ".join(f"{c.value()}: {len(ns)}" for c, ns in self.morphology.items())
        return f"LogicalNeuron(compartments {{{sizes}}})"


haldls.register_type(LogicalNeuron)
