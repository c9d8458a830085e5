"""``pygrenade_vx``: the public name of grenade, the network-graph layer.

Everything of :mod:`grenade` under the public name, with the public sub-structure that scripts
reach into: ``pygrenade_vx.common`` (``ChipOnConnection``, ``Time``), ``pygrenade_vx.network``
(networks, populations, projections, routing) and ``pygrenade_vx.execution`` (running them).
They are grenade's own modules and names; nothing is copied.  Public names of grenade's C++
graph API that the emulated stack does not have raise NotImplementedError naming them.
"""
import pylogging as logger  # noqa: F401  (as the public package)
from grenade import *  # noqa: F401,F403
from grenade import __all__ as _grenade_all

from . import common, execution, network  # noqa: F401

__all__ = list(_grenade_all) + ["common", "execution", "network", "logger"]

_GRAPH = "grenade's C++ signal-flow graph API (the emulated stack maps networks in grenade.routing and grenade.chip)"
NOT_EMULATED = {"signal_flow": _GRAPH, "ExecutionInstanceOnExecutor": _GRAPH}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"pygrenade_vx.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'pygrenade_vx' has no attribute {name!r}")
