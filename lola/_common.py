"""Shared machinery of the logical containers.

A lola container is a plain value made of *members*: haldls leaf containers,
arrays of them, nested lola containers and analog (CapMem) values.  One
generic implementation (:class:`LolaContainer`) walks the members for
everything a container needs -- construction, equality, copies, repr,
``write_plan``/``read_plan``/``decode_read`` for stadls, ``leaves`` for the
generic haldls visitor, and ``to_arrays``/``from_arrays`` for files -- so a
concrete container is only its member list.

Bulk data never passes through Python one value at a time: arrays of leaves
are encoded through ``encode_array`` of their haldls class, analog values are
numpy arrays, and addresses are computed once per coordinate and cached.
"""
from __future__ import annotations

import enum
import operator
from functools import lru_cache
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

import halco
import haldls
from haldls.container import check_bool  # noqa: F401  (one bool rule for all containers)
from haldls.register_map import ADDED_FIELDS, RENAMED_FIELDS

_U32 = np.uint32

AnalogValue = haldls.CapMemCell.Value
AnalogDisableRefresh = haldls.CapMemCell.DisableRefresh

#: CapMem cell addresses (one word per cell), by CapMemCellOnDLS enum
_CAPMEM_REG = haldls.CapMemCell.register


# ------------------------------------------------------------------------------------------
# value checks
# ------------------------------------------------------------------------------------------

def is_enum(kind) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.IntEnum)


def check_int(label: str, v, lo: int, hi: int) -> int:
    """``v`` as an int in ``[lo, hi]``; bools and non-integers raise TypeError."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{label} needs an integer in [{lo}, {hi}], got bool {v!r}")
    try:
        i = operator.index(v)
    except TypeError:
        raise TypeError(f"{label} needs an integer in [{lo}, {hi}], got {v!r}") from None
    if not lo <= i <= hi:
        raise ValueError(f"{label} = {i} out of range [{lo}, {hi}]")
    return i


def check_enum(label: str, kind, v):
    """``v`` as a member of IntEnum ``kind`` (a member, its name or its value)."""
    valid = ", ".join(m.name for m in kind)
    if isinstance(v, kind):
        return v
    if isinstance(v, str):
        try:
            return kind[v]
        except KeyError:
            raise ValueError(f"{label} = {v!r} is not a {kind.__name__}; valid: {valid}") from None
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{label} needs a {kind.__name__} ({valid}), got bool {v!r}")
    try:
        i = operator.index(v)
    except TypeError:
        raise TypeError(f"{label} needs a {kind.__name__} ({valid}), got {v!r}") from None
    try:
        return kind(i)
    except ValueError:
        raise ValueError(f"{label} = {i} is not a {kind.__name__}; valid: "
                         + ", ".join(f"{int(m)} {m.name}" for m in kind)) from None


def check_analog(label: str, v) -> int:
    """A CapMem value: 0..1022 (an int or ``haldls.CapMemCell.Value``), or
    ``haldls.CapMemCell.DisableRefresh()`` (stored as 1023).  Returns the int."""
    if isinstance(v, AnalogDisableRefresh):
        return 1023
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{label} needs a CapMem value 0..1022, got bool {v!r}")
    try:
        i = operator.index(v)
    except TypeError:
        raise TypeError(f"{label} needs a CapMem value 0..1022 (int or haldls.CapMemCell.Value), "
                        f"got {v!r}") from None
    if not 0 <= i <= 1022:
        hint = (" (1023 is not a value: use haldls.CapMemCell.DisableRefresh() to stop refreshing "
                "the cell)") if i == 1023 else ""
        raise ValueError(f"{label} = {i} out of range [0, 1022]{hint}")
    return i


def analog_out(i: int):
    """The public value of a stored CapMem integer (1023 = DisableRefresh)."""
    i = int(i)
    return AnalogDisableRefresh() if i == 1023 else AnalogValue(i)


def integer_array(label: str, values, shape: Optional[tuple] = None, dtype=np.int16) -> np.ndarray:
    """``values`` as a fresh integer array (bools allowed); TypeError for other dtypes,
    ValueError for a wrong shape.  Range checks are separate (:func:`check_range`)."""
    arr = np.asarray(values)
    if arr.dtype == object:
        try:
            arr = np.array([operator.index(x) for x in arr.ravel().tolist()]).reshape(arr.shape)
        except TypeError:
            raise TypeError(f"{label} needs integer values") from None
    if arr.dtype.kind == "f" and (not arr.size or np.all(np.isfinite(arr) & (arr == np.round(arr)))):
        arr = arr.astype(np.int64)  # e.g. np.zeros(shape): integral floats are fine
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{label} needs integer values, got an array of dtype {arr.dtype}"
                        + (" with non-integral values" if arr.dtype.kind == "f" else ""))
    if shape is not None:
        if arr.ndim == 0:
            arr = np.broadcast_to(arr, shape)
        elif arr.shape != tuple(shape):
            raise ValueError(f"{label} needs shape {tuple(shape)}, got {arr.shape}")
    if arr.size and arr.dtype.kind in "iu":
        lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
        if int(arr.min()) < lo or int(arr.max()) > hi:
            bad = arr[(arr < lo) | (arr > hi)].ravel()[0]
            raise ValueError(f"{label} value {int(bad)} out of range")
    return np.array(arr, dtype=dtype)


def check_range(label: str, arr: np.ndarray, lo: int, hi: int, where=None) -> None:
    """Raise ValueError naming the first element of ``arr`` outside ``[lo, hi]``.

    ``where(index_tuple) -> str`` describes the position (default: ``[i][j]``).
    """
    if not arr.size:
        return
    if int(arr.min()) >= lo and int(arr.max()) <= hi:
        return
    idx = tuple(int(i) for i in np.argwhere((arr < lo) | (arr > hi))[0])
    pos = where(idx) if where is not None else "".join(f"[{i}]" for i in idx)
    raise ValueError(f"{label}{pos} = {int(arr[idx])} out of range [{lo}, {hi}]")


def analog_array(label: str, values, shape) -> np.ndarray:
    """Validated CapMem values (0..1023, 1023 = DisableRefresh) as an int16 array."""
    arr = integer_array(label, values, shape)
    check_range(label, arr, 0, 1023)
    return arr


def index_of(label: str, i, index_type, size: int) -> int:
    """Position for ``container[i]``: an instance of ``index_type`` or a plain int."""
    if isinstance(i, halco.Coordinate) and index_type is not None and not isinstance(i, index_type):
        raise TypeError(f"{label} is indexed by {index_type.__name__}, got {i!r}")
    if isinstance(i, (bool, np.bool_)):
        raise TypeError(f"{label} index must be an integer or {getattr(index_type, '__name__', 'int')}")
    try:
        k = i.toEnum() if isinstance(i, halco.Coordinate) else operator.index(i)
    except TypeError:
        raise TypeError(f"{label} index must be an integer or "
                        f"{getattr(index_type, '__name__', 'int')}, got {i!r}") from None
    k = int(k)
    if not 0 <= k < size:
        raise IndexError(f"{label}[{k}] out of range [0, {size - 1}]")
    return k


# ------------------------------------------------------------------------------------------
# addresses
# ------------------------------------------------------------------------------------------

def leaf_addresses(cls, enums) -> np.ndarray:
    """Flat uint32 addresses of haldls leaf ``cls`` at coordinate ``enums`` (all words)."""
    return cls.register.addresses(np.asarray(enums, dtype=np.int64)).reshape(-1)


def capmem_addresses(cell_enums) -> np.ndarray:
    """Addresses of CapMemCellOnDLS enums (any shape, flattened)."""
    e = np.asarray(cell_enums, dtype=np.int64).reshape(-1)
    return _CAPMEM_REG.addresses(e)[:, 0] if e.size else np.zeros(0, _U32)


def cell_enum(cell_on_block, block: int) -> int:
    """CapMemCellOnDLS enum of a named ``CapMemCellOnCapMemBlock`` in ``block``."""
    return int(halco.CapMemCellOnDLS(cell_on_block, halco.CapMemBlockOnDLS(block)).toEnum())


def _concat(chunks: Sequence[Tuple[np.ndarray, np.ndarray]]) -> Tuple[np.ndarray, np.ndarray]:
    chunks = [c for c in chunks if len(c[0])]
    if not chunks:
        return np.zeros(0, _U32), np.zeros(0, _U32)
    return (np.concatenate([c[0] for c in chunks]).astype(_U32, copy=False),
            np.concatenate([c[1] for c in chunks]).astype(_U32, copy=False))


# ------------------------------------------------------------------------------------------
# haldls leaves: vectorized encode of many objects
# ------------------------------------------------------------------------------------------

def encode_objects(cls, objs: Sequence) -> np.ndarray:
    """Words (n, words) of haldls leaf objects, through the vectorized ``encode_array``
    (field values are gathered once per field, not encoded per object)."""
    n = len(objs)
    values = {}
    for f in cls.fields():
        slot = "_v_" + f.name
        if f.count > 1:
            values[f.name] = np.array([list(getattr(o, slot)) for o in objs], dtype=np.int64)
        else:
            values[f.name] = np.fromiter((int(getattr(o, slot)) for o in objs), dtype=np.int64, count=n)
    return cls.encode_array(values, n=n)


def decode_objects(cls, words: np.ndarray, n: int) -> list:
    """n haldls leaf objects from their words (flat or (n, words))."""
    w = np.asarray(words).reshape(n, cls.register.words)
    return [cls.decode(row) for row in w]


# ------------------------------------------------------------------------------------------
# typed arrays of containers
# ------------------------------------------------------------------------------------------

class ContainerArray:
    """Fixed-length array of containers indexed by a halco coordinate (or an int),
    like the public ``typed_array``.  Items are values: assignment stores a copy."""

    __slots__ = ("_items", "_cls", "_index_type", "_label")

    def __init__(self, cls, items, index_type=None, label: str = ""):
        self._cls = cls
        self._index_type = index_type
        self._label = label or f"{cls.__name__}[]"
        self._items = [self._check(x) for x in items]

    def _check(self, x):
        if not isinstance(x, self._cls):
            raise TypeError(f"{self._label} holds {self._cls.__name__}, got {type(x).__name__}")
        return x.copy()

    def __len__(self):
        return len(self._items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._items[i]
        return self._items[index_of(self._label, i, self._index_type, len(self._items))]

    def __setitem__(self, i, value):
        self._items[index_of(self._label, i, self._index_type, len(self._items))] = self._check(value)

    def __iter__(self):
        return iter(self._items)

    def fill(self, value) -> None:
        """Set every item to (a copy of) ``value``."""
        for k in range(len(self._items)):
            self._items[k] = self._check(value)

    def __eq__(self, other):
        if not isinstance(other, ContainerArray):
            return NotImplemented
        return self._cls is other._cls and self._items == other._items

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def copy(self) -> "ContainerArray":
        return ContainerArray(self._cls, self._items, self._index_type, self._label)

    def __repr__(self):
        return f"[{', '.join(map(repr, self._items))}]"


# ------------------------------------------------------------------------------------------
# members
# ------------------------------------------------------------------------------------------

CoordFn = Callable[[object], object]


class Member:
    """One part of a lola container (see the module doc).

    Subclasses implement the value protocol for the attributes they own
    (``attrs``) and the word protocol: ``plan`` -> (addresses, words),
    ``read_plan``, ``decode`` (words -> attribute values), ``leaves``,
    ``to_arrays``/``from_arrays``.
    """

    attrs: Tuple[str, ...] = ()
    doc: str = ""

    def default(self, name):  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, owner: str, name: str, value):
        raise NotImplementedError  # pragma: no cover

    def equal(self, name: str, a, b) -> bool:
        return a == b

    def copy(self, name: str, v):
        return v.copy()

    def plan(self, obj, coord) -> Tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError  # pragma: no cover

    def read_plan(self, coord) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def decode(self, coord, words) -> Dict[str, object]:
        raise NotImplementedError  # pragma: no cover

    def leaves(self, obj, coord) -> Iterator:
        raise NotImplementedError  # pragma: no cover

    def to_arrays(self, obj, prefix: str, out: dict) -> None:
        raise NotImplementedError  # pragma: no cover

    def from_arrays(self, arrays: dict, prefix: str) -> Dict[str, object]:
        raise NotImplementedError  # pragma: no cover

    def describe(self) -> List[Tuple[str, str]]:
        """(attribute, description) rows for the docs."""
        return [(a, self.doc) for a in self.attrs]


def _leaf_to_arrays(cls, objs, key: str, out: dict) -> None:
    words = encode_objects(cls, objs)
    for name, arr in cls.decode_array(words).items():
        out[f"{key}.{name}"] = arr


def _leaf_from_arrays(cls, arrays: dict, key: str, n: int) -> list:
    arrays = upgrade_arrays(arrays)
    values = {f.name: arrays[f"{key}.{f.name}"] for f in cls.fields() if f"{key}.{f.name}" in arrays}
    added = ADDED_FIELDS.get(cls.__name__, ())      # files written before these fields take their default
    missing = [f.name for f in cls.fields() if f"{key}.{f.name}" not in arrays and f.name not in added]
    if missing:
        raise ValueError(f"file lacks {key}.{missing[0]} (and {len(missing) - 1} more fields)")
    return decode_objects(cls, cls.encode_array(values, n=n), n)


def upgraded_key(key: str) -> str:
    """The current name of a file's array key (``haldls.register_map.RENAMED_FIELDS``)."""
    head, dot, field = key.rpartition(".")
    new = RENAMED_FIELDS.get(field) if dot else None
    return f"{head}.{new}" if new else key


def upgrade_arrays(arrays: dict) -> dict:
    """``arrays`` with renamed field keys under their current names (a copy when any changed)."""
    if not any(upgraded_key(k) != k for k in arrays):
        return arrays
    return {upgraded_key(k): v for k, v in arrays.items()}


class Leaf(Member):
    """One haldls leaf container at ``coord(parent_coord)``."""

    def __init__(self, name: str, cls, coord: CoordFn, default: Optional[Callable[[], object]] = None,
                 doc: str = ""):
        self.attrs = (name,)
        self.cls, self.coord, self._default, self.doc = cls, coord, default, doc or cls.__doc__

    def default(self, name):
        return self._default() if self._default else self.cls()

    def check(self, owner, name, value):
        if not isinstance(value, self.cls):
            raise TypeError(f"{owner}.{name} is a haldls.{self.cls.__name__}, got {type(value).__name__}")
        return value.copy()

    def plan(self, obj, coord):
        return getattr(obj, self.attrs[0]).write_plan(self.coord(coord))

    def read_plan(self, coord):
        return self.cls.read_plan(self.coord(coord))

    def decode(self, coord, words):
        return {self.attrs[0]: self.cls.decode_read(self.coord(coord), words)}

    def leaves(self, obj, coord):
        yield self.coord(coord), getattr(obj, self.attrs[0])

    def to_arrays(self, obj, prefix, out):
        _leaf_to_arrays(self.cls, [getattr(obj, self.attrs[0])], prefix + self.attrs[0], out)

    def from_arrays(self, arrays, prefix):
        return {self.attrs[0]: _leaf_from_arrays(self.cls, arrays, prefix + self.attrs[0], 1)[0]}

    def describe(self):
        return [(self.attrs[0], f"`haldls.{self.cls.__name__}`")]


class Leaves(Member):
    """A fixed array of haldls leaves (``ContainerArray``), encoded in one vectorized call.

    ``enums(parent_coord)`` gives the leaf coordinate enums (array, item order),
    ``index_type`` is the coordinate type that indexes the array.
    """

    def __init__(self, name: str, cls, n: int, index_type, enums: Callable[[object], np.ndarray],
                 default: Optional[Callable[[], object]] = None, doc: str = ""):
        self.attrs = (name,)
        self.cls, self.n, self.index_type, self._enums = cls, n, index_type, enums
        self._default = default
        self.doc = doc
        self._addr_cache: Dict[int, np.ndarray] = {}

    def _label(self):
        return f"{self.attrs[0]}"

    def default(self, name):
        item = self._default() if self._default else self.cls()
        return ContainerArray(self.cls, [item] * self.n, self.index_type, name)

    def check(self, owner, name, value):
        items = list(value)
        if len(items) != self.n:
            raise ValueError(f"{owner}.{name} needs {self.n} items, got {len(items)}")
        return ContainerArray(self.cls, items, self.index_type, f"{owner}.{name}")

    def addresses(self, coord) -> np.ndarray:
        key = int(coord.toEnum())
        a = self._addr_cache.get(key)
        if a is None:
            a = leaf_addresses(self.cls, self._enums(coord))
            a.flags.writeable = False
            self._addr_cache[key] = a
        return a

    def plan(self, obj, coord):
        words = encode_objects(self.cls, list(getattr(obj, self.attrs[0])))
        return self.addresses(coord), words.reshape(-1)

    def read_plan(self, coord):
        return self.addresses(coord)

    def decode(self, coord, words):
        return {self.attrs[0]: ContainerArray(self.cls, decode_objects(self.cls, words, self.n),
                                              self.index_type, self.attrs[0])}

    def leaves(self, obj, coord):
        ct = self.cls.coordinate_type()
        for e, item in zip(self._enums(coord), getattr(obj, self.attrs[0])):
            yield ct.from_enum(int(e)), item

    def to_arrays(self, obj, prefix, out):
        _leaf_to_arrays(self.cls, list(getattr(obj, self.attrs[0])), prefix + self.attrs[0], out)

    def from_arrays(self, arrays, prefix):
        items = _leaf_from_arrays(self.cls, arrays, prefix + self.attrs[0], self.n)
        return {self.attrs[0]: ContainerArray(self.cls, items, self.index_type, self.attrs[0])}

    def describe(self):
        return [(self.attrs[0], f"{self.n} x `haldls.{self.cls.__name__}`, indexed by "
                                f"`halco.{self.index_type.__name__}`")]


class Sub(Leaf):
    """A nested lola container at ``coord(parent_coord)``: a Leaf whose value has
    leaves of its own and its own array serialisation."""

    def __init__(self, name: str, cls, coord: CoordFn, default: Optional[Callable[[], object]] = None,
                 doc: str = ""):
        super().__init__(name, cls, coord, default, doc)
        self.doc = doc

    def check(self, owner, name, value):
        if not isinstance(value, self.cls):
            raise TypeError(f"{owner}.{name} is a {self.cls.__name__}, got {type(value).__name__}")
        return value.copy()

    def leaves(self, obj, coord):
        return getattr(obj, self.attrs[0]).leaves(self.coord(coord))

    def to_arrays(self, obj, prefix, out):
        getattr(obj, self.attrs[0])._to_arrays(prefix + self.attrs[0] + "/", out)

    def from_arrays(self, arrays, prefix):
        return {self.attrs[0]: self.cls._from_arrays(arrays, prefix + self.attrs[0] + "/")}

    def describe(self):
        return [(self.attrs[0], f"`{self.cls.__name__}`" + (f": {self.doc}" if self.doc else ""))]


class Subs(Member):
    """A fixed array of nested containers (lola, or haldls composites such as
    ``PPUMemory``), item ``i`` at coordinate ``coord(parent_coord, i)``."""

    def __init__(self, name: str, cls, n: int, index_type, coord: Callable[[object, int], object],
                 default: Optional[Callable[[int], object]] = None, doc: str = ""):
        self.attrs = (name,)
        self.cls, self.n, self.index_type, self.coord = cls, n, index_type, coord
        self._default = default
        self.doc = doc

    def default(self, name):
        items = [self._default(i) if self._default else self.cls() for i in range(self.n)]
        return ContainerArray(self.cls, items, self.index_type, name)

    def check(self, owner, name, value):
        items = list(value)
        if len(items) != self.n:
            raise ValueError(f"{owner}.{name} needs {self.n} items, got {len(items)}")
        return ContainerArray(self.cls, items, self.index_type, f"{owner}.{name}")

    def plan(self, obj, coord):
        return _concat([item.write_plan(self.coord(coord, i))
                        for i, item in enumerate(getattr(obj, self.attrs[0]))])

    def read_plan(self, coord):
        return np.concatenate([self.cls.read_plan(self.coord(coord, i)) for i in range(self.n)])

    def decode(self, coord, words):
        items, pos = [], 0
        for i in range(self.n):
            c = self.coord(coord, i)
            k = len(self.cls.read_plan(c))
            items.append(self.cls.decode_read(c, words[pos:pos + k]))
            pos += k
        return {self.attrs[0]: ContainerArray(self.cls, items, self.index_type, self.attrs[0])}

    def leaves(self, obj, coord):
        for i, item in enumerate(getattr(obj, self.attrs[0])):
            yield from item.leaves(self.coord(coord, i))

    def to_arrays(self, obj, prefix, out):
        for i, item in enumerate(getattr(obj, self.attrs[0])):
            key = f"{prefix}{self.attrs[0]}/{i}"
            if hasattr(item, "_to_arrays"):
                item._to_arrays(key + "/", out)
            else:  # a haldls composite (PPUMemory): its data words
                out[key] = _composite_words(item)

    def from_arrays(self, arrays, prefix):
        items = []
        for i in range(self.n):
            key = f"{prefix}{self.attrs[0]}/{i}"
            if hasattr(self.cls, "_from_arrays"):
                items.append(self.cls._from_arrays(arrays, key + "/"))
            else:
                items.append(_composite_from_words(self.cls, arrays[key]))
        return {self.attrs[0]: ContainerArray(self.cls, items, self.index_type, self.attrs[0])}

    def describe(self):
        return [(self.attrs[0], f"{self.n} x `{self.cls.__name__}`, indexed by "
                                f"`halco.{self.index_type.__name__}`" + (f": {self.doc}" if self.doc else ""))]


def _composite_words(item) -> np.ndarray:
    """The data of a haldls composite for a file (PPUMemory: its words)."""
    if isinstance(item, haldls.PPUMemory):
        return np.asarray(item.words, dtype=_U32).copy()
    raise TypeError(f"cannot store a {type(item).__name__} in a file")  # pragma: no cover


def _composite_from_words(cls, words):
    if cls is haldls.PPUMemory:
        return haldls.PPUMemory(np.asarray(words, dtype=np.int64))
    raise TypeError(f"cannot load a {cls.__name__} from a file")  # pragma: no cover


class Analog(Member):
    """CapMem values of shared cells.

    ``cells(parent_coord)`` gives the CapMemCellOnDLS enums, an array of the
    value's shape (``()`` for a single cell: the value is then an int).  Array
    values are numpy int16 arrays indexable by ``index_type`` coordinates (e.g.
    ``CapMemBlockOnHemisphere``); elements may be changed in place and are
    range-checked (0..1023, 1023 = DisableRefresh) when the container is encoded.
    """

    def __init__(self, name: str, cells: Callable[[object], np.ndarray], shape: tuple = (),
                 default: int = 0, index_type=None, doc: str = ""):
        self.attrs = (name,)
        self.cells, self.shape, self._default, self.index_type, self.doc = cells, tuple(shape), default, \
            index_type, doc
        self._addr_cache: Dict[int, np.ndarray] = {}

    def default(self, name):
        if not self.shape:
            return analog_out(self._default)
        return np.full(self.shape, self._default, dtype=np.int16)

    def check(self, owner, name, value):
        if not self.shape:
            return analog_out(check_analog(f"{owner}.{name}", value))
        return analog_array(f"{owner}.{name}", value, self.shape)

    def equal(self, name, a, b):
        return np.array_equal(a, b) if self.shape else int(a) == int(b)

    def copy(self, name, v):
        return v.copy() if self.shape else v

    def addresses(self, coord):
        key = int(coord.toEnum())
        a = self._addr_cache.get(key)
        if a is None:
            a = capmem_addresses(self.cells(coord))
            a.flags.writeable = False
            self._addr_cache[key] = a
        return a

    def _values(self, obj, owner=""):
        v = getattr(obj, self.attrs[0])
        arr = np.asarray(v, dtype=np.int64).reshape(-1)
        check_range(f"{owner}{self.attrs[0]}", arr.reshape(self.shape) if self.shape else arr[0], 0, 1023)
        return arr

    def plan(self, obj, coord):
        return self.addresses(coord), self._values(obj, type(obj).__name__ + ".").astype(_U32)

    def read_plan(self, coord):
        return self.addresses(coord)

    def decode(self, coord, words):
        w = np.asarray(words, dtype=np.int64) & 0x3ff
        if not self.shape:
            return {self.attrs[0]: analog_out(w[0])}
        return {self.attrs[0]: w.reshape(self.shape).astype(np.int16)}

    def leaves(self, obj, coord):
        ct = halco.CapMemCellOnDLS
        for e, v in zip(np.asarray(self.cells(coord)).reshape(-1), self._values(obj)):
            yield ct.from_enum(int(e)), haldls.CapMemCell(value=int(v))

    def to_arrays(self, obj, prefix, out):
        out[prefix + self.attrs[0]] = np.asarray(getattr(obj, self.attrs[0]), dtype=np.int16)

    def from_arrays(self, arrays, prefix):
        v = np.asarray(arrays[prefix + self.attrs[0]])
        if not self.shape:
            return {self.attrs[0]: analog_out(int(v))}
        return {self.attrs[0]: analog_array(prefix + self.attrs[0], v, self.shape)}

    def describe(self):
        what = "CapMem value" if not self.shape else f"CapMem values, shape {self.shape}" + (
            f" (indexed by `halco.{self.index_type.__name__}`)" if self.index_type else "")
        return [(self.attrs[0], what + (f": {self.doc}" if self.doc else ""))]


# ------------------------------------------------------------------------------------------
# the generic container
# ------------------------------------------------------------------------------------------

_CONTAINERS: Dict[str, type] = {}


class LolaContainer:
    """Base of member-based lola containers (see the module doc).

    Subclasses set ``_members`` (a tuple of :class:`Member`) and
    ``coordinate_name`` (the halco type it is written at).
    """

    _members: Tuple[Member, ...] = ()
    coordinate_name: str = ""
    __slots__ = ("_values",)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if not cls._members:
            return
        cls._by_attr = {}
        for m in cls._members:
            for a in m.attrs:
                if a in cls._by_attr:
                    raise TypeError(f"{cls.__name__}: attribute {a!r} defined twice")
                cls._by_attr[a] = m
                setattr(cls, a, _member_property(cls.__name__, a, m))
        cls._attr_names = tuple(cls._by_attr)
        _CONTAINERS[cls.__name__] = cls
        haldls.register_type(cls)

    def __init__(self, **values):
        object.__setattr__(self, "_values", {a: m.default(a) for a, m in self._by_attr.items()})
        for k, v in values.items():
            if k not in self._by_attr:
                raise TypeError(f"{type(self).__name__} has no member {k!r}; members: {list(self._attr_names)}")
            setattr(self, k, v)

    def __setattr__(self, name, value):
        if name not in self._by_attr:
            raise AttributeError(f"{type(self).__name__} has no member {name!r}; "
                                 f"members: {list(self._attr_names)}")
        object.__setattr__(self, name, value)

    @classmethod
    def _raw(cls, values: dict):
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_values", values)
        return obj

    @classmethod
    def coordinate_type(cls):
        """The halco coordinate type this container is written at."""
        return getattr(halco, cls.coordinate_name)

    @classmethod
    def _check_coord(cls, coord):
        t = cls.coordinate_type()
        if not isinstance(coord, t):
            raise TypeError(f"{cls.__name__} lives at {t.__name__}, got {coord!r}")
        return coord

    # -- value semantics -----------------------------------------------------------------
    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(m.equal(a, self._values[a], other._values[a]) for a, m in self._by_attr.items())

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def copy(self):
        """An independent copy."""
        return self._raw({a: m.copy(a, self._values[a]) for a, m in self._by_attr.items()})

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_from_arrays_by_name, (type(self).__name__, self.to_arrays()))

    def __repr__(self):
        inner = ", ".join(f"{a}=..." if isinstance(self._values[a], (ContainerArray, LolaContainer, np.ndarray))
                          and not _short(self._values[a]) else f"{a}={self._values[a]!r}"
                          for a in self._attr_names)
        return f"{type(self).__name__}({inner})"

    # -- stadls protocol ---------------------------------------------------------------------
    def write_plan(self, coord) -> Tuple[np.ndarray, np.ndarray]:
        """(addresses, words) of every leaf, concatenated in member order (uint32)."""
        self._check_coord(coord)
        return _concat([m.plan(self, coord) for m in self._members])

    @classmethod
    def read_plan(cls, coord) -> np.ndarray:
        """Addresses read by ``decode_read`` (the same as ``write_plan``'s)."""
        cls._check_coord(coord)
        return _read_plan_cached(cls, int(coord.toEnum()))

    @classmethod
    def decode_read(cls, coord, words):
        """Container from the words answered for ``read_plan(coord)``."""
        cls._check_coord(coord)
        words = np.asarray(words)
        sizes = _read_sizes(cls, int(coord.toEnum()))
        if len(words) != sum(sizes):
            raise ValueError(f"{cls.__name__}.decode_read needs {sum(sizes)} words, got {len(words)}")
        values, pos = {}, 0
        for m, k in zip(cls._members, sizes):
            values.update(m.decode(coord, words[pos:pos + k]))
            pos += k
        return cls._raw(values)

    def leaves(self, coord) -> Iterator:
        """(coordinate, haldls leaf) of every leaf, in ``write_plan`` order."""
        self._check_coord(coord)
        for m in self._members:
            yield from m.leaves(self, coord)

    # -- arrays and files ----------------------------------------------------------------------
    def _to_arrays(self, prefix: str, out: dict) -> None:
        for m in self._members:
            m.to_arrays(self, prefix, out)

    @classmethod
    def _from_arrays(cls, arrays: dict, prefix: str):
        values = {}
        for m in cls._members:
            values.update(m.from_arrays(arrays, prefix))
        return cls._raw(values)

    def to_arrays(self) -> Dict[str, np.ndarray]:
        """All values as named numpy arrays (the file format; see docs/lola.md)."""
        out: Dict[str, np.ndarray] = {}
        self._to_arrays("", out)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict):
        """Inverse of ``to_arrays``; raises ValueError for missing or invalid entries."""
        try:
            return cls._from_arrays(arrays, "")
        except KeyError as e:
            raise ValueError(f"{cls.__name__}.from_arrays: missing entry {e}") from None

    def to_dict(self) -> dict:
        """JSON-able dict ``{"type": name, "arrays": {key: nested lists}}``."""
        return {"type": type(self).__name__,
                "arrays": {k: v.tolist() for k, v in self.to_arrays().items()}}

    @classmethod
    def from_dict(cls, d: dict):
        """Inverse of ``to_dict``."""
        if d.get("type", cls.__name__) != cls.__name__:
            raise ValueError(f"dict describes a {d.get('type')}, not a {cls.__name__}")
        return cls.from_arrays({k: np.asarray(v) for k, v in d["arrays"].items()})

    @classmethod
    def describe(cls) -> List[Tuple[str, str]]:
        """(member, description) rows (docs/lola.md)."""
        rows = []
        for m in cls._members:
            rows.extend(m.describe())
        return rows


def _short(v) -> bool:
    return isinstance(v, np.ndarray) and v.size <= 4


def _member_property(owner: str, name: str, member: Member):
    def fget(self):
        return self._values[name]

    def fset(self, value):
        self._values[name] = member.check(owner, name, value)

    return property(fget, fset, doc=dict(member.describe()).get(name, ""))


@lru_cache(maxsize=None)
def _read_plan_cached(cls, enum_: int) -> np.ndarray:
    coord = cls.coordinate_type().from_enum(enum_)
    parts = [np.asarray(m.read_plan(coord), dtype=_U32).reshape(-1) for m in cls._members]
    a = np.concatenate(parts) if parts else np.zeros(0, _U32)
    a.flags.writeable = False
    return a


@lru_cache(maxsize=None)
def _read_sizes(cls, enum_: int) -> Tuple[int, ...]:
    coord = cls.coordinate_type().from_enum(enum_)
    return tuple(len(np.asarray(m.read_plan(coord)).reshape(-1)) for m in cls._members)


def _from_arrays_by_name(name: str, arrays: dict):
    return _CONTAINERS[name].from_arrays(arrays)


def container_types() -> Dict[str, type]:
    """Member-based lola containers by name."""
    return dict(_CONTAINERS)
