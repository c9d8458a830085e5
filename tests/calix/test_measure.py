"""Measurement primitives through stadls on the emulator."""
import numpy as np

import halco
import haldls
import hxcomm
import stadls

from calix.common import measure
from calix.common.fit import fit_exponential
from calix.spiking import setup as S


def _run(conn, chip, fn):
    b, _ = stadls.generate(stadls.SystemInit())
    b.write(halco.ChipOnDLS(), chip)
    b.write(halco.TimerOnDLS(), haldls.Timer())
    out = fn(b)
    p = b.done()
    stadls.run(conn, p)
    return p, out


def test_cadc_reads_all_neurons_in_enum_order():
    chip = S.base_chip()
    n = chip.neuron_block.atomic_neurons
    dac = np.where(np.arange(512) % 2 == 0, 500, 700)          # even columns low, odd high
    n.set_field("leak.v_leak", dac)
    n.set_field("leak.i_bias", np.full(512, 1000))
    with hxcomm.EmulatorConnection(chip_id=1) as conn:
        _, t = _run(conn, chip, lambda b: (b.wait_until(S.us(20)), measure.cadc_read_neurons(b))[1])
    x = t.get()
    assert x.shape == (512,)
    from chipmodel.transfer import TRANSFERS_BY_NAME
    expected = S.nominal.mv_to_cadc(TRANSFERS_BY_NAME["v_leak"].nominal(dac))
    assert np.all(np.abs(x - expected) < 30)          # mismatch: offsets of ~5.5 + 3 LSB (sigma)
    assert x[1::2].mean() - x[::2].mean() > 50


def test_spike_counters_and_madc_record():
    chip = S.base_chip()
    n = chip.neuron_block.atomic_neurons
    n.set_field("threshold.enable", np.ones(512, bool))
    n.set_field("leak.v_leak", np.full(512, 700))      # rest far above the threshold: regular firing
    n.set_field("threshold.v_threshold", np.full(512, 250))   # the threshold cell: ~450 mV
    n.set_field("reset.v_reset", np.full(512, 450))            # the reset cell: ~310 mV
    n.set_field("refractory_period.refractory_time", np.full(512, 20))
    ro = n.get_field("readout.enable_buffered_access")
    ro[2] = True
    n.set_field("readout.enable_buffered_access", ro)
    with hxcomm.EmulatorConnection(chip_id=2) as conn:
        def prog(b):
            measure.reset_spike_counters(b)
            measure.madc_record(b, 2, None, S.us(5), S.us(10))
            return measure.read_spike_counts(b)
        p, t = _run(conn, chip, prog)
    c = t.get()
    assert (c.counts > 0).all() or c.overflow.any()
    tr = measure.madc_traces(p.madc_samples)
    times, values = tr[0]
    assert len(values) > 100
    mv = S.nominal.madc_to_mv(values)
    assert mv.max() - mv.min() > 100            # spikes and resets are visible


def test_correlation_reads_have_shape_and_reset_level():
    chip = S.base_chip()
    with hxcomm.EmulatorConnection(chip_id=3) as conn:
        _, t = _run(conn, chip, lambda b: (b.wait_until(1000), measure.read_correlation(b, 0, [0, 5]))[1])
    s = t.get()
    assert s.causal.shape == (2, 256) and s.acausal.shape == (2, 256)
    # base_chip connects the causal channels to the membranes; the acausal ones read the
    # sensors, which sit at their reset level (~220 codes +- mismatch) without activity
    assert abs(np.median(s.acausal) - 220) < 10
    assert 20 < np.median(s.causal) < 140


def test_fit_exponential_many_traces():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 50, 200)
    tau = rng.uniform(2, 20, 64)
    y = 3 + 40 * np.exp(-t[None] / tau[:, None]) + rng.normal(0, 0.05, (64, 200))
    f = fit_exponential(t, y, 0.1, 1000)
    np.testing.assert_allclose(f.tau, tau, rtol=0.01)
    np.testing.assert_allclose(f.offset, 3, atol=0.1)
    f2 = fit_exponential(t, y, 0.1, 1000, offset=3.0)
    np.testing.assert_allclose(f2.tau, tau, rtol=0.01)
