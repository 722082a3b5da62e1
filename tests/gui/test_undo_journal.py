"""Edit ▸ Undo is the change journal's, driven as a person drives the workbench: tag a
passage with its key, type a note in the inspector, rename a tag in the codebook (F2),
merge two records of one man on the entity page; each taken back with Ctrl+Z and done
again with Edit ▸ Redo (its key: test_ctrl_shift_z_redoes). What counts is what the
project file holds (read afresh, read-only, beside the open window), and that
``annotator undo`` on the closed file takes back the same change the window made.

An exception in a slot fails the test (pytest-qt captures them)."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from tests.gui.conftest import doc_id

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def project_path(built_project, tmp_path):
    """The sample project, where a second record, "Eduard Errio", names the man the
    sample calls Édouard Herriot (as the Russian sources spell him)."""
    from annotator.core.project import Project

    target = tmp_path / "work.annot"
    shutil.copyfile(built_project, target)
    with Project.open(target, author="Sample Historian") as p:
        errio = p.entities.create("Eduard Errio", p.tags.find("Person").id,
                                  identifiers={"viaf": "12345"}).value
        mention = next(a for a in p.annotations.list() if a.quote == "Eduard Errio")
        p.annotations.update(mention.id, entity_id=errio.id)
    return target


def saved(path):
    """The project file as another reader sees it now."""
    from annotator.core.project import Project

    return Project.open(path, read_only=True)


def undo(window) -> None:
    """Ctrl+Z where a reader's hands are: in the text, not in a field that has its own."""
    window.left.text_view.setFocus()
    QTest.keyClick(window.left.text_view, Qt.Key.Key_Z, CTRL)


def redo(window) -> None:
    """Edit ▸ Redo (see test_ctrl_shift_z_redoes for its key)."""
    window.menus.redo.trigger()


def open_letter(window) -> str:
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    return letter


def click_span(view, start: int) -> None:
    """Click inside the highlight that starts at ``start`` (a reader selecting it)."""
    from PySide6.QtGui import QTextCursor

    view.go_to_offset(start, top=True)
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.umap.to_utf16(start) + 2)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cursorRect(cursor).center())


def test_tagging_a_passage_is_undone_and_redone_in_the_file(window, qtbot, project_path):
    letter = open_letter(window)
    view = window.left.text_view
    start = view.text().index("Kellogg–Briand Pact")
    view.select_codepoints(start, start + len("Kellogg–Briand Pact"))
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_5)  # Event
    assert window.model.undo_stack.undoText() == "Tag “Kellogg–Briand Pact” as Event"

    def pacts(path) -> list[str]:
        with saved(path) as p:
            event = p.tags.find("Event").id
            return [a.id for a in p.annotations.for_document(letter)
                    if a.quote == "Kellogg–Briand Pact" and event in a.tag_ids]

    made = pacts(project_path)
    assert len(made) == 1
    undo(window)
    assert pacts(project_path) == []
    redo(window)
    assert pacts(project_path) == made  # the same annotation, same id
    assert window.menus.undo.isEnabled()


def test_a_note_typed_in_the_inspector_is_one_step(window, qtbot, project_path):
    letter = open_letter(window)
    georgia = next(a for a in window.model.p.annotations.for_document(letter)
                   if a.quote == "Georgia")
    click_span(window.left.text_view, georgia.text.start)
    inspector = window.inspector
    qtbot.waitUntil(lambda: inspector.annotation is not None
                    and inspector.annotation.id == georgia.id, timeout=3000)

    def note(path) -> str:
        with saved(path) as p:
            return p.annotations.get(georgia.id).note

    inspector.note.setFocus()
    QTest.keyClicks(inspector.note, "The Democratic Republic")
    qtbot.waitUntil(lambda: note(project_path) == "The Democratic Republic", timeout=3000)
    QTest.keyClicks(inspector.note, " of Georgia.")  # saved again as she types on
    qtbot.waitUntil(lambda: note(project_path) == "The Democratic Republic of Georgia.",
                    timeout=3000)
    assert window.model.undo_stack.undoText() == "Edit note"
    undo(window)  # the focus leaves the note: nothing more to save
    assert note(project_path) == ""  # both saves, one step
    assert inspector.note.toPlainText() == ""
    redo(window)
    assert note(project_path) == "The Democratic Republic of Georgia."


def test_a_tag_renamed_in_the_codebook_with_f2(window, qtbot, project_path):
    open_letter(window)
    tree = window.codebook.tree
    person = window.model.p.tags.find("Person")
    tree.setFocus()
    tree.setCurrentItem(window.codebook.item_for(person.id))
    QTest.keyClick(tree, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not tree  # the name is open for editing in place
    editor.selectAll()
    QTest.keyClicks(editor, "People")
    QTest.keyClick(editor, Qt.Key.Key_Return)

    def name(path) -> str:
        with saved(path) as p:
            return p.tags.get(person.id).name

    qtbot.waitUntil(lambda: name(project_path) == "People", timeout=3000)
    assert window.model.undo_stack.undoText() == "Rename tag “Person” to “People”"
    undo(window)
    assert name(project_path) == "Person"
    assert window.codebook.item_for(person.id).text(0) == "Person"
    redo(window)
    assert name(project_path) == "People"


def test_two_records_merged_on_the_entity_page(window, qtbot, project_path):
    open_letter(window)
    p = window.model.p
    herriot, errio = p.entities.find("Édouard Herriot"), p.entities.find("Eduard Errio")
    mention = next(a for a in p.annotations.list() if a.quote == "Eduard Errio")
    # the Entities tab, then a double-click on the record: its page opens
    window.docks["entities"].raise_()
    entities = window.entities.tree
    qtbot.waitUntil(entities.isVisible, timeout=3000)
    item = next(entities.topLevelItem(i) for i in range(entities.topLevelItemCount())
                if entities.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == herriot.id)
    entities.scrollToItem(item)
    rect = entities.visualItemRect(item)
    for gesture in (QTest.mouseClick, QTest.mouseDClick):  # press, release, double-click
        gesture(entities.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    page = window.research["entity"]
    qtbot.waitUntil(lambda: page.entity_id == herriot.id, timeout=3000)
    page.merge_from.setCurrentIndex(page.merge_from.findData(errio.id))
    button = next(b for b in page.findChildren(QPushButton) if b.text() == "Merge")
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def state(path) -> tuple:
        with saved(path) as f:
            target = f.entities.get(herriot.id)
            return (f.entities.get(errio.id).deleted, f.annotations.get(mention.id).entity_id,
                    target.aliases, target.identifiers)

    merged = state(project_path)
    assert merged == (True, herriot.id, herriot.aliases,  # its spellings were known already
                      {**herriot.identifiers, "viaf": "12345"})
    assert window.model.undo_stack.undoText() == "Merge “Eduard Errio” into “Édouard Herriot”"
    undo(window)  # one step: the record, its mention, the identifier
    assert state(project_path) == (False, errio.id, herriot.aliases, herriot.identifiers)
    redo(window)
    assert state(project_path) == merged


def test_the_command_line_undoes_what_the_window_did(window, qtbot, project_path, capsys):
    from annotator.cli import main

    open_letter(window)
    person = window.model.p.tags.find("Person")
    window.codebook.tree.setCurrentItem(window.codebook.item_for(person.id))
    window.codebook.item_for(person.id).setText(0, "People")  # an in-place edit
    window.model.close()  # the scholar closes the project
    with saved(project_path) as p:
        assert p.tags.get(person.id).name == "People"
        assert p.history(limit=1)[0].label == "Rename tag “Person” to “People”"
    assert main(["undo", str(project_path)]) == 0
    assert "undid “Rename tag “Person” to “People”” by Test Historian" in capsys.readouterr().out
    with saved(project_path) as p:
        assert p.tags.get(person.id).name == "Person"
        assert p.history(limit=1)[0].state == "undone"


def test_ctrl_shift_z_redoes(window, qtbot, project_path):
    open_letter(window)
    person = window.model.p.tags.find("Person")
    window.codebook.item_for(person.id).setText(0, "People")
    undo(window)
    with saved(project_path) as p:
        assert p.tags.get(person.id).name == "Person"
    window.left.text_view.setFocus()
    QTest.keyClick(window.left.text_view, Qt.Key.Key_Z, CTRL | SHIFT)
    with saved(project_path) as p:
        assert p.tags.get(person.id).name == "People"


def test_the_inspector_shows_the_history_of_the_annotation(window, qtbot):
    open_letter(window)
    p = window.model.p
    letter = next(d.id for d in p.documents.list() if d.title.startswith("Letter to Aristide"))
    ann = next(a for a in p.annotations.for_document(letter) if a.quote == "Azerbaijan")
    window.selected.show(ann.id)
    window.model.do("Edit note", p.annotations.update, ann.id, note="a republic in exile")
    window.inspector.refresh()
    history = window.inspector.history

    def lines() -> list[str]:
        return [history.item(i).text() for i in range(history.count())]

    # read off the GUI thread (a million passages: seconds), shown when read
    qtbot.waitUntil(lambda: lines()[0].startswith("Edit note — Test Historian"))
    undo(window)
    window.inspector.show_annotation(ann.id)
    qtbot.waitUntil(lambda: lines()[0].startswith("Edit note (undone) — Test Historian"))
