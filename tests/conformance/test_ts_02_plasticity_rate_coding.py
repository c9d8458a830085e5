"""brainscales2-demos:ts_02-plasticity_rate_coding.rst — a timer kernel paints an image into
the firing of 64 bypass-mode neurons: at each 1 ms period it writes the next image column as the
weights from 64 Poisson sources (``set_weights`` per row, the image a global array of the
kernel), API calls unchanged.

What the tutorial shows: the raster (neurons x time) is a copy of the image; spikes are
recorded.  Our image is drawn here (the tutorial's ``visions.png`` is not part of this
repository): a 64 x 64 picture with a bright ring and a dark background, written to a PNG
and read with the tutorial's ``read_image``.  The run is the tutorial's (64 ms).
"""
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pytest

import haldls as hal
import pynn_brainscales.brainscales2 as pynn


def read_image(path: str) -> np.array:
    image = np.asarray(plt.imread(path))
    # scale to the weight range [0, 63]
    image = image / image.max() * hal.SynapseWeightQuad.Value.max
    return image


class PlasticityRule(pynn.PlasticityRule):
    def __init__(self, timer: pynn.Timer, image: np.array):
        pynn.PlasticityRule.__init__(self, timer)
        self.image = image
        assert self.timer.num_periods == len(self.image)

    def generate_kernel(self) -> str:
        return textwrap.dedent("""
        #include "grenade/vx/ppu/synapse_array_view_handle.h"
        #include "grenade/vx/ppu/neuron_view_handle.h"
        #include "libnux/vx/dls.h"
        #include <array>

        using namespace grenade::vx::ppu;
        using namespace libnux::vx;

        extern volatile PPUOnDLS ppu;

        // the picture, one row per neuron, one column per period
        uint8_t const image[{image_h}][{image_w}] = {{
            {image_pixels}
        }};

        // the column shown next
        uint32_t current_row = 0;

        void PLASTICITY_RULE_KERNEL(
            std::array<SynapseArrayViewHandle, 1>& synapses,
            std::array<NeuronViewHandle, 0>&)
        {{
            if (synapses[0].hemisphere != ppu) {{
                return;
            }}
            for (size_t row = 0; row < synapses[0].rows.size(); ++row) {{
                vector_row_t weight_row;
                size_t w = 0;
                for (auto const column: synapses[0].columns) {{
                    weight_row[column] = image[w][current_row];
                    w++;
                }}
                synapses[0].set_weights(weight_row, row);
            }}
            current_row++;
        }}
        """.format(image_h=len(self.image), image_w=len(self.image[0]),
                   image_pixels=",".join(["{" + ", ".join([str(int(pixel)) for pixel in row]) + "}"
                                          for row in self.image])))


def ring_picture(n: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:n, 0:n]
    r = np.hypot(x - n / 2 + 0.5, y - n / 2 + 0.5)
    return ((r > 14) & (r < 26)).astype(float)


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    path = tmp_path_factory.mktemp("image") / "ring.png"
    plt.imsave(path, ring_picture(), cmap="gray")
    image = read_image(str(path))[:, :, 0]          # the PNG is RGBA; one channel suffices

    pynn.setup(enable_neuron_bypass=True)
    bg_props = dict(start=0, rate=4000, duration=64)
    external_input = pynn.Population(64, pynn.cells.SpikeSourcePoisson(**bg_props))
    neurons = pynn.Population(64, pynn.cells.HXNeuron())
    neurons.record(["spikes"])
    timer = pynn.Timer(start=0., period=1., num_periods=len(image))
    plasticity_rule = PlasticityRule(timer=timer, image=image)
    synapse = pynn.standardmodels.synapses.PlasticSynapse(plasticity_rule=plasticity_rule, weight=0)
    pynn.Projection(external_input, neurons, pynn.OneToOneConnector(), synapse_type=synapse)
    pynn.run(64)

    spikes = neurons.get_data("spikes").segments[0]
    spiketrains = [np.asarray(s.magnitude, dtype=float) for s in spikes.spiketrains]
    pynn.end()
    return image, spiketrains


def test_spikes_are_recorded(painted):
    _, spiketrains = painted
    total_spikes = np.sum([len(spikes) for spikes in spiketrains])
    assert total_spikes > 0, "No spikes recorded"


def test_the_raster_is_the_image(painted):
    image, spiketrains = painted
    # neuron w in period t fires with the weight image[w][t]: count spikes per (neuron, ms)
    raster = np.array([np.histogram(s, bins=64, range=(0, 64))[0] for s in spiketrains])
    bright, dark = image > 31, image < 1
    assert raster[dark].sum() == 0                  # weight 0: the bypass neuron stays silent
    assert raster[bright].mean() > 2                # ~4 input spikes per ms pass
    assert np.corrcoef(raster.ravel(), image.ravel())[0, 1] > 0.8
