"""Highlights and notes made in a PDF reader (Zotero's "export PDF with annotations",
Acrobat, Okular, Preview, and our own annotated PDFs) as annotations of the project.

- Which document: an annotation whose ``/NM`` is the id of one of ours names it (our
  own export writes ``/NM`` = our id, ``id#2`` for the second page of a passage);
  else the same bytes (SHA-256); else a paged document with the same number of pages,
  the same page sizes and the same text on its pages (the reader added annotations,
  which changes the bytes, not the pages); else the PDF is imported first as a new
  document.
- What: Highlight, Underline, Squiggly and StrikeOut keep their line boxes (quads)
  and the words under them from the page's text layer; Square and Ink become the
  region they cover; a Text note a small region at its icon. Their text (``/Contents``)
  is the note, their colour, author (``/T``) and dates (``/CreationDate``, ``/M``) are
  kept. Other kinds (links, widgets, stamps...) are left out and counted.
- Idempotent: an annotation whose ``/NM`` is already in the project is left as it is;
  any other gets an id derived from the PDF's fingerprint and its place, so importing
  the same file twice adds nothing.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.annotation_import import (
    AnnotationImportReport,
    ImportRefused,
    Progress,
)
from annotator.core.annotation_import.common import Resolver, Tick, clean_text, stamp
from annotator.core.changes import OpChanges, OpResult
from annotator.core.importers.pdf import mupdf_locked
from annotator.core.model import AnchorState, Annotation, DocumentKind, RegionSelector

if TYPE_CHECKING:
    from annotator.core.model import Document
    from annotator.core.project import Project

MARKUP = {"Highlight", "Underline", "Squiggly", "StrikeOut"}
REGIONS = {"Square", "Ink", "Circle", "Polygon"}
NOTE = "Text"
MAX_BYTES = 900 * 1024 * 1024
MAX_ANNOTATIONS = 200_000
_SIZE_TOLERANCE = 1.0  # points


def _pdf_stamp(value: str) -> str:
    """ISO 8601 from a PDF date ``D:YYYYMMDDHHmmSS+HH'mm'`` (else now)."""
    found = re.match(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?"
                     r"(\d{2})?", value or "")
    if not found:
        return stamp("")
    y, mo, d, h, mi, s, sign, oh, om = found.groups()
    iso = f"{y}-{mo or '01'}-{d or '01'}T{h or '00'}:{mi or '00'}:{s or '00'}"
    if sign in ("+", "-"):
        iso += f"{sign}{oh or '00'}:{om or '00'}"
    else:
        iso += "Z"
    return stamp(iso)


def _hex(color: Any) -> str:
    if not color or len(color) != 3:
        return ""
    return "#" + "".join(f"{max(0, min(255, round(c * 255))):02x}" for c in color)


def _page_text(page: Any) -> str:
    return " ".join(page.get_text().split())


def _find_document(project: Project, pdf: Any, sha256: str, nms: list[str]) -> Document | None:
    for nm in nms:
        ann = project.annotations.get(nm.split("#")[0])
        if ann is not None and "#scan" not in nm:  # "#scan": a transcription's passage
            return project.documents.get(ann.document_id)  # drawn on its scan's PDF
    found = project.documents.by_sha256(sha256)
    if found is not None and not found.deleted:
        return found
    sizes = [(p.rect.width, p.rect.height) for p in pdf]
    texts: list[str] | None = None
    for doc in project.documents.list():
        if doc.kind != DocumentKind.PAGED or doc.page_count != len(sizes):
            continue
        pages = project.documents.pages(doc.id)
        if any(abs(p.width - w) > _SIZE_TOLERANCE or abs(p.height - h) > _SIZE_TOLERANCE
               for p, (w, h) in zip(pages, sizes, strict=True)):
            continue
        if texts is None:
            texts = [_page_text(p) for p in pdf]
        if all(" ".join(p.text.split()) == t for p, t in zip(pages, texts, strict=True)) \
                and any(texts):
            return doc
    return None


def _words_under(page: Any, quads: list[tuple[float, float, float, float]]) -> str:
    """The words of the page whose centre lies in one of the line boxes."""
    found = []
    for word in page.get_text("words"):
        cx, cy = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
        if any(q[0] <= cx <= q[2] and q[1] <= cy <= q[3] for q in quads):
            found.append(word[4])
    return " ".join(found)


def _region(page: Any, annot: Any, kind: str, number: int) -> RegionSelector | None:
    rect = annot.rect
    if kind in MARKUP:
        points = annot.vertices or []
        quads = []
        for i in range(0, len(points) - 3, 4):
            xs = [p[0] for p in points[i:i + 4]]
            ys = [p[1] for p in points[i:i + 4]]
            quads.append((round(min(xs), 2), round(min(ys), 2), round(max(xs), 2),
                          round(max(ys), 2)))
        if not quads:
            quads = [(rect.x0, rect.y0, rect.x1, rect.y1)]
        x0, y0 = min(q[0] for q in quads), min(q[1] for q in quads)
        x1, y1 = max(q[2] for q in quads), max(q[3] for q in quads)
        return RegionSelector(number, round(x0, 2), round(y0, 2), round(x1 - x0, 2),
                              round(y1 - y0, 2), tuple(quads), _words_under(page, quads))
    if rect.is_empty or rect.is_infinite:
        return None
    return RegionSelector(number, round(rect.x0, 2), round(rect.y0, 2),
                          round(rect.width, 2), round(rect.height, 2))


def _read_annotations(pdf: Any) -> list[dict]:
    """Every annotation as plain data, read while its page is loaded (MuPDF unbinds
    an annotation from a page that is let go)."""
    found = []
    for page in pdf:
        for annot in page.annots() or []:
            kind = annot.type[1]
            info = dict(annot.info)
            region = _region(page, annot, kind, page.number + 1) \
                if kind in MARKUP | REGIONS | {NOTE} else None
            found.append({"page": page.number + 1, "kind": kind, "xref": annot.xref,
                          "nm": clean_text(info.get("id", ""), 200), "info": info,
                          "region": region, "color": _hex(annot.colors.get("stroke"))})
            if len(found) > MAX_ANNOTATIONS:
                raise ImportRefused(f"the PDF holds more than {MAX_ANNOTATIONS:,} "
                                    "annotations; one import takes at most that many.")
    return found


@mupdf_locked  # MuPDF is single-threaded: the render thread draws too
def import_pdf_annotations(project: Project, path: str | Path, *,
                           progress: Progress = None) -> OpResult[AnnotationImportReport]:
    """Import the annotations of an annotated PDF, in one action."""
    from annotator.core.importers.pdf import load_pymupdf

    path = Path(path)
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"{path.name} is larger than {MAX_BYTES // 2**20} MB.")
    pymupdf = load_pymupdf()
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types
        raise ImportRefused(f"{path.name} cannot be read as a PDF: {str(exc)[:200]}") from None
    if pdf.needs_pass:
        raise ImportRefused(f"{path.name} is encrypted; save a copy without a password.")
    report = AnnotationImportReport(str(path), "pdf")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        found = _read_annotations(pdf)
        nms = [a["nm"] for a in found if a["nm"]]
        changes = OpChanges()
        with project.transaction(f"Import annotations from {path.name}"):
            doc = _find_document(project, pdf, sha256, nms)
            if doc is None:
                made = project.documents.import_bytes(data, path.name).value
                doc = made.document
                assert doc is not None
                report.documents.append(doc.title)
                changes.documents.add(doc.id)
            else:
                report.matched.append(doc.title)
            changes.annotations |= _add(project, doc, found, sha256, report, progress)
        return OpResult(report, changes)
    finally:
        pdf.close()


def _add(project: Project, doc: Document, found: list[dict], sha256: str,
         report: AnnotationImportReport, progress: Progress) -> set[str]:
    resolver = Resolver(project, report)
    tick = Tick(progress, len(found))
    new: list[Annotation] = []
    for item in found:
        tick.step()
        number, kind, nm, info = item["page"], item["kind"], item["nm"], item["info"]
        if nm and project.annotations.get(nm.split("#")[0]) is not None:
            report.existing += 1
            continue
        if kind not in MARKUP | REGIONS | {NOTE}:
            if kind not in ("Link", "Widget", "Popup"):
                report.skipped.append(f"page {number}: a {kind} annotation (not read)")
            continue
        if doc.kind != DocumentKind.PAGED:
            report.skipped.append(f"page {number}: a {kind} annotation on the typeset text of "
                                  f"“{doc.title}” that is not one of ours")
            continue
        ann_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pdf:{sha256}:{number}:{item['xref']}:"
                                                    f"{nm}"))
        if project.annotations.get(ann_id) is not None or any(a.id == ann_id for a in new):
            report.existing += 1
            continue
        region = item["region"]
        if region is None or number > doc.page_count:
            report.skipped.append(f"page {number}: a {kind} annotation without a place")
            continue
        author = resolver.author(None, info.get("title", "")) if info.get("title") \
            else project.author_id()
        created = _pdf_stamp(info.get("creationDate", ""))
        modified = _pdf_stamp(info.get("modDate", "")) if info.get("modDate") else created
        new.append(Annotation(ann_id, doc.id, author, None, region, [],
                              clean_text(info.get("content", ""), 100_000), item["color"],
                              None, "", AnchorState.OK, created, modified))
    resolver.flush()
    if new:
        project.annotations.add_many(new)
    report.added = len(new)
    report.annotation_ids = [a.id for a in new]
    return {a.id for a in new}
