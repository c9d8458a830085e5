"""Containers survive builder -> wire -> emulator -> wire -> ticket."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import halco
import haldls
import hxcomm
import stadls
from tests.strategies import READ_WRITE_TYPES, containers, coordinates


@pytest.fixture(scope="module")
def connection():
    with hxcomm.EmulatorConnection(chip_id=3) as conn:
        yield conn


@pytest.mark.parametrize("cls", READ_WRITE_TYPES, ids=lambda c: c.__name__)
def test_random_container_reads_back(connection, cls):
    ctype = cls.coordinate_type()

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(coordinates(ctype), containers(cls)), min_size=1, max_size=4))
    def check(items):
        builder = stadls.PlaybackProgramBuilder()
        latest = {}
        for coord, value in items:
            builder.write(coord, value)
            latest[coord] = value
        tickets = {coord: builder.read(coord) for coord in latest}
        stadls.run(connection, builder.done())
        for coord, ticket in tickets.items():
            assert ticket.get() == latest[coord]

    check()


def test_composites_read_back(connection):
    quad = haldls.SynapseQuad(weights=[1, 2, 3, 63], labels=[5, 6, 7, 8], time_calibs=[0, 1, 2, 3],
                              amp_calibs=[3, 2, 1, 0])
    block = haldls.CapMemBlock(np.arange(130 * 24) % 1023)
    coord_q = halco.SynapseQuadOnDLS.from_enum(12345)
    coord_b = halco.CapMemBlockOnDLS(2)
    builder = stadls.PlaybackProgramBuilder()
    builder.write(coord_q, quad)
    builder.write(coord_b, block)
    tq, tb = builder.read(coord_q), builder.read(coord_b)
    stadls.run(connection, builder.done())
    assert tq.get() == quad
    assert tb.get() == block


def test_ticket_before_run_raises():
    builder = stadls.PlaybackProgramBuilder()
    ticket = builder.read(halco.JTAGIdCodeOnDLS())
    builder.done()
    with pytest.raises(stadls.TicketNotReadyError, match="run the program"):
        ticket.get()


def test_system_init_reads_jtag_id(connection):
    builder, result = stadls.generate(stadls.SystemInit())
    stadls.run(connection, builder.done())
    assert result.jtag_id_code.get() == haldls.JTAGIdCode()


def test_differential_write_sends_only_changed_words():
    ref = haldls.NeuronConfig()
    new = haldls.NeuronConfig(enable_fire=True, membrane_capacitor_size=3)
    coord = halco.NeuronConfigOnDLS.from_enum(7)
    full, diff = stadls.PlaybackProgramBuilder(), stadls.PlaybackProgramBuilder()
    full.write(coord, new)
    diff.write(coord, new, ref)
    changed = int(np.count_nonzero(new.encode() != ref.encode()))
    assert changed == 2
    assert diff.size_to_fpga() == 2 * changed
    assert full.size_to_fpga() == 2 * 6
    words = hxcomm.decode_to_chip(diff.done().words)
    addresses = haldls.NeuronConfig.addresses(coord)
    written = words["payload"][0::2] & 0xffffffff
    assert set(written.tolist()) == set(addresses[new.encode() != ref.encode()].tolist())


def test_merge_back_keeps_ticket_order(connection):
    a, b = stadls.PlaybackProgramBuilder(), stadls.PlaybackProgramBuilder()
    c0, c1 = halco.CapMemCellOnDLS.from_enum(1), halco.CapMemCellOnDLS.from_enum(2)
    a.write(c0, haldls.CapMemCell(value=11))
    b.write(c1, haldls.CapMemCell(value=22))
    t1 = b.read(c1)
    t0 = a.read(c0)
    a.merge_back(b)
    assert b.empty()
    stadls.run(connection, a.done())
    assert t0.get().value == 11 and t1.get().value == 22


def test_copy_back_refuses_reads():
    a, b = stadls.PlaybackProgramBuilder(), stadls.PlaybackProgramBuilder()
    b.read(halco.JTAGIdCodeOnDLS())
    with pytest.raises(ValueError, match="write-only"):
        a.copy_back(b)


def test_read_only_and_trigger_misuse():
    builder = stadls.PlaybackProgramBuilder()
    with pytest.raises(TypeError, match="read-only"):
        builder.write(halco.SpikeCounterReadOnDLS(), haldls.SpikeCounterRead())
    with pytest.raises(TypeError, match="write-only"):
        builder.read(halco.NeuronResetOnDLS())
    with pytest.raises(TypeError, match="lives at"):
        builder.write(halco.NeuronConfigOnDLS(), haldls.NeuronBackendConfig())


def test_dumper_roundtrip_and_squash(connection):
    dumper = stadls.PlaybackProgramBuilderDumper()
    c = halco.CapMemCellOnDLS.from_enum(5)
    dumper.write(c, haldls.CapMemCell(value=1))
    dumper.block_until(halco.TimerOnDLS(), haldls.Timer.Value(100))
    dumper.write(c, haldls.CapMemCell(value=2))
    dump = dumper.done()
    assert len(dump) == 3
    squashed = dump.squash()
    assert list(squashed) == [(c, haldls.CapMemCell(value=2))]
    assert stadls.DumperDone.from_dict(dump.to_dict()) == dump
    builder, _ = stadls.convert_to_builder(dump)
    ticket = builder.read(c)
    stadls.run(connection, builder.done())
    assert ticket.get().value == 2


def test_timed_spike_words_pack_per_time():
    builder = stadls.PlaybackProgramBuilder()
    times = np.array([10, 10, 10, 10, 20, 30, 30])
    labels = np.arange(7) + 100
    builder.write_spikes(times, labels)
    decoded = hxcomm.decode_to_chip(builder.done().words)
    names = [hxcomm.BY_OPCODE[int(o)].name for o in decoded["opcode"]]
    assert names == ["WAIT_UNTIL", "SPIKE_PACK_3", "SPIKE_PACK_1", "WAIT_UNTIL", "SPIKE_PACK_1",
                     "WAIT_UNTIL", "SPIKE_PACK_2"]
    with pytest.raises(ValueError, match="non-decreasing"):
        stadls.PlaybackProgramBuilder().write_spikes([5, 4], [1, 2])


def test_ppu_memory_block_reads_back(connection):
    coord = halco.PPUMemoryBlockOnDLS(
        halco.PPUMemoryBlockOnPPU(halco.PPUMemoryWordOnPPU(100), halco.PPUMemoryWordOnPPU(163)), halco.PPUOnDLS(1))
    block = haldls.PPUMemoryBlock(np.arange(64, dtype=np.uint64) * 0x01010101 + 7)
    builder = stadls.PlaybackProgramBuilder()
    builder.write(coord, block)
    ticket = builder.read(coord)
    word = builder.read(halco.PPUMemoryWordOnDLS(halco.PPUMemoryWordOnPPU(101), halco.PPUOnDLS(1)))
    stadls.run(connection, builder.done())
    assert ticket.get() == block
    assert word.get().value == int(block.words[1])
    with pytest.raises(ValueError, match="does not fit"):
        stadls.PlaybackProgramBuilder().write(coord, haldls.PPUMemoryBlock(size=3))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 2 * 4096 - 1), st.integers(0, 2**32 - 1)), min_size=1, max_size=16,
                unique_by=lambda x: x[0]))
def test_bulk_word_reads_match_container_reads(connection, items):
    """read_words answers the written words in address order, as the per-container reads do."""
    coords = [halco.PPUMemoryWordOnDLS.from_enum(i) for i, _ in items]
    builder = stadls.PlaybackProgramBuilder()
    for c, (_, w) in zip(coords, items):
        builder.write(c, haldls.PPUMemoryWord(value=w))
    bulk = builder.read_words(np.concatenate([haldls.PPUMemoryWord.read_plan(c) for c in coords]))
    singles = [builder.read(c) for c in coords]
    program = builder.done()
    with pytest.raises(stadls.TicketNotReadyError):
        bulk.get()
    stadls.run(connection, program)
    words = bulk.get()
    assert words.dtype == np.uint32
    assert words.tolist() == [w for _, w in items] == [int(t.get().value) for t in singles]
