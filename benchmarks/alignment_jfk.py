"""The JFK typescripts aligned with their noisy OCR texts (issue 10, part 3), run by
hand: ``python -m benchmarks.alignment_jfk [NAME ...]``.

Each image-only PDF of ``../shared/corpus/scans/jfk_*.pdf`` is recognised by
:mod:`annotator.core.ocr` (English) in a scratch project, the matching
``texts/jfk_ocr/*_ocr.md`` (another OCR of the same pages, "## Page N" before each
page) is imported as the transcription and linked (which aligns). Per document: how
many of the transcription's words were placed, how many of those landed on the page
their "## Page N" section names, and whether each page's derived start lies in its
own section (what page sync uses).

2026-12-03, Tesseract 5.3 eng, 54 pages in 7 documents: 4,941 of the 11,785 words of
the texts placed (42 %: both sides are noisy OCR, much of it garbage that has no
counterpart, and it is left unaligned, not guessed), 4,936 of them (99.9 %) on the
page their section names; the derived page start lies in its own section on 50 of the
54 pages (all but 4 of the 37-page 104-10004-10213; 104-10005-10321, a degraded carbon
whose two OCRs share almost no words: 30 words placed, 27 on their page).
Recognising the 54 pages took 285 s here (2 cores shared), aligning 0.02-0.9 s each.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SCANS, TEXTS = CORPUS / "scans", CORPUS / "texts" / "jfk_ocr"
PAGE_HEAD = re.compile(r"^## Page (\d+)\s*$", re.M)


def pairs() -> list[tuple[Path, Path]]:
    out = []
    for pdf in sorted(SCANS.glob("jfk_*.pdf")):
        text = TEXTS / f"{pdf.stem}_ocr.md"
        if text.exists():
            out.append((pdf, text))
    return out


def sections(text: str) -> list[tuple[int, int, int]]:
    """(page, start, end) of each "## Page N" section of the text."""
    heads = list(PAGE_HEAD.finditer(text))
    return [(int(m.group(1)), m.end(), heads[k + 1].start() if k + 1 < len(heads) else len(text))
            for k, m in enumerate(heads)]


def measure(project, scan_id: str, text_id: str) -> dict:
    from annotator.core import word_alignment
    from annotator.core.alignment import text_tokens

    text = project.documents.text(text_id)
    started = time.perf_counter()
    with project.transaction("Link"):
        link = project.documents.link(text_id, scan_id).value
    links = word_alignment.links_of(project, link)
    seconds = time.perf_counter() - started
    parts = sections(text)
    section_of = {}
    for page, start, end in parts:
        for s, _e, _k in text_tokens(text[start:end]):
            section_of[start + s] = page
    placed = {lk.start: lk.page for lk in links if lk.start in section_of}
    right = sum(1 for start, page in placed.items() if section_of[start] == page)
    starts = link.alignment
    # page 1 may start in the file's heading ("# 104-10003-10041"): the record number
    # stamped on the page itself
    pages_right = sum(1 for k, (page, start, end) in enumerate(parts)
                      if page in starts and (start if k else 0) <= starts[page] < end)
    return {"pages": len(parts), "words": len(section_of), "placed": len(placed),
            "on_right_page": right, "page_starts_right": pages_right,
            "link_s": round(seconds, 3)}


def run(pdf: Path, md: Path) -> dict:
    from annotator.core import ocr
    from annotator.core.project import Project

    with tempfile.TemporaryDirectory() as folder:
        with Project.create(Path(folder) / "jfk.annot", "JFK", author="bench") as p:
            scan = p.documents.import_file(pdf).value.document
            started = time.perf_counter()
            ocr.recognise_document(p, scan.id, language="eng")
            ocr_s = time.perf_counter() - started
            text = p.documents.import_file(md).value.document
            return {"name": pdf.stem, **measure(p, scan.id, text.id),
                    "ocr_s": round(ocr_s, 1)}


if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    totals = {"pages": 0, "words": 0, "placed": 0, "on_right_page": 0, "page_starts_right": 0}
    for pdf, md in pairs():
        if wanted and pdf.stem not in wanted:
            continue
        row = run(pdf, md)
        print(row, flush=True)
        for key in totals:
            totals[key] += row[key]
    print("total", totals)
