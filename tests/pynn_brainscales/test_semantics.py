"""Semantics public scripts rely on (docs/pynn.md "Public semantics"): Neo annotations and snippet
parts, Connection objects, recording devices, weights, partitioning of networks larger than the
chip, calibration archives, setup options, and clear errors for bad input."""
import warnings

import numpy as np
import pytest

import grenade
import quantities as pq
import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import calibration, partitioning

DRIVE = list(np.arange(0.01, 0.39, 0.01))


@pytest.fixture(autouse=True)
def session():
    pynn.setup()
    yield
    pynn.end()


def _driven(n=2, weight=63):
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=DRIVE), label="src")
    nrn = pynn.Population(n, pynn.HXNeuron.spiking(), label="nrn")
    prj = pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=weight),
                          receptor_type="excitatory")
    return src, nrn, prj


# -- Neo output -------------------------------------------------------------------------------
def test_spike_trains_carry_the_public_annotations():
    src, nrn, _ = _driven(3)
    nrn.record("spikes")
    src.record("spikes")
    pynn.run(0.2)
    trains = nrn.get_data().segments[0].spiketrains
    assert [t.annotations["source_id"] for t in trains] == [1, 2, 3]      # global ids: src is id 0
    assert [t.annotations["source_index"] for t in trains] == [0, 1, 2]
    assert {t.annotations["source_population"] for t in trains} == {"nrn"}
    assert [t.annotations["channel_id"] for t in trains] == [1, 2, 3]     # PyNN's own name as well
    assert src.get_data().segments[0].spiketrains[0].annotations["source_id"] == 0


def test_append_snippets_give_one_train_and_signal_per_snippet():
    _, nrn, prj = _driven(2)
    nrn.record("spikes")
    nrn[0:1].record("v")
    pynn.run(0.1, pynn.RunCommand.APPEND)
    prj.set(weight=0)
    pynn.run(0.05, pynn.RunCommand.APPEND)
    prj.set(weight=63)
    pynn.run(0.05)                                  # EXECUTE with a last snippet: three in all
    seg = nrn.get_data().segments[0]
    assert len(seg.spiketrains) == 6                # 2 neurons x 3 snippets, snippet-major
    bounds = [(float(t.t_start), float(t.t_stop)) for t in seg.spiketrains]
    expected = [(0, 0.1)] * 2 + [(0.1, 0.15)] * 2 + [(0.15, 0.2)] * 2
    assert np.allclose(bounds, expected)
    for t in seg.spiketrains:                       # times from the segment start, inside the snippet
        assert np.all((np.asarray(t) >= float(t.t_start)) & (np.asarray(t) <= float(t.t_stop)))
    assert len(seg.spiketrains[0]) > 3
    # weight 0 in snippet 2: the membrane carries on from snippet 1, so at most the input just
    # before the boundary may still fire it; nothing after one input interval
    for t in seg.spiketrains[2:4]:
        assert len(t) <= 1 and np.all(np.asarray(t) < 0.11)
    assert len(seg.spiketrains[4]) > 1                                  # weight 63 again
    sigs = seg.irregularlysampledsignals
    assert len(sigs) == 3 and all(s.annotations["source_ids"] == [1] for s in sigs)
    assert [round(float(s.times[0]), 2) for s in sigs] == [0.0, 0.1, 0.15]
    assert all(s.annotations["device"] == "madc" for s in sigs)


def test_plain_continued_runs_extend_one_train():
    _, nrn, _ = _driven(1)
    nrn.record("spikes")
    pynn.run(0.1)
    pynn.run(0.1)
    trains = nrn.get_data().segments[0].spiketrains
    assert len(trains) == 1 and float(trains[0].t_start) == 0 and float(trains[0].t_stop) == pytest.approx(0.2)
    t = np.asarray(trains[0])
    assert (t < 0.1).any() and (t > 0.1).any()


def test_get_data_clear_time_slice_and_annotate():
    _, nrn, _ = _driven(2)
    nrn.record("spikes")
    pynn.run(0.2)
    block = nrn.get_data(clear=True)
    block.annotate(experiment="clear")
    assert block.annotations["experiment"] == "clear"
    sliced = block.segments[0].time_slice(0.05 * pq.ms, 0.1 * pq.ms)
    assert all(np.all((np.asarray(t) >= 0.05) & (np.asarray(t) <= 0.1)) for t in sliced.spiketrains)
    assert sum(len(t) for t in sliced.spiketrains) > 0
    after = nrn.get_data().segments[0]              # cleared: empty trains, one per neuron
    assert [len(t) for t in after.spiketrains] == [0, 0]
    pynn.run(0.1)                                   # new data only, from the clear on
    again = nrn.get_data().segments[0].spiketrains
    assert all(float(t.t_start) == pytest.approx(0.2) for t in again) and len(again[0]) > 0
    assert np.all(np.asarray(again[0]) >= 0.2)


# -- connections and weights --------------------------------------------------------------------
def test_connections_are_live_and_settable():
    _, nrn, prj = _driven(3, weight=10)
    conns = list(prj)
    assert len(conns) == 3 and all(isinstance(c, pynn.projections.Connection) for c in conns)
    for c in prj:
        c.weight = 63.
    assert np.all(prj.get("weight", format="array") == 63)
    conns[1].weight = 20.5                          # rounded as Python's round(): half to even
    conns[2].weight = 21.5
    assert [c.weight for c in prj] == [63, 20, 22]
    with pytest.raises(ValueError, match="positive for excitatory"):
        conns[0].weight = -5
    with pytest.raises(ValueError, match="at most 64 synapses"):
        conns[0].weight = 5000
    with pytest.raises(ValueError, match="must be a number"):
        conns[0].weight = "heavy"
    assert conns[0].weight == 63                    # a refused value changes nothing


def test_set_weights_with_lists_arrays_and_float_rounding():
    src = pynn.Population(2, pynn.SpikeSourceArray(spike_times=DRIVE))
    nrn = pynn.Population(3, pynn.HXNeuron.spiking())
    prj = pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=10.6))
    assert np.all(prj.get("weight", format="array") == 11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prj.setWeights([1, 2, 3, 4, 5, 6])          # PyNN: row-major over the (pre, post) matrix
    assert prj.get("weight", format="array").tolist() == [[1, 2, 3], [4, 5, 6]]
    prj.set(weight=np.arange(6).reshape(2, 3) * 2.5)
    assert prj.get("weight", format="array").tolist() == [[0, 2, 5], [8, 10, 12]]
    prj.set(weight=[63, 62, 61, 60, 59, 58])
    assert prj.get("weight", format="list")[0] == (0, 0, 63)
    prj.set(weight=100.4)                           # above 63: two synapses per connection
    assert np.all(prj.get("weight", format="array") == 100)
    pynn.run(0.05)
    placed = grenade.get_placed_connections(pynn.simulator.state._routing, grenade.ProjectionDescriptor(0))
    assert sorted(c.weight for c in placed[0]) == [37, 63]


def test_parameters_through_ids_and_views():
    pop = pynn.Population(3, pynn.HXNeuron.spiking())
    pop[0].leak_v_leak = 700
    assert pop[0].leak_v_leak == 700
    pop[1:3].set(leak_v_leak=[500, 600])
    assert list(pop.get("leak_v_leak")) == [700, 500, 600]
    with pytest.raises(ValueError, match="out of range"):
        pop[2].leak_v_leak = 5000


def test_plastic_synapse_without_a_rule_is_static():
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=DRIVE))
    nrn = pynn.Population(1, pynn.HXNeuron.spiking())
    syn = pynn.standardmodels.synapses.PlasticSynapse(weight=40)
    prj = pynn.Projection(src, nrn, pynn.AllToAllConnector(), synapse_type=syn, receptor_type="excitatory")
    assert prj.get("weight", format="list") == [(0, 0, 40.0)] and syn.plasticity_rule is None
    nrn.record("spikes")
    pynn.run(0.2)
    assert len(nrn.get_data().segments[0].spiketrains[0]) > 0
    with pytest.raises(TypeError, match="pynn.PlasticityRule"):
        pynn.standardmodels.synapses.PlasticSynapse(weight=1, plasticity_rule=object())
    with pytest.raises(ValueError, match="observables"):
        pynn.standardmodels.synapses.StaticRecordingSynapse(timer=None, weight=1, observables={"voltage"})


# -- recording devices ------------------------------------------------------------------------
def test_pads_are_accepted_without_data():
    _, nrn, _ = _driven(3)
    nrn[0:1].record("v", device="pad_0")
    nrn[1:2].record("exc_synin", device="pad_1_unbuffered")
    nrn.record("spikes")
    assert nrn.recorder.pad_recordings == {0: (1, "v", True), 1: (2, "exc_synin", False)}
    pynn.run(0.1)
    seg = nrn.get_data().segments[0]
    assert len(seg.irregularlysampledsignals) == 0 and len(seg.spiketrains) == 3


@pytest.mark.parametrize("pad_first", [True, False])
def test_a_membrane_goes_to_a_pad_and_to_the_madc(pad_first):
    """The public synfire tutorial wires the first neuron's membrane to pad 0 and records it on the
    MADC as well: a pad is no data channel, so the MADC trace is there whichever comes first."""
    _, nrn, _ = _driven(2)
    calls = [("v", "pad_0_buffered"), ("v", "madc")]
    for variable, device in (calls if pad_first else calls[::-1]):
        nrn[[0]].record(variable, device=device)
    assert nrn.recorder.pad_recordings == {0: (1, "v", True)}
    pynn.run(0.1)
    signals = nrn.get_data("v").segments[-1].irregularlysampledsignals
    assert len(signals) == 1 and signals[0].annotations["device"] == "madc"
    assert signals[0].annotations["source_ids"] == [1] and np.ptp(np.asarray(signals[0])) > 20


def test_a_neuron_reads_out_one_analog_variable_on_pads_and_madc():
    nrn = pynn.Population(2, pynn.HXNeuron())
    nrn[[0]].record("v", device="pad_0")
    with pytest.raises(ValueError, match="neuron id 0 sends 'v' to analog pad 0"):
        nrn[[0]].record("exc_synin", device="madc")
    nrn[[1]].record("exc_synin", device="madc")
    with pytest.raises(ValueError, match="neuron id 1 already records 'exc_synin'"):
        nrn[[1]].record("v", device="pad_1")
    with pytest.raises(ValueError, match="a pad carries an analog variable"):
        nrn[[1]].record(["spikes", "spikes2"], device="pad_1")
    nrn[[1]].record("exc_synin", device="pad_1_unbuffered")     # the same variable is fine
    assert nrn.recorder.pad_recordings == {0: (0, "v", True), 1: (1, "exc_synin", False)}


@pytest.mark.parametrize("device, match", [
    ("pad_2", "unknown recording device 'pad_2'"),
    ("pad_0_amplified", "unknown recording device"),
    ("scope", "unknown recording device"),
])
def test_bad_device_names(device, match):
    nrn = pynn.Population(1, pynn.HXNeuron())
    with pytest.raises(ValueError, match=match):
        nrn.record("v", device=device)


def test_a_pad_takes_one_neuron():
    nrn = pynn.Population(3, pynn.HXNeuron())
    with pytest.raises(ValueError, match="a pad records one neuron, got 3"):
        nrn.record("v", device="pad_0")
    nrn[0:1].record("v", device="pad_0")
    with pytest.raises(ValueError, match="pad 0 already records 'v' of neuron id 0"):
        nrn[1:2].record("v", device="pad_0")
    assert not nrn.recorder._variable_ids("v") - {nrn[0]}      # the refused neuron is not recorded


# -- partitioning -------------------------------------------------------------------------------
def test_partitioned_chain_matches_the_unpartitioned_one():
    """600 bypass neurons in two populations fed one to one: split over two executions, the output
    equals the run of the same chain of 300 + 300 (one execution)."""
    def chain(n_a, n_b, record_v=False):
        pynn.setup(enable_neuron_bypass=True)
        src = pynn.Population(4, pynn.SpikeSourceArray(spike_times=[0.01, 0.03, 0.05]))
        a = pynn.Population(n_a, pynn.HXNeuron(), label="a")
        b = pynn.Population(n_b, pynn.HXNeuron(), label="b")
        pynn.Projection(src, a, pynn.FromListConnector([(i % 4, i) for i in range(n_a)]),
                        pynn.StaticSynapse(weight=63))
        pynn.Projection(a, b, pynn.OneToOneConnector(), pynn.StaticSynapse(weight=63))
        b.record("spikes")
        if record_v:
            b[n_b - 1:n_b].record("v")
        pynn.run(0.08)
        out = [np.asarray(t) for t in b.get_data().segments[0].spiketrains]
        return out, pynn.get_execution_instance_data(), b
    small, ex_small, _ = chain(200, 200)
    big, ex_big, b = chain(400, 400, record_v=True)
    assert len(ex_small) == 1 and len(ex_big) == 2
    assert [[(p.label, s, e) for p, s, e in ex.populations] for ex in ex_big] == [[("a", 0, 400)], [("b", 0, 400)]]
    assert all(len(t) == 3 for t in big) and all(len(t) == 3 for t in small)
    assert np.allclose(big[0], small[0], atol=2e-3)
    v = b.get_data("v").segments[0].irregularlysampledsignals      # recorded in the second execution
    assert len(v) == 1 and v[0].annotations["source_ids"] == [int(b[399])]


def test_partition_respects_a_short_neuron_permutation():
    pynn.setup(neuronPermutation=list(range(100, 164)), enable_neuron_bypass=True)
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[0.01]))
    pop = pynn.Population(100, pynn.HXNeuron())
    pynn.Projection(src, pop, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63))
    pop.record("spikes")
    pynn.run(0.05)
    ex = pynn.get_execution_instance_data()
    assert [(s, e) for d in ex for _, s, e in d.populations] == [(0, 64), (64, 100)]
    for d in ex:                                    # each execution places from the permutation's start
        on_chip = [p for p in d.results.network.placement if len(p)]
        assert int(on_chip[0][0]) == 100
    assert all(len(t) == 1 for t in pop.get_data().segments[0].spiketrains)


def test_recurrent_group_larger_than_the_chip_is_refused():
    pop = pynn.Population(600, pynn.HXNeuron())
    pynn.Projection(pop, pop, pynn.FromListConnector([(i, (i + 1) % 600) for i in range(600)]),
                    pynn.StaticSynapse(weight=1))
    with pytest.raises(ValueError, match=r"recurrently connected neurons .*600 neurons.*at most 512"):
        pynn.run(0.01)


def test_calibrated_network_larger_than_the_chip_is_not_implemented():
    pynn.Population(400, pynn.cells.CalibHXNeuronCuba(), label="calibrated")
    pynn.Population(200, pynn.HXNeuron())
    with pytest.raises(NotImplementedError, match="partitioning .* calibrated populations .*'calibrated'"):
        pynn.run(0.01)


def test_strong_components_come_in_topological_order():
    edges = {0: {1}, 1: {2}, 2: {1, 3}, 3: set(), 4: {0}}
    assert partitioning._strong_components(5, edges) == [[4], [0], [1, 2], [3]]


def test_execution_instance_data_before_a_run():
    with pytest.raises(RuntimeError, match="after an executed pynn.run"):
        pynn.get_execution_instance_data()
    _, nrn, _ = _driven(1)
    pynn.run(0.05)
    data = pynn.get_execution_instance_data()
    assert len(data) == 1 and data[0].populations == [(nrn, 0, 1)] and data[0].timing.config_words > 0


# -- calibration archives -----------------------------------------------------------------------
def test_archives_need_a_calibrated_cell_type():
    pop = pynn.Population(2, pynn.HXNeuron())
    with pytest.raises(TypeError, match="CalibHXNeuronCuba / CalibHXNeuronCoba populations, not for HXNeuron"):
        _ = pop.actual_hwparams
    cal = pynn.Population(2, pynn.cells.CalibHXNeuronCuba())
    for name in ("calib_target", "calib_hwparams", "actual_hwparams"):
        with pytest.raises(RuntimeError, match=f"{name} of .* after pynn.run"):
            getattr(cal, name)


def test_injected_calibration_target_fills_the_other_neurons():
    from calix.spiking import NeuronCalibTarget, SpikingCalibTarget
    pop = pynn.Population(2, pynn.cells.CalibHXNeuronCuba(v_rest=[60, 70], tau_m=12))
    injected = SpikingCalibTarget(neuron_target=NeuronCalibTarget(leak=100, tau_mem=20e-6, i_synin_gm=[300, 400]))
    target = calibration.build_target([(pop, np.array([5, 9]))], injected)
    nt = target.neuron_target
    assert nt.leak[5] == 60 and nt.leak[9] == 70 and nt.leak[0] == 100 and nt.leak[511] == 100
    assert nt.tau_mem[5] == pytest.approx(12e-6) and nt.tau_mem[6] == pytest.approx(20e-6)
    assert list(nt.i_synin_gm) == [500, 500]        # the populations' chip-wide values win
    default = calibration.build_target([(pop, np.array([5, 9]))])
    assert default.neuron_target.leak[0] == 80


@pytest.mark.parametrize("option, value, error, match", [
    ("injected_calib_target", {"leak": 80}, TypeError, "SpikingCalibTarget, got dict"),
    ("injected_calib_options", "fast", TypeError, "SpikingCalibOptions, got str"),
    ("backgroundPermutation", [0, 4], ValueError, r"entry 4 is not a PADI bus index in \[0, 3\]"),
    ("backgroundPermutation", [1, 1], ValueError, "distinct PADI buses"),
    ("backgroundPermutation", 2, TypeError, "sequence of PADI bus indices"),
])
def test_bad_setup_options(option, value, error, match):
    with pytest.raises(error, match=match):
        pynn.setup(**{option: value})


def test_background_permutation_places_the_generators():
    pynn.setup(backgroundPermutation=[3, 1])
    bg1 = pynn.Population(8, pynn.cells.SpikeSourcePoissonOnChip(rate=2e5, seed=1))
    bg2 = pynn.Population(8, pynn.cells.SpikeSourcePoissonOnChip(rate=2e5, seed=2))
    nrn = pynn.Population(4, pynn.HXNeuron.spiking())
    pynn.Projection(bg1, nrn, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=10))
    pynn.Projection(bg2, nrn, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=10))
    nrn.record("spikes")
    pynn.run(0.05)
    network = pynn.get_execution_instance_data()[0].results.network
    placements = [p for p in network.background_placement if p]
    assert placements == [((0, 3), (1, 3)), ((0, 1), (1, 1))]
    pynn.setup(backgroundPermutation=[2])
    for seed in (1, 2):
        pynn.Population(8, pynn.cells.SpikeSourcePoissonOnChip(rate=2e5, seed=seed), label=f"bg{seed}")
    with pytest.raises(ValueError, match="lists 1 PADI bus.*'bg2' is number 1"):
        pynn.run(0.01)


def test_chip_plotter_names_what_is_missing():
    from pynn_brainscales.brainscales2.utils.chip_plotter import ChipPlotter
    _driven(2)
    pynn.simulator.state.preprocess(0, 0)           # the public example's way to route only
    assert pynn.get_backend_statistics()["routing"].synapses == 2
    with pytest.raises(NotImplementedError, match="ChipPlotter .* not ported yet.*get_execution_instance_data"):
        ChipPlotter(population_contrast_groups={"exc": [0]})


def test_plasticity_observables_need_a_rule_with_that_observable():
    src, nrn, prj = _driven(1)
    with pytest.raises(RuntimeError, match=r"Projection.get_data\('weights'\).*no plasticity rule"):
        prj.get_data("weights")
    with pytest.raises(RuntimeError, match=r"get_plasticity_data\('rates'\).*no plasticity rule"):
        nrn.get_plasticity_data("rates")
