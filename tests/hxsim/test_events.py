"""Event paths: host spikes through the crossbar back to the host, crossbar filtering and
counters against a Python reference model, neuron spikes (test hook) and spike counters."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import haldls
import hxcomm
import hxsim
from hxcomm.instructions import BY_NAME

from .helpers import (REGISTERS_BY_NAME, enable_recording, errors, fresh, program, read, run,
                      write)

LAT = hxsim.L2_LATENCY_CYCLES
NODES = hxsim.crossbar_nodes()
NEURONS = hxsim.chip_geometry()["neurons"]
OPCODE = {v.opcode: k for k, v in BY_NAME.items()}


def opcodes(out):
    return [OPCODE[int(w >> np.uint64(56)) & 0x7F] for w in out]


# --- reference model ------------------------------------------------------------------------

def model_route(input_, label14, config):
    """Outputs reached by an event: every node of the input with (label & mask) == target."""
    return [int(o) for (i, o), (mask, target, _) in zip(NODES, config)
            if i == input_ and (label14 & mask) == target]


def l2_labels(outputs, label14):
    return [((o - 8) << 14) | label14 for o in outputs if o >= 8]


def write_nodes(config):
    mask, target, drop = (np.array(c) for c in zip(*config))
    words = haldls.CrossbarNode.encode_array(
        {"mask": mask, "target": target, "enable_drop_counter": drop.astype(bool)})
    reg = REGISTERS_BY_NAME["CrossbarNode"]
    return hxcomm.omnibus_write(reg.addresses(np.arange(len(config)))[:, 0], words[:, 0])


def enable_counters():
    return write("CrossbarOutputConfig", 0,
                 haldls.CrossbarOutputConfig(enable_event_counter=[True] * 12))


def counters(emu):
    res = run(emu, *[read("CrossbarOutputEventCounter", o) for o in range(12)],
              *[read("CrossbarInputDropCounter", i) for i in range(20)])
    return [int(v) for v in res.read_words[:12]], [int(v) for v in res.read_words[12:]]


# --- host spikes ----------------------------------------------------------------------------

def test_node_table_is_the_hx_crossbar():
    assert NODES.shape == (76, 2)
    assert len({tuple(r) for r in NODES.tolist()}) == 76
    per_input = np.bincount(NODES[:, 0], minlength=20)
    assert list(per_input) == [3] * 8 + [9] * 4 + [2] * 8


def _diagram_crossbar_nodes():
    """The 76 nodes of the HX v3 event crossbar, written out independently of halco:
    neuron event output i (inputs 0-7) reaches PADI buses i % 4 and 4 + i % 4 and L2 output
    i % 4; L2 input j (inputs 8-11) every PADI bus and its own L2 output; background source s
    (inputs 12-19) PADI bus s and L2 output s % 4 (crossbar outputs 8-11 are the L2 outputs)."""
    nodes = set()
    for i in range(8):
        nodes |= {(i, i % 4), (i, 4 + i % 4), (i, 8 + i % 4)}
    for j in range(4):
        nodes |= {(8 + j, bus) for bus in range(8)} | {(8 + j, 8 + j)}
    for s in range(8):
        nodes |= {(12 + s, s), (12 + s, 8 + s % 4)}
    return nodes


def test_node_table_is_halcos_crossbar_in_enum_order():
    import halco

    from_halco = [(int(n.toCrossbarInputOnDLS().toEnum()), int(n.toCrossbarOutputOnDLS().toEnum()))
                  for n in halco.iter_all(halco.CrossbarNodeOnDLS)]
    assert [tuple(r) for r in NODES.tolist()] == from_halco
    assert set(from_halco) == _diagram_crossbar_nodes()


@given(st.integers(0, 2**20), st.integers(0, 1000),
       st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=3))
@settings(max_examples=80, deadline=None)
def test_host_spikes_loop_back_at_their_time(t, offset, labels):
    emu = fresh()
    run(emu, hxcomm.wait_until(offset))  # systime and timer differ from here on
    res = run(emu, enable_recording(), hxcomm.timer_reset(), hxcomm.wait_until(t),
              hxcomm.spike_pack(labels), hxcomm.wait_until(t + 3))
    assert errors(res) == []
    # default nodes (mask = target = 0) pass everything: L2 input s reaches L2 output s
    assert list(res.spikes["label"]) == labels
    assert list(res.spikes["fpga_time"]) == [offset + t + LAT] * len(labels)
    assert list(res.spikes["chip_time"]) == [offset + t] * len(labels)


@pytest.mark.parametrize("t", [0, 1, 126, 127, 128, 255, 256, 2**32 - 1])
def test_chip_time_across_timestamp_wraps(t):
    emu = fresh()
    res = run(emu, enable_recording(), hxcomm.wait_until(t), hxcomm.spike_pack([0x4123]))
    assert res.spikes["chip_time"].tolist() == [t]
    assert res.spikes["fpga_time"].tolist() == [t + LAT]


def test_no_recording_no_spikes():
    emu = fresh()
    res = run(emu, hxcomm.spike_pack([1, 2, 3]), hxcomm.wait_until(100))
    assert len(res.spikes) == 0
    res = run(emu, enable_recording(), hxcomm.spike_pack([1]), enable_recording(False),
              hxcomm.spike_pack([2]), hxcomm.wait_until(200))
    assert res.spikes["label"].tolist() == [1]
    assert emu.stats["padi_events"] == 5 * 8  # every spike still reached the 8 PADI buses


def test_responses_in_the_order_things_happen():
    emu = fresh()
    res = emu.execute(np.concatenate([
        enable_recording(), hxcomm.wait_until(10), hxcomm.spike_pack([5]), read("JTAGIdCode"),
        hxcomm.wait_until(20), hxcomm.spike_pack([6, 7]), hxcomm.spike_pack([8]),
        hxcomm.loopback(True)]))
    # the read happens at 10, the spike reaches the FPGA at 10 + latency; the last two
    # packs are in flight at the halt and are drained before its echo
    assert opcodes(res) == ["OMNIBUS_READ_DATA", "SYSTIME", "SPIKE", "SYSTIME", "SPIKE", "SPIKE",
                            "SPIKE", "LOOPBACK_ECHO"]
    dec = hxcomm.decode_from_chip(res)
    assert dec.spikes["chip_time"].tolist() == [10, 20, 20, 20]
    assert dec.spikes["label"].tolist() == [5, 6, 7, 8]
    assert emu.systime == 20


def test_systime_init_moves_event_times():
    emu = fresh()
    res = run(emu, enable_recording(), hxcomm.wait_until(500), hxcomm.systime_init(True),
              hxcomm.wait_until(510), hxcomm.spike_pack([9]), hxcomm.wait_until(600))
    assert res.spikes["chip_time"].tolist() == [10]


def test_online_node_change_takes_effect_at_its_time():
    emu = fresh()
    node = int(np.flatnonzero((NODES[:, 0] == 8) & (NODES[:, 1] == 8))[0])
    res = run(emu, enable_recording(), hxcomm.wait_until(100), hxcomm.spike_pack([1]),
              hxcomm.wait_until(200), write("CrossbarNode", node, haldls.CrossbarNode.drop_all),
              hxcomm.spike_pack([2]), hxcomm.wait_until(300),
              write("CrossbarNode", node, haldls.CrossbarNode()), hxcomm.spike_pack([3]))
    assert res.spikes["label"].tolist() == [1, 3]
    assert res.spikes["chip_time"].tolist() == [100, 300]


node_config = st.tuples(st.integers(0, 2**14 - 1), st.integers(0, 2**14 - 1), st.booleans())
matching_config = st.integers(0, 2**14 - 1).flatmap(
    lambda m: st.tuples(st.just(m), st.integers(0, 2**14 - 1).map(lambda t: t & m), st.booleans()))


@given(st.lists(st.one_of(node_config, matching_config, st.just((0, 0, False))),
                min_size=76, max_size=76),
       st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=40))
@settings(max_examples=40, deadline=None)
def test_crossbar_filtering_matches_reference(config, labels):
    emu = fresh()
    res = run(emu, write_nodes(config), enable_counters(), enable_recording(),
              hxcomm.spike_pack(labels), hxcomm.wait_until(10))
    expected, out_counts, drop_counts = [], [0] * 12, [0] * 20
    drop_enabled = [any(d for (i, _), (_, _, d) in zip(NODES, config) if i == inp)
                    for inp in range(20)]
    for label in labels:
        inp, l14 = 8 + (label >> 14), label & 0x3FFF
        outs = model_route(inp, l14, config)
        expected += l2_labels(outs, l14)
        for o in outs:
            out_counts[o] += 1
        if not outs and drop_enabled[inp]:
            drop_counts[inp] += 1
    assert res.spikes["label"].tolist() == expected
    assert counters(emu) == (out_counts, drop_counts)
    assert emu.stats["padi_events"] == sum(out_counts[:8])


def test_counters_need_their_enable():
    emu = fresh()
    run(emu, hxcomm.spike_pack([1, 2]))
    assert counters(emu) == ([0] * 12, [0] * 20)
    run(emu, write("CrossbarOutputConfig", 0,
                   haldls.CrossbarOutputConfig(enable_event_counter=[False] * 8 + [True] * 4)),
        hxcomm.spike_pack([0x4001]))
    assert counters(emu)[0] == [0] * 9 + [1, 0, 0]


def test_drop_counter_wraps_at_its_width():
    emu = fresh()
    config = [(0, 1, True) if i == 8 else (0, 0, False) for i, _ in NODES]  # block input 8
    n = 2**16 + 3
    run(emu, write_nodes(config), hxcomm.spike_pack(np.arange(n) % 2**14))
    assert counters(emu)[1][8] == 3


def test_chip_reset_clears_counters():
    emu = fresh()
    run(emu, enable_counters(), hxcomm.spike_pack([1]))
    assert counters(emu)[0][8] == 1
    run(emu, hxcomm.chip_reset(1))
    assert counters(emu)[0] == [0] * 12


# --- neuron spikes ----------------------------------------------------------------------------

def spike_counter(emu, n):
    c = haldls.SpikeCounterRead.decode(run(emu, read("SpikeCounterRead", n)).read_words)
    return int(c.count), bool(c.overflow)


@given(st.integers(0, 511), st.integers(0, 255), st.integers(1, 10_000))
@settings(max_examples=40, deadline=None)
def test_neuron_spike_reaches_the_host(neuron, address_out, delay):
    emu = fresh()
    run(emu, enable_recording(), hxcomm.wait_until(77),
        write("NeuronBackendConfig", int(NEURONS[neuron, 2]),
              haldls.NeuronBackendConfig(address_out=address_out, enable_spike_out=True)))
    t = emu.systime + delay
    emu.debug_schedule_neuron_spike(neuron, t)
    res = run(emu, hxcomm.timer_reset(), hxcomm.wait_until(delay + 10))
    event_output, inp = int(NEURONS[neuron, 0]), int(NEURONS[neuron, 1])
    label = (event_output << 8) | address_out
    default_nodes = [(0, 0, False)] * len(NODES)
    assert res.spikes["label"].tolist() == l2_labels(model_route(inp, label, default_nodes), label)
    assert len(res.spikes) == 1
    assert res.spikes["chip_time"].tolist() == [t]
    assert res.spikes["fpga_time"].tolist() == [t + LAT]


def test_neuron_spike_without_spike_out_is_only_counted():
    emu = fresh()
    emu.debug_schedule_neuron_spike(3, 50)
    res = run(emu, enable_recording(), hxcomm.wait_until(100))
    assert len(res.spikes) == 0 and emu.stats["events_routed"] == 0
    assert spike_counter(emu, int(NEURONS[3, 3])) == (1, False)


def test_spike_counter_counts_overflows_and_resets():
    emu = fresh()
    n = 300
    c = int(NEURONS[n, 3])
    for k in range(255):
        emu.debug_schedule_neuron_spike(n, 10 + k)
    run(emu, hxcomm.wait_until(1000))
    assert spike_counter(emu, c) == (255, False)
    emu.debug_schedule_neuron_spike(n, 1000)
    run(emu, hxcomm.wait_until(1001))
    assert spike_counter(emu, c) == (0, True)
    for k in range(44):
        emu.debug_schedule_neuron_spike(n, 2000 + k)
    run(emu, hxcomm.wait_until(3000))
    assert spike_counter(emu, c) == (44, True)  # 300 spikes: wrapped count, sticky overflow
    assert spike_counter(emu, int(NEURONS[n + 1, 3])) == (0, False)
    res = run(emu, write("SpikeCounterReset", c, haldls.SpikeCounterReset()))
    assert errors(res) == []
    assert spike_counter(emu, c) == (0, False)


def test_scheduled_spike_happens_during_its_cycle():
    emu = fresh()
    emu.debug_schedule_neuron_spike(0, 500)
    run(emu, hxcomm.wait_until(500))
    assert spike_counter(emu, int(NEURONS[0, 3])) == (0, False)
    run(emu, hxcomm.wait_until(501))
    assert spike_counter(emu, int(NEURONS[0, 3])) == (1, False)


def test_spike_in_the_past_is_clamped_to_now():
    emu = fresh()
    run(emu, hxcomm.wait_until(1000))
    emu.debug_schedule_neuron_spike(0, 10)
    run(emu, enable_recording(), write("NeuronBackendConfig", int(NEURONS[0, 2]),
                                       haldls.NeuronBackendConfig(enable_spike_out=True)))
    res = run(emu, hxcomm.wait_until(1001))
    assert res.spikes["chip_time"].tolist() == [1000]


def test_madc_samples_are_recorded_with_their_time():
    emu = fresh()
    emu.debug_schedule_madc_sample(100, 1023, 1)
    emu.debug_schedule_madc_sample(50, 7, 0)
    emu.debug_schedule_madc_sample(300, 9, 0)
    res = run(emu, hxcomm.wait_until(200), enable_recording(), hxcomm.wait_until(400))
    # the first two happen before recording is enabled
    assert res.madc_samples[["value", "channel", "chip_time", "fpga_time"]].tolist() == \
        [(9, 0, 300, 300 + LAT)]
    emu.debug_schedule_madc_sample(500, 1, 1)
    emu.debug_schedule_neuron_spike(0, 500)
    run(emu, write("NeuronBackendConfig", int(NEURONS[0, 2]),
                   haldls.NeuronBackendConfig(enable_spike_out=True)))
    out = emu.execute(program(hxcomm.wait_until(600), hxcomm.loopback(True)))
    assert opcodes(out) == ["SYSTIME", "MADC_SAMPLE", "SPIKE", "LOOPBACK_ECHO"]
    with pytest.raises(ValueError):
        emu.debug_schedule_madc_sample(0, 1024, 0)
    with pytest.raises(ValueError):
        emu.debug_schedule_madc_sample(0, 0, 2)


def test_chip_reset_clears_spike_counters_and_scheduled_spikes():
    emu = fresh()
    emu.debug_schedule_neuron_spike(1, 0)
    emu.debug_schedule_neuron_spike(1, 100)
    run(emu, hxcomm.wait_until(10), hxcomm.chip_reset(1), hxcomm.wait_until(200))
    assert spike_counter(emu, int(NEURONS[1, 3])) == (0, False)


def test_debug_hook_rejects_bad_neuron():
    with pytest.raises(IndexError):
        fresh().debug_schedule_neuron_spike(512, 0)
