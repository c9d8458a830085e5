"""Routing: a placed network -> chip-level event-routing configuration.

The event path (reference lower-stack 8.2) and how the router uses it:

* **Sources and labels.**  An on-chip neuron at column ``c`` sends label
  ``(e << 8) | address_out`` into crossbar input ``e = c // 32`` (bits 10..8
  are fixed by the event output).  External sources are injected by the host
  with a free 16-bit label (SPL1 in bits 15..14 -> crossbar input 8 + SPL1).
  Background generator ``i`` sends ``neuron_label`` (random low bits under
  ``mask``) into input 12 + i.
* **Crossbar.**  Only the 76 existing nodes; a node passes a label iff
  ``(label & mask) == target``.  Neuron output ``e`` reaches PADI bus
  ``e % 4`` of both hemispheres and L2 output ``e % 4``; external labels carry
  their target PADI bus ``o`` (0..7) in bits 13..11 and travel on SPL1
  ``o % 4``, whose node to bus ``o`` filters on those bits; background
  generator ``i`` reaches only bus ``i % 4`` of hemisphere ``i // 4``.
  Unneeded nodes drop everything, so events reach only buses that use them.
* **PADI bus -> drivers.**  On the bus an event is (row select = label bits
  10..6, synapse label = bits 5..0).  Sources are grouped into *label groups*
  (<= 64 sources with distinct synapse labels, one row-select code); the
  drivers of a group take its code and no other code in use on the bus
  (:mod:`grenade.drivers`).  Neuron groups are one per event output and bus
  with code ``4 e + r_e`` (``r_e`` = address_out bits 7..6, shared by both
  hemispheres); external and background groups have free codes.
* **Rows and synapses.**  Each driver has two rows (``2i``, ``2i + 1``), each
  with its own mode (excitatory / inhibitory).  A group needs, per receptor,
  as many rows as its largest per-neuron in-degree (counting each
  connection's ``synapses_per_connection``); the synapse of a connection sits
  in the post neuron's column with the source's 6-bit label.

Everything the router decides is kept as plain numpy arrays in the
:class:`RoutingResult`; :mod:`grenade.chip` writes them into a ``lola.Chip``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Dict, List, NamedTuple, Tuple

import numpy as np

import halco
import haldls

from . import _routing
from . import drivers as drv
from .network import (MAX_SYNAPSE_WEIGHT, BackgroundSourcePopulation, ExternalSourcePopulation, Network,
                      Population, ProjectionDescriptor, Receptor)

ROWS_PER_SYNRAM = 256
COLUMNS = 256
ROWS_PER_BUS = 64
DRIVERS_PER_BUS = drv.DRIVERS_PER_BUS
SOURCES_PER_GROUP = 64
EXC, INH = 0, 1
_RECEPTOR_INDEX = {Receptor.excitatory: EXC, Receptor.inhibitory: INH}
#: Crossbar node settings: everything passes / nothing passes (``CrossbarNode.drop_all``).
PASS_ALL = (0, 0)
DROP_ALL = (0, 1)
#: Label bits 13..11 carry the target PADI bus of an external event.
EXTERNAL_BUS_SHIFT = 11
EXTERNAL_BUS_MASK = 0b111 << EXTERNAL_BUS_SHIFT

# kinds of label groups
NEURONS, EXTERNAL, BACKGROUND = 0, 1, 2
_KIND_NAMES = {NEURONS: "neurons", EXTERNAL: "external", BACKGROUND: "background"}


class RoutingError(RuntimeError):
    """The network cannot be routed; the message names the population or
    projection and the hardware limit that was exceeded."""


@lru_cache(maxsize=None)
def crossbar_node_index() -> Dict[Tuple[int, int], int]:
    """(crossbar input, crossbar output) -> CrossbarNodeOnDLS enum, for the 76 nodes."""
    out = {}
    for node in halco.iter_all(halco.CrossbarNodeOnDLS):
        out[(node.toCrossbarInputOnDLS().value(), node.toCrossbarOutputOnDLS().value())] = int(node.toEnum())
    return out


def _bus_output(hemisphere: int, bus: int) -> int:
    """Crossbar output driving PADI bus ``bus`` of ``hemisphere``."""
    padi = halco.PADIBusOnDLS(halco.PADIBusOnPADIBusBlock(int(bus)), halco.PADIBusBlockOnDLS(int(hemisphere)))
    return padi.toCrossbarOutputOnDLS().value()


def _l2_input(spl1: int) -> int:
    """Crossbar input fed by the L2 channel ``spl1`` (external events)."""
    return halco.SPL1Address(int(spl1)).toCrossbarInputOnDLS().value()


def _background_input(source: int) -> int:
    """Crossbar input fed by background spike source ``source``."""
    return halco.BackgroundSpikeSourceOnDLS(int(source)).toCrossbarInputOnDLS().value()


@lru_cache(maxsize=None)
def _l2_output_of(crossbar_input: int) -> int:
    """The one L2 (towards the FPGA) crossbar output reachable from ``crossbar_input``."""
    outs = [o for (i, o) in crossbar_node_index()
            if i == crossbar_input and halco.CrossbarOutputOnDLS(o).toCrossbarL2OutputOnDLS() is not None]
    if len(outs) != 1:
        raise ValueError(f"crossbar input {crossbar_input} reaches {len(outs)} L2 outputs, expected 1")
    return outs[0]


class PlacedConnection(NamedTuple):
    """One hardware synapse realising (part of) a logical connection."""

    weight: int
    synapse_row: halco.SynapseRowOnDLS
    synapse_on_row: halco.SynapseOnSynapseRow


@dataclass(frozen=True)
class LabelGroup:
    """Sources sharing one row-select code on one PADI bus."""

    hemisphere: int
    bus: int
    kind: str
    code: int
    sources: int
    rows_excitatory: int
    rows_inhibitory: int
    drivers: Tuple[int, ...]          # SynapseDriverOnSynapseDriverBlock values
    description: str


@dataclass(frozen=True)
class RoutingStatistics:
    """Resource use of one routing."""

    neurons: int
    connections: int
    synapses: int
    synapse_rows: int
    synapse_drivers: int
    padi_buses: int
    label_groups: int
    crossbar_nodes: int
    rows_per_bus: Tuple[Tuple[int, ...], ...]
    drivers_per_bus: Tuple[Tuple[int, ...], ...]
    routing_duration: float

    @property
    def synapse_row_usage(self) -> float:
        return self.synapse_rows / (2 * ROWS_PER_SYNRAM)

    @property
    def synapse_driver_usage(self) -> float:
        return self.synapse_drivers / (2 * 128)


@dataclass(frozen=True, eq=False)
class RoutingResult:
    """Chip-level routing of one network (plain arrays; see the module doc).  Immutable
    (frozen, read-only arrays), so results derived from it can be reused while it is the same
    object.

    Per-hemisphere arrays are indexed ``[hemisphere, ...]``; rows are
    ``SynapseRowOnSynram`` values, columns ``SynapseOnSynapseRow`` values,
    drivers ``SynapseDriverOnSynapseDriverBlock`` values, crossbar nodes
    ``CrossbarNodeOnDLS`` enums, neurons ``AtomicNeuronOnDLS`` enums.
    """

    network: Network
    neuron_address_out: np.ndarray          # (512,) 8 bit
    neuron_spike_out: np.ndarray            # (512,) bool: enable_spike_out
    neuron_receptors: np.ndarray            # (2, 2, 256) bool [receptor, hemisphere, column]
    crossbar_mask: np.ndarray               # (76,)
    crossbar_target: np.ndarray             # (76,)
    driver_enable: np.ndarray               # (2, 128) bool: enable_receiver
    driver_compare_mask: np.ndarray         # (2, 128)
    row_modes: np.ndarray                   # (2, 256) haldls.RowMode values
    synapse_weights: np.ndarray             # (2, 256, 256)
    synapse_labels: np.ndarray              # (2, 256, 256)
    padi_enable: np.ndarray                 # (2, 4) bool: buses in use
    background_enable: np.ndarray           # (8,) bool
    background_population: np.ndarray       # (8,) population index or -1
    background_neuron_label: np.ndarray     # (8,) 14 bit
    background_mask: np.ndarray             # (8,) 8 bit
    external_labels: Dict[int, Tuple[np.ndarray, np.ndarray]]   # population -> (neuron index, 16-bit label)
    recorded_population: np.ndarray         # (65536,) population of a recorded host label, -1 if none
    recorded_neuron: np.ndarray             # (65536,) neuron index within it
    synapses_per_connection: Tuple[int, ...]
    synapse_table: Dict[str, np.ndarray]    # projection, connection, split, hemisphere, row, column
    driver_stp: np.ndarray                  # (2, 128, 3): enable_stp, utilization, recovery
    stp_clock: np.ndarray                   # (2, 2): enable_recovery_clock, recovery_clock_speed
    label_groups: Tuple[LabelGroup, ...]
    statistics: RoutingStatistics

    @property
    def placement(self):
        return self.network.placement

    def placed_connections(self, projection: ProjectionDescriptor) -> np.ndarray:
        """Hardware synapses of one projection: structured array with fields
        ``connection, hemisphere, row, column, weight``, sorted by connection."""
        t = self.synapse_table
        sel = np.flatnonzero(t["projection"] == projection.index)
        out = np.zeros(len(sel), dtype=[("connection", "i8"), ("hemisphere", "i8"), ("row", "i8"),
                                        ("column", "i8"), ("weight", "i8")])
        out["connection"] = t["connection"][sel]
        out["hemisphere"] = t["hemisphere"][sel]
        out["row"] = t["row"][sel]
        out["column"] = t["column"][sel]
        out["weight"] = self.synapse_weights[out["hemisphere"], out["row"], out["column"]]
        return out

    def __repr__(self):
        s = self.statistics
        return (f"RoutingResult({s.connections} connections -> {s.synapses} synapses in {s.synapse_rows} rows, "
                f"{s.synapse_drivers} drivers on {s.padi_buses} PADI buses, {s.routing_duration * 1e3:.1f} ms)")


def get_placed_connections(routing: RoutingResult, projection: ProjectionDescriptor) -> List[List[PlacedConnection]]:
    """For each connection of ``projection`` (in order), the hardware synapses
    that realise it: ``PlacedConnection(weight, SynapseRowOnDLS, SynapseOnSynapseRow)``."""
    arr = routing.placed_connections(projection)
    n = len(routing.network.projections[projection.index])
    out: List[List[PlacedConnection]] = [[] for _ in range(n)]
    for c, h, r, col, w in arr.tolist():
        out[c].append(PlacedConnection(
            w, halco.SynapseRowOnDLS(halco.SynapseRowOnSynram(r), halco.SynramOnDLS(h)),
            halco.SynapseOnSynapseRow(col)))
    return out


# ------------------------------------------------------------------------------------------
# requires_routing / update
# ------------------------------------------------------------------------------------------

def requires_routing(old: Network, new: Network) -> bool:
    """Whether ``new`` needs a new routing, or the routing of ``old`` can be
    updated in place (same populations, placement, receptors, recorded neurons
    and connections; only weights that fit the reserved synapses, neuron
    parameters, background rates/seeds or recordings changed)."""
    if old is new:
        return False
    if len(old.populations) != len(new.populations) or len(old.projections) != len(new.projections):
        return True
    for a, b, pa, pb, ba, bb in zip(old.populations, new.populations, old.placement, new.placement,
                                    old.background_placement, new.background_placement):
        if type(a) is not type(b) or a.size != b.size:
            return True
        if isinstance(a, Population):
            if not np.array_equal(pa, pb) or a.receptors != b.receptors \
                    or not np.array_equal(a.record_spikes, b.record_spikes) or a.shape != b.shape:
                return True
        if isinstance(a, BackgroundSourcePopulation) and ba != bb:
            return True
    if any(not np.array_equal(x, y) for ca, cb in zip(old.compartment_placement, new.compartment_placement)
           for x, y in zip(ca, cb)):
        return True
    for a, b in zip(old.projections, new.projections):
        if a.receptor is not b.receptor or a.pre != b.pre or a.post != b.post or a.stp != b.stp:
            return True
        if not (np.array_equal(a.pre_indices, b.pre_indices) and np.array_equal(a.post_indices, b.post_indices)
                and np.array_equal(a.post_compartments, b.post_compartments)):
            return True
        if len(b.weights) and int(b.weights.max()) > MAX_SYNAPSE_WEIGHT * a.synapses_per_connection:
            return True
    return False


def split_weights(weights: np.ndarray, split: np.ndarray) -> np.ndarray:
    """Weight of synapse ``split`` (0-based) of a connection: full 63s first,
    then the remainder, then zeros (123 over 3 synapses -> 63, 60, 0)."""
    return np.clip(weights - MAX_SYNAPSE_WEIGHT * split, 0, MAX_SYNAPSE_WEIGHT)


def update_routing(routing: RoutingResult, network: Network) -> RoutingResult:
    """The routing of ``network`` obtained by updating ``routing`` in place
    (new synapse weights only).  Raises ValueError if ``network`` needs a new
    routing (see :func:`requires_routing`)."""
    if routing.network is network:
        return routing
    if requires_routing(routing.network, network):
        raise ValueError("the network differs from the routed one in more than weights/parameters: "
                         "call grenade.route(network)")
    t = routing.synapse_table
    weights = routing.synapse_weights.copy()
    if len(t["projection"]):
        all_w = np.concatenate([p.weights for p in network.projections]) if network.projections else np.zeros(0)
        offsets = np.cumsum([0] + [len(p) for p in network.projections])
        w = all_w[offsets[t["projection"]] + t["connection"]]
        weights[t["hemisphere"], t["row"], t["column"]] = split_weights(w, t["split"])
    weights.flags.writeable = False
    return replace(routing, network=network, synapse_weights=weights)


# ------------------------------------------------------------------------------------------
# the router
# ------------------------------------------------------------------------------------------

def _bus_name(h: int, b: int) -> str:
    return f"PADI bus {b} of hemisphere {h}"


class _Conn:
    """All connections of the network as flat arrays."""

    def __init__(self, net: Network, src_offset: np.ndarray):
        projs = net.projections
        n = [len(p) for p in projs]
        self.count = int(sum(n))
        self.proj = np.repeat(np.arange(len(projs), dtype=np.int64), n)
        self.conn = np.concatenate([np.arange(k, dtype=np.int64) for k in n]) if projs else np.zeros(0, np.int64)
        cat = (lambda xs: np.concatenate(xs).astype(np.int64) if xs else np.zeros(0, np.int64))
        pre_pop = np.repeat(np.array([p.pre.index for p in projs], dtype=np.int64), n)
        post_pop = np.repeat(np.array([p.post.index for p in projs], dtype=np.int64), n)
        self.pre_pop = pre_pop
        self.post_pop = post_pop
        self.pre_idx = cat([p.pre_indices for p in projs])
        self.post_idx = cat([p.post_indices for p in projs])
        self.weight = cat([p.weights for p in projs])
        self.rec = np.repeat(np.array([_RECEPTOR_INDEX[p.receptor] for p in projs], dtype=np.int64), n)
        self.nsyn = np.repeat(np.array([p.synapses_per_connection for p in projs], dtype=np.int64), n)
        # short-term plasticity: index into stp_configs per connection, -1 without
        self.stp_configs = sorted({p.stp for p in projs if p.stp is not None},
                                  key=lambda c: (c.utilization, c.recovery, c.recovery_clock_speed))
        self.stp = np.repeat(np.array([-1 if p.stp is None else self.stp_configs.index(p.stp) for p in projs],
                                      dtype=np.int64), n)
        self.src = src_offset[pre_pop] + self.pre_idx if self.count else np.zeros(0, np.int64)
        self.post_comp = cat([p.post_compartments for p in projs])
        post_atom = np.zeros(self.count, dtype=np.int64)
        for i, pop in enumerate(net.populations):
            sel = np.flatnonzero(post_pop == i)
            if len(sel):
                post_atom[sel] = target_circuits(net.compartment_placement[i], self.post_idx[sel],
                                                 self.post_comp[sel])
        self.post_atom = post_atom
        self.h = post_atom // COLUMNS
        self.col = post_atom % COLUMNS


def target_circuits(compartments, post: np.ndarray, compartment: np.ndarray) -> np.ndarray:
    """The circuit (AtomicNeuronOnDLS enum) each connection's synapses sit on: connections onto
    one compartment of one neuron are dealt out over the compartment's circuits in turn, in
    connection order (projection, then connection), which balances their in-degrees."""
    out = np.zeros(len(post), dtype=np.int64)
    for c in np.unique(compartment):
        sel = np.flatnonzero(compartment == c)
        circuits = compartments[int(c)]
        idx = post[sel]
        if circuits.shape[1] == 1:
            out[sel] = circuits[idx, 0]
            continue
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        first = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
        segment = np.cumsum(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]]) - 1
        rank = np.empty(len(idx), dtype=np.int64)
        rank[order] = np.arange(len(idx)) - first[segment]
        out[sel] = circuits[idx, rank % circuits.shape[1]]
    return out


def _describe_neuron(net: Network, atom: int) -> str:
    where = repr(halco.AtomicNeuronOnDLS.from_enum(int(atom)))
    for i, (pop, comps) in enumerate(zip(net.populations, net.compartment_placement)):
        if isinstance(pop, Population):
            for c, circuits in enumerate(comps):
                k = np.flatnonzero(np.any(circuits == atom, axis=1))
                if len(k):
                    onto = f" compartment {c}" if pop.shape is not None else ""
                    return f"population {i} neuron {int(k[0])}{onto} ({where})"
    return where  # pragma: no cover


def _describe_projections(conn: _Conn, sel: np.ndarray, net: Network) -> str:
    projs = np.unique(conn.proj[sel])
    return ", ".join(f"projection {int(p)} (population {net.projections[p].pre.index} -> "
                     f"{net.projections[p].post.index}, {net.projections[p].receptor.name})" for p in projs[:6]) \
        + (" ..." if len(projs) > 6 else "")


def _distinct_pairs(a: np.ndarray, b: np.ndarray, na: int, nb: int) -> Tuple[np.ndarray, np.ndarray]:
    """The distinct pairs ``(a[i], b[i])`` (``0 <= a < na``, ``0 <= b < nb``), sorted."""
    if na * nb <= 1 << 22:
        # a table of flags: several times faster than np.unique for the sizes the chip allows
        used = np.zeros((na, nb), dtype=bool)
        used[a, b] = True
        return np.nonzero(used)
    pairs = np.unique(a * nb + b)
    return pairs // nb, pairs % nb


class _Router:
    def __init__(self, net: Network):
        self.net = net
        pops = net.populations
        self.kind = np.array([NEURONS if isinstance(p, Population) else EXTERNAL
                              if isinstance(p, ExternalSourcePopulation) else BACKGROUND for p in pops], dtype=np.int64)
        sizes = np.array([p.size for p in pops], dtype=np.int64)
        self.src_offset = np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.int64)
        self.n_src = int(sizes.sum())
        # per global source: population, index, kind, atom (on-chip) or -1
        self.src_pop = np.repeat(np.arange(len(pops), dtype=np.int64), sizes)
        self.src_idx = np.concatenate([np.arange(s, dtype=np.int64) for s in sizes]) if len(pops) \
            else np.zeros(0, np.int64)
        self.src_kind = self.kind[self.src_pop] if len(pops) else np.zeros(0, np.int64)
        self.src_atom = np.full(self.n_src, -1, dtype=np.int64)
        for i, pop in enumerate(pops):
            if isinstance(pop, Population):
                self.src_atom[self.src_offset[i]:self.src_offset[i] + pop.size] = net.placement[i]
        self.conn = _Conn(net, self.src_offset)

    # -- checks ----------------------------------------------------------------------------------
    def check_indegree(self):
        c = self.conn
        rows = np.bincount(c.post_atom, weights=c.nsyn, minlength=2 * COLUMNS).astype(np.int64)
        bad = np.flatnonzero(rows > ROWS_PER_SYNRAM)
        if len(bad):
            lines = [f"{_describe_neuron(self.net, a)} needs {int(rows[a])} synapse rows" for a in bad[:5]]
            sel = np.isin(c.post_atom, bad)
            raise RoutingError(
                "Neuron(s) with in-degree larger than the number of synapse rows exist "
                f"({ROWS_PER_SYNRAM} rows per hemisphere, one synapse per row and neuron; a connection with weight "
                f"above 63 takes several): " + "; ".join(lines) + (" ..." if len(bad) > 5 else "")
                + f"; fed by {_describe_projections(c, sel, self.net)}")

    # -- buses of the connections ------------------------------------------------------------------
    def assign_fixed_buses(self):
        """Bus of every connection from on-chip neurons and background sources; -1 for external."""
        c, net = self.conn, self.net
        kind = self.src_kind[c.src] if c.count else np.zeros(0, np.int64)
        bus = np.full(c.count, -1, dtype=np.int64)
        neuron = kind == NEURONS
        src_col = self.src_atom[c.src[neuron]] % COLUMNS
        bus[neuron] = (src_col // 32) % 4
        for i, pop in enumerate(net.populations):
            if not isinstance(pop, BackgroundSourcePopulation):
                continue
            sel = c.pre_pop == i
            if not np.any(sel):
                continue
            place = dict(net.background_placement[i])
            for h in np.unique(c.h[sel]):
                hsel = sel & (c.h == h)
                if int(h) not in place:
                    raise RoutingError(
                        f"BackgroundSourcePopulation {i} is placed on hemisphere(s) "
                        f"{sorted(place)} but {_describe_projections(c, hsel, net)} targets neurons on hemisphere "
                        f"{int(h)}: a background generator reaches only its own PADI bus")
                bus[hsel] = place[int(h)]
        self.bus = bus
        self.conn_kind = kind
        bad = (c.stp >= 0) & (kind != EXTERNAL) if c.count else np.zeros(0, bool)
        if np.any(bad):
            raise RoutingError(
                f"Short-term plasticity on {_describe_projections(c, bad, net)}: only connections from external "
                f"sources can have it.  The chip's STP state lives in the synapse driver and is used up by every "
                f"event the driver receives, so each source needs drivers of its own; on-chip neurons of one event "
                f"output share one row-select code (background sources one per 64), so their drivers cannot be "
                f"kept apart")

    def check_fixed_bus_indegree(self):
        c = self.conn
        fixed = self.bus >= 0
        key = c.post_atom[fixed] * 4 + self.bus[fixed]
        rows = np.bincount(key, weights=c.nsyn[fixed], minlength=2 * COLUMNS * 4).astype(np.int64)
        bad = np.flatnonzero(rows > ROWS_PER_BUS)
        if len(bad):
            lines = [f"{_describe_neuron(self.net, k // 4)} needs {int(rows[k])} synapse rows on "
                     f"{_bus_name(int(k // 4) // COLUMNS, int(k % 4))}" for k in bad[:5]]
            sel = np.zeros(c.count, dtype=bool)
            sel[np.flatnonzero(fixed)[np.isin(key, bad)]] = True
            raise RoutingError(
                "Neuron(s) with in-degree on a single PADI-bus larger than its number of synapse rows exist "
                f"({ROWS_PER_BUS} rows = {DRIVERS_PER_BUS} drivers x 2 per bus; on-chip neurons of event output e "
                f"arrive on bus e % 4, background sources on their own bus): " + "; ".join(lines)
                + (" ..." if len(bad) > 5 else "") + f"; fed by {_describe_projections(c, sel, self.net)}")

    # -- label groups ------------------------------------------------------------------------------
    def build_groups(self):
        """Group id and synapse label (6 bit) of every connection."""
        c, net = self.conn, self.net
        group = np.full(c.count, -1, dtype=np.int64)
        label6 = np.zeros(c.count, dtype=np.int64)
        g_h, g_b, g_kind, g_info = [], [], [], []

        def new_group(h, b, kind, info):
            g_h.append(h)
            g_b.append(b)
            g_kind.append(kind)
            g_info.append(info)
            return len(g_h) - 1

        # on-chip neurons: one group per (hemisphere, event output)
        neuron = self.conn_kind == NEURONS
        if np.any(neuron):
            atom = self.src_atom[c.src[neuron]]
            e = (atom % COLUMNS) // 32
            key = c.h[neuron] * 8 + e
            ids = {}
            for k in np.unique(key):
                k = int(k)
                ids[k] = new_group(k // 8, (k % 8) % 4, NEURONS, {"event_output": k % 8})
            lut = np.full(16, -1, dtype=np.int64)
            for k, g in ids.items():
                lut[k] = g
            group[neuron] = lut[key]
            label6[neuron] = (atom // COLUMNS) * 32 + (atom % 32)
        # background: one group per 64 sources and hemisphere
        for i, pop in enumerate(net.populations):
            if not isinstance(pop, BackgroundSourcePopulation):
                continue
            sel = c.pre_pop == i
            if not np.any(sel):
                continue
            nsub = max(1, pop.size // SOURCES_PER_GROUP)
            for h in np.unique(c.h[sel]):
                hs = sel & (c.h == h)
                b = dict(net.background_placement[i])[int(h)]
                first = None
                for j in range(nsub):
                    g = new_group(int(h), b, BACKGROUND, {"population": i, "sub": j, "subgroups": nsub})
                    first = g if first is None else first
                group[hs] = first + c.pre_idx[hs] // SOURCES_PER_GROUP
                label6[hs] = c.pre_idx[hs] % SOURCES_PER_GROUP
        self.group, self.label6 = group, label6
        self.g_h, self.g_b, self.g_kind, self.g_info = g_h, g_b, g_kind, g_info

    def group_rows(self, sel: np.ndarray) -> np.ndarray:
        """(groups, 2) rows needed per receptor for the connections ``sel``."""
        c = self.conn
        g = self.group[sel]
        n = len(self.g_h)
        key = (g * 2 + c.rec[sel]) * COLUMNS + c.col[sel]
        indeg = np.bincount(key, weights=c.nsyn[sel], minlength=n * 2 * COLUMNS).astype(np.int64)
        return indeg.reshape(n, 2, COLUMNS).max(axis=2)

    def distribute_external(self):
        """Choose a PADI bus for every (external source, hemisphere) and form groups."""
        c, net = self.conn, self.net
        ext = np.flatnonzero(self.conn_kind == EXTERNAL)
        fixed_sel = self.group >= 0
        rows = self.group_rows(fixed_sel) if len(self.g_h) else np.zeros((0, 2), np.int64)
        fixed_drivers = np.zeros((2, 4), dtype=np.int64)
        fixed_rows = np.zeros((2, 4), dtype=np.int64)
        for g, (h, b) in enumerate(zip(self.g_h, self.g_b)):
            fixed_rows[h, b] += rows[g].sum()
            fixed_drivers[h, b] += -(-int(rows[g].sum()) // 2)
        self.check_bus_rows(fixed_rows, fixed_drivers, rows)
        self.ext_bus = {}  # (source, h, stp config or -1) -> (bus, group, label6)
        self._stp_groups(ext, fixed_rows, fixed_drivers)
        ext = ext[c.stp[ext] < 0]
        if not len(ext):
            return
        # sort the external connections by (hemisphere, source); the greedy pass over the runs
        # is C++ (grenade._routing.distribute_sources: a per-source loop on the routing path)
        order = ext[np.lexsort((c.src[ext], c.h[ext]))]
        hs, srcs = c.h[order], c.src[order]
        starts = np.flatnonzero(np.r_[True, (hs[1:] != hs[:-1]) | (srcs[1:] != srcs[:-1])])
        ends = np.r_[starts[1:], len(order)]
        res = _routing.distribute_sources(starts, hs, c.rec[order], c.col[order], c.nsyn[order], fixed_rows,
                                       fixed_drivers, ROWS_PER_BUS, DRIVERS_PER_BUS, SOURCES_PER_GROUP)
        failed = int(res["failed"])
        if failed >= 0:
            s, e = int(starts[failed]), int(ends[failed])
            h, src = int(hs[s]), int(srcs[s])
            pop, k = int(self.src_pop[src]), int(self.src_idx[src])
            raise RoutingError(
                f"Source distribution not successful: external population {pop} neuron {k} fits on no PADI "
                f"bus of hemisphere {h} (per bus: {ROWS_PER_BUS} synapse rows, {DRIVERS_PER_BUS} synapse "
                f"drivers, label groups of at most {SOURCES_PER_GROUP} sources; in use "
                f"{res['rows_in_use'][h].tolist()} rows, {res['drivers_in_use'][h].tolist()} drivers); "
                f"fed by {_describe_projections(c, order[s:e], net)}")
        g0 = len(self.g_h)
        new_h, new_b = res["group_hemisphere"].tolist(), res["group_bus"].tolist()
        self.g_h.extend(new_h)
        self.g_b.extend(new_b)
        self.g_kind.extend([EXTERNAL] * len(new_h))
        self.g_info.extend({} for _ in new_h)
        group = res["group"] + g0
        lengths = ends - starts
        self.group[order] = np.repeat(group, lengths)
        self.label6[order] = np.repeat(res["label"], lengths)
        h_run = hs[starts].tolist()
        self.ext_bus.update(((src, h, -1), (b, g, l6)) for src, h, b, g, l6 in zip(
            srcs[starts].tolist(), h_run, res["bus"].tolist(), group.tolist(), res["label"].tolist()))

    def _stp_groups(self, ext, fixed_rows, fixed_drivers):
        """One label group per (external source, hemisphere, STP config) of the STP connections,
        on the bus with the fewest drivers in use that has room; adds to ``fixed_rows`` /
        ``fixed_drivers`` (per hemisphere and bus)."""
        c, net = self.conn, self.net
        sel = ext[c.stp[ext] >= 0]
        if not len(sel):
            return
        order = sel[np.lexsort((c.stp[sel], c.src[sel], c.h[sel]))]
        key = np.stack([c.h[order], c.src[order], c.stp[order]], axis=1)
        starts = np.flatnonzero(np.r_[True, np.any(key[1:] != key[:-1], axis=1)])
        ends = np.r_[starts[1:], len(order)]
        for s_, e in zip(starts.tolist(), ends.tolist()):
            idx = order[s_:e]
            h, src, k = (int(x) for x in key[s_])
            rows = 0
            for r in (EXC, INH):
                m = c.rec[idx] == r
                if m.any():
                    rows += int(np.bincount(c.col[idx][m], weights=c.nsyn[idx][m]).max())
            need = -(-rows // 2)
            best = None
            for b in range(4):
                if fixed_rows[h, b] + rows <= ROWS_PER_BUS and fixed_drivers[h, b] + need <= DRIVERS_PER_BUS:
                    cand = (int(fixed_drivers[h, b]), b)
                    best = cand if best is None or cand < best else best
            if best is None:
                pop, i = int(self.src_pop[src]), int(self.src_idx[src])
                raise RoutingError(
                    f"Short-term plasticity: external population {pop} neuron {i} needs drivers of its own on "
                    f"hemisphere {h} ({rows} rows) and no PADI bus has room left (per bus {ROWS_PER_BUS} rows, "
                    f"{DRIVERS_PER_BUS} drivers; in use {fixed_rows[h].tolist()} rows, {fixed_drivers[h].tolist()} "
                    f"drivers); fed by {_describe_projections(c, idx, net)}")
            b = best[1]
            fixed_rows[h, b] += rows
            fixed_drivers[h, b] += need
            g = len(self.g_h)
            self.g_h.append(h)
            self.g_b.append(b)
            self.g_kind.append(EXTERNAL)
            self.g_info.append({"stp": k})
            self.group[idx] = g
            self.label6[idx] = 0
            self.ext_bus[(src, h, k)] = (b, g, 0)

    def check_bus_rows(self, rows_bus, drivers_bus, grows):
        for h in range(2):
            for b in range(4):
                if rows_bus[h, b] > ROWS_PER_BUS or drivers_bus[h, b] > DRIVERS_PER_BUS:
                    groups = [g for g in range(len(self.g_h)) if self.g_h[g] == h and self.g_b[g] == b]
                    desc = "; ".join(f"{self.describe_group(g)}: {int(grows[g].sum())} rows" for g in groups)
                    if rows_bus[h, b] > ROWS_PER_BUS:
                        raise RoutingError(
                            f"PADI-bus(ses) with required number of synapse rows larger than {ROWS_PER_BUS} "
                            f"exist: {_bus_name(h, b)} needs {int(rows_bus[h, b])} rows ({desc})")
                    raise RoutingError(
                        f"Source distribution not successful: {_bus_name(h, b)} needs {int(drivers_bus[h, b])} "
                        f"synapse drivers, it has {DRIVERS_PER_BUS} (label groups of at most {SOURCES_PER_GROUP} "
                        f"sources each take whole drivers of 2 rows: {desc})")

    def describe_group(self, g: int, pops: List[int] = None) -> str:
        """Text naming group ``g``; ``pops``: its source populations if known (else looked up)."""
        kind, info = self.g_kind[g], self.g_info[g]
        if kind == BACKGROUND:
            return f"background population {info['population']} (sources {64 * info['sub']}..)"
        if pops is None:
            pops = np.unique(self.conn.pre_pop[self.group == g]).tolist()
        if kind == NEURONS:
            e = info["event_output"]
            return (f"neurons of event output {e} (population(s) {pops}, columns {32 * e}..{32 * e + 31})")
        if "stp" in info:
            return f"external population(s) {pops} (one source with {self.conn.stp_configs[info['stp']]})"
        return f"external population(s) {pops}"

    # -- codes and drivers ------------------------------------------------------------------------
    def allocate_drivers(self):
        n = len(self.g_h)
        rows = self.group_rows(self.group >= 0) if n else np.zeros((0, 2), np.int64)
        self.rows = rows
        demand = -(-rows.sum(axis=1) // 2)
        rows_bus = np.zeros((2, 4), np.int64)
        drv_bus = np.zeros((2, 4), np.int64)
        for g in range(n):
            rows_bus[self.g_h[g], self.g_b[g]] += rows[g].sum()
            drv_bus[self.g_h[g], self.g_b[g]] += demand[g]
        self.check_bus_rows(rows_bus, drv_bus, rows)
        self.g_code = np.full(n, -1, dtype=np.int64)
        self.g_drivers: List[List[int]] = [[] for _ in range(n)]
        self.r_e = np.zeros(8, dtype=np.int64)
        combos = [(0, 3), (3, 0), (1, 2), (2, 1)] + [(a, b) for a in range(4) for b in range(4)
                                                      if (a, b) not in ((0, 3), (3, 0), (1, 2), (2, 1))]
        for b in range(4):
            groups = {h: [g for g in range(n) if self.g_h[g] == h and self.g_b[g] == b] for h in range(2)}
            if not groups[0] and not groups[1]:
                continue
            results = None
            for r_lo, r_hi in combos:
                r_of = {b: r_lo, b + 4: r_hi}
                trial = {}
                for h in range(2):
                    if not groups[h]:
                        continue
                    items = []
                    neuron_groups = [g for g in groups[h] if self.g_kind[g] == NEURONS]
                    for g in neuron_groups:
                        e = self.g_info[g]["event_output"]
                        items.append(drv.Item([demand[g]], [4 * e + r_of[e]], key=[g]))
                    others = []
                    seen_bg = set()
                    for g in groups[h]:
                        if self.g_kind[g] == EXTERNAL:
                            others.append(drv.Item([demand[g]], range(drv.N_CODES), key=[g]))
                        elif self.g_kind[g] == BACKGROUND:
                            pop = self.g_info[g]["population"]
                            if pop in seen_bg:
                                continue
                            seen_bg.add(pop)
                            subs = [k for k in groups[h] if self.g_kind[k] == BACKGROUND
                                    and self.g_info[k]["population"] == pop]
                            nsub = len(subs)
                            others.append(drv.Item([demand[k] for k in subs], range(0, drv.N_CODES, nsub),
                                                   range(nsub), key=subs))
                    others.sort(key=lambda it: -sum(it.demands))
                    res = drv.allocate(items + others)
                    if res is None:
                        break
                    trial[h] = (items + others, res)
                else:
                    results = (r_lo, r_hi, trial)
                    break
                # neuron groups fix the codes: without them, other combos give nothing new
                if not any(self.g_kind[g] == NEURONS for h in range(2) for g in groups[h]):
                    break
            if results is None:
                desc = "; ".join(f"{self.describe_group(g)}: {int(demand[g])} drivers"
                                 for h in range(2) for g in groups[h])
                raise RoutingError(
                    f"Synapse driver allocations not successful on PADI bus {b} (hemisphere(s) "
                    f"{[h for h in range(2) if groups[h]]}): no row-select codes and driver compare masks separate "
                    f"the label groups ({desc})")
            r_lo, r_hi, trial = results
            self.r_e[b], self.r_e[b + 4] = r_lo, r_hi
            for h, (items, (codes, drivers)) in trial.items():
                for item, cs, ds in zip(items, codes, drivers):
                    for g, code, d in zip(item.key, cs, ds):
                        self.g_code[g] = code
                        self.g_drivers[g] = d

    # -- hardware arrays ------------------------------------------------------------------------
    def build(self, t0: float) -> RoutingResult:
        net, c = self.net, self.conn
        n = len(self.g_h)
        driver_enable = np.zeros((2, 128), dtype=bool)
        driver_mask = np.full((2, 128), 31, dtype=np.int64)
        row_modes = np.zeros((2, ROWS_PER_SYNRAM), dtype=np.int64)
        row_table = []      # per (group, receptor): array of rows
        groups_out = []
        driver_stp = np.zeros((2, 128, 3), dtype=np.int64)
        stp_clock = np.zeros((2, 2), dtype=np.int64)
        stp_speed_of = [{}, {}]                     # hemisphere -> speed -> a group using it
        # sources and source populations per group, from the distinct (group, source) pairs at once
        n_src, n_pop = max(self.n_src, 1), max(len(net.populations), 1)
        grouped = self.group >= 0
        pair_g, pair_src = _distinct_pairs(self.group[grouped], c.src[grouped], n, n_src)
        g_sources = np.bincount(pair_g, minlength=n)
        pop_g, pop = _distinct_pairs(pair_g, self.src_pop[pair_src], n, n_pop)
        g_pops: List[List[int]] = [[] for _ in range(n)]
        for k, p in zip(pop_g.tolist(), pop.tolist()):
            g_pops[k].append(p)
        for g in range(n):
            h, b, code = self.g_h[g], self.g_b[g], int(self.g_code[g])
            blocks = [4 * d + b for d in self.g_drivers[g]]
            stp = self.g_info[g].get("stp")
            if stp is not None:
                cfg = c.stp_configs[stp]
                stp_speed_of[h].setdefault(cfg.recovery_clock_speed, g)
                stp_clock[h] = (1, cfg.recovery_clock_speed)
            for d, i in zip(self.g_drivers[g], blocks):
                driver_enable[h, i] = True
                driver_mask[h, i] = drv.compare_mask(code, d)
                if stp is not None:
                    driver_stp[h, i] = (1, cfg.utilization, cfg.recovery)
            rows = np.array([r for i in blocks for r in (2 * i, 2 * i + 1)], dtype=np.int64)
            re, ri = int(self.rows[g, EXC]), int(self.rows[g, INH])
            row_modes[h, rows[:re]] = int(haldls.RowMode.excitatory)
            row_modes[h, rows[re:re + ri]] = int(haldls.RowMode.inhibitory)
            row_table.append((rows[:re], rows[re:re + ri]))
            groups_out.append(LabelGroup(h, b, _KIND_NAMES[self.g_kind[g]], code, int(g_sources[g]), re, ri,
                                         tuple(blocks), self.describe_group(g, g_pops[g])))
        for h in range(2):
            if len(stp_speed_of[h]) > 1:
                desc = "; ".join(f"recovery_clock_speed {sp}: {self.describe_group(g)}"
                                 for sp, g in sorted(stp_speed_of[h].items()))
                raise RoutingError(f"Short-term plasticity on hemisphere {h} with different recovery clock speeds "
                                   f"({desc}): the recovery clock is one setting per hemisphere (CommonSTPConfig)")
        # synapses: expand every connection into its synapses, stack them into the rows per column
        nsyn = c.nsyn
        total = int(nsyn.sum())
        syn_conn = np.repeat(np.arange(c.count, dtype=np.int64), nsyn)
        starts = np.cumsum(nsyn) - nsyn
        syn_split = np.arange(total, dtype=np.int64) - np.repeat(starts, nsyn)
        g = self.group[syn_conn]
        rec = c.rec[syn_conn]
        col = c.col[syn_conn]
        key = (g * 2 + rec) * COLUMNS + col
        # (a stable sort of 16-bit keys is a radix sort, several times faster; same order)
        order = np.argsort(key.astype(np.uint16) if n * 2 * COLUMNS <= 1 << 16 else key, kind="stable")
        ks = key[order]
        first = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]) if total else np.zeros(0, np.int64)
        seg = np.cumsum(np.r_[True, ks[1:] != ks[:-1]]) - 1 if total else np.zeros(0, np.int64)
        rank = np.empty(total, dtype=np.int64)
        rank[order] = np.arange(total) - first[seg]
        flat_rows = np.concatenate([r for pair in row_table for r in pair]) if n else np.zeros(0, np.int64)
        sizes = np.array([len(r) for pair in row_table for r in pair], dtype=np.int64)
        offs = np.cumsum(sizes) - sizes
        syn_row = flat_rows[offs[g * 2 + rec] + rank] if total else np.zeros(0, np.int64)
        syn_h = c.h[syn_conn]
        weights = np.zeros((2, ROWS_PER_SYNRAM, COLUMNS), dtype=np.int16)
        labels = np.zeros((2, ROWS_PER_SYNRAM, COLUMNS), dtype=np.int16)
        flat = (syn_h * ROWS_PER_SYNRAM + syn_row) * COLUMNS + col      # one flat index: faster than three
        weights.reshape(-1)[flat] = split_weights(c.weight[syn_conn], syn_split)
        labels.reshape(-1)[flat] = self.label6[syn_conn]

        # neurons: address_out = (r_e << 6) | label6, spike output for sources and recorded neurons
        atoms = np.arange(2 * COLUMNS)
        e_of = (atoms % COLUMNS) // 32
        address_out = (self.r_e[e_of] << 6) | ((atoms // COLUMNS) * 32 + atoms % 32)
        spike_out = np.zeros(2 * COLUMNS, dtype=bool)
        recorded = np.zeros(2 * COLUMNS, dtype=bool)
        receptors = np.zeros((2, 2, COLUMNS), dtype=bool)
        for i, pop in enumerate(net.populations):
            if isinstance(pop, Population):
                pl = net.placement[i]
                recorded[pl[pop.record_spikes]] = True
                circuits = np.concatenate([c.ravel() for c in net.compartment_placement[i]])
                for r, ri in _RECEPTOR_INDEX.items():
                    if r in pop.receptors:
                        receptors[ri, circuits // COLUMNS, circuits % COLUMNS] = True
        neuron_conn = self.conn_kind == NEURONS
        spike_out[self.src_atom[c.src[neuron_conn]]] = True
        spike_out |= recorded

        # crossbar
        nodes = crossbar_node_index()
        cb_mask = np.zeros(len(nodes), dtype=np.int64)
        cb_target = np.ones(len(nodes), dtype=np.int64)         # drop_all by default
        padi = np.zeros((2, 4), dtype=bool)
        for g in range(n):
            h, b = self.g_h[g], self.g_b[g]
            padi[h, b] = True
            out = _bus_output(h, b)
            if self.g_kind[g] == NEURONS:
                e = self.g_info[g]["event_output"]
                e_in = halco.NeuronEventOutputOnDLS.from_enum(int(e)).toCrossbarInputOnDLS().value()
                cb_mask[nodes[(e_in, out)]], cb_target[nodes[(e_in, out)]] = PASS_ALL
            elif self.g_kind[g] == EXTERNAL:
                node = nodes[(_l2_input(b), out)]
                cb_mask[node], cb_target[node] = EXTERNAL_BUS_MASK, (4 * h + b) << EXTERNAL_BUS_SHIFT
            else:
                # background source i reaches PADI bus i (halco.BackgroundSpikeSourceOnDLS)
                node = nodes[(_background_input(4 * h + b), out)]
                cb_mask[node], cb_target[node] = PASS_ALL
        for event_output in halco.iter_all(halco.NeuronEventOutputOnDLS):
            if np.any(recorded[(e_of == int(event_output.toEnum()))]):
                e_in = event_output.toCrossbarInputOnDLS().value()
                node = nodes[(e_in, _l2_output_of(e_in))]
                cb_mask[node], cb_target[node] = PASS_ALL

        # external labels
        ext_labels: Dict[int, Tuple[np.ndarray, np.ndarray]] = {}
        per_pop: Dict[int, List[Tuple[int, int]]] = {}
        for (src, h, _), (b, g, l6) in self.ext_bus.items():
            lab = (b << 14) | ((4 * h + b) << EXTERNAL_BUS_SHIFT) | (int(self.g_code[g]) << 6) | l6
            per_pop.setdefault(int(self.src_pop[src]), []).append((int(self.src_idx[src]), lab))
        for i, pop in enumerate(net.populations):
            if isinstance(pop, ExternalSourcePopulation):
                items = sorted(per_pop.get(i, []))
                ext_labels[i] = (np.array([k for k, _ in items], dtype=np.int64),
                                 np.array([lab for _, lab in items], dtype=np.int64))

        # background generators
        bg_enable = np.zeros(8, dtype=bool)
        bg_pop = np.full(8, -1, dtype=np.int64)
        bg_label = np.zeros(8, dtype=np.int64)
        bg_mask = np.zeros(8, dtype=np.int64)
        for g in range(n):
            if self.g_kind[g] != BACKGROUND or self.g_info[g]["sub"] != 0:
                continue
            i = 4 * self.g_h[g] + self.g_b[g]
            p = self.g_info[g]["population"]
            pop = net.populations[p]
            bg_enable[i] = True
            bg_pop[i] = p
            bg_label[i] = int(self.g_code[g]) << 6
            bg_mask[i] = pop.size - 1 if pop.enable_random else 0

        # recorded spikes: host label (L2 output << 14 | neuron label) -> (population, neuron)
        rec_pop = np.full(1 << 16, -1, dtype=np.int32)
        rec_idx = np.full(1 << 16, -1, dtype=np.int32)
        for i, pop in enumerate(net.populations):
            if isinstance(pop, Population):
                pl = net.placement[i]
                k = np.flatnonzero(pop.record_spikes)
                a = pl[k]
                e = (a % COLUMNS) // 32
                host = ((e % 4) << 14) | (e << 8) | address_out[a]
                rec_pop[host] = i
                rec_idx[host] = k

        # already sorted by (projection, connection, split): connections are numbered in that order
        # and each one's synapses follow each other
        table = {"projection": c.proj[syn_conn], "connection": c.conn[syn_conn], "split": syn_split,
                 "hemisphere": syn_h, "row": syn_row, "column": col}
        rows_bus = np.zeros((2, 4), dtype=np.int64)
        drv_bus = np.zeros((2, 4), dtype=np.int64)
        for gr in groups_out:
            rows_bus[gr.hemisphere, gr.bus] += gr.rows_excitatory + gr.rows_inhibitory
            drv_bus[gr.hemisphere, gr.bus] += len(gr.drivers)
        arrays = [address_out, spike_out, receptors, cb_mask, cb_target, driver_enable, driver_mask, row_modes,
                  weights, labels, padi, bg_enable, bg_pop, bg_label, bg_mask, rec_pop, rec_idx, driver_stp, stp_clock]
        arrays += list(table.values()) + [a for pair in ext_labels.values() for a in pair]
        for a in arrays:
            a.flags.writeable = False
        duration = time.perf_counter() - t0
        stats = RoutingStatistics(
            neurons=int(sum(p.size for p in net.populations if isinstance(p, Population))),
            connections=c.count, synapses=total, synapse_rows=int(rows_bus.sum()),
            synapse_drivers=int(driver_enable.sum()), padi_buses=int(padi.sum()), label_groups=n,
            crossbar_nodes=int(np.count_nonzero(~((cb_mask == 0) & (cb_target != 0)))),
            rows_per_bus=tuple(tuple(int(x) for x in r) for r in rows_bus),
            drivers_per_bus=tuple(tuple(int(x) for x in r) for r in drv_bus),
            routing_duration=duration)
        return RoutingResult(
            network=net, neuron_address_out=address_out, neuron_spike_out=spike_out, neuron_receptors=receptors,
            crossbar_mask=cb_mask, crossbar_target=cb_target, driver_enable=driver_enable,
            driver_compare_mask=driver_mask, row_modes=row_modes, synapse_weights=weights, synapse_labels=labels,
            padi_enable=padi, background_enable=bg_enable, background_population=bg_pop,
            background_neuron_label=bg_label, background_mask=bg_mask, external_labels=ext_labels,
            recorded_population=rec_pop, recorded_neuron=rec_idx,
            synapses_per_connection=tuple(p.synapses_per_connection for p in net.projections),
            synapse_table=table, driver_stp=driver_stp, stp_clock=stp_clock, label_groups=tuple(groups_out),
            statistics=stats)


def route(network: Network) -> RoutingResult:
    """Place and route ``network`` onto the chip (deterministic).

    Raises :class:`RoutingError` naming the population/projection and the
    limit: in-degree above 256 rows per neuron, above 64 rows of one PADI bus,
    more than 64 rows or 32 drivers needed on a bus, label groups that no
    driver allocation separates, background targets out of reach.
    """
    t0 = time.perf_counter()
    if not isinstance(network, Network):
        raise TypeError(f"route() takes a grenade.Network, got {type(network).__name__}")
    r = _Router(network)
    r.check_indegree()
    r.assign_fixed_buses()
    r.check_fixed_bus_indegree()
    r.build_groups()
    r.distribute_external()
    r.allocate_drivers()
    return r.build(t0)
