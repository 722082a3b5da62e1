"""What the workbench shows at a glance, read lean: highlighted passages, rows of the
annotations table, the counts behind the charts and the dated items of the timeline.

The GUI draws highlights and fills a table that may hold 100,000 rows: building a full
:class:`~annotator.core.model.Annotation` (quote, context, tags) for each would cost a
second where the view needs a few fields. These queries return plain tuples of just
those fields, for the visible range only where they can. Plain Python, no Qt: the
GUI asks here and never writes SQL of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.dates import iso_interval
from annotator.core.filters import AnnotationFilter, annotation_where
from annotator.core.model import TagKind
from annotator.core.spans import (  # noqa: F401 - the passages' queries, re-exported
    _SPAN,
    _SPAN_TAGS,
    _TAGS,
    LONG_SPAN,
    Span,
    _span,
    _spans,
    long_spans,
    spans_between,
)

if TYPE_CHECKING:
    from annotator.core.project import Project

def span_info(project: Project, annotation_ids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Document id and passage length (-1 for a region) of each annotation, deleted ones
    included, so a view can tell whether a change concerns it and what to reload. One
    that is no longer in the file (its creation was undone) is absent from the answer."""
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


#: What a click on a column header sorts by, in SQL (no Python sort of 1M rows on the
#: GUI thread). The Document column (and no sort) is the reading order of each
#: document, documents by title: served by the (document_id, start_offset) index.
SORT_KEYS = {
    "quote": "a.exact COLLATE NOCASE", "page": "a.page",
    "tags": "(SELECT group_concat(t.name, ', ') FROM annotation_tags at JOIN tags t "
            "ON t.id = at.tag_id AND t.deleted = 0 WHERE at.annotation_id = a.id) "
            "COLLATE NOCASE",
    "entity": "e.name COLLATE NOCASE", "date": "a.date_value",
    "note": "a.note COLLATE NOCASE", "author": "au.name COLLATE NOCASE",
    "modified": "a.modified_at",
}
#: The index that reads the rows in a sort's order: named, because the planner would
#: rather go document by document through the live-documents filter and sort after.
_SORT_INDEX = {"quote": "annotations_live_quote", "modified": "annotations_live_modified"}
_READING = "a.start_offset, a.page, a.y, a.x"


def table_rows(project: Project, filt: AnnotationFilter | None = None, *,
               ids: Iterable[str] | None = None, batch: int = 5000,
               sort: str | None = None, descending: bool = False) -> Iterator[list[tuple]]:
    """Rows for the annotations table, in batches so the GUI can show the first ones
    while the rest load: (id, document id, document title, quote (first 300
    characters), start, page, tag ids, entity name, author name, modified, note
    (first 300 characters), anchor state, normalised date). Only ``ids``, if given,
    of those that pass ``filt``; ordered by ``sort`` (a key of :data:`SORT_KEYS`),
    else document by document (titles ignoring case) in reading order.

    No sort of every row before the first is shown: in reading order, one document
    at a time through the index (the first rows of 1M in a few ms)."""
    where, args = annotation_where(project, filt)
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return
        where += f" AND a.id IN ({','.join('?' * len(id_list))})"
        args.extend(id_list)
    direction = " DESC" if descending else ""
    select = (f"SELECT a.id, a.document_id, d.title, substr(coalesce(a.exact, ''), 1, 300), "
              f"a.start_offset, a.page, {_TAGS}, e.name, au.name, a.modified_at, "
              "substr(a.note, 1, 300), a.anchor_state, a.date_value "
              "FROM annotations a JOIN documents d ON d.id = a.document_id AND d.deleted = 0 "
              "LEFT JOIN entities e ON e.id = a.entity_id AND e.deleted = 0 "
              "LEFT JOIN authors au ON au.id = a.author_id "
              f"WHERE {where}")
    order = ", ".join(f"{c}{direction}" for c in _READING.split(", "))
    if sort in SORT_KEYS or ids is not None or (filt is not None
                                                and (filt.tag_id or filt.has_dates)):
        # one sorted query: a tag's sub-select would be built again for every document
        index = _SORT_INDEX.get(sort or "")
        if index and ids is None and _has_index(project, index):
            select = select.replace("FROM annotations a ",
                                    f"FROM annotations a INDEXED BY {index} ", 1)
            key = f"{SORT_KEYS[sort]}{direction}"  # ties in the index's own order
        elif sort in SORT_KEYS:
            key = f"{SORT_KEYS[sort]}{direction}, d.title COLLATE NOCASE, {order}"
        else:
            key = f"d.title COLLATE NOCASE{direction}, a.document_id{direction}, {order}"
        cursors = iter([project.conn.execute(f"{select} ORDER BY {key}", args)])
    else:
        cursors = (project.conn.execute(f"{select} AND a.document_id = ? ORDER BY {order}",
                                        [*args, doc_id])
                   for doc_id in _documents_by_title(project, descending))
    pending: list[tuple] = []
    shared: dict = {}
    for cursor in cursors:
        while rows := cursor.fetchmany(batch - len(pending)):
            pending.extend(_sharing(rows, shared))
            if len(pending) >= batch:
                yield pending
                pending = []
    if pending:
        yield pending


def _sharing(rows: list[tuple], shared: dict) -> list[tuple]:
    """The rows with one string object for each repeated value (document id and
    title, tags, author, state, date): SQLite hands out a new one per row, and a
    million rows of the table held ~400 MB of copies."""
    get = shared.setdefault
    return [(r[0], get(r[1], r[1]), get(r[2], r[2]), r[3], r[4], r[5], get(r[6], r[6]),
             get(r[7], r[7]), get(r[8], r[8]), r[9], get(r[10], r[10]), get(r[11], r[11]),
             get(r[12], r[12])) for r in rows]


def _has_index(project: Project, name: str) -> bool:
    """A file of an older format opened read-only may not have it."""
    return project.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
                                "name = ?", (name,)).fetchone() is not None


def _documents_by_title(project: Project, descending: bool) -> list[str]:
    rows = project.conn.execute("SELECT id, title FROM documents WHERE deleted = 0").fetchall()
    rows.sort(key=lambda r: (r[1].casefold(), r[0]), reverse=descending)
    return [r[0] for r in rows]


def reader(path: str | Path) -> Project:
    """A read-only second connection on a project this program already has open and
    checked (the table's loader thread reads through it while the GUI writes, under
    WAL): opening it again would check the whole file once more (3.9 s at 1M)."""
    from annotator.core.project import Project, _connect

    path = Path(path)
    return Project(_connect(path, read_only=True), path, read_only=True, author=None)


def passage_history(project: Project, annotation_id: str, limit: int) -> list | None:
    """The newest change sets that touched a passage (``journal.history``), or None if
    the read was interrupted (a newer question) or the file could not be read: the
    inspector's reader thread asks here, on its own connection."""
    from annotator.core import journal

    try:
        return journal.history(project.conn, row_id=annotation_id, limit=limit)
    except sqlite3.Error:
        return None


# -- the charts ---------------------------------------------------------------------------


def tag_frequency(project: Project, *, top_tags: int = 12, top_documents: int = 30
                  ) -> tuple[list[str], list[tuple[str, str, list[int]]]]:
    """(document titles, [(tag name, colour, count per document)]): the most used tags
    over the documents with the most annotations."""
    rows = project.conn.execute(
        "SELECT a.document_id, at.tag_id, count(*) FROM annotation_tags at "
        "JOIN annotations a ON a.id = at.annotation_id AND a.deleted = 0 "
        "JOIN documents d ON d.id = a.document_id AND d.deleted = 0 "
        "JOIN tags t ON t.id = at.tag_id AND t.deleted = 0 GROUP BY a.document_id, at.tag_id"
    ).fetchall()
    per_doc: dict[str, int] = {}
    per_tag: dict[str, int] = {}
    for doc_id, tag_id, n in rows:
        per_doc[doc_id] = per_doc.get(doc_id, 0) + n
        per_tag[tag_id] = per_tag.get(tag_id, 0) + n
    docs = sorted(per_doc, key=lambda d: -per_doc[d])[:top_documents]
    tags = sorted(per_tag, key=lambda t: -per_tag[t])[:top_tags]
    titles = {d.id: d.title for d in project.documents.list()}
    docs.sort(key=lambda d: titles.get(d, "").casefold())
    counts = {(d, t): n for d, t, n in rows}
    series = []
    for tag_id in tags:
        tag = project.tags.get(tag_id)
        series.append((tag.name if tag else "?", tag.color if tag else "#888888",
                       [counts.get((d, tag_id), 0) for d in docs]))
    return [titles.get(d, d) for d in docs], series


def annotations_per_author(project: Project) -> list[tuple[str, str, int]]:
    """(name, colour, live annotations) of every author, most active first."""
    rows = project.conn.execute(
        "SELECT au.name, au.color, count(a.id) FROM authors au JOIN annotations a "
        "ON a.author_id = au.id AND a.deleted = 0 JOIN documents d ON d.id = a.document_id "
        "AND d.deleted = 0 WHERE au.deleted = 0 GROUP BY au.id ORDER BY count(a.id) DESC")
    return [(r[0], r[1], r[2]) for r in rows]


# -- the timeline -------------------------------------------------------------------------


@dataclass(slots=True)
class TimelineItem:
    """A dated annotation or entity: where it sits on the time axis, and where a click
    on it leads (a passage, a page, or an entity)."""

    lane: str
    label: str
    first: date
    last: date
    color: str = "#4a7bd0"
    document_id: str | None = None
    start: int | None = None
    end: int | None = None
    page: int | None = None
    annotation_id: str | None = None
    entity_id: str | None = None


def timeline_items(project: Project, by: str = "document") -> list[TimelineItem]:
    """Dated annotations and entities as timeline items; ``by`` is "document" (a lane
    per document, entities in a lane of their own) or "type" (a lane per entity type)."""
    types = {t.id: t for t in project.tags.list()}
    out = []
    rows = project.conn.execute(
        "SELECT a.id, a.document_id, d.title, a.start_offset, a.end_offset, a.page, "
        "a.date_value, coalesce(a.exact, ''), e.type_id, a.color, "
        "(SELECT group_concat(at.tag_id, ' ') FROM annotation_tags at WHERE "
        " at.annotation_id = a.id) FROM annotations a "
        "JOIN documents d ON d.id = a.document_id AND d.deleted = 0 "
        "LEFT JOIN entities e ON e.id = a.entity_id AND e.deleted = 0 "
        "WHERE a.deleted = 0 AND a.date_value != '' ORDER BY d.title COLLATE NOCASE")
    for ann_id, doc_id, title, start, end, page, value, quote, etype, color, tags in rows:
        interval = iso_interval(value)
        if interval is None:
            continue
        tag_ids = (tags or "").split()
        type_tag = types.get(etype or "") or next(
            (types[t] for t in tag_ids if t in types and types[t].kind == TagKind.ENTITY_TYPE),
            None)
        first_tag = types.get(tag_ids[0]) if tag_ids else None
        lane = title if by == "document" else (type_tag.name if type_tag else "Other")
        tag = type_tag or first_tag
        color = color or (tag.color if tag else "#4a7bd0")
        out.append(TimelineItem(lane, f"{' '.join(quote.split())[:60]} ({value})", *interval,
                                color, doc_id, start, end, page, ann_id))
    for entity in project.entities.list():
        interval = iso_interval(entity.dates) if entity.dates else None
        if interval is None:
            continue
        tag = types.get(entity.type_id)
        lane = "Entities" if by == "document" else (tag.name if tag else "Other")
        out.append(TimelineItem(lane, f"{entity.name} ({entity.dates})", *interval,
                                tag.color if tag else "#888888", entity_id=entity.id))
    return out
