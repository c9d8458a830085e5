"""``ZeroMockConnection``: a connection without a chip (public ``hxcomm.ZeroMockConnection``).

Every omnibus read is answered with the word 0 and every LOOPBACK is echoed; everything
else is accepted and ignored, so a program "runs" in no time.  Useful to test program
construction and decoding without an emulator (backend ``zeromock``,
``HXCOMM_ENABLE_ZERO_MOCK=1``).
"""
from __future__ import annotations

from typing import List

import numpy as np

from .connection import Connection
from .hwdb import ZeroMockEntry
from .instructions import BY_NAME, OPCODE_LSB

__all__ = ["ZeroMockConnection"]

_U64 = np.uint64
_ADDRESS = BY_NAME["OMNIBUS_ADDRESS"]
_IS_READ_BIT = _U64(next(f.lsb for f in _ADDRESS.fields if f.name == "is_read"))
_HALT = _U64(1)


class ZeroMockConnection(Connection):
    """Answers reads with 0 and echoes loopbacks (see the module doc).  Options as every
    connection (``run_timeout``, ``progress``)."""

    def __init__(self, **options):
        super().__init__(**options)

    def _execute(self, words: np.ndarray) -> np.ndarray:
        from .instructions import OPCODE_LOOPBACK, OPCODE_OMNIBUS_ADDRESS
        from .responses import loopback_echo, omnibus_read_data
        opcode = (words >> _U64(OPCODE_LSB)) & _U64(0x7F)
        reads = (opcode == OPCODE_OMNIBUS_ADDRESS) & (((words >> _IS_READ_BIT) & _U64(1)) == 1)
        loops = opcode == OPCODE_LOOPBACK
        answered = np.flatnonzero(reads | loops)
        is_read = reads[answered]
        halt = ~is_read & ((words[answered] & _HALT) == _HALT)
        echo = np.where(halt, loopback_echo(True)[0], loopback_echo(False)[0])
        out = np.where(is_read, omnibus_read_data([0])[0], echo).astype(_U64)
        first_halt = np.flatnonzero(halt)
        # the program ends at the first halt, as on the FPGA
        return out[:first_halt[0] + 1] if len(first_halt) else out

    def get_unique_identifier(self) -> List[str]:
        """``["zeromock"]`` (as public)."""
        return ["zeromock"]

    def get_hwdb_entry(self) -> list:
        """``[hxcomm.ZeroMockEntry()]``."""
        return [ZeroMockEntry()]

    def get_bitfile_info(self) -> List[str]:
        """``["zeromock"]``: no bitfile, no chip."""
        return ["zeromock"]

    def get_remote_repo_state(self) -> List[str]:
        """``[""]``: no remote end."""
        return [""]

    def __repr__(self):
        return "ZeroMockConnection()"
