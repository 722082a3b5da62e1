"""The JFK typescripts (image-only) recognised by our OCR and aligned with another,
noisy OCR of them (``texts/jfk_ocr``): each "## Page N" lands on page N (issue 10,
part 3). Figures for all seven are in benchmarks/alignment_jfk.py."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.alignment_jfk import SCANS, TEXTS, run

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.mark.parametrize("name", ["jfk_104-10004-10156", "jfk_104-10007-10345"])
def test_each_page_of_the_ocr_text_lands_on_its_page(name):
    pdf, md = SCANS / f"{name}.pdf", TEXTS / f"{name}_ocr.md"
    if not (pdf.exists() and md.exists()):
        pytest.skip(f"{pdf} or {md} not available (../shared/corpus)")
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed")
    found = run(pdf, md)
    assert found["placed"] >= 0.4 * found["words"], found
    assert found["on_right_page"] >= 0.99 * found["placed"], found
    assert found["page_starts_right"] == found["pages"], found
