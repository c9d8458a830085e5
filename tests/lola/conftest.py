"""Shared fixtures and strategies of the lola tests."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import hxcomm
import lola
from lola.neuron import FIELDS


@pytest.fixture(scope="module")
def connection():
    with hxcomm.EmulatorConnection(chip_id=7) as conn:
        yield conn


def field_values(f):
    """Strategy for one valid value of an AtomicNeuron field."""
    if f.kind == "analog":
        return st.integers(0, 1022)
    if f.kind is bool:
        return st.booleans()
    if isinstance(f.kind, type) and issubclass(f.kind, int) and f.kind is not int:
        return st.sampled_from(list(f.kind))
    return st.integers(f.lo, f.hi)


@st.composite
def atomic_neurons(draw):
    """A random valid AtomicNeuron (every field drawn)."""
    n = lola.AtomicNeuron()
    for f in FIELDS:
        setattr(getattr(n, f.struct), f.name, draw(field_values(f)))
    return n


def random_table(rng: np.random.Generator, n: int) -> dict:
    """Column table of n random valid neurons."""
    table = {}
    for f in FIELDS:
        hi = 1022 if f.kind == "analog" else f.hi
        col = rng.integers(f.lo, hi + 1, n)
        table[f.path] = col.astype(np.bool_) if f.kind is bool else col.astype(f.dtype)
    return table


def random_chip(seed: int) -> lola.Chip:
    """A chip with random neurons, synapses, drivers and crossbar settings."""
    rng = np.random.default_rng(seed)
    chip = lola.Chip()
    for path, col in random_table(rng, 512).items():
        chip.neuron_block.atomic_neurons.set_field(path, col)
    for block in chip.synapse_blocks:
        m = block.matrix
        m.weights = rng.integers(0, 64, (256, 256))
        m.labels = rng.integers(0, 64, (256, 256))
        m.time_calibs = rng.integers(0, 4, (256, 256))
        m.amp_calibs = rng.integers(0, 4, (256, 256))
        block.i_bias_dac[:] = rng.integers(0, 1023, 2)
    for block in chip.synapse_driver_blocks:
        for d in block.synapse_drivers:
            d.utilization = int(rng.integers(0, 16))
            d.row_mode_top = int(rng.integers(0, 4))
            d.enable_receiver = bool(rng.integers(0, 2))
        block.stp_v_charge_0[:] = rng.integers(0, 1023, 2)
    for node in chip.crossbar.nodes:
        node.mask = int(rng.integers(0, 2**14))
        node.target = int(rng.integers(0, 2**14))
    for chain in chip.cadc_readout_chains:
        chain.channels_causal.offset[:] = rng.integers(-128, 128, 256)
        chain.channels_acausal.enable_connect_neuron[:] = rng.integers(0, 2, 256).astype(bool)
        chain.i_slope[:] = rng.integers(0, 1023, 2)
    chip.capmem.unused_cells[:] = rng.integers(0, 1024, len(chip.capmem.unused_cells))
    chip.readout_chain.readout_sc_amp_v_ref = int(rng.integers(0, 1023))
    chip.ppu_memory[1] = chip.ppu_memory[1].__class__(rng.integers(0, 2**32, 4096, dtype=np.uint64))
    chip.background_spike_sources[3].period = 1234
    return chip
