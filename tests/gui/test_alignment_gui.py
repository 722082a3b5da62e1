"""A transcription beside its aligned scan (issue 10, part 3): a highlight made in the
text is drawn on the scan as the boxes of its words, and a word clicked on the scan
puts the caret on it in the text."""

from __future__ import annotations

import pymupdf
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.test_word_alignment_store import COMMENTARY, PAGES


@pytest.fixture
def aligned_window(qtbot, tmp_path, dialogs):
    from annotator.core.project import Project
    from annotator.gui.main_window import MainWindow

    pdf = pymupdf.open()
    for body in PAGES:
        page = pdf.new_page(width=400, height=500)
        page.insert_textbox(pymupdf.Rect(40, 40, 360, 460), body, fontsize=11)
    pdf.save(tmp_path / "scan.pdf")
    (tmp_path / "letter.txt").write_text(COMMENTARY + "\n\n" + PAGES[0] + "\n\n" + PAGES[1],
                                         encoding="utf-8")
    path = tmp_path / "aligned.annot"
    with Project.create(path, "Aligned", author="Test Historian") as p:
        scan = p.documents.import_file(tmp_path / "scan.pdf").value.document
        letter = p.documents.import_file(tmp_path / "letter.txt").value.document
        p.documents.link(letter.id, scan.id)
    win = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(path)
    win.open_document(letter.id)
    qtbot.waitUntil(lambda: win.right.document_id == scan.id and win.right.has_scan(),
                    timeout=5000)
    yield win, letter.id, scan.id
    win.close()


def test_a_highlight_in_the_text_is_drawn_on_the_scan(aligned_window, qtbot):
    window, letter, scan_id = aligned_window
    view = window.left.text_view
    text = view.text()
    start = text.index("Azerbaijan, Georgia")
    view.select_codepoints(start, start + len("Azerbaijan, Georgia"))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_2)  # a tag by its key
    p = window.model.p
    ann = next(a for a in p.annotations.for_document(letter) if a.text.start == start)
    scan = window.right.scan
    qtbot.waitUntil(lambda: (ann.id, 2) in scan.text_highlight_items(), timeout=3000)
    item = scan.text_highlight_items()[ann.id, 2]
    words = {w[4].strip(","): w[:4] for w in p.documents.page(scan_id, 2).words}
    drawn = item.path().boundingRect()
    x0 = min(words["Azerbaijan"][0], words["Georgia"][0])
    x1 = max(words["Azerbaijan"][2], words["Georgia"][2])
    assert abs(drawn.left() - x0) < 0.5 and abs(drawn.right() - x1) < 0.5
    assert item.brush().color().name() == window.model.color_for(ann.tag_ids, ann.color)
    # a word of the commentary is on no page of the scan: nothing drawn for it
    view.select_codepoints(0, len("An introduction"))
    qtbot.keyClick(view, Qt.Key.Key_2)
    intro = next(a for a in p.annotations.for_document(letter) if a.text.start == 0)
    qtbot.wait(50)
    assert not any(key[0] == intro.id for key in scan.text_highlight_items())


def test_a_word_clicked_on_the_scan_puts_the_caret_on_it(aligned_window, qtbot):
    window, letter, scan_id = aligned_window
    scan = window.right.scan
    scan.go_to_page(2)
    qtbot.wait(100)
    word = next(w for w in window.model.p.documents.page(scan_id, 2).words
                if w[4].startswith("Caucasus"))
    point = scan.page_to_viewport(2, (word[0] + word[2]) / 2, (word[1] + word[3]) / 2)
    qtbot.mouseClick(scan.graphics_view().viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(round(point.x()), round(point.y())))
    view = window.left.text_view
    qtbot.waitUntil(lambda: view.selection() is not None, timeout=3000)
    start, end = view.selection()
    assert view.text()[start:end] == "Caucasus"
