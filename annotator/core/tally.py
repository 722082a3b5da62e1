"""Counts of a project at a glance (`annotator info`, the document list), read from small
indexes and remembered lengths rather than from every row: at a million annotations a
plain ``count(*) … WHERE deleted = 0`` reads the whole annotations table (~0.4 s each).

- live annotations per document and author: one covering scan of ``annotations_tally``
  (format 7: by document, author, then deleted);
- per tag: the codebook's count (``codebook.tag_uses``: the tag index of
  ``annotation_tags`` less the taggings of deleted annotations, found through the small
  index of deleted ones, ``annotations_gone``);
- characters per text: ``document_lengths`` where its stamp is the document's current
  ``modified_at`` (the stamp the search index trusts), counted afresh for the others and
  remembered when the project is writable.

The counts themselves are kept in ``tallies`` with a stamp of the change journal (every
write of annotations or their tags is a change set, and undo and redo change a change
set's state), refreshed when a writable project that changed is closed. A stamp that
differs means counting afresh: never a stale count, at worst a slower one.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core import journal, untagged
from annotator.core.codebook import tag_uses

if TYPE_CHECKING:
    from annotator.core.project import Project

_KINDS = ("document", "author", "tag")

#: Live annotations with no live tag: all live rows less the tagged ones, counted in
#: annotation_tags alone (its key begins with the annotation id). "+": read in key
#: order, grouped as it goes (0.9 s at 1M; count(DISTINCT) through the tag index
#: sorted a million ids: 1.7 s). The annotations table's sort by tags needs it first
#: when descending; kept at close (``kept_count``), so a reopened project has it.
UNTAGGED = (
    "SELECT (SELECT count(*) FROM annotations a WHERE a.deleted = 0) - "
    "(SELECT count(*) FROM (SELECT 1 FROM annotation_tags x WHERE +x.tag_id IN "
    "(SELECT id FROM tags WHERE deleted = 0) AND x.annotation_id NOT IN (SELECT id "
    "FROM annotations WHERE deleted = 1) GROUP BY x.annotation_id))")


@dataclass
class Tally:
    """Live annotations by document, by author and by tag, and their total."""

    by_document: Counter[str] = field(default_factory=Counter)
    by_author: Counter[str] = field(default_factory=Counter)
    by_tag: Counter[str] = field(default_factory=Counter)

    @property
    def annotations(self) -> int:
        return sum(self.by_document.values())


def counts(project: Project) -> Tally:
    """The tally, from ``tallies`` when its stamp is the journal's, else counted (and
    kept, when the project is writable)."""
    conn = project.conn
    stamp = journal.stamp(conn)
    kept = _kept(conn, stamp)
    if kept is not None:
        return kept
    result = tally(conn)
    if not project.read_only:
        with project.transaction(record=False):  # derived: never an undo step
            _keep(conn, stamp, result)
    return result


def settle(project: Project) -> None:
    """Keep the counts of a writable project that changed, before it is closed (a failure
    is left for the next `info` to meet: the counts are derived)."""
    try:
        counts(project)
        conn = project.conn
        with project.transaction(record=False):  # derived: never an undo step
            text_lengths(conn, remember=True)  # only those not known yet
            if kept_count(conn, "untagged") is None:
                n = untagged.follow(project, start=False)  # followed through the edits
                if n is None:
                    n = conn.execute(UNTAGGED).fetchone()[0]
                conn.execute("INSERT OR REPLACE INTO tallies VALUES ('count', 'untagged', ?)",
                             (n,))
    except sqlite3.Error:
        pass


def kept_count(conn: sqlite3.Connection, name: str) -> int | None:
    """A count kept at close under the journal's current stamp (None: none, or stale)."""
    rows = dict(((kind, key), n) for kind, key, n in conn.execute(
        "SELECT kind, key, n FROM tallies WHERE kind IN ('stamp', 'count')"))
    if ("stamp", journal.stamp(conn)) not in rows:
        return None
    n = rows.get(("count", name))
    return n if isinstance(n, int) and n >= 0 else None


def kept_untagged(conn: sqlite3.Connection) -> int | None:
    """The untagged annotations' count kept at close, if current, and if there are at
    least that many live annotations: a crafted ``tallies`` row under the right stamp
    could otherwise make the table's sort by tags show rows that are not untagged
    (checked by reading that many entries of an index, at most every live one)."""
    n = kept_count(conn, "untagged")
    if not n:
        return n
    live = conn.execute("SELECT count(*) FROM (SELECT 1 FROM annotations WHERE deleted = 0 "
                        "LIMIT ?)", (n,)).fetchone()[0]
    return n if live == n else None


def _kept(conn: sqlite3.Connection, stamp: str) -> Tally | None:
    rows = conn.execute("SELECT kind, key, n FROM tallies").fetchall()
    if ("stamp", stamp, 0) not in rows:
        return None
    result = Tally()
    for kind, key, n in rows:
        if kind in _KINDS and isinstance(key, str) and isinstance(n, int) and n > 0:
            getattr(result, f"by_{kind}")[key] = n
    return result


def _keep(conn: sqlite3.Connection, stamp: str, result: Tally) -> None:
    conn.execute("DELETE FROM tallies")
    conn.execute("INSERT INTO tallies VALUES ('stamp', ?, 0)", (stamp,))
    for kind in _KINDS:
        conn.executemany("INSERT INTO tallies VALUES (?, ?, ?)",
                         [(kind, key or "", n) for key, n in getattr(result, f"by_{kind}").items()])


def tally(conn: sqlite3.Connection) -> Tally:
    """Counted afresh from the indexes."""
    result = Tally()
    for document_id, author_id, n in conn.execute(
            "SELECT document_id, author_id, count(*) FROM annotations INDEXED BY "
            "annotations_tally WHERE deleted = 0 GROUP BY document_id, author_id"):
        result.by_document[document_id] += n
        result.by_author[author_id] += n
    result.by_tag = tag_uses(conn)  # the codebook's count
    return result


def text_lengths(conn: sqlite3.Connection, *, remember: bool) -> dict[str, int]:
    """Characters of each live text document. A length is trusted only with the stamp it
    was counted at, and only if it is a whole number (a crafted file could say anything:
    the worst it can do is show a wrong count)."""
    lengths: dict[str, int] = {}
    stale: list[str] = []
    for doc_id, chars in conn.execute(
            "SELECT d.id, l.chars FROM documents d INDEXED BY documents_listing "
            "LEFT JOIN document_lengths l "
            "ON l.document_id = d.id AND l.modified_at = d.modified_at "
            "WHERE d.deleted = 0 AND d.kind = 'text'"):
        if isinstance(chars, int) and chars >= 0:
            lengths[doc_id] = chars
        else:
            stale.append(doc_id)
    counted = []
    for i in range(0, len(stale), 500):
        chunk = stale[i:i + 500]
        counted += conn.execute(
            "SELECT id, modified_at, coalesce(length(text), 0) FROM documents "
            f"WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    lengths.update((doc_id, chars) for doc_id, _stamp, chars in counted)
    if counted and remember:
        conn.executemany("INSERT OR REPLACE INTO document_lengths VALUES (?, ?, ?)", counted)
    return lengths


def document_list(conn: sqlite3.Connection) -> list[tuple[str, str, str, str, int]]:
    """(id, title, kind, media type, pages) of the live documents in title order, from
    ``documents_listing`` alone: the row itself would be read through each text's
    overflow pages to reach the columns stored after it (0.1 s at 176 MB of text)."""
    return conn.execute(
        "SELECT id, title, kind, media_type, page_count FROM documents INDEXED BY "
        "documents_listing WHERE deleted = 0 ORDER BY title COLLATE NOCASE").fetchall()
