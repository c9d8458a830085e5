"""Synapse arrays, synapse rows and per-column switch rows.

All of them are numpy arrays indexed by (row, column) or by column, encoded
into 4-entry SRAM quads (``SynapseWeightQuad`` ...) in one vectorized step.
The column <-> (quad column, entry) mapping is taken from halco once
(``SynapseOnSynapseRow(EntryOnQuad(e), SynapseQuadColumnOnDLS(q))``, the public
v3 layout) and applied as a gather/scatter index, so no Python runs per
synapse.  Values are range-checked when assigned as a whole
(``m.weights = array``) and, for element writes (``m.weights[r][c] = 70``), when
the container is encoded; errors name the offending row and column.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, Iterator, List, NamedTuple, Tuple

import numpy as np

import halco
import haldls

from ._common import _U32, check_range, integer_array, leaf_addresses

N_COLUMNS = halco.SynapseOnSynapseRow.size          # 256
N_ROWS = halco.SynapseRowOnSynram.size              # 256
N_QUADS = halco.SynapseQuadColumnOnDLS.size         # 64
N_ENTRIES = halco.EntryOnQuad.size                  # 4


@lru_cache(maxsize=None)
def quad_columns() -> np.ndarray:
    """Column of (quad column q, entry e), shape (64, 4), from halco's
    ``SynapseOnSynapseRow(EntryOnQuad(e), SynapseQuadColumnOnDLS(q))``."""
    out = np.array([[halco.SynapseOnSynapseRow(halco.EntryOnQuad(e), halco.SynapseQuadColumnOnDLS(q)).value()
                     for e in range(N_ENTRIES)] for q in range(N_QUADS)], dtype=np.intp)
    if sorted(out.ravel().tolist()) != list(range(N_COLUMNS)):  # pragma: no cover - halco invariant
        raise AssertionError("halco column <-> (quad, entry) mapping is not a bijection")
    out.flags.writeable = False
    return out


@lru_cache(maxsize=None)
def _flat_quad_columns() -> np.ndarray:
    return quad_columns().ravel().copy()


class Part(NamedTuple):
    """One per-column array of a container: attribute, haldls quad class, its lane field."""
    attr: str
    cls: type
    field: str
    doc: str


def _lane(cls, field):
    return next(f for f in cls.fields() if f.name == field)


class QuadArrays:
    """Base of containers made of per-column arrays stored in quad registers.

    Subclasses set ``_parts``, ``coordinate_name``, ``_rows`` (number of rows, 0
    for a single row: arrays of shape (256,)) and ``_quad_enums(enum)`` (the quad
    coordinate enums covered, row-major, quad column fastest).
    """

    _parts: Tuple[Part, ...] = ()
    _rows = 0
    coordinate_name = ""
    __slots__ = ("_arrays",)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if not cls._parts:
            return
        cls._classes = tuple(dict.fromkeys(p.cls for p in cls._parts))
        cls._shape = (cls._rows, N_COLUMNS) if cls._rows else (N_COLUMNS,)
        for p in cls._parts:
            setattr(cls, p.attr, _part_property(cls, p))
        haldls.register_type(cls)

    def __init__(self, **values):
        self._arrays = {}
        for p in self._parts:
            lf = _lane(p.cls, p.field)
            self._arrays[p.attr] = np.full(self._shape, lf.default, dtype=np.bool_ if lf.kind is bool else np.int16)
        for k, v in values.items():
            if k not in self._arrays:
                raise TypeError(f"{type(self).__name__} has no field {k!r}; fields: {list(self._arrays)}")
            setattr(self, k, v)

    @classmethod
    def coordinate_type(cls):
        return getattr(halco, cls.coordinate_name)

    @classmethod
    def _enum(cls, coord) -> int:
        t = cls.coordinate_type()
        if not isinstance(coord, t):
            raise TypeError(f"{cls.__name__} lives at {t.__name__}, got {coord!r}")
        return int(coord.toEnum())

    @classmethod
    def _check(cls, p: Part, values) -> np.ndarray:
        lf = _lane(p.cls, p.field)
        label = f"{cls.__name__}.{p.attr}"
        if lf.kind is bool:
            arr = integer_array(label, values, cls._shape, np.int64)
            cls._validate_array(label, arr, 0, 1)
            return arr.astype(np.bool_)
        arr = integer_array(label, values, cls._shape, np.int16)
        cls._validate_array(label, arr, lf.lo, lf.hi)
        return arr

    @classmethod
    def _validate_array(cls, label, arr, lo, hi):
        if cls._rows:
            check_range(label, arr, lo, hi,
                        lambda idx: f"[{idx[0]}][{idx[1]}] (row {idx[0]}, column {idx[1]})")
        else:
            check_range(label, arr, lo, hi, lambda idx: f"[{idx[0]}] (column {idx[0]})")

    def validate(self) -> None:
        """Range-check every value (ValueError naming the array, row and column)."""
        for p in self._parts:
            lf = _lane(p.cls, p.field)
            arr = self._arrays[p.attr]
            if arr.dtype != np.bool_:
                self._validate_array(f"{type(self).__name__}.{p.attr}", arr, lf.lo, lf.hi)

    # -- value semantics -----------------------------------------------------------------
    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(np.array_equal(a, other._arrays[k]) for k, a in self._arrays.items())

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def copy(self):
        new = type(self).__new__(type(self))
        new._arrays = {k: a.copy() for k, a in self._arrays.items()}
        return new

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_from_arrays, (type(self), self.to_arrays()))

    def __repr__(self):
        parts = []
        for k, a in self._arrays.items():
            nz = int(np.count_nonzero(a))
            parts.append(f"{k}: {nz} nonzero" + (f", max {int(a.max())}" if a.dtype != np.bool_ and a.size else ""))
        return f"{type(self).__name__}({'; '.join(parts)})"

    # -- words -----------------------------------------------------------------------------
    def _quad_values(self, attr) -> np.ndarray:
        """(n_quads, 4) lane values of one array in quad enum order."""
        return np.take(self._arrays[attr], _flat_quad_columns(), axis=-1).reshape(-1, N_ENTRIES)

    def _encode(self) -> List[np.ndarray]:
        self.validate()
        out = []
        for cls in self._classes:
            values = {p.field: self._quad_values(p.attr) for p in self._parts if p.cls is cls}
            out.append(cls.encode_array(values).reshape(-1))
        return out

    @classmethod
    @lru_cache(maxsize=None)
    def _addresses(cls, enum_: int) -> Tuple[np.ndarray, ...]:
        enums = cls._quad_enums(enum_)
        out = tuple(leaf_addresses(c, enums) for c in cls._classes)
        for a in out:
            a.flags.writeable = False
        return out

    def write_plan(self, coord) -> Tuple[np.ndarray, np.ndarray]:
        """(addresses, words): all quads of the first register class, then the next."""
        e = self._enum(coord)
        return np.concatenate(self._addresses(e)), np.concatenate(self._encode()).astype(_U32)

    @classmethod
    def read_plan(cls, coord) -> np.ndarray:
        return np.concatenate(cls._addresses(cls._enum(coord)))

    @classmethod
    def decode_read(cls, coord, words):
        """Container from the words answered for ``read_plan(coord)``."""
        e = cls._enum(coord)
        words = np.asarray(words)
        sizes = [len(a) for a in cls._addresses(e)]
        if len(words) != sum(sizes):
            raise ValueError(f"{cls.__name__}.decode_read needs {sum(sizes)} words, got {len(words)}")
        obj = cls()
        pos = 0
        inv = quad_columns()
        for c, k in zip(cls._classes, sizes):
            fields = c.decode_array(words[pos:pos + k])
            pos += k
            for p in cls._parts:
                if p.cls is c:
                    lanes = fields[p.field].reshape(cls._shape[:-1] + (N_QUADS, N_ENTRIES))
                    arr = obj._arrays[p.attr]
                    arr[..., inv] = lanes.astype(arr.dtype)
        return obj

    def leaves(self, coord) -> Iterator:
        """(quad coordinate, haldls quad) of every quad, in ``write_plan`` order.

        Built per quad through halco's coordinate conversions (slow; the reference
        the vectorized ``write_plan`` is tested against)."""
        e = self._enum(coord)
        for c in self._classes:
            ct = c.coordinate_type()
            parts = [p for p in self._parts if p.cls is c]
            for qe in self._quad_enums(e):
                qc = ct.from_enum(int(qe))
                qcol = qc.toSynapseQuadColumnOnDLS()
                cols = [halco.SynapseOnSynapseRow(halco.EntryOnQuad(i), qcol).value() for i in range(N_ENTRIES)]
                values = {}
                for p in parts:
                    a = self._arrays[p.attr]
                    if self._rows:
                        a = a[qc.toSynapseRowOnSynram().value()]
                    values[p.field] = [a[col].item() for col in cols]
                yield qc, c(**values)

    # -- arrays --------------------------------------------------------------------------------
    def to_arrays(self) -> Dict[str, np.ndarray]:
        return {k: a.copy() for k, a in self._arrays.items()}

    @classmethod
    def from_arrays(cls, arrays: dict):
        obj = cls()
        for p in cls._parts:
            if p.attr not in arrays:
                raise ValueError(f"{cls.__name__}.from_arrays: missing entry {p.attr!r}")
            setattr(obj, p.attr, arrays[p.attr])
        return obj

    def _to_arrays(self, prefix: str, out: dict) -> None:
        for k, a in self._arrays.items():
            out[prefix + k] = a.copy()

    @classmethod
    def _from_arrays(cls, arrays: dict, prefix: str):
        return cls.from_arrays({p.attr: arrays[prefix + p.attr] for p in cls._parts if prefix + p.attr in arrays})

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, **{k: a.tolist() for k, a in self._arrays.items()}}

    @classmethod
    def from_dict(cls, d: dict):
        d = dict(d)
        t = d.pop("type", cls.__name__)
        if t != cls.__name__:
            raise ValueError(f"dict describes a {t}, not a {cls.__name__}")
        return cls(**d)


def _from_arrays(cls, arrays):
    return cls.from_arrays(arrays)


def _part_property(cls, p: Part):
    def fget(self):
        return self._arrays[p.attr]

    def fset(self, value):
        self._arrays[p.attr] = cls._check(p, value)

    shape = "(rows, columns)" if cls._rows else "(columns,)"
    return property(fget, fset, doc=f"{p.doc}: numpy array {shape}, stored in "
                                    f"`haldls.{p.cls.__name__}.{p.field}`")


W, L, C = haldls.SynapseWeightQuad, haldls.SynapseLabelQuad, haldls.SynapseCorrelationCalibQuad
_SYNAPSE_PARTS = (Part("weights", W, "values", "6-bit weights 0..63"),
                  Part("labels", L, "values", "6-bit labels (addresses) 0..63"),
                  Part("time_calibs", C, "time_calibs", "correlation time calibration 0..3"),
                  Part("amp_calibs", C, "amp_calibs", "correlation amplitude calibration 0..3"))
_QUADS_PER_SYNRAM = halco.SynapseQuadOnSynram.size


def _matrix_quads(synram: int) -> np.ndarray:
    # SynapseQuadOnDLS enum = synram * |SynapseQuadOnSynram| + row * |quad columns| + quad column
    return synram * _QUADS_PER_SYNRAM + np.arange(_QUADS_PER_SYNRAM)


def _row_quads(row_on_dls: int) -> np.ndarray:
    # SynapseRowOnDLS enum = synram * 256 + row, so its quads start at enum * 64
    return row_on_dls * N_QUADS + np.arange(N_QUADS)


class _MatrixBase(QuadArrays):
    _rows = N_ROWS
    _quad_enums = staticmethod(_matrix_quads)


class _RowBase(QuadArrays):
    _rows = 0
    _quad_enums = staticmethod(_row_quads)


class SynapseMatrix(_MatrixBase):
    """All synapses of one synapse array (public ``lola.SynapseMatrix``), written at
    ``halco.SynramOnDLS``: ``weights``, ``labels``, ``time_calibs``, ``amp_calibs``,
    numpy arrays of shape (256 rows, 256 columns), indexable as
    ``m.weights[row][column]`` with ints or ``SynapseRowOnSynram``/``SynapseOnSynapseRow``.

    >>> m = SynapseMatrix()
    >>> m.weights[3][17] = 63
    """

    coordinate_name = "SynramOnDLS"
    _parts = _SYNAPSE_PARTS
    Weight = W.Value
    Label = L.Value
    TimeCalib = C.TimeCalib
    AmpCalib = C.AmpCalib


class SynapseWeightMatrix(_MatrixBase):
    """Weights of one synapse array (``values``, shape (256, 256)), at ``SynapseWeightMatrixOnDLS``."""

    coordinate_name = "SynapseWeightMatrixOnDLS"
    _parts = (Part("values", W, "values", "6-bit weights 0..63"),)
    Value = W.Value


class SynapseLabelMatrix(_MatrixBase):
    """Labels of one synapse array (``values``, shape (256, 256)), at ``SynapseLabelMatrixOnDLS``."""

    coordinate_name = "SynapseLabelMatrixOnDLS"
    _parts = (Part("values", L, "values", "6-bit labels 0..63"),)
    Value = L.Value


class SynapseCorrelationCalibMatrix(_MatrixBase):
    """Correlation calibration bits of one synapse array (``time_calibs``, ``amp_calibs``),
    at ``SynapseCorrelationCalibMatrixOnDLS``."""

    coordinate_name = "SynapseCorrelationCalibMatrixOnDLS"
    _parts = _SYNAPSE_PARTS[2:]
    TimeCalib = C.TimeCalib
    AmpCalib = C.AmpCalib


class SynapseRow(_RowBase):
    """One synapse row (public ``lola.SynapseRow``) at ``halco.SynapseRowOnDLS``:
    ``weights``, ``labels``, ``time_calibs``, ``amp_calibs`` of shape (256,)."""

    coordinate_name = "SynapseRowOnDLS"
    _parts = _SYNAPSE_PARTS
    Weight = W.Value
    Label = L.Value
    TimeCalib = C.TimeCalib
    AmpCalib = C.AmpCalib


class SynapseWeightRow(_RowBase):
    """Weights of one synapse row (``values``, shape (256,)) at ``SynapseWeightRowOnDLS``."""

    coordinate_name = "SynapseWeightRowOnDLS"
    _parts = (Part("values", W, "values", "6-bit weights 0..63"),)
    Value = W.Value


class SynapseLabelRow(_RowBase):
    """Labels of one synapse row (``values``, shape (256,)) at ``SynapseLabelRowOnDLS``."""

    coordinate_name = "SynapseLabelRowOnDLS"
    _parts = (Part("values", L, "values", "6-bit labels 0..63"),)
    Value = L.Value


class SynapseCorrelationCalibRow(_RowBase):
    """Correlation calibration of one synapse row at ``SynapseCorrelationCalibRowOnDLS``."""

    coordinate_name = "SynapseCorrelationCalibRowOnDLS"
    _parts = _SYNAPSE_PARTS[2:]


def _switch_row_quads(row: int) -> np.ndarray:
    # Column{Current,Correlation}QuadOnDLS enum = synram * 64 + quad column
    return row * N_QUADS + np.arange(N_QUADS)


_CC = haldls.ColumnCurrentQuad
_CK = haldls.ColumnCorrelationQuad


class ColumnCurrentRow(QuadArrays):
    """Switches between the synapse columns of one hemisphere and the neurons'
    synaptic inputs (public ``lola.ColumnCurrentRow``), at ``halco.ColumnCurrentRowOnDLS``;
    bool arrays of shape (256,), by column."""

    coordinate_name = "ColumnCurrentRowOnDLS"
    _rows = 0
    _quad_enums = staticmethod(_switch_row_quads)
    _parts = tuple(Part(f.name, _CC, f.name, f.name.replace("_", " ")) for f in _CC.fields())


class ColumnCorrelationRow(QuadArrays):
    """Switches between the correlation sensors (or neuron membranes) of one
    hemisphere's columns and the CADC (public ``lola.ColumnCorrelationRow``), at
    ``halco.ColumnCorrelationRowOnDLS``.  Inside a ``lola.Chip`` these bits are the
    ``enable_connect_*`` fields of ``CADCReadoutChain.channels_causal/acausal``."""

    coordinate_name = "ColumnCorrelationRowOnDLS"
    _rows = 0
    _quad_enums = staticmethod(_switch_row_quads)
    _parts = tuple(Part(f.name, _CK, f.name, f.name.replace("_", " ")) for f in _CK.fields())
