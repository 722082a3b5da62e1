"""The full-text index search reads: FTS5 tables in the project file (schema v2),
``unicode61 remove_diacritics 2`` (Herriot finds Hérriot), one row per *passage* of a
few KB of a text document, one per page with a text layer, and one per annotation's
quote and note.

Passages (issue 17): ``highlight()`` costs in proportion to the row it marks, and a
5 MB letter-book in one row took 2.2 s to show its first hit. A text document is
indexed in passages of about :data:`PASSAGE` code points, cut after a space so no
word is split; ``search_rows.page`` of a passage row holds minus its first code
point's offset (0 for the first passage, so the old one-row layout reads the same),
a page's row its page number (> 0). A word pair whose words fall in two passages is
not found together: a search is for places, not for documents.

The index is *derived*: it is brought up to date lazily, by :func:`refresh`, before
each search, and by :func:`settle` when a writable project is closed, so a project
written by an import is searched read-only without rebuilding anything. Why lazily,
and not with triggers:

- an import or a bulk insert of 100,000 annotations must not pay for indexing
  (the benchmark holds a bulk insert to 1.5x a raw ``executemany``);
- the check is cheap: nothing written through this connection since the last refresh
  (``total_changes``) and nothing committed by another (``PRAGMA data_version``)
  means nothing to do; otherwise documents and annotations whose ``modified_at``
  differs from the one indexed are re-indexed (a few ms per changed document; a scan
  of ~50 ms per 100,000 annotations when annotations changed);
- a project opened read-only whose index is stale gets a temporary index in memory.

``search_documents.modified_at`` holds the document's ``modified_at`` followed by
:data:`LAYOUT`: an index written in another layout (whole documents) differs from
every document and is re-indexed at the next refresh.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core.util import connection_state

if TYPE_CHECKING:
    from annotator.core.project import Project

#: Code points of a passage (cut at the next space after this many).
PASSAGE = 4096
#: Appended to the modified_at of an indexed document: the layout of its rows.
LAYOUT = " p1"
_SPACE = re.compile(r"\s")

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
    #: written inside someone's action: that action cannot follow the index
    #: (annotator.core.search_follow), whose record of its writes would be short
    wrote_inside: bool = False
    #: (total_changes, data_version) after the last transaction committed, with whether
    #: the index was settled then and the journal's stamp if known; and at the start of
    #: the action under way: equal, nothing was written in between
    #: (annotator.core.search_follow)
    left: tuple[tuple[int, int], bool, str | None] | None = None
    began: tuple[int, int] | None = None
    #: the journal's stamp before the action under way, when known (its mark is then
    #: made from it: journal.stamp_after_store)
    stamp_before: str | None = None
    #: the project file's resolved path (annotator.core.search_follow keys its links by
    #: it; resolving costs several lstat calls, once per action otherwise)
    resolved: str = ""


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state(project: Project) -> _State:
    state = _STATES.get(project)
    if state is None:
        state = _STATES[project] = _State()
    return state


def refresh(project: Project, parts: tuple[str, ...] = ("documents", "annotations")) -> str:
    """Bring the index of ``parts`` up to date; returns the schema holding the index
    ("main", or "temp" for a stale index of a read-only project)."""
    state = _state(project)
    conn = project.conn
    stamp = connection_state(conn)
    parts = tuple(p for p in parts if state.stamps.get(p) != stamp)
    if not parts:
        return state.schema
    if "annotations" in parts and state.schema == "main" and _settled_quietly(conn):
        # every action since the index was settled followed it (search_follow): its
        # quotes and notes are current without the scan (~1 s at 1M annotations)
        state.stamps["annotations"] = stamp
        parts = tuple(p for p in parts if p != "annotations")
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
        state.wrote_inside |= conn.in_transaction
        with project.transaction(record=False):  # derived: never an undo step
            for part in parts:
                _UPDATES[part](conn, "main")
        state.schema = "main"
    state.stamps.update(dict.fromkeys(parts, connection_state(conn)))
    return state.schema


def settle(project: Project) -> None:
    """Bring the index up to date before a writable project that was written to is
    closed, so the next search (read-only too) finds it ready. The texts are checked
    always (a few ms); the annotations (a scan of ~1 s per million) only when the
    journal moved since the last settling (an action, undo, redo or folded edit), which
    a row ``("", "journal <stamp>")`` in search_documents remembers. A failure is left for the next search to meet (the
    index is derived; closing must not fail for it)."""
    if project.read_only or not project.conn.total_changes:
        return
    conn = project.conn
    try:
        mark = settled_mark(conn)
        if settled(conn, mark):
            if _stale(conn, "main", "documents"):
                refresh(project, ("documents",))
            return
        refresh(project)
        with project.transaction(record=False):  # derived: never an undo step
            conn.execute("INSERT OR REPLACE INTO search_documents VALUES ('', ?)", (mark,))
        _state(project).left = (connection_state(conn), True, None)  # the next action may follow it
    except Exception:  # derived data: the next search tries again
        pass


def _settled_quietly(conn: sqlite3.Connection) -> bool:
    """:func:`settled`, False for a file without the mark's table or journal."""
    try:
        return settled(conn)
    except sqlite3.Error:
        return False


def settled_mark(conn: sqlite3.Connection) -> str:
    """The journal's stamp as the index keeps it once settled (annotator.core.journal)."""
    from annotator.core.journal import stamp

    return f"journal {stamp(conn)}"


def settled(conn: sqlite3.Connection, mark: str | None = None) -> bool:
    """Whether the index in the file was settled with the journal as it stands: no
    action, undo, redo or folded edit since."""
    seen = conn.execute("SELECT modified_at FROM search_documents WHERE document_id = ''"
                        ).fetchone()
    return bool(seen) and seen[0] == (mark or settled_mark(conn))


def rebuild_index(project: Project) -> None:
    """Index everything afresh (after a merge, or to repair the index)."""
    from annotator.core.schema import SCHEMA_V2, _statements

    _state(project).wrote_inside |= project.conn.in_transaction
    with project.transaction(record=False) as conn:  # derived: never an undo step
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
    _state(project).stamps = dict.fromkeys(("documents", "annotations"), connection_state(project.conn))


def repair_index(project: Project) -> None:
    """The index is damaged (FTS5 finds it malformed): it is derived, so build it
    afresh — in the file when the project is writable, else a temporary one in memory
    (a read-only project is never written to)."""
    state = _state(project)
    if not project.read_only:
        rebuild_index(project)
        state.schema = "main"
        return
    conn = project.conn
    for table in ("search_text", "search_rows", "search_documents", "search_notes",
                  "search_annotations"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    for ddl in _DDL_TEMP:
        conn.execute(ddl)
    state.schema = "temp"
    for update in _UPDATES.values():
        update(conn, "temp")
    state.stamps = dict.fromkeys(_UPDATES, connection_state(conn))


def index_problems(conn: sqlite3.Connection) -> list[str]:
    """What is wrong with the full-text indexes in the file: FTS5's own integrity-check,
    or, on a read-only connection (which FTS5 will not run it on), a read of every
    entry of the index through fts5vocab."""
    problems = []
    for table in ("search_text", "search_notes"):
        try:
            try:
                conn.execute(f"INSERT INTO main.{table}({table}) VALUES ('integrity-check')")
            except sqlite3.OperationalError as exc:
                if "readonly" not in str(exc):
                    raise
                conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.annotator_{table}_vocab "
                             f"USING fts5vocab(main, {table}, instance)")
                conn.execute(f"SELECT count(*) FROM temp.annotator_{table}_vocab").fetchone()
        except sqlite3.DatabaseError as exc:
            problems.append(f"the search index ({table}) is damaged ({exc}); it is rebuilt "
                            "at the next search of a writable project")
    return problems


_DOCS_DIFF = (f"SELECT d.id, d.modified_at || '{LAYOUT}', d.deleted, d.kind FROM documents d "
              "LEFT JOIN {s}.search_documents s ON s.document_id = d.id "
              f"WHERE s.modified_at IS NOT d.modified_at || '{LAYOUT}'")
_ANNS_DIFF = ("SELECT a.id, a.modified_at, a.deleted, "
              "coalesce(a.exact, '') != '' OR a.note != '', s.id "
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
                lengths = _index_documents(conn, s, live)
                if s == "main":  # `info` reads them (annotator.core.tally)
                    conn.executemany(
                        "INSERT OR REPLACE INTO document_lengths SELECT id, modified_at, ? "
                        "FROM documents WHERE id = ? AND kind = 'text'",
                        [(lengths.get(doc_id, 0), doc_id) for doc_id in live])
        conn.executemany(f"INSERT OR REPLACE INTO {s}.search_documents VALUES (?, ?)",
                         [(row[0], row[1]) for row in changed])


def _update_annotations(conn: sqlite3.Connection, s: str) -> None:
    """Re-index the annotations whose quote or note may have changed, a stretch of rows
    at a time (at 1M, the whole diff held at once took hundreds of MB on closing), all
    in SQL: the rowids of a stretch's stale rows go into a temporary table and are
    re-indexed from it (after a merge of 100,000 new annotations, read into Python
    and written back with 500 ids a statement, this took 3.5-3.9 s CPU; now 1.2-1.3)."""
    top = conn.execute("SELECT coalesce(max(rowid), 0) FROM annotations").fetchone()[0]
    if not top:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS search_stale (rid INTEGER PRIMARY KEY, "
                 "indexed INTEGER)")
    try:
        for low in range(0, top, _ROWS_AT_A_TIME):
            conn.execute(
                f"INSERT INTO temp.search_stale SELECT a.rowid, s.id FROM annotations a "
                f"LEFT JOIN {s}.search_annotations s ON s.annotation_id = a.id "
                "WHERE s.modified_at IS NOT a.modified_at AND a.rowid > ? AND a.rowid <= ?",
                (low, low + _ROWS_AT_A_TIME))
            _reindex_annotations(conn, s)
            conn.execute("DELETE FROM temp.search_stale")
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.search_stale")


_ROWS_AT_A_TIME = 50_000


def _reindex_annotations(conn: sqlite3.Connection, s: str) -> None:
    """The annotations in temp.search_stale: their old entries out, their stamp in,
    a live one with a quote or a note indexed under its row of search_annotations."""
    conn.execute(f"DELETE FROM {s}.search_notes WHERE rowid IN "
                 "(SELECT indexed FROM temp.search_stale WHERE indexed IS NOT NULL)")
    conn.execute(
        f"INSERT INTO {s}.search_annotations (annotation_id, modified_at) "
        "SELECT a.id, a.modified_at FROM temp.search_stale t CROSS JOIN annotations a "
        "ON a.rowid = t.rid WHERE true "
        "ON CONFLICT (annotation_id) DO UPDATE SET modified_at = excluded.modified_at")
    conn.execute(
        f"INSERT INTO {s}.search_notes (rowid, quote, note) "
        "SELECT s.id, coalesce(a.exact, ''), a.note FROM temp.search_stale t "
        f"CROSS JOIN annotations a ON a.rowid = t.rid JOIN {s}.search_annotations s "
        "ON s.annotation_id = a.id "
        "WHERE NOT a.deleted AND (coalesce(a.exact, '') != '' OR a.note != '')")


def _index_documents(conn: sqlite3.Connection, s: str, doc_ids: list[str]) -> dict[str, int]:
    """Passages of each text document and one row per page with a text layer; one
    document's text in memory at a time. Returns the characters of each text indexed."""
    next_id = conn.execute(f"SELECT coalesce(max(id), 0) FROM {s}.search_rows").fetchone()[0] + 1
    rows: list[tuple[int, str, int]] = []
    bodies: list[tuple[int, str]] = []
    marks = ",".join("?" * len(doc_ids))
    texts = conn.execute(
        f"SELECT id, 0, text FROM documents WHERE id IN ({marks}) AND kind = 'text' "
        "AND coalesce(text, '') != '' "
        f"UNION ALL SELECT document_id, number, text FROM pages WHERE document_id IN ({marks}) "
        "AND text != '' ORDER BY 1, 2", doc_ids * 2)
    lengths: dict[str, int] = {}
    for doc_id, page, text in texts:
        if page == 0:
            lengths[doc_id] = len(text)
        for start, body in (passages(text) if page == 0 else ((-page, text),)):
            rows.append((next_id, doc_id, -start))
            bodies.append((next_id, body))
            next_id += 1
        if len(bodies) >= 2000:
            _insert_rows(conn, s, rows, bodies)
    _insert_rows(conn, s, rows, bodies)
    return lengths


def _insert_rows(conn: sqlite3.Connection, s: str, rows: list, bodies: list) -> None:
    conn.executemany(f"INSERT INTO {s}.search_rows (id, document_id, page) VALUES (?, ?, ?)",
                     rows)
    conn.executemany(f"INSERT INTO {s}.search_text (rowid, body) VALUES (?, ?)", bodies)
    rows.clear()
    bodies.clear()


def passages(text: str, size: int = PASSAGE) -> Iterator[tuple[int, str]]:
    """(first code point, text) of each passage of ``text``: ``size`` code points and
    on to the next white space (a run of 256 without one is cut where it is)."""
    start, n = 0, len(text)
    while start < n:
        end = start + size
        if end < n:
            m = _SPACE.search(text, end, end + 256)
            end = m.end() if m else end
        yield start, text[start:end]
        start = end


_UPDATES = {"documents": _update_documents, "annotations": _update_annotations}
