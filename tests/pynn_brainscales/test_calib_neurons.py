"""CalibHXNeuronCuba / CalibHXNeuronCoba: calix on run, cached per chip and target."""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn

DRIVE = list(np.arange(0.01, 0.19, 0.002))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("calix")


def test_calibrated_neurons_rest_in_order_and_driven_neuron_spikes(cache):
    pynn.setup(calibration_cache=str(cache))
    low = pynn.Population(1, pynn.CalibHXNeuronCuba(v_rest=60, v_thresh=200))
    high = pynn.Population(1, pynn.CalibHXNeuronCuba(v_rest=100, v_thresh=200))
    driven = pynn.Population(2, pynn.CalibHXNeuronCuba())
    low.record("v")
    high.record("v")
    driven.record("spikes")
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=DRIVE))
    pynn.Projection(src, driven, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63),
                    receptor_type="excitatory")
    pynn.run(0.2)
    stats = pynn.get_backend_statistics()
    assert stats["calibration"]["result"].success[:4].all()
    assert list(cache.iterdir())                               # written to setup(calibration_cache=...)
    v_low = np.median(np.asarray(low.get_data().segments[0].irregularlysampledsignals[0]))
    v_high = np.median(np.asarray(high.get_data().segments[0].irregularlysampledsignals[0]))
    assert v_high - v_low > 50                                  # 40 CADC LSB apart ~ 160 mV
    spikes = [len(s) for s in driven.get_data().segments[0].spiketrains]
    assert all(s > 5 for s in spikes)
    assert not any(len(s) for s in low.get_data().segments[0].spiketrains)
    # second run: same target -> no new calibration (in-process memo), fast
    pynn.reset()
    pynn.run(0.2)
    assert pynn.get_backend_statistics()["calibration"]["seconds"] < 0.05
    pynn.end()
    # a new session with the same target is a cache hit
    pynn.setup(calibration_cache=str(cache))
    n_files = len(list(cache.iterdir()))
    pynn.Population(1, pynn.CalibHXNeuronCuba(v_rest=60, v_thresh=200))
    pynn.Population(1, pynn.CalibHXNeuronCuba(v_rest=100, v_thresh=200))
    pynn.Population(2, pynn.CalibHXNeuronCuba())
    pynn.run(0.01)
    assert len(list(cache.iterdir())) == n_files
    pynn.end()


def test_parameter_checks():
    pynn.setup()
    with pytest.raises(ValueError, match="v_rest"):
        pynn.Population(1, pynn.CalibHXNeuronCuba(v_rest=10))
    with pytest.raises(ValueError, match="tau_m"):
        pynn.Population(1, pynn.CalibHXNeuronCuba(tau_m=100))
    p = pynn.Population(2, pynn.CalibHXNeuronCuba())
    with pytest.raises(ValueError, match="synapse_dac_bias"):
        p.set(synapse_dac_bias=[500, 600])
    pynn.Population(1, pynn.CalibHXNeuronCuba(i_synin_gm_E=300))
    with pytest.raises(ValueError, match="i_synin_gm_E"):
        pynn.run(0.01)                                          # chip-wide setting differs
    pynn.end()
    pynn.setup()
    pynn.Population(1, pynn.CalibHXNeuronCuba())
    pynn.Population(1, pynn.CalibHXNeuronCoba())
    with pytest.raises(ValueError, match="mixed"):
        pynn.run(0.01)
    pynn.end()


def test_coba_target_is_built_from_the_population():
    from pynn_brainscales.brainscales2.calibration import build_target
    pynn.setup()
    n = pynn.Population(2, pynn.CalibHXNeuronCoba(e_rev_E=[200, 210]))
    t = build_target([(n, np.array([5, 6]))]).neuron_target
    assert t.e_coba_reversal.shape == (2, 512) and list(t.e_coba_reversal[0, 5:7]) == [200, 210]
    assert t.leak[5] == 110 and t.synapse_dac_bias == 400
    pynn.end()


def test_coba_population_calibrates_and_spikes(tmp_path):
    # the defaults of CalibHXNeuronCoba: calix calibrates all 512 neurons in COBA mode (~2 s)
    pynn.setup(calibration_cache=str(tmp_path))
    n = pynn.Population(2, pynn.CalibHXNeuronCoba())
    n.record("spikes")
    # 8 sources of weight 63: rest 110 -> ~175 LSB of the mean drive, above the threshold 160
    # (still below e_rev_E = 200: the drive saturates towards the reversal)
    src = pynn.Population(8, pynn.SpikeSourceArray(spike_times=DRIVE))
    pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63), receptor_type="excitatory")
    pynn.run(0.2)
    result = pynn.get_backend_statistics()["calibration"]["result"]
    assert result.success[:2].all() and result.success.mean() >= 0.98
    assert result.neuron("excitatory_input.enable_coba_mode")[:2].all()
    assert list(tmp_path.iterdir())
    assert all(len(s) > 5 for s in n.get_data().segments[0].spiketrains)
    pynn.end()
