"""Which annotations a filter lets through: one rule for every place that filters them.

The annotations table, ``annotator list``, every export and search (its notes, and
the annotations a text hit must lie in) all offer the same filters. They used to
build their SQL three times, and drifted apart: the table matched words in an
entity's name, an export of that table did not. Here is the one builder they share.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from annotator.core.dates import iso_interval, overlaps
from annotator.core.util import loads

if TYPE_CHECKING:
    from annotator.core.project import Project


@dataclass(frozen=True, slots=True)
class AnnotationFilter:
    """What a scholar narrows her annotations by. Empty fields do not filter.

    ``contains`` finds words in the quote, the note or the entity's name; the date
    range keeps annotations whose date (else their document's date) meets it."""

    document_id: str | None = None
    tag_id: str | None = None
    subtags: bool = True  # a theme finds what is tagged with its sub-themes too
    author_id: str | None = None
    entity_id: str | None = None
    anchor_state: str | None = None  # "ok", "moved", "orphaned", or NEEDS_REVIEW (both)
    contains: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def on_annotations(self) -> bool:
        """Whether it asks anything of an annotation beyond its document and date."""
        return any((self.tag_id, self.entity_id, self.author_id, self.anchor_state,
                    self.contains))

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def narrows(self) -> bool:
        """Whether it leaves out anything at all."""
        return bool(self.document_id) or self.on_annotations or self.has_dates


#: The anchor_state filter of what a transcription correction moved or could not find.
NEEDS_REVIEW = "needs review"


def like_pattern(words: str) -> str:
    """A LIKE pattern (ESCAPE '\\') matching ``words`` anywhere, wildcards escaped."""
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def annotation_where(project: Project, filt: AnnotationFilter | None = None, *,
                     include_deleted: bool = False) -> tuple[str, list]:
    """SQL conditions on ``annotations a`` and their arguments: live annotations of live
    documents (unless ``include_deleted``) that pass every field of ``filt``."""
    filt = filt or AnnotationFilter()
    where: list[str] = []
    args: list = []
    if not include_deleted:
        where += ["a.deleted = 0", "a.document_id IN (SELECT id FROM documents WHERE deleted = 0)"]
    if filt.document_id:
        where.append("a.document_id = ?")
        args.append(filt.document_id)
    if filt.tag_id:
        tags = project.tags.descendants(filt.tag_id) if filt.subtags else [filt.tag_id]
        where.append(f"a.id IN (SELECT annotation_id FROM annotation_tags WHERE tag_id IN "
                     f"({','.join('?' * len(tags))}))")
        args.extend(tags)
    if filt.anchor_state == NEEDS_REVIEW:
        where.append("a.anchor_state IN ('moved', 'orphaned')")
    for column, value in (("author_id", filt.author_id), ("entity_id", filt.entity_id),
                          ("anchor_state", filt.anchor_state if filt.anchor_state
                           != NEEDS_REVIEW else None)):
        if value:
            where.append(f"a.{column} = ?")
            args.append(value)
    if filt.contains:
        where.append("(a.exact LIKE ? ESCAPE '\\' OR a.note LIKE ? ESCAPE '\\' "
                     "OR a.entity_id IN (SELECT id FROM entities WHERE deleted = 0 "
                     "AND name LIKE ? ESCAPE '\\'))")
        args.extend([like_pattern(filt.contains)] * 3)
    if filt.has_dates:
        _register_date_test(project.conn)
        where.append("annotator_dated_within(a.date_value, (SELECT metadata FROM documents "
                     "WHERE id = a.document_id), ?, ?)")
        args += [_ordinal(filt.date_from), _ordinal(filt.date_to)]
    return " AND ".join(where) or "1", args


def document_date(metadata: str | None) -> str:
    """The date a document's metadata gives it ("" if none): what an undated
    annotation is dated by."""
    meta = loads(metadata, {})
    value = meta.get("date", "") if isinstance(meta, dict) else ""
    return value if isinstance(value, str) else ""


def dated_within(date_value: str | None, metadata: str | None, first: date | None,
                 last: date | None) -> bool:
    """Whether an annotation dated ``date_value`` (else by its document) meets the range."""
    return overlaps(date_value or document_date(metadata), first, last)


def date_range(value: str) -> tuple[date | None, date | None]:
    """"1924", "1924-10/1925" -> the first and last day, for a date filter's text box."""
    interval = iso_interval(value) if value.strip() else None
    return interval if interval else (None, None)


def _ordinal(day: date | None) -> int | None:
    return day.toordinal() if day is not None else None


def _dated_within_sql(date_value: str | None, metadata: str | None, first: int | None,
                      last: int | None) -> bool:
    return dated_within(date_value, metadata, date.fromordinal(first) if first else None,
                        date.fromordinal(last) if last else None)


def _register_date_test(conn: sqlite3.Connection) -> None:
    """Teach this connection the date test (SQLite cannot read "1924-10/1925" itself).
    Defining it again while a statement runs fails; it is defined then already."""
    try:
        conn.create_function("annotator_dated_within", 4, _dated_within_sql,
                             deterministic=True)
    except sqlite3.OperationalError:
        pass
