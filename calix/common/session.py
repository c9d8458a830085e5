"""ChipSession: the configuration calix believes is on the chip, and running programs.

A calibration keeps one ``lola.Chip`` (``session.chip``) as the single source
of truth for the configuration it has written. Steps change it (bulk, by
column: ``session.neurons.set_field(path, array)``) and append its writes to
a builder (``write_neurons``, ``write_chip``), then append their reads and
``run`` the program. ``stats`` counts programs, words and time spent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

import halco
import haldls
import lola
import stadls

from .result import synapse_dac_bias_cells

__all__ = ["ChipSession", "SessionStats"]


@dataclass
class SessionStats:
    programs: int = 0
    words: int = 0
    run_s: float = 0.0


class ChipSession:
    """Configuration state and program execution on one connection."""

    def __init__(self, connection, chip: Optional[lola.Chip] = None):
        self.connection = connection
        self.chip = chip if chip is not None else lola.Chip()
        self.stats = SessionStats()

    # -- state -----------------------------------------------------------------------
    @property
    def neurons(self) -> lola.AtomicNeuronArray:
        return self.chip.neuron_block.atomic_neurons

    def get(self, path: str) -> np.ndarray:
        return self.neurons.get_field(path)

    def set(self, path: str, values) -> None:
        """Set a neuron field of all 512 neurons (scalar or (512,)); range-checked."""
        values = np.broadcast_to(np.asarray(values), (halco.AtomicNeuronOnDLS.size,))
        self.neurons.set_field(path, values)

    # -- writes ------------------------------------------------------------------------
    def write_chip(self, builder) -> None:
        """Write the whole chip configuration (~159 000 words)."""
        builder.write(halco.ChipOnDLS(), self.chip)

    def write_neurons(self, builder) -> None:
        """Write the neuron block (all 512 neurons, backends, column switches)."""
        builder.write(halco.NeuronBlockOnDLS(), self.chip.neuron_block)

    def write_cadc(self, builder) -> None:
        for i in range(halco.CADCOnDLS.size):
            builder.write(halco.CADCOnDLS(i), self.chip.cadc_readout_chains[i])

    def write_synapse_dac_bias(self, builder) -> None:
        for h in range(2):
            cells = synapse_dac_bias_cells(h)
            builder.write_words(haldls.CapMemCell.register.addresses(cells)[:, 0],
                                np.asarray(self.chip.synapse_blocks[h].i_bias_dac, dtype=np.int64))

    def write_drivers(self, builder) -> None:
        for h in range(2):
            builder.write(halco.SynapseDriverBlockOnDLS(h), self.chip.synapse_driver_blocks[h])

    # -- execution -----------------------------------------------------------------------
    def run(self, builder) -> stadls.PlaybackProgram:
        """Finish ``builder`` into a program, run it, return it (tickets valid)."""
        program = builder.done()
        t0 = time.perf_counter()
        stadls.run(self.connection, program)
        self.stats.run_s += time.perf_counter() - t0
        self.stats.programs += 1
        self.stats.words += program.size_to_fpga()
        return program

    def init(self) -> None:
        """SystemInit and a full write of ``self.chip``."""
        builder, _ = stadls.generate(stadls.SystemInit())
        self.write_chip(builder)
        builder.write(halco.TimerOnDLS(), haldls.Timer())
        builder.wait_until(stadls.init.CAPMEM_SETTLING_CYCLES)
        self.run(builder)
