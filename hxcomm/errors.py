"""Exceptions of the hxcomm layer."""

from __future__ import annotations

import builtins


class HxcommError(Exception):
    """Base class of all hxcomm errors."""


class MalformedStreamError(HxcommError, ValueError):
    """A word stream violates the wire format.

    ``index`` is the position of the first offending word, ``word`` its value (None if the
    stream ended where a word was expected) and ``reason`` a short explanation.
    """

    def __init__(self, index: int, word: int | None, reason: str):
        self.index = int(index)
        self.word = None if word is None else int(word)
        self.reason = reason
        shown = "<end of stream>" if word is None else f"0x{self.word:016x}"
        super().__init__(f"word {self.index} ({shown}): {reason}")


class ExecutorError(HxcommError):
    """The FPGA executor (or the emulator) reported ERROR responses.

    ``errors`` is the structured array of ``Responses.errors`` (code, argument, index).
    """

    def __init__(self, errors):
        from .instructions import ErrorCode

        self.errors = errors
        parts = []
        for code, argument, index in errors[:5].tolist():
            try:
                name = ErrorCode(code).name
            except ValueError:
                name = f"code {code}"
            parts.append(f"{name} (argument 0x{argument:x}) at response {index}")
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} executor error(s): " + "; ".join(parts) + more)


class ConnectionError(HxcommError, builtins.ConnectionError):  # noqa: A001
    """A connection could not be made, was used after closing, or was lost
    (also a builtin ConnectionError)."""


class ConnectionTimeoutError(ConnectionError, TimeoutError):
    """The peer of a connection said nothing for longer than the connection's ``timeout``
    (it died, stalls, or the link is down); also a builtin TimeoutError."""


class ProtocolError(ConnectionError):
    """The peer sent bytes that break the framing (bad magic, checksum, kind or length) or
    a message that makes no sense at that point; the connection is closed."""


class AuthenticationError(ConnectionError):
    """The server refused the client (missing or unknown token)."""


class RunTimeoutError(HxcommError, TimeoutError):
    """A program ran longer than its time limit and was cancelled; the connection stays
    usable (also a builtin TimeoutError)."""


class RemoteError(HxcommError):
    """The far end of a connection failed to run a program for a reason of its own
    (``kind`` names it); the connection stays usable."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


__all__ = ["HxcommError", "MalformedStreamError", "ExecutorError", "ConnectionError",
           "ConnectionTimeoutError", "ProtocolError", "AuthenticationError", "RunTimeoutError",
           "RemoteError"]
