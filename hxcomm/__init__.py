"""hxcomm: the wire protocol between host and (emulated) FPGA.

Every message is one 64-bit word: comma bit (0), 7-bit opcode, 4-bit protocol version and a
52-bit payload. The instruction set is one declarative table (:mod:`hxcomm.instructions`);
:mod:`hxcomm.codec` builds host -> FPGA programs as numpy word arrays and decodes both
directions, :mod:`hxcomm.responses` turns FPGA -> host streams into result arrays (spikes,
MADC samples, read words) with reconstructed times. Connections that carry the words to an
emulator, a simulation server, the multi-client server or a serial link are in
:mod:`hxcomm.connection` and the transport modules (:mod:`hxcomm.framing`, :mod:`hxcomm.sim`,
:mod:`hxcomm.quiggeldy`, :mod:`hxcomm.serial`); :mod:`hxcomm.backends` is their registry.

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

from . import backends, connection, framing
from .backends import backend, backends as registered_backends, connection_from_env, register_backend
from .connection import (
    CHUNK_SECONDS, Connection, ConnectionHandle, ConnectionTimeInfo, ManagedConnection,
    program_duration_cycles,
)
from .errors import (
    AuthenticationError, ConnectionError, ConnectionTimeoutError, ProtocolError, RemoteError,
    RunTimeoutError,
)

__all__ += [
    "backends", "connection", "framing", "backend", "registered_backends", "connection_from_env",
    "register_backend", "CHUNK_SECONDS", "Connection", "ConnectionHandle", "ConnectionTimeInfo",
    "ManagedConnection", "program_duration_cycles", "AuthenticationError", "ConnectionError",
    "ConnectionTimeoutError", "ProtocolError", "RemoteError", "RunTimeoutError",
    "EmulatorConnection", "SimConnection", "QuiggeldyConnection", "SerialConnection",
    "ZeroMockConnection",
]

#: Connection classes, imported when first named (hxcomm.SimConnection, ...).  The emulator's
#: own connection is found through the backend registry: hxcomm never imports hxsim.
_LAZY = {
    "SimConnection": (".sim", "SimConnection"),
    "QuiggeldyConnection": (".quiggeldy.client", "QuiggeldyConnection"),
    "SerialConnection": (".serial", "SerialConnection"),
    "ZeroMockConnection": (".zeromock", "ZeroMockConnection"),
}

_TRANSPORT = ("a transport to hardware (HostARQ over Ethernet to an FPGA) or a multi-chip variant, "
              "which the emulated setup has no use for: hxcomm.ManagedConnection() gives the backend "
              "HXCOMM_BACKEND names (emulator, sim, quiggeldy, serial, zeromock)")
#: public hxcomm names the emulated setup does not have (name -> reason)
NOT_EMULATED = {name: _TRANSPORT for name in (
    "ARQConnection", "MultiARQConnection", "MultiSimConnection", "MultiZeroMockConnection",
    "LoopbackConnection")}


def __getattr__(name):
    if name == "EmulatorConnection":
        return backend("emulator")
    lazy = _LAZY.get(name)
    if lazy is not None:
        import importlib
        return getattr(importlib.import_module(lazy[0], __name__), lazy[1])
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"hxcomm.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'hxcomm' has no attribute {name!r}")
