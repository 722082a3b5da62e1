"""Issue 11, item 15, the smaller defects: the inspector at 1280×720 with long tag
names, the header's character count after edits and undo, status messages that
outlive what they describe, the entity page's unannotated mentions, dates without a
year, and quitting. The real window, driven by keys and menu actions; judged by the
project file or by what the widgets really show."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QScrollArea

from annotator.core.model import TagKind
from annotator.core.project import Project
from tests.gui.conftest import doc_id
from tests.gui.test_walkthrough import (
    on_page,
    open_letter,
    reread,
    scan_of,
    select_annotation_of,
    select_words,
)

LONG = ("Diplomatic recognition of the Soviet Union by the Third Republic",
        "Émigré governments of the Caucasian republics in Paris",
        "Collective security and the Geneva protocol")


def small_screen(window, qtbot) -> None:
    """The window as on a 1280×720 laptop, its docks at their default sizes."""
    window.resize(1280, 720)
    window._default_dock_sizes()
    qtbot.wait(50)


# -- 1: the inspector with long tag names ------------------------------------------------


def test_long_tag_names_wrap_and_the_inspector_fits_its_dock(window, qtbot):
    small_screen(window, qtbot)
    chosen = select_annotation_of(window, qtbot, "Azerbaijan")
    p = window.model.p
    tags = [window.model.do("New theme", p.tags.create, name, TagKind.THEME).value.id
            for name in LONG]
    old = p.annotations.get(chosen).tag_ids
    inspector = window.inspector
    field = inspector.add_tag.lineEdit()
    for typed in ("Diplomatic recog", "governments of the", "security and the"):
        field.setFocus()  # typed in part in "Add tag…", one after the other
        QTest.keyClicks(field, typed)
        QTest.keyClick(field, Qt.Key.Key_Return)
        qtbot.wait(30)
    with reread(window) as f:
        assert set(f.annotations.get(chosen).tag_ids) == {*old, *tags}
    scroll = inspector.stack.currentWidget()
    assert isinstance(scroll, QScrollArea)
    dock = window.docks["inspector"]
    body = scroll.widget()
    # the body never asks for more width than the dock gives it …
    assert body.minimumSizeHint().width() <= scroll.viewport().width() <= dock.width()
    assert not scroll.horizontalScrollBar().isVisible()
    # … because the chips wrap: four chips, on more than one line, each inside the dock
    chips = [c for c in inspector.chips.children() if c.objectName() == "tagChip"]
    assert len(chips) == len(old) + len(LONG)
    assert len({c.y() for c in chips}) > 1
    field_top = inspector.add_tag.mapTo(body, inspector.add_tag.rect().topLeft()).y()
    for chip in chips:
        right = chip.mapTo(scroll.viewport(), chip.rect().topRight()).x()
        assert right <= scroll.viewport().width()
        assert chip.isVisible()  # and not hidden under the field below
        assert chip.mapTo(body, chip.rect().bottomLeft()).y() < field_top
    # the whole name is in the tooltip, and removing still works by a click
    assert any(LONG[0] in c.toolTip() for c in chips)
    target = next(c for c in chips if LONG[0] in c.toolTip())
    QTest.mouseClick(target, Qt.MouseButton.LeftButton)
    with reread(window) as f:
        assert tags[0] not in f.annotations.get(chosen).tag_ids
        assert tags[1] in f.annotations.get(chosen).tag_ids


# -- 2: the header's character count -----------------------------------------------------


def shown_count(pane) -> int:
    """The character count the pane's header shows."""
    bit = next(b for b in pane.subtitle._full.split(" · ") if b.endswith(" characters"))
    return int(bit.split()[0].replace(",", ""))


def test_header_character_count_follows_edits_undo_and_redo(window, qtbot):
    letter, view = open_letter(window, qtbot)
    before = len(window.model.p.documents.text(letter))
    assert shown_count(window.left) == before
    QTest.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert view.editing
    at = view.text().index("Mr. President")
    view.select_codepoints(at, at + len("Mr. "))
    QTest.keyClick(view, Qt.Key.Key_Delete)
    QTest.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert not view.editing
    with reread(window) as p:
        after = len(p.documents.text(letter))
    assert after == before - 4
    assert shown_count(window.left) == after
    window.menus.undo.trigger()
    with reread(window) as p:
        assert len(p.documents.text(letter)) == before
    assert shown_count(window.left) == before
    QTest.keySequence(view, "Ctrl+Shift+Z")
    assert shown_count(window.left) == after


# -- 3: status messages ------------------------------------------------------------------


def test_linked_goes_when_the_link_is_undone(window, qtbot):
    _letter, view, scan = scan_of(window, qtbot)
    viewport = scan.graphics_view().viewport()
    view.setFocus()
    select_words(view, "moral support")
    shift = Qt.KeyboardModifier.ShiftModifier
    a, b = on_page(scan, 80, 300), on_page(scan, 400, 360)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, shift, a)
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, b)
    QTest.keySequence(view, "Ctrl+L")
    bar = window.statusBar()
    qtbot.wait(20)
    assert bar.currentMessage() == "Linked."  # it outlives the gesture's own selection
    QTest.keySequence(view, "Ctrl+Z")
    with reread(window) as p:
        assert not [x for x in p.links.list() if x.relation == "transcribes"
                    and "moral support" in (p.annotations.get(x.source_id).quote or "")]
    qtbot.waitUntil(lambda: bar.currentMessage() != "Linked.", timeout=1000)


def test_a_message_goes_when_the_scholar_works_in_another_document(window, qtbot):
    letter, view = open_letter(window, qtbot)
    start, end = select_words(view, "moral support")
    QTest.keyClick(view, Qt.Key.Key_6)
    bar = window.statusBar()
    qtbot.wait(20)
    assert bar.currentMessage().startswith("Tagged “moral support”")
    with reread(window) as p:
        assert any(a.text.start == start for a in p.annotations.list(document_id=letter)
                   if a.text)
    window.documents.openRequested.emit(doc_id(window, "ussr_france"), False)  # double-click
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=1000)
    # and a message about the annotation just made goes when another one is selected
    letter, view = open_letter(window, qtbot)
    select_words(view, "the Soviets")
    QTest.keyClick(view, Qt.Key.Key_6)
    qtbot.wait(20)
    assert bar.currentMessage().startswith("Tagged “the Soviets”")
    select_annotation_of(window, qtbot, "Georgia")
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=1000)


# -- 6: quitting -------------------------------------------------------------------------


def test_quit_closes_the_window_at_once_with_the_project_committed_and_closed(window, qtbot):
    letter, view = open_letter(window, qtbot)
    start, end = select_words(view, "moral support")
    QTest.keyClick(view, Qt.Key.Key_6)
    path = window.model.p.path
    began = time.perf_counter()
    window.menus.quit.trigger()
    took = time.perf_counter() - began
    assert not window.isVisible() and not window.model.is_open
    assert took < 0.5, f"closing took {took:.2f} s"
    assert not path.with_name(path.name + "-wal").exists()  # folded back into the file
    with Project.open(path) as p:  # the lock is let go, the tag is there
        tagged = [a for a in p.annotations.list(document_id=letter)
                  if a.text and (a.text.start, a.text.end) == (start, end)]
        assert [p.tags.get(t).name for t in tagged[0].tag_ids] == ["Imperial debt"]


LEAVE = """
import sys
from PySide6.QtWidgets import QApplication, QWidget
from annotator.gui.project_model import ProjectModel
from annotator.gui.quitting import leave
app = QApplication([])
holder = QWidget()
holder.model = ProjectModel()
holder.model.open(sys.argv[1], author="Test Historian")
holder.model.do("Rename", holder.model.p.set_title, "Renamed on the way out")
print("before leaving", flush=True)
sys.stdout.write("unflushed tail")
leave(3)
"""


def test_leave_closes_a_project_left_open_and_exits_without_teardown(project_path, tmp_path):
    """The process end the GUI uses: a project still open is closed (checkpointed,
    lock let go), output is flushed, the status is the one given."""
    script = tmp_path / "leave.py"
    script.write_text(LEAVE)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(script), str(project_path)], env=env,
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 3, done.stderr
    assert done.stdout.endswith("before leaving\nunflushed tail")
    assert not project_path.with_name(project_path.name + "-wal").exists()
    with Project.open(project_path) as p:
        assert p.title == "Renamed on the way out"


# -- 5: a date without a year -------------------------------------------------------------


def test_a_day_and_month_typed_in_the_date_field_take_the_letters_year(window, qtbot):
    chosen = select_annotation_of(window, qtbot, "Azerbaijan")
    field = window.inspector.date
    field.setFocus()
    QTest.keyClicks(field, "15 October")
    QTest.keyClick(field, Qt.Key.Key_Return)
    with reread(window) as p:  # the letter's dateline, "Paris, 17 June 1927", before it
        assert p.annotations.get(chosen).date_value == "1927-10-15"
    assert field.text() == "1927-10-15"


# -- 4: the entity page ------------------------------------------------------------------


def test_entity_page_fits_its_dock_and_annotates_an_unannotated_mention_by_key(
        window, qtbot):
    small_screen(window, qtbot)
    herriot = next(e.id for e in window.model.entities().values()
                   if e.name == "Édouard Herriot")
    window.show_entity(herriot)
    page = window.research["entity"]
    tree = page.mentions
    qtbot.waitUntil(lambda: page.unannotated.childCount() > 0, timeout=3000)
    scroll = window.docks["entity"].widget()
    assert page.minimumSizeHint().width() <= scroll.viewport().width()
    assert not scroll.horizontalScrollBar().isVisible()
    # the annotated "Eduard Errio" has no entity: it is not yet a mention of him
    rows = [page.unannotated.child(i) for i in range(page.unannotated.childCount())]
    recognition = doc_id(window, "ussr_france")
    text = window.model.p.documents.text(recognition)
    wanted = next(r for r in rows if r.data(0, Qt.ItemDataRole.UserRole).document_id
                  == recognition)
    found = wanted.data(0, Qt.ItemDataRole.UserRole)
    assert text[found.start:found.end] in ("Eduard Errio", "Errio")
    # the quote is in view at the dock's width, the whole context in the tooltip
    shown = wanted.text(0)
    metrics = tree.fontMetrics()
    tree.scrollToItem(wanted)
    text_left = tree.visualItemRect(wanted).left() + 4  # after the indentation, a margin
    assert text_left + metrics.horizontalAdvance(shown[:shown.index("]") + 1]) \
        <= tree.columnWidth(0)
    assert text[found.start:found.end] in wanted.toolTip(0)
    before = page.unannotated.childCount()
    tree.setFocus()
    tree.setCurrentItem(wanted)
    QTest.keyClick(tree, Qt.Key.Key_A)
    with reread(window) as p:
        made = [a for a in p.annotations.list(document_id=recognition)
                if a.text and (a.text.start, a.text.end) == (found.start, found.end)]
        assert len(made) == 1 and made[0].entity_id == herriot  # joined, not doubled
    assert page.unannotated.childCount() == before - 1
    assert any(page.annotated.child(i).data(0, Qt.ItemDataRole.UserRole).start == found.start
               for i in range(page.annotated.childCount()))
    window.menus.undo.trigger()  # one step
    with reread(window) as p:
        assert all(a.entity_id != herriot for a in p.annotations.list(document_id=recognition)
                   if a.text and a.text.start == found.start)
    qtbot.waitUntil(lambda: page.unannotated.childCount() == before, timeout=3000)
    # and the button does the same
    page.mentions.setCurrentItem(page.unannotated.child(0))
    target = page.unannotated.child(0).data(0, Qt.ItemDataRole.UserRole)
    assert page.annotate.isEnabled()
    QTest.mouseClick(page.annotate, Qt.MouseButton.LeftButton)
    with reread(window) as p:
        assert any(a.entity_id == herriot and a.text and a.text.start == target.start
                   for a in p.annotations.list(document_id=target.document_id))
