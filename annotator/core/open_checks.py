"""The checks a project file passes before anything is written to it.

A file we have not seen as it is now (changed elsewhere, mailed, restored, pulled) is
checked in full: SQLite's ``quick_check`` of every page, and the type of every value
(SQLite does not enforce declared types, and a crafted file could put text where the
app expects an offset). Both read the whole file; at 1M annotations they take about 2
and 2.5 s. They run side by side, each on its own read-only connection (SQLite lets
go of the GIL while it reads), so a laptop's second core halves the wait. The schema,
where a crafted file's SQL would hide, is compared on every open all the same, and
before any of the file's tables is read.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from annotator.core import backups, locking, schema, verified
from annotator.core.errors import ProjectCorrupt, ProjectError

Connect = Callable[..., sqlite3.Connection]


class _PageCheck(threading.Thread):
    """``PRAGMA quick_check`` on a connection of its own, beside the main thread's work."""

    def __init__(self, path: Path, immutable: bool, connect: Connect) -> None:
        super().__init__(name="annotator-quick-check", daemon=True)
        self.conn = connect(path, read_only=True, immutable=immutable)
        self.result: list[str] = []

    def run(self) -> None:
        try:
            self.result = [r[0] for r in self.conn.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            self.result = [str(exc)]
        finally:
            self.conn.close()

    def outcome(self) -> list[str]:
        self.join()
        return self.result


def validate(path: Path, version: int, immutable: bool, connect: Connect) -> int:
    """Integrity and schema checks through read-only connections, before any write (a
    WAL switch, a migration, a trigger of someone else's) can happen. Returns the
    file-format version as the database itself reads it (WAL included)."""
    locking.check_journal_files(path)  # a planted -wal/-shm link: say so, not "damaged"
    seen = verified.fingerprint(path)
    try:
        conn = connect(path, read_only=True, immutable=immutable)
    except ProjectError as exc:
        raise ProjectCorrupt(str(exc), backups.list_backups(path)) from None
    pages: _PageCheck | None = None
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found != version:
            if found > schema.SCHEMA_VERSION or found < 1:
                raise ProjectError(
                    f"{path.name} has file format {found}; this version of annotator reads "
                    f"1 to {schema.SCHEMA_VERSION}. The file has not been changed.")
            version = found
        # a file unchanged since it passed (or since we closed it) skips the checks of
        # every page and value
        checked = verified.is_verified(path, version)
        if not checked:
            pages = _PageCheck(path, immutable, connect)
            pages.start()
        try:
            problems = schema.foreign_objects(conn, version)
            wrong = [] if checked or problems else schema.type_problems(conn)
        except sqlite3.DatabaseError:
            if pages is not None:
                _damaged(path, pages.outcome())
            raise
        if pages is not None:  # a damaged file is said so first: restoring is the cure
            _damaged(path, pages.outcome())
        if problems:
            raise ProjectError(
                f"{path.name} was not opened: it holds database objects annotator did not "
                f"make ({'; '.join(problems[:5])}{' …' if len(problems) > 5 else ''}). It may "
                "have been altered by another program or crafted on purpose. Merge it into a "
                "new project instead: a merge reads only the rows it knows.")
        if wrong:
            raise ProjectError(
                f"{path.name} was not opened: {'; '.join(wrong[:5])}. It may have been "
                "damaged by another program or crafted on purpose.")
        if not checked:
            verified.remember(path, version, seen)
    except sqlite3.DatabaseError as exc:
        raise ProjectCorrupt(f"{path.name} is damaged ({exc}). Restore the newest good backup.",
                             backups.list_backups(path)) from None
    finally:
        if pages is not None and pages.is_alive():  # an error above: stop reading
            pages.conn.interrupt()
            pages.join()
        conn.close()
    return version


def _damaged(path: Path, result: list[str]) -> None:
    if result != ["ok"]:
        raise ProjectCorrupt(
            f"{path.name} is damaged ({'; '.join(result)[:200]}). Restore the newest good "
            "backup (File ▸ Restore from backup) — the damaged file is kept.",
            backups.list_backups(path))
