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


def _word(p, scan_id, page, text):
    return next(w for w in p.documents.page(scan_id, page).words if w[4].strip(",.") == text)


def _drag(qtbot, scan, page, box):
    """Shift+drag a rectangle around ``box`` (page points) on the scan."""
    a = scan.page_to_viewport(page, box[0] - 2, box[1] - 2)
    b = scan.page_to_viewport(page, box[2] + 2, box[3] + 2)
    viewport = scan.graphics_view().viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, shift, QPoint(round(a.x()), round(a.y())))
    qtbot.mouseMove(viewport, QPoint(round(b.x()), round(b.y())))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift,
                       QPoint(round(b.x()), round(b.y())))


def test_a_region_shows_its_passage_and_becomes_a_text_annotation(aligned_window, qtbot):
    window, letter, scan_id = aligned_window
    p = window.model.p
    scan = window.right.scan
    scan.go_to_page(2)
    qtbot.wait(100)
    window.menus.region_text.trigger()  # nothing drawn yet: said, nothing made
    assert "Draw a region" in window.statusBar().currentMessage()
    a, b = _word(p, scan_id, 2, "Azerbaijan"), _word(p, scan_id, 2, "Georgia")
    _drag(qtbot, scan, 2, (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])))
    assert window.right.pending_region is not None
    message = window.statusBar().currentMessage()
    assert "“Azerbaijan, Georgia” in the transcription" in message
    view = window.left.text_view
    text = view.text()
    marks = view.extraSelections()
    assert [(m.cursor.selectionStart(), m.cursor.selectionEnd()) for m in marks] == [
        (text.index("Azerbaijan"), text.index("Georgia") + 7)]  # ASCII: utf16 = code points
    before = p.annotations.count()
    action = window.menus.region_text
    assert action in window.menus.tag_menu.actions()
    action.trigger()
    made = [a for a in p.annotations.for_document(letter) if a.text is not None]
    assert p.annotations.count() == before + 1 and len(made) == 1
    assert made[0].quote == "Azerbaijan, Georgia"
    assert window.selected.id == made[0].id and window.right.pending_region is None
    window.model.undo_stack.undo()  # one step
    assert p.annotations.count() == before


def test_a_selected_region_annotation_says_its_passage_in_the_inspector(aligned_window, qtbot):
    window, letter, scan_id = aligned_window
    p = window.model.p
    from annotator.core.model import RegionSelector

    w = _word(p, scan_id, 1, "Briand")
    region = RegionSelector(1, w[0] - 1, w[1] - 1, w[2] - w[0] + 2, w[3] - w[1] + 2)
    ann = window.model.do("Region", p.annotations.add, scan_id, region=region).value
    window.selected.show(ann.id)
    assert "“Briand”" in window.inspector.where.text()


def test_hovering_a_word_marks_it_on_the_other_side(aligned_window, qtbot):
    window, letter, scan_id = aligned_window
    p = window.model.p
    scan = window.right.scan
    scan.go_to_page(2)
    qtbot.wait(100)
    viewport = scan.graphics_view().viewport()
    view = window.left.text_view
    text = view.text()
    word = _word(p, scan_id, 2, "Caucasus")
    at = scan.page_to_viewport(2, (word[0] + word[2]) / 2, (word[1] + word[3]) / 2)
    qtbot.mouseMove(viewport, QPoint(round(at.x()), round(at.y())))
    qtbot.waitUntil(lambda: bool(view.extraSelections()), timeout=2000)
    marks = view.extraSelections()
    assert text[marks[0].cursor.selectionStart():marks[0].cursor.selectionEnd()] == "Caucasus"
    # the other way: a word of the text hovered is outlined on the scan
    start = text.index("Republics")
    view.go_to_offset(start)
    rect = view.cursorRect()
    qtbot.mouseMove(view.viewport(), rect.center() + QPoint(6, 0))
    layer = scan._text_marks
    qtbot.waitUntil(lambda: layer.hovered is not None, timeout=2000)
    box = _word(p, scan_id, 2, "Republics")
    drawn = layer.hovered.path().boundingRect()
    assert abs(drawn.left() - (box[0] - 1)) < 0.5 and abs(drawn.right() - (box[2] + 1)) < 0.5
    # a word of the commentary has no place on the scan: waved red, said, none drawn
    view.go_to_offset(text.index("introduction"))
    qtbot.mouseMove(view.viewport(), view.cursorRect().center() + QPoint(6, 0))
    qtbot.waitUntil(lambda: layer.hovered is None, timeout=2000)
    assert "“introduction” is not aligned with the scan" in window.statusBar().currentMessage()
    marks = view.extraSelections()
    assert marks[0].format.underlineStyle() == marks[0].format.UnderlineStyle.WaveUnderline


def test_unaligned_scan_words_are_shown_as_such(aligned_window, qtbot):
    window, letter, scan_id = aligned_window
    p = window.model.p
    scan = window.right.scan
    layer = scan._text_marks
    text = p.documents.text(letter)
    # the transcription leaves out a word the scan has: that scan word is not aligned
    window.model.do("Correct", p.documents.set_text, letter, text.replace(" and Ukraine", ""))
    scan.go_to_page(2)
    qtbot.waitUntil(lambda: 2 in layer.unaligned, timeout=2000)
    box = _word(p, scan_id, 2, "Ukraine")
    aligned = window.page_sync.aligned(window.left)
    assert tuple(box[:4]) in aligned.unaligned(2)
    assert layer.unaligned[2].path().elementCount() == 2 * len(aligned.unaligned(2))
    line = layer.unaligned[2].path().boundingRect()
    assert line.left() <= box[0] and line.bottom() >= box[3]
