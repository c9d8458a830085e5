"""The exponential LIF neuron with raw HXNeuron settings: rheobase and strength-duration curve.

Public source: electronicvisions/brainscales2-demos:cns_03_exponential_lif.rst (solutions of
"Rheobase Current" task 2 and "Recording a Strength-Duration Curve" tasks 2 and 3, with fewer
points). The hard threshold (600) is set high; spikes are started by the exponential term
(exponential_i_bias 100, exponential_v_exp 580): a step of ~100 elicits a spike, and a shorter
step needs a stronger current.
"""
import numpy as np
import pynn_brainscales.brainscales2 as pynn

NEURON = dict(
    membrane_capacitance_capacitance=63,
    leak_v_leak=480,
    leak_i_bias=150,
    leak_enable_division=True,
    threshold_enable=True,
    threshold_v_threshold=600,
    reset_v_reset=500,
    reset_i_bias=1022,
    reset_enable_multiplication=True,
    refractory_period_refractory_time=255,
    refractory_period_enable_pause=True,
    exponential_enable=True,
    exponential_i_bias=100,
    exponential_v_exp=580)


def run_step_current(stim_neuron: pynn.Population, duration: float = 0.2, offset: float = 0.2):
    """Number of spikes and membrane signals of one current step (the tutorial's helper)."""
    stim_neuron.record(['v', 'spikes'])
    stim_neuron.set(constant_current_enable=False)
    pynn.run(offset, pynn.RunCommand.APPEND)
    stim_neuron.set(constant_current_enable=True)
    pynn.run(duration, pynn.RunCommand.APPEND)
    stim_neuron.set(constant_current_enable=False)
    pynn.run(offset, pynn.RunCommand.EXECUTE)
    seg = stim_neuron.get_data(clear=True).segments[0]
    pynn.reset()
    return np.sum([len(spikes) for spikes in seg.spiketrains]), seg.irregularlysampledsignals


def test_rheobase_of_the_exponential_term():
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron())
    pop.set(**NEURON)
    pop.record(['spikes'])
    pop.set(constant_current_i_offset=100)
    n_spikes, signals = run_step_current(pop, duration=10)
    assert n_spikes > 0                                        # ~100 is the rheobase
    v = np.concatenate([np.asarray(s.magnitude).ravel() for s in signals])
    assert v.max() > 450                                       # the upswing (samples miss the ~750 peak)
    pop.set(constant_current_i_offset=60)
    assert run_step_current(pop, duration=10)[0] == 0          # below it: silent
    # without the exponential term the hard threshold is out of reach for the same step
    pop.set(constant_current_i_offset=100, exponential_enable=False)
    assert run_step_current(pop, duration=10)[0] == 0
    pynn.end()


def test_strength_duration_curve():
    durations = np.logspace(-1, 0.1, 5)
    amplitudes = np.linspace(50, 150, 11)
    min_amplitudes = []
    pynn.setup()
    pop = pynn.Population(1, pynn.cells.HXNeuron())
    pop.set(constant_current_i_offset=100, **NEURON)
    pop.record(['spikes'])
    # longest duration first: the needed amplitude only grows for shorter steps
    for duration in durations[::-1]:
        value_found = False
        for amplitude in amplitudes:
            if len(min_amplitudes) > 0 and amplitude < min_amplitudes[-1]:
                continue
            pop.set(constant_current_i_offset=amplitude)
            n_spikes, _ = run_step_current(pop, duration=duration)
            if n_spikes > 0:
                min_amplitudes.append(amplitude)
                value_found = True
                break
        if not value_found:
            min_amplitudes.append(np.nan)
    min_amplitudes.reverse()
    pynn.end()
    m = np.array(min_amplitudes)
    assert np.all(np.isfinite(m))
    assert np.all(np.diff(m) <= 0)                             # stronger for shorter steps
    assert m[0] > m[-1]
