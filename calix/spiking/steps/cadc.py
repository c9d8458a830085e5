"""Step ``cadc``: the per-channel digital CADC offsets, referenced to the MADC (public
``calix.common.cadc``): every neuron rests at one reference potential, its MADC reading is the
expected CADC code, the difference is the channel's offset; a second read checks the residual."""
from __future__ import annotations

import numpy as np

import halco
import haldls
import lola

from ...common import measure
from ...common.exceptions import TooFewSamplesError
from .. import setup as S
from ..targets import N_NEURONS
from .base import Step

__all__ = ["CADCStep", "madc_potentials", "neuron_config_words"]


class CADCStep(Step):
    """CADC channel offsets of every calibrated neuron (with ``calibrate_offsets``)."""

    name = "cadc"

    def run(self) -> None:
        cal = self.cal
        ct = cal.target.cadc_target
        lo, hi = ct.read_range
        # reference where the potentials will be: the MADC and CADC gains differ by
        # ~1 %, so the match is best near the reference point
        ref_code = float(np.clip(np.median(np.concatenate([cal.leak[cal.mask], cal.reset[cal.mask],
                                                           cal.threshold[cal.mask]])), lo, hi))
        if not cal.options.cadc_options.calibrate_offsets:
            return
        # every neuron rests at the reference; a fast leak settles at once
        cal._set("leak.v_leak", np.clip(np.rint(S.nominal.voltage_dac(ref_code)), 0, 1022))
        saved = {p: cal._get(p) for p in ("leak.i_bias", "leak.enable_division", "leak.enable_multiplication")}
        cal._set("leak.i_bias", np.full(N_NEURONS, 1000))
        cal._set("leak.enable_division", np.zeros(N_NEURONS, bool))
        cal._set("leak.enable_multiplication", np.zeros(N_NEURONS, bool))
        for h in range(2):
            cal.session.chip.cadc_readout_chains[h].channels_causal.offset = np.zeros(256, np.int64)
        b = cal._program()
        cal.session.write_cadc(b)
        b.wait_until(S.us(10))
        cadc_t = measure.cadc_read_neurons(b)
        madc = madc_potentials(cal, b, start_us=12.0)
        program = cal.session.run(b)
        cadc = cadc_t.get().astype(float)
        v_mv = madc(program)
        expected = S.nominal.mv_to_cadc(v_mv)
        cal.info["cadc_reference_mv"] = v_mv
        cal.info["cadc_raw"] = cadc
        ok = cal.mask & np.isfinite(expected)
        offsets = np.zeros(N_NEURONS, np.int64)
        offsets[ok] = np.clip(np.rint(expected[ok] - cadc[ok]), -128, 127).astype(np.int64)
        cal.info["cadc_channel_offset"] = offsets
        for h in range(2):
            cols = h * 256 + np.arange(256)        # the neurons of hemisphere h, by column
            cal.session.chip.cadc_readout_chains[h].channels_causal.offset = offsets[cols]
        # check: a second CADC read with the offsets applied
        b = cal._program()
        cal.session.write_cadc(b)
        b.wait_until(S.us(2))
        t2 = measure.cadc_read_neurons(b)
        cal.session.run(b)
        residual = t2.get() - expected
        cal.info["cadc_residual"] = residual
        cal._fail("cadc", "CADC channel cannot be matched to the MADC reference (offset range or clipping)",
                  ~(np.abs(residual) <= 1.5))
        for p, v in saved.items():
            cal._set(p, v)


def madc_potentials(cal, builder, start_us: float, samples: int = 8):
    """Append MADC recordings of every calibrated neuron (an even and an odd
    column at a time, both readout lines alternating); returns a function
    program -> mean potential (mV, nominal MADC transfer) per neuron (NaN
    where not recorded)."""
    nc_words = neuron_config_words(cal)
    addr = lola.neuron.neuron_addresses()[0]
    neurons = np.flatnonzero(cal.mask)
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


def neuron_config_words(cal):
    """NeuronConfig words of all neurons with readout off / on (current config)."""
    from lola.neuron import encode_neurons
    table = {f.path: cal.n.get_field(f.path) for f in lola.neuron.FIELDS}
    out = []
    for on in (False, True):
        t = dict(table)
        t["readout.enable_buffered_access"] = np.full(N_NEURONS, on)
        t["readout.source"] = np.zeros(N_NEURONS, dtype=table["readout.source"].dtype)
        nc, _, _ = encode_neurons(t, N_NEURONS, validate=False)
        out.append(nc)
    return out
