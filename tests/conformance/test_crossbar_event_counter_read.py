"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/crossbar_event_counter_read.py
(also test/hw/pynn_brainscales2_test_crossbar_event_counter_read.py) — the event counters of the
twelve crossbar outputs, enabled through an injected CrossbarOutputConfig and read before and
after the realtime section through injected reads at ``halco.CrossbarOutputOnDLS``: one bypass
neuron driven by 200 input spikes counts 200 events on the PADI bus that carries the inputs and
200 on the L2 output that carries the neuron's spikes to the FPGA, 0 everywhere else."""
from typing import Dict

import numpy as np

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import halco, hal


def main(num_spikes: int = 200, runtime: float = 20.) -> Dict[halco.CrossbarOutputOnDLS, int]:
    # read every output counter before and after the realtime section
    injected_readout = pynn.InjectedReadout()
    for coord in halco.iter_all(halco.CrossbarOutputOnDLS):
        injected_readout.pre_realtime.add(coord)
        injected_readout.post_realtime.add(coord)

    # the counters count only when enabled
    injected_config = pynn.InjectedConfiguration()
    crossbar_output_config = hal.CrossbarOutputConfig()
    for coord in halco.iter_all(halco.CrossbarOutputOnDLS):
        crossbar_output_config.enable_event_counter[coord] = True
    injected_config.pre_realtime = {halco.CrossbarOutputConfigOnDLS(): crossbar_output_config}

    pynn.setup(injected_config=injected_config, injected_readout=injected_readout,
               enable_neuron_bypass=True)

    nrn = pynn.Population(1, pynn.cells.HXNeuron())
    nrn.record(["spikes"])
    pop_input = pynn.Population(1, pynn.cells.SpikeSourceArray,
                                cellparams={"spike_times": np.linspace(0.01, runtime - 0.01, num_spikes)})
    synapse = pynn.standardmodels.synapses.StaticSynapse(weight=63)
    pynn.Projection(pop_input, nrn, pynn.OneToOneConnector(), synapse_type=synapse)

    pynn.run(runtime)

    before = pynn.get_pre_realtime_read()
    after = pynn.get_post_realtime_read()
    diffs = {}
    for coord in halco.iter_all(halco.CrossbarOutputOnDLS):
        diffs.update({coord: int(after[coord].value - before[coord].value)})
    spikes = nrn.get_data("spikes").segments[0].spiketrains[0]
    pynn.end()
    return diffs, spikes


def test_counters_count_the_routed_events():
    diffs, spikes = main()
    assert set(diffs) == set(halco.iter_all(halco.CrossbarOutputOnDLS))
    assert len(spikes) == 200                                  # bypass: one output spike per input
    padi = {c: d for c, d in diffs.items() if c.toPADIBusOnDLS() is not None}
    l2 = {c: d for c, d in diffs.items() if c.toPADIBusOnDLS() is None}
    # every input crossed the crossbar onto one PADI bus, every neuron spike onto one L2 output
    assert sorted(padi.values()) == [0] * 7 + [200]
    assert sorted(l2.values()) == [0] * 3 + [200]


def test_counters_stay_still_without_the_enable():
    pynn.setup(injected_readout=pynn.InjectedReadout(
        pre_realtime=set(halco.iter_all(halco.CrossbarOutputOnDLS)),
        post_realtime=set(halco.iter_all(halco.CrossbarOutputOnDLS))), enable_neuron_bypass=True)
    nrn = pynn.Population(1, pynn.cells.HXNeuron())
    pop_input = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[0.1, 0.2, 0.3]))
    pynn.Projection(pop_input, nrn, pynn.OneToOneConnector(),
                    synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=63))
    pynn.run(1.)
    before, after = pynn.get_pre_realtime_read(), pynn.get_post_realtime_read()
    pynn.end()
    assert all(after[c].value == before[c].value for c in halco.iter_all(halco.CrossbarOutputOnDLS))
