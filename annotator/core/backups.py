"""Rolling backups of a project file, made with SQLite's backup API (consistent even
while the project is open): before migrations and merges, and once a day of use.

They live in a folder beside the project, ``<name>.annot.backups/``, named by time and
reason, and are pruned to a bounded number. A damaged project is detected on open and
the newest good backup is offered. Backups are written only into a real folder of our
own: a symbolic link or a file under that name (it can arrive with a shared project) is
refused, and the backup skipped with a warning, never written elsewhere.

Restoring never loses work and never leaves a project half written: the file being
replaced is first made complete (its write-ahead log folded in) and kept beside it;
the backup is copied to ``<name>.annot.restoring``, flushed to disk and renamed over
the project in one step. A restore killed before that rename is rolled back the next
time the project is opened (:func:`finish_interrupted_restore`).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core import locking, verified
from annotator.core.errors import ProjectError

#: Backups kept per project (the oldest go first): at most KEEP, and together at most
#: BUDGET times the project's own size (the newest is always kept), so a 2 GB scan
#: project keeps a few copies, not 20 GB of them.
KEEP = 10
BUDGET = 4
#: A backup is skipped, with a warning, when it would leave less than this free.
DISK_MARGIN = 256 * 1024 * 1024
DAILY = timedelta(hours=24)
#: pages copied per step of a background backup (4 MB at 4 KB pages): between steps it
#: can be stopped, and the project is never held for long
STEP_PAGES = 1024
#: What SQLite keeps beside a database: its write-ahead log and index, or a rollback
#: journal. A stale one beside a restored file would be replayed into it.
SIDECARS = ("-wal", "-shm", "-journal")

#: how long a restore waits for a reader to let the log be folded in (milliseconds)
FOLD_WAIT_MS = 3000

log = logging.getLogger(__name__)


class BackupRefused(ProjectError):
    """The backups folder is not a real folder of ours; nothing was written."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    made_at: datetime
    reason: str

    @property
    def label(self) -> str:
        return f"{self.made_at.astimezone():%Y-%m-%d %H:%M} — {self.reason}"


def backup_dir(project_path: Path) -> Path:
    """Beside the real file, so a project reached through a symbolic link has one
    folder of backups, next to the file that restore replaces."""
    real = Path(project_path).resolve()
    return real.with_name(real.name + ".backups")


def folder_problem(project_path: Path) -> str | None:
    """Why backups may not be written into (or read from) the backups folder, if so."""
    folder = backup_dir(project_path)
    try:
        found = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"the backups folder {folder} cannot be read ({exc.strerror})"
    if stat.S_ISLNK(found.st_mode):
        return (f"{folder.name} is a symbolic link, not a folder; backups are written only "
                "into a real folder beside the project (remove or rename the link)")
    if not stat.S_ISDIR(found.st_mode):
        return (f"{folder.name} is a file, not a folder; backups are written only into a "
                "real folder beside the project (remove or rename that file)")
    if hasattr(os, "geteuid") and found.st_uid != os.geteuid():
        return (f"the backups folder {folder} belongs to another user; backups are written "
                "only into a folder of your own")
    return None


def make_backup(conn: sqlite3.Connection, project_path: Path, reason: str, *,
                strict: bool = False, stop: Callable[[], bool] | None = None) -> Path | None:
    """Copy the open database into the backups folder and prune old ones. When that
    folder is not a real folder of ours, or the disk has no room for the copy, the
    backup is skipped with a warning (the work it would have protected goes on), or
    refused with BackupRefused if ``strict`` (a backup asked for by hand).
    ``stop``: asked between steps of STEP_PAGES pages; True abandons the copy (nothing
    is left behind) and returns None."""
    folder = backup_dir(project_path)
    problem = folder_problem(project_path)
    if problem is None:
        folder.mkdir(exist_ok=True)
        problem = folder_problem(project_path)  # what mkdir found may have been planted
    if problem is None:
        problem = _room_problem(project_path, folder)
    if problem is not None:
        if strict:
            raise BackupRefused(f"no backup was made: {problem}.")
        log.warning("annotator: the %s backup was skipped: %s.", reason, problem)
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}.{_slug(reason)}.annot"
    partial = target.with_suffix(".partial")
    dest = sqlite3.connect(partial)
    stopped = False
    try:
        if stop is None:
            conn.backup(dest)
        else:
            def step(_status: int, _remaining: int, _total: int) -> None:
                nonlocal stopped
                if stop():
                    stopped = True
                    raise _Stopped

            try:
                conn.backup(dest, pages=STEP_PAGES, progress=step)
            except _Stopped:
                pass
        if not stopped:
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            version = dest.execute("PRAGMA user_version").fetchone()[0]
    finally:
        dest.close()
    if stopped:
        partial.unlink(missing_ok=True)
        return None
    os.replace(partial, target)  # a half-written backup never looks like a good one
    # a copy of the checked open project: a merge against it (as the common ancestor)
    # reads it unchecked while it is unchanged (issue 17: 1.7 GB at 1M annotations)
    verified.remember(target, version, verified.fingerprint(target))
    prune(project_path)
    return target


class _Stopped(Exception):
    """Raised from the backup's progress call to abandon it."""


def make_backup_of(project_path: Path, reason: str,
                   stop: Callable[[], bool] | None = None) -> Path | None:
    """A backup through a read-only connection of its own, for a background thread:
    a reader of a WAL database sees one consistent state and never blocks the
    project's writes. Returns None if stopped or skipped."""
    real = Path(project_path).resolve()
    conn = sqlite3.connect(f"{real.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        return make_backup(conn, project_path, reason, stop=stop)
    finally:
        conn.close()


class BackgroundBackup:
    """The day's backup made beside the work (the workbench opens at once): a thread
    copying in steps through its own connection, stopped between two steps when the
    project closes (a stopped copy leaves nothing; the backup is due again)."""

    def __init__(self, project_path: Path, reason: str = "daily") -> None:
        self.project_path, self.reason = Path(project_path), reason
        self.made: Path | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="annotator-backup",
                                        daemon=True)

    def start(self) -> BackgroundBackup:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.made = make_backup_of(self.project_path, self.reason, stop=self._stop.is_set)
        except (OSError, sqlite3.Error, ProjectError) as exc:  # a backup never stops the work
            log.warning("annotator: the %s backup failed: %s", self.reason, exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the copy is finished (for tests and for closing gracefully)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


def _room_problem(project_path: Path, folder: Path) -> str | None:
    """Why a copy would fill the disk, if it would."""
    try:
        size = sum(os.stat(f"{project_path}{s}").st_size for s in ("", "-wal")
                   if os.path.exists(f"{project_path}{s}"))
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free - size < DISK_MARGIN:
        return (f"the disk has {free // 2**20} MB free and a copy of the project needs "
                f"{size // 2**20} MB with {DISK_MARGIN // 2**20} MB to spare; free some "
                "space (older backups are in " + str(folder) + ")")
    return None


def list_backups(project_path: Path) -> list[Backup]:
    """Newest first. None from a backups folder that is not a real folder of ours."""
    folder = backup_dir(project_path)
    if not folder.is_dir() or folder_problem(project_path):
        return []
    found = []
    for path in folder.glob("*.annot"):
        if path.is_symlink():  # not a backup we made; restoring it would copy any file
            continue
        stamp, _, rest = path.name.partition(".")
        try:
            made = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append(Backup(path, made, rest.removesuffix(".annot").replace("-", " ")))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def prune(project_path: Path, keep: int = KEEP, budget: int = BUDGET) -> None:
    """Keep the newest ``keep`` backups that fit together in ``budget`` times the
    project's size; the newest one always stays."""
    try:
        allowed = budget * os.stat(project_path).st_size
    except OSError:
        allowed = 0
    used = 0
    for i, old in enumerate(list_backups(project_path)):
        try:
            used += old.path.stat().st_size
        except OSError:
            continue
        if i >= keep or (i > 0 and allowed and used > allowed):
            old.path.unlink(missing_ok=True)


def is_due(project_path: Path) -> bool:
    """Whether today's backup is still to be made: none for a day, and the project
    changed since the newest one (its file or its write-ahead log is newer)."""
    backups = list_backups(project_path)
    if not backups:
        return True
    newest = backups[0].made_at
    if datetime.now(UTC) - newest <= DAILY:
        return False
    changed = 0.0
    for suffix in ("", "-wal"):
        try:
            found = os.stat(f"{project_path}{suffix}")
        except OSError:
            continue
        if found.st_size:  # opening makes an empty log: that is no change
            changed = max(changed, found.st_mtime)
    return datetime.fromtimestamp(changed, UTC) > newest


def is_good(path: Path) -> bool:
    """A backup (or project) that SQLite can read and that passes quick_check."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def newest_good(project_path: Path) -> Backup | None:
    return next((b for b in list_backups(project_path) if is_good(b.path)), None)


# -- restore -------------------------------------------------------------------------


def restore(backup: Backup | Path, project_path: Path) -> Path | None:
    """Replace the (closed) project file with a backup, in one rename: at every moment
    a whole project is at its path, the old one or the restored one. The file being
    replaced is kept beside it as ``<name>.replaced-<time>.annot``, with the work its
    write-ahead log held — nothing is ever thrown away. Through a symbolic link the
    real file is replaced and the link kept. Raises ProjectLocked while the project
    is open for writing elsewhere, and ProjectError, the project as it was, when the
    copy cannot be written (a full disk, a folder not writable)."""
    source = backup.path if isinstance(backup, Backup) else Path(backup)
    if not is_good(source):
        raise ProjectError(f"the backup {source.name} is damaged too; choose another.")
    real = Path(project_path).resolve()
    if real.is_dir():
        raise ProjectError(f"{real} is a folder, not a project file; nothing was restored.")
    locking.acquire(real)  # nobody may write to the project while it is replaced
    try:
        partial = _restoring(real)
        partial.unlink(missing_ok=True)
        present = real.exists()
        folded = _fold_journal(real) if present else True
        mode = stat.S_IMODE(real.stat().st_mode) if present else 0o666
        copy_durably(source, partial, mode)
        kept = _keep_aside(real, folded) if present else None
        for suffix in SIDECARS:  # folded into the kept copy, or carried along with it
            _sidecar(real, suffix).unlink(missing_ok=True)
        os.replace(partial, real)
    except OSError as exc:
        _roll_back(real)
        raise ProjectError(f"the backup could not be restored ({exc.strerror or exc}); "
                           f"{real.name} is as it was.") from None
    finally:
        locking.release(real)
    sync_folder(real.parent)
    return kept


def finish_interrupted_restore(project_path: Path) -> None:
    """Called when a project is opened: a restore killed before its final rename left
    ``<name>.restoring`` beside the untouched project. Roll it back (the partial copy
    and the kept hard link to the current file go). A restore by an older annotator,
    which moved the project aside first, is rolled back by putting the newest replaced
    copy back. Costs one stat when there is nothing to do."""
    real = Path(project_path).resolve()
    partial = _restoring(real)
    if not os.path.lexists(partial):
        return
    try:
        locking.acquire(real)
    except ProjectError:
        return  # a restore running elsewhere (its file is not ours to touch), or no lock
    try:
        if real.exists():
            _roll_back(real)
        elif copies := _replaced(real):
            newest = max(copies, key=lambda p: p.name)  # named by time
            try:
                os.link(newest, real)
            except OSError:
                os.replace(newest, real)
            log.warning("annotator: an interrupted restore was rolled back: %s is "
                        "back at %s.", newest.name, real.name)
        partial.unlink(missing_ok=True)
        sync_folder(real.parent)
    except OSError as exc:  # a read-only folder: open goes on and says what it finds
        log.warning("annotator: an interrupted restore of %s could not be rolled back "
                    "(%s).", real.name, exc.strerror)
    finally:
        locking.release(real)


def _roll_back(real: Path) -> None:
    """Undo a restore that stopped before its rename: the partial copy goes, and so does
    a kept copy that is only a second name of the untouched project (one that carries a
    log the project no longer has stays)."""
    try:
        for kept in _replaced(real):
            if (not kept.is_symlink() and os.path.samefile(kept, real)
                    and not any(os.path.lexists(_sidecar(kept, s)) for s in SIDECARS)):
                kept.unlink()
        _restoring(real).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("annotator: what a failed restore of %s left could not all be removed "
                    "(%s).", real.name, exc.strerror)


def _restoring(real: Path) -> Path:
    return real.with_name(real.name + ".restoring")


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _replaced(real: Path) -> list[Path]:
    return [p for p in real.parent.glob(f"{real.stem}.replaced-*{real.suffix}") if p.is_file()]


def _fold_journal(real: Path) -> bool:
    """Checkpoint the write-ahead log (or roll back a hot journal) into the file itself,
    so the file alone holds every committed action. False when that failed (a damaged
    file, or a reader in the middle of a read): then the log is carried along with the
    kept copy instead."""
    if any(_sidecar(real, s).is_symlink() for s in SIDECARS):
        return True  # planted links, not our log: SQLite must not write through them
    if not any(_sidecar(real, s).exists() for s in SIDECARS):
        return True
    if not _log_fits(real):
        return False  # SQLite would find the log unusable and delete it
    try:
        conn = sqlite3.connect(real, isolation_level=None)
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute(f"PRAGMA busy_timeout = {FOLD_WAIT_MS}")
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return busy == 0 and not _sidecar(real, "-journal").exists()


def _log_fits(real: Path) -> bool:
    """Whether SQLite will read the log as this file's: a damaged header (no magic, an
    impossible page size, one the log's header does not share) makes it discard the
    log as foreign and delete it on close — with the work only the log held."""
    try:
        with open(real, "rb") as fh:
            header = fh.read(100)
        wal = _sidecar(real, "-wal")
        log_header = wal.read_bytes()[:32] if wal.exists() else b""
    except OSError:
        return False
    page = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    page = 65536 if page == 1 else page
    if not header.startswith(b"SQLite format 3\x00") or page < 512 or page & (page - 1):
        return False
    return len(log_header) < 32 or int.from_bytes(log_header[8:12], "big") == page


def _keep_aside(real: Path, folded: bool) -> Path:
    """A second name for the file being replaced (a hard link: no copy, and the
    project stays at its path until the final rename), or a flushed copy where the
    file system has no hard links. An unfolded log goes along under the same name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for n in range(1, 1000):
        kept = real.with_name(f"{real.stem}.replaced-{stamp}{f'-{n}' if n > 1 else ''}"
                              f"{real.suffix}")
        try:
            os.link(real, kept)
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network shares): copy
            try:
                copy_durably(real, kept, stat.S_IMODE(real.stat().st_mode))
            except FileExistsError:
                continue
        break
    else:
        raise ProjectError(f"too many replaced copies of {real.name} from this second.")
    if not folded:
        for suffix in ("-wal", "-journal"):
            log_file = _sidecar(real, suffix)
            if log_file.is_file() and not log_file.is_symlink():
                copy_durably(log_file, _sidecar(kept, suffix),
                              stat.S_IMODE(log_file.stat().st_mode))
    return kept


def copy_durably(source: Path, target: Path, mode: int = 0o666) -> None:
    """Copy to a new file (never through a link planted under its name) and flush it
    to disk before anyone renames it into place (``mode`` is masked by the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_BINARY", 0)
    fd = os.open(target, flags, mode)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb", closefd=False) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        target.unlink(missing_ok=True)
        raise
    os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory handles)."""
    if os.name == "nt":  # pragma: no cover
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder: the rename stands as it is
    finally:
        os.close(fd)


def _slug(reason: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in reason.lower()).strip("-")[:40] or "backup"
