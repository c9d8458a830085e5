"""``python -m hxcomm.quiggeldy --port P``: run the multi-client experiment server.

The chip is the backend ``--backend`` names (default: the in-process emulator; ``sim``
proxies a ``python -m hxsim.serve``).  The first line on stdout says where it listens
(``quiggeldy: listening on 127.0.0.1:P``).  SIGTERM or SIGINT stop it.
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m hxcomm.quiggeldy",
                                description="The multi-client experiment server: clients queue programs, the "
                                            "server runs them on its chip one at a time, fairly, and replays each "
                                            "client's reinit stack before its turn.")
    p.add_argument("--port", "-p", type=int, required=True, help="TCP port (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--backend", default="emulator", help="hxcomm backend of the chip (default emulator)")
    p.add_argument("--chip-id", type=int, default=None, help="chip identity (emulator backends)")
    p.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                   help="a backend option (e.g. noise=0.5 for the emulator); VALUE is read as JSON if it can be")
    p.add_argument("--user-period-ms", "-u", type=float, default=10.0,
                   help="how long a client keeps the chip while others wait (default 10 ms)")
    p.add_argument("--run-timeout", type=float, default=None, help="longest run in seconds (default: none)")
    p.add_argument("--client-timeout", type=float, default=30.0,
                   help="seconds a client may leave a frame unfinished or not take its results")
    p.add_argument("--token-file", default=None,
                   help="file of lines 'token [user]': only clients with one of these tokens are served")
    p.add_argument("--max-connections", "-c", type=int, default=256, help="clients served at once")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="quiggeldy %(levelname)s %(message)s")
    from ..backends import backend
    from ..server import listen_tcp
    from .server import QuiggeldyServer, read_token_file

    factory = backend(args.backend)
    options = {"progress": False}
    if args.chip_id is not None:
        options["chip_id"] = args.chip_id
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--option {item!r}: expected KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    tokens = read_token_file(args.token_file) if args.token_file else None
    server = QuiggeldyServer(lambda: factory(**options), user_period=args.user_period_ms / 1e3,
                             run_timeout=args.run_timeout, client_timeout=args.client_timeout, tokens=tokens,
                             max_clients=args.max_connections)
    listener = listen_tcp(args.host, args.port)
    host, port = listener.getsockname()[:2]

    def stop(*_):
        server.stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker = threading.Thread(target=server.serve, args=(listener,),
                              kwargs={"ready": lambda: print(f"quiggeldy: listening on {host}:{port}", flush=True)},
                              daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
