"""pynn-brainscales:brainscales2/test/hw/pynn_brainscales2_test_neuron_bypass_mode.py — a Poisson
train from a SpikeSourceArray through one HXNeuron in bypass mode: the neuron forwards every input
spike, so at least 98 % of the input times come back (rounded to 0.01 ms)."""
import numpy as np
from pyNN.random import RandomDistribution, NumpyRNG

import pynn_brainscales.brainscales2 as pynn

runtime = 10000  # ms
rate = 200  # Hz


def poisson_spike_train(rate: float, start: float = 0, stop: float = runtime, seed: int = 4245) -> np.array:
    """The test's generator: Poisson spike times in ms (periods drawn in us)."""
    period = 1 / rate * 1e6  # period in us
    poisson_dist = RandomDistribution("poisson", lambda_=period, rng=NumpyRNG(seed=seed))
    spikes = []
    time = start
    while True:
        time += poisson_dist.next() / 1000  # convert from us to ms
        if time > stop:
            break
        spikes.append(time)
    return np.array(sorted(spikes))


def test_bypass():
    pynn.setup(enable_neuron_bypass=True)
    spikes_in = poisson_spike_train(rate)
    input_pop = pynn.Population(1, pynn.cells.SpikeSourceArray,
                                cellparams={"spike_times": spikes_in})

    output_pop = pynn.Population(1, pynn.cells.HXNeuron())
    output_pop.record(["spikes"])

    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=63)
    pynn.Projection(input_pop, output_pop, pynn.AllToAllConnector(),
                    synapse_type=synapse)

    pynn.run(runtime)

    spikes_out = output_pop.get_data().segments[0].spiketrains[0].magnitude
    pynn.end()

    input_set = set(np.round(spikes_in + 1e-9, 2))
    output_set = set(np.round(spikes_out + 1e-9, 2))
    assert len(spikes_in) > 1500
    assert len(input_set - output_set) / len(input_set) < 0.02
    # and nothing but the inputs: every output spike follows an input within 0.01 ms
    lag = spikes_out[:, None] - spikes_in[None, :]
    assert np.all(((lag > 0) & (lag < 0.01)).any(axis=1))
