"""Raw CapMem and digital settings behave as they do on the BrainScaleS-2 chip.

Every test drives the emulator like a commissioning script (haldls containers in
stadls programs on an hxcomm connection, no PyNN) with the raw values of the
public tutorials and checks what the chip shows for them; docs/hxsim-raw-behaviour.md
names the public source of each expectation.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import halco
import haldls
from chipmodel import transfer as tr
from tests.hxsim.test_analog_chip import US, Setup, atomic, padi_label

T = tr.TRANSFERS_BY_NAME

#: pynn-brainscales examples/leak_over_threshold.py (raw LSB)
LEAK_OVER_THRESHOLD = dict(v_threshold=350, v_leak=1022, i_bias_leak=320, v_reset=400, i_bias_reset=950)
#: brainscales2-demos cns_02_lif_fIcurve.rst, fI_experiment (raw LSB)
FI_NEURON = dict(i_bias_leak=150, v_leak=530, v_threshold=250, v_reset=300, i_bias_reset=1022)


def madc_trace(cells, us=200.0, refractory=95, samples=4000, **config):
    """(MADC codes, spike times in us) of one neuron with ``cells`` after 50 us of settling."""
    s = Setup()
    n = atomic(7)
    s.neuron(n, cells=cells, refractory=refractory, enable_readout=True, **config)
    s.madc(n, samples)
    s.start()
    s.wait(50)
    s.start()
    s.madc_start()
    s.wait(us)
    p = s.run(ideal=True)
    return p.madc_samples["value"].astype(float), p.spikes["chip_time"].astype(float) / US


def rate_khz(cells, us=300.0, **config):
    """Firing rate (kHz) of one neuron after 20 us of settling (1 / mean ISI, 0 if < 2 spikes)."""
    s = Setup()
    s.neuron(atomic(11), cells=cells, **config)
    s.start()
    s.wait(20 + us)
    t = s.run(ideal=True).spikes["chip_time"].astype(float) / US
    t = t[t >= 20]          # the spikes of the window, after the settling
    return 1e3 / np.mean(np.diff(t)) if len(t) > 1 else 0.0


# --- voltages: the cells are not equal voltages for equal LSB ------------------------------------


def test_leak_over_threshold_gives_a_sawtooth_between_reset_and_threshold():
    # leak 1022 > threshold 350 > reset 400 in raw LSB: on the chip a regular sawtooth
    v, spikes = madc_trace(LEAK_OVER_THRESHOLD)
    reset_code = (T["v_reset"].nominal(400) - T["madc"].c0) / T["madc"].c1
    threshold_code = (T["v_threshold"].nominal(350) - T["madc"].c0) / T["madc"].c1
    assert reset_code < threshold_code
    assert v.min() == pytest.approx(reset_code, abs=3)           # plateaus at the reset
    assert v.max() == pytest.approx(threshold_code, abs=10)      # turns at the threshold (sampled)
    assert v.max() - v.min() > 200                               # a sawtooth, not a flat line
    assert len(spikes) > 10
    isi = np.diff(spikes)
    isi = isi[isi > 0]                                           # not across the timer reset
    assert np.std(isi) < 0.02 * np.mean(isi)                     # regular


def test_threshold_300_matches_a_much_higher_leak_setting():
    # ts_00-single_neuron: "a lower threshold setting of 300 may correspond to a higher leak of 700"
    eq = (T["v_threshold"].nominal(300) - T["v_leak"].c0) / T["v_leak"].c1
    assert 600 <= eq <= 700
    # and the ranges the tutorials give: leak 400..1000 and reset 300..1000 against threshold 0..600
    assert T["v_leak"].nominal(400) > T["v_threshold"].nominal(0)
    assert T["v_reset"].nominal(300) < T["v_threshold"].nominal(0)
    assert T["v_leak"].nominal(1000) > T["v_threshold"].nominal(500)


@pytest.mark.parametrize("leak, madc", [(530, 300), (480, 270)])
def test_resting_potential_reads_where_the_tutorials_put_it(leak, madc):
    # cns_02: leak 530 rests at ~300 (MADC); cns_03: leak 480 "around 300"
    v, _ = madc_trace(dict(v_leak=leak, v_threshold=1000, i_bias_leak=150), us=20, samples=300)
    assert np.median(v) == pytest.approx(madc, abs=40)


def test_leak_sweep_is_linear_with_saturation_at_both_ends():
    # cns_01 task 2: mean membrane vs leak_v_leak 0..1022 is linear, saturating near the ends
    leaks = np.linspace(0, 1022, 10).astype(int)
    means = np.array([np.mean(madc_trace(dict(v_leak=int(x), v_threshold=1000, i_bias_leak=500),
                                         us=10, samples=200)[0]) for x in leaks])
    assert np.all(np.diff(means) >= 0)
    middle = np.diff(means[3:8]) / np.diff(leaks[3:8])
    assert np.allclose(middle, middle[0], rtol=0.05)                         # linear in the middle
    assert means[1] - means[0] < 0.5 * middle[0] * (leaks[1] - leaks[0])     # flat at the bottom
    assert means[9] - means[8] < 0.6 * middle[0] * (leaks[9] - leaks[8])     # saturating at the top


# --- constant current and the f-I curve ----------------------------------------------------------


def test_fi_curve_grows_with_the_constant_current_from_a_rheobase_near_220():
    currents = np.arange(0, 1001, 100)
    rates = [rate_khz(dict(FI_NEURON, i_mem_offset=int(c)), refractory=10, enable_membrane_offset=True)
             for c in currents]
    assert rates[0] == 0 and rates[2] == 0                       # below the rheobase
    fired = np.array(rates[3:])
    assert np.all(fired > 0) and np.all(np.diff(fired) > 0)      # rises with the current
    assert 10 < fired[0] and fired[-1] < 500                     # kHz at tau_mem ~10 us


@settings(max_examples=12, deadline=None)
@given(leak=st.integers(560, 900), threshold=st.integers(150, 400), currents=st.lists(
    st.integers(0, 1022), min_size=2, max_size=2, unique=True))
def test_rate_is_monotonic_in_the_constant_current(leak, threshold, currents):
    lo, hi = sorted(currents)
    cells = dict(FI_NEURON, v_leak=leak, v_threshold=threshold)
    r_lo = rate_khz(dict(cells, i_mem_offset=lo), us=100, refractory=10, enable_membrane_offset=True)
    r_hi = rate_khz(dict(cells, i_mem_offset=hi), us=100, refractory=10, enable_membrane_offset=True)
    # spikes sit on the emulator's 0.1 us integration grid, so the mean ISI over the 100 us window is
    # known to one step: rates closer than that are equal
    assert r_hi >= r_lo * (1 - 0.1 / 100)


def test_inverted_offset_current_is_a_sink():
    up = np.median(madc_trace(dict(v_leak=600, v_threshold=1000, i_bias_leak=150, i_mem_offset=300),
                              us=10, samples=200, enable_membrane_offset=True)[0])
    down = np.median(madc_trace(dict(v_leak=600, v_threshold=1000, i_bias_leak=150, i_mem_offset=300),
                                us=10, samples=200, enable_membrane_offset=True,
                                invert_membrane_offset=True)[0])
    rest = np.median(madc_trace(dict(v_leak=600, v_threshold=1000, i_bias_leak=150), us=10, samples=200)[0])
    assert down < rest - 40 and up > rest + 40


# --- refractory counter, reset holdoff and clock scales -----------------------------------------


def _isi(refractory, scale_fast=3, scale_slow=3, clock=1, holdoff=15):
    s = Setup()
    for h in range(2):
        s.b.write(halco.CommonNeuronBackendConfigOnDLS(h), haldls.CommonNeuronBackendConfig(
            enable_clocks=True, clock_scale_fast=scale_fast, clock_scale_slow=scale_slow))
    n = atomic(9)
    s.neuron(n, cells=dict(LEAK_OVER_THRESHOLD), refractory=refractory, holdoff=holdoff)
    s.b.write(n.toNeuronBackendConfigOnDLS(), haldls.NeuronBackendConfig(
        address_out=1, enable_spike_out=True, refractory_time=refractory, reset_holdoff=holdoff,
        select_input_clock=clock))
    s.start()
    s.wait(400)
    t = s.run(ideal=True).spikes["chip_time"].astype(float) / US
    return float(np.median(np.diff(t)))


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_refractory_time_is_counter_ticks_of_the_selected_clock(scale):
    # 250 MHz / 2^(scale + 1) per tick (haldls CommonNeuronBackendConfig::ClockScale)
    tick_us = 2.0 ** (scale + 1) / 250.0
    d = _isi(60, scale_fast=scale) - _isi(20, scale_fast=scale)
    assert d == pytest.approx(40 * tick_us, abs=0.15)


def test_select_input_clock_1_is_the_fast_clock():
    # calix assigns input_clock 1 to the neurons of the fast clock, 0 to the slow ones
    fast = _isi(60, scale_fast=2, scale_slow=5, clock=1)
    slow = _isi(60, scale_fast=2, scale_slow=5, clock=0)
    assert slow - fast == pytest.approx(60 * (2 ** 6 - 2 ** 3) / 250.0, abs=0.3)


def test_reset_holdoff_releases_the_membrane_before_the_refractory_end():
    # the reset is released (31 - 2 reset_holdoff) ticks before the counter runs out: with a
    # holdoff the membrane already rises while the neuron still cannot fire, so the ISI shrinks
    long_hold = _isi(100, scale_fast=4, holdoff=0)
    no_hold = _isi(100, scale_fast=4, holdoff=15)
    assert no_hold > long_hold
    assert no_hold - long_hold < 30 * 2.0 ** 5 / 250.0 + 0.2


# --- exponential term and adaptation -------------------------------------------------------------


#: cns_03_exponential_lif.rst, the solution's neuron (raw LSB)
EXP_NEURON = dict(v_leak=480, i_bias_leak=150, v_threshold=600, v_reset=500, i_bias_reset=1022,
                  i_bias_exp=100, v_exp=580)


def _step_spikes(amplitude, duration_us, exponential=True):
    s = Setup()
    n = atomic(13)
    s.neuron(n, cells=dict(EXP_NEURON, i_mem_offset=amplitude), refractory=255,
             enable_leak_division=True, enable_exponential=exponential, enable_pause=True)
    s.start()
    s.wait(200)
    s.neuron(n, cells=dict(EXP_NEURON, i_mem_offset=amplitude), refractory=255,
             enable_leak_division=True, enable_exponential=exponential, enable_pause=True,
             enable_membrane_offset=True)
    s.wait(duration_us)
    s.neuron(n, cells=dict(EXP_NEURON, i_mem_offset=amplitude), refractory=255,
             enable_leak_division=True, enable_exponential=exponential, enable_pause=True)
    s.wait(200)
    return len(s.run(ideal=True).spikes)


def test_exponential_term_sets_a_rheobase_near_100():
    # cns_03: with exponential_i_bias 100 and v_exp 580 a step of ~100 elicits a spike;
    # the hard threshold (600, MADC ~750) alone is out of reach
    assert _step_spikes(100, 1000) > 0
    assert _step_spikes(75, 1000) == 0
    assert _step_spikes(150, 1000, exponential=False) == 0


def test_strength_duration_curve_falls_with_the_duration():
    def min_amplitude(duration):
        for a in range(50, 160, 10):
            if _step_spikes(a, duration) > 0:
                return a
        return np.inf
    short, long_ = min_amplitude(100), min_amplitude(1000)
    assert np.isfinite(short) and short > long_


def test_spike_triggered_adaptation_lowers_the_rate_and_shows_on_the_readout():
    cells = dict(i_mem_offset=560, v_threshold=600, v_exp=560, i_bias_exp=150, i_bias_adapt_b=600,
                 i_bias_adapt_tau=30, v_adapt_ref=500)

    def run(adapt):
        s = Setup()
        n = atomic(14)
        s.neuron(n, cells=cells, enable_membrane_offset=True, enable_exponential=True,
                 enable_adaptation=adapt, enable_readout=True, readout_source=haldls.ReadoutSource.adaptation)
        s.b.write(n.toNeuronBackendConfigOnDLS(), haldls.NeuronBackendConfig(
            address_out=1, enable_spike_out=True, enable_adaptation_pulse=True))
        s.madc(n, 3000)
        s.start()
        s.madc_start()
        s.wait(300)
        p = s.run(ideal=True)
        return p.spikes["chip_time"].astype(float) / US, p.madc_samples["value"].astype(float)
    tonic, _ = run(False)
    adapting, w = run(True)
    assert 1 < len(adapting) < 0.7 * len(tonic)
    # the adaptation state rides on its reference v_adapt_ref and grows with every spike
    base = (T["v_adapt_ref"].nominal(500) - T["madc"].c0) / T["madc"].c1
    assert w[0] == pytest.approx(base, abs=3) and w.max() > base + 20


# --- synaptic input -------------------------------------------------------------------------------


def _psp(gm=800, tau=200, weight=63, synin=True):
    """Height (MADC LSB) of one PSP through driver 5, synapse (row 10, column 3), label 7."""
    s = Setup()
    n = s.neuron(atomic(3), cells=dict(i_bias_leak=300, i_bias_synin_exc_gm=gm, i_bias_synin_exc_tau=tau),
                 enable_synaptic_input_excitatory=synin, enable_readout=True)
    s.dac()
    s.driver(5)
    s.synapse(10, 3, weight, 7)
    s.column_switch(n)
    s.madc(n, 1200)
    s.start()
    s.wait(150)
    s.start()
    s.madc_start()
    s.wait(5)
    s.spike(padi_label(5, 7))
    s.wait(30)
    v = s.run(ideal=True).madc_samples["value"].astype(float)
    return float(v.max() - np.median(v[:100]))


def test_psp_amplitude_grows_with_gm_and_its_duration_with_tau_bias():
    amps = [_psp(gm=g) for g in (200, 500, 1000)]
    assert amps[0] < amps[1] < amps[2] and amps[0] > 2
    # a smaller tau bias = a longer synaptic time constant = more charge = a larger PSP
    assert _psp(tau=100) > _psp(tau=800)


def test_synaptic_input_switch_gates_the_psp():
    assert _psp(synin=False) <= 1 < _psp()


# --- ADC scales -------------------------------------------------------------------------------------


def test_cadc_reads_20_and_220_at_the_calibrated_range_ends():
    # calix calibrates the CADC ramp so that a CapMem voltage of 70 reads 20 and 550 reads 220
    cadc = T["cadc"]
    for capmem, code in tr.CADC_ANCHORS:
        v = tr.CAPMEM_MV_AT_ZERO + tr.CAPMEM_MV_PER_LSB * capmem
        assert (v - cadc.c0) / cadc.c1 == pytest.approx(code)
    # calix's default targets sit where the tutorials read the membrane on the MADC
    madc = T["madc"]
    leak_madc = (cadc.forward(80) - madc.c0) / madc.c1
    assert leak_madc == pytest.approx(300, abs=30)


def test_madc_reads_the_threshold_where_the_tutorials_do():
    # cns_02: threshold 250 "reads 350"; cns_03: threshold 600 spikes at "around 750"
    madc = T["madc"]
    for thr, code in ((250, 350), (600, 750)):
        assert (T["v_threshold"].nominal(thr) - madc.c0) / madc.c1 == pytest.approx(code, abs=15)
