"""Files that are never lost or half written: atomic writes and stale temporary files.

:func:`atomic_write` writes the new content to a temporary file with a name of its own in the
same directory (``.<name>.<pid>.<random>.tmp``), flushes and fsyncs it, renames it over the
target (``os.replace``, atomic on POSIX and Windows) and fsyncs the directory, so a reader,
or a process killed at any point of the write, sees the old file or the new one, never a part.
Concurrent writers (threads or processes) each have their own temporary file; the last
rename wins.  A writer killed before its rename leaves its temporary file behind:
:func:`clean_stale_temps` removes those whose process is gone (or that are older than
``STALE_SECONDS``), and every atomic write does so for its own target.

Every file the project writes goes through here: ``lola.Chip`` files, calix results and
cache entries, nightly calibrations.
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import List, Union

__all__ = ["atomic_write", "clean_stale_temps", "temp_prefix", "STALE_SECONDS"]

PathLike = Union[str, os.PathLike]

#: A temporary file older than this (s) is stale even if its process id is in use again.
STALE_SECONDS = 3600.0

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def temp_prefix(path: PathLike) -> str:
    """The prefix of this process's temporary files for ``path``."""
    return f".{Path(path).name}.{os.getpid()}."


def atomic_write(path: PathLike, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data`` atomically (see the module doc).  OSError
    (the target unchanged) when the directory cannot be written."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    clean_stale_temps(directory, path.name)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=temp_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_directory(directory)
    finally:
        if tmp is not None:
            try:
                os.remove(tmp)
            except OSError:
                pass


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (where directories can be opened; not on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True             # exists, belongs to someone else
    return True


def clean_stale_temps(directory: PathLike, name: str = None) -> List[Path]:
    """Remove the temporary files of :func:`atomic_write` in ``directory`` (for target
    ``name`` only, if given) whose writing process is gone or that are older than
    STALE_SECONDS; returns what was removed.  A missing directory has none."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None or (name is not None and m["name"] != name):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        if _alive(int(m["pid"])) and age < STALE_SECONDS:
            continue                # a writer at work
        try:
            os.remove(entry.path)
            removed.append(Path(entry.path))
        except FileNotFoundError:
            pass
    return removed
