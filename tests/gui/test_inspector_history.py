"""The inspector's history of a passage is read off the GUI thread (issue 17: the key
lists of a bulk import or merge of a million passages take seconds to look through),
and shows the newest selection's, never an older one's."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from annotator.core import journal
from tests.gui.conftest import doc_id


def history_lines(window) -> list[str]:
    h = window.inspector.history
    return [h.item(i).text() for i in range(h.count())]


def test_the_history_is_read_in_a_thread_and_shown_for_the_passage_selected(window, qtbot,
                                                                            monkeypatch):
    readers: list[str] = []
    real = journal.history

    def watched(conn, **kw):
        readers.append(threading.current_thread().name)
        return real(conn, **kw)

    monkeypatch.setattr(journal, "history", watched)
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    view = window.left.text_view
    start = view.text().index("Franco-Soviet treaty")
    view.select_codepoints(start, start + len("Franco-Soviet treaty"))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_5)  # Event: the inspector shows the new passage
    qtbot.waitUntil(lambda: any(line.startswith("Tag “Franco-Soviet")
                                for line in history_lines(window)))
    assert readers and set(readers) == {"history reader"}

    # another passage selected at once: its history, not the first one's, stays shown
    p = window.model.p
    briand = next(a for a in p.annotations.for_document(letter)
                  if a.text and a.text.exact == "Aristide Briand")
    window.selected.show(briand.id)
    qtbot.waitUntil(lambda: history_lines(window) and "reading…" not in history_lines(window))
    qtbot.wait(100)
    assert not any("Franco-Soviet" in line for line in history_lines(window))
    assert window.inspector.annotation.id == briand.id
