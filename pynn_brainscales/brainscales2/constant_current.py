"""Current sources on the chip: each neuron's constant current, rewritten at every change.

The chip has one current source per neuron circuit: the CapMem cell ``i_mem_offset``
(0..1022, nominal 0.05 nA of hardware current per LSB, 5 % gain mismatch, not calibrated)
with two switches in the ``NeuronConfig`` (``enable_membrane_offset``; ``invert_membrane_offset``
makes it a sink).  The backend sums, per neuron, its own constant current (``i_offset`` of the
standard cells, ``constant_current_*`` of ``HXNeuron``) and the current of every PyNN current
source injected into it; the sum at the start of a run goes into the neuron's configuration, and
every later change inside the run becomes a timed write of the realtime section
(:class:`grenade.TimedWrites`): the CapMem cell (whole word) and, when the sign or the switch
changes, the two ``NeuronConfig`` bits (a masked write: grenade's readout and routing bits stay).

Units: model nA for the biological standard cells (hardware nA = ``current_factor(cm)`` x model
nA, as ``i_offset``); hardware nA for the other on-chip cells.  A sum beyond the cell's reach
(1022 LSB) raises ValueError naming the source, the neuron, the time and the feasible range.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Optional, Tuple

import numpy as np

import halco

__all__ = ["plan", "reach", "hardware_factor"]

_CC = ("constant_current.enable", "constant_current.i_offset", "constant_current.type")


def _transfer():
    from chipmodel import transfer
    return transfer.TRANSFERS_BY_NAME["i_mem_offset"]


def reach() -> float:
    """Largest constant current of one neuron, hardware nA (nominal transfer at 1022 LSB)."""
    return float(_transfer().range()[1])


def hardware_factor(population) -> np.ndarray:
    """Hardware nA per source nA for each neuron of ``population``: the biological standard cells
    scale with their ``cm`` (as ``i_offset``), the other cells take hardware nA (1)."""
    if getattr(population.celltype, "is_biological", False):
        from .biological_units import current_factor
        cm = np.broadcast_to(np.asarray(population._parameters["cm"], dtype=float), (population.size,))
        return np.asarray(current_factor(cm), dtype=float)
    return np.ones(population.size)


@lru_cache(maxsize=None)
def _nc_masks() -> Tuple[np.ndarray, np.ndarray]:
    """NeuronConfig bits (6 words) of the constant current's switch and of its sign."""
    import lola
    from lola.neuron import encode_neurons
    n = lola.AtomicNeuron()
    rows = []
    for enable, sink in ((False, False), (True, False), (False, True)):
        n.constant_current.enable = enable
        n.constant_current.type = lola.AtomicNeuron.ConstantCurrent.Type.sink if sink else \
            lola.AtomicNeuron.ConstantCurrent.Type.source
        rows.append(encode_neurons(lola.AtomicNeuron.field_columns([n]), 1)[0][0].astype(np.int64))
    return rows[1] ^ rows[0], rows[2] ^ rows[0]


def plan(state, population, atoms, config: List, t0: float, t1: float, held: Optional[dict] = None,
         lo: int = 0):
    """The constant current of ``population``'s neurons over the run [t0, t1) (the backend's ms).

    ``atoms``: AtomicNeuronOnDLS enums of the neurons; ``config``: their lola.AtomicNeurons as the
    run configures them; ``held``: {neuron index: (on, sink, dac)} the chip holds from the end of
    the previous run of this segment (neurons not in it hold their own current, as after a reset);
    ``lo``: ``config`` and ``atoms`` are the neurons ``lo, lo + 1, ...`` of the population (one
    execution of a partitioned network).
    Returns ``(config, writes, held)``: the configuration keeps what the chip holds (so a run
    boundary writes nothing and needs no CapMem settling, during which the membrane would
    already see the new current), every change from t0 on is a timed write
    (``grenade.TimedWrites``, None when nothing changes), and the state at the end.  Raises
    ValueError for sums beyond the cell's reach."""
    held = held or {}
    hi = lo + len(config)
    targets = [(s, s.targets_of(population)) for s in getattr(state, "current_sources", ())]
    targets = [(s, idx[(idx >= lo) & (idx < hi)] - lo) for s, idx in targets]
    targets = [(s, idx) for s, idx in targets if len(idx)]
    if not targets:
        return config, None, {}
    import grenade
    import lola
    from lola.neuron import encode_neurons, neuron_addresses

    tr = _transfer()
    factor = hardware_factor(population)[lo:hi]
    own_cols = lola.AtomicNeuron.field_columns(config, _CC)
    own_dac = own_cols["constant_current.i_offset"]
    own_on = own_cols["constant_current.enable"].astype(bool)
    own_sink = own_cols["constant_current.type"].astype(bool)
    own_hw = np.where(own_on, np.where(own_sink, -1.0, 1.0) * tr.nominal(own_dac), 0.0)
    c0 = int(state._cycle(t0))
    span = int(state._cycle(t1)) - c0

    changes = {}                                    # neuron -> [(times, values, source)]
    for source, idx in targets:
        times, values = source.changes(t0, t1)
        for i in np.unique(idx).tolist():
            for _ in range(int(np.count_nonzero(idx == i))):      # injected twice: twice the current
                changes.setdefault(i, []).append((times, values, source))

    # per neuron: states (time, on, sink, dac) at t0 and at every change that falls on a new cycle
    rows_neuron, rows_cycle, rows_state = [], [], []
    for i, parts in sorted(changes.items()):
        times = np.unique(np.concatenate([p[0] for p in parts]))
        total = np.zeros(len(times))
        for tt, vv, _ in parts:
            total += vv[np.searchsorted(tt, times, side="right") - 1]
        hw = own_hw[i] + factor[i] * total
        _check_reach(hw, times, total, factor[i], population, i + lo, parts, state.units)
        dac = tr.to_dac(np.abs(hw), clip=True)
        on, sink = dac > 0, hw < 0
        # no source current: exactly the neuron's own configuration
        idle = total == 0
        dac = np.where(idle, own_dac[i], dac)
        on = np.where(idle, own_on[i], on)
        sink = np.where(idle, own_sink[i], sink)
        cycles = np.asarray(state._cycle(times), dtype=np.int64) - c0
        cycles[0] = 0
        keep = np.r_[cycles[1:] != cycles[:-1], True] & (cycles < span)    # one state per cycle: the last
        for c, o, s, d in zip(cycles[keep].tolist(), on[keep].tolist(), sink[keep].tolist(), dac[keep].tolist()):
            rows_neuron.append(i)
            rows_cycle.append(c)
            rows_state.append((o, s, d))

    rows_neuron = np.asarray(rows_neuron, dtype=np.int64)
    rows_cycle = np.asarray(rows_cycle, dtype=np.int64)
    state_arr = np.asarray(rows_state, dtype=np.int64).reshape(-1, 3)
    # before each neuron's first row: what the chip holds (the previous run's end, else its own current)
    first = np.r_[True, rows_neuron[1:] != rows_neuron[:-1]] if len(rows_neuron) else np.zeros(0, bool)
    if len(rows_neuron):
        starts = np.flatnonzero(first)
        own = lambda i: (int(own_on[i]), int(own_sink[i]), int(own_dac[i]))   # noqa: E731
        insert = np.array([held.get(int(i) + lo, own(int(i))) for i in rows_neuron[starts]], dtype=np.int64)
        rows_neuron = np.insert(rows_neuron, starts, rows_neuron[starts])
        rows_cycle = np.insert(rows_cycle, starts, 0)
        state_arr = np.insert(state_arr, starts, insert, axis=0)
        first = np.r_[True, rows_neuron[1:] != rows_neuron[:-1]]
    last = np.r_[first[1:], True] if len(rows_neuron) else np.zeros(0, bool)
    end_state = {int(i) + lo: tuple(int(x) for x in st) for i, st in zip(rows_neuron[last], state_arr[last])}
    config = list(config)
    sink_type = lola.AtomicNeuron.ConstantCurrent.Type
    for k in np.flatnonzero(first).tolist():
        i = int(rows_neuron[k])
        on, sink, dac = (int(x) for x in state_arr[k])
        n = config[i].copy()
        n.constant_current.enable = bool(on)
        n.constant_current.type = sink_type.sink if sink else sink_type.source
        n.constant_current.i_offset = int(dac)
        config[i] = n

    # timed writes: the rows after each neuron's first, where the state changed
    prev = np.r_[-1, np.arange(len(rows_neuron) - 1)]
    later = ~first
    cap_changed = later & (state_arr[:, 2] != state_arr[np.maximum(prev, 0), 2])
    nc_changed = later & np.any(state_arr[:, :2] != state_arr[np.maximum(prev, 0), :2], axis=1)
    if not np.any(cap_changed | nc_changed):
        return config, None, end_state
    nc_addr, cap_addr, _ = neuron_addresses()
    row = halco.CapMemRowOnCapMemBlock.i_mem_offset.value()
    atoms = np.asarray(atoms, dtype=np.int64)
    times_ms, addrs, words, masks = [], [], [], []
    k = np.flatnonzero(cap_changed)
    if len(k):
        times_ms.append(rows_cycle[k] / grenade.inputs.FPGA_CYCLES_PER_MS)
        addrs.append(cap_addr[atoms[rows_neuron[k]], row])
        words.append(state_arr[k, 2])
        masks.append(np.full(len(k), 0xFFFFFFFF, np.int64))
    k = np.flatnonzero(nc_changed)
    if len(k):
        m_on, m_sink = _nc_masks()
        tmpl = lola.AtomicNeuron()
        cols = lola.AtomicNeuron.field_columns([tmpl])
        table = {p: np.repeat(v, len(k)) for p, v in cols.items()}
        table["constant_current.enable"] = state_arr[k, 0]
        table["constant_current.type"] = state_arr[k, 1]
        nc_words = encode_neurons(table, len(k), validate=False)[0].astype(np.int64)     # (k, 6)
        mask = m_on | m_sink
        sel = np.flatnonzero(mask)
        times_ms.append(np.repeat(rows_cycle[k] / grenade.inputs.FPGA_CYCLES_PER_MS, len(sel)))
        addrs.append(nc_addr[atoms[rows_neuron[k]]][:, sel].reshape(-1))
        words.append(nc_words[:, sel].reshape(-1))
        masks.append(np.tile(mask[sel], len(k)))
    writes = grenade.TimedWrites(np.concatenate(times_ms), np.concatenate(addrs), np.concatenate(words),
                                 np.concatenate(masks))
    return config, writes, end_state


def _check_reach(hw, times, total, factor, population, i, parts, units):
    limit = reach()
    bad = np.flatnonzero(np.abs(hw) > limit * (1 + 1e-9))
    if not len(bad):
        return
    k = int(bad[0])
    names = ", ".join(sorted({type(s).__name__ for _, _, s in parts}))
    own = (hw[k] - factor * total[k]) / factor
    raise ValueError(
        f"current sources ({names}) into {type(population.celltype).__name__} population {population.label!r} "
        f"neuron {i}: {total[k]:g} nA at t = {times[k]:g} ms ({units} time)"
        + (f" plus its own {own:g} nA" if own else "")
        + f" is beyond the chip's constant current: the sum must lie in [{-limit / factor:.4g}, {limit / factor:.4g}] nA "
        f"for this neuron (i_mem_offset reaches {limit:g} nA of hardware current"
        + (", scaled by cm" if getattr(population.celltype, "is_biological", False) else "") + ")")
