"""Independent quality measurements of a spiking calibration.

The calibration steps measure with the CADC; these checks use the **MADC**
(another instrument: 10 bit, 1 mV per LSB, one gain and offset for the whole
chip) on the applied configuration, one even and one odd neuron at a time, so
nothing is taken from a search's last probe:

* ``leak``: the resting potential in the operating configuration;
* ``reset`` and ``threshold``: a leak-over-threshold neuron fires regularly;
  the membrane is clamped at the reset during the refractory period (minimum
  of the trace) and turns at the threshold (maximum of the trace);
* ``tau_mem``: exponential fit of the relaxation after a ``NeuronReset``;
* ``tau_syn``: exponential fit of the synaptic input itself (readout source
  ``exc_synin`` / ``inh_synin``) after one input event;
* ``psp``: the peak of a single PSP in the operating configuration, through
  other synapse rows than the calibration used;
* ``coba`` (COBA results only): the signed PSP peak of one event per receptor
  at several resting potentials (leak cell moved around its calibrated value,
  the rest measured by the MADC before the event). For a conductance input the
  PSP of a neuron resting at ``V`` is exactly ``(E_rev - V) f(t)`` with ``f``
  independent of ``V``, so the zero crossing of a line fit of the peaks over
  the rest is the reversal potential (``coba_reversal``, (2, 512) CADC LSB);
  ``coba_rest`` / ``coba_psp`` (level, receptor, neuron) hold the points.

Potentials are reported in CADC LSB of the nominal CADC transfer
(``chipmodel.transfer``: a CapMem voltage of 70 reads 20, of 550 reads 220), so they compare directly to the targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

import numpy as np

import halco
import haldls
import hxcomm
import lola
import stadls

from ..common.exceptions import TooFewSamplesError
from ..common.fit import fit_exponential
from ..common.measure import CYCLES_PER_US
from ..common.result import CalibResult
from ..common.session import ChipSession
from . import setup as S
from .targets import N_NEURONS, per_neuron, per_synin

__all__ = ["verify", "VerifyResult", "QUANTITIES", "summary"]

QUANTITIES = ("leak", "reset", "threshold", "tau_mem", "tau_syn", "psp", "coba")
#: resting potentials of the ``coba`` check: E + (fraction x span) on the side of the
#: reference, span = max(|E - leak|, COBA_MIN_SPAN) (the zero crossing is interpolated)
COBA_REST_FRACTIONS = (1.2, 0.8, 0.5, 0.2)
COBA_MIN_SPAN = 60.0
_MADC_PERIOD_US = 34e-3


@dataclass
class VerifyResult:
    """Per-neuron measured values (NaN where not measured).

    ``leak``, ``reset``, ``threshold``: CADC LSB (nominal transfer of the MADC
    voltage); ``tau_mem``: s; ``tau_syn``: (2, 512) s; ``psp``: (2, 512) mV
    (peak of one PSP, exc and inh).
    """

    neurons: np.ndarray
    values: Dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, k):
        return self.values[k]


class _PairRecorder:
    """MADC recordings of neuron pairs (even, odd column) in one program."""

    def __init__(self, session: ChipSession, neurons: np.ndarray):
        self.session = session
        self.neurons = np.asarray(neurons)
        even = self.neurons[self.neurons % 2 == 0]
        odd = self.neurons[self.neurons % 2 == 1]
        self.pairs = [[int(x[i]) for x in (even, odd) if i < len(x)] for i in range(max(len(even), len(odd)))]
        self.addr = lola.neuron.neuron_addresses()[0]

    def _nc_words(self, source: int):
        from lola.neuron import encode_neurons
        table = {f.path: self.session.neurons.get_field(f.path) for f in lola.neuron.FIELDS}
        out = []
        for on in (False, True):
            t = dict(table)
            t["readout.enable_buffered_access"] = np.full(N_NEURONS, on)
            t["readout.source"] = np.full(N_NEURONS, source, dtype=table["readout.source"].dtype)
            out.append(encode_neurons(t, N_NEURONS, validate=False)[0])
        return out

    def record(self, duration_us: float, stimulus=None, source: int = 0, pre_us: float = 0.3,
               settle_us: float = 20.0):
        """Run one program: for each pair, switch its readout on, call
        ``stimulus(builder, pair, t_cycles)`` (e.g. a reset or an event) and
        record ``duration_us``. Returns a list of (pair, {neuron: (t_us, mV)})."""
        b = stadls.PlaybackProgramBuilder()
        self.session.write_neurons(b)
        b.write(halco.TimerOnDLS(), haldls.Timer())
        nc = self._nc_words(source)
        n_samples = int(np.ceil(duration_us / _MADC_PERIOD_US))
        n_samples += n_samples % 2
        if n_samples > 65535:
            raise ValueError(f"an MADC recording of {duration_us} us needs {n_samples} samples (max 65535)")
        b.write(halco.MADCConfigOnDLS(), haldls.MADCConfig(number_of_samples=n_samples,
                                                           active_mux_initially_selected_input=0,
                                                           active_mux_input_select_length=1))
        sel = haldls.ReadoutSourceSelection()
        sel.neuron_even[0] = True
        sel.neuron_odd[1] = True
        sel.enable_buffered[0] = sel.enable_buffered[1] = True
        b.write(halco.ReadoutSourceSelectionOnDLS(), sel)
        t = settle_us
        prev = []
        starts = []
        for pair in self.pairs:
            b.wait_until(S.us(t))
            for n in prev:
                b.write_words(self.addr[n], nc[0][n])
            for n in pair:
                b.write_words(self.addr[n], nc[1][n])
            prev = pair
            t += pre_us
            t0 = int(np.ceil(S.us(t) / 25) * 25)
            b.wait_until(t0)
            b.write(halco.MADCControlOnDLS(), haldls.MADCControl(start_recording=True, wake_up=True,
                                                                 enable_pre_amplifier=True))
            if stimulus is not None:       # may wait: after the recording has started
                stimulus(b, pair, t0)
            starts.append(t0)
            t = t0 / CYCLES_PER_US + n_samples * _MADC_PERIOD_US + 0.1
        b.wait_until(S.us(t))
        for n in prev:
            b.write_words(self.addr[n], nc[0][n])
        program = self.session.run(b)
        s = program.madc_samples
        if len(s) != n_samples * len(self.pairs):
            raise TooFewSamplesError(f"MADC returned {len(s)} samples, expected {n_samples * len(self.pairs)}")
        s = s.reshape(len(self.pairs), n_samples)
        out = []
        for k, pair in enumerate(self.pairs):
            rec = s[k]
            t_us = (rec["chip_time"].astype(np.int64) - int(rec["chip_time"][0]) + 4.25) / CYCLES_PER_US
            mv = S.nominal.madc_to_mv(rec["value"])
            out.append((pair, {n: (t_us[rec["channel"] == n % 2], mv[rec["channel"] == n % 2]) for n in pair}))
        return out


def _to_lsb(mv):
    return S.nominal.mv_to_cadc(mv)


def verify(connection, result: CalibResult, neurons: Optional[Sequence[int]] = None,
           quantities: Sequence[str] = QUANTITIES) -> VerifyResult:
    """Measure the calibrated quantities of ``result`` applied on the chip of
    ``connection`` (independent MADC measurements, see the module doc)."""
    target = result.target.neuron_target
    neurons = np.arange(N_NEURONS) if neurons is None else np.unique(np.asarray(neurons, dtype=np.int64))
    session = ChipSession(connection, result.to_chip(S.base_chip()))
    session.init()
    out = VerifyResult(neurons)
    rec = _PairRecorder(session, neurons)
    nt_leak, nt_thr = per_neuron(target.leak), per_neuron(target.threshold)
    tau_m = per_neuron(target.tau_mem) * 1e6
    tau_s = per_synin(target.tau_syn) * 1e6

    def put(name, shape=(N_NEURONS,)):
        a = np.full(shape, np.nan)
        out.values[name] = a
        return a

    neurons_ = session.neurons
    op = {p: neurons_.get_field(p) for p in ("leak.v_leak", "threshold.enable", "excitatory_input.enable",
                                             "inhibitory_input.enable")}
    if "leak" in quantities:
        a = put("leak")
        # a leak above the threshold would fire: measure the rest without the comparator
        neurons_.set_field("threshold.enable", np.zeros(N_NEURONS, bool))
        for pair, tr in rec.record(1.0, settle_us=8 * float(np.max(tau_m[neurons])) + 5):
            for n, (t, mv) in tr.items():
                a[n] = _to_lsb(np.mean(mv[t > 0.2]))
        neurons_.set_field("threshold.enable", op["threshold.enable"])
    if "reset" in quantities or "threshold" in quantities:
        r, th = put("reset"), put("threshold")
        # leak over threshold: E_leak ~25 LSB above the threshold target
        shift = (nt_thr + 25 - nt_leak) / S.nominal.cadc_per_dac()
        neurons_.set_field("leak.v_leak", np.clip(np.rint(op["leak.v_leak"] + shift), 0, 1022).astype(np.int64))
        neurons_.set_field("threshold.enable", np.ones(N_NEURONS, bool))
        reset_t, ref_t = per_neuron(target.reset), per_neuron(target.refractory_time) * 1e6
        period = ref_t + tau_m * np.log(np.maximum(nt_thr + 25 - reset_t, 1) / 25.0)
        dur = float(np.max((2.3 * period)[neurons]))
        for pair, tr in rec.record(dur, settle_us=5.0):
            for n, (t, mv) in tr.items():
                r[n] = _to_lsb(np.min(mv))
                th[n] = _to_lsb(np.max(mv))
        neurons_.set_field("leak.v_leak", op["leak.v_leak"])
        neurons_.set_field("threshold.enable", op["threshold.enable"])
    if "tau_mem" in quantities:
        a = put("tau_mem")
        neurons_.set_field("threshold.enable", np.zeros(N_NEURONS, bool))
        # a reset ~40 LSB away from the rest (below, or above for a low leak), so
        # that the relaxation is large whatever the reset calibration did
        v_reset_op = neurons_.get_field("reset.v_reset")
        step = 50.0 / S.nominal.cadc_per_dac()
        away = np.where(nt_leak >= 50, -step, step)
        neurons_.set_field("reset.v_reset", np.clip(np.rint(op["leak.v_leak"] + away), 0, 1022).astype(np.int64))
        seg = 5 * float(np.max(tau_m[neurons]))
        repeats = 3
        dur = repeats * seg

        def reset_pair(b, pair, t0):
            from ..common.measure import neuron_reset
            for k in range(repeats):
                if k:
                    b.wait_until(t0 + S.us(k * seg))
                neuron_reset(b, pair)

        for pair, tr in rec.record(dur, stimulus=reset_pair, settle_us=8 * float(np.max(tau_m[neurons])) + 5):
            for n, (t, mv) in tr.items():
                taus = []
                for k in range(repeats):
                    keep = (t > k * seg + 0.15) & (t < (k + 1) * seg - 0.05)
                    taus.append(fit_exponential(t[keep] - k * seg, mv[keep], tau_min=0.05, tau_max=5000.0).tau)
                a[n] = float(np.median(taus)) * 1e-6
        neurons_.set_field("threshold.enable", op["threshold.enable"])
        neurons_.set_field("reset.v_reset", v_reset_op)
    if "tau_syn" in quantities or "psp" in quantities:
        drive = S.SynapseDrive(32, 0, first_driver=64)
        ts = put("tau_syn", (2, N_NEURONS))
        psp = put("psp", (2, N_NEURONS))
        neurons_.set_field("threshold.enable", np.zeros(N_NEURONS, bool))
        for s in ("excitatory_input", "inhibitory_input"):
            neurons_.set_field(f"{s}.enable", np.ones(N_NEURONS, bool))
        c = float(np.median(S.nominal.capacitance_pf(per_neuron(target.membrane_capacitance))))
        for receptor in (0, 1):
            # PSP peak ~ 20 LSB: q (nA) with tau_m = tau_s = tau -> peak = q tau / (e C)
            tm, tsy = float(np.median(tau_m[neurons])), float(np.median(tau_s[receptor][neurons]))
            q = 80.0 * c * np.e / max(tm, tsy)
            gm = float(np.median(neurons_.get_field(("excitatory_input", "inhibitory_input")[receptor] + ".i_bias_gm")))
            unit = S.nominal.cuba_gain_per_lsb() * gm * target.synapse_dac_bias / 1022.0
            label = S.spike_label(receptor)

            def event(b, pair, t0, label=label):
                b.write_spikes([t0 + CYCLES_PER_US], [label])     # 1 us after the start

            def set_weight(w):
                drive.weight = int(np.clip(np.rint(w), 1, 63))
                drive.apply(session.chip)
                b = stadls.PlaybackProgramBuilder()
                for h in range(2):
                    b.write(halco.SynramOnDLS(h), session.chip.synapse_blocks[h].matrix)
                session.run(b)

            if "tau_syn" in quantities:
                # the synaptic-input readout: 300 mV + 10 mV/nA; ~40 nA stays inside the MADC range
                set_weight(40.0 / unit / drive.rows)
                dur = 1.0 + 5 * float(np.max(tau_s[receptor][neurons]))
                for pair, tr in rec.record(dur, stimulus=event, source=1 + receptor, settle_us=10.0):
                    for n, (t, mv) in tr.items():
                        keep = (t > 1.2) & (mv < S.nominal.madc_to_mv(1020)) & (mv > S.nominal.madc_to_mv(3))
                        fit = fit_exponential(t[keep], mv[keep], tau_min=0.05, tau_max=5000.0)
                        ts[receptor, n] = fit.tau * 1e-6
            set_weight(q / unit / drive.rows)
            if "psp" in quantities:
                dur = 1.0 + 6 * (tm + tsy)
                for pair, tr in rec.record(dur, stimulus=event, settle_us=8 * float(np.max(tau_m[neurons])) + 5):
                    for n, (t, mv) in tr.items():
                        base = np.mean(mv[t < 0.95])
                        dev = mv[t > 1.0] - base
                        psp[receptor, n] = float(np.max(dev) if receptor == 0 else -np.min(dev))
        S.SynapseDrive(1, 0).apply(session.chip)
    if "coba" in quantities and getattr(target, "coba", False):
        _verify_coba(session, rec, target, neurons, out, put)
    return out


def _verify_coba(session, rec, target, neurons, out, put):
    """The ``coba`` quantity (see the module doc)."""
    neurons_ = session.neurons
    op_leak = neurons_.get_field("leak.v_leak").copy()
    op_thr = neurons_.get_field("threshold.enable").copy()
    drive = S.SynapseDrive(32, 0, first_driver=64)
    tau_m = per_neuron(target.tau_mem) * 1e6
    tau_s = per_synin(target.tau_syn) * 1e6
    rev = per_synin(target.e_coba_reversal)
    ref = per_synin(target.e_coba_reference) if target.e_coba_reference is not None else \
        np.stack([0.5 * (per_neuron(target.leak) + per_neuron(target.threshold))] * 2)
    c = float(np.median(S.nominal.capacitance_pf(per_neuron(target.membrane_capacitance))))
    neurons_.set_field("threshold.enable", np.zeros(N_NEURONS, bool))
    for s in ("excitatory_input", "inhibitory_input"):
        neurons_.set_field(f"{s}.enable", np.ones(N_NEURONS, bool))
    levels = len(COBA_REST_FRACTIONS)
    side = np.where(ref >= rev, 1.0, -1.0)
    span = np.maximum(np.abs(rev - per_neuron(target.leak)[None]), COBA_MIN_SPAN)
    leak_t = per_neuron(target.leak)
    rest = put("coba_rest", (levels, 2, N_NEURONS))
    psp = put("coba_psp", (levels, 2, N_NEURONS))
    settle = 8 * float(np.max(tau_m[neurons])) + 5
    for receptor in (0, 1):
        tm, tsy = float(np.median(tau_m[neurons])), float(np.median(tau_s[receptor][neurons]))
        # PSP peak ~40 LSB (160 mV) at the farthest rest: current jump I0 = g (E - V),
        # peak = I0 / C * tm ts / (tm - ts) * (exp(-t*/tm) - exp(-t*/ts))
        a, b_ = max(tm, tsy), min(tm, tsy) * (1 - 1e-6)
        t_pk = np.log(a / b_) * a * b_ / (a - b_)
        peak_per_na = a * b_ / (a - b_) * (np.exp(-t_pk / a) - np.exp(-t_pk / b_)) / c     # mV per nA of I0
        path = ("excitatory_input", "inhibitory_input")[receptor]
        g = float(np.median(neurons_.get_field(path + ".i_bias_coba")[neurons])) * S.nominal.coba_gain_per_lsb()
        far_mv = COBA_REST_FRACTIONS[0] * float(np.median(span[receptor][neurons])) * S.nominal.cadc_mv_per_lsb()
        unit = g * far_mv * target.synapse_dac_bias / 1022.0          # nA per row*weight at the farthest rest
        drive.weight = int(np.clip(np.rint(160.0 / peak_per_na / max(unit, 1e-12) / drive.rows), 1, 63))
        drive.apply(session.chip)
        b = stadls.PlaybackProgramBuilder()
        for h in range(2):
            b.write(halco.SynramOnDLS(h), session.chip.synapse_blocks[h].matrix)
        session.run(b)
        label = S.spike_label(receptor)

        def event(b, pair, t0, label=label):
            b.write_spikes([t0 + CYCLES_PER_US], [label])

        for k, frac in enumerate(COBA_REST_FRACTIONS):
            goal = np.clip(rev[receptor] + side[receptor] * frac * span[receptor], 30.0, 225.0)
            off = (goal - leak_t) / S.nominal.cadc_per_dac()
            neurons_.set_field("leak.v_leak", np.clip(np.rint(op_leak + off), 0, 1022).astype(np.int64))
            for pair, tr in rec.record(1.0 + 6 * (tm + tsy), stimulus=event, settle_us=settle):
                for n, (t, mv) in tr.items():
                    base = np.mean(mv[t < 0.95])
                    dev = mv[t > 1.0] - base
                    rest[k, receptor, n] = _to_lsb(base)
                    psp[k, receptor, n] = float(dev[np.argmax(np.abs(dev))]) / S.nominal.cadc_mv_per_lsb()  # LSB
    neurons_.set_field("leak.v_leak", op_leak)
    neurons_.set_field("threshold.enable", op_thr)
    S.SynapseDrive(1, 0).apply(session.chip)
    e = put("coba_reversal", (2, N_NEURONS))
    for r in (0, 1):
        for n in neurons:
            x, y = rest[:, r, n], psp[:, r, n]
            slope, icpt = np.polyfit(x, y, 1)
            e[r, n] = -icpt / slope if slope != 0 else np.nan


def _robust_std(x) -> float:
    """1.4826 x the median absolute deviation (= std for normal data; ignores
    the rare failed fit)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if x.size else float("nan")


def summary(v: VerifyResult, target, neurons=None) -> Dict[str, float]:
    """Spread figures of a verification against the (hardware-unit) target."""
    nt = target.neuron_target
    idx = v.neurons if neurons is None else np.asarray(neurons)
    out = {}
    for name, tgt in (("leak", nt.leak), ("reset", nt.reset), ("threshold", nt.threshold)):
        if name in v.values:
            x = v.values[name][idx]
            out[f"{name}_std_lsb"] = float(np.nanstd(x))
            out[f"{name}_mean_error_lsb"] = float(np.nanmean(x - per_neuron(tgt)[idx]))
    if "tau_mem" in v.values:
        rel = v.values["tau_mem"][idx] / per_neuron(nt.tau_mem)[idx] - 1
        out["tau_mem_within_5pct_frac"] = float(np.mean(np.abs(rel) <= 0.05))
        out["tau_mem_rel_std"] = _robust_std(rel)
        out["tau_mem_median_rel_error"] = float(np.nanmedian(rel))
    if "tau_syn" in v.values:
        rel = v.values["tau_syn"][:, idx] / per_synin(nt.tau_syn)[:, idx] - 1
        out["tau_syn_within_5pct_frac"] = float(np.mean(np.abs(rel) <= 0.05))
        out["tau_syn_rel_std"] = _robust_std(rel)
        out["tau_syn_median_rel_error"] = float(np.nanmedian(rel))
    if "coba_reversal" in v.values:
        err = v.values["coba_reversal"][:, idx] - per_synin(nt.e_coba_reversal)[:, idx]
        out["coba_reversal_max_error_lsb"] = float(np.nanmax(np.abs(err)))
        out["coba_reversal_mean_error_lsb"] = float(np.nanmean(err))
        out["coba_reversal_std_lsb"] = float(np.nanstd(err))
    if "psp" in v.values:
        p = v.values["psp"][:, idx]
        rel = p / np.nanmedian(p, axis=1, keepdims=True)
        out["synin_exc_rel_std"] = float(np.nanstd(rel[0]))
        out["synin_inh_rel_std"] = float(np.nanstd(rel[1]))
        out["synin_rel_std"] = float(max(out["synin_exc_rel_std"], out["synin_inh_rel_std"]))
        out["synin_within_5pct_frac"] = float(np.mean(np.abs(rel - 1) <= 0.05))
    return out


def evaluate_chip(chip_id: int, target=None, neurons=None, connection_options=None) -> dict:
    """Calibrate emulated chip ``chip_id`` (no cache) and measure the quality
    before (nominal settings) and after, independently (MADC).

    Returns ``{"chip_id", "calibration_s", "step_s": {...}, "programs",
    "failed_neurons", "before": summary, "after": summary, "values": {"before":
    {...}, "after": {...}}}`` (``values``: the per-neuron measurements).
    """
    import time
    from .calibrate import SpikingCalibration, nominal_calibration
    from .targets import SpikingCalibOptions, SpikingCalibTarget
    target = target or SpikingCalibTarget()
    options = SpikingCalibOptions(neurons=None if neurons is None else tuple(int(i) for i in neurons))
    with hxcomm.EmulatorConnection(chip_id=chip_id, **(connection_options or {})) as conn:
        t0 = time.perf_counter()
        result = SpikingCalibration(conn, target, options, progress=False).run()
        calib_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        v_before = verify(conn, nominal_calibration(target, options), neurons)
        v_after = verify(conn, result, neurons)
        before, after = summary(v_before, target), summary(v_after, target)
        verify_s = time.perf_counter() - t1
    steps = {k: v for k, v in result.timings.items() if k not in ("total", "programs", "emulator_s")}
    mask = np.zeros(N_NEURONS, bool)
    mask[np.arange(N_NEURONS) if neurons is None else np.asarray(neurons)] = True
    return {"chip_id": chip_id, "calibration_s": calib_s, "step_s": steps,
            "programs": int(result.timings.get("programs", 0)), "emulator_s": result.timings.get("emulator_s"),
            "failed_neurons": int((~result.success[mask]).sum()), "failures": {
                s: {r: len(i) for r, i in f.items()} for s, f in result.failures.items()},
            "verify_s": verify_s, "before": before, "after": after,
            "values": {"before": v_before.values, "after": v_after.values}}
