"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/static_recording_synapse.py
(and its hardware test): a ``StaticRecordingSynapse`` records the weights of its projection on
the PPUs at the timer's period: one sample at 5 ms (between 4 and 6 ms in FPGA cycles), one
connection, weight 63.  The API calls are unchanged."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn


def main(observables=frozenset({"weights"})):
    pynn.setup()

    nrn = pynn.Population(1, pynn.cells.HXNeuron())
    nrn.record(["spikes", "v"])

    spike_times = np.arange(0, 10, 0.01)
    pop_input = pynn.Population(1, pynn.cells.SpikeSourceArray, cellparams={"spike_times": spike_times})

    timer = pynn.Timer(start=5, period=10, num_periods=1)
    synapse = pynn.standardmodels.synapses.StaticRecordingSynapse(timer=timer, weight=63,
                                                                  observables=set(observables))

    projection = pynn.Projection(pop_input, nrn, pynn.AllToAllConnector(), synapse_type=synapse)

    pynn.run(10)

    data = {name: projection.get_data(name)[0] for name in observables}

    pynn.end()
    return data


def test_recorded_weights_as_the_public_test_expects():
    weights = main()["weights"]
    assert len(weights) == 1
    assert weights[0].time >= 4 * 125 * 1000
    assert weights[0].time <= 6 * 125 * 1000
    assert len(weights[0].data) == 1
    assert weights[0].data[0] == [63]


def test_correlation_observables_are_sensor_readouts():
    data = main({"weights", "correlation_causal", "correlation_acausal"})
    assert data["weights"][0].data == [[63]]
    for name in ("correlation_causal", "correlation_acausal"):
        (value,), = data[name][0].data
        assert 0 <= value <= 255                # a CADC reading of the synapse's sensor


def test_unknown_observables_and_rule_changes_raise():
    pynn.setup()
    timer = pynn.Timer(start=5, period=10, num_periods=1)
    with pytest.raises(ValueError, match="possible"):
        pynn.standardmodels.synapses.StaticRecordingSynapse(timer=timer, weight=63, observables={"voltage"})
    synapse = pynn.standardmodels.synapses.StaticRecordingSynapse(timer=timer, weight=63, observables={"weights"})
    with pytest.raises(RuntimeError, match="PlasticSynapse"):
        synapse.plasticity_rule = None
