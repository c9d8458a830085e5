"""Hardware database entries: what a connection says about the setup it reaches
(``connection.get_hwdb_entry()``), and what ``stadls.SystemInit(entry)`` builds its board
initialisation for.

``EmulatorEntry`` describes the emulated setup: one HX v3 chip (``chip_id`` fixes its
fixed-pattern mismatch) on an emulated Cube carrier board (xBoard: shift register, two DACs).
``SimulationEntry`` and ``ZeroMockEntry`` are the public entries of a simulation and of a
mock connection; ``SystemInit`` accepts them as the public stack does (a Cube board).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict

__all__ = ["EmulatorEntry", "SimulationEntry", "ZeroMockEntry", "HwdbEntry"]


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
    """A setup simulated elsewhere (public ``hxcomm.SimulationEntry``): a Cube board."""


@dataclass(frozen=True)
class ZeroMockEntry:
    """A mock setup that answers every read with zero (public ``hxcomm.ZeroMockEntry``): a
    Cube board."""


#: The entry types a connection may report (public ``hxcomm.HwdbEntry`` is their variant).
HwdbEntry = (EmulatorEntry, SimulationEntry, ZeroMockEntry)
