"""Execution on the emulator: programs, differential reconfiguration (counted in words),
batch entries, snippets, and result decoding (spikes and MADC samples injected through
the emulator's test hooks, so these tests do not depend on the analog core)."""
from __future__ import annotations

import numpy as np
import pytest

import halco
import hxcomm
import lola
import stadls
import grenade
from grenade import ExternalSourcePopulation, InputGenerator, NetworkBuilder, Population, Projection

FULL_CHIP_WORDS = len(lola.Chip().write_plan(halco.ChipOnDLS())[0])


def small(weights=(63, 30), record=(True, False, True), madc=False, cadc=False):
    b = NetworkBuilder()
    inp = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(3, record_spikes=list(record)))
    proj = b.add(Projection("excitatory", inp, pop, ([0, 1], [0, 2], list(weights))))
    b.add(Projection("excitatory", pop, pop, ([0], [1], [63])))
    if madc:
        b.add(grenade.MADCRecording([(pop, 0), (pop, 1, "exc_synin")]))
    if cadc:
        b.add(grenade.CADCRecording([(pop, 0), (pop, 2)], times=[0.01, 0.05]))
    return b.done(), inp, pop, proj


@pytest.fixture
def conn():
    c = hxcomm.EmulatorConnection()
    yield c
    grenade.forget(c)


def warm(conn, net, gen):
    """First run (init + full configuration), so that later runs start at once."""
    return grenade.run(conn, net, None, gen)


def test_first_run_writes_everything_then_nothing(conn):
    net, inp, pop, _ = small()
    gen = InputGenerator(net, runtime=0.1).add([[0.01], [0.02]], inp)
    first = grenade.run(conn, net, None, gen)
    assert first.timing.config_words == FULL_CHIP_WORDS
    second = grenade.run(conn, net, None, gen)
    assert second.timing.config_words == 0
    assert second.timing.route_s > 0 and second.timing.total_s >= second.timing.run_s
    grenade.forget(conn)
    assert grenade.run(conn, net, None, gen).timing.config_words == FULL_CHIP_WORDS


def test_differential_reconfiguration_counts_words(conn):
    net, inp, pop, proj = small()
    gen = InputGenerator(net, runtime=0.05)
    routing = grenade.route(net)
    warm(conn, net, gen)
    # one weight: one synapse quad word; the routing is updated, not redone
    res = grenade.run(conn, net.with_weights(proj, [20, 30]), routing, gen)
    assert res.timing.config_words == 1 and res.timing.route_s == 0
    # columns 0 and 2 of one row share a synapse quad (one word); column 1 sits in another quad
    assert grenade.run(conn, net.with_weights(proj, [21, 31]), routing, gen).timing.config_words == 1
    rec = grenade.ProjectionDescriptor(1)
    assert grenade.run(conn, net.with_weights(proj, [21, 31]).with_weights(rec, [40]), None, gen
                       ).timing.config_words == 1
    assert grenade.run(conn, net.with_weights(proj, [22, 31]).with_weights(rec, [41]), None, gen
                       ).timing.config_words == 2
    # a neuron parameter of the whole population: one CapMem word per neuron (3 neurons)
    neuron = lola.AtomicNeuron()
    neuron.leak.v_leak = 654
    net2 = net.with_population(pop, net.populations[1].replace(config=neuron))
    res = grenade.run(conn, net2.with_weights(proj, [22, 31]).with_weights(rec, [41]), routing, gen)
    assert res.timing.config_words == 3
    # what grenade believes is what the chip holds
    builder = stadls.PlaybackProgramBuilder()
    ticket = builder.read(halco.ChipOnDLS())
    stadls.run(conn, builder.done())
    assert ticket.get() == grenade.believed_chip(conn)
    chip = grenade.believed_chip(conn)
    for a in net.placement[1]:
        assert chip.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS.from_enum(int(a))].leak.v_leak == 654


def test_routing_of_other_structure_is_rejected(conn):
    net, inp, pop, proj = small()
    other, *_ = small()
    b = NetworkBuilder()
    b.add(Population(1))
    with pytest.raises(ValueError, match="route this network"):
        grenade.run(conn, b.done(), grenade.route(net), None, runtime=0.01)


def test_input_spikes_reach_their_padi_bus(conn):
    net, inp, pop, _ = small()
    gen = InputGenerator(net, runtime=0.1).add([[0.01, 0.02, 0.03], [0.05]], inp)
    warm(conn, net, gen)
    before = conn.emulator.stats["padi_events"]
    grenade.run(conn, net, None, gen)
    assert conn.emulator.stats["padi_events"] - before == 4      # each spike reaches exactly one bus


def test_spikes_decoded_per_population_and_neuron(conn):
    net, inp, pop, _ = small()
    gen = InputGenerator(net, runtime=0.1)
    warm(conn, net, gen)
    emu = conn.emulator
    now = emu.systime
    atoms = [int(a) for a in net.placement[1]]
    emu.debug_schedule_neuron_spike(atoms[0], now + 1250)      # 0.01 ms
    emu.debug_schedule_neuron_spike(atoms[1], now + 2500)      # not recorded
    emu.debug_schedule_neuron_spike(atoms[2], now + 3750)
    emu.debug_schedule_neuron_spike(atoms[0], now + 6250)
    emu.debug_schedule_neuron_spike(atoms[2], now + 20000)     # after the runtime
    res = grenade.run(conn, net, None, gen, read_spike_counters=True)
    s = res.spikes(pop)
    assert s["neuron"].tolist() == [0, 2, 0]
    np.testing.assert_allclose(s["time"], [0.01, 0.03, 0.05])
    times = res.spike_times(pop)
    assert [t.tolist() for t in times] == [[0.01, 0.05], [], [0.03]]
    assert res.spike_times(pop, 2).tolist() == [0.03]
    counts, overflow = res.spike_counts(pop)
    assert counts.tolist() == [2, 1, 1] and not overflow.any()


def test_batch_entries_are_separate(conn):
    net, inp, pop, _ = small()
    gen = InputGenerator(net, batch_size=3, runtime=[0.1, 0.2, 0.1])
    gen.add([[0.01], []], inp).add([[], [0.15]], inp, batch=1)
    warm(conn, net, InputGenerator(net, runtime=0.1))
    emu = conn.emulator
    now = emu.systime
    a0 = int(net.placement[1][0])
    emu.debug_schedule_neuron_spike(a0, now + 100)                     # entry 0
    emu.debug_schedule_neuron_spike(a0, now + 12500 + 200)             # entry 1
    emu.debug_schedule_neuron_spike(a0, now + 12500 + 25000 + 300)     # entry 2
    before = emu.stats["padi_events"]
    res = grenade.run(conn, net, None, gen)
    assert res.batch_size == 3
    for b, t in enumerate([100, 200, 300]):
        assert res.spike_times(pop, 0, batch=b).tolist() == [t / 125000]
    # entry 0: 1 input, entry 1: 2 inputs, entry 2: 1 input; plus 3 recurrent events of neuron 0
    assert emu.stats["padi_events"] - before == 4 + 3


def test_snippets_switch_configuration(conn):
    net, inp, pop, proj = small()
    net_b = net.with_weights(proj, [10, 30])
    gen = InputGenerator(net, runtime=0.1)
    warm(conn, net, gen)
    emu = conn.emulator
    now = emu.systime
    a0 = int(net.placement[1][0])
    emu.debug_schedule_neuron_spike(a0, now + 1000)
    emu.debug_schedule_neuron_spike(a0, now + 12500 + 2000)
    res = grenade.run(conn, [grenade.Snippet(net, gen, 0.1), grenade.Snippet(net_b, None, 0.05)])
    # one word to switch to snippet 1, one to switch back for the next batch entry
    assert res.timing.config_words == 2
    assert res.spike_times(pop, 0, snippet=0).tolist() == [1000 / 125000]
    assert res.spike_times(pop, 0, snippet=1).tolist() == [2000 / 125000]
    chip = grenade.believed_chip(conn)
    placed = grenade.get_placed_connections(grenade.route(net), proj)[0][0]
    h = placed.synapse_row.toSynramOnDLS().value()
    r = placed.synapse_row.toSynapseRowOnSynram().value()
    assert chip.synapse_blocks[h].matrix.weights[r][placed.synapse_on_row.value()] == 63


def test_madc_samples_decoded_per_neuron():
    net, inp, pop, _ = small(madc=True)
    gen = InputGenerator(net, runtime=0.1)
    with hxcomm.EmulatorConnection(ideal=True) as conn:
        warm(conn, net, gen)
        res = grenade.run(conn, net, None, gen)
        grenade.forget(conn)
    membrane = res.madc(pop, 0)          # even column: mux / channel 0
    synin = res.madc(pop, 1)             # odd column: mux / channel 1, excitatory synaptic input
    # the MADC alternates between its two inputs, one sample per 34 ns
    n = int(0.1e-3 / 34e-9)
    assert abs(len(membrane) + len(synin) - n) <= 2 and abs(len(membrane) - len(synin)) <= 1
    assert np.all(np.diff(membrane["time"]) > 0) and 0 <= membrane["time"][0] < 0.001
    assert membrane["time"][-1] < 0.1
    # ideal chip at rest: membrane at v_leak 500 -> 369.7 mV (nominal transfer) -> code 270;
    # synaptic input baseline 300 mV -> 200
    from chipmodel.transfer import TRANSFERS_BY_NAME as T
    rest_code = (T["v_leak"].nominal(500) - T["madc"].c0) / T["madc"].c1
    assert np.all(np.abs(membrane["value"] - rest_code) <= 1)
    assert np.all(np.abs(synin["value"] - 200) <= 1)
    n1 = grenade.build_chip(net, grenade.route(net)).neuron_block.atomic_neurons[
        halco.AtomicNeuronOnDLS.from_enum(int(net.placement[1][1]))]
    assert n1.readout.enable_buffered_access and n1.readout.source == grenade.MADCSource.exc_synin


def test_cadc_reads_at_requested_times():
    net, inp, pop, _ = small(cadc=True)
    with hxcomm.EmulatorConnection(ideal=True) as conn:
        res = grenade.run(conn, net, None, InputGenerator(net, runtime=0.1))
        grenade.forget(conn)
    for i in (0, 2):
        s = res.cadc(pop, i)
        np.testing.assert_allclose(s["time"], [0.01, 0.05])
        # ideal chip at rest: v_leak 500 -> 369.7 mV -> CADC code (369.7 - 189.1) / 2.743 = 66
        from chipmodel.transfer import TRANSFERS_BY_NAME as T
        code = round(float((T["v_leak"].nominal(500) - T["cadc"].c0) / T["cadc"].c1))
        assert code == 66 and s["value"].tolist() == [code, code]
    assert len(res.cadc(pop, 1)) == 0


def test_initial_config_and_population_config(conn):
    base = lola.Chip()
    base.neuron_block.atomic_neurons.set_field("leak.v_leak", 611)
    b = NetworkBuilder()
    b.add(Population(2))
    neuron = lola.AtomicNeuron()
    neuron.leak.v_leak = 622
    b.add(Population(2, config=neuron))
    net = b.done()
    grenade.run(conn, net, None, None, initial_config=base, runtime=0.01)
    chip = grenade.believed_chip(conn)
    v = chip.neuron_block.atomic_neurons.get_field("leak.v_leak")
    assert v[net.placement[0]].tolist() == [611, 611] and v[net.placement[1]].tolist() == [622, 622]
    assert v[100] == 611
    built = grenade.build_chip(net, grenade.route(net), base)
    assert built == chip
    # another initial configuration: only the difference is written
    base2 = base.copy()
    base2.neuron_block.atomic_neurons.set_field("leak.v_leak", np.where(np.arange(512) == 100, 633, 611))
    res = grenade.run(conn, net, None, None, initial_config=base2, runtime=0.01)
    assert res.timing.config_words == 1


def test_input_validation(conn):
    net, inp, pop, _ = small()
    with pytest.raises(ValueError, match="has 2 neurons"):
        InputGenerator(net).add([[0.1]], inp)
    with pytest.raises(grenade.NetworkError, match="ExternalSourcePopulation"):
        InputGenerator(net).add([[0.1]] * 3, pop)
    with pytest.raises(ValueError, match=">= 0"):
        InputGenerator(net).add([[-1.0], []], inp)
    with pytest.raises(ValueError, match="not before the runtime"):
        grenade.run(conn, net, None, InputGenerator(net, runtime=0.01).add([[0.02], []], inp))
    with pytest.raises(ValueError, match="no runtime"):
        grenade.run(conn, net, None, InputGenerator(net))


def test_configuration_read_back_from_the_emulator_decodes_to_the_network(conn):
    from .reference import ChipView, effective_connectivity, expected_connectivity
    rng = np.random.default_rng(7)
    b = NetworkBuilder()
    ext = b.add(ExternalSourcePopulation(40))
    a = b.add(Population(70))
    c = b.add(Population(30, placement=list(range(300, 330))))
    bg = b.add(grenade.BackgroundSourcePopulation(8, enable_random=True, rate=10))
    for pre, post, rec, n_pre, n_post in ((ext, a, "excitatory", 40, 70), (a, c, "inhibitory", 70, 30),
                                          (c, a, "excitatory", 30, 70), (a, a, "excitatory", 70, 70),
                                          (bg, c, "excitatory", 8, 30)):
        i, j = np.nonzero(rng.random((n_pre, n_post)) < 0.1)
        b.add(Projection(rec, pre, post, (i, j, rng.integers(0, 130, len(i)))))
    net = b.done()
    routing = grenade.route(net)
    grenade.run(conn, net, routing, None, runtime=0.01)
    builder = stadls.PlaybackProgramBuilder()
    ticket = builder.read(halco.ChipOnDLS())
    stadls.run(conn, builder.done())
    view = ChipView.from_lola(ticket.get())
    assert effective_connectivity(view, net, routing.external_labels) == expected_connectivity(net)


def test_hooks_and_inter_batch_entry_wait(conn):
    net, inp, pop, _ = small()
    warm(conn, net, InputGenerator(net, runtime=0.05))
    pre = stadls.PlaybackProgramBuilder()
    ticket = pre.read(halco.AtomicNeuronOnDLS.from_enum(int(net.placement[1][0])))
    res = grenade.run(conn, net, None, InputGenerator(net, batch_size=2, runtime=0.05),
                      hooks={"pre_realtime": pre}, inter_batch_entry_wait=0.01)
    assert ticket.valid() and ticket.get().event_routing.enable_digital
    # two entries of 0.05 ms, each after a 0.01 ms wait
    assert conn.emulator.systime == 0.05 * 125000
    assert res.timing.program_words > 0


def test_executor_owns_its_connection_and_believed_chip():
    """Two executors on one connection believe independently; the module functions use the
    connection's default executor, and it goes away with the connection."""
    import gc
    import weakref

    net, inp, _, _ = small()
    gen = InputGenerator(net, runtime=0.05).add([[0.01], [0.02]], inp)
    conn = hxcomm.EmulatorConnection()
    explicit = grenade.JITGraphExecutor(conn)
    assert explicit.connection is conn and explicit.believed_chip is None
    assert grenade.executor_for(conn) is grenade.executor_for(conn) is not explicit
    assert grenade.executor_for(explicit) is explicit
    assert explicit.run(net, None, gen).timing.config_words == FULL_CHIP_WORDS
    assert explicit.run(net, None, gen).timing.config_words == 0
    assert grenade.believed_chip(explicit) == explicit.believed_chip is not None
    assert grenade.believed_chip(conn) is None            # the default executor has not run
    assert grenade.run(conn, net, None, gen).timing.config_words == FULL_CHIP_WORDS
    assert grenade.run(explicit, net, None, gen).timing.config_words == 0
    grenade.forget(explicit)
    assert explicit.believed_chip is None and grenade.believed_chip(conn) is not None
    assert grenade.JITGraphExecutor(conn, enable_differential_config=False).run(
        net, None, gen).timing.config_words == FULL_CHIP_WORDS
    default = weakref.ref(grenade.executor_for(conn))
    del conn, explicit
    gc.collect()
    assert default() is None


def test_a_connection_without_weak_references_needs_an_explicit_executor():
    class Slotted:
        __slots__ = ()

    with pytest.raises(TypeError, match="JITGraphExecutor"):
        grenade.executor_for(Slotted())
