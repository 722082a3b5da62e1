"""One writer per project file. A second app instance (or the CLI) that finds the file
open elsewhere gets a clear message and may open it read-only.

Two OS advisory locks, both dropped by the kernel when the holder exits or is killed,
so a crash never leaves a stale lock:

* an ``flock`` on a sidecar file ``<real name>.lock``, named after the project's
  resolved path, so a symlink to the project finds the same lock. It records who holds
  it, for the message a second writer reads. It is opened without following links and
  must be a plain file of our own: a planted link or hard link there is refused, never
  truncated.
* a lock on the project file itself, for a hard link (one file, two names, so two
  sidecars). SQLite names its journal (``-wal``, ``-shm``) after the name used, so two
  writers through two names each see their own journal and corrupt the file. ``flock``
  on the database would be simplest but is unsafe: on NFS Linux emulates it with a
  whole-file POSIX lock and on BSD/macOS it shares the table with POSIX locks, so it
  would block SQLite's own byte-range locks there. We take instead a byte-range write
  lock on one byte SQLite never locks (its lock bytes are 0x40000000–0x400001FF): on
  Linux an open-file-description lock (``F_OFD_SETLK``), which no ``close()`` of another
  descriptor can drop; elsewhere a classic POSIX lock. The descriptor is kept open after
  release (unlocked) while the file exists, because closing any descriptor of a file
  drops the POSIX locks SQLite holds on it in this process.

Opens within one process share the locks (a process may hold several connections);
the same file under a second name in the same process is refused like any other.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import socket
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import ProjectError, ProjectLocked

#: one byte past SQLite's lock bytes (PENDING 0x40000000, RESERVED, SHARED +2…+511)
IDENTITY_BYTE = 0x4000_1000
#: a lock file of ours holds one short JSON line; anything larger is not ours
_MOST_A_LOCK_HOLDS = 4096
#: how many ``*.lock`` files beside a hard-linked project are read to name its holder
_MOST_LOCKS_READ = 500


@dataclass
class _Held:
    lock_fd: int | None  # the sidecar; None when the folder cannot hold one
    identity: tuple[int, int] | None  # (st_dev, st_ino) of the project file
    count: int


_held: dict[str, _Held] = {}  # resolved path -> the locks this process holds on it
_identity_fds: dict[tuple[int, int], int] = {}  # kept open: see the module docstring
_guard = threading.Lock()


def lock_path(path: Path) -> Path:
    """The sidecar lock, named after the file the path resolves to."""
    real = path.resolve()
    return real.with_name(real.name + ".lock")


def acquire(path: Path) -> None:
    """Take the write lock for ``path`` or raise ProjectLocked saying who holds it.
    Raises ProjectError, leaving everything untouched, when ``<project>.lock`` is not a
    plain lock file of ours (a link, a hard link, a folder, someone else's file)."""
    real = path.resolve()
    key = str(real)
    with _guard:
        entry = _held.get(key)
        if entry is not None:
            entry.count += 1
            return
        identity = _identity(real)
        for other_key, other in _held.items():
            if identity is not None and other.identity == identity:
                raise ProjectLocked(
                    f"{path.name} is already open here as {Path(other_key).name} (the same "
                    "file under another name). Use that one: two names for one project "
                    "keep two journals and would corrupt it.")
        fd = _open_lock_file(lock_path(path), path)
        if fd is not None and not _try_lock(fd):
            holder = _read(fd)
            os.close(fd)
            raise ProjectLocked(
                f"{path.name} is open in another annotator window or command{_describe(holder)}. "
                "It can still be read here; close it there to make changes.", holder)
        if identity is not None and not _try_identity_lock(real, identity):
            _let_go(fd, None)
            holder, name = _holder_by_identity(real, identity)
            raise ProjectLocked(
                f"{path.name} is open in another annotator window or command under another "
                f"name{f' ({name})' if name else ''}: it is the same file{_describe(holder)}. "
                "Two names for one project keep two journals, so only one may write; close "
                "it there to make changes here, or read it under the name it is open as.",
                holder)
        problem = _another_names_journal(path, real, identity)
        if problem:
            _let_go(fd, identity)
            raise ProjectError(problem)
        if fd is not None:
            record = {"pid": os.getpid(), "host": socket.gethostname(), "user": _user(),
                      "path": key}
            if identity is not None:
                record.update(dev=identity[0], ino=identity[1])
            try:  # who holds it, for the message a second writer reads
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, json.dumps(record).encode())
            except OSError:
                pass  # a full disk: the lock holds all the same, only unnamed
        _held[key] = _Held(fd, identity, 1)


def release(path: Path) -> None:
    key = str(path.resolve())
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry.count -= 1
        if entry.count:
            return
        del _held[key]
        if entry.lock_fd is not None:
            try:
                os.ftruncate(entry.lock_fd, 0)
            except OSError:
                pass
        _let_go(entry.lock_fd, entry.identity)


def _let_go(lock_fd: int | None, identity: tuple[int, int] | None) -> None:
    if lock_fd is not None:
        _unlock(lock_fd)
        os.close(lock_fd)
    if identity is not None:
        _release_identity(identity)


# -- the sidecar lock file --------------------------------------------------------------

def _open_lock_file(lock: Path, project: Path) -> int | None:
    """Open (or create) the sidecar without following a link. None when the folder
    cannot hold one (read-only medium): SQLite's own locks still hold there."""
    def refuse(what: str) -> ProjectError:
        return ProjectError(
            f"{project.name} was not opened for writing: {lock.name} beside it is {what}, "
            "not a lock file annotator made (it may have come with a shared copy). It was "
            "left untouched; remove it and open the project again.")

    try:
        st = os.lstat(lock)
    except FileNotFoundError:
        st = None
    except OSError:
        return None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise refuse(_kind(st.st_mode))
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(lock, flags, 0o644)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # became a link since the lstat
            raise refuse("a link") from None
        return None
    st = os.fstat(fd)
    what = ""
    if not stat.S_ISREG(st.st_mode):
        what = _kind(st.st_mode)
    elif st.st_nlink != 1:
        what = "a second name (a hard link) of another file"
    elif st.st_size > _MOST_A_LOCK_HOLDS or not _looks_ours(_read(fd)):
        what = "a file with other content"
    if what:
        os.close(fd)
        raise refuse(what)
    return fd


def _looks_ours(content: str) -> bool:
    """Empty (released) or the JSON record a holder wrote."""
    if not content:
        return True
    try:
        return isinstance(json.loads(content), dict)
    except ValueError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a plain file"


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)  # no pread on Windows
        return os.read(fd, _MOST_A_LOCK_HOLDS).decode("utf-8", "replace").strip()
    except OSError:
        return ""


# -- the lock on the project file itself (hard links) -----------------------------------

def _identity(real: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(real)
    except OSError:
        return None  # not created yet: no other name can exist
    return (st.st_dev, st.st_ino)


def _try_identity_lock(real: Path, identity: tuple[int, int]) -> bool:
    """Lock the identity byte of the project file; True when taken (or when this
    platform or file cannot carry it: the sidecar still guards the common case)."""
    fd = _identity_fds.get(identity)
    if fd is None:
        flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(real, flags)
        except OSError:
            return True  # not writable here: SQLite will refuse writes anyway
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != identity:  # swapped since it was looked at
            os.close(fd)
            return False
        _identity_fds[identity] = fd
    return _lock_byte(fd)


def _release_identity(identity: tuple[int, int]) -> None:
    """Unlock; close only a descriptor whose file no longer has a name (replaced by a
    restore): nothing can reach it, and keeping it would keep its disk space."""
    fd = _identity_fds.get(identity)
    if fd is None:
        return
    _unlock_byte(fd)
    try:
        gone = os.fstat(fd).st_nlink == 0
    except OSError:
        gone = True
    if gone:
        os.close(fd)
        del _identity_fds[identity]


def _journal_under_another_name(real: Path, identity: tuple[int, int] | None) -> Path | None:
    """A non-empty ``-wal`` beside another name of this file in its folder. SQLite
    names the journal after the name used, so changes a writer under that name left
    there (killed before it closed) are invisible here, and would be replayed over
    ours when that name is next opened. Called with the identity lock held: no writer
    is using it now."""
    try:
        if identity is None or os.stat(real).st_nlink < 2:
            return None
        names = [e for e in os.scandir(real.parent) if e.name != real.name
                 and not e.name.endswith(("-wal", "-shm", "-journal", ".lock"))]
    except OSError:
        return None
    for entry in names[:_MOST_LOCKS_READ * 4]:
        try:
            st = entry.stat(follow_symlinks=False)
            if (st.st_dev, st.st_ino) != identity:
                continue
            journal = Path(entry.path + "-wal")
            if journal.lstat().st_size > 0:
                return journal
        except OSError:
            continue
    return None


def _another_names_journal(path: Path, real: Path,
                           identity: tuple[int, int] | None) -> str:
    """What is wrong, if another name of this file (a hard link beside it) has a
    journal with changes in it: they are invisible under this name, and writing here
    first would have them replayed over ours later (a corrupt file)."""
    stranded = _journal_under_another_name(real, identity)
    if stranded is None:
        return ""
    other = stranded.name[:-len("-wal")]
    holder, _ = _holder_by_identity(real, identity)
    if holder:
        return (f"{path.name} is open in another annotator window or command as {other}, "
                f"the same file under another name{_describe(holder)}. Its latest changes "
                f"are in {stranded.name}, which SQLite reads only under that name: open "
                f"{other} instead (read-only to read it), or close it there first.")
    return (f"{path.name} was not opened: it is the same file as {other} beside it (a "
            f"hard link), and {stranded.name} still holds changes made under that name "
            "that are not in the file yet; writing here first would corrupt the project. "
            f"Open {other} once and close it (that folds them in), then open {path.name}.")


def _holder_by_identity(real: Path, identity: tuple[int, int]) -> tuple[str, str]:
    """The record and file name of the holder of the same file under another name,
    looked for among the lock files in its folder (where tar and ``ln`` put them)."""
    try:
        entries = [e for e in os.scandir(real.parent) if e.name.endswith(".lock")]
    except OSError:
        return "", ""
    for entry in entries[:_MOST_LOCKS_READ]:
        try:
            if not entry.is_file(follow_symlinks=False) or \
                    entry.stat(follow_symlinks=False).st_size > _MOST_A_LOCK_HOLDS:
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            # a record left by a holder that was killed is not held: skip it (a share
            # lock for an instant, only while the file is already known to be taken)
            stale = _try_lock(fd, shared=True)
            if stale:
                _unlock(fd)
            text = "" if stale else _read(fd)
        finally:
            os.close(fd)
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if isinstance(record, dict) and (record.get("dev"), record.get("ino")) == identity:
            return text, Path(str(record.get("path", ""))).name
    return "", ""


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

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

    # Windows byte locks are mandatory: none on the database SQLite reads and writes
    def _lock_byte(fd: int) -> bool:
        return True

    def _unlock_byte(fd: int) -> None:
        pass
else:
    import fcntl
    import struct

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    _OFD = getattr(fcntl, "F_OFD_SETLK", None)

    def _ofd(fd: int, kind: int) -> bool | None:
        """An open-file-description lock on the identity byte (Linux); None when the
        kernel has none."""
        # struct flock: short l_type, l_whence; off_t l_start, l_len; pid_t l_pid (0)
        request = struct.pack("hhqqi4x", kind, os.SEEK_SET, IDENTITY_BYTE, 1, 0)
        try:
            fcntl.fcntl(fd, _OFD, request)
            return True
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                return None
            return False

    def _lock_byte(fd: int) -> bool:
        if _OFD is not None:
            taken = _ofd(fd, fcntl.F_WRLCK)
            if taken is not None:
                return taken
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, IDENTITY_BYTE)
            return True
        except OSError:
            return False

    def _unlock_byte(fd: int) -> None:
        if _OFD is not None and _ofd(fd, fcntl.F_UNLCK) is not None:
            return
        try:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, IDENTITY_BYTE)
        except OSError:
            pass


def check_journal_files(path: Path) -> None:
    """Refuse a project whose SQLite journal names (``-wal``, ``-shm``, ``-journal``,
    beside the resolved file, where SQLite looks) are links or not plain files: SQLite
    would write through them into whatever they point at. Says what to remove. Also
    refuses, for reading too, a hard-linked project whose other name has a journal with
    changes in it: under this name SQLite would not see them."""
    real = path.resolve()
    for suffix in ("-wal", "-shm", "-journal"):
        beside = real.with_name(real.name + suffix)
        try:
            st = os.lstat(beside)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
            continue
        what = (_kind(st.st_mode) if not stat.S_ISREG(st.st_mode)
                else "a second name (a hard link) of another file")
        raise ProjectError(
            f"{path.name} was not opened: the file {beside.name} beside it is {what}, not "
            "a journal SQLite wrote (it may have come with a shared copy). The project "
            f"itself is unchanged; remove {beside.name} and open it again.")
    problem = _another_names_journal(path, real, _identity(real))
    if problem:
        raise ProjectError(problem)
