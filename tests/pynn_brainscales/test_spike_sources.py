"""Host renewal spike sources: SpikeSourceGamma and SpikeSourcePoissonRefractory (PyNN's parameters
and semantics, frozen per seed, independent of how time is split into runs)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.standardmodels.cells import SpikeSourceGamma, SpikeSourcePoissonRefractory


@pytest.fixture(autouse=True)
def session():
    pynn.setup(units="biological")
    yield
    pynn.end()


def _gamma_params(size=2):
    return {"alpha": np.array([3.0, 1.0])[:size], "beta": np.array([300.0, 50.0])[:size],
            "start": np.full(size, 5.0), "duration": np.full(size, 4000.0)}


def _refractory_params(size=2):
    return {"rate": np.array([80.0, 20.0])[:size], "tau_refrac": np.array([4.0, 0.0])[:size],
            "start": np.full(size, 0.0), "duration": np.full(size, 1e10)}


@settings(max_examples=40, deadline=None)
@given(cls=st.sampled_from([SpikeSourceGamma, SpikeSourcePoissonRefractory]),
       cuts=st.lists(st.floats(0.0, 3000.0), min_size=1, max_size=6))
def test_trains_do_not_depend_on_how_time_is_split(cls, cuts):
    params = _gamma_params() if cls is SpikeSourceGamma else _refractory_params()
    bounds = [0.0] + sorted(cuts) + [3000.0]
    whole = cls.trains(params, 2, 0.0, 3000.0, (7, 1), 1000.0)
    pieces = [cls.trains(params, 2, a, b, (7, 1), 1000.0) for a, b in zip(bounds[:-1], bounds[1:])]
    for i in range(2):
        assert np.array_equal(np.concatenate([p[i] for p in pieces]), whole[i])
    assert all(len(w) > 10 for w in whole)


def test_gamma_intervals_follow_shape_and_rate():
    params = {"alpha": np.array([4.0, 1.0]), "beta": np.array([400.0, 100.0]),
              "start": np.zeros(2), "duration": np.full(2, 1e10)}
    trains = SpikeSourceGamma.trains(params, 2, 0.0, 100_000.0, (3, 0), 1000.0)
    for train, alpha, beta in zip(trains, params["alpha"], params["beta"]):
        isi = np.diff(train)
        assert abs(isi.mean() / (1000.0 * alpha / beta) - 1) < 0.03          # mean interval alpha / beta
        assert abs(isi.std() / isi.mean() * np.sqrt(alpha) - 1) < 0.05       # CV = 1 / sqrt(alpha)
    assert np.all(trains[0] > 0) and np.all(np.diff(trains[0]) > 0)


def test_poisson_refractory_keeps_the_dead_time_and_the_mean_rate():
    params = {"rate": np.array([100.0]), "tau_refrac": np.array([5.0]), "start": np.array([10.0]),
              "duration": np.array([1e10])}
    (train,) = SpikeSourcePoissonRefractory.trains(params, 1, 0.0, 200_000.0, (3, 0), 1000.0)
    isi = np.diff(train)
    assert isi.min() >= 5.0 and isi.min() < 5.1            # never within the dead time, often just after it
    assert abs(len(train) / 200.0 / 100.0 - 1) < 0.03       # 100 spikes per second, the dead time included
    assert abs((isi - 5.0).std() / (isi - 5.0).mean() - 1) < 0.05    # exponential beyond the dead time
    assert train[0] > 10.0


def test_sources_record_and_drive_neurons_frozen_per_seed():
    def run(seed, split):
        pynn.setup(units="biological", rng_seed=seed)
        gamma = pynn.Population(2, pynn.SpikeSourceGamma(alpha=2, beta=400.0, start=20.0, duration=150.0))
        refr = pynn.Population(2, pynn.SpikeSourcePoissonRefractory(rate=150.0, tau_refrac=3.0))
        cells = pynn.Population(2, pynn.IF_curr_exp())
        for src in (gamma, refr):
            src.record("spikes")
            pynn.Projection(src, cells, pynn.OneToOneConnector(), pynn.StaticSynapse(weight=2.0))
        cells.record("spikes")
        for t in split:
            pynn.run(t)
        trains = [np.asarray(s) for p in (gamma, refr, cells) for s in p.get_data().segments[0].spiketrains]
        pynn.end()
        return trains

    a = run(11, [200.0])
    b = run(11, [73.0, 127.0])
    c = run(12, [200.0])
    assert all(np.array_equal(x, y) for x, y in zip(a[:4], b[:4]))   # the same input spikes however split
    assert not np.array_equal(a[0], c[0])                            # another seed, other spikes
    assert a[0].min() > 20.0 and a[0].max() < 170.0                  # within start .. start + duration
    assert all(len(x) > 5 for x in a)                                # the inputs make the cells fire


@pytest.mark.parametrize("cell, params, match", [
    (SpikeSourceGamma, dict(alpha=0.0), "alpha = 0: the shape must be finite and > 0"),
    (SpikeSourceGamma, dict(beta=-1.0), "beta = -1: the rate parameter must be finite and >= 0 Hz"),
    (SpikeSourceGamma, dict(start=float("nan")), "start = nan"),
    (SpikeSourcePoissonRefractory, dict(rate=float("inf")), "rate = inf: must be finite and >= 0 Hz"),
    (SpikeSourcePoissonRefractory, dict(tau_refrac=-1.0), "tau_refrac = -1: must be finite and >= 0 ms"),
    (SpikeSourcePoissonRefractory, dict(rate=100.0, tau_refrac=10.0), "tau_refrac = 10 ms must be below the mean "
                                                                      "interval 1000 / rate = 10 ms"),
    (SpikeSourcePoissonRefractory, dict(duration=-2.0), "duration = -2: duration must be >= 0"),
])
def test_bad_parameters(cell, params, match):
    with pytest.raises(ValueError, match=match):
        pynn.Population(1, cell(**params))


def test_dead_time_set_beyond_the_rate_is_refused_at_run():
    src = pynn.Population(1, pynn.SpikeSourcePoissonRefractory(rate=50.0, tau_refrac=5.0))
    src.set(rate=400.0)
    with pytest.raises(ValueError, match="tau_refrac = 5 ms must be below the mean interval 1000 / rate = 2.5 ms"):
        pynn.run(10.0)


def test_each_recorded_train_holds_its_own_times():
    """As neo's constructor makes them: ``train.base`` is the neuron's times only (the tutorial
    ts_09 reads spike times through it), and each train has its own annotations and bounds."""
    pynn.setup()
    times = [[0.1, 0.3], [0.2], []]
    src = pynn.Population(3, pynn.cells.SpikeSourceArray(spike_times=times))
    src.record("spikes")
    pynn.run(0.5)
    trains = src.get_data("spikes").segments[0].spiketrains
    pynn.end()
    for k, train in enumerate(trains):
        np.testing.assert_allclose(np.asarray(train.base, float), times[k], atol=1e-4)
        np.testing.assert_allclose(np.asarray(train.magnitude, float), times[k], atol=1e-4)
        assert train.annotations["source_index"] == k
        assert float(train.t_start) == 0.0 and float(train.t_stop) == 0.5
