"""Drag gestures on a scan: a rectangle region, or a run of words of the text layer.

A drag stays on the page it began on and is measured in that page's points, so the
region it gives is the same at any zoom. A press that does not move is a click, which
names the annotation under it, or "" on bare scan (which clears the selection). The
selection stays drawn until the next press.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene

from annotator.core.model import RegionSelector
from annotator.core.text_layer import region_of, share_inside, snap, trimmed_quote
from annotator.gui.scan_annotations import AnnotationItem, region_path
from annotator.gui.scan_graphics import ScanGraphicsView
from annotator.gui.scan_pages import PageColumn

CLICK_SLOP = 4  # viewport pixels a press may move and still be a click
Word = tuple[float, float, float, float, str]


def covered(word: Word, rect: QRectF) -> float:
    """The share of a word's box inside ``rect``."""
    return share_inside(word[:4], (rect.left(), rect.top(), rect.right(), rect.bottom()))


def nearest_word(words: list[Word], point: QPointF) -> int:
    """The index of the word under ``point``, else of the nearest word box."""
    best, best_distance = 0, math.inf
    for index, word in enumerate(words):  # (x0, y0, x1, y1, text[, line, confidence])
        x0, y0, x1, y1 = word[:4]
        dx = max(x0 - point.x(), 0.0, point.x() - x1)
        dy = max(y0 - point.y(), 0.0, point.y() - y1)
        distance = dx * dx + 4 * dy * dy  # the line above is further than a word aside
        if distance < best_distance:
            best, best_distance = index, distance
            if distance == 0:
                break
    return best


class RegionGestures:
    """The left-button gestures of the scan view in its ``mode``: "pan" (Shift+drag
    draws a region), "region" or "text". What they select goes to the callbacks."""

    def __init__(self, scene: QGraphicsScene, view: ScanGraphicsView, column: PageColumn,
                 on_region: Callable[[RegionSelector], None],
                 on_text: Callable[[RegionSelector], None],
                 on_click: Callable[[str], None]) -> None:
        self._scene = scene
        self._view = view
        self._column = column
        self._on_region = on_region
        self._on_text = on_text
        self._on_click = on_click
        self.mode = "pan"
        self.reset()

    def reset(self) -> None:
        """Forget the drag and the selection (its item went with the scene's clear())."""
        self._drag: tuple | None = None
        self.selection_item: QGraphicsPathItem | None = None

    def clear_selection(self) -> None:
        """Remove the dragged rectangle or text selection left on the page."""
        if self.selection_item is not None:
            self._scene.removeItem(self.selection_item)
            self.selection_item = None

    def press(self, pos: QPointF, shift: bool) -> bool:
        """True when the press starts a region or text drag (no panning then)."""
        self.clear_selection()
        under = [i for i in self._view.items(pos.toPoint()) if isinstance(i, AnnotationItem)]
        self._drag = ("click", pos, under[0].annotation_id if under else None)
        mode = "region" if self.mode == "pan" and shift else self.mode
        if mode == "pan":
            return False
        scene = self._view.viewport_to_scene(pos)
        number = self._column.page_at(scene)
        if number is not None and (mode == "region" or self._column.words(number)):
            start = scene - self._column.items[number - 1].pos()
            self._drag = (mode, pos, self._drag[2], number, start)
        return True

    def move(self, pos: QPointF) -> None:
        if self._drag is None or self._drag[0] == "click":
            return
        mode, _, _, number, start = self._drag
        end = self._clamped(number, pos)
        if mode == "region":
            path = QPainterPath()
            path.addRect(QRectF(start, end).normalized())
            self._show_selection(number, path, dashed=True)
        else:
            self._show_selection(number, region_path(self._text_region(number, start, end)))

    def release(self, pos: QPointF) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        moved = (pos - drag[1]).manhattanLength() > CLICK_SLOP
        if not moved or drag[0] == "click":
            if not moved:  # a click: on an annotation names it, on bare scan ("") none
                self.clear_selection()
                self._on_click(drag[2] or "")
            return
        mode, _, _, number, start = drag
        end = self._clamped(number, pos)
        if mode == "text":
            self._on_text(self._text_region(number, start, end))
            return
        rect = QRectF(start, end).normalized()
        if rect.width() >= 1 and rect.height() >= 1:
            words = [w for w in self._column.words(number) if covered(w, rect) >= 0.5]
            self._on_region(RegionSelector(
                number, round(rect.x(), 2), round(rect.y(), 2), round(rect.width(), 2),
                round(rect.height(), 2), (), " ".join(w[4] for w in words)))
        else:
            self.clear_selection()

    def _clamped(self, number: int, pos: QPointF) -> QPointF:
        """The pointer in page points of the page the drag began on, kept on it."""
        local = self._view.viewport_to_scene(pos) - self._column.items[number - 1].pos()
        page = self._column.pages[number - 1]
        return QPointF(min(max(local.x(), 0.0), page.width), min(max(local.y(), 0.0), page.height))

    def _text_region(self, number: int, start: QPointF, end: QPointF) -> RegionSelector:
        """The words from the one nearest the press to the one nearest the pointer, in
        the text layer's reading order, one quad per line."""
        words = self._column.words(number)
        a, b = sorted((nearest_word(words, start), nearest_word(words, end)))
        chosen = snap(words[a:b + 1])
        return replace(region_of(number, chosen), text=trimmed_quote(chosen))

    def _show_selection(self, number: int, path: QPainterPath, dashed: bool = False) -> None:
        if self.selection_item is None:
            self.selection_item = QGraphicsPathItem()
            self.selection_item.setZValue(30)
            self._scene.addItem(self.selection_item)
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        pen = QPen(QColor("#1e63c8"), 1.5, style)
        pen.setCosmetic(True)
        self.selection_item.setPen(pen)
        self.selection_item.setBrush(QColor(30, 99, 200, 50 if dashed else 80))
        self.selection_item.setPos(self._column.items[number - 1].pos())
        self.selection_item.setPath(path)
