"""Opening a paged document shows page 1 without reading any page's words: reading
the text layer of every page cost 0.45-0.7 s for 300 pages of text before page 1
could be painted (issue 17). A page's words are read when a selection first needs
them, once."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("pymupdf")

from PySide6.QtCore import Qt

from annotator.core.project import Project
from annotator.gui.scan_view import ScanView
from tests.gui.test_scan_view import LINES, drag_on_page, make_pdf

pytestmark = pytest.mark.gui


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "scan.annot", author="T")
    yield p
    p.close()


@pytest.fixture
def pdf_doc(project, tmp_path):
    make_pdf(tmp_path / "three.pdf")
    return project.documents.import_file(tmp_path / "three.pdf").value.document


@pytest.fixture
def reads(project, monkeypatch):
    """The document store's page reads: ("pages", with_words) and ("page", number)."""
    store = project.documents
    done = []
    pages, page = store.pages, store.page

    def all_pages(document_id, *, with_words=False):
        done.append(("pages", with_words))
        return pages(document_id, with_words=with_words)

    def one_page(document_id, number):
        done.append(("page", number))
        return page(document_id, number)

    monkeypatch.setattr(store, "pages", all_pages)
    monkeypatch.setattr(store, "page", one_page)
    return done


def test_page_one_shows_without_any_words_read_then_a_page_reads_its_own(
        qtbot, project, pdf_doc, reads):
    view = ScanView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(project, pdf_doc.id)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    assert reads == [("pages", False)]  # fails when every page's words are read

    view.set_mode("region")
    region = drag_on_page(qtbot, view, view.regionDrawn, (60.0, 80.0, 400.0, 110.0))
    assert region.text == LINES[0]  # the words under the region, read for page 1 only
    assert reads[1:] == [("page", 1)]
    view.set_mode("text")
    selected = drag_on_page(qtbot, view, view.textSelected, (75.0, 95.0, 200.0, 120.0))
    assert selected.text.startswith("Alpha")
    assert reads[1:] == [("page", 1)]  # kept: not read again
    view.renderer.stop()


def test_a_shift_drag_on_a_page_without_words_still_draws_a_region(qtbot, project, tmp_path,
                                                                   reads):
    """A page without words (a scan): regions as ever, its empty words read once."""
    import pymupdf

    doc = pymupdf.open()
    doc.new_page(width=595, height=842).draw_rect(pymupdf.Rect(50, 50, 300, 300), fill=(0, 0, 0))
    doc.save(tmp_path / "blank.pdf")
    scan = project.documents.import_file(tmp_path / "blank.pdf").value.document
    view = ScanView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(project, scan.id)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    region = drag_on_page(qtbot, view, view.regionDrawn, (60.0, 80.0, 200.0, 200.0),
                          Qt.KeyboardModifier.ShiftModifier)
    assert region.page == 1 and region.text == ""
    assert reads[-1] == ("page", 1)
    view.renderer.stop()
