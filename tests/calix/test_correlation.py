"""The correlation calibration (calix.spiking.correlation): the calibrated ramp and store biases
give the target time constant and amplitude, measured independently; cached like every
calibration; infeasible targets are refused before anything runs."""
from __future__ import annotations

import numpy as np
import pytest

import calix
import hxcomm
import stadls
from calix.common.session import ChipSession
from calix.spiking.correlation import (CorrelationCalibOptions, CorrelationCalibResult, CorrelationCalibTarget,
                                       CorrelationMeasurement)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("correlation-cache")


@pytest.fixture(scope="module")
def connection():
    with hxcomm.EmulatorConnection(chip_id=4) as conn:
        yield conn


def _measured(connection, result, tau):
    """(amplitude, tau) per quadrant and branch with the result applied (a fresh session)."""
    session = ChipSession(connection, result.to_chip())
    session.init()
    m = CorrelationMeasurement(tau * np.array([0.2, 0.5, 1.0, -0.2, -0.5, -1.0]), 40)
    m.prelude(session)
    return m.measure(session)


@pytest.mark.parametrize("tau", [5.0, 20.0])
def test_calibrated_time_constant_and_amplitude_hit_the_target(connection, tau, cache):
    target = CorrelationCalibTarget(amplitude=1.0, time_constant=tau)
    result = calix.calibrate(target, cache_paths=[cache], connection=connection)
    assert isinstance(result, CorrelationCalibResult) and not result.failures
    amps, taus = _measured(connection, result, tau)
    assert taus == pytest.approx(np.full((4, 2), tau), rel=0.06)
    assert amps == pytest.approx(np.full((4, 2), 1.0), rel=0.06)
    if tau == 20.0:
        assert np.all(result.i_bias_ramp < 30)           # long time constants: small ramp currents
        # cached: the same result from the file, nothing measured
        again = calix.calibrate(target, cache_paths=[cache], connection=connection)
        assert again == result and list(cache.glob("correlation-*.npz"))


def test_result_applies_through_a_builder(connection, cache):
    result = calix.calibrate(CorrelationCalibTarget(amplitude=1.0, time_constant=5.0), cache_paths=[cache],
                             connection=connection)
    b = stadls.PlaybackProgramBuilder()
    result.apply(b)                 # writes the CADC readout chains with their biases
    assert b.done().size_to_fpga() > 0


@pytest.mark.parametrize("kw", [dict(time_constant=1.0), dict(time_constant=40.0), dict(amplitude=0.1),
                                dict(amplitude=6.0)])
def test_infeasible_targets_are_refused(connection, kw):
    with pytest.raises(calix.InfeasibleTargetError):
        calix.calibrate(CorrelationCalibTarget(**kw), cache_paths=[], connection=connection)


def test_options_are_checked(connection):
    with pytest.raises(ValueError, match="default_time_calib"):
        calix.calibrate(CorrelationCalibTarget(), CorrelationCalibOptions(default_time_calib=4), cache_paths=[],
                        connection=connection)
    with pytest.raises(calix.CalibNotSupported, match="calibrate_synapses"):
        calix.calibrate(CorrelationCalibTarget(), CorrelationCalibOptions(calibrate_synapses=True), cache_paths=[],
                        connection=connection)
