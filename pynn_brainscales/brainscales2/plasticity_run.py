"""PyNN plasticity rules -> grenade graph elements for one run (see plasticity_rules.py).

Per rule (rules with the same ``same_id`` are one rule): one synapse handle per grenade
projection of the PyNN projections whose synapse type carries it, one neuron handle per
population whose cell type carries it, the timer clipped to the run (``Timer.schedule``) and
shifted to the run start, the kernel (C++ or the Python method).  The rules' state scope is
the simulator's (new at ``setup`` and ``reset``): a kernel's globals carry over from run to run
until then, as the chip's PPU memory does.
"""
from __future__ import annotations

from typing import Dict, List

import grenade

from .plasticity_rules import PPU_CYCLES_PER_FPGA_CYCLE

__all__ = ["grenade_rules", "connection_sites", "collect_recordings", "collect_learned_weights"]

_PPU_CYCLES_PER_MS = 125_000 * PPU_CYCLES_PER_FPGA_CYCLE


def _rule_of(obj):
    return getattr(obj, "plasticity_rule", None)


def grenade_rules(sim, projection_descriptors: Dict[object, List], population_descriptors: Dict[object, object],
                  t0_hw: float, t1_hw: float) -> List[grenade.PlasticityRule]:
    """The grenade rules of the simulator's PyNN rules for the run [t0_hw, t1_hw) (hardware ms)."""
    groups = {}
    order = []
    from .stdp import AMP_CALIB, TIME_CALIB, STDPRule
    # all STDPMechanism projections share one kernel (their sensors may share rows)
    stdp_projections = [prj for prj in projection_descriptors if getattr(prj, "_stdp", None)]
    stdp_rule = STDPRule(stdp_projections) if stdp_projections else None
    for prj, descs in projection_descriptors.items():
        rule = stdp_rule if getattr(prj, "_stdp", None) else _rule_of(prj.synapse_type)
        if rule is None:
            continue
        key = (type(rule), rule.same_id) if rule.same_id else id(rule)
        if key not in groups:
            groups[key] = (rule, [], [])
            order.append(key)
        groups[key][1].extend((prj, d) for d in descs)
    for pop, d in population_descriptors.items():
        rule = _rule_of(getattr(pop, "celltype", None))
        if rule is None or d is None:
            continue
        key = (type(rule), rule.same_id) if rule.same_id else id(rule)
        if key not in groups:
            groups[key] = (rule, [], [])
            order.append(key)
        groups[key][2].append((pop, d))
    out = []
    sim._plasticity_rules_run = []
    for n, key in enumerate(order):
        rule, projs, pops = groups[key]
        rule._handles = projs
        rule._neuron_handles = pops
        rule._recording = {}
        rule._recording_data = None
        rule._grenade_name = f"{type(rule).__name__}#{n}"
        sim._plasticity_rules_run.append(rule)
        start, period, num = rule.timer.schedule(t0_hw, t1_hw)
        timer = (max(start / _PPU_CYCLES_PER_MS - t0_hw, 0.0), period / _PPU_CYCLES_PER_MS, num)
        kw = {}
        if rule._has_python_kernel():
            kw["python_kernel"] = rule.python_kernel
        else:
            kw["kernel"] = rule.generate_kernel()
            kw["observables"] = tuple(rule._observable_specs())
        inj = getattr(sim, "injected_config", None)
        symbols = {}
        if inj is not None and getattr(inj, "ppu_symbols", None):
            symbols = _symbol_bytes(inj.ppu_symbols)
        if isinstance(rule, STDPRule):
            # the kernel reads the sensors of its synapses (their biases calibrated for the rules' time
            # constant with the chip: calibration.with_correlation), and its weights come back after the run
            descriptors = {d.index: prj for prj, d in projs}
            symbols = {**symbols, **rule.symbols(getattr(sim, "bio_scale", None), num, descriptors)}
            kw.update(correlation_readout=True, correlation_calibs=(TIME_CALIB, AMP_CALIB), read_weights=True)
        rule._grenade_rule = grenade.PlasticityRule(timer=timer, projections=tuple(d for _, d in projs),
                                                    populations=tuple(d for _, d in pops), name=rule._grenade_name,
                                                    symbols=symbols, read_symbols=bool(_read_symbols(sim)),
                                                    state_scope=getattr(sim, "ppu_state_scope", None), **kw)
        out.append(rule._grenade_rule)
    return out


def collect_recordings(sim, results, routing) -> None:
    """Hand each rule of the last run the observables its kernel recorded (``_recording_data``:
    one entry per snippet, ``{ppu: [one dict per call]}``) and its handles
    (``_synapse_handle_specs`` / ``_neuron_handle_specs``, grenade.plasticity's dicts, in the
    kernel's order)."""
    from grenade.plasticity import neuron_handles, synapse_handles
    rules = getattr(sim, "_plasticity_rules_run", None) or []
    try:
        last = results._get(0, -1)
    except (IndexError, AttributeError):
        return
    rec = getattr(last, "ppu_recordings", {}) or {}
    network = getattr(results, "network", None)
    for rule in rules:
        g = rule._grenade_rule
        rule._synapse_handle_specs = [hd for d in g.projections for hd in synapse_handles(routing, d)]
        rule._neuron_atoms = {d.index: network.placement[d.index] for d in g.populations} if network is not None else {}
        rule._neuron_handle_specs = ([hd for d in g.populations for hd in neuron_handles(network, d)]
                                     if network is not None else [])
        if rule.observables and not rule._has_python_kernel():
            rule._recording_data = [{h: rec.get(h, {}).get(rule._grenade_name, []) for h in (0, 1)}]


def collect_learned_weights(sim, results) -> None:
    """The weights the STDP kernels of the last run left on the chip, into their projections
    (model units; ``Projection.get("weight")`` and the next run see them)."""
    import numpy as np
    from .stdp import STDPRule
    try:
        last = results._get(0, -1)
    except (IndexError, AttributeError):
        return
    learned = getattr(last, "plastic_weights", {}) or {}
    for rule in getattr(sim, "_plasticity_rules_run", None) or []:
        if not isinstance(rule, STDPRule) or rule._grenade_name not in learned:
            continue
        # the read rows as (hemisphere, row, column) arrays
        dense = np.zeros((2, 256, 256), np.int64)
        for h, rows in learned[rule._grenade_name].items():
            for r, w in rows.items():
                dense[h, r] = w
        for prj, d in rule._handles:
            index = prj._descriptor_connections.get(d.index)
            if index is None:
                continue
            h, r, c = connection_sites(sim, prj, d.index)
            prj._store_learned_weights(dense[h, r, c], index)


def _read_symbols(sim):
    r = getattr(sim, "injected_readout", None)
    return getattr(r, "ppu_symbols", None) if r is not None else None


def _symbol_bytes(symbols) -> Dict[str, bytes]:
    """Injected ``ppu_symbols`` ({name: {hemisphere: PPUMemoryBlock or bytes}}) as bytes (the
    top hemisphere's value; both PPUs get the same)."""
    import numpy as np
    out = {}
    for name, per_h in symbols.items():
        value = next(iter(per_h.values())) if isinstance(per_h, dict) else per_h
        if isinstance(value, (bytes, bytearray)):
            out[name] = bytes(value)
            continue
        words = getattr(value, "words", value)
        vals = [int(getattr(w, "value", w)) for w in words]
        out[name] = np.asarray(vals, dtype="<u4").tobytes()
    return out


def connection_sites(sim, projection, descriptor_index: int):
    """(hemisphere, row, column) arrays of the first synapse of each connection of grenade
    projection ``descriptor_index`` in the last routing (connection order)."""
    import numpy as np
    routing = getattr(sim, "_routing", None)
    if routing is None:
        raise RuntimeError("observables are available after pynn.run()")
    t = routing.synapse_table
    sel = (t["projection"] == descriptor_index) & (t["split"] == 0)
    order = np.argsort(t["connection"][sel], kind="stable")
    return t["hemisphere"][sel][order], t["row"][sel][order], t["column"][sel][order]


