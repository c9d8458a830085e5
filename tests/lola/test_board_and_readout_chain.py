"""lola's board DAC blocks and the public sub-structures of ReadoutChain."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import halco
import haldls
import hxcomm
import lola
import stadls

MUX = halco.SourceMultiplexerOnReadoutSourceSelection
REFERENCED = {"v_reset": 1.2, "v_res_meas": 1.2, "mux_rfu_0": 1.2, "mux_rfu_1": 1.2, "i_ref_board": 2.5,
              "ana_readout_debug_0": 2.5, "ana_readout_debug_1": 2.5, "mux_dac_25": 2.5}


@given(st.sampled_from(sorted(REFERENCED)), st.floats(0, 1))
def test_set_voltage_round_trips_within_one_code(name, fraction):
    full = REFERENCED[name]
    ch = getattr(halco.DACChannelOnBoard, name)
    block = lola.DACChannelBlock()
    block.set_voltage(ch, fraction * full)
    assert 0 <= fraction * full - block.get_voltage(ch) <= full / 4095 + 1e-12
    assert block.value[ch] == int(fraction * full / full * 4095)


def test_set_voltage_refuses_supplies_and_out_of_range():
    block = lola.DACChannelBlock()
    with pytest.raises(ValueError, match="supply"):
        block.set_voltage(halco.DACChannelOnBoard.vdd12_madc, 1.0)
    with pytest.raises(ValueError, match="out of range"):
        block.set_voltage(halco.DACChannelOnBoard.mux_dac_25, 2.6)
    with pytest.raises(ValueError, match="out of range"):
        block.value[3] = 4096


def test_presets_are_fresh_copies_with_the_supply_codes():
    a = lola.DACChannelBlock.default_ldo_2
    a.value[halco.DACChannelOnBoard.mux_dac_25] = 7
    b = lola.DACChannelBlock().default_ldo_2
    assert b.value[halco.DACChannelOnBoard.mux_dac_25] == 0
    assert b.value[halco.DACChannelOnBoard.vdd12_digital] == 4095 - 2005
    assert lola.DACChannelBlock.default_ldo_1 != b


@given(st.lists(st.integers(0, 4095), min_size=16, max_size=16), st.lists(st.booleans(), min_size=16, max_size=16))
def test_blocks_write_their_leaves(codes, enables):
    values = lola.DACChannelBlock(codes)
    a, w = values.write_plan(halco.DACChannelBlockOnBoard())
    leaves = list(values.leaves(halco.DACChannelBlockOnBoard()))
    assert [int(c.toEnum()) for c, _ in leaves] == list(range(16))
    assert list(w) == codes
    assert list(a) == [int(haldls.DACChannel.addresses(c)[0]) for c, _ in leaves]
    control = lola.DACControlBlock(enables)
    leaves = list(control.leaves(halco.DACControlBlockOnBoard()))
    assert len(leaves) == 2
    assert leaves[1][1].enable_channel.tolist() == enables[8:]
    assert lola.DACControlBlock.from_dict(control.to_dict()) == control
    assert lola.DACChannelBlock.from_dict(values.to_dict()) == values
    with pytest.raises(TypeError, match="write-only"):
        stadls.PlaybackProgramBuilder().read(halco.DACChannelBlockOnBoard())


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 0xffff), st.integers(0, 1), st.booleans(), st.integers(0, 1022))
def test_readout_chain_views_write_the_leaves(samples, mux, plus, v_ref):
    chain = lola.ReadoutChain()
    chain.madc.number_of_samples = samples
    chain.input_mux[MUX(mux)].debug_plus = plus
    chain.madc_preamp.v_ref = v_ref
    chain.pad_mux[halco.PadMultiplexerConfigOnDLS(mux)].debug_to_pad = True
    chain.dynamic_mux.initially_selected_input = mux
    assert chain.madc_config.number_of_samples == samples
    assert chain.source_selection.debug_plus[mux] == plus and chain.source_selection.debug_plus[1 - mux] is False
    assert chain.readout_sc_amp_v_ref == v_ref
    assert chain.madc_config.active_mux_initially_selected_input == mux
    # the chain writes what the views set
    a, w = chain.write_plan(halco.ReadoutChainOnDLS())
    words = dict(zip(a.tolist(), w.tolist()))
    cfg = haldls.MADCConfig.decode([words[x] for x in haldls.MADCConfig.addresses(halco.MADCConfigOnDLS())])
    assert cfg.number_of_samples == samples
    pad = haldls.PadMultiplexerConfig.decode(
        [words[int(haldls.PadMultiplexerConfig.addresses(halco.PadMultiplexerConfigOnDLS(mux))[0])]])
    assert pad.debug_to_pad


def test_input_mux_takes_a_source_multiplexer_and_shares_hemisphere_lines():
    chain = lola.ReadoutChain()
    m = haldls.ReadoutSourceSelection.SourceMultiplexer(debug_minus=True)
    m.neuron_odd[halco.HemisphereOnDLS.bottom] = True
    chain.input_mux[MUX(1)] = m
    assert chain.source_selection.debug_minus == [False, True]
    assert list(chain.input_mux[1].neuron_odd) == [True, True]
    chain.input_mux[1].neuron_odd[0] = False
    assert chain.source_selection.neuron_odd[1] is False
    with pytest.raises(AttributeError, match="no field"):
        chain.input_mux[0].debug_pluss = True
    with pytest.raises(TypeError, match="SourceMultiplexerOnReadoutSourceSelection"):
        chain.input_mux[halco.PadMultiplexerConfigOnDLS(0)]


def test_readout_chain_not_emulated_parts_and_old_files():
    chain = lola.ReadoutChain()
    with pytest.raises(NotImplementedError, match="current_dac"):
        chain.current_dac
    arrays = {k: v for k, v in chain.to_arrays().items() if not k.startswith("pad_mux")}
    assert lola.ReadoutChain.from_arrays(arrays) == chain      # files written before pad_mux existed
    chain.pad_mux[0].debug_to_pad = True
    assert lola.ReadoutChain.from_arrays(chain.to_arrays()) == chain


def test_readout_chain_reads_back_from_the_emulator():
    chain = lola.ReadoutChain()
    chain.madc.number_of_samples = 420
    chain.input_mux[MUX()].debug_plus = True
    chain.pad_mux[halco.PadMultiplexerConfigOnDLS()].debug_to_pad = True
    b = stadls.PlaybackProgramBuilder()
    b.write(halco.ReadoutChainOnDLS(), chain)
    t = b.read(halco.ReadoutChainOnDLS())
    with hxcomm.ManagedConnection() as conn:
        stadls.run(conn, b.done())
    assert t.get() == chain


@pytest.mark.parametrize("name", sorted(lola.NOT_EMULATED))
def test_public_lola_containers_not_emulated_raise(name):
    with pytest.raises(NotImplementedError, match=f"lola.{name} is not emulated"):
        getattr(lola, name)


def test_files_written_before_fields_got_their_public_names_load():
    """Chip files and calibration results written before the renames and additions of
    haldls.register_map.RENAMED_FIELDS / ADDED_FIELDS still load."""
    from haldls.register_map import ADDED_FIELDS, RENAMED_FIELDS
    from calix.common.result import CalibResult
    names = {f.name for r in haldls.REGISTERS for f in r.fields}
    assert not set(RENAMED_FIELDS) & names and set(RENAMED_FIELDS.values()) <= names
    chip = lola.Chip()
    backend = halco.CommonNeuronBackendConfigOnDLS(1)
    chip.neuron_block.backends[backend].clock_scale_adaptation_pulse = 5
    chip.readout_chain.madc.sample_on_positive_edge = False
    old_name = {new: old for old, new in RENAMED_FIELDS.items()}
    added = {f for fields in ADDED_FIELDS.values() for f in fields}
    written_before = {}
    for k, v in chip.to_arrays().items():
        head, dot, field = k.rpartition(".")
        if (dot and field in added) or k.startswith("readout_chain/pad_mux"):
            continue                                       # not in the old file
        written_before[f"{head}.{old_name.get(field, field)}" if dot else k] = v
    assert lola.Chip.from_arrays(written_before) == chip
    assert lola.upgraded_key("neuron_block/backends.clock_scale_adapt_pulse") == \
        "neuron_block/backends.clock_scale_adaptation_pulse"
    result = CalibResult({"neuron_block/backends.clock_scale_adapt_pulse": np.array([2, 6])})
    assert result.to_chip().neuron_block.backends[backend].clock_scale_adaptation_pulse == 6
