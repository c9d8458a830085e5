"""Reuse of what a run derives from its arguments (grenade.execution._RunParts): the same
network, routing, inputs and initial configuration again reuse the chip spec and the encoded
input spikes; any new object among them is picked up, and the chip gets exactly the spikes and
configuration of the current arguments."""
from __future__ import annotations

import numpy as np
import pytest

import hxcomm
import lola
import grenade
from grenade import ExternalSourcePopulation, InputGenerator, NetworkBuilder, Population, Projection
from grenade.inputs import spike_words


def small():
    b = NetworkBuilder()
    inp = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(3))
    proj = b.add(Projection("excitatory", inp, pop, ([0, 1], [0, 2], [63, 30])))
    return b.done(), inp, pop, proj


class RecordingConnection(hxcomm.EmulatorConnection):
    """The emulated chip, keeping the word streams of the programs it ran."""

    def __init__(self):
        super().__init__()
        self.programs = []

    def execute(self, words):
        self.programs.append(np.array(words, dtype=np.uint64))
        return super().execute(words)


def sent_spikes(words):
    """(cycle, label) of the spike injections of a program, in program order."""
    decoded = hxcomm.decode_to_chip(words)
    names = [hxcomm.BY_OPCODE[int(o)].name for o in decoded["opcode"]]
    out, now = [], 0
    for name, payload in zip(names, decoded["payload"].tolist()):
        if name == "TIMER_RESET":
            now = 0
        elif name == "WAIT_UNTIL":
            now = payload
        elif name.startswith("SPIKE_PACK_"):
            out += [(now, (payload >> (16 * k)) & 0xFFFF) for k in range(int(name[-1]))]
    return out


def expected_spikes(inputs, routing, offsets=(0,), entry=0):
    out = []
    for k, offset in enumerate(offsets):
        data = inputs[k].done() if isinstance(inputs[k], InputGenerator) else inputs[k]
        if data is not None:
            t, labels = spike_words(data, entry, routing, offset)
            out += list(zip(t.tolist(), labels.tolist()))
    return out


@pytest.fixture
def conn():
    c = RecordingConnection()
    yield c
    grenade.forget(c)


def test_same_arguments_reuse_spec_and_spikes(conn):
    net, inp, pop, _ = small()
    routing = grenade.route(net)
    data = InputGenerator(net, runtime=0.1).add([[0.01, 0.02], [0.02]], inp).done()
    base = lola.Chip()
    grenade.run(conn, net, routing, data, initial_config=base)
    parts = grenade.executor_for(conn)._parts
    spec, spikes = parts.specs[0], parts.spikes(data, 0, 0, 0)
    res = grenade.run(conn, net, routing, data, initial_config=base)
    assert grenade.executor_for(conn)._parts is parts
    assert parts.specs[0] is spec and parts.spikes(data, 0, 0, 0) is spikes
    assert res.timing.config_words == 0
    assert sent_spikes(conn.programs[-1]) == sent_spikes(conn.programs[-2]) == expected_spikes([data], routing)
    assert len(sent_spikes(conn.programs[-1])) == 3


def test_new_inputs_are_sent(conn):
    net, inp, pop, _ = small()
    routing = grenade.route(net)
    gen = InputGenerator(net, runtime=0.1).add([[0.01], []], inp)
    grenade.run(conn, net, routing, gen)
    assert sent_spikes(conn.programs[-1]) == expected_spikes([gen], routing)
    spec = grenade.executor_for(conn)._parts.specs[0]
    # the same generator with one more spike: new InputData, its spikes are sent
    gen.add([[], [0.05]], inp)
    grenade.run(conn, net, routing, gen)
    assert sent_spikes(conn.programs[-1]) == expected_spikes([gen], routing)
    assert len(sent_spikes(conn.programs[-1])) == 2
    # another generator with other times
    other = InputGenerator(net, runtime=0.1).add([[0.03], [0.04]], inp)
    grenade.run(conn, net, routing, other)
    assert sent_spikes(conn.programs[-1]) == expected_spikes([other], routing)
    # no inputs
    grenade.run(conn, net, routing, None, runtime=0.1)
    assert sent_spikes(conn.programs[-1]) == []
    # the network's spec served all of them
    assert grenade.executor_for(conn)._parts.specs[0] is spec


def test_moved_snippet_sends_its_spikes_at_their_new_times(conn):
    """The same inputs of a second snippet after a longer first snippet start later."""
    net, inp, pop, _ = small()
    routing = grenade.route(net)
    data = InputGenerator(net).add([[0.01], [0.02]], inp).done()
    for first in (0.1, 0.2, 0.1):
        grenade.run(conn, [grenade.Snippet(net, None, first, routing), grenade.Snippet(net, data, 0.1)])
        offset = int(round(first * grenade.inputs.FPGA_CYCLES_PER_MS))
        assert sent_spikes(conn.programs[-1]) == expected_spikes([None, data], routing, (0, offset))


def test_new_network_and_initial_config_are_written(conn):
    net, inp, pop, proj = small()
    routing = grenade.route(net)
    base = lola.Chip()
    grenade.run(conn, net, routing, None, initial_config=base, runtime=0.01)
    # other weights: the synapse quad word; back: the word again
    other = net.with_weights(proj, [20, 30])
    assert grenade.run(conn, other, routing, None, initial_config=base, runtime=0.01).timing.config_words == 1
    assert grenade.believed_chip(conn) == grenade.build_chip(other, routing, base)
    assert grenade.run(conn, net, routing, None, initial_config=base, runtime=0.01).timing.config_words == 1
    assert grenade.believed_chip(conn) == grenade.build_chip(net, routing, base)
    # another initial configuration object: its difference is written
    base2 = base.copy()
    base2.neuron_block.atomic_neurons.set_field("leak.v_leak", np.where(np.arange(512) == 100, 633, 500))
    res = grenade.run(conn, net, routing, None, initial_config=base2, runtime=0.01)
    assert res.timing.config_words == 1
    assert grenade.believed_chip(conn) == grenade.build_chip(net, routing, base2)
