"""CapMem: block configuration, reference generator, and where every shared cell lives.

The 4 x 24 x 2 = 192 shared CapMem cells (columns 128 and 129 of each block)
are distributed over the Chip's containers as in the public stack: each
named cell belongs to the container whose circuit it biases (the synapse DAC
bias to the SynapseBlock, STP voltages to the SynapseDriverBlock, CADC ramp
biases to the CADCReadoutChain, ...).  The table :data:`SHARED_CAPMEM` says
which; cells nobody claims are ``CapMem.unused_cells``.  A test checks that
every shared cell appears exactly once.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, NamedTuple, Tuple

import numpy as np

import halco
import haldls

from ._common import Analog, Leaf, Leaves, LolaContainer

_ON_BLOCK = halco.CapMemCellOnCapMemBlock
_N_BLOCKS = halco.CapMemBlockOnDLS.size
_BLOCKS_PER_HEMISPHERE = halco.CapMemBlockOnHemisphere.size


def _enum(cell_on_block, block: int) -> int:
    return int(halco.CapMemCellOnDLS(cell_on_block, halco.CapMemBlockOnDLS(block)).toEnum())


class SharedCell(NamedTuple):
    """Where one named shared CapMem parameter lives.

    ``kind``: ``"block"`` (one cell per CapMem block, shape (4,), indexed by
    CapMemBlockOnDLS), ``"hemisphere"`` (the two blocks of the container's
    hemisphere, shape (2,), indexed by CapMemBlockOnHemisphere), ``"dls"`` (one
    named chip-level ``CapMemCellOnDLS``) or ``"dls_hemisphere"`` (one cell per
    hemisphere, names given for top and bottom).
    """
    container: str
    attr: str
    kind: str
    cells: Tuple[str, ...]
    default: int = 0
    doc: str = ""


def _h(container, attr, cell, default=0, doc=""):
    return SharedCell(container, attr, "hemisphere", (cell,), default, doc)


SHARED_CAPMEM: Tuple[SharedCell, ...] = (
    SharedCell("NeuronBlock", "v_bias_casc_n", "block", ("neuron_v_bias_casc_n",), 340, "neuron cascode bias"),
    SharedCell("NeuronBlock", "i_bias_readout_amp", "block", ("neuron_i_bias_readout_amp",), 110,
               "neuron readout amplifier bias"),
    SharedCell("NeuronBlock", "i_bias_leak_source_follower", "block", ("neuron_i_bias_leak_source_follower",),
               100, "leak source follower bias"),
    SharedCell("NeuronBlock", "i_bias_threshold_comparator", "block", ("neuron_i_bias_spike_comparator",), 500,
               "spike (threshold) comparator bias"),
    _h("SynapseDriverBlock", "stp_v_charge_0", "stp_v_charge_0", 0, "STP charge voltage, set 0"),
    _h("SynapseDriverBlock", "stp_v_charge_1", "stp_v_charge_1", 0, "STP charge voltage, set 1"),
    _h("SynapseDriverBlock", "stp_v_recover_0", "stp_v_recover_0", 0, "STP recovery voltage, set 0"),
    _h("SynapseDriverBlock", "stp_v_recover_1", "stp_v_recover_1", 0, "STP recovery voltage, set 1"),
    _h("SynapseDriverBlock", "stp_i_bias_comparator", "stp_i_bias_comparator", 0, "STP comparator bias"),
    _h("SynapseDriverBlock", "stp_i_ramp", "stp_i_ramp", 0, "STP ramp current"),
    _h("SynapseDriverBlock", "stp_i_calib", "stp_i_calib", 0, "STP calibration current"),
    SharedCell("SynapseDriverBlock", "stp_i_bias_readout", "dls_hemisphere",
               ("stp_ibias_readout_top", "stp_ibias_readout_bottom"), 0, "STP readout bias"),
    SharedCell("SynapseDriverBlock", "hagen_i_bias_dac", "dls_hemisphere",
               ("hagen_ibias_dac_top", "hagen_ibias_dac_bottom"), 0, "hagen-mode DAC bias"),
    _h("SynapseBlock", "i_bias_dac", "syn_i_bias_dac", 1022, "synapse DAC bias (scales all weights)"),
    _h("CADCReadoutChain", "v_offset", "cadc_v_ramp_offset", 0, "CADC ramp start voltage"),
    _h("CADCReadoutChain", "v_bias_buffer", "cadc_v_bias_ramp_buf", 0, "CADC ramp buffer bias"),
    _h("CADCReadoutChain", "i_slope", "cadc_i_ramp_slope", 0, "CADC ramp slope current"),
    _h("CADCReadoutChain", "i_bias_comparator", "cadc_i_bias_comp", 0, "CADC comparator bias"),
    _h("CADCReadoutChain", "i_bias_vreset_buffer", "cadc_i_bias_vreset_buf", 0, "CADC v_reset buffer bias"),
    _h("CADCReadoutChain", "i_bias_ramp", "syn_i_bias_ramp", 80,
       "correlation ramp bias (time constant; 80: public calix's default, 5 us)"),
    _h("CADCReadoutChain", "i_bias_store", "syn_i_bias_store", 70,
       "correlation storage bias (amplitude; 70: public calix's default)"),
    _h("CADCReadoutChain", "i_bias_corout", "syn_i_bias_corout", 0, "correlation readout bias"),
) + tuple(
    SharedCell("ReadoutChain", name, "dls", (name,), 0, "readout chain bias")
    for name in ("readout_sc_amp_v_ref", "readout_pseudo_diff_v_ref", "readout_iconv_test_voltage",
                 "readout_iconv_sc_amp_v_ref", "readout_iconv_sc_amp_i_bias", "readout_pseudo_diff_buffer_bias",
                 "readout_out_amp_i_bias_0", "readout_out_amp_i_bias_1", "readout_idac_i_bias",
                 "readout_idac_i_bias_casc", "readout_iconv_i_bias_buffer", "readout_ac_mux_i_bias",
                 "readout_madc_in_500na", "readout_sc_amp_i_bias")
)


def shared_cell_enums(sc: SharedCell, hemisphere: int = 0) -> np.ndarray:
    """CapMemCellOnDLS enums of one table entry (for the container of ``hemisphere``)."""
    if sc.kind == "block":
        cell = getattr(_ON_BLOCK, sc.cells[0])
        return np.array([_enum(cell, b) for b in range(_N_BLOCKS)], dtype=np.int64)
    if sc.kind == "hemisphere":
        cell = getattr(_ON_BLOCK, sc.cells[0])
        return np.array([_enum(cell, hemisphere * _BLOCKS_PER_HEMISPHERE + b) for b in range(_BLOCKS_PER_HEMISPHERE)],
                        dtype=np.int64)
    if sc.kind == "dls":
        return np.array(int(getattr(halco.CapMemCellOnDLS, sc.cells[0]).toEnum()), dtype=np.int64)
    if sc.kind == "dls_hemisphere":
        return np.array(int(getattr(halco.CapMemCellOnDLS, sc.cells[hemisphere]).toEnum()), dtype=np.int64)
    raise ValueError(f"unknown shared cell kind {sc.kind!r}")  # pragma: no cover


def analog_members(container: str) -> Tuple[Analog, ...]:
    """The Analog members of ``container`` from :data:`SHARED_CAPMEM`."""
    out = []
    for sc in SHARED_CAPMEM:
        if sc.container != container:
            continue
        shape, index = {"block": ((_N_BLOCKS,), halco.CapMemBlockOnDLS),
                        "hemisphere": ((_BLOCKS_PER_HEMISPHERE,), halco.CapMemBlockOnHemisphere),
                        "dls": ((), None), "dls_hemisphere": ((), None)}[sc.kind]
        out.append(Analog(sc.attr, _cells_fn(sc), shape, sc.default, index, sc.doc))
    return tuple(out)


def _cells_fn(sc: SharedCell) -> Callable:
    cache = {}

    def cells(coord):
        h = int(coord.toEnum()) if sc.kind in ("hemisphere", "dls_hemisphere") else 0
        if h not in cache:
            cache[h] = shared_cell_enums(sc, h)
        return cache[h]
    return cells


@lru_cache(maxsize=None)
def claimed_cells() -> np.ndarray:
    """All shared cell enums named in :data:`SHARED_CAPMEM` (hemisphere entries for both)."""
    out = []
    for sc in SHARED_CAPMEM:
        hemis = range(2) if sc.kind in ("hemisphere", "dls_hemisphere") else [0]
        for h in hemis:
            out.extend(np.atleast_1d(shared_cell_enums(sc, h)).tolist())
    return np.array(out, dtype=np.int64)


@lru_cache(maxsize=None)
def all_shared_cells() -> np.ndarray:
    """Enums of all 192 shared CapMem cells (columns 128, 129), in enum order."""
    cells = [int(halco.CapMemCellOnDLS(_ON_BLOCK(col, r), blk).toEnum())
             for blk in halco.iter_all(halco.CapMemBlockOnDLS)
             for col in halco.iter_all(halco.CapMemColumnOnCapMemBlock) if col.isShared()
             for r in halco.iter_all(halco.CapMemRowOnCapMemBlock)]
    return np.array(sorted(cells), dtype=np.int64)


@lru_cache(maxsize=None)
def unused_cells() -> np.ndarray:
    """Shared cells not named in the table, in enum order."""
    claimed = set(claimed_cells().tolist())
    return np.array([e for e in all_shared_cells().tolist() if e not in claimed], dtype=np.int64)


class CapMem(LolaContainer):
    """CapMem configuration (public ``lola.CapMem``) at ``halco.CapMemOnDLS``:
    ``blocks`` (4 ``CapMemBlockConfig``, refresh enabled by default so that writing a
    default chip keeps the CapMem running), ``reference_generator``
    (``ReferenceGeneratorConfig``) and ``unused_cells`` (values of the shared
    cells no container claims; their coordinates: ``CapMem.unused_cell_coordinates()``).
    """

    coordinate_name = "CapMemOnDLS"
    _members = (
        Leaves("blocks", haldls.CapMemBlockConfig, _N_BLOCKS, halco.CapMemBlockConfigOnDLS,
               lambda c: np.arange(_N_BLOCKS), default=lambda: haldls.CapMemBlockConfig(enable_capmem=True)),
        Leaf("reference_generator", haldls.ReferenceGeneratorConfig, lambda c: halco.ReferenceGeneratorConfigOnDLS()),
        Analog("unused_cells", lambda c: unused_cells(), (len(unused_cells()),), 0, None,
               "shared cells without a named parameter, by `CapMem.unused_cell_coordinates()`"),
    )

    @staticmethod
    def unused_cell_coordinates():
        """The CapMemCellOnDLS of each entry of ``unused_cells``."""
        return tuple(halco.CapMemCellOnDLS.from_enum(int(e)) for e in unused_cells())
