"""Public ``pynn_brainscales.brainscales2.utils.chip_plotter``: matplotlib views of how a network
is placed on the chip (neuron and synapse maps per population, population and neuron connection
matrices).

Not ported yet: the public module is some 1300 lines of plotting over the hardware placement.
``ChipPlotter(...)`` raises NotImplementedError naming where the same information is: the routing
of every execution, ``pynn.get_execution_instance_data()[i].routing`` (a ``grenade.RoutingResult``:
``label_groups``, ``placed_connections(projection)``, ``statistics``) and the neuron placement
``pynn.get_execution_instance_data()[i].results.network.placement``.
"""
from enum import Enum


class PlotTypes(Enum):
    """The public plot kinds."""

    CHIP_MAP = "chip_map"
    POP_MATRIX = "pop_matrix"
    NEURON_MATRIX = "neuron_matrix"


class ChipPlotter:
    """Public ``ChipPlotter(population_contrast_groups=None, ...)``: raises NotImplementedError (see
    the module doc for where the placement data are)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "pynn.utils.chip_plotter.ChipPlotter (plots of the network's placement on the chip) is not ported "
            "yet; the placement is in pynn.get_execution_instance_data()[i].routing (grenade.RoutingResult: "
            "label_groups, placed_connections(projection)) and .results.network.placement")
