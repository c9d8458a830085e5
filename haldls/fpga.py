"""Containers that become FPGA instructions rather than omnibus words.

They have no register-map entry: stadls turns them into wire instructions
(barriers, spike packs, systime sync, chip reset).  ``Timer`` is a register
container (its value is read over the omnibus) whose *write* is the timer
reset instruction; it lives in the register map.
"""
from __future__ import annotations

import operator
from typing import Iterable, Tuple


class Barrier:
    """Block the executor until the selected units are idle.

    ``Barrier.omnibus``, ``.jtag``, ``.systime``, ``.multi_fpga`` and
    ``.systime_correction`` are the public presets; they combine with ``|``.
    """

    __slots__ = ("value",)
    _names = {1: "omnibus", 2: "jtag", 4: "systime", 8: "multi_fpga", 16: "systime_correction"}

    def __init__(self, value: int = 1):
        v = operator.index(value)
        if not 0 <= v <= 31:
            raise ValueError(f"Barrier mask {v} out of range [0, 31]")
        object.__setattr__(self, "value", v)

    def __setattr__(self, name, value):
        raise AttributeError("Barrier is immutable")

    def __or__(self, other):
        if not isinstance(other, Barrier):
            return NotImplemented
        return Barrier(self.value | other.value)

    def __eq__(self, other):
        return type(other) is Barrier and other.value == self.value

    def __hash__(self):
        return hash(("Barrier", self.value))

    def __repr__(self):
        names = [n for bit, n in self._names.items() if self.value & bit]
        return f"Barrier({'|'.join(names) or 0})"

    def to_dict(self):
        return {"type": "Barrier", "value": self.value}

    @classmethod
    def from_dict(cls, d):
        return cls(d["value"])


for _bit, _name in Barrier._names.items():
    setattr(Barrier, _name, Barrier(_bit))


class _SpikePack:
    """1 to 3 spike labels injected together at the current program time."""

    __slots__ = ("_labels",)
    size = 0

    def __init__(self, labels: Iterable = ()):
        import halco

        labels = list(labels) or [halco.SpikeLabel()] * self.size  # list(): numpy arrays too
        if len(labels) != self.size:
            raise ValueError(f"{type(self).__name__} needs exactly {self.size} labels, got {len(labels)}")
        self._labels = tuple(lab if isinstance(lab, halco.SpikeLabel) else halco.SpikeLabel(lab)
                             for lab in labels)

    @property
    def labels(self) -> Tuple:
        """The SpikeLabels of the pack."""
        return self._labels

    def get_labels(self):
        return list(self._labels)

    def set_labels(self, labels):
        self.__init__(labels)

    def __eq__(self, other):
        return type(other) is type(self) and other._labels == self._labels

    def __hash__(self):
        return hash((type(self).__name__, self._labels))

    def __repr__(self):
        return f"{type(self).__name__}({[int(lab) for lab in self._labels]})"

    def to_dict(self):
        return {"type": type(self).__name__, "labels": [int(lab) for lab in self._labels]}

    @classmethod
    def from_dict(cls, d):
        return cls(d["labels"])


class SpikePack1ToChip(_SpikePack):
    """Inject one spike label."""

    size = 1


class SpikePack2ToChip(_SpikePack):
    """Inject two spike labels at once."""

    size = 2


class SpikePack3ToChip(_SpikePack):
    """Inject three spike labels at once."""

    size = 3


class SystimeSync:
    """Reset the systime counter (the time base of recorded events) to 0."""

    __slots__ = ("do_sync",)

    def __init__(self, do_sync: bool = True):
        self.do_sync = bool(do_sync)

    def __eq__(self, other):
        return type(other) is SystimeSync and other.do_sync == self.do_sync

    def __hash__(self):
        return hash(("SystimeSync", self.do_sync))

    def __repr__(self):
        return f"SystimeSync(do_sync={self.do_sync})"

    def to_dict(self):
        return {"type": "SystimeSync", "do_sync": self.do_sync}

    @classmethod
    def from_dict(cls, d):
        return cls(d["do_sync"])


class ResetChip:
    """Level of the chip's reset line; asserting it clears the whole chip state."""

    __slots__ = ("value",)

    def __init__(self, value: bool = False):
        self.value = bool(value)

    def __eq__(self, other):
        return type(other) is ResetChip and other.value == self.value

    def __hash__(self):
        return hash(("ResetChip", self.value))

    def __repr__(self):
        return f"ResetChip({self.value})"

    def to_dict(self):
        return {"type": "ResetChip", "value": self.value}

    @classmethod
    def from_dict(cls, d):
        return cls(d["value"])
