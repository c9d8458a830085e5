"""The address map: ranges, regions, overlaps, coordinate sizes, and the
read/write address lists and plans of every access kind."""
from __future__ import annotations

import numpy as np
import pytest

import haldls
from haldls import REGISTERS, REGISTERS_BY_NAME, Access

from .conftest import COMPOSITE_COORDINATES, REGISTER_IDS, make_coord

by_register = pytest.mark.parametrize("reg", REGISTERS, ids=REGISTER_IDS)
FPGA_SIDE = 0x8000_0000


@by_register
def test_addresses_are_32_bit_and_in_their_region(reg):
    a = reg.all_addresses()
    assert a.dtype == np.uint32
    assert a.size == reg.size * reg.words
    a = a.astype(np.int64)
    assert a.min() >= 0 and a.max() < 2**32
    if reg.fpga:
        assert a.min() >= FPGA_SIDE, "FPGA registers live on the FPGA side (bit 31 set)"
    else:
        assert a.max() < FPGA_SIDE, "chip registers live below the FPGA side"


@by_register
def test_addresses_unique_per_instance_and_word(reg):
    a = reg.addresses(np.arange(reg.size)).astype(np.int64)
    assert a.shape == (reg.size, reg.words)
    assert len(np.unique(a)) == a.size
    # the words of one instance are consecutive
    np.testing.assert_array_equal(a - a[:, :1], np.broadcast_to(np.arange(reg.words), a.shape))


def test_no_two_registers_overlap():
    owner = {}
    for reg in REGISTERS:
        for addr in reg.all_addresses().tolist():
            other = owner.setdefault(addr, reg.name)
            if other != reg.name:
                assert other in reg.aliases or reg.name in REGISTERS_BY_NAME[other].aliases, \
                    f"{reg.name} and {other} share address {addr:#010x}"


def test_register_names_and_coordinates_unique():
    assert len({r.name for r in REGISTERS}) == len(REGISTERS)
    assert len({r.coordinate for r in REGISTERS}) == len(REGISTERS)
    assert set(REGISTERS_BY_NAME) == {r.name for r in REGISTERS}


@by_register
def test_size_matches_halco_coordinate(reg):
    import halco

    assert getattr(halco, reg.coordinate).size == reg.size


@pytest.mark.parametrize("name,enum_value,expected", [
    # NeuronConfig = quadrant base + 2 + 8 * neuron (+ word)
    ("NeuronConfig", 0, 0x0016_0002), ("NeuronConfig", 1, 0x0016_000a),
    ("NeuronConfig", 128, 0x0016_8002), ("NeuronConfig", 3 * 128 + 127, 0x0017_8000 + 2 + 8 * 127),
    ("NeuronBackendConfig", 0, 0x001a_1000), ("NeuronBackendConfig", 256, 0x001a_9000),
    ("CommonNeuronBackendConfig", 1, 0x001a_9800),
    ("NeuronReset", 1, 0x0012_2004), ("NeuronReset", 256, 0x0012_a000),
    ("BlockPostPulse", 1, 0x0012_a400),
    ("SpikeCounterRead", 0, 0x0012_2800), ("SpikeCounterReset", 256, 0x0012_ac00),
    ("CapMemCell", 0, 0x0014_0000), ("CapMemCell", 3120, 0x0014_8000),
    ("CapMemCell", 3 * 3120, 0x0015_8000),
    ("CapMemCell", 130, 0x0014_0001),  # next row = next address; cell = base + column * 32 + row
    ("CapMemCell", 1, 0x0014_0020),
    ("CapMemBlockConfig", 0, 0x0014_4000),
    ("SynapseDriverConfig", 0, 0x0011_0400), ("SynapseDriverConfig", 128, 0x0011_8400),
    ("PADIEvent", 0, 0x0011_0000), ("PADIEvent", 1, 0x0011_8000),
    # synapse SRAM through the PPU subtree: PPU base | 1 << 22, + row * 64 + quad column
    ("SynapseWeightQuad", 0, 0x0240_0000), ("SynapseWeightQuad", 64 + 5, 0x0240_0045),
    ("SynapseWeightQuad", 256 * 64, 0x0340_0000),
    ("SynapseLabelQuad", 0, 0x0244_0000),
    ("CADCSampleQuad", 0, 0x0248_0000),
    ("PPUMemoryWord", 0, 0x0280_0000), ("PPUMemoryWord", 4096 + 7, 0x0380_0007),
    ("PPUControlRegister", 1, 0x0320_0000),
    ("Timer", 0, 0x8800_000c),
])
def test_documented_addresses(name, enum_value, expected):
    assert int(REGISTERS_BY_NAME[name].addresses([enum_value])[0, 0]) == expected


def test_instance_base_rejects_out_of_range_enums():
    reg = REGISTERS_BY_NAME["NeuronConfig"]
    with pytest.raises(ValueError, match=r"NeuronConfigOnDLS enum 512 out of range \[0, 511\]"):
        reg.addresses([512])
    with pytest.raises(ValueError, match="-1"):
        reg.addresses([-1])


# -- access kinds ---------------------------------------------------------------------------

@by_register
def test_access_word_counts(reg):
    assert reg.read_words == (0 if reg.access == Access.TRIGGER else reg.words)
    assert reg.write_words == (0 if reg.access == Access.READ_ONLY else reg.words)


@by_register
def test_read_write_lists_and_plans(reg, coords):
    cls = getattr(haldls, reg.name)
    ctype = coords[reg.coordinate]
    assert cls.coordinate_type() is ctype
    rng = np.random.default_rng(len(reg.name))
    for e in {0, reg.size - 1, int(rng.integers(reg.size))}:
        coord = make_coord(ctype, e)
        addrs = cls.addresses(coord)
        assert addrs.dtype == np.uint32
        np.testing.assert_array_equal(addrs, reg.addresses([e])[0])
        obj = cls()
        if reg.access == Access.READ_ONLY:
            assert cls.write_addresses(coord).size == 0
            np.testing.assert_array_equal(cls.read_addresses(coord), addrs)
            with pytest.raises(TypeError, match="read-only"):
                obj.write_plan(coord)
        else:
            np.testing.assert_array_equal(cls.write_addresses(coord), addrs)
            a, w = obj.write_plan(coord)
            np.testing.assert_array_equal(a, addrs)
            np.testing.assert_array_equal(w, obj.encode())
        if reg.access == Access.TRIGGER:
            assert cls.read_addresses(coord).size == 0
            with pytest.raises(TypeError, match="trigger"):
                cls.read_plan(coord)
        else:
            np.testing.assert_array_equal(cls.read_addresses(coord), addrs)
            np.testing.assert_array_equal(cls.read_plan(coord), addrs)
            words = rng.integers(0, 2**32, reg.words, dtype=np.uint64).astype(np.uint32)
            try:
                expected = cls.decode(words)
            except ValueError:  # random bits outside a field's range (e.g. prescale 7 > 6)
                words = obj.encode()
                expected = obj
            assert cls.decode_read(coord, words) == expected


@by_register
def test_wrong_coordinate_type_raises(reg, coords):
    cls = getattr(haldls, reg.name)
    expected = coords[reg.coordinate].__name__  # halco may alias the name (CrossbarInputOnDLS)
    other = next(r for r in REGISTERS if r.coordinate != reg.coordinate)
    wrong = make_coord(coords[other.coordinate], 0)
    for bad in (0, wrong, "0"):
        for method in (cls.addresses, cls.read_addresses, cls.write_addresses):
            with pytest.raises(TypeError, match=expected):
                method(bad)
        if reg.access != Access.TRIGGER:
            with pytest.raises(TypeError, match=expected):
                cls.read_plan(bad)
            with pytest.raises(TypeError, match=expected):
                cls.decode_read(bad, cls().encode())
        if reg.access != Access.READ_ONLY:
            with pytest.raises(TypeError, match=expected):
                cls().write_plan(bad)


def test_halco_defines_every_coordinate_haldls_uses():
    import halco

    wanted = [r.coordinate for r in REGISTERS] + list(COMPOSITE_COORDINATES)
    missing = [name for name in wanted if not isinstance(getattr(halco, name, None), type)]
    assert not missing, f"halco lacks the coordinate types {missing}"
    for name, size in COMPOSITE_COORDINATES.items():
        assert getattr(halco, name).size == size, name


# -- address arithmetic against halco's coordinate structure ----------------------------------

def _halco_parts(name, enum_value, *conversions):
    """Integer parts of a halco coordinate via its named conversions."""
    import halco

    c = getattr(halco, name).from_enum(enum_value)
    return [int(getattr(c, conv)().toEnum()) for conv in conversions]


@pytest.mark.parametrize("e", [0, 1, 127, 128, 200, 511])
def test_neuron_config_address_from_halco_parts(e):
    block, neuron = _halco_parts("NeuronConfigOnDLS", e, "toNeuronConfigBlockOnDLS",
                                 "toNeuronConfigOnNeuronConfigBlock")
    assert int(REGISTERS_BY_NAME["NeuronConfig"].addresses([e])[0, 0]) == \
        0x0016_0000 + 0x8000 * block + 2 + 8 * neuron


@pytest.mark.parametrize("e", [0, 1, 63, 64, 16383, 16384, 16384 + 65, 32767])
def test_synapse_quad_address_from_halco_parts(e):
    synram, row, col = _halco_parts("SynapseWeightQuadOnDLS", e, "toSynramOnDLS", "toSynapseRowOnSynram",
                                    "toSynapseQuadColumnOnDLS")
    base = 0x0200_0000 + 0x0100_0000 * synram + (1 << 22)
    assert int(REGISTERS_BY_NAME["SynapseWeightQuad"].addresses([e])[0, 0]) == base + 64 * row + col
    assert int(REGISTERS_BY_NAME["SynapseLabelQuad"].addresses([e])[0, 0]) == base + 0x4_0000 + 64 * row + col


@pytest.mark.parametrize("e", [0, 1, 129, 130, 3119, 3120, 3120 + 131, 12479])
def test_capmem_cell_address_from_halco_parts(e):
    block, row, column = _halco_parts("CapMemCellOnDLS", e, "toCapMemBlockOnDLS", "toCapMemRowOnCapMemBlock",
                                      "toCapMemColumnOnCapMemBlock")
    assert int(REGISTERS_BY_NAME["CapMemCell"].addresses([e])[0, 0]) == \
        0x0014_0000 + 0x8000 * block + 32 * column + row


@pytest.mark.parametrize("e", [0, 5, 16384 + 5, 32768 + 5, 49152 + 5, 65536 + 16384 + 70])
def test_cadc_sample_quad_address_from_halco_parts(e):
    synram, readout, channel, quad = _halco_parts(
        "CADCSampleQuadOnDLS", e, "toSynramOnDLS", "toCADCReadoutType", "toCADCChannelType",
        "toSynapseQuadOnDLS")
    row_col = quad % 16384  # row * 64 + quad column on the synram
    base = 0x0200_0000 + 0x0100_0000 * synram + (1 << 22)
    # causal samples at +0x8_0000, acausal at +0xc_0000 (public map); buffered +0x1_0000 (ours)
    expected = base + (0xc_0000 if channel else 0x8_0000) + 0x1_0000 * readout + row_col
    assert int(REGISTERS_BY_NAME["CADCSampleQuad"].addresses([e])[0, 0]) == expected
