"""The agreement view, opened from the File menu: two annotators side by side, and
curation by a button, judged by reading the project file; undo takes it back."""

from __future__ import annotations

from annotator.core.project import Project

TEXT = "Herbette met Chicherin in Moscow; Briand waited in Paris for the news.\n"


def test_agreement_view_curates_and_undo(qtbot, tmp_path, dialogs):
    from annotator.gui.main_window import MainWindow

    source = tmp_path / "letter.txt"
    source.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "team.annot"
    with Project.create(path, author="Ada") as p:
        doc = p.documents.import_file(source).value.document
        place = p.tags.find("Place")
        at = TEXT.index("in Paris")
        ada = p.annotations.add(doc.id, start=at, end=at + 8, tag_ids=[place.id]).value
        p.set_author("Ben")
        ben = p.annotations.add(doc.id, start=at + 3, end=at + 8, tag_ids=[place.id]).value
    win = MainWindow(author="Ada", dialogs=dialogs)
    qtbot.addWidget(win)
    win.show()
    assert win.open_project(path)
    action = next(a for a in win.menus.file_menu.actions() if "greement" in a.text())
    action.trigger()
    view = win.menus.agreement_dialog
    view.author_a.setCurrentIndex(view.author_a.findText("Ada"))
    view.author_b.setCurrentIndex(view.author_b.findText("Ben"))
    view.tag.setCurrentIndex(view.tag.findText("Place"))
    assert "alpha" in view.summary.text() or "Krippendorff" in view.summary.text()
    assert view.passages.count() == 1 and "spans differ" in view.passages.item(0).text()
    assert "#ffd6a5" in view.left.toHtml() or "ffd6a5" in view.left.toHtml().lower()
    view.passages.setCurrentRow(0)
    assert view.adopt_left.isEnabled()
    view.adopt_left.click()
    with Project.open(path, read_only=True) as p:
        assert p.annotations.get(ben.id).text.start == ada.text.start
    assert "agree" in view.passages.item(0).text()  # redrawn from the change signal
    win.menus.undo.trigger()
    with Project.open(path, read_only=True) as p:
        assert p.annotations.get(ben.id).text.start == ben.text.start
    view.close()
    win.close()
