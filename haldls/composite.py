"""Composite (non-leaf) haldls containers.

They own no register-map entry: their words are the words of their leaves.
``leaves(coord)`` feeds the generic visitor; ``write_plan``/``read_plan``/
``decode_read`` give the same words vectorized for bulk transfers.
"""
from __future__ import annotations

import operator
from dataclasses import replace

import numpy as np

from .container import LaneArray, _checker, container_type
from .register_map import REGISTERS_BY_NAME


def _leaf(name):
    # the leaf containers are generated from the register map when the package is imported
    return container_type(name)


def _coord(name):
    import halco

    return getattr(halco, name)


def _integer_array(values, owner):
    arr = np.asarray(values)
    if arr.dtype == object and arr.size and all(isinstance(x, (int, np.integer)) for x in arr.ravel().tolist()):
        arr = np.array(arr.tolist())  # Python ints beyond int64 end up here; the range check names them
        if arr.dtype == object:
            raise ValueError(f"{owner} value out of range")
    if arr.dtype.kind not in "iu" and arr.size:
        raise TypeError(f"{owner} needs integer values, got an array of dtype {arr.dtype}")
    return arr.astype(np.int64)


def _check_type(d, cls):
    t = d.get("type", cls.__name__)
    if t != cls.__name__:
        raise ValueError(f"dict describes a {t}, not a {cls.__name__}")


class Composite:
    """Base of composite containers: value semantics from ``to_dict``."""

    coordinate_name = ""

    @classmethod
    def coordinate_type(cls):
        return _coord(cls.coordinate_name)

    @classmethod
    def _check_coord(cls, coord):
        t = cls.coordinate_type()
        if not isinstance(coord, t):
            raise TypeError(f"{cls.__name__} lives at {t.__name__}, got {coord!r}")
        return int(coord.toEnum())

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None

    def copy(self):
        return type(self).from_dict(self.to_dict())

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (type(self).from_dict, (self.to_dict(),))

    def write_plan(self, coord):
        """(addresses, words) of all leaves, concatenated in ``leaves`` order."""
        addrs, words = [], []
        for leaf_coord, leaf in self.leaves(coord):
            a, w = leaf.write_plan(leaf_coord)
            addrs.append(a)
            words.append(w)
        return np.concatenate(addrs), np.concatenate(words)


class SynapseQuad(Composite):
    """Weights, labels and correlation calibration of 4 neighbouring synapses
    (the combined view of SynapseWeightQuad, SynapseLabelQuad and
    SynapseCorrelationCalibQuad at the same position)."""

    coordinate_name = "SynapseQuadOnDLS"
    _parts = (("weights", "SynapseWeightQuad", "values"), ("labels", "SynapseLabelQuad", "values"),
              ("time_calibs", "SynapseCorrelationCalibQuad", "time_calibs"),
              ("amp_calibs", "SynapseCorrelationCalibQuad", "amp_calibs"))

    # the leaf fields' range checks, under the composite's field names
    _checks = {name: _checker("SynapseQuad", replace(
        next(x for x in REGISTERS_BY_NAME[reg].fields if x.name == field), name=name))
        for name, reg, field in _parts}

    def __init__(self, weights=(0,) * 4, labels=(0,) * 4, time_calibs=(0,) * 4, amp_calibs=(0,) * 4):
        self.weights, self.labels, self.time_calibs, self.amp_calibs = weights, labels, time_calibs, amp_calibs

    def __setattr__(self, name, value):
        if name not in self._checks:
            raise AttributeError(f"SynapseQuad has no field {name!r}; fields: {list(self._checks)}")
        values = list(value)
        if len(values) != 4:
            raise ValueError(f"SynapseQuad.{name} needs 4 values, got {len(values)}")
        object.__setattr__(self, "_" + name, LaneArray(values, self._checks[name], "SynapseQuad." + name))

    weights = property(lambda self: self._weights, doc="4 weights, 0..63")
    labels = property(lambda self: self._labels, doc="4 labels, 0..63")
    time_calibs = property(lambda self: self._time_calibs, doc="4 time calibrations, 0..3")
    amp_calibs = property(lambda self: self._amp_calibs, doc="4 amplitude calibrations, 0..3")

    def __repr__(self):
        return (f"SynapseQuad(weights={self.weights.tolist()}, labels={self.labels.tolist()}, "
                f"time_calibs={self.time_calibs.tolist()}, amp_calibs={self.amp_calibs.tolist()})")

    def to_dict(self):
        return {"type": "SynapseQuad", "weights": self.weights.tolist(), "labels": self.labels.tolist(),
                "time_calibs": self.time_calibs.tolist(), "amp_calibs": self.amp_calibs.tolist()}

    @classmethod
    def from_dict(cls, d):
        _check_type(d, cls)
        d = dict(d)
        d.pop("type", None)
        return cls(**d)

    def leaves(self, coord):
        """The weight, label and correlation-calibration quads at ``coord`` (in that order)."""
        e = self._check_coord(coord)
        yield _coord("SynapseWeightQuadOnDLS").from_enum(e), _leaf("SynapseWeightQuad")(values=self.weights)
        yield _coord("SynapseLabelQuadOnDLS").from_enum(e), _leaf("SynapseLabelQuad")(values=self.labels)
        yield (_coord("SynapseCorrelationCalibQuadOnDLS").from_enum(e),
               _leaf("SynapseCorrelationCalibQuad")(time_calibs=self.time_calibs, amp_calibs=self.amp_calibs))

    @classmethod
    def read_plan(cls, coord):
        e = cls._check_coord(coord)
        return np.concatenate([
            _leaf("SynapseWeightQuad").register.addresses([e])[0],
            _leaf("SynapseLabelQuad").register.addresses([e])[0],
            _leaf("SynapseCorrelationCalibQuad").register.addresses([e])[0]])

    @classmethod
    def decode_read(cls, coord, words):
        """SynapseQuad from the 4 words answered for ``read_plan(coord)``."""
        cls._check_coord(coord)
        words = np.asarray(words)
        if words.shape != (4,):
            raise ValueError(f"SynapseQuad.decode_read needs 4 words, got shape {words.shape}")
        w = _leaf("SynapseWeightQuad").decode(words[0:1])
        lab = _leaf("SynapseLabelQuad").decode(words[1:2])
        c = _leaf("SynapseCorrelationCalibQuad").decode(words[2:4])
        return cls(w.values, lab.values, c.time_calibs, c.amp_calibs)


class CapMemBlock(Composite):
    """All 130 x 24 cells of one CapMem block (``cells`` indexed by
    CapMemCellOnCapMemBlock or its enum; values 0..1023, 1023 = no refresh)."""

    coordinate_name = "CapMemBlockOnDLS"
    n_cells = 130 * 24
    _order = None

    def __init__(self, values=None):
        arr = np.zeros(self.n_cells, dtype=np.int64) if values is None else _integer_array(values, "CapMemBlock")
        if arr.shape != (self.n_cells,):
            raise ValueError(f"CapMemBlock needs {self.n_cells} values, got shape {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() > 1023):
            raise ValueError(f"CapMemBlock value out of range [0, 1023]: {int(arr[(arr < 0) | (arr > 1023)][0])}")
        self._values = arr

    @property
    def values(self) -> np.ndarray:
        """Cell values in CapMemCellOnCapMemBlock enum order (read-only view)."""
        v = self._values.view()
        v.flags.writeable = False
        return v

    def __getitem__(self, cell):
        return int(self._values[operator.index(cell)])

    def __setitem__(self, cell, value):
        v = operator.index(value)
        if not 0 <= v <= 1023:
            raise ValueError(f"CapMemBlock cell value {v} out of range [0, 1023]")
        self._values[operator.index(cell)] = v

    cells = property(lambda self: self, doc="indexable by CapMemCellOnCapMemBlock")

    def __repr__(self):
        return f"CapMemBlock(mean={self._values.mean():.1f}, min={self._values.min()}, max={self._values.max()})"

    def to_dict(self):
        return {"type": "CapMemBlock", "values": self._values.tolist()}

    @classmethod
    def from_dict(cls, d):
        _check_type(d, cls)
        return cls(d["values"])

    @classmethod
    def _address_order(cls):
        """Cell enums (on the block) sorted by address: cells are column-major in
        the address space but row-major in enum order."""
        if cls._order is None:
            addrs = REGISTERS_BY_NAME["CapMemCell"].addresses(np.arange(cls.n_cells))[:, 0]
            cls._order = np.argsort(addrs, kind="stable")
        return cls._order

    @classmethod
    def _cell_enums(cls, coord):
        """CapMemCellOnDLS enums of the block at ``coord``, in address order."""
        return cls._check_coord(coord) * cls.n_cells + cls._address_order()

    def leaves(self, coord):
        """(CapMemCellOnDLS, CapMemCell) of every cell, in address order."""
        ctype = _coord("CapMemCellOnDLS")
        for e, v in zip(self._cell_enums(coord), self._values[self._address_order()]):
            yield ctype.from_enum(int(e)), _leaf("CapMemCell")(value=int(v))

    def write_plan(self, coord):
        reg = REGISTERS_BY_NAME["CapMemCell"]
        addrs = reg.addresses(self._cell_enums(coord))[:, 0]
        return addrs, self._values[self._address_order()].astype(np.uint32)

    @classmethod
    def read_plan(cls, coord):
        return REGISTERS_BY_NAME["CapMemCell"].addresses(cls._cell_enums(coord))[:, 0]

    @classmethod
    def decode_read(cls, coord, words):
        """Block from the words answered for ``read_plan(coord)`` (address order)."""
        cls._check_coord(coord)
        words = np.asarray(words)
        if words.shape != (cls.n_cells,):
            raise ValueError(f"CapMemBlock.decode_read needs {cls.n_cells} words, got shape {words.shape}")
        values = np.empty(cls.n_cells, dtype=np.int64)
        values[cls._address_order()] = words.astype(np.int64) & 0x3ff
        return cls(values)


class PPUMemory(Composite):
    """The 4096 32-bit words of one PPU's local memory."""

    coordinate_name = "PPUMemoryOnDLS"
    n_words = 4096

    def __init__(self, words=None):
        arr = np.zeros(self.n_words, dtype=np.uint32) if words is None else _integer_array(words, "PPUMemory")
        if arr.shape != (self.n_words,):
            raise ValueError(f"PPUMemory needs {self.n_words} words, got shape {arr.shape}")
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) > 0xffffffff):
            raise ValueError("PPUMemory word out of range [0, 2**32-1]")
        self.words = arr.astype(np.uint32)

    def __repr__(self):
        return f"PPUMemory(nonzero_words={int(np.count_nonzero(self.words))})"

    def to_dict(self):
        return {"type": "PPUMemory", "words": self.words.tolist()}

    @classmethod
    def from_dict(cls, d):
        _check_type(d, cls)
        return cls(d["words"])

    def _enums(self, coord):
        return self._check_coord(coord) * self.n_words + np.arange(self.n_words)

    def leaves(self, coord):
        """(PPUMemoryWordOnDLS, PPUMemoryWord) of every word, in address order."""
        ctype = _coord("PPUMemoryWordOnDLS")
        for e, v in zip(self._enums(coord), self.words):
            yield ctype.from_enum(int(e)), _leaf("PPUMemoryWord")(value=int(v))

    def write_plan(self, coord):
        return _leaf("PPUMemoryWord").register.addresses(self._enums(coord))[:, 0], self.words.copy()

    @classmethod
    def read_plan(cls, coord):
        return _leaf("PPUMemoryWord").register.addresses(cls()._enums(coord))[:, 0]

    @classmethod
    def decode_read(cls, coord, words):
        """Memory from the words answered for ``read_plan(coord)``."""
        cls._check_coord(coord)
        return cls(words)


class PPUMemoryBlock(Composite):
    """A contiguous range of 32-bit words of one PPU's memory
    (coordinate PPUMemoryBlockOnDLS: word interval x PPU).  The block's
    length is fixed by the coordinate it is written to."""

    coordinate_name = "PPUMemoryBlockOnDLS"

    def __init__(self, words=None, size: int = None):
        if words is not None and type(words).__name__ == "PPUMemoryBlockSize":
            words, size = None, int(words)          # public: PPUMemoryBlock(halco.PPUMemoryBlockSize(n))
        if words is None:
            if size is None:
                raise TypeError("PPUMemoryBlock needs words or a size")
            words = np.zeros(size, dtype=np.uint32)
        self.words = words

    @property
    def words(self) -> np.ndarray:
        """The block's words (uint32 array); assignable from integers or ``PPUMemoryWord`` s."""
        return self._words

    @words.setter
    def words(self, words):
        if isinstance(words, (list, tuple)) and any(hasattr(w, "value") for w in words):
            words = [int(w.value) if hasattr(w, "value") else int(w) for w in words]
        arr = np.asarray(words)
        if arr.ndim != 1 or not 1 <= len(arr) <= 4096:
            raise ValueError(f"PPUMemoryBlock needs 1..4096 words, got shape {arr.shape}")
        if arr.dtype.kind not in "iu":
            raise TypeError(f"PPUMemoryBlock words must be integers, got dtype {arr.dtype}")
        if int(arr.min()) < 0 or int(arr.max()) > 0xffffffff:
            raise ValueError("PPUMemoryBlock word out of range [0, 2**32-1]")
        self._words = arr.astype(np.uint32)

    def __repr__(self):
        return f"PPUMemoryBlock(words={len(self.words)}, nonzero={int(np.count_nonzero(self.words))})"

    def to_dict(self):
        return {"type": "PPUMemoryBlock", "words": self.words.tolist()}

    @classmethod
    def from_dict(cls, d):
        if d.get("type", "PPUMemoryBlock") != "PPUMemoryBlock":
            raise ValueError(f"dict describes a {d.get('type')}, not a PPUMemoryBlock")
        return cls(np.array(d["words"], dtype=np.uint64))

    @classmethod
    def _enums(cls, coord):
        cls._check_coord(coord)
        interval = coord.toPPUMemoryBlockOnPPU()
        ppu = int(coord.toPPUOnDLS().toEnum())
        first = int(interval.toMin().toEnum())
        return ppu * 4096 + first + np.arange(interval.length())

    def _checked_enums(self, coord):
        enums = self._enums(coord)
        if len(enums) != len(self.words):
            raise ValueError(f"PPUMemoryBlock of {len(self.words)} words does not fit {coord!r} "
                             f"({len(enums)} words)")
        return enums

    def leaves(self, coord):
        ctype = _coord("PPUMemoryWordOnDLS")
        for e, v in zip(self._checked_enums(coord), self.words):
            yield ctype.from_enum(int(e)), _leaf("PPUMemoryWord")(value=int(v))

    def write_plan(self, coord):
        return _leaf("PPUMemoryWord").register.addresses(self._checked_enums(coord))[:, 0], self.words.copy()

    @classmethod
    def read_plan(cls, coord):
        return _leaf("PPUMemoryWord").register.addresses(cls._enums(coord))[:, 0]

    @classmethod
    def decode_read(cls, coord, words):
        words = np.asarray(words, dtype=np.uint64)
        if len(words) != len(cls._enums(coord)):
            raise ValueError(f"PPUMemoryBlock at {coord!r} needs {len(cls._enums(coord))} words, got {len(words)}")
        return cls(words)
