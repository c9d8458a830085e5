"""Exceptions of the hxcomm layer."""

from __future__ import annotations


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


__all__ = ["HxcommError", "MalformedStreamError", "ExecutorError"]
