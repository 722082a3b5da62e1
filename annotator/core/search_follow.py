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

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core import journal, search_index
from annotator.core.util import connection_state

if TYPE_CHECKING:
    from annotator.core.journal import Change
    from annotator.core.project import Project

#: An action touching more annotations than this is left for the next search or close.
FOLLOW_UP_TO = 5000
#: Links between index states kept for bringing vocabularies forward (one per action).
LINKS_KEPT = 5000
#: The columns of an annotation the index holds (``deleted``: it holds live ones only).
_INDEXED = frozenset({"exact", "note", "deleted"})

#: (file, state after) -> (state before, the terms indexed, or the texts indexed when
#: small: tokenized only when a vocabulary is brought forward, most actions never are)
_LINKS: OrderedDict[tuple[str, bytes], tuple[bytes, frozenset[str] | tuple[str, ...]]] = \
    OrderedDict()
#: texts up to this many characters are kept as they are in a link, not as terms
LAZY_TEXTS = 16_384
#: the files (resolved paths) whose vocabulary a table holds in this process: only
#: their actions record links (reading the index's state twice and the texts indexed
#: costs a tenth of a plain action, for nothing when no vocabulary is brought forward)
_WANTED: set[str] = set()
#: up to this many annotations are re-indexed row by row, without the temporary table
FEW = 8
_LINKS_LOCK = threading.Lock()
_FOLDER: sqlite3.Connection | None = None
_FOLDER_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Followed:
    """An action that followed the index, until its transaction commits."""

    path: str
    before: bytes | None  # None: no link is recorded (no vocabulary held for the file)
    terms: frozenset[str] | tuple[str, ...]  # or the texts, see _LINKS
    stamp: str  # the journal's, as the mark written holds it


def began(project: Project) -> None:
    """An action began (its write lock taken): what the connection had written and
    seen written by others until then."""
    search_index._state(project).began = connection_state(project.conn)


def settled_before(project: Project) -> bool:
    """Whether the index is settled now (called inside the action, before the journal
    records it): only then may the action follow it. Known without reading the
    journal's stamp (a scan of every change set: 18 ms at 100,000 of them) when the
    last action followed it and nothing was written between the two."""
    state = search_index._state(project)
    if state.left is not None and state.left[0] == state.began:
        state.stamp_before = state.left[2]
        return state.left[1]
    conn = project.conn
    try:
        state.stamp_before = journal.stamp(conn)
        seen = conn.execute("SELECT modified_at FROM search_documents WHERE document_id = ''"
                            ).fetchone()
    except sqlite3.Error:  # a file without the index's tables: nothing to follow
        return False
    return bool(seen) and seen[0] == f"journal {state.stamp_before}"


def follow(project: Project, changes: Iterable[Change], was_settled: bool,
           changeset_id: int | None = None) -> Followed | None:
    """Re-index the annotations ``changes`` touched and mark the index settled at the
    journal's stamp as it is now (inside the action's transaction, after the journal
    recorded it, as ``changeset_id``; None: undone or redone). None if it was not
    settled before, or the action cannot be followed (the mark then stays behind the
    journal: the index is unsettled)."""
    state = search_index._state(project)
    wrote_inside, state.wrote_inside = state.wrote_inside, False
    stamp_before, state.stamp_before = state.stamp_before, None
    if not was_settled or wrote_inside:
        return None
    content: set[str] = set()  # their quote, note or liveness changed
    stamp_only: set[str] = set()  # other columns: the entry stays, its stamp moves
    # may a row have left the table (its entry then goes too)? An undo or redo
    # (no change set id) replays the changes either way: an insert undone is a delete
    gone = changeset_id is None
    for c in changes:
        if c.staged:
            return None
        if c.table != "annotations":
            continue
        if c.keys is not None:
            content.update(str(k[0]) for k in json.loads(c.keys))
            gone = True
        elif c.op == "update" and isinstance(c.before, dict) and isinstance(c.after, dict) \
                and not _INDEXED.intersection(c.before, c.after):
            stamp_only.add(str(c.key[0]))
        else:
            content.add(str(c.key[0]))
            gone = gone or c.op not in ("insert", "update")
        if len(content) + len(stamp_only) > FOLLOW_UP_TO:
            return None
    stamp_only -= content
    conn = project.conn
    path = _path(project)
    linked = path in _WANTED
    before = index_state(conn) if linked else None
    if linked and before is None:
        return None
    terms: frozenset[str] | tuple[str, ...] = frozenset()
    if content:
        terms = _reindex(conn, sorted(content), gone)
    for chunk in _chunks(sorted(stamp_only)):
        conn.execute(
            "UPDATE search_annotations SET modified_at = (SELECT a.modified_at FROM "
            "annotations a WHERE a.id = search_annotations.annotation_id) WHERE "
            f"annotation_id IN ({','.join('?' * len(chunk))})", chunk)
    stamp = (journal.stamp_after_store(stamp_before, conn, changeset_id)
             if stamp_before is not None and changeset_id is not None else None)
    stamp = stamp or journal.stamp(conn)
    conn.execute("INSERT OR REPLACE INTO search_documents VALUES ('', ?)", (f"journal {stamp}",))
    return Followed(path, before, terms if before is not None else frozenset(), stamp)


def committed(project: Project, followed: Followed | None, journal_moved: bool) -> None:
    """A transaction committed: ``followed``, an action that followed the index;
    else ``journal_moved``, one that recorded or replayed changes without following
    it (the index is unsettled now); else a write of derived data only (as settled as
    before). What the connection stands at is kept for the next action's
    :func:`settled_before`, and the link from the index's state before a followed
    action to the one after it, for :func:`terms_since`."""
    state = search_index._state(project)
    known = state.left[1] if state.left is not None and state.left[0] == state.began else None
    state.left, state.stamp_before = None, None
    try:
        now = connection_state(project.conn)
        if followed is None:
            if journal_moved or known is not None:  # the journal's stamp is read again
                state.left = (now, False if journal_moved else known, None)
            return
        state.left = (now, True, followed.stamp)
        journal.remember_stamp(project.conn, now, followed.stamp)
        if followed.before is None:  # no vocabulary to bring forward
            return
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
    whole = b"\0".join(bytes(b) if b is not None else b"" for (b,) in blocks)
    return hashlib.blake2b(whole, digest_size=16).digest()  # kept per action: small


def want_links(project: Project) -> None:
    """A vocabulary of this file's index is held (annotator.core.table_words): from now
    on the actions that follow the index record what they indexed, to bring it forward."""
    with _LINKS_LOCK:
        _WANTED.add(_path(project))


def terms_since(project: Project, then: bytes, now: bytes) -> set[str] | None:
    """The terms followed actions indexed between two states of the index (None: it
    was written otherwise too, or the way back is no longer kept)."""
    path, found = _path(project), set()
    with _LINKS_LOCK:
        for _ in range(len(_LINKS) + 1):
            if now == then:
                return found
            key = (path, now)
            link = _LINKS.get(key)
            if link is None:
                return None
            if isinstance(link[1], tuple):  # texts: their terms, kept from now on
                link = _LINKS[key] = (link[0], frozenset(terms_of(link[1])))
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


def _reindex(conn: sqlite3.Connection, ids: list[str],
             gone: bool = True) -> frozenset[str] | tuple[str, ...]:
    """These annotations' entries afresh, from their rows (one gone, an undone new
    one, loses its entry; ``gone`` False: none can be, none is looked for); returns
    the texts indexed when small (see _LINKS), else their terms."""
    if len(ids) <= FEW:
        return _reindex_few(conn, ids, gone)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS search_stale (rid INTEGER PRIMARY KEY, "
                 "indexed INTEGER)")
    conn.execute("DELETE FROM temp.search_stale")
    texts: list[str] = []
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        conn.execute("INSERT INTO temp.search_stale SELECT a.rowid, s.id FROM annotations a "
                     "LEFT JOIN search_annotations s ON s.annotation_id = a.id "
                     f"WHERE a.id IN ({marks})", chunk)
        if gone:
            _drop_gone(conn, chunk)
        for quote, note in conn.execute(
                f"SELECT coalesce(exact, ''), note FROM annotations WHERE id IN ({marks}) "
                "AND NOT deleted", chunk):
            texts += [quote, note or ""]
    search_index._reindex_annotations(conn, "main")
    conn.execute("DELETE FROM temp.search_stale")
    return _as_link(texts)


def _reindex_few(conn: sqlite3.Connection, ids: list[str],
                 gone: bool) -> tuple[str, ...] | frozenset[str]:
    """:func:`_reindex` for a few annotations (a tag, a note typed): the same entries,
    row by row, in three statements for a new one instead of eight."""
    marks = ",".join("?" * len(ids))
    if gone:
        _drop_gone(conn, ids)
    texts: list[str] = []
    for ann_id, modified, quote, note, deleted, indexed in conn.execute(
            "SELECT a.id, a.modified_at, coalesce(a.exact, ''), a.note, a.deleted, s.id "
            "FROM annotations a LEFT JOIN search_annotations s ON s.annotation_id = a.id "
            f"WHERE a.id IN ({marks}) ORDER BY a.rowid", ids).fetchall():
        if indexed is not None:
            conn.execute("DELETE FROM search_notes WHERE rowid = ?", (indexed,))
            conn.execute("UPDATE search_annotations SET modified_at = ? WHERE id = ?",
                         (modified, indexed))
        else:
            indexed = conn.execute("INSERT INTO search_annotations (annotation_id, "
                                   "modified_at) VALUES (?, ?)", (ann_id, modified)).lastrowid
        if deleted:
            continue
        if quote or note:  # as _reindex_annotations: a live one with words in it
            conn.execute("INSERT INTO search_notes (rowid, quote, note) VALUES (?, ?, ?)",
                         (indexed, quote, note))
        texts += [quote, note]
    return _as_link(texts)


def _drop_gone(conn: sqlite3.Connection, ids: list[str]) -> None:
    """The entries of those of ``ids`` (at most 500) whose row left the table."""
    marks = ",".join("?" * len(ids))
    left = (f"SELECT s.id FROM search_annotations s WHERE s.annotation_id IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.id = s.annotation_id)")
    conn.execute(f"DELETE FROM search_notes WHERE rowid IN ({left})", ids)
    conn.execute(f"DELETE FROM search_annotations WHERE id IN ({left})", ids)


def _as_link(texts: list[str]) -> tuple[str, ...] | frozenset[str]:
    """What a link keeps of the texts indexed: themselves when small (see _LINKS),
    else their terms."""
    texts = [t for t in texts if t]
    if sum(map(len, texts)) <= LAZY_TEXTS:
        return tuple(texts)
    return frozenset(terms_of(texts))


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _path(project: Project) -> str:
    state = search_index._state(project)
    if not state.resolved:
        state.resolved = str(Path(project.path).resolve())
    return state.resolved
