"""PyNN's STDPMechanism in biological units (pynn_brainscales stdp.py): a pre/post pair protocol
with controlled spike times, additive and multiplicative weight dependence, the weight bounds,
and the errors for what the chip cannot do.

The post neurons are driven to fire by a strong static input; the spike pairs are taken from the
recorded post spikes (the plastic input can advance a post spike that follows it closely).  The
expected change is the spike-pair rule with PyNN's default tau = 20 ms (the correlation
calibration sets the sensors' ramp bias for it), nearest-neighbour pairs: A w_max sum
exp(-|dt| / tau) (additive) or A (w_max - w0) ... (multiplicative); the tolerance covers the
sensors' amplitude mismatch (5 % per synapse) and the calibrated tau and amplitude (a few %
per quadrant), the CADC's rounding and the kernel's
stochastic rounding (2 hardware LSB; the 12 nA drive sets the weight scale, so w_max = 1 nA is
about 19 LSB)."""
import warnings

import numpy as np
import pytest
from pyNN.standardmodels import synapses as pynn_synapses

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import stdp

DTS = [-30.0, -15.0, -5.0, 5.0, 15.0, 30.0]    # post - pre (ms), intended
A = 0.04
# a pair every 100 ms: the next pair's spikes are 70 ms or more away (exp(-70 / 20) = 3 %); 20
# pairs cross the kernel's FLUSH_LSB: the row is read out during the run (its +-2 ms synapses hold
# 64 LSB after ~15 pairs) and at its end, in both runs
PERIOD, PAIRS, W0 = 100.0, 20, 0.5
RUN = PERIOD * PAIRS + 40.0
TAU = 20.0                                       # PyNN's default: the sensors are calibrated to it


def _protocol():
    pynn.setup(units="biological")
    starts = 40.0 + PERIOD * np.arange(PAIRS)
    # post spikes ~ 1 ms after the drive (weight 12 nA): the drive leads by 1 ms
    # one pre, drive and post population per projection (their synapses share rows all the same:
    # one kernel reads them out together)
    groups, drives = [], []
    for dts in (DTS, DTS, [2.0, -2.0]):
        pre = pynn.Population(len(dts), pynn.cells.SpikeSourceArray(spike_times=[list(starts + 10.0)] * len(dts)))
        drive = pynn.Population(len(dts), pynn.cells.SpikeSourceArray(
            spike_times=[list(starts + 10.0 + dt - 1.0) for dt in dts]))
        post = pynn.Population(len(dts), pynn.IF_curr_exp(tau_refrac=2.0, tau_syn_E=2.0))
        post.record("spikes")
        pynn.Projection(drive, post, pynn.OneToOneConnector(), pynn.StaticSynapse(weight=12.0))
        groups.append((pre, post))
        drives.append((drive, dts))
    rule = pynn.SpikePairRule(tau_plus=TAU, tau_minus=TAU, A_plus=A, A_minus=A)
    add = pynn.Projection(*groups[0], pynn.OneToOneConnector(), pynn.STDPMechanism(
        timing_dependence=rule, weight_dependence=pynn.AdditiveWeightDependence(w_min=0.0, w_max=1.0), weight=W0))
    mul = pynn.Projection(*groups[1], pynn.OneToOneConnector(), pynn.STDPMechanism(
        timing_dependence=rule, weight_dependence=pynn.MultiplicativeWeightDependence(w_min=0.0, w_max=1.0),
        weight=W0))
    # bounds: a strong rule on one causal and one acausal pair
    strong = pynn.SpikePairRule(tau_plus=TAU, tau_minus=TAU, A_plus=1.0, A_minus=1.0)
    bounds = pynn.Projection(*groups[2], pynn.OneToOneConnector(), pynn.STDPMechanism(
        timing_dependence=strong, weight_dependence=pynn.AdditiveWeightDependence(w_min=0.2, w_max=0.9), weight=W0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pynn.run(RUN)
    k = stdp.hardware_lsb_per_unit(add, pynn.simulator.state.bio_scale)[0]
    first = {name: prj.get("weight", format="list", with_address=False)
             for name, prj in (("add", add), ("mul", mul), ("bounds", bounds))}
    try:
        add.get_data("weights")
        get_data_error = ""
    except RuntimeError as err:
        get_data_error = str(err)
    # a second run continues from the learned weights (the same protocol again)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for pre, _ in groups:
            pre.set(spike_times=[list(starts + 10.0 + RUN)] * pre.size)
        for drive, dts in drives:
            drive.set(spike_times=[list(starts + 10.0 + dt - 1.0 + RUN) for dt in dts])
        pynn.run(RUN)
    second = {name: prj.get("weight", format="list", with_address=False) for name, prj in (("add", add), ("mul", mul))}
    trains = [np.asarray(t, float) for _, post in groups for t in post.get_data("spikes").segments[0].spiketrains]
    out = {"pre": (starts + 10.0).tolist(), "post": [tr[tr < RUN].tolist() for tr in trains],
           "post_second_run": [(tr[tr >= RUN] - RUN).tolist() for tr in trains],      # in the run's time
           "add": first["add"], "add_second_run": second["add"], "mul_second_run": second["mul"],
           "get_data_error": get_data_error, "mul": first["mul"], "bounds": first["bounds"],
           # one hardware weight LSB in nA (the 12 nA drive sets the scale), the realised start weight
           "lsb": float(1.0 / k.min()), "w0": (np.rint(W0 * k) / k).tolist()}
    pynn.end()
    return out


def _poisson():
    """PyNN's scenario 3 in small: Poisson inputs at 5 and 40 Hz onto IF_cond_exp neurons through
    additive STDP (PyNN's default tau 20 ms, as the scenario), with the spikes recorded."""
    from pyNN.random import NumpyRNG, RandomDistribution
    pynn.setup(units="biological", rng_seed=3)
    w_max = 0.006
    pre = pynn.Population(40, pynn.cells.SpikeSourcePoisson(duration=4000.0))
    pre[:20].set(rate=5.0)
    pre[20:].set(rate=40.0)
    post = pynn.Population(4, pynn.IF_cond_exp(tau_m=20.0, v_rest=-70.0, v_thresh=-54.0, v_reset=-60.0,
                                               tau_syn_E=5.0, e_rev_E=0.0))
    prj = pynn.Projection(pre, post, pynn.AllToAllConnector(), pynn.STDPMechanism(
        timing_dependence=pynn.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01),
        weight_dependence=pynn.AdditiveWeightDependence(w_min=0.0, w_max=w_max)), receptor_type="excitatory")
    prj.set(weight=RandomDistribution("uniform", low=0.3 * w_max, high=0.9 * w_max, rng=NumpyRNG(seed=4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pynn.run(10.0)                  # the calibration and the realised start weights
        w0 = prj.get("weight", format="array")
        pre.record("spikes")
        post.record("spikes")
        pynn.run(4000.0)
    seg_pre = pre.get_data("spikes").segments[0].spiketrains
    seg_post = post.get_data("spikes").segments[0].spiketrains
    out = {"w0": w0.tolist(), "w1": prj.get("weight", format="array").tolist(), "w_max": w_max,
           "lsb": float(1.0 / stdp.hardware_lsb_per_unit(prj, pynn.simulator.state.bio_scale)[0].min()),
           "pre": [np.asarray(t, float).tolist() for t in seg_pre],
           "post": [np.asarray(t, float).tolist() for t in seg_post]}
    pynn.end()
    return out


@pytest.fixture(scope="module")
def protocol():
    return _protocol()


@pytest.fixture(scope="module")
def poisson():
    return _poisson()


def _pair_sums(pre, post, tau=TAU):
    """Nearest-neighbour pair sums (causal, acausal) of exp(-|dt| / tau), as the sensors pair:
    each post spike with the last pre spike before it, each pre spike with the last post spike."""
    pre, post = np.asarray(pre, float), np.asarray(post, float)
    i = np.searchsorted(pre, post) - 1                  # last pre strictly before each post (ties: none)
    causal = np.exp(-(post[i >= 0] - pre[i[i >= 0]]) / tau).sum()
    k = np.searchsorted(post, pre) - 1
    acausal = np.exp(-(pre[k >= 0] - post[k[k >= 0]]) / tau).sum()
    return float(causal), float(acausal)


def _rule(pre, post, w, multiplicative, tau=TAU):
    """The weight after PyNN's spike-pair rule (w_min = 0, w_max = 1, A_plus = A_minus = A) on
    nearest-neighbour pairs, pair by pair in time order with the weight at each pair (the
    multiplicative change shrinks as the weight nears a bound: exponentially)."""
    events = sorted([(t, 0) for t in pre] + [(t, 1) for t in post])
    last = [None, None]                                 # last pre, last post
    for t, kind in events:
        partner = last[1 - kind]
        if partner is not None:
            e = np.exp(-(t - partner) / tau)
            if kind == 1:                               # post after pre: potentiation
                w += A * (1.0 - w if multiplicative else 1.0) * e
            else:
                w -= A * (w if multiplicative else 1.0) * e
            w = min(max(w, 0.0), 1.0)
        last[kind] = t
    return w


def test_every_post_neuron_fires_once_per_pair(protocol):
    assert [len(t) for t in protocol["post"][:2 * len(DTS)]] == [PAIRS] * (2 * len(DTS))
    assert [len(t) for t in protocol["post_second_run"][:2 * len(DTS)]] == [PAIRS] * (2 * len(DTS))


def test_pre_before_post_potentiates_post_before_pre_depresses_smaller_for_larger_dt(protocol):
    for name in ("add", "mul"):
        dw = np.asarray(protocol[name]) - protocol["w0"]
        assert np.all(dw[:3] < 0) and np.all(dw[3:] > 0), name
        assert np.all(np.diff(dw[:3]) < 0) and np.all(np.diff(dw[3:]) < 0), name


def _check_rule(protocol, w_before, w_after, post, what):
    n = len(DTS)
    for name in ("add", "mul"):
        for i in range(n):
            j = i if name == "add" else n + i
            expected = _rule(protocol["pre"], post[j], w_before[name][i], name == "mul") - w_before[name][i]
            got = w_after[name][i] - w_before[name][i]
            if 1e-9 < w_after[name][i] < 1.0 - protocol["lsb"]:       # not clipped at a bound
                assert got == pytest.approx(expected, abs=0.05 * abs(expected) + 2 * protocol["lsb"]), \
                    (what, name, DTS[i], got / protocol["lsb"], expected / protocol["lsb"])


def test_the_changes_follow_the_spike_pair_rule_with_the_sensors_time_constant(protocol):
    w0 = {"add": protocol["w0"], "mul": protocol["w0"]}
    _check_rule(protocol, w0, protocol, protocol["post"], "first run")


def test_multiplicative_changes_are_the_additive_ones_scaled_by_the_distance_to_the_bounds(protocol):
    add = np.asarray(protocol["add"]) - protocol["w0"]
    mul = np.asarray(protocol["mul"]) - protocol["w0"]
    # the changes of at least 5 hardware LSB (one LSB ~ 1/19 of w_max here), not clipped
    big = (np.abs(add) > 5 * protocol["lsb"]) & (np.asarray(protocol["add"]) > 1e-9)
    assert big.sum() >= 2
    # w0 ~ 0.5 between w_min = 0 and w_max = 1: half the additive change either way
    np.testing.assert_allclose(mul[big] / add[big], 0.5, atol=0.15)


def test_a_second_run_continues_from_the_learned_weights(protocol):
    first = np.asarray(protocol["add"]) - protocol["w0"]
    second = np.asarray(protocol["add_second_run"]) - protocol["w0"]
    after = np.asarray(protocol["add_second_run"])
    lsb = protocol["lsb"]
    inside = (np.asarray(protocol["add"]) > lsb) & (after > lsb) & (after < 1.0 - 2 * lsb)     # not at a bound
    assert inside.sum() >= 2
    # the same pairs again: about twice the change
    np.testing.assert_allclose(second[inside], 2 * first[inside], atol=3 * protocol["lsb"])


def test_a_second_run_follows_the_rule_as_the_first(protocol):
    """The kernel's per-run state (its call count, the sensors' baseline) starts afresh in a
    continued run: the second run's changes follow the rule on its spikes from the learned
    weights, with the mid-run readout as in the first (not a readout, and a CADC rounding, per
    pair)."""
    before = {"add": protocol["add"], "mul": protocol["mul"]}
    after = {"add": protocol["add_second_run"], "mul": protocol["mul_second_run"]}
    _check_rule(protocol, before, after, protocol["post_second_run"], "second run")


def test_learned_weights_come_back_through_get_and_get_data_says_so(protocol):
    # get("weight") gave "add" (model nA) after the run; get_data has no observables to give
    assert all(isinstance(w, float) for w in protocol["add"])
    assert "get('weight')" in protocol["get_data_error"]


def test_weights_stay_within_w_min_and_w_max(protocol):
    # the strong rule drives them to the bounds, the kernel clips there (w_max = 0.9 maps to
    # floor(k * 0.9) hardware LSB, w_min to ceil(k * 0.2))
    potentiated, depressed = protocol["bounds"]
    assert 0.9 - protocol["lsb"] <= potentiated <= 0.9
    assert 0.2 <= depressed <= 0.2 + protocol["lsb"]
    for name in ("add", "mul"):
        assert np.all(np.asarray(protocol[name]) >= 0.0) and np.all(np.asarray(protocol[name]) <= 1.0)


def test_poisson_inputs_learn_as_the_nearest_neighbour_spike_pair_rule_on_the_recorded_spikes(poisson):
    """The learned weights of a small scenario 3 against the additive spike-pair rule with
    nearest-neighbour pairs (tau 20 ms) on the recorded spikes."""
    w0, w1 = np.asarray(poisson["w0"]), np.asarray(poisson["w1"])
    w_max, lsb = poisson["w_max"], poisson["lsb"]
    assert sum(len(t) for t in poisson["post"]) > 40            # the neurons fire
    expected = np.zeros_like(w0)
    for i, p in enumerate(poisson["pre"]):
        for j, q in enumerate(poisson["post"]):
            c, a = _pair_sums(p, q, tau=20.0)
            expected[i, j] = w0[i, j] + 0.01 * w_max * (c - a)
    inside = (expected > 0) & (expected < w_max)                  # never clipped in the reference
    assert inside.mean() > 0.8
    change, want = (w1 - w0)[inside], (expected - w0)[inside]
    assert np.std(want) > 2 * lsb                                 # the rule moved the weights
    assert np.corrcoef(change, want)[0, 1] > 0.8
    assert abs(np.mean(change - want)) < 0.5 * lsb                # no bias
    assert np.sqrt(np.mean((change - want) ** 2)) < 1.5 * lsb
    assert np.all((w1 >= 0) & (w1 <= w_max * (1 + 1e-9)))


# -- what is refused ----------------------------------------------------------------------------

def test_unsupported_dependences_raise_naming_the_type():
    pynn.setup(units="biological")
    try:
        with pytest.raises(NotImplementedError, match="Vogels2011Rule"):
            pynn.STDPMechanism(timing_dependence=pynn_synapses.Vogels2011Rule(),
                               weight_dependence=pynn.AdditiveWeightDependence())
        with pytest.raises(NotImplementedError, match="GutigWeightDependence"):
            pynn.STDPMechanism(timing_dependence=pynn.SpikePairRule(),
                               weight_dependence=pynn_synapses.GutigWeightDependence())
    finally:
        pynn.end()


def test_stdp_needs_biological_units():
    pynn.setup()
    try:
        src = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[1.0]))
        nrn = pynn.Population(1, pynn.cells.HXNeuron())
        with pytest.raises(NotImplementedError, match="biological units"):
            pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.STDPMechanism(
                timing_dependence=pynn.SpikePairRule(), weight_dependence=pynn.AdditiveWeightDependence(),
                weight=1.0))
    finally:
        pynn.end()


@pytest.mark.parametrize("taus, match", [
    ((40.0, 40.0), r"tau = 40 ms cannot be realised.*2\.\.30 ms.*nearest"),
    ((1.0, 1.0), r"tau = 1 ms cannot be realised.*2\.\.30 ms.*nearest"),
    ((20.0, 10.0), r"tau_plus = 20 ms and tau_minus = 10 ms differ.*share one time constant.*nearest")])
def test_time_constants_the_sensors_cannot_have_raise_unless_nearest_is_asked_for(taus, match):
    pynn.setup(units="biological")
    try:
        src = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[1.0]))
        nrn = pynn.Population(1, pynn.IF_curr_exp())
        pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.STDPMechanism(
            timing_dependence=pynn.SpikePairRule(tau_plus=taus[0], tau_minus=taus[1]),
            weight_dependence=pynn.AdditiveWeightDependence(w_min=0.0, w_max=1.0), weight=0.5))
        with pytest.raises(ValueError, match=match):
            pynn.run(10.0)
    finally:
        pynn.end()


def test_nearest_realises_the_closest_feasible_mean_with_a_warning():
    with pytest.warns(stdp.STDPWarning, match="realised as 30 ms"):
        assert stdp.sensor_time_constant(40.0, 40.0, 1000.0, "nearest", "prj") == 30.0
    with pytest.warns(stdp.STDPWarning, match="realised as 15 ms"):
        assert stdp.sensor_time_constant(20.0, 10.0, 1000.0, "nearest", "prj") == 15.0
    assert stdp.sensor_target([], 1000.0, "reject") is None
