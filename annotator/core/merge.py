"""Bring a colleague's copy of a project into this one, and share a compacted copy.

The colleague's file is attached read-only (``mode=ro`` URI); its schema is checked
(application id and version from the header bytes, every table a real table with our
columns, no generated columns) before any row is read; only its tables are read, so
its triggers and views never run (``trusted_schema=OFF`` besides). Every row is
validated as hostile input (types, lengths, JSON, offsets, finite numbers, timestamps
not from the future); a bad row is reported and skipped, never fatal.

Matching: documents by SHA-256 of their bytes, tags by kind + name + parent (ignoring
case and accents), entities by id, a shared identifier, or type + name; every other
row by UUID. Where both have a row, the later ``modified_at`` wins (ties: the larger
content, so either order gives the same result) and a tombstone deletes; an entity
matched under two ids keeps the union of aliases and identifiers. When a
transcription's text differs, the winning text is kept and the other side's passages
are re-anchored onto it. Authors are kept. The merge is one transaction after a backup
copy, recorded in the change journal as one change set, so :func:`unmerge` (or
``annotator undo``) takes it back as one step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core import backups, schema
from annotator.core.annotation_import.project_rows import stale_index
from annotator.core.annotation_import.project_tables import RowMerger
from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.project import _inspect

if TYPE_CHECKING:
    from annotator.core.project import Project

__all__ = ["MergeError", "MergeReport", "copy_for_colleague", "merge", "unmerge"]
#: ``progress(done, total)`` over their annotations; returning False cancels.
Progress = Callable[[int, int], bool] | None


class MergeError(AnnotatorError):
    """The colleague's file cannot be merged; nothing was changed."""


@dataclass(slots=True)
class MergeReport:
    """What a merge did, and what :func:`unmerge` needs to undo it."""

    other: str
    backup: str = ""
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)  # same thing under another id
    unmatched: list[str] = field(default_factory=list)  # rows not brought in, and why
    reanchored: int = 0
    changeset: int | None = None  # the merge's change set in the journal (undo takes it back)
    changes: OpChanges = field(default_factory=OpChanges)

    def summary(self) -> str:
        def part(label: str, counts: dict[str, int]) -> str:
            return f"{label} " + (", ".join(f"{n} {k}" for k, n in counts.items() if n)
                                  or "nothing")
        text = "; ".join((part("added", self.added), part("updated", self.updated),
                          part("matched", self.matched)))
        if self.reanchored:
            text += f"; {self.reanchored} passage(s) re-anchored onto the kept text"
        if self.unmatched:
            text += f"; {len(self.unmatched)} row(s) could not be merged"
        return text


# -- the file itself ------------------------------------------------------------------


def _check_schema(conn: sqlite3.Connection, version: int) -> None:
    """Their file must have our tables, as tables, with our columns, none generated:
    checked on sqlite_master and table_xinfo before any of their rows is read."""
    kinds = dict(conn.execute("SELECT name, type FROM theirs.sqlite_master"))
    for table in (*schema.TABLES, *(("rejected_suggestions",) if version >= 2 else ())):
        if kinds.get(table) != "table":
            raise MergeError(f"the other file has no table {table!r} (it is damaged or "
                             "was not made by annotator); nothing was merged.")
        sql = conn.execute("SELECT sql FROM theirs.sqlite_master WHERE name = ?",
                           (table,)).fetchone()[0] or ""
        if "VIRTUAL" in sql.upper():
            raise MergeError(f"the other file's {table} is a virtual table; refused.")
        theirs = {r[1]: r[6] for r in conn.execute(f"PRAGMA theirs.table_xinfo({table})")}
        ours = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
        missing = [c for c in ours if c not in theirs]
        if missing or any(hidden for hidden in theirs.values()):
            raise MergeError(f"the other file's table {table} does not have the expected "
                             f"columns ({', '.join(missing) or 'generated columns'}); refused.")


def merge(project: Project, other: str | Path, *, backup: bool = True,
          progress: Progress = None) -> OpResult[MergeReport]:
    """Merge the project file ``other`` into ``project`` (see the module docstring).
    ``progress(done, total)`` counts their annotations; returning False cancels and
    changes nothing. The report lists what was added, updated, matched and not
    merged, and what :func:`unmerge` needs; a backup copy is written first."""
    other = Path(other)
    if project.read_only:
        raise ProjectError(f"{project.path.name} is open read-only; nothing can be merged in.")
    try:
        version = _inspect(other)
    except ProjectError as exc:
        raise MergeError(str(exc)) from None
    if other.resolve() == project.path.resolve():
        raise MergeError("a project cannot be merged into itself.")
    conn = project.conn
    uri = other.resolve().as_uri() + "?mode=ro"
    try:
        conn.execute("ATTACH DATABASE ? AS theirs", (uri,))
    except sqlite3.Error as exc:
        raise MergeError(f"{other.name} cannot be opened: {exc}.") from None
    text_factory = conn.text_factory
    # a hostile file may hold bytes that are not UTF-8: such a value becomes U+FFFD in
    # that row (then checked like any other) instead of an error that stops the merge
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        attached = {r[1]: r[2] for r in conn.execute("PRAGMA database_list")}
        if Path(attached.get("theirs") or "/").resolve() != other.resolve():
            raise MergeError("this SQLite cannot open files read-only by URI; refused.")
        _check_schema(conn, version)
        report = MergeReport(str(other))
        if backup:
            report.backup = str(backups.make_backup(conn, project.path,
                                                    f"before merging {other.stem}") or "")
        total = conn.execute("SELECT count(*) FROM theirs.annotations").fetchone()[0]
        done = [0]

        def tick() -> None:
            done[0] += 1
            if progress is not None and (done[0] % 500 == 0 or done[0] == total):
                if progress(done[0], total) is False:
                    raise MergeError("the merge was cancelled; nothing was changed.")

        with project.transaction(f"Merge {other.stem}", kind="merge"):
            m = RowMerger(project, report)
            m.authors()
            m.tags()
            m.entities()
            m.documents()
            m.document_links()
            m.annotations(tick)
            m.links()
            if version >= 2 and schema.SCHEMA_VERSION >= 2:
                m.rejected_suggestions()
            stale_index(conn, report.changes)
        report.changeset = project.last_changeset
    except sqlite3.Error as exc:  # a constraint the checks missed: nothing was changed
        raise MergeError(f"{other.name} could not be merged ({exc}); nothing was changed.") \
            from None
    finally:
        conn.text_factory = text_factory
        project.forget_caches()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE theirs")
    return OpResult(report, report.changes)


def unmerge(project: Project, report: MergeReport) -> OpResult[MergeReport]:
    """Undo a merge: its change set replayed backwards, in one transaction (rows it
    added are removed, rows it changed get back what they held, where nothing later
    changed them again)."""
    if report.changeset is None:
        raise AnnotatorError("this merge changed nothing; there is nothing to take back.")
    result = project.undo(report.changeset)
    return OpResult(report, result.changes)


def copy_for_colleague(project: Project, target: str | Path) -> OpResult[Path]:
    """"Save a copy for a colleague…": a compacted, self-contained copy (VACUUM INTO,
    no -wal beside it) with every source inside. Refuses to overwrite a file."""
    target = Path(target)
    if target.exists():
        raise AnnotatorError(f"{target} already exists; choose another name.")
    if not target.parent.is_dir():
        raise AnnotatorError(f"the folder {target.parent} does not exist.")
    try:
        project.conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise AnnotatorError(f"the copy could not be written: {exc}.") from None
    _inspect(target)  # the copy must open as one of our files
    return OpResult(target, OpChanges())
