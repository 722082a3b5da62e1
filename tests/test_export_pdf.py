"""Annotated PDFs, read back by independent readers: pikepdf (the PDF objects),
pypdfium2 (the text under each highlight), qpdf --check (the file's structure)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from annotator.core.exporters import ExportFilter, export
from tests.test_export_common import HOSTILE_NOTE, rich_project

pikepdf = pytest.importorskip("pikepdf")


def annots(path) -> list[dict]:
    found = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for a in page.obj.get("/Annots", []):
                found.append({"page": number, "subtype": str(a.Subtype),
                              "quads": [float(v) for v in a.get("/QuadPoints", [])],
                              "author": str(a.get("/T", "")),
                              "contents": str(a.get("/Contents", "")),
                              "color": [float(v) for v in a.get("/C", [])],
                              "nm": str(a.get("/NM", "")), "ap": "/AP" in a})
    return found


def text_under(path) -> list[str]:
    """pdfium's text inside every highlight's quads (a reader independent of MuPDF)."""
    pdfium = pytest.importorskip("pypdfium2")
    raw = pytest.importorskip("pypdfium2.raw")
    doc = pdfium.PdfDocument(str(path))
    out = []
    for number in range(len(doc)):
        page = doc[number]
        textpage = page.get_textpage()
        for i in range(raw.FPDFPage_GetAnnotCount(page)):
            annot = raw.FPDFPage_GetAnnot(page, i)
            if raw.FPDFAnnot_GetSubtype(annot) == raw.FPDF_ANNOT_HIGHLIGHT:
                parts = []
                for q in range(raw.FPDFAnnot_CountAttachmentPoints(annot)):
                    qp = raw.FS_QUADPOINTSF()
                    raw.FPDFAnnot_GetAttachmentPoints(annot, q, qp)
                    parts.append(textpage.get_text_bounded(
                        min(qp.x1, qp.x3) + 0.5, min(qp.y3, qp.y4) + 1,
                        max(qp.x2, qp.x4) - 0.5, max(qp.y1, qp.y2) - 1))
                out.append(" ".join(p.strip() for p in parts))
            raw.FPDFPage_CloseAnnot(annot)
    doc.close()
    return out


def qpdf_ok(path) -> None:
    if shutil.which("qpdf"):
        run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_text_documents_are_typeset_with_highlights(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    doc = next(d for d in p.documents.list() if d.kind == "text")
    out = tmp_path / "letter.pdf"
    result = export(p, "pdf", out, filt=ExportFilter(document_id=doc.id))
    assert result.paths == [out] and result.annotations == len(p.annotations.for_document(doc.id))
    qpdf_ok(out)
    found = annots(out)
    hostile = next(a for a in found if HOSTILE_NOTE in a["contents"])
    assert hostile["subtype"] == "/Highlight" and len(hostile["quads"]) == 8
    assert hostile["author"] == "Test Historian" and hostile["ap"]
    assert "Tags: Person" in hostile["contents"] and "Entity: Aristide Briand" in \
        hostile["contents"]
    assert hostile["color"] == pytest.approx([1.0, 0x88 / 255, 0.0], abs=0.01)
    caret = next(a for a in found if a["contents"] == "a caret")
    assert caret["subtype"] == "/Text"
    ids = {a["nm"].split("#")[0] for a in found if a["subtype"] != "/Popup"}
    assert ids == {a.id for a in p.annotations.for_document(doc.id)}
    under = text_under(out)
    for ann in p.annotations.for_document(doc.id):
        if ann.quote.strip() and "𐌰" not in ann.quote and "🇬🇪" not in ann.quote:
            want = " ".join(ann.quote.split())
            assert any(" ".join(u.split()) == want for u in under), (want, under)
    p.close()


def test_paged_documents_keep_their_pages_and_get_annotations(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    result = export(p, "pdf", tmp_path / "pdfs")
    assert len(result.paths) == 3 and not result.warnings
    scan = next(path for path in result.paths if path.name.startswith("scan"))
    photo = next(path for path in result.paths if path.name.startswith("photo"))
    for path in result.paths:
        qpdf_ok(path)
    found = annots(scan)
    highlight = next(a for a in found if a["subtype"] == "/Highlight")
    assert highlight["page"] == 1 and "on the scan" in highlight["contents"]
    assert len(highlight["quads"]) == 16  # two line boxes
    square = next(a for a in found if a["subtype"] == "/Square")
    assert square["page"] == 2 and "Date: 1927" in square["contents"]
    assert text_under(scan)[0].startswith("Page 1: Signed by John")
    with pikepdf.open(scan) as pdf:
        assert len(pdf.pages) == 2
    [on_photo] = annots(photo)
    assert on_photo["subtype"] == "/Square" and "on the photo" in on_photo["contents"]
    p.close()


def test_names_from_titles_stay_in_the_folder(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    doc = next(d for d in p.documents.list() if d.kind == "text")
    p.documents.update(doc.id, title="../../escape/../me")
    result = export(p, "pdf", tmp_path / "out", filt=ExportFilter(document_id=doc.id))
    assert [path.parent for path in result.paths] == [(tmp_path / "out").resolve()]
    p.close()
