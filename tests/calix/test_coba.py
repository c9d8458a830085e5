"""COBA calibration on the emulated chip: all 512 neurons, and the calibrated
neurons checked as conductance-based with independent MADC measurements
(calix.spiking.verify: single PSPs at several resting potentials through
stadls programs on the connection)."""
import numpy as np
import pytest

import hxcomm

import calix
import calix.spiking as sp
from calix.spiking.coba import REVERSAL_TOLERANCE_LSB, coba_levels, drive_factor
from calix.spiking.verify import summary, verify

#: a spread-out subset: both hemispheres, all quadrants, even and odd columns
CHECKED = tuple(range(3, 512, 67))


def verify_tolerance(rev, nt):
    """Allowed |independent reversal - target| (LSB): the calibration tolerance plus the
    independent measurement's own uncertainty: the MADC has one chip-wide gain error
    (sigma 1 %; the CADC channels were referenced to it only at the median of leak, reset
    and threshold, so it shows up in proportion to the distance from there: 2 % = 2 sigma)
    and a 4-point fit of 1 mV-quantised PSP peaks (~0.5 LSB)."""
    ref_level = np.median([nt.leak, nt.reset, nt.threshold])
    return REVERSAL_TOLERANCE_LSB + 0.5 + 0.02 * np.abs(np.asarray(rev, float) - ref_level)


def pynn_coba_defaults():
    """The defaults of pynn.CalibHXNeuronCoba as a hardware target."""
    return sp.SpikingCalibTarget(neuron_target=sp.NeuronCalibTarget(
        leak=110, reset=100, threshold=160, tau_mem=10e-6, tau_syn=10e-6, membrane_capacitance=63,
        refractory_time=2e-6, e_coba_reversal=[200, 60], i_synin_gm=[180, 250], synapse_dac_bias=400))


def test_pynn_coba_defaults_calibrate_all_neurons_and_behave_as_coba(tmp_path):
    target = pynn_coba_defaults()
    with hxcomm.EmulatorConnection(chip_id=21) as conn:
        result = calix.calibrate(target, cache_paths=[tmp_path], connection=conn, progress=False)
        v = verify(conn, result, CHECKED, quantities=("coba",))
    assert len(list(tmp_path.iterdir())) == 1
    assert result.success.mean() >= 0.98 and result.success[list(CHECKED)].all()
    assert result.neuron("excitatory_input.enable_coba_mode").all()
    assert result.timings["coba"] > 0
    idx = list(CHECKED)
    rest, psp = v["coba_rest"][:, :, idx], v["coba_psp"][:, :, idx]     # (level, receptor, neuron)
    # excitatory: positive PSPs that shrink as the rest approaches e_rev_E = 200
    assert np.all(rest[:, 0] < 200) and np.all(np.diff(rest[:, 0], axis=0) > 10)
    assert np.all(psp[:, 0] > 0) and np.all(np.diff(psp[:, 0], axis=0) < 0)
    assert np.all(psp[0, 0] > 3 * psp[-1, 0])
    # inhibitory: negative PSPs that shrink as the rest approaches e_rev_I = 60 from above
    assert np.all(rest[:, 1] > 60) and np.all(psp[:, 1] < 0) and np.all(np.diff(psp[:, 1], axis=0) > 0)
    # the reversal where the PSP vanishes, measured independently (MADC, single events)
    err = v["coba_reversal"][:, idx] - np.array([[200.0], [60.0]])
    tol = verify_tolerance([[200.0], [60.0]], target.neuron_target)             # 7.3, 6.5 LSB
    assert np.all(np.abs(err) <= tol), err
    s = summary(v, target, idx)
    assert s["coba_reversal_max_error_lsb"] == pytest.approx(np.max(np.abs(err)))


def test_if_cond_exp_defaults_in_model_units():
    m = sp.NeuronModelTarget(v_rest=-65, v_reset=-65, v_thresh=-50, tau_m=20, tau_syn_E=5, tau_syn_I=5,
                             tau_refrac=2, e_rev_E=0, e_rev_I=-70)
    hw = m.to_hardware()
    np.testing.assert_allclose(hw.e_coba_reversal, [235, 60])       # 0 mV inside the reversal cells' reach
    assert hw.leak == 72.5 and hw.threshold == 110 and 30 <= min(hw.i_synin_gm) <= max(hw.i_synin_gm) <= 800
    with hxcomm.EmulatorConnection(chip_id=22) as conn:
        result = calix.calibrate(m, cache_paths=[], connection=conn, progress=False)
        v = verify(conn, result, CHECKED[:4], quantities=("coba",))
    assert result.success.mean() >= 0.98
    e_mv = m.mapping.cadc_to_voltage(v["coba_reversal"][:, list(CHECKED[:4])])
    from chipmodel.transfer import TRANSFERS_BY_NAME
    tol_mv = verify_tolerance([235.0, 60.0], hw) * TRANSFERS_BY_NAME["cadc"].c1 / m.mapping.v_scale
    np.testing.assert_allclose(e_mv[0], 0.0, atol=tol_mv[0])
    np.testing.assert_allclose(e_mv[1], -70.0, atol=tol_mv[1])


def test_reversal_too_close_to_the_reference_is_infeasible_before_running():
    # i_synin_gm = 500 needs |E - V_ref| >= ~56 LSB with the largest COBA conductance
    t = sp.SpikingCalibTarget(neuron_target=sp.NeuronCalibTarget(e_coba_reversal=[150, 60]))
    with pytest.raises(calix.InfeasibleTargetError, match="closer than 56.3 LSB"):
        calix.calibrate(t, cache_paths=[], connection=object())     # never used
    sp.NeuronCalibTarget(e_coba_reversal=[150, 60], i_synin_gm=[200, 300]).check()


def test_measurement_levels_and_drive():
    rev = np.array([np.full(512, 200.0), np.full(512, 60.0)])
    lv = coba_levels(rev)
    assert np.all(lv[0] == 200) and np.all(lv[1] == 60)
    close = coba_levels(np.array([np.full(512, 150.0), np.full(512, 120.0)]))
    assert np.all(close[0] == 150) and np.all(np.abs(close[1] - close[0]) >= 60)
    edge = coba_levels(np.array([np.full(512, 245.0), np.full(512, -35.0)]))
    assert np.all(edge[0] == 235) and np.all(edge[1] == 35)
    # the stronger drive for the reversal: K ~ 1.25, less where the driven membrane would clip
    k = np.full((2, 512), 0.45)
    assert drive_factor(k, rev, lv, 1) == 2
    assert drive_factor(k, edge[:, :].copy() * 0 + np.array([[245.0], [-35.0]]), edge, 1) == 1
    assert drive_factor(k, rev, lv, 40) == 1                       # weight 63 at most
