"""What the C++ analog core needs to know about the chip, taken from halco and chipmodel.

The transfer functions, constants and this chip's mismatch come from the nominal chip
model (:mod:`chipmodel.transfer`, :func:`transfer_tables`). Every mapping (neuron -> its registers and CapMem cells, synapse quad entry ->
column, driver -> bus and rows, the enum layout of the quad-based
coordinates) is computed here from halco's conversions and handed to C++ as
integer tables; the C++ side derives none of it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict

import numpy as np

__all__ = ["analog_geometry", "board_tables", "transfer_tables", "NEURON_COLUMNS"]

#: Columns of the per-neuron table (analog_geometry()["neurons"]).
NEURON_COLUMNS = ("hemisphere", "column", "neuron_config", "backend", "common_backend",
                  "capmem_block", "column_current_quad", "quad_entry", "column_correlation_quad",
                  "neuron_reset", "readout_line", "spike_counter")


def _e(coord) -> int:
    return int(coord.toEnum())


def _strides(build, digits):
    """Enum stride of each digit of a composite coordinate: enum(unit digit i) - enum(0)."""
    zero = _e(build(*([0] * digits)))
    if zero != 0:
        raise ValueError("composite coordinate does not start at enum 0")
    out = []
    for i in range(digits):
        args = [0] * digits
        args[i] = 1
        out.append(_e(build(*args)) - zero)
    return np.array(out, dtype=np.int64)


@lru_cache(maxsize=1)
def analog_geometry() -> Dict[str, np.ndarray]:
    """Integer tables for the C++ analog core (cached per process).

    - ``neurons`` (512, len(NEURON_COLUMNS)): per AtomicNeuronOnDLS, see NEURON_COLUMNS
      (readout_line: 0 = even, 1 = odd neuron readout line = column parity);
    - ``capmem_cells`` (512, 24): CapMemCellOnDLS enum of each CapMem row of the neuron;
    - ``shared_cells`` (n_shared, 4): per named shared cell (``shared_cell_names``),
      its CapMemCellOnDLS enum in each block (quadrant);
    - ``quad_columns`` (64, 4): neuron/synapse column of (SynapseQuadColumnOnDLS, EntryOnQuad);
    - ``synapse_quad_strides`` (3,): enum strides (synram, row, quad column) of
      SynapseQuadOnDLS = SynapseWeightQuad/LabelQuad/CorrelationCalibQuad/CorrelationReset;
    - ``column_quad_strides`` (2,): (synram, quad column) of ColumnCurrentQuad,
      ColumnCorrelationQuad, NeuronResetQuad;
    - ``cadc_sample_strides`` (5,): (synram, readout type, channel type, row, quad column);
    - ``cadc_channel_strides`` (3,): (synram, channel type, column) of CADCChannelConfig;
    - ``drivers`` (256, 6): per SynapseDriverOnDLS: hemisphere, driver on block, PADI bus,
      index on bus, top row (row_mode_top), bottom row (row_mode_bottom);
    - ``neuron_reset_atomic`` (512,): NeuronResetOnDLS enum -> AtomicNeuronOnDLS enum;
    - ``neuron_reset_quad`` (128, 4): NeuronResetQuadOnDLS -> the 4 atomic neurons.
    """
    import halco as h

    rows = []
    cells = []
    for n in h.iter_all(h.AtomicNeuronOnDLS):
        col = int(n.toNeuronColumnOnDLS())
        rows.append((
            int(n.toHemisphereOnDLS()), col, _e(n.toNeuronConfigOnDLS()),
            _e(n.toNeuronBackendConfigOnDLS()), int(n.toCommonNeuronBackendConfigOnDLS()),
            int(n.toCapMemBlockOnDLS()), _e(n.toColumnCurrentQuadOnDLS()), int(n.toEntryOnQuad()),
            _e(n.toColumnCorrelationQuadOnDLS()), _e(n.toNeuronResetOnDLS()), col % 2,
            _e(n.toSpikeCounterReadOnDLS())))
        cells.append([_e(n.toCapMemCellOnDLS(h.CapMemRowOnCapMemBlock(r))) for r in range(24)])

    shared_names = ("syn_i_bias_dac", "syn_i_bias_ramp", "syn_i_bias_store")
    shared = []
    for name in shared_names:
        local = getattr(h.CapMemCellOnCapMemBlock, name)
        shared.append([_e(h.CapMemCellOnDLS(local, h.CapMemBlockOnDLS(b))) for b in range(4)])

    quad_columns = np.array(
        [[int(c) for c in h.SynapseQuadColumnOnDLS(q).toNeuronColumnOnDLS()] for q in range(64)],
        dtype=np.int64)

    def syn_quad(s, r, q):
        return h.SynapseQuadOnDLS(h.SynapseQuadOnSynram(h.SynapseQuadColumnOnDLS(q),
                                                        h.SynapseRowOnSynram(r)), h.SynramOnDLS(s))

    def col_quad(s, q):
        return h.ColumnCurrentQuadOnDLS(h.ColumnCurrentQuadOnSynram(q), h.SynramOnDLS(s))

    def cadc_quad(s, rt, ct, r, q):
        return h.CADCSampleQuadOnDLS(h.CADCSampleQuadOnSynram(
            h.SynapseQuadOnSynram(h.SynapseQuadColumnOnDLS(q), h.SynapseRowOnSynram(r)),
            h.CADCChannelType(ct), h.CADCReadoutType(rt)), h.SynramOnDLS(s))

    def cadc_channel(s, ct, c):
        return h.CADCChannelConfigOnDLS(h.CADCChannelConfigOnSynram(
            h.CADCChannelColumnOnSynram(c), h.CADCChannelType(ct)), h.SynramOnDLS(s))

    drivers = []
    for d in h.iter_all(h.SynapseDriverOnDLS):
        local = d.toSynapseDriverOnSynapseDriverBlock()
        top, bottom = (int(r) for r in local.toSynapseRowOnSynram())
        drivers.append((int(d.toHemisphereOnDLS()), int(local), int(local.toPADIBusOnPADIBusBlock()),
                        int(local.toSynapseDriverOnPADIBus()), top, bottom))

    board = board_tables()
    reset_atomic = np.zeros(512, dtype=np.int64)
    for r in h.iter_all(h.NeuronResetOnDLS):
        reset_atomic[_e(r)] = _e(r.toAtomicNeuronOnDLS())
    reset_quad = []
    for rq in h.iter_all(h.NeuronResetQuadOnDLS):
        reset_quad.append([_e(x.toAtomicNeuronOnDLS()) for x in rq.toNeuronResetOnDLS()])

    # the quad-based coordinates share one layout with their register's instance order
    nr_strides = _strides(lambda s, q: h.NeuronResetQuadOnDLS(h.SynapseQuadColumnOnDLS(q),
                                                              h.SynramOnDLS(s)), 2)
    cq_strides = _strides(col_quad, 2)
    cc_strides = _strides(lambda s, q: h.ColumnCorrelationQuadOnDLS(
        h.ColumnCorrelationQuadOnSynram(q), h.SynramOnDLS(s)), 2)
    if not (np.array_equal(nr_strides, cq_strides) and np.array_equal(cc_strides, cq_strides)):
        raise ValueError("NeuronResetQuad / ColumnCorrelationQuad / ColumnCurrentQuad layouts differ")
    sq = _strides(syn_quad, 3)
    cr = _strides(lambda s, r, q: h.CorrelationResetOnDLS(
        h.SynapseQuadOnSynram(h.SynapseQuadColumnOnDLS(q), h.SynapseRowOnSynram(r)), h.SynramOnDLS(s)), 3)
    if not np.array_equal(sq, cr):
        raise ValueError("CorrelationResetOnDLS and SynapseQuadOnDLS layouts differ")
    return {
        "neurons": np.array(rows, dtype=np.int64),
        "capmem_cells": np.array(cells, dtype=np.int64),
        "shared_cell_names": list(shared_names),
        "shared_cells": np.array(shared, dtype=np.int64),
        "quad_columns": quad_columns,
        "synapse_quad_strides": sq,
        "column_quad_strides": cq_strides,
        "cadc_sample_strides": _strides(cadc_quad, 5),
        "cadc_channel_strides": _strides(cadc_channel, 3),
        "drivers": np.array(drivers, dtype=np.int64),
        "neuron_reset_atomic": reset_atomic,
        "neuron_reset_quad": np.array(reset_quad, dtype=np.int64),
        **board,
    }


def board_tables() -> Dict[str, np.ndarray]:
    """The emulated carrier board (a Cube xBoard) as the C++ core needs it.

    Its analog readout line joins what the shift register's multiplexers select: mux 1 a chip
    readout pad (``readout_chain_0`` = pad 0, ``readout_chain_1`` = pad 1), mux 2 a board
    voltage.  The emulated board has the V_reset rework of the public setups: the
    ``mux_dac_25`` DAC channel drives the V_reset line, so mux 2 = ``v_reset`` and
    ``mux_dac_25`` both put that channel's voltage on the line.  Other inputs drive nothing.

    - ``board_mux1_pad`` (4,): chip pad per mux 1 input (-1: none);
    - ``board_mux2_dac`` (4,): DACChannelOnBoard enum per mux 2 input (-1: none);
    - ``board_dac_full_scale_mv`` (16,): full scale of each DAC channel (0: a supply channel).
    """
    import halco as h
    from haldls import AnalogReadoutMux1Input as M1, AnalogReadoutMux2Input as M2
    from haldls.board import dac_full_scale_table

    mux1 = np.full(len(M1), -1, dtype=np.int64)
    mux1[M1.readout_chain_0] = int(h.PadOnDLS(0))
    mux1[M1.readout_chain_1] = int(h.PadOnDLS(1))
    mux2 = np.full(len(M2), -1, dtype=np.int64)
    dac25 = _e(h.DACChannelOnBoard.mux_dac_25)
    mux2[M2.v_reset] = dac25
    mux2[M2.mux_dac_25] = dac25
    return {
        "board_mux1_pad": mux1,
        "board_mux2_dac": mux2,
        "board_dac_full_scale_mv": 1000.0 * np.array(dac_full_scale_table(), dtype=np.float64),
    }


@lru_cache(maxsize=8)
def transfer_tables(chip_id: int, ideal: bool = False):
    """(Coefficients, constants and mismatch in the shape the C++ core loads,
    the mismatch dict) of chip ``chip_id`` (:func:`chipmodel.transfer.draw_mismatch`).
    Each transfer is (form, c0, c1, gain, offset, y_min, y_max, CapMem row or -1).
    Cached per chip: the arrays are read-only."""
    from chipmodel.transfer import CONSTANTS, MISMATCH_EXTRA, TRANSFERS, draw_mismatch
    from halco import CapMemRowOnCapMemBlock
    mm = draw_mismatch(chip_id, ideal)
    for a in mm.values():
        a.setflags(write=False)
    forms = {"affine": 0, "linear": 1, "reciprocal": 2}
    transfers = {}
    for t in TRANSFERS:
        # a per-neuron cell's CapMem row, named by halco (the one source of the rows); -1 otherwise
        row = int(getattr(CapMemRowOnCapMemBlock, t.cell)) if t.source == "capmem" else -1
        transfers[t.name] = (forms[t.form], float(t.c0), float(t.c1),
                             np.ascontiguousarray(mm[f"{t.name}.gain"], dtype=np.float64),
                             np.ascontiguousarray(mm[f"{t.name}.offset"], dtype=np.float64),
                             float(t.y_min), float(t.y_max), row)
    extra = {name: np.ascontiguousarray(mm[name], dtype=np.float64).ravel()
             for name, *_ in MISMATCH_EXTRA}
    return {"transfers": transfers, "constants": dict(CONSTANTS), "mismatch": extra}, mm
