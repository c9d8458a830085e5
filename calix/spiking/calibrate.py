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

Failed neurons (target not reached) are collected per step with the reason;
:func:`calix.calibrate` decides whether that is an error.
"""
from __future__ import annotations

import logging
import time
from typing import Dict, Optional

import numpy as np

import halco
import haldls
import lola
import stadls

from ..common import measure
from ..common.algorithms import BinarySearch, SecantSearch
from ..common.base import Calib
from ..common.exceptions import TooFewSamplesError, format_indices
from ..common.fit import fit_exponential
from ..common.progress import StepRunner
from ..common.result import NEURON_PREFIX, CalibResult
from ..common.runners import runs
from ..common.session import ChipSession
from . import setup as S
from .targets import N_NEURONS, SpikingCalibOptions, SpikingCalibTarget, per_neuron, per_synin

__all__ = ["calibrate", "SpikingCalibration", "nominal_calibration", "refractory_settings", "tau_syn_drive",
           "synin_drive", "RESULT_NEURON_FIELDS", "STEPS"]

log = logging.getLogger("calix.spiking")

STEPS = ("init", "cadc", "leak", "reset", "threshold", "tau_mem", "tau_syn", "synapse_dac_bias", "synin",
         "coba", "refractory", "stp", "refine")

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

_SYNIN = ("excitatory_input", "inhibitory_input")
_ANALOG_NORMAL = int(lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal)
#: the transfer (chipmodel.transfer) of the CapMem cell behind each searched voltage
_VOLTAGE_CELL = {"leak.v_leak": "v_leak", "reset.v_reset": "v_reset", "threshold.v_threshold": "v_threshold"}

#: tau_syn step: resting level (CADC LSB) and aimed-for PSP height (80 LSB, in mV) of the
#: median neuron: the excitatory PSP rises to ~208, the inhibitory one falls to ~48 LSB,
#: ~47 LSB inside the CADC range 0..255 for mismatch. The drive is sized per receptor:
#: one drive for both, sized for the weaker one, made the stronger one's PSP
#: gm_strong / gm_weak times higher, clipped by the CADC from a ratio of ~1.6 on
#: (every trace at 255: "tau_syn measurements disagree").
TAU_SYN_REST_LSB = 128.0
TAU_SYN_PSP_LSB = 80.0
TAU_SYN_PSP_MV = TAU_SYN_PSP_LSB * S.nominal.cadc_mv_per_lsb()
#: at most this many host events per PSP (one per FPGA cycle: <= 512 ns, over before the
#: fitted tail starts, >= 1.5 us after the first event) where 128 rows of weight 63
#: cannot reach the PSP height
TAU_SYN_MAX_EVENTS = 64
#: synin step: aimed-for mean membrane shift (CADC LSB) of each receptor under its drive
SYNIN_SHIFT_LSB = 40.0


def tau_syn_drive(gm, dac_bias, cap_size: int, tau_min_us: float, g_max_us: float):
    """(membrane capacitor size, leak conductance uS, SynapseDrive, host events per PSP (2,))
    of the tau_syn step.

    The membrane must be fast against tau_syn (tau_m = C / g <= tau_syn / 8) and the
    PSP of each receptor ``TAU_SYN_PSP_MV`` high (PSP = charge / g): as little leak
    conductance as both allow (128 rows of weight 63 for the weaker receptor). Where
    the weaker receptor cannot reach the height at the speed, the membrane capacitor
    is made smaller (the synaptic time constant does not depend on it; size
    ``cap_size`` at most, the target's), and what is still missing comes from
    bursts of host events. Per receptor rows x weight x events = PSP x g / (current
    per weight LSB): 128 rows where the weight allows."""
    unit = S.nominal.cuba_gain_per_lsb() * np.broadcast_to(np.asarray(gm, float), (2,)) * dac_bias / 1022.0
    rows = 128
    g_amp = rows * 63 * float(np.min(unit)) / TAU_SYN_PSP_MV
    size = int(cap_size)
    if 8 * S.nominal.capacitance_pf(size) / tau_min_us > g_amp:
        sizes = np.arange(size + 1)
        fast = 8 * S.nominal.capacitance_pf(sizes) / tau_min_us <= g_amp
        size = int(sizes[fast].max()) if fast.any() else 0
    g_need = 8 * float(S.nominal.capacitance_pf(size)) / tau_min_us
    g = min(max(g_need, g_amp), g_max_us)
    q = TAU_SYN_PSP_MV * g / unit                     # rows x weight x events per receptor
    events = np.clip(np.ceil(q / (rows * 63) - 1e-9), 1, TAU_SYN_MAX_EVENTS)
    q_ev = q / events
    weight = np.clip(np.ceil(q_ev / rows - 1e-9), 1, 63)
    n_rows = np.clip(np.rint(q_ev / weight), 1, rows)
    return size, g, S.SynapseDrive(n_rows.astype(np.int64), weight.astype(np.int64)), events.astype(np.int64)


def synin_drive(gm, dac_bias, c_pf: float, tau_syn_us, tau_mem_us: float):
    """Per receptor (rows, weight, period us) (2, 3) of a periodic drive whose mean
    membrane shift is ``SYNIN_SHIFT_LSB`` (median neuron, nominal transfers).

    The stronger receptor's drive as before: many rows of weight 1 average the
    per-synapse mismatch, the weight doubles until the period is at least 0.5 us,
    fewer rows for periods above 20 us. The weaker receptor gets the same rows and
    about the same period (as many events: the emulation cost is per event and
    row) with a proportionally larger weight. One drive for both, sized for the
    stronger receptor, shifted a weak one by only ``40 gm_weak / gm_strong`` LSB,
    where the CADC's 1 LSB steps and membrane noise (~0.4 LSB) exceed the 5 %
    tolerance."""
    gm = np.broadcast_to(np.asarray(gm, float), (2,))
    tau_s = np.broadcast_to(np.asarray(tau_syn_us, float), (2,))
    unit = S.nominal.cuba_gain_per_lsb() * gm * dac_bias / 1022.0          # nA per row x weight
    rate_q = S.nominal.cadc_mv_per_lsb() * SYNIN_SHIFT_LSB * c_pf / (tau_s * tau_mem_us)  # nA per us of input
    ref = int(np.argmax(gm))
    rows, weight = 64, 1
    period = rows * weight * unit[ref] / rate_q[ref]
    while period < 0.5 and weight < 63:
        weight = min(63, weight * 2)
        period = rows * weight * unit[ref] / rate_q[ref]
    if period < 0.5:                                 # weight 63: more rows
        rows = 128
        period = rows * weight * unit[ref] / rate_q[ref]
    if period > 20.0:
        rows = int(np.clip(np.rint(rows * 20.0 / period), 1, 64))
        period = rows * weight * unit[ref] / rate_q[ref]
    out = np.zeros((2, 3))
    out[ref] = (rows, weight, period)
    o = 1 - ref
    w = int(np.clip(np.rint(period * rate_q[o] / (rows * unit[o])), 1, 63))
    rows_o = rows
    if w == 63 and rows_o * w * unit[o] / rate_q[o] < 0.5:
        rows_o = 128
    p_o = rows_o * w * unit[o] / rate_q[o]
    if p_o > 20.0:
        rows_o = int(np.clip(np.rint(rows_o * 20.0 / p_o), 1, 64))
        p_o = rows_o * w * unit[o] / rate_q[o]
    out[o] = (rows_o, w, p_o)
    return out


@runs(SpikingCalibTarget)
def calibrate(connection, target: SpikingCalibTarget, options: Optional[SpikingCalibOptions] = None,
              progress: Optional[bool] = None) -> CalibResult:
    """Calibrate the chip on ``connection`` (no cache; see :func:`calix.calibrate`)."""
    return SpikingCalibration(connection, target, options or SpikingCalibOptions(), progress).run()


class _FnCalib(Calib):
    """A Calib whose configure/measure are closures over the session."""

    def __init__(self, name, measure_fn, n, parameter_range, inverted=False, tolerance=None, errors=None):
        super().__init__(parameter_range, n, inverted=inverted, tolerance=tolerance, errors=errors, name=name)
        self._measure = measure_fn

    def measure_parameters(self, connection, parameters):
        return np.asarray(self._measure(np.asarray(parameters, dtype=np.int64)), float)


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
        steps = [("init", self._init), ("cadc", self._cadc), ("leak", self._leak), ("reset", self._reset),
                 ("threshold", self._threshold), ("tau_mem", self._tau_mem), ("tau_syn", self._tau_syn),
                 ("synapse_dac_bias", self._synapse_dac_bias), ("synin", self._synin), ("coba", self._coba),
                 ("refractory", self._refractory), ("stp", self._stp), ("refine", self._refine)]
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

    def _program(self, settle_us: float = 0.0):
        b = stadls.PlaybackProgramBuilder()
        self.session.write_neurons(b)
        b.write(halco.TimerOnDLS(), haldls.Timer())
        if settle_us:
            b.wait_until(S.us(settle_us))
        return b

    def _read_potentials(self, settle_us: float, reads: Optional[int] = None) -> np.ndarray:
        """Write the neurons, wait, average ``reads`` CADC reads of all neurons."""
        reads = reads or self.nopt.reads
        b = self._program()
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

    def _voltage_search(self, step, path, target_codes, measure_fn, tolerance=None):
        """Secant search of a voltage cell for CADC ``target_codes``; returns
        (dac, measured codes)."""
        slope = S.nominal.cadc_per_dac(_VOLTAGE_CELL[path])
        if path in self.vmodel:
            off, sl = self.vmodel[path]
            init = (target_codes - off) / sl
        else:
            init = S.nominal.voltage_dac(target_codes, _VOLTAGE_CELL[path])
        alg = SecantSearch(slope=slope, initial_parameters=init, max_steps=6, tolerance=0.5)
        calib = _FnCalib(step, measure_fn, N_NEURONS, (0, 1022), tolerance=tolerance or self.nopt.tolerance_potential,
                         errors=(f"{path} at 0: target below the reachable range",
                                 f"{path} at 1022: target above the reachable range"))
        res = calib.run(None, alg, target_codes)
        for reason, idx in res.failures.items():
            self._fail(step, reason, np.isin(np.arange(N_NEURONS), idx))
        # per-neuron affine model through the best point with the nominal slope
        self.vmodel[path] = (res.results - slope * res.calibrated_parameters, np.full(N_NEURONS, slope))
        return res.calibrated_parameters, res.results

    # -- steps --------------------------------------------------------------------------------
    def _init(self):
        self._init_config()
        self._measurement_mode()
        self.session.init()

    def _init_config(self):
        """The nominal configuration: every parameter from the documented nominal
        transfer functions, no measurement (what an uncalibrated chip gets)."""
        x, div, mul = S.leak_bias_for_tau(self.tau_mem, self.cap)
        self._set("membrane_capacitance.capacitance", self.cap)
        self._set("leak.i_bias", x)
        self._set("leak.enable_division", div)
        self._set("leak.enable_multiplication", mul)
        self._set("leak.v_leak", np.clip(np.rint(S.nominal.voltage_dac(self.leak)), 0, 1022))
        self._set("reset.v_reset", np.clip(np.rint(S.nominal.voltage_dac(self.reset, "v_reset")), 0, 1022))
        self._set("reset.i_bias", np.full(N_NEURONS, 1000))
        self._set("threshold.v_threshold",
                  np.clip(np.rint(S.nominal.voltage_dac(self.threshold, "v_threshold")), 0, 1022))
        tt = S.nominal.tau_syn_transfer()
        for i, s in enumerate(_SYNIN):
            self._set(f"{s}.i_bias_tau", tt.to_dac(self.tau_syn[i] * 1e6, clip=True))
            self._set(f"{s}.i_bias_gm", np.full(N_NEURONS, int(round(self.gm[i]))))
            self._set(f"{s}.enable_small_capacitance", np.ones(N_NEURONS, bool))
        for h in range(2):
            self.session.chip.synapse_blocks[h].i_bias_dac = np.full(2, self.dac_bias)
        self._refractory()
        for s in _SYNIN:
            self._set(f"{s}.enable", np.ones(N_NEURONS, bool))
        self._set("threshold.enable", np.ones(N_NEURONS, bool))
        self._set("event_routing.enable_digital", np.ones(N_NEURONS, bool))
        self._stp_settings()

    # CADC: digital channel offsets referenced to the MADC --------------------------------------
    def _measurement_mode(self):
        """Threshold and synaptic inputs off: the membrane rests at the leak."""
        for s in _SYNIN:
            self._set(f"{s}.enable", np.zeros(N_NEURONS, bool))
        self._set("threshold.enable", np.zeros(N_NEURONS, bool))

    def _cadc(self):
        ct = self.target.cadc_target
        lo, hi = ct.read_range
        # reference where the potentials will be: the MADC and CADC gains differ by
        # ~1 %, so the match is best near the reference point
        ref_code = float(np.clip(np.median(np.concatenate([self.leak[self.mask], self.reset[self.mask],
                                                           self.threshold[self.mask]])), lo, hi))
        if not self.options.cadc_options.calibrate_offsets:
            return
        # every neuron rests at the reference; a fast leak settles at once
        self._set("leak.v_leak", np.clip(np.rint(S.nominal.voltage_dac(ref_code)), 0, 1022))
        saved = {p: self._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        self._set("leak.i_bias", np.full(N_NEURONS, 1000))
        self._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        self._set("leak.enable_multiplication", np.zeros(N_NEURONS, bool))
        for h in range(2):
            self.session.chip.cadc_readout_chains[h].channels_causal.offset = np.zeros(256, np.int64)
        b = self._program()
        self.session.write_cadc(b)
        b.wait_until(S.us(10))
        cadc_t = measure.cadc_read_neurons(b)
        madc = self._madc_potentials(b, start_us=12.0)
        program = self.session.run(b)
        cadc = cadc_t.get().astype(float)
        v_mv = madc(program)
        expected = S.nominal.mv_to_cadc(v_mv)
        self.info["cadc_reference_mv"] = v_mv
        self.info["cadc_raw"] = cadc
        ok = self.mask & np.isfinite(expected)
        offsets = np.zeros(N_NEURONS, np.int64)
        offsets[ok] = np.clip(np.rint(expected[ok] - cadc[ok]), -128, 127).astype(np.int64)
        self.info["cadc_channel_offset"] = offsets
        for h in range(2):
            cols = self._neurons_by_column(h)
            self.session.chip.cadc_readout_chains[h].channels_causal.offset = offsets[cols]
        # check: a second CADC read with the offsets applied
        b = self._program()
        self.session.write_cadc(b)
        b.wait_until(S.us(2))
        t2 = measure.cadc_read_neurons(b)
        self.session.run(b)
        residual = t2.get() - expected
        self.info["cadc_residual"] = residual
        self._fail("cadc", "CADC channel cannot be matched to the MADC reference (offset range or clipping)",
                   ~(np.abs(residual) <= 1.5))
        for p, v in saved.items():
            self._set(p, v)

    @staticmethod
    def _neurons_by_column(h):
        return h * 256 + np.arange(256)

    def _madc_potentials(self, builder, start_us: float, samples: int = 8):
        """Append MADC recordings of every calibrated neuron (an even and an odd
        column at a time, both readout lines alternating); returns a function
        program -> mean potential (mV, nominal MADC transfer) per neuron (NaN
        where not recorded)."""
        nc_words = self._neuron_config_words()
        addr = lola.neuron.neuron_addresses()[0]
        neurons = np.flatnonzero(self.mask)
        even = neurons[neurons % 2 == 0]
        odd = neurons[neurons % 2 == 1]
        npairs = max(len(even), len(odd))
        period = 34e-3 * (2 * samples + 2)        # us per recording
        cfg = haldls.MADCConfig(number_of_samples=2 * samples, active_mux_initially_selected_input=0,
                                active_mux_input_select_length=1)
        builder.write(halco.MADCConfigOnDLS(), cfg)
        sel = haldls.ReadoutSourceSelection()
        sel.neuron_even[0] = True
        sel.neuron_odd[1] = True
        sel.enable_buffered[0] = sel.enable_buffered[1] = True
        builder.write(halco.ReadoutSourceSelectionOnDLS(), sel)
        windows = []
        t = start_us
        prev = []
        for i in range(npairs):
            pair = [int(x[i]) for x in (even, odd) if i < len(x)]
            # readout off for the previous pair, on for this one; the readout lines
            # follow the configuration from the next integration step on
            builder.wait_until(S.us(t))
            for n in prev:
                builder.write_words(addr[n], nc_words[0][n])
            for n in pair:
                builder.write_words(addr[n], nc_words[1][n])
            prev = pair
            t += 0.3
            builder.wait_until(S.us(t))
            builder.write(halco.MADCControlOnDLS(), haldls.MADCControl(start_recording=True, wake_up=True,
                                                                      enable_pre_amplifier=True))
            windows.append((S.us(t), S.us(t + period), pair))
            t += period + 0.05
        builder.wait_until(S.us(t))
        for n in prev:
            builder.write_words(addr[n], nc_words[0][n])

        def decode(program) -> np.ndarray:
            # every recording delivers exactly 2 * samples samples, in program order
            out = np.full(N_NEURONS, np.nan)
            s = program.madc_samples
            per = 2 * samples
            if len(s) != per * len(windows):
                raise TooFewSamplesError(f"MADC returned {len(s)} samples, expected {per * len(windows)} "
                                         f"({len(windows)} recordings of {per})")
            values = S.nominal.madc_to_mv(s["value"]).reshape(len(windows), per)
            channels = s["channel"].reshape(len(windows), per)
            for k, (_, _, pair) in enumerate(windows):
                for n in pair:
                    v = values[k][channels[k] == n % 2]
                    # skip the first sample of each channel (the line may still move)
                    out[n] = float(np.mean(v[1:])) if v.size > 1 else np.nan
            return out
        return decode

    def _neuron_config_words(self):
        """NeuronConfig words of all neurons with readout off / on (current config)."""
        from lola.neuron import encode_neurons
        table = {f.path: self.n.get_field(f.path) for f in lola.neuron.FIELDS}
        out = []
        for on in (False, True):
            t = dict(table)
            t["readout.enable_buffered_access"] = np.full(N_NEURONS, on)
            t["readout.source"] = np.zeros(N_NEURONS, dtype=table["readout.source"].dtype)
            nc, _, _ = encode_neurons(t, N_NEURONS, validate=False)
            out.append(nc)
        return out

    # potentials ------------------------------------------------------------------------------
    def _leak_measure(self, settle):
        def m(params):
            self._set("leak.v_leak", params)
            return self._read_potentials(settle)
        return m

    def _leak(self):
        # a fast leak settles in microseconds; E_leak does not depend on the leak bias
        saved = {p: self._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        self._set("leak.i_bias", np.full(N_NEURONS, 1000))
        self._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        self._set("leak.enable_multiplication", np.zeros(N_NEURONS, bool))
        dac, res = self._voltage_search("leak", "leak.v_leak", self.leak, self._leak_measure(10.0))
        self._set("leak.v_leak", dac)
        self.info["leak"] = res
        for p, v in saved.items():
            self._set(p, v)

    def _reset(self):
        # without leak conductance the membrane keeps the potential a NeuronReset gives it
        saved = {p: self._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        self._set("leak.i_bias", np.zeros(N_NEURONS, np.int64))

        def m(params):
            self._set("reset.v_reset", params)
            b = self._program(settle_us=2.0)
            measure.neuron_reset(b)
            b.wait_until(S.us(3.0))
            tickets = measure.cadc_trace(b, S.us(3.0) + np.arange(self.nopt.reads) * S.us(0.5))
            self.session.run(b)
            return np.mean([t.get() for t in tickets], axis=0)

        dac, res = self._voltage_search("reset", "reset.v_reset", self.reset, m)
        self._set("reset.v_reset", dac)
        self.info["reset"] = res
        for p, v in saved.items():
            self._set(p, v)

    def _threshold(self):
        saved = {p: self._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication",
                                           "leak.v_leak")}
        self._set("leak.i_bias", np.full(N_NEURONS, 1000))
        self._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        self._set("leak.enable_multiplication", np.zeros(N_NEURONS, bool))
        # 1. the resting potential at the threshold target
        dac_leak, res = self._voltage_search("threshold", "leak.v_leak", self.threshold, self._leak_measure(10.0))
        self._set("leak.v_leak", dac_leak)
        self.info["threshold_leak"] = res
        # 2. the lowest threshold cell value at which the resting neuron stays silent
        self._set("threshold.enable", np.ones(N_NEURONS, bool))
        guess = np.clip(np.rint(S.nominal.voltage_dac(self.threshold, "v_threshold")), 0, 1022).astype(np.int64)
        lo, hi = np.clip(guess - 96, 0, 1022), np.clip(guess + 96, 0, 1022)
        window = 20.0

        def m(params):
            self._set("threshold.v_threshold", params)
            b = self._program()
            measure.reset_spike_counters(b)
            b.wait_until(S.us(window))
            t = measure.read_spike_counts(b)
            self.session.run(b)
            c = t.get()
            return ((c.counts > 0) | c.overflow).astype(float)

        calib = _FnCalib("threshold", m, N_NEURONS, (lo, hi), inverted=True)
        alg = BinarySearch()
        alg.run(calib, None, np.full(N_NEURONS, 0.5))
        # the switching point: the lowest value at which the resting neuron stays silent
        p = alg.boundary
        self._set("threshold.v_threshold", np.clip(p, 0, 1022))
        self.info["threshold_dac"] = p
        self._fail("threshold", "silent even at the lowest threshold searched (threshold far below target)",
                   p <= lo)
        self._fail("threshold", "fires even at the highest threshold searched (threshold far above target)",
                   p > hi)
        self._set("threshold.enable", np.zeros(N_NEURONS, bool))
        for k, v in saved.items():
            self._set(k, v)

    # time constants ---------------------------------------------------------------------------
    def _trace_times(self, tau_lo_us, tau_hi_us, count=40, t_min_us=None):
        t_min = t_min_us if t_min_us is not None else max(0.2, 0.1 * tau_lo_us)
        t = np.geomspace(t_min, 5.0 * tau_hi_us, count)
        cyc = np.unique(np.rint(t * 125 / 25).astype(np.int64) * 25)   # whole 2-step spacing
        return cyc[cyc > 0]

    def _tau_mem(self):
        tol = self.nopt.tolerance_time
        # reset 60 LSB away from the leak (below if possible)
        off, sl = self.vmodel["reset.v_reset"]
        rcode = np.where(self.leak - 60 >= 10, self.leak - 60, self.leak + 60)
        saved_reset = self._get("reset.v_reset")
        self._set("reset.v_reset", np.clip(np.rint((rcode - off) / sl), 0, 1022))
        target_us = self.tau_mem * 1e6
        x = self._get("leak.i_bias").astype(float)
        div = self._get("leak.enable_division").copy()
        mul = self._get("leak.enable_multiplication").copy()
        # model: tau * g = C with g ~ x * factor ("plain" LSB); every measurement
        # estimates K = tau * g_rel per neuron, and the estimates are pooled
        ks = []
        for it in range(4):
            tau = self._measure_tau_mem(target_us)
            self.info[f"tau_mem_iteration_{it}"] = tau
            ks.append(tau * x * S.nominal.leak_factor(div, mul))
            k = np.mean(ks[-3:], axis=0)
            g_rel = k / target_us
            div, mul = S.leak_range_switches(g_rel)
            x = np.clip(np.rint(g_rel / S.nominal.leak_factor(div, mul)), 1, 1022)
            self._set("leak.i_bias", x.astype(np.int64))
            self._set("leak.enable_division", div)
            self._set("leak.enable_multiplication", mul)
        predicted = k / (x * S.nominal.leak_factor(div, mul))
        noise = np.std(ks[-3:], axis=0) / np.maximum(np.abs(k), 1e-12)
        self.info["tau_mem"] = predicted
        self.info["tau_mem_measurement_noise"] = noise
        err = np.abs(predicted / target_us - 1)
        self._fail("tau_mem", f"tau_mem misses the target by more than {100 * tol:g} %", ~(err <= tol))
        self._fail("tau_mem", "tau_mem measurements disagree by more than the tolerance", ~(noise <= tol))
        self._fail("tau_mem", "leak bias at its range end", (x <= 1) | (x >= 1022))
        self._set("reset.v_reset", saved_reset)

    def _measure_tau_mem(self, target_us):
        """tau_mem (us) of every neuron from the decay after a NeuronReset."""
        settle = self._settle_us()
        b = self._program(settle_us=settle)
        lo, hi = np.min(target_us[self.mask]), np.max(target_us[self.mask])
        times = self._trace_times(0.5 * lo, 1.5 * hi)
        # two relaxations, averaged: halves the effect of membrane noise
        t_reset = int(np.ceil(S.us(settle + 1.0) / 25) * 25)
        traces = []
        for _ in range(2):
            b.wait_until(t_reset)
            measure.neuron_reset(b)
            traces.append(measure.cadc_trace(b, t_reset + times))
            t_reset = int(np.ceil((t_reset + times[-1] + S.us(1.0)) / 25) * 25)
        self.session.run(b)
        y = np.mean([np.stack([t.get() for t in tickets], axis=1) for tickets in traces], axis=0).astype(float)
        # the offset is fitted too: a baseline read is quantised to 1 LSB, which
        # would bias the tail of the fit
        fit = fit_exponential(times / 125.0, y, tau_min=0.05, tau_max=5000.0)
        return fit.tau

    def _tau_syn(self):
        tol = self.nopt.tolerance_time
        tt = S.nominal.tau_syn_transfer()
        target_us = self.tau_syn * 1e6
        saved = {p: self._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication",
                                           "leak.v_leak", "membrane_capacitance.capacitance")}
        # a fast membrane follows the synaptic current; the PSP tail decays with tau_syn
        for s_ in _SYNIN:
            self._set(f"{s_}.enable", np.ones(N_NEURONS, bool))
        # the membrane must be fast against tau_syn (tau_m <= tau_syn / 8) and the PSP
        # large (~80 LSB = 320 mV) for both receptors (tau_syn_drive)
        tau_min = float(np.min(target_us[:, self.mask]))
        g_max = 1022 * 4 * S.nominal.g_leak_per_lsb()
        size, g, drive, events = tau_syn_drive(self.gm, self.dac_bias, int(np.max(self.cap[self.mask])), tau_min, g_max)
        c = float(S.nominal.capacitance_pf(size))
        self._set("membrane_capacitance.capacitance", np.full(N_NEURONS, size))
        self.info["tau_syn_membrane_capacitance"] = np.array([size], float)
        mul = g > 1022 * S.nominal.g_leak_per_lsb()
        x_leak = int(np.clip(np.rint(g / (S.nominal.g_leak_per_lsb() * (4 if mul else 1))), 1, 1022))
        self._set("leak.i_bias", np.full(N_NEURONS, x_leak))
        self._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        self._set("leak.enable_multiplication", np.full(N_NEURONS, bool(mul)))
        off, sl = self.vmodel["leak.v_leak"]
        self._set("leak.v_leak", np.clip(np.rint((TAU_SYN_REST_LSB - off) / sl), 0, 1022))
        self._tau_m_fast = c / (x_leak * S.nominal.g_leak_per_lsb() * (4 if mul else 1))
        self._tau_syn_events = events
        self.info["tau_syn_drive"] = np.array([drive.rows_pair, drive.weight_pair, events], float).T
        drive.apply(self.session.chip)
        b = stadls.PlaybackProgramBuilder()
        for h in range(2):
            b.write(halco.SynramOnDLS(h), self.session.chip.synapse_blocks[h].matrix)
        self.session.write_synapse_dac_bias(b)
        self.session.run(b)
        x = np.stack([self._get(f"{s}.i_bias_tau") for s in _SYNIN]).astype(float)
        # reciprocal transfer: (x + c0) * tau = K per neuron; estimates pooled
        ks = []
        amp = None
        for it in range(4):
            tau, amp_it, clipped = self._measure_tau_syn(target_us)
            if it == 0:
                amp = amp_it
            self.info[f"tau_syn_iteration_{it}"] = tau
            ks.append((x + tt.c0) * tau)
            k = np.mean(ks[-3:], axis=0)
            x = np.clip(np.rint(k / target_us - tt.c0), 1, 1022)
            for i, s in enumerate(_SYNIN):
                self._set(f"{s}.i_bias_tau", x[i].astype(np.int64))
        predicted = k / (x + tt.c0)
        noise = np.std(ks[-3:], axis=0) / np.maximum(np.abs(k), 1e-12)
        err = np.abs(predicted / target_us - 1)
        self.info["tau_syn"] = predicted
        self.info["tau_syn_measurement_noise"] = noise
        self.info["synin_amplitude_fast"] = amp
        for i, name in enumerate(("excitatory", "inhibitory")):
            self._fail("tau_syn", f"{name} tau_syn misses the target by more than {100 * tol:g} %", ~(err[i] <= tol))
            self._fail("tau_syn", f"{name} tau_syn measurements disagree by more than the tolerance",
                       ~(noise[i] <= tol))
            self._fail("tau_syn", f"{name} i_bias_tau at its range end", (x[i] <= 1) | (x[i] >= 1022))
            self._fail("tau_syn", f"{name} PSP clipped by the CADC range (0..255)", clipped[i])
        for k, v in saved.items():
            self._set(k, v)

    def _measure_tau_syn(self, target_us):
        """(tau (2, 512) us, amplitude (2, 512) CADC LSB, clipped (2, 512) bool) of
        the PSP tails; each receptor gets a burst of ``_tau_syn_events`` host events
        (one per FPGA cycle: a single jump of the synaptic current on the scale of
        tau_syn)."""
        settle = 10.0
        b = self._program(settle_us=settle)
        lo, hi = np.min(target_us[:, self.mask]), np.max(target_us[:, self.mask])
        # the tail from 7 membrane time constants on, after the burst (one event per cycle)
        burst_us = float(np.max(self._tau_syn_events)) / 125.0
        times = self._trace_times(lo, hi, t_min_us=max(min(1.5, burst_us + 0.5), 0.1 * lo, 7 * self._tau_m_fast))
        span = 8 * hi
        t = settle
        out = []
        for receptor in (0, 1):
            base_t = measure.cadc_trace(b, S.us(t) + np.arange(2) * S.us(0.5))
            t_ev = int(np.ceil(S.us(t + 1.0) / 25) * 25)
            b.wait_until(t_ev)
            n_ev = int(self._tau_syn_events[receptor])
            b.write_spikes(list(t_ev + np.arange(n_ev)), [S.spike_label(receptor)] * n_ev)
            tickets = measure.cadc_trace(b, t_ev + times)
            out.append((base_t, tickets))
            t = (t_ev + times[-1]) / 125.0 + span
        self.session.run(b)
        taus, amps, clipped = [], [], []
        for base_t, tickets in out:
            y = np.stack([x.get() for x in tickets], axis=1).astype(float)
            fit = fit_exponential(times / 125.0, y, tau_min=0.05, tau_max=2000.0)
            taus.append(fit.tau)
            amps.append(np.abs(fit.amplitude))
            clipped.append((y.max(axis=1) >= 255) | (y.min(axis=1) <= 0))
        return np.stack(taus), np.stack(amps), np.stack(clipped)

    # synaptic strength ----------------------------------------------------------------------
    def _quadrant(self):
        return np.array([int(a.toCapMemBlockOnDLS().toEnum()) for a in halco.iter_all(halco.AtomicNeuronOnDLS)])

    def _synapse_dac_bias(self):
        amp = self.info.get("synin_amplitude_fast")
        q = self._quadrant()
        dac = np.full(4, float(self.dac_bias))
        if amp is not None:
            # each receptor relative to its median (the receptors' drives differ), then averaged
            rel = amp / np.median(amp[:, self.mask], axis=1, keepdims=True)
            a = rel.mean(axis=0)
            med = np.array([np.median(a[(q == k) & self.mask]) if np.any((q == k) & self.mask) else np.nan
                            for k in range(4)])
            weakest = np.nanmin(med)
            dac = np.where(np.isfinite(med), np.rint(self.dac_bias * weakest / med), self.dac_bias)
        dac = np.clip(dac, 0, 1022).astype(np.int64)
        for h in range(2):
            self.session.chip.synapse_blocks[h].i_bias_dac = dac[2 * h:2 * h + 2]
        self.info["synapse_dac_bias"] = dac

    def _synin_drive(self):
        """(drive, periods (2,) us, duration us): per receptor a mean shift of ~40 LSB
        in the final configuration (:func:`synin_drive`)."""
        tau_m = self._median(self.tau_mem) * 1e6
        tau_s = np.median(self.tau_syn[:, self.mask], axis=1) * 1e6
        c = float(np.median(S.nominal.capacitance_pf(self.cap[self.mask])))
        dac = float(np.min(self.info.get("synapse_dac_bias", [self.dac_bias])))
        d = synin_drive(self.gm, dac, c, tau_s, tau_m)
        duration = 6 * (float(np.max(tau_s)) + tau_m)
        drive = S.SynapseDrive(d[:, 0].astype(np.int64), d[:, 1].astype(np.int64))
        return drive, d[:, 2].copy(), duration

    def _measure_synin(self, drive_period, duration, receptors=(0, 1)):
        """Mean membrane shift (2, 512) CADC LSB under periodic input to each receptor."""
        base, mean = self._measure_synin_levels(drive_period, duration, receptors)
        return np.abs(mean - base)

    def _measure_synin_levels(self, drive_period, duration, receptors=(0, 1)):
        """(base, driven mean), each (2, 512) CADC LSB: the resting potential read
        just before the periodic input to each receptor starts, and the mean
        membrane potential over the last two periods of that input (NaN for
        receptors not measured). One program; the receptors one after another.
        ``drive_period``: one period (us) or one per receptor."""
        periods = np.broadcast_to(np.asarray(drive_period, float), (2,))
        settle = self._settle_us()
        b = self._program(settle_us=settle)
        self.session.write_synapse_dac_bias(b)
        t = settle
        out = {}
        J = 8
        for receptor in receptors:
            drive_period = float(periods[receptor])
            base_t = measure.cadc_trace(b, S.us(t) + np.arange(4) * S.us(0.25))
            t0 = t + 1.0
            n_ev = int(np.ceil(duration / drive_period))
            times = np.rint((t0 + np.arange(n_ev) * drive_period) * 125).astype(np.int64)
            # reads over the last two periods (uniform phases), interleaved with the spikes
            t_end = t0 + n_ev * drive_period
            read_t = np.rint((t_end - 2 * drive_period + (np.arange(2 * J) + 0.5) * drive_period / J) * 125)
            read_t = read_t.astype(np.int64)
            events = [(int(x), "spike") for x in times] + [(int(x), "read") for x in read_t]
            events.sort(key=lambda e: (e[0], e[1] == "read"))
            tickets = []
            pending = []
            for tc, kind in events:
                if kind == "spike":
                    pending.append(tc)
                    continue
                if pending:
                    b.write_spikes(pending, [S.spike_label(receptor)] * len(pending))
                    pending = []
                b.wait_until(tc)
                tickets.append(measure.cadc_read_neurons(b))
            if pending:
                b.write_spikes(pending, [S.spike_label(receptor)] * len(pending))
            out[receptor] = (base_t, tickets)
            t = t_end + duration
            b.wait_until(S.us(t))
        self.session.run(b)
        base = np.full((2, N_NEURONS), np.nan)
        mean = np.full((2, N_NEURONS), np.nan)
        for receptor, (base_t, tickets) in out.items():
            base[receptor] = np.mean([x.get() for x in base_t], axis=0)
            mean[receptor] = np.mean([x.get() for x in tickets], axis=0)
        return base, mean

    def _prepare_synin(self, weight_factor=1, coba: bool = False):
        """Write the calibration drive (``weight_factor`` x its weights, one factor or
        one per receptor, at most 63) and enable the synaptic inputs; returns
        (periods (2,), duration) us.

        ``info["synin_drives"]`` (``coba``: ``info["coba_drives"]``) (2, 4): per
        receptor rows, weight, period, duration. ``info["synin_drive"]`` (4,): one
        reference drive for both receptors, the stronger receptor's (the drive of
        both before the drives were per receptor); ``synin_target_amplitude`` is
        given for it (see :meth:`_synin`)."""
        drive, periods, duration = self._synin_drive()
        factor = np.broadcast_to(np.asarray(weight_factor, np.int64), (2,))
        if np.any(factor != 1):
            weights = np.minimum(63, np.asarray(drive.weight_pair) * factor)
            drive = S.SynapseDrive(np.asarray(drive.rows_pair), weights)
        drive.apply(self.session.chip)
        b = stadls.PlaybackProgramBuilder()
        for h in range(2):
            b.write(halco.SynramOnDLS(h), self.session.chip.synapse_blocks[h].matrix)
        self.session.run(b)
        for s in _SYNIN:
            self._set(f"{s}.enable", np.ones(N_NEURONS, bool))
        drives = np.array([[drive.rows_pair[r], drive.weight_pair[r], periods[r], duration] for r in (0, 1)], float)
        if coba:
            self.info["coba_drives"] = drives
        else:
            self.info["synin_drives"] = drives
            self.info["synin_drive"] = drives[int(np.argmax(self.gm))].copy()
        return periods, duration

    def _synin(self):
        """CUBA strengths matched to the median (for COBA targets they are the
        reference the COBA step matches at the reference potential).

        Each receptor has its own drive (``info["synin_drives"]``) and median shift
        ``info["synin_target_shift"]``; ``info["synin_target_amplitude"]`` is the shift
        the reference drive ``info["synin_drive"]`` gives (the mean shift is linear in
        rows x weight / period)."""
        tol = self.nopt.tolerance_synin
        period, duration = self._prepare_synin()
        off, sl = self.vmodel["leak.v_leak"]
        saved_leak = self._get("leak.v_leak")
        gm = np.stack([np.full(N_NEURONS, self.gm[i]) for i in range(2)])
        for i, s in enumerate(_SYNIN):
            self._set(f"{s}.i_bias_gm", np.rint(gm[i]).astype(np.int64))
        # exc pushes up from a low rest, inh down from a high one
        levels = {0: 60.0, 1: 190.0}
        target_amp = None
        best_err = np.full((2, N_NEURONS), np.inf)
        best_signed = np.zeros((2, N_NEURONS))
        best_gm = gm.copy()
        amp = None
        for it in range(4):
            amp = np.zeros((2, N_NEURONS))
            for r in (0, 1):
                self._set("leak.v_leak", np.clip(np.rint((levels[r] - off) / sl), 0, 1022))
                amp[r] = self._measure_synin(period, duration, receptors=(r,))[r]
            if target_amp is None:
                target_amp = np.array([np.median(amp[r][self.mask]) for r in (0, 1)])
                self.info["synin_amplitude_before"] = amp.copy()
            err = amp / target_amp[:, None] - 1.0
            better = np.abs(err) < best_err
            best_err = np.where(better, np.abs(err), best_err)
            best_signed = np.where(better, err, best_signed)
            best_gm = np.where(better, gm, best_gm)
            if np.all(best_err[:, self.mask] < 0.2 * tol) or it == 3:
                break
            gm = np.clip(np.rint(gm * target_amp[:, None] / np.maximum(amp, 1e-3)), 0, 1022)
            for i, s in enumerate(_SYNIN):
                self._set(f"{s}.i_bias_gm", gm[i].astype(np.int64))
        for i, s in enumerate(_SYNIN):
            self._set(f"{s}.i_bias_gm", best_gm[i].astype(np.int64))
        self._set("leak.v_leak", saved_leak)
        d = self.info["synin_drives"]
        rate = d[:, 0] * d[:, 1] / d[:, 2]                  # rows x weight per us
        ref = self.info["synin_drive"]
        to_ref = (ref[0] * ref[1] / ref[2]) / rate
        self.info["synin_amplitude"] = (1 + best_signed) * target_amp[:, None]
        self.info["synin_target_shift"] = target_amp
        self.info["synin_target_amplitude"] = target_amp * to_ref
        for i, name in enumerate(("excitatory", "inhibitory")):
            self._fail("synin", f"{name} synaptic strength deviates from the median by more than {100 * tol:g} %",
                       ~(best_err[i] <= tol))
            self._fail("synin", f"{name} i_bias_gm at its range end",
                       (best_gm[i] <= 0) | (best_gm[i] >= 1022))

    def _coba(self):
        if not self.coba:
            return
        from .coba import calibrate_coba
        calibrate_coba(self)

    # digital settings -----------------------------------------------------------------------
    def _refractory(self):
        settings = refractory_settings(self.refractory_time, self.holdoff_time, self.mask)
        self._set("refractory_period.refractory_time", settings["refractory_time"])
        self._set("refractory_period.input_clock", settings["input_clock"])
        self._set("refractory_period.reset_holdoff", settings["reset_holdoff"])
        for h in range(2):
            be = self.session.chip.neuron_block.backends[h]
            be.clock_scale_fast = int(settings["clock_scale_fast"])
            be.clock_scale_slow = int(settings["clock_scale_slow"])
            be.enable_clocks = True
        self.info["refractory_time_achieved"] = settings["achieved_refractory"]
        self.info["holdoff_time_achieved"] = settings["achieved_holdoff"]
        err = np.abs(settings["achieved_refractory"] - self.refractory_time)
        tick = settings["tick"]
        self._fail("refractory", "refractory time not representable", err > tick * 1.001)

    def _stp(self):
        if not self.options.calibrate_stp:
            return
        self._stp_settings()
        from .stp import calibrate_stp_offsets
        calibrate_stp_offsets(self)

    def _stp_settings(self):
        st, so = self.target.stp_target, self.options.stp_options
        for h in range(2):
            blk = self.session.chip.synapse_driver_blocks[h]
            blk.stp_v_charge_0 = np.full(2, st.v_charge_0)
            blk.stp_v_recover_0 = np.full(2, st.v_recover_0)
            blk.stp_v_charge_1 = np.full(2, st.v_charge_1)
            blk.stp_v_recover_1 = np.full(2, st.v_recover_1)
            blk.stp_i_ramp = np.full(2, so.i_ramp)
            blk.stp_i_bias_comparator = np.full(2, so.v_stp)

    def _refine(self):
        refine = self.options.refine_potentials
        if refine is None:
            refine = self.nopt.refine_potentials and not self.coba
        # the operating configuration
        for s in _SYNIN:
            self._set(f"{s}.enable", np.ones(N_NEURONS, bool))
        S.SynapseDrive(1, 0).apply(self.session.chip)    # no calibration synapses left behind
        self._set("threshold.enable", np.zeros(N_NEURONS, bool))
        if refine:
            settle = self._settle_us()
            dac, res = self._voltage_search("refine", "leak.v_leak", self.leak, self._leak_measure(settle))
            self._set("leak.v_leak", dac)
            self.info["leak"] = res
        self._set("threshold.enable", np.ones(N_NEURONS, bool))
        self._set("event_routing.analog_output", np.full(N_NEURONS, _ANALOG_NORMAL))
        self._set("event_routing.enable_digital", np.ones(N_NEURONS, bool))

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
    c._init_config()
    return c._result({})


#: the clock scale the refractory clock search starts from (as the public calix): a medium
#: clock leaves room to lengthen a calibrated neuron's refractory counter by hand
REFRACTORY_START_SCALE = 4
#: fewest ticks a refractory period is given (keeps the quantisation error below ~3 %)
REFRACTORY_MIN_TICKS = 30


def _refractory_clock_scale(shortest_tick_us: float, longest_tick_us: float, mhz: float) -> int:
    """The clock scale whose tick lies in [shortest, longest] (us) and is nearest to
    :data:`REFRACTORY_START_SCALE`; a window below scale 0 gets scale 0 (the counters
    then come out shorter than ideal)."""
    if longest_tick_us < 2 * shortest_tick_us:        # too tight: only the lower bound counts
        longest_tick_us = 2 * shortest_tick_us
    scales = np.arange(16)
    tick = 2.0 ** (scales + 1) / mhz
    inside = scales[(tick >= shortest_tick_us * (1 - 1e-12)) & (tick <= longest_tick_us * (1 + 1e-12))]
    if inside.size:
        return int(inside[np.argmin(np.abs(inside - REFRACTORY_START_SCALE))])
    if tick[-1] < shortest_tick_us:
        raise ValueError(f"refractory or holdoff times up to {255 * shortest_tick_us:g} us exceed what the "
                         f"slowest refractory clock counts ({255 * tick[-1]:g} us in 255 ticks)")
    log.warning("refractory clock at its fastest scale: refractory and holdoff times are less precise")
    return 0


def refractory_settings(refractory_time, holdoff_time, mask=None) -> dict:
    """Clock scales and per-neuron counters for refractory and holdoff targets (s).

    The refractory counter runs ``refractory_time`` ticks of the neuron's clock
    (``input_clock`` 1: fast, 0: slow; 250 MHz / 2^(scale+1)); the membrane is released from the
    reset ``(31 - 2 * reset_holdoff)`` ticks before the counter expires (the holdoff, at least
    one tick). As in the public calix, the neurons with a refractory time up to the mean (of the
    neurons in ``mask``) use the fast clock, the others, and those whose holdoff the fast clock
    cannot count, the slow one; each clock is the scale nearest to
    :data:`REFRACTORY_START_SCALE` that counts its neurons' longest time in 255 ticks and their
    shortest in at least :data:`REFRACTORY_MIN_TICKS`; the counter is the whole ticks of the
    target plus the releasing one. Raises ValueError for times the slowest clock cannot count.
    """
    n = np.broadcast(np.asarray(refractory_time), np.asarray(holdoff_time)).shape or (1,)
    t_ref = np.broadcast_to(np.asarray(refractory_time, float) * 1e6, n)
    t_hold = np.broadcast_to(np.asarray(holdoff_time, float) * 1e6, n)
    mhz = S.nominal.backend_clock_mhz()
    m = np.ones(n, bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), n)
    if not m.any():
        m = np.ones(n, bool)

    def scale_for(group):
        hold = t_hold[group]
        shortest = max(np.max(t_ref[group]) / 255, np.max(hold) / 31)
        longest = np.min(t_ref[group]) / REFRACTORY_MIN_TICKS
        if np.any(hold > 0):
            longest = min(longest, np.min(hold[hold > 0]))
        return _refractory_clock_scale(shortest, longest, mhz)

    fast_group = m & (t_ref <= np.mean(t_ref[m]) * (1 + 1e-12))
    fast = scale_for(fast_group)
    use_slow = ~fast_group | (t_hold > 31 * 2.0 ** (fast + 1) / mhz)
    slow = scale_for(m & use_slow) if np.any(m & use_slow) else 0      # unused: left at its default
    scale = np.where(use_slow, slow, fast)
    tk = 2.0 ** (scale + 1) / mhz
    ticks = np.clip(np.floor(t_ref / tk * (1 + 1e-12)) + 1, 1, 255).astype(np.int64)
    release = np.floor(t_hold / tk * (1 + 1e-12)) + 1
    holdoff = np.clip(np.ceil(15 - (release - 1) / 2), 0, 15).astype(np.int64)
    achieved_hold = (31 - 2 * holdoff) * tk
    # select_input_clock: 1 = the fast clock, 0 = the slow one (as the public calix assigns them)
    return {"refractory_time": ticks, "input_clock": (~use_slow).astype(np.int64), "reset_holdoff": holdoff,
            "clock_scale_fast": fast, "clock_scale_slow": slow, "achieved_refractory": ticks * tk * 1e-6,
            "achieved_holdoff": achieved_hold * 1e-6, "tick": tk * 1e-6}
