"""View ▸ Network (issue 15): entities as nodes (their type's colour, sized by mentions),
relations (coloured by type; the tooltip names it) and same-paragraph co-occurrence
(grey, thicker when frequent) as edges, in a QGraphicsScene: no web engine.

Filters: relations and co-occurrence on or off, one document, one tag, one author,
a range of years. The network is read from the project on the GUI thread (one query
per kind), laid out on a worker thread (annotator.core.network_layout: 5,000 nodes
and 50,000 edges in under a second of CPU) and drawn in slices from a timer, so the
window stays responsive. At 5,000 entities and 50,000 co-occurrences (measured on a
loaded 2-core machine): layout 0.7 s and the co-occurrence picture 1.9 s on the worker,
no GUI-thread step over ~0.2 s, a repaint ~40 ms. Click a node for its entity page, an edge for its evidence.
"""

from __future__ import annotations

import math
import threading
from datetime import date

from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.core import network
from annotator.core.changes import OpChanges
from annotator.core.filters import AnnotationFilter
from annotator.gui.project_model import ProjectModel

ROLE = 0  # QGraphicsItem.data key: ("node", entity id) or ("edge", Edge)
SPAN = 900.0  # the scene's half-width in points
SLICE = 800  # items drawn per timer tick (~40 ms each at 5,000 entities)
LABELS = 150  # names written beside the most mentioned entities only
RASTER = 3000  # more co-occurrence lines than this are painted off the GUI thread
RASTER_SIZE = 1200  # pixels of that picture's side (painting time grows with its square)


class _Done(QObject):
    laidOut = Signal(int, object, object)  # generation, positions, QImage or None


def _raster(positions: list[tuple[float, float]], edges: list[tuple[int, int, int]]) -> QImage:
    """Co-occurrence lines painted into an image on the layout's thread (QImage and
    QPainter may be used off the GUI thread): painting 50,000 lines as scene items
    took the GUI thread 1-3 s at every repaint."""
    image = QImage(RASTER_SIZE, RASTER_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)  # no antialiasing: 50,000 smooth lines take ~10 s
    half = RASTER_SIZE / 2
    by_width: dict[int, list[QLineF]] = {}
    for a, b, w in edges:
        (x0, y0), (x1, y1) = positions[a], positions[b]
        by_width.setdefault(min(3, int(math.log1p(w))), []).append(
            QLineF(half + x0 * half, half + y0 * half, half + x1 * half, half + y1 * half))
    for width, lines in sorted(by_width.items()):
        painter.setPen(QPen(QColor(150, 150, 150, 90), 1 + width))
        painter.drawLines(lines)
    painter.end()
    return image


class NetworkView(QGraphicsView):
    itemClicked = Signal(object)

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and item.data(ROLE) is not None:
            self.itemClicked.emit(item.data(ROLE))
        super().mousePressEvent(event)

    def wheelEvent(self, event) -> None:
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(factor, factor)


class NetworkPanel(QWidget):
    jumpRequested = Signal(str, int, int)
    pageRequested = Signal(str, int)
    annotationActivated = Signal(str)
    entityActivated = Signal(str)
    drawn = Signal()  # the last slice is on the scene (tests and exports wait for it)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.graph = network.Network()
        self.generation = 0
        self.items: dict[str, QGraphicsEllipseItem] = {}
        self._pending: list = []
        self._labelled: set[str] = set()
        self._bounds = QRectF()
        self._done = _Done()
        self._done.laidOut.connect(self._laid_out)
        self.scene = QGraphicsScene(self)
        # no BSP index: its rebuilds after thousands of additions stalled a tick for
        # ~250 ms; a click's itemAt over 55,000 items is still instant
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        margin = SPAN * 1.15  # the layout's square, so nothing walks every item to find it
        self.scene.setSceneRect(QRectF(-margin, -margin, 2 * margin, 2 * margin))
        self.view = NetworkView(self.scene)
        self.view.itemClicked.connect(self._clicked)
        self.relations = QCheckBox("Relations", checked=True)
        self.cooccurrence = QCheckBox("Co-occurrence", checked=True)
        self.document = QComboBox(toolTip="Only this document")
        self.tag = QComboBox(toolTip="Only mentions with this tag")
        self.author = QComboBox(toolTip="Only this author's annotations")
        self.first, self.last = (QSpinBox(minimum=0, maximum=9999, specialValueText="any",
                                          toolTip=tip) for tip in ("From year", "To year"))
        self.status = QLabel()
        export = QPushButton("Export…", toolTip="Save the network as PNG or SVG")
        export.clicked.connect(self.export_dialog)
        for w in (self.relations, self.cooccurrence):
            w.toggled.connect(self.refresh)
        for w in (self.document, self.tag, self.author):
            w.activated.connect(self.refresh)
        for w in (self.first, self.last):
            w.editingFinished.connect(self.refresh)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.relations, self.cooccurrence, self.document, self.tag, self.author,
                  QLabel("years"), self.first, self.last, export):
            bar.addWidget(w)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._draw_slice)
        self.dirty = True  # read again when next shown (a hidden panel costs nothing)
        model.changed.connect(self._changed)
        model.projectOpened.connect(self.reset)
        model.projectClosed.connect(self.reset)
        if model.is_open:  # made after the project opened (its dock is built when shown)
            self.reset()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.dirty:
            self.refresh()

    # -- filters ---------------------------------------------------------------------

    def reset(self, *_args) -> None:
        for box, items in ((self.document, lambda: self.m.documents().values()),
                           (self.tag, lambda: self.m.tags().values()),
                           (self.author, lambda: self.m.authors().values())):
            box.clear()
            box.addItem("(all)", None)
            if self.m.is_open:
                for item in sorted(items(), key=lambda r: getattr(r, "title", None)
                                   or getattr(r, "name", "")):
                    box.addItem(getattr(item, "title", None) or item.name, item.id)
        self.refresh()

    def filter(self) -> AnnotationFilter:
        first, last = self.first.value(), self.last.value()
        return AnnotationFilter(
            document_id=self.document.currentData(), tag_id=self.tag.currentData(),
            author_id=self.author.currentData(),
            date_from=date(first, 1, 1) if first else None,
            date_to=date(last, 12, 31) if last else None)

    # -- building, laying out, drawing -------------------------------------------------

    def refresh(self, *_args) -> None:
        """Read the network and lay it out off the GUI thread (when the panel shows)."""
        if not self.isVisible():
            self.dirty = True
            return
        self.dirty = False
        self.generation += 1
        self._timer.stop()
        self.scene.clear()
        self.items.clear()
        if not self.m.is_open:
            self.graph = network.Network()
            self.status.setText("")
            return
        self.graph = network.build(self.m.p, self.filter(),
                                   with_relations=self.relations.isChecked(),
                                   with_cooccurrence=self.cooccurrence.isChecked())
        index = self.graph.index()
        edges = [(index[e.source], index[e.target], e.weight) for e in self.graph.edges]
        self.status.setText(f"{len(self.graph.nodes)} entities, {len(edges)} edges: laying out…")
        generation, n = self.generation, len(self.graph.nodes)

        kinds = [e.kind for e in self.graph.edges]

        def work() -> None:
            from annotator.core.network_layout import spring_layout

            pos = spring_layout(n, edges, cancelled=lambda: generation != self.generation)
            image = None
            if sum(k == "cooccurrence" for k in kinds) > RASTER:
                image = _raster(pos, [e for e, k in zip(edges, kinds, strict=True)
                                      if k == "cooccurrence"])
            self._done.laidOut.emit(generation, pos, image)

        threading.Thread(target=work, name="annotator-network-layout", daemon=True).start()

    def _laid_out(self, generation: int, positions: list[tuple[float, float]],
                  image: QImage | None = None) -> None:
        if generation != self.generation:
            return  # a newer filter is being laid out
        pts = [QPointF(x * SPAN, y * SPAN) for x, y in positions]
        index = self.graph.index()
        xs, ys = [p.x() for p in pts] or [0.0], [p.y() for p in pts] or [0.0]
        pad = SPAN * 0.08  # room for the dots and the names
        self._bounds = QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad,
                              max(ys) - min(ys) + 2 * pad)
        if image is not None:  # drawn on the worker thread: one picture, painted at once
            item = self.scene.addPixmap(QPixmap.fromImage(image))
            item.setScale(2 * SPAN / RASTER_SIZE)
            item.setPos(-SPAN, -SPAN)
            item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            item.setZValue(0)
        else:
            self._cooccurrence_paths(pts, index)
        self._pending = [("edge", e, pts[index[e.source]], pts[index[e.target]])
                         for e in self.graph.edges if e.kind == "relation"]
        self._pending += [("node", node, pts[i], None) for i, node in enumerate(self.graph.nodes)]
        self._pending.reverse()  # popped from the end: edges first, nodes on top
        ranked = sorted(self.graph.nodes, key=lambda n: -n.mentions)[:LABELS]
        self._labelled = {n.id for n in ranked}
        self._timer.start()

    def _cooccurrence_paths(self, pts: list[QPointF], index: dict[str, int]) -> None:
        """Co-occurrence as one path per line width (a few items, not 50,000: painting
        that many items took seconds; they carry no evidence to click on)."""
        paths: dict[int, QPainterPath] = {}
        for e in self.graph.edges:
            if e.kind != "cooccurrence":
                continue
            width = min(4, int(math.log1p(e.weight) * 1.5))
            path = paths.setdefault(width, QPainterPath())
            path.moveTo(pts[index[e.source]])
            path.lineTo(pts[index[e.target]])
        for width, path in paths.items():
            item = self.scene.addPath(path, QPen(QColor(150, 150, 150, 110), 0.5 + width))
            item.setZValue(0)

    def _draw_slice(self) -> None:
        for _ in range(min(SLICE, len(self._pending))):
            kind, what, a, b = self._pending.pop()
            if kind == "edge":
                self._edge(what, a, b)
            else:
                self._node(what, a)
        if not self._pending:
            self._timer.stop()
            self.status.setText(f"{len(self.graph.nodes)} entities, {len(self.graph.edges)} "
                                "edges. Click an entity for its page, a relation for its "
                                "evidence.")
            self.view.fitInView(self._bounds, Qt.AspectRatioMode.KeepAspectRatio)
            self.drawn.emit()

    def _node(self, node: network.Node, at: QPointF) -> None:
        """A dot of constant size on screen (in pixels, whatever the zoom), so a small
        network in a large view and a large one alike can be read and clicked."""
        r = min(18.0, 3 + 2 * math.sqrt(node.mentions))
        item = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
        item.setPos(at)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setBrush(QBrush(QColor(node.color)))
        item.setPen(QPen(QColor("#333333"), 0.5))
        item.setToolTip(f"{node.label} ({node.type_name}, {node.mentions} mention(s))")
        item.setData(ROLE, ("node", node.id))
        item.setZValue(2)
        self.scene.addItem(item)
        self.items[node.id] = item
        if node.id in self._labelled:
            label = QGraphicsSimpleTextItem(node.label, item)  # beside its dot, unscaled
            label.setPos(r, -r)
            label.setData(ROLE, ("node", node.id))  # a click on a name opens it too

    def _edge(self, edge: network.Edge, a: QPointF, b: QPointF) -> None:
        item = QGraphicsLineItem(a.x(), a.y(), b.x(), b.y())
        item.setPen(QPen(QColor(edge.color or "#455a64"), 2.0))
        item.setToolTip(f"{edge.label} {edge.date}".strip())
        item.setData(ROLE, ("edge", edge))
        item.setZValue(1)
        self.scene.addItem(item)

    # -- gestures ----------------------------------------------------------------------

    def _clicked(self, data: tuple) -> None:
        kind, what = data
        if kind == "node":
            self.entityActivated.emit(what)
        elif what.evidence:
            self.annotationActivated.emit(what.evidence[0])

    def export_dialog(self) -> None:
        from annotator.gui.charts import ask_export_path, export_widget

        path = ask_export_path(self, "network")
        if path:
            export_widget(self.view, path)

    def _changed(self, changes: OpChanges) -> None:
        if changes.relations or changes.entities or changes.documents or changes.annotations:
            self.refresh()
