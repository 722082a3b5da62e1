"""Region annotations drawn over a scan's pages.

A region is kept in page points, so its item is a path in page points placed at its
page's position in the scene: the view's zoom then scales it with the page.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene

from annotator.core.model import RegionSelector
from annotator.gui.scan_pages import PageColumn

DEFAULT_COLOR = "#4a7bd0"


def region_path(region: RegionSelector) -> QPainterPath:
    """A region as a path in page points: its line quads, else its rectangle."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for x0, y0, x1, y1 in region.quads or ((region.x, region.y, region.x + region.w,
                                            region.y + region.h),):
        path.addRect(QRectF(x0, y0, x1 - x0, y1 - y0))
    return path


class AnnotationItem(QGraphicsPathItem):
    """A region annotation: translucent fill in its colour and an outline, thicker
    when selected; the outline is cosmetic, as thick at any zoom."""

    def __init__(self, annotation_id: str, path: QPainterPath, color: QColor) -> None:
        super().__init__(path)
        self.annotation_id = annotation_id
        self.color = color
        self.setBrush(QColor(color.red(), color.green(), color.blue(), 70))
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        pen = QPen(self.color, 3.0 if selected else 1.2)
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setZValue(11 if selected else 10)


class AnnotationLayer:
    """The region annotations of the document in ``column``, and the one selected."""

    def __init__(self, scene: QGraphicsScene, column: PageColumn) -> None:
        self._scene = scene
        self._column = column
        self.reset()

    def reset(self) -> None:
        """Forget the items (they went with the scene's clear())."""
        self.items: dict[str, AnnotationItem] = {}
        self.selected: str | None = None

    def set_annotations(self, annotations: list, colors: dict[str, str]) -> None:
        """Draw the region annotations of this document, replacing those drawn."""
        for item in self.items.values():
            self._scene.removeItem(item)
        self.items = {}
        pages, doc_key = self._column.pages, self._column.doc_key
        for ann in annotations:
            region = getattr(ann, "region", None)
            if (region is None or getattr(ann, "deleted", False)
                    or not 1 <= region.page <= len(pages)
                    or (ann.document_id and ann.document_id != doc_key)):
                continue
            color = QColor(colors.get(ann.id) or ann.color or DEFAULT_COLOR)
            item = AnnotationItem(ann.id, region_path(region),
                                  color if color.isValid() else QColor(DEFAULT_COLOR))
            item.setPos(self._column.items[region.page - 1].pos())
            self._scene.addItem(item)
            self.items[ann.id] = item
        if self.selected in self.items:
            self.items[self.selected].set_selected(True)
        else:
            self.selected = None

    def select(self, annotation_id: str | None) -> AnnotationItem | None:
        """Outline an annotation more thickly (and the previous one no longer); its
        item, or None when it is not drawn here."""
        if self.selected in self.items:
            self.items[self.selected].set_selected(False)
        self.selected = annotation_id if annotation_id in self.items else None
        if self.selected is None:
            return None
        item = self.items[self.selected]
        item.set_selected(True)
        return item

    def scene_rect(self, annotation_id: str) -> QRectF | None:
        """Where an annotation is drawn in the scene (its shape, not its outline)."""
        item = self.items.get(annotation_id)
        return item.mapRectToScene(item.path().boundingRect()) if item is not None else None


class TextHighlightLayer:
    """The highlights of the transcription beside the scan, drawn as the boxes of their
    aligned words (one path item per annotation and page, in the tag's colour, under
    the region annotations), and the one word marked from the text side."""

    def __init__(self, scene: QGraphicsScene, column: PageColumn) -> None:
        self._scene = scene
        self._column = column
        self.reset()

    def reset(self) -> None:
        self.items: dict[tuple[str, int], QGraphicsPathItem] = {}
        self.marked: QGraphicsPathItem | None = None
        self.hovered: QGraphicsPathItem | None = None
        self.unaligned: dict[int, QGraphicsPathItem] = {}

    def set_highlights(self, highlights: list[tuple[str, int, list, str]]) -> None:
        """``highlights``: (annotation id, page, [(x0, y0, x1, y1)], colour)."""
        for item in self.items.values():
            self._scene.removeItem(item)
        self.items = {}
        pages = self._column.items
        for annotation_id, page, boxes, colour in highlights:
            if not 1 <= page <= len(pages) or not boxes:
                continue
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.WindingFill)
            for x0, y0, x1, y1 in boxes:
                path.addRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            color = QColor(colour)
            color = color if color.isValid() else QColor(DEFAULT_COLOR)
            item = QGraphicsPathItem(path)
            item.setBrush(QColor(color.red(), color.green(), color.blue(), 80))
            item.setPen(QPen(Qt.PenStyle.NoPen))
            item.setZValue(9)
            item.setPos(pages[page - 1].pos())
            item.setData(0, annotation_id)
            self._scene.addItem(item)
            self.items[annotation_id, page] = item

    def mark(self, page: int | None, box: tuple | None) -> None:
        """Outline one word (the one under the caret in the text); None clears (a word
        that has no place on the scan is said so in the status bar, never guessed)."""
        self.marked = self._outline(self.marked, page, box, QPen(QColor("#202020"), 2.0))

    def hover(self, page: int | None, box: tuple | None, aligned: bool = True) -> None:
        """Outline the word hovered on the other side; a scan word that has no place in
        the text is outlined dashed red instead."""
        pen = QPen(QColor("#1e63c8"), 1.5) if aligned else \
            QPen(QColor("#d32f2f"), 1.5, Qt.PenStyle.DashLine)
        self.hovered = self._outline(self.hovered, page, box, pen)

    def set_unaligned(self, pages: dict[int, list]) -> None:
        """A dotted red line under each scan word no transcription word is (one path
        per page)."""
        for item in self.unaligned.values():
            self._scene.removeItem(item)
        self.unaligned = {}
        items = self._column.items
        pen = QPen(QColor(211, 47, 47, 170), 1.2, Qt.PenStyle.DotLine)
        pen.setCosmetic(True)
        for page, boxes in pages.items():
            if not 1 <= page <= len(items) or not boxes:
                continue
            path = QPainterPath()
            for x0, _y0, x1, y1 in boxes:
                path.moveTo(x0, y1 + 1)
                path.lineTo(x1, y1 + 1)
            item = QGraphicsPathItem(path)
            item.setPen(pen)
            item.setZValue(9)
            item.setPos(items[page - 1].pos())
            self._scene.addItem(item)
            self.unaligned[page] = item

    def _outline(self, old: QGraphicsPathItem | None, page: int | None, box: tuple | None,
                 pen: QPen) -> QGraphicsPathItem | None:
        if old is not None:
            self._scene.removeItem(old)
        pages = self._column.items
        if page is None or box is None or not 1 <= page <= len(pages):
            return None
        x0, y0, x1, y1 = box[:4]
        path = QPainterPath()
        path.addRect(QRectF(x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2))
        item = QGraphicsPathItem(path)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setZValue(12)
        item.setPos(pages[page - 1].pos())
        self._scene.addItem(item)
        return item
