"""A plasticity kernel's globals (its PPU memory) across runs: they carry over from one
``pynn.run`` to the next of one experiment and start afresh after ``reset`` and after
``end`` / ``setup``; ``same_id`` rules share one kernel."""
import textwrap

import pytest

import grenade
import halco
import pynn_brainscales.brainscales2 as pynn

COUNTER = textwrap.dedent("""
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "grenade/vx/ppu/neuron_view_handle.h"
    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;
    uint32_t calls = 0;

    void PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, 1>& synapses,
                                std::array<NeuronViewHandle, 0>&)
    {
        if (synapses[0].hemisphere == ppu) {
            calls = calls + 1;
        }
    }
    """)


class CountCalls(pynn.PlasticityRule):
    def generate_kernel(self) -> str:
        return COUNTER


pytestmark = pytest.mark.usefixtures("pynn_ended")


def experiment(period=0.1, num_periods=6):
    """setup and a network with a call-counting rule (calls at 0.05 + k * period ms of the
    experiment's time: a continued run continues it)."""
    readout = pynn.InjectedReadout()
    readout.ppu_symbols = {"calls"}
    pynn.setup(injected_readout=readout)
    src = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[0.1]))
    nrn = pynn.Population(2, pynn.cells.HXNeuron())
    rule = CountCalls(timer=pynn.Timer(start=0.05, period=period, num_periods=num_periods))
    pynn.Projection(src, nrn, pynn.AllToAllConnector(),
                    synapse_type=pynn.standardmodels.synapses.PlasticSynapse(weight=10, plasticity_rule=rule))
    return rule


def calls_on_top_ppu() -> int:
    got = pynn.get_post_realtime_read_ppu_symbols()[grenade.common.ChipOnConnection()]
    return int(got["calls"][halco.HemisphereOnDLS.top].words[0])


def test_a_kernels_globals_carry_over_between_runs_until_reset_or_setup():
    experiment()
    pynn.run(0.3)                                   # calls at 0.05, 0.15, 0.25
    assert calls_on_top_ppu() == 3
    pynn.run(0.3)                                   # the next run continues: 0.35, 0.45, 0.55
    assert calls_on_top_ppu() == 6
    pynn.reset()
    pynn.run(0.3)                                   # reset: a new experiment segment
    assert calls_on_top_ppu() == 3
    pynn.end()
    experiment()
    pynn.run(0.3)                                   # setup: afresh
    assert calls_on_top_ppu() == 3


def test_appended_snippets_share_the_kernels_state():
    experiment()
    pynn.run(0.3, pynn.RunCommand.APPEND)
    pynn.run(0.3)
    assert calls_on_top_ppu() == 6


def test_a_changed_kernel_starts_afresh():
    rule = experiment()
    pynn.run(0.3)
    assert calls_on_top_ppu() == 3
    rule.generate_kernel = lambda: COUNTER + "\n// changed\n"
    pynn.run(0.3)
    assert calls_on_top_ppu() == 3                  # 0.35, 0.45, 0.55, counted from 0
