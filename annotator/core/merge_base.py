"""The common ancestor of two copies: the snapshot ``copy-for-colleague`` sent.

A copy for a colleague carries, in its ``project`` table under ``sent_snapshot``, the
id of the snapshot that was sent; the snapshot itself is kept with the project's
backups, in ``<name>.annot.backups/sent/<id>.annot`` (apart from the rolling backups,
which are pruned by number). When the copy comes back, :func:`sent_base` finds that
snapshot, and the merge is three-way. The id is read from the colleague's file, so it
is hostile input: only a plain id names a file, and only a regular file in that folder
is used (it is then checked like any file to merge).
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from annotator.core import backups, verified
from annotator.core.errors import ProjectError
from annotator.core.util import new_id

SENT_KEY = "sent_snapshot"
_SENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: sent snapshots kept per project (each is a whole compacted copy)
KEEP_SENT = 20


def sent_dir(project_path: Path) -> Path:
    return backups.backup_dir(project_path) / "sent"


def record_sent(copy: Path, project_path: Path) -> str | None:
    """Write a new snapshot id into ``copy`` (a file nobody else has yet) and keep the
    copy as it is then among the project's sent snapshots; None, and the copy without
    an id, when the backups folder cannot take it (a later merge is then two-way)."""
    if backups.folder_problem(project_path) is not None:
        return None
    folder = sent_dir(project_path)
    try:
        folder.parent.mkdir(exist_ok=True)
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    if folder.is_symlink() or not folder.is_dir() or backups.folder_problem(project_path):
        return None
    snapshot_id = new_id()
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("INSERT OR REPLACE INTO project (key, value) VALUES (?, ?)",
                     (SENT_KEY, snapshot_id))
    finally:
        conn.close()
    target = folder / f"{snapshot_id}.annot"
    partial = target.with_suffix(".partial")
    try:
        backups.copy_durably(copy, partial)
        os.replace(partial, target)
        # we wrote it from our own project: merging against it needs no second check
        from annotator.core.project import _inspect

        verified.remember(target, _inspect(target), verified.fingerprint(target))
    except (OSError, ProjectError):
        partial.unlink(missing_ok=True)
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            conn.execute("DELETE FROM project WHERE key = ?", (SENT_KEY,))
        finally:
            conn.close()
        return None
    _prune(folder)
    return snapshot_id


def _prune(folder: Path) -> None:
    found = sorted((p for p in folder.glob("*.annot") if p.is_file() and not p.is_symlink()),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for old in found[KEEP_SENT:]:
        old.unlink(missing_ok=True)


def sent_base(project_path: Path, snapshot: Path) -> tuple[Path | None, str]:
    """The snapshot the colleague's (checked, private) copy names, if we sent it and
    still have it, and a note when it names one we do not have."""
    try:
        conn = sqlite3.connect(f"{snapshot.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None, ""
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        row = conn.execute("SELECT value FROM project WHERE key = ?", (SENT_KEY,)).fetchone()
    except sqlite3.Error:
        row = None
    finally:
        conn.close()
    value = row[0] if row else None
    if not isinstance(value, str) or not _SENT_ID.fullmatch(value):
        return None, ""
    path = sent_dir(project_path) / f"{value}.annot"
    if backups.folder_problem(project_path) or path.is_symlink() or not path.is_file():
        return None, ("the other file was sent from a copy whose snapshot is not among this "
                      "project's sent copies (sent from another project, or removed)")
    return path, ""


#: rolling backups looked at for a common ancestor (newest first)
_BACKUPS_TRIED = 20


def _history(conn: sqlite3.Connection, schema_name: str = "main") -> set[str]:
    """The change sets a file holds as done, by their unique ids."""
    try:
        return {r[0] for r in conn.execute(
            f"SELECT uid FROM {schema_name}.changesets WHERE state = 'done'")
            if isinstance(r[0], str)}
    except sqlite3.Error:  # a file from before the journal (format < 4)
        return set()


def _file_history(path: Path) -> set[str]:
    from annotator.core.errors import AnnotatorError
    from annotator.core.project import _inspect

    try:
        if _inspect(path) < 4:
            return set()
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except (AnnotatorError, sqlite3.Error, OSError):
        return set()
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        return _history(conn)
    finally:
        conn.close()


def backup_base(project_path: Path, conn: sqlite3.Connection,
                snapshot: Path) -> tuple[Path | None, str]:
    """A common ancestor among our rolling backups, for two copies of one project that
    diverged without a recorded snapshot (a sync client's conflicted copy, a copy made
    by hand): the newest backup whose every change set (by unique id, as done) is in
    both files' journals. Both then descend from it, so it is a sound base — an older
    one than the true fork at worst, which can only make more conflicts (both versions
    kept), never lose one. None when no backup qualifies (no shared history kept, a
    journal compacted since, files before format 4): the merge is two-way."""
    ours = _history(conn)
    theirs = _file_history(snapshot)
    if not ours or not theirs:
        return None, ""
    for backup in backups.list_backups(project_path)[:_BACKUPS_TRIED]:
        if backup.path.stat().st_size == 0:
            continue
        held = _file_history(backup.path)
        if held and held <= ours and held <= theirs:
            return backup.path, (f"common ancestor: the backup of {backup.label} (both "
                                 "copies hold all of its history)")
    return None, ""
