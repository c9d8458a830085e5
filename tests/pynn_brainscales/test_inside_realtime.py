"""``InjectedConfiguration.inside_realtime``: a ``sta.AbsoluteTimePlaybackProgramBuilder`` whose
writes happen at their times inside the run (grenade timed writes), as in the public tutorial
ts_09 (synapse weights changed during the run)."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import hal, lola, sta


def _bypass_run(builder_fill, runtime=0.3):
    builder = sta.AbsoluteTimePlaybackProgramBuilder()
    configuration = pynn.InjectedConfiguration()
    configuration.inside_realtime = builder
    pynn.setup(enable_neuron_bypass=True, injected_config=configuration)
    try:
        src = pynn.Population(2, pynn.cells.SpikeSourceArray(spike_times=[list(np.arange(0.005, runtime, 0.005))] * 2))
        neurons = pynn.Population(2, pynn.cells.HXNeuron())
        neurons.record(["spikes"])
        projection = pynn.Projection(src, neurons, pynn.OneToOneConnector(),
                                     synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=0))
        pynn.run(None, pynn.RunCommand.PREPARE)
        builder_fill(builder, projection)
        pynn.run(runtime)
        return [np.asarray(st) for st in neurons.get_data("spikes").segments[0].spiketrains]
    finally:
        pynn.end()


def test_weights_written_at_absolute_times_switch_the_neurons_on():
    """Weight 0 first (a bypass neuron fires on every input with a non-zero weight), then weight 63
    for neuron 0 from 0.1 ms and for neuron 1 from 0.2 ms."""
    def fill(builder, projection):
        # the synapses of the one grenade projection (Projection.placed_connections of the public
        # backend is not provided yet)
        coords = pynn.grenade.get_placed_connections(pynn.simulator.state._routing, pynn.grenade.ProjectionDescriptor(0))
        for k, t_us in ((0, 100), (1, 200)):
            row = lola.SynapseWeightRow()
            row.values[coords[k][0].synapse_on_row] = 63
            builder.write(hal.Timer.Value(t_us * int(hal.Timer.Value.fpga_clock_cycles_per_us)),
                          coords[k][0].synapse_row.toSynapseWeightRowOnDLS(), row)

    spikes = _bypass_run(fill)
    for k, start in ((0, 0.1), (1, 0.2)):
        assert len(spikes[k]) > 10
        # no output before the write, then one spike per input (every 5 us)
        assert spikes[k].min() >= start
        assert spikes[k].min() < start + 0.006


def test_builder_with_reads_or_of_the_wrong_type_is_refused():
    builder = sta.AbsoluteTimePlaybackProgramBuilder()
    builder.read(hal.Timer.Value(10), pynn.halco.CapMemCellOnDLS.from_enum(0))
    with pytest.raises(TypeError, match="has reads"):
        pynn.setup(injected_config=pynn.InjectedConfiguration(inside_realtime=builder))
    with pytest.raises(TypeError, match="AbsoluteTimePlaybackProgramBuilder"):
        pynn.setup(injected_config=pynn.InjectedConfiguration(inside_realtime={}))


def test_writes_after_the_run_raise():
    def fill(builder, projection):
        builder.write(hal.Timer.Value(10 ** 6), pynn.halco.CapMemCellOnDLS.from_enum(0), hal.CapMemCell(5))

    with pytest.raises(ValueError, match="after the end of the realtime section"):
        _bypass_run(fill, runtime=0.1)
