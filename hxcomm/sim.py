"""``SimConnection``: co-simulation, the emulated chip in another process over TCP.

The server is ``python -m hxsim.serve --port P``; the connection finds it through the public
environment names ``FLANGE_SIMULATION_RCF_HOST`` (default 127.0.0.1) and
``FLANGE_SIMULATION_RCF_PORT``.  It carries the same 64-bit word stream as the in-process
connection, so everything that runs on ``HXCOMM_BACKEND=emulator`` runs on
``HXCOMM_BACKEND=sim``.  As the public simulation is reset when a client connects, each
connection gets a fresh chip (``chip_id`` and emulator options may be chosen, as for the
in-process emulator).
"""
from __future__ import annotations

import os
from typing import List, Optional

from .channel import connect_tcp
from .errors import ConnectionError  # noqa: A004
from .hwdb import SimulationEntry, entry_from_dict
from .remote import RemoteConnection, timeout_from_env

__all__ = ["SimConnection", "DEFAULT_HOST", "sim_parameters_from_env"]

DEFAULT_HOST = "127.0.0.1"


def sim_parameters_from_env(host: Optional[str] = None, port: Optional[int] = None):
    """(host, port) of the simulation server: the arguments, else ``FLANGE_SIMULATION_RCF_HOST``
    (default 127.0.0.1) and ``FLANGE_SIMULATION_RCF_PORT``.  ConnectionError when no port is
    known, ValueError for a port outside 1..65535."""
    host = host or os.environ.get("FLANGE_SIMULATION_RCF_HOST", "").strip() or DEFAULT_HOST
    if port is None:
        text = os.environ.get("FLANGE_SIMULATION_RCF_PORT", "").strip()
        if not text:
            raise ConnectionError("no simulation server: FLANGE_SIMULATION_RCF_PORT is not set "
                                  "(start one with `python -m hxsim.serve --port P`)")
        try:
            port = int(text)
        except ValueError:
            raise ValueError(f"FLANGE_SIMULATION_RCF_PORT={text!r} is not a port number") from None
    port = int(port)
    if not 0 < port < 65536:
        raise ValueError(f"simulation server port {port} must lie in 1..65535")
    return host, port


class SimConnection(RemoteConnection):
    """A connection to ``python -m hxsim.serve`` (see the module doc).

    ``host``, ``port``: the server (default: the environment); ``chip_id`` (default:
    ``HXCOMM_CHIP_ID``, else the server's) and ``emulator_options`` (``ideal``, ``noise``,
    ...): the chip the server makes for this connection; ``timeout`` (s, default
    ``HXCOMM_TIMEOUT`` or 30): the longest silence of the server; ``run_timeout``,
    ``progress``: as every connection.  ConnectionError when the server cannot be reached.
    """

    server_name = "the simulation server"

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, *, chip_id: Optional[int] = None,
                 timeout: Optional[float] = None, run_timeout: Optional[float] = None,
                 progress: Optional[bool] = None, **emulator_options):
        super().__init__(timeout=timeout_from_env(timeout), run_timeout=run_timeout, progress=progress)
        self.host, self.port = sim_parameters_from_env(host, port)
        self.server_name = f"the simulation server at {self.host}:{self.port}"
        if chip_id is None and os.environ.get("HXCOMM_CHIP_ID", "").strip():
            chip_id = int(os.environ["HXCOMM_CHIP_ID"])
        if chip_id is not None and int(chip_id) < 0:
            raise ValueError(f"chip_id {chip_id} must be >= 0")
        channel = connect_tcp(self.host, self.port, self.timeout, "the simulation server")
        self._hello(channel, {"chip_id": None if chip_id is None else int(chip_id),
                              "emulator_options": dict(emulator_options)})
        entry = self._information("hwdb_entry")[0]
        self.simulated = entry_from_dict(entry)
        self.chip_id = getattr(self.simulated, "chip_id", chip_id)
        self.emulator_options = dict(getattr(self.simulated, "emulator_options", emulator_options))

    def get_hwdb_entry(self) -> list:
        """``[hxcomm.SimulationEntry(host, port, simulated)]``: a simulated setup (as public),
        with the server's address and the entry of the emulated setup it simulates."""
        return [SimulationEntry(self.host, self.port, self.simulated)]

    def get_bitfile_info(self) -> List[str]:
        """No bitfile: what the server says it runs, and where."""
        return [f"{info}transport: TCP to {self.host}:{self.port} (SimConnection)\n"
                for info in self._information("bitfile_info")]

    def __repr__(self):
        return f"SimConnection({self.host}:{self.port}, chip_id={self.chip_id})"
