"""Step ``synin``: the synaptic strengths, ``*_input.i_bias_gm`` (public
``calix.hagen.neuron_synin.SynBiasCalib``): the mean membrane shift under periodic input to each
receptor is matched to the median neuron's (CUBA). The drives are sized by :func:`synin_drive`;
the measurement helpers are shared with the COBA step (:mod:`calix.spiking.coba`)."""
from __future__ import annotations

import numpy as np

import halco
import stadls

from ...common import measure
from ...common.measure import CYCLES_PER_US
from .. import setup as S
from ..targets import N_NEURONS
from .base import SYNIN, Step

__all__ = ["SyninStep", "synin_drive", "synin_drive_for", "measure_synin", "measure_synin_levels",
           "prepare_synin", "SYNIN_SHIFT_LSB"]

#: synin step: aimed-for mean membrane shift (CADC LSB) of each receptor under its drive
SYNIN_SHIFT_LSB = 40.0


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


def synin_drive_for(cal):
    """(drive, periods (2,) us, duration us): per receptor a mean shift of ~40 LSB
    in the final configuration (:func:`synin_drive`)."""
    tau_m = cal._median(cal.tau_mem) * 1e6
    tau_s = np.median(cal.tau_syn[:, cal.mask], axis=1) * 1e6
    c = float(np.median(S.nominal.capacitance_pf(cal.cap[cal.mask])))
    dac = float(np.min(cal.info.get("synapse_dac_bias", [cal.dac_bias])))
    d = synin_drive(cal.gm, dac, c, tau_s, tau_m)
    duration = 6 * (float(np.max(tau_s)) + tau_m)
    drive = S.SynapseDrive(d[:, 0].astype(np.int64), d[:, 1].astype(np.int64))
    return drive, d[:, 2].copy(), duration


def measure_synin(cal, drive_period, duration, receptors=(0, 1)):
    """Mean membrane shift (2, 512) CADC LSB under periodic input to each receptor."""
    base, mean = measure_synin_levels(cal, drive_period, duration, receptors)
    return np.abs(mean - base)


def measure_synin_levels(cal, drive_period, duration, receptors=(0, 1)):
    """(base, driven mean), each (2, 512) CADC LSB: the resting potential read
    just before the periodic input to each receptor starts, and the mean
    membrane potential over the last two periods of that input (NaN for
    receptors not measured). One program; the receptors one after another.
    ``drive_period``: one period (us) or one per receptor."""
    periods = np.broadcast_to(np.asarray(drive_period, float), (2,))
    settle = cal._settle_us()
    b = cal._program(settle_us=settle)
    cal.session.write_synapse_dac_bias(b)
    t = settle
    out = {}
    J = 8
    for receptor in receptors:
        drive_period = float(periods[receptor])
        base_t = measure.cadc_trace(b, S.us(t) + np.arange(4) * S.us(0.25))
        t0 = t + 1.0
        n_ev = int(np.ceil(duration / drive_period))
        times = np.rint((t0 + np.arange(n_ev) * drive_period) * CYCLES_PER_US).astype(np.int64)
        # reads over the last two periods (uniform phases), interleaved with the spikes
        t_end = t0 + n_ev * drive_period
        read_t = np.rint((t_end - 2 * drive_period + (np.arange(2 * J) + 0.5) * drive_period / J) * CYCLES_PER_US)
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
    cal.session.run(b)
    base = np.full((2, N_NEURONS), np.nan)
    mean = np.full((2, N_NEURONS), np.nan)
    for receptor, (base_t, tickets) in out.items():
        base[receptor] = np.mean([x.get() for x in base_t], axis=0)
        mean[receptor] = np.mean([x.get() for x in tickets], axis=0)
    return base, mean


def prepare_synin(cal, weight_factor=1, coba: bool = False):
    """Write the calibration drive (``weight_factor`` x its weights, one factor or
    one per receptor, at most 63) and enable the synaptic inputs; returns
    (periods (2,), duration) us.

    ``info["synin_drives"]`` (``coba``: ``info["coba_drives"]``) (2, 4): per
    receptor rows, weight, period, duration. ``info["synin_drive"]`` (4,): one
    reference drive for both receptors, the stronger receptor's (the drive of
    both before the drives were per receptor); ``synin_target_amplitude`` is
    given for it (see :class:`SyninStep`)."""
    drive, periods, duration = synin_drive_for(cal)
    factor = np.broadcast_to(np.asarray(weight_factor, np.int64), (2,))
    if np.any(factor != 1):
        weights = np.minimum(63, np.asarray(drive.weight_pair) * factor)
        drive = S.SynapseDrive(np.asarray(drive.rows_pair), weights)
    drive.apply(cal.session.chip)
    b = stadls.PlaybackProgramBuilder()
    for h in range(2):
        b.write(halco.SynramOnDLS(h), cal.session.chip.synapse_blocks[h].matrix)
    cal.session.run(b)
    for s in SYNIN:
        cal._set(f"{s}.enable", np.ones(N_NEURONS, bool))
    drives = np.array([[drive.rows_pair[r], drive.weight_pair[r], periods[r], duration] for r in (0, 1)], float)
    if coba:
        cal.info["coba_drives"] = drives
    else:
        cal.info["synin_drives"] = drives
        cal.info["synin_drive"] = drives[int(np.argmax(cal.gm))].copy()
    return periods, duration


class SyninStep(Step):
    """CUBA synaptic strengths of both receptors matched to the median neuron."""

    name = "synin"

    def run(self) -> None:
        """CUBA strengths matched to the median (for COBA targets they are the
        reference the COBA step matches at the reference potential).

        Each receptor has its own drive (``info["synin_drives"]``) and median shift
        ``info["synin_target_shift"]``; ``info["synin_target_amplitude"]`` is the shift
        the reference drive ``info["synin_drive"]`` gives (the mean shift is linear in
        rows x weight / period)."""
        cal = self.cal
        tol = cal.nopt.tolerance_synin
        period, duration = prepare_synin(cal)
        off, sl = cal.vmodel["leak.v_leak"]
        saved_leak = cal._get("leak.v_leak")
        gm = np.stack([np.full(N_NEURONS, cal.gm[i]) for i in range(2)])
        for i, s in enumerate(SYNIN):
            cal._set(f"{s}.i_bias_gm", np.rint(gm[i]).astype(np.int64))
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
                cal._set("leak.v_leak", np.clip(np.rint((levels[r] - off) / sl), 0, 1022))
                amp[r] = measure_synin(cal, period, duration, receptors=(r,))[r]
            if target_amp is None:
                target_amp = np.array([np.median(amp[r][cal.mask]) for r in (0, 1)])
                cal.info["synin_amplitude_before"] = amp.copy()
            err = amp / target_amp[:, None] - 1.0
            better = np.abs(err) < best_err
            best_err = np.where(better, np.abs(err), best_err)
            best_signed = np.where(better, err, best_signed)
            best_gm = np.where(better, gm, best_gm)
            if np.all(best_err[:, cal.mask] < 0.2 * tol) or it == 3:
                break
            gm = np.clip(np.rint(gm * target_amp[:, None] / np.maximum(amp, 1e-3)), 0, 1022)
            for i, s in enumerate(SYNIN):
                cal._set(f"{s}.i_bias_gm", gm[i].astype(np.int64))
        for i, s in enumerate(SYNIN):
            cal._set(f"{s}.i_bias_gm", best_gm[i].astype(np.int64))
        cal._set("leak.v_leak", saved_leak)
        d = cal.info["synin_drives"]
        rate = d[:, 0] * d[:, 1] / d[:, 2]                  # rows x weight per us
        ref = cal.info["synin_drive"]
        to_ref = (ref[0] * ref[1] / ref[2]) / rate
        cal.info["synin_amplitude"] = (1 + best_signed) * target_amp[:, None]
        cal.info["synin_target_shift"] = target_amp
        cal.info["synin_target_amplitude"] = target_amp * to_ref
        for i, name in enumerate(("excitatory", "inhibitory")):
            cal._fail("synin", f"{name} synaptic strength deviates from the median by more than {100 * tol:g} %",
                      ~(best_err[i] <= tol))
            cal._fail("synin", f"{name} i_bias_gm at its range end",
                      (best_gm[i] <= 0) | (best_gm[i] >= 1022))
