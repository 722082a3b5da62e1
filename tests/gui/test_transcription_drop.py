"""An ALTO file dropped on the window becomes a scan with its words (the same import
pipeline as the command line), judged by reading the project file."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from annotator.core.project import Project
from tests.test_transcription_import import ALTO, IMAGE, STEM


def test_drop_alto_imports_scan_with_words(window, qtbot, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(ALTO, folder)
    shutil.copy(IMAGE, folder)
    before = len(window.model.documents())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder / ALTO.name))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: len(window.model.documents()) == before + 1, timeout=15000)
    path = window.model.p.path
    window.close()
    with Project.open(path, read_only=True) as project:
        doc = next(d for d in project.documents.list() if d.filename == f"{STEM}.png")
        (page,) = project.documents.pages(doc.id, with_words=True)
        assert len(page.words) == 161 and page.words[0][4] == "Berliniſche"
        assert doc.metadata["text_layers"]["1"]["source"] == "alto"
