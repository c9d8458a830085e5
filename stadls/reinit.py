"""``ReinitStackEntry``: programs the multi-client server replays for this client.

On a ``hxcomm.QuiggeldyConnection`` an entry holds programs that the server runs whenever
this client gets the chip back after others used it (so the client's configuration
survives them), and optionally snapshot programs whose reads the server turns into writes
when it takes the chip away (the client's state as it was then is restored).  On every other
connection the chip belongs to this process: ``set(..., enforce=True)`` runs the programs at
once and ``enforce=False`` has nothing to do (as the public stack does).
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from .program import PlaybackProgram

__all__ = ["ReinitStackEntry"]


def _programs(programs, what: str):
    if isinstance(programs, PlaybackProgram):
        programs = [programs]
    programs = list(programs)
    for p in programs:
        if not isinstance(p, PlaybackProgram):
            raise TypeError(f"ReinitStackEntry.set takes PlaybackPrograms as {what}, got {type(p).__name__}")
    return programs


def _words(programs) -> np.ndarray:
    from .run import _HALT
    return np.concatenate([p.words for p in programs] + [_HALT])


class ReinitStackEntry:
    """One entry of a connection's reinit stack (public ``stadls.ReinitStackEntry``).

    ``ReinitStackEntry(connection)`` pushes an empty entry; :meth:`set` gives it programs,
    :meth:`enforce` has the server replay the stack before the next program, :meth:`pop`
    (or leaving a ``with`` block) removes it.
    """

    def __init__(self, connection):
        self._connection = connection
        self._stack = getattr(connection, "reinit_stack", None) if getattr(connection, "supports_reinit", False) \
            else None
        self._index: Optional[int] = self._stack.push() if self._stack is not None else None

    def set(self, pbmem_requests: Union[PlaybackProgram, Sequence[PlaybackProgram]],
            pbmem_snapshots: Optional[Union[PlaybackProgram, Sequence[PlaybackProgram]]] = None,
            enforce: bool = True) -> None:
        """The programs of this entry: ``pbmem_requests`` run whenever the client gets the
        chip (and before the next program if ``enforce``); ``pbmem_snapshots`` (optional)
        run when the server takes the chip away, their omnibus reads becoming the writes
        replayed next time.  Without a server: the requests run now if ``enforce``.
        TypeError for anything but PlaybackPrograms; RuntimeError after :meth:`pop`."""
        requests = _programs(pbmem_requests, "requests")
        snapshots = None if pbmem_snapshots is None else _programs(pbmem_snapshots, "snapshots")
        if self._stack is None:
            if enforce:
                from .run import run
                run(self._connection, requests)
            return
        if self._index is None:
            raise RuntimeError("this reinit stack entry was popped")
        self._stack.set(self._index, _words(requests), None if snapshots is None else _words(snapshots),
                        bool(enforce))

    def enforce(self) -> None:
        """Have the server replay the reinit stack before the next program (nothing to do
        without a server)."""
        if self._stack is not None:
            self._stack.enforce()

    def pop(self) -> None:
        """Remove this entry (and those pushed after it) from the stack."""
        if self._stack is not None and self._index is not None:
            self._stack.pop(self._index)
            self._index = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not getattr(self._connection, "closed", True):
            self.pop()
        return False
