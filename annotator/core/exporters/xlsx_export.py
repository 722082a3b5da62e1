"""The annotations as an Excel workbook (.xlsx), since a spreadsheet is where most
historians open an export: the CSV's columns (:func:`csv_export.annotation_rows`),
every text cell typed as a string whatever it looks like, so nothing becomes a
number, a date or a formula (a typed string needs no apostrophe, so the quote stays
as it is), characters XML forbids as U+FFFD; offsets and page as numbers; the header
row frozen and filtered.

The sheet is written here as a stream of SpreadsheetML (ECMA-376) with inline
strings, straight into the ZIP: openpyxl's ordinary workbook held every cell as an
object (654 MB for 100k annotations, 6.5 GB at a million) and its write-only mode
still builds one cell object per value (~20 µs each); this writer holds a few
hundred rows at a time. openpyxl still reads the file back in the tests.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Progress,
    atomic_file,
    xml_text,
)
from annotator.core.exporters.csv_export import COLUMNS, annotation_rows

if TYPE_CHECKING:
    from annotator.core.project import Project

_NUMBERS = {"start", "end", "page"}
_WIDTHS = {"quote": 60, "note": 60, "document": 40, "tags": 30, "location": 16}
MAX_CELL = 32_767  # Excel's limit for one cell's text
SHEET = "Annotations"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/worksheet" '
        'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        f'Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
        'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def column_letter(index: int) -> str:
    """"A" for 1, "Z" for 26, "AA" for 27."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value: object) -> tuple[str, bool]:
    """A text cell's XML content and whether it was cut at Excel's limit."""
    text = "" if value is None else value if type(value) is str else str(value)
    cut = len(text) > MAX_CELL
    if cut:
        text = text[:MAX_CELL - 1] + "…"
    text = xml_text(text)
    if "\r" in text:  # a parser would read a bare CR as LF
        text = text.replace("\r", "&#13;")
    return text, cut


def _sheet_head(columns: tuple[str, ...]) -> str:
    cols = "".join(f'<col min="{i}" max="{i}" width="{_WIDTHS.get(name, 14)}" '
                   'customWidth="1"/>' for i, name in enumerate(columns, 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
            f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            "<sheetData>")


def _workbook(last_cell: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            f'</bookViews><sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
            f'hidden="1">\'{SHEET}\'!$A$1:{last_cell}</definedName></definedNames>'
            "</workbook>")


def export_xlsx(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                progress: Progress = None) -> ExportResult:
    """Write the filtered annotations to one sheet of ``out``."""
    out = Path(out)
    letters = [column_letter(i) for i in range(1, len(COLUMNS) + 1)]
    numbers = {i for i, c in enumerate(COLUMNS) if c in _NUMBERS}
    written = cut = 0
    with atomic_file(out, "wb") as raw, \
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            parts = [_sheet_head(COLUMNS), '<row r="1">']
            for letter, name in zip(letters, COLUMNS, strict=True):
                parts.append(f'<c r="{letter}1" t="inlineStr"><is><t>{name}</t></is></c>')
            parts.append("</row>")
            r = 1
            for row in annotation_rows(project, filt, progress):
                r += 1
                parts.append(f'<row r="{r}">')
                for i, value in enumerate(row):
                    if i in numbers and type(value) is int:
                        parts.append(f'<c r="{letters[i]}{r}"><v>{value}</v></c>')
                        continue
                    text, was_cut = _cell_text(value)
                    cut += was_cut
                    if text:  # never a formula, number or date: a typed inline string
                        space = ' xml:space="preserve"' if text[0].isspace() or \
                            text[-1].isspace() else ""
                        parts.append(f'<c r="{letters[i]}{r}" t="inlineStr"><is>'
                                     f"<t{space}>{text}</t></is></c>")
                parts.append("</row>")
                written += 1
                if len(parts) > 4096:
                    fh.write("".join(parts).encode("utf-8"))
                    parts.clear()
            last = f"${letters[-1]}${r}"
            parts.append(f'</sheetData><autoFilter ref="A1:{letters[-1]}{r}"/></worksheet>')
            fh.write("".join(parts).encode("utf-8"))
        zf.writestr("xl/workbook.xml", _workbook(last))
    warnings = [f"{cut} cell(s) longer than Excel's 32,767 characters were cut"] if cut else []
    return ExportResult([out], written, warnings)
