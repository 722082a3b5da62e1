"""The PDF importer's quick path (issue 17: the page text printed by MuPDF itself, word
boxes rounded in one numpy pass) stores exactly what PyMuPDF's own extractors give:
each page's text as ``TextPage.extractText()`` and its words as ``extractWORDS()``
turned into the shown page and rounded to 0.01 pt. The reference below is written
independently of the importer, word by word."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotator.core.errors import AnnotatorError
from annotator.core.importers import pdf as importer
from annotator.core.util import dumps
from tests.conftest import CORPUS, DATA

pymupdf = importer.load_pymupdf()


def _clean(text: str) -> str:
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _round(value: float) -> float:
    return float(numpy.round(value, 2))


def reference(data: bytes) -> list[tuple[str, list[tuple], bool]]:
    """(text, words, is_scan) per page, the long way: extractText, a word at a time,
    and images looked for on every page."""
    doc = pymupdf.open(stream=data, filetype="pdf")
    listed = [bool(page.get_images(full=False)) for page in doc]
    importer._blank_images(doc)
    pages = []
    for page in doc:
        a, b, c, d, e, f = page.rotation_matrix
        textpage = page.get_textpage()
        words = []
        for x0, y0, x1, y1, word, *_ in textpage.extractWORDS():
            xs = (a * x0 + c * y0 + e, a * x1 + c * y1 + e)  # opposite corners, turned
            ys = (b * x0 + d * y0 + f, b * x1 + d * y1 + f)
            words.append((_round(min(xs)), _round(min(ys)), _round(max(xs)), _round(max(ys)),
                          _clean(word)))
        is_scan = not words and (listed[page.number] or bool(page.get_image_info()))
        pages.append((_clean(textpage.extractText()), words, is_scan))
    doc.close()
    return pages


def assert_same(data: bytes) -> None:
    try:
        source = importer.read_pdf("test.pdf", data)
    except AnnotatorError:
        return  # refused (damaged, encrypted): nothing is stored
    expected = reference(data)
    assert len(source.pages) == len(expected)
    for page, (text, words, is_scan) in zip(source.pages, expected, strict=True):
        assert page.text == text, f"page {page.number}"
        assert page.words == words, f"page {page.number}"
        assert page.is_scan == is_scan, f"page {page.number}"
        # what the project stores: the same JSON
        assert dumps([list(w) for w in page.words]) == dumps([list(w) for w in words])


def _pdfs(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pdf")) if root.exists() else []


@pytest.mark.parametrize("path", _pdfs(DATA), ids=lambda p: p.name)
def test_pdfs_of_the_tests_are_read_as_by_the_extractors(path):
    assert_same(path.read_bytes())


@pytest.mark.parametrize("path", _pdfs(CORPUS), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_pdfs_are_read_as_by_the_extractors(path):
    assert_same(path.read_bytes())


def _page_with(lines, rotation: int = 0) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    for (x, y), text, size, *turn in lines:
        page.insert_text((x, y), text, fontsize=size, rotate=turn[0] if turn else 0)
    page.set_rotation(rotation)
    return doc.tobytes()


def test_images_are_blanked_for_the_text_run():
    """Every image of the in-memory copy becomes one grey pixel (a damaged JBIG2 or a
    huge image would otherwise be decoded to run the page for its text)."""
    path = CORPUS / "scans" / "pypdf_Seige_of_Vicksburg_Sample_OCR.pdf"
    if not path.exists():
        pytest.skip("the shared corpus is not available")
    doc = pymupdf.open(path)
    images = [x for x in range(1, doc.xref_length())
              if doc.xref_get_key(x, "Subtype") == ("name", "/Image")]
    assert images and pymupdf.Pixmap(doc, images[0]).width > 1
    importer._blank_images(doc)
    for xref in images:
        pixmap = pymupdf.Pixmap(doc, xref)
        assert (pixmap.width, pixmap.height, pixmap.n) == (1, 1, 1)
    assert_same(path.read_bytes())


def test_a_page_whose_text_cannot_be_read_but_shows_an_image_is_a_scan(monkeypatch):
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=200)
    page.insert_image(pymupdf.Rect(10, 10, 110, 110),
                      pixmap=pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 8, 8), 0))
    page.insert_text((20, 150), "a caption", fontsize=11)
    data = doc.tobytes()

    def broken(*args):
        raise RuntimeError("bad text")

    monkeypatch.setattr(importer, "_word_boxes", broken)
    source = importer.read_pdf("scan.pdf", data)
    assert source.pages[0].is_scan and source.pages[0].words == []
    assert any("could not be read" in w for w in source.warnings)


def test_text_off_the_page_is_left_out_as_extractText_does():
    """MuPDF's own printer keeps characters off the page; extractText leaves them out.
    The quick path must see it and take the long way."""
    data = _page_with([((250, 50), "inside     and beyond the edge", 11),
                       ((-60, 100), "cut at the left", 11), ((20, 150), "whole line", 11)])
    doc = pymupdf.open(stream=data, filetype="pdf")
    textpage = doc[0].get_textpage()
    found = textpage.extractWORDS()
    assert importer._printed_text(textpage, sum(len(w[4]) for w in found)) is None
    printed = pymupdf.mupdf.fz_new_buffer(256)
    out = pymupdf.mupdf.FzOutput(printed)
    pymupdf.mupdf.fz_print_stext_page_as_text(out, textpage.this)
    out.fz_close_output()
    raw = pymupdf.mupdf.fz_buffer_extract_copy(printed).decode()
    assert raw.replace("\n\n", "\n") != textpage.extractText()  # the check matters
    assert_same(data)


def test_spaces_off_the_page_are_left_out_as_extractText_does():
    """Only spaces cross the edge: the words are whole, but extractText drops the
    spaces beyond the edge and MuPDF's printer does not."""
    data = _page_with([((270, 50), "ab          ", 11), ((20, 100), "x", 11)])
    doc = pymupdf.open(stream=data, filetype="pdf")
    textpage = doc[0].get_textpage()
    found = textpage.extractWORDS()
    assert [w[4] for w in found] == ["ab", "x"]
    assert importer._printed_text(textpage, sum(len(w[4]) for w in found)) is None
    assert_same(data)


def test_quick_path_is_taken_for_a_plain_page():
    data = _page_with([((20, 50), "Paris, 17 June 1927: élan, ﬁn, Größe", 11),
                       ((20, 80), "second  line", 9)])
    doc = pymupdf.open(stream=data, filetype="pdf")
    textpage = doc[0].get_textpage()
    letters = sum(len(w[4]) for w in textpage.extractWORDS())
    assert importer._printed_text(textpage, letters) == textpage.extractText()
    assert_same(data)


_TEXT = st.text(alphabet=st.sampled_from(list("ab  Zé ü\t\xa0ﬁ.,-—’\u200d\\0")), min_size=1,
                max_size=40)
_LINE = st.tuples(st.tuples(st.integers(-80, 360), st.integers(-20, 240)), _TEXT,
                  st.sampled_from([4, 8, 11, 24]), st.sampled_from([0, 0, 90, 180, 270]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, min_size=0, max_size=6), st.sampled_from([0, 90, 180, 270]))
@example([((280, 50), "a        ", 11, 0)], 0)
def test_any_page_is_read_as_by_the_extractors(lines, rotation):
    """Lines anywhere (across the edges too) and in any direction, white space of all
    kinds, ligatures, pages turned: text and words as the extractors give them."""
    assert_same(_page_with(lines, rotation))


_PLAIN = st.text(alphabet=st.sampled_from(list("ab  Zé ü.,-—’fi")), min_size=1, max_size=30)
_INSIDE = st.tuples(st.tuples(st.integers(20, 200), st.integers(30, 180)), _PLAIN,
                    st.sampled_from([4, 8, 11]), st.sampled_from([0, 0, 90, 180, 270]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_INSIDE, min_size=1, max_size=8), st.sampled_from([0, 90, 180, 270]))
def test_pages_within_the_edges_take_the_quick_path_and_match(lines, rotation):
    """Lines well inside the page: the page text comes from MuPDF's printer (the
    quick path; in 366 of 400 such pages tried) and equals extractText's."""
    assert_same(_page_with(lines, rotation))


# Word boxes kept as columns until read (issue 17): the tuples made on first use are
# those the word-by-word reference makes, for any coordinates and any page turn.

_COORD = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)
_ROW = st.tuples(_COORD, _COORD, _COORD, _COORD,
                 st.text(alphabet=st.sampled_from(list("aé\x00ﬁ\ud800-\n")), min_size=1,
                         max_size=4))


@settings(max_examples=200, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=30), st.sampled_from([0, 90, 180, 270]),
       st.tuples(st.floats(1, 5000), st.floats(1, 5000)))
@example([(0.285, 1.005, 2.675, 0.125, "a")], 0, (100.0, 100.0))  # round() disagrees
def test_word_columns_round_as_the_word_by_word_reference(rows, rotation, size):
    """numpy.round (what has been stored since the words went through numpy) and not
    Python's round, which differs on halves: round(2.675, 2) is 2.67, numpy 2.68."""
    page = pymupdf.open().new_page(width=size[0], height=size[1])
    page.set_rotation(rotation)
    turn = page.rotation_matrix if rotation else None
    rows = [(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), word)  # as MuPDF's
            for x0, y0, x1, y1, word in rows]
    found = [(*row, 0, 0, index) for index, row in enumerate(rows)]  # MuPDF's 8 columns
    box, texts = importer.word_columns(found)
    joined = "\n".join(texts)
    words = importer._word_boxes(box, texts, joined, turn)
    a, b, c, d, e, f = page.rotation_matrix
    expected = []
    for x0, y0, x1, y1, word in rows:
        xs = (a * x0 + c * y0 + e, a * x1 + c * y1 + e) if rotation else (x0, x1)
        ys = (b * x0 + d * y0 + f, b * x1 + d * y1 + f) if rotation else (y0, y1)
        expected.append((_round(min(xs)), _round(min(ys)), _round(max(xs)), _round(max(ys)),
                         _clean(word)))
    assert len(words) == len(expected)
    assert words == expected and expected == words
    assert dumps([list(w) for w in words]) == dumps([list(w) for w in expected])


def test_word_boxes_read_as_a_list():
    source = importer.read_pdf("t.pdf", _page_with([((20, 50), "one two three", 11)]))
    words = source.pages[0].words
    assert isinstance(words, importer.WordBoxes) and words._words is None  # not made yet
    assert len(words) == 3 and words and words[1][4] == "two" and words[-1][4] == "three"
    assert [w[4] for w in words[:2]] == ["one", "two"]
    assert words == list(words) and list(words) == words and words != []
    assert words._words is not None and words._box is None  # made once, then kept
    assert words.index(words[2]) == 2 and words[0] in words
    import pickle

    again = pickle.loads(pickle.dumps(words))  # a worker's result: the plain list
    assert type(again) is list and again == words
    with pytest.raises(TypeError):
        hash(words)


def test_the_project_stores_the_words_and_text_of_the_reference(tmp_path):
    """What a project stores (pages.words as JSON, pages.text) from the columns is
    what the word-by-word reference gives, turned page and cleaned words included."""
    from annotator.core.project import Project

    lines = [((20, 50), "Paris, 17 June 1927: élan, ﬁn", 11), ((30, 90), "turned", 9, 90),
             ((20, 150), "a\x00b second  line", 11)]
    path = tmp_path / "letter.pdf"
    path.write_bytes(_page_with(lines, rotation=90))
    expected = reference(path.read_bytes())
    with Project.create(tmp_path / "p.annot", "P", author="T") as project:
        doc = project.documents.import_file(path).value.document
        stored = project.conn.execute(
            "SELECT text, words FROM pages WHERE document_id = ? ORDER BY number",
            (doc.id,)).fetchall()
    assert [(text, words) for text, words in stored] == [
        (text, dumps([list(w) for w in words])) for text, words, _ in expected]
    assert any(words != "[]" for _, words in stored)


def test_a_page_loaded_before_the_images_are_blanked_runs_them_blanked():
    """The layout pass loads each page once and keeps it for its text: the text run
    of a page loaded before blanking must meet the blanked images too."""
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=200)
    page.insert_image(pymupdf.Rect(10, 10, 110, 110),
                      pixmap=pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 64, 48), 0))
    doc = pymupdf.open(stream=doc.tobytes(), filetype="pdf")
    loaded = doc.load_page(0)
    assert [(i["width"], i["height"]) for i in loaded.get_image_info()] == [(64, 48)]
    importer._blank_images(doc)
    assert {(i["width"], i["height"]) for i in loaded.get_image_info()} == {(1, 1)}
