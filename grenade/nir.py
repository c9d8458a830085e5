"""NIR (Neuromorphic Intermediate Representation, ``nir`` 1.0.8) <-> grenade networks.

``from_nir(graph, time_unit=...)`` maps a NIR graph onto the chip: a
:class:`grenade.Network` (external sources for ``Input`` nodes, one population per
neuron node, one excitatory and one inhibitory projection per weighted edge),
the neuron parameters as per-neuron calibration targets in hardware units, and a
report of the 6-bit weight quantisation.  ``to_nir(imported)`` is the inverse and
writes ``dt``, the time unit and the quantisation scales as metadata, so that
``from_nir(to_nir(x)) == x``.  The mapping and its units are in docs/grenade.md,
section "NIR".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
import nir as _nir

from .network import NEURONS_ON_CHIP, ExternalSourcePopulation, NetworkBuilder, Population, Projection, Receptor

__all__ = ["NIRImportError", "NIRImport", "NeuronGroup", "Quantisation", "from_nir", "to_nir", "graphs_equal",
           "SPEEDUP", "MAX_WEIGHT"]

#: hardware time = model time / SPEEDUP (the chip runs 1000x faster than biology)
SPEEDUP = 1000.0
#: largest weight of one 6-bit synapse; imported connections use one synapse each
MAX_WEIGHT = 63
#: CADC LSB window the model voltages are mapped into: resting/reset potentials in
#: [_V_LOW, _V_REST_HIGH], thresholds up to _V_THRESHOLD_HIGH (inside calix's feasible
#: ranges 50..160 and 50..220 with room for mismatch)
_V_LOW, _V_REST_HIGH, _V_THRESHOLD_HIGH = 60.0, 155.0, 210.0
#: threshold target of non-spiking (CubaLI) populations: the top of the feasible range
_LI_THRESHOLD = 220.0
#: nominal membrane capacitance (LSB) every imported neuron uses
_MEMBRANE_CAPACITANCE = 63
_META = "openhx"   # prefix of the metadata keys this module writes and reads

_NEURON_TYPES = (_nir.CubaLIF, _nir.CubaLI, _nir.LIF, _nir.LI)
_WEIGHT_TYPES = (_nir.Linear, _nir.Affine, _nir.Scale)
#: node type -> why the chip cannot take it
_REJECTED = {
    "Conv1d": "convolutions are not unrolled into projections",
    "Conv2d": "convolutions are not unrolled into projections",
    "SumPool2d": "pooling has no neuron or synapse equivalent on the chip",
    "AvgPool2d": "pooling has no neuron or synapse equivalent on the chip",
    "Flatten": "reshaping nodes are not supported (give Linear weights on flat vectors)",
    "Threshold": "a stateless threshold has no neuron equivalent on the chip",
    "Delay": "the chip has no programmable synaptic delay (spikes arrive within the routing latency)",
    "I": "a leak-free integrator is beyond the chip's longest membrane time constant (60 us)",
    "IF": "a leak-free integrator is beyond the chip's longest membrane time constant (60 us)",
}


class NIRImportError(ValueError):
    """A NIR graph (or node) that cannot be mapped onto the chip; the message names the node and why."""


def _ranges():
    from chipmodel.ranges import FEASIBLE_RANGES
    return FEASIBLE_RANGES


def _drive_per_weight_lsb(tau_mem_hw, i_synin_gm, synapse_dac_bias):
    """Membrane drive (CADC LSB of ``R * I``) of one weight LSB at the nominal transfers:
    the current jump ``gain * dac / 1022 * i_synin_gm`` (nA) times ``tau_mem / C``."""
    from chipmodel import transfer
    t = transfer.TRANSFERS_BY_NAME
    current_na = t["i_bias_synin_exc_gm"].c1 * synapse_dac_bias / 1022.0 * i_synin_gm
    c_pf = t["membrane_capacitor_size"].nominal(_MEMBRANE_CAPACITANCE)
    drive_mv = current_na * 1e-9 * np.asarray(tau_mem_hw, float) / (c_pf * 1e-12) * 1e3
    return drive_mv / t["cadc"].c1


@dataclass
class Quantisation:
    """How the weights onto one population were quantised.

    ``voltage_scale`` (CADC LSB per NIR voltage unit) and ``voltage_offset`` (CADC LSB at
    NIR voltage 0) map the population's voltages; ``weight_scale`` (per neuron, weight LSB
    per unit of NIR weight) follows from them: ``w_hw = round(weight_scale * |W|)``;
    ``max_abs_weight``: largest |W| onto the population (after Scale/Affine folding);
    ``max_hw_weight``: its 6-bit weight; ``relative_error``: largest |w_hw / weight_scale - W|
    relative to ``max_abs_weight``; ``dropped``: nonzero weights that rounded to 0."""
    voltage_scale: float
    voltage_offset: float
    weight_scale: np.ndarray
    max_abs_weight: float = 0.0
    max_hw_weight: int = 0
    relative_error: float = 0.0
    dropped: int = 0


@dataclass
class NeuronGroup:
    """One NIR neuron node on the chip: ``kind`` ("CubaLIF" or "CubaLI"), model parameters
    (NIR units, one value per neuron, ``tau_*`` in ``time_unit``), its population and
    quantisation, and the hardware targets (calix ``NeuronCalibTarget`` field names and units)."""
    name: str
    kind: str
    params: Dict[str, np.ndarray]
    quantisation: Quantisation
    hardware: Dict[str, np.ndarray] = field(default_factory=dict)
    population: Optional[object] = None   # PopulationDescriptor

    @property
    def size(self) -> int:
        return len(self.params["tau_mem"])


@dataclass(eq=False)
class NIRImport:
    """A NIR graph mapped onto the chip (see :func:`from_nir`).

    ``network``: the grenade network (neuron configs ``None``: run it with the calibration of
    :meth:`calib_target` as ``initial_config``); ``inputs``: Input node name -> (external
    population descriptor, size); ``groups``: neuron node name -> :class:`NeuronGroup`;
    ``weights``: (pre name, post name) -> signed hardware weights ``(post, pre)`` (int, within
    +-63; positive: excitatory, negative: inhibitory receptor); ``projections``: (pre, post,
    receptor) -> ProjectionDescriptor; ``outputs``: Output node name -> the node feeding it;
    ``approximations``: what was not mapped exactly, in words."""
    network: object
    inputs: Dict[str, Tuple[object, int]]
    groups: Dict[str, NeuronGroup]
    weights: Dict[Tuple[str, str], np.ndarray]
    projections: Dict[Tuple[str, str, str], object]
    outputs: Dict[str, str]
    time_unit: float
    dt: Optional[float]
    i_synin_gm: int
    synapse_dac_bias: int
    approximations: List[str] = field(default_factory=list)

    def __eq__(self, other):
        if not isinstance(other, NIRImport):
            return NotImplemented
        if (self.time_unit, self.dt, self.i_synin_gm, self.synapse_dac_bias, self.outputs) != \
                (other.time_unit, other.dt, other.i_synin_gm, other.synapse_dac_bias, other.outputs):
            return False
        if {k: v[1] for k, v in self.inputs.items()} != {k: v[1] for k, v in other.inputs.items()}:
            return False
        if list(self.groups) != list(other.groups) or set(self.weights) != set(other.weights):
            return False
        for name, g in self.groups.items():
            h = other.groups[name]
            if g.kind != h.kind or set(g.params) != set(h.params) or set(g.hardware) != set(h.hardware):
                return False
            if not all(np.array_equal(g.params[k], h.params[k]) for k in g.params) or \
                    not all(np.allclose(g.hardware[k], h.hardware[k], rtol=1e-12) for k in g.hardware):
                return False
            q, r = g.quantisation, h.quantisation
            if not (np.isclose(q.voltage_scale, r.voltage_scale, rtol=1e-12)
                    and np.isclose(q.voltage_offset, r.voltage_offset, rtol=1e-12)
                    and np.allclose(q.weight_scale, r.weight_scale, rtol=1e-12)):
                return False
        if not all(np.array_equal(w, other.weights[k]) for k, w in self.weights.items()):
            return False
        # the grenade networks: same populations, connections and placement
        a, b = self.network, other.network
        if len(a.populations) != len(b.populations) or len(a.projections) != len(b.projections):
            return False
        if not all(np.array_equal(x, y) for x, y in zip(a.placement, b.placement)):
            return False
        for p, q in zip(a.projections, b.projections):
            if (p.receptor, p.pre, p.post) != (q.receptor, q.pre, q.post) or not all(
                    np.array_equal(getattr(p, f), getattr(q, f)) for f in ("pre_indices", "post_indices", "weights")):
                return False
        return True

    # -- time ---------------------------------------------------------------------------------
    def to_hardware_ms(self, t):
        """Model times (in ``time_unit``) -> hardware ms (grenade's input/result unit)."""
        return np.asarray(t, float) * self.time_unit / SPEEDUP * 1e3

    def from_hardware_ms(self, t_ms):
        """Hardware ms -> model times in ``time_unit``."""
        return np.asarray(t_ms, float) * 1e-3 * SPEEDUP / self.time_unit

    # -- calibration --------------------------------------------------------------------------
    def calib_target(self, refractory_time: float = 40e-9) -> dict:
        """The calibration target of this import: ``{"neuron_target": {field: value}}`` in the
        field names and hardware units of calix's ``NeuronCalibTarget``, which ``calix.calibrate``
        takes as a ``SpikingCalibTarget`` (``SpikingCalibTarget.from_mapping``; grenade does not
        import calix, its sibling).  Per-neuron ``leak``, ``reset``, ``threshold``, ``tau_mem``
        and ``tau_syn`` are the groups' targets at their placed circuits (unused circuits: the
        calibration's default voltages and the groups' median time constants, since calix
        matches synaptic strengths to the median neuron), with this import's
        ``i_synin_gm``/``synapse_dac_bias``.  ``refractory_time`` (hardware s): NIR neurons
        have none, so the default is the chip's shortest."""
        from chipmodel.ranges import NEURON_TARGET_DEFAULTS as d
        n = NEURONS_ON_CHIP
        arrays = {k: np.full(n, float(d[k])) for k in ("leak", "reset", "threshold")}
        # unused circuits take the groups' median time constants: calix matches every neuron's
        # synaptic strength to the median response, which grows with tau_syn * tau_mem
        used = list(self.groups.values())
        arrays["tau_mem"] = np.full(n, float(np.median(np.concatenate([g.hardware["tau_mem"] for g in used])))
                                    if used else float(d["tau_mem"]))
        tau_syn = np.full((2, n), float(np.median(np.concatenate([g.hardware["tau_syn"] for g in used])))
                          if used else float(d["tau_syn"]))
        for g in self.groups.values():
            atoms = np.asarray(self.network.placement[g.population.index], int)
            for k in arrays:
                arrays[k][atoms] = g.hardware[k]
            tau_syn[:, atoms] = g.hardware["tau_syn"]
        return {"neuron_target": dict(
            tau_syn=tau_syn, i_synin_gm=[self.i_synin_gm] * 2, synapse_dac_bias=self.synapse_dac_bias,
            membrane_capacitance=_MEMBRANE_CAPACITANCE, refractory_time=refractory_time, **arrays)}

    def run(self, connection, calibration, spikes: Dict[str, list], runtime: float):
        """Run on ``connection`` with ``calibration`` (a calix result of :meth:`calib_target`).

        ``spikes``: Input node name -> one sequence of spike times per neuron (``time_unit``);
        ``runtime`` in ``time_unit``.  Returns neuron node name -> list of spike-time arrays per
        neuron (``time_unit``).  Raises KeyError for an unknown Input name."""
        from .inputs import InputGenerator
        from .execution import run
        gen = InputGenerator(self.network, batch_size=1, runtime=float(self.to_hardware_ms(runtime)))
        for name, times in spikes.items():
            if name not in self.inputs:
                raise KeyError(f"no Input node {name!r} in the imported graph (inputs: {sorted(self.inputs)})")
            gen.add([self.to_hardware_ms(t) for t in times], self.inputs[name][0])
        # idle ten of the longest membrane time constants after the configuration, so every
        # membrane starts the run at its leak potential, not where earlier programs left it
        settle_ms = 10 * max((float(g.hardware["tau_mem"].max()) for g in self.groups.values()), default=0.0) * 1e3
        results = run(connection, self.network, inputs=gen, initial_config=calibration,
                      inter_batch_entry_wait=settle_ms)
        return {name: [self.from_hardware_ms(results.spike_times(g.population, i)) for i in range(g.size)]
                for name, g in self.groups.items()}


# -- graph flattening -----------------------------------------------------------------------------
def _flatten(graph, prefix=""):
    """Nodes and edges of ``graph`` with nested graphs inlined under ``name.`` prefixes; an edge
    to (from) a subgraph goes to its only Input (from its only Output), whose nodes then pass
    values through.  Returns (nodes, edges, boundary) with boundary = names of nested Input/Output."""
    nodes, edges, boundary = {}, [], set()
    ports = {}
    for name, node in graph.nodes.items():
        full = prefix + name
        if isinstance(node, _nir.NIRGraph):
            sub_nodes, sub_edges, sub_boundary = _flatten(node, full + ".")
            nodes.update(sub_nodes)
            edges.extend(sub_edges)
            boundary |= sub_boundary
            ins = [n for n, v in node.nodes.items() if isinstance(v, _nir.Input)]
            outs = [n for n, v in node.nodes.items() if isinstance(v, _nir.Output)]
            ports[name] = (ins, outs)
            boundary |= {full + "." + n for n in ins + outs}
        else:
            nodes[full] = node

    def endpoint(ref, side):
        if ref in ports:
            ins, outs = ports[ref]
            names = ins if side == "in" else outs
            if len(names) != 1:
                raise NIRImportError(f"nested graph {prefix + ref!r}: an edge {'into' if side == 'in' else 'out of'} "
                                     f"it needs exactly one {'Input' if side == 'in' else 'Output'} node, "
                                     f"it has {names}")
            return f"{prefix}{ref}.{names[0]}"
        if prefix + ref not in nodes:
            raise NIRImportError(f"edge endpoint {prefix + ref!r} is not a node of the graph")
        return prefix + ref

    for a, b in graph.edges:
        edges.append((endpoint(a, "out"), endpoint(b, "in")))
    return nodes, edges, boundary


def _size(node) -> int:
    if isinstance(node, _nir.Input):
        return int(np.prod(node.input_type["input"]))
    if isinstance(node, _nir.CubaLIF):
        return int(np.size(node.v_threshold))
    if isinstance(node, _nir.CubaLI):
        return int(np.size(node.v_leak))
    return int(np.size(node.r))


def _param(node, name, n, field_name=None):
    v = np.asarray(getattr(node, field_name or name), float).reshape(-1)
    if v.size == 1:
        v = np.full(n, float(v[0]))
    if v.shape != (n,) or not np.all(np.isfinite(v)):
        raise NIRImportError(f"{type(node).__name__} node: {name} must be {n} finite values, got {v!r}")
    return v


def _model_params(name, node, time_unit, dt, approximations):
    """Normalised model parameters (one array of n per field) and the kind."""
    n = _size(node)
    tau_syn_min = _ranges()["tau_syn"][0] * SPEEDUP / time_unit
    if isinstance(node, (_nir.CubaLIF, _nir.CubaLI)):
        p = {k: _param(node, k, n) for k in ("tau_syn", "tau_mem", "r", "v_leak", "w_in")}
    else:
        # an instantaneous input adds dt / tau * r * W per spike in the discrete model; a current
        # jumping by w_in * W and decaying with tau_syn adds tau_syn / tau * r * w_in * W in total:
        # with dt known, w_in = dt / tau_syn keeps each spike's total effect
        w_in = dt / tau_syn_min if dt is not None else 1.0
        p = {"tau_syn": np.full(n, tau_syn_min), "tau_mem": _param(node, "tau", n), "r": _param(node, "r", n),
             "v_leak": _param(node, "v_leak", n), "w_in": np.full(n, w_in)}
        approximations.append(f"{name}: {type(node).__name__} has no synaptic current; the chip's shortest "
                              f"tau_syn ({tau_syn_min:g} in time_unit) stands in for the instantaneous input"
                              + (f", with w_in = dt / tau_syn = {w_in:g} so that a spike's total effect on the "
                                 f"membrane stays that of the discrete model" if dt is not None else ""))
    spiking = isinstance(node, (_nir.CubaLIF, _nir.LIF))
    if spiking:
        p["v_threshold"] = _param(node, "v_threshold", n)
        p["v_reset"] = _param(node, "v_reset", n) if node.v_reset is not None else np.zeros(n)
    if np.any(p["r"] * p["w_in"] <= 0):
        raise NIRImportError(f"node {name!r} ({type(node).__name__}): r * w_in must be positive for every neuron "
                             f"(the chip's synaptic input adds current of the receptor's sign), got "
                             f"r = {p['r']}, w_in = {p['w_in']}")
    return ("CubaLIF" if spiking else "CubaLI"), p


def _check_time(name, node, what, model, time_unit):
    lo, hi, _ = _ranges()[what]
    hw = model * time_unit / SPEEDUP
    bad = (hw < lo * (1 - 1e-9)) | (hw > hi * (1 + 1e-9))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise NIRImportError(
            f"node {name!r} ({type(node).__name__}): {what} = {model[i]:g} (time_unit {time_unit:g} s) is "
            f"{hw[i]:.3g} s on the chip (speedup {SPEEDUP:g}), outside its range {lo:g}..{hi:g} s, i.e. "
            f"{lo * SPEEDUP / time_unit:g}..{hi * SPEEDUP / time_unit:g} in time_unit (neuron {i})")
    return hw


# -- import ---------------------------------------------------------------------------------------
def from_nir(graph, *, time_unit: Optional[float] = None, dt: Optional[float] = None, bias: str = "fold",
             i_synin_gm: int = 500, synapse_dac_bias: int = 600) -> NIRImport:
    """Map a NIR graph onto the chip.

    ``time_unit``: seconds per NIR time unit of the graph's ``tau*`` (1.0: seconds as Norse
    writes them; 1e-3: ms as NIR's docs and hxtorch use); required unless the graph's metadata
    has ``openhx.time_unit`` (graphs written by :func:`to_nir`).  Model time maps to hardware
    time divided by :data:`SPEEDUP`.  ``dt``: the graph's time step in ``time_unit`` (kept as
    metadata).  ``bias``: "fold" adds an Affine bias ``b`` onto the target's ``v_leak`` (as
    ``r * w_in * b``: a constant input current), "reject" raises.  ``i_synin_gm`` and
    ``synapse_dac_bias``: the chip-wide synaptic strength of the calibration target (CapMem LSB).

    Supported nodes: Input, Output, Linear, Affine, Scale, CubaLIF, CubaLI, LIF, LI and nested
    NIRGraphs; recurrent edges become recurrent projections.  Raises :class:`NIRImportError`
    naming the node for anything else, time constants outside the chip's range, weighted paths
    into an Output, or an ambiguous time unit; grenade's errors when the network does not fit.
    """
    meta = dict(getattr(graph, "metadata", None) or {})
    meta_unit = meta.get(f"{_META}.time_unit")
    if time_unit is None:
        if meta_unit is None:
            raise NIRImportError("time_unit is required: NIR's time unit is ambiguous (Norse writes seconds, NIR's "
                                 "docs and hxtorch use ms); pass time_unit=1.0 for seconds or 1e-3 for ms")
        time_unit = float(meta_unit)
    elif meta_unit is not None and not np.isclose(float(meta_unit), time_unit):
        raise NIRImportError(f"time_unit={time_unit:g} contradicts the graph's metadata "
                             f"{_META}.time_unit={float(meta_unit):g}")
    if not time_unit > 0:
        raise NIRImportError(f"time_unit must be a positive number of seconds, got {time_unit!r}")
    if dt is None and f"{_META}.dt" in meta:
        dt = float(meta[f"{_META}.dt"])
    if bias not in ("fold", "reject"):
        raise ValueError(f"bias must be 'fold' or 'reject', got {bias!r}")

    nodes, edges, boundary = _flatten(graph)
    for name, node in nodes.items():
        kind = type(node).__name__
        if kind in _REJECTED:
            raise NIRImportError(f"node {name!r} ({kind}) is not supported: {_REJECTED[kind]}")
        if not isinstance(node, _NEURON_TYPES + _WEIGHT_TYPES + (_nir.Input, _nir.Output)):
            raise NIRImportError(f"node {name!r} ({kind}) is not supported: no chip equivalent is known")

    def is_source(n):
        return n not in boundary and isinstance(nodes[n], _nir.Input)

    def is_sink(n):
        return n not in boundary and isinstance(nodes[n], _nir.Output)

    succ: Dict[str, List[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)

    approximations: List[str] = []
    kinds, params = {}, {}
    for name, node in nodes.items():
        if isinstance(node, _NEURON_TYPES):
            kinds[name], params[name] = _model_params(name, node, time_unit, dt, approximations)
    sizes = {n: _size(nodes[n]) for n in nodes if is_source(n) or n in kinds}

    # walk from every source/neuron through the weight nodes to the next neurons / outputs
    matrices: Dict[Tuple[str, str], np.ndarray] = {}
    biases: Dict[str, np.ndarray] = {}
    outputs: Dict[str, str] = {}

    def walk(origin, at, matrix, offset, path):
        for nxt in succ[at]:
            node = nodes[nxt]
            if nxt in kinds:
                if matrix.shape[0] != sizes[nxt]:
                    raise NIRImportError(f"edge {at!r} -> {nxt!r}: {matrix.shape[0]} values into {nxt!r} of "
                                         f"{sizes[nxt]} neurons")
                key = (origin, nxt)
                matrices[key] = matrices.get(key, 0) + matrix
                if np.any(offset != 0):
                    if bias == "reject":
                        raise NIRImportError(f"node(s) {path} carry a bias into {nxt!r}; bias='reject' was given "
                                             f"(the chip has no bias current per synapse)")
                    biases[nxt] = biases.get(nxt, 0) + offset
            elif is_sink(nxt):
                weighted = [n for n in path if n not in boundary]
                if weighted:
                    raise NIRImportError(f"Output {nxt!r} is fed through {weighted}: an Output must take the spikes of "
                                         f"a neuron node directly (the chip records neurons, not weighted sums)")
                if nxt in outputs and outputs[nxt] != origin:
                    raise NIRImportError(f"Output {nxt!r} is fed by {outputs[nxt]!r} and {origin!r}: one node per "
                                         f"Output")
                outputs[nxt] = origin
            elif is_source(nxt):
                raise NIRImportError(f"edge {at!r} -> {nxt!r} ends in an Input node")
            else:
                if nxt in path:
                    raise NIRImportError(f"cycle through weight nodes {path + [nxt]} without a neuron")
                if isinstance(node, _nir.Scale):
                    s = _param(node, "scale", matrix.shape[0])
                    m, o = s[:, None] * matrix, s * offset
                elif isinstance(node, (_nir.Linear, _nir.Affine)):
                    w = np.asarray(node.weight, float)
                    if w.ndim != 2 or w.shape[1] != matrix.shape[0]:
                        raise NIRImportError(f"node {nxt!r} ({type(node).__name__}): weight of shape {w.shape} "
                                             f"cannot take {matrix.shape[0]} inputs (out x in expected)")
                    m, o = w @ matrix, w @ offset
                    if isinstance(node, _nir.Affine):
                        o = o + np.asarray(node.bias, float).reshape(-1)
                else:   # the Input/Output of a nested graph: passes values on
                    m, o = matrix, offset
                walk(origin, nxt, m, o, path + [nxt])

    for name in nodes:
        if is_source(name) or name in kinds:
            n = sizes[name]
            walk(name, name, np.eye(n), np.zeros(n), [])

    for name, b in biases.items():
        p = params[name]
        p["v_leak"] = p["v_leak"] + p["r"] * p["w_in"] * b
        approximations.append(f"{name}: bias folded into v_leak (a constant input current)")

    # per population: voltage map and weight scale
    groups: Dict[str, NeuronGroup] = {}
    for name, kind in kinds.items():
        node, p = nodes[name], params[name]
        tau_mem_hw = _check_time(name, node, "tau_mem", p["tau_mem"], time_unit)
        tau_syn_hw = _check_time(name, node, "tau_syn", p["tau_syn"], time_unit)
        drive = _drive_per_weight_lsb(tau_mem_hw, i_synin_gm, synapse_dac_bias)   # CADC LSB per weight LSB
        gain = p["r"] * p["w_in"] / drive                                         # weight LSB per (LSB/unit * W)
        incoming = [m for (pre, post), m in matrices.items() if post == name]
        max_abs = np.max(np.abs(np.concatenate(incoming, axis=1)), axis=1) if incoming else np.zeros(len(gain))
        nmeta = dict(getattr(node, "metadata", None) or {})
        if f"{_META}.voltage_scale" in nmeta:
            scale = float(nmeta[f"{_META}.voltage_scale"])
            offset = float(nmeta[f"{_META}.voltage_offset"])
        else:
            scale, offset = _voltage_map(p, kind, max_abs, gain)
        hw = {"leak": offset + scale * p["v_leak"], "tau_mem": tau_mem_hw, "tau_syn": tau_syn_hw}
        if kind == "CubaLIF":
            hw["reset"] = offset + scale * p["v_reset"]
            hw["threshold"] = offset + scale * p["v_threshold"]
        else:
            hw["reset"] = hw["leak"].copy()
            hw["threshold"] = np.full(len(gain), _LI_THRESHOLD)
        _check_window(name, node, hw, scale, offset)
        groups[name] = NeuronGroup(name, kind, p, Quantisation(scale, offset, scale * gain), hw)

    # quantise, split by sign and build the network
    b = NetworkBuilder()
    inputs = {n: (b.add(ExternalSourcePopulation(sizes[n])), sizes[n]) for n in nodes if is_source(n)}
    for name, g in groups.items():
        g.population = b.add(Population(g.size, record_spikes=g.kind == "CubaLIF"))
    descriptors = {**{n: d for n, (d, _) in inputs.items()}, **{n: g.population for n, g in groups.items()}}
    weights, projections = {}, {}
    for (pre, post), m in matrices.items():
        q = groups[post].quantisation
        hw = np.rint(q.weight_scale[:, None] * m).astype(np.int64)
        if np.any(np.abs(hw) > MAX_WEIGHT):
            j, i = np.unravel_index(int(np.argmax(np.abs(hw))), hw.shape)
            raise NIRImportError(f"weight {m[j, i]:g} from {pre!r}[{i}] onto {post!r}[{j}] needs {abs(hw[j, i])} > "
                                 f"{MAX_WEIGHT} weight LSB at the graph's quantisation scale {q.weight_scale[j]:g}")
        q.dropped += int(np.count_nonzero((hw == 0) & (m != 0)))
        q.max_abs_weight = max(q.max_abs_weight, float(np.max(np.abs(m), initial=0.0)))
        q.max_hw_weight = max(q.max_hw_weight, int(np.max(np.abs(hw), initial=0)))
        weights[(pre, post)] = hw
        for receptor, sign in ((Receptor.excitatory, 1), (Receptor.inhibitory, -1)):
            post_i, pre_i = np.nonzero(sign * hw > 0)
            if len(pre_i):
                projections[(pre, post, receptor.name)] = b.add(Projection(
                    receptor, descriptors[pre], descriptors[post],
                    (pre_i, post_i, np.abs(hw[post_i, pre_i])), max_weight=MAX_WEIGHT))
    for (pre, post), hw in weights.items():
        q = groups[post].quantisation
        if q.max_abs_weight > 0:
            err = np.abs(hw / q.weight_scale[:, None] - matrices[(pre, post)])
            q.relative_error = max(q.relative_error, float(err.max(initial=0.0)) / q.max_abs_weight)
    return NIRImport(b.done(), inputs, groups, weights, projections, outputs, float(time_unit),
                     None if dt is None else float(dt), int(i_synin_gm), int(synapse_dac_bias), approximations)


def _voltage_map(p, kind, max_abs, gain):
    """(scale, offset): the largest voltage scale (CADC LSB per NIR unit) at which the largest
    weight onto every neuron fits 6 bits and all voltages fit the window; the lowest
    resting/reset/threshold voltage sits at the window's bottom."""
    rest = np.concatenate([p["v_leak"], p.get("v_reset", p["v_leak"])])
    low = min(rest.min(), p["v_threshold"].min()) if kind == "CubaLIF" else rest.min()
    limits = []
    if rest.max() > low:
        limits.append((_V_REST_HIGH - _V_LOW) / (rest.max() - low))
    if kind == "CubaLIF" and p["v_threshold"].max() > low:
        limits.append((_V_THRESHOLD_HIGH - _V_LOW) / (p["v_threshold"].max() - low))
    used = max_abs > 0
    if np.any(used):
        limits.append(float(np.min(MAX_WEIGHT / (gain[used] * max_abs[used]))))
    scale = float(min(limits)) if limits else 1.0
    return scale, float(_V_LOW - scale * low)


def _check_window(name, node, hw, scale, offset):
    r = _ranges()
    for key in ("leak", "reset", "threshold"):
        lo, hi, unit = r[key]
        v = hw[key]
        if np.any(v < lo - 1e-9) or np.any(v > hi + 1e-9):
            raise NIRImportError(f"node {name!r} ({type(node).__name__}): {key} maps to {v.min():.4g}..{v.max():.4g} "
                                 f"{unit} at the voltage map {offset:g} + {scale:g} * v, outside {lo}..{hi} {unit}")


# -- export ---------------------------------------------------------------------------------------
def to_nir(imported: NIRImport) -> "_nir.NIRGraph":
    """The NIR graph of a mapped network: an Input per external population, a CubaLIF (CubaLI)
    per population with its model parameters, a Linear ``w_hw / weight_scale`` (excitatory
    positive, inhibitory negative) per connected pair, Outputs as imported.  Metadata: graph
    ``openhx.time_unit`` (s), ``openhx.dt`` (time_unit), ``openhx.speedup``; neuron nodes
    ``openhx.voltage_scale``/``voltage_offset`` (CADC LSB); Linear nodes ``openhx.weight_scale``
    (weight LSB per unit, per post neuron)."""
    nodes, edges = {}, []
    for name, (_, size) in imported.inputs.items():
        nodes[name] = _nir.Input(input_type={"input": np.array([size])})
    for name, g in imported.groups.items():
        p, q = g.params, g.quantisation
        meta = {f"{_META}.voltage_scale": q.voltage_scale, f"{_META}.voltage_offset": q.voltage_offset}
        common = dict(tau_syn=p["tau_syn"].copy(), tau_mem=p["tau_mem"].copy(), r=p["r"].copy(),
                      v_leak=p["v_leak"].copy(), w_in=p["w_in"].copy(), metadata=meta)
        nodes[name] = _nir.CubaLIF(v_threshold=p["v_threshold"].copy(), v_reset=p["v_reset"].copy(), **common) \
            if g.kind == "CubaLIF" else _nir.CubaLI(**common)
    for (pre, post), hw in imported.weights.items():
        scale = imported.groups[post].quantisation.weight_scale
        link = _link_name(pre, post, nodes)
        nodes[link] = _nir.Linear(weight=hw / scale[:, None],
                                  metadata={f"{_META}.weight_scale": np.asarray(scale, float).copy()})
        edges += [(pre, link), (link, post)]
    for out, src in imported.outputs.items():
        size = imported.inputs[src][1] if src in imported.inputs else imported.groups[src].size
        nodes[out] = _nir.Output(output_type={"output": np.array([size])})
        edges.append((src, out))
    meta = {f"{_META}.time_unit": imported.time_unit, f"{_META}.speedup": SPEEDUP}
    if imported.dt is not None:
        meta[f"{_META}.dt"] = imported.dt
    return _nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def _link_name(pre, post, taken):
    name, i = f"{pre}->{post}", 0
    while name in taken:
        i += 1
        name = f"{pre}->{post}#{i}"
    return name


def graphs_equal(a, b) -> bool:
    """Structural equality of two NIR nodes/graphs (NIR's own ``==`` is identity): same type,
    same fields (arrays element-wise, metadata included), same nodes and edges."""
    return _dict_equal(a.to_dict(), b.to_dict())


def _dict_equal(x, y) -> bool:
    if isinstance(x, dict) or isinstance(y, dict):
        return isinstance(x, dict) and isinstance(y, dict) and set(x) == set(y) and \
            all(_dict_equal(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and not (
            x and isinstance(x[0], (int, float, np.number))):
        return len(x) == len(y) and all(_dict_equal(u, v) for u, v in zip(x, y))
    if isinstance(x, (bytes, str)) or isinstance(y, (bytes, str)):
        def s(v):
            return v.decode() if isinstance(v, bytes) else v
        return s(x) == s(y)
    xa, ya = np.asarray(x), np.asarray(y)
    return xa.shape == ya.shape and np.array_equal(xa, ya)
