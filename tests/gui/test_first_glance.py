"""The first glance (issue 17: the first window within 1.5x a bare viewer, with the
project painted): `annotator` paints the text it opens on, highlighted, in the
frame's first paint, before the workbench is built; the workbench then opens the same
document in the real text view. Run in a fresh process as `annotator` starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from annotator.core.model import TagKind
from annotator.core.project import Project

# gui.app.launch as `annotator` runs it, watching the first glance's first paint and
# the workbench once ready.
STARTUP = """
import json, os, sys
from PySide6.QtCore import QEvent, QObject
from annotator.gui import app as gui_app
found = {}

def ready():
    for _ in range(3):
        qapp.processEvents()
        window.repaint()
    found["ready"] = {"left": window.left.document_id, "built": window.built,
                      "central_is_workbench": window.centralWidget() is window.central,
                      "title": window.windowTitle()}
    print(json.dumps(found), flush=True)
    os._exit(0)

qapp, window = gui_app.launch(sys.argv[1], author="Test Historian", ready=ready)
glance = window.centralWidget()
found["glance_shown"] = glance is not None and glance.objectName() == "firstGlance"

class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "painted" not in found:
            found["painted"] = {
                "built": window.built, "title": window.windowTitle(),
                "status": window.statusBar().currentMessage(),
                "text": glance.toPlainText()[:400],
                "selections": [[s.cursor.selectedText(), s.format.background().color().name(),
                                s.format.background().color().alpha()]
                               for s in glance.extraSelections()]}
        return False

if found["glance_shown"]:
    watch = Watch()
    glance.viewport().installEventFilter(watch)
qapp.exec()
"""


def run_startup(tmp_path, project) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               ANNOTATOR_SETTINGS_FILE=str(tmp_path / "settings.ini"),
               ANNOTATOR_DATA_DIR=str(tmp_path / "data"), ANNOTATOR_AUTHOR="Test Historian")
    done = subprocess.run([sys.executable, "-c", STARTUP, str(project)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def astral_project(tmp_path):
    """A transcription whose passages follow characters outside the BMP (Qt counts
    them twice), linked to another document so the workbench opens on it."""
    text = "𝔊𝔢𝔬𝔯𝔤𝔦𝔞 (Fraktur) asks for Georgia; 🇫🇷 France answers Azerbaijan.\n" * 30
    source = tmp_path / "letter.txt"
    source.write_text(text, encoding="utf-8")
    other = tmp_path / "scan.txt"
    other.write_text("stand-in for the scan", encoding="utf-8")
    path = tmp_path / "astral.annot"
    with Project.create(path, "Fraktur letters", author="Historian") as p:
        letter = p.documents.import_file(source).value.document
        scan = p.documents.import_file(other).value.document
        p.documents.link(letter.id, scan.id, "transcription")
        place = p.tags.create("Place", TagKind.THEME, color="#2a9d8f").value
        for word in ("Georgia", "Azerbaijan"):
            start = text.index(word)
            p.annotations.add(letter.id, start=start, end=start + len(word), tag_ids=[place.id])
    return path, letter.id


def test_the_text_is_painted_highlighted_before_the_workbench_is_built(tmp_path,
                                                                        astral_project):
    path, letter = astral_project
    for _run in (1, 2):  # never opened here, then opened on the document remembered
        state = run_startup(tmp_path, path)
        assert state["glance_shown"], state
        painted, ready = state["painted"], state["ready"]
        assert painted["built"] is False  # the glance came first
        assert painted["text"].startswith("𝔊𝔢𝔬𝔯𝔤𝔦𝔞 (Fraktur) asks for Georgia")
        assert painted["title"] == "Fraktur letters — annotator"
        assert painted["status"] == "Opening astral.annot…"  # a long check says so
        words = [s[0] for s in painted["selections"]]
        assert words[:2] == ["Georgia", "Azerbaijan"]  # UTF-16 positions, not code points
        assert {(s[1], s[2]) for s in painted["selections"]} == {("#2a9d8f", 95)}
        assert ready["built"] and ready["central_is_workbench"]
        assert ready["left"] == letter  # the workbench opened what the glance showed

