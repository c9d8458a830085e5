"""A grenade network on the emulated chip, run in chunks of time steps (no Lava needed).

:class:`ChunkedChip` is the engine of Lava's ``BrainScaleS2`` process (:mod:`grenade.lava.bss2`):
it takes the input spikes of ``chunk`` time steps as a boolean raster, runs the chip for that
chunk's hardware time and returns the output spikes as a raster of the same steps.  Chunks
continue one another on one connection: the configuration is written once (later runs are
differential and write nothing), membranes and synaptic currents carry over, and only before
the first chunk the chip idles ``settle_ms`` so that the membranes start at their leak.

Time: step ``s`` (counted over all chunks) is the hardware interval ``[s, s + 1) * step_ms``,
rounded to FPGA cycles (8 ns) as one continuous run rounds it; an input spike of step ``s`` is
sent at ``s * step_ms``, a chip spike at hardware time ``tau`` lands in step ``floor(tau /
step_ms)``.  Several spikes of one neuron in one step count once.  The emulator's clock does not
advance between two programs and a chunk's program starts its realtime section without a
wait (``ChunkedChip.gap_ms``, the chip time of a program beyond its chunk, measured on the
second chunk, is 0).  But every run resets the chip's systime, and the emulator then moves its
integration grid (``dt``, 0.1 us by default) so that a grid point falls on that instant: a
chunk that ends off the grid loses up to one integration step of chip time.  So every chunk
must end on the grid (a whole number of integration steps and of FPGA cycles after the first
chunk's start; with ``step_ms`` = 1e-4, one step of 0.1 us, an even number of steps), and then
any chunking gives exactly the output of one run (tests/grenade/test_lava_bss2.py); with
``strict=False`` other chunk lengths run, shifted slightly.

The connection is opened lazily, on the first :meth:`ChunkedChip.run_chunk` call, so an object
built before a ``fork`` (Lava starts one process per Lava process) opens its emulator in the
child that uses it.
"""
from __future__ import annotations

import time
from typing import Callable, Optional, Sequence

import numpy as np

from ..inputs import FPGA_CYCLES_PER_MS, InputGenerator
from ..network import ExternalSourcePopulation, Network, Population

__all__ = ["ChunkedChip"]


class ChunkedChip:
    """``network`` (a grenade Network) run chunk by chunk on an emulated chip.

    ``inputs``: descriptors of its ``ExternalSourcePopulation``\\ s, in the order their neurons
    are concatenated into the input raster's columns; ``outputs``: descriptors of its
    ``Population``\\ s, concatenated likewise into the output raster; ``initial_config``: the
    chip the network is written on (a calibration result with ``to_chip()`` or a ``lola.Chip``;
    None: defaults); ``step_ms``: hardware ms per time step; ``settle_ms``: hardware ms idled
    before the first chunk; ``connect``: a function returning a context manager that yields a
    connection (default ``hxcomm.ManagedConnection``), called on the first chunk; ``strict``:
    :meth:`run_chunk` raises ValueError for a chunk that does not end on the emulator's
    integration grid (module docstring), else runs it.

    Raises ValueError for descriptors of the wrong kind, a ``step_ms`` below one FPGA cycle or
    a negative ``settle_ms``."""

    def __init__(self, network: Network, inputs: Sequence, outputs: Sequence, initial_config=None, *,
                 step_ms: float, settle_ms: float = 0.0, connect: Optional[Callable] = None, strict: bool = True):
        if not isinstance(network, Network):
            raise TypeError(f"network must be a grenade Network, got {type(network).__name__}")
        if not step_ms * FPGA_CYCLES_PER_MS >= 1:
            raise ValueError(f"step_ms must be at least one FPGA cycle ({1 / FPGA_CYCLES_PER_MS:g} hardware ms), "
                             f"got {step_ms!r}")
        if not settle_ms >= 0:
            raise ValueError(f"settle_ms must be >= 0 hardware ms, got {settle_ms!r}")
        for what, descs, kind in (("inputs", inputs, ExternalSourcePopulation), ("outputs", outputs, Population)):
            for d in descs:
                p = network.populations[d.index] if 0 <= d.index < len(network.populations) else None
                if not isinstance(p, kind):
                    raise ValueError(f"{what}: {d!r} is not a {kind.__name__} of the network")
        self.network = network
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.initial_config = initial_config
        self.step_ms = float(step_ms)
        self.settle_ms = float(settle_ms)
        self.n_in = int(sum(network.populations[d.index].size for d in self.inputs))
        self.n_out = int(sum(network.populations[d.index].size for d in self.outputs))
        self._connect = connect
        self.strict = bool(strict)
        self._context = None
        self._connection = None
        self._routing = None
        #: chunks and time steps run so far
        self.chunks = 0
        self.steps_run = 0
        #: wall seconds spent in the chip runs
        self.run_s = 0.0
        #: hardware ms between the end of one chunk and the start of the next (None before two chunks)
        self.gap_ms: Optional[float] = None

    def _open(self):
        if self._connection is None:
            if self._connect is None:
                import hxcomm
                self._context = hxcomm.ManagedConnection()
            else:
                self._context = self._connect()
            self._connection = self._context.__enter__()
        return self._connection

    def run_chunk(self, spikes: np.ndarray) -> np.ndarray:
        """Run one chunk: ``spikes`` is a boolean raster ``(steps, n_in)``; returns the output
        raster ``(steps, n_out)`` (bool).  Raises ValueError for a raster of the wrong shape."""
        from ..execution import run
        from ..routing import route
        spikes = np.asarray(spikes)
        if spikes.ndim != 2 or spikes.shape[1] != self.n_in or spikes.shape[0] < 1:
            raise ValueError(f"input raster must have shape (steps >= 1, {self.n_in}), got {spikes.shape}")
        steps = spikes.shape[0]
        connection = self._open()
        if self._routing is None:
            self._routing = route(self.network)
        # the chunk's place on the chip's time axis, in whole FPGA cycles: chunk boundaries and
        # input spikes round as one continuous run would round them, so no rounding accumulates
        s0 = self.steps_run
        cycles = self.step_ms * FPGA_CYCLES_PER_MS
        if self.strict:
            self._check_boundary(connection, (s0 + steps) * cycles)
        start = int(np.rint(s0 * cycles))
        runtime = int(np.rint((s0 + steps) * cycles)) - start
        gen = InputGenerator(self.network, batch_size=1, runtime=runtime / FPGA_CYCLES_PER_MS)
        col = 0
        for d in self.inputs:
            size = self.network.populations[d.index].size
            gen.add([(np.rint((s0 + np.flatnonzero(spikes[:, col + i])) * cycles) - start) / FPGA_CYCLES_PER_MS
                     for i in range(size)], d)
            col += size
        t0 = time.perf_counter()
        before = _systime(connection)
        res = run(connection, self.network, self._routing, inputs=gen, initial_config=self.initial_config,
                  inter_batch_entry_wait=self.settle_ms if self.chunks == 0 else 0.0)
        after = _systime(connection)
        self.run_s += time.perf_counter() - t0
        if self.chunks == 1 and before is not None:
            # a chunk's program lasts its realtime section plus the start-up of the run: that
            # start-up is the chip time between the end of one chunk and the start of the next
            self.gap_ms = (after - before - runtime) / FPGA_CYCLES_PER_MS
        self.chunks += 1
        self.steps_run += steps
        out = np.zeros((steps, self.n_out), bool)
        col = 0
        for d in self.outputs:
            s = res.spikes(d)
            row = np.floor((start + s["time"] * FPGA_CYCLES_PER_MS) / cycles + 1e-9).astype(np.int64) - s0
            keep = (row >= 0) & (row < steps)
            out[row[keep], col + s["neuron"][keep]] = True
            col += self.network.populations[d.index].size
        return out

    def check_chunk(self, steps: int, connection=None) -> None:
        """Raise ValueError unless chunks of ``steps`` steps end on the integration grid of the
        emulator behind ``connection`` (None: hxsim's default grid, 0.1 us)."""
        self._check_boundary(connection, steps * self.step_ms * FPGA_CYCLES_PER_MS)

    def _check_boundary(self, connection, end_cycles: float) -> None:
        options = dict(getattr(connection, "emulator_options", None) or {})
        grid = float(options.get("dt", _INTEGRATION_US)) * FPGA_CYCLES_PER_MS * 1e-3
        k = end_cycles / grid
        if abs(end_cycles - round(end_cycles)) > 1e-6 or abs(k - round(k)) > 1e-6:
            raise ValueError(
                f"a chunk ending after {end_cycles / FPGA_CYCLES_PER_MS * 1e3:g} us of chip time does not end on "
                f"the emulator's integration grid ({grid / FPGA_CYCLES_PER_MS * 1e3:g} us and whole 8 ns cycles): "
                f"each run restarts the grid at its start, so the chip would lose up to one integration step "
                f"per chunk; choose chunk lengths (steps x step_ms) on the grid, or strict=False to accept that")

    def close(self) -> None:
        """Close the connection (if one was opened); the object can be run again afterwards."""
        if self._context is not None:
            context, self._context, self._connection = self._context, None, None
            context.__exit__(None, None, None)

    def __del__(self):
        try:
            self.close()
        except Exception:   # noqa: BLE001 -- interpreter shutdown: nothing left to report to
            pass


def _systime(connection):
    """The emulated chip's clock in FPGA cycles, if the connection exposes it (else None)."""
    now = getattr(getattr(connection, "emulator", None), "now", None)
    return None if now is None else int(now)


#: hxsim.Emulator's default integration step (us), for connections that do not say theirs
_INTEGRATION_US = 0.1
