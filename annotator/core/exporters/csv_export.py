"""CSV for spreadsheets: one row per annotation, UTF-8 with a BOM (Excel only reads
UTF-8 when it starts with one), CRLF rows, every cell that a spreadsheet would take
for a formula neutralised.

Formula injection: a quote or note that starts with ``=``, ``+``, ``-``, ``@``, ``|``,
a tab or a carriage return, also after leading spaces or line feeds (spreadsheets
skip them), is run by Excel/LibreOffice as a formula (``=HYPERLINK(...)``,
``@SUM(...)``, DDE). Such a cell gets a leading apostrophe, which spreadsheets show
as text and do not display; the OWASP recommendation. Control characters a
spreadsheet or terminal would act on (NUL, ESC, ...) become U+FFFD, one for one.

A region is written ``x=30 y=120 w=280 h=300`` (points from the page's top-left):
"30,120,280,300" became the number 30120280300 in LibreOffice (commas as thousands
separators), and a human reads the named form without the documentation; a program
splits it as easily. ``location`` says where a reader finds the passage: "p. 3,
line 12" (the line counted on that page when the transcription is aligned with its
scan), "line 12" in a text without pages, "p. 1" for a region.

:func:`annotation_rows` gives the cells to both this CSV and the xlsx export.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.documents import page_for_offset
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    document_text,
    iter_annotations,
    xml_safe,
)

if TYPE_CHECKING:
    from annotator.core.project import Project

COLUMNS = ("id", "document", "document_id", "quote", "start", "end", "page", "region",
           "tags", "entity", "entity_type", "date", "note", "author", "created", "modified",
           "anchor_state", "location")
_TRIGGERS = ("=", "+", "-", "@", "|", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20",
             "\uff5c")


_FIRST = frozenset(c[0] for c in _TRIGGERS)
_NEWLINE = re.compile("\n")


def neutralise(cell: object) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would evaluate it
    (full-width ＝＋－＠｜ too: some spreadsheets fold them to ASCII; and after leading
    white space, which they skip), control characters replaced. (1.7M cells in the
    100k export: the common cell is decided by its first character alone.)"""
    if cell is None:
        return ""
    text = cell if type(cell) is str else str(cell)
    if not text.isprintable():
        text = xml_safe(text)
    if not text:
        return text
    first = text[0]
    if first in _FIRST or (first.isspace() and text.lstrip().startswith(_TRIGGERS)):
        return "'" + text
    return text


class _Lines:
    """Line numbers of text offsets. Annotations come document by document, so only
    the current document's line starts are kept (all of them, for every document,
    came to ~100 MB at a million annotations)."""

    def __init__(self, project: Project) -> None:
        self.p = project
        self.document_id: str | None = None
        self.starts: list[int] = []

    def line(self, document_id: str, offset: int) -> int:
        if document_id != self.document_id:
            text = document_text(self.p, document_id)
            self.starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
            self.document_id = document_id
        return bisect_right(self.starts, offset)


def annotation_rows(project: Project, filt: ExportFilter | None = None,
                    progress: Progress = None) -> Iterator[tuple]:
    """One tuple of cells (in COLUMNS order) per filtered annotation. Passages of a
    transcription get the page of its scan (by the link's page alignment)."""
    look = Lookup(project)
    pages_of = {link.source_id: link.alignment for link in project.documents.links()
                if link.alignment}
    lines = _Lines(project)
    ticker = Ticker(progress, count_annotations(project, filt))
    for ann in iter_annotations(project, filt):
        doc = look.documents.get(ann.document_id)
        entity = look.entity(ann)
        page: int | None = None
        region = location = ""
        if ann.region is not None:
            g = ann.region
            page = g.page
            region = f"x={g.x:g} y={g.y:g} w={g.w:g} h={g.h:g}"
            location = f"p. {g.page}"
        elif ann.text is not None:
            line = lines.line(ann.document_id, ann.text.start)
            alignment = pages_of.get(ann.document_id)
            if alignment:
                page = page_for_offset(alignment, ann.text.start)
            if page is not None and alignment:
                line -= lines.line(ann.document_id, alignment[page]) - 1
                location = f"p. {page}, line {line}"
            else:
                location = f"line {line}"
        yield (ann.id, doc.title if doc else "", ann.document_id, ann.quote,
               ann.text.start if ann.text else "", ann.text.end if ann.text else "",
               "" if page is None else page, region, "; ".join(look.tag_names(ann)),
               entity.name if entity else "", look.entity_type(entity), ann.date_value,
               ann.note, look.author_name(ann.author_id), ann.created_at,
               ann.modified_at, str(ann.anchor_state), location)
        ticker.step()
    ticker.finish()


def export_csv(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
               progress: Progress = None) -> ExportResult:
    """Write the filtered annotations to ``out``."""
    out = Path(out)
    written = 0
    with atomic_file(out, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, dialect="excel")
        writer.writerow(COLUMNS)
        for row in annotation_rows(project, filt, progress):
            writer.writerow([neutralise(c) for c in row])
            written += 1
    return ExportResult([out], written)
