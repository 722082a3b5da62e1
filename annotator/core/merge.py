"""Bring a colleague's copy of a project into this one, and share a compacted copy.

The colleague's file is never read where it lies (a WAL beside it may not be its own,
and SQLite would write a -shm there): it is copied, with its -wal if it has one, into a
private temporary folder, and that snapshot must pass the checks an opened project
passes — ``PRAGMA quick_check`` over the file and its WAL together (a WAL from another
copy's history is refused as damage), then the WAL folded in — before it is attached
read-only. Its schema is checked (application id and version, every table a real table
with our columns, no generated columns); only its tables are read, so its triggers and
views never run (``trusted_schema=OFF`` besides) and are only named in the report.
Every row is validated as hostile input (types, UTF-8, lengths, enum values, JSON,
offsets and the quote at them, finite numbers, timestamps not from the future); a bad
row is reported and skipped, never fatal, and a row with text that was not UTF-8 never
replaces one of ours, however late or tied its ``modified_at``.

Matching: documents by SHA-256 of their bytes, tags by kind + name + parent (ignoring
case and accents), entities by id, a shared identifier, or type + name; every other
row by UUID. Where both have a row, the later ``modified_at`` wins (ties: the larger
content, so either order gives the same result) and a tombstone deletes; an entity
matched under two ids keeps the union of aliases and identifiers. When a
transcription's text differs, the winning text is kept and the other side's passages
are re-anchored onto it. Authors are kept. The merge is one transaction after a backup
copy, recorded in the change journal as one change set, so :func:`unmerge` (or
``annotator undo``) takes it back as one step.

A copy for a colleague is :mod:`annotator.core.colleague_copy` (named here too).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core import (
    backups,
    codebook,
    merge_base,
    merge_undo,
    schema,
    search_index,
    verified,
)
from annotator.core.annotation_import.project_relations import merge_relations
from annotator.core.annotation_import.project_rows import garbled_text, stale_index
from annotator.core.annotation_import.project_tables import RowMerger
from annotator.core.changes import OpChanges, OpResult
from annotator.core.codebook import TagTooDeep
from annotator.core.colleague_copy import copy_for_colleague
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.project import _inspect
from annotator.core.verified import Fingerprint

if TYPE_CHECKING:
    from annotator.core.project import Project

__all__ = ["MergeError", "MergeReport", "copy_for_colleague", "merge", "unmerge",
           "unmerge_last"]
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
    #: what was brought in but not as it stood (text with bytes that were not UTF-8,
    #: U+FFFD in their place), and what of their file was not read (objects not ours)
    notes: list[str] = field(default_factory=list)
    reanchored: int = 0
    changeset: int | None = None  # the merge's change set in the journal (undo takes it back)
    #: what views redraw: every row updated, and of the new annotations copied in bulk
    #: at most merge_annotations.SHOWN_IDS (views reload above a few hundred; a million
    #: ids took 125 MB, issue 17): ``added`` counts them all
    changes: OpChanges = field(default_factory=OpChanges)
    #: the common ancestor merged against ("" when none was known: two-way rules)
    base: str = ""
    #: conflicts this merge kept for review (rows of the conflicts table, as dicts)
    conflicts: list[dict] = field(default_factory=list)

    @property
    def three_way(self) -> bool:
        return bool(self.base)

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
        if self.notes:
            text += f"; {len(self.notes)} note(s) on what was read"
        if self.conflicts:
            text += (f"; {len(self.conflicts)} conflict(s): both versions kept, the later "
                     "one in place (annotator conflicts)")
        text += ("; merged three-way against the copy it started from" if self.base else
                 "; two-way merge (no common ancestor known): where both changed a row, the "
                 "later change won")
        return text


# -- the file itself ------------------------------------------------------------------


def _tables(version: int) -> list[str]:
    """The tables of ours a file of ``version`` has (a table added later is not asked of
    an older file, nor read from it)."""
    made = {obj[1] for obj in schema.reference_objects(version) if obj[0] == "table"}
    return [t for t in (*schema.TABLES, "rejected_suggestions") if t in made]


def _check_schema(conn: sqlite3.Connection, version: int, alias: str = "theirs") -> None:
    """Their file must have our tables, as tables, with our columns, none generated:
    checked on sqlite_master and table_xinfo before any of their rows is read."""
    kinds = dict(conn.execute(f"SELECT name, type FROM {alias}.sqlite_master"))
    for table in _tables(version):
        if kinds.get(table) != "table":
            raise MergeError(f"the other file has no table {table!r} (it is damaged or "
                             "was not made by annotator); nothing was merged.")
        sql = conn.execute(f"SELECT sql FROM {alias}.sqlite_master WHERE name = ?",
                           (table,)).fetchone()[0] or ""
        if "VIRTUAL" in sql.upper():
            raise MergeError(f"the other file's {table} is a virtual table; refused.")
        theirs = {r[1]: r[6] for r in conn.execute(f"PRAGMA {alias}.table_xinfo({table})")}
        ours = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
        missing = [c for c in ours if c not in theirs]
        if missing or any(hidden for hidden in theirs.values()):
            raise MergeError(f"the other file's table {table} does not have the expected "
                             f"columns ({', '.join(missing) or 'generated columns'}); refused.")


#: tables of a file to merge that the merge never reads whole (``document_data``: the
#: bytes of a new document only, each checked against its SHA-256); every other table
#: of ours it reads is quick-checked, the search index and other derived tables not
_NOT_CHECKED = {"document_data"}


def _quick_check(conn: sqlite3.Connection, whole: bool) -> list[str]:
    """``PRAGMA quick_check`` of the tables a merge reads (and their indexes), what an
    opened project passes, without the search index and the sources' bytes, which are
    most of a large file (issue 17: 2.4 s -> 0.6 s at 100k annotations). A file only
    read needs no more: a page of a table that is also free, say, is harmless to a
    reader. ``whole``: the whole file, for a WAL beside it, which may come from
    another copy's history (its pages then clash with the file's free pages)."""
    if whole:
        return [r[0] for r in conn.execute("PRAGMA quick_check(5)") if r[0] != "ok"]
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    found: list[str] = []
    for table in (*schema.TABLES, "rejected_suggestions", *schema.JOURNAL_TABLES):
        if table in present and table not in _NOT_CHECKED:
            found += [r[0] for r in conn.execute(f'PRAGMA quick_check("{table}")')
                      if r[0] != "ok"]
        if len(found) >= 5:
            break
    return found[:5]


@contextmanager
def _snapshot(other: Path, role: str = "other") -> Iterator[tuple[Path, int, list[str],
                                                                  Fingerprint | None]]:
    """Their file checked as an opened project is (:func:`_quick_check`), its
    file-format version, what it holds that annotator did not make (never read, only
    named), and the fingerprint of the file as it was read, or None for a copy.

    A file with no WAL beside it is read where it lies, immutable (no lock, no -shm
    made beside it), and the merge is refused if its fingerprint changes before the
    merge commits: a 1.7 GB file is not copied (issue 17). One with a -wal beside it
    is copied, with that WAL, into a private folder, checked with it, and the WAL
    folded in, so the attached copy is one file that nothing else can change. A file
    that passed those checks here and is unchanged since (:mod:`verified`: the sent
    snapshot we wrote ourselves, a project we opened and closed) is not checked again."""
    seen = _unchanged(other)
    if seen is not None:
        yield other, seen[0], seen[1], seen[2]
        return
    wal = Path(f"{other}-wal")
    if os.path.lexists(wal) and (wal.is_symlink() or not wal.is_file()):
        raise MergeError(f"{wal.name} beside {other.name} is not a regular file (a link or "
                         "a folder); refused. Move it away if it does not belong there.")
    watched = verified.fingerprint(other)  # None with a WAL or a coarse clock: copied
    if watched is not None:
        yield other, *_checked(other, other, "", immutable=True), watched
        return
    with tempfile.TemporaryDirectory(prefix=f"annotator-merge-{role}-") as folder:
        copy = Path(folder) / other.name
        try:
            shutil.copyfile(other, copy)
            if wal.exists():
                shutil.copyfile(wal, f"{copy}-wal")
        except OSError as exc:
            raise MergeError(f"{other.name} could not be copied for reading "
                             f"({exc.strerror or exc}); nothing was merged.") from None
        beside = f" together with {wal.name} beside it" if wal.exists() else ""
        yield copy, *_checked(other, copy, beside), None


def _checked(other: Path, path: Path, beside: str, *,
             immutable: bool = False) -> tuple[int, list[str]]:
    """Check ``path`` (``other`` itself, or our private copy of it with its WAL, which
    is folded in); its version and what in it is not ours."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1" if immutable else str(path)
    try:
        conn = sqlite3.connect(uri, uri=immutable, isolation_level=None)
    except sqlite3.Error as exc:
        raise MergeError(f"{other.name} cannot be opened: {exc}.") from None
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        if not immutable:
            conn.execute("PRAGMA synchronous = OFF")  # a private copy: nothing to make durable
        found = _quick_check(conn, whole=bool(beside))
        if found:
            raise MergeError(
                f"{other.name}{beside} is damaged ({'; '.join(found)[:200]}); nothing was "
                "merged." + (f" If {other.name}-wal does not belong to it (left from another "
                             "copy), move it away and merge again." if beside else ""))
        if not immutable:
            conn.execute("PRAGMA journal_mode = DELETE")  # their WAL folded into the copy
        version = _inspect(path)
        return version, _not_read(schema.foreign_objects(conn, version))
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"{other.name}{beside} is damaged ({exc}); nothing was merged.") \
            from None
    except ProjectError as exc:  # what the WAL held is not one of our files
        raise MergeError(str(exc)) from None
    finally:
        conn.close()


def _not_read(foreign: list[str]) -> list[str]:
    return [f"not read: {problem}" for problem in foreign if not problem.startswith("missing ")]


def _unchanged(path: Path) -> tuple[int, list[str], Fingerprint] | None:
    """(version, notes, fingerprint) of a file that passed our checks and is unchanged
    since, with no -wal beside it; else None (it must be copied and checked)."""
    try:
        version = _inspect(path)
    except ProjectError:
        return None
    seen = verified.fingerprint(path)
    if seen is None or not verified.is_verified(path, version):
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        return version, _not_read(schema.foreign_objects(conn, version)), seen
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def merge(project: Project, other: str | Path, *, base: str | Path | None = None,
          backup: bool = True, progress: Progress = None) -> OpResult[MergeReport]:
    """Merge the project file ``other`` into ``project`` (see the module docstring).
    ``base``: the common ancestor of the two (git's merge base); without it, the
    snapshot ``copy_for_colleague`` sent, when ``other`` is that copy come back; else
    the newest of our rolling backups whose every change set both files hold (a sync
    client's conflicted copy: :func:`merge_base.backup_base`); with none, the two-way
    rules, and the report says so. The base is checked as
    hostile input exactly like ``other``. ``progress(done, total)`` counts their
    annotations; returning False cancels and changes nothing. The report lists what
    was added, updated, matched, kept as a conflict and not merged, and what
    :func:`unmerge` needs; a backup copy is written first."""
    other = Path(other)
    if project.read_only:
        raise ProjectError(f"{project.path.name} is open read-only; nothing can be merged in.")
    for path in (other, *((Path(base),) if base is not None else ())):
        try:
            _inspect(path)  # a foreign or newer file is refused before it is copied
        except ProjectError as exc:
            raise MergeError(str(exc)) from None
    if other.resolve() == project.path.resolve():
        raise MergeError("a project cannot be merged into itself.")
    with ExitStack() as stack:
        snapshot, version, foreign, seen = stack.enter_context(_snapshot(other))
        watch = [(other, seen)]
        report = MergeReport(str(other), notes=foreign)
        if base is None:
            found, note = merge_base.sent_base(project.path, snapshot)
            if note:
                report.notes.append(note)
            if found is None:  # copies that forked with no snapshot recorded
                found, note = merge_base.backup_base(project.path, project.conn, snapshot)
                report.notes += [note] if note else []
        else:
            found = Path(base)
        ancestor = None
        if found is not None:
            try:
                _inspect(found)
            except ProjectError as exc:
                raise MergeError(f"the common ancestor: {exc}") from None
            copy, base_version, base_foreign, base_seen = stack.enter_context(
                _snapshot(found, "base"))
            watch.append((found, base_seen))
            report.notes += [f"base {n}" for n in base_foreign]
            report.base = str(found)
            ancestor = (copy, base_version)
        return _merge_snapshot(project, other, (snapshot, version), report, backup,
                               progress, ancestor, watch)


def _attach(conn: sqlite3.Connection, snapshot: Path, alias: str, name: str) -> None:
    """Read-only and immutable: a private copy nothing else writes, or a file read
    where it lies (no lock, no -shm made beside it)."""
    uri = snapshot.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        conn.execute(f"ATTACH DATABASE ? AS {alias}", (uri,))
    except sqlite3.Error as exc:
        raise MergeError(f"{name} cannot be opened: {exc}.") from None
    attached = {r[1]: r[2] for r in conn.execute("PRAGMA database_list")}
    if Path(attached.get(alias) or "/").resolve() != snapshot.resolve():
        conn.execute(f"DETACH DATABASE {alias}")
        raise MergeError("this SQLite cannot open files read-only by URI; refused.")


#: the page cache of our file while a merge writes it, KiB (SQLite's default is 2 MB):
#: a merge inserts rows in their order into every index of ours, so each page of an
#: index is met again and again; with the default cache each meeting was a write to
#: the WAL and a read back (at 100k annotations, 8.7 -> 2.5 s for the rows alone).
#: Pages are taken as they are needed: a small merge takes little of it. 96 MB: the
#: three-way merge of 1M edited annotations peaked at 361 MB without it (issue 17: 500)
MERGE_CACHE_KB = 96 * 1024


@contextmanager
def roomy_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """Our file's page cache at :data:`MERGE_CACHE_KB` meanwhile, as it was after."""
    before = conn.execute("PRAGMA main.cache_size").fetchone()[0]
    conn.execute(f"PRAGMA main.cache_size = {-MERGE_CACHE_KB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA main.cache_size = {before}")


def _merge_snapshot(project: Project, other: Path, checked: tuple[Path, int],
                    report: MergeReport, backup: bool, progress: Progress,
                    ancestor: tuple[Path, int] | None = None,
                    watch: list[tuple[Path, Fingerprint | None]] = ()) -> OpResult[MergeReport]:
    """The merge proper, from the checked private copy of ``other`` (its path and
    file-format version), and of the common ancestor if known; ``watch``: files read
    where they lie, which must not have changed when the merge commits."""
    snapshot, version = checked
    conn = project.conn
    with roomy_cache(conn):
        result = _merge_attached(project, other, checked, report, backup, progress,
                                 ancestor, watch)
        if report.changeset is not None:  # what it brought in, indexed for search now,
            search_index.settle(project)  # with the cache: a close would do it without
        return result


def _merge_attached(project: Project, other: Path, checked: tuple[Path, int],
                    report: MergeReport, backup: bool, progress: Progress,
                    ancestor: tuple[Path, int] | None,
                    watch: list[tuple[Path, Fingerprint | None]]) -> OpResult[MergeReport]:
    snapshot, version = checked
    conn = project.conn
    _attach(conn, snapshot, "theirs", other.name)
    text_factory = conn.text_factory
    # a hostile file may hold bytes that are not UTF-8: such a value is read with U+FFFD
    # in their place and marked, so that it never replaces text of ours
    conn.text_factory = garbled_text
    try:
        if ancestor is not None:
            _attach(conn, ancestor[0], "base", "the common ancestor")
            _check_schema(conn, ancestor[1], "base")
        _check_schema(conn, version)
        if backup:
            report.backup = _backup_before(project, other)
        m = RowMerger(project, report, base=ancestor is not None)
        total = conn.execute("SELECT count(*) FROM theirs.annotations").fetchone()[0]

        def tick(fraction: float) -> None:
            if progress is not None and progress(round(fraction * total), total) is False:
                raise MergeError("the merge was cancelled; nothing was changed.")

        sound_codebook = not codebook.deep_tags(conn, limit=1)
        with project.transaction(f"Merge {other.stem}", kind="merge"):
            m.authors()
            m.tags()
            if sound_codebook:  # theirs and ours together must still be a codebook
                codebook.check_codebook_depth(conn)
            m.entities()
            m.documents()
            m.document_links()
            m.annotations(tick)
            m.links()
            if "relations" in _tables(version):  # issue 15
                merge_relations(m)
            if version >= 2 and schema.SCHEMA_VERSION >= 2:
                m.rejected_suggestions()
            if "conflicts" in _tables(version):
                m.conflicts()
            m.write_conflicts(version)
            stale_index(conn, report.changes)
            for path, seen in watch:
                if seen is not None and verified.fingerprint(path) != seen:
                    raise MergeError(f"{path.name} changed while it was read (a sync client "
                                     "writing it?); nothing was merged. Merge again.")
        report.changeset = project.last_changeset
    except TagTooDeep as exc:
        raise MergeError(f"{other.name} was not merged: {exc}") from None
    except sqlite3.Error as exc:  # a constraint the checks missed: nothing was changed
        raise MergeError(f"{other.name} could not be merged ({exc}); nothing was changed.") \
            from None
    finally:
        conn.text_factory = text_factory
        project.forget_caches()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        for alias in ("theirs", "base"):
            if alias in {r[1] for r in conn.execute("PRAGMA database_list")}:
                conn.execute(f"DETACH DATABASE {alias}")
    return OpResult(report, report.changes)


def _state(conn: sqlite3.Connection, schema_name: str = "main") -> str:
    """What a file holds, as far as a backup of it goes: its format and the change
    sets of its journal with their state (every action is one; the rest is derived)."""
    digest = hashlib.sha256()
    digest.update(repr(conn.execute(f"PRAGMA {schema_name}.user_version").fetchone()).encode())
    for row in conn.execute(f"SELECT id, uid, state FROM {schema_name}.changesets ORDER BY id"):
        digest.update(repr(row).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _backup_before(project: Project, other: Path) -> str:
    """The copy of the project before the merge: the newest backup when it holds this
    very state (the day's copy the open has just made), else a new one. A second full
    copy cost the merge 4-6 s at 1M annotations (issue 17)."""
    newest = backups.list_backups(project.path)[:1]
    if newest and newest[0].path.stat().st_size:
        try:
            conn = sqlite3.connect(f"{newest[0].path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                conn.execute("PRAGMA trusted_schema = OFF")
                if _state(conn) == _state(project.conn):
                    return str(newest[0].path)
            finally:
                conn.close()
        except sqlite3.Error:
            pass
    return str(backups.make_backup(project.conn, project.path,
                                   f"before merging {other.stem}") or "")


def unmerge(project: Project, report: MergeReport, *,
            force: bool = False) -> OpResult[MergeReport]:
    """Undo a merge: its change set replayed backwards, in one transaction (rows it
    added are removed, rows it changed get back what they held). Refused
    (:class:`merge_undo.MergeDependedOn`, nothing changed) when later actions changed
    what it wrote, unless ``force``: then what they changed is left as it is."""
    if report.changeset is None:
        raise AnnotatorError("this merge changed nothing; there is nothing to take back.")
    merge_undo.check_undoable(project, report.changeset, force=force)
    result = project.undo(report.changeset)
    return OpResult(report, result.changes)


def unmerge_last(project: Project, *, force: bool = False) -> OpResult:
    """Undo the latest merge still in effect (``annotator unmerge``). Refused, naming
    them, when later actions changed rows it wrote (see :mod:`merge_undo`); with
    ``force`` later actions stay, a field one of them changed again is left as it is
    (counted in the value's ``skipped``), and a row the merge added that a later
    action uses is tombstoned rather than removed."""
    changeset = merge_undo.latest_merge(project)
    merge_undo.check_undoable(project, changeset, force=force)
    return project.undo(changeset)
