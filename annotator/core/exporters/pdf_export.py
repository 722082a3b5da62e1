"""Annotated PDFs for a colleague without the app: what other readers show.

A paged document is its original PDF (page images become a PDF first) with a
Highlight annotation (QuadPoints over the selected lines) where the region has line
boxes, else a Square annotation, each carrying the annotator (``/T``), tags, entity,
date and note (``/Contents``), the colour, the dates and the annotation's id
(``/NM``), with an appearance stream so every reader draws it; the passages of a
transcription aligned with the scan word by word are Highlights over the boxes of
their words on it (``/NM`` the passage's id + ``#scanN``, N the page: the importer
knows them as ours, and as no sign of which document the PDF is). A
text document is
typeset (A4, DejaVu Sans where the system has it, Helvetica otherwise) and its
passages highlighted over exactly the lines they cover: the layout is ours, so the
position of every character is known, nothing is searched for.

PyMuPDF is imported here only, when an export runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator import __version__
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    inside,
    iter_annotations,
    safe_filename,
    source_bytes,
)
from annotator.core.importers.image import turns_to_apply
from annotator.core.importers.pdf import mupdf_locked
from annotator.core.model import Annotation, Document, DocumentKind

if TYPE_CHECKING:
    from annotator.core.project import Project

FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/TTF/DejaVuSans.ttf", "/Library/Fonts/Arial Unicode.ttf",
              "C:/Windows/Fonts/arial.ttf")
PAGE_W, PAGE_H, MARGIN, SIZE, LEADING = 595.28, 841.89, 56.0, 10.5, 14.0
_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_ORIENTATION_TURN = {3: 180, 6: 90, 8: 270}


def _rgb(color: str) -> tuple[float, float, float]:
    match = _HEX.fullmatch(color or "")
    if not match:
        return (1.0, 0.85, 0.2)
    h = match.group(1)
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _pdf_date(stamp: str) -> str:
    digits = re.sub(r"\D", "", stamp)[:14]
    return f"D:{digits}Z" if len(digits) == 14 else ""


def contents(ann: Annotation, look: Lookup) -> str:
    """What a reader shows in the annotation's pop-up."""
    lines = []
    tags = look.tag_names(ann)
    if tags:
        lines.append("Tags: " + ", ".join(tags))
    entity = look.entity(ann)
    if entity is not None:
        lines.append(f"Entity: {entity.name}" + (f" ({look.entity_type(entity)})"
                                                 if look.entity_type(entity) else ""))
    if ann.date_value:
        lines.append(f"Date: {ann.date_value}")
    if ann.note:
        lines.append(("\n" if lines else "") + ann.note)
    return "\n".join(lines)


def _color(ann: Annotation, look: Lookup) -> tuple[float, float, float]:
    if ann.color:
        return _rgb(ann.color)
    tag = next((look.tags[t] for t in ann.tag_ids if t in look.tags), None)
    return _rgb(tag.color if tag else "")


def _decorate(pdf: Any, annot: Any, ann: Annotation, look: Lookup, suffix: str = "") -> None:
    """Author, contents, colour, dates and id of an annotation made by PyMuPDF."""
    import pymupdf

    annot.set_info(title=look.author_name(ann.author_id) or "Unknown",
                   content=contents(ann, look), subject=", ".join(look.tag_names(ann)),
                   creationDate=_pdf_date(ann.created_at), modDate=_pdf_date(ann.modified_at))
    annot.set_colors(stroke=_color(ann, look))
    annot.update()
    pdf.xref_set_key(annot.xref, "NM", pymupdf.get_pdf_str(ann.id + suffix))


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _pdf_str(text: str) -> str:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with a BOM."""
    if text.isascii() and text.isprintable():
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<FEFF" + text.encode("utf-16-be", "surrogatepass").hex().upper() + ">"


class _Marker:
    """Highlight and Square annotations written as PDF objects directly, each with its
    appearance stream: PyMuPDF's annotation API costs ~2 ms an annotation, this ~0.1
    ms, and the objects are the same (QuadPoints, /C, /T, /Contents, /NM, /AP)."""

    def __init__(self, pdf: Any, look: Lookup) -> None:
        self.pdf, self.look = pdf, look
        self.pending: dict[int, list[int]] = {}
        self.matrices: dict[int, tuple] = {}

    def _to_pdf(self, page: Any) -> tuple:
        """Displayed page coordinates -> PDF user space, as a matrix, once per page."""
        found = self.matrices.get(page.number)
        if found is None:
            m = page.derotation_matrix * ~page.transformation_matrix
            found = self.matrices[page.number] = (m.a, m.b, m.c, m.d, m.e, m.f, page.xref)
        return found

    def add(self, page: Any, rects: list, ann: Annotation, *, square: bool,
            suffix: str = "") -> None:
        """``rects`` (x0, y0, x1, y1) in the page's displayed coordinates."""
        a, b, c, d, e, f, page_xref = self._to_pdf(page)
        boxes = []
        for x0, y0, x1, y1 in rects:
            xs = (a * x0 + c * y0 + e, a * x1 + c * y1 + e, a * x0 + c * y1 + e)
            ys = (b * x0 + d * y0 + f, b * x1 + d * y1 + f, b * x0 + d * y1 + f)
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
        bx0, by0 = min(q[0] for q in boxes), min(q[1] for q in boxes)
        bx1, by1 = max(q[2] for q in boxes), max(q[3] for q in boxes)
        r, g, bl = _color(ann, self.look)
        color = f"{_n(r)} {_n(g)} {_n(bl)}"
        if square:
            stream = (f"{color} RG 1.5 w {_n(bx0 + .75)} {_n(by0 + .75)} "
                      f"{_n(bx1 - bx0 - 1.5)} {_n(by1 - by0 - 1.5)} re S")
            extra, res = "/BS << /W 1.5 >>", ""
        else:
            stream = f"/H gs {color} rg " + " ".join(
                f"{_n(q[0])} {_n(q[1])} {_n(q[2] - q[0])} {_n(q[3] - q[1])} re f" for q in boxes)
            quads = " ".join(f"{_n(q[0])} {_n(q[3])} {_n(q[2])} {_n(q[3])} {_n(q[0])} "
                             f"{_n(q[1])} {_n(q[2])} {_n(q[1])}" for q in boxes)
            extra = f"/QuadPoints [{quads}] /CA 1"
            res = "/Resources << /ExtGState << /H << /BM /Multiply >> >> >>"
        rect = f"[{_n(bx0)} {_n(by0)} {_n(bx1)} {_n(by1)}]"
        ap = self.pdf.get_new_xref()
        self.pdf.update_object(ap, f"<< /Type /XObject /Subtype /Form /BBox {rect} {res} >>")
        self.pdf.update_stream(ap, stream.encode())
        xref = self.pdf.get_new_xref()
        who = self.look.author_name(ann.author_id) or "Unknown"
        self.pdf.update_object(xref, (
            f"<< /Type /Annot /Subtype /{'Square' if square else 'Highlight'} /Rect {rect} "
            f"{extra} /C [{color}] /F 4 /P {page_xref} 0 R /T {_pdf_str(who)} "
            f"/Contents {_pdf_str(contents(ann, self.look))} "
            f"/Subj {_pdf_str(', '.join(self.look.tag_names(ann)))} "
            f"/NM {_pdf_str(ann.id + suffix)} /M {_pdf_str(_pdf_date(ann.modified_at))} "
            f"/CreationDate {_pdf_str(_pdf_date(ann.created_at))} /AP << /N {ap} 0 R >> >>"))
        self.pending.setdefault(page.number, []).append(xref)

    def finish(self) -> None:
        """Append the new annotations to each page's /Annots (keeping those it had)."""
        for number, xrefs in self.pending.items():
            page = self.pdf[number]
            kind, value = self.pdf.xref_get_key(page.xref, "Annots")
            if kind == "xref":
                value = self.pdf.xref_object(int(value.split()[0]), compressed=True)
                kind = "array"
            old = value.strip()[1:-1] if kind == "array" else ""
            refs = " ".join(f"{x} 0 R" for x in xrefs)
            self.pdf.xref_set_key(page.xref, "Annots", f"[{old} {refs}]")
        self.pending.clear()


def aligned_passages(project: Project, scan_id: str, filt: ExportFilter | None
                     ) -> list[tuple[Annotation, dict[int, list]]]:
    """The text annotations (passing the filter) of the transcriptions aligned with a
    scan word by word, each with the boxes of its words per page of the scan."""
    from dataclasses import replace

    from annotator.core import word_alignment

    wider = replace(filt, document_id=None) if filt is not None else None
    out = []
    for aligned in word_alignment.aligned_scans(project, scan_id, "target_id", None):
        for ann in iter_annotations(project, wider, document_id=aligned.link.source_id):
            if ann.text is not None:
                boxes = aligned.boxes(ann.text.start, ann.text.end)
                if boxes:
                    out.append((ann, boxes))
    return out


def _paged(project: Project, doc: Document, anns: list[Annotation], look: Lookup,
           ticker: Ticker, filt: ExportFilter | None = None) -> bytes:
    import pymupdf

    data = source_bytes(project, doc, [])
    if data is None:  # a damaged source is left out, the export goes on
        raise ValueError("not exported: its source bytes are missing or do not match their "
                         "SHA-256 (damaged)")
    if doc.media_type == "application/pdf":
        pdf = pymupdf.open(stream=data, filetype="pdf")
        if pdf.needs_pass:
            pdf.close()
            raise ValueError("the PDF is encrypted; its password is not kept in the project")
    else:
        image = pymupdf.open(stream=data, filetype=doc.media_type.removeprefix("image/"))
        pdf = pymupdf.open("pdf", image.convert_to_pdf())
        image.close()
        for number, orientation in turns_to_apply(doc.metadata).items():
            turn = _ORIENTATION_TURN.get(orientation)
            if turn and 1 <= number <= pdf.page_count:
                pdf[number - 1].set_rotation(turn)
    try:
        marker = _Marker(pdf, look)
        pages = {}
        for ann in anns:
            g = ann.region
            if g is None or not 1 <= g.page <= pdf.page_count:
                continue
            page = pages.get(g.page) or pages.setdefault(g.page, pdf[g.page - 1])
            if g.quads:
                marker.add(page, list(g.quads), ann, square=False)
            else:
                marker.add(page, [(g.x, g.y, g.x + g.w, g.y + g.h)], ann, square=True)
            ticker.step()
        # the highlights of an aligned transcription, over the words themselves
        for ann, boxes in aligned_passages(project, doc.id, filt):
            for number, rects in sorted(boxes.items()):
                if 1 <= number <= pdf.page_count:
                    page = pages.get(number) or pages.setdefault(number, pdf[number - 1])
                    marker.add(page, rects, ann, square=False, suffix=f"#scan{number}")
        marker.finish()
        pdf.set_metadata({**(pdf.metadata or {}), "producer": f"annotator {__version__}"})
        return pdf.tobytes(garbage=3, deflate=True)
    finally:
        pdf.close()


@dataclass(slots=True)
class _Line:
    page: int
    baseline: float
    start: int  # code point offset of the line's first character in the text
    text: str


def _font() -> tuple[Any, str | None]:
    import pymupdf

    for path in FONT_FILES:
        if Path(path).is_file():
            try:
                return pymupdf.Font(fontfile=path), path
            except Exception:  # a damaged system font: try the next one
                continue
    return pymupdf.Font("helv"), None


class _Advances(dict):
    """Glyph advances by character, measured once each: MuPDF's own measuring costs a
    call per character, which is most of the time for 100,000 highlights."""

    def __init__(self, font: Any, size: float) -> None:
        super().__init__()
        self.font, self.size = font, size

    def __missing__(self, char: str) -> float:
        value = self[char] = self.font.text_length(char, fontsize=self.size)
        return value

    def width(self, text: str) -> float:
        return sum(map(self.__getitem__, text))


def _layout(text: str, advances: _Advances, width: float, top: float) -> list[_Line]:
    """Greedy line breaking after spaces (inside a word longer than the line if need
    be), from glyph advances measured once per paragraph and summed: each line is
    found by bisection, O(n + lines * log n) for n characters."""
    lines: list[_Line] = []
    page, y, pos = 0, top, 0
    for raw in text.split("\n"):
        cum = [0.0, *accumulate(map(advances.__getitem__, raw))]
        start = 0
        while True:
            end = max(bisect_right(cum, cum[start] + width + 1e-6) - 1, start + 1)
            if end >= len(raw):
                cut = len(raw)
            else:
                space = raw.rfind(" ", start, end + 1)
                cut = space + 1 if space > start else end
            if y > PAGE_H - MARGIN:
                page, y = page + 1, MARGIN + advances.size
            lines.append(_Line(page, y, pos + start, raw[start:cut]))
            y += LEADING
            if cut >= len(raw):
                break
            start = cut
        pos += len(raw) + 1
    return lines


def _typeset(project: Project, doc: Document, anns: list[Annotation], look: Lookup,
             ticker: Ticker) -> bytes:
    import pymupdf

    text = project.documents.text(doc.id)
    printable = re.sub(r"[\t\r\x00-\x08\x0b-\x1f\x7f]", " ", text)  # one for one
    font, font_file = _font()
    pdf = pymupdf.open()
    width = PAGE_W - 2 * MARGIN
    advances = _Advances(font, SIZE)
    title_lines = _layout(doc.title, _Advances(font, 14), width, MARGIN + 16)
    top = MARGIN + 16 + LEADING * len(title_lines) + 18
    lines = _layout(printable, advances, width, top)
    pages = (lines[-1].page + 1) if lines else 1
    writers = [pymupdf.TextWriter(pymupdf.Rect(0, 0, PAGE_W, PAGE_H)) for _ in range(pages)]
    for line in title_lines:
        writers[0].append((MARGIN, line.baseline), line.text, font=font, fontsize=14)
    for line in lines:
        if line.text:
            writers[line.page].append((MARGIN, line.baseline), line.text, font=font,
                                      fontsize=SIZE)
    for writer in writers:
        page = pdf.new_page(width=PAGE_W, height=PAGE_H)
        writer.write_text(page)
    starts = [line.start for line in lines]
    marker, pages = _Marker(pdf, look), {}
    asc, desc = font.ascender * SIZE, font.descender * SIZE
    for ann in anns:
        t = ann.text
        if t is None:
            continue
        first = max(0, bisect_right(starts, t.start) - 1)
        rects: dict[int, list] = {}
        for line in lines[first:]:
            if line.start > t.end or (line.start == t.end and t.end > t.start):
                break
            a = max(t.start, line.start) - line.start
            b = min(t.end, line.start + len(line.text)) - line.start
            if b < a or (b == a and t.end > t.start):
                continue
            x0 = MARGIN + advances.width(line.text[:a])
            x1 = x0 + advances.width(line.text[a:b])
            rects.setdefault(line.page, []).append(
                pymupdf.Rect(x0, line.baseline - asc, max(x1, x0 + 1), line.baseline - desc))
        for n, (page_no, boxes) in enumerate(sorted(rects.items())):
            page = pages.get(page_no) or pages.setdefault(page_no, pdf[page_no])
            if t.end > t.start:
                marker.add(page, boxes, ann, square=False, suffix="" if n == 0 else f"#{n + 1}")
            else:  # a caret: a note icon, with the pop-up readers expect
                annot = page.add_text_annot(boxes[0].tl, contents(ann, look) or "•")
                _decorate(pdf, annot, ann, look)
        ticker.step()
    marker.finish()
    pdf.set_metadata({"title": doc.title, "creator": f"annotator {__version__}",
                      "producer": f"annotator {__version__}"})
    del font_file
    from annotator.core.exporters.pdf_fonts import subset_and_fix

    subset_and_fix(pdf)  # 2.1 MB -> 47 KB, and characters beyond the BMP extract right
    try:
        return pdf.tobytes(garbage=3, deflate=True)
    finally:
        pdf.close()


def _mupdf_errors() -> tuple[type[BaseException], ...]:
    """What MuPDF raises on a damaged file it opened (repaired) but cannot write."""
    import pymupdf

    return (RuntimeError, pymupdf.mupdf.FzErrorBase)


@mupdf_locked  # MuPDF is single-threaded: the render thread draws too
def export_pdf(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
               progress: Progress = None) -> ExportResult:
    """One annotated PDF per document that has (filtered) annotations: to the file
    ``out`` when the filter names one document and ``out`` ends in .pdf, else into
    the folder ``out``. A document that cannot be rendered is reported, not fatal."""
    out = Path(out)
    look = Lookup(project)
    filt = filt or ExportFilter()
    ticker = Ticker(progress, count_annotations(project, filt))
    single = bool(filt.document_id) and out.suffix.lower() == ".pdf"
    if not single:
        out.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    used: set[str] = set()
    docs = sorted(look.documents.values(), key=lambda d: d.title.casefold())
    for doc in docs:
        if filt.document_id and doc.id != filt.document_id:
            continue
        anns = list(iter_annotations(project, filt, document_id=doc.id))
        if not anns and not filt.document_id and (
                doc.kind == DocumentKind.TEXT or not aligned_passages(project, doc.id, filt)):
            continue
        try:
            data = _typeset(project, doc, anns, look, ticker) if doc.kind == DocumentKind.TEXT \
                else _paged(project, doc, anns, look, ticker, filt)
        except ValueError as exc:
            result.warnings.append(f"“{doc.title}”: {exc}")
            continue
        except _mupdf_errors() as exc:  # a damaged source MuPDF repaired on import
            reason = str(exc).removeprefix("code=").lstrip("0123456789: ") or type(exc).__name__
            result.warnings.append(f"“{doc.title}”: not exported, its PDF is damaged "
                                   f"(MuPDF: {reason}); the other documents were")
            continue
        target = out if single else inside(out, safe_filename(doc.title, ".pdf", used))
        with atomic_file(target, "wb") as fh:
            fh.write(data)
        result.paths.append(target)
        result.annotations += len(anns)
    ticker.finish()
    return result
