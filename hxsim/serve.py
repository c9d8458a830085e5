"""Serve the emulated chip to other processes: ``python -m hxsim.serve``.

TCP (reached by ``hxcomm.SimConnection``, ``HXCOMM_BACKEND=sim``)::

    python -m hxsim.serve --port 50001            # 127.0.0.1:50001; --port 0 picks a free port

A serial link (reached by ``hxcomm.SerialConnection``, ``HXCOMM_BACKEND=serial``)::

    python -m hxsim.serve --serial PTY            # makes a pseudo-terminal, prints its path
    python -m hxsim.serve --serial /dev/ttyUSB0   # a real port or a pyserial URL
    python -m hxsim.serve --serial-port 50002     # the serial protocol over TCP (socket://)

The first line on stdout says where the server listens (``hxsim.serve: listening on
127.0.0.1:50001`` / ``hxsim.serve: serial link on /dev/pts/7``).  Every client session gets a
fresh chip (``--chip-id`` and the emulator options are its defaults; a client may choose its
own).  SIGTERM or SIGINT stop the server.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from hxcomm.server import ChipServer, listen_tcp

from .connection import EmulatorConnection

#: the options a client may choose for its chip
CLIENT_OPTIONS = ("chip_id", "ideal", "noise", "noise_seed", "dt", "analog")


class ServedEmulatorConnection(EmulatorConnection):
    """The emulator of one client session of this server (says so in its bitfile info)."""

    def get_bitfile_info(self):
        from hxcomm.connection import package_version
        from hxcomm.instructions import PROTOCOL_VERSION
        return [f"backend: hxsim emulator served by python -m hxsim.serve (pid {os.getpid()}), "
                f"plays FPGA and chip\n"
                f"software: openhx {package_version()}\n"
                f"protocol_version: {PROTOCOL_VERSION}\n"
                f"chip: HX v3 (emulated), chip_id {self.chip_id}\n"]


def make_server(args) -> ChipServer:
    defaults = {"chip_id": args.chip_id}
    if args.ideal:
        defaults["ideal"] = True
    if args.noise:
        defaults["noise"] = args.noise
    return ChipServer(ServedEmulatorConnection, default_options=defaults, client_timeout=args.client_timeout,
                      run_timeout=args.run_timeout, name="hxsim.serve", allowed_options=CLIENT_OPTIONS)


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m hxsim.serve", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", type=int, help="TCP port (0: any free port)")
    where.add_argument("--serial", metavar="DEVICE", help="serial device, pyserial URL, or PTY for a new "
                                                          "pseudo-terminal")
    where.add_argument("--serial-port", type=int, metavar="PORT",
                       help="the serial-link protocol over TCP (for socket://host:PORT)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--chip-id", type=int, default=0, help="chip identity of a client that names none")
    p.add_argument("--ideal", action="store_true", help="chips without fixed-pattern mismatch")
    p.add_argument("--noise", type=float, default=0.0, help="membrane noise, mV/sqrt(us)")
    p.add_argument("--client-timeout", type=float, default=30.0,
                   help="seconds a client may leave a frame unfinished (default 30)")
    p.add_argument("--run-timeout", type=float, default=None, help="longest run in seconds (default: none)")
    p.add_argument("--baudrate", type=int, default=115200, help="serial baud rate (real ports)")
    p.add_argument("--inject-faults", default=None, metavar="CORRUPT,DROP[,DUPLICATE]",
                   help="serial link test aid: fractions of outgoing frames to corrupt, drop, duplicate")
    p.add_argument("--fault-seed", type=int, default=0, help="seed of --inject-faults")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="hxsim.serve %(levelname)s %(message)s")
    server = make_server(args)

    def stop(*_):
        server.stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.port is not None or args.serial_port is not None:
        port = args.port if args.port is not None else args.serial_port
        listener = listen_tcp(args.host, port)
        host, port = listener.getsockname()[:2]
        if args.port is not None:
            print(f"hxsim.serve: listening on {host}:{port}", flush=True)
            server.serve_tcp(listener)
        else:
            from hxcomm.serial import serve_link_over_tcp
            print(f"hxsim.serve: serial link on socket://{host}:{port}", flush=True)
            serve_link_over_tcp(server, listener, faults=args.inject_faults, fault_seed=args.fault_seed)
        return 0

    from hxcomm.serial import open_server_port, serve_link
    port, name = open_server_port(args.serial, baudrate=args.baudrate)
    print(f"hxsim.serve: serial link on {name}", flush=True)
    worker = threading.Thread(target=serve_link, args=(server, port),
                              kwargs=dict(faults=args.inject_faults, fault_seed=args.fault_seed), daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
