"""lola.Chip: coverage of the register map, differential writes, files, presets, emulator."""
import json
import pickle

import numpy as np
import pytest

import halco
import haldls
import hxcomm
import lola
import stadls
from haldls.register_map import REGISTERS
from haldls.regmap import Access
from lola.capmem import SHARED_CAPMEM, all_shared_cells, claimed_cells, unused_cells

from .conftest import random_chip

CHIP = halco.ChipOnDLS()

#: registers a Chip does not hold: triggers/read-only, FPGA side, PPU run control
_NOT_IN_CHIP = {"PPUControlRegister", "EventRecordingConfig"}


@pytest.fixture(scope="module")
def chip():
    return random_chip(1)


def test_every_configuration_word_exactly_once():
    addr, words = lola.Chip().write_plan(CHIP)
    assert addr.dtype == np.uint32 and words.dtype == np.uint32 and len(addr) == len(words)
    assert len(set(addr.tolist())) == len(addr)
    expected = np.concatenate([r.all_addresses() for r in REGISTERS
                               if r.access == Access.READ_WRITE and not r.fpga and r.name not in _NOT_IN_CHIP
                               and r.name != "JTAGIdCode"])
    assert sorted(addr.tolist()) == sorted(expected.tolist())
    assert (lola.Chip.read_plan(CHIP) == addr).all()


def test_shared_capmem_cells_are_each_assigned_once():
    claimed = claimed_cells().tolist()
    assert len(claimed) == len(set(claimed))
    assert sorted(claimed + unused_cells().tolist()) == sorted(all_shared_cells().tolist())
    assert len(all_shared_cells()) == 4 * 24 * 2
    assert {sc.container for sc in SHARED_CAPMEM} == {"NeuronBlock", "SynapseDriverBlock", "SynapseBlock",
                                                      "CADCReadoutChain", "ReadoutChain"}
    chip = lola.Chip()
    chip.synapse_blocks[halco.SynapseBlockOnDLS(1)].i_bias_dac[halco.CapMemBlockOnHemisphere(0)] = 321
    addr, words = chip.write_plan(CHIP)
    cell = halco.CapMemCellOnDLS(halco.CapMemCellOnCapMemBlock.syn_i_bias_dac, halco.CapMemBlockOnDLS(2))
    assert words[list(addr).index(haldls.CapMemCell.addresses(cell)[0])] == 321


def test_decode_of_write_plan_is_identity(chip):
    addr, words = chip.write_plan(CHIP)
    back = lola.Chip.decode_read(CHIP, words)
    assert back == chip
    assert back != lola.Chip()


def test_equality_copy_and_pickle(chip):
    c = chip.copy()
    assert c == chip
    c.synapse_blocks[0].matrix.weights[0][0] ^= 1
    assert c != chip
    c = chip.copy()
    c.crossbar.nodes[halco.CrossbarNodeOnDLS(halco.Enum(5))].mask ^= 1
    assert c != chip
    c = chip.copy()
    c.cadc_readout_chains[1].channels_causal[3].offset = 77
    assert c.cadc_readout_chains[1].channels_causal.offset[3] == 77 and c != chip
    assert pickle.loads(pickle.dumps(chip)) == chip


def _brute_force_diff(new, ref):
    a_new, w_new = new.write_plan(CHIP)
    a_ref, w_ref = ref.write_plan(CHIP)
    assert (a_new == a_ref).all()
    changed = w_new != w_ref
    return a_new[changed], w_new[changed]


def _written(builder):
    d = hxcomm.decode_to_chip(builder.done().words)
    payload = d["payload"]
    return (payload[0::2] & 0xffffffff).astype(np.int64), (payload[1::2] & 0xffffffff).astype(np.int64)


def test_differential_write_sends_exactly_the_changed_words(chip):
    new = chip.copy()
    rng = np.random.default_rng(2)
    for e in rng.choice(512, 5, replace=False):
        n = new.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS(halco.Enum(int(e)))]
        n.leak.v_leak = (int(n.leak.v_leak) + 1) % 1000
        n.event_routing.enable_digital = not n.event_routing.enable_digital
    new.synapse_blocks[1].matrix.weights[100][:3] = (new.synapse_blocks[1].matrix.weights[100][:3] + 1) % 64
    new.synapse_driver_blocks[0].synapse_drivers[77].offset ^= 3
    new.capmem.reference_generator.capmem_slope ^= 1
    new.ppu_memory[0].words[17] ^= 0xffff
    exp_a, exp_w = _brute_force_diff(new, chip)
    # 5 v_leak cells + 5 backend words + 2 weight quads (columns 0 and 2 share one) + driver,
    # reference generator and PPU word
    assert len(exp_a) == 5 + 5 + 2 + 1 + 1 + 1
    builder = stadls.PlaybackProgramBuilder()
    builder.write(CHIP, new, chip)
    assert builder.size_to_fpga() == 2 * len(exp_a)
    got_a, got_w = _written(builder)
    assert got_a.tolist() == exp_a.tolist() and got_w.tolist() == exp_w.tolist()
    same = stadls.PlaybackProgramBuilder()
    same.write(CHIP, chip, chip.copy())
    assert same.empty()


def test_differential_write_is_applied_by_the_emulator(connection, chip):
    new = chip.copy()
    new.neuron_block.atomic_neurons[halco.AtomicNeuronOnDLS(halco.Enum(400))].reset.v_reset = 3
    new.crossbar.outputs.enable_slow = [True, False, True, False]
    b = stadls.PlaybackProgramBuilder()
    b.write(CHIP, chip)
    b.write(CHIP, new, chip)
    ticket = b.read(CHIP)
    stadls.run(connection, b.done())
    assert ticket.get() == new


def test_full_chip_emulator_round_trip(connection, chip):
    b = stadls.PlaybackProgramBuilder()
    b.write(CHIP, chip)
    ticket = b.read(CHIP)
    t_neuron = b.read(halco.AtomicNeuronOnDLS(halco.Enum(9)))
    t_block = b.read(halco.SynapseDriverBlockOnDLS(1))
    stadls.run(connection, b.done())
    assert ticket.get() == chip
    assert t_neuron.get() == chip.neuron_block.atomic_neurons[9]
    assert t_block.get() == chip.synapse_driver_blocks[1]


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_file_round_trip(tmp_path, chip, suffix):
    path = tmp_path / f"chip{suffix}"
    chip.to_file(path)
    back = lola.Chip.from_file(path)
    assert back == chip
    assert lola.chip_from_file(str(path)) == chip
    assert (back.write_plan(CHIP)[1] == chip.write_plan(CHIP)[1]).all()


def test_file_errors(tmp_path, chip):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a lola.Chip file"):
        lola.Chip.from_file(path)
    path = tmp_path / "chip.json"
    chip.to_file(path)
    d = json.loads(path.read_text())
    d["version"] = 99
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="version 99 is not supported"):
        lola.Chip.from_file(path)
    d["version"] = 1
    d["arrays"]["synapse_blocks/0/matrix/weights"]["values"][3][4] = 99
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"weights\[3\]\[4\]"):
        lola.Chip.from_file(path)
    del d["arrays"]["crossbar/outputs.enable_slow"]
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="crossbar/outputs"):
        lola.Chip.from_file(path)


def test_plain_default_keeps_the_chip_running():
    chip = lola.Chip()
    assert all(b.enable_capmem for b in chip.capmem.blocks)
    assert all(b.enable_clocks and b.enable_event_registers for b in chip.neuron_block.backends)
    assert chip.synapse_blocks[0].i_bias_dac.tolist() == [1022, 1022]
    assert chip.neuron_block.atomic_neurons[0] == lola.AtomicNeuron()
    assert chip.crossbar.nodes[0] == haldls.CrossbarNode()


def test_default_neuron_bypass_preset():
    a = lola.Chip.default_neuron_bypass
    b = lola.Chip.default_neuron_bypass
    assert a == b and a is not b and a != lola.Chip()
    a.synapse_blocks[0].matrix.weights[0][0] = 0
    assert lola.Chip.default_neuron_bypass.synapse_blocks[0].matrix.weights[0][0] == 63  # fresh copy
    labels = set()
    for coord in halco.iter_all(halco.AtomicNeuronOnDLS):
        n = b.neuron_block.atomic_neurons[coord]
        assert n.event_routing.enable_bypass_excitatory and n.event_routing.enable_bypass_inhibitory
        assert n.event_routing.enable_digital and not n.threshold.enable
        assert n.event_routing.analog_output == lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal
        labels.add((coord.toNeuronEventOutputOnDLS().toEnum(), int(n.event_routing.address)))
    assert len(labels) == 512  # every neuron's spike label is unique
    for block in b.synapse_driver_blocks:
        assert all(d.enable_receiver and d.row_mode_top == haldls.RowMode.excitatory for d in block.synapse_drivers)
        assert list(block.padi_bus.dacen_pulse_extension) == [15] * 4
    assert all(r.enable_synaptic_current_excitatory.all() for r in b.neuron_block.current_rows)
    for node in halco.iter_all(halco.CrossbarNodeOnDLS):
        inp, out = node.toCrossbarInputOnDLS(), node.toCrossbarOutputOnDLS()
        routes = b.crossbar.nodes[node] == haldls.CrossbarNode()
        if inp.toSPL1Address() is not None and out.toPADIBusOnDLS() is not None:
            assert routes
        elif inp.toNeuronEventOutputOnDLS() is not None and out.toCrossbarL2OutputOnDLS() is not None:
            assert routes
        else:
            assert b.crossbar.nodes[node] == haldls.CrossbarNode.drop_all


def test_members_are_type_checked():
    chip = lola.Chip()
    with pytest.raises(TypeError, match="haldls.CrossbarOutputConfig"):
        chip.crossbar.outputs = haldls.CrossbarNode()
    with pytest.raises(TypeError, match="holds CrossbarNode"):
        chip.crossbar.nodes[0] = haldls.CrossbarOutputConfig()
    with pytest.raises(TypeError, match="indexed by BackgroundSpikeSourceOnDLS"):
        chip.background_spike_sources[halco.PADIBusOnDLS(0)]
    with pytest.raises(AttributeError, match="no member"):
        chip.neuron_blocks = None
    with pytest.raises(ValueError, match="1023"):
        chip.readout_chain.readout_idac_i_bias = 1023
    with pytest.raises(ValueError, match=r"v_bias_casc_n\[2\] = 2000"):
        chip.neuron_block.v_bias_casc_n = [0, 0, 2000, 0]
    chip.neuron_block.v_bias_casc_n[1] = 5000  # in place: checked on encode
    with pytest.raises(ValueError, match=r"v_bias_casc_n\[1\] = 5000"):
        chip.write_plan(CHIP)


def test_small_containers_leaves_match_their_plans(chip):
    for obj, coord in ((chip.crossbar, halco.CrossbarOnDLS()), (chip.capmem, halco.CapMemOnDLS()),
                       (chip.synapse_driver_blocks[1], halco.SynapseDriverBlockOnDLS(1)),
                       (chip.cadc_readout_chains[1], halco.CADCOnDLS(1)),
                       (chip.readout_chain, halco.ReadoutChainOnDLS())):
        addr, words = obj.write_plan(coord)
        plans = [leaf.write_plan(c) for c, leaf in obj.leaves(coord)]
        assert (np.concatenate([p[0] for p in plans]) == addr).all(), type(obj).__name__
        assert (np.concatenate([p[1] for p in plans]) == words).all(), type(obj).__name__
        assert type(obj).decode_read(coord, words) == obj


def test_dumper_and_visitor_accept_lola_containers():
    n = lola.AtomicNeuron()
    n.adaptation.v_ref = 99
    m = lola.SynapseMatrix()
    m.labels[5][6] = 7
    coord = halco.AtomicNeuronOnDLS(halco.Enum(44))
    dumper = stadls.PlaybackProgramBuilderDumper()
    dumper.write(coord, n)
    dumper.write(halco.SynramOnDLS(1), m)
    dumper.write(halco.CrossbarOnDLS(), lola.Chip.default_neuron_bypass.crossbar)
    done = dumper.done()
    back = stadls.DumperDone.from_dict(json.loads(json.dumps(done.to_dict())))
    assert back == done
    builder, _ = stadls.convert_to_builder(back)
    ref = stadls.PlaybackProgramBuilder()
    ref.write(coord, n)
    ref.write(halco.SynramOnDLS(1), m)
    ref.write(halco.CrossbarOnDLS(), lola.Chip.default_neuron_bypass.crossbar)
    assert (builder.done().words == ref.done().words).all()
    leaves = list(haldls.iter_leaves(n, coord))
    assert len(leaves) == 1 + 24 + 1
    assert leaves[0][0] == coord.toNeuronConfigOnDLS() and leaves[-1][0] == coord.toNeuronBackendConfigOnDLS()
