"""Compacting the change journal: history older than a date is let go.

Every action keeps its before and after images, so a project edited for years carries
its whole past (measured: ``benchmarks`` case "history"). A team that no longer needs
the field-by-field history of last year's work compacts it: the change sets made
before the date are removed, and the file is vacuumed to give the space back.

What stays: every current row exactly as it is (the journal is not the data: rows
carry their own author, created_at and modified_at, which merges read), the newer
history, and the merge bases — a three-way merge reads its base from a file (git's
merge base, or the snapshot ``copy-for-colleague`` kept among the backups), never
from the journal, and the ``sent_snapshot`` mark in the project table is untouched.
Undo cannot reach back past the date any more; the project table says from when the
history is complete.

Safe against a kill: the deletion is one SQLite transaction, and VACUUM rewrites the
file through the write-ahead log, so a kill at any moment leaves the journal either
as it was or compacted, and the rows always intact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError, ProjectError

if TYPE_CHECKING:
    from annotator.core.project import Project

#: the project key that says history before this date was compacted
COMPACTED_KEY = "history_compacted_before"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(slots=True)
class CompactReport:
    before: str  # the date (YYYY-MM-DD, UTC)
    changesets: int  # removed
    changes: int  # rows of the journal removed
    size_before: int  # bytes of the file
    size_after: int


def compact_before(project: Project, date: str, *, vacuum: bool = True) -> OpResult[CompactReport]:
    """Remove the change sets made before ``date`` (YYYY-MM-DD, UTC midnight), then
    VACUUM (unless ``vacuum`` is False) to give the space back."""
    if project.read_only:
        raise ProjectError(f"{project.path.name} is open read-only; nothing can be compacted.")
    if not _DATE.fullmatch(date or ""):
        raise AnnotatorError(f"“{date}” is not a date; give it as 2026-01-01.")
    if project.schema_version < 4:
        raise AnnotatorError(f"{project.path.name} keeps no history of changes.")
    cutoff = f"{date}T00:00:00"
    conn = project.conn
    size_before = _size(project)
    with project.transaction(record=False):
        old = "SELECT id FROM changesets WHERE created_at < ?"
        changes = conn.execute(f"DELETE FROM changes WHERE changeset_id IN ({old})",
                               (cutoff,)).rowcount
        changesets = conn.execute("DELETE FROM changesets WHERE created_at < ?",
                                  (cutoff,)).rowcount
        if changesets:
            known = conn.execute("SELECT value FROM project WHERE key = ?",
                                 (COMPACTED_KEY,)).fetchone()
            if known is None or known[0] < date:
                conn.execute("INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = excluded.value", (COMPACTED_KEY, date))
    if changesets and vacuum:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report = CompactReport(date, changesets, changes, size_before, _size(project))
    return OpResult(report, OpChanges(project=bool(changesets)))


def _size(project: Project) -> int:
    page_size = project.conn.execute("PRAGMA page_size").fetchone()[0]
    pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
    return page_size * pages
