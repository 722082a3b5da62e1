"""Recognising text on scans (annotator.core.ocr, `annotator ocr`, `annotator text`).

Tesseract costs a second or two a page here, so the pages are small (the 640x480
phototest of Tesseract's own test set, shipped in tests/data/ocr) and few. The tests
that need Tesseract skip, saying so, only where it is not installed (CI has it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core import ocr
from annotator.core.errors import AnnotatorError

PHOTOTEST = Path(__file__).parent / "data" / "ocr" / "tesseract_phototest.tif"
HAS_TESSERACT = bool(ocr.tesseract_program()) and bool(
    shutil.which(ocr.tesseract_program() or "tesseract"))
needs_tesseract = pytest.mark.skipif(
    not HAS_TESSERACT, reason="Tesseract is not installed (apt-get install tesseract-ocr "
    "tesseract-ocr-eng); CI installs it")


def two_page_pdf(path: Path, *, text_on_first: bool = False) -> Path:
    """A PDF of the phototest image on two pages (its own size: 230 x 173 pt), the
    first optionally with a born-digital text layer instead."""
    import pymupdf

    doc = pymupdf.open()
    for index in range(2):
        page = doc.new_page(width=230.4, height=172.8)
        if index == 0 and text_on_first:
            page.insert_text((20, 40), "Born digital words here", fontsize=12)
        else:
            page.insert_image(page.rect, filename=str(PHOTOTEST))
    doc.save(path)
    doc.close()
    return path


def test_tsv_becomes_words_in_points_lines_and_blocks() -> None:
    """No Tesseract needed: boxes scaled to points, lines numbered in reading order,
    a blank line between blocks, unknown confidence -1, empty words dropped."""
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t",
        "5\t1\t1\t1\t1\t1\t36\t92\t60\t24\t96.5\tThis",
        "5\t1\t1\t1\t1\t2\t100\t92\t20\t24\t91\tis",
        "5\t1\t1\t1\t2\t1\t36\t130\t40\t24\t88.25\tnext",
        "5\t1\t1\t1\t2\t2\t80\t130\t40\t24\t12\t ",
        "5\t1\t2\t1\t1\t1\t36\t300\t40\t24\t-1\tfar",
    ]
    words, text = ocr.parse_tsv("\n".join([head, *rows]), 0.5, 0.25)
    assert text == "This is\nnext\n\nfar"
    assert words[0] == (18.0, 23.0, 48.0, 29.0, "This", 0, 96.5)
    assert [w[5] for w in words] == [0, 0, 1, 2]
    assert words[-1][6] == -1
    from annotator.core.model import Page
    from annotator.core.text_layer import layer_text

    noisy = [*words, (0, 0, 1, 1, "|", 2, 10.0)]
    text, spans = layer_text([Page("d", 1, 10, 10, words=noisy), Page("d", 2, 10, 10,
                                                                      words=words[:1])])
    assert text == "This is\nnext\nfar\n\nThis"  # the uncertain "|" is left out
    assert [(a, b, page.number, i) for a, b, page, i in spans][-2:] == [(13, 16, 1, 3),
                                                                       (18, 22, 2, 0)]


def test_pages_and_languages_are_checked() -> None:
    assert ocr.parse_pages("1-3,5,2", 6) == [1, 2, 3, 5]
    assert ocr.parse_pages("4-", 6) == [4, 5, 6]
    assert ocr.parse_pages(None, 2) == [1, 2]
    for bad in ("0", "7", "3-2", "one"):
        with pytest.raises(AnnotatorError):
            ocr.parse_pages(bad, 6)
    assert ocr.check_languages("eng + fra", ["eng", "fra"]) == "eng+fra"
    with pytest.raises(ocr.OcrUnavailable, match="apt-get install tesseract-ocr tesseract-ocr-frk"):
        ocr.check_languages("eng+frk", ["eng"])


def test_missing_tesseract_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setenv("ANNOTATOR_TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(ocr.OcrUnavailable, match="install"):
        ocr.engine()


@needs_tesseract
def test_recognise_image_undo_and_search(project) -> None:
    """The words land with boxes, lines and confidence, the text is found by search at
    once, the document remembers the language; undo gives back the empty layer."""
    from annotator.core import search

    doc = project.documents.import_file(PHOTOTEST).value.document
    assert project.documents.page(doc.id, 1).words == []
    assert not search.search(project, "jumped")
    ocr.recognise_document(project, doc.id, language="eng")
    page = project.documents.page(doc.id, 1)
    assert "quick brown dog" in page.text
    assert all(len(w) == 7 for w in page.words)
    x0, y0, x1, y1, word, line, confidence = page.words[0]
    assert word == "This" and line == 0 and confidence > 80
    assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
    assert x0 < 20 and y0 < 40  # points, not the image's pixels (36, 92)
    assert search.search(project, "jumped"), "the new text is searchable at once"
    meta = project.documents.get(doc.id).metadata
    assert meta["text_layers"]["1"]["source"] == "ocr"
    assert meta["text_layers"]["1"]["language"] == "eng"
    assert meta["ocr_language"] == "eng"
    assert [c.label for c in project.history(limit=1)] == [f"Recognise text on “{doc.title}”"]
    project.undo()
    page = project.documents.page(doc.id, 1)
    assert page.words == [] and page.text == ""
    assert "text_layers" not in project.documents.get(doc.id).metadata
    assert not search.search(project, "jumped")


@needs_tesseract
def test_cancel_keeps_the_finished_page_and_born_digital_is_skipped(project, tmp_path) -> None:
    doc = project.documents.import_file(two_page_pdf(tmp_path / "two.pdf")).value.document
    calls = []

    def progress(done: int, total: int, page: int) -> bool:
        calls.append(page)
        return done < 1  # cancel before the second page

    with pytest.raises(ocr.Cancelled):
        ocr.recognise_document(project, doc.id, language="eng", progress=progress)
    first, second = project.documents.pages(doc.id, with_words=True)
    assert "quick brown" in first.text and first.words
    assert second.words == [] and second.text == ""
    assert list(project.documents.get(doc.id).metadata["text_layers"]) == ["1"]
    # a recognised page is not read again unless forced; the rest goes on
    work = ocr.plan(project, doc.id)
    assert work.pages == [2] and 1 in work.skipped

    born = project.documents.import_file(
        two_page_pdf(tmp_path / "born.pdf", text_on_first=True)).value.document
    work = ocr.plan(project, born.id)
    assert work.pages == [2] and "born-digital" in work.skipped[1]
    assert ocr.plan(project, born.id, force=True).pages == [1, 2]


@needs_tesseract
def test_cli_ocr_and_text(tmp_path, capsys) -> None:
    from annotator.cli import main

    path = tmp_path / "p.annot"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(two_page_pdf(tmp_path / "two.pdf"))]) == 0
    capsys.readouterr()
    assert main(["ocr", str(path), "two.pdf", "--lang", "eng", "--pages", "2"]) == 0
    out, err = capsys.readouterr()
    assert "recognised 1 page(s)" in out and "page 2" in err
    assert main(["text", str(path), "two.pdf"]) == 0
    out, _ = capsys.readouterr()
    first, second = out.split("\f\n")
    assert first == "" and "The quick brown dog" in second
    assert main(["text", str(path), "two.pdf", "--pages", "3"]) == 2
    assert main(["ocr", str(path), "two.pdf", "--lang", "klingon"]) == 2
    assert "tesseract-ocr-klingon" in capsys.readouterr().err


def _w(text: str, confidence: float = -1) -> tuple:
    return (0.0, 0.0, 1.0, 1.0, text, 0, confidence)


def test_a_selection_on_a_layer_snaps_to_words_without_the_noise_around_them() -> None:
    from annotator.core.text_layer import snap, trimmed_quote

    def chosen(*words: tuple) -> str:
        return trimmed_quote(snap(list(words)))

    assert chosen(_w("|", 30), _w("Warren", 91)) == "Warren"
    assert chosen(_w("Warren", 91), _w("£6", 20)) == "Warren"  # an uncertain speck
    assert chosen(_w("£6", 95)) == "£6"  # a sure one is the scholar's choice
    assert chosen(_w("(Warren"), _w("Commission),")) == "Warren Commission"
    assert chosen(_w("«Paris»,")) == "Paris"
    assert chosen(_w("Mr.")) == "Mr." and chosen(_w("U.S.")) == "U.S."
    assert chosen(_w("June"), _w("1927.")) == "June 1927"
    assert chosen(_w("|")) == "|"  # all noise: kept as chosen
    assert [w[4] for w in snap([(0, 0, 1, 1, "—"), (0, 0, 1, 1, "Briand")])] == ["Briand"]


@given(st.lists(st.text(min_size=1, max_size=6).filter(lambda t: not t.isspace()),
                min_size=1, max_size=6),
       st.lists(st.floats(-1, 100), min_size=6, max_size=6))
def test_a_trimmed_quote_is_part_of_what_was_chosen(texts: list[str],
                                                   confidences: list[float]) -> None:
    from annotator.core.text_layer import snap, trimmed_quote

    words = [_w(t, c) for t, c in zip(texts, confidences, strict=False)]
    kept = snap(words)
    assert kept and all(w in words for w in kept)
    assert trimmed_quote(kept) in " ".join(w[4] for w in kept)


def test_suggestions_on_a_scan_leave_out_uncertain_words_and_accept_as_regions(project) -> None:
    """No Tesseract needed: a layer as OCR leaves it. Sure words make a mention and a
    date, each with its words' boxes; uncertain noise makes no name; accepting makes a
    region annotation, which then covers its place."""
    from annotator.core import entity_ops, suggestions
    from annotator.core.model import TagKind

    doc = project.documents.import_file(PHOTOTEST).value.document
    line = [("Signed", 95), ("|", 20), ("Aristide", 91), ("Briand", 93), ("Paris,", 90),
            ("17", 96), ("June", 94), ("1927", 92)]
    noise = [("Xqv", 21), ("Zrw", 30), ("Hkt", 12)]
    words = [(10.0 + 20 * i, 10.0, 28.0 + 20 * i, 20.0, w, 0, c) for i, (w, c) in enumerate(line)]
    words += [(10.0 + 20 * i, 30.0, 28.0 + 20 * i, 40.0, w, 1, c) for i, (w, c) in enumerate(noise)]
    page = ocr.RecognisedPage(1, "", words, "eng", "tesseract 5.3.0")
    ocr.store_page(project, doc.id, page)
    person = next(t for t in project.tags.list(TagKind.ENTITY_TYPE) if t.name == "Person")
    briand = project.entities.create("Aristide Briand", person.id).value
    found = suggestions.suggest(project, document_id=doc.id)
    by_kind = {s.kind: s for s in found}
    assert by_kind["mention"].quote == "Aristide Briand"
    assert by_kind["date"].quote == "17 June 1927"
    assert not any("Xqv" in s.quote or "Zrw" in s.quote or "|" in s.quote for s in found)
    region = by_kind["mention"].region
    assert region is not None and region.page == 1
    assert (region.x, region.y, region.x + region.w) == (50.0, 10.0, 88.0)
    entity_ops.accept(project, by_kind["mention"])
    ann = [a for a in project.annotations.for_document(doc.id)][0]
    assert ann.entity_id == briand.id and ann.region.text == "Aristide Briand"
    assert "mention" not in {s.kind for s in suggestions.suggest(project, document_id=doc.id)}


def _png_turned(path: Path, orientation: int, matrix) -> Path:
    """The phototest stored turned or mirrored, as a PNG whose eXIf says how to show it
    upright (MuPDF does not apply a PNG's orientation: we must)."""
    import struct
    import zlib

    import pymupdf

    with pymupdf.open(PHOTOTEST) as doc:
        page = doc[0]
        zoom = 640 / page.rect.width
        png = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom) * matrix).tobytes("png")
    exif = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">HHHIHHI", 1, 274, 3, 1,
                                                        orientation, 0, 0)
    chunk = struct.pack(">I", len(exif)) + b"eXIf" + exif
    chunk += struct.pack(">I", zlib.crc32(b"eXIf" + exif))
    path.write_bytes(png[:33] + chunk + png[33:])  # after the signature and IHDR
    return path


@needs_tesseract
@pytest.mark.parametrize("orientation", [6, 5])
def test_a_turned_image_is_read_upright_with_boxes_on_the_upright_page(
        project, tmp_path, orientation) -> None:
    import pymupdf

    # 6: stored turned a quarter left; 5: stored transposed (x and y swapped)
    matrix = {6: pymupdf.Matrix(270), 5: pymupdf.Matrix(0, 1, 1, 0, 0, 0)}[orientation]
    doc = project.documents.import_file(
        _png_turned(tmp_path / "turned.png", orientation, matrix)).value.document
    assert doc.metadata.get("orientation") == orientation
    ocr.recognise_document(project, doc.id, language="eng")
    page = project.documents.page(doc.id, 1)
    assert "quick brown dog" in page.text
    x0, y0, x1, y1, word = page.words[0][:5]
    assert page.width > page.height  # the upright page is landscape, as shown
    assert word == "This"  # at the top left of the upright page (36, 92 of 640 x 480 px)
    assert abs(x0 / page.width - 36 / 640) < 0.01 and abs(y0 / page.height - 92 / 480) < 0.01


def test_the_language_is_the_documents_own_then_the_one_used_last() -> None:
    from annotator.core.model import Document, DocumentKind

    installed = ["Cyrillic", "Latin", "deu", "eng", "fra", "frk", "rus"]

    def doc(language: str = "", **metadata) -> Document:
        return Document("d", "t", DocumentKind.PAGED, "image/tiff", "t.tif", "x",
                        language=language, metadata=metadata)

    assert ocr.default_languages(doc(), installed) == "eng"
    assert ocr.default_languages(doc("fr"), installed) == "fra"
    assert ocr.default_languages(doc("ru-RU"), installed) == "rus"
    assert ocr.default_languages(doc("German"), installed) == "deu"
    assert ocr.default_languages(doc("frk"), installed) == "frk"
    assert ocr.default_languages(doc("fr", ocr_language="deu+frk"), installed) == "deu+frk"
    assert ocr.default_languages(doc("fr", ocr_language="ita"), installed) == "fra"
    assert ocr.default_languages(doc("it"), ["rus"]) == "rus"


def test_cli_text_prints_a_transcription(tmp_path, capsys) -> None:
    from annotator.cli import main

    path, letter = tmp_path / "p.annot", tmp_path / "letter.txt"
    letter.write_text("Paris, 17 June 1927\nTo M. Briand\n", encoding="utf-8")
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(letter)]) == 0
    capsys.readouterr()
    assert main(["text", str(path), "letter.txt"]) == 0
    assert capsys.readouterr().out == "Paris, 17 June 1927\nTo M. Briand\n"
    assert main(["text", str(path), "letter.txt", "--pages", "1"]) == 2
    assert main(["ocr", str(path), "letter.txt"]) == 2 or not HAS_TESSERACT
    assert "not a scan" in capsys.readouterr().err or not HAS_TESSERACT
