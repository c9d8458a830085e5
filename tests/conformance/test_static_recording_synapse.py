"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/static_recording_synapse.py
and examples/plasticity_rule.py — observables and plasticity kernels run on the embedded
plasticity processors (PPU), which the emulated chip does not execute yet: the public names exist
and raise NotImplementedError naming the feature (never AttributeError)."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn


def test_static_recording_synapse_raises_naming_the_ppu():
    pynn.setup()

    nrn = pynn.Population(1, pynn.cells.HXNeuron())
    nrn.record(["spikes", "v"])

    spike_times = np.arange(0, 10, 0.01)
    pynn.Population(1, pynn.cells.SpikeSourceArray, cellparams={"spike_times": spike_times})

    timer = pynn.Timer(start=5, period=10, num_periods=1)
    with pytest.raises(NotImplementedError, match="StaticRecordingSynapse.*PPU"):
        pynn.standardmodels.synapses.StaticRecordingSynapse(timer=timer, weight=63, observables={"weights"})


def test_plasticity_rule_and_plastic_synapse_raise_naming_the_ppu():
    pynn.setup()
    timer = pynn.Timer(start=0., period=1., num_periods=1)
    with pytest.raises(NotImplementedError, match="PPU"):
        pynn.PlasticityRule(timer=timer)
    # without a rule a PlasticSynapse is static and runs; a rule raises
    synapse = pynn.standardmodels.synapses.PlasticSynapse(weight=63)
    with pytest.raises(NotImplementedError, match="PPU"):
        synapse.plasticity_rule = object()
    with pytest.raises(NotImplementedError, match="get_post_realtime_read_ppu_symbols.*PPU"):
        pynn.get_post_realtime_read_ppu_symbols()
