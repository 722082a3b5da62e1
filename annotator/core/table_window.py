"""The annotations table as windows of rows (issue 17): the table may show a million
annotations, and holding them all cost 33-52 s to load and hundreds of MB. Here the
table knows its row count and asks for the rows it shows, a window at a time.

The order is a list of *segments* read one after the other, each an SQL query that
an index serves in order (no sort of every row):

- no sort (the Document column): one segment per document, documents by title
  (ignoring case), each in reading order through ``annotations_live_reading``;
- quote, note, date, page, last change: one segment, that column's order through its
  own index, ties in the order annotations were stored (``rowid``);
- entity, author: one segment per entity (author), by name; annotations without an
  entity come first; ties as stored;
- tags: an annotation sorts by its *first tag in alphabetical order* (the tag name
  ignoring case; deleted tags do not count): one segment per tag by name, holding
  the annotations whose alphabetically first tag it is, read through
  ``annotation_tags_tag`` (ties by annotation id); untagged annotations come last,
  also by annotation id (read in the order of ``annotations_live_id``: the first
  window of a million stops at the thousandth untagged one instead of sorting them
  all by rowid).

Descending is the exact reverse of ascending. A window at row ``n`` needs the sizes
of the segments before it only (counted when first needed and remembered) and an
OFFSET inside one, read from whichever end of the segment is nearer; the indexes are
partial (live rows) so a count or an OFFSET reads the index alone, not the table.
The filters are those of :func:`annotator.core.filters.annotation_where`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from annotator.core import untagged
from annotator.core.filters import AnnotationFilter, annotation_where, like_pattern
from annotator.core.journal import stamp
from annotator.core.overview import _TAGS, _sharing
from annotator.core.table_words import word_candidates
from annotator.core.tally import UNTAGGED, kept_untagged

if TYPE_CHECKING:
    from annotator.core.project import Project

#: Sorts a window can be ordered by (None: documents by title, in reading order).
SORTS = (None, "quote", "page", "tags", "entity", "date", "note", "author", "modified")

#: Index and order of a sort read in one segment.
_COLUMN_SORTS = {
    "quote": ("annotations_live_quote", "a.exact COLLATE NOCASE"),
    "note": ("annotations_live_note", "a.note COLLATE NOCASE"),
    "date": ("annotations_live_date", "a.date_value"),
    "page": ("annotations_live_page", "a.page"),
    "modified": ("annotations_live_modified", "a.modified_at"),
}
_COUNTED: dict[tuple, int] = {}  # see _counted_once
_COUNTED_LOCK = threading.Lock()
#: Seconds the first rows of a segment costly to count are looked for before counting it.
BRIEF = 0.05
_STEPS = 20_000  # SQLite instructions between two looks at the clock
#: An OFFSET beyond this is read from the segment's other end, if that is nearer.
FAR = 50_000
_READING = ("a.start_offset", "a.page", "a.y", "a.x", "a.rowid")

_ROWS = ("SELECT a.rowid, a.id, a.document_id, d.title, substr(coalesce(a.exact, ''), 1, 300), "
         f"a.start_offset, a.page, {_TAGS}, e.name, au.name, a.modified_at, "
         "substr(a.note, 1, 300), a.anchor_state, a.date_value "
         "FROM annotations a JOIN documents d ON d.id = a.document_id "
         "LEFT JOIN entities e ON e.id = a.entity_id AND e.deleted = 0 "
         "LEFT JOIN authors au ON au.id = a.author_id WHERE a.rowid IN ")


@dataclass
class _Segment:
    """Rows of the table that sit together: a query (FROM, WHERE) and its order."""

    source: str  # FROM ... (naming annotations ``a``)
    where: str
    args: list
    order: tuple[str, ...]
    count: int | None = None
    #: a cheaper way to count it (SQL, args), counted before it is read: finding out
    #: that no annotation is untagged would otherwise read every one
    counted_by: tuple[str, list] | None = None
    #: its count is the untagged annotations', kept at close (tally.kept_untagged) and
    #: followed through edits (annotator.core.untagged)
    kept_as: str | None = None


@dataclass
class TableWindow:
    """The rows the annotations table shows, fetched a window at a time."""

    project: Project
    filt: AnnotationFilter | None = None
    sort: str | None = None
    descending: bool = False
    #: the word filter's candidates found already (on the writable connection, whose
    #: word index is current) by :func:`word_candidates`; None: find them here
    candidates: list[int] | None = None
    find_words: bool = True
    #: the word index is known current (by the writable connection that brought it up
    #: to date: :func:`index_current`); None: found out here
    words_current: bool | None = None
    _segments: list[_Segment] = field(default_factory=list)
    _total: int | None = None
    _where: tuple[str, list] | None = None
    _candidates: list[int] | None = None

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"no such sort: {self.sort}")
        self._segments = self._plan()
        if self.descending:
            self._segments.reverse()

    # -- what the table asks ---------------------------------------------------------------

    def count(self) -> int:
        """How many rows the table has (one count over the filter, any order)."""
        if self._total is None:
            self._total = self._count_words()
        if self._total is None:
            where, args = self._base()
            if self.sort is None or self.sort in _COLUMN_SORTS:
                index = "annotations_live_reading" if self.sort is None else _COLUMN_SORTS[
                    self.sort][0]
                source = f"annotations a{self._indexed(index)}"
            else:
                source = "annotations a"
            self._total = self.project.conn.execute(
                f"SELECT count(*) FROM {source} WHERE {where}", args).fetchone()[0]
        return self._total

    def _count_words(self) -> int | None:
        """The count of a filter of words alone, read from the indexes of quotes and
        notes (they hold the values themselves, so the same LIKE reads them without
        the rows): the quotes that match, plus the notes that match where the quote
        does not, plus the annotations whose entity's name alone matches (looked up
        only where the note or entity matched), less those of deleted documents. A
        common word at 1M annotations: 0.24 s instead of 0.39 s reading every row.
        None: counted the usual way (other filters, candidates, an older format)."""
        filt = self.filt
        if not filt or not filt.contains or replace(filt, contains=None).narrows:
            return None
        self._base()  # the word's candidates, if the word index found few: counted so
        if self._candidates is not None or not _has_indexes(
                self.project.conn, ("annotations_live_quote", "annotations_live_note")):
            return None
        conn, like = self.project.conn, {"p": like_pattern(filt.contains)}
        quote = "coalesce(a.exact LIKE :p ESCAPE '\\', 0)"
        n = conn.execute("SELECT count(*) FROM annotations a INDEXED BY annotations_live_quote "
                         f"WHERE a.deleted = 0 AND {quote}", like).fetchone()[0]
        n += conn.execute("SELECT count(*) FROM annotations a INDEXED BY annotations_live_note "
                          "WHERE a.deleted = 0 AND a.note LIKE :p ESCAPE '\\' "
                          f"AND NOT {quote}", like).fetchone()[0]
        n += conn.execute("SELECT count(*) FROM entities e CROSS JOIN annotations a ON "
                          "a.entity_id = e.id WHERE e.deleted = 0 AND e.name LIKE :p "
                          f"ESCAPE '\\' AND a.deleted = 0 AND NOT {quote} AND NOT "
                          "coalesce(a.note LIKE :p ESCAPE '\\', 0)", like).fetchone()[0]
        where, args = annotation_where(self.project, filt, include_deleted=True)
        n -= conn.execute("SELECT count(*) FROM annotations a WHERE a.deleted = 0 AND "
                          "a.document_id IN (SELECT id FROM documents WHERE deleted = 1) "
                          f"AND {where}", args).fetchone()[0]
        return n

    def rows(self, start: int, size: int) -> list[tuple]:
        """Rows ``start`` to ``start + size`` (fewer at the end), shaped as
        :func:`annotator.core.overview.table_rows`' rows."""
        return self.rows_with_keys(start, size)[1]

    def rows_with_keys(self, start: int, size: int) -> tuple[list[int], list[tuple]]:
        """(rowids, rows) of a window: the rowid says which stored row each is."""
        ids = self.rowids(start, size)
        found: dict[int, tuple] = {}
        shared: dict = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for row in _sharing_rows(self.project.conn.execute(
                    f"{_ROWS}({','.join('?' * len(chunk))})", chunk).fetchall(), shared):
                found[row[0]] = row[1:]
        return ids, [found[i] for i in ids if i in found]

    def rowids(self, start: int, size: int) -> list[int]:
        """The rowids of rows ``start`` to ``start + size``, in the table's order."""
        start = max(0, start)
        if start and len(self._segments) > 1 and start > self.count() // 2:  # no count
            # for the first window: a word filter's count reads every row
            return self._rowids_from_the_end(start, size)
        out: list[int] = []
        offset = start
        for segment in self._segments:
            if len(out) >= size:
                break
            self._kept(segment)
            if not offset and segment.counted_by and segment.count is None:
                found = self._read_briefly(segment, size - len(out))
                if found is not None:  # its first rows, or all of them: counted then
                    if len(found) < size - len(out):
                        segment.count = len(found)
                    out += found
                    continue
            if offset or segment.counted_by:
                n = self._count(segment)
                if offset >= n:
                    offset -= n
                    continue
            out += self._read(segment, offset, size - len(out))
            offset = 0
        return out

    def _read_briefly(self, segment: _Segment, size: int) -> list[int] | None:
        """The first rows of a segment whose count reads a whole table, if found within
        BRIEF seconds: untagged annotations, when there are many, come at once (their
        count, 0.5-0.9 s at 1M, is then not needed for the first window). None: too
        few to find at once (none at all reads every annotation): counted first."""
        conn, t0, expired = self.project.conn, time.perf_counter(), []

        def check() -> int:  # SQLite's progress handler: nonzero stops the statement
            if time.perf_counter() - t0 > BRIEF:
                expired.append(True)
                return 1
            return 0

        conn.set_progress_handler(check, _STEPS)
        try:
            return self._read(segment, 0, size)
        except sqlite3.OperationalError:
            if expired:
                return None
            raise  # interrupted from another thread: a newer request
        finally:
            conn.set_progress_handler(None, 0)

    def _rowids_from_the_end(self, start: int, size: int) -> list[int]:
        """A window in the second half: the segments after it are counted, not those
        before it (the end of a million rows in 200 documents reads 5,000 entries)."""
        total = self.count()
        end = min(total, start + size)
        skip, out = total - end, []  # rows after the window
        for segment in reversed(self._segments):
            if len(out) >= end - start:
                break
            n = self._count(segment)
            if skip >= n:
                skip -= n
                continue
            take = min(end - start - len(out), n - skip)
            out = self._read(segment, n - skip - take, take) + out
            skip = 0
        return out

    def narrowed_to(self) -> list[int] | None:
        """The word filter's candidates (rowids), if the word index found them: handed
        to a TableWindow on another connection (``candidates``, ``find_words=False``)."""
        self._base()
        return self._candidates

    def position(self, annotation_id: str) -> int:
        """The row of an annotation in the table, or -1 if the filter leaves it out."""
        where, args = self._base()
        row = self.project.conn.execute(
            f"SELECT a.rowid FROM annotations a WHERE {where} AND a.id = ?",
            [*args, annotation_id]).fetchone()
        if row is None:
            return -1
        before = 0
        for segment in self._segments:
            hit = self.project.conn.execute(
                f"SELECT 1 FROM {segment.source} WHERE {segment.where} AND a.rowid = ?",
                [*segment.args, row[0]]).fetchone()
            if hit is None:
                before += self._count(segment)
                continue
            order = self._order(segment)
            for i, (rowid,) in enumerate(self.project.conn.execute(
                    f"SELECT a.rowid FROM {segment.source} WHERE {segment.where} "
                    f"ORDER BY {order}", segment.args)):
                if rowid == row[0]:
                    return before + i
        return -1

    # -- the segments ------------------------------------------------------------------------

    def _base(self) -> tuple[str, list]:
        """The filter's conditions on ``a``, live rows of live documents; a word filter
        narrowed to its candidates when the word index finds few."""
        if self._where is None:
            where, args = annotation_where(self.project, self.filt, include_deleted=True)
            where = "a.deleted = 0" + ("" if where == "1" else f" AND {where}")
            if self.project.conn.execute("SELECT 1 FROM documents WHERE deleted = 1 "
                                         "LIMIT 1").fetchone():
                where += " AND a.document_id IN (SELECT id FROM documents WHERE deleted = 0)"
            self._candidates = self.candidates if not self.find_words else word_candidates(
                self.project, self.filt.contains if self.filt else None, self.words_current)
            if self._candidates is not None:  # integers: written into the statement;
                # "+": no index on deleted or a segment's column may drive the query
                where = ("+" + where).replace(" a.document_id IN", " +a.document_id IN")
                where += f" AND a.rowid IN ({','.join(map(str, self._candidates))})"
            self._where = (where, args)
        return self._where

    def _indexed(self, index: str) -> str:
        """INDEXED BY ``index`` (the planner would rather sort), unless the filter
        finds its few rows another way (a tag's rows, a word's candidates)."""
        self._base()
        if (self.filt and self.filt.tag_id) or self._candidates is not None:
            return ""
        found = self.project.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
            (index,)).fetchone()
        return f" INDEXED BY {index}" if found else ""

    def _plan(self) -> list[_Segment]:
        where, args = self._base()
        conn = self.project.conn
        plus = "+" if self._candidates is not None else ""  # the few rows drive it
        if self.sort in _COLUMN_SORTS:
            index, key = _COLUMN_SORTS[self.sort]
            return [_Segment(f"annotations a{self._indexed(index)}", where, args,
                             (key, "a.rowid"))]
        if self.sort is None:
            source = f"annotations a{self._indexed('annotations_live_reading')}"
            docs = conn.execute("SELECT id, title FROM documents WHERE deleted = 0").fetchall()
            docs.sort(key=lambda r: (r[1].casefold(), r[0]))
            held = self._held_by_candidates("SELECT DISTINCT document_id FROM annotations")
            return [_Segment(source, f"{where} AND {plus}a.document_id = ?", [*args, doc_id],
                             _READING)
                    for doc_id, _title in docs
                    if (not self.filt or not self.filt.document_id
                        or doc_id == self.filt.document_id) and (held is None or doc_id in held)]
        if self.sort in ("entity", "author"):
            table, column = ("entities", "entity_id") if self.sort == "entity" else (
                "authors", "author_id")
            live = " WHERE deleted = 0" if table == "entities" else ""
            names = conn.execute(f"SELECT id, name FROM {table}{live}").fetchall()
            names.sort(key=lambda r: (r[1].casefold(), r[0]))
            held = self._held_by_candidates(f"SELECT DISTINCT {column} FROM annotations")
            if held is not None:
                names = [r for r in names if r[0] in held]
            segments = []
            source = f"annotations a{self._indexed(f'annotations_live_{self.sort}')}"
            if table == "entities":  # no (live) entity: shown empty, sorted first
                segments += [
                    _Segment(source, f"{where} AND {plus}a.entity_id IS NULL", args, ("a.rowid",)),
                    _Segment(source, f"{where} AND {plus}a.entity_id IN (SELECT id FROM "
                             "entities WHERE deleted = 1)", args, ("a.rowid",))]
            segments += [_Segment(source, f"{where} AND {plus}a.{column} = ?",
                                  [*args, key], ("a.rowid",)) for key, _name in names]
            return segments
        # tags: by the alphabetically first live tag
        tags = conn.execute("SELECT id, name FROM tags WHERE deleted = 0").fetchall()
        tags.sort(key=lambda r: (r[1].casefold(), r[0]))
        held = self._held_by_candidates(
            "SELECT DISTINCT t.tag_id FROM annotations a JOIN annotation_tags t "
            "ON t.annotation_id = a.id", "a.rowid")
        if held is not None:
            tags = [r for r in tags if r[0] in held]
        live = self._indexed("annotations_live_id")  # index only: the table is not read
        segments, earlier = [], []
        for tag_id, _name in tags:
            cond = f"{where} AND {plus}t0.tag_id = ?"
            extra: list = [tag_id]
            if earlier:
                cond += (" AND NOT EXISTS (SELECT 1 FROM annotation_tags x WHERE "
                         "x.annotation_id = a.id AND x.tag_id IN "
                         f"({','.join('?' * len(earlier))}))")
                extra += earlier
            segments.append(_Segment(
                f"annotation_tags t0 JOIN annotations a{live} ON a.id = t0.annotation_id",
                cond, [*args, *extra], ("t0.annotation_id",)))
            earlier.append(tag_id)
        untagged = _Segment(
            f"annotations a{live}", f"{where} AND NOT EXISTS (SELECT 1 FROM annotation_tags x "
            "JOIN tags t ON t.id = x.tag_id AND t.deleted = 0 WHERE x.annotation_id = a.id)",
            args, ("a.id",))
        if where == "a.deleted = 0":  # no filter: the count kept at close, else all
            # live rows less the tagged ones, counted in annotation_tags alone
            untagged.counted_by = (UNTAGGED, [])
            untagged.kept_as = "untagged"
        segments.append(untagged)
        return segments

    def _held_by_candidates(self, select: str, rowid: str = "rowid") -> set | None:
        """The values ``select`` finds among the word filter's candidates (None: no
        candidates): a segment holding none of them is left out of the plan. A rare
        word's hundred rows in reading order were 200 segments, one per document, read
        one after the other on every edit (36 ms at 1M on the GUI thread)."""
        if self._candidates is None:
            return None
        return {r[0] for r in self.project.conn.execute(
            f"{select} WHERE {rowid} IN ({','.join(map(str, self._candidates))})")}

    def _order(self, segment: _Segment, reverse: bool = False) -> str:
        desc = self.descending != reverse
        return ", ".join(f"{key} DESC" if desc else key for key in segment.order)

    def _kept(self, segment: _Segment) -> None:
        """Its count without counting, if known at the journal's current stamp:
        followed through the edits since it was last known (annotator.core.untagged),
        or kept when the project was last closed (tally.kept_untagged)."""
        if segment.count is None and segment.kept_as == "untagged":
            path, now = str(self.project.path), stamp(self.project.conn)
            segment.count = untagged.known(path, now)
            among = untagged.candidates(path, now) if segment.count else None
            if among is not None:  # the few untagged are among these: read by key
                segment.where += f" AND a.id IN ({','.join('?' * len(among))})"
                segment.args = [*segment.args, *among]
            if segment.count is None:
                segment.count = kept_untagged(self.project.conn)
                if segment.count is not None:
                    untagged.remember(path, now, segment.count)

    def _count(self, segment: _Segment) -> int:
        self._kept(segment)
        if segment.count is None and segment.counted_by:
            segment.count = _counted_once(self.project, *segment.counted_by,
                                          kept_as=segment.kept_as)
        if segment.count is None:
            segment.count = self.project.conn.execute(
                f"SELECT count(*) FROM {segment.source} WHERE {segment.where}",
                segment.args).fetchone()[0]
        return segment.count

    def _read(self, segment: _Segment, offset: int, size: int) -> list[int]:
        """Rowids of ``size`` rows from ``offset`` of a segment, read from its nearer end."""
        if offset > FAR:  # far in: from the end backwards, if that is nearer
            n = self._count(segment)
            if n - offset < offset:
                last = min(n, offset + size)
                if last <= offset:
                    return []
                rows = self.project.conn.execute(
                    f"SELECT a.rowid FROM {segment.source} WHERE {segment.where} "
                    f"ORDER BY {self._order(segment, reverse=True)} LIMIT ? OFFSET ?",
                    [*segment.args, last - offset, n - last]).fetchall()
                return [r[0] for r in reversed(rows)]
        if segment.count is not None:  # no more than it holds: looking for rows that
            # are not there reads to its end (the untagged ones: every annotation)
            size = min(size, segment.count - offset)
            if size <= 0:
                return []
        rows = self.project.conn.execute(
            f"SELECT a.rowid FROM {segment.source} WHERE {segment.where} "
            f"ORDER BY {self._order(segment)} LIMIT ? OFFSET ?",
            [*segment.args, size, offset]).fetchall()
        return [r[0] for r in rows]


def _counted_once(project: Project, sql: str, args: list, *, kept_as: str | None = None) -> int:
    """A count that reads a whole table (the untagged annotations: 0.5-0.9 s at 1M),
    remembered in this process under the journal's stamp: every write of annotations
    or their tags moves it (annotator.core.journal.stamp), so a remembered count is
    never stale; kept only if the stamp did not move while counting. The untagged
    count (``kept_as``) is also the base its edits are followed from."""
    before = stamp(project.conn)
    key = (str(project.path), sql, tuple(args), before)
    with _COUNTED_LOCK:  # the GUI's thread and the table's reader thread
        if key in _COUNTED:
            return _COUNTED[key]
    n = project.conn.execute(sql, args).fetchone()[0]
    if stamp(project.conn) == before:
        if kept_as == "untagged":
            untagged.remember(str(project.path), before, n)
        with _COUNTED_LOCK:
            if len(_COUNTED) >= 16:
                _COUNTED.pop(next(iter(_COUNTED)))
            _COUNTED[key] = n
    return n


def interrupt(project: Project) -> None:
    """Stop what a connection is reading (safe from another thread): the statement
    fails with "interrupted" (a table's reader thread, asked for something newer)."""
    project.conn.interrupt()


def _has_indexes(conn: sqlite3.Connection, names: tuple[str, ...]) -> bool:
    return conn.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
        f"({','.join('?' * len(names))})", names).fetchone()[0] == len(names)


def _sharing_rows(rows: list[tuple], shared: dict) -> list[tuple]:
    """(rowid, *row) with repeated strings shared, as overview's rows are."""
    return [(r[0], *s) for r, s in zip(rows, _sharing([r[1:] for r in rows], shared),
                                       strict=True)]
