"""Fixtures for the GUI tests: offscreen Qt, scratch settings, a sample-like project.

Every test gets its own settings file and data folder (so a real user's configuration
is never touched). The window asks its questions through a dialog service: the
``dialogs`` fixture scripts the answers (cancel unless a test says otherwise). Qt's
static dialogs, which panels still call, answer "cancel" too, never block.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_documents"
LETTER = "caucasian_letter_to_briand_1927.txt"
RECOGNITION = "ussr_france_relations_established_1924.txt"
ARTICLE = "france_soviet_union_relations.txt"
FACSIMILE = "letter_to_briand_1927_facsimile.pdf"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def scratch_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ANNOTATOR_AUTHOR", "Test Historian")


@pytest.fixture(autouse=True)
def theme_left_as_found():
    """A test that chooses View ▸ Theme (the menu walk does) leaves the next test the
    palette it found, and no theme chosen."""
    yield
    from annotator.gui import theme

    theme.forget()


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch):
    """Qt's static dialogs (which panels and app.start still call, and the real dialog
    service of a window built without ``dialogs``) answer "cancel", never hang."""
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: 0)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (0, False)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([], "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor()))


class ScriptedDialogs:
    """The window's dialog service (annotator.gui.dialogs.service.Dialogs) answering
    from a script instead of a person: each question takes the next answer scripted
    for its kind (a value, or a callable given the question's arguments), else the
    answer of "Cancel". Every question and message is kept in ``asked``."""

    def __init__(self) -> None:
        self.answers: dict[str, list] = {}
        self.asked: list[tuple[str, tuple]] = []

    def script(self, kind: str, *answers) -> ScriptedDialogs:
        """Queue answers for the questions of one kind (a method name: "save_file")."""
        self.answers.setdefault(kind, []).extend(answers)
        return self

    def said(self, kind: str) -> list[tuple]:
        """The arguments of every question or message of this kind, in order."""
        return [args for k, args in self.asked if k == kind]

    def _answer(self, kind: str, cancel, *args):
        self.asked.append((kind, args))
        queue = self.answers.get(kind)
        if not queue:
            return cancel
        answer = queue.pop(0)
        return answer(*args) if callable(answer) else answer

    def run_dialog(self, dialog):
        """A dialog of the window's own: cancelled unless a test scripts a callable
        that fills it in (given the dialog) and returns True."""
        return bool(self._answer("run_dialog", False, dialog))

    def open_file(self, title, folder, kinds=""):
        return self._answer("open_file", "", title, folder, kinds)

    def open_files(self, title, folder, kinds=""):
        return self._answer("open_files", [], title, folder, kinds)

    def save_file(self, title, suggested, kinds="", suffix=""):
        from annotator.gui.dialogs.service import with_suffix

        return with_suffix(self._answer("save_file", "", title, suggested, kinds), suffix)

    def choose_folder(self, title, folder):
        return self._answer("choose_folder", "", title, folder)

    def ask(self, title, question):
        return self._answer("ask", False, title, question)

    def get_text(self, title, label, text="", *, secret=False):
        return self._answer("get_text", None, title, label, text)

    def get_item(self, title, label, items, current=0):
        return self._answer("get_item", None, title, label, list(items))

    def choose_color(self, title, current):
        return self._answer("choose_color", "", title, current)

    def get_int(self, title, label, value, low, high):
        return self._answer("get_int", None, title, label, value, low, high)

    def choose_backup(self, project_path):
        return self._answer("choose_backup", None, project_path)

    def inform(self, title, text):
        self._answer("inform", None, title, text)

    def warn(self, title, text):
        self._answer("warn", None, title, text)

    def report(self, title, text, details=(), *, warning=False):
        self._answer("report", None, title, text, list(details), warning)


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    """Hand this to MainWindow(dialogs=...) and script its answers."""
    from annotator.gui.dialogs.service import Dialogs

    fake = ScriptedDialogs()
    missing = {n for n in vars(Dialogs) if not n.startswith("_")} - set(dir(fake))
    assert not missing, f"ScriptedDialogs lacks {missing}"  # the two must not drift apart
    return fake


def build_project(out: Path) -> Path:
    """A small sample-like project: the letter with its facsimile (linked, aligned),
    two more texts, the default codebook plus themes on keys 6–9, a few entities and
    annotations, a scan region linked to its passage."""
    from annotator.core.model import RegionSelector, TagKind
    from annotator.core.project import Project

    p = Project.create(out, "Test sample", author="Sample Historian")
    try:
        docs = {name: p.documents.import_file(SAMPLES / name).value.document
                for name in (LETTER, RECOGNITION, ARTICLE, FACSIMILE)}
        alignment = json.loads((SAMPLES / "letter_to_briand_1927_facsimile.alignment.json")
                               .read_text())
        p.documents.link(docs[LETTER].id, docs[FACSIMILE].id, "transcription",
                         {int(k): int(v) for k, v in alignment.items()})
        p.documents.update(docs[LETTER].id, title="Letter to Aristide Briand, 17 June 1927",
                           metadata={"date": "1927-06-17"})
        for key, name in zip("6789", ("Imperial debt", "Recognition", "Émigré politics",
                                      "Collective security"), strict=True):
            p.tags.create(name, TagKind.THEME, shortcut=key)
        person, place = p.tags.find("Person"), p.tags.find("Place")
        org = p.tags.find("Organisation")
        briand = p.entities.create("Aristide Briand", person.id).value
        p.entities.create("Édouard Herriot", person.id, aliases=["Eduard Errio", "Errio"])
        league = p.entities.create("League of Nations", org.id).value
        letter = docs[LETTER].id
        made = {}
        for quote, tags, entity, note in (
                ("Aristide Briand", [person.id], briand.id, "Addressee."),
                ("League of Nations", [org.id], league.id, ""),
                ("Azerbaijan", [place.id], None, ""),
                ("Georgia", [place.id], None, "")):
            start, end = p.annotations.locate(letter, quote)
            made[quote] = p.annotations.add(letter, start=start, end=end, tag_ids=tags,
                                            entity_id=entity, note=note).value
        region = p.annotations.add(
            docs[FACSIMILE].id, region=RegionSelector(1, 60, 60, 420, 70, (), "His Excellency"),
            tag_ids=[person.id], entity_id=briand.id).value
        p.links.create(made["Aristide Briand"].id, region.id, "transcribes")
        start, end = p.annotations.locate(docs[RECOGNITION].id, "Eduard Errio")
        p.annotations.add(docs[RECOGNITION].id, start=start, end=end, tag_ids=[person.id])
    finally:
        p.close()
    return out


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    return build_project(tmp_path_factory.mktemp("built") / "sample.annot")


@pytest.fixture
def project_path(built_project, tmp_path) -> Path:
    """A fresh copy of the built project for one test."""
    target = tmp_path / "work.annot"
    shutil.copyfile(built_project, target)
    return target


@pytest.fixture
def window(qtbot, project_path, dialogs):
    """The workbench on a copy of the sample-like project, asking ``dialogs``."""
    from annotator.gui.main_window import MainWindow

    win = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(project_path)
    yield win
    win.close()


def doc_id(win, title_start: str) -> str:
    return next(d.id for d in win.model.documents().values() if d.title.startswith(title_start)
                or d.filename.startswith(title_start))


def settle(qtbot, ms: int = 50) -> None:
    qtbot.wait(ms)
