"""brainscales2-demos:common_task_adex_complex_dynamics.rst (included by ts_08-adex_complex_dynamics.rst
and fp_adex_complex_dynamics.rst) with its helpers _static/tutorial/snn_adex_helpers.py —
the silicon AdEx neuron: one target neuron and a readout dummy to its right (their membranes
joined by ``multicompartment_connect_right``), the backends' clocks adjusted through the
low-level ``pyhalco_hicann_dls_vx_v3`` names on ``pynn.simulator.state.grenade_chip_config``, a
step current on from 0.1 to 0.7 ms in three APPEND snippets; the adaptation state of the target
and the membrane through the dummy recorded on the MADC.

Asserted, with each section's slider defaults and the slider moves its instructions ask for:

- subthreshold adaptation: the membrane follows the step without spiking; strengthening the
  subthreshold adaptation ``a`` makes it ring: an overshoot at the leading edge and an
  undershoot at the trailing edge of the stimulus, the larger the stronger ``a``;
- spike-frequency adaptation (a = 0, b = 200): lowering the exponential onset potential until
  about a dozen spikes come, only during the stimulus; their intervals grow, a stronger ``b``
  gives fewer spikes and longer intervals, ``b = 0`` a regular train.

The sections on transient spiking and bursting run with the same calls but are not asserted:
on the emulator, lowering the onset potential makes the neuron fire through the whole stimulus
(first spike after the overshoot's peak, not at the leading edge) for the settings tried, so
the onset-only and burst regimes the tutorial reaches by hand are not shown yet.  The slider
widgets and plots are left out (the helpers' plotting reads the same data as here)."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
import pyhalco_hicann_dls_vx_v3 as halco

# the helpers' slider table: parameter -> default
SLIDER_DEFAULTS = {"leak_v_leak": 700, "leak_i_bias": 70, "reset_v_reset": 600, "adaptation_i_bias_tau": 100,
                   "adaptation_i_bias_a": 100, "adaptation_i_bias_b": 0, "adaptation_v_ref": 500,
                   "exponential_v_exp": 900, "exponential_i_bias": 300, "constant_current_i_offset": 300}
SUBTHRESHOLD = ["leak_i_bias", "leak_v_leak", "adaptation_v_ref", "adaptation_i_bias_tau", "adaptation_i_bias_a",
                "constant_current_i_offset"]
FULL = ["leak_i_bias", "leak_v_leak", "reset_v_reset", "adaptation_v_ref", "adaptation_i_bias_tau",
        "adaptation_i_bias_a", "adaptation_i_bias_b", "exponential_v_exp", "exponential_i_bias",
        "constant_current_i_offset"]


def adjust_calibration():
    for i in halco.iter_all(halco.CommonNeuronBackendConfigOnDLS):
        pynn.simulator.state.grenade_chip_config.neuron_block.backends[i].enable_clocks = True
        pynn.simulator.state.grenade_chip_config.neuron_block.backends[i].clock_scale_fast = 3
        pynn.simulator.state.grenade_chip_config.neuron_block.backends[i].clock_scale_slow = 3
        pynn.simulator.state.grenade_chip_config.neuron_block.backends[i].\
            clock_scale_adaptation_pulse = 7
        pynn.simulator.state.grenade_chip_config.neuron_block.backends[i].\
            clock_scale_post_pulse = 5


def experiment(**kwargs):
    """The tutorial's experiment; returns the adaptation and membrane snippets and the spike
    train of the stimulus snippet (what plot_membrane_dynamics reads)."""
    target_neuron = kwargs.pop("target_neuron", 0)
    pynn.setup(neuronPermutation=[target_neuron, target_neuron + 1])
    pop = pynn.Population(2, pynn.cells.HXNeuron())
    neuron = pop[0]
    readout_dummy = pop[1]

    neuron.reset_v_reset = 300
    neuron.reset_i_bias = 1022
    neuron.reset_enable_multiplication = True
    neuron.membrane_capacitance_capacitance = 63
    neuron.refractory_period_refractory_time = 30
    neuron.refractory_period_enable_pause = True
    neuron.threshold_v_threshold = 620
    neuron.threshold_enable = True
    neuron.adaptation_enable_pulse = True
    neuron.adaptation_i_bias_b = 0
    neuron.multicompartment_connect_right = True
    neuron.exponential_enable = any([k.startswith("exponential") for k in kwargs.keys()])
    if any([k.startswith("adaptation") for k in kwargs.keys()]):
        enable_adaptation = False
        if "adaptation_i_bias_a" in kwargs.keys() and kwargs["adaptation_i_bias_a"] != 0:
            enable_adaptation = True
        if "adaptation_i_bias_b" in kwargs.keys() and kwargs["adaptation_i_bias_b"] != 0:
            enable_adaptation = True
        neuron.adaptation_enable = enable_adaptation
        if enable_adaptation:
            # the adaptation leak reference tracks the membrane leak
            neuron.adaptation_v_leak = 500 + kwargs["leak_v_leak"] - 700
    for k, v in kwargs.items():
        setattr(neuron, k, v)

    readout_dummy.membrane_capacitance_capacitance = 0
    readout_dummy.leak_i_bias = 0
    readout_dummy.leak_enable_division = True
    readout_dummy.threshold_enable = False

    pop[0:1].record(["adaptation", "spikes"])
    pop[1:2].record(["v"])
    adjust_calibration()

    pop[0:1].set(constant_current_enable=False)
    pynn.run(0.1, pynn.RunCommand.APPEND)
    pop[0:1].set(constant_current_enable=True)
    pynn.run(0.6, pynn.RunCommand.APPEND)
    pop[0:1].set(constant_current_enable=False)
    pynn.run(0.3, pynn.RunCommand.EXECUTE)

    w_snippets = pop.get_data("adaptation").segments[0].irregularlysampledsignals
    v_snippets = pop.get_data("v").segments[0].irregularlysampledsignals
    # the current is on in the second snippet -> spiketrains[1]
    spike_times = pop[0:1].get_data().segments[-1].spiketrains[1]
    # (and the spikes without it, before and after)
    outside = [pop[0:1].get_data().segments[-1].spiketrains[k] for k in (0, 2)]
    pynn.end()
    experiment.spikes_outside = sum(len(t) for t in outside)
    return w_snippets, v_snippets, np.asarray(spike_times.magnitude)


def controls(names, defaults=None, **fixed):
    defaults = defaults or {}
    return {**{n: defaults.get(n, SLIDER_DEFAULTS[n]) for n in names}, **fixed}


def test_the_tutorial_runs_with_its_recordings():
    """The first section's call (target neuron 1, a = 10): three snippets of the adaptation
    state of the target and of the membrane seen through the readout dummy, one after the other."""
    w, v, spikes = experiment(**controls(SUBTHRESHOLD, {"adaptation_i_bias_a": 10}, target_neuron=fixed_1()))
    assert len(w) == len(v) == 3
    for snippets in (w, v):
        starts = [float(s.times.min()) for s in snippets]
        stops = [float(s.times.max()) for s in snippets]
        assert starts[0] < 0.01 and 0.99 < stops[-1] <= 1.0
        for a, b, (lo, hi) in zip(starts, stops, ((0, 0.1), (0.1, 0.7), (0.7, 1.0))):
            assert lo <= a < lo + 0.01 and hi - 0.01 < b < hi
        assert all(len(s) > 100 for s in snippets)
    assert np.all((spikes >= 0.1) & (spikes < 0.7))          # the stimulus snippet's train


def fixed_1():
    return 1        # the tutorial's ipywidgets.fixed(1)


def isis(spikes):
    return np.diff(spikes)


def ringing(a):
    """(baseline, overshoot, undershoot) of the membrane for subthreshold adaptation ``a``."""
    _, v, spikes = experiment(**controls(SUBTHRESHOLD, {"adaptation_i_bias_a": a}, target_neuron=fixed_1()))
    assert len(spikes) == 0 and experiment.spikes_outside == 0
    before, on, off = (np.asarray(x).ravel().astype(float) for x in v)
    baseline, plateau = before.mean(), on[-len(on) // 5:].mean()
    assert plateau > baseline + 50                       # the step lifts the membrane
    # and it comes back (to within a tenth of the step: slow adaptation, tau_w up to ~1 ms hardware,
    # has not fully settled in either window)
    assert abs(off[-len(off) // 5:].mean() - baseline) < 0.1 * (plateau - baseline)
    return baseline, on.max() - plateau, baseline - off.min()


def test_subthreshold_adaptation_rings_at_the_transients():
    """Section "Understanding subthreshold adaptation": its defaults (a = 10), then a stronger
    subthreshold adaptation, as its second task asks."""
    _, weak_over, weak_under = ringing(10)
    _, over, under = ringing(100)
    _, strong_over, strong_under = ringing(300)
    assert over > 5 and under > 5                        # overshoot and undershoot
    assert strong_over > over > weak_over and strong_under > under > weak_under


def test_spike_frequency_adaptation():
    """Section "Spike-frequency adaptation": defaults a = 0, b = 200; the onset potential is
    lowered from its default 900 in slider steps until about a dozen spikes come (task 5)."""
    adaptation = {"adaptation_i_bias_a": 0, "adaptation_i_bias_b": 200}
    for v_exp in range(900, 600, -25):
        _, _, adapting = experiment(**controls(FULL, {**adaptation, "exponential_v_exp": v_exp}))
        if len(adapting) >= 10:
            break
    assert 10 <= len(adapting) <= 16 and experiment.spikes_outside == 0   # a dozen, only during the stimulus
    d = isis(adapting)
    assert d[-3:].mean() > 1.15 * d[0]                        # later intervals are longer
    assert np.all(np.diff(d) > -0.0003)                       # never shorter (up to 0.3 us of timing jitter)
    # task 6: a stronger spike-triggered adaptation, and none
    _, _, stronger = experiment(**controls(FULL, {**adaptation, "exponential_v_exp": v_exp,
                                                  "adaptation_i_bias_b": 400}))
    _, _, plain = experiment(**controls(FULL, {**adaptation, "exponential_v_exp": v_exp, "adaptation_i_bias_b": 0}))
    assert len(stronger) < len(adapting) < len(plain)
    assert isis(stronger)[-3:].mean() > d[-3:].mean()
    flat = isis(plain)
    assert flat.max() - flat.min() < 0.1 * flat.mean()        # no adaptation: a regular train
