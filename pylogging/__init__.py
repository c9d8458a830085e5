"""pylogging: the public BrainScaleS-2 logging facade, on Python's :mod:`logging`.

Scripts written for the public stack configure and use it as ``pynn.logger``::

    import pynn_brainscales.brainscales2 as pynn
    pynn.logger.default_config(level=pynn.logger.LogLevel.INFO)
    log = pynn.logger.get("my_experiment")
    pynn.logger.set_loglevel(log, pynn.logger.LogLevel.DEBUG)
    log.INFO("calibrated")                  # method style
    pynn.logger.INFO(log, "calibrated")     # module-level style

Every logger is a thin wrapper around ``logging.getLogger(name)``: handlers, filters and
``logging.basicConfig`` work as usual, and the project's own modules (which log through
``logging``) follow the same configuration.  Dots in names make the usual hierarchy
(``get("grenade.routing")`` is a child of ``get("grenade")``).
"""
from __future__ import annotations

import enum
import logging
import os
import sys
import time
from typing import Union

__all__ = ["LogLevel", "Logger", "get", "get_root", "set_loglevel", "default_config", "reset",
           "append_to_file", "append_to_cout", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


class LogLevel(enum.IntEnum):
    """Log levels, ordered as the public ones; values are :mod:`logging` levels
    (TRACE sits below DEBUG, ALL lets everything through, OFF nothing)."""

    ALL = 1
    TRACE = 5
    DEBUG = logging.DEBUG
    INFO = logging.INFO
    WARN = logging.WARNING
    ERROR = logging.ERROR
    FATAL = logging.CRITICAL
    OFF = logging.CRITICAL + 10


logging.addLevelName(LogLevel.TRACE, "TRACE")
logging.addLevelName(LogLevel.WARN, "WARN")
logging.addLevelName(LogLevel.FATAL, "FATAL")

LevelLike = Union[LogLevel, int, str]


def _level(level: LevelLike) -> int:
    """A :mod:`logging` level number of a LogLevel, an int or a level name ("INFO", "warn")."""
    if isinstance(level, str):
        try:
            return int(LogLevel[level.strip().upper()])
        except KeyError:
            raise ValueError(f"unknown log level {level!r}; levels: "
                             f"{', '.join(m.name for m in LogLevel)}") from None
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"log level must be a pylogging.LogLevel, an int or a level name, got {level!r}")
    return int(level)


def _message(parts) -> str:
    return " ".join(str(p) for p in parts)


class Logger:
    """A named logger with the public method style (``log.INFO("...")``).

    Everything else (``info``, ``addHandler``, ``setLevel``, ``isEnabledFor``, ...) is the
    wrapped :class:`logging.Logger`'s, reachable as attributes or as :attr:`logger`.
    """

    __slots__ = ("logger",)

    def __init__(self, logger: logging.Logger):
        self.logger = logger

    @property
    def name(self) -> str:
        return self.logger.name

    def _log(self, level: int, parts):
        if self.logger.isEnabledFor(level):
            self.logger.log(level, _message(parts), stacklevel=3)

    def TRACE(self, *message):
        """Log at TRACE (below DEBUG); several arguments are joined with spaces."""
        self._log(LogLevel.TRACE, message)

    def DEBUG(self, *message):
        """Log at DEBUG."""
        self._log(LogLevel.DEBUG, message)

    def INFO(self, *message):
        """Log at INFO."""
        self._log(LogLevel.INFO, message)

    def WARN(self, *message):
        """Log at WARN."""
        self._log(LogLevel.WARN, message)

    def ERROR(self, *message):
        """Log at ERROR."""
        self._log(LogLevel.ERROR, message)

    def FATAL(self, *message):
        """Log at FATAL (logging's CRITICAL)."""
        self._log(LogLevel.FATAL, message)

    def warn(self, *message):
        """Lower-case alias of :meth:`WARN` (logging's ``warn`` is deprecated)."""
        self._log(LogLevel.WARN, message)

    def __getattr__(self, name):
        return getattr(self.logger, name)

    def __eq__(self, other):
        return isinstance(other, Logger) and other.logger is self.logger

    def __hash__(self):
        return hash(self.logger)

    def __repr__(self):
        return f"pylogging.Logger({self.name!r}, level={logging.getLevelName(self.logger.getEffectiveLevel())})"


def get(name: str) -> Logger:
    """The logger called ``name`` (created on first use; the same one on every call)."""
    if not isinstance(name, str):
        raise TypeError(f"logger name must be a string, got {name!r}")
    return Logger(logging.getLogger(name))


def get_root() -> Logger:
    """The root logger: its level and handlers apply to every logger without its own."""
    return Logger(logging.getLogger())


def _stdlib(logger) -> logging.Logger:
    if isinstance(logger, Logger):
        return logger.logger
    if isinstance(logger, logging.Logger):
        return logger
    if isinstance(logger, str):
        return logging.getLogger(logger)
    raise TypeError(f"expected a pylogging.Logger, a logging.Logger or a logger name, got {logger!r}")


_LEVELS_SET = set()   # loggers whose level set_loglevel() changed (reset() returns them to NOTSET)


def set_loglevel(logger, level: LevelLike) -> None:
    """Set the level of ``logger`` (a Logger from :func:`get`, a :class:`logging.Logger` or a name)."""
    lg = _stdlib(logger)
    lg.setLevel(_level(level))
    _LEVELS_SET.add(lg)


class _RelativeFormatter(logging.Formatter):
    """``<seconds since configuration> <LEVEL> <name>: <message>``, optionally with the call site
    and ANSI colours per level (as the public facade prints)."""

    _COLOURS = {LogLevel.TRACE: "\033[36m", LogLevel.DEBUG: "\033[34m", LogLevel.INFO: "\033[32m",
                LogLevel.WARN: "\033[33m", LogLevel.ERROR: "\033[31m", LogLevel.FATAL: "\033[1;31m"}

    def __init__(self, print_location: bool, color: bool, date_format: str):
        super().__init__()
        self.print_location = print_location
        self.color = color
        self.date_format = date_format.upper()
        self.start = time.time()

    def format(self, record: logging.LogRecord) -> str:
        if self.date_format == "RELATIVE":
            stamp = f"{record.created - self.start:8.3f}"
        elif self.date_format in ("ABSOLUTE", "ISO8601", "DATE"):
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        elif self.date_format == "NULL":
            stamp = ""
        else:
            stamp = time.strftime(self.date_format, time.localtime(record.created))
        level = record.levelname
        if self.color:
            colour = self._COLOURS.get(min(self._COLOURS, key=lambda lv: abs(lv - record.levelno)), "")
            level = f"{colour}{level}\033[0m"
        text = f"{level:<5} {record.name}: {record.getMessage()}"
        if self.print_location:
            text += f" ({record.pathname}:{record.lineno})"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return f"{stamp} {text}" if stamp else text


_CONFIGURED = []      # handlers this module attached to the root logger


def reset() -> None:
    """Remove the handlers :func:`default_config` / :func:`append_to_file` attached, set the
    loggers whose level :func:`set_loglevel` changed back to NOTSET (inherit) and the root to WARN."""
    root = logging.getLogger()
    while _CONFIGURED:
        handler = _CONFIGURED.pop()
        root.removeHandler(handler)
        for existing in logging.Logger.manager.loggerDict.values():
            if isinstance(existing, logging.Logger):
                existing.removeHandler(handler)
        handler.close()
    while _LEVELS_SET:
        _LEVELS_SET.pop().setLevel(logging.NOTSET)
    root.setLevel(LogLevel.WARN)


def default_config(level: LevelLike = LogLevel.WARN, fname: str = "", print_location: bool = False,
                   color: bool = True, date_format: str = "RELATIVE") -> Logger:
    """Configure the root logger: ``level`` for every logger without its own, messages to
    stderr (or appended to the file ``fname``), with time stamps as ``date_format`` says
    ("RELATIVE": seconds since this call; "ABSOLUTE"/"ISO8601": wall-clock date and time;
    "NULL": none; else a :func:`time.strftime` format).  Calling it again replaces the earlier
    configuration instead of doubling the output.  Returns the root logger."""
    reset()
    root = logging.getLogger()
    root.setLevel(_level(level))
    if fname:
        handler: logging.Handler = logging.FileHandler(os.fspath(fname), mode="a")
        color = False
    else:
        handler = logging.StreamHandler(sys.stderr)
        color = bool(color) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    handler.setFormatter(_RelativeFormatter(print_location, color, date_format))
    root.addHandler(handler)
    _CONFIGURED.append(handler)
    return Logger(root)


def append_to_file(fname: str, logger=None) -> None:
    """Also write the messages of ``logger`` (default: all) to the file ``fname`` (appended)."""
    handler = logging.FileHandler(os.fspath(fname), mode="a")
    handler.setFormatter(_RelativeFormatter(False, False, "ABSOLUTE"))
    (_stdlib(logger) if logger is not None else logging.getLogger()).addHandler(handler)
    _CONFIGURED.append(handler)


def append_to_cout(logger=None) -> None:
    """Also write the messages of ``logger`` (default: all) to stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_RelativeFormatter(False, False, "RELATIVE"))
    (_stdlib(logger) if logger is not None else logging.getLogger()).addHandler(handler)
    _CONFIGURED.append(handler)


def _module_level(level: LogLevel):
    def log(logger, *message):
        lg = _stdlib(logger)
        if lg.isEnabledFor(level):
            lg.log(level, _message(message), stacklevel=2)
    log.__name__ = level.name
    log.__doc__ = f"Log ``message`` at {level.name} on ``logger`` (module-level style: ``{level.name}(log, msg)``)."
    return log


TRACE = _module_level(LogLevel.TRACE)
DEBUG = _module_level(LogLevel.DEBUG)
INFO = _module_level(LogLevel.INFO)
WARN = _module_level(LogLevel.WARN)
ERROR = _module_level(LogLevel.ERROR)
FATAL = _module_level(LogLevel.FATAL)

