"""The codebook's "Uses" follow what each action changed (issue 17): after tagging,
untagging, deleting, undo and redo in the window they equal a full count read from the
project file, and no full count ran for any of them."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from tests.gui.conftest import doc_id
from tests.gui.test_tagging import select_quote


def counted_in_file(path) -> dict[str, int]:
    """Live annotations per tag, read from the file through a connection of its own."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute(
            "SELECT at.tag_id, count(*) FROM annotation_tags at JOIN annotations a "
            "ON a.id = at.annotation_id WHERE a.deleted = 0 GROUP BY at.tag_id"))
    finally:
        conn.close()


def shown(window) -> dict[str, int]:
    panel = window.codebook
    return {item.data(0, Qt.ItemDataRole.UserRole): int(item.text(2))
            for item in panel._all_items()}


def test_uses_follow_tag_untag_delete_undo_redo(window, qtbot, project_path):
    panel = window.codebook
    window.docks["codebook"].raise_()
    qtbot.waitUntil(panel.when_shown.on_screen)
    qtbot.waitUntil(lambda: panel.counts is not None)
    path = project_path

    def agrees() -> None:
        in_file = counted_in_file(path)
        assert shown(window) == {t: in_file.get(t, 0) for t in shown(window)}

    agrees()
    full_counts = panel.when_shown.runs
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    p = window.model.p
    event, theme = p.tags.find("Event"), p.tags.find("Émigré politics")
    before = shown(window)

    select_quote(view, "Franco-Soviet treaty of mutual assistance")  # tag a new passage
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_5)
    assert shown(window)[event.id] == before[event.id] + 1
    agrees()

    briand = next(a for a in p.annotations.for_document(letter) if a.quote == "Aristide Briand")
    window.selected.show(briand.id)  # a second tag on an annotation, then taken off
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_8)
    assert shown(window)[theme.id] == before[theme.id] + 1
    agrees()
    qtbot.keyClick(view, Qt.Key.Key_8)
    assert shown(window)[theme.id] == before[theme.id]
    agrees()

    georgia = next(a for a in p.annotations.for_document(letter) if a.quote == "Georgia")
    assert georgia.tag_ids
    window.selected.show(georgia.id)
    ahead = shown(window)
    window.menus.delete.trigger()  # its tags lose a use each
    assert p.annotations.get(georgia.id).deleted
    assert all(shown(window)[t] == ahead[t] - 1 for t in georgia.tag_ids)
    agrees()

    for _ in range(4):  # Edit > Undo back to where we started, then Redo it all
        window.menus.undo.trigger()
        agrees()
    assert shown(window) == before
    for _ in range(4):
        window.menus.redo.trigger()
        agrees()
    assert panel.when_shown.runs == full_counts  # followed, never counted afresh


def test_uses_in_the_hundred_thousands_are_shown_whole(window, qtbot):
    """At a million annotations a tag has six-figure uses: the column widens to them
    rather than eliding them to "11…" (seen at 1M under Xvfb)."""
    panel = window.codebook
    window.docks["codebook"].raise_()
    qtbot.waitUntil(lambda: panel.counts is not None)
    panel.counts = {item.data(0, Qt.ItemDataRole.UserRole): 1_135_287
                    for item in panel._all_items()}
    panel._show_counts(None)
    metrics = panel.tree.fontMetrics()
    assert panel.tree.columnWidth(2) >= metrics.horizontalAdvance("1135287")
