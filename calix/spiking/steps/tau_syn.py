"""Step ``tau_syn``: the synaptic time constants, ``*_input.i_bias_tau`` (public
``calix.hagen.neuron_synin.SynTimeConstCalib``): the PSP tail of a fast membrane is fitted, and the
reciprocal transfer ``(x + c0) tau = K`` is updated from the pooled estimates. The drive of each
receptor is sized by :func:`tau_syn_drive`."""
from __future__ import annotations

import numpy as np

import halco
import stadls

from ...common import measure
from ...common.fit import fit_exponential
from ...common.measure import CYCLES_PER_US
from .. import setup as S
from ..targets import N_NEURONS
from .base import SYNIN, Step

__all__ = ["TauSynStep", "tau_syn_drive", "TAU_SYN_REST_LSB", "TAU_SYN_PSP_LSB", "TAU_SYN_PSP_MV",
           "TAU_SYN_MAX_EVENTS"]

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


class TauSynStep(Step):
    """Synaptic time constants of both receptors at their targets.

    ``tau_m_fast`` (us) and ``events`` (host events per PSP, per receptor) describe the
    fast membrane and the drive of the measurement once :meth:`run` set them up."""

    name = "tau_syn"

    def run(self) -> None:
        cal = self.cal
        tol = cal.nopt.tolerance_time
        tt = S.nominal.tau_syn_transfer()
        target_us = cal.tau_syn * 1e6
        saved = {p: cal._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication",
                                          "leak.v_leak", "membrane_capacitance.capacitance")}
        # a fast membrane follows the synaptic current; the PSP tail decays with tau_syn
        for s_ in SYNIN:
            cal._set(f"{s_}.enable", np.ones(N_NEURONS, bool))
        # the membrane must be fast against tau_syn (tau_m <= tau_syn / 8) and the PSP
        # large (~80 LSB = 320 mV) for both receptors (tau_syn_drive)
        tau_min = float(np.min(target_us[:, cal.mask]))
        g_max = 1022 * 4 * S.nominal.g_leak_per_lsb()
        size, g, drive, events = tau_syn_drive(cal.gm, cal.dac_bias, int(np.max(cal.cap[cal.mask])), tau_min, g_max)
        c = float(S.nominal.capacitance_pf(size))
        cal._set("membrane_capacitance.capacitance", np.full(N_NEURONS, size))
        cal.info["tau_syn_membrane_capacitance"] = np.array([size], float)
        mul = g > 1022 * S.nominal.g_leak_per_lsb()
        x_leak = int(np.clip(np.rint(g / (S.nominal.g_leak_per_lsb() * (4 if mul else 1))), 1, 1022))
        cal._set("leak.i_bias", np.full(N_NEURONS, x_leak))
        cal._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        cal._set("leak.enable_multiplication", np.full(N_NEURONS, bool(mul)))
        off, sl = cal.vmodel["leak.v_leak"]
        cal._set("leak.v_leak", np.clip(np.rint((TAU_SYN_REST_LSB - off) / sl), 0, 1022))
        self.tau_m_fast = c / (x_leak * S.nominal.g_leak_per_lsb() * (4 if mul else 1))
        self.events = events
        cal.info["tau_syn_drive"] = np.array([drive.rows_pair, drive.weight_pair, events], float).T
        drive.apply(cal.session.chip)
        b = stadls.PlaybackProgramBuilder()
        for h in range(2):
            b.write(halco.SynramOnDLS(h), cal.session.chip.synapse_blocks[h].matrix)
        cal.session.write_synapse_dac_bias(b)
        cal.session.run(b)
        x = np.stack([cal._get(f"{s}.i_bias_tau") for s in SYNIN]).astype(float)
        # reciprocal transfer: (x + c0) * tau = K per neuron; estimates pooled
        ks = []
        amp = None
        for it in range(4):
            tau, amp_it, clipped = self.measure(target_us)
            if it == 0:
                amp = amp_it
            cal.info[f"tau_syn_iteration_{it}"] = tau
            ks.append((x + tt.c0) * tau)
            k = np.mean(ks[-3:], axis=0)
            x = np.clip(np.rint(k / target_us - tt.c0), 1, 1022)
            for i, s in enumerate(SYNIN):
                cal._set(f"{s}.i_bias_tau", x[i].astype(np.int64))
        predicted = k / (x + tt.c0)
        noise = np.std(ks[-3:], axis=0) / np.maximum(np.abs(k), 1e-12)
        err = np.abs(predicted / target_us - 1)
        cal.info["tau_syn"] = predicted
        cal.info["tau_syn_measurement_noise"] = noise
        cal.info["synin_amplitude_fast"] = amp
        for i, name in enumerate(("excitatory", "inhibitory")):
            cal._fail("tau_syn", f"{name} tau_syn misses the target by more than {100 * tol:g} %", ~(err[i] <= tol))
            cal._fail("tau_syn", f"{name} tau_syn measurements disagree by more than the tolerance",
                      ~(noise[i] <= tol))
            cal._fail("tau_syn", f"{name} i_bias_tau at its range end", (x[i] <= 1) | (x[i] >= 1022))
            cal._fail("tau_syn", f"{name} PSP clipped by the CADC range (0..255)", clipped[i])
        for k, v in saved.items():
            cal._set(k, v)

    def measure(self, target_us):
        """(tau (2, 512) us, amplitude (2, 512) CADC LSB, clipped (2, 512) bool) of
        the PSP tails; each receptor gets a burst of ``events`` host events
        (one per FPGA cycle: a single jump of the synaptic current on the scale of
        tau_syn)."""
        cal = self.cal
        settle = 10.0
        b = cal._program(settle_us=settle)
        lo, hi = np.min(target_us[:, cal.mask]), np.max(target_us[:, cal.mask])
        # the tail from 7 membrane time constants on, after the burst (one event per cycle)
        burst_us = float(np.max(self.events)) / CYCLES_PER_US
        times = cal._trace_times(lo, hi, t_min_us=max(min(1.5, burst_us + 0.5), 0.1 * lo, 7 * self.tau_m_fast))
        span = 8 * hi
        t = settle
        out = []
        for receptor in (0, 1):
            base_t = measure.cadc_trace(b, S.us(t) + np.arange(2) * S.us(0.5))
            t_ev = int(np.ceil(S.us(t + 1.0) / 25) * 25)
            b.wait_until(t_ev)
            n_ev = int(self.events[receptor])
            b.write_spikes(list(t_ev + np.arange(n_ev)), [S.spike_label(receptor)] * n_ev)
            tickets = measure.cadc_trace(b, t_ev + times)
            out.append((base_t, tickets))
            t = (t_ev + times[-1]) / CYCLES_PER_US + span
        cal.session.run(b)
        taus, amps, clipped = [], [], []
        for base_t, tickets in out:
            y = np.stack([x.get() for x in tickets], axis=1).astype(float)
            fit = fit_exponential(times / CYCLES_PER_US, y, tau_min=0.05, tau_max=2000.0)
            taus.append(fit.tau)
            amps.append(np.abs(fit.amplitude))
            clipped.append((y.max(axis=1) >= 255) | (y.min(axis=1) <= 0))
        return np.stack(taus), np.stack(amps), np.stack(clipped)
