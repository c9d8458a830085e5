"""The low-level access points of the PyNN backend that public scripts use:
``simulator.state.grenade_chip_config`` and one-to-one projections of single neurons."""
import pytest

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import halco, lola


def test_grenade_chip_config_changes_reach_the_chip():
    coord = halco.CommonNeuronBackendConfigOnDLS(1)
    pynn.setup(injected_readout=pynn.InjectedReadout(post_realtime={coord}))
    try:
        config = pynn.simulator.state.grenade_chip_config
        assert isinstance(config, lola.Chip)
        assert pynn.simulator.state.grenade_chip_config is config          # one object per setup
        config.neuron_block.backends[coord].clock_scale_adaptation_pulse = 7
        config.neuron_block.backends[coord].clock_scale_post_pulse = 5
        pynn.Population(1, pynn.cells.HXNeuron())
        pynn.run(0.01)
        read = pynn.get_post_realtime_read()[coord]
        assert (read.clock_scale_adaptation_pulse, read.clock_scale_post_pulse) == (7, 5)
    finally:
        pynn.end()


def test_grenade_chip_config_copies_the_initial_config():
    calib = lola.Chip()
    calib.neuron_block.backends[halco.CommonNeuronBackendConfigOnDLS(0)].clock_scale_slow = 9
    pynn.setup(initial_config=calib)
    try:
        config = pynn.simulator.state.grenade_chip_config
        assert config is not calib and config == calib
        config.neuron_block.backends[halco.CommonNeuronBackendConfigOnDLS(0)].clock_scale_slow = 2
        assert calib.neuron_block.backends[halco.CommonNeuronBackendConfigOnDLS(0)].clock_scale_slow == 9
    finally:
        pynn.end()


@pytest.mark.parametrize("connector", [pynn.OneToOneConnector(), pynn.AllToAllConnector()])
def test_single_neuron_projections(connector):
    pynn.setup()
    try:
        src = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[0.01]))
        nrn = pynn.Population(1, pynn.cells.HXNeuron())
        proj = pynn.Projection(src, nrn, connector, synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=17))
        assert len(proj) == 1
        assert proj.get("weight", format="list") == [(0, 0, 17)]
    finally:
        pynn.end()


def test_placed_connections_name_the_synapses_of_each_connection():
    pynn.setup()
    try:
        src = pynn.Population(3, pynn.cells.SpikeSourceArray(spike_times=[0.01]))
        nrn = pynn.Population(3, pynn.cells.HXNeuron())
        proj = pynn.Projection(src, nrn, pynn.OneToOneConnector(),
                               synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=20))
        with pytest.raises(RuntimeError, match="no routing yet"):
            proj.placed_connections
        pynn.run(None, pynn.RunCommand.PREPARE)
        placed = proj.placed_connections
        assert len(placed) == len(proj) == 3
        columns = set()
        for k, synapses in enumerate(placed):
            assert len(synapses) == 1 and synapses[0].weight == 20
            assert isinstance(synapses[0].synapse_row, halco.SynapseRowOnDLS)
            columns.add(int(synapses[0].synapse_on_row))
        # one target neuron per connection: three different columns, the neurons' own
        atoms = [halco.AtomicNeuronOnDLS.from_enum(int(a)) for a in pynn.simulator.state._on_chip_atoms()[0][1]]
        assert columns == {int(a.toNeuronColumnOnDLS()) for a in atoms}
    finally:
        pynn.end()
