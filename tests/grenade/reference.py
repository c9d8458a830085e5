"""Independent reference decoder: chip configuration -> effective connectivity.

It follows the hardware event path rules (reference lower-stack 8.2) on the
*configured chip*, knowing nothing about how the router reached it:

    source label -> crossbar nodes ((label & mask) == target) -> PADI bus
    -> drivers taking the row select under their compare mask -> their two rows
    with the row mode -> synapses whose 6-bit label equals the event address
    -> the neuron of the synapse's column, if its synaptic-input switch is on.

Input is a :class:`ChipView` (plain arrays), built either from a ``lola.Chip``
(``ChipView.from_lola``) or from a routing result's chip-level arrays
(``ChipView.from_routing``).  The only network-level facts used are which
circuits a population's neurons sit on, which background generators a
background population owns (its placement) and the labels the host sends
for external neurons (what the input generator injects).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

import halco
import haldls

import grenade

_MODES = {int(haldls.RowMode.disabled): (), int(haldls.RowMode.excitatory): ("excitatory",),
          int(haldls.RowMode.inhibitory): ("inhibitory",),
          int(haldls.RowMode.excitatory_and_inhibitory): ("excitatory", "inhibitory")}


def crossbar_nodes() -> List[Tuple[int, int]]:
    """(input, output) of the 76 nodes in CrossbarNodeOnDLS enum order."""
    return [(n.toCrossbarInputOnDLS().value(), n.toCrossbarOutputOnDLS().value())
            for n in halco.iter_all(halco.CrossbarNodeOnDLS)]


@dataclass
class ChipView:
    """The routing-relevant configuration of a chip as plain arrays."""

    address_out: np.ndarray        # (512,)
    spike_out: np.ndarray          # (512,) bool
    node_mask: np.ndarray          # (76,)
    node_target: np.ndarray        # (76,)
    driver_receiver: np.ndarray    # (2, 128) bool
    driver_mask: np.ndarray        # (2, 128)
    row_mode: np.ndarray           # (2, 256): mode of row r (top row of driver i = 2i, bottom = 2i + 1)
    weights: np.ndarray            # (2, 256, 256)
    labels: np.ndarray             # (2, 256, 256)
    current_exc: np.ndarray        # (2, 256) bool: column -> neuron excitatory input switch
    current_inh: np.ndarray        # (2, 256) bool
    bg_enable: np.ndarray          # (8,) bool
    bg_label: np.ndarray           # (8,)
    bg_mask: np.ndarray            # (8,)

    @classmethod
    def from_routing(cls, r) -> "ChipView":
        return cls(r.neuron_address_out, r.neuron_spike_out, r.crossbar_mask, r.crossbar_target, r.driver_enable,
                   r.driver_compare_mask, r.row_modes, r.synapse_weights, r.synapse_labels,
                   r.neuron_receptors[0], r.neuron_receptors[1], r.background_enable,
                   r.background_neuron_label, r.background_mask)

    @classmethod
    def from_lola(cls, chip) -> "ChipView":
        """Read everything from a ``lola.Chip`` through its public containers."""
        neurons = chip.neuron_block.atomic_neurons
        address = np.asarray(neurons.get_field("event_routing.address"))
        spike_out = np.asarray(neurons.get_field("event_routing.enable_digital")).astype(bool)
        nodes = list(halco.iter_all(halco.CrossbarNodeOnDLS))
        mask = np.array([chip.crossbar.nodes[n].mask for n in nodes])
        target = np.array([chip.crossbar.nodes[n].target for n in nodes])
        recv = np.zeros((2, 128), bool)
        dmask = np.zeros((2, 128), int)
        modes = np.zeros((2, 256), int)
        for h in range(2):
            block = chip.synapse_driver_blocks[h]
            for i in range(128):
                d = block.synapse_drivers[halco.SynapseDriverOnSynapseDriverBlock(i)]
                recv[h, i] = d.enable_receiver
                dmask[h, i] = d.row_address_compare_mask
                top, bottom = halco.SynapseDriverOnSynapseDriverBlock(i).toSynapseRowOnSynram()
                modes[h, top.value()] = int(d.row_mode_top)
                modes[h, bottom.value()] = int(d.row_mode_bottom)
        weights = np.stack([np.asarray(chip.synapse_blocks[h].matrix.weights) for h in range(2)])
        labels = np.stack([np.asarray(chip.synapse_blocks[h].matrix.labels) for h in range(2)])
        rows = chip.neuron_block.current_rows
        exc = np.stack([np.asarray(rows[h].enable_synaptic_current_excitatory) for h in range(2)])
        inh = np.stack([np.asarray(rows[h].enable_synaptic_current_inhibitory) for h in range(2)])
        bg = [chip.background_spike_sources[i] for i in range(8)]
        return cls(address, spike_out, mask, target, recv, dmask, modes, weights, labels, exc, inh,
                   np.array([s.enable for s in bg]), np.array([s.neuron_label for s in bg]),
                   np.array([s.mask for s in bg]))


def source_events(view: ChipView, network, routing_external_labels) -> Dict[Tuple[int, int], List[Tuple[int, int]]]:
    """(population, neuron) -> list of (crossbar input, 14-bit label) it emits."""
    out: Dict[Tuple[int, int], List[Tuple[int, int]]] = defaultdict(list)
    for p, pop in enumerate(network.populations):
        if isinstance(pop, grenade.Population):
            for i, a in enumerate(network.placement[p]):
                a = int(a)
                if view.spike_out[a]:
                    e = (a % 256) // 32
                    out[(p, i)].append((e, (e << 8) | int(view.address_out[a])))
        elif isinstance(pop, grenade.ExternalSourcePopulation):
            idx, labels = routing_external_labels.get(p, (np.zeros(0, int), np.zeros(0, int)))
            for i, lab in zip(idx.tolist(), labels.tolist()):
                out[(p, i)].append((8 + (lab >> 14), lab & 0x3fff))
        else:
            for h, b in network.background_placement[p]:
                k = 4 * h + b
                if not view.bg_enable[k]:
                    continue
                m = int(view.bg_mask[k])
                for i in range(pop.size):
                    # generator neuron i: the random label bits under the mask take the value i
                    lab = (int(view.bg_label[k]) & ~m) | (i & m)
                    out[(p, i)].append((12 + k, lab & 0x3fff))
    return out


def effective_connectivity(view: ChipView, network, external_labels) -> Dict[tuple, int]:
    """(pre population, pre index, post population, post index, post compartment, receptor name)
    -> summed weight of every synapse an event of the pre neuron reaches (zero sums omitted); a
    synapse belongs to the compartment whose circuit sits in its column."""
    nodes = crossbar_nodes()
    by_input = defaultdict(list)
    for k, (i, o) in enumerate(nodes):
        by_input[i].append((o, int(view.node_mask[k]), int(view.node_target[k])))
    atom_owner = {}
    for p, pop in enumerate(network.populations):
        if isinstance(pop, grenade.Population):
            for c, circuits in enumerate(network.compartment_placement[p]):
                for i, row in enumerate(circuits):
                    for a in row:
                        atom_owner[int(a)] = (p, i, c)
    result: Dict[tuple, int] = defaultdict(int)
    for (p, i), events in source_events(view, network, external_labels).items():
        for inp, label in events:
            for out, mask, target in by_input[inp]:
                if (label & mask) != target or out >= 8:
                    continue
                h, bus = out // 4, out % 4
                rs, addr = (label >> 6) & 31, label & 63
                for d in range(32):
                    drv = 4 * d + bus
                    if not view.driver_receiver[h, drv] or ((rs ^ d) & int(view.driver_mask[h, drv])) != 0:
                        continue
                    for row in (2 * drv, 2 * drv + 1):
                        for receptor in _MODES[int(view.row_mode[h, row])]:
                            cols = np.flatnonzero(view.labels[h, row] == addr)
                            switch = view.current_exc if receptor == "excitatory" else view.current_inh
                            for c in cols:
                                w = int(view.weights[h, row, c])
                                if w == 0 or not switch[h, c]:
                                    continue
                                atom = h * 256 + int(c)
                                if atom not in atom_owner:
                                    raise AssertionError(f"event of {(p, i)} reaches unused neuron {atom}")
                                q, j, c_ = atom_owner[atom]
                                result[(p, i, q, j, c_, receptor)] += w
    return {k: v for k, v in result.items() if v}


def expected_connectivity(network) -> Dict[tuple, int]:
    out: Dict[tuple, int] = defaultdict(int)
    for proj in network.projections:
        for a, b, c, w in zip(proj.pre_indices.tolist(), proj.post_indices.tolist(),
                              proj.post_compartments.tolist(), proj.weights.tolist()):
            out[(proj.pre.index, a, proj.post.index, b, c, proj.receptor.name)] += w
    return {k: v for k, v in out.items() if v}


def recorded_labels(view: ChipView, network) -> Dict[int, Tuple[int, int]]:
    """Host label (L2 output << 14 | label) -> (population, neuron) of every recorded neuron's
    events that reach an L2 output; raises if two recorded neurons share a host label."""
    nodes = crossbar_nodes()
    out: Dict[int, Tuple[int, int]] = {}
    for p, pop in enumerate(network.populations):
        if not isinstance(pop, grenade.Population):
            continue
        for i, a in enumerate(network.placement[p]):
            if not pop.record_spikes[i]:
                continue
            a = int(a)
            assert view.spike_out[a], f"recorded neuron {(p, i)} has its spike output off"
            e = (a % 256) // 32
            label = (e << 8) | int(view.address_out[a])
            reached = [o for k, (inp, o) in enumerate(nodes)
                       if inp == e and o >= 8 and (label & int(view.node_mask[k])) == int(view.node_target[k])]
            assert reached, f"recorded neuron {(p, i)} reaches no L2 output"
            for o in reached:
                host = ((o - 8) << 14) | label
                assert host not in out, f"recorded neurons {out[host]} and {(p, i)} share host label {host:#x}"
                out[host] = (p, i)
    return out
