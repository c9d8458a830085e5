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
the run with :class:`PPUKernelError`, the user's process lives on.  The worker lives as long as
the host (one per connection); the data of a call travel in shared memory, a call itself is one
small record over a pipe, and the calls of both PPUs at one moment share one round trip.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
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
from .worker import CALL, CALL_REPLY, CALLS_FLAG, read_exact, write_all

_CALLS_HEAD = struct.Struct("<I")

__all__ = ["PPUHost", "PPUKernelError", "KERNEL_TIMEOUT_S", "FPGA_CYCLES_PER_MS"]

FPGA_CYCLES_PER_MS = 125_000
#: wall-clock budget of one kernel call (seconds; $OPENHX_PPU_KERNEL_TIMEOUT)
KERNEL_TIMEOUT_S = float(os.environ.get("OPENHX_PPU_KERNEL_TIMEOUT", "10"))
#: how long the host waits for a kernel call awake before it sleeps (seconds; $OPENHX_PPU_SPIN_US)
SPIN_S = float(os.environ.get("OPENHX_PPU_SPIN_US", "500")) * 1e-6


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


@lru_cache(maxsize=None)
def _row_quad_addresses(name: str, h: int) -> np.ndarray:
    """(256, 64): the address of register ``name`` (a synapse-array quad) at hemisphere ``h``,
    row r, quad column q."""
    return _addresses(name, h, np.arange(256)[:, None], np.arange(64)[None, :]).reshape(256, 64)


def _rows_of(words: np.ndarray, mask: int) -> np.ndarray:
    """Quad words (rows x 64) -> (rows, 256) entries by column."""
    words = words.reshape(-1, 64)
    lanes = ((words[:, :, None] >> _LANE_SHIFT[None, None, :]) & mask).astype(np.uint8)
    out = np.zeros((len(words), 256), dtype=np.uint8)
    out[:, _quad_columns()] = lanes
    return out


def _identity(spec: dict, index: int) -> str:
    """What makes a rule the same kernel over the same handles in a later run: all of its spec
    but the timers (clipped to each run), the injected symbols, the readout wish and the Python
    kernel's per-run token."""
    keep = {k: v for k, v in spec.items() if k not in ("timer", "timers", "symbols", "read_symbols", "python", "scope")}
    keep["python"] = bool(spec.get("python"))
    keep["index"] = index
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()


_RULE_COUNTER = itertools.count()


class _Rule:
    def __init__(self, spec: dict, index: int):
        # the worker's name of its kernels: unique, a rule replacing it may have the same name
        self.key = f"{spec.get('name', 'rule')}#{index}.{next(_RULE_COUNTER)}"
        self.name = spec.get("name", f"rule {index}")
        self.identity = _identity(spec, index)
        self.scope = None                    # the state scope its loaded kernels belong to
        self.slots = [None, None]            # the worker's slots of its kernel per PPU
        self.syn = spec.get("synapse_handles", [])
        self.nrn = spec.get("neuron_handles", [])
        self.rows = [sorted({r for s in self.syn if s["hemisphere"] == h for r in s["rows"]}) for h in (0, 1)]
        self.columns = [sorted({c for n in self.nrn if n["hemisphere"] == h for c in n["columns"]}) for h in (0, 1)]
        src = spec.get("source") or ""
        self.python = None
        self.retime(spec)
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
        # views of the state's fields (a field lookup on the record costs more than the work)
        self.f = {k: st[k] for k in ("weights", "causal", "acausal", "weights_dirty", "correlation_reset",
                                     "rate", "rate_reset", "cadc")}
        self.planes = [{k: v[h] for k, v in self.f.items() if v.ndim == 3} for h in (0, 1)]
        self.neuron_reset = st["neuron_reset"]             # a 0-d view
        self._bus = [self._addresses(h) for h in (0, 1)]
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

    def retime(self, spec: dict) -> None:
        """Take this run's timer, injected symbols and Python kernel from ``spec``."""
        self.spec = spec
        # one timer, or one per snippet of a program with several (times from the PPUs' start)
        timers = spec.get("timers") or [spec["timer"]]
        self.offsets = np.unique(np.concatenate(
            [np.round((start + period * np.arange(int(num))) * FPGA_CYCLES_PER_MS).astype(np.int64)
             for start, period, num in timers]))
        self.next = [0, 0]
        py = spec.get("python")
        self.python = python_kernel(py) if py else None
        self.recordings = [[], []]

    def _addresses(self, h: int) -> dict:
        """The bus addresses a call on PPU ``h`` reads (computed once per rule)."""
        rows = np.asarray(self.rows[h], dtype=np.int64)
        cols = np.asarray(self.columns[h], dtype=np.int64)
        q = np.arange(64)
        out = {"rows": rows, "cols": cols}
        if len(rows):
            out["weights"] = _addresses("SynapseWeightQuad", h, rows[:, None], q[None, :])
            out["cadc"] = [_addresses("CADCSampleQuad", h, 0, kind, rows[:, None], q[None, :]) for kind in (0, 1)]
        if len(cols):
            out["counters"] = _enum_addresses("SpikeCounterRead", _spike_counter_enums()[h, cols])
        return out

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
        self.f = {}
        self.planes = []
        self.neuron_reset = None
        self.views = None
        try:
            self.shm.close()
            self.shm.unlink()
        except (FileNotFoundError, BufferError):
            pass


class PPUHost:
    """Serves the PPU pauses of one emulator (see the module doc).

    The worker process and the loaded kernels outlive a run: a later run of the same rules
    (same kernels over the same handles) reuses them.  Its kernels keep their globals when the
    rule's ``scope`` (from the program image) is the previous run's and not None (PyNN: runs of
    one experiment between ``setup`` / ``reset``); else they are loaded afresh."""

    def __init__(self):
        self._worker: Optional[subprocess.Popen] = None
        self._rules: List[_Rule] = []
        self._running: List[List[_Rule]] = [[], []]      # the rules of each started PPU
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
            if due & 3:
                self._on_calls(emulator, [h for h in (0, 1) if due & (1 << h)])
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
            self._running[h] = []
            return
        key = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        other = self._start[1 - h]
        # a program starts afresh (its rules loaded, injected symbols written) unless the other
        # PPU runs it already
        if key != self._image_key or other is None:
            self._load(content.get("rules", []))
            self._image_key = key
        self._start[h] = int(emulator.now)
        self._running[h] = list(self._rules)
        for r in self._rules:
            r.next[h] = 0
        offsets = np.unique(np.concatenate([r.offsets for r in self._rules] or [np.zeros(0, np.int64)]))
        emulator.set_ppu_schedule(offsets.astype(np.uint64))

    def _load(self, specs: List[dict]) -> None:
        """Make ``specs`` the loaded rules, reusing what an earlier run loaded."""
        old = {r.identity: r for r in self._rules}
        self._rules = []
        try:
            for i, spec in enumerate(specs):
                r = old.pop(_identity(spec, i), None)
                if r is None:
                    r = _Rule(spec, i)
                else:
                    r.retime(spec)
                self._rules.append(r)
                scope = spec.get("scope")
                if r.library is not None and (scope is None or scope != r.scope or None in r.slots):
                    for p in (0, 1):
                        r.slots[p] = self._request(("load", (r.key, p), str(r.library), r.shm.name,
                                                    STATE_DTYPE.itemsize, r.symbols), r, "loading")[1]
                r.scope = scope
                for name, hexdata in (spec.get("symbols") or {}).items():
                    for p in (0, 1):
                        self._set_symbol(r, p, name, bytes.fromhex(hexdata))
        finally:
            for r in old.values():
                self._drop(r)

    def _drop(self, r: _Rule) -> None:
        try:
            if r.library is not None and None not in r.slots and self._worker is not None:
                for p in (0, 1):
                    self._request(("unload", (r.key, p)), r, "unloading")
        except PPUKernelError:
            pass   # the worker is gone: so is the kernel
        finally:
            r.close()

    def _on_calls(self, emulator, ppus: List[int]) -> None:
        # the rules due on each PPU, in their order
        due = {}
        for h in ppus:
            if self._start[h] is None:
                continue
            t = int(emulator.now) - self._start[h]
            for r in self._running[h]:
                hit = False
                while r.next[h] < len(r.offsets) and r.offsets[r.next[h]] <= t:
                    r.next[h] += 1
                    hit = True
                if hit:
                    due.setdefault(h, []).append((r, h, t))
        # the calls of one round run on different PPUs, whose chip state is disjoint (each PPU
        # reads and writes its own hemisphere): they share one round trip to the worker.  The
        # rules of one PPU run in order, each seeing what the one before wrote.
        lists = list(due.values())
        for k in range(max((len(x) for x in lists), default=0)):
            self._round([x[k] for x in lists if k < len(x)], emulator)

    def _round(self, calls, emulator) -> None:
        for r, h, t in calls:
            self._read(emulator, r, h, t)
        self.calls += len(calls)
        batch = []
        for r, h, t in calls:
            if r.python is not None:
                self._run_python(r, h, t)
            elif r.observables:
                self._call_worker([(r, h, t)])    # its Recording is read after each call
                if r.field_offsets is None:
                    n = 1 + sum(len(e) for _, e in r.layout)
                    r.field_offsets = self._request(("layout", (r.key, h), n), r, "reading the recording layout of")[1]
                r.recordings[h].append(r.decode_recording())
            else:
                batch.append((r, h, t))
        if batch:
            self._call_worker(batch)
        for r, h, t in calls:
            self._write_back(emulator, r, h)

    def _on_stop(self, emulator, h: int) -> None:
        self._start[h] = None
        rules, self._running[h] = self._running[h], []
        if not rules:
            return
        out, recordings = {}, {}
        for r in rules:
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

    # -- one call --------------------------------------------------------------------------
    def _read(self, emulator, r: _Rule, h: int, t: int) -> None:
        """Fill the rule's state with what PPU ``h`` sees at this moment."""
        f, bus = r.f, r._bus[h]
        # (``now`` and ``ppu`` are set by the worker for each call: PPU cycles, 250 MHz)
        r.neuron_reset[...] = 0
        # the flags are cleared after each write-back
        rows, plane = bus["rows"], r.planes[h]
        if len(rows):
            # whole rows over the bus, unpacked into the state in one C++ call each
            emulator.bus_read_rows(bus["weights"], rows, plane["weights"], _quad_columns(), 0x3f)
            if r.needs["correlation"]:
                emulator.bus_read_rows(bus["cadc"][0], rows, plane["causal"], _quad_columns(), 0xff)
                emulator.bus_read_rows(bus["cadc"][1], rows, plane["acausal"], _quad_columns(), 0xff)
        cols = bus["cols"]
        if len(cols):
            if r.needs["rate"]:
                cnt = emulator.bus_read(bus["counters"])
                f["rate"][h][cols] = np.where((cnt >> 8) & 1, 255, cnt & 0xff)
            if r.needs["cadc"]:
                f["cadc"][h] = self._membranes(emulator, h)

    def _call_worker(self, calls) -> None:
        """Run the compiled kernels of ``calls`` [(rule, PPU, time)] in order in the worker."""
        self._ensure_worker()
        msg = _CALLS_HEAD.pack(CALLS_FLAG | len(calls)) + b"".join(CALL.pack(r.slots[h], h, t * 2)
                                                                   for r, h, t in calls)
        reply = self._exchange(msg, CALL_REPLY.size)
        if not isinstance(reply, bytes):
            names = list(dict.fromkeys(r.name for r, _, _ in calls))
            self._fail(reply, " / ".join(names), "running")
        index, rc = CALL_REPLY.unpack(reply)
        if index >= 0:
            r, h, t = calls[index]
            msg = bytes(r.state["error"]).split(b"\0")[0].decode(errors="replace")
            raise PPUKernelError(f"plasticity kernel of {r.name} on PPU {h} at {t / FPGA_CYCLES_PER_MS:.4f} ms "
                                 f"threw: {msg}")

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
        f, plane = r.f, r.planes[h]
        # the flagged quads (set_weights: the view's columns; correlation resets: any row), in one
        # C++ call each; the flags are cleared
        emulator.bus_write_flagged(_row_quad_addresses("SynapseWeightQuad", h), plane["weights_dirty"],
                                   plane["weights"], _quad_columns(), 0x3f)
        emulator.bus_write_flagged(_row_quad_addresses("CorrelationReset", h), plane["correlation_reset"], None,
                                   _quad_columns(), 0)
        reset = f["rate_reset"][h]
        if reset.view(np.uint64).any():
            cols = np.flatnonzero(reset)
            emulator.bus_write(_enum_addresses("SpikeCounterReset", _spike_counter_enums()[h, cols]),
                               np.zeros(len(cols), np.uint32))
            reset[cols] = 0
        if r.neuron_reset & (1 << h):
            emulator.bus_write(_addresses("NeuronResetQuad", h, np.arange(64)), np.zeros(64, np.uint32))

    # -- the worker ------------------------------------------------------------------------
    def _ensure_worker(self) -> subprocess.Popen:
        if self._worker is None or self._worker.poll() is not None:
            if self._worker is not None:     # it died: the kernels it held are gone
                self._worker = None
                for r in self._rules:
                    r.slots = [None, None]
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
            # run as a file: the worker needs the standard library only (fast start, no emulator)
            self._worker = subprocess.Popen([sys.executable, _worker_module.__file__], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, env=env, bufsize=0)
            self._wfd = self._worker.stdin.fileno()
            self._rfd = self._worker.stdout.fileno()
            self._poll = select.poll()
            self._poll.register(self._rfd, select.POLLIN)
        return self._worker

    def _exchange(self, msg: bytes, n: int):
        """Send ``msg``, wait for the ``n``-byte answer: the bytes, "timeout" or None (the worker
        died)."""
        try:
            write_all(self._wfd, msg)
            # a call takes microseconds: wait for it awake (asleep, this process tends to wake on
            # another core, with the emulator's data out of its caches), then asleep
            poll = self._poll.poll
            end = time.perf_counter() + SPIN_S
            while not poll(0):
                os.sched_yield()          # the worker may wait for this core
                if time.perf_counter() > end:
                    if not poll(KERNEL_TIMEOUT_S * 1000):
                        return "timeout"
                    break
            reply = read_exact(self._rfd, n)
        except OSError:
            return None
        return reply if len(reply) == n else None

    def _fail(self, reply, name: str, what: str):
        if reply == "timeout":
            self._kill_worker()
            raise PPUKernelError(f"plasticity kernel of {name}: {what} it did not end within {KERNEL_TIMEOUT_S} s "
                                 f"of wall time (an endless loop?; $OPENHX_PPU_KERNEL_TIMEOUT sets the budget)")
        rc = self._worker.wait()
        self._worker = None
        sig = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit code {rc}"
        raise PPUKernelError(f"plasticity kernel of {name} crashed while {what} it ({sig}); the emulated "
                             f"chip keeps its state, the run ends")

    def _request(self, msg, r: _Rule, what: str):
        """A control request to the worker (see :mod:`hxsim.ppu.worker`): (True, its value)."""
        self._ensure_worker()
        data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
        head = self._exchange(_CALLS_HEAD.pack(len(data)) + data, 4)
        if not isinstance(head, bytes):
            self._fail(head, r.name, what)
        body = read_exact(self._rfd, _CALLS_HEAD.unpack(head)[0])
        status, value = pickle.loads(body)
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
            for stream in (self._worker.stdin, self._worker.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._worker = None

    def unload(self) -> None:
        """Forget the loaded rules (their worker state and shared memory) and stop the worker: the
        next run starts afresh."""
        for r in self._rules:
            r.close()
        self._rules = []
        self._running = [[], []]
        self._image_key = None
        self._kill_worker()

    def close(self) -> None:
        """Stop the worker and free the shared memory."""
        self.unload()
