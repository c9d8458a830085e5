"""AtomicNeuron: mapping table, visitor round trips, value semantics, emulator round trip."""
import copy
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import halco
import haldls
import lola
import stadls
from lola.neuron import (FIELDS, NEURON_MAPPING, CapMem, Field, decode_neurons, encode_neurons,
                         neuron_addresses)

from .conftest import atomic_neurons, random_table

A = lola.AtomicNeuron
COORD = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(200), halco.NeuronRowOnDLS(1))


def _table_of(n):
    return {p: a[n._r:n._r + 1] for p, a in n._t.items()}


# -- the mapping table ------------------------------------------------------------------------

def test_mapping_covers_every_leaf_field_exactly_once():
    used = []
    rows = []
    for _, target, _ in NEURON_MAPPING:
        if isinstance(target, Field):
            used.append((target.container, target.field))
        elif isinstance(target, CapMem):
            rows.append(target.row.value())
        else:
            used.extend((f.container, f.field) for f in target.fields)
    expected = [("NeuronConfig", f.name) for f in haldls.NeuronConfig.fields()] + \
               [("NeuronBackendConfig", f.name) for f in haldls.NeuronBackendConfig.fields()]
    assert sorted(used) == sorted(expected)
    assert sorted(rows) == list(range(24))


def test_public_field_names():
    expected = {
        "excitatory_input": ["enable", "i_bias_tau", "i_bias_coba", "i_shift_reference", "i_bias_gm",
                             "v_rev_coba", "enable_small_capacitance", "enable_high_resistance", "enable_coba_mode"],
        "leak": ["v_leak", "i_bias", "enable_degeneration", "enable_division", "enable_multiplication"],
        "reset": ["v_reset", "i_bias", "enable_degeneration", "enable_division", "enable_multiplication"],
        "threshold": ["enable", "v_threshold"],
        "multicompartment": ["connect_soma", "connect_soma_right", "connect_right", "connect_vertical",
                             "enable_conductance", "enable_conductance_division",
                             "enable_conductance_multiplication", "i_bias_nmda"],
        "constant_current": ["enable", "i_offset", "type"],
        "membrane_capacitance": ["capacitance"],
        "adaptation": ["enable", "enable_pulse", "invert_a", "invert_b", "v_ref", "i_bias_tau", "i_bias_a",
                       "i_bias_b", "v_leak"],
        "exponential": ["enable", "v_exp", "i_bias"],
        "event_routing": ["analog_output", "enable_digital", "enable_bypass_excitatory",
                          "enable_bypass_inhibitory", "address", "enable_post_overwrite"],
        "readout": ["enable_buffered_access", "enable_amplifier", "enable_unbuffered_access", "source"],
        "refractory_period": ["input_clock", "reset_holdoff", "refractory_time", "enable_pause"],
        "bayesian": ["to_post_pulse", "operation", "connect_fire_vertical", "connect_fire_to_right",
                     "connect_fire_from_right", "enable_master", "enable_slave"],
    }
    n = A()
    for struct, names in expected.items():
        assert list(getattr(n, struct)._names) == names
    assert list(n.inhibitory_input._names) == expected["excitatory_input"]
    assert A.EventRouting.AnalogOutputMode.strong.name == "strong"
    assert A.Bayesian.Operation.MULLER_C.value == 3
    assert A.Readout.Source.adaptation == haldls.ReadoutSource.adaptation
    assert A.ConstantCurrent.Type.sink.value == 1


def test_default_neuron_digital_leaves():
    nc, cap, nbc = encode_neurons(_table_of(A()), 1)
    assert (nc[0] == haldls.NeuronConfig().encode()).all()
    # only documented override of the backend defaults: bayesian.to_post_pulse (public default True)
    assert haldls.NeuronBackendConfig.decode(nbc[0]) == haldls.NeuronBackendConfig(enable_bayesian_extension=True)
    assert cap[0, halco.CapMemRowOnCapMemBlock.v_leak.value()] == 500
    n = A()
    assert n.leak.v_leak < n.threshold.v_threshold and n.reset.v_reset < n.leak.v_leak


@pytest.mark.parametrize("path, value, leaf, field, expected", [
    ("leak.enable_multiplication", True, "NeuronConfig", "enable_leak_multiplication", True),
    ("multicompartment.connect_right", True, "NeuronConfig", "connect_membrane_right", True),
    ("multicompartment.connect_vertical", True, "NeuronConfig", "connect_bottom", True),
    ("constant_current.type", "sink", "NeuronConfig", "invert_membrane_offset", True),
    ("readout.source", "inh_synin", "NeuronConfig", "readout_source", haldls.ReadoutSource.inh_synin),
    ("event_routing.address", 201, "NeuronBackendConfig", "address_out", 201),
    ("event_routing.enable_digital", True, "NeuronBackendConfig", "enable_spike_out", True),
    ("refractory_period.input_clock", 1, "NeuronBackendConfig", "select_input_clock", 1),
    ("bayesian.connect_fire_vertical", True, "NeuronBackendConfig", "connect_fire_bottom", True),
    ("adaptation.enable_pulse", True, "NeuronBackendConfig", "enable_adaptation_pulse", True),
])
def test_single_field_lands_in_its_leaf(path, value, leaf, field, expected):
    n = A()
    struct, name = path.split(".")
    setattr(getattr(n, struct), name, value)
    leaves = {type(x).__name__: x for _, x in n.leaves(COORD) if not isinstance(x, haldls.CapMemCell)}
    got = getattr(leaves[leaf], field)
    assert got == expected
    default = getattr({type(x).__name__: x for _, x in A().leaves(COORD)
                       if not isinstance(x, haldls.CapMemCell)}[leaf], field)
    assert default != expected


@pytest.mark.parametrize("mode, fire, strong", [("off", False, False), ("normal", True, False),
                                                ("strong", True, True)])
def test_analog_output_code(mode, fire, strong):
    n = A()
    n.event_routing.analog_output = mode
    nc = next(x for _, x in n.leaves(COORD) if isinstance(x, haldls.NeuronConfig))
    assert (nc.enable_fire, nc.enable_strong_fire) == (fire, strong)


def test_strong_without_fire_decodes_as_off():
    nc = haldls.NeuronConfig(enable_fire=False, enable_strong_fire=True).encode()
    table = decode_neurons(nc[None], np.zeros((1, 24)), haldls.NeuronBackendConfig().encode()[None])
    assert lola.AtomicNeuron._view(table, 0).event_routing.analog_output == A.EventRouting.AnalogOutputMode.off


@pytest.mark.parametrize("op, b0, b1", [("local", 0, 0), ("AND", 1, 0), ("XNOR", 0, 1), ("MULLER_C", 1, 1)])
def test_bayesian_operation_code(op, b0, b1):
    n = A()
    n.bayesian.operation = op
    nbc = next(x for _, x in n.leaves(COORD) if isinstance(x, haldls.NeuronBackendConfig))
    assert (nbc.enable_0_bayesian, nbc.enable_1_bayesian) == (bool(b0), bool(b1))


def test_analog_values_go_to_their_capmem_cells():
    n = A()
    names = halco.CapMemRowOnCapMemBlock.names
    for k, f in enumerate(f for f in FIELDS if f.kind == "analog"):
        setattr(getattr(n, f.struct), f.name, 10 + k)
    cells = {c: x.value for c, x in n.leaves(COORD) if isinstance(x, haldls.CapMemCell)}
    for k, f in enumerate(f for f in FIELDS if f.kind == "analog"):
        row = f.target.row
        assert cells[COORD.toCapMemCellOnDLS(row)] == 10 + k, (f.path, names[row.value()])


# -- round trips --------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(atomic_neurons())
def test_visitor_round_trip(n):
    nc, cap, nbc = encode_neurons(_table_of(n), 1)
    back = A._view(decode_neurons(nc, cap, nbc), 0)
    assert back == n
    # leaves agree with the write plan (same addresses and words, in order)
    addr, words = n.write_plan(COORD)
    leaf_plans = [x.write_plan(c) for c, x in n.leaves(COORD)]
    assert (np.concatenate([p[0] for p in leaf_plans]) == addr).all()
    assert (np.concatenate([p[1] for p in leaf_plans]) == words).all()
    assert A.decode_read(COORD, words) == n


def test_bulk_encode_equals_per_neuron_encode():
    rng = np.random.default_rng(5)
    arr = lola.AtomicNeuronArray(random_table(rng, 512))
    nc, cap, nbc = arr.encode()
    a_nc, a_cap, a_nbc = neuron_addresses()
    for e in rng.choice(512, 40, replace=False):
        coord = halco.AtomicNeuronOnDLS(halco.Enum(int(e)))
        addr, words = arr[coord].copy().write_plan(coord)
        assert (addr == np.concatenate([a_nc[e], a_cap[e], a_nbc[e]])).all()
        assert (words == np.concatenate([nc[e], cap[e], nbc[e]])).all()
    assert lola.AtomicNeuronArray(decode_neurons(nc, cap, nbc)) == arr


def test_neuron_addresses_follow_halco():
    a_nc, a_cap, a_nbc = neuron_addresses()
    assert (a_nc[COORD.toEnum()] == haldls.NeuronConfig.addresses(COORD.toNeuronConfigOnDLS())).all()
    assert (a_nbc[COORD.toEnum()] == haldls.NeuronBackendConfig.addresses(COORD.toNeuronBackendConfigOnDLS())).all()
    row = halco.CapMemRowOnCapMemBlock.i_bias_nmda
    assert a_cap[COORD.toEnum(), 23] == haldls.CapMemCell.addresses(COORD.toCapMemCellOnDLS(row))[0]
    assert len(set(np.concatenate([a_nc.ravel(), a_cap.ravel(), a_nbc.ravel()]).tolist())) == 512 * 34


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 511), atomic_neurons()), min_size=1, max_size=3))
def test_emulator_round_trip(connection, items):
    builder = stadls.PlaybackProgramBuilder()
    latest = {}
    for e, n in items:
        coord = halco.AtomicNeuronOnDLS(halco.Enum(e))
        builder.write(coord, n)
        latest[coord] = n
    tickets = {c: builder.read(c) for c in latest}
    stadls.run(connection, builder.done())
    for c, t in tickets.items():
        assert t.get() == latest[c]
        assert isinstance(t.get(), lola.AtomicNeuron)


def test_emulator_sees_leaf_containers(connection):
    n = A()
    n.leak.v_leak = 777
    n.event_routing.address = 99
    builder = stadls.PlaybackProgramBuilder()
    builder.write(COORD, n)
    t_cell = builder.read(COORD.toCapMemCellOnDLS(halco.CapMemRowOnCapMemBlock.v_leak))
    t_nbc = builder.read(COORD.toNeuronBackendConfigOnDLS())
    stadls.run(connection, builder.done())
    assert t_cell.get().value == 777
    assert t_nbc.get().address_out == 99


# -- checks and value semantics -----------------------------------------------------------------

def test_range_and_type_errors():
    n = A()
    with pytest.raises(ValueError, match=r"Leak.v_leak = 1023 out of range \[0, 1022\].*DisableRefresh"):
        n.leak.v_leak = 1023
    with pytest.raises(ValueError, match="out of range"):
        n.leak.v_leak = -1
    with pytest.raises(TypeError, match="bool"):
        n.leak.v_leak = True
    with pytest.raises(TypeError):
        n.leak.v_leak = 3.5
    with pytest.raises(ValueError, match=r"capacitance = 64 out of range \[0, 63\]"):
        n.membrane_capacitance.capacitance = 64
    with pytest.raises(ValueError, match="address = 256"):
        n.event_routing.address = 256
    with pytest.raises(ValueError, match="not a AnalogOutputMode"):
        n.event_routing.analog_output = "loud"
    with pytest.raises(AttributeError, match="no field 'v_lek'"):
        n.leak.v_lek = 3
    with pytest.raises(AttributeError, match="no member"):
        n.leek = A.Leak()
    with pytest.raises(TypeError, match="needs a Leak"):
        n.leak = A.Reset()
    assert n == A()  # nothing was changed by the failed assignments


def test_disable_refresh_and_value_types():
    n = A()
    n.leak.v_leak = A.AnalogDisableRefresh()
    assert isinstance(n.leak.v_leak, haldls.CapMemCell.DisableRefresh)
    addr, words = n.write_plan(COORD)
    assert 1023 in words.tolist()
    assert A.decode_read(COORD, words) == n
    n.leak.v_leak = A.AnalogValue(12)
    assert n.leak.v_leak == 12 and isinstance(n.leak.v_leak, haldls.CapMemCell.Value)
    n.event_routing.address = A.EventRouting.Address(7)
    assert n.event_routing.address == 7


def test_value_semantics():
    a = A()
    a.leak.v_leak = 600
    b = a.copy()
    assert a == b
    b.leak.v_leak = 601
    assert a != b and a.leak.v_leak == 600
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    assert A.from_dict(a.to_dict()) == a
    assert a.to_dict()["event_routing"]["analog_output"] == "off"
    assert "v_leak=CapMemCell.Value(600)" in repr(a)
    with pytest.raises(TypeError):
        hash(a)
    leak = A.Leak(v_leak=300, enable_division=True)
    a.leak = leak
    assert a.leak == leak and a.leak.v_leak == 300
    leak.v_leak = 1  # assignment copied
    assert a.leak.v_leak == 300
    a.inhibitory_input = A.SynapticInput(i_bias_tau=42)
    assert a.inhibitory_input.i_bias_tau == 42 and a.excitatory_input.i_bias_tau == 500
    assert A(leak=A.Leak(v_leak=5)).leak.v_leak == 5


def test_neuron_block_views_and_columns():
    block = lola.NeuronBlock()
    c = halco.AtomicNeuronOnDLS(halco.Enum(300))
    block.atomic_neurons[c].leak.v_leak = 111        # live view
    assert block.atomic_neurons[300].leak.v_leak == 111
    n = A()
    n.threshold.enable = True
    block.atomic_neurons[c] = n                       # copy
    n.threshold.enable = False
    assert block.atomic_neurons[c].threshold.enable and block.atomic_neurons[c].leak.v_leak == 500
    block.atomic_neurons.set_field("reset.v_reset", np.arange(512) % 1000)
    assert block.atomic_neurons.get_field("reset.v_reset")[511] == 511
    assert block.atomic_neurons[halco.AtomicNeuronOnDLS(halco.Enum(17))].reset.v_reset == 17
    bad = np.zeros(512, dtype=int)
    bad[257] = 64
    with pytest.raises(ValueError, match=r"capacitance.* of AtomicNeuronOnDLS\(NeuronColumnOnDLS\(1\), "
                                         r"NeuronRowOnDLS\(1\)\) = 64 out of range"):
        block.atomic_neurons.set_field("membrane_capacitance.capacitance", bad)
    block.atomic_neurons.get_field("membrane_capacitance.capacitance")[257] = 64  # a copy: no effect
    with pytest.raises(TypeError, match="indexed by AtomicNeuronOnDLS"):
        block.atomic_neurons[halco.NeuronConfigOnDLS(3)]
    with pytest.raises(IndexError):
        block.atomic_neurons[512]
    # in-place corruption of a column is caught when encoding, naming the neuron
    block.atomic_neurons._t["event_routing.address"][5] = 300
    with pytest.raises(ValueError, match=r"address of AtomicNeuronOnDLS\(NeuronColumnOnDLS\(5\)"):
        block.write_plan(halco.NeuronBlockOnDLS())


def test_field_columns_read_many_neurons_at_once():
    neurons = [lola.AtomicNeuron() for _ in range(3)]
    for k, n in enumerate(neurons):
        n.leak.v_leak = 100 + k
        n.threshold.enable = bool(k % 2)
    chip = lola.Chip()
    chip.neuron_block.atomic_neurons[7].leak.v_leak = 321
    cols = lola.AtomicNeuron.field_columns(neurons + [chip.neuron_block.atomic_neurons[7]],
                                           ["leak.v_leak", "threshold.enable"])
    assert cols["leak.v_leak"].tolist() == [100, 101, 102, 321]
    assert cols["threshold.enable"].tolist() == [0, 1, 0, 0]
    assert set(lola.AtomicNeuron.field_columns(neurons[:1])) >= {"leak.v_leak", "reset.v_reset"}
    with pytest.raises(KeyError, match="no field"):
        lola.AtomicNeuron.field_columns(neurons, ["leak.nope"])
    with pytest.raises(TypeError):
        lola.AtomicNeuron.field_columns([object()])
