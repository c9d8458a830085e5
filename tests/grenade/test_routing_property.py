"""Random networks route or fail with RoutingError; routed ones decode (through an
independent model of the hardware event path) to exactly the requested connectivity."""
from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings, strategies as st

import grenade

from .reference import ChipView, effective_connectivity, expected_connectivity, recorded_labels
from .strategies import networks

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(network, routing, view):
    assert effective_connectivity(view, network, routing.external_labels) == expected_connectivity(network)
    rec = recorded_labels(view, network)
    table = {int(k): (int(routing.recorded_population[k]), int(routing.recorded_neuron[k]))
             for k in (routing.recorded_population >= 0).nonzero()[0]}
    assert rec == table


@SETTINGS
@given(networks())
def test_random_networks_route_to_requested_connectivity(network):
    try:
        routing = grenade.route(network)
    except grenade.RoutingError as err:
        assert str(err)
        event(f"RoutingError: {str(err).split(':')[0]}")
        return
    event("routed")
    _check(network, routing, ChipView.from_routing(routing))
    # and from the lola.Chip grenade writes to the hardware
    _check(network, routing, ChipView.from_lola(grenade.build_chip(network, routing)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_neurons=300, max_external=300, density=0.05))
def test_larger_random_networks(network):
    try:
        routing = grenade.route(network)
    except grenade.RoutingError as err:
        event(f"RoutingError: {str(err).split(':')[0]}")
        return
    event("routed")
    _check(network, routing, ChipView.from_routing(routing))


@settings(max_examples=10, deadline=None)
@given(networks(), st.integers(0, 2**16))
def test_routing_is_deterministic(network, _):
    try:
        a = grenade.route(network)
    except grenade.RoutingError:
        return
    b = grenade.route(network)
    assert (a.synapse_weights == b.synapse_weights).all() and (a.synapse_labels == b.synapse_labels).all()
    assert (a.crossbar_mask == b.crossbar_mask).all() and (a.driver_compare_mask == b.driver_compare_mask).all()
