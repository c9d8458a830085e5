"""brainscales2-demos:ts_09-inside_realtime_hook.rst — an image painted into firing rates by
writes at absolute times: an ``sta.AbsoluteTimePlaybackProgramBuilder`` injected as
``InjectedConfiguration.inside_realtime`` rewrites the weights of 64 synapses (one per neuron,
found through ``projection.placed_connections``) every 10 ms with the next image column, while
64 Poisson sources drive 64 bypass neurons.  The neurons' spike trains over time reproduce the
image: bright pixels fire, black ones stay silent.

The tutorial's 64 x 64 picture (visions.png) is replaced by a pattern of our own with black and
non-black pixels; in neuron bypass mode a synapse with a non-zero weight passes every input
spike, so the reproduced picture is the image's black / non-black pattern."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import hal, lola, halco, sta


def read_image() -> np.ndarray:
    """A 64 x 64 picture scaled to the weight range, as the tutorial's read_image returns it: a
    ring and a bar on black."""
    y, x = np.mgrid[0:64, 0:64]
    r = np.hypot(x - 32, y - 32)
    image = np.where((r > 14) & (r < 24), 1.0, 0.0) + np.where((np.abs(x - 32) < 4) & (y > 8) & (y < 56), 0.5, 0.0)
    image = image / image.max() * hal.SynapseWeightQuad.Value.max
    return image


def painted():
    """The tutorial's experiment: (image, spike trains of the 64 neurons)."""
    image = read_image()

    builder = sta.AbsoluteTimePlaybackProgramBuilder()
    configuration = pynn.InjectedConfiguration()
    configuration.inside_realtime = builder
    pynn.setup(enable_neuron_bypass=True, injected_config=configuration)

    bg_props = dict(start=0, rate=4000, duration=640)      # ms, Hz, ms
    external_input = pynn.Population(64, pynn.cells.SpikeSourcePoisson(**bg_props))

    neurons = pynn.Population(64, pynn.cells.HXNeuron())
    neurons.record(["spikes"])
    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=0)
    projection = pynn.Projection(external_input, neurons, pynn.OneToOneConnector(), synapse_type=synapse)
    pynn.run(None, pynn.RunCommand.PREPARE)

    synapse_coordinates = projection.placed_connections
    for j in range(64):
        row_values = lola.SynapseWeightRow()
        for i, coordinate in enumerate(synapse_coordinates):
            row_values.values[coordinate[0].synapse_on_row] = int(image[-i, j])
        builder.write(hal.Timer.Value(j * int(hal.Timer.Value.fpga_clock_cycles_per_us) * 10000),
                      coordinate[0].synapse_row.toSynapseWeightRowOnDLS(), row_values)

    pynn.run(640)  # ms

    spikes = neurons.get_data("spikes").segments[0]
    spiketrains = [spiketrain.base for spiketrain in spikes.spiketrains]
    pynn.end()
    return image, spiketrains


def test_rates_reproduce_the_image():
    image, spiketrains = painted()
    assert len(spiketrains) == 64
    counts = np.zeros((64, 64))
    for i, train in enumerate(spiketrains):
        column = np.floor(np.asarray(train, float) / 10.0).astype(int)        # 10 ms per image column
        counts[i] = np.bincount(column[(column >= 0) & (column < 64)], minlength=64)
    # neuron i shows image row -i: silent where the pixel is black, about 4 kHz x 10 ms elsewhere
    shown = np.stack([image[-i] for i in range(64)])
    assert np.all(counts[shown == 0] == 0)
    lit = counts[shown > 0]
    assert lit.size > 300 and lit.min() > 15 and 30 < lit.mean() < 50


def test_the_image_needs_the_hook():
    """Without the timed writes every weight stays 0 and no neuron fires: the picture above comes
    from the hook."""
    pynn.setup(enable_neuron_bypass=True)
    inputs = pynn.Population(4, pynn.cells.SpikeSourcePoisson(start=0, rate=4000, duration=20))
    neurons = pynn.Population(4, pynn.cells.HXNeuron())
    neurons.record(["spikes"])
    pynn.Projection(inputs, neurons, pynn.OneToOneConnector(),
                    synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=0))
    pynn.run(20)
    trains = neurons.get_data("spikes").segments[0].spiketrains
    pynn.end()
    assert sum(len(t) for t in trains) == 0
