"""Per-hemisphere blocks and chip-level groups: synapse drivers, synapse blocks,
CADC readout chains, the crossbar and the readout chain.

Each is a member list (see ``lola._common``): haldls leaves, arrays of leaves,
nested containers and the shared CapMem cells assigned to it in
``lola.capmem.SHARED_CAPMEM``.
"""
from __future__ import annotations

from functools import lru_cache
import numpy as np

import halco
import haldls

from ._common import (_U32, Leaf, Leaves, LolaContainer, Member, Sub, check_bool,
                      check_int, check_range, index_of, integer_array, leaf_addresses)
from . import readout_views as _views
from .capmem import analog_members
from .synapse import N_COLUMNS, N_ENTRIES, N_QUADS, SynapseMatrix, quad_columns

_DRIVERS = halco.SynapseDriverOnSynapseDriverBlock.size


def _same(t):
    """Coordinate of type ``t`` with the parent's enum (per-hemisphere links)."""
    return lambda coord: t.from_enum(int(coord.toEnum()))


class SynapseDriverBlock(LolaContainer):
    """The 128 synapse drivers of one hemisphere with their shared settings (public
    ``lola.SynapseDriverBlock``), at ``halco.SynapseDriverBlockOnDLS``:
    ``synapse_drivers`` (indexed by ``SynapseDriverOnSynapseDriverBlock``),
    ``padi_bus`` (``CommonPADIBusConfig``), ``stp`` (``CommonSTPConfig``) and the STP
    CapMem biases of the hemisphere."""

    coordinate_name = "SynapseDriverBlockOnDLS"
    _members = (
        Leaves("synapse_drivers", haldls.SynapseDriverConfig, _DRIVERS, halco.SynapseDriverOnSynapseDriverBlock,
               # SynapseDriverOnDLS enum = block * 128 + driver on block
               lambda c: int(c.toEnum()) * _DRIVERS + np.arange(_DRIVERS)),
        Leaf("padi_bus", haldls.CommonPADIBusConfig, _same(halco.CommonPADIBusConfigOnDLS)),
        Leaf("stp", haldls.CommonSTPConfig, _same(halco.CommonSTPConfigOnDLS)),
    ) + analog_members("SynapseDriverBlock")


class SynapseBlock(LolaContainer):
    """Synapses of one hemisphere (public ``lola.SynapseBlock``), at
    ``halco.SynapseBlockOnDLS``: ``matrix`` (``SynapseMatrix``), ``i_bias_dac`` (the
    synapse DAC bias of the two CapMem blocks, default 1022 as public) and
    ``common_synram_config`` (SRAM timing, ``CommonSynramConfig``; the public stack
    keeps it in ``MemoryTiming``)."""

    coordinate_name = "SynapseBlockOnDLS"
    _members = (
        Sub("matrix", SynapseMatrix, _same(halco.SynramOnDLS)),
        Leaf("common_synram_config", haldls.CommonSynramConfig, _same(halco.CommonSynramConfigOnDLS)),
    ) + analog_members("SynapseBlock")


# ------------------------------------------------------------------------------------------
# CADC channels
# ------------------------------------------------------------------------------------------

class CADCChannel:
    """One CADC channel (public ``CADCReadoutChain.Channel``): a view on a column of
    a ``CADCChannelArray``."""

    __slots__ = ("_a", "_i")
    _names = ("offset", "enable_connect_correlation", "enable_connect_debug", "enable_connect_neuron")

    def __init__(self, array, i):
        object.__setattr__(self, "_a", array)
        object.__setattr__(self, "_i", i)

    def __getattr__(self, name):
        if name not in self._names:
            raise AttributeError(f"CADCChannel has no field {name!r}; fields: {list(self._names)}")
        v = getattr(self._a, name)[self._i]
        return int(v) if name == "offset" else bool(v)

    def __setattr__(self, name, value):
        if name not in self._names:
            raise AttributeError(f"CADCChannel has no field {name!r}; fields: {list(self._names)}")
        if name == "offset":
            value = check_int("CADCChannel.offset", value, -128, 127)
        else:
            value = check_bool(f"CADCChannel.{name}", value)
        getattr(self._a, name)[self._i] = value

    def __eq__(self, other):
        if not isinstance(other, CADCChannel):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._names)

    __hash__ = None

    def __repr__(self):
        return "CADCChannel(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._names) + ")"


class CADCChannelArray:
    """The 256 channels of one type (causal or acausal) of a CADC, by column:
    ``offset`` (int -128..127), ``enable_connect_correlation``, ``enable_connect_debug``,
    ``enable_connect_neuron`` (bool); numpy arrays of shape (256,).  ``arr[column]``
    gives a ``CADCChannel`` view."""

    __slots__ = ("offset", "enable_connect_correlation", "enable_connect_debug", "enable_connect_neuron")

    def __init__(self, correlation_default: bool = True):
        self.offset = np.zeros(N_COLUMNS, dtype=np.int16)
        self.enable_connect_correlation = np.full(N_COLUMNS, correlation_default, dtype=np.bool_)
        self.enable_connect_debug = np.zeros(N_COLUMNS, dtype=np.bool_)
        self.enable_connect_neuron = np.zeros(N_COLUMNS, dtype=np.bool_)

    def __len__(self):
        return N_COLUMNS

    def __getitem__(self, column) -> CADCChannel:
        return CADCChannel(self, index_of("channels", column, halco.CADCChannelColumnOnSynram, N_COLUMNS))

    def validate(self, label="CADCChannelArray") -> None:
        check_range(f"{label}.offset", np.asarray(self.offset), -128, 127)
        for n in CADCChannel._names[1:]:
            check_range(f"{label}.{n}", np.asarray(getattr(self, n)).astype(np.int64), 0, 1)

    def __eq__(self, other):
        if not isinstance(other, CADCChannelArray):
            return NotImplemented
        return all(np.array_equal(getattr(self, n), getattr(other, n)) for n in CADCChannel._names)

    __hash__ = None

    def copy(self):
        new = CADCChannelArray.__new__(CADCChannelArray)
        for n in CADCChannel._names:
            setattr(new, n, np.array(getattr(self, n)))
        return new

    def __repr__(self):
        return (f"CADCChannelArray(offsets {int(np.min(self.offset))}..{int(np.max(self.offset))}, "
                f"{int(np.count_nonzero(self.enable_connect_correlation))} connected)")


_CK = haldls.ColumnCorrelationQuad
#: ColumnCorrelationQuad field <- (channel type, channel field)
_CORRELATION_SWITCHES = (
    ("enable_internal_causal", 0, "enable_connect_correlation"),
    ("enable_internal_acausal", 1, "enable_connect_correlation"),
    ("enable_debug_causal", 0, "enable_connect_debug"),
    ("enable_debug_acausal", 1, "enable_connect_debug"),
    ("enable_cadc_neuron_readout_causal", 0, "enable_connect_neuron"),
    ("enable_cadc_neuron_readout_acausal", 1, "enable_connect_neuron"),
)


class _CADCChannelsMember(Member):
    """``channels_causal`` and ``channels_acausal``: their offsets go into the 512
    CADCChannelConfig words, their switches jointly into the 64 ColumnCorrelationQuads."""

    attrs = ("channels_causal", "channels_acausal")

    def default(self, name):
        return CADCChannelArray(correlation_default=bool(
            next(f for f in _CK.fields() if f.name == "enable_internal_causal").default))

    def check(self, owner, name, value):
        if not isinstance(value, CADCChannelArray):
            raise TypeError(f"{owner}.{name} is a CADCChannelArray, got {type(value).__name__}")
        value = value.copy()
        value.validate(f"{owner}.{name}")
        return value

    @staticmethod
    @lru_cache(maxsize=None)
    def _addresses(h: int):
        # CADCChannelConfigOnDLS enum = synram * 512 + channel type * 256 + column
        offs = leaf_addresses(haldls.CADCChannelConfig, h * 2 * N_COLUMNS + np.arange(2 * N_COLUMNS))
        # ColumnCorrelationQuadOnDLS enum = synram * 64 + quad column
        quads = leaf_addresses(_CK, h * N_QUADS + np.arange(N_QUADS))
        return offs, quads

    def plan(self, obj, coord):
        h = int(coord.toEnum())
        chans = (obj.channels_causal, obj.channels_acausal)
        for k, c in zip(self.attrs, chans):
            c.validate(f"CADCReadoutChain.{k}")
        offs = haldls.CADCChannelConfig.encode_array(
            {"offset": np.concatenate([np.asarray(c.offset, dtype=np.int64) for c in chans])}).reshape(-1)
        qc = quad_columns()
        values = {field: np.asarray(getattr(chans[t], src))[qc].reshape(-1, N_ENTRIES)
                  for field, t, src in _CORRELATION_SWITCHES}
        quads = _CK.encode_array(values).reshape(-1)
        a_offs, a_quads = self._addresses(h)
        return np.concatenate([a_offs, a_quads]), np.concatenate([offs, quads]).astype(_U32)

    def read_plan(self, coord):
        return np.concatenate(self._addresses(int(coord.toEnum())))

    def decode(self, coord, words):
        words = np.asarray(words)
        offs = haldls.CADCChannelConfig.decode_array(words[:2 * N_COLUMNS])["offset"]
        quads = _CK.decode_array(words[2 * N_COLUMNS:])
        chans = (CADCChannelArray(), CADCChannelArray())
        for t, c in enumerate(chans):
            c.offset = offs[t * N_COLUMNS:(t + 1) * N_COLUMNS].astype(np.int16)
        qc = quad_columns()
        for field, t, src in _CORRELATION_SWITCHES:
            getattr(chans[t], src)[qc] = quads[field].reshape(N_QUADS, N_ENTRIES).astype(np.bool_)
        return dict(zip(self.attrs, chans))

    def leaves(self, obj, coord):
        addr, words = self.plan(obj, coord)
        h = int(coord.toEnum())
        ct = halco.CADCChannelConfigOnDLS
        for i in range(2 * N_COLUMNS):
            yield ct.from_enum(h * 2 * N_COLUMNS + i), haldls.CADCChannelConfig.decode(words[i:i + 1])
        qt = halco.ColumnCorrelationQuadOnDLS
        for q in range(N_QUADS):
            yield qt.from_enum(h * N_QUADS + q), _CK.decode(words[2 * N_COLUMNS + q:2 * N_COLUMNS + q + 1])

    def to_arrays(self, obj, prefix, out):
        for k in self.attrs:
            c = getattr(obj, k)
            for n in CADCChannel._names:
                out[f"{prefix}{k}.{n}"] = np.array(getattr(c, n))

    def from_arrays(self, arrays, prefix):
        out = {}
        for k in self.attrs:
            c = CADCChannelArray()
            c.offset = integer_array(f"{k}.offset", arrays[f"{prefix}{k}.offset"], (N_COLUMNS,))
            for n in CADCChannel._names[1:]:
                setattr(c, n, integer_array(f"{k}.{n}", arrays[f"{prefix}{k}.{n}"], (N_COLUMNS,), np.int64)
                        .astype(np.bool_))
            c.validate(k)
            out[k] = c
        return out

    def equal(self, name, a, b):
        return a == b

    def describe(self):
        return [(a, "`CADCChannelArray` (256 channels: offset, enable_connect_correlation/debug/neuron), "
                    "stored in `CADCChannelConfig` and `ColumnCorrelationQuad`") for a in self.attrs]


class CADCReadoutChain(LolaContainer):
    """CADC and correlation readout of one hemisphere (public ``lola.CADCReadoutChain``),
    at ``halco.CADCOnDLS``: ``config`` (``CADCConfig``: enable, reset wait, dead time),
    ``correlation_config`` (``CommonCorrelationConfig``), ``channels_causal`` and
    ``channels_acausal`` (``CADCChannelArray``) and the CADC/correlation CapMem biases
    (``v_offset``, ``v_bias_buffer``, ``i_slope``, ``i_bias_comparator``,
    ``i_bias_vreset_buffer``, ``i_bias_ramp``, ``i_bias_store``, ``i_bias_corout``;
    2 values each, indexed by ``CapMemBlockOnHemisphere``)."""

    coordinate_name = "CADCOnDLS"
    Channel = CADCChannel
    _members = (
        Leaf("config", haldls.CADCConfig, _same(halco.CADCConfigOnDLS)),
        Leaf("correlation_config", haldls.CommonCorrelationConfig, _same(halco.CommonCorrelationConfigOnDLS)),
        _CADCChannelsMember(),
    ) + analog_members("CADCReadoutChain")


class Crossbar(LolaContainer):
    """The event routing crossbar (public ``lola.Crossbar``) at ``halco.CrossbarOnDLS``:
    ``nodes`` (76 ``CrossbarNode``, indexed by ``CrossbarNodeOnDLS``) and ``outputs``
    (``CrossbarOutputConfig``)."""

    coordinate_name = "CrossbarOnDLS"
    _members = (
        Leaves("nodes", haldls.CrossbarNode, halco.CrossbarNodeOnDLS.size, halco.CrossbarNodeOnDLS,
               lambda c: np.arange(halco.CrossbarNodeOnDLS.size)),
        Leaf("outputs", haldls.CrossbarOutputConfig, lambda c: halco.CrossbarOutputConfigOnDLS()),
    )


class _AddedLeaves(Leaves):
    """Leaves added to a container after files were written: a file without them gets the
    default."""

    def from_arrays(self, arrays, prefix):
        if not any(k.startswith(prefix + self.attrs[0] + ".") or k == prefix + self.attrs[0] for k in arrays):
            return {self.attrs[0]: self.default(self.attrs[0])}
        return super().from_arrays(arrays, prefix)


class ReadoutChain(LolaContainer):
    """Membrane readout (public ``lola.ReadoutChain``) at ``halco.ReadoutChainOnDLS``:
    ``madc_config`` (``MADCConfig``), ``source_selection`` (``ReadoutSourceSelection``),
    ``pad_mux`` (2 ``PadMultiplexerConfig``, indexed by ``PadMultiplexerConfigOnDLS``) and the
    chip-level readout CapMem biases (named as the ``halco.CapMemCellOnDLS`` cells, e.g.
    ``readout_sc_amp_v_ref``).

    The public sub-structures are live views onto these (``lola.readout_views``): ``madc``,
    ``input_mux[mux]``, ``buffer_to_pad[mux]``, ``dynamic_mux``, ``pseudo_diff_converter``,
    ``madc_input_crossbar``, ``madc_preamp``, ``madc_debug_crossbar``,
    ``source_measure_unit``.  ``current_dac`` raises NotImplementedError: the emulated chip
    has no current DAC."""

    coordinate_name = "ReadoutChainOnDLS"
    _members = (
        Leaf("madc_config", haldls.MADCConfig, lambda c: halco.MADCConfigOnDLS()),
        Leaf("source_selection", haldls.ReadoutSourceSelection, lambda c: halco.ReadoutSourceSelectionOnDLS()),
        _AddedLeaves("pad_mux", haldls.PadMultiplexerConfig, halco.PadMultiplexerConfigOnDLS.size,
                     halco.PadMultiplexerConfigOnDLS, lambda c: np.arange(halco.PadMultiplexerConfigOnDLS.size)),
    ) + analog_members("ReadoutChain")

    madc = property(lambda self: _views.View(self, _views.MADC, "madc"),
                    doc="MADC sampling settings (view onto madc_config and readout_madc_in_500na)")
    input_mux = property(lambda self: _views.ViewArray(self, _views.INPUT_MUX, "input_mux"),
                         doc="per readout multiplexer: its sources (view onto source_selection)")
    buffer_to_pad = property(lambda self: _views.ViewArray(self, _views.BUFFER_TO_PAD, "buffer_to_pad"),
                             doc="per readout multiplexer: buffer to its pad")
    dynamic_mux = property(lambda self: _views.View(self, _views.DYNAMIC_MUX, "dynamic_mux"))
    pseudo_diff_converter = property(lambda self: _views.View(self, _views.PSEUDO_DIFF_CONVERTER,
                                                              "pseudo_diff_converter"))
    madc_input_crossbar = property(lambda self: _views.View(self, _views.MADC_INPUT_CROSSBAR, "madc_input_crossbar"))
    madc_preamp = property(lambda self: _views.View(self, _views.MADC_PREAMP, "madc_preamp"))
    madc_debug_crossbar = property(lambda self: _views.View(self, _views.MADC_DEBUG_CROSSBAR, "madc_debug_crossbar"))
    source_measure_unit = property(lambda self: _views.View(self, _views.SOURCE_MEASURE_UNIT, "source_measure_unit"))

    @property
    def current_dac(self):
        """Not emulated: raises NotImplementedError."""
        raise NotImplementedError("lola.ReadoutChain.current_dac: the emulated chip has no current DAC "
                                  "(haldls.CurrentDAC is not emulated)")
