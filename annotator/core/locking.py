"""One writer per project file. A second app instance (or the CLI) that finds the file
open elsewhere gets a clear message and may open it read-only.

The lock is an OS advisory lock on a sidecar file ``<project>.lock``: the kernel drops
it when the holder exits or is killed, so a crash never leaves a stale lock. Opens
within one process share the lock (a process may hold several connections).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
from pathlib import Path

from annotator.core.errors import ProjectLocked

_held: dict[str, list] = {}  # resolved path -> [file object, count]
_guard = threading.Lock()


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def acquire(path: Path) -> None:
    """Take the write lock for ``path`` or raise ProjectLocked saying who holds it."""
    key = str(path.resolve())
    with _guard:
        if key in _held:
            _held[key][1] += 1
            return
        lock_file = lock_path(path)
        try:
            fh = open(lock_file, "a+")
        except OSError:
            return  # cannot create a lock file (read-only folder): SQLite's locks still hold
        if not _try_lock(fh):
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            raise ProjectLocked(
                f"{path.name} is open in another annotator window or command{_describe(holder)}. "
                "It can still be read here; close it there to make changes.", holder)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "user": _user()}))
        fh.flush()
        _held[key] = [fh, 1]


def release(path: Path) -> None:
    key = str(path.resolve())
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            fh = entry[0]
            try:
                fh.seek(0)
                fh.truncate()
            except OSError:
                pass
            _unlock(fh)
            fh.close()
            del _held[key]


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return f" (by {info.get('user', '?')}, process {info.get('pid', '?')} on " \
               f"{info.get('host', '?')})"
    except (ValueError, AttributeError):
        return ""


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "?"


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fh) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fh) -> None:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _try_lock(fh) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
