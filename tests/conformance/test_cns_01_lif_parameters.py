"""Parameters of a LIF neuron in raw HXNeuron units.

Public source: electronicvisions/brainscales2-demos:cns_01_lif_parameters.rst (the leak
potential, the leak conductance with a current step, and enabling firing; the solutions'
sweeps with fewer points). The membrane is read by the MADC in raw LSB.
"""
from typing import Tuple

import numpy as np
import quantities as pq
import scipy.optimize
import pynn_brainscales.brainscales2 as pynn


def exponential(t: float, amplitude: float, offset: float, tau: float) -> float:
    return amplitude * np.exp(- t / tau) + offset


def fit_exponential(times: np.ndarray, values: np.ndarray) -> Tuple[float]:
    """Fit of A exp(-t / tau) + C to a decay (the tutorial's helper)."""
    norm_times = times - times[0]
    offset_p0 = values[-1]
    norm_values = values - offset_p0
    idx_start = 0
    idx_stop = min(60, len(norm_times))
    if np.abs(norm_values[idx_stop] - norm_values[idx_start]) < 10:
        tau_p0 = 0.1
    else:
        tau_p0 = - (norm_times[idx_stop] - norm_times[idx_start]) \
            / np.log(norm_values[idx_stop] / norm_values[idx_start])
    p0 = (values[0] - offset_p0, offset_p0, tau_p0)
    return scipy.optimize.curve_fit(exponential, norm_times, values, p0=p0)[0]


def run_step_current(stim_neuron: pynn.Population, duration: float = 0.2, offset: float = 0.2):
    stim_neuron.record('v')
    stim_neuron.set(constant_current_enable=False)
    pynn.run(offset, pynn.RunCommand.APPEND)
    stim_neuron.set(constant_current_enable=True)
    pynn.run(duration, pynn.RunCommand.APPEND)
    stim_neuron.set(constant_current_enable=False)
    pynn.run(offset, pynn.RunCommand.EXECUTE)
    signals = stim_neuron.get_data(clear=True).segments[0].irregularlysampledsignals
    pynn.reset()
    if len(signals) == 1:
        # the public backend returns one signal per APPEND/EXECUTE part; ours one for the
        # whole run: cut it at the parts' boundaries
        sig = signals[0]
        edges = [sig.t_start, offset * pq.ms, (offset + duration) * pq.ms, sig.t_stop]
        signals = [sig.time_slice(a, b) for a, b in zip(edges[:-1], edges[1:])]
    return signals


def test_leak_potential_sets_the_mean_membrane_linearly():
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron())
    leak_v_leak_values = np.linspace(0, 1022, 10)
    mean_potentials = []
    for leak_v_leak in leak_v_leak_values:
        pop.set(membrane_capacitance_capacitance=63, leak_v_leak=leak_v_leak, leak_i_bias=500)
        pop.record('v')
        pynn.run(0.1)
        v_mem = pop.get_data(clear=True).segments[0].irregularlysampledsignals[0]
        mean_potentials.append(float(v_mem.mean()))
        pynn.reset()
    pynn.end()
    m = np.array(mean_potentials)
    assert np.all(np.diff(m) >= -2)                       # "approximately linear ...
    slope = np.diff(m[3:8]) / np.diff(leak_v_leak_values[3:8])
    assert np.allclose(slope, slope.mean(), rtol=0.1) and slope.mean() > 0.5
    step = leak_v_leak_values[1] - leak_v_leak_values[0]
    assert m[1] - m[0] < 0.5 * slope.mean() * step        # ... with saturation near the
    assert m[9] - m[8] < 0.6 * slope.mean() * step        # parameter boundaries"
    assert np.all((0 <= m) & (m <= 1022))


def test_current_step_and_membrane_time_constant():
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron())
    taus = []
    for leak_i_bias in [150, 300, 600]:
        pop.set(membrane_capacitance_capacitance=63, leak_v_leak=500, leak_i_bias=leak_i_bias,
                constant_current_i_offset=500)
        sigs = run_step_current(pop)
        before, during, after = (np.asarray(s.magnitude).ravel() for s in sigs)
        assert during.max() > before.mean() + 20           # the step lifts the membrane
        assert abs(after[-50:].mean() - before.mean()) < 5  # and it relaxes back
        taus.append(fit_exponential(sigs[-1].times.magnitude, sigs[-1].magnitude.flatten())[-1])
    pynn.end()
    taus = np.array(taus) * 1e3                             # us
    assert 5 < taus[0] < 20                                 # ~10 us at leak_i_bias 150 (cns_02)
    assert taus[0] > taus[1] > taus[2]                      # 1 / tau grows with the bias
    assert (1 / taus[2]) / (1 / taus[0]) > 2.5


def test_enabling_firing_threshold_and_reset_trends():
    def spikes(**params):
        pynn.setup()
        pop = pynn.Population(1, pynn.cells.HXNeuron())
        base = dict(membrane_capacitance_capacitance=63, leak_v_leak=500, leak_i_bias=500,
                    constant_current_i_offset=500, threshold_enable=True, threshold_v_threshold=800,
                    reset_v_reset=300, reset_i_bias=1022, reset_enable_multiplication=True,
                    refractory_period_refractory_time=255)
        base.update(params)
        pop.set(**base)
        pop.record(['v', 'spikes'])
        pop.set(constant_current_enable=False)
        pynn.run(0.2, pynn.RunCommand.APPEND)
        pop.set(constant_current_enable=True)
        pynn.run(0.1, pynn.RunCommand.APPEND)
        pop.set(constant_current_enable=False)
        pynn.run(0.2, pynn.RunCommand.EXECUTE)
        data = pop.get_data(clear=True).segments[0]
        n = sum(len(s) for s in data.spiketrains)
        pynn.end()
        return n
    assert spikes() == 0                                    # threshold 800: out of reach
    low, lower = spikes(threshold_v_threshold=160), spikes(threshold_v_threshold=130)
    assert 0 < low < lower                                  # task 2: lower threshold, more spikes
    assert spikes(threshold_v_threshold=160, reset_v_reset=450) > low   # task 3: higher reset
