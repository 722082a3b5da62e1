"""Lean reads for the workbench, and the few writes the stores do not offer.

The GUI draws highlights and fills a table that may hold 100,000 rows: building a full
:class:`~annotator.core.model.Annotation` (quote, context, tags) for each would cost a
second where the view needs a few fields. These queries return plain tuples of just
those fields, for the visible range only where they can. Plain Python, no Qt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.annotations import filter_clauses, like_pattern
from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import DocumentLink
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project

#: Passages longer than this (code points) are kept in a separate list per document,
#: so a window query only has to look this far back for passages reaching into it.
LONG_SPAN = 4000

_TAGS = ("(SELECT group_concat(at.tag_id, ' ') FROM annotation_tags at "
         "JOIN tags t ON t.id = at.tag_id AND t.deleted = 0 WHERE at.annotation_id = a.id)")
_SPAN = f"SELECT a.id, a.start_offset, a.end_offset, a.color, {_TAGS}, a.anchor_state FROM annotations a"


@dataclass(slots=True)
class Span:
    """A highlighted passage as the text view needs it: offsets in code points."""

    id: str
    start: int
    end: int
    color: str
    tag_ids: tuple[str, ...]
    state: str = "ok"


def _span(row: tuple) -> Span:
    return Span(row[0], row[1], row[2], row[3] or "", tuple(row[4].split(" ")) if row[4] else (),
                row[5] or "ok")


def spans_between(project: Project, document_id: str, start: int, end: int) -> list[Span]:
    """Passages of a document that start less than LONG_SPAN before ``start`` and
    before ``end``, overlapping [start, end]; long passages come from :func:`long_spans`.
    Uses the (document_id, start_offset) index: a few ms for a screenful."""
    rows = project.conn.execute(
        f"{_SPAN} WHERE a.document_id = ? AND a.deleted = 0 AND a.start_offset >= ? "
        "AND a.start_offset <= ? AND a.end_offset >= ? AND a.end_offset - a.start_offset <= ? "
        "ORDER BY a.start_offset", (document_id, max(0, start - LONG_SPAN), end, start, LONG_SPAN))
    return [_span(r) for r in rows]


def long_spans(project: Project, document_id: str, before: int | None = None,
               reaching: int = 0) -> list[Span]:
    """Passages longer than LONG_SPAN (rare: a whole letter tagged with a theme). All of
    them (one pass over the document's annotations: ~30 ms at 100k), or only those
    starting before ``before`` and reaching past ``reaching`` (cost in proportion to
    ``before``: nothing at the top of a text, so opening one does not wait for it)."""
    sql = (f"{_SPAN} WHERE a.document_id = ? AND a.deleted = 0 AND a.start_offset IS NOT NULL "
           "AND a.end_offset - a.start_offset > ?")
    args: list = [document_id, LONG_SPAN]
    if before is not None:
        sql += " AND a.start_offset < ? AND a.end_offset > ?"
        args += [before, reaching]
    rows = project.conn.execute(sql + " ORDER BY a.start_offset", args)
    return [_span(r) for r in rows]


def span_info(project: Project, annotation_ids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Document id and passage length (-1 for a region) of each annotation, deleted ones
    included, so a view can tell whether a change concerns it and what to reload."""
    ids = list(annotation_ids)
    out: dict[str, tuple[str, int]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for row in project.conn.execute(
                "SELECT id, document_id, coalesce(end_offset - start_offset, -1) FROM annotations "
                f"WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            out[row[0]] = (row[1], row[2])
    return out


def first_span_after(project: Project, document_id: str, offset: int,
                     backwards: bool = False) -> Span | None:
    """The next (or previous) passage from ``offset``: for keyboard navigation."""
    op, order = ("<", "DESC") if backwards else (">", "ASC")
    row = project.conn.execute(
        f"{_SPAN} WHERE a.document_id = ? AND a.deleted = 0 AND a.start_offset {op} ? "
        f"ORDER BY a.start_offset {order} LIMIT 1", (document_id, offset)).fetchone()
    return _span(row) if row else None


# -- the annotations table -------------------------------------------------------------

#: Columns of :func:`table_rows`.
ROW_ID, ROW_DOC_ID, ROW_DOC, ROW_QUOTE, ROW_START, ROW_PAGE, ROW_TAGS, ROW_ENTITY, \
    ROW_AUTHOR, ROW_MODIFIED, ROW_NOTE, ROW_STATE, ROW_DATE = range(13)


def table_rows(project: Project, *, document_id: str | None = None, tag_id: str | None = None,
               author_id: str | None = None, entity_id: str | None = None,
               contains: str | None = None, ids: Iterable[str] | None = None,
               batch: int = 5000) -> Iterator[list[tuple]]:
    """Rows for the annotations table, in batches so the GUI can show the first ones
    while the rest load: (id, document id, document title, quote (first 300
    characters), start, page, tag ids, entity name, author name, modified, note
    (first 300 characters), anchor state, normalised date). Filters as
    AnnotationStore.list."""
    where, args = filter_clauses(project, document_id=document_id, tag_id=tag_id,
                                 author_id=author_id, entity_id=entity_id)
    where.append("a.deleted = 0")
    if contains:
        where.append("(a.exact LIKE ? ESCAPE '\\' OR a.note LIKE ? ESCAPE '\\' "
                     "OR e.name LIKE ? ESCAPE '\\')")
        args.extend([like_pattern(contains)] * 3)
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return
        where.append(f"a.id IN ({','.join('?' * len(id_list))})")
        args.extend(id_list)
    cursor = project.conn.execute(
        f"SELECT a.id, a.document_id, d.title, substr(coalesce(a.exact, ''), 1, 300), "
        f"a.start_offset, a.page, {_TAGS}, e.name, au.name, a.modified_at, "
        "substr(a.note, 1, 300), a.anchor_state, a.date_value "
        "FROM annotations a JOIN documents d ON d.id = a.document_id AND d.deleted = 0 "
        "LEFT JOIN entities e ON e.id = a.entity_id AND e.deleted = 0 "
        "LEFT JOIN authors au ON au.id = a.author_id "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY d.title COLLATE NOCASE, a.document_id, a.start_offset, a.page, a.y, a.x",
        args)
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        yield rows


# -- writes the stores do not offer ------------------------------------------------------


def restore_document_link(project: Project, link: DocumentLink) -> OpResult[DocumentLink]:
    """Undo of ``documents.unlink``: the same link (same id, same alignment) lives again."""
    with project.transaction() as conn:
        changed = conn.execute(
            "UPDATE document_links SET deleted = 0, modified_at = ? WHERE id = ?",
            (now(), link.id))
        if changed.rowcount != 1:
            raise AnnotatorError(f"no document link {link.id!r} to restore.")
    if link.alignment:
        project.documents.set_alignment(link.id, link.alignment)
    restored = project.documents.get_link(link.id)
    assert restored is not None
    return OpResult(restored, OpChanges(document_links={link.id},
                                        documents={link.source_id, link.target_id}))


# -- importing off the GUI thread ----------------------------------------------------------


@dataclass(slots=True)
class PreparedImport:
    """One file read and parsed, not yet written: what :func:`store_import` needs."""

    path: str
    name: str
    sha256: str = ""
    source: object | None = None  # an ImportedSource
    error: str = ""
    needs_password: bool = False


def prepare_import(path: str | Path, password: str | None = None,
                   known: Callable[[str], bool] | None = None) -> PreparedImport:
    """Read and parse one source without touching the project, so a worker thread can
    do the slow part (a PDF's text layer) while the window stays responsive. A file
    the project already has (``known(sha256)``) is not parsed again."""
    from annotator.core.documents import MAX_SOURCE_BYTES
    from annotator.core.errors import ImportFailed, PasswordRequired
    from annotator.core.importers import read_source

    path = Path(path)
    prepared = PreparedImport(str(path), path.name)
    try:
        if path.is_dir():
            raise ImportFailed(f"{path.name} is a folder; choose the files in it.")
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise ImportFailed(f"{path.name} is {size // 2**20} MB; a project file can hold "
                               f"sources up to {MAX_SOURCE_BYTES // 2**20} MB each.")
        data = path.read_bytes()
        prepared.sha256 = hashlib.sha256(data).hexdigest()
        if known is not None and known(prepared.sha256):
            return prepared  # store_import finds it (or brings it back if deleted)
        prepared.source = read_source(path, data=data, password=password)
    except FileNotFoundError:
        prepared.error = f"{path} does not exist."
    except PermissionError:
        prepared.error = f"{path} cannot be read (permission denied)."
    except PasswordRequired as exc:
        prepared.error, prepared.needs_password = str(exc), True
    except ImportFailed as exc:
        prepared.error = str(exc)
    except OSError as exc:
        prepared.error = f"{path} cannot be read: {exc.strerror or exc}."
    return prepared


def store_import(project: Project, prepared: PreparedImport) -> OpResult:
    """Write a prepared file (one transaction), as DocumentStore.import_bytes would:
    a document already there is reported, a deleted one is brought back."""
    from annotator.core.documents import ImportReport
    from annotator.core.errors import ImportFailed

    if prepared.error:
        raise ImportFailed(prepared.error)
    existing = project.documents.by_sha256(prepared.sha256) if prepared.sha256 else None
    if existing is not None and not existing.deleted:
        return OpResult(ImportReport(prepared.path, "existing",
                                     f"already in the project as “{existing.title}”",
                                     existing), OpChanges())
    if existing is not None:
        restored = project.documents.restore(existing)
        return OpResult(ImportReport(prepared.path, "imported", "restored a deleted document",
                                     restored.value), restored.changes)
    if prepared.source is None:  # "known" when read, gone since: read it here
        return project.documents.import_file(prepared.path)
    document = project.documents.add_source(prepared.source, prepared.sha256)  # type: ignore[arg-type]
    return OpResult(ImportReport(prepared.path, "imported", "", document,
                                 list(prepared.source.warnings)),  # type: ignore[attr-defined]
                    OpChanges(documents={document.id}))
