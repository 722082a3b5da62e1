"""The virtual annotations table (issue 17) in the real window: scrolled to the end it
shows the project's last rows, a click on each header sorts by that column (the rows
read back from the project in that order), and it holds a bounded number of windows."""

from __future__ import annotations

import random
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind, TagKind
from annotator.core.table_window import TableWindow
from annotator.gui.panels import annotations_model
from annotator.gui.panels.annotations_model import COLUMNS, SORT_BY

N = 1500


@pytest.fixture
def big_path(tmp_path):
    from annotator.core.project import Project

    path = tmp_path / "big.annot"
    project = Project.create(path, "Big", author="Test Historian")
    rng = random.Random(3)
    tags = [project.tags.create(n, TagKind.THEME).value.id for n in ("Trade", "army", "Debt")]
    words = ("loan", "Krasin", "treaty", "émigré", "Briand", "debt")
    docs = []
    for title in ("Letters", "diary", "Notes"):
        text = " ".join(rng.choice(words) for _ in range(3000))
        docs.append((project.documents.add_source(ImportedSource(
            title, DocumentKind.TEXT, "text/plain", f"{title}.txt", text.encode(),
            text=text)).id, text))
    with project.transaction("many"):
        for _ in range(N):
            doc, text = rng.choice(docs)
            start = rng.randrange(0, len(text) - 40)
            project.annotations.add(doc, start=start, end=start + rng.randint(3, 30),
                                    tag_ids=rng.sample(tags, rng.randint(0, 2)),
                                    note=rng.choice(("", "see Krasin", "a loan")),
                                    date_value=rng.choice(("", "1924", "1923-05")))
    project.close()
    return path


def open_window(qtbot, path, dialogs):
    from annotator.gui.main_window import MainWindow

    win = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(win)
    win.resize(1100, 800)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(path)
    return win


def test_scroll_to_the_end_and_sort_by_each_column(qtbot, big_path, dialogs, monkeypatch):
    monkeypatch.setattr(annotations_model, "WINDOW", 200)
    monkeypatch.setattr(annotations_model, "KEPT", 3)
    win = open_window(qtbot, big_path, dialogs)
    panel = win.annotations
    panel.refilter()
    table, view = panel.table, panel.view
    qtbot.waitUntil(lambda: not table.loading, timeout=5000)  # counted in the reader
    assert table.rowCount() == N and panel.count.text() == f"{N:,} annotations"
    project = win.model.p
    header = view.horizontalHeader()
    for column in range(len(COLUMNS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            header.setSortIndicator(column, order)  # what a click on the header does
            qtbot.waitUntil(lambda: not table.loading, timeout=5000)
            want = TableWindow(project, None, SORT_BY[column],
                               order == Qt.SortOrder.DescendingOrder)
            first = [r[0] for r in want.rows(0, 3)]
            last = [r[0] for r in want.rows(N - 3, 3)]
            assert [table.index(i, 0).data(Qt.ItemDataRole.UserRole)
                    for i in range(3)] == first, COLUMNS[column]
            view.setFocus()
            view.setCurrentIndex(table.index(0, 1))
            QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
            assert view.currentIndex().row() == N - 1
            assert win.annotations.chosen == last[-1]  # the inspector's annotation
            # the rows at the end come from the reader thread and are painted then
            qtbot.waitUntil(lambda end=last: [table.index(i, 0).data(Qt.ItemDataRole.UserRole)
                                              for i in range(N - 3, N)] == end, timeout=5000)
            assert view.rowAt(view.viewport().height() - 2) in (N - 1, -1)
            assert len(table._windows) <= 3  # bounded, however far it scrolled
            # selected elsewhere (in the text): its row is found off the GUI thread
            bar = view.verticalScrollBar()
            bar.setValue(0)
            qtbot.waitUntil(lambda: table.index(0, 0).data() is not None, timeout=5000)
            at = next(w for w in range(0, N, 200) if w not in table._windows) + 7
            far = want.rows(at, 1)[0][0]
            panel.select(far)
            assert view.currentIndex().row() != at  # not read yet: the reader finds it
            qtbot.waitUntil(lambda r=at: view.currentIndex().row() == r, timeout=5000)
            assert panel.chosen == far
    # an edit on screen changes the row in place; a deletion far below is counted off
    # the GUI thread and the table loses a row at its end
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not table.loading, timeout=5000)
    view.verticalScrollBar().setValue(0)
    qtbot.waitUntil(lambda: table.index(1, 0).data() is not None, timeout=5000)
    here = table.index(1, 0).data(Qt.ItemDataRole.UserRole)
    far = TableWindow(project, None).rows(N - 5, 1)[0][0]
    win.model.do("Note", project.annotations.update, here, note="changed here")
    assert table.index(1, 6).data() == "changed here" and table.rowCount() == N
    win.model.do("Delete", project.annotations.delete, far)
    qtbot.waitUntil(lambda: table.rowCount() == N - 1, timeout=5000)
    assert far not in [r[0] for r in table.rows[N - 10:]]
    assert table.index(1, 0).data(Qt.ItemDataRole.UserRole) == here
    win.close()


def test_an_edit_deep_in_the_table_is_read_again_off_the_gui_thread(qtbot, big_path, dialogs,
                                                                    monkeypatch):
    """Rows on screen far down the table: an edit reads them again in the reader thread
    (re-reading them here meant counting every row before them: 0.2-0.7 s at 1M on
    every edit); they stay shown meanwhile; sorted by the value edited, the rows move
    and the view follows."""
    monkeypatch.setattr(annotations_model, "WINDOW", 200)
    win = open_window(qtbot, big_path, dialogs)
    panel, project = win.annotations, win.model.p
    panel.refilter()
    table, view = panel.table, panel.view
    qtbot.waitUntil(lambda: not table.loading, timeout=5000)
    note = COLUMNS.index("Note")
    header = view.horizontalHeader()
    header.setSortIndicator(note, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not table.loading, timeout=5000)
    row = 1000
    view.scrollTo(table.index(row, 0))
    qtbot.waitUntil(lambda: table.index(row, 0).data() is not None, timeout=5000)
    here = table.index(row, 0).data(Qt.ItemDataRole.UserRole)
    counted: list = []  # counts made on the GUI thread

    def count(self, real=TableWindow.count):
        if threading.current_thread() is threading.main_thread():
            counted.append(1)
        return real(self)

    monkeypatch.setattr(TableWindow, "count", count)
    before = table.index(row, note).data()
    win.model.do("Note", project.annotations.update, here, note=before)  # same place
    assert table.index(row, 0).data(Qt.ItemDataRole.UserRole) == here  # shown meanwhile
    qtbot.waitUntil(lambda: table.counted, timeout=5000)
    win.model.do("Note", project.annotations.update, here, note="zz last of all")
    qtbot.waitUntil(lambda: table.counted and table.index(row, 0).data(
        Qt.ItemDataRole.UserRole) not in (here, None), timeout=5000)  # it moved to the end
    end = table.rowCount() - 1
    qtbot.waitUntil(lambda: table.index(end, 0).data(Qt.ItemDataRole.UserRole) == here,
                    timeout=5000)
    assert not counted  # nothing counted on the GUI thread
    win.close()
