"""The workbench's scroll bars: Fusion's geometry, drawn flat (annotator.gui.scroll_bars):
the handle stands out from the groove in the light and the dark palette, hovering and
pressing it show, and it sits where Fusion puts it (what the mouse hits)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QScrollBar, QStyle, QStyleFactory, QStyleOptionSlider

from annotator.gui import theme
from annotator.gui.scroll_bars import FlatScrollBars

pytestmark = pytest.mark.gui


def _bar(qtbot, orientation=Qt.Orientation.Vertical) -> QScrollBar:
    bar = QScrollBar(orientation)
    qtbot.addWidget(bar)
    bar.setRange(0, 1000)
    bar.setPageStep(100)
    bar.resize(15, 400) if orientation == Qt.Orientation.Vertical else bar.resize(400, 15)
    bar.setValue(450)
    bar.show()
    return bar


def _rects(bar: QScrollBar) -> dict[str, object]:
    option = QStyleOptionSlider()
    bar.initStyleOption(option)
    cc, sc = QStyle.ComplexControl.CC_ScrollBar, QStyle.SubControl
    return {name: bar.style().subControlRect(cc, option, getattr(sc, name), bar)
            for name in ("SC_ScrollBarSlider", "SC_ScrollBarSubLine", "SC_ScrollBarAddLine",
                         "SC_ScrollBarGroove")}


def test_the_app_style_draws_flat_bars_where_fusion_puts_them(qtbot) -> None:
    app = QApplication.instance()
    theme.apply(app, "light", stylesheet=False)
    assert isinstance(app.style(), FlatScrollBars)
    theme.forget()
    for orientation in (Qt.Orientation.Vertical, Qt.Orientation.Horizontal):
        bar = _bar(qtbot, orientation)
        flat = _rects(bar)
        bar.setStyle(QStyleFactory.create("Fusion"))
        assert _rects(bar) == flat  # the same hit areas: nothing moves under the mouse


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_the_handle_stands_out_and_answers_the_mouse(qtbot, choice) -> None:
    app = QApplication.instance()
    theme.apply(app, choice, stylesheet=False)
    try:
        bar = _bar(qtbot)
        slider = _rects(bar)["SC_ScrollBarSlider"]
        image = bar.grab().toImage()
        centre = image.pixelColor(slider.center())
        groove = image.pixelColor(QPoint(slider.center().x(), 390 - 20))  # below the handle
        assert _distance(centre, groove) > 40, (centre.name(), groove.name())
        window = app.palette().color(app.palette().ColorRole.Window)
        assert _distance(groove, window) < 45  # a quiet groove in the palette's colours
        option = QStyleOptionSlider()
        bar.initStyleOption(option)
        option.activeSubControls = QStyle.SubControl.SC_ScrollBarSlider
        shades = []
        for extra in (QStyle.StateFlag.State_None, QStyle.StateFlag.State_MouseOver,
                      QStyle.StateFlag.State_Sunken):
            option.state = option.state | extra
            pixmap = bar.grab()
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            bar.style().drawComplexControl(QStyle.ComplexControl.CC_ScrollBar, option, painter,
                                           bar)
            painter.end()
            shades.append(pixmap.toImage().pixelColor(slider.center()))
        assert len({c.name() for c in shades}) == 3  # still, hovered, pressed: three shades
    finally:
        theme.forget()


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())
