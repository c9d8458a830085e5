"""JSON-able (de)serialisation of calix targets and options (dataclasses).

``to_jsonable(obj)`` turns dataclasses, numpy arrays, tuples and enums into
plain JSON data tagged with their type; ``from_jsonable`` rebuilds them from
the registry of calix classes. No pickle is involved, so a cached result or a
calibration file can be read by anyone (and is safe to load).
"""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from typing import Dict, Type

import numpy as np

__all__ = ["register", "to_jsonable", "from_jsonable", "canonical_json", "digest"]

_REGISTRY: Dict[str, Type] = {}


def register(cls):
    """Class decorator: make ``cls`` (a dataclass or enum) restorable by name."""
    _REGISTRY[cls.__name__] = cls
    return cls


def to_jsonable(obj):
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"__type__": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.metadata.get("serialise", True):
                out[f.name] = to_jsonable(getattr(obj, f.name))
        return out
    if isinstance(obj, enum.Enum):
        return {"__enum__": type(obj).__name__, "name": obj.name}
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": obj.tolist(), "dtype": str(obj.dtype), "shape": list(obj.shape)}
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, tuple):
        return {"__tuple__": [to_jsonable(v) for v in obj]}
    if isinstance(obj, list):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot serialise {type(obj).__name__} ({obj!r})")


def from_jsonable(data):
    if isinstance(data, list):
        return [from_jsonable(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__ndarray__" in data:
        return np.asarray(data["__ndarray__"], dtype=data["dtype"]).reshape(data["shape"])
    if "__tuple__" in data:
        return tuple(from_jsonable(v) for v in data["__tuple__"])
    if "__enum__" in data:
        return _lookup(data["__enum__"])[data["name"]]
    if "__type__" in data:
        cls = _lookup(data["__type__"])
        kwargs = {k: from_jsonable(v) for k, v in data.items() if k != "__type__"}
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = set(kwargs) - names
        if unknown:
            raise ValueError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
        return cls(**kwargs)
    return {k: from_jsonable(v) for k, v in data.items()}


def _lookup(name):
    # the classes register when their package is imported; ``import calix`` imports them all
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown calix type {name!r} in serialised data") from None


def canonical_json(obj) -> str:
    """A stable JSON string (sorted keys, no whitespace) of ``obj``."""
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"))


def digest(*parts) -> str:
    """sha256 over the canonical JSON of ``parts``."""
    h = hashlib.sha256()
    for p in parts:
        h.update(canonical_json(p).encode())
        h.update(b"\x00")
    return h.hexdigest()
