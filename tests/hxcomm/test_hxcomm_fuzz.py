"""Arbitrary input either decodes or raises MalformedStreamError, never anything else."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import hxcomm
from hxcomm import codec, responses
from hxcomm.errors import MalformedStreamError

_WORD = st.integers(0, 2**64 - 1)


def _decodes_or_malformed(fn, words):
    try:
        fn(words)
    except MalformedStreamError:
        pass


@settings(max_examples=300)
@given(st.lists(_WORD, max_size=20))
def test_random_words_to_chip(words):
    _decodes_or_malformed(hxcomm.decode_to_chip, words)


@settings(max_examples=300)
@given(st.lists(_WORD, max_size=20))
def test_random_words_from_chip(words):
    _decodes_or_malformed(hxcomm.decode_from_chip, words)


def _valid_program():
    return np.concatenate([
        codec.timer_reset(), codec.omnibus_write([1, 2], [3, 4]), codec.wait_until([10, 20]),
        codec.spike_pack(range(7)), codec.omnibus_read([5]), codec.barrier(31),
        codec.systime_init(), codec.chip_reset(0), codec.loopback(),
    ])


def _valid_responses():
    return np.concatenate([
        responses.omnibus_read_data([9]), responses.systime(1000), responses.spike([1, 2], [3, 250]),
        responses.madc_sample(5, 1, 7), responses.timeout(3, 4), responses.error(1, 2),
        responses.highspeed_link_notification(3), responses.loopback_echo(True),
    ])


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 63)), min_size=1, max_size=4))
def test_bit_flipped_programs(flips):
    words = _valid_program()
    for where, bit in flips:
        words[where % len(words)] ^= np.uint64(1) << np.uint64(bit)
    _decodes_or_malformed(hxcomm.decode_to_chip, words)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 63)), min_size=1, max_size=4))
def test_bit_flipped_responses(flips):
    words = _valid_responses()
    for where, bit in flips:
        words[where % len(words)] ^= np.uint64(1) << np.uint64(bit)
    _decodes_or_malformed(hxcomm.decode_from_chip, words)


def test_a_flip_in_the_header_is_always_caught():
    # Comma, opcode and version bits: a single flip never yields another valid opcode of the
    # same direction with a compatible payload here, except opcode flips between known kinds,
    # so check only the comma and version bits.
    words = _valid_program()
    for i in range(len(words)):
        for bit in [63, 52, 53, 54, 55]:
            mutated = words.copy()
            mutated[i] ^= np.uint64(1) << np.uint64(bit)
            try:
                hxcomm.decode_to_chip(mutated)
            except MalformedStreamError as e:
                assert e.index == i
            else:
                raise AssertionError(f"flip of bit {bit} in word {i} not detected")
