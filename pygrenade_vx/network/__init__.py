"""``pygrenade_vx.network``: grenade's network description and routing under the public name:
``NetworkBuilder``, ``Network``, ``Population``, ``ExternalSourcePopulation``,
``BackgroundSourcePopulation``, ``Projection``, ``Receptor``, ``MADCRecording``,
``CADCRecording``, ``InputGenerator``, ``RoutingResult`` and ``build_routing`` (=
``grenade.route``).  Public names of grenade's abstract network API raise NotImplementedError."""
from grenade import (BackgroundSourcePopulation, CADCRecording, ExternalSourcePopulation,  # noqa: F401
                     InputGenerator, MADCRecording, Network, NetworkBuilder, Population, Projection, Receptor,
                     RoutingResult, route as build_routing)
from grenade.network import NetworkError  # noqa: F401

__all__ = ["BackgroundSourcePopulation", "CADCRecording", "ExternalSourcePopulation", "InputGenerator",
           "MADCRecording", "Network", "NetworkBuilder", "NetworkError", "Population", "Projection", "Receptor",
           "RoutingResult", "build_routing"]

_ABSTRACT = "grenade's abstract (multi-compartment, plasticity) network API"
NOT_EMULATED = {
    "abstract": _ABSTRACT, "routing": "grenade's router classes (the emulated stack routes with grenade.route)",
    "PlasticityRule": "plasticity rules on the PPUs (the emulated PPUs run no programs)",
    "PadRecording": "recording to the analog pads",
    "build_network_graph": "grenade's C++ signal-flow graph", "NetworkGraph": "grenade's C++ signal-flow graph",
    "extract_neuron_spikes": "grenade's C++ result extraction (use grenade.Results)",
    "extract_madc_samples": "grenade's C++ result extraction (use grenade.Results)",
    "extract_cadc_samples": "grenade's C++ result extraction (use grenade.Results)",
    "extract_statistics": "grenade's mapping statistics (use RoutingResult.statistics)",
    "MappedTopologyStatistics": "grenade's mapping statistics (use RoutingResult.statistics)",
}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"pygrenade_vx.network.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'pygrenade_vx.network' has no attribute {name!r}")
