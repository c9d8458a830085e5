"""The integrator neuron of the hagen-mode introduction, with its API calls unchanged.

Source: brainscales2-demos:tp_00-introduction.rst ("An integrator neuron"), with the
calibration loaded as brainscales2-demos:_static/common/helpers.py
(``get_nightly_calibration("hagen_cocolist.pbin")``, its local branch) does it.

The tutorial's point: with the nightly hagen calibration the neuron is an integrator. Its
membrane integrates up on excitatory input, steps down on inhibitory input, and holds its
level between inputs and after the last one (the leak is disabled); it never fires.
"""
import numpy as np

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import Population
from pynn_brainscales.brainscales2.standardmodels.cells import SpikeSourceArray
from pynn_brainscales.brainscales2.standardmodels.synapses import StaticSynapse

EXC_US = [1, 3, 4, 5, 7, 8, 9, 10, 15, 17, 18, 19]
INH_US = [2, 6, 16]


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    """The demos helper outside the EBRAINS collaboratory: the file next to the nightly one."""
    calib_path = pynn.helper.nightly_calib_path().parent
    path_to_calib = calib_path.joinpath(filename)
    chip = pynn.helper.chip_from_file(path_to_calib)
    return chip


def membrane(population: Population, segment_id=-1):
    """(times in us, values) of the recorded membrane, as the tutorial's plot reads them."""
    mem_v = population.get_data("v").segments[segment_id].irregularlysampledsignals[0]
    return np.asarray(mem_v.times.rescale("ms")).ravel() * 1e3, np.asarray(mem_v.base).ravel()


def test_an_integrator_neuron():
    calib = get_nightly_calibration("hagen_cocolist.pbin")

    def generate_external_inputs(stimulated_population):
        exc_spiketimes = [1, 3, 4, 5, 7, 8, 9, 10, 15, 17, 18, 19]  # us
        exc_spiketimes = np.array(exc_spiketimes) / 1e3
        exc_stim_pop = pynn.Population(1, SpikeSourceArray(spike_times=exc_spiketimes))
        pynn.Projection(exc_stim_pop, stimulated_p,
                        pynn.AllToAllConnector(),
                        synapse_type=StaticSynapse(weight=63),
                        receptor_type="excitatory")

        inh_spiketimes = [2, 6, 16]  # us (bio: ms)
        inh_spiketimes = np.array(inh_spiketimes) / 1e3
        inh_stim_pop = pynn.Population(1, SpikeSourceArray(spike_times=inh_spiketimes))
        pynn.Projection(inh_stim_pop, stimulated_p,
                        pynn.AllToAllConnector(),
                        synapse_type=StaticSynapse(weight=-63),
                        receptor_type="inhibitory")

    # reset membrane potential before beginning of experiment (it floats otherwise)
    pynn.setup(initial_config=calib)

    # use calibrated parameters for neuron
    silent_p = pynn.Population(2, pynn.cells.HXNeuron())
    stimulated_p = pynn.Population(1, pynn.cells.HXNeuron())
    generate_external_inputs(stimulated_p)
    stimulated_p.record(["v", "spikes"])

    pynn.run(50e-3)  # run for 50 us
    t, v = membrane(stimulated_p)
    spikes = stimulated_p.get_data("spikes").segments[-1].spiketrains[0]
    pynn.end()

    assert len(silent_p) == 2 and len(spikes) == 0           # an integrator never fires
    assert t[0] < 0.1 and t[-1] > 49.5

    def at(us):
        return v[np.searchsorted(t, us)]

    def window(a, b):
        return v[(t >= a) & (t < b)]

    # a defined start, flat until the first input
    start = window(0, 1.0)
    assert np.ptp(start) <= 1
    v0 = float(np.mean(start))
    # the size of one event: 12 excitatory and 3 inhibitory events of equal size, 9 steps up
    plateau = window(25.0, 50.0)
    step = (float(np.mean(plateau)) - v0) / (len(EXC_US) - len(INH_US))
    assert step > 3                                                  # MADC LSB: well above 1
    # integrates up: each excitatory-only stretch rises by about one step per event
    for a, b, events in ((3.0, 6.0, 3), (7.0, 11.0, 4), (17.0, 20.0, 3)):
        assert at(b) - at(a) > 0.6 * events * step, (a, b)
    assert 5.5 * step <= at(14.5) - v0 <= 6.5 * step                   # by then 8 up, 2 down
    # steps down on inhibitory input: within a microsecond of each one the membrane ends below
    # its peak (the charge of the excitatory event a microsecond before still arrives first)
    for t_inh in INH_US:
        w = window(t_inh, t_inh + 1.0)
        assert w[-1] < w.max() - 0.15 * step, t_inh
    # holds the plateau between inputs (10 .. 15 us) and after the last input (19 us)
    assert np.ptp(window(12.5, 15.0)) <= max(2.0, 0.25 * step)
    assert np.ptp(plateau) <= max(2.0, 0.25 * step)
