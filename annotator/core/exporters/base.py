"""What every exporter shares: the filter the annotation table uses, a streaming reader
of annotations (100,000 rows are never built into one list), look-ups of names, safe
file names, atomic output files and progress reporting the GUI can cancel.

Exports read the project and never write to it, so they may run on a worker thread
(the project's connection allows it) while the GUI shows a progress dialog.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from annotator.core.annotations import _SELECT, _annotation
from annotator.core.codebook import safe_parents, tag_path
from annotator.core.errors import AnnotatorError
from annotator.core.filters import AnnotationFilter, annotation_where
from annotator.core.model import (
    MAX_COORDINATE,
    Annotation,
    Author,
    Document,
    Entity,
    RegionSelector,
    Tag,
)

if TYPE_CHECKING:
    from annotator.core.project import Project

#: ``progress(done, total)``; returning False cancels (the partial output is removed).
Progress = Callable[[int, int], bool] | None


class ExportCancelled(AnnotatorError):
    """The scholar cancelled an export; nothing was left behind."""


#: Exports take the annotation table's filter (:mod:`annotator.core.filters`).
ExportFilter = AnnotationFilter


@dataclass(slots=True)
class ExportResult:
    """The files written, how many annotations went into them, and what the scholar
    should know (e.g. a document whose source could not be annotated)."""

    paths: list[Path] = field(default_factory=list)
    annotations: int = 0
    warnings: list[str] = field(default_factory=list)


def count_annotations(project: Project, filt: ExportFilter | None = None) -> int:
    sql, args = annotation_where(project, filt)
    return project.conn.execute(f"SELECT count(*) FROM annotations a WHERE {sql}",
                                args).fetchone()[0]


def iter_annotations(project: Project, filt: ExportFilter | None = None, *,
                     document_id: str | None = None) -> Iterator[Annotation]:
    """Live annotations passing the filter, in reading order per document, one row at
    a time from one SQLite statement (a consistent snapshot in WAL mode)."""
    sql, args = annotation_where(project, filt)
    if document_id is not None:
        sql += " AND a.document_id = ?"
        args.append(document_id)
    query = f"{_SELECT} WHERE {sql} ORDER BY a.document_id, a.start_offset, a.page, a.y, a.x"
    for row in _rows(project.conn, query, args):
        ann = _annotation(row)
        if ann.region is None or sane_region(ann.region):
            yield ann  # a crafted infinite rectangle is skipped (region_warnings)


def _rows(conn: sqlite3.Connection, query: str, args: list) -> Iterator[tuple]:
    """The rows of ``query``, a few hundred at a time, their text decoded by SQLite's
    fast path (the tolerant decoder of the project connection costs ~2x on a 100k
    export); if a row is not UTF-8 the query runs again tolerantly from there on. The
    connection's own decoder is back in place whenever rows are handed out."""
    tolerant, done = conn.text_factory, 0
    for fast in (True, False):
        cursor = conn.execute(query, args)
        seen = 0
        try:
            while True:
                conn.text_factory = str if fast else tolerant
                try:
                    chunk = cursor.fetchmany(512)
                except sqlite3.OperationalError as exc:
                    if fast and "decode" in str(exc):
                        break  # again, tolerantly
                    raise
                finally:
                    conn.text_factory = tolerant
                if not chunk:
                    return
                start, seen = seen, seen + len(chunk)
                if seen > done:
                    yield from chunk[max(0, done - start):]
                    done = seen
                chunk = []  # let the rows go before the next fetch
        finally:
            cursor.close()


#: SQL: a region with a coordinate beyond MAX_COORDINATE or infinite (check uses it too)
INSANE_REGION = ("a.page IS NOT NULL AND NOT ("
                 + " AND ".join(f"abs(a.{c}) <= {MAX_COORDINATE:.0f}" for c in "xywh") + ")")


def sane_region(region: RegionSelector) -> bool:
    """Every coordinate of the rectangle and its line boxes a finite number within
    MAX_COORDINATE (NaN fails the comparison too)."""
    values = [region.x, region.y, region.w, region.h, *(v for q in region.quads for v in q)]
    return all(-MAX_COORDINATE <= v <= MAX_COORDINATE for v in values)


def region_warnings(project: Project, filt: ExportFilter | None = None) -> list[str]:
    """The warning for regions iter_annotations skipped (``check`` names them too)."""
    sql, args = annotation_where(project, filt)
    n = project.conn.execute(f"SELECT count(*) FROM annotations a WHERE {sql} AND {INSANE_REGION}",
                             args).fetchone()[0]
    return [f"{n} region(s) skipped: a coordinate is not a finite number of points "
            "(a damaged or crafted row; see annotator check)"] if n else []


def source_bytes(project: Project, doc: Document, warnings: list[str]) -> bytes | None:
    """A document's original bytes, or None (with a warning) when they are missing or do
    not match their SHA-256: a damaged source is left out, the export goes on."""
    row = project.conn.execute("SELECT data FROM document_data WHERE document_id = ?",
                               (doc.id,)).fetchone()
    data = bytes(row[0]) if row and isinstance(row[0], bytes) else None
    if data is None or hashlib.sha256(data).hexdigest() != doc.sha256:
        warnings.append(f"“{doc.title}”: its source bytes are missing or do not match their "
                        "SHA-256 (damaged); the source was left out")
        return None
    return data


class Lookup:
    """Names of everything an annotation points at, read once per export."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.documents: dict[str, Document] = {d.id: d for d in project.documents.list()}
        self.tags: dict[str, Tag] = {t.id: t for t in project.tags.list()}
        self.entities: dict[str, Entity] = {e.id: e for e in project.entities.list(
            include_deleted=True)}
        self.authors: dict[str, Author] = {a.id: a for a in project.authors.list()}
        for row in project.conn.execute("SELECT id FROM authors WHERE deleted = 1"):
            author = project.authors.get(row[0])
            if author is not None:  # a deleted author still signed old annotations
                self.authors[author.id] = author
        self._paths: dict[str, str] = {}
        self._page_sizes: dict[tuple[str, int], tuple[float, float]] | None = None

    def page_size(self, document_id: str, number: int) -> tuple[float, float]:
        """(width, height) of a page in points, (0, 0) if unknown; all read at once."""
        if self._page_sizes is None:
            self._page_sizes = {(r[0], r[1]): (r[2], r[3]) for r in self.project.conn.execute(
                "SELECT document_id, number, width, height FROM pages")}
        return self._page_sizes.get((document_id, number), (0.0, 0.0))

    def tag_path(self, tag_id: str) -> str:
        """"Recognition/De jure recognition": the tag with its ancestors."""
        path = self._paths.get(tag_id)
        if path is None:
            path = self._paths[tag_id] = tag_path(self.tags, tag_id)
        return path

    def tag_names(self, ann: Annotation) -> list[str]:
        return [self.tag_path(t) for t in ann.tag_ids if t in self.tags]

    def entity(self, ann: Annotation) -> Entity | None:
        return self.entities.get(ann.entity_id) if ann.entity_id else None

    def entity_type(self, entity: Entity | None) -> str:
        tag = self.tags.get(entity.type_id) if entity else None
        return tag.name if tag else ""

    def author_name(self, author_id: str) -> str:
        author = self.authors.get(author_id)
        return author.name if author else ""

    def children(self) -> dict[str | None, list[Tag]]:
        """The codebook as a tree: parent id -> tags in codebook order. A crafted tree is
        made safe to walk recursively (cycles cut, nothing below MAX_TAG_DEPTH levels:
        deeper tags hang from their ancestor at that level)."""
        tree: dict[str | None, list[Tag]] = {}
        parents = safe_parents(self.tags)
        for tag in self.tags.values():
            tree.setdefault(parents[tag.id], []).append(tag)
        return tree


class Ticker:
    """Calls ``progress`` at most every 50 ms (and at the end), so 100,000 rows do not
    flood the GUI; raises ExportCancelled when it returns False."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 0), 0
        self._last = 0.0

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.progress is None:
            return
        stamp = time.monotonic()
        if stamp - self._last >= 0.05 or self.done >= self.total:
            self._last = stamp
            if self.progress(min(self.done, self.total), self.total) is False:
                raise ExportCancelled("the export was cancelled; no file was written.")

    def finish(self) -> None:
        if self.progress is not None and self.progress(self.total, self.total) is False:
            raise ExportCancelled("the export was cancelled; no file was written.")


_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\ud800-\udfff<>:"/\\|?*]+')
#: bidirectional controls: a right-to-left override makes "evil\u202etxt.pdf" read as
#: "evilfdp.txt" in a file manager
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}


def safe_filename(name: str, extension: str, used: set[str] | None = None) -> str:
    """A file name made from a document's title that stays inside the export folder on
    every system: no separators, no "..", no device names, at most 120 characters,
    unique (case-insensitively) among ``used``, no bidi controls that would disguise
    it, no control characters or lone surrogates."""
    stem = _BIDI.sub("", unicodedata.normalize("NFC", name))
    stem = _UNSAFE.sub("_", stem).strip(" .")
    stem = re.sub(r"_+", "_", stem)[:120].strip(" ._") or "document"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = "_" + stem
    candidate, n = f"{stem}{extension}", 1
    while used is not None and candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}{extension}"
    if used is not None:
        used.add(candidate.lower())
    return candidate


def inside(folder: Path, filename: str) -> Path:
    """``folder/filename``, refusing anything that would land outside the folder."""
    target = (folder / filename).resolve()
    if target.parent != folder.resolve():
        raise AnnotatorError(f"refusing to write {filename!r} outside {folder}.")
    return target


@contextmanager
def atomic_file(path: Path, mode: str = "w", **kw) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and move it into place only when
    complete: a cancelled or failed export never leaves half a file (or clobbers the
    previous good one)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise AnnotatorError(f"the folder {path.parent} does not exist.")
    # not mkstemp: its files are 0600; created like open() would, the user's umask
    # decides who may read the export
    tmp = path.parent / f".{path.name}.{os.urandom(4).hex()}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str | None) -> str:
    """Text XML 1.0 can carry: characters it forbids become U+FFFD, one for one, so
    code-point offsets into the text stay valid."""
    if not text:
        return ""
    if text.isprintable():  # the usual case, decided in C: nothing XML forbids in it
        return text
    return _XML_INVALID.sub("\ufffd", text)


_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def xml_attr(value: object) -> str:
    """``"value"`` for an XML attribute: what ``quoteattr(xml_safe(str(value)))`` gives
    (always in double quotes), at a tenth of its cost for the usual value (a QDPX of
    100k codings writes ~1.5M attributes): a number or a printable string without
    markup characters goes out as it is, decided in C."""
    if type(value) is int:
        return f'"{value}"'
    text = value if type(value) is str else str(value)
    if not text.isprintable():  # line ends, tabs, what XML forbids
        text = xml_safe(text)
    elif not ("&" in text or "<" in text or ">" in text or '"' in text):
        return f'"{text}"'
    return f'"{text.translate(_ATTR_ESCAPES)}"'


def xml_text(text: str | None) -> str:
    """Character data: ``escape(xml_safe(text))`` with the usual text decided in C."""
    if not text:
        return ""
    if not text.isprintable():
        text = xml_safe(text)
    if "&" in text or "<" in text or ">" in text:
        return text.translate(_TEXT_ESCAPES)
    return text


def document_text(project: Project, document_id: str) -> str:
    """A text document's text read for this export alone: ``documents.text`` keeps every
    text it read for the project's lifetime (176 MB at 1M annotations), an export needs
    one at a time."""
    row = project.conn.execute("SELECT text FROM documents WHERE id = ?",
                               (document_id,)).fetchone()
    return (row[0] or "") if row else ""


def link_ends(project: Project) -> set[str]:
    """Ids of the annotations some link starts or ends at: the only ones an export must
    remember to write its links (not every id of a million)."""
    ends: set[str] = set()
    for link in project.links.list():
        ends.add(link.source_id)
        ends.add(link.target_id)
    return ends


_NOT_NCNAME = re.compile(r"[^A-Za-z0-9_.-]")


def ncname_id(prefix: str, uuid_text: str) -> str:
    """An xml:id (an NCName must not start with a digit) from a row's UUID (a TEI export
    of 100k annotations makes ~450k: a UUID goes out as it is, decided in C)."""
    if uuid_text.isascii() and uuid_text.replace("-", "").isalnum():
        return f"{prefix}-{uuid_text}"
    return f"{prefix}-{_NOT_NCNAME.sub('_', uuid_text)}"
