"""brainscales2-demos:tutorial.rst — the final check of the tutorial's setup section: a minimal
PyNN experiment (two populations of default ``HXNeuron``\\ s, an all-to-all projection, 0.2 ms on
the chip) "should terminate without errors".  The microscheduler setup it includes
(common_quiggeldy_setup.rst) is lab infrastructure and left out."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


def test_minimal_experiment_terminates_without_errors():
    pynn.setup()
    neurons_1 = pynn.Population(2, pynn.cells.HXNeuron())
    neurons_2 = pynn.Population(3, pynn.cells.HXNeuron())
    projection = pynn.Projection(neurons_1, neurons_2, pynn.AllToAllConnector())
    neurons_2.record(["spikes"])            # not in the tutorial: shows what the run did
    pynn.run(0.2)
    spiketrains = neurons_2.get_data("spikes").segments[0].spiketrains
    assert pynn.get_current_time() == 0.2
    pynn.end()
    # every pair connected, with PyNN's default static synapse (weight 0); the default neurons
    # are silent, so nothing was sent over them
    assert len(projection) == 2 * 3
    assert np.all(np.asarray(projection.get("weight", format="array")) == 0)
    assert len(spiketrains) == 3 and all(len(s) == 0 for s in spiketrains)
    # the chip is free again: the next experiment sets up from scratch
    pynn.setup()
    pynn.Population(1, pynn.cells.HXNeuron())
    pynn.run(0.01)
    pynn.end()
