"""The hagen calibration of all 512 neurons: integrators for matrix multiplication.

An integrator neuron is a membrane whose leak is switched off and whose
threshold comparator is disabled: each synaptic event adds its charge, the
membrane keeps the sum, and the CADC reads it. The calibration makes every
neuron start from the same level and add the same charge per event:

==================  =========================================================  ============
step                tunes                                                      measured with
==================  =========================================================  ============
``cadc``            per-channel digital CADC offsets (MADC as reference)       MADC + CADC
``leak``            ``leak.v_leak`` (resting level while the leak is on)       CADC
``reset``           ``reset.v_reset`` = the leak target: every integration     CADC
                    starts here (a NeuronReset)
``tau_mem``         ``leak.i_bias`` (only if the leak stays on)                CADC traces
``tau_syn``         ``*_input.i_bias_tau`` for targets >= 1.2 us; shorter      CADC traces
                    ones (the public default 0.32 us) get the fastest setting
``synin``           per-quadrant synapse DAC bias (to the weakest quadrant),   CADC
                    then ``*_input.i_bias_gm``: the membrane step of one event
                    (leak off, from the reset level) of every neuron and both
                    receptors matched to the median excitatory step at the
                    target bias
``integrator``      leak off (``neuron_disable_leakage``), threshold off        -
==================  =========================================================  ============

The steps shared with the spiking calibration (CADC, potentials, time
constants) are its own; :class:`HagenCalibration` adds the integration step.
No synapse-driver step: the emulated chip does not model hagen-mode
activations (the drivers' hagen DAC), so there is nothing to equalise there.
"""
from __future__ import annotations

import logging
import time
from typing import Optional

import numpy as np

import halco
import lola
import stadls

from ..common import measure
from ..common.progress import StepRunner
from ..common.result import CalibResult
from ..common.runners import runs
from ..spiking import setup as S
from ..spiking.calibrate import SpikingCalibration
from ..spiking.steps.base import SYNIN
from ..spiking.steps import CADCStep, InitStep, LeakStep, ResetStep, TauMemStep, TauSynStep
from ..spiking.targets import NeuronCalibTarget, SpikingCalibOptions, SpikingCalibTarget, per_neuron, per_synin
from .targets import TAU_SYN_MINIMUM, HagenCalibOptions, HagenCalibTarget

__all__ = ["calibrate", "HagenCalibration", "HagenCalibResult", "STEPS", "STEP_LSB"]

log = logging.getLogger("calix.hagen")

STEPS = ("init", "cadc", "leak", "reset", "tau_mem", "tau_syn", "synin", "integrator")

#: membrane step (CADC LSB) of the median neuron under the calibration drive: one host event
#: reaching many rows, so per-synapse mismatch averages out; up from the reset level for the
#: excitatory and down for the inhibitory input, both well inside the CADC range
STEP_LSB = 60.0
#: the drive uses this many rows per receptor where the weight allows
_DRIVE_ROWS = 64
#: at most this many measurements of the i_bias_gm search
_SYNIN_ITERATIONS = 5

_SYNIN = SYNIN


class HagenCalibResult(CalibResult, kind="hagen"):
    """Result of the hagen calibration (public ``calix.hagen.HagenCalibResult``):
    a :class:`~calix.common.result.CalibResult` of kind ``"hagen"`` (neurons as
    integrators, CADC offsets, synapse DAC biases). ``apply(builder)`` and
    ``to_chip()`` as for every result."""

    def to_hagen_synin_result(self, connection, **kwargs):
        """Public: recalibrate for integration on the synaptic input lines. Not
        modelled by the emulated chip."""
        raise NotImplementedError("hagen mode with integration on the synaptic input lines is not modelled "
                                  "by the emulated chip (to_hagen_synin_result)")


@runs(HagenCalibTarget)
def calibrate(connection, target: Optional[HagenCalibTarget] = None, options: Optional[HagenCalibOptions] = None,
              progress: Optional[bool] = None) -> HagenCalibResult:
    """Calibrate the chip on ``connection`` for hagen mode (no cache; see
    :func:`calix.calibrate`)."""
    return HagenCalibration(connection, target or HagenCalibTarget(), options or HagenCalibOptions(),
                            progress).run()


def _spiking_view(target: HagenCalibTarget, options: HagenCalibOptions):
    """The spiking target/options whose steps (CADC, potentials, time constants) the
    hagen calibration shares; values outside the spiking ranges are set on the
    calibration object afterwards."""
    nt = target.neuron_target
    tau_syn = np.clip(np.asarray(nt.tau_syn, float), TAU_SYN_MINIMUM, 30e-6)
    # the threshold is never used (integrators do not fire); at the top of its range, the
    # CADC reference level (median of leak, reset and threshold) stays at the leak target
    view = SpikingCalibTarget(
        cadc_target=target.cadc_target,
        neuron_target=NeuronCalibTarget(leak=nt.leak, reset=nt.leak, threshold=220,
                                        tau_mem=float(np.clip(np.max(nt.tau_mem), 0.5e-6, 60e-6)),
                                        tau_syn=tau_syn, i_synin_gm=np.array([nt.i_synin_gm] * 2),
                                        synapse_dac_bias=int(nt.synapse_dac_bias)))
    view_options = SpikingCalibOptions(cadc_options=options.cadc_options, neuron_options=options.neuron_options,
                                       neurons=options.neurons, calibrate_stp=False, refine_potentials=False)
    return view, view_options


class HagenCalibration(SpikingCalibration):
    """One run of the hagen calibration (see the module doc)."""

    def __init__(self, connection, target: HagenCalibTarget, options: HagenCalibOptions,
                 progress: Optional[bool] = None):
        target.check()
        view, view_options = _spiking_view(target, options)
        super().__init__(connection, view, view_options, progress)
        self.hagen_target, self.hagen_options = target, options
        nt = target.neuron_target
        self.tau_mem = per_neuron(nt.tau_mem)
        requested = per_synin(nt.tau_syn)
        #: receptors/neurons whose synaptic time constant is "as fast as possible"
        self.tau_syn_fastest = requested < TAU_SYN_MINIMUM
        self.tau_syn = np.where(self.tau_syn_fastest, TAU_SYN_MINIMUM, requested)
        self.runner.close()
        self.runner = StepRunner(STEPS, progress=progress, logger=log, description="calix hagen")

    def run(self) -> HagenCalibResult:
        t0 = time.perf_counter()
        steps = [("init", InitStep(self).run), ("cadc", CADCStep(self).run), ("leak", LeakStep(self).run),
                 ("reset", ResetStep(self).run),
                 ("tau_mem", self._hagen_tau_mem), ("tau_syn", self._hagen_tau_syn), ("synin", self._hagen_synin),
                 ("integrator", self._integrator)]
        try:
            for name, fn in steps:
                with self.runner.step(name):
                    fn()
        finally:
            self.runner.close()
        timings = dict(self.runner.timings)
        timings["total"] = time.perf_counter() - t0
        timings["programs"] = float(self.session.stats.programs)
        timings["emulator_s"] = self.session.stats.run_s
        log.info("hagen calibration: %.2f s, %d programs", timings["total"], self.session.stats.programs)
        r = self._result(timings)
        return HagenCalibResult(r.values, target=self.hagen_target, options=self.hagen_options, success=r.success,
                                failures=r.failures, timings=r.timings, info=r.info)

    # -- steps -------------------------------------------------------------------------------
    def _hagen_tau_mem(self):
        if self.hagen_options.neuron_disable_leakage:
            # the leak is switched off at the end: its time constant would not survive
            self.info["tau_mem_calibrated"] = np.array([0.0])
            return
        TauMemStep(self).run()
        self.info["tau_mem_calibrated"] = np.array([1.0])

    def _hagen_tau_syn(self):
        tt = S.nominal.tau_syn_transfer()
        if not self.tau_syn_fastest[:, self.mask].all():
            TauSynStep(self).run()
        fastest = np.stack([self._get(f"{s}.i_bias_tau") for s in _SYNIN])
        fastest[self.tau_syn_fastest] = 1022
        for i, s in enumerate(_SYNIN):
            self._set(f"{s}.i_bias_tau", fastest[i])
        nominal_us = tt.c1 / (fastest + tt.c0)
        self.info["tau_syn_fastest"] = self.tau_syn_fastest.astype(float)
        self.info["tau_syn_nominal"] = nominal_us
        if "tau_syn" in self.info:
            # the fastest ones were not calibrated: their nominal value, not the step's estimate
            self.info["tau_syn"] = np.where(self.tau_syn_fastest, nominal_us, self.info["tau_syn"])

    def _synin_drive(self):
        """SynapseDrive (one host event per receptor) for a ``STEP_LSB`` step of the
        median neuron at the target bias (nominal transfers)."""
        tt = S.nominal.tau_syn_transfer()
        x_tau = np.stack([self._get(f"{s}.i_bias_tau") for s in _SYNIN]).astype(float)
        tau_us = float(np.median((tt.c1 / (x_tau + tt.c0))[:, self.mask]))
        c_pf = float(np.median(S.nominal.capacitance_pf(self.cap[self.mask])))
        unit = S.nominal.cuba_gain_per_lsb() * float(self.gm[0]) * self.dac_bias / 1022.0   # nA per row x weight
        # step (mV) = rows x weight x unit x tau / C, in CADC LSB through the nominal CADC scale
        q = STEP_LSB * S.nominal.cadc_mv_per_lsb() * c_pf / (unit * tau_us)
        weight = int(np.clip(np.ceil(q / _DRIVE_ROWS - 1e-9), 1, 63))
        rows = int(np.clip(np.rint(q / weight), 1, 128))
        return S.SynapseDrive(rows, weight)

    def _measure_steps(self, drive_us: float) -> np.ndarray:
        """Signed membrane step (2, 512) CADC LSB of one drive event per receptor,
        each from the reset level, with the current neuron configuration."""
        reads = self.nopt.reads
        b = self._program(settle_us=1.0)
        self.session.write_synapse_dac_bias(b)
        t = 2.0
        out = []
        for receptor in (0, 1):
            b.wait_until(S.us(t))
            measure.neuron_reset(b)
            before = measure.cadc_trace(b, S.us(t + 0.5) + np.arange(reads) * S.us(0.25))
            t_ev = t + 0.5 + 0.25 * reads + 0.5
            b.write_spikes([S.us(t_ev)], [S.spike_label(receptor)])
            t_after = t_ev + drive_us
            after = measure.cadc_trace(b, S.us(t_after) + np.arange(reads) * S.us(0.25))
            out.append((before, after))
            t = t_after + 0.25 * reads + 1.0
        self.session.run(b)
        return np.stack([np.mean([x.get() for x in a], axis=0) - np.mean([x.get() for x in bf], axis=0)
                         for bf, a in out])

    def _hagen_synin(self):
        """Synapse DAC bias per quadrant, then i_bias_gm per neuron and receptor:
        the charge of one event (the membrane step, leak off) matched to the
        median excitatory step at the target bias."""
        tol = self.nopt.tolerance_synin
        # the operating configuration: integrators (leak off, no firing), both inputs on
        saved = {p: self._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        self._set("leak.i_bias", np.zeros(len(saved["leak.i_bias"]), np.int64))
        self._set("threshold.enable", np.zeros(len(saved["leak.i_bias"]), bool))
        for s in _SYNIN:
            self._set(f"{s}.enable", np.ones(len(saved["leak.i_bias"]), bool))
        drive = self._synin_drive()
        drive.apply(self.session.chip)
        b = stadls.PlaybackProgramBuilder()
        for h in range(2):
            b.write(halco.SynramOnDLS(h), self.session.chip.synapse_blocks[h].matrix)
        self.session.run(b)
        tt = S.nominal.tau_syn_transfer()
        x_tau = np.stack([self._get(f"{s}.i_bias_tau") for s in _SYNIN]).astype(float)
        drive_us = float(10 * np.max((tt.c1 / (x_tau + tt.c0))[:, self.mask]))   # the charge is delivered
        self.info["synin_drive"] = np.array([drive.rows, drive.weight, drive_us], float)
        n = len(saved["leak.i_bias"])
        gm = np.full((2, n), float(self.gm[0]))
        for i, s in enumerate(_SYNIN):
            self._set(f"{s}.i_bias_gm", np.rint(gm[i]).astype(np.int64))

        # 1. synapse DAC bias: every quadrant as strong as the weakest (both receptors pooled)
        step = np.abs(self._measure_steps(drive_us))
        self.info["synin_step_before"] = step.copy()
        q = self._quadrant()
        rel = step / np.median(step[:, self.mask], axis=1, keepdims=True)
        a = rel.mean(axis=0)
        med = np.array([np.median(a[(q == k) & self.mask]) if np.any((q == k) & self.mask) else np.nan
                        for k in range(4)])
        dac = np.where(np.isfinite(med), np.rint(self.dac_bias * np.nanmin(med) / med), self.dac_bias)
        dac = np.clip(dac, 0, 1022).astype(np.int64)
        for h in range(2):
            self.session.chip.synapse_blocks[h].i_bias_dac = dac[2 * h:2 * h + 2]
        self.info["synapse_dac_bias"] = dac.astype(float)

        # 2. i_bias_gm: proportional updates (the charge is linear in the bias), best kept
        target = None
        best_err = np.full((2, n), np.inf)
        best_gm = gm.copy()
        best_step = np.zeros((2, n))
        for it in range(_SYNIN_ITERATIONS):
            step = np.abs(self._measure_steps(drive_us))
            if target is None:
                # public: the inhibitory input is matched to the excitatory one
                target = float(np.median(step[0][self.mask]))
                self.info["synin_target_step"] = np.array([target])
            err = step / target - 1.0
            better = np.abs(err) < best_err
            best_err = np.where(better, np.abs(err), best_err)
            best_gm = np.where(better, gm, best_gm)
            best_step = np.where(better, step, best_step)
            if np.all(best_err[:, self.mask] <= 0.2 * tol) or it == _SYNIN_ITERATIONS - 1:
                break
            gm = np.clip(np.rint(gm * target / np.maximum(step, 1e-3)), 0, 1022)
            for i, s in enumerate(_SYNIN):
                self._set(f"{s}.i_bias_gm", gm[i].astype(np.int64))
        for i, s in enumerate(_SYNIN):
            self._set(f"{s}.i_bias_gm", best_gm[i].astype(np.int64))
        self.info["synin_step"] = best_step
        S.SynapseDrive(1, 0).apply(self.session.chip)       # no calibration synapses left behind
        for name, value in saved.items():
            self._set(name, value)
        for i, name in enumerate(("excitatory", "inhibitory")):
            self._fail("synin", f"{name} step per event deviates from the target by more than {100 * tol:g} %",
                       ~(best_err[i] <= tol))
            self._fail("synin", f"{name} i_bias_gm at its range end", (best_gm[i] <= 0) | (best_gm[i] >= 1022))

    def _integrator(self):
        n = len(self._get("leak.i_bias"))
        if self.hagen_options.neuron_disable_leakage:
            self._set("leak.i_bias", np.zeros(n, np.int64))
            self._set("leak.enable_division", np.zeros(n, bool))
            self._set("leak.enable_multiplication", np.zeros(n, bool))
        for s in _SYNIN:
            self._set(f"{s}.enable", np.ones(n, bool))
        self._set("threshold.enable", np.zeros(n, bool))
        normal = int(lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal)
        self._set("event_routing.analog_output", np.full(n, normal))
        self._set("event_routing.enable_digital", np.ones(n, bool))
