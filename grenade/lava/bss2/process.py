"""The ``BrainScaleS2`` Lava process and its CPU process model (see :mod:`grenade.lava.bss2`).

Lava looks for process models in the module of the process and then executes every module of
its directory: this directory holds only this module, and the module does nothing on import
but define the two classes.
"""
import sys
import traceback

import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from grenade.lava.chunked import ChunkedChip

__all__ = ["BrainScaleS2", "PyBrainScaleS2Model"]


class BrainScaleS2(AbstractProcess):
    """A grenade network on the emulated BSS-2 chip, as a Lava process.

    Ports: ``s_in`` (InPort, one entry per neuron of ``inputs``, concatenated) and ``s_out``
    (OutPort, one entry per neuron of ``outputs``, concatenated).  ``network``, ``inputs``
    (``ExternalSourcePopulation`` descriptors), ``outputs`` (``Population`` descriptors),
    ``initial_config`` (a calibration result or ``lola.Chip``), ``step_ms`` (hardware ms per
    Lava time step), ``settle_ms``, ``connect`` and ``strict`` are those of
    :class:`grenade.lava.chunked.ChunkedChip`; ``chunk``: time steps run on the chip at once
    (``chunk * step_ms`` on the emulator's integration grid, 0.1 us by default, and whole FPGA
    cycles: then the chunked run equals one continuous run).

    Timing: the input of Lava time step ``t`` (1-based) is sent to the chip at hardware time
    ``((t - 1) mod chunk) * step_ms`` of its chunk; a chip spike in step ``k`` of a chunk is
    sent on ``s_out`` at step ``k`` of the next chunk, i.e. exactly ``chunk`` steps late; during
    the first chunk ``s_out`` carries no spikes, and the last, incomplete chunk of a run is
    not run.  Several spikes of a neuron in one step are sent as one.  Var ``chunks_run`` counts
    the chunks run on the chip.

    Raises ValueError for ``chunk < 1``, a chunk off the grid (``strict``) and the errors of
    :class:`ChunkedChip`."""

    def __init__(self, *, network, inputs, outputs, initial_config=None, step_ms: float, chunk: int = 100,
                 settle_ms: float = 0.0, connect=None, strict: bool = True, **kwargs):
        if not isinstance(chunk, (int, np.integer)) or chunk < 1:
            raise ValueError(f"chunk must be a positive number of time steps, got {chunk!r}")
        chip = ChunkedChip(network, inputs, outputs, initial_config, step_ms=step_ms, settle_ms=settle_ms,
                           connect=connect, strict=strict)  # validates; connects in the process model's process
        if strict:
            chip.check_chunk(int(chunk))
        super().__init__(chip=chip, chunk=int(chunk), **kwargs)
        self.s_in = InPort(shape=(chip.n_in,))
        self.s_out = OutPort(shape=(chip.n_out,))
        self.chunks_run = Var(shape=(1,), init=0)

    @classmethod
    def from_nir(cls, imported, calibration, *, dt: float, chunk: int = 100, **kwargs) -> "BrainScaleS2":
        """The chip running a :class:`grenade.nir.NIRImport` with ``calibration`` (a calix result
        of ``imported.calib_target()``): ``s_in`` is the graph's Input nodes (in import order,
        concatenated), ``s_out`` its spiking neuron nodes (``CubaLIF``, ``LIF``), ``dt`` the Lava
        time step in the import's ``time_unit``; the membranes settle for ten of their longest
        time constants before the first chunk, as :meth:`NIRImport.run` does."""
        inputs = [desc for desc, _ in imported.inputs.values()]
        outputs = [g.population for g in imported.groups.values() if "v_threshold" in g.params]
        settle_ms = 10 * max((float(g.hardware["tau_mem"].max()) for g in imported.groups.values()),
                             default=0.0) * 1e3
        kwargs.setdefault("settle_ms", settle_ms)
        return cls(network=imported.network, inputs=inputs, outputs=outputs, initial_config=calibration,
                   step_ms=float(imported.to_hardware_ms(dt)), chunk=chunk, **kwargs)


@implements(proc=BrainScaleS2, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "floating_pt")
class PyBrainScaleS2Model(PyLoihiProcessModel):
    """Buffers ``chunk`` steps of input, runs them on the chip, sends the output a chunk later.

    Each step sends first and receives second, so the chip can sit in a loop of Lava processes
    (its output never waits for the same step's input)."""
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    chunks_run: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._chip: ChunkedChip = proc_params["chip"]
        self._chunk = int(proc_params["chunk"])
        self._inputs = np.zeros((self._chunk, self._chip.n_in), bool)
        self._pending = np.zeros((self._chunk, self._chip.n_out), np.int32)
        self._k = 0

    def run_spk(self):
        """One time step: send the previous chunk's row, buffer this step's input, run a full chunk."""
        self.s_out.send(self._pending[self._k])
        self._inputs[self._k] = self.s_in.recv() != 0
        self._k += 1
        if self._k == self._chunk:
            try:
                self._pending = self._chip.run_chunk(self._inputs).astype(np.int32)
            except BaseException:
                # Lava 0.10 reports only "1 Exception(s) occurred. See output above" and its child
                # process prints the traceback only when it ends, which it may never do: print it now
                sys.stderr.write(f"BrainScaleS2 process model, time step {self.time_step}:\n"
                                 f"{traceback.format_exc()}")
                sys.stderr.flush()
                raise
            self._inputs[:] = False
            self._k = 0
            self.chunks_run[0] = self._chip.chunks

    def _stop(self):
        # Lava's stop command: close the chip's connection, then stop as every process model does
        self._chip.close()
        super()._stop()
