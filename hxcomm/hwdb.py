"""Hardware database entries: what a connection says about the setup it reaches
(``connection.get_hwdb_entry()``), and what ``stadls.SystemInit(entry)`` builds its board
initialisation for.

``EmulatorEntry`` describes the emulated setup: one HX v3 chip (``chip_id`` fixes its
fixed-pattern mismatch) on an emulated Cube carrier board (xBoard: shift register, two DACs).
``SimulationEntry`` and ``ZeroMockEntry`` are the public entries of a simulation and of a
mock connection; ``SystemInit`` accepts them as the public stack does (a Cube board).  A
``SimConnection`` reports a ``SimulationEntry`` that says where the simulation runs and which
emulated setup it simulates.  Entries cross the wire as dicts (:func:`entry_to_dict`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, Optional

__all__ = ["EmulatorEntry", "SimulationEntry", "ZeroMockEntry", "HwdbEntry", "entry_to_dict",
           "entry_from_dict"]


@dataclass(frozen=True)
class EmulatorEntry:
    """The emulated setup behind an ``EmulatorConnection``: ``chip_id`` (the emulated chip's
    identity) and ``emulator_options`` (e.g. ``ideal``, ``noise``, ``dt``); the carrier board
    is a Cube xBoard (``board == "cube"``)."""

    chip_id: int = 0
    emulator_options: Dict[str, object] = field(default_factory=dict)
    board: str = "cube"

    def __hash__(self):
        return hash((self.chip_id, tuple(sorted(self.emulator_options.items())), self.board))


@dataclass(frozen=True)
class SimulationEntry:
    """A setup simulated elsewhere (public ``hxcomm.SimulationEntry``): a Cube board.

    Beyond the public entry (which has no fields): ``host`` and ``port`` of the simulation
    server and ``simulated``, the entry of the setup it simulates (an ``EmulatorEntry`` for
    ``python -m hxsim.serve``); all None when unknown."""

    host: Optional[str] = None
    port: Optional[int] = None
    simulated: Optional[EmulatorEntry] = None


@dataclass(frozen=True)
class ZeroMockEntry:
    """A mock setup that answers every read with zero (public ``hxcomm.ZeroMockEntry``): a
    Cube board."""


#: The entry types a connection may report (public ``hxcomm.HwdbEntry`` is their variant).
HwdbEntry = (EmulatorEntry, SimulationEntry, ZeroMockEntry)


_ENTRY_TYPES = {cls.__name__: cls for cls in HwdbEntry}


def entry_to_dict(entry) -> dict:
    """A JSON-able dict of an entry (``{"type": class name, ...fields}``)."""
    if not isinstance(entry, HwdbEntry):
        raise TypeError(f"not a hardware database entry: {entry!r}")
    d = asdict(entry)
    if isinstance(entry, SimulationEntry) and entry.simulated is not None:
        d["simulated"] = entry_to_dict(entry.simulated)
    d["type"] = type(entry).__name__
    return d


def entry_from_dict(d: dict):
    """Inverse of :func:`entry_to_dict`; ValueError for an unknown type or field."""
    d = dict(d)
    cls = _ENTRY_TYPES.get(d.pop("type", None))
    if cls is None:
        raise ValueError(f"unknown hardware database entry type in {d!r}; known: {sorted(_ENTRY_TYPES)}")
    if cls is SimulationEntry and d.get("simulated") is not None:
        d["simulated"] = entry_from_dict(d["simulated"])
    try:
        return cls(**d)
    except TypeError as err:
        raise ValueError(f"bad {cls.__name__} fields {sorted(d)}: {err}") from None
