"""The process that runs compiled plasticity kernels (``python -m hxsim.ppu.worker``).

Kernels are user C++: a segfault, an abort or an endless loop must not take down the user's
process.  The emulator's PPU host (:mod:`hxsim.ppu.host`) starts this worker, shares each
rule's :data:`~hxsim.ppu.state.STATE_DTYPE` record with it through shared memory, and sends
requests over its stdin; answers come back on its stdout.  Messages are length-prefixed
pickles of plain tuples and dicts.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import shutil
import struct
import sys
import tempfile
from multiprocessing import shared_memory


def read_message(stream):
    """One message from ``stream`` (None at its end)."""
    head = stream.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("<I", head)
    return pickle.loads(stream.read(n))


def write_message(stream, obj) -> None:
    """Send ``obj`` as one message."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def _attach(name):
    shm = shared_memory.SharedMemory(name=name)
    try:  # the host owns the segment: this process must not unlink it at exit
        from multiprocessing import resource_tracker
        resource_tracker.unregister(shm._name, "shared_memory")
    except Exception:
        pass
    return shm


class _Kernel:
    def __init__(self, library, shm_name, state_size, symbols, copy=False):
        self.tmp = None
        if copy:
            # each PPU has its own memory: a second copy of the library has its own globals
            fd, self.tmp = tempfile.mkstemp(suffix=".so", prefix="openhx-ppu-")
            os.close(fd)
            shutil.copyfile(library, self.tmp)
            library = self.tmp
        self.lib = ctypes.CDLL(str(library), mode=ctypes.RTLD_LOCAL)
        self.lib.openhx_ppu_call.restype = ctypes.c_int
        self.lib.openhx_ppu_call.argtypes = [ctypes.c_void_p]
        self.lib.openhx_state_size.restype = ctypes.c_ulong
        if self.lib.openhx_state_size() != state_size:
            raise RuntimeError(f"state layout mismatch: library {self.lib.openhx_state_size()} bytes, "
                               f"host {state_size}")
        self.shm = _attach(shm_name)
        self.buffer = (ctypes.c_char * state_size).from_buffer(self.shm.buf)
        self.address = ctypes.addressof(self.buffer)
        # where the library was loaded: a known function's address minus its link address
        self.base = ctypes.cast(self.lib.openhx_state_size, ctypes.c_void_p).value - symbols["__entry__"][0]
        self.symbols = {k: v for k, v in symbols.items() if k != "__entry__"}

    def recording_layout(self, n):
        """The ``n`` byte offsets of the Recording's fields (compiler.recording_declaration)."""
        out = (ctypes.c_ulong * n)()
        self.lib.openhx_recording_layout(out)
        return list(out)

    def call(self):
        return self.lib.openhx_ppu_call(ctypes.c_void_p(self.address))

    def read_symbols(self):
        return {name: ctypes.string_at(self.base + off, size) for name, (off, size) in self.symbols.items()}

    def write_symbol(self, name, data):
        off, size = self.symbols[name]
        if len(data) != size:
            raise ValueError(f"PPU symbol {name!r} has {size} bytes, got {len(data)}")
        ctypes.memmove(self.base + off, data, size)

    def close(self):
        del self.buffer
        self.shm.close()
        if self.tmp is not None:
            os.unlink(self.tmp)


def main() -> None:
    """Serve requests until stdin closes: ("load", key, library, shm, size, symbols),
    ("call", key), ("layout", key, n), ("symbols", key), ("set_symbol", key, name, bytes)."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # kernels' and libraries' prints must not corrupt the channel
    kernels = {}
    while True:
        msg = read_message(stdin)
        if msg is None:
            break
        try:
            op, key = msg[0], msg[1]
            if op == "load":
                kernels[key] = _Kernel(*msg[2:])
                write_message(stdout, ("ok", None))
            elif op == "call":
                rc = kernels[key].call()
                write_message(stdout, ("ok", rc))
            elif op == "layout":
                write_message(stdout, ("ok", kernels[key].recording_layout(msg[2])))
            elif op == "symbols":
                write_message(stdout, ("ok", kernels[key].read_symbols()))
            elif op == "set_symbol":
                kernels[key].write_symbol(msg[2], msg[3])
                write_message(stdout, ("ok", None))
            else:
                write_message(stdout, ("error", f"unknown request {op!r}"))
        except Exception as e:  # reported to the host, which raises it there
            write_message(stdout, ("error", f"{type(e).__name__}: {e}"))
    for k in kernels.values():
        k.close()


if __name__ == "__main__":
    main()
