"""Timed writes inside the realtime section (grenade.TimedWrites): merged with the input
spikes in time order, applied by the chip at their times, and remembered by grenade's chip
state so that the next run writes the network's own words back."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import halco
import haldls
import hxcomm
import lola
import stadls
import grenade
from grenade import NetworkBuilder, Population
from grenade.timed_writes import append_realtime

ATOM = halco.AtomicNeuronOnDLS.from_enum(0)
OFFSET_CELL = ATOM.toCapMemCellOnDLS(halco.CapMemRowOnCapMemBlock.i_mem_offset)


def _neuron(i_offset=0):
    n = lola.AtomicNeuron()
    n.leak.v_leak = 400
    n.leak.i_bias = 200
    n.threshold.enable = False
    n.constant_current.enable = True
    n.constant_current.i_offset = i_offset
    return n


def _network():
    b = NetworkBuilder()
    pop = b.add(Population(1, config=_neuron(0)))
    b.add(grenade.MADCRecording([(pop, 0)]))
    return b.done(), pop


@pytest.fixture
def conn():
    c = hxcomm.EmulatorConnection()
    yield c
    grenade.forget(c)


def _trace(res, pop):
    tr = res.madc(pop, 0)
    return np.asarray(tr["time"], float), np.asarray(tr["value"], float)


def test_timed_write_of_the_constant_current_acts_at_its_time(conn):
    net, pop = _network()
    writes = grenade.TimedWrites.from_containers([(0.05, OFFSET_CELL, haldls.CapMemCell(value=600))])
    res = grenade.run(conn, [grenade.Snippet(net, None, 0.1, timed_writes=writes)])
    t, v = _trace(res, pop)
    before = v[(t > 0.02) & (t < 0.049)]
    after = v[t > 0.09]
    # at rest before the write; a constant source current lifts the membrane afterwards
    assert np.ptp(before) < 5
    assert after.mean() > before.mean() + 20
    # the rise starts within one emulator step (0.1 us) of the write time
    first = t[np.flatnonzero(v > before.mean() + 5)[0]]
    assert 0.05 <= first < 0.05 + 0.005


def test_next_run_writes_the_configuration_back(conn):
    net, pop = _network()
    writes = grenade.TimedWrites.from_containers([(0.02, OFFSET_CELL, haldls.CapMemCell(value=600))])
    grenade.run(conn, [grenade.Snippet(net, None, 0.05, timed_writes=writes)])
    # grenade knows the cell holds 600: the unchanged network's run writes its 0 back
    res = grenade.run(conn, net, None, None, runtime=0.2)
    assert res.timing.config_words == 1
    t, v = _trace(res, pop)
    late = v[t > 0.15]
    builder = stadls.PlaybackProgramBuilder()
    ticket = builder.read(OFFSET_CELL)
    stadls.run(conn, builder.done())
    assert int(ticket.get().value) == 0
    # and the membrane relaxed back towards rest
    assert late.mean() < v[t < 0.01].mean()


def test_timed_writes_need_times_before_the_runtime(conn):
    net, _ = _network()
    writes = grenade.TimedWrites.from_containers([(0.1, OFFSET_CELL, haldls.CapMemCell(value=1))])
    with pytest.raises(ValueError, match="not before the runtime"):
        grenade.run(conn, [grenade.Snippet(net, None, 0.1, timed_writes=writes)])
    with pytest.raises(ValueError, match="times must be finite and >= 0"):
        grenade.TimedWrites([-1.0], [0], [0])
    with pytest.raises(ValueError, match="equal lengths"):
        grenade.TimedWrites([1.0, 2.0], [0], [0])
    with pytest.raises(TypeError, match="grenade.TimedWrites"):
        grenade.run(conn, [grenade.Snippet(net, None, 0.1, timed_writes=[(0.01, 0, 0)])])


class _Recorder:
    """Stands in for a PlaybackProgramBuilder: records the calls append_realtime makes."""

    def __init__(self):
        self.calls = []

    def write_spikes(self, spikes):
        for t, lab in zip(spikes.times.tolist(), spikes.labels.tolist()):
            self.calls.append(("spike", t, lab))

    def wait_until(self, cycle):
        self.calls.append(("wait", int(cycle)))

    def write_words(self, addrs, words):
        self.calls.append(("write", tuple(np.asarray(addrs).tolist()), tuple(np.asarray(words).tolist())))

    def read_words(self, addrs):
        self.calls.append(("read",))
        return len(self.calls)


@settings(max_examples=60, deadline=None)
@given(spikes=st.lists(st.integers(0, 200), max_size=12), writes=st.lists(st.integers(0, 200), max_size=8),
       reads=st.lists(st.integers(0, 200), max_size=4, unique=True))
def test_append_realtime_merges_in_time_order(spikes, writes, reads):
    """Every spike, write and read appears once; the program clock never goes back; a write
    precedes the spikes of its time and a read follows them."""
    t_sp = np.sort(np.array(spikes, dtype=np.int64))
    wc = np.sort(np.array(writes, dtype=np.int64))
    rec = _Recorder()
    tickets = append_realtime(rec, stadls.TimedSpikes(t_sp, np.arange(len(t_sp))), wc, np.arange(len(wc)), np.arange(len(wc)) + 100,
                              read_cycles=sorted(reads), read_addresses=np.array([7]))
    assert len(tickets) == len(reads)
    clock = 0
    seen_spikes, seen_writes = [], []
    for call in rec.calls:
        if call[0] == "wait":
            assert call[1] >= clock
            clock = call[1]
        elif call[0] == "spike":
            assert call[1] >= clock
            seen_spikes.append(call[2])
        elif call[0] == "write":
            seen_writes.extend(call[1])
    assert sorted(seen_spikes) == list(range(len(t_sp)))
    assert seen_writes == list(range(len(wc)))
    # a write at cycle c comes before every spike at c; a read at c after every spike at c
    pos = {("spike", c[2]): i for i, c in enumerate(rec.calls) if c[0] == "spike"}
    order_of_write = {}
    for i, c in enumerate(rec.calls):
        if c[0] == "write":
            for a in c[1]:
                order_of_write[a] = i
    for a, cyc in enumerate(wc.tolist()):
        for s, ts in enumerate(t_sp.tolist()):
            if ts == cyc:
                assert order_of_write[a] < pos[("spike", s)]


def test_from_containers_encodes_write_plans():
    w = grenade.TimedWrites.from_containers([(0.2, OFFSET_CELL, haldls.CapMemCell(value=5)),
                                             (0.1, OFFSET_CELL, haldls.CapMemCell(value=7))])
    a, words = haldls.CapMemCell(value=7).write_plan(OFFSET_CELL)
    assert list(w.times) == [0.1, 0.2]
    assert int(w.addresses[0]) == int(np.asarray(a).reshape(-1)[0])
    assert int(w.words[0]) == int(np.asarray(words).reshape(-1)[0])
    assert len(grenade.TimedWrites.concatenate([w, None, grenade.TimedWrites.empty()])) == 2


def test_masked_write_changes_only_its_bits(conn):
    """A masked NeuronConfig write switches the constant current on and keeps the readout bits
    grenade configured for the MADC (an unmasked default NeuronConfig would turn them off)."""
    b = NetworkBuilder()
    n = _neuron(600)
    n.constant_current.enable = False
    pop = b.add(Population(1, config=n))
    b.add(grenade.MADCRecording([(pop, 0)]))
    net = b.done()
    coord = ATOM.toNeuronConfigOnDLS()
    a_off, w_off = haldls.NeuronConfig().write_plan(coord)
    _, w_on = haldls.NeuronConfig(enable_membrane_offset=True).write_plan(coord)
    mask = np.asarray(w_off, np.int64) ^ np.asarray(w_on, np.int64)
    sel = mask != 0
    writes = grenade.TimedWrites(np.full(int(sel.sum()), 0.05), np.asarray(a_off)[sel], np.asarray(w_on)[sel],
                                 mask[sel])
    assert writes.masked
    res = grenade.run(conn, [grenade.Snippet(net, None, 0.1, timed_writes=writes)])
    t, v = _trace(res, pop)
    assert len(t) > 1000                        # the readout stayed on through the write
    assert v[t > 0.09].mean() > v[(t > 0.02) & (t < 0.049)].mean() + 20
    # the chip holds the configured readout bits plus the switched-on current
    builder = stadls.PlaybackProgramBuilder()
    ticket = builder.read(coord)
    stadls.run(conn, builder.done())
    held = ticket.get()
    assert held.enable_membrane_offset and held.enable_readout
    # masked writes of addresses grenade does not configure are refused
    with pytest.raises(ValueError, match="does not configure"):
        grenade.run(conn, [grenade.Snippet(net, None, 0.1, timed_writes=grenade.TimedWrites(
            [0.01], [0xFFFFFFF0], [1], [1]))])
