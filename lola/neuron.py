"""AtomicNeuron: one neuron circuit as a tree of plain parameter structs.

The whole translation between the public AtomicNeuron fields and the leaf
containers (``NeuronConfig``, 24 ``CapMemCell`` rows, ``NeuronBackendConfig``)
is the declarative table :data:`NEURON_MAPPING`.  One generic visitor
(:func:`encode_neurons` / :func:`decode_neurons`) walks that table, for one
neuron or for all 512 at once: it works on columns (one numpy array per lola
field), so the bulk encode of a whole chip has no per-field Python work per
neuron.

Storage follows the same idea: an ``AtomicNeuron`` is a row of a column table.
A standalone ``lola.AtomicNeuron()`` owns a one-row table; the neurons of a
``NeuronBlock`` are live views on the rows of its 512-row table
(``block.atomic_neurons[coord].leak.v_leak = 500`` changes the block), while
assigning a neuron (``block.atomic_neurons[coord] = neuron``) copies its values.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterator, NamedTuple, Optional, Tuple

import numpy as np

import halco
import haldls

from ._common import (AnalogDisableRefresh, AnalogValue, Leaves, LolaContainer, Member, Subs, _U32, analog_out,
                      check_analog, check_bool, check_enum, check_int, check_range, index_of, integer_array,
                      is_enum, leaf_addresses)
from .capmem import analog_members
from .synapse import ColumnCurrentRow

NC, NBC = "NeuronConfig", "NeuronBackendConfig"
_ROW = halco.CapMemRowOnCapMemBlock
_LEAVES = {NC: haldls.NeuronConfig, NBC: haldls.NeuronBackendConfig}
N_NEURONS = halco.AtomicNeuronOnDLS.size
N_ROWS = _ROW.size


# ------------------------------------------------------------------------------------------
# enums of the public AtomicNeuron
# ------------------------------------------------------------------------------------------

class ConstantCurrentType(enum.IntEnum):
    """Direction of the constant membrane current (``NeuronConfig.invert_membrane_offset``)."""

    source = 0
    sink = 1


class AnalogOutputMode(enum.IntEnum):
    """Analog fire signal of a neuron: off, normal or strong (enable_fire / enable_strong_fire)."""

    off = 0
    normal = 1
    strong = 2


class BayesianOperation(enum.IntEnum):
    """Logic combining a neuron's fire signal with its neighbour's (enable_0/1_bayesian)."""

    local = 0
    AND = 1
    XNOR = 2
    MULLER_C = 3


# ------------------------------------------------------------------------------------------
# the mapping table
# ------------------------------------------------------------------------------------------

class Field(NamedTuple):
    """Target: one field of a leaf container (``NeuronConfig`` or ``NeuronBackendConfig``)."""
    container: str
    field: str


class CapMem(NamedTuple):
    """Target: the neuron's CapMem cell in ``row`` (a ``CapMemRowOnCapMemBlock``)."""
    row: object


class Code(NamedTuple):
    """Target: several leaf fields jointly encode an enum (value -> tuple of field values).

    ``decode`` maps every combination of the fields (bit i = field i) back to
    a value; combinations the encoder never produces decode to the value the
    public decoder gives them (e.g. strong fire without fire is ``off``).
    """
    fields: Tuple[Field, ...]
    encode: Dict[int, Tuple[int, ...]]
    decode: Tuple[int, ...]


#: (lola path, target, options), filled below.  Options: ``kind`` (an enum for the lola
#: field), ``default`` (else the leaf's register-map default; analog: 0).  Struct and field
#: order follow the public AtomicNeuron.
NEURON_MAPPING: Tuple[tuple, ...]


def _synin(struct: str, k: str, r: str) -> list:
    return [
        (f"{struct}.enable", Field(NC, f"enable_synaptic_input_{k}"), {}),
        (f"{struct}.i_bias_tau", CapMem(getattr(_ROW, f"i_bias_synin_{r}_tau")), {"default": 500}),
        (f"{struct}.i_bias_coba", CapMem(getattr(_ROW, f"i_bias_synin_{r}_coba")), {}),
        (f"{struct}.i_shift_reference", CapMem(getattr(_ROW, f"i_bias_synin_{r}_shift")), {"default": 300}),
        (f"{struct}.i_bias_gm", CapMem(getattr(_ROW, f"i_bias_synin_{r}_gm")), {"default": 500}),
        (f"{struct}.v_rev_coba", CapMem(getattr(_ROW, f"e_synin_{r}_rev")), {"default": 500}),
        (f"{struct}.enable_small_capacitance", Field(NC, f"enable_synaptic_input_{k}_small_capacitance"), {}),
        (f"{struct}.enable_high_resistance", Field(NC, f"enable_synaptic_input_{k}_high_resistance"), {}),
        (f"{struct}.enable_coba_mode", Field(NC, f"enable_synaptic_input_{k}_coba_mode"), {}),
    ]


def _modes(struct: str, leaf: str) -> list:
    return [(f"{struct}.enable_{m}", Field(NC, f"enable_{leaf}_{m}"), {})
            for m in ("degeneration", "division", "multiplication")]


NEURON_MAPPING = tuple(
    _synin("excitatory_input", "excitatory", "exc")
    + _synin("inhibitory_input", "inhibitory", "inh")
    + [("leak.v_leak", CapMem(_ROW.v_leak), {"default": 500}),
       ("leak.i_bias", CapMem(_ROW.i_bias_leak), {"default": 500})]
    + _modes("leak", "leak")
    + [("reset.v_reset", CapMem(_ROW.v_reset), {"default": 400}),
       ("reset.i_bias", CapMem(_ROW.i_bias_reset), {"default": 1000})]
    + _modes("reset", "reset")
    + [("threshold.enable", Field(NC, "enable_threshold_comparator"), {}),
       ("threshold.v_threshold", CapMem(_ROW.v_threshold), {"default": 600}),
       ("multicompartment.connect_soma", Field(NC, "connect_soma"), {}),
       ("multicompartment.connect_soma_right", Field(NC, "connect_soma_right"), {}),
       ("multicompartment.connect_right", Field(NC, "connect_membrane_right"), {}),
       ("multicompartment.connect_vertical", Field(NC, "connect_bottom"), {}),
       ("multicompartment.enable_conductance", Field(NC, "enable_multicomp_conductance"), {}),
       ("multicompartment.enable_conductance_division", Field(NC, "enable_multicomp_conductance_division"), {}),
       ("multicompartment.enable_conductance_multiplication",
        Field(NC, "enable_multicomp_conductance_multiplication"), {}),
       ("multicompartment.i_bias_nmda", CapMem(_ROW.i_bias_nmda), {}),
       ("constant_current.enable", Field(NC, "enable_membrane_offset"), {}),
       ("constant_current.i_offset", CapMem(_ROW.i_mem_offset), {}),
       ("constant_current.type", Field(NC, "invert_membrane_offset"), {"kind": ConstantCurrentType}),
       ("membrane_capacitance.capacitance", Field(NC, "membrane_capacitor_size"), {}),
       ("adaptation.enable", Field(NC, "enable_adaptation"), {}),
       ("adaptation.enable_pulse", Field(NBC, "enable_adaptation_pulse"), {}),
       ("adaptation.invert_a", Field(NC, "invert_adaptation_a"), {}),
       ("adaptation.invert_b", Field(NC, "invert_adaptation_b"), {}),
       ("adaptation.v_ref", CapMem(_ROW.v_adapt_ref), {"default": 500}),
       ("adaptation.i_bias_tau", CapMem(_ROW.i_bias_adapt_tau), {}),
       ("adaptation.i_bias_a", CapMem(_ROW.i_bias_adapt_a), {}),
       ("adaptation.i_bias_b", CapMem(_ROW.i_bias_adapt_b), {}),
       ("adaptation.v_leak", CapMem(_ROW.v_adapt_leak), {"default": 500}),
       ("exponential.enable", Field(NC, "enable_exponential"), {}),
       ("exponential.v_exp", CapMem(_ROW.v_exp), {"default": 600}),
       ("exponential.i_bias", CapMem(_ROW.i_bias_exp), {}),
       ("event_routing.analog_output",
        Code((Field(NC, "enable_fire"), Field(NC, "enable_strong_fire")),
             {AnalogOutputMode.off: (0, 0), AnalogOutputMode.normal: (1, 0), AnalogOutputMode.strong: (1, 1)},
             # (fire, strong) = bits 0, 1: (0,0) off, (1,0) normal, (0,1) off, (1,1) strong
             (AnalogOutputMode.off, AnalogOutputMode.normal, AnalogOutputMode.off, AnalogOutputMode.strong)),
        {"kind": AnalogOutputMode}),
       ("event_routing.enable_digital", Field(NBC, "enable_spike_out"), {}),
       ("event_routing.enable_bypass_excitatory", Field(NC, "enable_bypass_excitatory"), {}),
       ("event_routing.enable_bypass_inhibitory", Field(NC, "enable_bypass_inhibitory"), {}),
       ("event_routing.address", Field(NBC, "address_out"), {}),
       ("event_routing.enable_post_overwrite", Field(NBC, "post_overwrite"), {}),
       ("readout.enable_buffered_access", Field(NC, "enable_readout"), {}),
       ("readout.enable_amplifier", Field(NC, "enable_readout_amplifier"), {}),
       ("readout.enable_unbuffered_access", Field(NC, "enable_unbuffered_access"), {}),
       ("readout.source", Field(NC, "readout_source"), {}),
       ("refractory_period.input_clock", Field(NBC, "select_input_clock"), {}),
       ("refractory_period.reset_holdoff", Field(NBC, "reset_holdoff"), {}),
       ("refractory_period.refractory_time", Field(NBC, "refractory_time"), {}),
       ("refractory_period.enable_pause", Field(NC, "enable_pause"), {}),
       ("bayesian.to_post_pulse", Field(NBC, "enable_bayesian_extension"), {"default": 1}),
       ("bayesian.operation",
        Code((Field(NBC, "enable_0_bayesian"), Field(NBC, "enable_1_bayesian")),
             {BayesianOperation.local: (0, 0), BayesianOperation.AND: (1, 0),
              BayesianOperation.XNOR: (0, 1), BayesianOperation.MULLER_C: (1, 1)},
             (BayesianOperation.local, BayesianOperation.AND, BayesianOperation.XNOR,
              BayesianOperation.MULLER_C)),
        {"kind": BayesianOperation}),
       ("bayesian.connect_fire_vertical", Field(NBC, "connect_fire_bottom"), {}),
       ("bayesian.connect_fire_to_right", Field(NBC, "connect_fire_to_right"), {}),
       ("bayesian.connect_fire_from_right", Field(NBC, "connect_fire_from_right"), {}),
       ("bayesian.enable_master", Field(NBC, "enable_neuron_master"), {}),
       ("bayesian.enable_slave", Field(NBC, "enable_neuron_slave"), {})]
)


# ------------------------------------------------------------------------------------------
# field specs derived from the table
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NeuronField:
    """One field of the AtomicNeuron, derived from :data:`NEURON_MAPPING`."""

    path: str
    struct: str
    name: str
    kind: object  # "analog", bool, int or an IntEnum
    lo: int
    hi: int
    default: int
    target: object
    value_type: object = None

    @property
    def dtype(self):
        if self.kind is bool:
            return np.bool_
        if is_enum(self.kind):
            return np.int8
        return np.int16

    def check(self, label: str, v) -> int:
        if self.kind == "analog":
            return check_analog(label, v)
        if self.kind is bool:
            return check_bool(label, v)
        if is_enum(self.kind):
            return int(check_enum(label, self.kind, v))
        return check_int(label, v, self.lo, self.hi)

    def out(self, x):
        """The public value of a stored number."""
        if self.kind == "analog":
            return analog_out(x)
        if self.kind is bool:
            return bool(x)
        if is_enum(self.kind):
            return self.kind(int(x))
        return self.value_type(int(x)) if self.value_type is not None else int(x)

    def describe_target(self) -> str:
        t = self.target
        if isinstance(t, Field):
            return f"`{t.container}.{t.field}`"
        if isinstance(t, CapMem):
            return f"`CapMemCell` row {t.row.value()} (`{_ROW.names[t.row.value()]}`)"
        pairs = ", ".join(f"{self.kind(v).name}: ({', '.join(map(str, bits))})" for v, bits in t.encode.items())
        return "(" + ", ".join(f"`{f.container}.{f.field}`" for f in t.fields) + f") = {pairs}"

    def describe_kind(self) -> str:
        if self.kind == "analog":
            return "CapMem 0..1022"
        if self.kind is bool:
            return "bool"
        if is_enum(self.kind):
            return "{" + ", ".join(m.name for m in self.kind) + "}"
        return f"int {self.lo}..{self.hi}"


def _leaf_field(t: Field):
    return next(f for f in _LEAVES[t.container].fields() if f.name == t.field)


def _make_specs() -> Tuple[NeuronField, ...]:
    specs = []
    for path, target, opts in NEURON_MAPPING:
        struct, name = path.split(".")
        kind = opts.get("kind")
        value_type = None
        if isinstance(target, CapMem):
            kind, lo, hi, default = "analog", 0, 1022, opts.get("default", 0)
        elif isinstance(target, Code):
            lo, hi = int(min(kind)), int(max(kind))
            leaf_defaults = tuple(_leaf_field(f).default for f in target.fields)
            default = opts.get("default", int(target.decode[sum(b << i for i, b in enumerate(leaf_defaults))]))
        else:
            lf = _leaf_field(target)
            if kind is None:
                kind = lf.kind
            lo, hi = (0, 1) if kind is bool else ((int(min(kind)), int(max(kind))) if is_enum(kind) else (lf.lo, lf.hi))
            default = int(opts.get("default", lf.default))
            if kind is int:
                cls = _LEAVES[target.container]
                value_type = getattr(cls, lf.value_type or "".join(p.title() for p in lf.name.split("_")), None)
        specs.append(NeuronField(path, struct, name, kind, lo, hi, int(default), target, value_type))
    return tuple(specs)


FIELDS: Tuple[NeuronField, ...] = _make_specs()
FIELDS_BY_PATH: Dict[str, NeuronField] = {f.path: f for f in FIELDS}
STRUCTS: Tuple[str, ...] = tuple(dict.fromkeys(f.struct for f in FIELDS))


def new_table(n: int) -> Dict[str, np.ndarray]:
    """A column table of ``n`` default neurons (lola path -> array)."""
    return {f.path: np.full(n, f.default, dtype=f.dtype) for f in FIELDS}


_DEFAULT_ROW = new_table(1)


def _copy_row(dst: dict, r: int, src: dict, s: int, paths=None) -> None:
    for p in (paths if paths is not None else _DEFAULT_ROW):
        dst[p][r] = src[p][s]


# ------------------------------------------------------------------------------------------
# the generic visitor (vectorized over neurons)
# ------------------------------------------------------------------------------------------

def validate_neurons(table: Dict[str, np.ndarray], where=None) -> None:
    """Range-check every column; ValueError names the field and the neuron
    (``where(i) -> str``, default the row index)."""
    for f in FIELDS:
        col = table[f.path]
        if f.kind is bool:
            continue
        hi = 1023 if f.kind == "analog" else f.hi
        check_range(f"AtomicNeuron.{f.path}", col, f.lo, hi,
                    (lambda idx: f" of {where(idx[0])}") if where else (lambda idx: f"[{idx[0]}]"))


def encode_neurons(table: Dict[str, np.ndarray], n: int, validate: bool = True,
                   where=None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leaf words of ``n`` neurons: NeuronConfig (n, 6), CapMem values (n, 24),
    NeuronBackendConfig (n, 4), all uint32, by walking :data:`NEURON_MAPPING` once."""
    if validate:
        validate_neurons(table, where)
    leaf_values: Dict[str, Dict[str, np.ndarray]] = {NC: {}, NBC: {}}
    capmem = np.zeros((n, N_ROWS), dtype=_U32)
    for f in FIELDS:
        col = table[f.path]
        t = f.target
        if isinstance(t, Field):
            leaf_values[t.container][t.field] = col
        elif isinstance(t, CapMem):
            capmem[:, t.row.value()] = col
        else:
            codes = _code_encode_table(f.path)[col.astype(np.intp)]
            for j, lf in enumerate(t.fields):
                leaf_values[lf.container][lf.field] = codes[:, j]
    nc = haldls.NeuronConfig.encode_array(leaf_values[NC], n=n)
    nbc = haldls.NeuronBackendConfig.encode_array(leaf_values[NBC], n=n)
    return nc, capmem, nbc


def decode_neurons(nc_words, capmem, nbc_words) -> Dict[str, np.ndarray]:
    """Inverse of :func:`encode_neurons`: the column table from leaf words."""
    leaf = {NC: haldls.NeuronConfig.decode_array(nc_words), NBC: haldls.NeuronBackendConfig.decode_array(nbc_words)}
    capmem = np.asarray(capmem, dtype=np.int64).reshape(-1, N_ROWS) & 0x3ff
    table = {}
    for f in FIELDS:
        t = f.target
        if isinstance(t, Field):
            col = leaf[t.container][t.field]
        elif isinstance(t, CapMem):
            col = capmem[:, t.row.value()]
        else:
            idx = sum(leaf[lf.container][lf.field].astype(np.int64) << j for j, lf in enumerate(t.fields))
            col = np.asarray(t.decode, dtype=np.int64)[idx]
        table[f.path] = np.asarray(col).astype(f.dtype)
    return table


@lru_cache(maxsize=None)
def _code_encode_table(path: str) -> np.ndarray:
    f = FIELDS_BY_PATH[path]
    t = f.target
    return np.array([t.encode[f.kind(v)] for v in range(len(f.kind))], dtype=np.int64)


@lru_cache(maxsize=None)
def neuron_addresses() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Addresses of every neuron's leaves, by AtomicNeuronOnDLS enum: NeuronConfig
    (512, 6), CapMem cells (512, 24), NeuronBackendConfig (512, 4); computed once
    through the halco conversions."""
    atoms = list(halco.iter_all(halco.AtomicNeuronOnDLS))
    rows = list(halco.iter_all(_ROW))
    nc = leaf_addresses(haldls.NeuronConfig, [int(a.toNeuronConfigOnDLS().toEnum()) for a in atoms])
    nbc = leaf_addresses(haldls.NeuronBackendConfig, [int(a.toNeuronBackendConfigOnDLS().toEnum()) for a in atoms])
    cells = np.array([[int(a.toCapMemCellOnDLS(r).toEnum()) for r in rows] for a in atoms], dtype=np.int64)
    cap = haldls.CapMemCell.register.addresses(cells.reshape(-1))[:, 0]
    out = (nc.reshape(N_NEURONS, 6), cap.reshape(N_NEURONS, N_ROWS), nbc.reshape(N_NEURONS, 4))
    for a in out:
        a.flags.writeable = False
    return out


@lru_cache(maxsize=None)
def _capmem_cell_enums() -> np.ndarray:
    rows = list(halco.iter_all(_ROW))
    return np.array([[int(a.toCapMemCellOnDLS(r).toEnum()) for r in rows]
                     for a in halco.iter_all(halco.AtomicNeuronOnDLS)], dtype=np.int64)


def _neuron_leaves(nc_words, capmem, nbc_words, atom) -> Iterator:
    """(coordinate, leaf) of one neuron, in write-plan order."""
    yield atom.toNeuronConfigOnDLS(), haldls.NeuronConfig.decode(nc_words)
    for r in halco.iter_all(_ROW):
        yield atom.toCapMemCellOnDLS(r), haldls.CapMemCell(value=int(capmem[r.value()]))
    yield atom.toNeuronBackendConfigOnDLS(), haldls.NeuronBackendConfig.decode(nbc_words)


# ------------------------------------------------------------------------------------------
# structs: views on a row of a column table
# ------------------------------------------------------------------------------------------

class _Struct:
    """A parameter struct of an AtomicNeuron (``neuron.leak`` ...): a view on one row
    of a column table.  Built standalone (``AtomicNeuron.Leak(v_leak=600)``) it
    owns a one-row table; assigning it to a neuron copies the values."""

    __slots__ = ("_t", "_r", "_p")
    _struct = ""           # canonical struct name (prefix of the standalone storage)
    _names: Tuple[str, ...] = ()
    _specs: Dict[str, NeuronField] = {}
    _readonly: frozenset = frozenset()

    def __init__(self, **values):
        object.__setattr__(self, "_t", {p: a.copy() for p, a in _DEFAULT_ROW.items()})
        object.__setattr__(self, "_r", 0)
        object.__setattr__(self, "_p", self._struct + ".")
        for k, v in values.items():
            if k not in self._specs:
                raise TypeError(f"{type(self).__qualname__} has no field {k!r}; fields: {list(self._names)}")
            self._set(k, v)

    @classmethod
    def _view(cls, table, row, struct):
        obj = object.__new__(cls)
        object.__setattr__(obj, "_t", table)
        object.__setattr__(obj, "_r", row)
        object.__setattr__(obj, "_p", struct + ".")
        return obj

    def _set(self, name, value):
        spec = self._specs[name]
        self._t[self._p + name][self._r] = spec.check(f"{type(self).__qualname__}.{name}", value)

    def __setattr__(self, name, value):
        if name not in self._specs:
            raise AttributeError(f"{type(self).__qualname__} has no field {name!r}; fields: {list(self._names)}")
        if name in self._readonly:
            raise AttributeError(
                f"{type(self).__qualname__}.{name} is a morphology switch of a LogicalNeuron and cannot be "
                "changed here; build a new morphology with lola.Morphology instead")
        self._set(name, value)

    def _key(self):
        return tuple(self._t[self._p + n][self._r].item() for n in self._names)

    def __eq__(self, other):
        if not isinstance(other, _Struct) or other._names != self._names:
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def copy(self):
        """An independent standalone copy."""
        new = type(self)()
        _copy_struct(new, self)
        return new

    __copy__ = copy

    @staticmethod
    def copies(neurons) -> list:
        """Independent copies of ``neurons`` (a list), made field by field for all of them at once
        (equal to ``[n.copy() for n in neurons]``; the copies are rows of one new table)."""
        neurons = list(neurons)
        if not neurons:
            return []
        kind = type(neurons[0])
        if not isinstance(neurons[0], AtomicNeuron) or any(type(n) is not kind for n in neurons):
            return [n.copy() for n in neurons]
        t = neurons[0]._t
        if all(n._t is t for n in neurons):                 # views of one table (a chip's neurons)
            rows = np.fromiter((n._r for n in neurons), dtype=np.intp, count=len(neurons))
            table = {p: t[p][rows] for p in _DEFAULT_ROW}
        else:
            table = {p: np.fromiter((n._t[p][n._r] for n in neurons), dtype=a.dtype, count=len(neurons))
                     for p, a in _DEFAULT_ROW.items()}
        return [kind._view(table, r) for r in range(len(neurons))]

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_struct_from_dict, (type(self), self.to_dict()))

    def to_dict(self) -> dict:
        """Field name -> JSON-able value (enums by name)."""
        out = {}
        for n in self._names:
            v = getattr(self, n)
            out[n] = v.name if isinstance(v, enum.Enum) else (v if isinstance(v, bool) else int(v))
        return out

    @classmethod
    def from_dict(cls, d: dict):
        return cls(**d)

    def __repr__(self):
        parts = []
        for n in self._names:
            v = getattr(self, n)
            parts.append(f"{n}={v.name if isinstance(v, enum.Enum) else v!r}")
        return f"{type(self).__qualname__}({', '.join(parts)})"


def _struct_from_dict(cls, d):
    return cls.from_dict(d)


def _copy_struct(dst: _Struct, src: _Struct, skip=frozenset()):
    for n in dst._names:
        if n not in skip:
            dst._t[dst._p + n][dst._r] = src._t[src._p + n][src._r]


def _struct_property(name: str, spec: NeuronField):
    path_tail = "." + name
    out = spec.out

    def fget(self):
        return out(self._t[self._p[:-1] + path_tail][self._r])

    return property(fget, doc=f"{spec.describe_kind()} -> {spec.describe_target()} "
                              f"(default {spec.out(spec.default)!r})")


def _make_struct(cls_name: str, struct: str, extra: dict = None, base=_Struct):
    fields = [f for f in FIELDS if f.struct == struct]
    ns = {"__slots__": (), "_struct": struct, "_names": tuple(f.name for f in fields),
          "_specs": {f.name: f for f in fields},
          "__doc__": f"Parameters ``{struct}`` of an AtomicNeuron: " + ", ".join(f.name for f in fields) + "."}
    for f in fields:
        ns[f.name] = _struct_property(f.name, f)
    ns.update(extra or {})
    cls = type(cls_name, (base,), ns)
    return cls


SynapticInput = _make_struct("SynapticInput", "excitatory_input")
Leak = _make_struct("Leak", "leak")
Reset = _make_struct("Reset", "reset")
Threshold = _make_struct("Threshold", "threshold")
Multicompartment = _make_struct("Multicompartment", "multicompartment")
ConstantCurrent = _make_struct("ConstantCurrent", "constant_current", {"Type": ConstantCurrentType})
MembraneCapacitance = _make_struct("MembraneCapacitance", "membrane_capacitance",
                                   {"CapacitorSize": haldls.NeuronConfig.MembraneCapacitorSize})
Adaptation = _make_struct("Adaptation", "adaptation")
Exponential = _make_struct("Exponential", "exponential")
EventRouting = _make_struct("EventRouting", "event_routing",
                            {"AnalogOutputMode": AnalogOutputMode,
                             "Address": haldls.NeuronBackendConfig.AddressOut})
Readout = _make_struct("Readout", "readout", {"Source": haldls.ReadoutSource})
RefractoryPeriod = _make_struct("RefractoryPeriod", "refractory_period",
                                {"ResetHoldoff": haldls.NeuronBackendConfig.ResetHoldoff,
                                 "RefractoryTime": haldls.NeuronBackendConfig.RefractoryTime})
Bayesian = _make_struct("Bayesian", "bayesian", {"Operation": BayesianOperation})

#: morphology switches: fixed in a LogicalNeuron (MCSafeAtomicNeuron)
MORPHOLOGY_SWITCHES = frozenset({"connect_soma", "connect_soma_right", "connect_right", "connect_vertical",
                                 "enable_conductance"})
MCSafeMulticompartment = _make_struct("Multicompartment", "multicompartment",
                                      {"_readonly": MORPHOLOGY_SWITCHES,
                                       "__doc__": Multicompartment.__doc__ + " In a LogicalNeuron the "
                                       "morphology switches (" + ", ".join(sorted(MORPHOLOGY_SWITCHES))
                                       + ") are read-only."})

_STRUCT_CLASSES = {"excitatory_input": SynapticInput, "inhibitory_input": SynapticInput, "leak": Leak,
                   "reset": Reset, "threshold": Threshold, "multicompartment": Multicompartment,
                   "constant_current": ConstantCurrent, "membrane_capacitance": MembraneCapacitance,
                   "adaptation": Adaptation, "exponential": Exponential, "event_routing": EventRouting,
                   "readout": Readout, "refractory_period": RefractoryPeriod, "bayesian": Bayesian}
assert tuple(_STRUCT_CLASSES) == STRUCTS


def _neuron_struct_property(struct: str, cls):
    def fget(self):
        return self._struct_classes[struct]._view(self._t, self._r, struct)

    def fset(self, value):
        if not isinstance(value, _Struct) or value._names != cls._names:
            raise TypeError(f"AtomicNeuron.{struct} needs a {cls.__qualname__}, got {type(value).__name__}")
        target = fget(self)
        if target._readonly:
            for n in target._readonly:
                if getattr(value, n) != getattr(target, n):
                    raise ValueError(
                        f"{struct}.{n} is a morphology switch of this LogicalNeuron "
                        f"({getattr(target, n)}); the assigned value ({getattr(value, n)}) would change the "
                        "morphology. Build a new one with lola.Morphology instead")
        _copy_struct(target, value)

    return property(fget, fset, doc=f"{cls.__qualname__} parameters ({', '.join(cls._names)}).")


class AtomicNeuron:
    """Configuration of one neuron circuit (public ``lola.AtomicNeuron``), written at
    ``halco.AtomicNeuronOnDLS``.

    Sub-structs: ``excitatory_input``, ``inhibitory_input`` (SynapticInput), ``leak``,
    ``reset``, ``threshold``, ``multicompartment``, ``constant_current``,
    ``membrane_capacitance``, ``adaptation``, ``exponential``, ``event_routing``,
    ``readout``, ``refractory_period``, ``bayesian``.  Analog values are CapMem
    values 0..1022 (``AtomicNeuron.AnalogValue``) or ``AnalogDisableRefresh()``;
    every assignment is range-checked.  The translation to the leaf containers
    is the table ``lola.neuron.NEURON_MAPPING`` (docs/lola.md lists it with the
    defaults).

    >>> n = AtomicNeuron()
    >>> n.leak.v_leak = 600
    >>> n.event_routing.analog_output = AtomicNeuron.EventRouting.AnalogOutputMode.normal
    """

    __slots__ = ("_t", "_r")

    SynapticInput = SynapticInput
    Leak = Leak
    Reset = Reset
    Threshold = Threshold
    Multicompartment = Multicompartment
    ConstantCurrent = ConstantCurrent
    MembraneCapacitance = MembraneCapacitance
    Adaptation = Adaptation
    Exponential = Exponential
    EventRouting = EventRouting
    Readout = Readout
    RefractoryPeriod = RefractoryPeriod
    Bayesian = Bayesian
    AnalogValue = AnalogValue
    AnalogDisableRefresh = AnalogDisableRefresh

    _struct_classes = _STRUCT_CLASSES

    def __init__(self, **structs):
        object.__setattr__(self, "_t", {p: a.copy() for p, a in _DEFAULT_ROW.items()})
        object.__setattr__(self, "_r", 0)
        for k, v in structs.items():
            if k not in STRUCTS:
                raise TypeError(f"{type(self).__name__} has no member {k!r}; members: {list(STRUCTS)}")
            setattr(self, k, v)

    @classmethod
    def _view(cls, table, row):
        obj = object.__new__(cls)
        object.__setattr__(obj, "_t", table)
        object.__setattr__(obj, "_r", row)
        return obj

    def __setattr__(self, name, value):
        if name not in STRUCTS:
            raise AttributeError(f"{type(self).__name__} has no member {name!r}; members: {list(STRUCTS)}")
        object.__setattr__(self, name, value)

    @classmethod
    def coordinate_type(cls):
        return halco.AtomicNeuronOnDLS

    # -- value semantics ----------------------------------------------------------------------
    def _row(self) -> tuple:
        r = self._r
        return tuple(self._t[p][r].item() for p in _DEFAULT_ROW)

    def __eq__(self, other):
        if not isinstance(other, AtomicNeuron):
            return NotImplemented
        return type(self) is type(other) and self._row() == other._row()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def copy(self):
        """An independent standalone copy."""
        # one slice copy per field (a default row and a row copy would be two)
        new = object.__new__(type(self))
        r, t = self._r, self._t
        object.__setattr__(new, "_t", {p: t[p][r:r + 1].copy() for p in _DEFAULT_ROW})
        object.__setattr__(new, "_r", 0)
        return new

    __copy__ = copy

    @staticmethod
    def copies(neurons) -> list:
        """Independent copies of ``neurons`` (a list), made field by field for all of them at once
        (equal to ``[n.copy() for n in neurons]``; the copies are rows of one new table)."""
        neurons = list(neurons)
        if not neurons:
            return []
        kind = type(neurons[0])
        if not isinstance(neurons[0], AtomicNeuron) or any(type(n) is not kind for n in neurons):
            return [n.copy() for n in neurons]
        t = neurons[0]._t
        if all(n._t is t for n in neurons):                 # views of one table (a chip's neurons)
            rows = np.fromiter((n._r for n in neurons), dtype=np.intp, count=len(neurons))
            table = {p: t[p][rows] for p in _DEFAULT_ROW}
        else:
            table = {p: np.fromiter((n._t[p][n._r] for n in neurons), dtype=a.dtype, count=len(neurons))
                     for p, a in _DEFAULT_ROW.items()}
        return [kind._view(table, r) for r in range(len(neurons))]

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_neuron_from_dict, (type(self), self.to_dict()))

    @staticmethod
    def field_columns(neurons, paths=None) -> Dict[str, np.ndarray]:
        """{path: raw values of the field in each of ``neurons``} (bulk read for mapping many
        neurons at once; ``paths`` default: all fields, e.g. ``"leak.v_leak"``)."""
        neurons = list(neurons)
        for n in neurons:
            if not isinstance(n, AtomicNeuron):
                raise TypeError(f"field_columns needs AtomicNeurons, got {type(n).__name__}")
        paths = list(FIELDS_BY_PATH) if paths is None else list(paths)
        for p in paths:
            if p not in FIELDS_BY_PATH:
                raise KeyError(f"AtomicNeuron has no field {p!r}")
        t = neurons[0]._t if neurons else None
        if neurons and all(n._t is t for n in neurons):        # rows of one table: gathered at once
            rows = np.fromiter((n._r for n in neurons), dtype=np.intp, count=len(neurons))
            return {p: t[p][rows].astype(np.int64) for p in paths}
        return {p: np.fromiter((n._t[p][n._r] for n in neurons), dtype=np.int64, count=len(neurons))
                for p in paths}

    def to_dict(self) -> dict:
        """Nested JSON-able dict: ``{"type": "AtomicNeuron", "leak": {"v_leak": 500, ...}, ...}``."""
        d = {"type": type(self).__name__}
        for s in STRUCTS:
            d[s] = getattr(self, s).to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict):
        """Inverse of ``to_dict`` (missing structs/fields keep their defaults)."""
        d = dict(d)
        t = d.pop("type", cls.__name__)
        if t != cls.__name__:
            raise ValueError(f"dict describes a {t}, not a {cls.__name__}")
        obj = cls()
        for s, fields in d.items():
            if s not in STRUCTS:
                raise ValueError(f"{cls.__name__} has no member {s!r}")
            view = _STRUCT_CLASSES[s]._view(obj._t, obj._r, s)
            for k, v in fields.items():
                if k not in view._specs:
                    raise ValueError(f"{cls.__name__}.{s} has no field {k!r}")
                view._set(k, v)
        return obj

    def __repr__(self):
        inner = ",\n  ".join(f"{s}={getattr(self, s)!r}" for s in STRUCTS)
        return f"{type(self).__name__}(\n  {inner})"

    # -- leaves and the stadls protocol ----------------------------------------------------------
    def _encode(self):
        table = {p: a[self._r:self._r + 1] for p, a in self._t.items()}
        return encode_neurons(table, 1)

    def write_plan(self, coord) -> Tuple[np.ndarray, np.ndarray]:
        """(addresses, words): NeuronConfig (6), its 24 CapMem cells, NeuronBackendConfig (4)."""
        e = _atom_enum(coord)
        nc, cap, nbc = self._encode()
        a_nc, a_cap, a_nbc = neuron_addresses()
        return (np.concatenate([a_nc[e], a_cap[e], a_nbc[e]]),
                np.concatenate([nc[0], cap[0], nbc[0]]).astype(_U32))

    @classmethod
    def read_plan(cls, coord) -> np.ndarray:
        e = _atom_enum(coord)
        a_nc, a_cap, a_nbc = neuron_addresses()
        return np.concatenate([a_nc[e], a_cap[e], a_nbc[e]])

    @classmethod
    def decode_read(cls, coord, words):
        """AtomicNeuron from the 34 words answered for ``read_plan(coord)``."""
        _atom_enum(coord)
        words = np.asarray(words)
        if words.shape != (34,):
            raise ValueError(f"{cls.__name__}.decode_read needs 34 words, got shape {words.shape}")
        table = decode_neurons(words[None, 0:6], words[None, 6:30], words[None, 30:34])
        return cls._view(table, 0)

    def leaves(self, coord):
        """(coordinate, leaf) of the NeuronConfig, the 24 CapMemCells and the NeuronBackendConfig."""
        _atom_enum(coord)
        nc, cap, nbc = self._encode()
        return _neuron_leaves(nc[0], cap[0], nbc[0], coord)


for _s, _c in _STRUCT_CLASSES.items():
    setattr(AtomicNeuron, _s, _neuron_struct_property(_s, _c))
del _s, _c


def _neuron_from_dict(cls, d):
    return cls.from_dict(d)


def _atom_enum(coord) -> int:
    if not isinstance(coord, halco.AtomicNeuronOnDLS):
        raise TypeError(f"AtomicNeuron lives at AtomicNeuronOnDLS, got {coord!r}")
    return int(coord.toEnum())


haldls.register_type(AtomicNeuron)


# ------------------------------------------------------------------------------------------
# all neurons of the chip
# ------------------------------------------------------------------------------------------

class AtomicNeuronArray:
    """The 512 AtomicNeurons of a NeuronBlock, indexed by ``halco.AtomicNeuronOnDLS``
    (or its enum).

    ``arr[coord]`` is a live view (changes go into the array); ``arr[coord] = neuron``
    copies the neuron's values.  Column access for bulk work (calibration):
    ``arr.get_field("leak.v_leak")`` -> array of 512 values (a copy),
    ``arr.set_field("leak.v_leak", values)`` (range-checked, broadcast).
    """

    __slots__ = ("_t",)

    def __init__(self, table: Optional[Dict[str, np.ndarray]] = None):
        self._t = new_table(N_NEURONS) if table is None else table

    def __len__(self):
        return N_NEURONS

    def __getitem__(self, i) -> AtomicNeuron:
        return AtomicNeuron._view(self._t, index_of("atomic_neurons", i, halco.AtomicNeuronOnDLS, N_NEURONS))

    def __setitem__(self, i, neuron):
        k = index_of("atomic_neurons", i, halco.AtomicNeuronOnDLS, N_NEURONS)
        if not isinstance(neuron, AtomicNeuron):
            raise TypeError(f"atomic_neurons holds AtomicNeurons, got {type(neuron).__name__}")
        _copy_row(self._t, k, neuron._t, neuron._r)

    def __iter__(self):
        return (AtomicNeuron._view(self._t, k) for k in range(N_NEURONS))

    def fill(self, neuron: AtomicNeuron) -> None:
        """Set all 512 neurons to (copies of) ``neuron``."""
        if not isinstance(neuron, AtomicNeuron):
            raise TypeError(f"fill needs an AtomicNeuron, got {type(neuron).__name__}")
        for p, col in self._t.items():
            col[:] = neuron._t[p][neuron._r]

    def get_field(self, path: str) -> np.ndarray:
        """Copy of one field of all neurons (e.g. ``"leak.v_leak"``), by AtomicNeuronOnDLS enum."""
        return self._column(path).copy()

    def set_field(self, path: str, values) -> None:
        """Set one field of all neurons from a scalar or an array of 512, range-checked
        (the error names the neuron).  Analog arrays accept 0..1023 (1023 = DisableRefresh)."""
        f = FIELDS_BY_PATH.get(path)
        if f is None:
            raise KeyError(f"AtomicNeuron has no field {path!r}")
        label = f"AtomicNeuron.{path}"
        col = self._t[path]
        if np.ndim(values) == 0 and not isinstance(values, np.ndarray):
            if f.kind == "analog" and not isinstance(values, AnalogDisableRefresh):
                col[:] = check_int(label, values, 0, 1023)
            else:
                col[:] = f.check(label, values)
            return
        arr = integer_array(label, values, (N_NEURONS,), np.int64)
        hi = 1023 if f.kind == "analog" else f.hi
        check_range(label, arr, f.lo, hi, lambda idx: f" of {_atom_name(idx[0])}")
        col[:] = arr

    def _column(self, path):
        try:
            return self._t[path]
        except KeyError:
            raise KeyError(f"AtomicNeuron has no field {path!r}") from None

    def __eq__(self, other):
        if not isinstance(other, AtomicNeuronArray):
            return NotImplemented
        return all(np.array_equal(a, other._t[p]) for p, a in self._t.items())

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = None

    def copy(self) -> "AtomicNeuronArray":
        return AtomicNeuronArray({p: a.copy() for p, a in self._t.items()})

    def __repr__(self):
        default = AtomicNeuron()
        changed = sum(1 for n in self if n != default)
        return f"AtomicNeuronArray(512 neurons, {changed} differ from the default)"

    def encode(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Leaf words of all neurons (NeuronConfig (512, 6), CapMem (512, 24), backend (512, 4))."""
        return encode_neurons(self._t, N_NEURONS, where=_atom_name)


def _atom_name(i: int) -> str:
    return repr(halco.AtomicNeuronOnDLS.from_enum(int(i)))


class _AtomicNeuronsMember(Member):
    """NeuronBlock.atomic_neurons: all NeuronConfigs, then all 12 288 neuron CapMem
    cells, then all NeuronBackendConfigs (each by AtomicNeuronOnDLS enum)."""

    attrs = ("atomic_neurons",)

    def default(self, name):
        return AtomicNeuronArray()

    def check(self, owner, name, value):
        if isinstance(value, AtomicNeuronArray):
            return value.copy()
        items = list(value)
        if len(items) != N_NEURONS:
            raise ValueError(f"{owner}.{name} needs {N_NEURONS} AtomicNeurons, got {len(items)}")
        arr = AtomicNeuronArray()
        for k, n in enumerate(items):
            arr[k] = n
        return arr

    def _addresses(self):
        a_nc, a_cap, a_nbc = neuron_addresses()
        return np.concatenate([a_nc.ravel(), a_cap.ravel(), a_nbc.ravel()])

    def plan(self, obj, coord):
        nc, cap, nbc = obj.atomic_neurons.encode()
        return self.read_plan(coord), np.concatenate([nc.ravel(), cap.ravel(), nbc.ravel()])

    def read_plan(self, coord):
        return _all_neuron_addresses()

    def decode(self, coord, words):
        n6, n24 = N_NEURONS * 6, N_NEURONS * N_ROWS
        words = np.asarray(words)
        table = decode_neurons(words[:n6].reshape(-1, 6), words[n6:n6 + n24],
                               words[n6 + n24:].reshape(-1, 4))
        return {"atomic_neurons": AtomicNeuronArray(table)}

    def leaves(self, obj, coord):
        nc, cap, nbc = obj.atomic_neurons.encode()
        atoms = list(halco.iter_all(halco.AtomicNeuronOnDLS))
        for a, w in zip(atoms, nc):
            yield a.toNeuronConfigOnDLS(), haldls.NeuronConfig.decode(w)
        ct = halco.CapMemCellOnDLS
        for e, v in zip(_capmem_cell_enums().ravel(), cap.ravel()):
            yield ct.from_enum(int(e)), haldls.CapMemCell(value=int(v))
        for a, w in zip(atoms, nbc):
            yield a.toNeuronBackendConfigOnDLS(), haldls.NeuronBackendConfig.decode(w)

    def to_arrays(self, obj, prefix, out):
        for p, a in obj.atomic_neurons._t.items():
            out[f"{prefix}atomic_neurons.{p}"] = a.copy()

    def from_arrays(self, arrays, prefix):
        table = {}
        for f in FIELDS:
            key = f"{prefix}atomic_neurons.{f.path}"
            if key not in arrays:
                raise ValueError(f"missing entry {key!r}")
            table[f.path] = integer_array(key, arrays[key], (N_NEURONS,), f.dtype) if f.kind is not bool \
                else np.asarray(arrays[key], dtype=np.bool_).reshape(N_NEURONS)
        validate_neurons(table, _atom_name)
        return {"atomic_neurons": AtomicNeuronArray(table)}

    def describe(self):
        return [("atomic_neurons", "`AtomicNeuronArray`: 512 `AtomicNeuron`, indexed by `halco.AtomicNeuronOnDLS`")]


@lru_cache(maxsize=None)
def _all_neuron_addresses() -> np.ndarray:
    a_nc, a_cap, a_nbc = neuron_addresses()
    a = np.concatenate([a_nc.ravel(), a_cap.ravel(), a_nbc.ravel()])
    a.flags.writeable = False
    return a


class NeuronBlock(LolaContainer):
    """All neurons of the chip with their shared settings (public ``lola.NeuronBlock``),
    written at ``halco.NeuronBlockOnDLS``.

    ``atomic_neurons`` (512), ``backends`` (2 CommonNeuronBackendConfig: clocks and
    event registers enabled by default, so writing a default chip keeps a
    SystemInit'ed chip running), ``current_rows`` (2 ColumnCurrentRow: the
    switches from the synapse columns into the neurons' inputs), and the shared
    neuron CapMem cells of each block (``v_bias_casc_n``, ``i_bias_readout_amp``,
    ``i_bias_leak_source_follower``, ``i_bias_threshold_comparator``; 4 values,
    indexed by ``halco.CapMemBlockOnDLS``).
    """

    coordinate_name = "NeuronBlockOnDLS"
    _members = (
        _AtomicNeuronsMember(),
        Leaves("backends", haldls.CommonNeuronBackendConfig, 2, halco.CommonNeuronBackendConfigOnDLS,
               lambda c: np.arange(2),
               default=lambda: haldls.CommonNeuronBackendConfig(enable_clocks=True, enable_event_registers=True)),
        Subs("current_rows", ColumnCurrentRow, 2, halco.ColumnCurrentRowOnDLS,
             lambda c, i: halco.ColumnCurrentRowOnDLS(i)),
    ) + analog_members("NeuronBlock")

    def set_logical_neuron(self, coord, logical_neuron) -> None:
        """Write the atomic neurons of ``logical_neuron`` placed at ``coord``
        (a ``LogicalNeuronOnDLS``) into this block, morphology switches included."""
        for atom, neuron in logical_neuron.place(coord).items():
            self.atomic_neurons[atom] = neuron
