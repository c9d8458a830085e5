"""PyNN current sources (DCSource, StepCurrentSource, ACSource, NoisyCurrentSource) on the
neurons' constant current: membrane levels and firing rates follow the injected current, steps
act at their times within the documented resolution, an ACSource drives the membrane at its
frequency, recordings give the programmed current, and infeasible input raises clear errors.

The subthreshold membrane is compared with the exact LIF response to the same piecewise-constant
current (v_inf = v_rest + I tau_m / cm); the tolerance (12 % of the response, 0.5 mV) covers the
constant current's nominal, uncalibrated transfer (5 % gain mismatch) and calix's tau_m."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import constant_current
from pynn_brainscales.brainscales2.standardmodels import electrodes

TAU_M, CM, V_REST = 20.0, 1.0, -65.0


@pytest.fixture
def bio():
    pynn.setup(timestep=0.1, units="biological")
    yield pynn
    pynn.end()


def _v(pop, i=0):
    seg = pop.get_data().segments[0]
    irregular = [s for s in seg.irregularlysampledsignals if s.name == "v"]
    if irregular:                          # one signal per neuron
        s = irregular[i]
        return np.asarray(s.times, float), np.asarray(s, float).ravel()
    (s,) = [s for s in seg.analogsignals if s.name == "v"]      # one column per neuron
    return np.asarray(s.times, float), np.asarray(s, float)[:, i]


def lif_response(t, steps, v_rest=V_REST, tau_m=TAU_M, cm=CM):
    """Subthreshold LIF membrane (mV) at times ``t`` for a current of ``steps`` [(time, nA), ...]
    (piecewise constant, 0 before the first step), starting at rest."""
    out = np.full(len(t), v_rest, float)
    edges = [s[0] for s in steps] + [np.inf]
    v = v_rest
    for (t_a, amp), t_b in zip(steps, edges[1:]):
        v_inf = v_rest + amp * tau_m / cm
        sel = (t >= t_a) & (t < t_b)
        out[sel] = v_inf + (v - v_inf) * np.exp(-(t[sel] - t_a) / tau_m)
        v = v_inf + (v - v_inf) * np.exp(-(t_b - t_a) / tau_m) if np.isfinite(t_b) else v
    return out


def test_dc_source_sets_the_membrane_level(bio):
    p = pynn.Population(1, pynn.IF_curr_exp(v_thresh=-40.0))
    dc = pynn.DCSource(amplitude=0.4, start=50.0, stop=150.0)
    p.inject(dc)
    p.record("v")
    pynn.run(250.0)
    t, v = _v(p)
    ref = lif_response(t, [(50.0, 0.4), (150.0, 0.0)])
    # at rest before, up by ~8 mV during, relaxing after
    settled = (t > 120) & (t < 149)
    assert abs(v[settled].mean() - ref[settled].mean()) < 0.12 * 8.0 + 0.5
    assert np.max(np.abs(v - ref)) < 0.12 * 8.0 + 0.7
    assert v[(t > 10) & (t < 49)].std() < 0.3


def test_amplitude_change_between_runs_continues(bio):
    """PyNN's `source.amplitude = x` between runs: the second run starts where the first ended."""
    p = pynn.Population(1, pynn.IF_curr_exp(v_thresh=-40.0))
    dc = pynn.DCSource(amplitude=0.2)
    dc.inject_into(p)
    p.record("v")
    pynn.run(100.0)
    dc.amplitude = 0.5
    pynn.run(100.0)
    t, v = _v(p)
    ref = lif_response(t, [(0.0, 0.2), (100.0, 0.5)])
    assert np.max(np.abs(v[t > 5] - ref[t > 5])) < 0.12 * 10.0 + 0.7
    # no jump at the run boundary: the membrane is continuous within the MADC noise
    k = np.searchsorted(t, 100.0)
    assert abs(v[k] - v[k - 1]) < 0.5


def test_dc_current_raises_the_firing_rate(bio):
    p = pynn.Population(3, pynn.IF_curr_exp(v_thresh=-55.0, tau_refrac=2.0))
    for i, amp in enumerate((0.4, 0.8, 1.6)):
        p[i:i + 1].inject(pynn.DCSource(amplitude=amp))
    p.record("spikes")
    pynn.run(500.0)
    counts = [len(st) for st in p.get_data().segments[0].spiketrains]
    # 0.4 nA gives 8 mV < 10 mV to threshold: silent; then monotonically more spikes
    assert counts[0] == 0 and 0 < counts[1] < counts[2]
    # the LIF rate of a constant current: 1 / (t_ref + tau_m ln(R I / (R I - 10 mV)))
    for amp, n in zip((0.8, 1.6), counts[1:]):
        rate = 1000.0 / (2.0 + TAU_M * np.log(amp * TAU_M / (amp * TAU_M - 10.0)))
        assert abs(n / 0.5 - rate) < 0.2 * rate


def test_step_current_source_steps_at_its_times(bio):
    """Each step acts at its time within the documented resolution: one 0.1 ms step of the
    emulator plus one MADC sample (0.034 ms biological)."""
    p = pynn.Population(1, pynn.IF_curr_exp(cm=0.25, tau_m=20.0, v_thresh=-30.0))
    step = pynn.StepCurrentSource(times=[30.0, 60.0, 90.0], amplitudes=[0.3, -0.3, 0.0])
    step.inject_into(p)
    p.record("v")
    pynn.run(120.0)
    t, v = _v(p)
    slope = 0.3 / 0.25                                   # mV/ms right after each step
    for t_step, sign in ((30.0, +1), (60.0, -1)):
        before = v[(t > t_step - 1.0) & (t < t_step)]
        base = before[-5:].mean()
        drift = np.polyfit(t[(t > t_step - 1.0) & (t < t_step)], before, 1)[0]
        after = (t >= t_step) & (t < t_step + 2.0)
        # the membrane leaves its previous course within 0.1 ms + one sample of the step time
        dev = sign * (v[after] - (base + drift * (t[after] - t_step)))
        onset = t[after][np.flatnonzero(dev > 0.25)[0]]
        assert t_step <= onset <= t_step + 0.1 + 0.034 + 0.25 / slope + 0.05


def test_ac_source_drives_the_membrane_at_its_frequency(bio):
    p = pynn.Population(1, pynn.IF_curr_exp(v_thresh=-40.0, tau_m=10.0))
    ac = pynn.ACSource(amplitude=0.5, offset=0.2, frequency=40.0, phase=0.0, start=20.0, stop=420.0)
    ac.inject_into(p)
    ac.record()
    p.record("v")
    pynn.run(450.0)
    t, v = _v(p)
    sel = (t >= 70.0) & (t < 420.0)
    grid = np.arange(70.0, 420.0, 0.1)
    vg = np.interp(grid, t[sel], v[sel])
    spec = np.abs(np.fft.rfft(vg - vg.mean()))
    freqs = np.fft.rfftfreq(len(grid), d=0.1e-3)          # Hz
    assert abs(freqs[np.argmax(spec)] - 40.0) <= freqs[1]
    # the recorded current: the staircase on the 0.1 ms grid, zero outside [start, stop)
    i = ac.get_data()
    it, iv = np.asarray(i.times, float), np.asarray(i, float).ravel()
    assert i.sampling_period.rescale("ms").magnitude == pytest.approx(0.1)
    assert len(iv) == int(round(450.0 / 0.1)) + 1
    on = (it >= 20.0 - 1e-9) & (it < 420.0 - 1e-9)
    assert np.all(iv[~on] == 0)
    expect = 0.2 + 0.5 * np.sin(2 * np.pi * 40.0 * (it[on] - 20.0) / 1000.0)
    assert np.allclose(iv[on], expect, atol=1e-9)


def test_step_recording_and_rounding(bio):
    step = pynn.StepCurrentSource(times=[0.41, 0.42, 0.86, 5.0], amplitudes=[0.5, -0.5, 0.25, 0.0])
    # rounded to setup(timestep=0.1): 0.41 and 0.42 both become 0.4, the later amplitude wins
    assert np.allclose(step.times, [0.4, 0.9, 5.0]) and np.allclose(step.amplitudes, [-0.5, 0.25, 0.0])
    p = pynn.Population(1, pynn.IF_curr_exp())
    p.inject(step)
    step.record()
    pynn.run(3.0)
    pynn.run(3.0)
    i = step.get_data()
    it, iv = np.asarray(i.times, float), np.asarray(i, float).ravel()
    assert len(iv) == 61 and it[0] == 0.0 and it[-1] == pytest.approx(6.0)
    assert np.all(iv[it < 0.4 - 1e-9] == 0)
    assert np.allclose(iv[(it > 0.45) & (it < 0.85)], -0.5)
    assert np.allclose(iv[(it > 0.95) & (it < 4.95)], 0.25)
    assert np.all(iv[it > 5.05] == 0)
    pynn.reset()
    assert len(step.get_data()) == 1                    # a new segment starts empty (t = 0 only)


def test_noisy_current_source(bio):
    p = pynn.Population(1, pynn.IF_curr_exp(v_thresh=-40.0))
    noise = pynn.NoisyCurrentSource(mean=0.3, stdev=0.1, dt=1.0, start=10.0, stop=410.0)
    p.inject(noise)
    noise.record()
    p.record("v")
    pynn.run(420.0)
    i = noise.get_data()
    it, iv = np.asarray(i.times, float), np.asarray(i, float).ravel()
    on = (it >= 10.0 - 1e-9) & (it < 410.0 - 1e-9)
    assert np.all(iv[~on] == 0)
    vals = iv[on]
    # a new value every dt = 1 ms (10 samples of 0.1 ms), Gaussian with the given mean and stdev
    blocks = vals.reshape(-1, 10)
    assert np.all(blocks == blocks[:, :1])
    assert abs(blocks[:, 0].mean() - 0.3) < 3 * 0.1 / np.sqrt(len(blocks))
    assert abs(blocks[:, 0].std() - 0.1) < 0.02
    t, v = _v(p)
    # the membrane follows the mean current (+6 mV) and fluctuates around it
    late = (t > 150) & (t < 405)
    assert abs(v[late].mean() - (V_REST + 0.3 * TAU_M / CM)) < 0.12 * 6 + 0.5
    assert v[late].std() > 0.1


def test_sources_add_to_i_offset_and_to_each_other(bio):
    p = pynn.Population(1, pynn.IF_curr_exp(v_thresh=-40.0, i_offset=0.1))
    pynn.DCSource(amplitude=0.2).inject_into(p)
    pynn.DCSource(amplitude=0.1, start=100.0).inject_into(p)
    p.record("v")
    pynn.run(200.0)
    t, v = _v(p)
    ref = lif_response(t, [(0.0, 0.3), (100.0, 0.4)], v_rest=V_REST)
    ref[t < 0.5] = V_REST
    late = (t > 180)
    assert abs(v[late].mean() - ref[late].mean()) < 0.12 * 8 + 0.5
    mid = (t > 80) & (t < 99)
    assert abs(v[mid].mean() - ref[mid].mean()) < 0.12 * 6 + 0.5


def test_hardware_units_take_hardware_nanoampere():
    """In hardware units the amplitude is hardware nA of the chip's current (HXNeuron): twice the
    current gives twice the membrane shift (the leak is linear), from the step time on."""
    pynn.setup()
    try:
        p = pynn.Population(2, pynn.HXNeuron(leak_v_leak=400, leak_i_bias=300, threshold_enable=False,
                                             membrane_capacitance_capacitance=63))
        pynn.StepCurrentSource(times=[0.05], amplitudes=[8.0]).inject_into(p[0:1])
        pynn.StepCurrentSource(times=[0.05], amplitudes=[16.0]).inject_into(p[1:2])
        p.record("v")                                   # columns 0 and 1: both fit on the MADC
        pynn.run(0.2)
        shifts = []
        for i in range(2):
            t, v = _v(p, i)
            before = v[(t > 0.01) & (t < 0.049)]
            assert before.std() < 2
            shifts.append(v[t > 0.15].mean() - before.mean())
        # nominal: 8 nA / (300 x the leak conductance per LSB) in hardware mV (MADC: 1 mV per LSB)
        from chipmodel.transfer import TRANSFERS_BY_NAME
        g_leak = TRANSFERS_BY_NAME["i_bias_leak"].nominal(300)
        assert shifts[0] == pytest.approx(8.0 / g_leak, rel=0.2)
        assert shifts[1] / shifts[0] == pytest.approx(2.0, rel=0.15)
    finally:
        pynn.end()


def test_errors(bio):
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[1.0]))
    nrn = pynn.Population(1, pynn.IF_curr_exp())
    with pytest.raises(TypeError, match="spike source"):
        pynn.DCSource(amplitude=0.1).inject_into(src)
    with pytest.raises(TypeError, match="spike source"):
        src.inject(pynn.DCSource(amplitude=0.1))
    with pytest.raises(NotImplementedError, match="location"):
        pynn.DCSource(amplitude=0.1).inject_into(nrn, location="soma")
    with pytest.raises(ValueError, match="negative"):
        pynn.StepCurrentSource(times=[1.0, -1.0], amplitudes=[0.1, 0.2])
    with pytest.raises(ValueError, match="monotonically increasing"):
        pynn.StepCurrentSource(times=[2.0, 1.0], amplitudes=[0.1, 0.2])
    with pytest.raises(ValueError, match="times but"):
        pynn.StepCurrentSource(times=[1.0], amplitudes=[0.1, 0.2])
    with pytest.raises(ValueError, match="stop"):
        pynn.DCSource(amplitude=0.1, start=10.0, stop=5.0)
    # beyond the constant current's reach (a few nA at cm = 1 nF): named source, neuron, time, range
    big = pynn.DCSource(amplitude=30.0, start=5.0)
    big.inject_into(nrn)
    with pytest.raises(ValueError, match=r"DCSource.*neuron 0: 30 nA at t = 5 ms.*\[-(\d\.\d+), \1\] nA"):
        pynn.run(10.0)
    big.amplitude = -1.0
    pynn.run(10.0)                                       # a sink within reach runs
    noise = pynn.NoisyCurrentSource(mean=0.0, stdev=0.1, dt=0.01)
    noise.inject_into(nrn)
    with pytest.raises(ValueError, match="below the finest step"):
        pynn.run(10.0)
    with pytest.raises(RuntimeError, match="record"):
        pynn.DCSource(amplitude=0.1).get_data()


def test_reach_and_resolution_are_the_transfer_table():
    """The documented amplitude limit and resolution come from the constant current's transfer."""
    from chipmodel import transfer
    t = transfer.TRANSFERS_BY_NAME["i_mem_offset"]
    assert constant_current.reach() == pytest.approx(t.nominal(1022))
    assert electrodes.MIN_STEP_HW_MS == pytest.approx(1e-4)
