"""The public sub-structures of ``lola.ReadoutChain`` (``madc``, ``input_mux``, ``dynamic_mux``,
``madc_preamp``, ...) as live views onto the chain's leaves and CapMem values.

The chain stores its configuration once: ``madc_config`` (``MADCConfig``), ``source_selection``
(``ReadoutSourceSelection``), ``pad_mux`` (2 ``PadMultiplexerConfig``) and the readout CapMem
cells.  ``chain.madc.number_of_samples = 420`` writes ``chain.madc_config.number_of_samples``;
one table per view says where each public name lives.

Entries of a table: ``("field", member, field)`` one field of a leaf member;
``("lane", member, field)`` the view's own lane (the multiplexer index) of an array field;
``("lanes", member, field)`` a whole array field (e.g. per hemisphere);
``("shared", member, field)`` a single bit that the public API spells per hemisphere (both
entries read the bit, setting either sets it); ``("analog", cell)`` a CapMem value of the
chain; ``("analog_lane", (cell_0, cell_1))`` the CapMem value of the view's lane.
"""
from __future__ import annotations

from haldls.container import check_bool

MADC = {
    "sample_duration_adjust": ("field", "madc_config", "sample_duration_adjust"),
    "enable_sar_reset_on_fall": ("field", "madc_config", "enable_sar_reset_on_fall"),
    "sar_reset_wait": ("field", "madc_config", "sar_reset_wait"),
    "sar_reset_length": ("field", "madc_config", "sar_reset_length"),
    "powerup_wait_value": ("field", "madc_config", "powerup_wait_value"),
    "conversion_cycles_offset": ("field", "madc_config", "conversion_cycles_offset"),
    "enable_calibration": ("field", "madc_config", "enable_calibration"),
    "calibration_wait_value": ("field", "madc_config", "calibration_wait_value"),
    "number_of_samples": ("field", "madc_config", "number_of_samples"),
    "sample_on_positive_edge": ("field", "madc_config", "sample_on_positive_edge"),
    "enable_dummy_data": ("field", "madc_config", "enable_dummy_data"),
    "enable_madc_clock_scaling": ("field", "madc_config", "enable_madc_clock_scaling"),
    "clock_scale_value": ("field", "madc_config", "madc_clock_scale_value"),
    "in_500na": ("analog", "readout_madc_in_500na"),
}

DYNAMIC_MUX = {
    "enable_amplifiers": ("field", "madc_config", "enable_active_mux_amplifiers"),
    "initially_selected_input": ("field", "madc_config", "active_mux_initially_selected_input"),
    "input_select_length": ("field", "madc_config", "active_mux_input_select_length"),
    "i_bias": ("analog", "readout_ac_mux_i_bias"),
}

PSEUDO_DIFF_CONVERTER = {
    "enable_reference": ("shared", "madc_config", "enable_pseudo_differential_reference"),
    "v_ref": ("analog", "readout_pseudo_diff_v_ref"),
    "buffer_bias": ("analog", "readout_pseudo_diff_buffer_bias"),
}

MADC_INPUT_CROSSBAR = {
    "connect_source_measure_unit": ("field", "madc_config", "signal_selection_connect_current_meter"),
    "connect_dynamic_mux": ("field", "madc_config", "signal_selection_connect_active_mux"),
    "connect_pad_mux": ("field", "madc_config", "signal_selection_connect_debug"),
    "connect_madc_preamp": ("field", "madc_config", "signal_selection_connect_preamp"),
}

MADC_PREAMP = {
    "gain_cap_size": ("field", "madc_config", "preamp_gain_capacitor_size"),
    "sampling_window_start": ("field", "madc_config", "preamp_sampling_window_start"),
    "sampling_window_end": ("field", "madc_config", "preamp_sampling_window_end"),
    "v_ref": ("analog", "readout_sc_amp_v_ref"),
    "i_bias": ("analog", "readout_sc_amp_i_bias"),
}

MADC_DEBUG_CROSSBAR = {
    "connect_preamp_to_madc": ("field", "madc_config", "connect_preamp_to_madc"),
    "connect_pads_to_madc": ("field", "madc_config", "connect_pads_to_madc"),
    "connect_preamp_to_pads": ("field", "madc_config", "connect_preamp_to_pads"),
}

SOURCE_MEASURE_UNIT = {
    "sampling_window_start": ("field", "madc_config", "iconv_sampling_window_start"),
    "sampling_window_end": ("field", "madc_config", "iconv_sampling_window_end"),
    "connect_neuron_stimulus": ("lanes", "madc_config", "connect_iconv_neuron"),
    "connect_synapse_debug": ("lanes", "madc_config", "connect_iconv_synapse"),
    "test_voltage": ("analog", "readout_iconv_test_voltage"),
    "buffer_i_bias": ("analog", "readout_iconv_i_bias_buffer"),
    "amp_v_ref": ("analog", "readout_iconv_sc_amp_v_ref"),
    "amp_i_bias": ("analog", "readout_iconv_sc_amp_i_bias"),
}

INPUT_MUX = {name: ("lane", "source_selection", name) for name in (
    "debug_plus", "debug_minus", "current_dac", "synin_debug_inhibitory", "synin_debug_excitatory",
    "cadc_debug_causal", "cadc_debug_acausal")}
INPUT_MUX.update({name: ("lane_shared", "source_selection", name)
                  for name in ("synapse_driver_debug", "neuron_odd", "neuron_even")})

BUFFER_TO_PAD = {
    "enable": ("lane", "source_selection", "enable_buffered"),
    "amp_i_bias": ("analog_lane", ("readout_out_amp_i_bias_0", "readout_out_amp_i_bias_1")),
}


class SharedBit:
    """A single bit the public API spells per hemisphere: ``[bit, bit]``; setting either entry
    sets the bit (the emulated chip has one line for both hemispheres)."""

    __slots__ = ("_leaf", "_field", "_lane", "_label")

    def __init__(self, leaf, field, lane, label):
        self._leaf, self._field, self._lane, self._label = leaf, field, lane, label

    def _get(self):
        v = getattr(self._leaf, self._field)
        return v if self._lane is None else v[self._lane]

    def _put(self, value):
        if self._lane is None:
            setattr(self._leaf, self._field, value)
        else:
            getattr(self._leaf, self._field)[self._lane] = value

    def __len__(self):
        return 2

    def __getitem__(self, i):
        if not 0 <= int(i) < 2:
            raise IndexError(f"{self._label}[{int(i)}] out of range [0, 1] (a hemisphere)")
        return self._get()

    def __setitem__(self, i, value):
        if not 0 <= int(i) < 2:
            raise IndexError(f"{self._label}[{int(i)}] out of range [0, 1] (a hemisphere)")
        self._put(check_bool(self._label, value))

    def __iter__(self):
        return iter([self._get()] * 2)

    def __eq__(self, other):
        try:
            return list(self) == list(other)
        except TypeError:
            return NotImplemented

    def __repr__(self):
        return repr(list(self))


class View:
    """Attributes of one public sub-structure, resolved through its table (module doc)."""

    __slots__ = ("_chain", "_table", "_lane", "_name")

    def __init__(self, chain, table: dict, name: str, lane=None):
        object.__setattr__(self, "_chain", chain)
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_lane", lane)

    def _entry(self, attr):
        try:
            return self._table[attr]
        except KeyError:
            raise AttributeError(f"ReadoutChain.{self._name} has no field {attr!r}; fields: "
                                 f"{sorted(self._table)}") from None

    def __getattr__(self, attr):
        kind, *where = self._entry(attr)
        chain, label = self._chain, f"ReadoutChain.{self._name}.{attr}"
        if kind == "field":
            return getattr(getattr(chain, where[0]), where[1])
        if kind == "lane":
            return getattr(getattr(chain, where[0]), where[1])[self._lane]
        if kind == "lanes":
            return getattr(getattr(chain, where[0]), where[1])
        if kind == "shared":
            return SharedBit(getattr(chain, where[0]), where[1], None, label)
        if kind == "lane_shared":
            return SharedBit(getattr(chain, where[0]), where[1], self._lane, label)
        if kind == "analog":
            return getattr(chain, where[0])
        return getattr(chain, where[0][self._lane])          # analog_lane

    def __setattr__(self, attr, value):
        kind, *where = self._entry(attr)
        chain = self._chain
        if kind == "field":
            setattr(getattr(chain, where[0]), where[1], value)
        elif kind == "lane":
            getattr(getattr(chain, where[0]), where[1])[self._lane] = value
        elif kind == "lanes":
            setattr(getattr(chain, where[0]), where[1], value)
        elif kind in ("shared", "lane_shared"):
            bits = list(value)
            if len(bits) != 2:
                raise ValueError(f"ReadoutChain.{self._name}.{attr} needs 2 values (one per hemisphere)")
            SharedBit(getattr(chain, where[0]), where[1], self._lane if kind == "lane_shared" else None,
                      f"ReadoutChain.{self._name}.{attr}")._put(any(check_bool(attr, b) for b in bits))
        elif kind == "analog":
            setattr(chain, where[0], value)
        else:
            setattr(chain, where[0][self._lane], value)

    def __eq__(self, other):
        if not isinstance(other, View) or other._table is not self._table:
            return NotImplemented
        return all(_plain(getattr(self, a)) == _plain(getattr(other, a)) for a in self._table)

    __hash__ = None

    def __repr__(self):
        return f"{self._name}(" + ", ".join(f"{a}={_plain(getattr(self, a))!r}" for a in self._table) + ")"


def _plain(v):
    return list(v) if isinstance(v, SharedBit) else v


class ViewArray:
    """The per-multiplexer views (``input_mux``, ``buffer_to_pad``), indexed by
    ``halco.SourceMultiplexerOnReadoutSourceSelection``."""

    __slots__ = ("_chain", "_table", "_name")

    def __init__(self, chain, table, name):
        self._chain, self._table, self._name = chain, table, name

    def _lane(self, i):
        import halco
        if isinstance(i, halco.Coordinate) and not isinstance(i, halco.SourceMultiplexerOnReadoutSourceSelection):
            raise TypeError(f"ReadoutChain.{self._name} is indexed by SourceMultiplexerOnReadoutSourceSelection, "
                            f"got {i!r}")
        k = int(i)
        if not 0 <= k < 2:
            raise IndexError(f"ReadoutChain.{self._name}[{k}] out of range [0, 1]")
        return k

    def __len__(self):
        return 2

    def __getitem__(self, i) -> View:
        return View(self._chain, self._table, f"{self._name}[{self._lane(i)}]", self._lane(i))

    def __setitem__(self, i, value):
        """Copy a view (or, for ``input_mux``, a ``ReadoutSourceSelection.SourceMultiplexer``)."""
        target = self[i]
        for attr in self._table:
            setattr(target, attr, getattr(value, attr))

    def __iter__(self):
        return iter([self[0], self[1]])
