"""Synaptic strengths over the whole feasible range: the tau_syn and synin drives
are sized per receptor, so a strong receptor's PSP is not clipped by the CADC
and a weak receptor's shift stays far above the CADC steps and membrane noise."""
import numpy as np
import pytest

import hxcomm

import calix
import calix.spiking as sp
from calix.spiking import setup as S
from calix.spiking.calibrate import (TAU_SYN_MAX_EVENTS, TAU_SYN_PSP_MV, TAU_SYN_REST_LSB, SYNIN_SHIFT_LSB,
                                     synin_drive, tau_syn_drive)
from calix.spiking.verify import summary, verify

SUBSET = tuple(range(5, 512, 41))
G_MAX = 1022 * 4 * S.nominal.g_leak_per_lsb()
CADC_MV = S.nominal.cadc_mv_per_lsb()        # mV per CADC LSB


def _unit(gm, dac):
    return S.nominal.cuba_gain_per_lsb() * np.asarray(gm, float) * dac / 1022.0


@pytest.mark.parametrize("gm, dac, tau_us", [((500, 500), 600, 10.0), ((800, 800), 1022, 5.0),
                                             ((800, 30), 1022, 10.0), ((30, 800), 1022, 5.0),
                                             ((800, 98), 1022, 1.2), ((30, 30), 30, 1.2), ((30, 30), 100, 30.0)])
def test_tau_syn_drive_gives_both_receptors_the_psp_height(gm, dac, tau_us):
    size, g, drive, events = tau_syn_drive(gm, dac, 63, tau_us, G_MAX)
    c = float(S.nominal.capacitance_pf(size))
    assert c / g <= tau_us / 8 * 1.001 or g == G_MAX               # the membrane follows the current
    psp = np.array(drive.rows_pair) * np.array(drive.weight_pair) * events * _unit(gm, dac) / g
    for r in (0, 1):
        if events[r] < TAU_SYN_MAX_EVENTS:
            assert 0.95 * TAU_SYN_PSP_MV <= psp[r] <= 1.2 * TAU_SYN_PSP_MV, (r, psp)
        # exc rises, inh falls from the rest: both stay inside the CADC range with mismatch
        assert TAU_SYN_REST_LSB + 1.25 * psp[r] / CADC_MV < 255 and TAU_SYN_REST_LSB - 1.25 * psp[r] / CADC_MV > 0


def test_tau_syn_drive_of_the_default_target_is_unchanged():
    size, g, drive, events = tau_syn_drive((500, 500), 600, 63, 10.0, G_MAX)
    # the leak conductance is at its maximum (G_MAX): a few rows fewer give the aimed-for PSP
    assert size == 63 and g == pytest.approx(G_MAX) and events.tolist() == [1, 1]
    unit = S.nominal.cuba_gain_per_lsb() * 500 * 600 / 1022
    charge = np.array(drive.rows_pair) * np.array(drive.weight_pair) * unit
    np.testing.assert_allclose(charge / g, TAU_SYN_PSP_MV, rtol=0.02)


@pytest.mark.parametrize("gm, dac", [((500, 500), 600), ((800, 30), 1022), ((392, 98), 600), ((30, 30), 30)])
def test_synin_drive_shifts_each_receptor_by_40_lsb(gm, dac):
    c, tau_s, tau_m = 2.3, np.array([5.0, 10.0]), 20.0
    d = synin_drive(gm, dac, c, tau_s, tau_m)
    shift_lsb = d[:, 0] * d[:, 1] * _unit(gm, dac) * tau_s * tau_m / (c * d[:, 2]) / CADC_MV
    np.testing.assert_allclose(shift_lsb, SYNIN_SHIFT_LSB, rtol=1e-9)
    assert np.all(d[:, 2] >= 0.5 - 1e-9) or np.all(d[:, 1] == 63)


def test_synapse_drive_per_receptor_rows_and_weights():
    chip = S.base_chip()
    S.SynapseDrive([3, 5], [7, 2]).apply(chip)
    w = chip.synapse_blocks[1].matrix.weights
    assert np.all(w[0:6:2] == 7) and np.all(w[6::2] == 0)           # excitatory rows (top)
    assert np.all(w[1:10:2] == 2) and np.all(w[11::2] == 0)         # inhibitory rows (bottom)
    d = S.SynapseDrive(32, 0)
    d.weight = 4
    assert d.weight == 4 and d.weight_pair == (4, 4) and S.SynapseDrive([1, 2], 3).rows == (1, 2)


def _reference_lsb(info):
    """Per-weight-LSB current (nA) the way a PyNN front end reads it: one reference drive."""
    rows, weight, period = info["synin_drive"][:3]
    return info["synin_target_amplitude"][:, None] * CADC_MV * 2.3 * period / (
        rows * weight * info["tau_syn"] * info["tau_mem"][None])


def test_full_strength_receptor_next_to_a_weak_one():
    # i_synin_gm 800 at DAC 1022 (the full range) with a weak inhibitory receptor: the tau_syn
    # drive sized for the weak one clipped the excitatory PSPs at the CADC's 255 (93 % failed)
    t = sp.SpikingCalibTarget(neuron_target=sp.NeuronCalibTarget(i_synin_gm=[800, 98], synapse_dac_bias=1022,
                                                                 tau_syn=5e-6, tau_mem=20e-6))
    with hxcomm.EmulatorConnection(chip_id=8) as conn:
        result = calix.calibrate(t, cache_paths=[], connection=conn, progress=False)    # <= 2 % failures
    assert result.success.mean() >= 0.99
    info = result.info
    drives = info["synin_drives"]
    assert drives[1, 1] * drives[0, 2] > drives[0, 1] * drives[1, 2]        # the weak receptor: more per us
    np.testing.assert_allclose(info["synin_drive"], drives[0])               # reference: the stronger's
    own = info["synin_target_shift"][:, None] * CADC_MV * 2.3 * drives[:, 2:3] / (
        drives[:, 0:1] * drives[:, 1:2] * info["tau_syn"] * info["tau_mem"][None])
    np.testing.assert_allclose(_reference_lsb(info), own, rtol=1e-9)
    assert np.all(np.abs(info["synin_target_shift"] - SYNIN_SHIFT_LSB) < 8)


def test_weak_receptors_with_membrane_noise():
    # the bottom of the range (30) next to a strong receptor, under membrane noise: each receptor's
    # drive shifts it by ~40 LSB (one drive for both shifted it by 3 LSB; 55 % of the neurons failed,
    # in synin and in tau_syn, whose PSP was too small at its fast membrane)
    t = sp.SpikingCalibTarget(neuron_target=sp.NeuronCalibTarget(i_synin_gm=[392, 30], synapse_dac_bias=600,
                                                                 tau_syn=5e-6, tau_mem=20e-6))
    with hxcomm.EmulatorConnection(chip_id=9, noise=True) as conn:
        result = calix.calibrate(t, cache_paths=[], connection=conn, progress=False)
    assert result.success.mean() >= 0.98
    assert np.all(np.abs(result.info["synin_target_shift"] - SYNIN_SHIFT_LSB) < 8)
    # the PSPs checked on the same chip without noise (single noisy PSP peaks scatter by ~5 % alone)
    with hxcomm.EmulatorConnection(chip_id=9) as conn:
        v = verify(conn, result, SUBSET[:8], quantities=("psp",))
    s = summary(v, t, list(SUBSET[:8]))
    assert s["synin_rel_std"] <= 0.05, s
