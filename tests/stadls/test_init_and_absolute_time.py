"""SystemInit and its public parts, ExperimentInit / DigitalInit, the
AbsoluteTimePlaybackProgramBuilder, convert_to_chip and the event arrays' to_numpy()."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import halco
import haldls
import hxcomm
import lola
import stadls

CELL = halco.CapMemCellOnDLS


@pytest.fixture(scope="module")
def connection():
    with hxcomm.EmulatorConnection(chip_id=4) as conn:
        yield conn


def _words(builder):
    return builder.done().words.copy()


# -- init ------------------------------------------------------------------------------------------

def test_system_init_from_the_connections_entry_runs(connection):
    entry = connection.get_hwdb_entry()[0]
    init = stadls.SystemInit(entry)
    assert isinstance(init.asic_adapter_board, stadls.CubeASICAdapterBoardInit)
    builder, result = init.generate()
    stadls.run(connection, builder.done())
    assert result.jtag_id_code.get().version == 3


def test_generate_function_and_method_agree():
    init = stadls.SystemInit(hxcomm.ZeroMockEntry())
    init.asic_adapter_board.dac_channel_block.set_voltage(halco.DACChannelOnBoard.mux_dac_25, 0.7)
    assert np.array_equal(_words(stadls.generate(init)[0]), _words(init.generate()[0]))


def test_the_board_part_writes_what_it_holds():
    init = stadls.SystemInit()
    init.asic_adapter_board.shift_register.select_analog_readout_mux_2_input = "mux_dac_25"
    init.asic_adapter_board.dac_channel_block.value[halco.DACChannelOnBoard.mux_dac_25] = 1234
    words = _words(init.generate()[0])
    a, w = haldls.DACChannel(1234).write_plan(halco.DACChannelOnBoard.mux_dac_25)
    assert _contains_write(words, int(a[0]), 1234)
    init.enable_asic_adapter_board = False
    assert not _contains_write(_words(init.generate()[0]), int(a[0]), 1234)


def _contains_write(words, address, word):
    from hxcomm import codec
    return _subsequence(words, codec.omnibus_write([address], [word]))


def _subsequence(words, part):
    n = len(part)
    return any(np.array_equal(words[i:i + n], part) for i in range(len(words) - n + 1))


def test_options_of_earlier_versions_are_views_on_the_chip_part():
    init = stadls.SystemInit(enable_capmem=False, read_jtag_id=False, enable_event_recording=False)
    assert init.chip.enable_capmem is False and init.enable_capmem is False
    assert init.chip.event_recording.enable_event_recording is False
    assert init.generate()[1].jtag_id_code is None
    init.enable_neuron_clocks = False
    assert init.chip.enable_neuron_clocks is False


def test_not_emulated_init_parts_and_bad_entries():
    init = stadls.SystemInit()
    for name in ("adplls", "pll_clock_output_block", "highspeed_link", "memory_timing"):
        with pytest.raises(NotImplementedError, match=f"ChipInit.{name}"):
            getattr(init.chip, name)
    with pytest.raises(NotImplementedError, match="instruction_timeout"):
        init.instruction_timeout
    with pytest.raises(AttributeError):
        init.no_such_part
    with pytest.raises(TypeError, match="hardware database entry"):
        stadls.SystemInit("cube")
    with pytest.raises(TypeError, match="SystemInit"):
        stadls.generate(object())


def test_experiment_init_writes_its_arrays(connection):
    init = stadls.ExperimentInit()
    quad = init.column_current_quad_config[halco.ColumnCurrentQuadOnDLS.from_enum(5)]
    quad.enable_synaptic_current_excitatory[1] = True
    init.common_correlation_config[1].sense_delay = 7
    b, _ = init.generate()
    t1 = b.read(halco.ColumnCurrentQuadOnDLS.from_enum(5))
    t2 = b.read(halco.CommonCorrelationConfigOnDLS(1))
    t3 = b.read(halco.CommonNeuronBackendConfigOnDLS(0))
    stadls.run(connection, b.done())
    assert t1.get().enable_synaptic_current_excitatory[1]
    assert t2.get().sense_delay == 7
    assert t3.get().enable_clocks                       # the backends keep their clocks
    assert isinstance(stadls.DigitalInit(), stadls.SystemInit)
    assert np.array_equal(_words(stadls.DigitalInit(read_jtag_id=False).generate()[0]),
                          _words(stadls.SystemInit(read_jtag_id=False).generate()[0]))


# -- absolute time -----------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 3), st.integers(0, 1022)), min_size=1, max_size=12),
       st.integers(0, 3100))
def test_writes_happen_at_their_times(connection, writes, t_read):
    """A read at t sees exactly the writes at times <= t (later writes of one cell win; equal
    times keep their order)."""
    cells = [CELL.from_enum(100 + i) for i in range(4)]
    setup = stadls.PlaybackProgramBuilder()
    for c in cells:
        setup.write(c, haldls.CapMemCell(1000))
    stadls.run(connection, setup.done())
    atb = stadls.AbsoluteTimePlaybackProgramBuilder()
    for t, i, v in writes:
        atb.write(haldls.Timer.Value(t), cells[i], haldls.CapMemCell(v))
    tickets = [atb.read(haldls.Timer.Value(t_read), c) for c in cells]
    builder = atb.done()
    assert atb.empty()
    stadls.run(connection, builder.done())
    expect = [1000] * 4
    # stable sort: reads come after the writes given before them at the same time
    for t, i, v in sorted(writes, key=lambda w: w[0]):
        if t <= t_read:
            expect[i] = v
    assert [int(t.get().value) for t in tickets] == expect


def test_merge_copy_shift_and_scale():
    a = stadls.AbsoluteTimePlaybackProgramBuilder()
    a.write(100, CELL.from_enum(1), haldls.CapMemCell(1))
    b = stadls.AbsoluteTimePlaybackProgramBuilder()
    b.write(50, CELL.from_enum(2), haldls.CapMemCell(2))
    shifted = b + 25
    stretched = b * 2.0
    assert [c.time for c in shifted.sorted_commands()] == [75]
    assert [c.time for c in stretched.sorted_commands()] == [100]
    a.merge(b)
    assert b.empty() and [c.time for c in a.sorted_commands()] == [50, 100]
    c = stadls.AbsoluteTimePlaybackProgramBuilder()
    c.copy(a)
    c += 10
    assert [x.time for x in c.sorted_commands()] == [60, 110] and [x.time for x in a.sorted_commands()] == [50, 100]
    a.read(200, CELL.from_enum(1))
    assert not a.is_write_only()
    with pytest.raises(ValueError, match="reads"):
        a + 1
    with pytest.raises(ValueError, match="reads"):
        c.copy(a)


def test_container_is_copied_when_written():
    cell = haldls.CapMemCell(5)
    atb = stadls.AbsoluteTimePlaybackProgramBuilder()
    atb.write(10, CELL.from_enum(0), cell)
    cell.value = 6
    assert atb.sorted_commands()[0].container.value == 5


def test_bad_use_raises():
    atb = stadls.AbsoluteTimePlaybackProgramBuilder()
    with pytest.raises(ValueError, match="timer"):
        atb.write(10, halco.TimerOnDLS(), haldls.Timer())
    with pytest.raises(ValueError, match="out of range"):
        atb.write(2**32, CELL.from_enum(0), haldls.CapMemCell(1))
    with pytest.raises(TypeError, match="no readable container"):
        atb.read(10, halco.SpikePack1ToChipOnDLS())
    with pytest.raises(ValueError, match="32-bit"):
        atb.write(2**32 - 10, CELL.from_enum(0), haldls.CapMemCell(1))
        atb += 100
    t = stadls.AbsoluteTimePlaybackProgramBuilder().read(5, CELL.from_enum(0))
    with pytest.raises(stadls.TicketNotReadyError, match="done"):
        t.get()
    with pytest.raises(NotImplementedError, match="fpga_time"):
        t.fpga_time


def test_done_starts_with_a_timer_reset_and_waits_per_time():
    atb = stadls.AbsoluteTimePlaybackProgramBuilder()
    for t in (300, 100, 100):
        atb.write(t, CELL.from_enum(0), haldls.CapMemCell(1))
    words = _words(atb.done())
    from hxcomm import codec
    decoded = codec.decode_to_chip(words)
    names = {v: k for k, v in hxcomm.opcode_table().items()}
    ops = [names[int(o)] for o in decoded["opcode"]]
    assert ops[0] == "TIMER_RESET"
    waits = [int(p) for o, p in zip(ops, decoded["payload"]) if o == "WAIT_UNTIL"]
    assert waits == [100, 300]


# -- dumper -> chip ------------------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 511), st.integers(0, 1022), st.integers(0, 63)), min_size=1, max_size=6))
def test_convert_to_chip_applies_the_dumped_writes(writes):
    dumper = stadls.PlaybackProgramBuilderDumper()
    expect = {}
    for n, v_leak, cap in writes:
        coord = halco.AtomicNeuronOnDLS.from_enum(n)
        neuron = lola.AtomicNeuron()
        neuron.leak.v_leak = v_leak
        neuron.membrane_capacitance.capacitance = cap
        dumper.write(coord, neuron)
        expect[coord] = neuron
    dumper.write(halco.TimerOnDLS(), haldls.Timer())                      # not part of a chip: skipped
    dumper.write(halco.SpikePack1ToChipOnDLS(), haldls.SpikePack1ToChip([halco.SpikeLabel(3)]))
    dumper.block_until(halco.TimerOnDLS(), haldls.Timer.Value(10))
    previous = lola.Chip()
    previous.crossbar.nodes[halco.CrossbarNodeOnDLS.from_enum(0)].mask = 0x3ff
    chip = stadls.convert_to_chip(dumper.done(), previous)
    for coord, neuron in expect.items():
        assert chip.neuron_block.atomic_neurons[coord] == neuron
    assert chip.crossbar.nodes[halco.CrossbarNodeOnDLS.from_enum(0)].mask == 0x3ff
    assert previous.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS.from_enum(writes[0][0])] == lola.AtomicNeuron()


def test_convert_to_chip_needs_a_dump():
    with pytest.raises(TypeError, match="DumperDone"):
        stadls.convert_to_chip(stadls.PlaybackProgramBuilderDumper())
    with pytest.raises(TypeError, match="lola.Chip"):
        stadls.convert_to_chip(stadls.PlaybackProgramBuilderDumper().done(), lola.AtomicNeuron())


def test_event_arrays_give_plain_numpy(connection):
    b = stadls.PlaybackProgramBuilder()
    b.write(halco.TimerOnDLS(), haldls.Timer())
    b.wait_until(10)
    program = b.done()
    stadls.run(connection, program)
    for arr in (program.spikes, program.madc_samples):
        plain = arr.to_numpy()
        assert type(plain) is np.ndarray and plain.dtype == arr.dtype


@pytest.mark.parametrize("name", sorted(stadls.NOT_EMULATED))
def test_public_stadls_names_not_emulated_raise(name):
    with pytest.raises(NotImplementedError, match=f"stadls.{name} is not emulated"):
        getattr(stadls, name)
