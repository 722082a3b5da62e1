"""The annotations table's word filter through the word index of quotes and notes
(issue 17): a rare word's few candidate annotations are found among the index's
terms that contain it, instead of reading every quote and note with LIKE (which still
decides: the index folds case and diacritics, LIKE only ASCII case). Used only where
the index is known current, and never brought up to date here (8 s at 1M)."""

from __future__ import annotations

import sqlite3
import weakref
from typing import TYPE_CHECKING

from annotator.core import search_follow, search_index
from annotator.core.filters import like_pattern
from annotator.core.util import connection_state

if TYPE_CHECKING:
    from annotator.core.project import Project

#: A word filter reads its candidates from the word index when at most this many.
FEW = 20_000
_VOCABULARIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def word_candidates(project: Project, words: str | None,
                    current: bool | None = None) -> list[int] | None:
    """Rowids of the live annotations that may contain ``words`` (a superset: the
    filter's LIKE still decides), found through the word index of quotes and notes
    (search_notes) when they are at most FEW; None: read in order instead.

    Only when the words fold to one indexed term (the index's own tokenizer folds
    them): an occurrence then lies inside one term of the text, and folding is code
    point by code point, so the terms holding the folded word find every annotation
    LIKE would. The index must be current, and is not brought up to date here (its
    own check takes 8 s at 1M annotations, on the GUI's thread): it is used if it was
    settled since the last change set (the journal's stamp: no action, undo or redo
    since), or, writable, if a search on this connection refreshed it and nothing
    changed since; ``current``: what the writable connection knew of it
    (:func:`index_current`), told to a reader thread's read-only connection."""
    conn = project.conn
    needle = _folded((words or "").strip())
    if needle is None:
        return None
    if current is None:
        current = (not project.read_only and _index_current(project)) or search_index.settled(
            conn)
    if not current:
        # bringing it up to date is the index's own check: 8 s at 1M annotations the
        # first time; reading in order happens off the GUI thread
        return None
    schema = "main"
    if _common(conn, needle):
        return None  # more than FEW already: not worth reading the vocabulary (~0.3 s
        # at 1M, more under load) before the first rows
    terms = [(t, n) for t, n in _vocabulary(project, schema) if needle in t]
    if sum(n for _t, n in terms) > FEW:  # annotations holding them (some counted twice)
        return None
    found: set[int] = set()
    for i in range(0, len(terms), 200):
        query = " OR ".join('"' + t.replace('"', '""') + '"' for t, _n in terms[i:i + 200])
        found.update(r[0] for r in conn.execute(
            # CROSS JOIN: in this order (an index on `deleted` lured the planner into
            # reading every live annotation and matching each: 4.8 s at 100k)
            f"SELECT a.rowid FROM (SELECT rowid AS r FROM {schema}.search_notes WHERE "
            f"search_notes MATCH ?) m CROSS JOIN {schema}.search_annotations s ON s.id = m.r "
            "CROSS JOIN annotations a ON a.id = s.annotation_id WHERE +a.deleted = 0 LIMIT ?",
            (query, FEW + 1)))
        if len(found) > FEW:
            return None
    found.update(r[0] for r in conn.execute(  # the entity's name matches
        "SELECT a.rowid FROM entities e CROSS JOIN annotations a ON a.entity_id = e.id "
        "WHERE e.deleted = 0 AND e.name LIKE ? ESCAPE '\\' AND +a.deleted = 0",
        (like_pattern((words or "").strip()),)))
    return sorted(found) if len(found) <= FEW else None


def prepare_words(project: Project, words: str, current: bool = False) -> None:
    """Read the word index's vocabulary ahead, if :func:`word_candidates` will read it
    for ``words``: the scholar is typing a filter word (the first lookup reads it, ~0.3
    s at 1M annotations)."""
    needle = _folded(words.strip())
    if needle is None or not (current or (not project.read_only and _index_current(project))
                              or search_index.settled(project.conn)):
        return
    if not _common(project.conn, needle):
        _vocabulary(project, "main")


def _common(conn: sqlite3.Connection, term: str) -> bool:
    """Whether more than FEW annotations hold ``term`` as a whole word (then they
    are not narrowed through the index: its vocabulary need not be read)."""
    return conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM search_notes WHERE search_notes MATCH ? "
        "LIMIT ?)", ('"' + term.replace('"', '""') + '"', FEW + 1)).fetchone()[0] > FEW


def index_current(project: Project) -> bool:
    """Whether the word index in the file is known current without reading it: this
    (writable) connection brought it up to date and nothing changed since. Cheap: for
    the GUI thread, telling its table's reader thread it may use the index."""
    return not project.read_only and _index_current(project)


def rowids_of(project: Project, annotation_ids: set[str] | list[str]) -> list[int]:
    """The rowids of these annotations (deleted ones too): a word filter's candidates
    with the annotations an edit touched added stay a superset of its matches."""
    ids, out = list(annotation_ids), []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out += [r[0] for r in project.conn.execute(
            f"SELECT rowid FROM annotations WHERE id IN ({','.join('?' * len(chunk))})",
            chunk)]
    return out


def _index_current(project: Project) -> bool:
    """Whether this connection brought the word index up to date (a search did) and
    nothing was written since: search_index's own record of it."""
    stamps = search_index._state(project).stamps  # its record, read only
    return stamps.get("annotations") == connection_state(project.conn)


def _vocabulary(project: Project, schema: str) -> list[tuple[str, int]]:
    """Every term of the word index of quotes and notes and how many annotations hold
    it (fts5vocab reads the whole index for it: 0.3-1 s at 1M annotations, 19k terms).
    Kept with the index's state it was read at, and brought forward with the terms
    the actions that followed the index since have indexed (they count once each:
    the count only decides whether to read the candidates through the index); read
    again when the index was written any other way."""
    conn = project.conn
    search_follow.want_links(project)  # before the state is read: no action is missed
    now = search_follow.index_state(conn, schema)
    held = _VOCABULARIES.get(project)
    if held is not None and held[0] == (schema, now):
        return held[1]
    added = (search_follow.terms_since(project, held[0][1], now)
             if held is not None and held[0][0] == schema == "main" and now is not None
             else None)
    if added is not None:
        known = {t for t, _n in held[1]}
        terms = held[1] + [(t, 1) for t in sorted(added - known)]
    else:
        vocab = f"temp.annotator_table_terms_{schema}"
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab({schema}, "
                     "search_notes, row)")
        terms = conn.execute(f"SELECT term, doc FROM {vocab}").fetchall()
    _VOCABULARIES[project] = ((schema, now), terms)
    return terms


def _folded(word: str) -> str | None:
    """The one term the word index makes of ``word`` (None: none or several)."""
    if not word:
        return None
    terms = search_follow.terms_of([word])
    return terms.pop() if len(terms) == 1 else None
