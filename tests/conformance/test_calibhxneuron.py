"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/calibhxneuron.py — four
calibrated CUBA neurons, calibration results read after ``run(None, RunCommand.PREPARE)`` and
adjusted through ``actual_hwparams`` (also test/hw/pynn_brainscales2_test_calibhxneuron.py)."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn


def test_calibration_results_and_adjusted_leak():
    pynn.setup()

    pop = pynn.Population(4, pynn.cells.CalibHXNeuronCuba(
        v_rest=[80, 50, 70, 60],
        v_reset=71,
        v_thresh=125
    ))

    pop.record(["spikes"])

    exc_stim_pop = pynn.Population(
        10, pynn.standardmodels.cells.SpikeSourcePoisson(
            rate=1e4, start=0, duration=10))

    pynn.Projection(
        exc_stim_pop, pop, pynn.AllToAllConnector(),
        synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=63),
        receptor_type="excitatory")

    # only available once calibrated (public: an AttributeError)
    with pytest.raises(AttributeError, match="after pynn.run"):
        _ = pop.calib_target

    pynn.run(None, pynn.RunCommand.PREPARE)

    target = pop.calib_target
    assert list(np.asarray(target["v_rest"])) == [80, 50, 70, 60]
    assert list(np.asarray(target["v_reset"])) == [71] * 4
    hw = pop.calib_hwparams
    assert len(hw) == 4 and isinstance(hw[0], pynn.lola.AtomicNeuron)
    # the calibration reaches the per-neuron leak targets: higher target, higher leak DAC value
    leaks = [int(n.leak.v_leak) for n in hw]
    assert leaks[0] > leaks[2] > leaks[3] > leaks[1]

    # modify parameters, e.g. leak other threshold
    pop.actual_hwparams[0].leak.v_leak = 1022

    pop[1:3].actual_hwparams[1].leak.v_leak = 1022

    # the view's second neuron is the population's third; the archive is untouched
    assert int(pop.actual_hwparams[2].leak.v_leak) == 1022
    assert int(pop.actual_hwparams[1].leak.v_leak) == leaks[1]
    assert [int(n.leak.v_leak) for n in pop.calib_hwparams] == leaks

    pynn.run(10)

    spikes = pop.get_data("spikes").segments[0].spiketrains
    counts = [len(s) for s in spikes]
    # "Expect higher rates for neurons 0 and 2"
    assert min(counts[0], counts[2]) > 2 * max(counts[1], counts[3])
