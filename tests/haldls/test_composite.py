"""Composite containers (SynapseQuad, CapMemBlock, PPUMemory), the generic
visitor, and the FPGA instruction containers."""
from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haldls
from haldls import Composite, iter_leaves, visit_preorder

from .conftest import make_coord

quad_values = st.lists(st.integers(0, 63), min_size=4, max_size=4)
calib_values = st.lists(st.integers(0, 3), min_size=4, max_size=4)


def leaf_plans(composite, coord):
    """(addresses, words) concatenated over the leaves, in visit order."""
    addrs, words = [], []

    def visit(c, leaf):
        if isinstance(leaf, haldls.Container):
            a, w = leaf.write_plan(c)
            addrs.append(a)
            words.append(w)

    visit_preorder(composite, coord, visit)
    return np.concatenate(addrs), np.concatenate(words)


# -- SynapseQuad ---------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(quad_values, quad_values, calib_values, calib_values, st.integers(0, 2 * 256 * 64 - 1))
def test_synapse_quad_plans(weights, labels, time_calibs, amp_calibs, e):
    import halco

    q = haldls.SynapseQuad(weights=weights, labels=labels, time_calibs=time_calibs, amp_calibs=amp_calibs)
    coord = halco.SynapseQuadOnDLS.from_enum(e)
    addrs, words = q.write_plan(coord)
    wq = haldls.SynapseWeightQuad(values=weights)
    lq = haldls.SynapseLabelQuad(values=labels)
    cq = haldls.SynapseCorrelationCalibQuad(time_calibs=time_calibs, amp_calibs=amp_calibs)
    parts = [wq.write_plan(halco.SynapseWeightQuadOnDLS.from_enum(e)),
             lq.write_plan(halco.SynapseLabelQuadOnDLS.from_enum(e)),
             cq.write_plan(halco.SynapseCorrelationCalibQuadOnDLS.from_enum(e))]
    np.testing.assert_array_equal(addrs, np.concatenate([a for a, _ in parts]))
    np.testing.assert_array_equal(words, np.concatenate([w for _, w in parts]))
    assert addrs.dtype == np.uint32 and words.dtype == np.uint32
    np.testing.assert_array_equal(q.read_plan(coord), addrs)
    back = haldls.SynapseQuad.decode_read(coord, words)
    assert back == q
    assert back.weights == weights and back.labels == labels
    assert back.time_calibs == time_calibs and back.amp_calibs == amp_calibs


def test_synapse_quad_leaves_in_order(coords):
    q = haldls.SynapseQuad(weights=[1, 2, 3, 4], labels=[5, 6, 7, 8])
    coord = make_coord(coords["SynapseQuadOnDLS"], 70)
    seen = []
    visit_preorder(q, coord, lambda c, x: seen.append((c, x)))
    assert seen[0] == (coord, q)
    assert [type(x).__name__ for _, x in seen[1:]] == [
        "SynapseWeightQuad", "SynapseLabelQuad", "SynapseCorrelationCalibQuad"]
    assert [int(c.toEnum()) for c, _ in seen[1:]] == [70, 70, 70]
    assert [type(c).__name__ for c, _ in seen[1:]] == [
        coords[n].__name__ for n in ("SynapseWeightQuadOnDLS", "SynapseLabelQuadOnDLS",
                                     "SynapseCorrelationCalibQuadOnDLS")]
    assert seen[1][1].values == [1, 2, 3, 4] and seen[2][1].values == [5, 6, 7, 8]
    assert [x for _, x in iter_leaves(q, coord)] == [x for _, x in seen[1:]]


def test_synapse_quad_value_semantics():
    q = haldls.SynapseQuad(weights=[63, 0, 1, 2], labels=[1, 1, 1, 1], time_calibs=[3, 0, 0, 0])
    assert haldls.from_dict(json.loads(json.dumps(q.to_dict()))) == q
    assert pickle.loads(pickle.dumps(q)) == q
    for dup in (q.copy(), copy.copy(q), copy.deepcopy(q)):
        assert dup == q
        dup.weights[0] = 5
        assert q.weights[0] == 63
    assert q != haldls.SynapseQuad()
    for name in ("weights", "labels", "time_calibs", "amp_calibs"):
        other = q.copy()
        lanes = getattr(other, name)
        lanes[3] = (lanes[3] + 1) % 4
        assert other != q, name
    with pytest.raises(ValueError, match=r"SynapseQuad\.weights = 64 out of range \[0, 63\]"):
        haldls.SynapseQuad(weights=[64, 0, 0, 0])
    with pytest.raises(ValueError, match=r"amp_calibs = 4 out of range \[0, 3\]"):
        q.amp_calibs = [0, 0, 0, 4]
    with pytest.raises(ValueError, match="4 values"):
        q.labels = [1, 2, 3]
    with pytest.raises(TypeError):
        q.weights = [0.5, 0, 0, 0]
    with pytest.raises(AttributeError):
        q.weight = [0, 0, 0, 0]
    with pytest.raises(ValueError):
        haldls.SynapseQuad.from_dict({"type": "CapMemBlock"})


def test_synapse_quad_wrong_coordinate(coords):
    q = haldls.SynapseQuad()
    wrong = make_coord(coords["SynapseWeightQuadOnDLS"], 0)
    expected = coords["SynapseQuadOnDLS"].__name__
    for bad in (0, wrong):
        with pytest.raises(TypeError, match=expected):
            q.write_plan(bad)
        with pytest.raises(TypeError, match=expected):
            haldls.SynapseQuad.read_plan(bad)


# -- CapMemBlock -------------------------------------------------------------------------------

def test_capmem_block_plans_and_round_trip(coords):
    rng = np.random.default_rng(1)
    values = rng.integers(0, 1024, 130 * 24)
    block = haldls.CapMemBlock(values)
    ctype = coords["CapMemBlockOnDLS"]
    for e in (0, 3):
        coord = make_coord(ctype, e)
        addrs, words = block.write_plan(coord)
        assert addrs.dtype == np.uint32 and words.dtype == np.uint32 and addrs.shape == (3120,)
        assert np.all(np.diff(addrs.astype(np.int64)) > 0), "address order"
        la, lw = leaf_plans(block, coord)
        np.testing.assert_array_equal(addrs, la)
        np.testing.assert_array_equal(words, lw)
        np.testing.assert_array_equal(haldls.CapMemBlock.read_plan(coord), addrs)
        back = haldls.CapMemBlock.decode_read(coord, words)
        assert back == block
        np.testing.assert_array_equal(back.values, values)
        # every cell lands at the address of its CapMemCellOnDLS
        cells = haldls.REGISTERS_BY_NAME["CapMemCell"]
        np.testing.assert_array_equal(
            np.sort(cells.addresses(e * 3120 + np.arange(3120))[:, 0]), addrs)
        assert set(addrs.tolist()) == set(cells.addresses(e * 3120 + np.arange(3120))[:, 0].tolist())
    # the enum-indexed value lands at the enum's address
    coord = make_coord(ctype, 1)
    addrs, words = block.write_plan(coord)
    where = dict(zip(addrs.tolist(), words.tolist()))
    for cell in (0, 1, 129, 130, 3119):
        addr = int(haldls.REGISTERS_BY_NAME["CapMemCell"].addresses([3120 + cell])[0, 0])
        assert where[addr] == values[cell]


def test_capmem_block_visits_cells_in_address_order(coords):
    block = haldls.CapMemBlock(np.arange(3120) % 1023)
    coord = make_coord(coords["CapMemBlockOnDLS"], 2)
    leaves = list(iter_leaves(block, coord))
    assert len(leaves) == 3120
    addrs = [int(type(x).addresses(c)[0]) for c, x in leaves]
    assert addrs == sorted(addrs)
    for c, x in leaves[:50]:
        assert x.value == block[int(c.toEnum()) - 2 * 3120]


def test_capmem_block_value_semantics():
    block = haldls.CapMemBlock()
    assert block[0] == 0 and block.values.shape == (3120,)
    block[5] = 1023
    assert block.cells[5] == 1023
    with pytest.raises(ValueError, match=r"\[0, 1023\]"):
        block[5] = 1024
    with pytest.raises(ValueError, match=r"\[0, 1023\]"):
        haldls.CapMemBlock(np.full(3120, -1))
    with pytest.raises(ValueError, match="3120"):
        haldls.CapMemBlock(np.zeros(10, dtype=int))
    with pytest.raises(TypeError):
        haldls.CapMemBlock(np.full(3120, 0.5))
    with pytest.raises(ValueError):
        block.values[0] = 3  # read-only view
    assert haldls.from_dict(json.loads(json.dumps(block.to_dict()))) == block
    assert pickle.loads(pickle.dumps(block)) == block
    dup = copy.deepcopy(block)
    dup[5] = 0
    assert block[5] == 1023 and dup != block
    with pytest.raises(ValueError):
        haldls.CapMemBlock.from_dict({"type": "PPUMemory", "values": [0] * 3120})


# -- PPUMemory -------------------------------------------------------------------------------

def test_ppu_memory_plans_and_round_trip(coords):
    rng = np.random.default_rng(2)
    words = rng.integers(0, 2**32, 4096, dtype=np.uint64)
    mem = haldls.PPUMemory(words)
    for e in (0, 1):
        coord = make_coord(coords["PPUMemoryOnDLS"], e)
        addrs, w = mem.write_plan(coord)
        np.testing.assert_array_equal(addrs, 0x0280_0000 + 0x0100_0000 * e + np.arange(4096))
        np.testing.assert_array_equal(w, words)
        la, lw = leaf_plans(mem, coord)
        np.testing.assert_array_equal(addrs, la)
        np.testing.assert_array_equal(w, lw)
        np.testing.assert_array_equal(haldls.PPUMemory.read_plan(coord), addrs)
        assert haldls.PPUMemory.decode_read(coord, w) == mem
    w[0] = 0  # the plan's words are a copy
    assert mem.words[0] == words[0]


def test_ppu_memory_value_semantics():
    mem = haldls.PPUMemory()
    mem.words[3] = 0xdead_beef
    assert haldls.from_dict(json.loads(json.dumps(mem.to_dict()))) == mem
    assert pickle.loads(pickle.dumps(mem)) == mem
    dup = mem.copy()
    dup.words[3] = 0
    assert mem.words[3] == 0xdead_beef
    with pytest.raises(ValueError, match="out of range"):
        haldls.PPUMemory([2**32] + [0] * 4095)
    with pytest.raises(ValueError, match="out of range"):
        haldls.PPUMemory([-1] + [0] * 4095)
    with pytest.raises(TypeError):
        haldls.PPUMemory(np.full(4096, 1.5))
    with pytest.raises(ValueError, match="4096"):
        haldls.PPUMemory([0])


def test_composite_base_write_plan_is_leaf_concatenation(coords):
    """The vectorized overrides give exactly the generic visitor result."""
    block = haldls.CapMemBlock(np.arange(3120) % 1024)
    coord = make_coord(coords["CapMemBlockOnDLS"], 1)
    generic = Composite.write_plan(block, coord)
    fast = block.write_plan(coord)
    np.testing.assert_array_equal(generic[0], fast[0])
    np.testing.assert_array_equal(generic[1], fast[1])


def test_visit_preorder_on_a_leaf(coords):
    cfg = haldls.NeuronConfig(enable_fire=True)
    coord = make_coord(coords["NeuronConfigOnDLS"], 3)
    seen = []
    visit_preorder(cfg, coord, lambda c, x: seen.append((c, x)))
    assert seen == [(coord, cfg)]
    assert list(iter_leaves(cfg, coord)) == [(coord, cfg)]


# -- FPGA instruction containers -----------------------------------------------------------

def test_barrier():
    B = haldls.Barrier
    assert B.omnibus.value == 1 and B.jtag.value == 2 and B.systime.value == 4
    assert B.multi_fpga.value == 8 and B.systime_correction.value == 16
    assert (B.omnibus | B.jtag).value == 3
    assert B.omnibus == B(1) and hash(B.omnibus) == hash(B(1)) and B.omnibus != B.jtag
    with pytest.raises(ValueError, match=r"\[0, 31\]"):
        B(32)
    with pytest.raises(AttributeError):
        B.omnibus.value = 2
    with pytest.raises(TypeError):
        B.omnibus | 2
    assert haldls.from_dict(json.loads(json.dumps((B.omnibus | B.systime).to_dict()))) == B(5)
    assert "omnibus" in repr(B.omnibus)


def test_simple_fpga_containers():
    assert haldls.from_dict(haldls.SystimeSync(False).to_dict()) == haldls.SystimeSync(False)
    assert haldls.SystimeSync() != haldls.SystimeSync(False)
    assert haldls.from_dict(haldls.ResetChip(True).to_dict()) == haldls.ResetChip(True)
    assert pickle.loads(pickle.dumps(haldls.ResetChip(True))) == haldls.ResetChip(True)


def test_spike_packs():
    import halco

    p = haldls.SpikePack3ToChip([1, 2, halco.SpikeLabel(3)])
    assert [int(x) for x in p.labels] == [1, 2, 3]
    assert all(isinstance(x, halco.SpikeLabel) for x in p.labels)
    assert haldls.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    assert p != haldls.SpikePack3ToChip([1, 2, 4])
    assert len(haldls.SpikePack1ToChip().labels) == 1
    with pytest.raises(ValueError, match="exactly 2"):
        haldls.SpikePack2ToChip([1, 2, 3])
    assert haldls.SpikePack2ToChip(np.array([4, 5])) == haldls.SpikePack2ToChip([4, 5])


def test_from_dict_unknown_type():
    with pytest.raises(ValueError, match="NoSuchContainer"):
        haldls.from_dict({"type": "NoSuchContainer"})
