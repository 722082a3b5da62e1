"""Flat scroll bars: a rounded handle on a quiet groove, in the palette's colours.

Fusion paints a scroll bar with gradients: about 1 ms each time a 900-pixel bar
repaints, even when nothing but its handle moved (measured, offscreen, warm caches;
0.1 ms for the plain Windows style). The scan view repaints its bar on every jump to a
page, the text view and the table on every scroll, so that millisecond was most of
revisiting a page already rendered (2.3 ms, against 0.9 ms for a viewer that only
shows a kept image). This style keeps Fusion's geometry (the same handle, arrows and
hit areas, so nothing moves under the mouse) and draws the bar with a few fills.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPolygonF
from PySide6.QtWidgets import (
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOptionComplex,
    QStyleOptionSlider,
    QWidget,
)

_CC = QStyle.ComplexControl.CC_ScrollBar
_SLIDER = QStyle.SubControl.SC_ScrollBarSlider
_SUB_LINE = QStyle.SubControl.SC_ScrollBarSubLine
_ADD_LINE = QStyle.SubControl.SC_ScrollBarAddLine


def _mix(base: QColor, ink: QColor, share: float) -> QColor:
    """``share`` of the way from the background to the text colour: the same rule
    gives a visible handle on a light and on a dark palette."""
    return QColor.fromRgbF(*(b + (i - b) * share for b, i in (
        (base.redF(), ink.redF()), (base.greenF(), ink.greenF()), (base.blueF(), ink.blueF()))))


class FlatScrollBars(QProxyStyle):
    """Fusion, with its scroll bars drawn flat (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def drawComplexControl(self, control: QStyle.ComplexControl, option: QStyleOptionComplex,
                           painter: QPainter, widget: QWidget | None = None) -> None:
        if control != _CC or not isinstance(option, QStyleOptionSlider):
            super().drawComplexControl(control, option, painter, widget)
            return
        palette, state = option.palette, option.state
        base = palette.color(QPalette.ColorRole.Window)
        ink = palette.color(QPalette.ColorRole.WindowText)
        enabled = bool(state & QStyle.StateFlag.State_Enabled) and option.maximum > option.minimum
        sunken = bool(state & QStyle.StateFlag.State_Sunken)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        active = option.activeSubControls
        vertical = option.orientation == Qt.Orientation.Vertical
        painter.save()
        painter.fillRect(option.rect, _mix(base, ink, 0.05))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if enabled:
            handle = QRectF(self.subControlRect(_CC, option, _SLIDER, widget))
            on_handle = bool(active & _SLIDER)
            share = 0.62 if on_handle and sunken else 0.5 if on_handle and hovered else 0.34
            inset = handle.adjusted(3, 2, -3, -2) if vertical else handle.adjusted(2, 3, -2, -3)
            if inset.width() > 0 and inset.height() > 0:
                radius = min(inset.width(), inset.height()) / 2
                painter.setBrush(_mix(base, ink, share))
                painter.drawRoundedRect(inset, radius, radius)
        for sub, back in ((_SUB_LINE, True), (_ADD_LINE, False)):
            rect = QRectF(self.subControlRect(_CC, option, sub, widget))
            if rect.isEmpty():
                continue
            pressed = enabled and bool(active & sub) and sunken
            painter.setBrush(_mix(base, ink, 0.85 if pressed else 0.55 if enabled else 0.25))
            painter.drawPolygon(_arrow(rect, vertical, back))
        painter.restore()


def _arrow(rect: QRectF, vertical: bool, back: bool) -> QPolygonF:
    """A small triangle in ``rect`` pointing up/left (``back``) or down/right."""
    c, w, h = rect.center(), 3.5, 2.0
    sign = -1 if back else 1
    if vertical:
        points = [QPointF(c.x() - w, c.y() - sign * h), QPointF(c.x() + w, c.y() - sign * h),
                  QPointF(c.x(), c.y() + sign * h)]
    else:
        points = [QPointF(c.x() - sign * h, c.y() - w), QPointF(c.x() - sign * h, c.y() + w),
                  QPointF(c.x() + sign * h, c.y())]
    return QPolygonF(points)
