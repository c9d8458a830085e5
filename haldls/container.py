"""Container classes generated from the register map.

A leaf container is a plain value: typed fields with range checks, equality,
repr, ``to_dict``/``from_dict``, and ``encode``/``decode`` to 32-bit words.
Nothing here is written per container: one generic implementation reads the
``Register`` description.  Bulk data (whole synapse arrays, all neurons) goes
through the vectorized ``encode_array``/``decode_array`` class methods.
"""
from __future__ import annotations

import enum
import operator
from typing import Dict, Iterator, List, Tuple

import numpy as np

from .regmap import Access, Field, Register

_UINT32 = np.uint32


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def _resolve_coordinate(name: str):
    import halco

    try:
        return getattr(halco, name)
    except AttributeError:  # pragma: no cover - a map entry naming a missing type
        raise AttributeError(f"register map names coordinate {name!r}, which halco does not define")


class RangedValue(int):
    """An int restricted to ``[min, max]``; the public typed field values
    (``CapMemCell.Value(500)``, ``Timer.Value(125)``) are subclasses."""

    min = 0
    max = 0

    def __new__(cls, value=None):
        if value is None:
            value = cls.default
        try:
            v = operator.index(value)
        except TypeError:
            raise TypeError(f"{cls.__qualname__} needs an integer, got {value!r}") from None
        if not cls.min <= v <= cls.max:
            raise ValueError(f"{cls.__qualname__}({v}) out of range [{cls.min}, {cls.max}]")
        return int.__new__(cls, v)

    default = 0

    def value(self) -> int:
        """The plain integer."""
        return int(self)

    def __repr__(self):
        return f"{type(self).__qualname__}({int(self)})"


def ranged_value_type(qualname: str, lo: int, hi: int, default: int = 0, doc: str = "") -> type:
    """Create a ranged integer value type named ``qualname``."""
    name = qualname.rsplit(".", 1)[-1]
    cls = type(name, (RangedValue,), {"min": lo, "max": hi, "default": default,
                                      "__doc__": doc or f"Integer in [{lo}, {hi}]."})
    cls.__qualname__ = qualname
    return cls


class LaneArray:
    """Fixed-length, range-checked array field (e.g. the 4 weights of a quad).

    Indexable by int or by any coordinate with ``__index__`` (``EntryOnQuad``).
    """

    __slots__ = ("_values", "_check", "_label")

    def __init__(self, values, check, label):
        self._check = check
        self._label = label
        self._values = [check(v) for v in values]

    def __len__(self):
        return len(self._values)

    def __getitem__(self, i):
        return self._values[operator.index(i)]

    def __setitem__(self, i, v):
        i = operator.index(i)
        if not -len(self._values) <= i < len(self._values):
            raise IndexError(f"{self._label}[{i}] out of range [0, {len(self._values) - 1}]")
        self._values[i] = self._check(v)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other):
        try:
            return list(self) == list(other)
        except TypeError:
            return NotImplemented

    def __repr__(self):
        return repr(self._values)

    def tolist(self) -> list:
        return [int(v) if not isinstance(v, bool) else v for v in self._values]

    def copy(self) -> "LaneArray":
        """An independent copy (the values are already checked)."""
        out = LaneArray.__new__(LaneArray)
        out._check, out._label, out._values = self._check, self._label, list(self._values)
        return out


def _all_slots(cls) -> tuple:
    """Every slot of a class and its bases (a subclass lists only its own in ``__slots__``)."""
    return tuple(name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ()))


def _is_enum(kind) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.IntEnum)


def check_bool(label: str, v) -> bool:
    """``v`` as a bool; TypeError for non-integers, ValueError for ints other than 0/1."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    try:
        i = operator.index(v)
    except TypeError:
        raise TypeError(f"{label} needs a bool, got {v!r}") from None
    if i not in (0, 1):
        raise ValueError(f"{label} = {i} out of range [0, 1] (a bool)")
    return bool(i)


def _checker(owner: str, f: Field):
    """Validate one (lane) value of field ``f``: TypeError for a non-integer,
    ValueError (naming the field and its range) for an out-of-range value."""
    label = f"{owner}.{f.name}"
    kind = f.kind
    if kind is bool:
        def check(v):
            return check_bool(label, v)
    elif _is_enum(kind):
        valid = ", ".join(f"{int(m)} {m.name}" for m in kind)

        def check(v):
            if isinstance(v, str):
                try:
                    return kind[v]
                except KeyError:
                    raise ValueError(f"{label} = {v!r} is not a {kind.__name__}; valid: {valid}") from None
            try:
                i = operator.index(v)
            except TypeError:
                raise TypeError(f"{label} needs a {kind.__name__} (or its name or value), "
                                f"got {v!r}") from None
            try:
                return kind(i)
            except ValueError:
                raise ValueError(f"{label} = {i} out of range [{int(min(kind))}, {int(max(kind))}] "
                                 f"({kind.__name__}; valid: {valid})") from None
    else:
        lo, hi = f.lo, f.hi

        def check(v):
            try:
                i = operator.index(v)
            except TypeError:
                raise TypeError(f"{label} needs an integer, got {v!r}") from None
            if not lo <= i <= hi:
                raise ValueError(f"{label} = {i} out of range [{lo}, {hi}]")
            return i
    return check


def _valid_range(f: Field) -> Tuple[int, int]:
    if f.kind is bool:
        return 0, 1
    if _is_enum(f.kind):
        return int(min(f.kind)), int(max(f.kind))
    return f.lo, f.hi


def _as_words(words, owner: str) -> np.ndarray:
    """``words`` as a uint32 array, checked to be 32-bit words (nothing wraps around)."""
    arr = np.asarray(words)
    if arr.dtype == np.uint32:
        return arr
    if arr.size == 0:
        return arr.astype(np.uint32)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{owner} needs integer words, got dtype {arr.dtype}")
    if int(arr.min()) < 0 or int(arr.max()) > 0xffff_ffff:
        bad = arr[(arr < 0) | (arr > 0xffff_ffff)].ravel()[0]
        raise ValueError(f"{owner}: {int(bad)} is not a 32-bit word [0, 0xffffffff]")
    return arr.astype(np.uint32)


class Container:
    """Base of every leaf container generated from the register map."""

    __slots__ = ()
    register: Register = None
    _fields: Tuple[Field, ...] = ()
    _checks: Dict[str, object] = {}
    _coordinate_type = None

    # -- construction and value semantics ---------------------------------
    def __init__(self, *args, **values):
        if args:
            # the public single-value containers take their value positionally:
            # CapMemCell(value), PPUMemoryWord(value), DACChannel(value), ...
            if len(args) > 1 or len(self._fields) != 1:
                raise TypeError(f"{type(self).__name__}() takes its fields by keyword "
                                f"({[f.name for f in self._fields]}); only single-field containers "
                                f"take one positional value")
            if self._fields[0].name in values:
                raise TypeError(f"{type(self).__name__}() got {self._fields[0].name!r} twice")
            values[self._fields[0].name] = args[0]
        for f in self._fields:
            default = f.default
            if f.count > 1:
                setattr(self, f.name, [default] * f.count)
            else:
                object.__setattr__(self, "_v_" + f.name, self._checks[f.name](default))
        for k, v in values.items():
            if k not in self._checks:
                raise TypeError(f"{type(self).__name__} has no field {k!r}; "
                                f"fields: {[f.name for f in self._fields]}")
            setattr(self, k, v)

    def __setattr__(self, name, value):
        if "_v_" + name in self.__slots__ or name in type(self).__dict__:
            object.__setattr__(self, name, value)
        else:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}; "
                                 f"fields: {[f.name for f in self._fields]}")

    @classmethod
    def coordinate_type(cls):
        """The halco coordinate type that addresses this container."""
        if cls._coordinate_type is None:
            cls._coordinate_type = _resolve_coordinate(cls.register.coordinate)
        return cls._coordinate_type

    def _key(self):
        return tuple(tuple(getattr(self, f.name)) if f.count > 1 else getattr(self, f.name)
                     for f in self._fields)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None  # mutable values

    def __repr__(self):
        parts = []
        for f in self._fields:
            v = getattr(self, f.name)
            if f.count > 1:
                v = v.tolist()
            elif isinstance(v, enum.Enum):
                v = f"{type(v).__name__}.{v.name}"
            parts.append(f"{f.name}={v}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def copy(self):
        """An independent copy (field by field: the values are immutable or lane arrays, already
        checked, so nothing is encoded or validated again)."""
        obj = type(self).__new__(type(self))
        for name in _all_slots(type(self)):
            value = getattr(self, name)
            object.__setattr__(obj, name, value.copy() if isinstance(value, (LaneArray, Container, list, dict))
                               else value)
        return obj

    def __copy__(self):
        return self.from_dict(self.to_dict())

    def __deepcopy__(self, memo):
        return self.from_dict(self.to_dict())

    def __reduce__(self):
        return (_from_dict_by_name, (self.to_dict(),))

    def to_dict(self) -> dict:
        """JSON-able dict: ``{"type": name, field: value, ...}``."""
        d = {"type": type(self).__name__}
        for f in self._fields:
            v = getattr(self, f.name)
            if f.count > 1:
                v = [x.name if isinstance(x, enum.Enum) else x for x in v]
            elif isinstance(v, enum.Enum):
                v = v.name
            elif not isinstance(v, bool):
                v = int(v)
            d[f.name] = v
        return d

    @classmethod
    def from_dict(cls, d: dict):
        """Inverse of ``to_dict``; raises ValueError for a foreign type."""
        d = dict(d)
        t = d.pop("type", cls.__name__)
        if t != cls.__name__:
            raise ValueError(f"dict describes a {t}, not a {cls.__name__}")
        return cls(**d)

    # -- encoding ---------------------------------------------------------
    def encode(self) -> np.ndarray:
        """The register words of this value (uint32, ``register.words`` long)."""
        words = [0] * self.register.words
        for f in self._fields:
            mask = (1 << f.width) - 1
            if f.count > 1:
                values = getattr(self, f.name)
                for v, (w, shift) in zip(values, f.lanes()):
                    words[w] |= (int(v) & mask) << shift
            else:
                words[f.word] |= (int(getattr(self, f.name)) & mask) << f.lsb
        return np.array(words, dtype=_UINT32)

    @classmethod
    def decode(cls, words):
        """Build a container from its register words."""
        words = _as_words(words, f"{cls.__name__}.decode")
        if words.shape != (cls.register.words,):
            raise ValueError(f"{cls.__name__}.decode needs {cls.register.words} words, "
                             f"got shape {words.shape}")
        words = [int(w) for w in words]
        obj = cls.__new__(cls)
        for f in cls._fields:
            mask = (1 << f.width) - 1
            lane_values = []
            for w, shift in f.lanes():
                raw = (words[w] >> shift) & mask
                if f.signed and raw >= 1 << (f.width - 1):
                    raw -= 1 << f.width
                lane_values.append(raw)
            check = cls._checks[f.name]
            if f.count > 1:
                object.__setattr__(obj, "_v_" + f.name, LaneArray(lane_values, check, f"{cls.__name__}.{f.name}"))
            else:
                object.__setattr__(obj, "_v_" + f.name, check(lane_values[0]))
        return obj

    # -- addresses --------------------------------------------------------
    @classmethod
    def _enum_of(cls, coord) -> int:
        ctype = cls.coordinate_type()
        if not isinstance(coord, ctype):
            raise TypeError(f"{cls.__name__} lives at {ctype.__name__}, got {coord!r}")
        return int(coord.toEnum())

    @classmethod
    def addresses(cls, coord) -> np.ndarray:
        """All word addresses of the instance at ``coord`` (uint32)."""
        return cls.register.addresses([cls._enum_of(coord)])[0]

    @classmethod
    def read_addresses(cls, coord) -> np.ndarray:
        """Addresses read to decode this container (empty for triggers)."""
        a = cls.addresses(coord)
        return a if cls.register.read_words else a[:0]

    @classmethod
    def write_addresses(cls, coord) -> np.ndarray:
        """Addresses written by ``encode`` (empty for read-only registers)."""
        a = cls.addresses(coord)
        return a if cls.register.write_words else a[:0]

    # -- generic visitor protocol used by stadls ---------------------------
    def write_plan(self, coord) -> Tuple[np.ndarray, np.ndarray]:
        """(addresses, words) that write this value at ``coord``."""
        if not self.register.write_words:
            raise TypeError(f"{type(self).__name__} is read-only and cannot be written")
        return self.addresses(coord), self.encode()

    @classmethod
    def read_plan(cls, coord) -> np.ndarray:
        """Addresses whose words ``decode_read`` needs."""
        if not cls.register.read_words:
            raise TypeError(f"{cls.__name__} is a write-only trigger and cannot be read")
        return cls.addresses(coord)

    @classmethod
    def decode_read(cls, coord, words):
        """Container from the words answered for ``read_plan(coord)``."""
        cls._enum_of(coord)
        return cls.decode(words)

    # -- vectorized bulk interface -----------------------------------------
    @classmethod
    def encode_array(cls, values: Dict[str, np.ndarray], n: int = None) -> np.ndarray:
        """Encode many instances at once.

        ``values`` maps field names to integer (or bool) arrays of shape
        ``(n,)`` (or ``(n, count)`` for array fields; a scalar is broadcast);
        missing fields take their default.  Returns uint32 words of shape
        ``(n, words)``.  Raises TypeError for an unknown field or a
        non-integer array, ValueError naming the field, the first offending
        value, its index and the valid range.
        """
        unknown = set(values) - set(cls._checks)
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}; "
                            f"fields: {[f.name for f in cls._fields]}")
        if n is None:
            shaped = [np.shape(v) for v in values.values() if np.ndim(v)]
            n = shaped[0][0] if shaped else 1
        n = operator.index(n)
        # uint32 throughout: every lane fits its word, and small temporaries keep this fast
        words = np.zeros((n, cls.register.words), dtype=np.uint32)
        for f in cls._fields:
            if f.name in values:
                lanes_in = cls._field_array(f, values[f.name], n)
            elif f.default:
                lanes_in = np.full((n, f.count), f.default, dtype=np.int64)
            else:
                continue
            mask = np.uint32((1 << f.width) - 1)
            lanes = f.lanes()
            if f.count > 1 and not f.lane_word_stride:
                # all lanes in one word: combine them first, one pass over the word column
                acc = np.zeros(n, dtype=np.uint32)
                for lane, (_, shift) in enumerate(lanes):
                    part = lanes_in[:, lane].astype(np.uint32)
                    part &= mask
                    part <<= np.uint32(shift)
                    acc |= part
                words[:, lanes[0][0]] |= acc
            else:
                for lane, (w, shift) in enumerate(lanes):
                    part = lanes_in[:, lane].astype(np.uint32)  # two's complement for signed fields
                    part &= mask
                    part <<= np.uint32(shift)
                    words[:, w] |= part
        return words

    @classmethod
    def _field_array(cls, f: Field, value, n: int) -> np.ndarray:
        """One field's values as a range-checked integer array of shape (n, count)."""
        label = f"{cls.__name__}.{f.name}"
        arr = np.asarray(value)
        if arr.dtype.kind not in "iub":
            if arr.dtype == object and arr.size and all(
                    isinstance(x, (int, np.integer)) for x in arr.ravel().tolist()):
                arr = np.array(arr.tolist())  # e.g. a list mixing enum members and ints
            if arr.dtype.kind not in "iu":
                raise TypeError(f"{label} needs integer values, got an array of dtype {arr.dtype}")
        if arr.ndim == 0:
            arr = np.broadcast_to(arr, (n, f.count))
        elif arr.shape == (n,) and f.count == 1 or arr.shape == (n, f.count):
            arr = arr.reshape(n, f.count)
        else:
            want = f"({n},)" if f.count == 1 else f"({n}, {f.count})"
            raise ValueError(f"{label} needs shape {want}, got {arr.shape}")
        if arr.dtype.kind == "b":
            arr = arr.view(np.uint8)
        if not arr.size:
            return arr
        lo, hi = _valid_range(f)
        if int(arr.min()) < lo or int(arr.max()) > hi or (
                _is_enum(f.kind) and not np.isin(arr, [int(m) for m in f.kind]).all()):
            bad = (arr < lo) | (arr > hi)
            if _is_enum(f.kind):
                bad |= ~np.isin(arr, [int(m) for m in f.kind])
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            where = idx[0] if f.count == 1 else idx
            raise ValueError(f"{label}[{where}] = {int(arr[idx])} out of range [{lo}, {hi}]")
        return arr

    @classmethod
    def decode_array(cls, words) -> Dict[str, np.ndarray]:
        """Inverse of ``encode_array``: field name -> int64 array of shape
        ``(n,)`` (or ``(n, count)``).  ``words`` has shape ``(n, words)`` (or
        ``(n,)`` for one-word registers); raises ValueError for values that
        are not 32-bit words."""
        words = _as_words(words, f"{cls.__name__}.decode_array")
        if words.size % cls.register.words:
            raise ValueError(f"{cls.__name__}.decode_array needs a multiple of {cls.register.words} "
                             f"words, got shape {words.shape}")
        words = words.reshape(-1, cls.register.words).astype(np.int64)
        out = {}
        for f in cls._fields:
            mask = (1 << f.width) - 1
            lanes = f.lanes()
            if f.count > 1 and not f.lane_word_stride:
                shifts = np.array([shift for _, shift in lanes], dtype=np.int64)
                raw = words[:, lanes[0][0], None] >> shifts[None, :]
            else:
                raw = np.stack([words[:, w] >> shift for w, shift in lanes], axis=1)
            raw &= mask
            if f.signed:
                raw[raw >= 1 << (f.width - 1)] -= 1 << f.width
            out[f.name] = raw[:, 0] if f.count == 1 else raw
        return out

    @classmethod
    def fields(cls) -> Tuple[Field, ...]:
        """The field descriptions of the register map entry."""
        return cls._fields


def _make_property(f: Field, check, owner: str):
    slot = "_v_" + f.name
    if f.count > 1:
        def fget(self):
            return getattr(self, slot)

        def fset(self, value):
            values = list(value)
            if len(values) != f.count:
                raise ValueError(f"{owner}.{f.name} needs {f.count} values, got {len(values)}")
            object.__setattr__(self, slot, LaneArray(values, check, f"{owner}.{f.name}"))
    else:
        def fget(self):
            return getattr(self, slot)

        def fset(self, value):
            object.__setattr__(self, slot, check(value))
    doc = f.doc or f"{f.name}: bits {f.lsb}..{f.lsb + f.width - 1} of word {f.word}"
    return property(fget, fset, doc=doc)


def make_container(reg: Register, extra_bases: tuple = (), namespace: dict = None) -> type:
    """Generate the container class for one register map entry."""
    attrs = {
        "__slots__": tuple("_v_" + f.name for f in reg.fields),
        "register": reg,
        "_fields": reg.fields,
        "__doc__": reg.doc or f"{reg.name} register ({reg.words} words).",
        "__module__": "haldls",
    }
    checks = {}
    for f in reg.fields:
        checks[f.name] = _checker(reg.name, f)
        attrs[f.name] = _make_property(f, checks[f.name], reg.name)
        if f.kind is int and f.width > 1:
            vt = f.value_type or _camel(f.name)
            if vt not in attrs:
                attrs[vt] = ranged_value_type(f"{reg.name}.{vt}", f.lo, f.hi, f.default,
                                              f.doc)
    for e in reg.enums:
        attrs[e.__name__] = e
    for f in reg.fields:
        if _is_enum(f.kind):
            attrs.setdefault(f.kind.__name__, f.kind)
    attrs["_checks"] = checks
    if namespace:
        attrs.update(namespace)
    cls = type(reg.name, extra_bases + (Container,), attrs)
    return cls


_REGISTRY: Dict[str, type] = {}


def register_type(cls):
    """Make ``cls`` known to ``from_dict``/pickle by its name."""
    _REGISTRY[cls.__name__] = cls
    return cls


def container_type(name: str) -> type:
    """The container class called ``name``; KeyError naming it if there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no haldls container type {name!r}") from None


def container_types() -> Dict[str, type]:
    """All container classes by name."""
    return dict(_REGISTRY)


def _from_dict_by_name(d):
    return _REGISTRY[d["type"]].from_dict(d)


def from_dict(d: dict):
    """Rebuild any container from ``to_dict`` output."""
    try:
        cls = _REGISTRY[d["type"]]
    except KeyError:
        raise ValueError(f"unknown container type {d.get('type')!r}") from None
    return cls.from_dict(d)


def visit_preorder(container, coord, visitor) -> None:
    """Call ``visitor(coord, container)`` on ``container`` and, for composite
    containers, on every leaf below it, in the order of its ``leaves``: leaves
    of one type in increasing address order (CapMemBlock, PPUMemory),
    SynapseQuad's weights, labels and correlation calibration in that order."""
    visitor(coord, container)
    leaves = getattr(container, "leaves", None)
    if leaves is not None:
        for leaf_coord, leaf in leaves(coord):
            visit_preorder(leaf, leaf_coord, visitor)


def iter_leaves(container, coord) -> Iterator[Tuple[object, Container]]:
    """All (coordinate, leaf container) pairs below ``container``."""
    out: List[Tuple[object, Container]] = []

    def collect(c, x):
        if isinstance(x, Container):
            out.append((c, x))

    visit_preorder(container, coord, collect)
    return iter(out)


__all__ = ["Access", "Container", "LaneArray", "RangedValue", "container_type", "container_types",
           "from_dict", "iter_leaves", "make_container", "ranged_value_type",
           "register_type", "visit_preorder"]
