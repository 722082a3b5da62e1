"""The scan view's QGraphicsView: input handed to its owner, exact coordinates, zoom.

Qt's own mapping rounds to whole pixels, and its transformation anchors move the page
on zoom; a region dragged at 800 % must land on the same page points as at 50 %, so
the view maps with its full transform and keeps the anchor point itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QRegion,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from annotator.gui.theme import scan_backdrop


class ScanInput(Protocol):
    """What the graphics view hands its input to (the :class:`ScanView`)."""

    def mouse_press(self, pos: QPointF, shift: bool) -> bool: ...

    def mouse_move(self, pos: QPointF) -> None: ...

    def mouse_release(self, pos: QPointF) -> None: ...

    def mouse_hover(self, pos: QPointF | None) -> None: ...

    def handle_wheel_zoom(self, steps: float, pos: QPointF) -> None: ...

    def handle_key(self, event: QKeyEvent) -> bool: ...

    def handle_resize(self) -> None: ...


class ScanGraphicsView(QGraphicsView):
    """The QGraphicsView: hands mouse, wheel, keys and resizes to its owner."""

    def __init__(self, scene: QGraphicsScene, owner: ScanInput,
                 parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self._owner = owner
        self._dragging = False
        self.after_paint: Callable[[], None] | None = None  # called once, after a paint
        #: the scene rectangles the pages cover in a scene rectangle (each page paints its
        #: whole rectangle opaquely: its image, or the grey placeholder)
        self.covered: Callable[[QRectF], list[QRectF]] | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(scan_backdrop(self.palette()))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        # always shown, so that fitting the width cannot make it appear and refit
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.viewport().setMouseTracking(True)  # hovering a word marks it in the text
        # drawBackground paints every pixel: the viewport's own fill would be a second one
        self.viewport().setAutoFillBackground(False)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.set_mode("pan")

    def set_mode(self, mode: str) -> None:
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if mode == "pan"
                         else QGraphicsView.DragMode.NoDrag)
        cursor = {"region": Qt.CursorShape.CrossCursor, "text": Qt.CursorShape.IBeamCursor}
        if mode in cursor:
            self.viewport().setCursor(cursor[mode])
        else:
            self.viewport().unsetCursor()

    # -- coordinates and zoom ------------------------------------------------------------

    def viewport_to_scene(self, point: QPointF) -> QPointF:
        """Exact (sub-pixel) mapping; QGraphicsView.mapToScene rounds to pixels."""
        return self.viewportTransform().inverted()[0].map(point)

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def zoom_about(self, zoom: float, anchor: QPointF) -> None:
        """Scale to ``zoom`` keeping the scene point under ``anchor`` (viewport pixels)
        where it is on screen."""
        fixed = self.viewport_to_scene(anchor)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        moved = self.viewportTransform().map(fixed) - anchor
        for bar, delta in ((self.horizontalScrollBar(), moved.x()),
                           (self.verticalScrollBar(), moved.y())):
            bar.setValue(bar.value() + round(delta))

    def scroll_to_scene_y(self, y: float, zoom: float) -> None:
        """Scroll scene height ``y`` to the top of the viewport."""
        bar = self.verticalScrollBar()
        top = self.viewport_to_scene(QPointF(0, 0)).y()
        bar.setValue(bar.value() + round((y - top) * zoom))

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        """The backdrop only around the pages: under a page it would be painted over at
        once (a full-viewport fill a paint, done on Qt's pooled threads for tall areas).
        Worked out in viewport pixels, a page's rectangle rounded inwards and kept two
        pixels inside its edges, so no rounding can leave a seam unpainted."""
        world = painter.worldTransform()
        if self.covered is None or world.type().value > QTransform.TransformationType.TxScale.value:
            super().drawBackground(painter, rect)
            return
        region = QRegion(world.mapRect(rect).toAlignedRect().adjusted(-1, -1, 1, 1))
        for page in self.covered(rect):
            shown = world.mapRect(page)
            left, top = math.ceil(shown.left()) + 2, math.ceil(shown.top()) + 2
            right, bottom = math.floor(shown.right()) - 2, math.floor(shown.bottom()) - 2
            if right > left and bottom > top:
                region -= QRegion(left, top, right - left, bottom - top)
        painter.save()
        painter.resetTransform()
        brush = self.backgroundBrush()
        for part in region:
            painter.fillRect(part, brush)
        painter.restore()

    def paintEvent(self, event: QEvent) -> None:
        super().paintEvent(event)
        if self.after_paint is not None:
            callback, self.after_paint = self.after_paint, None
            callback()

    # -- input ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._dragging = (event.button() == Qt.MouseButton.LeftButton
                          and self._owner.mouse_press(event.position(), shift))
        if not self._dragging:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._owner.mouse_move(event.position())
        else:
            if event.buttons() == Qt.MouseButton.NoButton:
                self._owner.mouse_hover(event.position())
            super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._owner.mouse_hover(None)
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._owner.mouse_release(event.position())
        if self._dragging:
            self._dragging = False
        else:
            super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._owner.handle_wheel_zoom(event.angleDelta().y() / 120, event.position())
        else:
            super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._owner.handle_key(event):
            super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._owner.handle_resize()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # View ▸ Theme
            self.setBackgroundBrush(scan_backdrop(self.palette()))
