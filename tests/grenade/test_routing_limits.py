"""Every routing limit: a network that hits it and the message it gets; networks just
inside the limits route and decode correctly."""
from __future__ import annotations

import numpy as np
import pytest

import halco
import grenade
from grenade import (BackgroundSourcePopulation, ExternalSourcePopulation, NetworkBuilder, Population, Projection,
                     RoutingError)

from .reference import ChipView, effective_connectivity, expected_connectivity


def atoms(columns, rows=(0,)):
    return [int(halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(c), halco.NeuronRowOnDLS(r)).toEnum())
            for r in rows for c in columns]


def all_to_one(n_pre, post_index=0, weight=1):
    return (np.arange(n_pre), np.full(n_pre, post_index), np.full(n_pre, weight))


def check_decodes(net):
    routing = grenade.route(net)
    assert effective_connectivity(ChipView.from_routing(routing), net, routing.external_labels) == \
        expected_connectivity(net)
    return routing


def test_indegree_above_256_rows():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(257))
    pop = b.add(Population(2))
    b.add(Projection("excitatory", src, pop, all_to_one(257)))
    with pytest.raises(RoutingError) as err:
        grenade.route(b.done())
    msg = str(err.value)
    assert "Neuron(s) with in-degree larger than the number of synapse rows exist" in msg
    assert "population 1 neuron 0" in msg and "needs 257 synapse rows" in msg
    assert "projection 0 (population 0 -> 1, excitatory)" in msg


def test_indegree_256_rows_fits():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(256))
    pop = b.add(Population(2))
    b.add(Projection("excitatory", src, pop, all_to_one(256)))
    routing = check_decodes(b.done())
    assert routing.statistics.synapse_rows == 256


def test_weight_splitting_counts_towards_indegree():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(129))
    pop = b.add(Population(1))
    b.add(Projection("inhibitory", src, pop, all_to_one(129, weight=100)))   # 2 synapses each: 258 rows
    with pytest.raises(RoutingError, match="in-degree larger than the number of synapse rows.*needs 258"):
        grenade.route(b.done())


def test_indegree_on_one_padi_bus_above_64():
    # a background generator reaches only its own bus: 128 sources -> one neuron = 128 rows on one bus
    b = NetworkBuilder()
    bg = b.add(BackgroundSourcePopulation(128, enable_random=True, placement=(0, 1)))
    pop = b.add(Population(1))
    b.add(Projection("excitatory", bg, pop, all_to_one(128)))
    with pytest.raises(RoutingError) as err:
        grenade.route(b.done())
    msg = str(err.value)
    assert "Neuron(s) with in-degree on a single PADI-bus larger than its number of synapse rows exist" in msg
    assert "population 1 neuron 0" in msg and "needs 128 synapse rows on PADI bus 1 of hemisphere 0" in msg


def test_neurons_of_one_event_output_share_a_bus():
    # event outputs 0 and 4 both arrive on PADI bus 0: 65 of their neurons -> one neuron
    b = NetworkBuilder()
    pre = b.add(Population(65, placement=atoms(range(32), (0, 1)) + atoms([128])))
    post = b.add(Population(1, placement=atoms([200])))
    b.add(Projection("excitatory", pre, post, all_to_one(65)))
    with pytest.raises(RoutingError, match="in-degree on a single PADI-bus .* population 1 neuron 0 .* 65 synapse "
                                           "rows on PADI bus 0 of hemisphere 0"):
        grenade.route(b.done())


def test_rows_per_padi_bus_above_64():
    b = NetworkBuilder()
    a = b.add(Population(64, placement=atoms(range(32), (0, 1))))       # event output 0 -> bus 0
    c = b.add(Population(1, placement=atoms([128])))                    # event output 4 -> bus 0
    t = b.add(Population(2, placement=atoms([200, 201])))
    b.add(Projection("excitatory", a, t, all_to_one(64)))               # 64 rows
    b.add(Projection("excitatory", c, t, ([0], [1], [5])))              # +1 row for another group
    with pytest.raises(RoutingError) as err:
        grenade.route(b.done())
    msg = str(err.value)
    assert "PADI-bus(ses) with required number of synapse rows larger than 64 exist" in msg
    assert "PADI bus 0 of hemisphere 0 needs 65 rows" in msg
    assert "neurons of event output 0 (population(s) [0]" in msg and "event output 4 (population(s) [1]" in msg


def test_drivers_per_bus_above_32():
    # 63 rows for one group (32 drivers) + 1 row for another (1 driver): 64 rows but 33 drivers
    b = NetworkBuilder()
    a = b.add(Population(63, placement=atoms(range(32), (0, 1))[:63]))
    c = b.add(Population(1, placement=atoms([128])))
    t = b.add(Population(2, placement=atoms([200, 201])))
    b.add(Projection("excitatory", a, t, all_to_one(63)))
    b.add(Projection("excitatory", c, t, ([0], [1], [5])))
    with pytest.raises(RoutingError, match=r"Source distribution not successful: PADI bus 0 of hemisphere 0 needs "
                                           r"33 synapse drivers, it has 32"):
        grenade.route(b.done())


def test_label_groups_hold_at_most_64_sources():
    def net(n):
        b = NetworkBuilder()
        src = b.add(ExternalSourcePopulation(n))
        pop = b.add(Population(n))
        b.add(Projection("excitatory", src, pop, (np.arange(n), np.arange(n), np.full(n, 7))))
        return b.done()

    assert check_decodes(net(64)).statistics.label_groups == 1
    routing = check_decodes(net(65))
    assert routing.statistics.label_groups == 2
    assert sorted(g.sources for g in routing.label_groups) == [1, 64]


def test_too_many_label_groups_for_the_drivers():
    # one-to-one inputs need one row per group; 4 buses x 32 drivers x 64 sources = 8192 fit a hemisphere
    n = 8192 + 1
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(n))
    pop = b.add(Population(256))
    b.add(Projection("excitatory", src, pop, (np.arange(n), np.arange(n) % 256, np.ones(n, int))))
    with pytest.raises(RoutingError) as err:
        grenade.route(b.done())
    msg = str(err.value)
    assert "Source distribution not successful: external population 0 neuron 8192 fits on no PADI bus of " \
           "hemisphere 0" in msg
    assert "label groups of at most 64 sources" in msg and "[32, 32, 32, 32] drivers" in msg


def test_driver_allocation_cannot_separate_groups():
    # event outputs 0 and 4 share bus 0 with codes 4e + r: the first group can use at most 28 drivers
    b = NetworkBuilder()
    a = b.add(Population(60, placement=atoms(range(32), (0, 1))[:60]))
    c = b.add(Population(1, placement=atoms([128])))
    t = b.add(Population(2, placement=atoms([200, 201])))
    b.add(Projection("excitatory", a, t, all_to_one(60)))                 # 60 rows: 30 drivers
    b.add(Projection("excitatory", c, t, ([0], [1], [5])))                # 1 row: 1 driver
    with pytest.raises(RoutingError, match="Synapse driver allocations not successful on PADI bus 0"):
        grenade.route(b.done())


def test_background_sources_reach_only_their_bus():
    b = NetworkBuilder()
    bg = b.add(BackgroundSourcePopulation(1, placement=(1, 3)))
    pop = b.add(Population(1))
    b.add(Projection("excitatory", bg, pop, ([0], [0], [3])))
    with pytest.raises(RoutingError, match=r"BackgroundSourcePopulation 0 is placed on hemisphere\(s\) \[1\] but "
                                           r"projection 0 .* targets neurons on hemisphere 0"):
        grenade.route(b.done())


def test_on_chip_sources_use_their_fixed_bus_and_label_bits():
    b = NetworkBuilder()
    pop = b.add(Population(512))
    rng = np.random.default_rng(3)
    pre, post = np.nonzero(rng.random((512, 512)) < 0.02)
    b.add(Projection("excitatory", pop, pop, (pre, post, rng.integers(1, 64, len(pre)))))
    net = b.done()
    routing = check_decodes(net)
    for g in routing.label_groups:
        assert g.kind == "neurons"
        e = int(g.description.split("event output ")[1].split(" ")[0])
        assert g.bus == e % 4 and g.code >> 2 == e       # row select bits 10..8 = event output
        assert all(d % 4 == g.bus for d in g.drivers)
    assert routing.crossbar_mask.shape == (76,)


def test_background_population_larger_than_64_uses_linked_codes():
    b = NetworkBuilder()
    bg = b.add(BackgroundSourcePopulation(256, enable_random=True, placement=(0, 2)))
    pop = b.add(Population(64))
    b.add(Projection("excitatory", bg, pop, (np.arange(256), np.arange(256) % 64, np.full(256, 3))))
    routing = check_decodes(b.done())
    codes = sorted(g.code for g in routing.label_groups)
    assert len(codes) == 4 and codes[0] % 4 == 0 and codes == list(range(codes[0], codes[0] + 4))
    assert routing.background_mask[2] == 255 and routing.background_neuron_label[2] == codes[0] << 6


def test_weight_split_full_63s_then_remainder():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(2))
    proj = b.add(Projection("excitatory", src, pop, [(0, 0, 123), (1, 1, 5)], max_weight=189))
    routing = check_decodes(b.done())
    placed = grenade.get_placed_connections(routing, proj)
    assert [c.weight for c in placed[0]] == [63, 60, 0]
    assert [c.weight for c in placed[1]] == [5, 0, 0]
    assert all(isinstance(c.synapse_row, halco.SynapseRowOnDLS) for c in placed[0])
    assert all(c.synapse_on_row == halco.SynapseOnSynapseRow(0) for c in placed[0])
    assert len({c.synapse_row for c in placed[0]}) == 3
    arr = routing.placed_connections(proj)
    assert arr["weight"].tolist() == [63, 60, 0, 5, 0, 0] and arr["connection"].tolist() == [0, 0, 0, 1, 1, 1]
