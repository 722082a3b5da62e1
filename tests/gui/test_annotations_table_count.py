"""The annotations table's count (issue 17): the first rows of a filter show before
the reader thread has counted them all, and the status then says the count is partial
("at least N … counting"); it says the exact number once counted, and an edit being
counted again is marked too. A scholar must never read a partial count as final.

A word filter of a writable project uses the word index settled when it was last
closed at once (its candidates found in the reader thread, not on the GUI's), and an
edit that puts the word into another annotation shows that one too (the candidates
grow by what the edit touched). The vocabulary of the index is read while she types."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from annotator.core import table_words
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind
from annotator.core.table_window import TableWindow
from annotator.gui.panels import annotations_model, annotations_reader

N = 12


@pytest.fixture
def project_path(tmp_path):  # the `window` fixture opens it
    from annotator.core.project import Project

    path = tmp_path / "count.annot"
    project = Project.create(path, "Count", author="Test Historian")
    text = "Krasin and Briand on the loan " * 40
    doc = project.documents.add_source(ImportedSource(
        "Letters", DocumentKind.TEXT, "text/plain", "letters.txt", text.encode(),
        text=text)).id
    with project.transaction("many"):
        for i in range(N):
            project.annotations.add(doc, start=30 * i, end=30 * i + 6,
                                    note="loan" if i % 3 else "by way of Zanzibar" if i == 3
                                    else "")
    project.close()  # settles the word index
    return path


class _Gate:
    """Holds the reader thread's counts until the test lets them through."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.waiting = threading.Event()

    def window_class(self) -> type[TableWindow]:
        gate = self

        class Held(TableWindow):
            def count(self) -> int:
                if self._total is None:
                    gate.waiting.set()
                    assert gate.open.wait(10)
                return super().count()

        return Held


def test_a_partial_count_is_said_to_be_partial_until_exact(window, qtbot, monkeypatch):
    gate = _Gate()
    monkeypatch.setattr(annotations_model, "WINDOW", 5)
    monkeypatch.setattr(annotations_reader, "SHOW_AFTER", 0.0)  # rows ahead at once
    monkeypatch.setattr(annotations_reader, "TableWindow", gate.window_class())
    win = window
    panel, table = win.annotations, win.annotations.table
    panel.refilter()
    assert gate.waiting.wait(5)
    # the first 5 rows are shown while the count waits: the status says so
    qtbot.waitUntil(lambda: table.rowCount() == 5, timeout=5000)
    assert table.loading and not table.counted
    assert panel.count.text() == "at least 5 annotations (counting…)"
    gate.open.set()
    qtbot.waitUntil(lambda: table.counted, timeout=5000)
    assert table.rowCount() == N and panel.count.text() == f"{N} annotations"
    # a filter word: partial, then exact, and the rows are those the core reads
    gate.open.clear()
    gate.waiting.clear()
    panel.text.setText("loan")
    panel.refilter()
    assert gate.waiting.wait(5)
    qtbot.waitUntil(lambda: table.rowCount() == 5, timeout=5000)
    assert panel.count.text().startswith("at least 5 ")
    gate.open.set()
    want = TableWindow(win.model.p, panel.filters())
    qtbot.waitUntil(lambda: table.counted, timeout=5000)
    assert table.rowCount() == want.count() == 8
    assert panel.count.text() == "8 annotations"
    # an edit on screen: counted again in the reader, marked as such meanwhile
    gate.open.clear()
    gate.waiting.clear()
    qtbot.waitUntil(lambda: table.index(0, 0).data() is not None, timeout=5000)
    first = table.index(0, 0).data(Qt.ItemDataRole.UserRole)
    win.model.do("Note", win.model.p.annotations.update, first, note="loan, again")
    assert gate.waiting.wait(5)  # counted again in the reader
    assert not table.counted and panel.count.text() == (
        "8 annotations before the change (counting…)")
    gate.open.set()
    qtbot.waitUntil(lambda: table.counted, timeout=5000)
    assert panel.count.text() == "8 annotations"


def test_a_rare_word_uses_the_settled_index_and_follows_edits(window, qtbot):
    panel, table = window.annotations, window.annotations.table
    panel.refilter()
    qtbot.waitUntil(lambda: table.counted and table.rowCount() == N, timeout=5000)
    panel.text.setText("zibar")  # typed: the reader reads the vocabulary meanwhile
    qtbot.waitUntil(lambda: table._reader._project in table_words._VOCABULARIES,
                    timeout=5000)
    assert table.filters.contains is None  # before the filter applies
    qtbot.waitUntil(lambda: table.counted and table.rowCount() == 1, timeout=5000)
    assert table._candidates is not None  # from the word index, found by the reader
    assert table.index(0, 6).data() == "by way of Zanzibar"
    other = next(a.id for a in window.model.p.annotations.list() if a.note == "loan")
    window.model.do("Note", window.model.p.annotations.update, other, note="Zanzibar again")
    qtbot.waitUntil(lambda: table.counted and table.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: table.index(1, 0).data() is not None, timeout=5000)
    assert sorted(table.index(i, 6).data() for i in range(2)) == [
        "Zanzibar again", "by way of Zanzibar"]
    assert other in [table.index(i, 0).data(Qt.ItemDataRole.UserRole) for i in range(2)]
