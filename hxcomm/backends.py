"""The registry of connection backends, and the choice among them by environment.

A backend is a name and a factory that makes a :class:`~hxcomm.connection.Connection`
(usually the connection class).  Backends register themselves: hxcomm's own transports
(``sim``, ``quiggeldy``, ``serial``, ``zeromock``) when this module loads, other packages
either by calling :func:`register_backend` when they are imported or through the package
entry-point group ``hxcomm.backends`` (``name = "module:attribute"``), which is how the
in-process emulator (``emulator``, in hxsim) is found without hxcomm importing it.

``HXCOMM_BACKEND`` names the backend ``ManagedConnection()`` uses.  Unset, the public
switches apply as on the public stack: ``HXCOMM_ENABLE_ZERO_MOCK=1`` gives ``zeromock``,
``QUIGGELDY_ENABLED=1`` gives ``quiggeldy``; otherwise the default, ``emulator``.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from .errors import ConnectionError  # noqa: A004 - the public name

__all__ = ["ENTRY_POINT_GROUP", "DEFAULT_BACKEND", "Backend", "register_backend", "backends", "backend",
           "backend_name_from_env", "connection_from_env"]

ENTRY_POINT_GROUP = "hxcomm.backends"
DEFAULT_BACKEND = "emulator"


@dataclass(frozen=True)
class Backend:
    """A registered backend: ``factory(**kwargs)`` makes a connection."""

    name: str
    factory: Callable
    description: str = ""


_registry: Dict[str, Backend] = {}
_lazy: Dict[str, object] = {}           # name -> entry point not loaded yet
_lock = threading.RLock()
_entry_points_read = False


def register_backend(name: str, factory: Callable, description: str = "") -> None:
    """Make ``factory`` selectable as ``HXCOMM_BACKEND=name``.  Registering the same factory
    again is harmless; a different one under a taken name raises ValueError."""
    name = name.strip().lower()
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"backend name {name!r} must be a non-empty word")
    with _lock:
        old = _registry.get(name)
        if old is not None and old.factory is not factory:
            raise ValueError(f"backend {name!r} is registered already ({old.factory!r})")
        _registry[name] = Backend(name, factory, description or (factory.__doc__ or "").strip().split("\n")[0])
        _lazy.pop(name, None)


def _read_entry_points() -> None:
    global _entry_points_read
    if _entry_points_read:
        return
    _entry_points_read = True
    try:
        from importlib.metadata import entry_points
        found = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:           # broken metadata: the explicitly registered backends only
        return
    for ep in found:
        if ep.name not in _registry:
            _lazy.setdefault(ep.name, ep)


def _load(name: str) -> Optional[Backend]:
    ep = _lazy.get(name)
    if ep is None:
        return _registry.get(name)
    try:
        factory = ep.load()         # importing the module usually registers it already
    except Exception as err:
        raise ConnectionError(f"backend {name!r} ({ep.value}) cannot be loaded: {err}") from err
    if name not in _registry:
        register_backend(name, factory)
    _lazy.pop(name, None)
    return _registry[name]


def backends() -> Dict[str, str]:
    """{name: description} of every backend (registered or announced by an entry point)."""
    with _lock:
        _read_entry_points()
        out = {n: b.description for n, b in _registry.items()}
        out.update({n: f"({ep.value})" for n, ep in _lazy.items() if n not in out})
        return dict(sorted(out.items()))


def backend(name: str) -> Callable:
    """The factory of backend ``name``.  ConnectionError naming the valid choices."""
    key = name.strip().lower()
    with _lock:
        found = _registry.get(key)
        if found is None:
            _read_entry_points()
            found = _load(key)
    if found is None:
        hint = ""
        if key == DEFAULT_BACKEND:
            hint = " (the emulator registers itself when the openhx package is installed: pip install -e .)"
        raise ConnectionError(f"HXCOMM_BACKEND={name!r} is unknown; valid: {sorted(backends())}{hint}")
    return found.factory


def backend_name_from_env() -> str:
    """The backend ``ManagedConnection()`` uses (see the module doc)."""
    name = os.environ.get("HXCOMM_BACKEND", "").strip().lower()
    if name:
        return name

    def flag(var):
        return os.environ.get(var, "").strip().lower() not in ("", "0", "false", "no", "off")
    if flag("HXCOMM_ENABLE_ZERO_MOCK"):
        return "zeromock"
    if flag("QUIGGELDY_ENABLED"):
        return "quiggeldy"
    return DEFAULT_BACKEND


def connection_from_env(**kwargs):
    """The connection of the backend the environment names (see the module doc); keyword
    arguments go to its factory.  ConnectionError for an unknown backend name."""
    return backend(backend_name_from_env())(**kwargs)


def _register_builtin() -> None:
    """hxcomm's own transports, imported when first used."""
    def lazy(module, attribute):
        def make(**kwargs):
            import importlib
            return getattr(importlib.import_module(module, __package__), attribute)(**kwargs)
        return make

    register_backend("sim", lazy(".sim", "SimConnection"),
                     "an emulator in another process over TCP (python -m hxsim.serve)")
    register_backend("quiggeldy", lazy(".quiggeldy.client", "QuiggeldyConnection"),
                     "the multi-client experiment server (python -m hxcomm.quiggeldy)")
    register_backend("serial", lazy(".serial", "SerialConnection"),
                     "a byte link through pyserial (HXCOMM_SERIAL_URL)")
    register_backend("zeromock", lazy(".zeromock", "ZeroMockConnection"),
                     "answers every read with 0 (public ZeroMockConnection)")


_register_builtin()
