"""A builder that records (coordinate, container) pairs instead of words.

The dump is the configuration log of an experiment: it can be inspected,
squashed (latest write per coordinate), serialised and turned back into a
real builder.
"""
from __future__ import annotations

from typing import List, Tuple

import halco
import haldls

from .builder import PlaybackProgramBuilder


class BlockUntil:
    """A recorded ``block_until(coord, condition)``."""

    __slots__ = ("coordinate", "condition")

    def __init__(self, coordinate, condition):
        self.coordinate, self.condition = coordinate, condition

    def __eq__(self, other):
        return type(other) is BlockUntil and (other.coordinate, other.condition) == (self.coordinate, self.condition)

    def __repr__(self):
        return f"BlockUntil({self.coordinate!r}, {self.condition!r})"


class Read:
    """A recorded ``read(coord)``."""

    __slots__ = ("coordinate",)

    def __init__(self, coordinate):
        self.coordinate = coordinate

    def __eq__(self, other):
        return type(other) is Read and other.coordinate == self.coordinate

    def __repr__(self):
        return f"Read({self.coordinate!r})"


class DumperDone:
    """The ordered log of a dumper: (coordinate, container) pairs,
    ``BlockUntil`` and ``Read`` entries."""

    def __init__(self, values: List):
        self.values = list(values)

    def __iter__(self):
        return iter(self.values)

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]

    def __eq__(self, other):
        return isinstance(other, DumperDone) and self.values == other.values

    def __repr__(self):
        return f"DumperDone({len(self.values)} entries)"

    def remove_block_until(self) -> "DumperDone":
        """Copy without the BlockUntil entries."""
        return DumperDone([v for v in self.values if not isinstance(v, BlockUntil)])

    def squash(self) -> "DumperDone":
        """Copy keeping only the last write per coordinate (in first-write order);
        reads and waits are dropped."""
        latest = {}
        for v in self.values:
            if isinstance(v, tuple):
                latest.pop(v[0], None)
                latest[v[0]] = v[1]
        return DumperDone(list(latest.items()))

    def to_dict(self) -> dict:
        """JSON-able form: coordinates and containers as their dicts."""
        out = []
        for v in self.values:
            if isinstance(v, BlockUntil):
                cond = v.condition
                cond = cond.to_dict() if hasattr(cond, "to_dict") else {"type": "Timer.Value", "value": int(cond)}
                out.append({"block_until": v.coordinate.to_dict(), "condition": cond})
            elif isinstance(v, Read):
                out.append({"read": v.coordinate.to_dict()})
            else:
                out.append({"write": v[0].to_dict(), "container": v[1].to_dict()})
        return {"type": "DumperDone", "values": out}

    @classmethod
    def from_dict(cls, d: dict) -> "DumperDone":
        values = []
        for e in d["values"]:
            if "block_until" in e:
                c = e["condition"]
                cond = haldls.Timer.Value(c["value"]) if c["type"] == "Timer.Value" else haldls.from_dict(c)
                values.append(BlockUntil(halco.from_dict(e["block_until"]), cond))
            elif "read" in e:
                values.append(Read(halco.from_dict(e["read"])))
            else:
                values.append((halco.from_dict(e["write"]), haldls.from_dict(e["container"])))
        return cls(values)


class PlaybackProgramBuilderDumper:
    """Same interface as PlaybackProgramBuilder; ``done()`` returns a DumperDone."""

    def __init__(self):
        self._values: List = []

    def write(self, coord, container, config_reference=None, backend=None) -> None:
        self._values.append((coord, container.copy() if hasattr(container, "copy") else container))

    def read(self, coord, backend=None):
        self._values.append(Read(coord))

    def block_until(self, coord, condition) -> None:
        self._values.append(BlockUntil(coord, condition))

    def merge_back(self, other: "PlaybackProgramBuilderDumper") -> None:
        self._values.extend(other._values)
        other._values = []

    def copy_back(self, other: "PlaybackProgramBuilderDumper") -> None:
        self._values.extend(other._values)

    def empty(self) -> bool:
        return not self._values

    def done(self) -> DumperDone:
        d = DumperDone(self._values)
        self._values = []
        return d


def convert_to_chip(dump, previous=None):
    """The ``lola.Chip`` that the writes of ``dump`` (a ``DumperDone``) leave on a chip that held
    ``previous`` (default: ``lola.Chip()``): every written word at an address of the chip's
    configuration takes the dumped value, in order.  Writes of anything that is not part of a
    Chip (timer, spikes, triggers, board) are skipped, as are reads and waits."""
    import numpy as np
    import lola

    if not isinstance(dump, DumperDone):
        raise TypeError(f"convert_to_chip takes a DumperDone (dumper.done()), got {type(dump).__name__}")
    chip = lola.Chip() if previous is None else previous
    if not isinstance(chip, lola.Chip):
        raise TypeError(f"convert_to_chip: previous must be a lola.Chip, got {type(chip).__name__}")
    coord = lola.Chip.coordinate_type()()
    addresses, words = chip.write_plan(coord)
    order = np.argsort(addresses, kind="stable")
    sorted_addresses, sorted_words = addresses[order], words[order].copy()
    for v in dump:
        if not isinstance(v, tuple):
            continue
        try:
            a, w = v[1].write_plan(v[0])
        except (AttributeError, TypeError):          # FPGA instructions, read-only registers
            continue
        a = np.asarray(a, dtype=np.int64).reshape(-1)
        pos = np.minimum(np.searchsorted(sorted_addresses, a), len(sorted_addresses) - 1)
        hit = sorted_addresses[pos] == a
        sorted_words[pos[hit]] = np.asarray(w, dtype=np.uint32).reshape(-1)[hit]
    read = lola.Chip.read_plan(coord)
    return lola.Chip.decode_read(coord, sorted_words[np.searchsorted(sorted_addresses, read)])


def convert_to_builder(dump: DumperDone) -> Tuple[PlaybackProgramBuilder, list]:
    """Replay a dump into a real builder; returns (builder, tickets of the reads)."""
    b = PlaybackProgramBuilder()
    tickets = []
    for v in dump:
        if isinstance(v, BlockUntil):
            b.block_until(v.coordinate, v.condition)
        elif isinstance(v, Read):
            tickets.append(b.read(v.coordinate))
        else:
            b.write(v[0], v[1])
    return b, tickets
