"""brainscales2-demos:ts_10-multiple_configs.rst — several network configurations in one execution:
one APPEND snippet per image column, each with the column as weights, then one EXECUTE.

The tutorial's image (_static/tutorial/visions.png, 64 x 64) is not shipped: the test draws a
64 x 16 image (64 neurons, 16 snippets instead of 64, to keep the test fast: a diagonal band and a
bar) and reads it with the tutorial's own ``read_image``."""
from os.path import join

import matplotlib.pyplot as plt
import numpy as np

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import hal


def read_image(path: str) -> np.array:
    """The tutorial's helper: image scaled to the weight range [0, 63], one row per snippet."""
    image = np.asarray(plt.imread(path))
    image = image / image.max() * hal.SynapseWeightQuad.Value.max
    return np.flipud(image).T


def _draw_image(path):
    y, x = np.mgrid[0:64, 0:16]
    band = np.abs(y - 4 * x) < 5
    bar = (np.abs(x - 8) < 2) & (y > 40)
    from PIL import Image           # a grayscale PNG as the tutorial's (matplotlib writes RGBA)
    Image.fromarray(((band | bar) * 255).astype(np.uint8)).save(path)


def test_each_snippet_shows_its_weight_column(tmp_path):
    _draw_image(join(tmp_path, "visions.png"))
    image = read_image(join(tmp_path, "visions.png"))
    assert image.shape == (16, 64)             # one row of 64 weights per snippet

    pynn.setup(enable_neuron_bypass=True)

    runtime = 10  # runtime per configuration in ms
    n_spikes = 100 * len(image)
    spikes = np.linspace(0, runtime * len(image), n_spikes)

    input_population = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=spikes))
    recording_population = pynn.Population(64, pynn.cells.HXNeuron())
    recording_population.record('spikes')

    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=32)
    projection = pynn.Projection(input_population,
                                 recording_population,
                                 pynn.AllToAllConnector(),
                                 receptor_type="excitatory",
                                 synapse_type=synapse)

    for i in range(len(image)):
        projection.set(weight=image[i])
        pynn.run(runtime, pynn.RunCommand.APPEND)

    pynn.run(None, pynn.RunCommand.EXECUTE)

    spiketrains = recording_population.get_data('spikes').segments[0].spiketrains
    spiketrains_concatenated = [[] for _ in range(64)]
    for spiketrain in spiketrains:
        spiketrains_concatenated[spiketrain.annotations["source_id"] - 1].extend(spiketrain.times)

    # one spike train per neuron and snippet, each covering its snippet (public convention: times
    # from the start of the segment, t_start / t_stop the snippet's bounds)
    assert len(spiketrains) == 64 * len(image)
    assert {st.annotations["source_id"] for st in spiketrains} == set(range(1, 65))
    for k, st in enumerate(spiketrains[::64]):
        assert float(st.t_start) == runtime * k and float(st.t_stop) == runtime * (k + 1)

    # the raster shows the image: a neuron fires in a snippet where its weight is high, not where it is 0
    raster = np.zeros((len(image), 64))
    for neuron, times in enumerate(spiketrains_concatenated):
        column = (np.asarray([float(t) for t in times]) // runtime).astype(int)
        np.add.at(raster[:, neuron], column[column < len(image)], 1)
    bright, dark = image > 40, image < 1
    assert raster[bright].min() > 50           # ~100 input spikes per snippet pass in bypass mode
    assert raster[dark].max() == 0
