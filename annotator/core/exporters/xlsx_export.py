"""The annotations as an Excel workbook (.xlsx), since a spreadsheet is where most
historians open an export: the CSV's columns (:func:`csv_export.annotation_rows`),
every text cell typed as a string whatever it looks like, so nothing becomes a
number, a date or a formula (openpyxl would store "=1+2" as a formula; a typed
string needs no apostrophe, so the quote stays as it is), characters XML forbids as
U+FFFD; offsets and page as numbers; the header row frozen and filtered.

openpyxl (a maintained, pure-Python writer) is imported only here, when the export
runs: it takes 0.7-1.6 s to import, which ``annotator --help`` must not pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Progress,
    atomic_file,
    xml_safe,
)
from annotator.core.exporters.csv_export import COLUMNS, annotation_rows

if TYPE_CHECKING:
    from annotator.core.project import Project

_NUMBERS = {"start", "end", "page"}
_WIDTHS = {"quote": 60, "note": 60, "document": 40, "tags": 30, "location": 16}
MAX_CELL = 32_767  # Excel's limit for one cell's text


def export_xlsx(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                progress: Progress = None) -> ExportResult:
    """Write the filtered annotations to one sheet of ``out``."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell.cell import TYPE_STRING
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise AnnotatorError("the xlsx export needs openpyxl (pip install openpyxl); the "
                             "CSV export opens in every spreadsheet too.") from None
    out = Path(out)
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Annotations"
    sheet.append(list(COLUMNS))
    numbers = {i for i, c in enumerate(COLUMNS) if c in _NUMBERS}
    written, cut = 0, 0
    for r, row in enumerate(annotation_rows(project, filt, progress), start=2):
        for i, value in enumerate(row):
            cell = sheet.cell(row=r, column=i + 1)
            if i in numbers and isinstance(value, int):
                cell.value = value
                continue
            text = xml_safe("" if value is None else str(value))
            if len(text) > MAX_CELL:
                text, cut = text[:MAX_CELL - 1] + "…", cut + 1
            cell.value = text
            cell.data_type = TYPE_STRING  # never a formula, number or date
        written += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for i, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, 14)
    with atomic_file(out, "wb") as fh:
        book.save(fh)
    warnings = [f"{cut} cell(s) longer than Excel's 32,767 characters were cut"] if cut else []
    return ExportResult([out], written, warnings)
