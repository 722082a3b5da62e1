"""The window's controllers, driven as the scholar drives them (menu actions, panel
signals) with the dialog service answering from a script."""

from __future__ import annotations

from tests.gui.conftest import doc_id


def test_open_beside_asks_which_document(window, dialogs):
    rec = doc_id(window, "ussr")
    art = doc_id(window, "france")
    window.open_document(rec)
    title = window.model.document(art).title
    dialogs.script("get_item", title)
    window.menus.beside.trigger()
    assert (window.left.document_id, window.right.document_id) == (rec, art)
    assert dialogs.said("get_item")[0][0] == "Open beside"
    window.menus.beside.trigger()  # cancelled: nothing moves
    assert (window.left.document_id, window.right.document_id) == (rec, art)


def test_linking_a_text_to_its_scan_from_the_navigator_opens_them_together(window, dialogs):
    rec = doc_id(window, "ussr")
    facsimile = doc_id(window, "letter_to_briand_1927_facsimile")
    dialogs.script("get_item", window.model.document(facsimile).title)
    window.documents.linkRequested.emit(rec)
    assert (window.left.document_id, window.right.document_id) == (rec, facsimile)
    assert window.model.undo_stack.undoText() == "Link transcription to its scan"
    window.model.undo_stack.undo()
    assert not window.model.p.documents.links(rec)


def test_finishing_an_edit_says_what_became_of_the_annotations(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    window.desk.activate(window.left)
    window.menus.edit_text.trigger()
    assert window.menus.edit_text.isChecked() and window.left.edit_button.isChecked()
    view = window.left.text_view
    qtbot.keyClicks(view, "Note. ")
    window.left.done_button.click()
    assert not window.menus.edit_text.isChecked() and not view.editing
    assert window.statusBar().currentMessage().startswith("Transcription saved: ")
    assert "annotation(s) in place" in window.statusBar().currentMessage()
    window.desk.activate(window.right)  # the scan: nothing to edit
    window.menus.edit_text.trigger()
    assert not window.menus.edit_text.isChecked() and not window.right.text_view.editing


def test_discarding_an_edit_changes_nothing(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    window.desk.activate(window.left)
    before = window.model.p.documents.text(letter)
    steps = window.model.undo_stack.count()
    window.menus.edit_text.trigger()
    qtbot.keyClicks(window.left.text_view, "Scribble ")
    window.left.cancel_button.click()
    assert window.model.p.documents.text(letter) == before == window.left.text_view.text()
    assert window.model.undo_stack.count() == steps


def test_link_needs_a_selection_in_each_pane_and_changes_nothing_without(window):
    rec = doc_id(window, "ussr")
    art = doc_id(window, "france")
    window.open_document(rec)
    window.open_document(art, beside=True)
    view = window.left.text_view
    start = view.text().index("Kalinin")
    view.select_codepoints(start, start + 7)
    window.right.selected_annotation = None
    count = window.model.p.annotations.count()
    window.menus.link.trigger()
    assert window.model.p.annotations.count() == count  # no half-made link
    assert "in each pane" in window.statusBar().currentMessage()


def test_new_project_from_the_file_menu(window, dialogs, tmp_path):
    dialogs.script("save_file", str(tmp_path / "Second thoughts"))
    window.menus.new_project.trigger()
    assert window.model.p.path == tmp_path / "Second thoughts.annot"
    assert "No documents yet" in window.welcome.text()


def test_the_real_dialog_service_answers_cancel_under_the_test_patches(qtbot):
    from annotator.gui.dialogs.service import Dialogs, with_suffix

    dialogs = Dialogs(None)
    assert dialogs.ask("Question", "Really?") is False
    assert dialogs.save_file("Save", "x.csv", suffix=".csv") == ""
    assert dialogs.get_item("Pick", "One:", ["a", "b"]) is None
    assert with_suffix("notes", ".csv") == "notes.csv" == with_suffix("notes.csv", ".csv")
