"""Search algorithms on synthetic monotone and noisy responses (no chip)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from calix.common import algorithms as alg
from calix.common.base import Calib
from calix.common.exceptions import AlgorithmError

N = 64


def linear_response(seed, noise=0.0, inverted=False):
    """result = offset + slope * p (+ noise), per-instance offset/slope."""
    rng = np.random.default_rng(seed)
    offset = rng.uniform(-50, 50, N)
    slope = rng.uniform(0.1, 0.3, N) * (-1 if inverted else 1)
    noise_rng = np.random.default_rng(seed + 1)

    def f(p):
        return offset + slope * p + noise_rng.normal(0, noise, N) if noise else offset + slope * p
    return f, offset, slope


def nonlinear_response(seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 1.5, N)
    b = rng.uniform(-20, 20, N)
    return lambda p: 200 * np.sqrt(a * np.asarray(p, float) / 1022) + b


def ideal_params(f, target, lo=0, hi=1022):
    grid = np.arange(lo, hi + 1)
    res = np.array([f(np.full(N, g)) for g in grid])            # (grid, N)
    return grid[np.argmin(np.abs(res - target), axis=0)], res


@pytest.mark.parametrize("algorithm", [alg.BinarySearch(), alg.NoisyBinarySearch(),
                                       alg.NoisyBinarySearch(noise_amplitude=0)])
@pytest.mark.parametrize("inverted", [False, True])
def test_binary_search_finds_optimum_on_monotone(algorithm, inverted):
    f, *_ = linear_response(3, inverted=inverted)
    target = 60.0 if not inverted else -100.0
    calib = alg.FunctionCalibration(f, N, inverted=inverted)
    params = algorithm.run(calib, None, target)
    best, _ = ideal_params(f, target)
    dev = np.abs(f(params) - target)
    dev_best = np.abs(f(best) - target)
    assert np.all(dev <= dev_best + 1e-9)
    assert calib.calls <= 12
    np.testing.assert_allclose(algorithm.results, f(params))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), target=st.floats(20, 160))
def test_binary_search_nonlinear_monotone(seed, target):
    f = nonlinear_response(seed)
    calib = alg.FunctionCalibration(f, N)
    params = alg.BinarySearch().run(calib, None, target)
    best, res = ideal_params(f, target)
    assert np.all(np.abs(f(params) - target) <= np.abs(f(best) - target) + 1e-9)


def test_binary_search_noisy_stays_close():
    f, offset, slope = linear_response(5, noise=1.0)
    calib = alg.FunctionCalibration(f, N)
    target = 80.0
    params = alg.NoisyBinarySearch(noise_amplitude=5).run(calib, None, target)
    true = offset + slope * params
    reachable = (offset < target) & (offset + slope * 1022 > target)
    assert reachable.sum() > N // 2
    assert np.median(np.abs(true - target)[reachable]) < 1.0
    assert np.max(np.abs(true - target)[reachable]) < 4.0


def test_binary_search_per_instance_ranges_and_steps():
    f, *_ = linear_response(1)
    calib = alg.FunctionCalibration(f, N, parameter_range=(np.full(N, 200), np.full(N, 300)))
    a = alg.BinarySearch(n_steps=3)
    params = a.run(calib, None, 50.0)
    assert a.n_measurements == 3
    assert np.all((params >= 200) & (params <= 300))


def test_unreachable_target_ends_at_range_boundary():
    f, *_ = linear_response(2)
    params = alg.BinarySearch().run(alg.FunctionCalibration(f, N), None, 1e6)
    assert np.all(params == 1022)
    params = alg.BinarySearch().run(alg.FunctionCalibration(f, N), None, -1e6)
    assert np.all(params == 0)


@pytest.mark.parametrize("start", [0, 500, 1022])
@pytest.mark.parametrize("step", [1, 7])
def test_linear_search(start, step):
    f, *_ = linear_response(4)
    target = 60.0
    a = alg.LinearSearch(initial_parameters=start, step_size=step, max_steps=1022 // step + 2)
    params = a.run(alg.FunctionCalibration(f, N), None, target)
    best, _ = ideal_params(f, target)
    # within one step of the optimum: the deviation is at most |slope| * step
    assert np.all(np.abs(f(params) - target) <= np.abs(f(best) - target) + 0.3 * step + 1e-9)


def test_linear_search_inverted_and_max_steps():
    f, *_ = linear_response(4, inverted=True)
    a = alg.LinearSearch(initial_parameters=500, step_size=1, max_steps=5)
    params = a.run(alg.FunctionCalibration(f, N, inverted=True), None, -1000.0)
    assert a.n_measurements == 6
    assert np.all(np.abs(params - 500) <= 5)


def test_polynomial_and_linear_prediction_exact_on_linear_response():
    f, offset, slope = linear_response(6)
    # shared slope, per-instance offsets: a linear prediction through the probe is exact
    g = lambda p: offset + 0.2 * p  # noqa: E731
    target = 70.0
    p = alg.LinearPrediction(probe_parameters=400, offset=0.0, slope=1 / 0.2).run(
        alg.FunctionCalibration(g, N), None, target)
    np.testing.assert_allclose(g(p), target, atol=0.2 / 2 + 1e-9)
    params = np.tile(np.arange(0, 1023, 50), (N, 1)).T
    results = 0.2 * params  # model data of a typical instance (no offset)
    pred = alg.PolynomialPrediction.from_data(params, results, degree=1)
    p2 = pred.run(alg.FunctionCalibration(g, N), None, target)
    np.testing.assert_allclose(g(p2), target, atol=0.2)


def test_polynomial_prediction_errors():
    with pytest.raises(AlgorithmError):
        alg.PolynomialPrediction.from_data([1, 2], [1, 2], degree=3)
    with pytest.raises(AlgorithmError):
        alg.PolynomialPrediction.from_data([1, 2, 3], [1, 2], degree=1)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), target=st.floats(30, 150))
def test_secant_search_few_probes(seed, target):
    f = nonlinear_response(seed)
    # a rough model: the nominal curve (a = 1, b = 0)
    model_inv = lambda y: 1022 * (y / 200) ** 2  # noqa: E731
    slope = lambda p: 100 / np.sqrt(1022 * np.maximum(p, 1))  # noqa: E731
    a = alg.SecantSearch(slope=slope, initial_parameters=model_inv(target), max_steps=6)
    params = a.run(alg.FunctionCalibration(f, N), None, target)
    best, _ = ideal_params(f, target)
    reachable = (best > 0) & (best < 1022)
    err, err_best = np.abs(f(params) - target), np.abs(f(best) - target)
    assert np.all(err[reachable] <= err_best[reachable] + 1.0)
    assert a.n_measurements <= 6


def test_bad_inputs():
    f, *_ = linear_response(0)
    with pytest.raises(AlgorithmError):
        alg.BinarySearch().run(alg.FunctionCalibration(f, N, parameter_range=(10, 5)), None, 0)
    with pytest.raises(AlgorithmError):
        alg.BinarySearch().run(alg.FunctionCalibration(lambda p: np.zeros(3), N), None, 0)
    with pytest.raises(AlgorithmError):
        alg.BinarySearch().run(alg.FunctionCalibration(f, N), None, np.zeros(5))
    with pytest.raises(AlgorithmError):
        alg.LinearSearch(step_size=0)
    with pytest.raises(AlgorithmError):
        alg.BinarySearch(n_steps_best=0)


class _Synthetic(Calib):
    """A Calib whose chip is a function (configure stores, measure evaluates)."""

    def __init__(self, f, **kw):
        super().__init__((0, 1022), N, **kw)
        self.f = f

    def configure_parameters(self, builder, parameters):
        self._p = parameters

    def measure_results(self, connection, builder):
        return self.f(self._p)


def test_calib_run_marks_boundary_failures_with_reasons():
    f, offset, slope = linear_response(9)
    target = np.full(N, 60.0)
    target[:3] = 1e4   # unreachable upwards
    target[3:5] = -1e4  # unreachable downwards
    c = _Synthetic(f, errors=("too high even at 0", "too low even at 1022"), tolerance=1.0)
    res = c.run(None, alg.BinarySearch(), target)
    assert not res.success[:5].any() and res.success[5:].all()
    assert res.failures["too low even at 1022"].tolist() == [0, 1, 2]
    assert res.failures["too high even at 0"].tolist() == [3, 4]
