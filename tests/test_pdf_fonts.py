"""Typeset PDFs of text documents (issue 12, item 16): characters beyond the BMP
extract as written in two independent readers (MuPDF, PDFium), and the fonts are
subset (a one-page text was 420 KB-2.1 MB with whole fonts)."""

from __future__ import annotations

import pytest

from annotator.core.exporters import ExportFilter, export
from annotator.core.exporters.pdf_fonts import fix_cmap
from annotator.core.project import Project

TEXT = "Gothic 𐌰𐌱 and Greek αβγ, Cyrillic жук, CJK 漢字, emoji 😀.\n"


def _export(tmp_path, text: str):
    with Project.create(tmp_path / "p.annot", "fonts") as project:
        source = tmp_path / "letter.txt"
        source.write_text(text, encoding="utf-8")
        doc = project.documents.import_file(source).value.document
        project.annotations.add(doc.id, start=0, end=6, note="the script")
        export(project, "pdf", tmp_path / "out.pdf", filt=ExportFilter(document_id=doc.id))
    return tmp_path / "out.pdf"


def test_beyond_the_bmp_extracts_right_in_mupdf_and_pdfium(tmp_path):
    import pymupdf

    pypdfium2 = pytest.importorskip("pypdfium2")
    out = _export(tmp_path, TEXT)
    with pymupdf.open(out) as pdf:
        mupdf = " ".join(pdf[0].get_text().split())
        fonts = [f[3] for f in pdf.get_page_fonts(0)]
    pdfium = pypdfium2.PdfDocument(str(out))
    try:
        pdfium_text = " ".join(pdfium[0].get_textpage().get_text_range().split())
    finally:
        pdfium.close()
    for extracted in (mupdf, pdfium_text):
        for word in ("𐌰𐌱", "αβγ", "жук", "漢字", "😀"):
            assert word in extracted
    assert all("+" in name for name in fonts)  # subset fonts are named ABCDEF+Name
    assert out.stat().st_size < 200_000


def test_a_plain_page_is_small(tmp_path):
    out = _export(tmp_path, "Monsieur le Ministre, j'ai l'honneur de vous écrire.\n" * 40)
    assert out.stat().st_size < 100_000


def test_fix_cmap_writes_surrogate_pairs_and_splits_ranges():
    cmap = (b"/CMapName /Adobe-Identity-UCS def\n1 begincodespacerange\n<0000> <FFFF>\n"
            b"endcodespacerange\n2 beginbfrange\n<0004> <0005> <10330>\n<0010> <0011> <0041>\n"
            b"endbfrange\n2 beginbfchar\n<0001> <1F600>\n<0003> <0020>\nendbfchar\nendcmap\n")
    fixed = fix_cmap(cmap)
    assert b"<0004> <D800DF30>" in fixed and b"<0005> <D800DF31>" in fixed
    assert b"<0001> <D83DDE00>" in fixed and b"<0010> <0011> <0041>" in fixed
    assert b"<0003> <0020>" in fixed and fixed.endswith(b"endcmap\n")
    assert fix_cmap(b"1 beginbfchar\n<0003> <0020>\nendbfchar\n") is None
