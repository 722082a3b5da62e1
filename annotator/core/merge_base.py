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
import shutil
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
        shutil.copyfile(copy, partial)
        fd = os.open(partial, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
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
