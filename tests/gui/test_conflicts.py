"""The Conflicts review: a merge with a copy edited in parallel keeps both versions of
a note, the report lists them with their authors, the review opens, and M / T / B
settle the conflict by keyboard, each one step of Edit ▸ Undo. Judged by reading the
project file."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.gui.conftest import doc_id, settle
from tests.gui.test_exchange_actions import menu_action


def _note(path, ann_id: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT note FROM annotations WHERE id = ?", (ann_id,)).fetchone()[0]
    finally:
        conn.close()


def _open_conflicts(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM conflicts WHERE resolution = 'open'"
                            ).fetchone()[0]
    finally:
        conn.close()


def test_conflicts_review_by_keyboard(window, qtbot, tmp_path, dialogs):
    from annotator.core.merge import copy_for_colleague
    from annotator.core.project import Project

    p = window.model.p
    letter = doc_id(window, "Letter to Aristide")
    ann = next(a for a in p.annotations.for_document(letter) if a.quote == "Aristide Briand")
    colleague = tmp_path / "colleague.annot"
    copy_for_colleague(p, colleague)
    window.model.do("Edit note", p.annotations.update, ann.id, note="Mine: the addressee")
    with Project.open(colleague, author="A Colleague") as theirs:
        theirs.annotations.update(ann.id, note="Theirs: Briand, foreign minister")
    dialogs.script("open_file", str(colleague))
    menu_action(window, "&Merge a colleague's project…").trigger()
    settle(qtbot)
    report = dialogs.said("report")[-1][1]
    assert "Mine: the addressee" in report and "Theirs: Briand" in report
    assert "A Colleague" in report and "Test Historian" in report
    path = p.path
    assert _note(path, ann.id) == "Theirs: Briand, foreign minister"  # the later one
    panel = window.research["conflicts"]
    assert window.docks["conflicts"].isVisible()
    assert panel.tree.topLevelItemCount() == 1
    panel.tree.setFocus()
    QTest.keyClick(panel.tree, Qt.Key.Key_M)
    assert _note(path, ann.id) == "Mine: the addressee" and _open_conflicts(path) == 0
    assert panel.tree.topLevelItemCount() == 0
    window.menus.undo.trigger()
    settle(qtbot)
    assert _note(path, ann.id) == "Theirs: Briand, foreign minister"
    assert _open_conflicts(path) == 1 and panel.tree.topLevelItemCount() == 1
    QTest.keyClick(panel.tree, Qt.Key.Key_B)
    both = _note(path, ann.id)
    assert "Mine: the addressee" in both and "Theirs: Briand" in both
    assert "A Colleague" in both
    window.menus.undo.trigger()
    settle(qtbot)
    QTest.keyClick(panel.tree, Qt.Key.Key_T)
    assert _note(path, ann.id) == "Theirs: Briand, foreign minister"
    assert _open_conflicts(path) == 0
