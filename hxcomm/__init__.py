"""hxcomm: the wire protocol between host and (emulated) FPGA.

Every message is one 64-bit word: comma bit (0), 7-bit opcode, 4-bit protocol version and a
52-bit payload. The instruction set is one declarative table (:mod:`hxcomm.instructions`);
:mod:`hxcomm.codec` builds host -> FPGA programs as numpy word arrays and decodes both
directions, :mod:`hxcomm.responses` turns FPGA -> host streams into result arrays (spikes,
MADC samples, read words) with reconstructed times. Connections that carry the words to an
emulator are added in :mod:`hxcomm.connection`.

The layer knows words and instruction fields only; containers and register addresses belong
to haldls/fisch-level code above it. See docs/hxcomm.md.
"""

from . import codec, instructions, responses
from .codec import (
    DECODED_DTYPE, ERROR_DTYPE, MADC_SAMPLE_DTYPE, SPIKE_DTYPE, TIMEOUT_DTYPE, Responses,
    barrier, chip_reset, decode, decode_from_chip, decode_to_chip, encode, encode_events,
    encode_instruction, loopback, omnibus_read, omnibus_write, pack, reconstruct_chip_time,
    spike_pack, systime_init, timer_reset, unpack, validate, wait_until,
)
from .errors import ExecutorError, HxcommError, MalformedStreamError
from .hwdb import EmulatorEntry, HwdbEntry, SimulationEntry, ZeroMockEntry
from .instructions import *  # noqa: F401,F403  (constants, enums, the table and its exports)
from .instructions import __all__ as _instruction_names

__all__ = [
    "codec", "instructions", "responses",
    "DECODED_DTYPE", "ERROR_DTYPE", "MADC_SAMPLE_DTYPE", "SPIKE_DTYPE", "TIMEOUT_DTYPE",
    "Responses", "barrier", "chip_reset", "decode", "decode_from_chip", "decode_to_chip",
    "encode", "encode_events", "encode_instruction", "loopback", "omnibus_read",
    "omnibus_write", "pack", "reconstruct_chip_time", "spike_pack", "systime_init",
    "timer_reset", "unpack", "validate", "wait_until",
    "ExecutorError", "HxcommError", "MalformedStreamError",
    "EmulatorEntry", "HwdbEntry", "SimulationEntry", "ZeroMockEntry",
    *_instruction_names,
]

try:  # connections are a separate module; the codec must work without them
    from . import connection as _connection
    from .connection import *  # noqa: F401,F403
    __all__ += list(getattr(_connection, "__all__", ()))
except ImportError as _e:  # pragma: no cover - only while hxcomm.connection does not exist
    if getattr(_e, "name", None) != f"{__name__}.connection":
        raise

_TRANSPORT = ("a transport to hardware, a simulator or a server, which the emulated setup has no "
              "use for: hxcomm.ManagedConnection() gives the emulator (hxcomm.EmulatorConnection)")
#: public hxcomm names the emulated setup does not have (name -> reason)
NOT_EMULATED = {name: _TRANSPORT for name in (
    "ARQConnection", "MultiARQConnection", "SimConnection", "MultiSimConnection", "ZeroMockConnection",
    "MultiZeroMockConnection", "QuiggeldyConnection", "LoopbackConnection")}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"hxcomm.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'hxcomm' has no attribute {name!r}")
