"""lola.Chip portable binary (.pbin): exact round trips, versioning, truncated and corrupt data."""
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lola
from lola.chip import PBIN_MAGIC, PBIN_VERSION, _PBIN_HEADER, _pbin_decode, _pbin_encode

from .conftest import random_chip


@pytest.fixture(scope="module")
def chip():
    return random_chip(11)


@pytest.fixture(scope="module")
def data(chip):
    return chip.to_portable_binary()


def _same_arrays(a: lola.Chip, b: lola.Chip) -> bool:
    x, y = a.to_arrays(), b.to_arrays()
    return x.keys() == y.keys() and all(x[k].dtype == y[k].dtype and x[k].shape == y[k].shape
                                        and np.array_equal(x[k], y[k]) for k in x)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_random_chips_round_trip_exactly(seed):
    chip = random_chip(seed)
    data = chip.to_portable_binary()
    back = lola.Chip.from_portable_binary(data)
    assert back == chip and _same_arrays(back, chip)
    # the stored arrays themselves: names, dtypes, shapes (0-d included) and values
    stored, arrays = _pbin_decode(data, lola.Chip._pbin_names()), chip.to_arrays()
    assert list(stored) == list(arrays)
    assert all(stored[k].dtype == arrays[k].dtype and stored[k].shape == arrays[k].shape
               and np.array_equal(stored[k], arrays[k]) for k in arrays)
    assert back.to_portable_binary() == data          # same chip, same bytes


def test_default_chip_is_small_and_round_trips():
    data = lola.Chip().to_portable_binary()
    assert data[:8] == PBIN_MAGIC and len(data) < 20_000
    assert lola.Chip.from_portable_binary(data) == lola.Chip()


def test_file_round_trip(tmp_path, chip):
    path = tmp_path / "chip.pbin"
    chip.to_file(path)
    assert path.read_bytes() == chip.to_portable_binary()
    assert lola.Chip.from_file(path) == chip
    assert lola.chip_from_file(str(path)) == chip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 0.9999))
def test_every_truncation_is_a_clear_error(data, cut):
    n = int(cut * len(data))
    with pytest.raises(ValueError, match="truncated"):
        lola.Chip.from_portable_binary(data[:n])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(0.0, 0.9999), bit=st.integers(0, 7))
def test_a_flipped_bit_in_the_body_is_detected(data, where, bit):
    pos = _PBIN_HEADER.size + int(where * (len(data) - _PBIN_HEADER.size))
    bad = bytearray(data)
    bad[pos] ^= 1 << bit
    with pytest.raises(ValueError, match="corrupt"):
        lola.Chip.from_portable_binary(bytes(bad))


def test_header_errors_name_the_problem(data):
    with pytest.raises(ValueError, match="not a lola.Chip portable binary"):
        lola.Chip.from_portable_binary(b"PK\x03\x04" + data[4:])
    newer = bytearray(data)
    struct.pack_into("<H", newer, 8, PBIN_VERSION + 1)
    with pytest.raises(ValueError, match=f"version {PBIN_VERSION + 1} is not supported"):
        lola.Chip.from_portable_binary(bytes(newer))
    with pytest.raises(ValueError, match="trailing data"):
        lola.Chip.from_portable_binary(data + b"\x00")


def test_entries_are_checked(chip):
    arrays = chip.to_arrays()
    # an entry this version does not know
    extra = dict(arrays, **{"neuron_block/flux_capacitor": np.zeros(3, np.int64)})
    with pytest.raises(ValueError, match="unknown entry 'neuron_block/flux_capacitor'"):
        lola.Chip.from_portable_binary(_pbin_encode(extra))
    # a missing entry
    missing = dict(arrays)
    del missing["crossbar/outputs.enable_slow"]
    with pytest.raises(ValueError, match="crossbar/outputs.enable_slow"):
        lola.Chip.from_portable_binary(_pbin_encode(missing))
    # a value outside its field's range (valid checksum: the range check catches it)
    wrong = dict(arrays)
    w = wrong["synapse_blocks/0/matrix/weights"].copy()
    w[3, 4] = 99
    wrong["synapse_blocks/0/matrix/weights"] = w
    with pytest.raises(ValueError, match="weights"):
        lola.Chip.from_portable_binary(_pbin_encode(wrong))


def test_a_consistent_but_short_body_is_corrupt(data):
    # header and checksum agree, but the body ends inside an entry
    n = _PBIN_HEADER.size
    body = zlib.decompress(data[n:])[:-10]
    payload = zlib.compress(body)
    header = _PBIN_HEADER.pack(PBIN_MAGIC, PBIN_VERSION, 0, len(payload), zlib.crc32(payload), len(body))
    with pytest.raises(ValueError, match="corrupt"):
        lola.Chip.from_portable_binary(header + payload)


def test_file_errors_name_the_file(tmp_path, data):
    path = tmp_path / "half.pbin"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"half\.pbin.*truncated"):
        lola.Chip.from_file(path)
