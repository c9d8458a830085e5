"""brainscales2-demos:ts_07-pong.rst — its learning rule, reward-modulated STDP on the PPU
(``Δw = β (R - R̄) corr``: the causal correlation each synapse measured, scaled by the reward
of its neuron minus the expected reward), with the tutorial's kernel API unchanged:
``get_rate_counters(true)``, ``get_causal_correlation`` / ``reset_correlation``,
``get_weights`` / ``set_weights``, kernel globals for the expected reward, a per-synapse
observable of the weights.  The game around it (helpers, widgets, parallel RNG noise) is not
ported.

What the tutorial's training shows, in a network small enough for the test: one input drives
four neurons, a second input stays silent; spikes of neurons 0 and 1 are rewarded, spikes of
neurons 2 and 3 punished.  The synapses from the active input onto the rewarded neurons grow,
those onto the punished ones shrink, and the synapses of the silent input, which measure no
correlation, keep their weight.

The causal CADC channels of the nightly calibration read the neurons' membranes (our
calibration's choice for membrane readout): the experiment switches them to the correlation
sensors with an injected ``ColumnCorrelationQuad`` configuration, as a chip setup for STDP does.
"""
import textwrap

import numpy as np
import pytest

import halco
import haldls
import pynn_brainscales.brainscales2 as pynn

RSTDP_KERNEL = textwrap.dedent("""
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "grenade/vx/ppu/neuron_view_handle.h"
    #include "grenade/vx/ppu/time.h"
    #include "libnux/vx/dls.h"
    #include "hate/tuple.h"

    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;

    // sensor readings right after a reset (taken at the first call, before any input)
    uint8_t baseline[2][4][256];
    // expected reward per neuron column (exponentially weighted, decay 1/2)
    int32_t expected_reward[256];
    uint32_t calls = 0;

    template <size_t N, size_t M>
    void PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, N>& synapses,
                                std::array<NeuronViewHandle, M>& neurons, Recording& recording)
    {{
        recording.time = now();
        if (neurons[0].hemisphere != ppu) {{
            return;
        }}
        auto const counts = neurons[0].get_rate_counters(true);
        // reward of each neuron: its spikes times its factor (+1 near the target, -1 elsewhere)
        int32_t delta[256] = {{}};
        for (size_t i = 0; i < neurons[0].columns.size(); ++i) {{
            size_t const c = neurons[0].columns[i];
            int32_t const reward = (i < {num_rewarded} ? 1 : -1) * static_cast<int32_t>(counts[c]);
            delta[c] = reward - expected_reward[c];
            expected_reward[c] += delta[c] / 2;
        }}
        size_t k = 0;
        hate::for_each([&](SynapseArrayViewHandle const& syn, auto& recorded_w) {{
            for (size_t j = 0; j < syn.rows.size(); ++j) {{
                auto const causal = syn.get_causal_correlation(j);
                syn.reset_correlation(j);
                auto w = syn.get_weights(j);
                for (size_t c = 0; c < syn.columns.size(); ++c) {{
                    size_t const col = syn.columns[c];
                    if (calls == 0) {{
                        baseline[k][j][col] = causal[col];
                    }} else {{
                        int32_t const corr = baseline[k][j][col] - static_cast<int32_t>(causal[col]);
                        int32_t const dw = (delta[col] * (corr > 0 ? corr : 0)) / {inverse_learning_rate};
                        int32_t const updated = static_cast<int32_t>(w[col]) + dw;
                        w[col] = static_cast<uint8_t>(updated < 0 ? 0 : (updated > 63 ? 63 : updated));
                    }}
                    recorded_w[j][c] = w[col];
                }}
                syn.set_weights(w, j);
            }}
            k++;
        }}, synapses, recording.w);
        calls++;
    }}
    """)


class RewardModulatedSTDP(pynn.PlasticityRule):
    def __init__(self, timer: pynn.Timer, num_rewarded: int, inverse_learning_rate: int = 4):
        observables = {"w": pynn.PlasticityRule.ObservablePerSynapse(
            pynn.PlasticityRule.ObservablePerSynapse.Type.uint8,
            pynn.PlasticityRule.ObservablePerSynapse.LayoutPerRow.packed_active_columns)}
        pynn.PlasticityRule.__init__(self, timer, observables)
        self.num_rewarded = num_rewarded
        self.inverse_learning_rate = inverse_learning_rate

    def generate_kernel(self) -> str:
        return RSTDP_KERNEL.format(num_rewarded=self.num_rewarded,
                                   inverse_learning_rate=self.inverse_learning_rate)


def sensors_on_causal_channels():
    """Injected configuration: the causal and acausal CADC channels of the top hemisphere read
    the correlation sensors (not the neurons)."""
    switches = haldls.ColumnCorrelationQuad(enable_internal_causal=[True] * 4, enable_internal_acausal=[True] * 4)
    return {halco.ColumnCorrelationQuadOnDLS(halco.ColumnCorrelationQuadOnSynram(q), halco.SynramOnDLS(0)): switches
            for q in range(64)}


def _experiment():
    calib = pynn.helper.chip_from_file(pynn.helper.nightly_calib_path().parent.joinpath("spiking_cocolist.pbin"))
    pynn.setup(initial_config=calib, neuronPermutation=list(range(200, 204)),
               injected_config=pynn.InjectedConfiguration(pre_realtime=sensors_on_causal_channels()))
    runtime = 0.8   # ms
    active = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=list(np.arange(0.03, runtime, 0.004))))
    silent = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=[]))
    timer = pynn.Timer(start=0.0, period=0.1, num_periods=8)
    rule = RewardModulatedSTDP(timer=timer, num_rewarded=2)
    neurons = pynn.Population(4, pynn.cells.HXNeuron(plasticity_rule=rule))
    neurons.record(["spikes"])
    synapse = pynn.standardmodels.synapses.PlasticSynapse(plasticity_rule=rule, weight=32)
    from_active = pynn.Projection(active, neurons, pynn.AllToAllConnector(), synapse_type=synapse)
    from_silent = pynn.Projection(silent, neurons, pynn.AllToAllConnector(), synapse_type=synapse)
    pynn.run(runtime)
    w_active = np.array([s.data for s in from_active.get_data("w")[0]]).squeeze(-1)
    w_silent = np.array([s.data for s in from_silent.get_data("w")[0]]).squeeze(-1)
    spikes = [len(s) for s in neurons.get_data("spikes").segments[0].spiketrains]
    pynn.end()
    return w_active, w_silent, spikes



@pytest.fixture(scope="module")
def training():
    return _experiment()


def test_all_neurons_respond_to_the_active_input(training):
    _, _, spikes = training
    assert all(n > 0 for n in spikes)


def test_rewarded_synapses_grow_punished_ones_shrink(training):
    w_active, _, _ = training
    assert w_active.shape == (8, 4)                   # one sample per period, one value per connection
    np.testing.assert_array_equal(w_active[0], 32)    # the first call only takes the sensors' baseline
    assert np.all(w_active[-1, :2] > 40)
    assert np.all(w_active[-1, 2:] < 24)
    # monotonic: the correlation is causal throughout, the reward's sign fixed per neuron
    assert np.all(np.diff(w_active[:, :2].astype(int), axis=0) >= 0)
    assert np.all(np.diff(w_active[:, 2:].astype(int), axis=0) <= 0)


def test_synapses_without_correlation_keep_their_weight(training):
    _, w_silent, _ = training
    np.testing.assert_array_equal(w_silent, 32)
