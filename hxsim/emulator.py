"""The emulated chip (:class:`Emulator`, over the C++ core ``hxsim._core``) and the tables it
is built from.

The C++ side holds no copy of the register map, the instruction set or the chip geometry:
this module loads them from haldls, hxcomm and halco and hands them over as numeric tables.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict

import numpy as np
from halco import (AtomicNeuronOnDLS, BackgroundSpikeSourceOnDLS, CrossbarNodeOnDLS, CrossbarOutputOnDLS,
                   SPL1Address, iter_all)

from . import _core

__all__ = ["Emulator", "L2_LATENCY_CYCLES", "PADI_LATENCY_CYCLES", "crossbar_nodes", "chip_geometry", "wire_spec"]

#: Cycles (FPGA, 8 ns) from an event entering the crossbar to the FPGA: an
#: event that enters at systime T is recorded with fpga_time T + this.
L2_LATENCY_CYCLES: int = _core.L2_LATENCY_CYCLES
#: Cycles from an event entering the crossbar to its arrival on a PADI bus.
PADI_LATENCY_CYCLES: int = _core.PADI_LATENCY_CYCLES

def crossbar_nodes() -> np.ndarray:
    """(input, output) of every crossbar node, int64 array (76, 2), in
    ``CrossbarNodeOnDLS`` enum order (= CrossbarNode register instance index)."""
    rows = [(int(n.toCrossbarInputOnDLS().toEnum()), int(n.toCrossbarOutputOnDLS().toEnum()))
            for n in iter_all(CrossbarNodeOnDLS)]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _neuron_table() -> np.ndarray:
    """Per AtomicNeuronOnDLS: event output, its crossbar input, NeuronBackendConfig
    instance, SpikeCounterRead instance (int64 array (512, 4))."""
    rows = []
    for n in iter_all(AtomicNeuronOnDLS):
        out = n.toNeuronEventOutputOnDLS()
        rows.append((int(out.toEnum()), int(out.toCrossbarInputOnDLS().toEnum()),
                     int(n.toNeuronBackendConfigOnDLS().toEnum()),
                     int(n.toSpikeCounterReadOnDLS().toEnum())))
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _crossbar_output_table() -> np.ndarray:
    """Per CrossbarOutputOnDLS: is_l2, hemisphere (0 for L2), bus on its hemisphere or L2 index."""
    rows = []
    for o in iter_all(CrossbarOutputOnDLS):
        l2 = o.toCrossbarL2OutputOnDLS()
        if l2 is not None:
            rows.append((1, 0, int(l2.toEnum())))
        else:
            bus = o.toPADIBusOnDLS()
            rows.append((0, int(bus.toHemisphereOnDLS().toEnum()), int(bus.toPADIBusOnPADIBusBlock().toEnum())))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def chip_geometry() -> Dict[str, np.ndarray]:
    """Where things sit on the chip, as the C++ core needs it (numeric arrays, all from
    halco's conversions).

    - ``crossbar_nodes`` (76, 2): input, output per node (see :func:`crossbar_nodes`);
    - ``crossbar_outputs`` (12, 3): is_l2, hemisphere, bus or L2 index per output
      (outputs 0-7 are PADI buses, hemisphere = o // 4; 8-11 are L2 outputs 0-3);
    - ``l2_inputs`` (4,): crossbar input of each SPL1 address (8 + spl1);
    - ``background_inputs`` (8,): crossbar input of each background source (12 + i);
    - ``neurons`` (512, 4): event output, crossbar input, backend and spike counter instance.
    """
    return {
        "crossbar_nodes": crossbar_nodes(),
        "crossbar_outputs": _crossbar_output_table(),
        "l2_inputs": np.array([int(a.toCrossbarInputOnDLS().toEnum()) for a in iter_all(SPL1Address)],
                              dtype=np.int64),
        "background_inputs": np.array([int(b.toCrossbarInputOnDLS().toEnum())
                                       for b in iter_all(BackgroundSpikeSourceOnDLS)], dtype=np.int64),
        "neurons": _neuron_table(),
    }


def wire_spec() -> dict:
    """The hxcomm instruction table as the C++ executor loads it."""
    from hxcomm import instructions as ins
    return {
        "opcode_lsb": ins.OPCODE_LSB,
        "opcode_width": ins.OPCODE_WIDTH,
        "version_lsb": ins.VERSION_LSB,
        "version_width": ins.VERSION_WIDTH,
        "version": ins.PROTOCOL_VERSION,
        "payload_width": ins.PAYLOAD_WIDTH,
        "max_program_words": ins.MAX_PROGRAM_WORDS,
        "opcodes": ins.opcode_table(),
        "payload_masks": ins.payload_masks(ins.Direction.TO_CHIP),
        "fields": {f"{i.name}.{f.name}": (f.lsb, f.width)
                   for i in ins.INSTRUCTIONS for f in i.fields},
        "error_codes": {c.name: int(c) for c in ins.ErrorCode},
    }


@lru_cache(maxsize=1)
def _tables():
    # flat_register_map() takes ~0.2 s; every emulator of a process shares it.
    from haldls.tables import flat_register_map
    return flat_register_map(), wire_spec(), chip_geometry()


class Emulator(_core.Emulator):
    """One emulated HX v3 chip behind its FPGA executor.

    ``chip_id`` (uint64) is the chip's identity: it fixes the fixed-pattern
    mismatch of the analog core (:func:`chipmodel.transfer.draw_mismatch`).

    Analog options (see docs/hxsim-analog.md):

    - ``ideal``: no mismatch (every instance at the nominal transfer functions);
    - ``noise``: membrane noise density in mV/sqrt(us) (``True``: the default
      magnitude, ``False``/0: off, the default); ``noise_seed`` seeds it;
    - ``dt``: integration step of the neurons in us (default 0.1);
    - ``analog``: ``False`` installs the digital-only core (no dynamics).

    ``max_response_words`` bounds the response of one ``execute`` (recorded
    events beyond it are dropped and reported by one ERROR INTERNAL).

    Main API (all in C++): ``execute(words) -> words`` (uint64 arrays; the
    state persists across calls), ``chip_id``, ``systime``, ``timer``,
    ``stats``; test aids ``peek``, ``poke``, ``field_values``,
    ``analog_inspect`` and the test hooks ``debug_schedule_*``; in Python
    :meth:`mismatch` and :attr:`options`.
    """

    def __init__(self, chip_id: int = 0, *, ideal: bool = False, noise=0.0, noise_seed: int = 0,
                 dt: float = 0.1, analog: bool = True, max_response_words: int = 1 << 24):
        chip_id = int(chip_id)
        if not 0 <= chip_id < 2**64:
            raise ValueError(f"chip_id {chip_id} must lie in [0, 2**64 - 1]")
        if max_response_words < 1:
            raise ValueError(f"max_response_words {max_response_words} must be >= 1")
        from chipmodel.transfer import CONSTANTS
        if noise is True:
            noise = CONSTANTS["default_noise_mv_per_sqrt_us"]
        noise = float(noise or 0.0)
        if not (np.isfinite(noise) and noise >= 0):
            raise ValueError(f"noise = {noise} mV/sqrt(us) must be >= 0")
        dt = float(dt)
        if not (np.isfinite(dt) and 0 < dt <= 10.0):
            raise ValueError(f"dt = {dt} us must lie in (0, 10]")
        if not 0 <= int(noise_seed) < 2**64:
            raise ValueError(f"noise_seed {noise_seed} must lie in [0, 2**64 - 1]")
        regmap, wire, geometry = _tables()
        setup = None
        self._mismatch = {}
        if analog:
            from .analog import analog_geometry, transfer_tables
            tables, self._mismatch = transfer_tables(chip_id, bool(ideal))
            setup = dict(tables, dt=dt, noise=noise, noise_seed=int(noise_seed),
                         geometry=analog_geometry())
        self.options = dict(ideal=bool(ideal), noise=noise, noise_seed=int(noise_seed), dt=dt,
                            analog=bool(analog))
        super().__init__(regmap, wire, geometry, chip_id, int(max_response_words), setup)

    def mismatch(self) -> Dict[str, np.ndarray]:
        """The fixed-pattern mismatch of this chip (copies): ``"<transfer>.gain"``,
        ``"<transfer>.offset"`` and the extra arrays (see chipmodel.transfer)."""
        return {k: v.copy() for k, v in self._mismatch.items()}

    def __repr__(self) -> str:
        return (f"hxsim.Emulator(chip_id={self.chip_id}, systime={self.systime}, "
                f"core={self.core_name!r})")
