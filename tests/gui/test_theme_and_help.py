"""View ▸ Theme, Help ▸ Getting started and the timeline's drawing (issue 11, items 12,
13 and 15), used from the real window's menus as a person does."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor, QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from annotator.gui import settings, theme
from annotator.gui.dialogs.getting_started import GettingStartedDialog, show_once
from annotator.gui.dialogs.shortcuts import keys_of
from annotator.gui.timeline import LABEL_WIDTH

pytestmark = pytest.mark.gui


def menu_entry(window, *path: str):
    """The action at a menu path given by its plain texts ("View", "Theme", "Dark")."""
    from annotator.gui.dialogs.shortcuts import plain

    actions = window.menuBar().actions()
    for i, name in enumerate(path):
        action = next(a for a in actions if plain(a.text()) == name)
        if i == len(path) - 1:
            return action
        actions = action.menu().actions()
    raise LookupError(path)


def lightness(color: QColor) -> int:
    return color.lightness()


def grab_pixel(widget, x: int, y: int) -> QColor:
    """The colour at (x, y) of the widget as drawn (y < 0: from the bottom)."""
    image = widget.grab().toImage()
    y = image.height() + y if y < 0 else y
    assert 0 <= x < image.width() and 0 <= y < image.height()
    return image.pixelColor(x, y)


def test_view_theme_dark_from_the_menu_darkens_everything_and_is_remembered(
        window, qtbot, project_path, dialogs):
    from annotator.gui.main_window import MainWindow
    from annotator.gui.scan_graphics import ScanGraphicsView

    charts, timeline = window.research["charts"], window.research["timeline"]
    dark = menu_entry(window, "View", "Theme", "Dark")
    assert dark.isCheckable() and not dark.isChecked()
    dark.trigger()
    qtbot.wait(20)
    assert dark.isChecked() and not menu_entry(window, "View", "Theme", "Light").isChecked()
    assert theme.is_dark(QApplication.palette())
    assert theme.is_dark(window.left.text_view.palette())  # what the highlights ask
    chart = charts.tags.chart()
    assert lightness(chart.backgroundBrush().color()) < 100
    assert lightness(chart.titleBrush().color()) > 150  # readable on it
    window.docks["charts"].raise_()
    qtbot.wait(20)
    assert lightness(grab_pixel(charts.tags, 5, 5)) < 100
    window.docks["timeline"].raise_()
    qtbot.wait(20)
    assert lightness(grab_pixel(timeline.view.viewport(), 5, -3)) < 100
    scans = window.findChildren(ScanGraphicsView)
    assert scans and all(lightness(s.backgroundBrush().color()) < 60 for s in scans)
    assert settings.value("view/theme") == "dark"

    # a new session: the remembered choice, checked in its menu and applied
    theme._current = None
    QApplication.instance().setPalette(QApplication.style().standardPalette())
    theme.apply(QApplication.instance(), stylesheet=False)
    assert theme.is_dark(QApplication.palette())
    again = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(again)
    assert menu_entry(again, "View", "Theme", "Dark").isChecked()
    again.close()

    menu_entry(window, "View", "Theme", "Light").trigger()  # and back, at once
    qtbot.wait(20)
    assert not theme.is_dark(QApplication.palette())
    assert lightness(charts.tags.chart().backgroundBrush().color()) > 200
    assert lightness(grab_pixel(timeline.view.viewport(), 5, -3)) > 200
    window.docks["charts"].raise_()
    qtbot.wait(20)
    assert lightness(grab_pixel(charts.tags, 5, 5)) > 200
    assert settings.value("view/theme") == "light"


def test_switching_theme_keeps_the_inspector_within_its_dock(window, qtbot):
    """A style change used to size the inspector's tag and entity boxes to their
    longest entry: the inspector grew a horizontal scroll bar and hid its × buttons."""
    app = QApplication.instance()
    theme.apply_stylesheet(app)  # as the real start does: switching sets it again
    try:
        annotation = window.model.p.annotations.list()[0]
        window.selected.jump_to(annotation.id)
        qtbot.wait(20)
        scroll = window.inspector.stack.currentWidget()
        assert scroll.widget().width() <= scroll.viewport().width()
        menu_entry(window, "View", "Theme", "Dark").trigger()
        qtbot.wait(20)
        assert scroll.widget().width() <= scroll.viewport().width()
    finally:
        app.setStyleSheet("")


def test_the_environment_overrides_the_remembered_theme(monkeypatch):
    settings.set_value("view/theme", "dark")
    assert theme.chosen() == "dark"
    monkeypatch.setenv("ANNOTATOR_THEME", "light")
    assert theme.chosen() == "light"
    monkeypatch.setenv("ANNOTATOR_THEME", "purple")  # not a theme: the remembered one
    assert theme.chosen() == "dark"


def test_getting_started_names_the_windows_real_entries_and_keys(window, qtbot):
    menu_entry(window, "Help", "Getting started").trigger()
    dialog = window.menus.getting_started_dialog
    assert isinstance(dialog, GettingStartedDialog) and dialog.isVisible()
    assert dialog.width() <= 1280 and dialog.height() <= 720
    text = dialog.text.toPlainText().replace("\xa0", " ")
    menus = window.menus
    for action in (menus.open_project, menus.import_documents, menus.find_tag, menus.undo,
                   menus.link, menus.edit_text, menus.shortcuts):
        keys = keys_of(action)
        assert keys and keys in text, (action.text(), keys)
    for entry in ("File ▸ Import documents…", "Annotate ▸ Find tag…",
                  "File ▸ Merge a colleague's project…", "File ▸ Save a copy for a colleague…",
                  "Edit ▸ Find in document…"):
        assert entry in text, entry
    assert "6 Imperial debt" in text  # the project's own tag keys
    dialog.close()

    menus.find_tag.setShortcut(QKeySequence("Ctrl+Alt+J"))  # the page follows the keys
    menu_entry(window, "Help", "Getting started").trigger()
    assert "Ctrl+Alt+J" in window.menus.getting_started_dialog.text.toPlainText()
    window.menus.getting_started_dialog.close()


def test_getting_started_opens_once_on_the_first_run_and_from_the_empty_window(
        window, qtbot):
    from annotator.gui import app

    app.start(window, window.model.p.path)  # what the first run does
    qtbot.waitUntil(lambda: getattr(window.menus, "getting_started_dialog", None) is not None)
    first = window.menus.getting_started_dialog
    assert first.isVisible()
    first.close()
    window.menus.getting_started_dialog = None
    assert not show_once(window)  # remembered: not again
    assert window.menus.getting_started_dialog is None
    window._update_welcome()  # the empty state, whichever it is, offers the tour
    assert "href='help'" in window.welcome.text()
    window.welcome.linkActivated.emit("help")
    assert window.menus.getting_started_dialog.isVisible()
    window.menus.getting_started_dialog.close()


# -- the timeline --------------------------------------------------------------------------


@pytest.fixture
def dated_timeline(window, qtbot):
    """The timeline of the window, with lives and dates from the very first day on."""
    p, model = window.model.p, window.model
    person = p.tags.find("Person").id
    model.do("Entity", p.entities.create, "Aristide Briand (life)", person, dates="1862/1932")
    model.do("Entity", p.entities.create, "First day", person, dates="1862-01-01")
    model.do("Entity", p.entities.create, "Édouard Herriot (life)", person, dates="1872/1957")
    timeline = window.research["timeline"]
    window.docks["timeline"].show()
    window.docks["timeline"].raise_()
    qtbot.wait(20)
    timeline.reload()
    return timeline


def test_first_year_items_start_right_of_the_lane_names(dated_timeline):
    view = dated_timeline.view
    first = min(view.items_, key=lambda i: i.first)
    shapes = [s for s in view.scene().items() if s.data(0) is not None
              and s.data(0).first == first.first]
    assert shapes
    assert all(s.sceneBoundingRect().left() > LABEL_WIDTH for s in shapes)


def test_timeline_is_fitted_when_first_shown(window, qtbot, dated_timeline):
    from annotator.gui.timeline import Timeline

    fresh = Timeline(window.model)  # built hidden, as a tabbed dock is
    qtbot.addWidget(fresh)
    fresh.resize(900, 300)
    fresh.show()
    qtbot.waitExposed(fresh)
    view = fresh.view
    right = max(view.x_of(i.last) + view.px_per_day for i in view.items_)
    assert view.horizontalScrollBar().maximum() == 0
    assert right > 0.7 * view.viewport().width()


def test_timeline_export_renders_the_whole_scene_with_clear_lane_names(
        dated_timeline, tmp_path):
    view = dated_timeline.view
    view.zoom(3.0)  # more than the screen shows: the file has it all
    path = dated_timeline.export(tmp_path / "timeline.png")
    image = QImage(str(path))
    rect = view.scene().sceneRect()
    assert (image.width(), image.height()) == (int(rect.width()), int(rect.height()))
    assert image.width() > view.viewport().width()
    coloured = [(x, y) for x in range(0, LABEL_WIDTH, 2) for y in range(0, image.height(), 2)
                if image.pixelColor(x, y).hsvSaturation() > 80]
    assert not coloured, coloured[:5]  # lane names only: no item under or over them
    names = [(x, y) for x in range(4, LABEL_WIDTH - 4) for y in range(24, 60)
             if image.pixelColor(x, y).lightness() < 128]
    assert names  # the first lane's name is drawn
    svg = dated_timeline.export(tmp_path / "timeline.svg")
    assert b"<svg" in svg.read_bytes()
