"""``pygrenade_vx.common``: :mod:`grenade.common` (``ChipOnConnection``, ``Time``) under the
public name."""
from grenade.common import *  # noqa: F401,F403
from grenade.common import __all__  # noqa: F401

NOT_EMULATED = {name: "grenade's C++ topology and multi-index API (the emulated stack keys executions by "
                      "connection and populations by index)"
                for name in ("ExecutionInstanceOnExecutor", "ConnectionOnExecutor", "MultiIndex",
                             "MultiIndexSequence", "CuboidMultiIndexSequence", "ListMultiIndexSequence",
                             "Topology", "LinkedTopology", "PortData", "TimeDomainOnTopology", "TimedData")}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"pygrenade_vx.common.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'pygrenade_vx.common' has no attribute {name!r}")
