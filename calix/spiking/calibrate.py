"""The spiking calibration of all 512 neurons, step by step.

Every step configures all neurons at once, measures all of them with one
program (CADC reads of all membranes, spike counters) or a few, and updates
the CapMem values of all neurons in parallel. The steps, in order:

==================  ===========================================================  =====================
step                tunes                                                        measured with
==================  ===========================================================  =====================
``cadc``            per-channel digital CADC offsets (MADC as common reference)  MADC + CADC
``leak``            ``leak.v_leak`` (secant search, model slope first)           CADC
``reset``           ``reset.v_reset`` (membrane frozen after a NeuronReset)      CADC
``threshold``       ``threshold.v_threshold``: leak set to the threshold target, spike counters
                    then a binary search for the onset of firing
``tau_mem``         ``leak.i_bias`` (+ division/multiplication): decay after a    CADC traces, fit
                    reset, proportional model update
``tau_syn``         ``*_input.i_bias_tau``: PSP tail with a fast membrane,        CADC traces, fit
                    reciprocal model update; drive per receptor
                    (:func:`tau_syn_drive`)
``synapse_dac_bias``  per-quadrant synapse DAC bias matched to the weakest       (tau_syn amplitudes)
``synin``           ``*_input.i_bias_gm``: mean membrane shift under periodic    CADC
                    input matched to the median (CUBA); drive per receptor
                    (:func:`synin_drive`)
``coba``            ``*_input.v_rev_coba``, ``i_bias_coba`` (only for COBA        CADC
                    targets)
``refractory``      refractory counter, clocks and reset holdoff (computed)      -
``stp``             STP offsets and voltages (no mismatch modelled: exact        -
                    settings)
``refine``          ``leak.v_leak`` again in the final configuration             CADC
==================  ===========================================================  =====================

Each step is a class in its own module of :mod:`calix.spiking.steps` (their order:
:data:`calix.spiking.steps.STEPS`); :class:`SpikingCalibration` holds the run's state (targets per
neuron, the session's chip state, ``info``, ``failures``) and the measurement helpers the steps
share, and runs the steps. Failed neurons (target not reached) are collected per step with the
reason; :func:`calix.calibrate` decides whether that is an error.
"""
from __future__ import annotations

import logging
import time
from typing import Dict, Optional

import numpy as np

import halco
import haldls
import stadls

from ..common import measure
from ..common.exceptions import format_indices
from ..common.measure import CYCLES_PER_US
from ..common.progress import StepRunner
from ..common.result import NEURON_PREFIX, CalibResult
from ..common.runners import runs
from ..common.session import ChipSession
from . import setup as S
from .steps import STEP_NAMES, STEPS as STEP_CLASSES
from .steps.init import nominal_config
from .steps.refractory import REFRACTORY_MIN_TICKS, REFRACTORY_START_SCALE, refractory_settings  # noqa: F401
from .steps.synin import SYNIN_SHIFT_LSB, synin_drive  # noqa: F401
from .steps.tau_syn import (TAU_SYN_MAX_EVENTS, TAU_SYN_PSP_LSB, TAU_SYN_PSP_MV,  # noqa: F401
                            TAU_SYN_REST_LSB, tau_syn_drive)
from .targets import N_NEURONS, SpikingCalibOptions, SpikingCalibTarget, per_neuron, per_synin

__all__ = ["calibrate", "SpikingCalibration", "nominal_calibration", "refractory_settings", "tau_syn_drive",
           "synin_drive", "RESULT_NEURON_FIELDS", "STEPS"]

log = logging.getLogger("calix.spiking")

#: the names of the steps, in order (the steps themselves: :data:`calix.spiking.steps.STEPS`)
STEPS = STEP_NAMES

#: The AtomicNeuron fields a spiking calibration result holds.
RESULT_NEURON_FIELDS = (
    "leak.v_leak", "leak.i_bias", "leak.enable_division", "leak.enable_multiplication",
    "reset.v_reset", "reset.i_bias", "threshold.v_threshold", "threshold.enable",
    "membrane_capacitance.capacitance",
    *(f"{s}.{f}" for s in ("excitatory_input", "inhibitory_input")
      for f in ("enable", "i_bias_tau", "i_bias_gm", "i_bias_coba", "v_rev_coba", "enable_coba_mode",
                "enable_small_capacitance", "enable_high_resistance")),
    "refractory_period.refractory_time", "refractory_period.input_clock", "refractory_period.reset_holdoff",
    "event_routing.analog_output", "event_routing.enable_digital",
)

@runs(SpikingCalibTarget)
def calibrate(connection, target: SpikingCalibTarget, options: Optional[SpikingCalibOptions] = None,
              progress: Optional[bool] = None) -> CalibResult:
    """Calibrate the chip on ``connection`` (no cache; see :func:`calix.calibrate`)."""
    return SpikingCalibration(connection, target, options or SpikingCalibOptions(), progress).run()


class SpikingCalibration:
    """One run of the spiking calibration (see the module doc)."""

    def __init__(self, connection, target: SpikingCalibTarget, options: SpikingCalibOptions,
                 progress: Optional[bool] = None):
        target.check()
        self.target, self.options = target, options
        nt = target.neuron_target
        self.leak = per_neuron(nt.leak)
        self.reset = per_neuron(nt.reset)
        self.threshold = per_neuron(nt.threshold)
        self.tau_mem = per_neuron(nt.tau_mem)
        self.tau_syn = per_synin(nt.tau_syn)
        self.gm = np.broadcast_to(np.asarray(nt.i_synin_gm, float), (2,)).copy()
        self.cap = per_neuron(nt.membrane_capacitance).astype(np.int64)
        self.refractory_time = per_neuron(nt.refractory_time)
        self.holdoff_time = per_neuron(nt.holdoff_time)
        self.dac_bias = int(nt.synapse_dac_bias)
        self.coba = nt.coba
        self.mask = np.zeros(N_NEURONS, bool)
        self.mask[np.arange(N_NEURONS) if options.neurons is None else np.asarray(options.neurons)] = True
        self.nopt = options.neuron_options
        self.session = ChipSession(connection, S.base_chip())
        self.failures: Dict[str, Dict[str, np.ndarray]] = {}
        self.info: Dict[str, np.ndarray] = {}
        self.runner = StepRunner(STEPS, progress=progress, logger=log, description="calix spiking")
        # per-neuron affine model of the voltage cells (code = off + slope * dac), from the searches
        self.vmodel: Dict[str, tuple] = {}

    # ------------------------------------------------------------------------------------
    def run(self) -> CalibResult:
        t0 = time.perf_counter()
        try:
            for step in STEP_CLASSES:
                with self.runner.step(step.name):
                    step(self).run()
        finally:
            self.runner.close()
        timings = dict(self.runner.timings)
        timings["total"] = time.perf_counter() - t0
        timings["programs"] = float(self.session.stats.programs)
        timings["emulator_s"] = self.session.stats.run_s
        log.info("spiking calibration: %.2f s, %d programs (%.2f s running them)", timings["total"],
                 self.session.stats.programs, self.session.stats.run_s)
        return self._result(timings)

    # -- bookkeeping ------------------------------------------------------------------------
    def _fail(self, step: str, reason: str, bad: np.ndarray) -> None:
        bad = np.asarray(bad, bool) & self.mask
        if bad.any():
            idx = np.flatnonzero(bad)
            self.failures.setdefault(step, {})
            prev = self.failures[step].get(reason)
            self.failures[step][reason] = idx if prev is None else np.union1d(prev, idx)
            log.warning("%s: %d neurons failed %s: %s", step, idx.size, format_indices(idx), reason)

    def _median(self, x):
        return float(np.median(np.asarray(x)[self.mask]))

    @property
    def n(self):
        return self.session.neurons

    def _set(self, path, values):
        self.session.set(path, values)

    def _get(self, path):
        return self.session.get(path)

    def _program(self, settle_us: float = 0.0, builder: Optional[stadls.PlaybackProgramBuilder] = None):
        """``builder`` (default: a new one) with the neuron writes, the timer reset and a wait of
        ``settle_us`` appended."""
        b = stadls.PlaybackProgramBuilder() if builder is None else builder
        self.session.write_neurons(b)
        b.write(halco.TimerOnDLS(), haldls.Timer())
        if settle_us:
            b.wait_until(S.us(settle_us))
        return b

    def _read_potentials(self, settle_us: float, reads: Optional[int] = None,
                         builder: Optional[stadls.PlaybackProgramBuilder] = None) -> np.ndarray:
        """Write the neurons, wait, average ``reads`` CADC reads of all neurons (appended to
        ``builder``, default a new one)."""
        reads = reads or self.nopt.reads
        b = self._program(builder=builder)
        t = S.us(settle_us) + np.arange(reads) * S.us(0.5)
        tickets = measure.cadc_trace(b, t)
        self.session.run(b)
        return np.mean([tk.get() for tk in tickets], axis=0)

    def _settle_us(self) -> float:
        """Settling time for the current leak configuration (8 nominal tau_mem)."""
        x = self._get("leak.i_bias").astype(float)
        g = np.maximum(x, 1) * S.nominal.g_leak_per_lsb() * S.nominal.leak_factor(
            self._get("leak.enable_division"), self._get("leak.enable_multiplication"))
        tau = S.nominal.capacitance_pf(self._get("membrane_capacitance.capacitance")) / g
        return float(min(max(8 * np.max(tau[self.mask]), 5.0), 2000.0))

    # shared measurement helpers --------------------------------------------------------------
    def _trace_times(self, tau_lo_us, tau_hi_us, count=40, t_min_us=None):
        t_min = t_min_us if t_min_us is not None else max(0.2, 0.1 * tau_lo_us)
        t = np.geomspace(t_min, 5.0 * tau_hi_us, count)
        cyc = np.unique(np.rint(t * CYCLES_PER_US / 25).astype(np.int64) * 25)   # whole 2-step spacing
        return cyc[cyc > 0]

    def _quadrant(self):
        return np.array([int(a.toCapMemBlockOnDLS().toEnum()) for a in halco.iter_all(halco.AtomicNeuronOnDLS)])

    # result -----------------------------------------------------------------------------------
    def _result(self, timings) -> CalibResult:
        arrays = self.session.chip.to_arrays()
        values = {NEURON_PREFIX + p: arrays[NEURON_PREFIX + p] for p in RESULT_NEURON_FIELDS}
        for k, v in arrays.items():
            if k.startswith("neuron_block/backends.") or k.startswith("neuron_block/current_rows/"):
                values[k] = v
        for h in range(2):
            for f in ("config.enable", "channels_causal.offset", "channels_causal.enable_connect_neuron"):
                values[f"cadc_readout_chains/{h}/{f}"] = arrays[f"cadc_readout_chains/{h}/{f}"]
            values[f"synapse_blocks/{h}/i_bias_dac"] = arrays[f"synapse_blocks/{h}/i_bias_dac"]
            if self.options.calibrate_stp:
                for f in ("synapse_drivers.offset", "stp_v_charge_0", "stp_v_charge_1", "stp_v_recover_0",
                          "stp_v_recover_1", "stp_i_ramp", "stp_i_bias_comparator"):
                    values[f"synapse_driver_blocks/{h}/{f}"] = arrays[f"synapse_driver_blocks/{h}/{f}"]
        success = np.ones(N_NEURONS, bool)
        for reasons in self.failures.values():
            for idx in reasons.values():
                success[idx] = False
        success &= self.mask
        info = {k: np.asarray(v, float) for k, v in self.info.items()}
        info["calibrated_neurons"] = self.mask.astype(float)
        return CalibResult(values, target=self.target, options=self.options, success=success,
                           failures=self.failures, timings=timings, info=info)


def nominal_calibration(target: SpikingCalibTarget, options: Optional[SpikingCalibOptions] = None) -> CalibResult:
    """The configuration an uncalibrated chip would get for ``target``: every
    value from the nominal transfer functions, nothing measured (the "before"
    of the quality figures). No connection is needed."""
    c = SpikingCalibration(None, target, options or SpikingCalibOptions(), progress=False)
    nominal_config(c)
    return c._result({})
