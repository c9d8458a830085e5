"""Hagen mode: the neurons calibrated as integrators, checked on the emulated chip with
programs of their own (CADC reads of all 512 membranes around host events), not with
the calibration's measurements."""
import pickle

import numpy as np
import pytest

import halco
import haldls
import hxcomm
import lola
import stadls

import calix
from calix.common import measure
from calix.hagen import (HagenCalibOptions, HagenCalibResult, HagenCalibTarget, HagenNeuronCalibTarget,
                         HagenSyninCalibTarget)
from calix.spiking.setup import base_chip

CHIP_ID = 4
#: host labels of the test stimulus: one row of each receptor per hemisphere
EXC, INH = 5, 6
US = 125                      # FPGA cycles per microsecond


@pytest.fixture(scope="module")
def result():
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        return calix.calibrate(HagenCalibTarget(), cache_paths=[], connection=conn, progress=False)


@pytest.fixture(scope="module")
def leaky():
    """The same target with the leak left on (tau_mem 60 us): the control."""
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        return calix.calibrate(HagenCalibTarget(), HagenCalibOptions(neuron_disable_leakage=False), cache_paths=[],
                               connection=conn, progress=False)


def stimulus_chip(result, rows=16, weight=25) -> lola.Chip:
    """The calibrated chip plus synapses of our own: ``rows`` excitatory rows answer host
    label EXC and as many inhibitory rows label INH, ``weight`` in every column (25: one event
    moves the integrators by some 50 CADC LSB, so three stay within the CADC's range)."""
    chip = result.to_chip(base_chip())
    for block in chip.synapse_blocks:
        w = np.zeros((256, 256), np.int64)
        lab = np.full((256, 256), 63, np.int64)
        drivers = np.arange(rows)
        w[2 * drivers] = w[2 * drivers + 1] = weight       # top rows excitatory, bottom inhibitory
        lab[2 * drivers], lab[2 * drivers + 1] = EXC, INH
        block.matrix.weights, block.matrix.labels = w, lab
    return chip


def run_protocol(chip, connection, n_exc=1, n_inh=1, hold_us=30.0):
    """Reset every membrane, read; ``n_exc`` excitatory events, read; ``n_inh`` inhibitory
    events, read; then reads every 2 us for ``hold_us``. Returns (start, after exc, after
    inh, hold (k, 512)) in CADC LSB."""
    b, _ = stadls.generate(stadls.SystemInit())
    b.write(halco.ChipOnDLS(), chip)
    b.write(halco.TimerOnDLS(), haldls.Timer())
    b.wait_until(stadls.CAPMEM_SETTLING_CYCLES)
    t = stadls.CAPMEM_SETTLING_CYCLES
    measure.neuron_reset(b)
    start = measure.cadc_trace(b, [t + 1 * US])
    b.write_spikes([t + 2 * US + k * US for k in range(n_exc)], [EXC] * n_exc)
    t_exc = t + (2 + n_exc + 10) * US                       # ten synaptic time constants after the last
    up = measure.cadc_trace(b, [t_exc])
    b.write_spikes([t_exc + US + k * US for k in range(n_inh)], [INH] * n_inh)
    t_inh = t_exc + (1 + n_inh + 10) * US
    down = measure.cadc_trace(b, [t_inh])
    hold = measure.cadc_trace(b, t_inh + np.arange(0, hold_us + 1e-9, 2.0) * US)
    stadls.run(connection, b.done())
    get = lambda tickets: np.stack([x.get() for x in tickets]).astype(float)  # noqa: E731
    return get(start)[0], get(up)[0], get(down)[0], get(hold)


def test_calibration_converges_for_all_neurons(result):
    assert isinstance(result, HagenCalibResult) and result.kind == "hagen"
    assert result.success.all() and not result.failures
    assert result.timings["programs"] < 40
    # integrators: leak off, threshold off, both synaptic inputs on, reset at the leak target
    assert np.all(result.neuron("leak.i_bias") == 0)
    assert not result.neuron("threshold.enable").any()
    assert result.neuron("excitatory_input.enable").all() and result.neuron("inhibitory_input.enable").all()
    # the public default tau_syn (0.32 us) is below the emulated circuit's reach: fastest setting
    assert np.all(result.neuron("excitatory_input.i_bias_tau") == 1022)
    # the strength was calibrated: biases differ between neurons (mismatch), steps agree
    gm = result.neuron("excitatory_input.i_bias_gm")
    assert gm.min() < 420 < 480 < gm.max()
    assert np.all(np.abs(result.info["synin_step"] / result.info["synin_target_step"] - 1) <= 0.05)


def test_resting_level_is_the_target_and_readable(result):
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        start, *_ = run_protocol(stimulus_chip(result), conn, n_exc=0, n_inh=0, hold_us=0)
    assert np.all(np.abs(start - 120) <= 2.5), (start.min(), start.max())


def test_excitatory_raises_inhibitory_lowers_equally_on_every_neuron(result):
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        start, up, down, _ = run_protocol(stimulus_chip(result), conn, n_exc=1, n_inh=1)
        # the same chip with the synaptic strengths uncalibrated (one bias for all neurons,
        # the target DAC bias in every quadrant)
        raw = stimulus_chip(result)
        raw.neuron_block.atomic_neurons.set_field("excitatory_input.i_bias_gm", np.full(512, 450))
        raw.neuron_block.atomic_neurons.set_field("inhibitory_input.i_bias_gm", np.full(512, 450))
        for block in raw.synapse_blocks:
            block.i_bias_dac = np.full(2, 1022)
        r_start, r_up, r_down, _ = run_protocol(raw, conn, n_exc=1, n_inh=1)
    exc, inh = up - start, down - up
    assert np.all(exc > 20) and np.all(inh < -20)
    # one event of 16 rows x weight 25: both receptors the same charge within a few percent
    # (per-synapse mismatch of 16 synapses, sigma 1.3 %, and the CADC's 1 LSB steps)
    spread = lambda x: np.std(x) / np.abs(np.mean(x))  # noqa: E731
    assert spread(exc) < 0.03 and spread(inh) < 0.03
    assert abs(np.mean(exc) + np.mean(inh)) < 0.03 * np.mean(exc)
    assert np.all(np.abs(down - start) <= 4)            # up and down again: back to the start
    raw_exc, raw_inh = r_up - r_start, r_down - r_up
    assert spread(exc) < spread(raw_exc) / 3 and spread(inh) < spread(raw_inh) / 3


def test_integrator_holds_its_level_because_the_leak_is_off(result, leaky):
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        _, up, down, hold = run_protocol(stimulus_chip(result), conn, n_exc=2, n_inh=1)
        inspect = conn.emulator.analog_inspect()
    assert np.all(down - up < -20)
    # 30 us without input: every membrane keeps its level (CADC quantisation only) ...
    assert np.all(hold.max(axis=0) - hold.min(axis=0) <= 1)
    assert np.all(np.abs(hold[0] - down) <= 1)
    # ... because nothing discharges it: the emulated leak conductance is zero
    assert np.all(inspect["g_leak"] == 0)
    # the control: the same calibration with the leak on (tau_mem 60 us) decays towards the
    # leak potential in the same window
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        start_l, _, down_l, hold_l = run_protocol(stimulus_chip(leaky), conn, n_exc=2, n_inh=1)
    displaced = down_l - start_l
    decayed = hold_l[0] - hold_l[-1]
    assert np.all(displaced > 15) and np.all(decayed > 0.2 * displaced)


def test_integrator_holds_within_a_few_lsb_under_membrane_noise(result):
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID, noise=True, noise_seed=3) as conn:
        _, _, down, hold = run_protocol(stimulus_chip(result), conn, n_exc=2, n_inh=1)
    # noise 0.5 mV/sqrt(us): a random walk of ~2.7 mV (0.7 LSB) rms over 30 us
    drift = np.abs(hold - hold[0])
    assert np.all(drift <= 4) and np.mean(drift[-1]) < 1.5


@pytest.mark.parametrize("chip_id", [0, 9])
def test_other_chips_converge(chip_id):
    with hxcomm.EmulatorConnection(chip_id=chip_id) as conn:
        r = calix.calibrate(HagenCalibTarget(), cache_paths=[], connection=conn, progress=False)
    assert r.success.all() and r.chip_id == f"emulator-chip-{chip_id}"


def test_calibrated_tau_syn_and_kept_leak():
    target = HagenCalibTarget(neuron_target=HagenNeuronCalibTarget(leak=110, tau_mem=40e-6, tau_syn=3e-6,
                                                                   i_synin_gm=300, synapse_dac_bias=800))
    opts = HagenCalibOptions(neuron_disable_leakage=False)
    with hxcomm.EmulatorConnection(chip_id=2) as conn:
        r = calix.calibrate(target, opts, cache_paths=[], connection=conn, progress=False)
    assert r.success.all()
    assert np.all(np.abs(r.info["tau_syn"] / 3.0 - 1) <= 0.05)       # us, calibrated per neuron
    assert np.all(np.abs(r.info["tau_mem"] / 40.0 - 1) <= 0.05)
    assert np.all(r.neuron("leak.i_bias") > 0)
    assert np.all(r.values["synapse_blocks/0/i_bias_dac"] <= 800)


def test_infeasible_and_unsupported_targets_are_refused_before_running():
    with pytest.raises(calix.InfeasibleTargetError, match=r"target leak = 90 CADC LSB .* \[100, 140\]"):
        calix.calibrate(HagenCalibTarget(neuron_target=HagenNeuronCalibTarget(leak=90)), cache_paths=[])
    with pytest.raises(calix.InfeasibleTargetError, match=r"tau_mem .* \[2e-05, 0.0001\] s"):
        calix.calibrate(HagenCalibTarget(neuron_target=HagenNeuronCalibTarget(tau_mem=5e-6)), cache_paths=[])
    with pytest.raises(calix.InfeasibleTargetError, match="i_synin_gm"):
        calix.calibrate(HagenCalibTarget(neuron_target=HagenNeuronCalibTarget(i_synin_gm=700)), cache_paths=[])
    with pytest.raises(NotImplementedError, match="target_noise"):
        calix.calibrate(HagenCalibTarget(neuron_target=HagenNeuronCalibTarget(target_noise=1.5)), cache_paths=[])
    with pytest.raises(NotImplementedError, match="synaptic input lines"):
        calix.calibrate(HagenSyninCalibTarget(), cache_paths=[])
    with pytest.raises(TypeError, match="HagenCalibOptions"):
        calix.calibrate(HagenCalibTarget(), calix.spiking.SpikingCalibOptions(), cache_paths=[])


def test_cache_pickle_and_apply_keep_the_kind(result, tmp_path):
    with hxcomm.EmulatorConnection(chip_id=CHIP_ID) as conn:
        stored = calix.calibrate(HagenCalibTarget(), cache_paths=[tmp_path], connection=conn, progress=False)
        again = calix.calibrate(HagenCalibTarget(), cache_paths=[tmp_path], connection=conn, progress=False)
    assert isinstance(again, HagenCalibResult) and again == stored == result
    back = pickle.loads(pickle.dumps(result))
    assert isinstance(back, HagenCalibResult) and back == result
    for suffix in (".npz", ".json", ".pkl"):
        result.to_file(tmp_path / f"r{suffix}")
        assert calix.result_from_file(tmp_path / f"r{suffix}") == result
        assert isinstance(HagenCalibResult.from_file(tmp_path / f"r{suffix}"), HagenCalibResult)
    # apply() on a builder and on the dumper writes the same chip configuration
    dumper = stadls.PlaybackProgramBuilderDumper()
    result.apply(dumper)
    writes = dict(dumper.done().squash())
    assert writes[halco.NeuronBlockOnDLS()] == result.to_chip().neuron_block
    assert sum(isinstance(c, halco.CapMemCellOnDLS) for c in writes) == 4      # synapse DAC biases
    with pytest.raises(NotImplementedError, match="synaptic input lines"):
        result.to_hagen_synin_result(None)


def test_files_read_in_a_fresh_process_keep_the_kind(result, tmp_path):
    """A process that imported nothing of calix.hagen still reads a hagen result back as one
    (the target classes and the result class register on demand)."""
    import os
    import subprocess
    import sys
    for suffix in (".npz", ".json", ".pkl"):
        result.to_file(tmp_path / f"r{suffix}")
    code = ("import sys, calix\n"
            "for p in sys.argv[1:]:\n"
            "    r = calix.result_from_file(p)\n"
            "    print(type(r).__name__, type(r.target).__name__, r.target.neuron_target.leak)\n")
    out = subprocess.run([sys.executable, "-c", code] + [str(tmp_path / f"r{s}") for s in (".npz", ".json", ".pkl")],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout.splitlines()
    assert out == ["HagenCalibResult HagenCalibTarget 120"] * 3


def test_cli(tmp_path, capsys):
    from calix.__main__ import main
    out = tmp_path / "hagen.npz"
    assert main(["--chip-id", "6", "--hagen", "--neurons", "0:512:64", "--no-cache", "--out", str(out), "-q"]) == 0
    r = calix.result_from_file(out)
    assert isinstance(r, HagenCalibResult) and r.success.sum() == 8 and r.chip_id == "emulator-chip-6"
    assert "wrote" in capsys.readouterr().out


def test_fastest_and_calibrated_tau_syn_side_by_side():
    """tau_syn (exc, inh) = (0, 3 us): the excitatory input as fast as the circuit allows, the
    inhibitory one calibrated."""
    neurons = tuple(range(0, 512, 16))
    target = HagenCalibTarget(neuron_target=HagenNeuronCalibTarget(tau_syn=[0.0, 3e-6]))
    with hxcomm.EmulatorConnection(chip_id=5) as conn:
        r = calix.calibrate(target, HagenCalibOptions(neurons=neurons), cache_paths=[], connection=conn,
                            progress=False)
    idx = list(neurons)
    assert r.success[idx].all()
    assert np.all(r.neuron("excitatory_input.i_bias_tau")[idx] == 1022)
    assert np.all(r.info["tau_syn_fastest"][0][idx] == 1) and not r.info["tau_syn_fastest"][1].any()
    assert np.all(np.abs(r.info["tau_syn"][1][idx] / 3.0 - 1) <= 0.05)
    assert np.all(r.info["tau_syn"][0][idx] < 1.2)                   # the nominal fastest, us
