"""brainscales2-demos:ts_11-plasticity_homeostasis.rst — a homeostatic rule on the PPUs: every
period the kernel reads the neurons' spike counters (``get_rate_counters(true)``) and moves each
weight from the Poisson source by ``sign(target - count)`` (signed saturating vector rows,
``vector_if``), for all handles at once (``hate::for_each`` over synapses, neurons and the
``Recording``'s per-synapse observable ``w``).  API calls unchanged; the kernel is written in
our own words.

What the tutorial shows: starting from weight 0, the firing rates rise to the target rate
and stay around it; the recorded weights climb and then oscillate (the sign rule always
moves them).  Scaled down for the test's time budget: 16 neurons, 8 on each hemisphere
(``neuronPermutation``), so the kernel sees two synapse and two neuron handles as in the
tutorial's 512-neuron population; 80 ms with a 1 ms period (the tutorial: 1000 ms, 10 ms) and
the target in spikes per period scaled with it (6 kHz).
"""
import textwrap

import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn

PLASTICITY_CODE = textwrap.dedent("""
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "grenade/vx/ppu/neuron_view_handle.h"
    #include "grenade/vx/ppu/time.h"
    #include "libnux/vx/vector_if.h"
    #include "hate/tuple.h"

    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;

    // -1, 0 or +1 per entry
    VectorRowFracSat8 sign(VectorRowFracSat8 const& x)
    {{
        VectorRowFracSat8 const nonzero = vector_if(
            x, VectorIfCondition::greater_equal, VectorRowFracSat8(1), VectorRowFracSat8(-1));
        return vector_if(x, VectorIfCondition::equal, VectorRowFracSat8(0), nonzero);
    }}

    template <size_t N>
    void PLASTICITY_RULE_KERNEL(
        std::array<SynapseArrayViewHandle, N>& synapses,
        std::array<NeuronViewHandle, N>& neurons,
        Recording& recording)
    {{
        recording.time = now();
        hate::for_each(
            [](SynapseArrayViewHandle const& syn, NeuronViewHandle& nrn, auto& rec_w) {{
                // both PPUs run the kernel: each changes the synapses of its own hemisphere
                if (syn.hemisphere != ppu) {{
                    return;
                }}
                auto const counts = nrn.get_rate_counters(true);
                auto const step = sign(
                    VectorRowFracSat8({target}) - static_cast<VectorRowFracSat8>(counts));
                for (size_t j = 0; j < syn.rows.size(); ++j) {{
                    auto w = static_cast<VectorRowFracSat8>(syn.get_weights(j)) + step;
                    w = vector_if(w, VectorIfCondition::greater, w, VectorRowFracSat8(0));
                    w = vector_if(w - 63, VectorIfCondition::greater, VectorRowFracSat8(63), w);
                    syn.set_weights(static_cast<VectorRowMod8>(w), j);
                    for (size_t c = 0; c < syn.columns.size(); ++c) {{
                        rec_w[j][c] = w[syn.columns[c]];
                    }}
                }}
            }}, synapses, neurons, recording.w);
    }}
    """)


class PlasticityRule(pynn.PlasticityRule):
    def __init__(self, timer: pynn.Timer, target: int):
        observables = {
            "w": pynn.PlasticityRule.ObservablePerSynapse(
                pynn.PlasticityRule.ObservablePerSynapse.Type.uint8,
                pynn.PlasticityRule.ObservablePerSynapse.LayoutPerRow.packed_active_columns)
        }
        pynn.PlasticityRule.__init__(self, timer, observables)
        if target < 0 or target > 256:
            raise ValueError("The target factor must be in [0, 256).")
        self._target = target

    def generate_kernel(self) -> str:
        return PLASTICITY_CODE.format(target=int(self._target))


def calculate_firing_rates(spikes, runtime: float, bins: int = 100):
    counts, times = np.histogram(spikes, bins=bins, range=[0., runtime])
    return counts * (bins / runtime), times[:-1]


def _experiment():
    calib = pynn.helper.chip_from_file(pynn.helper.nightly_calib_path().parent.joinpath("spiking_cocolist.pbin"))
    num_neurons = 16
    pynn.setup(initial_config=calib, neuronPermutation=list(range(240, 248)) + list(range(496, 504)))

    runtime = 80.  # ms
    poisson_input = pynn.Population(1, pynn.cells.SpikeSourcePoissonOnChip(seed=1234, rate=120e3))

    period = 1.  # ms
    timer = pynn.Timer(start=0., period=period, num_periods=int(runtime / period))
    target_rate = 6.  # kHz
    plasticity_rule = PlasticityRule(timer=timer, target=target_rate * period)

    neurons = pynn.Population(num_neurons, pynn.cells.HXNeuron(plasticity_rule=plasticity_rule))
    neurons.record(["spikes"])
    synapse = pynn.standardmodels.synapses.PlasticSynapse(plasticity_rule=plasticity_rule, weight=0)
    projection = pynn.Projection(poisson_input, neurons, pynn.AllToAllConnector(), synapse_type=synapse)

    pynn.run(runtime)

    rates = np.array([calculate_firing_rates(s, runtime, 8)[0]
                      for s in neurons.get_data("spikes").segments[0].spiketrains])
    weights = projection.get_data("w")[0]
    weight_times = np.array([weights[i].time.value() / 125 / 1000 for i in range(len(weights))])
    weight_values = np.array([weights[i].data for i in range(len(weights))]).squeeze()
    pynn.end()
    return target_rate, rates, weight_times, weight_values



@pytest.fixture(scope="module")
def homeostasis():
    return _experiment()


def test_rates_rise_to_the_target_and_stay_there(homeostasis):
    target, rates, _, _ = homeostasis
    assert rates.shape == (16, 8)
    assert rates[:, 0].max() < target / 2              # weight 0 at first: (nearly) silent
    late = rates[:, 4:]
    assert abs(np.median(late) - target) < 0.25 * target
    # every neuron on both hemispheres is regulated (no runaway, no silence)
    assert np.all(np.abs(late.mean(axis=1) - target) < 0.4 * target)


def test_weights_are_recorded_every_period_climb_and_oscillate(homeostasis):
    _, _, times, values = homeostasis
    assert values.shape == (80, 16)                   # one sample per period, one value per connection
    np.testing.assert_allclose(times, np.arange(80), atol=0.01)     # at the timer's periods (ms)
    # from 0 the weights climb by one per period while the neurons are too quiet ...
    np.testing.assert_array_equal(values[:5], np.tile(np.arange(1, 6)[:, None], (1, 16)))
    # ... and end oscillating: the sign rule moves a weight every period unless the count hit
    # the target exactly
    steps = np.diff(values[40:].astype(int), axis=0)
    assert np.all(np.abs(steps) <= 1) and np.mean(steps != 0) > 0.8
    assert np.all((steps > 0).any(axis=0) & (steps < 0).any(axis=0))
    assert 0 < values[-1].min() and values[-1].max() < 63
