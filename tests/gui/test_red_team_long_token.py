"""A text that is one long unbroken token (issue 16, item 19): Qt lays out a word wider
than the line in time that grows with the square of its length (1M characters: 51 s),
so such a text wraps anywhere and opens in about a second; prose keeps its word wrap."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QApplication

from annotator.gui.text_view import TextView, has_long_token

TOKEN = 300_000  # before the fix: ~15 s to show; after: well under a second


def _view(qtbot, tmp_path, text: str, note_at: int):
    """A text view on a one-document project, a passage marked at ``note_at``."""
    from annotator.core.project import Project
    from annotator.gui.project_model import ProjectModel

    with Project.create(tmp_path / "p.annot", "Long", author="Alice") as project:
        doc = project.documents.import_bytes(text.encode(), "long.txt").value.document
        ann = project.annotations.add(doc.id, start=note_at, end=note_at + 10).value
    model = ProjectModel()
    model.open(tmp_path / "p.annot")
    view = TextView(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    return view, doc.id, ann.id


def test_a_text_of_one_long_token_opens_in_a_second_and_is_highlighted(qtbot, tmp_path):
    view, doc_id, ann_id = _view(qtbot, tmp_path, "x" * TOKEN, TOKEN // 2)
    started = time.perf_counter()
    view.set_document(doc_id)
    view.show()
    QApplication.processEvents()  # shown and painted, as in the workbench
    view.viewport().repaint()
    view.go_to_offset(TOKEN // 2)
    view.viewport().repaint()
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"{TOKEN:,} characters took {elapsed:.1f} s to open"
    assert view.wordWrapMode() == QTextOption.WrapMode.WrapAnywhere
    assert view.document().firstBlock().layout().lineCount() > 100  # wrapped, not one line
    assert ann_id in view.layer.painted
    assert view.horizontalScrollBar().maximum() == 0  # nothing runs off to the right
    view.model.close()


@pytest.mark.parametrize("text", [
    "The émigrés wrote to Briand again. " * 20_000,
    "巴黎一九二七年六月十七日，致白里安先生。" * 10_000,
    ("word " * 200) + "x" * 400 + (" word" * 200),  # a long word, but one a line can hold
])
def test_prose_and_cjk_keep_their_word_wrap(qtbot, tmp_path, text):
    assert not has_long_token(text)
    view, doc_id, _ = _view(qtbot, tmp_path, text, 5)
    view.set_document(doc_id)
    assert view.wordWrapMode() == QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
    view.model.close()


def test_the_long_token_check_is_linear():
    prose = "word " * 2_000_000  # 10M characters with spaces
    started = time.perf_counter()
    assert not has_long_token(prose)
    assert time.perf_counter() - started < 1.0
    assert has_long_token(prose + "A" * 1_000 + prose)
    assert has_long_token("漢字" * 100 + "0123456789abcdef" * 100)  # a hash dump in CJK text
