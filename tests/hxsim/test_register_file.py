"""Register file: every word of the map, access kinds, byte enables, decode by field."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import haldls
import hxcomm
from tests.strategies import containers

from .helpers import (MAPPED, REGISTERS, REGISTERS_BY_NAME, RO_REGISTERS, RW_REGISTERS,
                      TRIGGER_REGISTERS, ErrorCode, addr, errors, fresh, read, run, write)


@pytest.fixture(scope="module")
def emu():
    return fresh(chip_id=7)


def test_every_instance_word_has_a_slot(emu):
    assert emu.num_slots == sum(r.size * r.words for r in REGISTERS) == len(MAPPED)


def test_reset_content_is_the_defaults():
    emu = fresh()
    regs = [r for r in REGISTERS if r.access != haldls.Access.TRIGGER and r.name != "Timer"]
    addresses = np.concatenate([r.all_addresses() for r in regs])
    expected = np.concatenate([np.tile(getattr(haldls, r.name)().encode(), r.size) for r in regs])
    res = run(emu, hxcomm.omnibus_read(addresses))
    assert errors(res) == []
    np.testing.assert_array_equal(res.read_words, expected)


def test_all_read_write_words_read_back():
    emu = fresh()
    addresses = np.concatenate([r.all_addresses() for r in RW_REGISTERS])
    values = np.random.default_rng(1).integers(0, 2**32, len(addresses), dtype=np.uint64)
    res = run(emu, hxcomm.omnibus_write(addresses, values), hxcomm.omnibus_read(addresses))
    assert errors(res) == []
    np.testing.assert_array_equal(res.read_words, values.astype(np.uint32))
    assert emu.stats["words_written"] == len(addresses)


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_write_read_back_with_byte_enables(emu, data):
    reg = data.draw(st.sampled_from(RW_REGISTERS))
    enum = data.draw(st.integers(0, reg.size - 1))
    word = data.draw(st.integers(0, reg.words - 1))
    a = int(reg.addresses([enum])[0, word])
    old = data.draw(st.integers(0, 2**32 - 1))
    new = data.draw(st.integers(0, 2**32 - 1))
    be = data.draw(st.integers(0, 15))
    res = run(emu, hxcomm.omnibus_write(a, old), hxcomm.omnibus_write(a, new, byte_enables=be),
              hxcomm.omnibus_read(a))
    mask = sum(0xff << (8 * b) for b in range(4) if be >> b & 1)
    assert errors(res) == []
    assert int(res.read_words[0]) == (old & ~mask) | (new & mask)
    assert emu.peek(a) == (old & ~mask) | (new & mask)


@pytest.mark.parametrize("reg", RO_REGISTERS, ids=lambda r: r.name)
def test_write_to_read_only_is_an_error(emu, reg):
    a = int(reg.addresses([reg.size - 1])[0, 0])
    before = run(emu, hxcomm.omnibus_read(a)).read_words
    res = run(emu, hxcomm.omnibus_write(a, 0x5a5a5a5a), hxcomm.omnibus_read(a))
    assert errors(res) == [(ErrorCode.WRITE_TO_READ_ONLY, a)]
    if reg.name != "Timer":
        np.testing.assert_array_equal(res.read_words, before)


@pytest.mark.parametrize("reg", TRIGGER_REGISTERS, ids=lambda r: r.name)
def test_read_of_trigger_is_an_error(emu, reg):
    a = int(reg.addresses([0])[0, 0])
    res = run(emu, hxcomm.omnibus_read(a), hxcomm.omnibus_write(a, 1))
    assert errors(res) == [(ErrorCode.READ_OF_WRITE_ONLY, a)]
    assert len(res.read_words) == 0


MAPPED_SET = set(MAPPED.tolist())


@given(st.integers(0, 2**32 - 1).filter(lambda a: a not in MAPPED_SET))
@settings(max_examples=100, deadline=None)
def test_unmapped_address_is_an_error(emu, a):
    res = run(emu, hxcomm.omnibus_read(a), hxcomm.omnibus_write(a, 3))
    assert errors(res) == [(ErrorCode.UNMAPPED_ADDRESS, a)] * 2
    with pytest.raises(KeyError):
        emu.peek(a)


def test_addresses_next_to_registers_are_unmapped(emu):
    around = {a + d for r in REGISTERS for a in r.all_addresses().tolist() for d in (-1, 1)}
    gaps = sorted(a for a in around if 0 <= a < 2**32 and a not in MAPPED_SET)
    assert len(gaps) > 1000
    res = run(emu, hxcomm.omnibus_read(gaps))
    assert errors(res) == [(ErrorCode.UNMAPPED_ADDRESS, a) for a in gaps]


def test_jtag_id_code_reads_its_default(emu):
    res = run(emu, read("JTAGIdCode"))
    assert haldls.JTAGIdCode.decode(res.read_words) == haldls.JTAGIdCode()


def test_cadc_samples_read_zero():
    # Without analog dynamics the CADC samples are their register defaults; with the
    # analog core (the default) they measure membranes, which other tests cover.
    digital = fresh(chip_id=7, analog=False)
    reg = REGISTERS_BY_NAME["CADCSampleQuad"]
    res = run(digital, hxcomm.omnibus_read(reg.addresses([0, reg.size - 1]).ravel()))
    assert list(res.read_words) == [0, 0]


def test_poke_and_peek(emu):
    a = addr("CapMemCell", 17)
    emu.poke(a, 0x123)
    assert emu.peek(a) == 0x123
    assert run(emu, hxcomm.omnibus_read(a)).read_words[0] == 0x123
    with pytest.raises(KeyError):
        emu.poke(addr("SpikeCounterRead", 0), 1)
    with pytest.raises(KeyError):
        emu.poke(2**40, 1)


@pytest.mark.parametrize("cls", [getattr(haldls, r.name) for r in RW_REGISTERS],
                         ids=lambda c: c.__name__)
def test_config_view_decodes_like_haldls(cls):
    """field_values (the analog core's ConfigView) agrees with the Python decode."""
    emu = fresh()
    reg = REGISTERS_BY_NAME[cls.__name__]

    @given(st.lists(st.tuples(st.integers(0, reg.size - 1), containers(cls)), min_size=1,
                    max_size=3, unique_by=lambda t: t[0]))
    @settings(max_examples=10, deadline=None)
    def check(items):
        run(emu, *[write(reg.name, e, c) for e, c in items])
        for f in reg.fields:
            values = emu.field_values(f"{reg.name}.{f.name}")
            assert values.shape == (reg.size, f.count)
            for e, c in items:
                expected = getattr(c, f.name)
                expected = list(expected) if f.count > 1 else [expected]
                assert values[e].tolist() == [int(v) for v in expected], f.name

    check()


def test_field_values_unknown_name(emu):
    with pytest.raises(KeyError, match="NoSuch"):
        emu.field_values("NoSuch.field")
