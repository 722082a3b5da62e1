"""CSV for spreadsheets: one row per annotation, UTF-8 with a BOM (Excel only reads
UTF-8 when it starts with one), CRLF rows, every cell that a spreadsheet would take
for a formula neutralised.

Formula injection: a quote or note that starts with ``=``, ``+``, ``-``, ``@``, ``|``,
a tab or a carriage return, also after leading spaces or line feeds (spreadsheets
skip them), is run by Excel/LibreOffice as a formula (``=HYPERLINK(...)``,
``@SUM(...)``, DDE). Such a cell gets a leading apostrophe, which spreadsheets show
as text and do not display; the OWASP recommendation. Control characters a
spreadsheet or terminal would act on (NUL, ESC, ...) become U+FFFD, one for one.
"""

from __future__ import annotations

import csv
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
    iter_annotations,
    xml_safe,
)

if TYPE_CHECKING:
    from annotator.core.project import Project

COLUMNS = ("id", "document", "document_id", "quote", "start", "end", "page", "region",
           "tags", "entity", "entity_type", "date", "note", "author", "created", "modified",
           "anchor_state")
_TRIGGERS = ("=", "+", "-", "@", "|", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20",
             "\uff5c")


_FIRST = frozenset(c[0] for c in _TRIGGERS)


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


def export_csv(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
               progress: Progress = None) -> ExportResult:
    """Write the filtered annotations to ``out``. Passages of a transcription get the
    page of its scan (by the link's page alignment) when there is one."""
    out = Path(out)
    look = Lookup(project)
    pages_of = {link.source_id: link.alignment for link in project.documents.links()
                if link.alignment}
    ticker = Ticker(progress, count_annotations(project, filt))
    written = 0
    with atomic_file(out, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, dialect="excel")
        writer.writerow(COLUMNS)
        for ann in iter_annotations(project, filt):
            doc = look.documents.get(ann.document_id)
            entity = look.entity(ann)
            page: int | str | None = None
            region = ""
            if ann.region is not None:
                g = ann.region
                page = g.page
                region = f"{g.x:g},{g.y:g},{g.w:g},{g.h:g}"
            elif ann.text is not None and ann.document_id in pages_of:
                page = page_for_offset(pages_of[ann.document_id], ann.text.start)
            row = (ann.id, doc.title if doc else "", ann.document_id, ann.quote,
                   ann.text.start if ann.text else "", ann.text.end if ann.text else "",
                   "" if page is None else page, region, "; ".join(look.tag_names(ann)),
                   entity.name if entity else "", look.entity_type(entity), ann.date_value,
                   ann.note, look.author_name(ann.author_id), ann.created_at,
                   ann.modified_at, str(ann.anchor_state))
            writer.writerow([neutralise(c) for c in row])
            written += 1
            ticker.step()
        ticker.finish()
    return ExportResult([out], written)
