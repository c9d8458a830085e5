"""Standard models of the backend, in the public layout: ``standardmodels.cells``
(cell types), ``standardmodels.cells_base`` (their bases) and ``standardmodels.synapses``
(synapse types)."""
from . import cells, cells_base, synapses  # noqa: F401
from .cells import *  # noqa: F401,F403
from .cells_base import CalibNeuronBase, ExternalNeuron, NeuronCellType  # noqa: F401
from .synapses import *  # noqa: F401,F403
