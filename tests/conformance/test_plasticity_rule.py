"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/plasticity_rule.py (and
its hardware test ``test_write_read_ppu_symbols``): a user ``PlasticityRule`` whose C++ kernel
sets the weights of its projection to zero at 5 ms, API calls unchanged.

What the example shows: the program runs and the neuron spikes; the kernel zeroes the weights at
5 ms, so the input drives the neuron before and no longer after (the synapse weights read back
after the run are 0; with a kernel that leaves them, they stay 63).  The hardware test's PPU
symbol round trip: a kernel global written through ``InjectedConfiguration.ppu_symbols`` is read
back unchanged through ``get_post_realtime_read_ppu_symbols()``.
"""
import textwrap

import numpy as np

import halco
import haldls
import pynn_brainscales.brainscales2 as pynn
import pygrenade_vx as grenade

cell_params = {"threshold_v_threshold": 300,
               "leak_v_leak": 750,
               "leak_i_bias": 420,
               "leak_enable_division": True,
               "reset_v_reset": 200,
               "reset_i_bias": 950,
               "reset_enable_multiplication": True,
               "threshold_enable": True,
               "membrane_capacitance_capacitance": 4,
               "refractory_period_refractory_time": 250,
               "excitatory_input_enable": True,
               "excitatory_input_i_bias_tau": 150,
               "excitatory_input_i_bias_gm": 200}

ZERO_KERNEL = textwrap.dedent("""
    #include "grenade/vx/ppu/neuron_view_handle.h"
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "libnux/vx/location.h"
    #include <array>
    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;

    void PLASTICITY_RULE_KERNEL(
        std::array<SynapseArrayViewHandle, 1>& synapses,
        std::array<NeuronViewHandle, 0>& /* neurons */)
    {
        if (synapses[0].hemisphere != ppu) {
            return;
        }
        SynapseArrayViewHandle::Row zeros;
        for (size_t i = 0; i < 256; ++i) {
            zeros[i] = 0;
        }
        for (size_t i = 0; i < synapses[0].rows.size(); ++i) {
            synapses[0].set_weights(zeros, i);
        }
    }
    """)


class PlasticityRule(pynn.PlasticityRule):
    def __init__(self, timer: pynn.Timer, kernel: str = ZERO_KERNEL):
        pynn.PlasticityRule.__init__(self, timer, observables={})
        self.kernel = kernel

    def generate_kernel(self) -> str:
        return self.kernel


def main(params: dict, kernel: str = ZERO_KERNEL, injected_readout=None):
    pynn.setup(injected_readout=injected_readout)

    nrn = pynn.Population(1, pynn.cells.HXNeuron(**params))
    nrn.record(["spikes", "v"])

    spike_times = np.arange(0, 10, 0.01)
    pop_input = pynn.Population(1, pynn.cells.SpikeSourceArray, cellparams={"spike_times": spike_times})

    timer = pynn.Timer(start=5, period=10, num_periods=1)
    synapse = pynn.standardmodels.synapses.PlasticSynapse(weight=63, plasticity_rule=PlasticityRule(timer=timer,
                                                                                                   kernel=kernel))

    pynn.Projection(pop_input, nrn, pynn.AllToAllConnector(), synapse_type=synapse)

    pynn.run(10)

    spiketrain = nrn.get_data("spikes").segments[0].spiketrains[0]
    mem_v = nrn.get_data("v").segments[0].irregularlysampledsignals[0]
    reads = pynn.get_post_realtime_read() if injected_readout is not None else None
    pynn.end()
    return spiketrain, mem_v, reads


def _weight_quads():
    """The synapse weight quads of the top hemisphere's first rows (the projection's synapse)."""
    return [halco.SynapseWeightQuadOnDLS(halco.SynapseQuadOnSynram(
        halco.SynapseQuadColumnOnDLS(q), halco.SynapseRowOnSynram(r)), halco.SynramOnDLS(0))
        for r in range(4) for q in range(64)]


def test_main_runs_and_the_neuron_spikes():
    spiketrain, mem_v, _ = main(cell_params)
    assert len(spiketrain) > 0
    assert len(mem_v) > 0


def test_weights_are_zero_after_5_ms():
    quads = _weight_quads()
    readout = pynn.InjectedReadout(post_realtime=set(quads))
    _, _, reads = main({}, injected_readout=readout)
    weights = np.array([[int(w) for w in reads[q].values] for q in quads])
    assert weights.max() == 0                       # every synapse of the projection rewritten

    noop = ZERO_KERNEL.replace("synapses[0].set_weights(zeros, i);", "static_cast<void>(zeros);")
    _, _, reads = main({}, kernel=noop, injected_readout=readout)
    weights = np.array([[int(w) for w in reads[q].values] for q in quads])
    assert weights.max() == 63                      # the projection's synapse keeps its weight


def test_input_drives_the_membrane_before_5_ms_only():
    # a neuron below threshold: the PSPs of the 100 kHz input lift the membrane until the
    # kernel zeroes the weight at 5 ms; from then on it relaxes to its resting potential
    _, mem_v, _ = main(dict(cell_params, threshold_enable=False, leak_v_leak=400))
    t = np.asarray(mem_v.times, dtype=float)
    v = np.asarray(mem_v.magnitude, dtype=float).ravel()
    driven = v[(t > 3) & (t < 5)].mean()
    relaxed = v[(t > 7) & (t < 10)].mean()
    assert driven > relaxed + 5


def test_write_read_ppu_symbols():
    kernel = textwrap.dedent("""
        #include "grenade/vx/ppu/neuron_view_handle.h"
        #include "grenade/vx/ppu/synapse_array_view_handle.h"
        #include <array>
        using namespace grenade::vx::ppu;
        volatile uint32_t test;

        void PLASTICITY_RULE_KERNEL(
            std::array<SynapseArrayViewHandle, 1>& synapses,
            std::array<NeuronViewHandle, 0>& /* neurons */)
        {
            static_cast<void>(test);
        }
        """)
    hal = haldls
    injected_config = pynn.InjectedConfiguration()
    expectation = hal.PPUMemoryBlock(halco.PPUMemoryBlockSize(1))
    expectation.words = [hal.PPUMemoryWord(hal.PPUMemoryWord.Value(0x1234567))]
    injected_config.ppu_symbols = {"test": {halco.HemisphereOnDLS.top: expectation,
                                            halco.HemisphereOnDLS.bottom: expectation}}
    injected_readout = pynn.InjectedReadout()
    injected_readout.ppu_symbols = {"test"}

    pynn.setup(injected_config=injected_config, injected_readout=injected_readout)
    nrn = pynn.Population(1, pynn.cells.HXNeuron())
    pop_input = pynn.Population(1, pynn.cells.SpikeSourceArray())
    timer = pynn.Timer(start=5, period=10, num_periods=1)
    synapse = pynn.standardmodels.synapses.PlasticSynapse(weight=63,
                                                          plasticity_rule=PlasticityRule(timer=timer, kernel=kernel))
    pynn.Projection(pop_input, nrn, pynn.AllToAllConnector(), synapse_type=synapse)
    pynn.run(10)

    actual = pynn.get_post_realtime_read_ppu_symbols()[grenade.common.ChipOnConnection()]
    assert actual == injected_config.ppu_symbols
    pynn.end()
