"""File menu exchange actions: export, merge a colleague's project (undoable), restore
a backup (from the menu, and offered when a damaged project is opened)."""

from __future__ import annotations

import shutil

from tests.gui.conftest import doc_id


def menu_action(window, text: str):
    menus = [window.menuBar().actions()[0].menu()]
    while menus:
        menu = menus.pop()
        for action in menu.actions():
            if action.menu() is not None:
                menus.append(action.menu())
            elif action.text() == text:
                return action
    raise AssertionError(f"no menu entry {text!r}")


def test_file_menu_lists_every_export_format(window):
    from annotator.core.exporters import FORMATS

    assert set(window.menus.export_actions) == set(FORMATS)
    for text in ("CSV…", "TEI…", "REFI-QDA (.qdpx)…", "Quotation report (Markdown)…",
                 "Merge a colleague's project…", "Restore from backup…"):
        assert menu_action(window, text.replace("Merge", "&Merge").replace("Restore from b",
                                                                          "Restore from &b"))


def test_export_csv_from_the_menu_writes_the_file(window, qtbot, tmp_path, dialogs):
    out = tmp_path / "out" / "annotations"
    out.parent.mkdir()
    dialogs.script("save_file", str(out))
    menu_action(window, "CSV…").trigger()
    written = out.with_suffix(".csv")
    assert written.exists()
    assert "League of Nations" in written.read_text(encoding="utf-8-sig")
    assert str(written) in window.statusBar().currentMessage()


def test_export_failure_is_reported_in_a_message_box(window, qtbot, tmp_path, dialogs):
    dialogs.script("save_file", str(tmp_path / "missing" / "folder" / "x.csv"))
    window.menus.export_actions["csv"].trigger()
    warned = dialogs.said("warn")
    assert warned and warned[0][0] == "Export failed"


def test_merge_from_the_menu_adds_undoes_and_redoes(window, qtbot, built_project, tmp_path,
                                                    dialogs):
    from annotator.core.project import Project

    other = tmp_path / "colleague.annot"
    shutil.copyfile(built_project, other)
    letter = doc_id(window, "Letter to Aristide")
    with Project.open(other, author="A Colleague") as theirs:
        start, end = theirs.annotations.locate(letter, "Locarno")
        theirs.annotations.add(letter, start=start, end=end,
                               tag_ids=[theirs.tags.find("Place").id])
    dialogs.script("open_file", str(other))
    seen = []
    window.model.changed.connect(lambda changes: seen.append(changes))
    p = window.model.p

    def quotes() -> list[str]:
        return [a.quote for a in p.annotations.for_document(letter)]

    assert "Locarno" not in quotes()
    menu_action(window, "&Merge a colleague's project…").trigger()
    assert "Locarno" in quotes()
    assert seen and seen[-1].annotations
    assert window.model.undo_stack.undoText() == "Merge colleague"
    report = dialogs.said("report")[-1][1]
    assert "added" in report and "1 annotations" in report
    window.model.undo_stack.undo()
    assert "Locarno" not in quotes()
    window.model.undo_stack.redo()
    assert quotes().count("Locarno") == 1
    window.model.undo_stack.undo()
    assert "Locarno" not in quotes()


def test_save_a_copy_for_a_colleague(window, qtbot, tmp_path, dialogs):
    target = tmp_path / "for colleague"
    dialogs.script("save_file", str(target))
    menu_action(window, "Save a &copy for a colleague…").trigger()
    assert target.with_suffix(".annot").exists()
    assert "Copy saved" in window.statusBar().currentMessage()


def corrupt(path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for i in range(page * 2, min(len(data), page * 6)):  # smash a few pages
        data[i] = 0xAB
    path.write_bytes(bytes(data))


def test_opening_a_damaged_project_offers_the_newest_backup(qtbot, project_path, dialogs):
    from annotator.core import backups
    from annotator.core.project import Project
    from annotator.gui.main_window import MainWindow

    with Project.open(project_path) as project:
        count = project.annotations.count()
        made = backups.make_backup(project.conn, project_path, "test")
    corrupt(project_path)
    dialogs.script("ask", True)
    win = MainWindow(author="T", dialogs=dialogs)
    qtbot.addWidget(win)
    win.show()
    assert win.open_project(project_path)
    asked = dialogs.said("ask")
    assert asked and "Restore the newest good backup" in asked[0][1]
    assert win.model.p.annotations.count() == count == 6
    assert backups.newest_good(project_path).path.exists() and made.exists()
    kept = list(project_path.parent.glob("work.replaced-*.annot"))
    assert len(kept) == 1 and "kept as" in win.statusBar().currentMessage()
    win.close()


def test_declining_the_backup_opens_nothing(qtbot, project_path, dialogs):
    from annotator.core import backups
    from annotator.core.project import Project
    from annotator.gui.main_window import MainWindow

    with Project.open(project_path) as project:
        backups.make_backup(project.conn, project_path, "test")
    corrupt(project_path)
    win = MainWindow(author="T", dialogs=dialogs)  # unscripted, it answers "No"
    qtbot.addWidget(win)
    win.show()
    assert not win.open_project(project_path)
    assert not win.model.is_open and "damaged" in win.statusBar().currentMessage()
    win.close()


def test_restore_from_backup_dialog_replaces_the_open_project(window, qtbot, dialogs):
    from annotator.core import backups
    from annotator.gui.dialogs.backups import BackupsDialog

    p = window.model.p
    path = p.path
    backups.make_backup(p.conn, path, "before the mistake")
    letter = doc_id(window, "Letter to Aristide")
    georgia = next(a for a in p.annotations.for_document(letter) if a.quote == "Georgia")
    p.annotations.delete(georgia.id)
    shown = []

    def choose(project_path):  # what the scholar sees, and picks the newest
        dialog = BackupsDialog(project_path, window)
        shown.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        dialog.list.setCurrentRow(0)
        return dialog.chosen()

    dialogs.script("choose_backup", choose)
    menu_action(window, "Restore from &backup…").trigger()
    assert shown and "before the mistake" in shown[0][0] and shown[0][0].endswith("B)")
    assert window.model.is_open and window.model.p.path == path
    assert any(a.quote == "Georgia" for a in window.model.p.annotations.for_document(letter))
    assert "kept as" in dialogs.said("report")[-1][1]
    assert list(path.parent.glob("work.replaced-*.annot"))


def test_import_annotations_reports_and_undoes(window, qtbot, built_project, tmp_path,
                                               dialogs):
    from annotator.core.exporters import export
    from annotator.core.project import Project

    other = tmp_path / "colleague.annot"
    shutil.copyfile(built_project, other)
    letter = doc_id(window, "Letter to Aristide")
    jsonld = tmp_path / "theirs.jsonld"
    with Project.open(other, author="A Colleague") as theirs:
        start, end = theirs.annotations.locate(letter, "Locarno")
        theirs.annotations.add(letter, start=start, end=end,
                               tag_ids=[theirs.tags.find("Place").id])
        export(theirs, "w3c", jsonld)
    dialogs.script("open_file", str(jsonld))
    p = window.model.p
    menu_action(window, "Import &annotations (W3C JSON-LD, REFI-QDA)…").trigger()
    report = dialogs.said("report")[-1][1]
    assert "1 annotation(s) imported" in report and "skipped" in report
    locarno = [a for a in p.annotations.for_document(letter) if a.quote == "Locarno"]
    assert len(locarno) == 1
    assert "Undo removes" in report  # only annotations (and an author) were created
    window.model.undo_stack.undo()
    assert not any(a.quote == "Locarno" for a in p.annotations.for_document(letter))
    window.model.undo_stack.redo()
    assert [a.id for a in p.annotations.for_document(letter)
            if a.quote == "Locarno"] == [locarno[0].id]
