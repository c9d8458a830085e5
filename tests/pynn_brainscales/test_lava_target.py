"""PyNN networks in biological units on Lava: ``setup(units="biological", target="lava")``.

* Lava's fixed_pt run of a PyNN script gives the spikes of the numpy reference of the network it
  ran, bit for bit, and so does the same script with ``lava_mode="reference"`` (one Lava run of
  1000 steps, a few seconds);
* the mapping of IF_curr_exp (r = tau_m / cm, i_offset in the bias, weights in nA, refractory
  period) against the NEST-semantics reference of test_biological.py;
* the same script on the chip and on Lava gives similar rates (per population and neuron);
* what Lava cannot run is rejected with errors naming the cell type, parameter or feature.
"""
import neo
import numpy as np
import pytest
from pyNN import errors

import pynn_brainscales.brainscales2 as pynn
from grenade.lava import LavaParameterError, reference_run
from pynn_brainscales.brainscales2 import lava_target, simulator
from tests.pynn_brainscales.test_biological import lif_cuba
from tests.lava_marks import needs_lava




@pytest.fixture(autouse=True)
def _end():
    yield
    pynn.end()
    pynn.setup()            # the next test module finds the default target and units


def trains_of(pop):
    return [np.asarray(t.rescale("ms").magnitude) for t in pop.get_data("spikes").segments[-1].spiketrains]


# -- a script with every feature the Lava target maps --------------------------------------------------
def delayed_network(runtime=100.0, **target):
    """Sources (array + Poisson), two IF_curr_exp populations (i_offset, refractory period),
    excitatory and inhibitory projections, delays (one pair with two delays), recurrence."""
    pynn.setup(units="biological", **target)
    rng = np.random.default_rng(5)
    arr = pynn.Population(6, pynn.SpikeSourceArray(spike_times=[sorted(rng.uniform(0, runtime, 12)) for _ in range(6)]),
                          label="array")
    poisson = pynn.Population(8, pynn.SpikeSourcePoisson(rate=60.0), label="poisson")
    exc = pynn.Population(12, pynn.IF_curr_exp(tau_refrac=1.0, tau_m=15.0, i_offset=np.linspace(0, 0.6, 12),
                                               v_thresh=-55.0), label="exc")
    inh = pynn.Population(4, pynn.IF_curr_exp(tau_refrac=0.5, tau_syn_E=3.0, tau_syn_I=3.0, cm=0.5), label="inh")
    for p in (arr, exc, inh):
        p.record("spikes")
    pynn.Projection(arr, exc, pynn.FixedProbabilityConnector(0.5, rng=pynn.NumpyRNG(1)),
                    pynn.StaticSynapse(weight=0.5, delay=2.0), receptor_type="excitatory")
    pynn.Projection(poisson, exc, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=0.2), receptor_type="excitatory")
    pynn.Projection(exc, inh, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=0.3, delay=1.5),
                    receptor_type="excitatory")
    # inh -> exc: every pair twice, at two delays (two DelayDense "layers")
    conns = [(i, j, -0.4, d) for i in range(4) for j in range(12) for d in (0.1, 3.0)]
    pynn.Projection(inh, exc, pynn.FromListConnector(conns, column_names=["weight", "delay"]),
                    receptor_type="inhibitory")
    pynn.run(runtime)
    return {"exc": trains_of(exc), "inh": trains_of(inh), "array": trains_of(arr), "pops": (exc, inh, arr),
            "lava_run": simulator.state.lava_run}


@needs_lava
def test_pynn_on_lava_equals_the_numpy_reference_bit_for_bit():
    lava = delayed_network(target="lava", lava_mode="fixed_pt")
    run = lava["lava_run"]
    net = run.network
    assert run.mode == "fixed_pt" and run.timing["run_s"] > 0
    assert any(c.delays is not None and c.delays.max() >= 29 for c in net.projections)     # 3 ms: 29 extra steps
    assert sorted(p.refractory for p in net.populations) == [5, 10]
    ref = reference_run(net)
    exc, inh, _ = lava["pops"]
    for pop, name in ((exc, "exc"), (inh, "inh")):
        np.testing.assert_array_equal(run.rasters[run.names[pop]], ref[run.names[pop]], err_msg=name)
        assert sum(len(t) for t in lava[name]) > 10, name
        for got, want in zip(lava[name], lava_target.spike_times(run, pop)):
            np.testing.assert_allclose(got, want, atol=1e-9)
    # the same script on the reference mode (no Lava process): the same spikes
    again = delayed_network(target="lava", lava_mode="reference")
    for name in ("exc", "inh", "array"):
        for a, b in zip(lava[name], again[name]):
            np.testing.assert_array_equal(a, b)


def test_delays_go_to_the_step_they_name():
    # one input spike at 10 ms onto a neuron that fires on it: the output follows at 10 + delay
    out = {}
    for delay in (0.1, 1.0, 4.0):
        pynn.setup(units="biological", target="lava", lava_mode="reference")
        src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[10.0]))
        cell = pynn.Population(1, pynn.IF_curr_exp(tau_syn_E=1.5, tau_syn_I=1.5, tau_m=5.0, v_thresh=-64.0, tau_refrac=25.0))
        cell.record("spikes")
        pynn.Projection(src, cell, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=20.0, delay=delay),
                        receptor_type="excitatory")
        pynn.run(30.0)
        out[delay] = trains_of(cell)[0]
        pynn.end()
    assert all(len(t) == 1 for t in out.values())
    np.testing.assert_allclose(out[1.0] - out[0.1], 0.9, atol=1e-9)
    np.testing.assert_allclose(out[4.0] - out[0.1], 3.9, atol=1e-9)
    np.testing.assert_allclose(out[0.1], [10.1], atol=1e-9)     # arrives at 10.1 ms, fires in that step


def test_views_and_assemblies_connect_the_neurons_they_name():
    pynn.setup(units="biological", target="lava", lava_mode="reference")
    src = pynn.Population(4, pynn.SpikeSourceArray(spike_times=[[1.0]] * 4), label="src")
    a = pynn.Population(5, pynn.IF_curr_exp(), label="a")
    b = pynn.Population(3, pynn.IF_curr_exp(), label="b")
    pynn.Projection(src[1:3], a[[0, 4]], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=0.5),
                    receptor_type="excitatory")
    pynn.Projection(a + b, b[2:], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=-0.2), receptor_type="inhibitory")
    pynn.run(5.0)
    net = simulator.state.lava_run.network
    got = {(c.pre, c.post): np.asarray(c.weights) for c in net.projections}
    assert set(got) == {("src", "a"), ("a", "b"), ("b", "b")}
    want = np.zeros((5, 4), bool)
    want[np.ix_([0, 4], [1, 2])] = True
    np.testing.assert_array_equal(got[("src", "a")] > 0, want)
    for pre, n in (("a", 5), ("b", 3)):
        want = np.zeros((3, n), bool)
        want[2] = True
        np.testing.assert_array_equal(got[(pre, "b")] < 0, want)


# -- the mapping of IF_curr_exp, against the NEST-semantics reference ----------------------------------
def rate(times, t_stop, t0=100.0):
    times = np.asarray(times)
    return np.count_nonzero(times >= t0) / (t_stop - t0) * 1000.0


def test_if_curr_exp_maps_onto_lava_as_nest_integrates_it():
    t_stop = 1000.0
    levels = [0.9, 1.2, 1.8]
    pynn.setup(units="biological", target="lava", lava_mode="reference")
    cells = pynn.Population(3, pynn.IF_curr_exp(i_offset=levels, tau_refrac=2.0, cm=0.8, tau_m=16.0))
    cells.record("spikes")
    driven = pynn.Population(2, pynn.IF_curr_exp(tau_refrac=2.0, tau_syn_E=5.0, tau_syn_I=5.0))
    driven.record("spikes")
    rng = np.random.default_rng(3)
    exc = [np.sort(rng.uniform(0, t_stop, 1500)) for _ in range(2)]
    inh = [np.sort(rng.uniform(0, t_stop, 400)) for _ in range(2)]
    se = pynn.Population(2, pynn.SpikeSourceArray(spike_times=exc))
    si = pynn.Population(2, pynn.SpikeSourceArray(spike_times=inh))
    pynn.Projection(se, driven, pynn.OneToOneConnector(), pynn.StaticSynapse(weight=0.3), receptor_type="excitatory")
    pynn.Projection(si, driven, pynn.OneToOneConnector(), pynn.StaticSynapse(weight=-0.3), receptor_type="inhibitory")
    pynn.run(t_stop)
    got = trains_of(cells)
    for level, t in zip(levels, got):
        # NEST's inputs act from the step after the spike; Lava's one step later (its Dense)
        want = rate(lif_cuba(t_stop, i_offset=level, tau_refrac=2.0, cm=0.8, tau_m=16.0)[0], t_stop)
        assert want > 10
        assert rate(t, t_stop) == pytest.approx(want, rel=0.05), level
    for k, t in enumerate(trains_of(driven)):
        want = rate(lif_cuba(t_stop, tau_refrac=2.0, exc=(exc[k] + 0.1, 0.3), inh=(inh[k] + 0.1, -0.3))[0], t_stop)
        assert want > 10
        assert rate(t, t_stop) == pytest.approx(want, rel=0.15), k


def test_get_data_gives_neo_spiketrains_in_biological_ms():
    pynn.setup(units="biological", target="lava", lava_mode="reference")
    times = [[5.0, 17.3], [40.0]]
    src = pynn.Population(2, pynn.SpikeSourceArray(spike_times=times), label="src")
    cells = pynn.Population(3, pynn.IF_curr_exp(i_offset=1.5), label="cells")
    src.record("spikes")
    cells.record("spikes")
    pynn.run(50.0)
    block = cells.get_data()
    assert isinstance(block, neo.Block)
    trains = block.segments[0].spiketrains
    assert len(trains) == 3 and all(float(t.t_stop.rescale("ms")) == 50.0 for t in trains)
    assert [t.annotations["source_index"] for t in trains] == [0, 1, 2]
    assert [t.annotations["source_id"] for t in trains] == [int(i) for i in cells.all_cells]
    assert all(t.annotations["source_population"] == "cells" for t in trains)
    assert all(len(t) > 3 for t in trains)
    assert [list(t.magnitude) for t in src.get_data().segments[0].spiketrains] == times
    pynn.end()
    # sources alone run without Lava and give their trains
    pynn.setup(units="biological", target="lava")
    src = pynn.Population(2, pynn.SpikeSourceArray(spike_times=times), label="src")
    src.record("spikes")
    pynn.run(50.0)
    assert [list(t.magnitude) for t in src.get_data().segments[0].spiketrains] == times
    pynn.end()
    pynn.setup(units="biological", target="lava", lava_mode="reference")
    cells = pynn.Population(3, pynn.IF_curr_exp(i_offset=1.5), label="cells")
    cells.record("spikes")
    pynn.run(50.0)
    # a new segment after reset(): the same network gives the same spikes
    pynn.reset()
    pynn.run(50.0)
    segs = cells.get_data().segments
    assert len(segs) == 2
    for a, b in zip(segs[0].spiketrains, segs[1].spiketrains):
        np.testing.assert_array_equal(a.magnitude, b.magnitude)
    assert pynn.get_backend_statistics()["lava"]["mode"] == "reference"


# -- the same script on the chip and on Lava -------------------------------------------------------------
def cuba_script(target, t_stop=1000.0):
    """Poisson input onto 40 excitatory and 10 inhibitory IF_curr_exp cells (heterogeneous
    i_offset), E -> I and I -> E; the same for both targets except ``target``."""
    pynn.setup(units="biological", **target)
    rng = pynn.NumpyRNG(7)
    src = pynn.Population(30, pynn.SpikeSourcePoisson(rate=25.0), label="src")
    cell = dict(tau_m=20.0, tau_syn_E=5.0, tau_syn_I=5.0, tau_refrac=2.0, v_thresh=-52.0, v_rest=-65.0,
                v_reset=-65.0)
    exc = pynn.Population(40, pynn.IF_curr_exp(i_offset=np.linspace(0.0, 0.5, 40), **cell), label="exc")
    inh = pynn.Population(10, pynn.IF_curr_exp(**cell), label="inh")
    exc.record("spikes")
    inh.record("spikes")
    pynn.Projection(src, exc, pynn.FixedProbabilityConnector(0.3, rng=rng), pynn.StaticSynapse(weight=0.35),
                    receptor_type="excitatory")
    pynn.Projection(src, inh, pynn.FixedProbabilityConnector(0.3, rng=rng), pynn.StaticSynapse(weight=0.3),
                    receptor_type="excitatory")
    pynn.Projection(exc, inh, pynn.FixedProbabilityConnector(0.2, rng=rng), pynn.StaticSynapse(weight=0.3),
                    receptor_type="excitatory")
    pynn.Projection(inh, exc, pynn.FixedProbabilityConnector(0.3, rng=rng), pynn.StaticSynapse(weight=-0.5),
                    receptor_type="inhibitory")
    pynn.run(t_stop)
    counts = {name: np.array([len(t) for t in trains_of(p)]) for name, p in (("exc", exc), ("inh", inh))}
    pynn.end()
    return counts


def test_the_same_script_on_the_chip_and_on_lava_gives_similar_rates():
    # Lava's fixed_pt equals the reference bit for bit (above): the reference stands in for it here
    chip = cuba_script({})
    lava = cuba_script({"target": "lava", "lava_mode": "reference"})
    for name in ("exc", "inh"):
        ratio = chip[name].mean() / lava[name].mean()
        assert lava[name].mean() > 3 and 0.75 < ratio < 1.33, (name, chip[name].mean(), lava[name].mean())
    # the i_offset gradient orders the excitatory rates on both targets
    assert np.corrcoef(chip["exc"], lava["exc"])[0, 1] > 0.8


# -- what Lava cannot run ---------------------------------------------------------------------------------
def test_setup_options_of_the_lava_target_are_checked():
    with pytest.raises(ValueError, match=r"target='lava'\) needs units='biological'"):
        pynn.setup(target="lava")
    with pytest.raises(ValueError, match=r"setup\(target='loihi'\): supported are 'chip', 'lava'"):
        pynn.setup(units="biological", target="loihi")
    with pytest.raises(ValueError, match=r"lava_mode=\.\.\.\) applies to target='lava' only"):
        pynn.setup(units="biological", lava_mode="reference")
    with pytest.raises(ValueError, match=r"lava_mode='exact'"):
        pynn.setup(units="biological", target="lava", lava_mode="exact")
    with pytest.raises(ValueError, match=r"lava_timeout=-1"):
        pynn.setup(units="biological", target="lava", lava_timeout=-1)
    with pytest.raises(ValueError, match=r"enable_neuron_bypass=True\) .* no meaning on target='lava'"):
        pynn.setup(units="biological", target="lava", enable_neuron_bypass=True)


@pytest.mark.parametrize("celltype, why", [
    (lambda: pynn.IF_cond_exp(), r"IF_cond_exp population 'x' cannot run on target='lava': its synapses are "
                                 r"conductance-based"),
    (lambda: pynn.EIF_cond_exp_isfa_ista(), r"EIF_cond_exp_isfa_ista .* no exponential term, no adaptation"),
    (lambda: pynn.HXNeuron(), r"HXNeuron .* raw hardware values"),
    (lambda: pynn.SpikeSourcePoissonOnChip(rate=1e4, seed=1), r"SpikeSourcePoissonOnChip .* background generator"),
])
def test_cells_without_a_lava_model_are_rejected_naming_them(celltype, why):
    pynn.setup(units="biological", target="lava")
    with pytest.raises(errors.NoModelAvailableError, match=why):
        pynn.Population(2, celltype(), label="x")


@pytest.mark.parametrize("params, match", [
    (dict(tau_syn_E=5.0, tau_syn_I=10.0), r"'cells': tau_syn_E = 5 ms and tau_syn_I = 10 ms differ \(neuron 0\)"),
    (dict(tau_m=[10.0, 20.0]), r"'cells': tau_m takes the values \[10.0, 20.0\] ms"),
    (dict(tau_refrac=[1.0, 2.0]), r"'cells': tau_refrac takes the values \[1.0, 2.0\] ms"),
])
def test_parameters_lava_cannot_take_are_rejected_naming_them(params, match):
    pynn.setup(units="biological", target="lava", lava_mode="reference")
    pynn.Population(2, pynn.IF_curr_exp(**params), label="cells")
    with pytest.raises(LavaParameterError, match=match):
        pynn.run(10.0)


def test_features_lava_cannot_run_are_rejected():
    pynn.setup(units="biological", target="lava", lava_mode="reference")
    cells = pynn.Population(2, pynn.IF_curr_exp(), label="cells")
    cells.record("v")
    with pytest.raises(NotImplementedError, match=r"'cells' records 'v': on target='lava' only spikes"):
        pynn.run(10.0)
    pynn.end()

    pynn.setup(units="biological", target="lava", lava_mode="reference")
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[1.0]), label="src")
    cells = pynn.Population(2, pynn.IF_curr_exp(), label="cells")
    pynn.Projection(src, cells, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=0.1, delay=7.0),
                    receptor_type="excitatory")
    with pytest.raises(LavaParameterError, match=r"delay 7 ms is 70 steps of 0.1 ms; Lava's DelayDense reaches at "
                                                 r"most 64 steps \(6.4 ms\)"):
        pynn.run(10.0)
    pynn.end()

    pynn.setup(units="biological", target="lava", lava_mode="reference")
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[1.0]), label="src")
    cells = pynn.Population(2, pynn.IF_curr_exp(), label="cells")
    pynn.Projection(src, cells, pynn.AllToAllConnector(), pynn.TsodyksMarkramSynapse(weight=0.1),
                    receptor_type="excitatory")
    with pytest.raises(NotImplementedError, match=r"TsodyksMarkramSynapse does not run on target='lava'"):
        pynn.run(10.0)
    pynn.end()

    pynn.setup(units="biological", target="lava", lava_mode="reference")
    cells = pynn.Population(2, pynn.IF_curr_exp(), label="cells")
    pynn.DCSource(amplitude=0.5).inject_into(cells)
    with pytest.raises(NotImplementedError, match=r"DCSource: current sources do not run on target='lava'"):
        pynn.run(10.0)
    pynn.end()

    pynn.setup(units="biological", target="lava", lava_mode="reference")
    pynn.Population(2, pynn.IF_curr_exp(tau_syn_I=3.0), label="bad")
    with pytest.raises(LavaParameterError, match=r"'bad': tau_syn_E = 5 ms and tau_syn_I = 3 ms differ"):
        pynn.run(None, pynn.RunCommand.PREPARE)         # lowers and validates only
    pynn.end()

    pynn.setup(units="biological", target="lava", lava_mode="reference")
    pynn.Population(2, pynn.IF_curr_exp(), label="cells")
    pynn.run(None, pynn.RunCommand.PREPARE)
    assert simulator.state.lava_run is None and pynn.get_current_time() == 0.0
    pynn.run(10.0)
    with pytest.raises(RuntimeError, match=r"target='lava' runs no chip executions"):
        pynn.get_execution_instance_data()
    with pytest.raises(NotImplementedError, match=r"runs a segment in one run\(\).*call pynn.reset\(\)"):
        pynn.run(10.0)
    with pytest.raises(NotImplementedError, match=r"RunCommand.APPEND"):
        pynn.run(10.0, pynn.RunCommand.APPEND)
