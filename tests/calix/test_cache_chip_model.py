"""The calibration cache key includes the nominal chip model: a changed physics never reuses
a calibration made for the old one."""
import dataclasses

from calix.common.cache import cache_key
from calix.spiking import SpikingCalibOptions, SpikingCalibTarget
from chipmodel import transfer


def _key():
    return cache_key("spiking", SpikingCalibTarget(), SpikingCalibOptions(), "emulator-chip-1", "0.1.0")


def test_digest_is_stable_and_follows_every_transfer_and_constant(monkeypatch):
    d = transfer.chip_model_digest()
    assert len(d) == 64 and d == transfer.chip_model_digest()
    changed = tuple(dataclasses.replace(t, c0=t.c0 + 1.0) if t.name == "v_threshold" else t
                    for t in transfer.TRANSFERS)
    monkeypatch.setattr(transfer, "TRANSFERS", changed)
    transfer.chip_model_digest.cache_clear()
    try:
        assert transfer.chip_model_digest() != d
    finally:
        monkeypatch.undo()
        transfer.chip_model_digest.cache_clear()
    monkeypatch.setitem(transfer.CONSTANTS, "backend_clock_mhz", 125.0)
    transfer.chip_model_digest.cache_clear()
    try:
        assert transfer.chip_model_digest() != d
    finally:
        monkeypatch.undo()
        transfer.chip_model_digest.cache_clear()
    assert transfer.chip_model_digest() == d


def test_cache_key_changes_with_the_chip_model(monkeypatch):
    before = _key()
    assert _key() == before
    monkeypatch.setattr(transfer, "chip_model_digest", lambda: "another model")
    assert _key() != before


def test_cache_key_changes_with_the_calibration_code(monkeypatch, tmp_path):
    """A calibration step changed without a new cache format is another entry (entries made by
    the old code once survived such a change and handed out its results)."""
    from calix.common import cache
    before = _key()
    digest = cache.code_digest()
    assert len(digest) == 64 and cache.code_digest() == digest
    monkeypatch.setattr(cache, "code_digest", lambda: "other code")
    assert _key() != before
    monkeypatch.undo()
    # the digest reads the sources: one changed byte in a calix module changes it
    import importlib
    step = importlib.import_module("calix.spiking.calibrate")     # the module (calix.spiking.calibrate is the function)
    src = step.__file__
    monkeypatch.setattr(cache.Path, "read_bytes",
                        lambda self, _orig=cache.Path.read_bytes: _orig(self) + (b"#" if str(self) == src else b""))
    cache.code_digest.cache_clear()
    try:
        assert cache.code_digest() != digest
    finally:
        monkeypatch.undo()
        cache.code_digest.cache_clear()
    assert cache.code_digest() == digest
