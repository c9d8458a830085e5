"""PyNN's STDPMechanism in biological units (pynn_brainscales stdp.py): a pre/post pair protocol
with controlled spike times, additive and multiplicative weight dependence, the weight bounds,
and the errors for what the chip cannot do.

The post neurons are driven to fire by a strong static input; the spike pairs are taken from the
recorded post spikes (the plastic input can advance a post spike that follows it closely).  The
expected change is the spike-pair rule with the realised sensor time constant, nearest-neighbour
pairs: A w_max sum exp(-|dt| / tau) (additive) or A (w_max - w0) ... (multiplicative); the
tolerance covers the sensors' amplitude mismatch (5 %), the CADC's rounding and the kernel's
stochastic rounding (2 hardware LSB; the 12 nA drive sets the weight scale, so w_max = 1 nA is
about 19 LSB)."""
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from pyNN.standardmodels import synapses as pynn_synapses

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import stdp

DTS = [-12.0, -6.0, -2.0, 2.0, 6.0, 12.0]      # post - pre (ms), intended
A = 0.06
PERIOD, PAIRS, W0 = 50.0, 16, 0.5
TAU = 5.5                                        # one of the sensors' time constants: no rounding


def _protocol():
    pynn.setup(units="biological")
    starts = 20.0 + PERIOD * np.arange(PAIRS)
    # post spikes ~ 1 ms after the drive (weight 12 nA): the drive leads by 1 ms
    # one pre, drive and post population per projection (their synapses share rows all the same:
    # one kernel reads them out together)
    groups = []
    for dts in (DTS, DTS, [2.0, -2.0]):
        pre = pynn.Population(len(dts), pynn.cells.SpikeSourceArray(spike_times=[list(starts + 10.0)] * len(dts)))
        drive = pynn.Population(len(dts), pynn.cells.SpikeSourceArray(
            spike_times=[list(starts + 10.0 + dt - 1.0) for dt in dts]))
        post = pynn.Population(len(dts), pynn.IF_curr_exp(tau_refrac=2.0, tau_syn_E=2.0))
        post.record("spikes")
        pynn.Projection(drive, post, pynn.OneToOneConnector(), pynn.StaticSynapse(weight=12.0))
        groups.append((pre, post))
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
        pynn.run(PERIOD * PAIRS + 20.0)
    k = stdp.hardware_lsb_per_unit(add, pynn.simulator.state.bio_scale)[0]
    trains = [np.asarray(t, float).tolist() for _, post in groups
              for t in post.get_data("spikes").segments[0].spiketrains]
    out = {"pre": (starts + 10.0).tolist(), "post": trains,
           "add": add.get("weight", format="list", with_address=False),
           "mul": mul.get("weight", format="list", with_address=False),
           "bounds": bounds.get("weight", format="list", with_address=False),
           # one hardware weight LSB in nA (the 12 nA drive sets the scale), the realised start weight
           "lsb": float(1.0 / k.min()), "w0": (np.rint(W0 * k) / k).tolist()}
    pynn.end()
    return out


@pytest.fixture(scope="module")
def protocol():
    """The protocol in a fresh interpreter (docs/ppu.md, "Known open point": calibrated
    correlation experiments can depend on what ran before them in the same process)."""
    out = subprocess.run([sys.executable, __file__], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.splitlines()[-1])


def _pair_sums(pre, post):
    """Nearest-neighbour pair sums (causal, acausal) of exp(-|dt| / TAU), as the sensors pair."""
    pre, post = np.asarray(pre), np.asarray(post)
    causal = sum(np.exp(-(t - pre[pre < t].max()) / TAU) for t in post if np.any(pre < t))
    acausal = sum(np.exp(-(t - post[post < t].max()) / TAU) for t in pre if np.any(post < t))
    return float(causal), float(acausal)


def test_every_post_neuron_fires_once_per_pair(protocol):
    assert [len(t) for t in protocol["post"][:2 * len(DTS)]] == [PAIRS] * (2 * len(DTS))


def test_pre_before_post_potentiates_post_before_pre_depresses_smaller_for_larger_dt(protocol):
    dw = np.asarray(protocol["add"]) - protocol["w0"]
    assert np.all(dw[:3] < 0) and np.all(dw[3:] > 0)
    assert np.all(np.diff(dw[:3]) < 0) and np.all(np.diff(dw[3:]) < 0)


def test_the_changes_follow_the_spike_pair_rule_with_the_sensors_time_constant(protocol):
    n = len(DTS)
    w0 = protocol["w0"]
    for name in ("add", "mul"):
        for i in range(n):
            c, a = _pair_sums(protocol["pre"], protocol["post"][i if name == "add" else n + i])
            if name == "add":
                expected = A * (c - a)
            else:                                   # multiplicative: A (w_max - w) K+ - A (w - w_min) K-
                expected = A * ((1.0 - w0[i]) * c - w0[i] * a)
            got = protocol[name][i] - w0[i]
            if protocol[name][i] > 1e-9:                              # not clipped at w_min
                assert got == pytest.approx(expected, abs=0.05 * abs(expected) + 2 * protocol["lsb"]), (name, DTS[i])


def test_multiplicative_changes_are_the_additive_ones_scaled_by_the_distance_to_the_bounds(protocol):
    add = np.asarray(protocol["add"]) - protocol["w0"]
    mul = np.asarray(protocol["mul"]) - protocol["w0"]
    # the changes of at least 5 hardware LSB (one LSB ~ 1/19 of w_max here), not clipped
    big = (np.abs(add) > 5 * protocol["lsb"]) & (np.asarray(protocol["add"]) > 1e-9)
    assert big.sum() >= 2
    # w0 ~ 0.5 between w_min = 0 and w_max = 1: half the additive change either way
    np.testing.assert_allclose(mul[big] / add[big], 0.5, atol=0.15)


def test_weights_stay_within_w_min_and_w_max(protocol):
    # the strong rule drives them to the bounds, the kernel clips there (w_max = 0.9 maps to
    # floor(k * 0.9) hardware LSB, w_min to ceil(k * 0.2))
    potentiated, depressed = protocol["bounds"]
    assert 0.9 - protocol["lsb"] <= potentiated <= 0.9
    assert 0.2 <= depressed <= 0.2 + protocol["lsb"]
    for name in ("add", "mul"):
        assert np.all(np.asarray(protocol[name]) >= 0.0) and np.all(np.asarray(protocol[name]) <= 1.0)


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


def test_a_time_constant_beyond_the_sensors_raises_unless_nearest_is_asked_for():
    pynn.setup(units="biological")
    try:
        src = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[1.0]))
        nrn = pynn.Population(1, pynn.IF_curr_exp())
        pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.STDPMechanism(
            timing_dependence=pynn.SpikePairRule(tau_plus=20.0, tau_minus=20.0),
            weight_dependence=pynn.AdditiveWeightDependence(w_min=0.0, w_max=1.0), weight=0.5))
        with pytest.raises(ValueError, match=r"tau = 20 ms cannot be realised.*3.5\.\.6.5 ms.*nearest"):
            pynn.run(10.0)
    finally:
        pynn.end()


if __name__ == "__main__":
    print(json.dumps(_protocol()))
