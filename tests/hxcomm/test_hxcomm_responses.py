"""Decoding of FPGA -> host streams, incl. time reconstruction."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hxcomm
from hxcomm import responses as r
from hxcomm.errors import ExecutorError, MalformedStreamError
from hxcomm.instructions import ErrorCode


def test_public_dtypes():
    assert hxcomm.SPIKE_DTYPE == np.dtype([("label", "u2"), ("fpga_time", "u8"),
                                           ("chip_time", "u8")])
    assert hxcomm.MADC_SAMPLE_DTYPE == np.dtype([("value", "u2"), ("channel", "u1"),
                                                 ("fpga_time", "u8"), ("chip_time", "u8")])


@pytest.mark.parametrize("fpga_time, timestamp, chip_time", [
    (0, 0, 0),
    (1300, 40, 1300),        # 0x500 | 20 = 1300, not in the future
    (1300, 250, 1277),       # 0x500 | 125 = 1405 > 1300: wrapped, 1405 - 128
    (1300, 38, 1299),
    (0x500, 0, 0x500),
    (0x500, 2, 0x481),       # 0x501 > 0x500 -> 0x481
    (0x57F, 255, 0x57F),     # timestamp LSB (250 MHz half cycle) is dropped
    (2**43 - 1, 254, 2**43 - 1),
    (100, 202, 0),           # 101 > 100 and 101 - 128 < 0: before time 0, clamps to 0
    (100, 200, 100),
    (0, 10, 0),              # no SYSTIME yet: fpga_time 0, would be negative
])
def test_time_reconstruction_hand_computed(fpga_time, timestamp, chip_time):
    assert int(r.reconstruct_chip_time(fpga_time, timestamp)) == chip_time
    stream = np.concatenate([r.systime(fpga_time), r.spike(7, timestamp),
                             r.madc_sample(3, 1, timestamp)])
    res = hxcomm.decode_from_chip(stream)
    assert res.spikes.tolist() == [(7, fpga_time, chip_time)]
    assert res.madc_samples.tolist() == [(3, 1, fpga_time, chip_time)]


def test_systime_applies_until_the_next_one():
    stream = np.concatenate([
        r.spike(1, 20),                     # before any SYSTIME: fpga_time 0
        r.systime(1000), r.spike([2, 3], [0, 200]),
        r.omnibus_read_data([0xDEADBEEF]),
        r.madc_sample(1023, 0, 4),
        r.systime(5000), r.spike(4, 16),
    ])
    res = hxcomm.decode_from_chip(stream)
    # 1000 = 0x3e8: base 0x380 = 896; ts 0 -> 896; ts 200 -> 996; 896 | 2 = 898
    # 5000 = 0x1388: base 0x1380 = 4992; ts 16 -> 5000
    assert res.spikes.tolist() == [(1, 0, 0), (2, 1000, 896), (3, 1000, 996), (4, 5000, 5000)]
    assert res.madc_samples.tolist() == [(1023, 0, 1000, 898)]
    assert res.read_words.dtype == np.uint32 and res.read_words.tolist() == [0xDEADBEEF]


def test_other_responses():
    stream = np.concatenate([
        r.loopback_echo(False), r.timeout(1234, 5), r.error(ErrorCode.UNMAPPED_ADDRESS, 0x1234),
        r.highspeed_link_notification([1, 2]), r.loopback_echo(True),
    ])
    res = hxcomm.decode_from_chip(stream)
    assert res.halted and res.loopbacks == 2
    assert res.timeouts.tolist() == [(1234, 5)]
    assert res.errors.tolist() == [(3, 0x1234, 2)]
    assert res.highspeed_link_notifications.tolist() == [1, 2]
    with pytest.raises(ExecutorError, match="UNMAPPED_ADDRESS .argument 0x1234. at response 2"):
        res.raise_for_errors()
    assert "spikes=0" in repr(res)


def test_empty_stream():
    res = hxcomm.decode_from_chip(np.zeros(0, dtype=np.uint64))
    assert not res.halted and res.loopbacks == 0
    assert len(res.spikes) == len(res.madc_samples) == len(res.read_words) == 0
    assert res.spikes.dtype == hxcomm.SPIKE_DTYPE
    res.raise_for_errors()


def test_to_chip_words_are_malformed_responses():
    with pytest.raises(MalformedStreamError, match="unknown from_chip opcode 0x0a") as info:
        hxcomm.decode_from_chip(np.concatenate([r.systime(3), hxcomm.loopback()]))
    assert info.value.index == 1


@pytest.mark.parametrize("call, what", [
    (lambda: r.spike(0x10000, 0), "SPIKE.label = 65536"),
    (lambda: r.spike(0, 256), "SPIKE.timestamp = 256"),
    (lambda: r.systime(2**43), "SYSTIME.time"),
    (lambda: r.madc_sample(1024, 0, 0), "MADC_SAMPLE.value = 1024"),
    (lambda: r.error(256), "ERROR.code = 256"),
])
def test_response_builders_check_ranges(call, what):
    with pytest.raises(ValueError, match=what):
        call()


@st.composite
def _events(draw, dtype):
    n = draw(st.integers(0, 25))
    steps = draw(st.lists(st.integers(0, 300), min_size=n, max_size=n))
    fpga = np.cumsum(np.array(steps, dtype=np.uint64)) + np.uint64(draw(st.integers(0, 2**42)))
    back = draw(st.lists(st.integers(0, 127), min_size=n, max_size=n))
    a = np.zeros(n, dtype=dtype)
    a["fpga_time"] = fpga
    a["chip_time"] = np.maximum(fpga.astype(np.int64) - np.array(back, dtype=np.int64), 0)
    for name in dtype.names:
        if name not in ("fpga_time", "chip_time"):
            width = {"label": 16, "value": 10, "channel": 1}[name]
            a[name] = draw(st.lists(st.integers(0, 2**width - 1), min_size=n, max_size=n))
    return a


@settings(deadline=None)
@given(_events(hxcomm.SPIKE_DTYPE), _events(hxcomm.MADC_SAMPLE_DTYPE))
def test_encode_events_round_trip(spikes, madc):
    res = hxcomm.decode_from_chip(hxcomm.encode_events(spikes, madc))
    np.testing.assert_array_equal(res.spikes, spikes)
    np.testing.assert_array_equal(res.madc_samples, madc)


def test_encode_events_checks_times():
    s = np.zeros(2, dtype=hxcomm.SPIKE_DTYPE)
    s["fpga_time"] = [500, 400]
    s["chip_time"] = [500, 400]
    with pytest.raises(ValueError, match="must not decrease: index 1"):
        hxcomm.encode_events(s)
    s["fpga_time"] = [500, 700]
    s["chip_time"] = [372, 700]
    with pytest.raises(ValueError, match="chip_time = 372 at index 0 is outside"):
        hxcomm.encode_events(s)
    assert len(hxcomm.encode_events()) == 0
