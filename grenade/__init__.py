"""grenade: network graph -> placement & routing -> chip configuration + program -> results.

::

    import grenade, hxcomm
    b = grenade.NetworkBuilder()
    inp = b.add(grenade.ExternalSourcePopulation(1))
    pop = b.add(grenade.Population(1))
    b.add(grenade.Projection(grenade.Receptor.excitatory, inp, pop, [(0, 0, 63)]))
    network = b.done()
    routing = grenade.route(network)

See docs/grenade.md.
"""
from .network import (BackgroundSourcePopulation, CADCRecording, DuplicateConnectionError,  # noqa: F401
                      ExternalSourcePopulation, IndexOutOfRangeError, MADCRecording, MADCSource, Network,
                      NetworkBuilder, NetworkError, PlacementError, Population, PopulationDescriptor, Projection,
                      ProjectionDescriptor, Receptor, RecordingDescriptor, RecordingError, ReceptorError, STP,
                      madc_groups)
from . import common  # noqa: F401
from .inputs import InputData, InputGenerator  # noqa: F401
from .chip import build_chip  # noqa: F401
from .execution import JITGraphExecutor, Snippet, believed_chip, executor_for, forget, run  # noqa: F401
from .results import ExecutionTimeInfo, Results  # noqa: F401
from .timed_writes import TimedWrites  # noqa: F401
from .plasticity import PlasticityRule  # noqa: F401
from .routing import (LabelGroup, PlacedConnection, RoutingError, RoutingResult, RoutingStatistics,  # noqa: F401
                      get_placed_connections, requires_routing, route, update_routing)

__all__ = [
    "BackgroundSourcePopulation", "ExecutionTimeInfo", "InputData", "InputGenerator", "Results", "Snippet",
    "JITGraphExecutor", "believed_chip", "build_chip", "executor_for", "forget", "run", "CADCRecording", "DuplicateConnectionError", "ExternalSourcePopulation",
    "IndexOutOfRangeError", "LabelGroup", "MADCRecording", "MADCSource", "Network", "NetworkBuilder",
    "NetworkError", "PlacedConnection", "PlacementError", "Population", "PopulationDescriptor", "Projection",
    "ProjectionDescriptor", "Receptor", "RecordingDescriptor", "RecordingError", "ReceptorError", "RoutingError",
    "RoutingResult", "RoutingStatistics", "STP", "PlasticityRule", "TimedWrites", "get_placed_connections", "requires_routing", "route",
    "update_routing", "madc_groups",
]
