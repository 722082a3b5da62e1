"""Tagging by keyboard: select a passage, press a tag's key; undo and redo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCursor

from tests.gui.conftest import doc_id


def select_quote(view, quote: str) -> tuple[int, int]:
    """Select the first occurrence of ``quote`` as a reader would (cursor gesture), and
    return its code-point span."""
    start = view.text().index(quote)
    end = start + len(quote)
    view.select_codepoints(start, end)
    return start, end


def test_shortcut_tags_selection_and_undo_redo_keep_the_id(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    start, end = select_quote(view, "Franco-Soviet treaty of mutual assistance")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_5)  # Event
    p = window.model.p
    event = p.tags.find("Event")
    anns = [a for a in p.annotations.for_document(letter) if event.id in a.tag_ids]
    assert len(anns) == 1
    ann = anns[0]
    assert (ann.text.start, ann.text.end) == (start, end)
    assert ann.text.exact == "Franco-Soviet treaty of mutual assistance"
    assert window.inspector.annotation is not None and window.inspector.annotation.id == ann.id
    assert window.model.undo_stack.undoText().startswith("Tag “Franco-Soviet")

    # drawn: the layer painted it, and the pixels under the passage carry the tag colour
    view.go_to_offset(start, top=True)
    view.viewport().repaint()
    assert ann.id in view.layer.painted
    rect = view.cursorRect(view.textCursor())
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.umap.to_utf16(start) + 3)
    r = view.cursorRect(cursor)
    image = view.viewport().grab().toImage()
    pixel = image.pixelColor(r.center().x(), r.bottom() - 3)
    plain = image.pixelColor(5, 5)
    assert pixel != plain and rect.isValid()
    assert abs(pixel.hue() - QColor(event.color).hue()) < 25 or pixel.hue() == -1

    window.model.undo_stack.undo()  # the journal takes the new row back out
    gone = p.annotations.get(ann.id)
    assert gone is None or gone.deleted
    assert not [a for a in p.annotations.for_document(letter) if event.id in a.tag_ids]
    view.viewport().repaint()
    assert ann.id not in view.layer.painted

    window.model.undo_stack.redo()
    again = [a for a in p.annotations.for_document(letter) if event.id in a.tag_ids]
    assert [a.id for a in again] == [ann.id]
    view.viewport().repaint()
    assert ann.id in view.layer.painted


def test_offsets_are_code_points_with_text_beyond_the_bmp(qtbot, tmp_path):
    from annotator.core.project import Project
    from annotator.gui.main_window import MainWindow

    text = ("Gothic 𐌰𐌱𐌲 and flags 🇺🇦🇫🇷 and a face 😀 before\n"
            "the line: Mr. Aristide Briand, Paris 🏛 1927 — the end 𝔘.")
    src = tmp_path / "astral.txt"
    src.write_text(text, encoding="utf-8")
    path = tmp_path / "astral.annot"
    p = Project.create(path, "Astral", author="T")
    doc = p.documents.import_file(src).value.document
    p.close()
    win = MainWindow(author="Test Historian")
    qtbot.addWidget(win)
    win.show()
    assert win.open_project(path)
    win.open_document(doc.id)
    view = win.left.text_view
    stored = win.model.p.documents.text(doc.id)
    for quote, key in (("Aristide Briand", Qt.Key.Key_1), ("Paris 🏛 1927", Qt.Key.Key_2),
                       ("end 𝔘", Qt.Key.Key_4)):
        start = stored.index(quote)
        # select with the mouse: press at the start, shift-click at the end
        view.select_codepoints(start, start + len(quote))
        assert view.textCursor().selectedText() == quote
        view.setFocus()
        qtbot.keyClick(view, key)
        ann = win.inspector.annotation
        assert ann is not None
        assert (ann.text.start, ann.text.end) == (start, start + len(quote))
        assert stored[ann.text.start:ann.text.end] == quote == ann.text.exact
    # and back: the highlight of "end 𝔘" covers the right UTF-16 units
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.umap.to_utf16(stored.index("end 𝔘")))
    cursor.setPosition(view.umap.to_utf16(len(stored) - 1), QTextCursor.MoveMode.KeepAnchor)
    assert cursor.selectedText() == "end 𝔘"
    win.close()


def test_key_on_selected_annotation_toggles_its_tag(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    p = window.model.p
    briand = next(a for a in p.annotations.for_document(letter) if a.quote == "Aristide Briand")
    window.selected.show(briand.id)
    theme = p.tags.find("Émigré politics")
    window.left.text_view.setFocus()
    qtbot.keyClick(window.left.text_view, Qt.Key.Key_8)
    assert theme.id in p.annotations.get(briand.id).tag_ids
    qtbot.keyClick(window.left.text_view, Qt.Key.Key_8)
    assert theme.id not in p.annotations.get(briand.id).tag_ids
    window.model.undo_stack.undo()
    assert theme.id in p.annotations.get(briand.id).tag_ids


def test_same_passage_again_adds_the_tag_to_the_existing_annotation(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    before = len(window.model.p.annotations.for_document(letter))
    select_quote(view, "Azerbaijan")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_8)
    anns = window.model.p.annotations.for_document(letter)
    assert len(anns) == before
    az = next(a for a in anns if a.quote == "Azerbaijan")
    assert len(az.tag_ids) == 2


def test_type_to_find_a_tag(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    start, end = select_quote(view, "Locarno")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.NoModifier)  # "c"
    assert window.finder.isVisible()
    qtbot.keyClicks(window.finder.edit, "ollective")
    qtbot.keyClick(window.finder.edit, Qt.Key.Key_Return)
    ann = window.inspector.annotation
    assert ann is not None and (ann.text.start, ann.text.end) == (start, end)
    assert window.model.tag_path(ann.tag_ids[0]) == "Collective security"


def test_sticky_tag_tags_each_new_selection(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    window.codebook.set_current_tag(window.model.p.tags.find("Imperial debt").id)
    window.menus.sticky.trigger()
    assert "Imperial debt" in window.status_sticky.text()
    view = window.left.text_view
    view.go_to_offset(view.text().index("Russian Empire"))
    qtbot.wait(20)
    # a real mouse drag over the words
    from PySide6.QtTest import QTest

    start = view.text().index("Russian Empire")
    c = QTextCursor(view.document())
    c.setPosition(view.umap.to_utf16(start))
    a = view.cursorRect(c).center()
    c.setPosition(view.umap.to_utf16(start + len("Russian Empire")))
    b = view.cursorRect(c).center()
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(view.viewport(), b)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, b)
    ann = window.inspector.annotation
    assert ann is not None and ann.quote == "Russian Empire"
    assert window.model.tag_path(ann.tag_ids[0]) == "Imperial debt"


def test_click_on_highlight_selects_it_in_table_and_inspector(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    window.annotations.scope.setCurrentIndex(0)
    window.annotations.refilter()
    qtbot.waitUntil(lambda: not window.annotations.table.loading, timeout=5000)
    view = window.left.text_view
    p = window.model.p
    league = next(a for a in p.annotations.for_document(letter) if a.quote == "League of Nations")
    view.go_to_offset(league.text.start)
    view.viewport().repaint()
    c = QTextCursor(view.document())
    c.setPosition(view.umap.to_utf16(league.text.start + 3))
    point = view.cursorRect(c).center()
    from PySide6.QtTest import QTest

    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     point)
    assert window.selected.id == league.id
    assert window.inspector.annotation.id == league.id
    rows = window.annotations.view.selectionModel().selectedRows()
    assert rows and rows[0].data(Qt.ItemDataRole.UserRole) == league.id
    assert "Organisation" in view.tooltip_for(view.spans_at(point))


def test_delete_annotation_and_undo_restores_same_id(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    p = window.model.p
    georgia = next(a for a in p.annotations.for_document(letter) if a.quote == "Georgia")
    window.selected.show(georgia.id)
    window.menus.delete.trigger()
    assert p.annotations.get(georgia.id).deleted
    assert window.model.undo_stack.undoText().startswith("Delete annotation")
    window.model.undo_stack.undo()
    back = p.annotations.get(georgia.id)
    assert not back.deleted and back.tag_ids == georgia.tag_ids and back.text == georgia.text


def test_tagging_a_date_normalises_it(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    select_quote(view, "17 June 1927")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_4)  # Date
    ann = window.inspector.annotation
    assert ann.quote == "17 June 1927" and ann.date_value == "1927-06-17"
    assert window.inspector.date.text() == "1927-06-17"


def test_the_documents_panel_counts_the_tagged_document_again_and_only_it(window, qtbot,
                                                                           monkeypatch):
    """An edit recounts the documents it touched (at 1M, counting every document on the
    GUI thread after each edit took 0.36 s); undo gives the count back."""
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    panel = window.documents
    column = panel.docs.columnCount() - 4  # Annot.
    row = next(r for r, d in enumerate(panel.docs.docs) if d.id == letter)
    before = panel.docs.index(row, column).data()
    asked: list = []
    real = window.model.p.documents.annotation_counts
    monkeypatch.setattr(window.model.p.documents, "annotation_counts",
                        lambda ids=None: asked.append(None if ids is None else set(ids))
                        or real(ids))
    view = window.left.text_view
    select_quote(view, "Franco-Soviet treaty of mutual assistance")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_5)
    assert panel.docs.index(row, column).data() == before + 1
    assert asked == [{letter}]  # this document only, at once
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.docs.index(row, column).data() == before)
    qtbot.wait(300)  # nothing else recounted every document behind it
    assert None not in asked
