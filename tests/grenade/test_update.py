"""Weight/parameter-only changes keep the routing; requires_routing detects the rest."""
from __future__ import annotations

import pytest

import lola
import grenade
from grenade import ExternalSourcePopulation, NetworkBuilder, Population, Projection

from .reference import ChipView, effective_connectivity, expected_connectivity


def make(weights=(10, 20, 30), record=True, receptor="excitatory", config=None, pairs=((0, 0), (1, 1), (0, 2))):
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(3, record_spikes=record, config=config))
    pre, post = zip(*pairs)
    proj = b.add(Projection(receptor, src, pop, (list(pre), list(post), list(weights))))
    return b.done(), pop, proj


def test_weight_change_within_reserved_synapses_does_not_reroute():
    net, pop, proj = make()
    assert not grenade.requires_routing(net, net.with_weights(proj, [63, 0, 1]))
    assert grenade.requires_routing(net, net.with_weights(proj, [64, 0, 1]))     # needs a second synapse
    net2, *_ = make(weights=(100, 20, 30))                                      # 2 synapses reserved
    assert not grenade.requires_routing(net2, net2.with_weights(proj, [126, 0, 126]))


def test_structure_changes_require_routing():
    net, pop, proj = make()
    assert grenade.requires_routing(net, make(pairs=((0, 0), (1, 1), (1, 2)))[0])
    assert grenade.requires_routing(net, make(receptor="inhibitory")[0])
    assert grenade.requires_routing(net, make(record=False)[0])
    neuron = lola.AtomicNeuron()
    neuron.leak.v_leak = 650
    assert not grenade.requires_routing(net, make(config=neuron)[0])


def test_update_routing_in_place_matches_new_weights():
    net, pop, proj = make(weights=(100, 20, 30))
    routing = grenade.route(net)
    net2 = net.with_weights(proj, [5, 126, 0])
    updated = grenade.update_routing(routing, net2)
    assert updated.network is net2 and updated.label_groups == routing.label_groups
    assert (updated.synapse_labels == routing.synapse_labels).all()
    assert effective_connectivity(ChipView.from_routing(updated), net2, updated.external_labels) == \
        expected_connectivity(net2)
    placed = grenade.get_placed_connections(updated, proj)
    assert [c.weight for c in placed[1]] == [63, 63]
    with pytest.raises(ValueError, match="call grenade.route"):
        grenade.update_routing(routing, make(pairs=((0, 0), (1, 1), (1, 2)))[0])
    # a network with the same structure built anew also updates in place
    again, *_ = make(weights=(1, 2, 3))
    assert not grenade.requires_routing(net, again)
