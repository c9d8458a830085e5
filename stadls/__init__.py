"""stadls: playback programs for the (emulated) HX chip.

Build a program from container writes, reads and waits, run it on an hxcomm
connection, and collect the results::

    import halco, haldls, hxcomm, stadls

    builder, _ = stadls.generate(stadls.SystemInit())
    ticket = builder.read(halco.JTAGIdCodeOnDLS())
    with hxcomm.ManagedConnection() as connection:
        stadls.run(connection, builder.done())
    print(ticket.get())

See docs/stadls.md.
"""
from .builder import PlaybackProgramBuilder  # noqa: F401
from .spikes import TimedSpikes  # noqa: F401
from .absolute_time import (AbsoluteTimePlaybackProgramBuilder,  # noqa: F401
                            AbsoluteTimePlaybackProgramContainerTicket, TimedCommand)
from .dumper import (BlockUntil, DumperDone, PlaybackProgramBuilderDumper, Read,  # noqa: F401
                     convert_to_builder, convert_to_chip)
from .init import (CAPMEM_SETTLING_CYCLES, ASICAdapterBoardInit, ChipInit,  # noqa: F401
                   CubeASICAdapterBoardInit, DigitalInit, ExperimentInit, SystemInit, SystemInitResult,
                   generate)
from .program import ContainerTicket, EventArray, PlaybackProgram, TicketNotReadyError  # noqa: F401
from .registry import container_for_coordinate, register_container  # noqa: F401
from .reinit import ReinitStackEntry  # noqa: F401
from .run import RunError, RunTimeInfo, run  # noqa: F401

#: public stadls names the emulated setup has no use for yet (name -> reason)
NOT_EMULATED = {
    "JboaASICAdapterBoardInit": "the jboa board (the emulated setup carries a Cube board)",
    "to_portablebinary": "the cereal portable binary format; use DumperDone.to_dict() / from_dict()",
    "from_portablebinary": "the cereal portable binary format; use DumperDone.to_dict() / from_dict()",
    "to_binary": "the cereal binary format; use DumperDone.to_dict() / from_dict()",
    "from_binary": "the cereal binary format; use DumperDone.to_dict() / from_dict()",
    "to_json": "the cereal JSON format; use DumperDone.to_dict() with the json module",
    "from_json": "the cereal JSON format; use DumperDone.from_dict() with the json module",
}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"stadls.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'stadls' has no attribute {name!r}")
