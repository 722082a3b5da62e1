"""Rolling backups of a project file, made with SQLite's backup API (consistent even
while the project is open): before migrations and merges, and once a day of use.

They live in a folder beside the project, ``<name>.annot.backups/``, named by time and
reason, and are pruned to a bounded number. A damaged project is detected on open and
the newest good backup is offered.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core.errors import ProjectError

#: Backups kept per project (the oldest go first); migration backups are kept apart.
KEEP = 10
DAILY = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    made_at: datetime
    reason: str

    @property
    def label(self) -> str:
        return f"{self.made_at.astimezone():%Y-%m-%d %H:%M} — {self.reason}"


def backup_dir(project_path: Path) -> Path:
    return project_path.with_name(project_path.name + ".backups")


def make_backup(conn: sqlite3.Connection, project_path: Path, reason: str) -> Path:
    """Copy the open database into the backups folder and prune old ones."""
    folder = backup_dir(project_path)
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}.{_slug(reason)}.annot"
    partial = target.with_suffix(".partial")
    dest = sqlite3.connect(partial)
    try:
        conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    finally:
        dest.close()
    os.replace(partial, target)  # a half-written backup never looks like a good one
    prune(project_path)
    return target


def list_backups(project_path: Path) -> list[Backup]:
    """Newest first."""
    folder = backup_dir(project_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.annot"):
        stamp, _, rest = path.name.partition(".")
        try:
            made = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append(Backup(path, made, rest.removesuffix(".annot").replace("-", " ")))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def prune(project_path: Path, keep: int = KEEP) -> None:
    for old in list_backups(project_path)[keep:]:
        old.path.unlink(missing_ok=True)


def is_due(project_path: Path) -> bool:
    """Whether today's backup is still to be made."""
    backups = list_backups(project_path)
    return not backups or datetime.now(UTC) - backups[0].made_at > DAILY


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


def restore(backup: Backup | Path, project_path: Path) -> Path | None:
    """Replace the (closed) project file with a backup. The file being replaced is kept
    beside it as ``<name>.replaced-<time>.annot`` — nothing is ever thrown away."""
    source = backup.path if isinstance(backup, Backup) else Path(backup)
    if not is_good(source):
        raise ProjectError(f"the backup {source.name} is damaged too; choose another.")
    kept = None
    if project_path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept = project_path.with_name(f"{project_path.stem}.replaced-{stamp}{project_path.suffix}")
        os.replace(project_path, kept)
    for suffix in ("-wal", "-shm"):
        Path(str(project_path) + suffix).unlink(missing_ok=True)
    tmp = project_path.with_name(project_path.name + ".restoring")
    shutil.copyfile(source, tmp)
    os.replace(tmp, project_path)
    return kept


def _slug(reason: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in reason.lower()).strip("-")[:40] or "backup"
