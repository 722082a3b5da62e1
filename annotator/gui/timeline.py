"""The timeline: every annotation with a normalised date, and every entity with dates,
on a zoomable time axis, one lane per document or per entity type; click to jump.

A day is a dot; a month, a decade or a life ("1872/1957") a bar as long as the time it
covers, so a vague "mid-1927" shows as the year it is, not as a false point. The wheel
zooms around the pointer (Ctrl not needed), dragging pans, "Fit" shows everything.

The items (plain data) come from :func:`annotator.core.overview.timeline_items`.

Signals: ``jumpRequested(document_id, start, end)``, ``pageRequested(document_id,
page)``, ``annotationActivated(annotation_id)``, ``entityActivated(entity_id)``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsEllipseItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.overview import TimelineItem, timeline_items
from annotator.gui.project_model import ProjectModel
from annotator.gui.when_shown import WhenShown

LANE_HEIGHT = 26
ROW_HEIGHT = 14
LABEL_WIDTH = 170
GUTTER = 14  # px between the lane names and the first day: a first-day dot stays clear
START = LABEL_WIDTH + GUTTER
RIGHT_MARGIN = 40
AXIS_HEIGHT = 24
ORDINAL_1900 = date(1900, 1, 1).toordinal()


class TimelineView(QGraphicsView):
    """The drawing: lanes down, time across; lane labels and the year axis stay put."""

    itemActivated = Signal(object)  # TimelineItem

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.items_: list[TimelineItem] = []
        self.lanes: list[str] = []
        self.px_per_day = 0.05
        self.origin = ORDINAL_1900
        self._y: list[float] = []  # per item, its centre line
        self._lane_top: dict[str, float] = {}
        self._bottom = float(AXIS_HEIGHT)
        self._keep_fitted = True  # until the scholar zooms: refit when the view resizes

    def set_items(self, items: list[TimelineItem]) -> None:
        """New items (a reload): shown fitted, now or when the view is first shown."""
        self.items_ = items
        self.lanes = list(dict.fromkeys(i.lane for i in items))
        if items:
            self.origin = min(i.first for i in items).toordinal()
        self._keep_fitted = True
        self.fit()

    def x_of(self, day: date) -> float:
        return START + (day.toordinal() - self.origin) * self.px_per_day

    def date_at(self, x: float) -> date:
        return date.fromordinal(max(1, int(self.origin + (x - START) / self.px_per_day)))

    def fit(self) -> None:
        """Everything in the width of the view, without a horizontal scroll bar."""
        self._keep_fitted = True
        if not self.items_:
            self.rebuild()
            return
        first = min(i.first for i in self.items_).toordinal()
        last = max(i.last for i in self.items_).toordinal()
        days = max(365, last - first + 1) + 1  # an item's bar covers its last day too
        for _ in range(2):  # again if a vertical scroll bar came and took some width
            width = max(200, self.viewport().width() - START - RIGHT_MARGIN - 2)
            self.px_per_day = width / days
            self.rebuild()
            if self.horizontalScrollBar().maximum() <= 0:
                break
        self.horizontalScrollBar().setValue(0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._keep_fitted:
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._keep_fitted and self.isVisible():
            self.fit()

    def zoom(self, factor: float, at_x: float | None = None) -> None:
        """Zoom in (> 1) or out around a viewport x (its date stays under it)."""
        self._keep_fitted = False
        if at_x is None:
            at_x = self.viewport().width() / 2
        scene_x = self.mapToScene(int(at_x), 0).x()
        day = self.origin + (scene_x - START) / self.px_per_day
        self.px_per_day = min(50.0, max(0.0005, self.px_per_day * factor))
        self.rebuild()
        new_x = START + (day - self.origin) * self.px_per_day
        self.horizontalScrollBar().setValue(int(new_x - at_x))

    def _layout(self) -> None:
        """Stack what overlaps within a lane (at this zoom) on rows of its own, so
        twenty lives or dates of one month stay apart."""
        margin = 10 / self.px_per_day  # days that ten pixels cover
        self._y = [0.0] * len(self.items_)
        self._lane_top = {}
        y = float(AXIS_HEIGHT)
        order = sorted(range(len(self.items_)), key=lambda i: self.items_[i].first)
        for lane in self.lanes:
            ends: list[float] = []
            self._lane_top[lane] = y
            for i in order:
                item = self.items_[i]
                if item.lane != lane:
                    continue
                first, last = item.first.toordinal(), item.last.toordinal()
                row = next((r for r, end in enumerate(ends) if end + margin < first), None)
                if row is None:
                    row = len(ends)
                    ends.append(last)
                ends[row] = max(last, first + margin)
                self._y[i] = y + 8 + row * ROW_HEIGHT + ROW_HEIGHT / 2
            y += max(LANE_HEIGHT, 16 + len(ends) * ROW_HEIGHT)
        self._bottom = y

    def rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        self._layout()
        width = START + RIGHT_MARGIN
        for index, item in enumerate(self.items_):
            y = self._y[index]
            x0, x1 = self.x_of(item.first), self.x_of(item.last) + self.px_per_day
            color = QColor(item.color)
            if x1 - x0 < 6:  # a day, or a month at this zoom: a dot
                shape = QGraphicsEllipseItem(QRectF((x0 + x1) / 2 - 4, y - 4, 8, 8))
            else:
                shape = QGraphicsRectItem(QRectF(x0, y - 5, x1 - x0, 10))
                color.setAlpha(170)
            shape.setBrush(QBrush(color))
            shape.setPen(QPen(color.darker(140), 1))
            shape.setToolTip(item.label)
            shape.setData(0, item)
            shape.setCursor(Qt.CursorShape.PointingHandCursor)
            scene.addItem(shape)
            width = max(width, x1 + RIGHT_MARGIN)
        scene.setSceneRect(QRectF(0, 0, width, self._bottom + 10))

    def center_of(self, item: TimelineItem) -> QPointF:
        """Where an item is drawn, in scene coordinates (for tests and keyboard use)."""
        x0, x1 = self.x_of(item.first), self.x_of(item.last) + self.px_per_day
        return QPointF((x0 + x1) / 2, self._y[self.items_.index(item)])

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """The year axis on top and the lane labels on the left, fixed in the view."""
        top_left = self.mapToScene(0, 0)
        right = self.mapToScene(self.viewport().width(), 0).x()
        self.paint_frame(painter, QRectF(top_left.x(), top_left.y(), right - top_left.x(),
                                         rect.bottom() - top_left.y()))

    def paint_frame(self, painter: QPainter, area: QRectF) -> None:
        """The year axis along the top of ``area`` (scene coordinates) and the lane names
        down its left, over a band of the background colour that hides what scrolls
        under it; colours from the palette, so they follow the theme."""
        left, top, right, bottom = area.left(), area.top(), area.right(), area.bottom()
        palette = self.palette()
        text, base = palette.text().color(), palette.base().color()
        grid = QColor(text)
        grid.setAlpha(90)
        painter.save()
        painter.setPen(QPen(grid))
        step = _year_step(self.px_per_day)
        year = (self.date_at(left + START).year // step) * step
        while True:
            x = self.x_of(date(max(1, year), 1, 1))
            if x > right:
                break
            if x >= left + START:
                painter.drawLine(QPointF(x, top + AXIS_HEIGHT - 6), QPointF(x, bottom))
                painter.drawText(QPointF(x + 2, top + AXIS_HEIGHT - 8), str(year))
            year += step
            if year > 9999:
                break
        painter.fillRect(QRectF(left, top, LABEL_WIDTH, bottom - top + AXIS_HEIGHT), base)
        painter.setPen(QPen(text))
        for lane in self.lanes:
            y = self._lane_top.get(lane, AXIS_HEIGHT)
            painter.drawLine(QPointF(left, y), QPointF(right, y))
            painter.drawText(QRectF(left + 4, y, LABEL_WIDTH - 8, LANE_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             painter.fontMetrics().elidedText(lane, Qt.TextElideMode.ElideRight,
                                                              LABEL_WIDTH - 8))
        painter.setPen(QPen(grid))
        painter.drawLine(QPointF(left + LABEL_WIDTH, top), QPointF(left + LABEL_WIDTH, bottom))
        painter.restore()

    def render_picture(self, painter: QPainter, size: QSize) -> None:
        """The whole timeline (not the part on screen) with its axis and lane names, at
        the scene's size: what an export writes."""
        rect = QRectF(0, 0, size.width(), size.height())
        painter.fillRect(rect, self.palette().base())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.scene().render(painter, rect, self.scene().sceneRect())
        self.paint_frame(painter, rect)

    def export(self, path: str | Path) -> Path:
        """Write the whole timeline as PNG, or SVG when the name ends so."""
        path = Path(path)
        rect = self.scene().sceneRect()
        size = QSize(max(1, int(rect.width())), max(1, int(rect.height())))
        if path.suffix.casefold() == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(size)
            generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
            generator.setTitle("annotator timeline")
            painter = QPainter(generator)
            self.render_picture(painter, size)
            painter.end()
            return path
        if path.suffix.casefold() != ".png":
            path = path.with_suffix(".png")
        image = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        self.render_picture(painter, size)
        painter.end()
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        return path

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.25 ** steps, event.position().x())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            for shape in self.items(event.position().toPoint()):
                item = shape.data(0)
                if isinstance(item, TimelineItem):
                    self.itemActivated.emit(item)
                    event.accept()
                    return
        super().mousePressEvent(event)


def _year_step(px_per_day: float) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        if step * 365 * px_per_day >= 60:
            return step
    return 1000


class Timeline(QWidget):
    jumpRequested = Signal(str, int, int)
    pageRequested = Signal(str, int)
    annotationActivated = Signal(str)
    entityActivated = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.view = TimelineView()
        self.view.itemActivated.connect(self._activated)
        self.lanes = QComboBox()
        self.lanes.addItem("A lane per document", "document")
        self.lanes.addItem("A lane per entity type", "type")
        self.lanes.currentIndexChanged.connect(lambda _i: self.reload())
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.lanes)
        for text, slot in (("−", lambda: self.view.zoom(1 / 1.5)),
                           ("+", lambda: self.view.zoom(1.5)), ("Fit", self.view.fit),
                           ("Export…", self.export_dialog)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            bar.addWidget(b)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.when_shown = WhenShown(self, self.reload)  # hidden, it reads nothing
        model.projectOpened.connect(self.when_shown.request)
        model.projectClosed.connect(lambda: self.view.set_items([]))
        model.changed.connect(lambda c: self.when_shown.request() if (
            c.annotations or c.entities or c.documents) else None)
        self.when_shown.request()

    def reload(self) -> None:
        items = timeline_items(self.m.p, self.lanes.currentData()) if self.m.is_open else []
        self.view.set_items(items)

    def export(self, path: str | Path) -> Path:
        """The whole timeline, drawn for the file (not a grab of the screen)."""
        self.when_shown.ensure()
        return self.view.export(path)

    def export_dialog(self) -> None:
        from annotator.gui.charts import ask_export_path

        path = ask_export_path(self, "timeline")
        if path:
            self.export(path)

    def _activated(self, item: TimelineItem) -> None:
        if item.entity_id:
            self.entityActivated.emit(item.entity_id)
            return
        if item.document_id and item.start is not None:
            self.jumpRequested.emit(item.document_id, item.start, item.end or item.start)
        elif item.document_id and item.page:
            self.pageRequested.emit(item.document_id, item.page)
        if item.annotation_id:
            self.annotationActivated.emit(item.annotation_id)
