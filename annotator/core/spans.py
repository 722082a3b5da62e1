"""Highlighted passages of a text, read lean: the few fields a view draws them with.

Its own module, importing nothing but the standard library, because the window's
first glance at a project (core/glance.py) draws them before anything else is
loaded; the text view and the overview read them from here too. One rule for a
passage's colour (its own, else its first live tag's, else the default) serves both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

#: The highlight of a passage with no colour of its own and no tag.
DEFAULT_HIGHLIGHT = "#ffd54f"


class _Connected(Protocol):
    """A project, or anything holding its connection."""

    conn: sqlite3.Connection


#: Passages longer than this (code points) are kept in a separate list per document,
#: so a window query only has to look this far back for passages reaching into it.
LONG_SPAN = 4000

_TAGS = ("(SELECT group_concat(at.tag_id, ' ') FROM annotation_tags at "
         "JOIN tags t ON t.id = at.tag_id AND t.deleted = 0 WHERE at.annotation_id = a.id)")
_SPAN = f"SELECT a.id, a.start_offset, a.end_offset, a.color, {_TAGS}, a.anchor_state FROM annotations a"
#: The same passages one row per live tag (a passage without one: one row, tag NULL). A
#: join, not a subquery run again for every passage: a window of a few hundred passages
#: is fetched in about half the time (issue 17: the fetch was ~40 % of a jump's paint).
_SPAN_TAGS = ("SELECT a.id, a.start_offset, a.end_offset, a.color, t.id, a.anchor_state "
              "FROM annotations a LEFT JOIN annotation_tags at ON at.annotation_id = a.id "
              "LEFT JOIN tags t ON t.id = at.tag_id AND t.deleted = 0")


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


def _spans(rows: Iterable[tuple]) -> list[Span]:
    """Passages from rows of ``_SPAN_TAGS``, in the order of their first row; the tags of
    each in the order ``_TAGS`` gives them (the key order of annotation_tags)."""
    found: dict[str, Span] = {}
    several: list[Span] = []
    for id_, start, end, color, tag, state in rows:
        span = found.get(id_)
        if span is None:
            found[id_] = Span(id_, start, end, color or "", (tag,) if tag else (), state or "ok")
        elif tag:
            span.tag_ids += (tag,)
            several.append(span)
    for span in several:
        span.tag_ids = tuple(sorted(span.tag_ids))
    return list(found.values())


def spans_between(project: _Connected, document_id: str, start: int, end: int) -> list[Span]:
    """Passages of a document that start less than LONG_SPAN before ``start`` and
    before ``end``, overlapping [start, end]; long passages come from :func:`long_spans`.
    Uses the (document_id, start_offset) index: a few ms for a screenful."""
    return _spans(project.conn.execute(
        f"{_SPAN_TAGS} WHERE a.document_id = ? AND a.deleted = 0 AND a.start_offset >= ? "
        "AND a.start_offset <= ? AND a.end_offset >= ? AND a.end_offset - a.start_offset <= ? "
        "ORDER BY a.start_offset", (document_id, max(0, start - LONG_SPAN), end, start, LONG_SPAN)))


def long_spans(project: _Connected, document_id: str, before: int | None = None,
               reaching: int = 0) -> list[Span]:
    """Passages longer than LONG_SPAN (rare: a whole letter tagged with a theme). All of
    them (one pass over the document's annotations: ~30 ms at 100k), or only those
    starting before ``before`` and reaching past ``reaching`` (cost in proportion to
    ``before``: nothing at the top of a text, so opening one does not wait for it)."""
    sql = (f"{_SPAN_TAGS} WHERE a.document_id = ? AND a.deleted = 0 AND a.start_offset IS NOT NULL "
           "AND a.end_offset - a.start_offset > ?")
    args: list = [document_id, LONG_SPAN]
    if before is not None:
        sql += " AND a.start_offset < ? AND a.end_offset > ?"
        args += [before, reaching]
    return _spans(project.conn.execute(sql + " ORDER BY a.start_offset", args))


def passage_color(own: str, tag_ids: Iterable[str], tag_color: Callable[[str], str | None]) -> str:
    """A passage's colour: its own, else its first live tag's (``tag_color`` answers
    None for a tag that is gone), else :data:`DEFAULT_HIGHLIGHT`."""
    if own:
        return own
    for tag_id in tag_ids:
        color = tag_color(tag_id)
        if color is not None:
            return color
    return DEFAULT_HIGHLIGHT
