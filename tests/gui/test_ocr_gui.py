"""Document ▸ Recognise text… on the real window: the dialog answered, the pages read
off the GUI thread under a progress dialog, the words found in the project file."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core import ocr

PHOTOTEST = Path(__file__).parents[1] / "data" / "ocr" / "tesseract_phototest.tif"

pytestmark = pytest.mark.skipif(
    not ocr.tesseract_program(), reason="Tesseract is not installed (apt-get install "
    "tesseract-ocr tesseract-ocr-eng); CI installs it")


def test_recognise_text_from_the_document_menu(window, qtbot, dialogs, project_path,
                                               monkeypatch) -> None:
    from annotator.core.project import Project
    from annotator.gui.dialogs.recognise import RecogniseDialog

    result = window.model.p.documents.import_file(PHOTOTEST)
    window.model.announce(result.changes)
    doc = result.value.document
    window.open_document(doc.id)
    column = window.desk.pane_of(doc.id).scan._column
    assert column.words(1) == []  # read (none yet) and kept by the open view
    asked = []

    def answer(dialog: RecogniseDialog) -> int:
        asked.append(dialog.choice())
        dialog.set_languages(["eng"])
        return 1

    dialogs.script("run_dialog", answer)
    menu = window.menus.document_menu
    assert menu.title() == "&Document"
    action = next(a for a in menu.actions() if a.text() == "Recognise &text…")
    action.trigger()
    assert asked, "the dialog was not shown"
    assert window.ocr.running  # off the GUI thread: the window goes on
    qtbot.waitUntil(lambda: not window.ocr.running, timeout=30000)
    assert window.ocr.stored == [1]
    assert not dialogs.said("warn")
    shown = window.desk.pane_of(doc.id).scan._column.words(1)
    assert any(w[4] == "quick" for w in shown), "the scan view has the new layer"
    with Project.open(project_path, read_only=True) as p:
        page = p.documents.page(doc.id, 1)
        assert "quick brown dog" in page.text
        assert p.documents.get(doc.id).metadata["text_layers"]["1"]["source"] == "ocr"
    # one undo step takes the whole run back
    window.menus.undo.trigger()
    with Project.open(project_path, read_only=True) as p:
        assert p.documents.page(doc.id, 1).words == []


def test_without_a_scan_it_says_so(window, dialogs) -> None:
    window.ocr.recognise()
    assert dialogs.said("inform") and "Open a scan" in dialogs.said("inform")[0][1]


def test_pointing_at_an_ocr_layer_reads_words_with_line_and_confidence() -> None:
    """OCR words carry seven fields: the word under the pointer is still found (the
    five-field unpacking raised ValueError on them)."""
    from PySide6.QtCore import QPointF

    from annotator.gui.scan_regions import nearest_word

    words = [(10, 10, 40, 20, "|", 0, 12.0), (50, 10, 90, 20, "Warren", 0, 93.0),
             (10, 30, 40, 40, "next", 1, 90.0)]
    assert nearest_word(words, QPointF(60, 15)) == 1
    assert nearest_word(words, QPointF(20, 45)) == 2


def test_cancel_in_the_progress_dialog_keeps_the_page_read(window, qtbot, dialogs,
                                                           project_path, tmp_path,
                                                           monkeypatch) -> None:
    from annotator.core.project import Project
    from tests.test_ocr import two_page_pdf

    result = window.model.p.documents.import_file(two_page_pdf(tmp_path / "two.pdf"))
    window.model.announce(result.changes)
    doc = result.value.document
    window.open_document(doc.id)
    dialogs.script("run_dialog", lambda d: d.set_languages(["eng"]) or 1)
    controller = window.ocr
    store = controller._store

    def store_then_cancel(page) -> None:  # the scholar presses Cancel after page 1
        from PySide6.QtWidgets import QPushButton

        store(page)
        controller.progress.findChild(QPushButton).click()

    monkeypatch.setattr(controller, "_store", store_then_cancel)
    controller.action.trigger()
    qtbot.waitUntil(lambda: not controller.running, timeout=30000)
    assert controller.stored == [1]
    with Project.open(project_path, read_only=True) as p:
        first, second = p.documents.pages(doc.id, with_words=True)
        assert "quick brown" in first.text and second.words == []
