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

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPen, QWheelEvent
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

LANE_HEIGHT = 26
ROW_HEIGHT = 14
LABEL_WIDTH = 170
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

    def set_items(self, items: list[TimelineItem]) -> None:
        self.items_ = items
        self.lanes = list(dict.fromkeys(i.lane for i in items))
        if items:
            self.origin = min(i.first for i in items).toordinal()
        self.fit()

    def x_of(self, day: date) -> float:
        return LABEL_WIDTH + (day.toordinal() - self.origin) * self.px_per_day

    def date_at(self, x: float) -> date:
        return date.fromordinal(max(1, int(self.origin + (x - LABEL_WIDTH) / self.px_per_day)))

    def fit(self) -> None:
        if not self.items_:
            self.rebuild()
            return
        first = min(i.first for i in self.items_).toordinal()
        last = max(i.last for i in self.items_).toordinal()
        width = max(200, self.viewport().width() - LABEL_WIDTH - 20)
        self.px_per_day = width / max(365, last - first + 1)
        self.rebuild()
        self.horizontalScrollBar().setValue(0)

    def zoom(self, factor: float, at_x: float | None = None) -> None:
        """Zoom in (> 1) or out around a viewport x (its date stays under it)."""
        if at_x is None:
            at_x = self.viewport().width() / 2
        scene_x = self.mapToScene(int(at_x), 0).x()
        day = self.origin + (scene_x - LABEL_WIDTH) / self.px_per_day
        self.px_per_day = min(50.0, max(0.0005, self.px_per_day * factor))
        self.rebuild()
        new_x = LABEL_WIDTH + (day - self.origin) * self.px_per_day
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
        width = LABEL_WIDTH + 40
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
            width = max(width, x1 + 40)
        scene.setSceneRect(QRectF(0, 0, width, self._bottom + 10))

    def center_of(self, item: TimelineItem) -> QPointF:
        """Where an item is drawn, in scene coordinates (for tests and keyboard use)."""
        x0, x1 = self.x_of(item.first), self.x_of(item.last) + self.px_per_day
        return QPointF((x0 + x1) / 2, self._y[self.items_.index(item)])

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """The year axis on top and the lane labels on the left, fixed in the view."""
        top_left = self.mapToScene(0, 0)
        left, top = top_left.x(), top_left.y()
        right = self.mapToScene(self.viewport().width(), 0).x()
        painter.save()
        painter.setPen(QPen(QColor("#888888")))
        step = _year_step(self.px_per_day)
        year = (self.date_at(max(left, LABEL_WIDTH)).year // step) * step
        while True:
            x = self.x_of(date(max(1, year), 1, 1))
            if x > right:
                break
            if x >= left + LABEL_WIDTH:
                painter.drawLine(QPointF(x, top + AXIS_HEIGHT - 6), QPointF(x, rect.bottom()))
                painter.drawText(QPointF(x + 2, top + AXIS_HEIGHT - 8), str(year))
            year += step
            if year > 9999:
                break
        painter.fillRect(QRectF(left, top, LABEL_WIDTH, rect.height() + AXIS_HEIGHT),
                         self.palette().base())
        painter.setPen(QPen(self.palette().text().color()))
        for lane in self.lanes:
            y = self._lane_top.get(lane, AXIS_HEIGHT)
            painter.drawLine(QPointF(left, y), QPointF(right, y))
            painter.drawText(QRectF(left + 4, y, LABEL_WIDTH - 8, LANE_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             painter.fontMetrics().elidedText(lane, Qt.TextElideMode.ElideRight,
                                                              LABEL_WIDTH - 8))
        painter.restore()

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
        model.projectOpened.connect(self.reload)
        model.projectClosed.connect(lambda: self.view.set_items([]))
        model.changed.connect(lambda c: self.reload() if (c.annotations or c.entities
                                                          or c.documents) else None)
        self.reload()

    def reload(self) -> None:
        items = timeline_items(self.m.p, self.lanes.currentData()) if self.m.is_open else []
        self.view.set_items(items)

    def export(self, path: str) -> None:
        from annotator.gui.charts import export_widget

        export_widget(self.view, path)

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
