"""The workbench used the way a person uses it (issue 11): keys pressed on the
focused widget of the real window, menu actions triggered, dialogs answered by the
scripted dialog service; each test judges by reading the project file afresh."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.core.project import Project
from tests.gui.conftest import doc_id


def reread(window):
    """The project file as a fresh reader sees it."""
    return Project.open(window.model.p.path, read_only=True)


# -- item 1: one bar per document ------------------------------------------------------


def test_tags_per_document_one_bar_per_document_with_full_title(window, qtbot):
    facsimile = doc_id(window, "letter_to_briand")
    window.model.do("Rename", window.model.p.documents.update, facsimile,
                    title="Letter to Aristide Briand, 17 June 1927 (facsimile)")
    chart = window.research["charts"].tags
    window.research["charts"].reload()
    with reread(window) as p:
        counted = {a.document_id for a in p.annotations.list() if a.tag_ids}
    axis = chart.chart().axes(Qt.Orientation.Horizontal)[0]
    labels = axis.categories()
    assert len(labels) == len(set(labels)) == len(counted) == len(chart.titles)
    assert all(len(label) <= 30 for label in labels)
    bars = chart.chart().series()[0].barSets()
    person = next(b for b in bars if b.label() == "Person")
    i = chart.titles.index("Letter to Aristide Briand, 17 June 1927 (facsimile)")
    assert person.at(i) == 1  # the region on the facsimile, its own bar
    assert chart.tooltip(i, person).startswith(
        "Letter to Aristide Briand, 17 June 1927 (facsimile)")


def open_letter(window, qtbot):
    """The letter in the left pane, its text view focused."""
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    window.desk.activate(window.left)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    return letter, view


def select_words(view, words: str) -> tuple[int, int]:
    start = view.text().index(words)
    view.select_codepoints(start, start + len(words))
    return start, start + len(words)


def passage(p: Project, document_id: str, start: int, end: int) -> list:
    """The annotations of exactly this passage, as the file holds them."""
    return [a for a in p.annotations.list(document_id=document_id)
            if a.text is not None and (a.text.start, a.text.end) == (start, end)]


# -- item 5: Ctrl+T and Annotate ▸ Find tag… -------------------------------------------


def test_ctrl_t_and_find_tag_menu_open_the_finder_and_tag(window, qtbot):
    letter, view = open_letter(window, qtbot)
    start, end = select_words(view, "moral support")
    QTest.keySequence(view, "Ctrl+T")
    qtbot.waitUntil(window.finder.isVisible, timeout=2000)
    QTest.keyClicks(window.finder.edit, "Recognition")
    QTest.keyClick(window.finder.edit, Qt.Key.Key_Return)
    with reread(window) as p:
        tagged = passage(p, letter, start, end)
        assert [p.tags.get(t).name for t in tagged[0].tag_ids] == ["Recognition"]
    assert not window.finder.isVisible()
    window.menus.find_tag.trigger()  # the menu's way: checked=False must not reach it
    assert window.finder.isVisible() and window.finder.edit.text() == ""
    QTest.keyClick(window.finder.edit, Qt.Key.Key_Escape)


# -- item 3: the inspector stays on the annotation being edited --------------------------


def table_rows_loaded(window, qtbot, n: int) -> None:
    table = window.annotations.table
    qtbot.waitUntil(lambda: not table.loading and table.rowCount() == n, timeout=5000)


def test_unlinking_the_filtered_entity_keeps_the_inspector_on_that_annotation(
        window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    briand = window.model.p.entities.find("Aristide Briand")
    window.show_entity(briand.id)  # what a double-click in Entities does
    panel = window.annotations
    qtbot.waitUntil(lambda: panel.entity_id == briand.id, timeout=2000)
    table_rows_loaded(window, qtbot, 2)  # the passage in the letter, the facsimile's region
    row = next(r for r in range(2) if panel.table.rows[r][1] == letter)
    chosen = panel.table.index(row, 1).data(Qt.ItemDataRole.UserRole)
    view = panel.view
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(panel.table.index(row, 1)).center())
    assert window.inspector.annotation.id == chosen
    QTest.mouseClick(window.inspector.unlink_entity, Qt.MouseButton.LeftButton)
    table_rows_loaded(window, qtbot, 1)  # the row left the filter …
    assert window.inspector.annotation.id == chosen  # … the inspector did not
    assert window.selected.id == chosen
    assert not view.selectionModel().hasSelection()
    window.inspector.note.setFocus()
    QTest.keyClick(window.inspector.note, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(window.inspector.note, " Unlinked.")
    window.inspector._commit_note()
    with reread(window) as p:
        assert p.annotations.get(chosen).entity_id is None
        assert p.annotations.get(chosen).note == "Addressee. Unlinked."
        region = next(a for a in p.annotations.list() if a.region is not None)
        assert region.note == "" and region.entity_id == briand.id


# -- item 4: Ctrl+L links what was selected last -----------------------------------------


def scan_of(window, qtbot):
    """The facsimile beside the letter, its first page drawn."""
    letter, view = open_letter(window, qtbot)
    scan = window.right.scan
    qtbot.waitUntil(lambda: scan.is_page_sharp(1), timeout=10000)
    return letter, view, scan


def on_page(scan, x: float, y: float):
    return scan.page_to_viewport(1, x, y).toPoint()


def test_ctrl_l_links_the_region_drawn_last_not_the_one_clicked_before(window, qtbot):
    letter, view, scan = scan_of(window, qtbot)
    facsimile = window.right.document_id
    with reread(window) as p:
        old_region = next(a for a in p.annotations.list(document_id=facsimile))
        links_before = {link.id for link in p.links.for_annotation(old_region.id)}
    viewport = scan.graphics_view().viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=on_page(scan, 200, 95))
    assert window.selected.id == old_region.id  # an existing region clicked
    view.setFocus()
    start, end = select_words(view, "moral support")
    shift = Qt.KeyboardModifier.ShiftModifier
    a, b = on_page(scan, 80, 300), on_page(scan, 400, 360)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, shift, a)
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, b)
    assert window.right.pending_region is not None
    QTest.keySequence(view, "Ctrl+L")
    with reread(window) as p:
        assert {link.id for link in p.links.for_annotation(old_region.id)} == links_before
        new_region = next(a for a in p.annotations.list(document_id=facsimile)
                          if a.id != old_region.id)
        assert abs(new_region.region.y - 300) <= 2
        passage_ids = {x.id for x in passage(p, letter, start, end)}
        (link,) = p.links.for_annotation(new_region.id)
        assert {link.source_id, link.target_id} == passage_ids | {new_region.id}
    assert scan._regions.selection_item is None  # the dashed outline went with the save
    assert window.right.pending_region is None


def test_click_on_bare_scan_clears_the_selection_and_escape_a_drawn_region(window, qtbot):
    _letter, _view, scan = scan_of(window, qtbot)
    viewport = scan.graphics_view().viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=on_page(scan, 200, 95))
    assert window.selected.id is not None
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=on_page(scan, 300, 700))
    assert window.selected.id is None and window.inspector.annotation is None
    shift = Qt.KeyboardModifier.ShiftModifier
    a, b = on_page(scan, 80, 300), on_page(scan, 400, 360)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, shift, a)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, b)
    assert window.right.pending_region is not None
    scan.graphics_view().setFocus()
    QTest.keyClick(scan.graphics_view(), Qt.Key.Key_Escape)
    assert window.right.pending_region is None and scan._regions.selection_item is None
    QTest.keySequence(scan.graphics_view(), "6")  # a tag key now has nothing to tag
    with reread(window) as p:
        assert len(p.annotations.list(document_id=window.right.document_id)) == 1


# -- item 7: Ctrl+Z from an inspector field ------------------------------------------------


def select_annotation_of(window, qtbot, quote: str) -> str:
    """Click the highlight of ``quote`` in the letter: its id."""
    _letter, view = open_letter(window, qtbot)
    start = view.text().index(quote)
    view.go_to_offset(start, top=False)
    cursor = view.textCursor()
    cursor.setPosition(view.umap.to_utf16(start + 2))
    rect = view.cursorRect(cursor)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected.id is not None
    return window.selected.id


def test_ctrl_z_in_an_inspector_field_undoes_the_project_step(window, qtbot):
    chosen = select_annotation_of(window, qtbot, "Azerbaijan")
    inspector = window.inspector
    assert inspector.annotation.id == chosen
    inspector.date.setFocus()
    QTest.keyClicks(inspector.date, "1927-06")
    QTest.keyClick(inspector.date, Qt.Key.Key_Return)
    with reread(window) as p:
        assert p.annotations.get(chosen).date_value == "1927-06"
    assert inspector.date.hasFocus()
    QTest.keySequence(inspector.date, "Ctrl+Z")
    with reread(window) as p:
        assert p.annotations.get(chosen).date_value == ""
    assert inspector.date.text() == ""  # and leaving the field does not save it again
    QTest.keySequence(inspector.date, "Ctrl+Shift+Z")
    with reread(window) as p:
        assert p.annotations.get(chosen).date_value == "1927-06"
    # typing a note, then Ctrl+Z at once: what was typed is saved, then undone
    inspector.note.setFocus()
    QTest.keyClicks(inspector.note, "Oil")
    QTest.keySequence(inspector.note, "Ctrl+Z")
    with reread(window) as p:
        assert p.annotations.get(chosen).note == ""
        assert p.annotations.get(chosen).date_value == "1927-06"
    assert inspector.note.toPlainText() == ""
    QTest.keySequence(inspector.note, "Ctrl+Y" if window.menus.redo.shortcuts()[0]
                      .toString() == "Ctrl+Y" else "Ctrl+Shift+Z")
    with reread(window) as p:
        assert p.annotations.get(chosen).note == "Oil"


# -- item 8: Enter on a partial name in "Add tag…" ---------------------------------------


def test_enter_on_a_partial_tag_name_adds_the_best_match_or_says_none_does(window, qtbot):
    chosen = select_annotation_of(window, qtbot, "Azerbaijan")
    field = window.inspector.add_tag.lineEdit()
    field.setFocus()
    QTest.keyClicks(field, "recog")
    QTest.keyClick(field, Qt.Key.Key_Return)
    with reread(window) as p:
        names = sorted(p.tags.get(t).name for t in p.annotations.get(chosen).tag_ids)
    assert names == ["Place", "Recognition"]
    messages = []
    window.model.failed.connect(messages.append)
    field.setFocus()
    QTest.keyClicks(field, "zzqx")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert messages and "No tag matches" in messages[0]
    assert "No tag matches" in window.statusBar().currentMessage()
    with reread(window) as p:
        assert len(p.annotations.get(chosen).tag_ids) == 2


# -- item 10: the layout comes back, or the default one when it does not fit -------------


def reopen(qtbot, project_path, dialogs):
    """A new workbench on the project, as after a restart (same settings)."""
    from annotator.gui.main_window import MainWindow

    win = MainWindow(author="Test Historian", build=False, dialogs=dialogs)
    qtbot.addWidget(win)
    win.show()
    win.fit_screen()
    qtbot.waitExposed(win)
    win.build()
    assert win.open_project(project_path)
    qtbot.wait(100)
    return win


def share(win) -> float:
    left, right = win.splitter.sizes()
    return left / (left + right)


def test_panels_and_panes_come_back_after_a_restart(window, qtbot, project_path, dialogs,
                                                     monkeypatch):
    from PySide6.QtCore import QRect

    from annotator.gui import window_layout

    monkeypatch.setattr(window_layout, "available_room", lambda _w: QRect(0, 0, 1920, 1080))
    open_letter(window, qtbot)
    total = sum(window.splitter.sizes())
    window.splitter.moveSplitter(int(total * 0.62), 1)  # what dragging the handle does
    window.resizeDocks([window.docks["documents"]], [330], Qt.Orientation.Horizontal)
    window.resizeDocks([window.docks["annotations"]], [240], Qt.Orientation.Vertical)
    qtbot.wait(50)
    before = (share(window), window.docks["documents"].width(),
              window.docks["annotations"].height(), window.size())
    window.close()
    again = reopen(qtbot, project_path, dialogs)
    assert again.right.isVisible()
    assert abs(share(again) - before[0]) < 0.03
    assert abs(again.docks["documents"].width() - before[1]) <= 12
    assert abs(again.docks["annotations"].height() - before[2]) <= 12
    assert again.size() == before[3]
    again.close()


def test_a_layout_saved_on_a_larger_screen_gives_way_to_the_default(window, qtbot,
                                                                    project_path, dialogs):
    from annotator.gui import settings, window_layout

    open_letter(window, qtbot)
    window.close()
    settings.set_value("window/size", [3000, 2000])  # saved beside a large monitor
    settings.set_project_value(project_path, "splitter_share", 0.06)  # a 90 px pane
    again = reopen(qtbot, project_path, dialogs)
    room = window_layout.available_room(again)
    assert again.frameGeometry().width() <= room.width() or again.minimumSizeHint().width() \
        > room.width()
    qtbot.waitUntil(lambda: min(again.splitter.sizes()) >= 200, timeout=2000)
    assert share(again) > 0.3
    again.close()


# -- item 11: an export says which annotations it writes ----------------------------------


def csv_rows(path) -> list[dict]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_asks_all_or_the_filtered_ones_all_first_and_honours_the_umask(
        window, qtbot, dialogs, tmp_path, project_path):
    import os
    import stat

    panel = window.annotations
    panel.text.setFocus()
    QTest.keyClicks(panel.text, "League")
    table_rows_loaded(window, qtbot, 1)
    with reread(window) as p:
        total = p.annotations.count()
    out = tmp_path / "exports"
    out.mkdir()
    dialogs.script("get_item", lambda _t, _l, items: items[0])  # the default: all
    dialogs.script("save_file", str(out / "all"), str(out / "shown"))
    dialogs.script("get_item", lambda _t, _l, items: items[1])
    mask = os.umask(0o022)
    try:
        window.menus.export_actions["csv"].trigger()
        window.menus.export_actions["csv"].trigger()
    finally:
        os.umask(mask)
    (_t, _l, items) = dialogs.said("get_item")[0]
    assert items == [f"All {total} annotations of the project",
                     "Only the 1 shown in the Annotations panel (its filter)"]
    assert len(csv_rows(out / "all.csv")) == total
    assert [r for r in csv_rows(out / "shown.csv")][0]["quote"] == "League of Nations"
    assert len(csv_rows(out / "shown.csv")) == 1
    for name in ("all.csv", "shown.csv"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644
    suggested = dialogs.said("save_file")[0][1]
    assert os.path.dirname(suggested) == str(project_path.parent.resolve())
    dialogs.script("get_item", None)  # Cancel: nothing is written, nothing asked further
    window.menus.export_actions["csv"].trigger()
    assert len(dialogs.said("save_file")) == 2


# -- item 13, and the keys of the window as a whole -------------------------------------


def menu_actions(window) -> dict[str, object]:
    """Every action of the menu bar by its place ("Annotate ▸ Find tag…"), submenus
    included, in menu order (menus filled on opening are filled first; they make new
    actions each time, so look an action up again before triggering it)."""
    found = {}

    def walk(menu, path):
        menu.aboutToShow.emit()
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {action.text()}")
            elif not action.isSeparator():
                found.setdefault(f"{path} ▸ {action.text()}", action)

    for top in window.menuBar().actions():
        walk(top.menu(), top.text())
    return found


def window_keys(window) -> dict[str, list[str]]:
    """Each key of an enabled action that works window-wide: the actions on it."""
    from PySide6.QtGui import QAction

    keys: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        if not action.isEnabled() or action.shortcutContext() == \
                Qt.ShortcutContext.WidgetShortcut:
            continue
        for key in action.shortcuts():
            if not key.isEmpty():
                keys.setdefault(key.toString(), []).append(action.text())
    return keys


def test_help_lists_every_key_of_the_window(window, qtbot):
    from annotator.gui.dialogs.shortcuts import plain

    window.menus.shortcuts.trigger()
    dialog = window.menus.shortcuts_dialog
    assert dialog.isVisible()
    listed = set()
    tree = dialog.tree
    for g in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(g)
        for i in range(group.childCount()):
            listed.add((group.child(i).text(0), group.child(i).text(1)))
    from PySide6.QtGui import QKeySequence

    for key, texts in window_keys(window).items():
        native = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
        for text in texts:
            assert any(what == plain(text) and native in keys.split(", ")
                       for what, keys in listed), (text, key)
    assert ("Find tag…", "Ctrl+T") in listed
    assert any(what.startswith("Tag as Imperial debt") and keys == "6" for what, keys in listed)
    dialog.close()


def test_no_two_enabled_actions_share_a_key(window, qtbot):
    open_letter(window, qtbot)
    window.menus.update()
    shared = {key: texts for key, texts in window_keys(window).items() if len(texts) > 1}
    assert not shared


def test_every_menu_action_runs_without_an_exception_when_every_dialog_is_cancelled(
        window, qtbot, dialogs, project_path):
    """Each entry of each menu, triggered once (a checkable one twice, to leave it as it
    was) on the sample-like project with every question cancelled: an exception in a
    slot fails the test (pytest-qt), and the project file is unchanged."""
    open_letter(window, qtbot)
    with reread(window) as p:
        before = p.annotations.count(), len(p.links.list()), len(p.tags.list())
    places = menu_actions(window)
    assert len([a for a in places.values() if not a.shortcut().isEmpty()]) >= 15
    quit_action = window.menus.quit
    for place in places:
        action = menu_actions(window).get(place)
        if action is None or action is quit_action or not action.isEnabled():
            continue
        action.trigger()
        if action.isCheckable():
            action.trigger()
        qtbot.wait(5)
        for widget in qtbot_top_level_dialogs(window):
            widget.close()
    with reread(window) as p:
        assert (p.annotations.count(), len(p.links.list()), len(p.tags.list())) == before
    quit_action.trigger()
    assert not window.isVisible() and not window.model.is_open


def qtbot_top_level_dialogs(window) -> list:
    """The dialogs an action left open (About, Document details, Keyboard shortcuts)."""
    from PySide6.QtWidgets import QApplication, QDialog

    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible()]


# -- the journey: a morning's work, by keys and menus, found again in the file -----------


def test_journey_tag_note_link_undo_redo_search_export_reopen(
        window, qtbot, dialogs, tmp_path, project_path):
    letter, view, scan = scan_of(window, qtbot)
    facsimile = window.right.document_id
    # select a passage, tag it by its key (6: Imperial debt)
    start, end = select_words(view, "moral support")
    QTest.keyClick(view, Qt.Key.Key_6)
    with reread(window) as p:
        (tagged,) = passage(p, letter, start, end)
        assert [p.tags.get(t).name for t in tagged.tag_ids] == ["Imperial debt"]
    assert window.inspector.annotation.id == tagged.id
    # a note, typed in the inspector, saved when the focus goes back to the text
    note = window.inspector.note
    note.setFocus()
    QTest.keyClicks(note, "Briand's support is moral only.")
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    with reread(window) as p:
        assert p.annotations.get(tagged.id).note == "Briand's support is moral only."
    # link it to a region drawn on the facsimile
    viewport = scan.graphics_view().viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    a, b = on_page(scan, 80, 420), on_page(scan, 420, 470)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, shift, a)
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, b)
    view.setFocus()
    QTest.keySequence(view, "Ctrl+L")

    def linked_region(p):
        links = [link for link in p.links.for_annotation(tagged.id)]
        others = [p.annotations.get(link.target_id if link.source_id == tagged.id
                                    else link.source_id) for link in links]
        return [o for o in others if o is not None and o.document_id == facsimile]

    with reread(window) as p:
        (region,) = linked_region(p)
        assert abs(region.region.y - 420) <= 2
    # undo and redo the link, by keys
    QTest.keySequence(view, "Ctrl+Z")
    with reread(window) as p:
        assert linked_region(p) == []
        assert p.annotations.get(tagged.id).note == "Briand's support is moral only."
    QTest.keySequence(view, "Ctrl+Shift+Z")
    with reread(window) as p:
        assert [r.id for r in linked_region(p)] == [region.id]
    # search the project for the passage
    search = window.research["search"]
    search.query.setFocus()
    QTest.keyClicks(search.query, '"moral support"')
    QTest.keyClick(search.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(h.document_id == letter and h.start == start
                                for h in search.hits), timeout=5000)
    # export, through the dialog
    out = tmp_path / "journey"
    dialogs.script("save_file", str(out))
    window.menus.export_actions["csv"].trigger()
    rows = csv_rows(out.with_suffix(".csv"))
    mine = [r for r in rows if r["quote"] == "moral support"]
    assert len(mine) == 1 and mine[0]["note"] == "Briand's support is moral only."
    # the next morning: everything is in the file
    window.close()
    with Project.open(project_path, read_only=True) as p:
        (again,) = passage(p, letter, start, end)
        assert [p.tags.get(t).name for t in again.tag_ids] == ["Imperial debt"]
        assert again.note == "Briand's support is moral only."
        (link,) = p.links.for_annotation(again.id)
        assert link.relation == "transcribes"
        assert {link.source_id, link.target_id} == {again.id, region.id}
        assert p.annotations.get(region.id).region.page == 1


def test_every_window_key_pressed_in_the_text_reaches_its_action(window, qtbot):
    """Each key of an enabled window-wide action, pressed on the focused text view the
    way a person presses it, triggers that action (a key bound twice, or eaten by the
    widget with the focus, would not)."""
    from PySide6.QtGui import QAction

    _letter, view = open_letter(window, qtbot)
    skip = {window.menus.quit, window.menus.close_document}  # they end the session

    def keyed() -> dict[tuple[str, str], QAction]:  # made anew when the codebook changes
        return {(a.text(), a.shortcut().toString()): a for a in window.findChildren(QAction)
                if a not in skip and a.isEnabled() and not a.shortcut().isEmpty()
                and a.shortcutContext() != Qt.ShortcutContext.WidgetShortcut}

    pressed = 0
    for name in list(keyed()):
        action = keyed().get(name)
        if action is None:
            continue
        fired = []
        action.triggered.connect(lambda *_a, f=fired: f.append(True))
        view.setFocus()
        window.activateWindow()
        qtbot.waitUntil(view.hasFocus, timeout=2000)
        QTest.keySequence(view, action.shortcut())
        assert fired, f"{action.text()} ({action.shortcut().toString()})"
        pressed += 1
        if action.isCheckable() and action.isChecked():
            action.trigger()  # back as it was (Edit transcription, Sticky tag)
        for widget in qtbot_top_level_dialogs(window):
            widget.close()
        if window.finder.isVisible():
            window.finder.hide()
    assert pressed >= 15


def test_deleting_a_theme_says_its_sub_themes_go_too(window, dialogs):
    p = window.model.p
    theme = window.codebook.new_tag(None, name="Diplomacy")
    window.codebook.new_tag(theme, name="Treaties")
    window.codebook.delete(theme)  # the scripted answer is "no"
    question = dialogs.said("ask")[-1][1]
    assert "1 sub-theme(s) go with it" in question
    assert p.tags.get(theme) is not None and not p.tags.get(theme).deleted


def test_a_text_opened_beside_a_scan_it_is_not_linked_to_offers_the_link(window, dialogs,
                                                                         project_path):
    from annotator.core.project import Project

    p = window.model.p
    text = next(d for d in p.documents.list() if d.kind == "text" and not p.documents.links(d.id))
    scan = next(d for d in p.documents.list() if d.kind == "paged")
    window.open_document(text.id)
    dialogs.script("get_item", scan.title).script("ask", True)
    window.desk.open_beside_dialog()
    assert "transcription of" in dialogs.said("ask")[-1][1]
    window.model.p.conn.execute("PRAGMA wal_checkpoint")
    with Project.open(project_path, read_only=True) as saved:
        assert any(link.target_id == scan.id for link in saved.documents.links(text.id))
    assert window.model.undo_stack.undoText() == "Link transcription to its scan"


# -- item 2: a deleted passage is orphaned, not moved to another occurrence -----------


def test_deleting_an_annotated_passage_in_edit_mode_orphans_it(window, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    text = window.model.p.documents.text(letter)
    at = text.index("League of Nations into those troubled")
    assert text.index("League of Nations") < at  # the introduction names it first
    league = next((a for a in window.model.p.annotations.for_document(letter)
                   if a.text and a.text.start == at), None)
    if league is None:
        league = window.model.do("Annotate", lambda: window.model.p.annotations.add(
            letter, start=at, end=at + len("League of Nations"))).value
    view = window.left.text_view
    window.desk.activate(window.left)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert view.editing
    view.select_codepoints(at, at + len("League of Nations "))
    QTest.keyClick(view, Qt.Key.Key_Delete)
    QTest.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert not view.editing
    assert "not found" in window.statusBar().currentMessage()
    with reread(window) as p:
        assert "the aims pursued by the into those troubled" in p.documents.text(letter)
        kept = p.annotations.get(league.id)
        assert kept.anchor_state.value == "orphaned"
        assert kept.text.start == at  # kept where its words were, for review
    # the summary offers to review what moved or was lost: the table shows just those
    review = window.editing.review_button
    assert review.isVisible() and review.text() == "Review 1…"
    QTest.mouseClick(review, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.annotations.table.rowCount() == 1)
    assert window.annotations.table.rows[0][0] == league.id
    window.annotations.review_clear.click()
    qtbot.waitUntil(lambda: window.annotations.table.rowCount() > 1)
