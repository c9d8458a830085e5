"""pynn.helper: the locally generated "nightly" calibration of the emulated chip."""
import time

import numpy as np
import pytest

import lola
import pynn_brainscales.brainscales2 as pynn


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CALIX_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_nightly_calibration_generated_cached_and_usable(cache, monkeypatch):
    monkeypatch.setenv("HXCOMM_CHIP_ID", "0")
    path = pynn.helper.nightly_calib_path()
    assert path.exists() and path.parent == cache
    mtime = path.stat().st_mtime_ns
    t0 = time.perf_counter()
    assert pynn.helper.nightly_calib_path(chip_id=0) == path      # cached: not regenerated
    assert path.stat().st_mtime_ns == mtime
    assert time.perf_counter() - t0 < 1.0
    chip = pynn.helper.chip_from_nightly()
    assert isinstance(chip, lola.Chip)
    result = pynn.helper.calib_from_file(path)
    # the chip carries the calibrated neuron settings (they differ between neurons: mismatch)
    leak = np.array([chip.neuron_block.atomic_neurons[i].leak.v_leak for i in range(8)])
    assert np.array_equal(leak, result.neuron("leak.v_leak")[:8]) and len(set(leak.tolist())) > 1
    assert isinstance(pynn.helper.chip_from_file(path), lola.Chip)

    # public workflow: HXNeuron parameters not given come from the initial_config's neurons
    pynn.setup(initial_config=chip)
    src = pynn.Population(4, pynn.SpikeSourceArray(spike_times=list(np.arange(0.01, 0.19, 0.005))))
    n = pynn.Population(2, pynn.HXNeuron())
    m = pynn.Population(1, pynn.HXNeuron(threshold_v_threshold=1000))
    for k, a in enumerate((0, 1)):
        assert n.get("leak_v_leak")[k] == chip.neuron_block.atomic_neurons[a].leak.v_leak
    assert m.get("leak_v_leak") == chip.neuron_block.atomic_neurons[2].leak.v_leak
    assert m.get("threshold_v_threshold") == 1000                  # given explicitly: kept
    for p in (n, m):
        p.record("spikes")
        pynn.Projection(src, p, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63),
                        receptor_type="excitatory")
    pynn.run(0.2)
    assert all(len(s) > 10 for s in n.get_data().segments[0].spiketrains)
    assert len(m.get_data().segments[0].spiketrains[0]) == 0       # threshold out of reach
    pynn.end()
    pynn.setup()                                                    # without: the silent lola default
    assert not pynn.Population(1, pynn.HXNeuron()).get("threshold_enable")
    pynn.end()


def test_other_chips_have_other_files_and_errors(cache):
    import calix
    assert calix.default_calibration_file(1) != calix.default_calibration_file(2)
    with pytest.raises(FileNotFoundError):
        pynn.helper.chip_from_file(cache / "missing.npz")
    with pytest.raises(ValueError):
        pynn.helper.nightly_calib_path(chip_id=-1)
