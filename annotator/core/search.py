"""Full-text search over the project: document texts, page text layers, annotation
quotes and notes, with results as KWIC lines (left context | hit | right context).

The index (FTS5, ``unicode61 remove_diacritics 2``: Herriot finds Hérriot) lives in the
project file (schema v2) but is *derived*: it is brought up to date lazily, by
:func:`refresh`, before each search. Why lazily, and not with triggers:

- an import or a bulk insert of 100,000 annotations must not pay for indexing
  (the benchmark holds a bulk insert to 1.5x a raw ``executemany``);
- the check is cheap: nothing written through this connection since the last refresh
  (``total_changes``) and nothing committed by another (``PRAGMA data_version``)
  means nothing to do; otherwise documents and annotations whose ``modified_at``
  differs from the one indexed are re-indexed (a few ms per changed document; a scan
  of ~50 ms per 100,000 annotations when annotations changed);
- a project opened read-only whose index is stale gets a temporary index in memory.

Offsets: each document's text is one row, so FTS5's ``highlight()`` marks the very
code points of each hit in the stored text; counting the markers gives code-point
offsets into ``documents.text`` (pages: into the page's text layer) without
re-tokenising anything in Python.

Queries take words, "phrases", prefix*, OR, -word / NOT word; anything else (an
unbalanced quote, a lone ``-``, ``AND`` alone) is read as plain words, never an error.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from annotator.core.dates import iso_interval, overlaps
from annotator.core.names import fold

if TYPE_CHECKING:
    from annotator.core.project import Project

#: Highlight markers: Unicode noncharacters, which no imported text contains.
M1, M2 = "\ufdd0", "\ufdd1"
CONTEXT = 60  # characters of context on each side of a hit


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


@dataclass(slots=True)
class Filters:
    """The annotation table's filters. On text hits, ``document_ids`` and the date
    range (the document's date) restrict the documents; tag, entity, author and anchor
    state keep the hits that lie inside an annotation that passes them."""

    document_ids: list[str] = field(default_factory=list)
    tag_id: str | None = None  # with its sub-tags
    entity_id: str | None = None
    author_id: str | None = None
    anchor_state: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def on_annotations(self) -> bool:
        return any((self.tag_id, self.entity_id, self.author_id, self.anchor_state))

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None


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


# -- the index -------------------------------------------------------------------------

_DDL_TEMP = [
    'CREATE VIRTUAL TABLE temp.search_text USING fts5(body, tokenize = "unicode61 '
    'remove_diacritics 2")',
    "CREATE TABLE temp.search_rows (id INTEGER PRIMARY KEY, document_id TEXT NOT NULL, "
    "page INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX temp.search_rows_document ON search_rows (document_id)",
    "CREATE TABLE temp.search_documents (document_id TEXT PRIMARY KEY, modified_at TEXT "
    "NOT NULL) WITHOUT ROWID",
    'CREATE VIRTUAL TABLE temp.search_notes USING fts5(quote, note, tokenize = "unicode61 '
    'remove_diacritics 2")',
    "CREATE TABLE temp.search_annotations (id INTEGER PRIMARY KEY, annotation_id TEXT NOT "
    "NULL UNIQUE, modified_at TEXT NOT NULL)",
]


@dataclass
class _State:
    # per part ("documents", "annotations"): (total_changes, data_version) when last
    # found current; a text search never waits for 100,000 annotations to be checked
    stamps: dict = field(default_factory=dict)
    schema: str = "main"


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state(project: Project) -> _State:
    state = _STATES.get(project)
    if state is None:
        state = _STATES[project] = _State()
    return state


def _stamp(conn: sqlite3.Connection) -> tuple[int, int]:
    return conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0]


def refresh(project: Project, parts: tuple[str, ...] = ("documents", "annotations")) -> str:
    """Bring the index of ``parts`` up to date; returns the schema holding the index
    ("main", or "temp" for a stale index of a read-only project)."""
    state = _state(project)
    conn = project.conn
    stamp = _stamp(conn)
    parts = tuple(p for p in parts if state.stamps.get(p) != stamp)
    if not parts:
        return state.schema
    if project.read_only:
        if state.schema == "main" and not any(_stale(conn, "main", p) for p in parts):
            state.stamps.update(dict.fromkeys(parts, stamp))
            return "main"
        if state.schema == "main":  # a temporary index of everything, kept up to date
            for ddl in _DDL_TEMP:
                conn.execute(ddl)
            state.schema = "temp"
            parts = tuple(_UPDATES)
        for part in parts:
            _UPDATES[part](conn, "temp")
    else:
        with project.transaction():
            for part in parts:
                _UPDATES[part](conn, "main")
        state.schema = "main"
    state.stamps.update(dict.fromkeys(parts, _stamp(conn)))
    return state.schema


def rebuild_index(project: Project) -> None:
    """Index everything afresh (after a merge, or to repair the index)."""
    from annotator.core.schema import SCHEMA_V2, _statements

    with project.transaction() as conn:
        # dropping and re-creating (with the very DDL of the schema) is much faster than
        # DELETE, which makes FTS5 re-tokenise every row to take it out of the index
        for table in ("search_text", "search_notes"):
            conn.execute(f"DROP TABLE {table}")
            conn.execute(next(ddl for ddl in _statements(SCHEMA_V2)
                              if ddl.startswith(f"CREATE VIRTUAL TABLE {table} ")))
        for table in ("search_rows", "search_documents", "search_annotations"):
            conn.execute(f"DELETE FROM {table}")
        _update_documents(conn, "main")
        _update_annotations(conn, "main")
    _state(project).stamps = dict.fromkeys(("documents", "annotations"), _stamp(project.conn))


_DOCS_DIFF = ("SELECT d.id, d.modified_at, d.deleted, d.kind FROM documents d "
              "LEFT JOIN {s}.search_documents s ON s.document_id = d.id "
              "WHERE s.modified_at IS NOT d.modified_at")
_ANNS_DIFF = ("SELECT a.id, a.modified_at, a.deleted, a.exact, a.note, s.id "
              "FROM annotations a LEFT JOIN {s}.search_annotations s ON s.annotation_id = a.id "
              "WHERE s.modified_at IS NOT a.modified_at")


def _stale(conn: sqlite3.Connection, s: str, part: str) -> bool:
    diff = _DOCS_DIFF if part == "documents" else _ANNS_DIFF
    return conn.execute(diff.format(s=s) + " LIMIT 1").fetchone() is not None


def _update_documents(conn: sqlite3.Connection, s: str) -> None:
    """Re-index the documents that changed (inside the caller's transaction)."""
    changed = conn.execute(_DOCS_DIFF.format(s=s)).fetchall()
    if changed:
        ids = [row[0] for row in changed]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            old = f"SELECT id FROM {s}.search_rows WHERE document_id IN ({marks})"
            conn.execute(f"DELETE FROM {s}.search_text WHERE rowid IN ({old})", chunk)
            conn.execute(f"DELETE FROM {s}.search_rows WHERE document_id IN ({marks})", chunk)
            live = [doc_id for doc_id, _m, deleted, _k in changed[i:i + 500] if not deleted]
            if live:
                _index_documents(conn, s, live)
        conn.executemany(f"INSERT OR REPLACE INTO {s}.search_documents VALUES (?, ?)",
                         [(row[0], row[1]) for row in changed])


def _update_annotations(conn: sqlite3.Connection, s: str) -> None:
    """Re-index the annotations whose quote or note may have changed."""
    anns = conn.execute(_ANNS_DIFF.format(s=s)).fetchall()
    if anns:
        conn.executemany(f"DELETE FROM {s}.search_notes WHERE rowid = ?",
                         [(row[5],) for row in anns if row[5] is not None])
        conn.executemany(
            f"INSERT INTO {s}.search_annotations (annotation_id, modified_at) VALUES (?, ?) "
            "ON CONFLICT (annotation_id) DO UPDATE SET modified_at = excluded.modified_at",
            [(row[0], row[1]) for row in anns])
        live = [row[0] for row in anns if not row[2] and (row[3] or row[4])]
        for i in range(0, len(live), 500):
            chunk = live[i:i + 500]
            conn.execute(
                f"INSERT INTO {s}.search_notes (rowid, quote, note) "
                f"SELECT s.id, coalesce(a.exact, ''), a.note FROM annotations a "
                f"JOIN {s}.search_annotations s ON s.annotation_id = a.id "
                f"WHERE a.id IN ({','.join('?' * len(chunk))})", chunk)


def _index_documents(conn: sqlite3.Connection, s: str, doc_ids: list[str]) -> None:
    """One row per text document and per page with a text layer; the texts are read
    once, straight from their tables into the index."""
    marks = ",".join("?" * len(doc_ids))
    base = conn.execute(f"SELECT coalesce(max(id), 0) FROM {s}.search_rows").fetchone()[0]
    conn.execute(
        f"INSERT INTO {s}.search_rows (document_id, page) "
        f"SELECT id, 0 FROM documents WHERE id IN ({marks}) AND kind = 'text' "
        "AND coalesce(text, '') != '' "
        f"UNION ALL SELECT document_id, number FROM pages WHERE document_id IN ({marks}) "
        "AND text != '' ORDER BY 1, 2", doc_ids * 2)
    conn.execute(
        f"INSERT INTO {s}.search_text (rowid, body) "
        f"SELECT r.id, CASE WHEN r.page = 0 THEN d.text ELSE p.text END FROM {s}.search_rows r "
        "LEFT JOIN documents d ON r.page = 0 AND d.id = r.document_id "
        "LEFT JOIN pages p ON r.page > 0 AND p.document_id = r.document_id "
        "AND p.number = r.page WHERE r.id > ?", (base,))


_UPDATES = {"documents": _update_documents, "annotations": _update_annotations}


# -- searching -------------------------------------------------------------------------


def search(project: Project, query: str, *, limit: int = 20, document_id: str | None = None,
           filters: Filters | None = None, context: int = CONTEXT,
           per_document: int | None = None) -> list[Hit]:
    """The first ``limit`` hits of ``query`` in document texts and page text layers:
    documents by relevance (bm25), hits within a document in reading order, at most
    ``per_document`` from one document (or page) when given."""
    expr = fts_query(query)
    if not expr or limit <= 0:
        return []
    s = refresh(project, ("documents",))
    filters = filters or Filters()
    docs = list(filters.document_ids)
    if document_id:
        if docs and document_id not in docs:
            return []
        docs = [document_id]
    if filters.has_dates:
        docs = _dated_documents(project, filters, docs)
        if not docs:
            return []
    spans = _annotation_spans(project, filters, docs) if filters.on_annotations else None
    if spans is not None:
        docs = list(spans)
        if not docs:
            return []
    sql = (f"SELECT r.document_id, r.page, highlight(search_text, 0, '{M1}', '{M2}') "
           f"FROM {s}.search_text JOIN {s}.search_rows r ON r.id = search_text.rowid "
           "WHERE search_text MATCH ?")
    args: list = [expr]
    if docs:
        sql += f" AND r.document_id IN ({','.join('?' * len(docs))})"
        args.extend(docs)
    hits: list[Hit] = []
    for rank, (doc_id, page, marked) in enumerate(_run(project, sql + " ORDER BY rank",
                                                       args, query)):
        taken = 0
        for start, end, plain in _marks(marked):
            if spans is not None and not _inside(spans.get(doc_id, ()), page, start, end):
                continue
            if per_document is not None and taken >= per_document:
                break
            taken += 1
            hits.append(Hit("page" if page else "text", doc_id, start, end,
                            *_kwic(plain, start, end, context), page or None, None, rank))
            if len(hits) >= limit:
                return hits
    return hits


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
    sql = (f"SELECT a.id, a.document_id, a.start_offset, a.end_offset, a.page, a.date_value, "
           f"a.anchor_state, d.metadata, highlight(search_notes, 0, '{M1}', '{M2}'), "
           f"highlight(search_notes, 1, '{M1}', '{M2}') FROM {s}.search_notes "
           f"JOIN {s}.search_annotations sa ON sa.id = search_notes.rowid "
           "JOIN annotations a ON a.id = sa.annotation_id "
           "JOIN documents d ON d.id = a.document_id "
           f"WHERE search_notes MATCH ? AND {where} ORDER BY rank")
    hits: list[Hit] = []
    for rank, row in enumerate(_run(project, sql, [expr, *args], query)):
        ann_id, doc_id, a_start, a_end, page, date_value, state, meta, quote, note = row
        if filters.has_dates and not _date_ok(date_value, meta, filters):
            continue
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


def count_documents(project: Project, query: str) -> int:
    """How many documents (and pages) the query finds: for "n more documents…"."""
    expr = fts_query(query)
    if not expr:
        return 0
    s = refresh(project, ("documents",))
    sql = f"SELECT count(*) FROM {s}.search_text WHERE search_text MATCH ?"
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


def annotation_where(project: Project, filters: Filters) -> tuple[str, list]:
    """SQL conditions (on annotations ``a`` and documents ``d``) for the filters but
    the date range, which :func:`matching_annotations` applies in Python."""
    where = ["a.deleted = 0", "d.deleted = 0"]
    args: list = []
    if filters.document_ids:
        where.append(f"a.document_id IN ({','.join('?' * len(filters.document_ids))})")
        args.extend(filters.document_ids)
    if filters.tag_id:
        tags = project.tags.descendants(filters.tag_id)
        where.append("a.id IN (SELECT annotation_id FROM annotation_tags WHERE tag_id IN "
                     f"({','.join('?' * len(tags))}))")
        args.extend(tags)
    for column, value in (("entity_id", filters.entity_id), ("author_id", filters.author_id),
                          ("anchor_state", filters.anchor_state)):
        if value:
            where.append(f"a.{column} = ?")
            args.append(value)
    return " AND ".join(where), args


def matching_annotations(project: Project, filters: Filters) -> list[str]:
    """Ids of the live annotations that pass every filter, date range included
    (an annotation's own date, else its document's)."""
    where, args = annotation_where(project, filters)
    rows = project.conn.execute(
        f"SELECT a.id, a.date_value, d.metadata FROM annotations a JOIN documents d "
        f"ON d.id = a.document_id WHERE {where} ORDER BY a.document_id, a.start_offset", args)
    return [r[0] for r in rows if not filters.has_dates or _date_ok(r[1], r[2], filters)]


def _date_ok(date_value: str, metadata: str, filters: Filters) -> bool:
    value = date_value or _document_date(metadata)
    return overlaps(value, filters.date_from, filters.date_to)


def _document_date(metadata: str) -> str:
    from annotator.core.util import loads

    value = loads(metadata, {}).get("date", "")  # type: ignore[union-attr]
    return value if isinstance(value, str) else ""


def _dated_documents(project: Project, filters: Filters, docs: list[str]) -> list[str]:
    rows = project.conn.execute("SELECT id, metadata FROM documents WHERE deleted = 0")
    return [doc_id for doc_id, meta in rows if (not docs or doc_id in docs)
            and overlaps(_document_date(meta), filters.date_from, filters.date_to)]


def _annotation_spans(project: Project, filters: Filters,
                      docs: list[str]) -> dict[str, list[tuple[int, int, int | None]]]:
    narrowed = Filters(docs, filters.tag_id, filters.entity_id, filters.author_id,
                       filters.anchor_state)
    where, args = annotation_where(project, narrowed)
    spans: dict[str, list[tuple[int, int, int | None]]] = {}
    for doc_id, start, end, page in project.conn.execute(
            "SELECT a.document_id, a.start_offset, a.end_offset, a.page FROM annotations a "
            f"JOIN documents d ON d.id = a.document_id WHERE {where}", args):
        spans.setdefault(doc_id, []).append((start or 0, end or 0, page))
    return spans


# -- finding in the open document (Ctrl+F) ----------------------------------------------


def find_in_text(text: str, query: str) -> list[tuple[int, int]]:
    """Every occurrence of ``query`` in ``text``, ignoring case, diacritics and how
    the words are spaced or broken across lines; code-point offsets."""
    words = fold(query).split()
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


def date_range(value: str) -> tuple[date | None, date | None]:
    """"1924", "1924-10/1925" -> the first and last day, for a date filter's text box."""
    interval = iso_interval(value) if value.strip() else None
    return interval if interval else (None, None)
