"""Full-text search over the project: document texts, page text layers, annotation
quotes and notes, with results as KWIC lines (left context | hit | right context).

The index lives in :mod:`annotator.core.search_index` and is brought up to date
before each search. Filters are the annotation table's
(:class:`~annotator.core.filters.AnnotationFilter`).

Offsets: a text is indexed in passages of a few KB (a page's text layer in one row),
so FTS5's ``highlight()`` marks the very code points of each hit in a passage, whose
first code point's offset the index keeps; counting the markers gives code-point
offsets into ``documents.text`` (pages: into the page's text layer) without
re-tokenising anything in Python. Only the passages a result shows are highlighted:
the commonest word's first 20 lines cost the same in a 5 MB text as in a letter.

Queries take words, "phrases", prefix*, OR, -word / NOT word; anything else (an
unbalanced quote, a lone ``-``, ``AND`` alone) is read as plain words, never an error.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from annotator.core.errors import AnnotatorError
from annotator.core.filters import (
    AnnotationFilter,
    annotation_where,
    date_range,
    dated_within,
)
from annotator.core.names import fold
from annotator.core.search_index import rebuild_index, refresh, repair_index

if TYPE_CHECKING:
    from annotator.core.project import Project

__all__ = ["CONTEXT", "Filters", "Hit", "count_documents", "date_range", "find_in_text",
           "fold_preserving", "fts_query", "matching_annotations", "rebuild_index",
           "refresh", "search", "search_annotations"]

_R = TypeVar("_R")

#: Highlight markers: Unicode noncharacters, which no imported text contains.
M1, M2 = "\ufdd0", "\ufdd1"
CONTEXT = 60  # characters of context on each side of a hit
#: Search takes the annotation table's filters. On text hits, the document and the
#: date range (the document's date) restrict the documents; the others keep the hits
#: that lie inside an annotation that passes them.
Filters = AnnotationFilter


@dataclass(slots=True)
class Hit:
    """One occurrence. ``kind`` is "text" (offsets into documents.text), "page"
    (offsets into that page's text layer), "quote" or "note" (an annotation's)."""

    kind: str
    document_id: str
    start: int
    end: int
    left: str
    hit: str
    right: str
    page: int | None = None
    annotation_id: str | None = None
    rank: int = 0  # the place of its document (or annotation) in the ranking, from 0


# -- queries ---------------------------------------------------------------------------

_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"?(?P<pstar>\*)?|(?P<neg>-)?(?P<word>[^\s"]+)')
_HAS_WORD = re.compile(r"[^\W_]")
_SPACES = re.compile(r"\s+")


def fts_query(query: str) -> str:
    """The user's query as an FTS5 expression that cannot be a syntax error: every
    term and phrase is quoted; OR and NOT/-word are kept where they make sense; ""
    when nothing searchable is left."""
    positives: list[str] = []
    negatives: list[str] = []
    pending_or = negate = False
    for m in _TOKEN.finditer(query):
        if m.group("word") is not None:
            word = m.group("word")
            if word == "OR":
                pending_or = bool(positives)
                continue
            if word in ("AND", "NOT"):
                negate = word == "NOT"
                continue
            star = word.endswith("*")
            text = word.rstrip("*")
            neg = bool(m.group("neg")) or negate
        else:
            text, star, neg = m.group("phrase"), bool(m.group("pstar")), negate
        negate = False
        if not _HAS_WORD.search(text):
            continue
        term = '"' + text.replace('"', '""') + '"' + (" *" if star else "")
        if neg:
            negatives.append(term)
        elif pending_or and positives:
            positives[-1] = f"{positives[-1]} OR {term}"
        else:
            positives.append(term)
        pending_or = False
    if not positives:  # "AND" or "OR" alone are words, "-word" alone finds nothing
        return "" if negatives else _plain_query(query)
    expr = " AND ".join(f"({p})" if " OR " in p else p for p in positives)
    if negatives:
        expr = f"({expr}) NOT ({' OR '.join(negatives)})"
    return expr


def _plain_query(query: str) -> str:
    """The last resort: every word quoted, all required."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in re.findall(r"[^\W_]+", query))


# -- searching -------------------------------------------------------------------------


def _repairing(fn: Callable[..., _R]) -> Callable[..., _R]:
    """Run a search; should the index turn out damaged (FTS5: "database disk image is
    malformed"), rebuild it (it is derived) and run the search once more."""
    @functools.wraps(fn)
    def run(project: Project, *args: Any, **kw: Any) -> _R:
        try:
            return fn(project, *args, **kw)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError:
            pass
        try:
            repair_index(project)
            return fn(project, *args, **kw)
        except sqlite3.DatabaseError as exc:
            raise AnnotatorError(f"the search index is damaged and could not be rebuilt "
                                 f"({exc}); run annotator check.") from None
    return run


@_repairing
def search(project: Project, query: str, *, limit: int = 20, document_id: str | None = None,
           filters: Filters | None = None, context: int = CONTEXT,
           per_document: int | None = None) -> list[Hit]:
    """The first ``limit`` hits of ``query`` in document texts and page text layers:
    documents by relevance (bm25 of their best passage), hits within a document in
    reading order, at most ``per_document`` from one document (or page) when given.
    Only the passages whose hits are returned are highlighted."""
    expr = fts_query(query)
    if not expr or limit <= 0:
        return []
    s = refresh(project, ("documents",))
    filters = filters or Filters()
    if document_id and filters.document_id and document_id != filters.document_id:
        return []
    document_id = document_id or filters.document_id
    docs = [document_id] if document_id else []
    if filters.has_dates:
        docs = _dated_documents(project, filters, docs)
        if not docs:
            return []
    spans = _annotation_spans(project, filters, docs) if filters.on_annotations else None
    if spans is not None:
        docs = list(spans)
        if not docs:
            return []
    hits: list[Hit] = []
    for rank, (doc_id, page, first, last) in enumerate(_places(project, s, expr, docs, query)):
        taken = 0
        for row_id, row_page, marked in _run(project, _PASSAGES.format(s=s),
                                             [expr, first, last], query):
            offset = 0 if row_page > 0 else -row_page
            for start, end, plain in _marks(marked):
                start, end = start + offset, end + offset
                if spans is not None and not _inside(spans.get(doc_id, ()), page, start, end):
                    continue
                if per_document is not None and taken >= per_document:
                    break
                taken += 1
                around = _kwic(*_around(project, s, row_id, plain, offset, start, end, context),
                               context)
                hits.append(Hit("page" if page else "text", doc_id, start, end, *around,
                                page or None, None, rank))
                if len(hits) >= limit:
                    return hits
            if per_document is not None and taken >= per_document:
                break
    return hits


#: The passages of one document (or page) that hold hits, in reading order: a rowid
#: range, which FTS5 walks in its doclist without ranking or highlighting the others.
_PASSAGES = ("SELECT m.rowid, r.page, highlight(search_text, 0, '" + M1 + "', '" + M2 + "') "
             "FROM {s}.search_text m JOIN {s}.search_rows r ON r.id = m.rowid "
             "WHERE search_text MATCH ? AND m.rowid BETWEEN ? AND ? ORDER BY m.rowid")


#: Passages a query may find and still be ranked: bm25 over every passage with a hit
#: costs ~15 us each (0.6 s for the commonest word of 1M annotations' 176 MB of text),
#: and a word found in thousands of passages ranks nothing worth the wait.
RANKED_UP_TO = 2000


def _places(project: Project, s: str, expr: str, docs: list[str], query: str):
    """(document, page or 0, first and last rowid of its passages with hits) of every
    document and page the query finds: best first (bm25 of its best passage), or,
    past RANKED_UP_TO passages, in the order of the index, lazily."""
    join = (f"FROM {s}.search_text m JOIN {s}.search_rows r ON r.id = m.rowid "
            "WHERE search_text MATCH ?")
    args: list = [expr]
    if docs:
        join += f" AND r.document_id IN ({','.join('?' * len(docs))})"
        args.extend(docs)
    found = next(_run(project, f"SELECT count(*) FROM (SELECT 1 FROM {s}.search_text "
                               f"WHERE search_text MATCH ? LIMIT {RANKED_UP_TO + 1})",
                      [expr], query), (0,))[0]
    if found <= RANKED_UP_TO:
        yield from list(_run(project, f"SELECT r.document_id, max(r.page, 0) AS place, "
                                      f"min(m.rowid), max(m.rowid) {join} GROUP BY "
                                      "r.document_id, place ORDER BY min(m.rank)", args, query))
        return
    group: list = []
    for row_id, doc_id, place in _run(project, f"SELECT m.rowid, r.document_id, "
                                               f"max(r.page, 0) {join} ORDER BY m.rowid",
                                      args, query):
        if group and (group[0], group[1]) != (doc_id, place):
            yield tuple(group)
            group = []
        group = group or [doc_id, place, row_id, row_id]
        group[3] = row_id
    if group:
        yield tuple(group)


def _around(project: Project, s: str, row_id: int, plain: str, offset: int, start: int,
            end: int, width: int) -> tuple[str, int, int]:
    """The passage, with the end of the one before and the start of the one after
    when a hit lies closer than ``width`` to its edge (a passage is a cut, not a
    boundary of the text); offsets into what is returned."""
    start, end = start - offset, end - offset
    if start < width + 1 and offset > 0:
        before = _neighbour(project, s, row_id, -1)[-width - 1:]
        plain = before + plain
        start, end = start + len(before), end + len(before)
    if len(plain) - end < width + 1:
        plain += _neighbour(project, s, row_id, 1)[:width + 1]
    return plain, start, end


def _neighbour(project: Project, s: str, row_id: int, step: int) -> str:
    """The text of the passage next to ``row_id`` in the same text ("" if none)."""
    row = project.conn.execute(
        f"SELECT t.body FROM {s}.search_text t JOIN {s}.search_rows a ON a.id = t.rowid "
        f"JOIN {s}.search_rows b ON b.id = ? WHERE t.rowid = ? AND a.document_id = "
        "b.document_id AND a.page <= 0 AND b.page <= 0", (row_id, row_id + step)).fetchone()
    return row[0] if row else ""


@_repairing
def search_annotations(project: Project, query: str, *, limit: int = 50,
                       filters: Filters | None = None, context: int = CONTEXT) -> list[Hit]:
    """Hits in annotation quotes and notes, best annotations first. A quote hit's
    offsets are code points of the document text (when the passage is anchored);
    a note hit's are the passage's."""
    expr = fts_query(query)
    if not expr or limit <= 0:
        return []
    s = refresh(project)
    filters = filters or Filters()
    where, args = annotation_where(project, filters)
    sql = (f"SELECT a.id, a.document_id, a.start_offset, a.end_offset, a.page, "
           f"a.anchor_state, highlight(search_notes, 0, '{M1}', '{M2}'), "
           f"highlight(search_notes, 1, '{M1}', '{M2}') FROM {s}.search_notes "
           f"JOIN {s}.search_annotations sa ON sa.id = search_notes.rowid "
           "JOIN annotations a ON a.id = sa.annotation_id "
           f"WHERE search_notes MATCH ? AND {where} ORDER BY rank")
    hits: list[Hit] = []
    for rank, row in enumerate(_run(project, sql, [expr, *args], query)):
        ann_id, doc_id, a_start, a_end, page, state, quote, note = row
        for kind, marked in (("quote", quote), ("note", note)):
            for start, end, plain in _marks(marked):
                if kind == "quote" and a_start is not None and state != "orphaned":
                    where_start, where_end = a_start + start, a_start + end
                else:
                    where_start, where_end = a_start or 0, a_end or 0
                hits.append(Hit(kind, doc_id, where_start, where_end,
                                *_kwic(plain, start, end, context), page, ann_id, rank))
                if len(hits) >= limit:
                    return hits
    return hits


@_repairing
def count_documents(project: Project, query: str) -> int:
    """How many documents (and pages) the query finds: for "n more documents…"."""
    expr = fts_query(query)
    if not expr:
        return 0
    s = refresh(project, ("documents",))
    sql = (f"SELECT count(DISTINCT r.document_id || ' ' || max(r.page, 0)) FROM "
           f"{s}.search_text m JOIN {s}.search_rows r ON r.id = m.rowid "
           "WHERE search_text MATCH ?")
    return next((row[0] for row in _run(project, sql, [expr], query)), 0)


def _run(project: Project, sql: str, args: list, query: str):
    """Execute a MATCH query; should FTS5 still reject the expression, retry with
    every word quoted (and give nothing rather than an error)."""
    try:
        yield from project.conn.execute(sql, args)
        return
    except sqlite3.OperationalError:
        plain = _plain_query(query)
    if not plain:
        return
    try:
        yield from project.conn.execute(sql, [plain, *args[1:]])
    except sqlite3.OperationalError:
        return


def _marks(marked: str) -> list[tuple[int, int, str]]:
    """(start, end, plain text) of each highlighted stretch, in plain-text offsets."""
    if M1 not in marked:
        return []
    plain = marked.replace(M1, "").replace(M2, "")
    out = []
    shift = pos = 0
    while True:
        i = marked.find(M1, pos)
        if i < 0:
            return out
        j = marked.find(M2, i)
        out.append((i - shift, j - shift - 1, plain))
        shift += 2
        pos = j + 1


def _kwic(text: str, start: int, end: int, width: int) -> tuple[str, str, str]:
    """Left context, hit, right context, on one line, cut at a word boundary."""
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    if start - width > 0 and " " in left:
        left = left[left.index(" ") + 1:]
    if end + width < len(text) and " " in right:
        right = right[:right.rindex(" ")]
    return _SPACES.sub(" ", left), text[start:end], _SPACES.sub(" ", right)


def _inside(spans, page: int, start: int, end: int) -> bool:
    return any((p is None and s <= start and end <= e) or (p is not None and p == page)
               for s, e, p in spans)


# -- filters ---------------------------------------------------------------------------


def matching_annotations(project: Project, filters: Filters) -> list[str]:
    """Ids of the live annotations that pass every filter, in reading order."""
    where, args = annotation_where(project, filters)
    rows = project.conn.execute(f"SELECT a.id FROM annotations a WHERE {where} "
                                "ORDER BY a.document_id, a.start_offset", args)
    return [r[0] for r in rows]


def _dated_documents(project: Project, filters: Filters, docs: list[str]) -> list[str]:
    """The live documents (of ``docs``, if any) whose own date meets the date range."""
    rows = project.conn.execute("SELECT id, metadata FROM documents WHERE deleted = 0")
    return [doc_id for doc_id, meta in rows if (not docs or doc_id in docs)
            and dated_within(None, meta, filters.date_from, filters.date_to)]


def _annotation_spans(project: Project, filters: Filters,
                      docs: list[str]) -> dict[str, list[tuple[int, int, int | None]]]:
    """Per document (of ``docs``, if any), the passages and pages of the annotations
    that pass the filters but the date range, which restricted the documents."""
    where, args = annotation_where(project, replace(filters, document_id=None,
                                                    date_from=None, date_to=None))
    if docs:
        where += f" AND a.document_id IN ({','.join('?' * len(docs))})"
        args.extend(docs)
    spans: dict[str, list[tuple[int, int, int | None]]] = {}
    for doc_id, start, end, page in project.conn.execute(
            "SELECT a.document_id, a.start_offset, a.end_offset, a.page FROM annotations a "
            f"WHERE {where}", args):
        spans.setdefault(doc_id, []).append((start or 0, end or 0, page))
    return spans


# -- finding in the open document (Ctrl+F) ----------------------------------------------


def find_in_text(text: str, query: str) -> list[tuple[int, int]]:
    """Every occurrence of ``query`` in ``text``, ignoring case, diacritics and how
    the words are spaced or broken across lines; code-point offsets."""
    words = fold_preserving(query).split()  # both sides by one table: Чичерин finds itself
    if not words:
        return []
    folded = fold_preserving(text)
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def fold_preserving(text: str) -> str:
    """``text`` case- and diacritics-folded *with every character kept in place*, so
    offsets into it are offsets into ``text`` (a character whose fold is longer or
    empty keeps its lower-case form)."""
    table = {}
    for ch in set(text):
        f = fold(ch) if not ch.isspace() else " "
        table[ord(ch)] = f if len(f) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch)
    return text.translate(table)
