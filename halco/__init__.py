"""halco: typed, range-checked coordinates of the BrainScaleS-2 HX (v3) chip.

Names and conversions follow the public pyhalco API (``pyhalco_hicann_dls_vx_v3``
as re-exported by ``dlens_vx_v3.halco``), flat in one namespace::

    import halco
    n = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(3), halco.NeuronRowOnDLS(1))
    n.toNeuronConfigOnDLS(), n.toCapMemBlockOnDLS()
    for syn in halco.iter_all(halco.SynapseDriverOnDLS): ...

See docs/halco.md for the concepts, the conversion graph and the choices made.
"""
from __future__ import annotations

from . import _base
from ._base import *  # noqa: F401,F403
from .chip import *  # noqa: F401,F403
from .synram import *  # noqa: F401,F403
from .synapse import *  # noqa: F401,F403
from .neuron import *  # noqa: F401,F403
from .correlation import *  # noqa: F401,F403
from .padi import *  # noqa: F401,F403
from .synapse_driver import *  # noqa: F401,F403
from .routing_crossbar import *  # noqa: F401,F403
from .event import *  # noqa: F401,F403
from .background import *  # noqa: F401,F403
from .capmem import *  # noqa: F401,F403
from .cadc import *  # noqa: F401,F403
from .madc import *  # noqa: F401,F403
from .readout import *  # noqa: F401,F403
from .ppu import *  # noqa: F401,F403
from .timing import *  # noqa: F401,F403
from .fpga import *  # noqa: F401,F403
from .bringup import *  # noqa: F401,F403
from .hemisphere import *  # noqa: F401,F403
from .board import *  # noqa: F401,F403
from . import (background, board, bringup, cadc, capmem, chip, common, correlation, event, fpga,  # noqa: F401
               hemisphere, madc, neuron, padi, ppu, readout, routing_crossbar, synapse, synapse_driver,
               synram, timing)


def _finish():
    # conversions added after a mixin was created (hemisphere links, same-enum
    # links) also become available on the mixins built on that type
    for cls in _base._REGISTRY.values():
        if issubclass(cls, _base.Mixin) and not cls._abstract:
            _base._add_delegates(cls)


_finish()
del _finish

__all__ = sorted(name for name, obj in globals().items()
                 if not name.startswith("_") and (
                     (isinstance(obj, type) and issubclass(obj, (_base.Coordinate, _base.Enum)))
                     or name in _base.__all__ or name == "HEMISPHERE_COORDINATES"))
