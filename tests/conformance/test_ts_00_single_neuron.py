"""brainscales2-demos:ts_00-single_neuron.rst — single-neuron experiments with raw ``HXNeuron``
parameters, the notebook's API calls unchanged (sliders at their defaults, plus a few other
values where the point is a trend; plots left out):

1. a silent neuron rests at its leak potential (a flat trace that follows the leak slider);
2. leak over threshold: a sawtooth between reset and threshold, the reset held for the
   refractory time (255 ticks of the uncalibrated 125 MHz clock, 2 us: the short flat bottom
   of the solution figure);
3. ``get_parameter_names()``;
4. fixed-pattern variations: ten neurons in the same configuration, recorded one after the
   other, differ in threshold, reset and slope, and are not aligned in time;
5. external stimulation of a calibrated neuron (the nightly calibration, as
   common_nightly_calibration.rst loads it): five excitatory PSPs and one inhibitory one,
   heights growing with the weights, stacking when the inputs come closer.

What differs from the solution figures: the emulator has no readout noise (the traces are
flat where the chip's show a few LSB of noise); its fixed-pattern spread of thresholds and
resets is about twice the figure's.  The calibrated PSPs of the external stimulation are
46 LSB for 2 x weight 31, as in the figure (~45).
"""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import Population
from pynn_brainscales.brainscales2.standardmodels.cells import SpikeSourceArray
from pynn_brainscales.brainscales2.standardmodels.synapses import StaticSynapse


def membrane(population: Population, segment_id=-1):
    """What the notebook's plot_membrane_dynamics() draws: the MADC trace (times, values)."""
    if len(population) != 1:
        raise ValueError("Plotting is supported for populations of size 1.")
    mem_v = population.get_data("v").segments[segment_id].irregularlysampledsignals[0]
    return mem_v.times.magnitude, mem_v.magnitude.ravel()


def resets(values, drop=50):
    """Sample indices where the membrane falls by more than ``drop`` LSB at once (a reset)."""
    return np.flatnonzero(np.diff(values) < -drop) + 1


# -- 1. a silent neuron -----------------------------------------------------------------------

def silent_neuron(v_leak):
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(
        # Leak potential, range: 400-1000
        leak_v_leak=v_leak,
        # Leak conductance, range: 0-1022
        leak_i_bias=1022))
    pop.record(["v"])
    pynn.run(0.2)
    trace = membrane(pop)
    pynn.end()
    return trace


def test_silent_neuron_rests_at_its_leak_potential():
    rests = []
    for v_leak in (400, 550, 700, 850, 1000):          # slider 400..1022, default 700
        times, v = silent_neuron(v_leak)
        assert times[-1] == pytest.approx(0.2, abs=0.001)
        assert np.ptp(v) <= 2                             # silent: a flat line
        rests.append(v.mean())
    assert np.all(np.diff(rests) > 50)                    # it follows the slider
    assert 100 < rests[2] < 800                           # the default inside the plot's ylim


# -- 2. leak over threshold ---------------------------------------------------------------------

def leak_over_threshold(v_leak=1000, v_threshold=300, v_reset=400, i_bias_leak=150):
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron(
        # Leak potential, range: 400-1000
        leak_v_leak=v_leak,
        # Leak conductance, range: 0-1022
        leak_i_bias=i_bias_leak,
        # Threshold potential, range: 0-500
        threshold_v_threshold=v_threshold,
        # Reset potential, range: 300-1000
        reset_v_reset=v_reset,
        # Membrane capacitance, range: 0-63
        membrane_capacitance_capacitance=63,
        # Refractory time (counter), range: 0-255
        refractory_period_refractory_time=255,
        # Enable reset on threshold crossing
        threshold_enable=True,
        # Reset conductance, range: 0-1022
        reset_i_bias=1022,
        # Increase reset conductance
        reset_enable_multiplication=True))
    pop.record(["v", "spikes"])
    pynn.run(0.2)
    times, v = membrane(pop)
    spikes = pop.get_data("spikes").segments[-1].spiketrains[0].magnitude
    pynn.end()
    return times, v, spikes


def test_leak_over_threshold_is_a_sawtooth():
    times, v, spikes = leak_over_threshold()            # the sliders' defaults
    assert len(spikes) >= 10                              # the figure: ~15 in 0.2 ms
    isi = np.diff(spikes)
    assert np.std(isi) < 0.05 * np.mean(isi)              # regular
    drops = resets(v)
    assert abs(len(drops) - len(spikes)) <= 1             # every spike resets the membrane
    low, high = np.percentile(v, [1, 99])
    assert 100 < low and high < 800 and high - low > 100  # inside the figure's ylim
    # the reset is held for the refractory time, then the membrane charges up to the threshold
    dt = np.median(np.diff(times)) * 1e3                  # us per sample
    held = [np.argmax(v[a:b] > v[a] + 2) for a, b in zip(drops[:-1], drops[1:])]
    assert np.median(held) * dt == pytest.approx(255 / 125, rel=0.1)    # 255 ticks at 125 MHz
    for a, b in zip(drops[:-1], drops[1:]):
        rise = v[a:b]
        assert rise[-1] - rise[0] > 100 and np.all(np.diff(rise) >= -2)


def test_leak_over_threshold_slider_trends():
    def rate_and_range(**kw):
        _, v, spikes = leak_over_threshold(**kw)
        return len(spikes), np.percentile(v, 1), np.percentile(v, 99)
    n0, low0, high0 = rate_and_range()
    n_leak, _, _ = rate_and_range(i_bias_leak=300)       # shorter membrane time constant
    n_th, _, high_th = rate_and_range(v_threshold=200)
    n_reset, low_reset, _ = rate_and_range(v_reset=300)
    n_vleak, _, _ = rate_and_range(v_leak=800)
    assert n_leak > n0 and n_th > n0 and n_reset < n0 and n_vleak < n0
    assert high_th < high0 - 50                            # the peaks follow the threshold
    assert low_reset < low0 - 50                           # the troughs follow the reset


def test_parameter_names():
    names = pynn.cells.HXNeuron().get_parameter_names()
    for name in ("membrane_capacitance_capacitance", "leak_v_leak", "leak_i_bias",
                 "threshold_v_threshold", "reset_v_reset", "refractory_period_refractory_time",
                 "threshold_enable", "reset_i_bias", "reset_enable_multiplication"):
        assert name in names
    assert len([n for n in names if n.endswith("capacitance")]) >= 1


# -- 4. fixed-pattern variations -----------------------------------------------------------------

def test_fixed_pattern_variations():
    pynn.setup()
    pop = pynn.Population(10, pynn.cells.HXNeuron(
        # Leak potential, range: 400-1000
        leak_v_leak=1000,
        # Leak conductance, range: 0-1022
        leak_i_bias=200,
        # Threshold potential, range: 0-600
        threshold_v_threshold=500,
        # Reset potential, range: 300-1000
        reset_v_reset=400,
        # Membrane capacitance, range: 0-63
        membrane_capacitance_capacitance=63,
        # Refractory time, range: 0-255
        refractory_period_refractory_time=255,
        # Enable reset on threshold crossing
        threshold_enable=True,
        # Reset conductance, range: 0-1022
        reset_i_bias=1022,
        # Increase reset conductance
        reset_enable_multiplication=True))
    peaks, troughs, periods, first_reset = [], [], [], []
    for neuron_id in range(len(pop)):
        p_view = pynn.PopulationView(pop, [neuron_id])
        p_view.record(["v"])
        pynn.run(0.1)
        times, v = membrane(p_view)
        pynn.reset()
        pop.record(None)
        drops = resets(v)
        assert len(drops) >= 4                             # every neuron fires on its own
        peaks.append(np.median(v[drops - 1]))
        troughs.append(np.median(v[drops]))
        periods.append(np.median(np.diff(times[drops])))
        first_reset.append(times[drops[0]])
    pynn.end()
    # different thresholds, resets and slopes (periods) ...
    assert np.ptp(peaks) > 10 and np.ptp(troughs) > 10
    assert np.ptp(periods) > 0.05 * np.mean(periods)
    assert len(set(np.round(peaks))) >= 8
    # ... and no temporal alignment: the traces reset at different phases
    phases = np.mod(first_reset, np.mean(periods)) / np.mean(periods)
    assert np.ptp(phases) > 0.2


# -- 5. external stimulation ----------------------------------------------------------------------

def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    """The demos' helper outside the EBRAINS collaboratory (_static/common/helpers.py)."""
    calib_path = pynn.helper.nightly_calib_path().parent
    return pynn.helper.chip_from_file(calib_path.joinpath(filename))


@pytest.fixture(scope="module")
def calib():
    return get_nightly_calibration()


def run_experiment(calib, exc_weight: int, inh_weight: int, isi: float):
    pynn.setup(initial_config=calib)

    # use calibrated parameters for neuron
    stimulated_p = pynn.Population(1, pynn.cells.HXNeuron())
    stimulated_p.record(["v", "spikes"])

    # calculate spike times
    wait_before_experiment = 0.01  # ms (hw)
    isi_ms = isi / 1000  # convert to ms
    spiketimes = np.arange(6) * isi_ms + wait_before_experiment

    # all but one input are chosen to be exciatory
    excitatory_spike = np.ones_like(spiketimes, dtype=bool)
    excitatory_spike[1] = False

    # external input
    exc_spikes = spiketimes[excitatory_spike]
    exc_stim_pop = pynn.Population(2, SpikeSourceArray(spike_times=exc_spikes))
    pynn.Projection(exc_stim_pop, stimulated_p, pynn.AllToAllConnector(),
                    synapse_type=StaticSynapse(weight=exc_weight), receptor_type="excitatory")

    inh_spikes = spiketimes[~excitatory_spike]
    inh_stim_pop = pynn.Population(2, SpikeSourceArray(spike_times=inh_spikes))
    pynn.Projection(inh_stim_pop, stimulated_p, pynn.AllToAllConnector(),
                    synapse_type=StaticSynapse(weight=-inh_weight), receptor_type="inhibitory")

    # run experiment
    pynn.run(0.6)
    times, v = membrane(stimulated_p)
    spikes = stimulated_p.get_data("spikes").segments[-1].spiketrains[0]
    pynn.end()
    return times, v, spiketimes, excitatory_spike, len(spikes)


def psp_extrema(times, v, spiketimes, isi_ms):
    """Largest deviation from the resting level after each input, before the next one."""
    rest = np.median(v[times < spiketimes[0]])
    out = []
    for t in spiketimes:
        window = v[(times > t) & (times < t + isi_ms)]
        out.append(window.max() - rest if window.max() - rest > rest - window.min() else window.min() - rest)
    return rest, np.array(out)


def test_external_stimulation_psps(calib):
    times, v, spiketimes, excitatory, n_spikes = run_experiment(calib, 31, 31, 50)   # defaults
    rest, deflections = psp_extrema(times, v, spiketimes, 0.05)
    assert n_spikes == 0
    assert np.all(deflections[excitatory] > 5)            # five EPSPs ...
    assert 30 < deflections[0] < 60                       # the figure's first: ~45 LSB
    assert deflections[~excitatory][0] < -5               # ... and the inhibitory one
    assert abs(np.median(v[times > 0.4]) - rest) <= 2     # back at rest after the inputs


def test_external_stimulation_trends(calib):
    def heights(exc_weight, inh_weight, isi):
        times, v, spiketimes, excitatory, _ = run_experiment(calib, exc_weight, inh_weight, isi)
        rest, deflections = psp_extrema(times, v, spiketimes, isi / 1000)
        return deflections[excitatory], deflections[~excitatory][0], v.max() - rest
    exc = [heights(w, 31, 50)[0][0] for w in (10, 31, 63)]
    inh = [heights(31, w, 50)[1] for w in (10, 31, 63)]
    assert exc[0] < exc[1] < exc[2]                        # EPSPs grow with the weight
    assert inh[0] > inh[1] > inh[2]                        # IPSPs deepen with the weight
    peak = {isi: heights(31, 31, isi)[2] for isi in (50, 20, 10)}
    assert peak[50] < peak[20] < peak[10]                 # closer inputs stack ("stack multiple PSPs")
    assert peak[10] > 1.5 * peak[50]
