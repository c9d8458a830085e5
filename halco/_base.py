"""Base machinery of all coordinate types.

Every coordinate is a pair (type, enum): an immutable object with one slot,
``_v``, holding its dense linear index in ``range(T.size)``.  The kinds differ
only in how they are built and taken apart:

``Ranged``      an integer in ``[min, max]`` (enum = value - min)
``Grid``        x/y pair of two ranged types, row-major (enum = y * X.size + x)
``SparseGrid``  a grid where only listed (x, y) cells exist, enum dense over them
``Mixin``       "local on block": enum = block * Local.size + local
``Interval``    closed interval [a, b] of a ranged bound type, enum dense over a <= b

A new coordinate is one class statement, e.g.::

    class PADIBusOnPADIBusBlock(Ranged, max=3):
        "PADI bus on one PADI bus block."

Construction is specialised per class (closures over the class constants) so
the common cases cost a few hundred nanoseconds.  Validation happens once, on
construction; conversions build their results with the unchecked ``_u``.
"""
from __future__ import annotations

import operator
import zlib
from math import isqrt


__all__ = [
    "Enum",
    "Coordinate",
    "Ranged",
    "Single",
    "Grid",
    "SparseGrid",
    "Mixin",
    "Interval",
    "iter_all",
    "from_dict",
    "from_bytes",
    "to_enum_array",
    "coordinate_types",
    "lookup",
    "link_same_enum",
]

_REGISTRY: "dict[str, type]" = {}

_onew = object.__new__
_int_new = int.__new__


class Enum(int):
    """Linear index of a coordinate (``T(halco.Enum(i))``), an ``int`` >= 0.

    Unlike coordinates, an ``Enum`` is a plain integer: ``Enum(3) == 3``.
    Passing an ``Enum`` to a coordinate constructor means "the i-th instance in
    enum order", as in the public halco API.

    Raises ``TypeError`` for non-integers (and bools) and ``ValueError`` for
    negative values.
    """

    __slots__ = ()

    def __new__(cls, value=0):
        if value.__class__ is not int:
            value = _as_int("Enum", value)
        if value < 0:
            raise ValueError(f"Enum({value}) out of range [0, inf)")
        return _int_new(cls, value)

    def value(self) -> int:
        """The plain integer."""
        return int(self)

    def toEnum(self) -> "Enum":
        """Itself (so generic code can call ``toEnum()`` on anything)."""
        return self

    def __repr__(self):
        return f"Enum({int(self)})"

    __str__ = __repr__


def _as_int(tname: str, value) -> int:
    """Integer from ``value`` or a TypeError naming ``tname``.

    Accepts ``int`` and anything with ``__index__`` (numpy integers), rejects
    ``bool`` (a flag is never a position), floats, strings and coordinates.
    """
    if isinstance(value, bool) or type(value).__name__ in ("bool_", "bool"):  # numpy 1.x / 2.x
        raise TypeError(f"{tname}() takes an integer, got bool {value!r}")
    if isinstance(value, Coordinate):
        raise TypeError(
            f"{tname}() cannot be built from {type(value).__name__}; "
            f"use a to{tname}() conversion or an Enum")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{tname}() takes an integer, got {type(value).__name__} {value!r}") from None


class _CoordinateMeta(type):
    """Gives every coordinate class ``__slots__ = ()`` unless it says otherwise,
    so instances stay one slot wide without boilerplate."""

    def __new__(mcs, name, bases, ns, **kw):
        ns.setdefault("__slots__", ())
        return super().__new__(mcs, name, bases, ns, **kw)

    def __init__(cls, name, bases, ns, **kw):
        super().__init__(name, bases, ns)


def _restore(cls, enum):
    """Unpickle helper: rebuild ``cls`` from its enum."""
    return cls.from_enum(enum)


class Coordinate(metaclass=_CoordinateMeta):
    """Base of all coordinate types: an immutable (type, enum) value.

    Value semantics (the same for every kind):

    * equality and hashing only within one type: coordinates of different
      types are never equal, and a coordinate never equals a plain ``int``
      (compare ``c.toEnum()``, ``c.value()`` or ``int(c)`` instead);
    * total ordering within a type, by enum; ordering across types raises
      ``TypeError``;
    * ``repr`` is a constructor call that ``eval`` turns back into the value;
    * pickle, ``copy`` and ``to_dict``/``from_dict``/``to_bytes`` round-trip.
    """

    __slots__ = ("_v",)

    #: number of instances; ``min``/``max`` bound the ranged value (for
    #: composites the enum), ``begin``/``end`` are ``min``/``max + 1``
    size: int = 0
    min: int = 0
    max: int = -1
    _abstract = True
    _hseed = 0
    #: public ``T.enum_type``: the type of the linear index, ``T(T.enum_type(i))``
    enum_type = Enum

    #: types with at most this many instances keep all of them in a tuple, so that
    #: construction and conversion return shared instances instead of allocating
    _CACHE_MAX = 4096
    _cache: "tuple | None" = None
    _mutable = False

    @classmethod
    def _setup_instances(cls):
        """Build the unchecked maker ``_u`` (and the instance cache of small types)."""
        def mk(e):
            self = _onew(cls)
            _setv(self, e)
            return self
        mk.__qualname__ = f"{cls.__name__}._u"
        if cls.size <= cls._CACHE_MAX and not cls._mutable:
            cls._cache = tuple(map(mk, range(cls.size)))
            cls._u = cls._cache.__getitem__
        else:
            cls._cache = None
            cls._u = staticmethod(mk)
        return cls._u

    @classmethod
    def _register(cls, register: bool = True):
        cls._abstract = False
        cls.begin = cls.min
        cls.end = cls.max + 1
        # distinct per type so mixed sets do not pile up on the same buckets
        cls._hseed = zlib.crc32(cls.__name__.encode()) << 24
        if register:
            old = _REGISTRY.get(cls.__name__)
            if old is not None and old is not cls and old.__module__.startswith("halco."):
                raise TypeError(f"coordinate type name {cls.__name__!r} is already taken by {old!r}")
            _REGISTRY[cls.__name__] = cls

    # -- construction helpers -------------------------------------------------
    # ``cls._u(e)``: unchecked construction from a valid enum (set per class by
    # ``_setup_instances``; internal, used by conversions and iteration)

    @classmethod
    def from_enum(cls, e):
        """Instance number ``e`` in enum order (fast; checks only the range).

        Raises ``ValueError`` if ``e`` is outside ``[0, size)``.
        """
        if e.__class__ is not int:
            e = _as_int(f"{cls.__name__}.from_enum", e)
        if not 0 <= e < cls.size:
            raise ValueError(f"{cls.__name__}(Enum({e})) out of range [0, {cls.size - 1}]")
        return cls._u(e)

    @classmethod
    def from_enums(cls, enums) -> list:
        """List of instances for an iterable or numpy array of enums (range-checked)."""
        try:
            import numpy as np
        except ImportError:  # pragma: no cover
            return [cls.from_enum(e) for e in enums]
        arr = np.asarray(enums)
        if arr.size:
            if arr.dtype.kind not in "iu":
                raise TypeError(f"{cls.__name__}.from_enums needs integers, got dtype {arr.dtype}")
            lo, hi = int(arr.min()), int(arr.max())
            if lo < 0 or hi >= cls.size:
                bad = lo if lo < 0 else hi
                raise ValueError(f"{cls.__name__}(Enum({bad})) out of range [0, {cls.size - 1}]")
        return list(map(cls._u, arr.ravel().tolist()))

    @classmethod
    def _enum_error(cls, e):
        return ValueError(f"{cls.__name__}(Enum({e})) out of range [0, {cls.size - 1}]")

    # -- value semantics --------------------------------------------------------
    def toEnum(self) -> Enum:
        """Linear index of this instance."""
        return _int_new(Enum, self._v)

    def __index__(self) -> int:
        return self._v

    __int__ = __index__

    def __hash__(self):
        return self._v ^ self._hseed

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._v == other._v
        return NotImplemented

    def __ne__(self, other):
        if other.__class__ is self.__class__:
            return self._v != other._v
        return NotImplemented

    def __lt__(self, other):
        if other.__class__ is self.__class__:
            return self._v < other._v
        return NotImplemented

    def __le__(self, other):
        if other.__class__ is self.__class__:
            return self._v <= other._v
        return NotImplemented

    def __gt__(self, other):
        if other.__class__ is self.__class__:
            return self._v > other._v
        return NotImplemented

    def __ge__(self, other):
        if other.__class__ is self.__class__:
            return self._v >= other._v
        return NotImplemented

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self):
        return (_restore, (self.__class__, self._v))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __str__(self):
        return self.__repr__()

    # -- serialisation ------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-able dict ``{"type": name, "enum": i}``; inverse: ``halco.from_dict``."""
        return {"type": self.__class__.__name__, "enum": self._v}

    @classmethod
    def from_dict(cls, d: dict):
        """Inverse of ``to_dict``; the ``type`` entry must name this class.

        Raises ``ValueError`` for a different type name or an out-of-range enum.
        """
        name = d.get("type", cls.__name__)
        if name != cls.__name__:
            raise ValueError(f"{cls.__name__}.from_dict got a {name!r} dict")
        if "enum" in d:
            return cls.from_enum(d["enum"])
        if "value" in d:
            return cls(d["value"])
        raise ValueError(f"{cls.__name__}.from_dict needs an 'enum' entry, got {d!r}")

    def to_bytes(self) -> bytes:
        """Compact stable binary form: ASCII type name, NUL, enum as 8-byte little endian."""
        return self.__class__.__name__.encode("ascii") + b"\0" + self._v.to_bytes(8, "little")


_setv = Coordinate.__dict__["_v"].__set__


_NO = object()  # "argument not given" marker of the composite constructors


def _pack(a, b, more) -> tuple:
    """Positional arguments of a composite constructor as a tuple (slow path)."""
    if a is _NO:
        return ()
    if b is _NO:
        return (a,)
    return (a, b) + more


# ---------------------------------------------------------------------------------
# Ranged
# ---------------------------------------------------------------------------------

def _make_ranged_new(lo: int, hi: int, cache):
    # Four variants so the hot path has no branch it does not need: small
    # types return shared instances from ``cache``, large ones allocate inline.
    if cache is not None and lo == 0:
        def __new__(cls, value=None, *parts):
            if value.__class__ is int and 0 <= value <= hi and not parts:
                return cache[value]
            return cls._construct(value, parts)
    elif cache is not None:
        def __new__(cls, value=None, *parts):
            if value.__class__ is int and lo <= value <= hi and not parts:
                return cache[value - lo]
            return cls._construct(value, parts)
    elif lo == 0:
        def __new__(cls, value=None, *parts):
            if value.__class__ is int and 0 <= value <= hi and not parts:
                self = _onew(cls)
                _setv(self, value)
                return self
            return cls._construct(value, parts)
    else:
        def __new__(cls, value=None, *parts):
            if value.__class__ is int and lo <= value <= hi and not parts:
                self = _onew(cls)
                _setv(self, value - lo)
                return self
            return cls._construct(value, parts)
    return __new__


class Ranged(Coordinate):
    """Integer coordinate in ``[min, max]`` (public ``RantWrapper``).

    ``T(value)`` takes an ``int`` (or numpy integer), ``T(Enum(i))`` the i-th
    value (``min + i``), ``T()`` gives ``min``.  Out of range raises
    ``ValueError`` naming the type and range; non-integers, bools and other
    coordinate types raise ``TypeError``.  Like every coordinate it is always
    truthy (the public ``__bool__`` tests ``value != 0``; we drop it so that
    ``if c.toSPL1Address():`` cannot mistake ``SPL1Address(0)`` for "none").

    Define one with ``class Name(Ranged, max=..., min=0): "doc"``.
    """

    def __init_subclass__(cls, max=None, min=None, register=True, mutable=False, **kw):
        super().__init_subclass__(**kw)
        cls._mutable = mutable
        if max is None and min is None:
            if cls.max < cls.min:  # abstract intermediate base
                return
            max, min = cls.max, cls.min
        if min is None:
            min = 0
        if max is None:
            max = cls.max
        if max < min:
            raise ValueError(f"{cls.__name__}: max {max} < min {min}")
        cls.min, cls.max, cls.size = min, max, max - min + 1
        cls._setup_instances()
        cls.__new__ = staticmethod(_make_ranged_new(min, max, cls._cache))
        cls._register(register)

    @classmethod
    def _construct(cls, value, parts):
        if parts:
            return cls._from_parts(value, *parts)
        if value is None:
            return cls._u(0)
        c = value.__class__
        if c is Enum:
            if value >= cls.size:
                raise ValueError(f"{cls.__name__}(Enum({int(value)})) out of range [0, {cls.size - 1}]")
            return cls._u(int(value))
        if c is cls:
            return value
        v = _as_int(cls.__name__, value)
        if not cls.min <= v <= cls.max:
            raise ValueError(f"{cls.__name__}({v}) out of range [{cls.min}, {cls.max}]")
        return cls._u(v - cls.min)

    @classmethod
    def _from_parts(cls, *parts):
        raise TypeError(f"{cls.__name__}() takes one integer or an Enum, got {len(parts)} arguments")

    def value(self) -> int:
        """The integer value."""
        return self._v + self.min

    def __index__(self) -> int:
        return self._v + self.min

    __int__ = __index__

    def __repr__(self):
        return f"{self.__class__.__name__}({self._v + self.min})"


class Single(Ranged, max=0, register=False):
    """Coordinate of a thing that exists once (size 1): ``TimerOnDLS()``."""


Single._abstract = True


# ---------------------------------------------------------------------------------
# Grid
# ---------------------------------------------------------------------------------

def _make_grid_new(X, Y, xs, size, dense_to_enum, cache):
    if dense_to_enum is not None:
        get = dense_to_enum.get
        mk = cache.__getitem__  # sparse grids are small

        def __new__(cls, a=_NO, b=_NO, *more, **kw):
            if not (kw or more):
                if b is not _NO:
                    if a.__class__ is X and b.__class__ is Y:
                        e = get(b._v * xs + a._v)
                    elif a.__class__ is Y and b.__class__ is X:
                        e = get(a._v * xs + b._v)
                        a, b = b, a
                    else:
                        return cls._construct(_pack(a, b, more), kw)
                    if e is None:
                        raise cls._no_node(a, b)
                    return mk(e)
                elif a.__class__ is Enum and a < size:
                    return mk(a + 0)
            return cls._construct(_pack(a, b, more), kw)
    elif cache is not None:
        def __new__(cls, a=_NO, b=_NO, *more, **kw):
            if not (kw or more):
                if b is not _NO:
                    if a.__class__ is X and b.__class__ is Y:
                        return cache[b._v * xs + a._v]
                    if a.__class__ is Y and b.__class__ is X:
                        return cache[a._v * xs + b._v]
                elif a.__class__ is Enum and a < size:
                    return cache[a]
            return cls._construct(_pack(a, b, more), kw)
    else:
        def __new__(cls, a=_NO, b=_NO, *more, **kw):
            if not (kw or more):
                if b is not _NO:
                    if a.__class__ is X and b.__class__ is Y:
                        self = _onew(cls)
                        _setv(self, b._v * xs + a._v)
                        return self
                    if a.__class__ is Y and b.__class__ is X:
                        self = _onew(cls)
                        _setv(self, a._v * xs + b._v)
                        return self
                elif a.__class__ is Enum and a < size:
                    self = _onew(cls)
                    _setv(self, a + 0)  # + 0: store a plain int, not the Enum
                    return self
            return cls._construct(_pack(a, b, more), kw)
    return __new__


class Grid(Coordinate):
    """Two-dimensional coordinate (public ``GridCoordinate``), row-major.

    ``T(x, y)`` with the typed components in either order (types decide),
    ``T(x=..., y=...)``, plain ints ``T(3, 1)`` (x first), ``T(Enum(i))`` or
    ``T()``.  ``x()``, ``y()``, ``to<X>()``, ``to<Y>()`` return the components.
    enum = y * X.size + x.

    Define one with ``class Name(Grid, x=XType, y=YType): "doc"``.
    """

    _X: type = None
    _Y: type = None

    def __init_subclass__(cls, x=None, y=None, register=True, **kw):
        super().__init_subclass__(**kw)
        if x is None and y is None:
            if cls._X is None:  # abstract intermediate base
                return
            x, y = cls._X, cls._Y
        cls._X, cls._Y = x, y
        cls._setup_cells()
        cls.min, cls.max = 0, cls.size - 1
        if cls._dense_to_enum is not None:
            cls._CACHE_MAX = max(cls._CACHE_MAX, cls.size)
        cls._setup_instances()
        cls.__new__ = staticmethod(_make_grid_new(x, y, x.size, cls.size, cls._dense_to_enum,
                                                  cls._cache))
        for comp, getter in ((x, "x"), (y, "y")):
            name = "to" + comp.__name__
            if name not in cls.__dict__:
                setattr(cls, name, getattr(cls, getter))
        cls._register(register)

    _dense_to_enum: "dict | None" = None

    @classmethod
    def _setup_cells(cls):
        cls.size = cls._X.size * cls._Y.size

    def __new__(cls, *args, **kw):  # replaced per subclass
        raise TypeError(f"{cls.__name__} is abstract")

    @classmethod
    def _construct(cls, args, kw=None):
        X, Y = cls._X, cls._Y
        if kw:
            unknown = set(kw) - {"x", "y"}
            if unknown:
                raise TypeError(f"{cls.__name__}() takes keywords 'x' and 'y', got {sorted(unknown)}")
            if args or len(kw) != 2:
                raise TypeError(f"{cls.__name__}() needs both x= and y= (and no positional arguments)")
            xv, yv = kw["x"], kw["y"]
            xv = xv if isinstance(xv, X) else _part(cls, X, xv)
            yv = yv if isinstance(yv, Y) else _part(cls, Y, yv)
            return cls._from_xy(xv._v, yv._v, xv, yv)
        n = len(args)
        if n == 0:
            return cls._u(0)
        if n == 1:
            a = args[0]
            if a.__class__ is Enum:
                if a >= cls.size:
                    raise cls._enum_error(int(a))
                return cls._u(int(a))
            if a.__class__ is cls:
                return a
            if isinstance(a, Coordinate):
                raise TypeError(f"{cls.__name__}() cannot be built from {type(a).__name__}")
            raise TypeError(
                f"{cls.__name__}() takes (x, y) as {X.__name__} and {Y.__name__}, "
                f"or an Enum; got {a!r}")
        if n != 2:
            raise TypeError(f"{cls.__name__}() takes (x, y) or an Enum, got {n} arguments")
        xv = yv = None
        untyped = []
        for a in args:
            if isinstance(a, X) and xv is None and not isinstance(a, Y):
                xv = a
            elif isinstance(a, Y) and yv is None and not isinstance(a, X):
                yv = a
            elif isinstance(a, Coordinate):
                raise TypeError(
                    f"{cls.__name__}() takes x as {X.__name__} and y as {Y.__name__}, "
                    f"got {type(a).__name__}")
            else:
                untyped.append(a)
        for a in untyped:
            if xv is None:
                xv = _part(cls, X, a)
            else:
                yv = _part(cls, Y, a)
        return cls._from_xy(xv._v, yv._v, xv, yv)

    @classmethod
    def _from_xy(cls, xe, ye, xv=None, yv=None):
        return cls._u(ye * cls._X.size + xe)

    def x(self):
        """The x component."""
        return self._X._u(self._v % self._X.size)

    def y(self):
        """The y component."""
        return self._Y._u(self._v // self._X.size)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.x()!r}, {self.y()!r})"


class SparseGrid(Grid):
    """Grid where only some (x, y) cells exist (public ``GridCoordinate`` with a
    smaller ``EnumSize`` and a lookup table).  The enum is dense over the
    existing cells in the order of the ``cells`` list; building a missing cell
    raises ``ValueError`` naming it.

    Define one with ``class Name(SparseGrid, x=X, y=Y, cells=[(x, y), ...])``.
    """

    _cells: "tuple[tuple[int, int], ...]" = ()

    def __init_subclass__(cls, cells=None, **kw):
        if cells is not None:
            cls._cells = tuple((int(a), int(b)) for a, b in cells)
        super().__init_subclass__(**kw)

    @classmethod
    def _setup_cells(cls):
        xs = cls._X.size
        if len(set(cls._cells)) != len(cls._cells):
            raise ValueError(f"{cls.__name__}: duplicate cells")
        dense = {}
        ex, ey = [], []
        for i, (a, b) in enumerate(cls._cells):
            if not (0 <= a < xs and 0 <= b < cls._Y.size):
                raise ValueError(f"{cls.__name__}: cell {(a, b)} outside the grid")
            dense[b * xs + a] = i
            ex.append(a)
            ey.append(b)
        cls._dense_to_enum = dense
        cls._enum_x = tuple(ex)
        cls._enum_y = tuple(ey)
        cls.size = len(cls._cells)

    @classmethod
    def _no_node(cls, xv, yv):
        return ValueError(f"{cls.__name__}: no node at ({xv!r}, {yv!r}); only {cls.size} "
                          f"of the {cls._X.size}x{cls._Y.size} cells exist")

    @classmethod
    def _from_xy(cls, xe, ye, xv=None, yv=None):
        e = cls._dense_to_enum.get(ye * cls._X.size + xe)
        if e is None:
            raise cls._no_node(xv if xv is not None else cls._X._u(xe),
                               yv if yv is not None else cls._Y._u(ye))
        return cls._u(e)

    @classmethod
    def exists(cls, x, y) -> bool:
        """Whether the cell (x, y) exists (typed components or ints, x first)."""
        xe = x._v if isinstance(x, cls._X) else cls._X(x)._v
        ye = y._v if isinstance(y, cls._Y) else cls._Y(y)._v
        return (ye * cls._X.size + xe) in cls._dense_to_enum

    def x(self):
        """The x component."""
        return self._X._u(self._enum_x[self._v])

    def y(self):
        """The y component."""
        return self._Y._u(self._enum_y[self._v])


# ---------------------------------------------------------------------------------
# Mixin
# ---------------------------------------------------------------------------------

_DELEGATE_EXTRA = ("x", "y", "isShared", "toMin", "toMax", "length")


def _is_conversion(name: str) -> bool:
    return name.startswith("to") and name[2:3].isupper() and name != "toEnum"


def _add_delegates(cls):
    """Give mixin ``cls`` the local type's conversions it does not define itself
    (the public mixin inherits from its local type).  Run again after late
    additions to the local type (``halco.__init__`` does)."""
    L, ls = cls._L, cls._ls
    for name in dir(L):
        if not (_is_conversion(name) or name in _DELEGATE_EXTRA):
            continue
        if name in cls._own or not callable(getattr(L, name)):
            continue
        current = cls.__dict__.get(name)
        if current is not None and not getattr(current, "_halco_delegate", False):
            continue
        setattr(cls, name, _delegate(name, L, ls))


def _make_mixin_new(L, B, ls, size, cache):
    if cache is not None:
        def __new__(cls, a=_NO, b=_NO, *more, **kw):
            if not (kw or more):
                if b is not _NO:
                    if a.__class__ is L and b.__class__ is B:
                        return cache[b._v * ls + a._v]
                elif a.__class__ is Enum and a < size:
                    return cache[a]
            return cls._construct(_pack(a, b, more), kw)
    else:
        def __new__(cls, a=_NO, b=_NO, *more, **kw):
            if not (kw or more):
                if b is not _NO:
                    if a.__class__ is L and b.__class__ is B:
                        self = _onew(cls)
                        _setv(self, b._v * ls + a._v)
                        return self
                elif a.__class__ is Enum and a < size:
                    self = _onew(cls)
                    _setv(self, a + 0)
                    return self
            return cls._construct(_pack(a, b, more), kw)
    return __new__


def _part_getter(name, make, ls, local, doc):
    if local:
        def part(self):
            return make(self._v % ls)
    else:
        def part(self):
            return make(self._v // ls)
    part.__name__ = part.__qualname__ = name
    part.__doc__ = doc
    return part


def _delegate(name, L, ls):
    def method(self, *args, **kw):
        return getattr(L._u(self._v % ls), name)(*args, **kw)
    method.__name__ = name
    method.__qualname__ = name
    method.__doc__ = f"Same as ``to{L.__name__}().{name}()``."
    method._halco_delegate = True
    return method


class Mixin(Coordinate):
    """"Local on block" coordinate (public ``HALCO_COORDINATE_MIXIN``).

    ``T(local, block)`` (block defaults to 0 as in the public API; the typed
    arguments may also come in the other order), ``T(local)``, ``T(Enum(i))``,
    ``T()``; a plain int is taken as the local index.  enum = block *
    Local.size + local.  ``to<Local>()``, ``to<Block>()`` and ``split()`` (block,
    local) take it apart; the local type's own ``to...()`` conversions (and
    ``x()``/``y()``) are available on the mixin too.

    Define one with ``class Name(Mixin, local=L, block=B, names=("neuron", "block"))``;
    ``names`` are the keyword names accepted for the two parts.
    """

    _L: type = None
    _B: type = None
    _names: "tuple[str, str]" = ("local", "block")

    def __init_subclass__(cls, local=None, block=None, names=None, register=True, **kw):
        super().__init_subclass__(**kw)
        if names is not None:
            cls._names = tuple(names)
        if local is None and block is None:
            if cls._L is None:  # abstract intermediate base
                return
            local, block = cls._L, cls._B
        cls._L, cls._B = local, block
        cls._ls = local.size
        cls.size = local.size * block.size
        cls.min, cls.max = 0, cls.size - 1
        cls._setup_instances()
        cls.__new__ = staticmethod(_make_mixin_new(local, block, local.size, cls.size, cls._cache))
        ln, bn = "to" + local.__name__, "to" + block.__name__
        if ln not in cls.__dict__:
            setattr(cls, ln, _part_getter(ln, local._u, ls=local.size, local=True,
                                          doc=f"The local part, a {local.__name__}."))
        if bn not in cls.__dict__:
            setattr(cls, bn, _part_getter(bn, block._u, ls=local.size, local=False,
                                          doc=f"The block part, a {block.__name__}."))
        cls._own = set(cls.__dict__)
        _add_delegates(cls)
        cls._register(register)

    def __new__(cls, *args, **kw):  # replaced per subclass
        raise TypeError(f"{cls.__name__} is abstract")

    @classmethod
    def _construct(cls, args, kw):
        L, B = cls._L, cls._B
        if kw:
            lname, bname = cls._names
            unknown = set(kw) - {lname, bname}
            if unknown:
                raise TypeError(f"{cls.__name__}() takes keywords {lname!r} and {bname!r}, "
                                f"got {sorted(unknown)}")
            args = list(args)
            if lname in kw:
                if args:
                    raise TypeError(f"{cls.__name__}() got {lname!r} twice")
                args.append(kw[lname])
            if bname in kw:
                if not args:
                    args.append(L._u(0))
                if len(args) != 1:
                    raise TypeError(f"{cls.__name__}() got {bname!r} twice")
                args.append(kw[bname])
            args = tuple(args)
        n = len(args)
        if n == 0:
            return cls._u(0)
        if n == 1:
            a = args[0]
            c = a.__class__
            if c is Enum:
                if a >= cls.size:
                    raise cls._enum_error(int(a))
                return cls._u(int(a))
            if c is cls:
                return a
            if isinstance(a, L):
                return cls._u(a._v)
            if isinstance(a, Coordinate):
                raise TypeError(
                    f"{cls.__name__}() cannot be built from {type(a).__name__}; "
                    f"give ({L.__name__}, {B.__name__}) or an Enum")
            return cls._u(_part(cls, L, a)._v)
        if n == 2:
            a, b = args
            if isinstance(a, B) and isinstance(b, L) and not isinstance(a, L):
                a, b = b, a
            lv = a if isinstance(a, L) else _part(cls, L, a)
            bv = b if isinstance(b, B) else _part(cls, B, b)
            return cls._u(bv._v * cls._ls + lv._v)
        return cls._from_parts(*args)

    @classmethod
    def _from_parts(cls, *parts):
        raise TypeError(f"{cls.__name__}() takes (local, block) or an Enum, got {len(parts)} arguments")

    def _local(self):
        return self._L._u(self._v % self._ls)

    def _block(self):
        return self._B._u(self._v // self._ls)

    def split(self):
        """(block, local) pair, as the public ``split()``."""
        return self._block(), self._local()

    def __repr__(self):
        return f"{self.__class__.__name__}({self._local()!r}, {self._block()!r})"


def _part(cls, T, a):
    """Component ``T`` of a ``cls`` from a plain integer, errors naming both types."""
    if isinstance(a, Coordinate):
        raise TypeError(f"{cls.__name__}() expected {T.__name__}, got {type(a).__name__}")
    try:
        return T(a)
    except ValueError as ex:
        raise ValueError(f"{cls.__name__}: {ex}") from None


# ---------------------------------------------------------------------------------
# Interval
# ---------------------------------------------------------------------------------

class Interval(Coordinate):
    """Closed interval [a, b] of a ranged bound type (public ``IntervalCoordinate``).

    ``T(a, b)`` with bounds (typed or ints), ``T(Enum(i))``, ``T()`` = [0, 0].
    a > b raises ``ValueError``.  ``toMin()``, ``toMax()``, ``length()``,
    indexing and iteration give the bounds and members.  The enum is dense over
    all a <= b, ordered by a then b (the public enum, ``a * N + b``, has holes).

    Define one with ``class Name(Interval, bound=BoundType)``.
    """

    _T: type = None

    def __init_subclass__(cls, bound=None, register=True, **kw):
        super().__init_subclass__(**kw)
        if bound is None:
            if cls._T is None:  # abstract intermediate base
                return
            bound = cls._T
        cls._T = bound
        n = bound.size
        cls._n = n
        cls.size = n * (n + 1) // 2
        cls.min, cls.max = 0, cls.size - 1
        cls._setup_instances()
        cls._register(register)

    def __new__(cls, *args):
        n = len(args)
        if n == 2:
            a, b = args
            T = cls._T
            av = a if a.__class__ is T else _part(cls, T, a)
            bv = b if b.__class__ is T else _part(cls, T, b)
            if av._v > bv._v:
                raise ValueError(f"{cls.__name__}({av!r}, {bv!r}): min > max")
            return cls._u(cls._offset(av._v) + bv._v - av._v)
        if n == 0:
            return cls._u(0)
        if n == 1:
            a = args[0]
            if a.__class__ is Enum:
                if a >= cls.size:
                    raise cls._enum_error(int(a))
                return cls._u(int(a))
            if a.__class__ is cls:
                return a
        raise TypeError(f"{cls.__name__}() takes (min, max) bounds or an Enum")

    @classmethod
    def _offset(cls, a: int) -> int:
        n = cls._n
        return a * n - a * (a - 1) // 2

    def _bounds(self) -> "tuple[int, int]":
        n, e = self._n, self._v
        # largest a with offset(a) <= e, from a^2 - (2n+1) a + 2e = 0
        m = 2 * n + 1
        a = (m - isqrt(m * m - 8 * e)) // 2
        while self._offset(a + 1) <= e:
            a += 1
        while self._offset(a) > e:
            a -= 1
        return a, a + e - self._offset(a)

    def toMin(self):
        """Lower bound (inclusive)."""
        return self._T._u(self._bounds()[0])

    def toMax(self):
        """Upper bound (inclusive)."""
        return self._T._u(self._bounds()[1])

    def length(self) -> int:
        """Number of members."""
        a, b = self._bounds()
        return b - a + 1

    def __getitem__(self, i):
        a, b = self._bounds()
        i = operator.index(i)
        if not 0 <= i <= b - a:
            raise IndexError(f"index {i} out of {self!r}")
        return self._T._u(a + i)

    def __iter__(self):
        a, b = self._bounds()
        return map(self._T._u, range(a, b + 1))

    def __repr__(self):
        a, b = self._bounds()
        T = self._T
        return f"{self.__class__.__name__}({T._u(a)!r}, {T._u(b)!r})"


# ---------------------------------------------------------------------------------
# module functions
# ---------------------------------------------------------------------------------

def _same_enum_conversion(target):
    def conversion(self):
        return target._u(self._v)
    conversion.__name__ = "to" + target.__name__
    conversion.__qualname__ = conversion.__name__
    conversion.__doc__ = f"The {target.__name__} with the same enum."
    return conversion


def link_same_enum(*classes) -> None:
    """Give each of ``classes`` a ``to<Other>()`` for every other one: types that
    address the same things in the same order (e.g. the weight, label and
    correlation-calibration quads of one synapse quad).  Explicit methods win."""
    sizes = {c.size for c in classes}
    if len(sizes) != 1:
        raise ValueError(f"link_same_enum: sizes differ: {[(c.__name__, c.size) for c in classes]}")
    for a in classes:
        for b in classes:
            name = "to" + b.__name__
            if a is not b and name not in a.__dict__:
                setattr(a, name, _same_enum_conversion(b))


def iter_all(T):
    """All instances of coordinate type ``T`` in enum order (a lazy iterator)."""
    if not (isinstance(T, type) and issubclass(T, Coordinate)) or T._abstract:
        raise TypeError(f"iter_all() needs a coordinate type, got {T!r}")
    if T._cache is not None:
        return iter(T._cache)
    return map(T._u, range(T.size))


def lookup(name: str) -> type:
    """The coordinate type called ``name``; ``KeyError`` if there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no coordinate type named {name!r}") from None


class _Types:
    """The coordinate types by name, looked up when used (``types.PADIBusOnDLS``).

    halco's modules convert into each other's types (a PADI bus knows its crossbar output and
    the output its bus); they reach their siblings' types through this view of the registry
    instead of importing each other or the package, and every type exists once the package
    is imported."""

    __slots__ = ()

    def __getattr__(self, name: str) -> type:
        try:
            return _REGISTRY[name]
        except KeyError:
            raise AttributeError(f"no coordinate type named {name!r}") from None


types = _Types()


def from_dict(d: dict):
    """Rebuild a coordinate from ``c.to_dict()`` (``{"type": ..., "enum": ...}``)."""
    try:
        name = d["type"]
    except (KeyError, TypeError):
        raise ValueError(f"from_dict needs a dict with a 'type' entry, got {d!r}") from None
    return lookup(name).from_dict(d)


def from_bytes(b: bytes):
    """Rebuild a coordinate from ``c.to_bytes()``."""
    name, sep, rest = bytes(b).partition(b"\0")
    if not sep or len(rest) != 8:
        raise ValueError(f"from_bytes: malformed coordinate bytes {b!r}")
    return lookup(name.decode("ascii")).from_enum(int.from_bytes(rest, "little"))


def to_enum_array(coords):
    """numpy int64 array of the enums of an iterable of coordinates."""
    import numpy as np
    return np.fromiter((c._v for c in coords), dtype=np.int64)


def coordinate_types() -> "list[type]":
    """All coordinate types defined by the halco package, sorted by name."""
    return sorted((c for c in _REGISTRY.values() if c.__module__.startswith("halco.")),
                  key=lambda c: c.__name__)
