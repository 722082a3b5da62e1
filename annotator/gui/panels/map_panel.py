"""View ▸ Map (issue 15): the project's located places on a plain graticule, offline.

No tiles, no web engine, no bundled coastline: meridians and parallels every 15°
(equirectangular: x = longitude, y = -latitude), the equator and the prime meridian
darker, and a dot per place with coordinates (a gazetteer match or typed by hand),
sized by its mentions. A click opens the place's entity page. It is a finding aid, not
a cartographic product: the GeoJSON and KML exports are for QGIS and Google Earth.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from annotator.core import places
from annotator.core.changes import OpChanges
from annotator.gui.panels.network import ROLE, NetworkView
from annotator.gui.project_model import ProjectModel

DEGREE = 6.0  # scene units per degree


class MapPanel(QWidget):
    entityActivated = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.dots: dict[str, QGraphicsEllipseItem] = {}
        self.scene = QGraphicsScene(self)
        self.view = NetworkView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.itemClicked.connect(self._clicked)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.dirty = True
        model.changed.connect(self._changed)
        model.projectOpened.connect(self.refresh)
        model.projectClosed.connect(self.refresh)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.dirty:
            self.refresh()

    def refresh(self) -> None:
        """Redraw (only when shown: a hidden map costs nothing)."""
        if not self.isVisible():
            self.dirty = True
            return
        self.dirty = False
        self.scene.clear()
        self.dots.clear()
        self._graticule()
        if not self.m.is_open:
            self.status.setText("")
            return
        counts = self.m.p.entities.mention_counts()
        located = [(e, p) for e in self.m.entities().values()
                   if (p := places.coordinates(e)) is not None]
        for entity, (lat, lon) in located:
            self._dot(entity.id, entity.name, lat, lon, counts.get(entity.id, 0))
        self.status.setText(f"{len(located)} located place(s). Locate more from a place's "
                            "entity page or with annotator entities P --locate NAME.")
        if located:
            lats = [p[0] for _e, p in located]
            lons = [p[1] for _e, p in located]
            pad = 10.0
            box = QRectF((min(lons) - pad) * DEGREE, -(max(lats) + pad) * DEGREE,
                         (max(lons) - min(lons) + 2 * pad) * DEGREE,
                         (max(lats) - min(lats) + 2 * pad) * DEGREE)
        else:
            box = self.scene.sceneRect()
        self.view.fitInView(box, Qt.AspectRatioMode.KeepAspectRatio)

    def _graticule(self) -> None:
        light, dark = QPen(QColor("#d0d7de"), 0), QPen(QColor("#8c959f"), 0)
        for lon in range(-180, 181, 15):
            self.scene.addLine(lon * DEGREE, -90 * DEGREE, lon * DEGREE, 90 * DEGREE,
                               dark if lon == 0 else light)
        for lat in range(-90, 91, 15):
            self.scene.addLine(-180 * DEGREE, -lat * DEGREE, 180 * DEGREE, -lat * DEGREE,
                               dark if lat == 0 else light)
        self.scene.setSceneRect(QRectF(-180 * DEGREE, -90 * DEGREE, 360 * DEGREE,
                                       180 * DEGREE))

    def _dot(self, entity_id: str, name: str, lat: float, lon: float, mentions: int) -> None:
        r = min(12.0, 4 + 2 * math.sqrt(mentions))
        dot = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
        dot.setPos(lon * DEGREE, -lat * DEGREE)
        dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        dot.setBrush(QBrush(QColor("#d62728")))
        dot.setPen(QPen(QColor("#333333"), 0.5))
        dot.setToolTip(f"{name} ({lat:.4f}, {lon:.4f}), {mentions} mention(s)")
        dot.setData(ROLE, ("node", entity_id))
        dot.setZValue(2)
        label = QGraphicsSimpleTextItem(name, dot)
        label.setPos(r, -r)
        label.setData(ROLE, ("node", entity_id))
        self.scene.addItem(dot)
        self.dots[entity_id] = dot

    def _clicked(self, data: tuple) -> None:
        if data[0] == "node":
            self.entityActivated.emit(data[1])

    def _changed(self, changes: OpChanges) -> None:
        if changes.entities or changes.annotations:
            self.refresh()
