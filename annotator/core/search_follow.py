"""The word index of quotes and notes follows each action (issue 17).

An action that changed a few annotations re-indexes them in its own transaction and
marks the index settled at the journal's new stamp (:func:`search_index.settled`), so
the annotations table's word filter keeps finding a rare word's few rows through the
index right after an edit. Before, the index was settled only at close, and a filter
typed after any edit read every quote and note: 0.6-1.5 s at 1M annotations.

It follows only from a settled index (its mark equals the journal's stamp before the
action), and only an action whose annotations are known one by one. Anything else
leaves the index unsettled, to be brought up to date at the next search or at close,
as before:
- more than :data:`FOLLOW_UP_TO` annotations;
- bulk changes written while the action ran (a merge);
- an action inside which the index was written some other way.

The table also keeps the index's vocabulary: every term, read in 0.3-1 s at 1M. Each
followed action records the terms it indexed. It keys them by the index's state
before and after (FTS5's structure and averages records, which every write to the
index changes). A vocabulary read earlier is then brought forward with those terms
instead of being read again. A term that left the index stays in that vocabulary:
a superset costs only a MATCH that finds nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core import search_index

if TYPE_CHECKING:
    from annotator.core.journal import Change
    from annotator.core.project import Project

#: An action touching more annotations than this is left for the next search or close.
FOLLOW_UP_TO = 5000
#: Links between index states kept for bringing vocabularies forward (one per action).
LINKS_KEPT = 20_000
#: The columns of an annotation the index holds (``deleted``: it holds live ones only).
_INDEXED = frozenset({"exact", "note", "deleted"})

_LINKS: OrderedDict[tuple[str, bytes], tuple[bytes, frozenset[str]]] = OrderedDict()
_LINKS_LOCK = threading.Lock()
_FOLDER: sqlite3.Connection | None = None
_FOLDER_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Followed:
    """An action that followed the index, until its transaction commits."""

    path: str
    before: bytes
    terms: frozenset[str]


def settled_before(project: Project) -> bool:
    """Whether the index is settled now (called inside the action, before the journal
    records it): only then may the action follow it."""
    try:
        return search_index.settled(project.conn)
    except sqlite3.Error:  # a file without the index's tables: nothing to follow
        return False


def follow(project: Project, changes: Iterable[Change], was_settled: bool,
           ) -> Followed | None:
    """Re-index the annotations ``changes`` touched and mark the index settled at the
    journal's stamp as it is now (inside the action's transaction, after the journal
    recorded it). None if it was not settled before, or the action cannot be followed
    (the mark then stays behind the journal: the index is unsettled)."""
    state = search_index._state(project)
    wrote_inside, state.wrote_inside = state.wrote_inside, False
    if not was_settled or wrote_inside:
        return None
    content: set[str] = set()  # their quote, note or liveness changed
    stamp_only: set[str] = set()  # other columns: the entry stays, its stamp moves
    for c in changes:
        if c.staged:
            return None
        if c.table != "annotations":
            continue
        if c.keys is not None:
            content.update(str(k[0]) for k in json.loads(c.keys))
        elif c.op == "update" and isinstance(c.before, dict) and isinstance(c.after, dict) \
                and not _INDEXED.intersection(c.before, c.after):
            stamp_only.add(str(c.key[0]))
        else:
            content.add(str(c.key[0]))
        if len(content) + len(stamp_only) > FOLLOW_UP_TO:
            return None
    stamp_only -= content
    conn = project.conn
    before = index_state(conn)
    if before is None:
        return None
    terms: frozenset[str] = frozenset()
    if content:
        terms = _reindex(conn, sorted(content))
    for chunk in _chunks(sorted(stamp_only)):
        conn.execute(
            "UPDATE search_annotations SET modified_at = (SELECT a.modified_at FROM "
            "annotations a WHERE a.id = search_annotations.annotation_id) WHERE "
            f"annotation_id IN ({','.join('?' * len(chunk))})", chunk)
    conn.execute("INSERT OR REPLACE INTO search_documents VALUES ('', ?)",
                 (search_index.settled_mark(conn),))
    return Followed(_path(project), before, terms) if content else None


def committed(project: Project, followed: Followed | None) -> None:
    """The action committed: its link from the index's state before to the one after
    is kept for :func:`terms_since`."""
    if followed is None:
        return
    try:
        after = index_state(project.conn)
    except sqlite3.Error:
        return
    if after is None or after == followed.before:
        return
    with _LINKS_LOCK:
        _LINKS[(followed.path, after)] = (followed.before, followed.terms)
        while len(_LINKS) > LINKS_KEPT:
            _LINKS.popitem(last=False)


def index_state(conn: sqlite3.Connection, schema: str = "main") -> bytes | None:
    """What changes with every write to the index of quotes and notes: FTS5's
    averages record (rows and tokens) and structure record (segments and a write
    counter). None: no such index."""
    try:
        blocks = conn.execute(f"SELECT block FROM {schema}.search_notes_data WHERE id IN "
                              "(1, 10) ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return None
    return b"\0".join(bytes(b) if b is not None else b"" for (b,) in blocks)


def terms_since(project: Project, then: bytes, now: bytes) -> set[str] | None:
    """The terms followed actions indexed between two states of the index (None: it
    was written otherwise too, or the way back is no longer kept)."""
    path, found = _path(project), set()
    with _LINKS_LOCK:
        for _ in range(len(_LINKS) + 1):
            if now == then:
                return found
            link = _LINKS.get((path, now))
            if link is None:
                return None
            now = link[0]
            found |= link[1]
    return None


def terms_of(texts: Iterable[str]) -> set[str]:
    """The terms the index's own tokenizer makes of ``texts`` (in a database of its own:
    the project's is not written)."""
    with _FOLDER_LOCK:
        global _FOLDER
        if _FOLDER is None:
            _FOLDER = sqlite3.connect(":memory:", isolation_level=None,
                                      check_same_thread=False)
            _FOLDER.execute('CREATE VIRTUAL TABLE fold USING fts5(w, tokenize = '
                            '"unicode61 remove_diacritics 2")')
            _FOLDER.execute("CREATE VIRTUAL TABLE fold_terms USING fts5vocab(fold, row)")
        _FOLDER.execute("DELETE FROM fold")
        _FOLDER.executemany("INSERT INTO fold (w) VALUES (?)", ((t,) for t in texts if t))
        found = {t for (t,) in _FOLDER.execute("SELECT term FROM fold_terms")}
        _FOLDER.execute("DELETE FROM fold")
    return found


def _reindex(conn: sqlite3.Connection, ids: list[str]) -> frozenset[str]:
    """These annotations' entries afresh, from their rows (one gone, an undone new
    one, loses its entry); returns the terms of the texts indexed."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS search_stale (rid INTEGER PRIMARY KEY, "
                 "indexed INTEGER)")
    conn.execute("DELETE FROM temp.search_stale")
    texts: list[str] = []
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        conn.execute("INSERT INTO temp.search_stale SELECT a.rowid, s.id FROM annotations a "
                     "LEFT JOIN search_annotations s ON s.annotation_id = a.id "
                     f"WHERE a.id IN ({marks})", chunk)
        gone = f"SELECT s.id FROM search_annotations s WHERE s.annotation_id IN ({marks}) " \
               "AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.id = s.annotation_id)"
        conn.execute(f"DELETE FROM search_notes WHERE rowid IN ({gone})", chunk)
        conn.execute(f"DELETE FROM search_annotations WHERE id IN ({gone})", chunk)
        for quote, note in conn.execute(
                f"SELECT coalesce(exact, ''), note FROM annotations WHERE id IN ({marks}) "
                "AND NOT deleted", chunk):
            texts += [quote, note or ""]
    search_index._reindex_annotations(conn, "main")
    conn.execute("DELETE FROM temp.search_stale")
    return frozenset(terms_of(texts))


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _path(project: Project) -> str:
    return str(Path(project.path).resolve())
