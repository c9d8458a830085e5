"""The process that runs compiled plasticity kernels (``python -m hxsim.ppu.worker``).

Kernels are user C++: a segfault, an abort or an endless loop must not take down the user's
process.  The emulator's PPU host (:mod:`hxsim.ppu.host`) starts this worker once per
connection, shares each rule's :data:`~hxsim.ppu.state.STATE_DTYPE` record with it through
shared memory, and sends requests over its stdin; answers come back on its stdout.

Two kinds of message share the pipe:

* control requests (load, unload, symbols, ...): a little-endian uint32 length, then a pickle of
  a plain tuple; the answer is the same framing around ``("ok", value)`` / ``("error", text)``;
* kernel calls (the hot path, one per call time): a uint32 ``CALLS_FLAG | n`` and ``n`` records
  :data:`CALL` (kernel slot, PPU, time in PPU cycles); the worker runs them in order, each with
  ``ppu`` / ``now`` set in its state, and answers :data:`CALL_REPLY` (index of the call that
  returned non-zero or -1, its return code).  No pickling: the data lives in shared memory.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import struct
import sys
import tempfile
from multiprocessing import shared_memory

#: high bit of the header: a batch of kernel calls follows instead of a pickle
CALLS_FLAG = 0x8000_0000
#: one kernel call of a batch: slot, PPU, time (PPU cycles)
CALL = struct.Struct("<IIQ")
#: the answer to a batch: index of the failing call (-1: none), its return code
CALL_REPLY = struct.Struct("<ii")
#: offsets of ``now`` (uint64) and ``ppu`` (uint32) in the state (ppu_state.h)
STATE_NOW_PPU = struct.Struct("<QI")


def read_exact(fd: int, n: int) -> bytes:
    """``n`` bytes from file descriptor ``fd`` (fewer only at its end)."""
    data = os.read(fd, n)
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = os.read(fd, n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to file descriptor ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_message(fd: int):
    """One control message from ``fd`` (None at its end)."""
    head = read_exact(fd, 4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("<I", head)
    return pickle.loads(read_exact(fd, n))


def write_message(fd: int, obj) -> None:
    """Send ``obj`` as one control message."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    write_all(fd, struct.pack("<I", len(data)) + data)


def _attach(name):
    shm = shared_memory.SharedMemory(name=name)
    try:  # the host owns the segment: this process must not unlink it at exit
        from multiprocessing import resource_tracker
        resource_tracker.unregister(shm._name, "shared_memory")
    except Exception:
        pass
    return shm


class _Kernel:
    def __init__(self, library, shm_name, state_size, symbols, copy=True):
        # Each load is a fresh copy of the library: its globals (the PPU's memory) start
        # initialised even when an earlier copy of the same library is still mapped, and each
        # PPU has its own.  (``copy`` is kept for callers of the old protocol.)
        fd, self.tmp = tempfile.mkstemp(suffix=".so", prefix="openhx-ppu-")
        try:
            with open(library, "rb") as src:
                write_all(fd, src.read())
        finally:
            os.close(fd)
        try:
            self.lib = ctypes.CDLL(self.tmp, mode=ctypes.RTLD_LOCAL)
        finally:
            # mapped now: the file can go (nothing is left behind when this process is killed)
            os.unlink(self.tmp)
        self.lib.openhx_ppu_call.restype = ctypes.c_int
        self.lib.openhx_ppu_call.argtypes = [ctypes.c_void_p]
        self.lib.openhx_state_size.restype = ctypes.c_ulong
        if self.lib.openhx_state_size() != state_size:
            raise RuntimeError(f"state layout mismatch: library {self.lib.openhx_state_size()} bytes, "
                               f"host {state_size}")
        self.shm = _attach(shm_name)
        self.buffer = (ctypes.c_char * state_size).from_buffer(self.shm.buf)
        self.address = ctypes.addressof(self.buffer)
        self.arg = ctypes.c_void_p(self.address)
        self.entry = self.lib.openhx_ppu_call
        # where the library was loaded: a known function's address minus its link address
        self.base = ctypes.cast(self.lib.openhx_state_size, ctypes.c_void_p).value - symbols["__entry__"][0]
        self.symbols = {k: v for k, v in symbols.items() if k != "__entry__"}

    def recording_layout(self, n):
        """The ``n`` byte offsets of the Recording's fields (compiler.recording_declaration)."""
        out = (ctypes.c_ulong * n)()
        self.lib.openhx_recording_layout(out)
        return list(out)

    def call(self):
        return self.entry(self.arg)

    def read_symbols(self):
        return {name: ctypes.string_at(self.base + off, size) for name, (off, size) in self.symbols.items()}

    def write_symbol(self, name, data):
        off, size = self.symbols[name]
        if len(data) != size:
            raise ValueError(f"PPU symbol {name!r} has {size} bytes, got {len(data)}")
        ctypes.memmove(self.base + off, data, size)

    def close(self):
        handle = self.lib._handle
        del self.buffer, self.arg, self.entry, self.lib
        self.shm.close()
        try:
            import _ctypes
            _ctypes.dlclose(handle)
        except (ImportError, AttributeError, OSError):
            pass


def _run_calls(n: int, slots, rfd: int) -> bytes:
    data = read_exact(rfd, n * CALL.size)
    for i in range(n):
        slot, ppu, now = CALL.unpack_from(data, i * CALL.size)
        k = slots[slot]
        STATE_NOW_PPU.pack_into(k.shm.buf, 0, now, ppu)
        rc = k.call()
        if rc != 0:
            return CALL_REPLY.pack(i, rc)
    return CALL_REPLY.pack(-1, 0)


def main() -> None:
    """Serve requests until stdin closes: kernel call batches and the control requests
    ("load", key, library, shm, size, symbols[, copy]) -> slot, ("unload", key), ("call", key)
    -> return code, ("layout", key, n), ("symbols", key), ("set_symbol", key, name, bytes)."""
    rfd, wfd = sys.stdin.fileno(), sys.stdout.fileno()
    sys.stdout = sys.stderr  # kernels' and libraries' prints must not corrupt the channel
    kernels, slots, free = {}, [], []
    while True:
        head = read_exact(rfd, 4)
        if len(head) < 4:
            break
        (n,) = struct.unpack("<I", head)
        if n & CALLS_FLAG:
            write_all(wfd, _run_calls(n & ~CALLS_FLAG, slots, rfd))
            continue
        msg = pickle.loads(read_exact(rfd, n))
        try:
            op, key = msg[0], msg[1]
            if op == "load":
                new = _Kernel(*msg[2:])
                old = kernels.pop(key, None)
                if old is not None:
                    slot = slots.index(old)
                    old.close()
                elif free:
                    slot = free.pop()
                else:
                    slot = len(slots)
                    slots.append(None)
                slots[slot] = kernels[key] = new
                write_message(wfd, ("ok", slot))
            elif op == "unload":
                old = kernels.pop(key, None)
                if old is not None:
                    slot = slots.index(old)
                    slots[slot] = None
                    free.append(slot)
                    old.close()
                write_message(wfd, ("ok", None))
            elif op == "call":
                write_message(wfd, ("ok", kernels[key].call()))
            elif op == "layout":
                write_message(wfd, ("ok", kernels[key].recording_layout(msg[2])))
            elif op == "symbols":
                write_message(wfd, ("ok", kernels[key].read_symbols()))
            elif op == "set_symbol":
                kernels[key].write_symbol(msg[2], msg[3])
                write_message(wfd, ("ok", None))
            else:
                write_message(wfd, ("error", f"unknown request {op!r}"))
        except Exception as e:  # reported to the host, which raises it there
            write_message(wfd, ("error", f"{type(e).__name__}: {e}"))
    for k in kernels.values():
        k.close()


if __name__ == "__main__":
    main()
