"""What the emulated chip's PPUs run: a program image in PPU memory.

On the chip, the host writes a PPU program (compiled kernels and their scheduler) into each
PPU's memory (``PPUMemoryWord``) and starts the PPU (``PPUControlRegister.inhibit_reset``).
The emulated PPUs run kernels compiled for the host (:mod:`hxsim.ppu`), so their program image
is a description instead of machine code: per plasticity rule its C++ source, its timer and
its synapse / neuron handles, as compressed JSON behind a magic word.  It goes the same way
as on the chip (config writes into PPU memory, then the start), so any transport carries it.

After the PPU stops, the emulator leaves the kernels' global variables (their PPU symbols)
in the PPU's memory in the same format with :data:`SYMBOLS_MAGIC`.

Python kernels (a rule's ``python_kernel``) cannot travel through PPU memory: the image names
them by a token of :func:`register_python_kernel`, which only the in-process emulator resolves.
"""
from __future__ import annotations

import itertools
import json
import threading
import zlib
import weakref
from typing import Callable, Dict, List

import numpy as np

__all__ = ["PPU_MEMORY_WORDS", "PROGRAM_MAGIC", "SYMBOLS_MAGIC", "encode_image", "decode_image",
           "register_python_kernel", "python_kernel"]

PPU_MEMORY_WORDS = 4096
PROGRAM_MAGIC = 0x4F485850   # "OHXP"
SYMBOLS_MAGIC = 0x4F485853   # "OHXS"
_HEADER = 3


def encode_image(content: dict, magic: int = PROGRAM_MAGIC) -> np.ndarray:
    """``content`` (JSON-able dict) as PPU memory words (uint32, at most 4096).
    ValueError if it does not fit into one PPU's memory."""
    payload = zlib.compress(json.dumps(content, sort_keys=True).encode(), 9)
    n_words = _HEADER + (len(payload) + 3) // 4
    if n_words > PPU_MEMORY_WORDS:
        raise ValueError(f"the PPU program ({len(payload)} bytes compressed) does not fit into the PPU "
                         f"memory of {PPU_MEMORY_WORDS * 4} bytes; shorten the kernels")
    padded = payload + b"\0" * (-len(payload) % 4)
    words = np.zeros(n_words, dtype=np.uint32)
    words[:_HEADER] = (magic, 1, len(payload))
    words[_HEADER:] = np.frombuffer(padded, dtype="<u4")
    return words


def decode_image(words, magic: int = PROGRAM_MAGIC):
    """The dict of :func:`encode_image` from PPU memory words, or None if the memory holds no
    image with ``magic``.  ValueError for a damaged image."""
    words = np.asarray(words, dtype=np.uint32)
    if len(words) < _HEADER or int(words[0]) != magic:
        return None
    if int(words[1]) != 1:
        raise ValueError(f"PPU program image version {int(words[1])} is not supported (expected 1)")
    n = int(words[2])
    if n > (len(words) - _HEADER) * 4:
        raise ValueError(f"PPU program image claims {n} bytes, memory holds {(len(words) - _HEADER) * 4}")
    data = words[_HEADER:].astype("<u4").tobytes()[:n]
    try:
        return json.loads(zlib.decompress(data))
    except (zlib.error, ValueError) as e:
        raise ValueError(f"damaged PPU program image: {e}") from None


_kernels: Dict[str, Callable] = weakref.WeakValueDictionary()
_lock = threading.Lock()
_counter = itertools.count()


def register_python_kernel(fn: Callable) -> str:
    """A token naming ``fn`` (a bound method or function) for a program image.  Held weakly:
    the rule object keeps it alive."""
    with _lock:
        token = f"py:{next(_counter)}"
        try:
            _kernels[token] = fn
        except TypeError:  # bound methods cannot be weakly referenced: hold the function strongly
            _strong[token] = fn
    return token


_strong: Dict[str, Callable] = {}


def python_kernel(token: str) -> Callable:
    """The callable of ``token``; LookupError if it is not known in this process (Python
    kernels run only on the in-process emulator)."""
    fn = _kernels.get(token) or _strong.get(token)
    if fn is None:
        raise LookupError(f"Python plasticity kernel {token!r} is not known in this process: Python kernels "
                          "run only on the in-process emulator (use a C++ kernel with a remote chip)")
    return fn


def forget_python_kernels(tokens: List[str]) -> None:
    """Drop the tokens of a finished run."""
    with _lock:
        for t in tokens:
            _strong.pop(t, None)
            _kernels.pop(t, None)
