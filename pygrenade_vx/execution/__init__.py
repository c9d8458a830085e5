"""``pygrenade_vx.execution``: running networks under the public name: ``run`` (=
``grenade.run``), ``Snippet``, ``ExecutionTimeInfo``.  The public JIT executor classes raise
NotImplementedError: grenade.run executes on an hxcomm connection directly."""
from grenade import ExecutionTimeInfo, Snippet, run  # noqa: F401

__all__ = ["ExecutionTimeInfo", "Snippet", "run"]

_EXECUTOR = ("grenade's JIT graph executor (the emulated stack runs networks with grenade.run on an hxcomm "
             "connection)")
NOT_EMULATED = {name: _EXECUTOR for name in ("JITGraphExecutor", "ManagedJITGraphExecutor",
                                               "JITGraphExecutorHandle", "ExecutionInstanceHooks")}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"pygrenade_vx.execution.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'pygrenade_vx.execution' has no attribute {name!r}")
