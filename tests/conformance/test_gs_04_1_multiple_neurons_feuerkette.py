"""The "Feuerkette" (synfire chain) of the German tutorial, with its API calls unchanged.

Source: brainscales2-demos:gs_04-1_multiple_neurons_feuerkette.rst ("Experimente mit mehreren
Nervenzellen Teil 1"). One population of 25 x 5 excitatory and one of 25 x 5 inhibitory
calibrated HXNeurons, cut into PopulationViews; a kick at t = 0 into the first groups, each
excitatory group drives the next excitatory and inhibitory group, each inhibitory group
inhibits its excitatory partner; the chain is closed and runs 0.3 ms. Sliders: inh_exc 30,
exc_exc 60, exc_inh 40.

What the tutorial shows (its solution figure and text): a clean staircase in the excitatory
groups, every neuron firing once per step; the inhibitory spikes more spread out; and how the
three weights shape it: (a) too weak inhibition fans the picture out, (b) too small exc_exc
breaks the chain, (c) without exc_inh the inhibitory spikes vanish, and too strong inhibition
suppresses the signal so that the chain breaks again. ``setup_hardware_client`` (lab
infrastructure), the widgets and the plot are left out; the calibration comes from the demos'
helper outside the EBRAINS collaboratory.
"""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    """The demos helper's local branch: the file next to the nightly one."""
    calib_path = pynn.helper.nightly_calib_path().parent
    path_to_calib = calib_path.joinpath(filename)
    chip = pynn.helper.chip_from_file(path_to_calib)
    return chip


def experiment(inh_exc, exc_exc, exc_inh):
    """The tutorial's slider callback without its plot; returns the spike collector and the
    run time."""
    # Diese Parameter sind im Prinzip auch verstellbar, haben so aber gute Werte.
    weights = {"stim_exc": 60,
               "stim_inh": 15}
    numb_pops = 25
    pop_sizes = {"exc": 5,
                 "inh": 5}
    runtime = 0.3
    closed = True

    neuron_parameters = {"refractory_period_refractory_time": 50}

    calib = get_nightly_calibration()
    pynn.setup(initial_config=calib)

    pop_collector = {"exc": [],
                     "inh": []}

    for synapse_type in ["exc", "inh"]:
        pop_size = pop_sizes[synapse_type]
        pop = pynn.Population(pop_size * numb_pops,
                              pynn.cells.HXNeuron(**neuron_parameters))
        pop.record(['spikes'])
        for index in range(numb_pops):
            mask = slice(index * pop_size, index * pop_size + pop_size)
            popview = pynn.PopulationView(pop, mask)
            pop_collector[synapse_type].append(popview)

    stim_pop = pynn.Population(pop_sizes['exc'],
                               pynn.cells.SpikeSourceArray(spike_times=[0]))

    pynn.Projection(stim_pop, pop_collector['exc'][0],
                    pynn.AllToAllConnector(),
                    synapse_type=pynn.synapses.StaticSynapse(weight=weights["stim_exc"]),
                    receptor_type='excitatory')
    pynn.Projection(stim_pop, pop_collector['inh'][0],
                    pynn.AllToAllConnector(),
                    synapse_type=pynn.synapses.StaticSynapse(weight=weights["stim_inh"]),
                    receptor_type='excitatory')

    lastiter = numb_pops
    if not closed:
        lastiter -= 1
        pynn.Projection(pop_collector['inh'][lastiter],
                        pop_collector['exc'][lastiter],
                        pynn.AllToAllConnector(),
                        synapse_type=pynn.synapses.StaticSynapse(weight=-inh_exc),
                        receptor_type='inhibitory')

    for pop_index in range(lastiter):
        pynn.Projection(pop_collector['exc'][pop_index],
                        pop_collector['exc'][(pop_index + 1) % numb_pops],
                        pynn.AllToAllConnector(),
                        synapse_type=pynn.synapses.StaticSynapse(weight=exc_exc),
                        receptor_type='excitatory')
        pynn.Projection(pop_collector['exc'][pop_index],
                        pop_collector['inh'][(pop_index + 1) % numb_pops],
                        pynn.AllToAllConnector(),
                        synapse_type=pynn.synapses.StaticSynapse(weight=exc_inh),
                        receptor_type='excitatory')
        pynn.Projection(pop_collector['inh'][pop_index],
                        pop_collector['exc'][pop_index],
                        pynn.AllToAllConnector(),
                        synapse_type=pynn.synapses.StaticSynapse(weight=-inh_exc),
                        receptor_type='inhibitory')

    pynn.run(runtime)

    spike_collector = {'exc': np.zeros(numb_pops, dtype=object),
                       'inh': np.zeros(numb_pops, dtype=object)}
    for syn_type in ['exc', 'inh']:
        for pop_index in range(numb_pops):
            spike_collector[syn_type][pop_index] =\
                pop_collector[syn_type][pop_index].get_data("spikes").segments[0].spiketrains

    pynn.end()
    return spike_collector, runtime


SLIDERS = dict(inh_exc=30, exc_exc=60, exc_inh=40)


def neuron_spikes(trains):
    """Per neuron of a group: its spike times (us)."""
    return [np.asarray(t.rescale("ms")).ravel() * 1e3 for t in trains]


def group_spikes(trains):
    return np.sort(np.concatenate(neuron_spikes(trains)))


def first_spikes(spikes, syn_type="exc"):
    return np.array([s[0] if len(s) else np.nan for s in (group_spikes(t) for t in spikes[syn_type])])


def total(spikes, syn_type):
    return sum(len(group_spikes(t)) for t in spikes[syn_type])


@pytest.fixture(scope="module")
def sliders():
    return experiment(**SLIDERS)


def test_a_clean_staircase_that_circles_the_closed_chain(sliders):
    spikes, runtime = sliders
    first = first_spikes(spikes)
    assert np.all(np.diff(first) > 0.5) and first[0] < 5.0       # group after group
    step = np.median(np.diff(first))
    ring = first[-1] - first[0] + step
    assert ring < 0.5 * runtime * 1e3                            # several rounds in 0.3 ms
    # one spike per neuron and round: nearly every neuron of a group fires equally often (the
    # kicked group may answer the strong kick twice); the run ends inside a round, so along the
    # chain the groups' counts step down by one at most once, where the last round was cut off
    counts = np.array([[len(s) for s in neuron_spikes(trains)] for trains in spikes["exc"]])
    per_group = np.array([np.bincount(c).argmax() for c in counts])
    rounds = per_group.min()
    assert rounds >= 3 and np.mean(counts == per_group[:, None]) >= 0.9
    assert counts.max() <= rounds + 2 and np.all(np.diff(per_group[1:]) <= 0)
    assert np.all(per_group[1:] - rounds <= 1)
    for k, trains in enumerate(spikes["exc"]):
        # each round the five fire together, within a fraction of a step, one ring apart
        per_neuron = [s for s in neuron_spikes(trains) if len(s) == per_group[k]]
        times = np.array(per_neuron).T                           # (round, neuron)
        assert np.all(np.ptp(times, axis=1) < 0.5 * step), k
        assert np.allclose(np.diff(np.median(times, axis=1)), ring, rtol=0.05), k


def test_inhibitory_spikes_follow_their_drive_and_are_more_spread(sliders):
    spikes, _ = sliders
    exc_first, inh_first = first_spikes(spikes, "exc"), first_spikes(spikes, "inh")
    # inhibitory group k answers excitatory group k-1 (group 0 the last one: the kick's
    # stim_inh 15 alone is too weak), a little after its excitatory sibling group k
    assert np.all(inh_first[1:] > exc_first[:-1])
    assert inh_first[0] > exc_first[-1]

    def spread(syn_type):
        widths = []
        for trains in spikes[syn_type]:
            per_neuron = neuron_spikes(trains)
            n = min(len(s) for s in per_neuron)
            widths += [np.ptp([s[r] for s in per_neuron]) for r in range(n)]
        return np.median(widths)
    assert spread("inh") > 1.5 * spread("exc")


def test_a_weak_inhibition_fans_the_picture_out(sliders):
    """(a): without inh_exc the excitatory groups fire many times per step."""
    fanned, _ = experiment(**dict(SLIDERS, inh_exc=0))
    assert total(fanned, "exc") > 3 * total(sliders[0], "exc")


def breaks_early(first) -> bool:
    """The kicked group fires and the activity dies within the first few groups."""
    return bool(np.isfinite(first[0]) and np.all(np.isnan(first[5:])))


@pytest.mark.parametrize("exc_exc", [20, 35])
def test_too_small_exc_exc_breaks_the_chain(exc_exc):
    """(b): the kicked group fires, the chain does not carry it on."""
    spikes, _ = experiment(**dict(SLIDERS, exc_exc=exc_exc))
    assert breaks_early(first_spikes(spikes))


def test_without_exc_inh_the_inhibitory_spikes_vanish():
    """(c), first half: the excitatory staircase goes on (fanned out: nothing inhibits it)."""
    spikes, _ = experiment(**dict(SLIDERS, exc_inh=0))
    assert total(spikes, "inh") == 0
    assert np.all(np.isfinite(first_spikes(spikes)))


def test_too_strong_inhibition_suppresses_the_signal():
    """(c), second half: with the inhibitory path at full strength the inhibition wins the race
    and the chain breaks again."""
    spikes, _ = experiment(**dict(SLIDERS, exc_inh=63))
    assert breaks_early(first_spikes(spikes))
    assert total(spikes, "inh") > 0
