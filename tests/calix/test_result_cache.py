"""CalibResult files, to_chip/apply, the cache and calibrate()'s cache logic (no analog core needed)."""
import json

import numpy as np
import pytest

import halco
import hxcomm
import lola
import stadls

import calix
import calix.spiking as spiking
from calix.common.cache import CalibCache, cache_key
from calix.common.result import NEURON_PREFIX, CalibResult


def make_result(seed=0):
    rng = np.random.default_rng(seed)
    values = {
        NEURON_PREFIX + "leak.v_leak": rng.integers(0, 1023, 512).astype(np.int16),
        NEURON_PREFIX + "leak.enable_division": rng.integers(0, 2, 512).astype(bool),
        NEURON_PREFIX + "refractory_period.refractory_time": rng.integers(0, 256, 512),
        "cadc_readout_chains/1/v_offset": np.array([400, 410], dtype=np.int16),
        "synapse_blocks/0/i_bias_dac": np.array([600, 620], dtype=np.int16),
    }
    success = np.ones(512, bool)
    success[[3, 7]] = False
    return CalibResult(values, target=spiking.SpikingCalibTarget(), options=spiking.SpikingCalibOptions(),
                       success=success, failures={"leak": {"parameter at range end": [3, 7]}},
                       timings={"leak": 0.5}, chip_id="emulator-chip-3", info={"leak": rng.normal(size=512)})


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_file_roundtrip(tmp_path, suffix):
    r = make_result()
    path = tmp_path / f"calib{suffix}"
    r.to_file(path)
    back = CalibResult.from_file(path)
    assert back == r
    assert back.failures["leak"]["parameter at range end"].tolist() == [3, 7]
    assert back.timings == {"leak": 0.5}
    assert isinstance(back.target, spiking.SpikingCalibTarget)
    np.testing.assert_array_equal(back.target.neuron_target.i_synin_gm, [500, 500])
    np.testing.assert_allclose(back.info["leak"], r.info["leak"])
    if suffix == ".json":
        json.loads(path.read_text())          # plain JSON
    else:
        np.load(path, allow_pickle=False).close()   # no pickle inside


def test_from_file_rejects_other_files(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"meta": {"format": "something"}, "values": {}, "success": []}))
    with pytest.raises(ValueError, match="not a calix result"):
        CalibResult.from_file(p)


def test_to_chip_and_apply():
    r = make_result()
    chip = r.to_chip()
    neurons = chip.neuron_block.atomic_neurons
    np.testing.assert_array_equal(neurons.get_field("leak.v_leak"), r.neuron("leak.v_leak"))
    np.testing.assert_array_equal(chip.cadc_readout_chains[1].v_offset, [400, 410])
    base = lola.Chip()
    base.neuron_block.atomic_neurons.set_field("reset.v_reset", np.full(512, 123))
    chip2 = r.to_chip(chip=base)
    assert (chip2.neuron_block.atomic_neurons.get_field("reset.v_reset") == 123).all()
    assert (base.neuron_block.atomic_neurons.get_field("leak.v_leak") == 500).all()   # base unchanged

    builder = stadls.PlaybackProgramBuilder()
    r.apply(builder)
    ticket = builder.read(halco.AtomicNeuronOnDLS(halco.Enum(5)))
    ticket_nb = builder.read(halco.NeuronBlockOnDLS())
    with hxcomm.EmulatorConnection(chip_id=3) as conn:
        stadls.run(conn, builder.done())
    assert ticket.get().leak.v_leak == r.neuron("leak.v_leak")[5]
    np.testing.assert_array_equal(ticket_nb.get().atomic_neurons.get_field("refractory_period.refractory_time"),
                                  r.neuron("refractory_period.refractory_time"))


def test_cache_store_load_and_miss(tmp_path):
    r = make_result()
    cache = CalibCache([tmp_path / "a"])
    key = cache_key("spiking", r.target, r.options, r.chip_id, r.version)
    assert cache.load("spiking", key, r.chip_id, r.version) is None
    cache.store(r, "spiking", key)
    assert cache.load("spiking", key, r.chip_id, r.version) == r
    other = spiking.SpikingCalibTarget(neuron_target=spiking.NeuronCalibTarget(leak=81))
    assert cache_key("spiking", other, r.options, r.chip_id, r.version) != key
    assert cache_key("spiking", r.target, r.options, "emulator-chip-4", r.version) != key
    assert cache_key("spiking", r.target, r.options, r.chip_id, "9.9") != key
    # read-only caches are searched but never written
    ro = CalibCache([tmp_path / "b"], read_only=True)
    assert ro.store(r, "spiking", key) is None and not (tmp_path / "b").exists()


def test_calibrate_uses_cache(tmp_path, monkeypatch):
    calls = []

    def fake(self, connection, options, progress=None):
        calls.append(self)
        return make_result(len(calls))

    monkeypatch.setattr(spiking.SpikingCalibTarget, "calibrate", fake)
    target = spiking.SpikingCalibTarget()
    with hxcomm.EmulatorConnection(chip_id=5) as conn:
        a = calix.calibrate(target, cache_paths=[tmp_path], connection=conn)
        b = calix.calibrate(target, cache_paths=[tmp_path], connection=conn)
        assert len(calls) == 1 and a == b and a.chip_id == "emulator-chip-5"
        calix.calibrate(spiking.SpikingCalibTarget(neuron_target=spiking.NeuronCalibTarget(tau_mem=12e-6)),
                        cache_paths=[tmp_path], connection=conn)
        assert len(calls) == 2
        calix.calibrate(target, cache_paths=[], connection=conn)      # no cache
        assert len(calls) == 3


def test_calibrate_raises_when_too_many_fail(tmp_path, monkeypatch):
    def fake(self, connection, options, progress=None):
        r = make_result()
        r.success[:100] = False
        r.failures = {"tau_mem": {"parameter at the lower end": np.arange(100)}}
        return r

    monkeypatch.setattr(spiking.SpikingCalibTarget, "calibrate", fake)
    with hxcomm.EmulatorConnection(chip_id=5) as conn:
        with pytest.raises(calix.CalibNotSuccessful) as err:
            calix.calibrate(spiking.SpikingCalibTarget(), cache_paths=[tmp_path], connection=conn)
    assert "tau_mem: 100 neurons [0, 1, 2" in str(err.value)
    assert err.value.result is not None
    assert not list(tmp_path.iterdir())    # a failed calibration is not cached


@pytest.mark.parametrize("field,value,match", [
    ("leak", 40, r"target leak = 40 CADC LSB is infeasible: feasible range is \[50, 160\]"),
    ("tau_mem", 100e-6, r"tau_mem = 0.0001 s"),
    ("threshold", np.r_[np.full(511, 120.0), 250.0], r"threshold = 250 CADC LSB at \[511\]"),
    ("i_synin_gm", [500, 900], r"i_synin_gm = 900"),
    ("synapse_dac_bias", 2000, r"synapse_dac_bias = 2000"),
])
def test_infeasible_targets_raise_before_anything_runs(field, value, match):
    t = spiking.SpikingCalibTarget(neuron_target=spiking.NeuronCalibTarget(**{field: value}))
    with pytest.raises(calix.InfeasibleTargetError, match=match):
        calix.calibrate(t, cache_paths=[], connection=object())   # never used


def test_bad_shapes_and_coba_checks():
    with pytest.raises(ValueError, match="shape"):
        spiking.NeuronCalibTarget(leak=np.zeros(3)).check()
    with pytest.raises(calix.InfeasibleTargetError, match="reference"):
        spiking.NeuronCalibTarget(e_coba_reversal=[230, 30], e_coba_reference=[100, 28]).check()
    spiking.NeuronCalibTarget(e_coba_reversal=[230, 30], e_coba_reference=[100, 100]).check()


@pytest.mark.parametrize("spoil, why", [
    (lambda v: v.__setitem__("neuron_block/backends.clock_scale_gone", np.zeros(2)), "not a lola.Chip array"),
    (lambda v: v.__setitem__(NEURON_PREFIX + "leak.v_leak", np.zeros(7, np.int16)), "entries"),
    (lambda v: v.__setitem__("cadc_readout_chains/1/v_offset", np.array([np.nan, 1.0])), "not finite"),
])
def test_cache_entries_that_do_not_fit_the_chip_are_misses(tmp_path, caplog, spoil, why):
    """An entry written for another container layout (a renamed field, another size) or holding
    NaN is a miss with a warning: it never reaches to_chip() and never raises."""
    r = make_result()
    spoil(r.values)
    cache = CalibCache([tmp_path])
    key = cache_key("spiking", r.target, r.options, r.chip_id, r.version)
    cache.store(r, "spiking", key)
    with caplog.at_level("WARNING", logger="calix.cache"):
        assert cache.load("spiking", key, r.chip_id, r.version) is None
    assert why in caplog.text


def test_truncated_cache_entry_is_a_miss(tmp_path):
    r = make_result()
    cache = CalibCache([tmp_path])
    key = cache_key("spiking", r.target, r.options, r.chip_id, r.version)
    path = cache.store(r, "spiking", key)
    path.write_bytes(path.read_bytes()[:100])
    assert cache.load("spiking", key, r.chip_id, r.version) is None


def test_cache_key_follows_the_chip_layout(monkeypatch):
    from calix.common import cache as cache_mod
    r = make_result()
    key = cache_key("spiking", r.target, r.options, r.chip_id, r.version)
    monkeypatch.setattr(cache_mod, "chip_layout_digest", lambda: "another layout")
    assert cache_key("spiking", r.target, r.options, r.chip_id, r.version) != key
