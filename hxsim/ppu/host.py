"""The emulated chip's plasticity processors: the host side of kernel calls.

The emulator pauses (``Emulator.ppu_due``) when a PPU starts, at each of its kernel calls and
when it stops.  :class:`PPUHost` serves these pauses for the in-process connection:

* start: read the program image from the PPU's memory (:mod:`haldls.ppu_program`), compile its
  kernels (cached), load them into the guarded worker, apply injected PPU symbols, and hand the
  call times to the emulator;
* call: read what the due rules' handles see from the chip at this moment (weights, correlation
  sensors through the CADC, spike counters, CADC membrane readouts) over the PPU's bus, run the
  kernels, write back what they changed (weights, correlation and counter resets);
* stop: leave the kernels' globals (PPU symbols) in the PPU's memory for the host to read.

C++ kernels run in a worker process (:mod:`hxsim.ppu.worker`): a crash or an endless loop ends
the run with :class:`PPUKernelError`, the user's process lives on.
"""
from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
from functools import lru_cache
from multiprocessing import shared_memory
from typing import Dict, List, Optional

import numpy as np

from haldls.ppu_program import (PPU_MEMORY_WORDS, SYMBOLS_MAGIC, decode_image, encode_image,
                                python_kernel)
from haldls.register_map import REGISTERS_BY_NAME

from . import worker as _worker_module
from .compiler import compile_kernel, kernel_symbols, recording_layout
from .handles import NeuronView, SynapseView
from .state import STATE_DTYPE
from .worker import read_message, write_message

__all__ = ["PPUHost", "PPUKernelError", "KERNEL_TIMEOUT_S", "FPGA_CYCLES_PER_MS"]

FPGA_CYCLES_PER_MS = 125_000
#: wall-clock budget of one kernel call (seconds; $OPENHX_PPU_KERNEL_TIMEOUT)
KERNEL_TIMEOUT_S = float(os.environ.get("OPENHX_PPU_KERNEL_TIMEOUT", "10"))


class PPUKernelError(RuntimeError):
    """A plasticity kernel failed on the emulated PPU (crash, exception, time budget): the run
    ends, the chip keeps its state."""


def _addresses(name: str, *index) -> np.ndarray:
    """Omnibus addresses of register ``name`` at the broadcast index arrays ``index``."""
    r = REGISTERS_BY_NAME[name]
    a = np.full(np.broadcast(*index).shape if index else (), r.base, dtype=np.int64)
    for i, s in zip(index, r.strides):
        a = a + np.asarray(i, dtype=np.int64) * s
    return a.astype(np.uint32).ravel()


def _enum_addresses(name: str, enums) -> np.ndarray:
    """Omnibus addresses of register ``name`` at coordinate enums (mixed radix)."""
    r = REGISTERS_BY_NAME[name]
    e = np.asarray(enums, dtype=np.int64)
    a = np.full(e.shape, r.base, dtype=np.int64)
    for radix, stride in zip(reversed(r.radices), reversed(r.strides)):
        a += (e % radix) * stride
        e = e // radix
    return a.astype(np.uint32).ravel()


_LANE_SHIFT = np.array([24, 16, 8, 0], dtype=np.uint32)   # entry 0 in the highest byte


@lru_cache(maxsize=1)
def _quad_columns() -> np.ndarray:
    """(64, 4): the column of entry e of quad column q (SynapseQuadColumnOnDLS, EntryOnQuad)."""
    from ..analog import analog_geometry
    return np.asarray(analog_geometry()["quad_columns"], dtype=np.int64)


@lru_cache(maxsize=1)
def _spike_counter_enums() -> np.ndarray:
    """(2, 256): SpikeCounterReadOnDLS enum of the neuron (hemisphere, column)."""
    import halco
    out = np.zeros((2, 256), dtype=np.int64)
    for hh in (0, 1):
        for c in range(256):
            out[hh, c] = int(halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(c), halco.NeuronRowOnDLS(hh))
                             .toSpikeCounterReadOnDLS().toEnum())
    return out


def _rows_of(words: np.ndarray, mask: int) -> np.ndarray:
    """Quad words (rows x 64) -> (rows, 256) entries by column."""
    words = words.reshape(-1, 64)
    lanes = ((words[:, :, None] >> _LANE_SHIFT[None, None, :]) & mask).astype(np.uint8)
    out = np.zeros((len(words), 256), dtype=np.uint8)
    out[:, _quad_columns()] = lanes
    return out


def _pack(rows_values: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """Words of quad columns ``quads`` from their rows' entries by column (n, 256)."""
    lanes = rows_values[np.arange(len(quads))[:, None], _quad_columns()[quads]].astype(np.uint32)
    return (lanes << _LANE_SHIFT[None, :]).sum(axis=1).astype(np.uint32)


class _Rule:
    def __init__(self, spec: dict, index: int):
        self.spec = spec
        self.key = f"{spec.get('name', 'rule')}#{index}"
        self.name = spec.get("name", f"rule {index}")
        start, period, num = spec["timer"]
        self.offsets = np.round((start + period * np.arange(int(num))) * FPGA_CYCLES_PER_MS).astype(np.int64)
        self.next = [0, 0]
        self.syn = spec.get("synapse_handles", [])
        self.nrn = spec.get("neuron_handles", [])
        self.rows = [sorted({r for s in self.syn if s["hemisphere"] == h for r in s["rows"]}) for h in (0, 1)]
        self.columns = [sorted({c for n in self.nrn if n["hemisphere"] == h for c in n["columns"]}) for h in (0, 1)]
        src = spec.get("source") or ""
        py = spec.get("python")
        self.python = python_kernel(py) if py else None
        self.needs = {"correlation": self.python is not None or "correlation" in src,
                      "rate": self.python is not None or "rate_counter" in src,
                      "cadc": self.python is not None or "analog_readouts" in src}
        self.shm = shared_memory.SharedMemory(create=True, size=STATE_DTYPE.itemsize)
        self.state = np.ndarray((), dtype=STATE_DTYPE, buffer=self.shm.buf)
        self.state[()] = np.zeros((), dtype=STATE_DTYPE)
        st = self.state
        st["num_synapse_handles"], st["num_neuron_handles"] = len(self.syn), len(self.nrn)
        for i, s in enumerate(self.syn):
            rec = st["synapse_handles"][i]
            rec["hemisphere"], rec["num_rows"], rec["num_columns"] = s["hemisphere"], len(s["rows"]), len(s["columns"])
            rec["rows"][:len(s["rows"])] = s["rows"]
            rec["columns"][:len(s["columns"])] = s["columns"]
        for i, n in enumerate(self.nrn):
            rec = st["neuron_handles"][i]
            rec["hemisphere"], rec["num_columns"] = n["hemisphere"], len(n["columns"])
            rec["columns"][:len(n["columns"])] = n["columns"]
        self.library = None
        self.symbols: Dict[str, tuple] = {}
        self.observables = spec.get("observables") or []
        shapes = ([(len(s["rows"]), len(s["columns"])) for s in self.syn], [len(n["columns"]) for n in self.nrn])
        self.layout = recording_layout(self.observables, *shapes) if self.observables else []
        self.field_offsets = None            # byte offsets of the Recording's fields (from the library)
        self.recordings = [[], []]           # per PPU: one decoded Recording per call
        if self.python is None:
            self.library = compile_kernel(src, len(self.syn), len(self.nrn), self.observables, *shapes)
            self.symbols = kernel_symbols(self.library)
            size = sum(n for k, (_, n) in self.symbols.items() if k != "__entry__")
            if size > PPU_MEMORY_WORDS * 4:
                raise PPUKernelError(f"the globals of the kernel of {self.name} take {size} bytes; a PPU's memory "
                                     f"holds {PPU_MEMORY_WORDS * 4} (code and stack included on the chip)")
        self.views = None

    def decode_recording(self) -> dict:
        """The Recording of the last call as JSON-able lists: ``time`` and per observable a
        list over its elements (handles) of nested lists."""
        raw = self.state["recording"]
        n = int(self.state["recording_size"])
        data = bytes(raw[:n])
        out = {"time": int(np.frombuffer(data, "<u8", 1, self.field_offsets[0])[0])}
        i = 1
        for name, elems in self.layout:
            values = []
            for dt, shape in elems:
                count = int(np.prod(shape))
                values.append(np.frombuffer(data, dt, count, self.field_offsets[i]).reshape(shape).tolist())
                i += 1
            out[name] = values
        return out

    def close(self):
        self.state = None
        try:
            self.shm.close()
            self.shm.unlink()
        except (FileNotFoundError, BufferError):
            pass


class PPUHost:
    """Serves the PPU pauses of one emulator (see the module doc)."""

    def __init__(self):
        self._worker: Optional[subprocess.Popen] = None
        self._rules: List[_Rule] = []
        self._image_key = None
        self._start = [None, None]
        self.calls = 0

    # -- the pause -------------------------------------------------------------------------
    def serve(self, emulator) -> None:
        """Serve the emulator's pending PPU events (start / calls / stop), then let it go on.
        Raises :class:`PPUKernelError` (the rules are unloaded) when a kernel fails."""
        due = int(emulator.ppu_due)
        try:
            for h in (0, 1):
                if due & (4 << h):
                    self._on_start(emulator, h)
            for h in (0, 1):
                if due & (1 << h):
                    self._on_call(emulator, h)
            for h in (0, 1):
                if due & (16 << h):
                    self._on_stop(emulator, h)
        except BaseException:
            self.unload()
            raise
        finally:
            emulator.ppu_done()

    def _on_start(self, emulator, h: int) -> None:
        words = emulator.bus_read(_addresses("PPUMemoryWord", h, np.arange(PPU_MEMORY_WORDS)))
        content = decode_image(words)
        if content is None:
            self._start[h] = int(emulator.now)
            return
        key = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        other = self._start[1 - h]
        # a program starts afresh (globals initialised) unless the other PPU runs it already
        if key != self._image_key or other is None:
            self.unload()
            self._rules = [_Rule(spec, i) for i, spec in enumerate(content.get("rules", []))]
            self._image_key = key
            for r in self._rules:
                if r.library is not None:
                    for p in (0, 1):
                        self._request(("load", (r.key, p), str(r.library), r.shm.name, STATE_DTYPE.itemsize,
                                       r.symbols, p == 1), r, "loading")
                for name, hexdata in (r.spec.get("symbols") or {}).items():
                    for p in (0, 1):
                        self._set_symbol(r, p, name, bytes.fromhex(hexdata))
        self._start[h] = int(emulator.now)
        for r in self._rules:
            r.next[h] = 0
        offsets = np.unique(np.concatenate([r.offsets for r in self._rules] or [np.zeros(0, np.int64)]))
        emulator.set_ppu_schedule(offsets.astype(np.uint64))

    def _on_call(self, emulator, h: int) -> None:
        if self._start[h] is None:
            return
        t = int(emulator.now) - self._start[h]
        for r in self._rules:
            due = False
            while r.next[h] < len(r.offsets) and r.offsets[r.next[h]] <= t:
                r.next[h] += 1
                due = True
            if due:
                self._run(emulator, r, h, t)

    def _on_stop(self, emulator, h: int) -> None:
        self._start[h] = None
        if not self._rules:
            return
        out, recordings = {}, {}
        for r in self._rules:
            if r.library is not None and r.symbols and r.spec.get("read_symbols", True):
                ok, data = self._request(("symbols", (r.key, h)), r, "reading the symbols of")
                out[r.name] = {k: v.hex() for k, v in data.items()}
            if r.observables:
                recordings[r.name] = r.recordings[h]
                r.recordings[h] = []
        if out or recordings:
            # the kernels' globals and observables stay in the PPU's memory for the host to read
            try:
                words = encode_image({"symbols": out, "recordings": recordings}, magic=SYMBOLS_MAGIC)
            except ValueError:
                words = encode_image({"symbols": {}, "recordings": {}, "error": "the PPU symbols and observables "
                                      "of this run exceed the PPU memory (16 KiB per PPU): record fewer "
                                      "observables or calls"}, magic=SYMBOLS_MAGIC)
            emulator.bus_write(_addresses("PPUMemoryWord", h, np.arange(len(words))), words)
        if self._start[1 - h] is None:
            self.unload()  # both PPUs stopped: the next start loads the program afresh

    # -- one call --------------------------------------------------------------------------
    def _run(self, emulator, r: _Rule, h: int, t: int) -> None:
        st = r.state
        st["now"] = t * 2  # PPU cycles (250 MHz)
        st["ppu"] = h
        st["neuron_reset"] = 0
        # the flags are cleared after each write-back (only where they were set: cheap)
        rows = np.asarray(r.rows[h], dtype=np.int64)
        q = np.arange(64)
        if len(rows):
            w = emulator.bus_read(_addresses("SynapseWeightQuad", h, rows[:, None], q[None, :]))
            st["weights"][h][rows] = _rows_of(w, 0x3f)
            if r.needs["correlation"]:
                for kind, field in ((0, "causal"), (1, "acausal")):
                    c = emulator.bus_read(_addresses("CADCSampleQuad", h, 0, kind, rows[:, None], q[None, :]))
                    st[field][h][rows] = _rows_of(c, 0xff)
        if r.columns[h]:
            cols = np.asarray(r.columns[h], dtype=np.int64)
            if r.needs["rate"]:
                cnt = emulator.bus_read(_enum_addresses("SpikeCounterRead", _spike_counter_enums()[h, cols]))
                over = (cnt >> 8) & 1
                st["rate"][h][cols] = np.where(over, 255, cnt & 0xff)
            if r.needs["cadc"]:
                st["cadc"][h] = self._membranes(emulator, h)
        self.calls += 1
        if r.python is not None:
            self._run_python(r, h, t)
        else:
            ok, rc = self._request(("call", (r.key, h)), r, "running")
            if rc != 0:
                msg = bytes(st["error"]).split(b"\0")[0].decode(errors="replace")
                raise PPUKernelError(f"plasticity kernel of {r.name} on PPU {h} at {t / FPGA_CYCLES_PER_MS:.4f} ms "
                                     f"threw: {msg}")
            if r.observables:
                if r.field_offsets is None:
                    n = 1 + sum(len(e) for _, e in r.layout)
                    r.field_offsets = self._request(("layout", (r.key, h), n), r, "reading the recording layout of")[1]
                r.recordings[h].append(r.decode_recording())
        self._write_back(emulator, r, h)

    def _membranes(self, emulator, h: int) -> np.ndarray:
        # the CADC reads the neurons instead of the correlation sensors while the columns'
        # neuron-readout switches are on (causal channel of row 0), as the PPU does it
        cq = _addresses("ColumnCorrelationQuad", h, np.arange(64))
        old = emulator.bus_read(cq)
        emulator.bus_write(cq, old | np.uint32(0x10101010))
        v = emulator.bus_read(_addresses("CADCSampleQuad", h, 0, 0, 0, np.arange(64)))
        emulator.bus_write(cq, old)
        return _rows_of(v, 0xff)[0]

    def _run_python(self, r: _Rule, h: int, t: int) -> None:
        if r.views is None:
            r.views = ([SynapseView(r.state, s) for s in r.syn], [NeuronView(r.state, n) for n in r.nrn])
        try:
            r.python(r.views[0], r.views[1], h, t * 2)
        except Exception as e:
            raise PPUKernelError(f"Python plasticity kernel of {r.name} on PPU {h} at {t / FPGA_CYCLES_PER_MS:.4f} ms "
                                 f"raised {type(e).__name__}: {e}") from e

    def _write_back(self, emulator, r: _Rule, h: int) -> None:
        st = r.state
        qc = _quad_columns()
        for flags, register, write_values in ((st["weights_dirty"][h], "SynapseWeightQuad", True),
                                              (st["correlation_reset"][h], "CorrelationReset", False)):
            touched = np.flatnonzero(flags.any(axis=1))                # rows with a flag (set_weights: view rows)
            if not len(touched):
                continue
            rows, quads = np.nonzero(flags[touched][:, qc].any(axis=2))
            rows = touched[rows]
            if write_values:
                words = _pack(st["weights"][h][rows] & 0x3f, quads)
            else:
                words = np.zeros(len(rows), np.uint32)
            emulator.bus_write(_addresses(register, h, rows, quads), words)
            flags[touched] = 0
        cols = np.flatnonzero(st["rate_reset"][h])
        if len(cols):
            emulator.bus_write(_enum_addresses("SpikeCounterReset", _spike_counter_enums()[h, cols]),
                               np.zeros(len(cols), np.uint32))
            st["rate_reset"][h][cols] = 0
        if int(st["neuron_reset"]) & (1 << h):
            emulator.bus_write(_addresses("NeuronResetQuad", h, np.arange(64)), np.zeros(64, np.uint32))

    # -- the worker ------------------------------------------------------------------------
    def _ensure_worker(self) -> subprocess.Popen:
        if self._worker is None or self._worker.poll() is not None:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
            # run as a file: the worker needs the standard library only (fast start, no emulator)
            self._worker = subprocess.Popen([sys.executable, _worker_module.__file__], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, env=env)
        return self._worker

    def _request(self, msg, r: _Rule, what: str):
        w = self._ensure_worker()
        try:
            write_message(w.stdin, msg)
            ready, _, _ = select.select([w.stdout], [], [], KERNEL_TIMEOUT_S)
            reply = read_message(w.stdout) if ready else "timeout"
        except (BrokenPipeError, OSError):
            reply = None
        if reply == "timeout":
            self._kill_worker()
            raise PPUKernelError(f"plasticity kernel of {r.name}: {what} it did not end within {KERNEL_TIMEOUT_S} s "
                                 f"of wall time (an endless loop?; $OPENHX_PPU_KERNEL_TIMEOUT sets the budget)")
        if reply is None:
            rc = w.wait()
            self._worker = None
            sig = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit code {rc}"
            raise PPUKernelError(f"plasticity kernel of {r.name} crashed while {what} it ({sig}); the emulated "
                                 f"chip keeps its state, the run ends")
        status, value = reply
        if status != "ok":
            raise PPUKernelError(f"plasticity kernel of {r.name}: {what} it failed: {value}")
        return True, value

    def _set_symbol(self, r: _Rule, ppu: int, name: str, data: bytes) -> None:
        if r.python is not None:
            raise PPUKernelError(f"PPU symbol {name!r}: {r.name} is a Python kernel, it has no PPU symbols")
        if name not in r.symbols:
            raise PPUKernelError(f"PPU symbol {name!r} is not a global of the kernel of {r.name}; it has: "
                                 f"{', '.join(sorted(r.symbols)) or 'none'}")
        self._request(("set_symbol", (r.key, ppu), name, data), r, f"writing symbol {name!r} of")

    def _kill_worker(self) -> None:
        if self._worker is not None:
            try:
                self._worker.kill()
                self._worker.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._worker = None

    def unload(self) -> None:
        """Forget the loaded rules (their worker state and shared memory)."""
        for r in self._rules:
            r.close()
        self._rules = []
        self._image_key = None
        # libraries stay loaded in the worker; a fresh worker starts clean
        self._kill_worker()

    def close(self) -> None:
        """Stop the worker and free the shared memory."""
        self.unload()
