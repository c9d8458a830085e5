"""Chip configurations and program snippets shared by the spiking calibration steps.

Everything here builds ``lola`` configuration or appends to a builder; the
measurements themselves go through :mod:`calix.common.measure`.

Nominal model (chipmodel.transfer, docs/hxsim-analog.md, docs/hxsim-raw-behaviour.md) used
for initial guesses: every voltage cell has the same step (~1.14 mV per CapMem LSB), but
the leak, reset, exponential and adaptation references sit ~320 LSB lower than the
threshold and reversal cells (so each cell is inverted through its own transfer); the
CADC reads 20..220 for a plain CapMem voltage of 70..550; leak conductance 0.0015 uS per
LSB (x0.25 division, x4 multiplication); synaptic tau = 1022.2 / (x + 0.2222) us;
C = 0.3 + 2/63 * size pF.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Tuple

import numpy as np

import haldls
import lola

from ..common.measure import CYCLES_PER_US, N_NEURONS

__all__ = ["nominal", "base_chip", "configure_synapses", "SynapseDrive", "exc_label", "inh_label"]


@lru_cache(maxsize=None)
def _transfers():
    from chipmodel import transfer
    return transfer.TRANSFERS_BY_NAME, dict(transfer.CONSTANTS)


class nominal:  # noqa: N801 - a namespace
    """The chip's documented nominal transfers (no mismatch, :mod:`chipmodel.transfer`)."""

    @staticmethod
    def cadc_to_mv(code):
        t = _transfers()[0]["cadc"]
        return t.c0 + t.c1 * np.asarray(code, float)

    @staticmethod
    def mv_to_cadc(mv):
        t = _transfers()[0]["cadc"]
        return (np.asarray(mv, float) - t.c0) / t.c1

    @staticmethod
    def cadc_mv_per_lsb():
        """mV per CADC code (the nominal CADC step)."""
        return float(_transfers()[0]["cadc"].c1)

    @staticmethod
    def madc_to_mv(code):
        t = _transfers()[0]["madc"]
        return t.c0 + t.c1 * np.asarray(code, float)

    @staticmethod
    def voltage_dac(cadc_code, cell: str = "v_leak"):
        """CapMem value (float, not clipped) of the voltage cell ``cell`` (a
        transfer name: ``v_leak``, ``v_reset``, ``v_threshold``,
        ``e_synin_exc_rev``, ...) giving ``cadc_code``."""
        t = _transfers()[0][cell]
        return (nominal.cadc_to_mv(cadc_code) - t.c0) / t.c1

    @staticmethod
    def cadc_per_dac(cell: str = "v_leak"):
        """d CADC code / d voltage-cell LSB (inside the cell's rails)."""
        return _transfers()[0][cell].c1 / _transfers()[0]["cadc"].c1

    @staticmethod
    def capacitance_pf(size):
        return _transfers()[0]["membrane_capacitor_size"].nominal(size)

    @staticmethod
    def leak_factor(division, multiplication):
        const = _transfers()[1]
        return np.where(division, const["leak_division_factor"], 1.0) * \
            np.where(multiplication, const["leak_multiplication_factor"], 1.0)

    @staticmethod
    def g_leak_per_lsb():
        return _transfers()[0]["i_bias_leak"].c1

    @staticmethod
    def tau_syn_transfer():
        return _transfers()[0]["i_bias_synin_exc_tau"]

    @staticmethod
    def cuba_gain_per_lsb():
        return _transfers()[0]["i_bias_synin_exc_gm"].c1

    @staticmethod
    def coba_gain_per_lsb():
        return _transfers()[0]["i_bias_synin_exc_coba"].c1

    @staticmethod
    def backend_clock_mhz():
        return _transfers()[1]["backend_clock_mhz"]


#: plain leak bias (no division, no multiplication) below which the leak divider is switched in,
#: and above which the multiplier is: the public calix probes every neuron at these two biases
#: (63 LSB from either end of the CapMem range) and switches only where the target lies beyond
#: them, so a calibrated neuron keeps the plain range a raw ``leak_i_bias`` override expects
LEAK_PLAIN_BIAS_RANGE = (63, 1022 - 63)


def leak_range_switches(plain_bias) -> Tuple[np.ndarray, np.ndarray]:
    """(enable_division, enable_multiplication) for the leak bias ``plain_bias`` (CapMem LSB
    without division or multiplication, may lie outside 0..1022) a neuron needs."""
    x = np.asarray(plain_bias, float)
    lo, hi = LEAK_PLAIN_BIAS_RANGE
    return x < lo, x > hi


def leak_bias_for_tau(tau_s, capacitance_size) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nominal (i_bias_leak, enable_division, enable_multiplication) for tau_mem
    targets (s): the plain bias where it lies inside :data:`LEAK_PLAIN_BIAS_RANGE`, the divider
    for longer and the multiplier for shorter time constants."""
    tau_us = np.asarray(tau_s, float) * 1e6
    g = nominal.capacitance_pf(capacitance_size) / tau_us         # uS
    x = g / nominal.g_leak_per_lsb()
    division, multiplication = leak_range_switches(x)
    x = x / nominal.leak_factor(division, multiplication)
    return np.clip(np.rint(x), 1, 1022).astype(np.int64), division, multiplication


def base_chip() -> lola.Chip:
    """The chip configuration all steps start from: CADC reading every neuron's
    membrane (causal channels), neurons with firing and spike output off,
    synaptic inputs and readout off, synapse drivers receiving every PADI event
    (row-select mask 0) with top rows excitatory and bottom rows inhibitory,
    synaptic column currents connected, weights 0."""
    chip = lola.Chip()
    for h in range(2):
        cadc = chip.cadc_readout_chains[h]
        cadc.config.enable = True
        cadc.channels_causal.enable_connect_neuron = np.ones(256, bool)
        cadc.channels_causal.offset = np.zeros(256, np.int64)
    n = chip.neuron_block.atomic_neurons
    n.set_field("event_routing.analog_output", np.full(N_NEURONS, int(lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal)))
    n.set_field("threshold.enable", np.zeros(N_NEURONS, bool))
    n.set_field("excitatory_input.enable", np.zeros(N_NEURONS, bool))
    n.set_field("inhibitory_input.enable", np.zeros(N_NEURONS, bool))
    for h in range(2):
        cr = chip.neuron_block.current_rows[h]
        cr.enable_synaptic_current_excitatory = np.ones(256, bool)
        cr.enable_synaptic_current_inhibitory = np.ones(256, bool)
        block = chip.synapse_driver_blocks[h]
        for d in block.synapse_drivers:
            d.enable_receiver = True
            d.row_address_compare_mask = 0
            d.row_mode_top = haldls.RowMode.excitatory
            d.row_mode_bottom = haldls.RowMode.inhibitory
        block.padi_bus.enable_spl1 = [True] * 4
        m = chip.synapse_blocks[h].matrix
        m.weights = np.zeros((256, 256), np.int64)
        m.labels = np.full((256, 256), 63, np.int64)
    return chip


#: synapse labels of the calibration drives
exc_label = 0
inh_label = 1


class SynapseDrive:
    """Which synapses a host event reaches: ``rows_per_receptor`` rows of each
    receptor with ``weight``; an event with label ``exc_label`` (``inh_label``)
    reaches every excitatory (inhibitory) one of them in all 512 columns.

    ``rows_per_receptor`` and ``weight`` are one value for both receptors or a
    pair (excitatory, inhibitory): a weak receptor can get a stronger drive than
    a strong one. ``rows`` and ``weight`` are then (exc, inh) tuples, else ints."""

    def __init__(self, rows_per_receptor, weight, first_driver: int = 0):
        self.rows = rows_per_receptor
        self.weight = weight
        self.first_driver = int(first_driver)

    @staticmethod
    def _pair(value, name, lo, hi):
        pair = np.broadcast_to(np.asarray(value), (2,))
        for v in pair:
            if not (lo <= v <= hi):
                raise ValueError(f"{name} = {v} out of range [{lo}, {hi}]")
        return tuple(int(v) for v in pair), np.ndim(value) > 0

    @property
    def rows(self):
        return self.rows_pair if self._rows_per_receptor else self.rows_pair[0]

    @rows.setter
    def rows(self, value):
        self.rows_pair, self._rows_per_receptor = self._pair(value, "rows_per_receptor", 1, 128)

    @property
    def weight(self):
        return self.weight_pair if self._weight_per_receptor else self.weight_pair[0]

    @weight.setter
    def weight(self, value):
        self.weight_pair, self._weight_per_receptor = self._pair(value, "weight", 0, 63)

    def apply(self, chip: lola.Chip) -> None:
        for h in range(2):
            m = chip.synapse_blocks[h].matrix
            w = np.zeros((256, 256), np.int64)
            lab = np.full((256, 256), 63, np.int64)
            for receptor, (label, parity) in enumerate(((exc_label, 0), (inh_label, 1))):
                drivers = (self.first_driver + np.arange(self.rows_pair[receptor])) % 128
                w[2 * drivers + parity, :] = self.weight_pair[receptor]
                lab[2 * drivers + parity, :] = label
            m.weights = w
            m.labels = lab

    def __repr__(self):
        return f"SynapseDrive(rows={self.rows}, weight={self.weight})"


def configure_synapses(chip: lola.Chip, drive: SynapseDrive) -> None:
    drive.apply(chip)


def spike_label(receptor: int) -> int:
    """Host spike label (SPL1 0, row select 0) for receptor 0 (exc) / 1 (inh)."""
    return exc_label if receptor == 0 else inh_label


def us(t: float) -> int:
    """Microseconds -> FPGA cycles (int)."""
    return int(round(t * CYCLES_PER_US))
