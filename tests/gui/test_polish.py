"""Issue 11, item 15, the smaller defects: the inspector at 1280×720 with long tag
names, the header's character count after edits and undo, status messages that
outlive what they describe, the entity page's unannotated mentions, dates without a
year, and quitting. The real window, driven by keys and menu actions; judged by the
project file or by what the widgets really show."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QScrollArea

from annotator.core.model import TagKind
from tests.gui.test_walkthrough import open_letter, reread, select_annotation_of

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
    window.model.do("Tag", p.annotations.update, chosen, tag_ids=[*old, *tags])
    qtbot.wait(50)
    inspector = window.inspector
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
    for chip in chips:
        right = chip.mapTo(scroll.viewport(), chip.rect().topRight()).x()
        assert right <= scroll.viewport().width()
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
