"""quiggeldy: the multi-client experiment server and its client (public name and env names).

Start it with ``python -m hxcomm.quiggeldy --port P``; clients are
:class:`~hxcomm.quiggeldy.client.QuiggeldyConnection` (``hxcomm.QuiggeldyConnection``).
Clients queue programs, the server runs them one at a time on its chip, fairly between
clients, and replays a client's reinit stack before its turn (:mod:`.server`, :mod:`.reinit`).
"""
from .reinit import ReinitEntry, decode_stack, encode_stack, snapshot_to_writes

__all__ = ["ReinitEntry", "decode_stack", "encode_stack", "snapshot_to_writes"]
