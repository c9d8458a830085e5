"""Chip configuration: network + routing (+ an initial configuration such as a
calibration) -> ``lola.Chip``.

:func:`chip_spec` collects everything grenade decides as plain arrays (a
:class:`ChipSpec`); :func:`build_chip` writes a spec onto a copy of the
initial configuration.  :class:`ChipState` keeps one working chip per
connection and updates only the members whose part of the spec changed, with
each member's encoded words, so that a run sends only the words that differ
from what the chip holds (:mod:`grenade.execution`).

What grenade sets (everything else comes from the initial configuration):

* neurons: the population's ``config`` (or the initial configuration's neuron
  when ``config`` is None; a multi-compartment population's logical neurons
  placed with their morphology switches); ``event_routing.address`` and
  ``event_routing.enable_digital`` of *all* 512 circuits from the routing
  (off for circuits outside populations); readout of MADC-recorded neurons;
* ``neuron_block.current_rows``: synaptic input switches of the columns whose
  neuron has the receptor;
* synapse matrices: weights and labels (correlation calibration bits kept);
* synapse drivers: ``enable_receiver``, ``enable_address_out``,
  ``row_address_compare_mask``, row modes; PADI buses: ``enable_spl1`` of used
  buses;
* crossbar node masks/targets; background generators;
* readout chain (MADC source selection and sampling) and CADC channels of
  recorded neurons.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import numpy as np

import halco
import haldls

from .network import Network, Population
from .routing import RoutingResult

#: MADC samples per hardware ms (MADCConfig default timing: ~30 MSample/s).
MADC_SAMPLES_PER_MS = 29_400


def _lola():
    import lola
    return lola


@lru_cache(maxsize=None)
def _neuron_paths() -> Tuple[str, ...]:
    from lola.neuron import FIELDS
    return tuple(f.path for f in FIELDS)


_DEFAULT_CHIP = None


def default_chip():
    """A shared default ``lola.Chip`` (do not modify; copy it)."""
    global _DEFAULT_CHIP
    if _DEFAULT_CHIP is None:
        _DEFAULT_CHIP = _lola().Chip()
    return _DEFAULT_CHIP


_TO_CHIP_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _as_chip(config):
    """A lola.Chip from a chip or a calibration result (``to_chip()``, cached per object)."""
    lola = _lola()
    if isinstance(config, lola.Chip):
        return config
    if hasattr(config, "to_chip"):
        try:
            chip = _TO_CHIP_CACHE.get(config)
        except TypeError:               # not weak-referenceable
            return config.to_chip()
        if chip is None:
            chip = _TO_CHIP_CACHE[config] = config.to_chip()
        return chip
    raise TypeError(f"expected a lola.Chip or a calibration result with to_chip(), got {type(config).__name__}")


# ------------------------------------------------------------------------------------------
# the spec
# ------------------------------------------------------------------------------------------

@dataclass(eq=False)
class ChipSpec:
    """Everything grenade writes into a chip, as arrays (compared part by part)."""

    neurons: Dict[str, np.ndarray]          # full AtomicNeuron column table (512 rows per path)
    current_rows: np.ndarray                # (2, 2, 256) bool [receptor, hemisphere, column]
    crossbar: np.ndarray                    # (2, 76) mask, target
    drivers: np.ndarray                     # (2, 128, 7): receiver, mask, mode top, mode bottom, STP
                                            # enable, utilization, recovery
    stp_clock: np.ndarray                   # (2, 2): enable_recovery_clock, recovery_clock_speed
    padi: np.ndarray                        # (2, 4) enable_spl1
    weights: np.ndarray                     # (2, 256, 256)
    labels: np.ndarray                      # (2, 256, 256)
    background: np.ndarray                  # (8, 7): enable, random, period, seed, mask, rate, label
    madc: tuple                             # () or ((atom, source), ...)
    cadc: tuple                             # () or atoms
    # ((hemisphere, column, time_calib, amp_calib), ...): columns whose CADC channels read the
    # correlation sensors for a plasticity rule (calib -1: keep the base's bits)
    correlation: tuple = ()

    def __post_init__(self):
        # a spec is a value: ChipState.update takes the same spec object for the same content
        for a in (*self.neurons.values(), self.current_rows, self.crossbar, self.drivers, self.stp_clock, self.padi,
                  self.weights, self.labels, self.background):
            a.flags.writeable = False

    def parts_for(self, member: str):
        """The arrays a chip member depends on."""
        if member == "crossbar":
            return (self.crossbar,)
        if member == "background":
            return (self.background,)
        if member.startswith("synapse_driver_blocks"):
            h = int(member[-2])
            return (self.drivers[h], self.padi[h], self.stp_clock[h])
        if member.startswith("synapse_blocks"):
            h = int(member[-2])
            return (self.weights[h], self.labels[h], self.correlation)
        if member == "neuron_block":
            return tuple(self.neurons.values()) + (self.current_rows,)
        if member.startswith("cadc_readout_chains"):
            return (self.cadc, self.correlation)
        if member == "readout_chain":
            return (self.madc,)
        return ()


def _equal(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    return a == b


def _neuron_value(neuron, path: str) -> int:
    struct, name = path.split(".")
    return int(getattr(getattr(neuron, struct), name))


def chip_spec(network: Network, routing: RoutingResult, base=None) -> ChipSpec:
    """The arrays grenade writes for ``network`` routed as ``routing`` on top of
    ``base`` (a ``lola.Chip``; default: the lola default chip)."""
    if routing.network is not network:
        from .routing import update_routing
        routing = update_routing(routing, network)
    base = default_chip() if base is None else base
    paths = _neuron_paths()
    base_neurons = base.neuron_block.atomic_neurons
    table = {p: base_neurons.get_field(p) for p in paths}
    for i, pop in enumerate(network.populations):
        if not isinstance(pop, Population) or pop.config is None:
            continue
        atoms = network.placement[i]
        cfg = pop.config
        lola = _lola()
        if pop.shape is not None:
            _write_logical_neurons(table, paths, cfg, network.logical_placement[i])
        elif isinstance(cfg, lola.AtomicNeuron):
            for p in paths:
                table[p][atoms] = _neuron_value(cfg, p)
        elif isinstance(cfg, tuple):
            for p, col in lola.AtomicNeuron.field_columns(cfg, paths).items():
                table[p][atoms] = col
        else:
            src = _as_chip(cfg).neuron_block.atomic_neurons
            for p in paths:
                table[p][atoms] = src.get_field(p)[atoms]
    table["event_routing.address"][:] = routing.neuron_address_out
    table["event_routing.enable_digital"][:] = routing.neuron_spike_out
    madc = ()
    if network.madc_recording is not None:
        rec = network.madc_recording
        madc = tuple((int(atom), int(src)) for atom, src in zip(network.madc_atoms, rec.sources))
        # only the recorded neurons drive the readout lines
        table["readout.enable_buffered_access"][:] = False
        for atom, src in madc:
            table["readout.enable_buffered_access"][atom] = True
            table["readout.enable_amplifier"][atom] = True
            table["readout.source"][atom] = src
    cadc = ()
    if network.cadc_recording is not None:
        cadc = tuple(int(a) for a in network.cadc_atoms)
    from .plasticity import correlation_columns
    correlation = correlation_columns(network, routing)
    clash = sorted({a for a in cadc} & {h * 256 + c for h, c, _, _ in correlation})
    if clash:
        raise ValueError(f"neuron(s) {clash[:8]} (AtomicNeuronOnDLS) are recorded through the CADC, whose channels of "
                         f"their columns a plasticity rule needs for the correlation sensors: record them "
                         f"through the MADC, or record other neurons")
    bg = np.zeros((8, 7), dtype=np.int64)
    for k in np.flatnonzero(routing.background_enable):
        pop = network.populations[int(routing.background_population[k])]
        bg[k] = (1, int(pop.enable_random), pop.period, pop.seed, int(routing.background_mask[k]), pop.rate,
                 int(routing.background_neuron_label[k]))
    drivers = np.concatenate([np.stack([routing.driver_enable.astype(np.int64), routing.driver_compare_mask,
                                        routing.row_modes[:, 0::2], routing.row_modes[:, 1::2]], axis=-1),
                              routing.driver_stp], axis=-1)
    return ChipSpec(neurons=table, current_rows=routing.neuron_receptors,
                    crossbar=np.stack([routing.crossbar_mask, routing.crossbar_target]),
                    drivers=drivers, stp_clock=routing.stp_clock, padi=routing.padi_enable,
                    weights=routing.synapse_weights,
                    labels=routing.synapse_labels, background=bg, madc=madc, cadc=cadc,
                    correlation=correlation)


def _write_logical_neurons(table, paths, config, coords) -> None:
    """Write each neuron's lola.LogicalNeuron (one for all or one per neuron) placed at its
    LogicalNeuronOnDLS into the neuron table: parameters and morphology switches of every circuit."""
    lola = _lola()
    placed = {}
    for k, coord in enumerate(coords):
        neuron = config[k] if isinstance(config, tuple) else config
        placed.update(neuron.place(coord))
    atoms = np.array([int(a.toEnum()) for a in placed], dtype=np.int64)
    for p, col in lola.AtomicNeuron.field_columns(placed.values(), paths).items():
        table[p][atoms] = col


# ------------------------------------------------------------------------------------------
# writing a spec into a chip, member by member
# ------------------------------------------------------------------------------------------

MEMBERS = ("crossbar", "background", "capmem", "synapse_driver_blocks[0]", "synapse_driver_blocks[1]",
           "synapse_blocks[0]", "synapse_blocks[1]", "neuron_block", "cadc_readout_chains[0]",
           "cadc_readout_chains[1]", "readout_chain", "ppu_memory[0]", "ppu_memory[1]")


def _apply_crossbar(chip, base, spec):
    nodes = list(halco.iter_all(halco.CrossbarNodeOnDLS))
    for k, node in enumerate(nodes):
        n = base.crossbar.nodes[node].copy()
        n.mask, n.target = int(spec.crossbar[0, k]), int(spec.crossbar[1, k])
        chip.crossbar.nodes[node] = n
    chip.crossbar.outputs = base.crossbar.outputs


def _apply_background(chip, base, spec):
    for k in range(8):
        s = base.background_spike_sources[k].copy()
        enable, random, period, seed, mask, rate, label = (int(x) for x in spec.background[k])
        s.enable = bool(enable)
        if enable:
            s.enable_random, s.period, s.seed, s.mask, s.rate, s.neuron_label = \
                bool(random), period, seed, mask, rate, label
        chip.background_spike_sources[k] = s


def _apply_drivers(chip, base, spec, h):
    block = base.synapse_driver_blocks[h].copy()
    modes = haldls.RowMode
    for i in range(128):
        recv, mask, top, bottom, stp, util, recovery = (int(x) for x in spec.drivers[h, i])
        d = block.synapse_drivers[i]
        d.enable_receiver = bool(recv)
        d.enable_address_out = bool(recv)
        d.row_address_compare_mask = mask
        d.row_mode_top = modes(top)
        d.row_mode_bottom = modes(bottom)
        if stp:             # drivers without STP keep the initial configuration's STP fields
            d.enable_stp = True
            d.enable_recovery = True
            d.utilization = util
            d.recovery = recovery
            d.offset = 0    # no efficacy floor: Tsodyks-Markram depression
    padi = block.padi_bus
    padi.enable_spl1 = [bool(x) for x in spec.padi[h]]
    if spec.stp_clock[h, 0]:
        block.stp.enable_recovery_clock = True
        block.stp.recovery_clock_speed = int(spec.stp_clock[h, 1])
    chip.synapse_driver_blocks[h] = block


def _apply_synapses(chip, base, spec, h):
    block = chip.synapse_blocks[h]
    src = base.synapse_blocks[h]
    if block is not src:
        block.matrix.time_calibs = src.matrix.time_calibs
        block.matrix.amp_calibs = src.matrix.amp_calibs
        block.common_synram_config = src.common_synram_config
        block.i_bias_dac = src.i_bias_dac
    mine = [(c, t, a) for hh, c, t, a in spec.correlation if hh == h]
    if mine:
        if block is src:
            block = src.copy()
            chip.synapse_blocks[h] = block
        tc = np.array(src.matrix.time_calibs, copy=True)
        ac = np.array(src.matrix.amp_calibs, copy=True)
        for c, t, a in mine:
            if t >= 0:
                tc[:, c] = t
            if a >= 0:
                ac[:, c] = a
        block.matrix.time_calibs = tc
        block.matrix.amp_calibs = ac
    block.matrix.weights = spec.weights[h]
    block.matrix.labels = spec.labels[h]


def _apply_neurons(chip, base, spec):
    lola = _lola()
    nb = base.neuron_block.copy()
    nb.atomic_neurons = lola.AtomicNeuronArray({p: a.copy() for p, a in spec.neurons.items()})
    for h in range(2):
        row = nb.current_rows[h]
        row.enable_synaptic_current_excitatory = spec.current_rows[0, h]
        row.enable_synaptic_current_inhibitory = spec.current_rows[1, h]
    chip.neuron_block = nb


def _apply_cadc(chip, base, spec, h):
    chain = base.cadc_readout_chains[h].copy()
    atoms = [a for a in spec.cadc if a // 256 == h]
    if atoms:
        chain.config.enable = True
        for a in atoms:
            chain.channels_causal.enable_connect_neuron[a % 256] = True
    cols = [c for hh, c, _, _ in spec.correlation if hh == h]
    if cols:
        # both channels of these columns read the correlation sensors (a calibration may have
        # connected the causal ones to the neurons' membranes)
        chain.config.enable = True
        for ch in (chain.channels_causal, chain.channels_acausal):
            ch.enable_connect_neuron[cols] = False
            ch.enable_connect_correlation[cols] = True
    chip.cadc_readout_chains[h] = chain


def _apply_readout(chip, base, spec):
    chain = base.readout_chain.copy()
    if spec.madc:
        sel = chain.source_selection
        even, odd = list(sel.neuron_even), list(sel.neuron_odd)
        buffered = list(sel.enable_buffered)
        for mux, (atom, _) in enumerate(sorted(spec.madc, key=lambda x: x[0] % 2)):
            # channel/mux 0 reads the even column line, 1 the odd one
            if atom % 2 == 0:
                even[mux] = True
            else:
                odd[mux] = True
            buffered[mux] = True
        sel.neuron_even, sel.neuron_odd, sel.enable_buffered = even, odd, buffered
        cfg = chain.madc_config
        if len(spec.madc) == 2:
            cfg.active_mux_input_select_length = 1
    chip.readout_chain = chain


def apply_member(chip, base, spec: ChipSpec, member: str) -> None:
    """Write ``member`` of ``chip`` from ``base`` and ``spec``."""
    if member == "crossbar":
        _apply_crossbar(chip, base, spec)
    elif member == "background":
        _apply_background(chip, base, spec)
    elif member.startswith("synapse_driver_blocks"):
        _apply_drivers(chip, base, spec, int(member[-2]))
    elif member.startswith("synapse_blocks"):
        _apply_synapses(chip, base, spec, int(member[-2]))
    elif member == "neuron_block":
        _apply_neurons(chip, base, spec)
    elif member.startswith("cadc_readout_chains"):
        _apply_cadc(chip, base, spec, int(member[-2]))
    elif member == "readout_chain":
        _apply_readout(chip, base, spec)
    # capmem and ppu_memory come from the base unchanged


def member_plan(chip, member: str) -> Tuple[np.ndarray, np.ndarray]:
    """(addresses, words) of one member of a lola.Chip."""
    if member == "background":
        plans = [chip.background_spike_sources[k].write_plan(halco.BackgroundSpikeSourceOnDLS(k)) for k in range(8)]
        return np.concatenate([p[0] for p in plans]), np.concatenate([p[1] for p in plans])
    if member.endswith("]"):
        name, h = member[:-3], int(member[-2])
        obj = getattr(chip, name)[h]
        coord = {"synapse_driver_blocks": halco.SynapseDriverBlockOnDLS, "synapse_blocks": halco.SynapseBlockOnDLS,
                 "cadc_readout_chains": halco.CADCOnDLS, "ppu_memory": halco.PPUMemoryOnDLS}[name](h)
        return obj.write_plan(coord)
    coord = {"crossbar": halco.CrossbarOnDLS, "capmem": halco.CapMemOnDLS, "neuron_block": halco.NeuronBlockOnDLS,
             "readout_chain": halco.ReadoutChainOnDLS}[member]()
    return getattr(chip, member).write_plan(coord)


def build_chip(network: Network, routing: RoutingResult, initial_config=None):
    """A new ``lola.Chip``: ``initial_config`` (a lola.Chip or calibration result;
    default: the lola default) with the network's neurons and routing written in."""
    base = default_chip() if initial_config is None else _as_chip(initial_config)
    spec = chip_spec(network, routing, base)
    chip = base.copy()
    for m in MEMBERS:
        apply_member(chip, base, spec, m)
    return chip


class ChipState:
    """A working chip for one connection: the base it was built from, the spec
    last written, and each member's words as believed on the chip (None before
    the first full write)."""

    def __init__(self, base):
        self.base = base
        self.chip = base.copy()
        self.spec: Optional[ChipSpec] = None
        self.words: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        # members whose words on the chip were changed by timed writes (note_written)
        self.dirty: set = set()

    def update(self, spec: ChipSpec) -> List[str]:
        """Bring the working chip to ``spec``; returns the members that changed (and those that
        timed writes changed on the chip since, see :meth:`note_written`)."""
        changed = []
        dirty, self.dirty = self.dirty, set()
        old = self.spec
        for m in MEMBERS:
            # specs are immutable: the same spec object needs no comparison of its parts
            if m not in dirty and old is not None and (
                    spec is old or all(_equal(a, b) for a, b in zip(spec.parts_for(m), old.parts_for(m)))):
                continue
            apply_member(self.chip, self.base, spec, m)
            changed.append(m)
        self.spec = spec
        return changed

    def diff(self, members: List[str], full: bool = False) -> Tuple[np.ndarray, np.ndarray]:
        """(addresses, words) to write for the given members: every word if
        ``full`` or not yet written, else only those that differ; updates the
        believed words."""
        addrs, words = [], []
        todo = MEMBERS if full else members
        for m in todo:
            a, w = member_plan(self.chip, m)
            w = np.asarray(w, dtype=np.uint32)
            old = self.words.get(m)
            if full or old is None:
                addrs.append(a)
                words.append(w)
            else:
                oa, ow = old
                if len(oa) != len(a) or not np.array_equal(oa, a):   # pragma: no cover - plans are fixed
                    addrs.append(a)
                    words.append(w)
                else:
                    ch = ow != w
                    addrs.append(a[ch])
                    words.append(w[ch])
            self.words[m] = (a, w)
        if not addrs:
            return np.zeros(0, np.uint32), np.zeros(0, np.uint32)
        return np.concatenate(addrs), np.concatenate(words)

    def _locate(self, addresses):
        """(member names, member number, index in the member, found) of word addresses."""
        names = list(self.words)
        if not names:
            n = len(addresses)
            return names, np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, bool)
        all_a = np.concatenate([np.asarray(self.words[m][0], np.int64) for m in names])
        member = np.repeat(np.arange(len(names)), [len(self.words[m][0]) for m in names])
        index = np.concatenate([np.arange(len(self.words[m][0])) for m in names])
        order = np.argsort(all_a, kind="stable")
        sa = all_a[order]
        pos = np.minimum(np.searchsorted(sa, addresses), len(sa) - 1)
        found = sa[pos] == addresses
        j = order[pos]
        return names, member[j], index[j], found

    def resolve_masked(self, addresses, words, masks) -> np.ndarray:
        """Full words of timed writes in program order: the bits outside a write's mask come
        from the previous write of that address, else from the believed word.  ValueError for a
        masked write of an address grenade does not configure."""
        addresses = np.asarray(addresses, dtype=np.int64).reshape(-1)
        out = np.asarray(words, dtype=np.int64).reshape(-1).copy()
        masks = np.asarray(masks, dtype=np.int64).reshape(-1)
        partial = masks != 0xFFFFFFFF
        if not np.any(partial):
            return out.astype(np.uint32)
        names, member, index, found = self._locate(addresses)
        if not np.all(found[partial]):
            bad = int(addresses[np.flatnonzero(partial & ~found)[0]])
            raise ValueError(f"masked timed write of address {bad:#x}: grenade does not configure it, so the bits "
                             f"outside the mask are unknown (write the whole word)")
        last = {}
        for p in range(len(addresses)):
            a = int(addresses[p])
            if partial[p]:
                old = last.get(a)
                if old is None:
                    old = int(self.words[names[member[p]]][1][index[p]])
                m = int(masks[p])
                out[p] = (old & ~m & 0xFFFFFFFF) | (int(out[p]) & m)
            last[a] = int(out[p])
        return out.astype(np.uint32)

    def note_written(self, addresses, words) -> None:
        """Words written onto the chip outside the configuration (timed writes inside a
        realtime section, in program order): the believed words become these, and the next
        :meth:`update` includes their members, so the next difference writes the
        configuration's words back where they differ.  Addresses of no member are ignored."""
        addresses = np.asarray(addresses, dtype=np.int64).reshape(-1)
        words = np.asarray(words, dtype=np.uint32).reshape(-1)
        if not len(addresses) or not self.words:
            return
        names, member, index, found = self._locate(addresses)
        hit = np.flatnonzero(found)
        for mi in np.unique(member[hit]):
            m = names[mi]
            sel = hit[member[hit] == mi]
            a, w = self.words[m]
            w = w.copy()
            idx, vals = index[sel], words[sel]
            _, first_from_end = np.unique(idx[::-1], return_index=True)
            last = len(idx) - 1 - first_from_end          # program order: the last write of an address wins
            w[idx[last]] = vals[last]
            self.words[m] = (a, w)
            self.dirty.add(m)
