"""Remember that a project file passed the full checks, so opening it again unchanged
does not pay for them again.

Opening validates every value of every table and runs ``quick_check``: 1 s at 100k
annotations, 3 s at 1M, on every command. A file that nobody has touched since we
last checked it (or since we closed it after our own writes) needs none of that. What
"untouched" means is the file's identity and times as the operating system keeps
them: device, inode, size, modification and status-change times in nanoseconds. The
status-change time cannot be set by any program (``touch`` sets the others), so a
file changed elsewhere, copied, restored or replaced never matches, and is checked in
full. A file with a write-ahead log beside it, or on a file system whose clock is too
coarse to tell two writes apart (FAT's 2 s), is always checked in full.

The record lives in the user's cache folder, never beside the project: a colleague
who sends a file cannot send a record with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

#: What a record holds: (device, inode, size, mtime_ns, ctime_ns).
Fingerprint = tuple[int, int, int, int, int]


def cache_dir() -> Path:
    """$ANNOTATOR_CACHE_DIR, else the platform's cache folder."""
    if forced := os.environ.get("ANNOTATOR_CACHE_DIR"):
        return Path(forced)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "annotator" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "annotator"


def path_key(path: Path) -> str:
    """A project file's name in the cache folder: its resolved path, hashed."""
    key = hashlib.sha256(str(Path(path).resolve()).encode("utf-8", "surrogatepass"))
    return key.hexdigest()[:32]


def _record(path: Path) -> Path:
    return cache_dir() / "verified" / f"{path_key(path)}.json"


def fingerprint(path: Path) -> Fingerprint | None:
    """The file as the system sees it now, or None when it cannot be trusted to tell
    a change: a write-ahead log holds data the file does not, or the clock is coarse."""
    try:
        st = os.stat(path)
        wal = os.stat(f"{path}-wal").st_size if os.path.exists(f"{path}-wal") else 0
    except OSError:
        return None
    if wal or st.st_mtime_ns % 1_000_000 == 0:  # whole milliseconds: a coarse clock
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def is_verified(path: Path, version: int) -> bool:
    """Whether ``path`` is, byte for byte as far as the system can tell, the file that
    passed the checks of format ``version``."""
    now = fingerprint(path)
    if now is None:
        return False
    try:
        saved = json.loads(_record(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(saved, dict) and saved.get("version") == version
            and saved.get("fingerprint") == list(now))


def remember(path: Path, version: int, seen: Fingerprint | None) -> None:
    """Record that ``path`` passed the checks, if it is still the file ``seen`` before
    they ran (a file that changed meanwhile is not vouched for). Best effort: a cache
    that cannot be written only costs the next open its checks."""
    if seen is None or fingerprint(path) != seen:
        return
    record = _record(path)
    with contextlib.suppress(OSError):
        record.parent.mkdir(parents=True, exist_ok=True)
        partial = record.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps({"version": version, "fingerprint": list(seen),
                                       "path": str(path)}), encoding="utf-8")
        os.replace(partial, record)


def forget(path: Path) -> None:
    """The file is about to change in a way we do not vouch for (a restore)."""
    with contextlib.suppress(OSError):
        _record(path).unlink()
