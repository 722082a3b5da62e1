"""The scan view: a paged document's pages stacked in one scrolling column.

The scene is laid out in page points (1/72 inch) and zoom is only the view's
transform, so a region stored in page points is drawn at the same place on the
page at any zoom, and a rectangle dragged at any zoom maps back to the same page
points. Pages are grey placeholders of their true size until rendered; rendering
runs in :mod:`annotator.gui.render`'s thread, for the pages in view (and one ahead)
only, into a :class:`PageCache`. While a new zoom renders, the page is drawn from
the nearest cached image, scaled. PyMuPDF is never imported here (~300 ms).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Hashable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import DocumentKind, Page, RegionSelector
from annotator.core.text_layer import region_of
from annotator.gui.page_cache import PageCache, PageItem, bucket_for, scale_of
from annotator.gui.render import (
    MAX_RENDER_PIXELS,
    PASSWORD_NEEDED,
    Renderer,
    RenderJob,
    RenderSource,
    filetype_of,
    orientations_to_apply,
)

if TYPE_CHECKING:
    from annotator.core.project import Project

EMPTY_TEXT = "No scan — open a PDF or image document"
GAP = 12.0  # points between pages and around them
MIN_ZOOM, MAX_ZOOM = 0.05, 8.0
ZOOM_STEP = 2 ** 0.25  # two render buckets: keyboard zooms land on cached scales
CACHE_BUDGET = 256 * 1024 * 1024
CLICK_SLOP = 4  # viewport pixels a press may move and still be a click
DEFAULT_COLOR = "#4a7bd0"
Word = tuple[float, float, float, float, str]


class ScanView(QWidget):
    """Pages of a scan, with region and text-layer selection; see the module doc."""

    pageChanged = Signal(int)
    regionDrawn = Signal(object)
    textSelected = Signal(object)
    annotationClicked = Signal(str)
    pageRendered = Signal(int)  # a page in view is now sharp at the current zoom

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = PageCache(CACHE_BUDGET)
        self.renderer = Renderer(self)
        self.renderer.rendered.connect(self._on_rendered)
        self.renderer.failed.connect(self._on_failed)
        self.destroyed.connect(self.renderer.stop)  # the thread must end before Qt's objects
        self._scene = QGraphicsScene(self)
        self._view = ScanGraphicsView(self._scene, self)
        self._empty = QLabel(EMPTY_TEXT, self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._lock = QWidget(self)
        self._lock_label = QLabel(self._lock)
        self._lock_edit = QLineEdit(self._lock)
        self._build_lock_page()
        self._stack = QStackedLayout(self)
        for widget in (self._empty, self._view, self._lock):
            self._stack.addWidget(widget)
        self.setFocusProxy(self._view)
        self._refresh_timer = QTimer(self)  # coalesces the scroll events of one frame
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh)
        self._view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        # not connected to start() directly: start(int) would take the value as interval
        self._view.horizontalScrollBar().valueChanged.connect(self._schedule_refresh)
        self._thumbs = None
        self._passwords: dict[str, str] = {}  # in memory only, never stored
        self._mode = "pan"
        self._reset_state()

    def _reset_state(self) -> None:
        self._project = None
        self._doc = None
        self._doc_key: Hashable = None
        self._source: RenderSource | None = None
        self._pages: list[Page] = []
        self._items: list[PageItem] = []
        self._tops: list[float] = []
        self._width = 0.0
        self._zoom = 1.0
        self._fit: str | None = "width"
        self._current = 0
        self._pinned_scroll: int | None = None  # go_to_page's page stays current here
        self._last_scroll = 0
        self._shown: set[int] = set()
        self._failed: set[tuple] = set()  # (doc, page, bucket) that MuPDF could not render
        self._annotations: dict[str, AnnotationItem] = {}
        self._selected: str | None = None
        self._drag: tuple | None = None
        self._selection_item: QGraphicsPathItem | None = None

    def _build_lock_page(self) -> None:
        layout = QVBoxLayout(self._lock)
        self._lock_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._lock_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._lock_edit.setPlaceholderText("Password (kept only while the project is open)")
        button = QPushButton("Unlock", self._lock)
        button.clicked.connect(self._unlock)
        self._lock_edit.returnPressed.connect(self._unlock)
        layout.addStretch()
        for widget in (self._lock_label, self._lock_edit, button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch()

    # -- the document --------------------------------------------------------------------

    def set_document(self, project: Project | None, document_id: str | None) -> None:
        """Show a paged document; the empty state for None, a text or a missing one.
        The document already shown stays as it is (place, zoom): its bytes never change."""
        if project is not None and project is self._project and document_id == self._doc_key \
                and document_id is not None and self._items:
            return
        self._scene.clear()
        self.renderer.request("page", [])
        if self._doc_key is not None:
            self.renderer.remove_source(self._doc_key)
        self._reset_state()
        doc = project.documents.get(document_id) if project and document_id else None
        if doc is None or doc.deleted or doc.kind != DocumentKind.PAGED:
            self._show_empty(EMPTY_TEXT)
            return
        try:
            pages = project.documents.pages(doc.id, with_words=True)
            data = project.documents.data(doc.id)
        except Exception as exc:  # missing bytes, a damaged file: say so rather than crash
            self._show_empty(f"This scan cannot be shown: {exc}")
            return
        if not pages:
            self._show_empty(f"“{doc.title}” has no pages to show.")
            return
        self._project, self._doc, self._doc_key, self._pages = project, doc, doc.id, pages
        self._source = RenderSource(doc.id, data, filetype_of(doc.media_type),
                                    self._passwords.get(doc.id),
                                    orientations_to_apply(doc.media_type, doc.metadata))
        self._layout_pages()
        if self._thumbs is not None:
            self._thumbs.set_pages(self._doc_key, self._pages)
        if doc.metadata.get("password_required") and doc.id not in self._passwords:
            self._ask_password("This PDF is locked with a password.")
        else:
            self._start()

    def _start(self) -> None:
        self.renderer.set_source(self._source)
        self._stack.setCurrentWidget(self._view)
        self._current = 1
        self._apply_fit()
        self._scroll_to_scene_y(0.0)
        self.pageChanged.emit(1)
        self._refresh_timer.start()

    def _show_empty(self, text: str) -> None:
        self._empty.setText(text)
        self._stack.setCurrentWidget(self._empty)
        if self._thumbs is not None:
            self._thumbs.set_pages(None, [])

    def _ask_password(self, text: str) -> None:
        self._lock_label.setText(text)
        self._lock_edit.clear()
        self._stack.setCurrentWidget(self._lock)

    def _unlock(self) -> None:
        if self._doc is None or self._source is None:
            return
        self._passwords[self._doc.id] = self._source.password = self._lock_edit.text()
        self.renderer.remove_source(self._doc_key)  # reopened with the password
        self._start()

    def _layout_pages(self) -> None:
        self._width = max(p.width for p in self._pages)
        y = GAP
        for page in self._pages:
            item = PageItem(page.number, page.width, page.height)
            item.setPos((self._width - page.width) / 2 + GAP, y)
            self._scene.addItem(item)
            self._items.append(item)
            self._tops.append(y)
            y += page.height + GAP
        self._scene.setSceneRect(0, 0, self._width + 2 * GAP, y)

    # -- zoom ----------------------------------------------------------------------------

    def zoom(self) -> float:
        """Logical screen pixels per page point (1.0 shows a page at 72 dpi)."""
        return self._zoom

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def set_zoom(self, zoom: float) -> None:
        """An exact zoom, which ends fitting to the width or the page."""
        self._fit = None
        self._set_zoom(zoom)

    def fit_width(self) -> None:
        self._fit = "width"
        self._apply_fit()

    def fit_page(self) -> None:
        self._fit = "page"
        self._apply_fit()

    def _apply_fit(self) -> None:
        if not self._pages or self._fit is None:
            return
        viewport = self._view.viewport()
        width = (viewport.width() - 2) / (self._width + 2 * GAP)
        if self._fit == "width":
            self._set_zoom(width, QPointF(viewport.width() / 2, 0))
            return
        page = self._pages[max(self._current, 1) - 1]
        self._set_zoom(min(width, (viewport.height() - 2) / (page.height + GAP)))
        self.go_to_page(max(self._current, 1))

    def _set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the page point under ``anchor`` (viewport pixels; by default
        the centre) where it is on screen."""
        self._zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if not self._pages:
            return
        if anchor is None:
            anchor = QPointF(self._view.viewport().rect().center())
        fixed = self.viewport_to_scene(anchor)
        self._view.setTransform(QTransform.fromScale(self._zoom, self._zoom))
        moved = self._view.viewportTransform().map(fixed) - anchor
        for bar, delta in ((self._view.horizontalScrollBar(), moved.x()),
                           (self._view.verticalScrollBar(), moved.y())):
            bar.setValue(bar.value() + round(delta))
        self._refresh_timer.start()

    # -- pages ---------------------------------------------------------------------------

    def current_page(self) -> int:
        """The 1-based page mostly in view (0 without a document)."""
        return self._current

    def page_count(self) -> int:
        return len(self._pages)

    def go_to_page(self, number: int) -> None:
        """Scroll page ``number`` to the top of the view; it becomes the current page."""
        if not self._pages:
            return
        number = min(max(1, number), len(self._pages))
        self._scroll_to_scene_y(self._tops[number - 1] - GAP / 2)
        self._pinned_scroll = self._view.verticalScrollBar().value()
        self._set_current(number)
        self._refresh_timer.start()

    def _scroll_to_scene_y(self, y: float) -> None:
        bar = self._view.verticalScrollBar()
        top = self.viewport_to_scene(QPointF(0, 0)).y()
        bar.setValue(bar.value() + round((y - top) * self._zoom))

    def _set_current(self, number: int) -> None:
        if number != self._current:
            self._current = number
            self.pageChanged.emit(number)
            if self._thumbs is not None:
                self._thumbs.set_current_page(number)

    def _schedule_refresh(self, *_: object) -> None:
        self._refresh_timer.start()

    def _on_scrolled(self, value: int) -> None:
        if self._pinned_scroll is not None and value != self._pinned_scroll:
            self._pinned_scroll = None
        self._refresh_timer.start()

    def _visible_rect(self) -> QRectF:
        return self._view.mapToScene(self._view.viewport().rect()).boundingRect()

    def visible_pages(self) -> list[int]:
        """Page numbers intersecting the viewport, top to bottom."""
        if not self._pages or self._stack.currentWidget() is not self._view:
            return []
        rect = self._visible_rect()
        index = max(0, bisect.bisect_right(self._tops, rect.top()) - 1)
        found = []
        while index < len(self._pages) and self._tops[index] <= rect.bottom():
            if self._tops[index] + self._pages[index].height >= rect.top():
                found.append(index + 1)
            index += 1
        return found

    def page_bucket(self, number: int) -> int:
        """A page's render bucket at the current zoom, lowered for a page so large it
        would exceed MAX_RENDER_PIXELS (then drawn enlarged, a little soft)."""
        page = self._pages[number - 1]
        bucket = bucket_for(self._zoom * self._view.viewport().devicePixelRatioF())
        while bucket > -64 and page.width * page.height * scale_of(bucket) ** 2 > MAX_RENDER_PIXELS:
            bucket -= 1
        return bucket

    def _refresh(self) -> None:
        """Show what is cached for the pages in view and ask for the rest (and for the
        next page in the scrolling direction); pages out of view let go of theirs."""
        visible = self.visible_pages()
        if not visible:
            return
        if self._pinned_scroll is None:
            rect = self._visible_rect()

            def shown(n: int) -> float:
                top = self._tops[n - 1]
                return min(rect.bottom(), top + self._pages[n - 1].height) - max(rect.top(), top)

            self._set_current(max(visible, key=shown))
        value = self._view.verticalScrollBar().value()
        ahead = visible[0] - 1 if value < self._last_scroll else visible[-1] + 1
        self._last_scroll = value
        jobs = []
        for number in visible:
            bucket, item = self.page_bucket(number), self._items[number - 1]
            image = self.cache.get((self._doc_key, number, bucket))
            if image is not None:
                item.set_image(image, bucket)
                continue
            if (self._doc_key, number, bucket) not in self._failed:
                jobs.append(RenderJob(self._doc_key, number, bucket))
            stand_in = self.cache.best(self._doc_key, number, bucket)
            if stand_in is not None and (item.image is None or
                                         abs(stand_in[0] - bucket) < abs(item.bucket - bucket)):
                item.set_image(stand_in[1], stand_in[0])
        if 1 <= ahead <= len(self._pages):
            key = (self._doc_key, ahead, self.page_bucket(ahead))
            if key not in self.cache and key not in self._failed:
                jobs.append(RenderJob(*key, prefetch=True))
        for number in self._shown.difference(visible):
            self._items[number - 1].set_image(None, 0)
        self._shown = set(visible)
        self.renderer.request("page", jobs)

    def is_page_sharp(self, number: int) -> bool:
        """Whether page ``number`` shows an image rendered for the current zoom."""
        if not 1 <= number <= len(self._items):
            return False
        item = self._items[number - 1]
        return item.image is not None and item.bucket == self.page_bucket(number)

    def _on_rendered(self, job: RenderJob, image: QImage) -> None:
        if job.channel != "page" or job.doc_key != self._doc_key or not self._items:
            return
        self.cache.put(job.key, image)
        item = self._items[job.page - 1]
        if job.page not in self._shown:
            return
        if job.bucket == self.page_bucket(job.page):
            item.set_image(image, job.bucket)
            self.pageRendered.emit(job.page)
        elif item.image is None:
            item.set_image(image, job.bucket)

    def _on_failed(self, job: RenderJob, message: str) -> None:
        if job.doc_key != self._doc_key or not self._items:
            return
        if message == PASSWORD_NEEDED:
            self._passwords.pop(self._doc_key, None)
            self.renderer.remove_source(self._doc_key)
            self._ask_password("Wrong password, or this PDF needs one; try again.")
        elif job.channel == "page":
            self._failed.add(job.key)  # not asked for again at this zoom
            self._items[job.page - 1].set_error(message)

    # -- coordinates ---------------------------------------------------------------------

    def viewport_to_scene(self, point: QPointF) -> QPointF:
        """Exact (sub-pixel) mapping; QGraphicsView.mapToScene rounds to pixels."""
        return self._view.viewportTransform().inverted()[0].map(point)

    def page_to_scene(self, number: int, x: float, y: float) -> QPointF:
        return self._items[number - 1].pos() + QPointF(x, y)

    def page_to_viewport(self, number: int, x: float, y: float) -> QPointF:
        """Where page point (x, y) of page ``number`` is, in viewport pixels."""
        return self._view.viewportTransform().map(self.page_to_scene(number, x, y))

    def viewport_to_page(self, point: QPointF) -> tuple[int, float, float] | None:
        """(page, x, y) in page points under a viewport point, or None between pages."""
        scene = self.viewport_to_scene(point)
        number = self._page_at(scene)
        if number is None:
            return None
        local = scene - self._items[number - 1].pos()
        return number, local.x(), local.y()

    def _page_at(self, scene: QPointF) -> int | None:
        if not self._pages:
            return None
        index = max(0, bisect.bisect_right(self._tops, scene.y()) - 1)
        return index + 1 if self._items[index].sceneBoundingRect().contains(scene) else None

    def graphics_view(self) -> QGraphicsView:
        return self._view

    # -- modes and the mouse (called by ScanGraphicsView) --------------------------------

    def set_mode(self, mode: str) -> None:
        """"pan" (drag scrolls, Shift+drag draws a region), "region" or "text"."""
        if mode not in ("pan", "region", "text"):
            raise ValueError(f"unknown scan view mode {mode!r}")
        self._mode = mode
        self._view.set_mode(mode)
        self.clear_selection()

    def mode(self) -> str:
        return self._mode

    def clear_selection(self) -> None:
        """Remove the dragged rectangle or text selection left on the page."""
        if self._selection_item is not None:
            self._scene.removeItem(self._selection_item)
            self._selection_item = None

    def mouse_press(self, pos: QPointF, shift: bool) -> bool:
        """True when the press starts a region or text drag (no panning then)."""
        self.clear_selection()
        under = [i for i in self._view.items(pos.toPoint()) if isinstance(i, AnnotationItem)]
        self._drag = ("click", pos, under[0].annotation_id if under else None)
        mode = "region" if self._mode == "pan" and shift else self._mode
        if mode == "pan":
            return False
        scene = self.viewport_to_scene(pos)
        number = self._page_at(scene)
        if number is not None and (mode == "region" or self._pages[number - 1].words):
            self._drag = (mode, pos, self._drag[2], number, scene - self._items[number - 1].pos())
        return True

    def mouse_move(self, pos: QPointF) -> None:
        if self._drag is None or self._drag[0] == "click":
            return
        mode, _, _, number, start = self._drag
        end = self._clamped(number, pos)
        if mode == "region":
            path = QPainterPath()
            path.addRect(QRectF(start, end).normalized())
            self._show_selection(number, path, dashed=True)
        else:
            self._show_selection(number, _region_path(self._text_region(number, start, end)))

    def mouse_release(self, pos: QPointF) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        moved = (pos - drag[1]).manhattanLength() > CLICK_SLOP
        if not moved or drag[0] == "click":
            if not moved:
                self.clear_selection()
                if drag[2] is not None:
                    self.annotationClicked.emit(drag[2])
            return
        mode, _, _, number, start = drag
        end = self._clamped(number, pos)
        if mode == "text":
            self.textSelected.emit(self._text_region(number, start, end))
            return
        rect = QRectF(start, end).normalized()
        if rect.width() >= 1 and rect.height() >= 1:
            words = [w for w in self._pages[number - 1].words if _covered(w, rect) >= 0.5]
            self.regionDrawn.emit(RegionSelector(
                number, round(rect.x(), 2), round(rect.y(), 2), round(rect.width(), 2),
                round(rect.height(), 2), (), " ".join(w[4] for w in words)))
        else:
            self.clear_selection()

    def _clamped(self, number: int, pos: QPointF) -> QPointF:
        """The pointer in page points of the page the drag began on, kept on it."""
        local = self.viewport_to_scene(pos) - self._items[number - 1].pos()
        page = self._pages[number - 1]
        return QPointF(min(max(local.x(), 0.0), page.width), min(max(local.y(), 0.0), page.height))

    def _text_region(self, number: int, start: QPointF, end: QPointF) -> RegionSelector:
        """The words from the one nearest the press to the one nearest the pointer, in
        the text layer's reading order, one quad per line."""
        words = self._pages[number - 1].words
        a, b = sorted((_nearest_word(words, start), _nearest_word(words, end)))
        chosen = words[a:b + 1]
        return region_of(number, chosen, " ".join(w[4] for w in chosen))

    def _show_selection(self, number: int, path: QPainterPath, dashed: bool = False) -> None:
        if self._selection_item is None:
            self._selection_item = QGraphicsPathItem()
            self._selection_item.setZValue(30)
            self._scene.addItem(self._selection_item)
        pen = QPen(QColor("#1e63c8"), 1.5, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        pen.setCosmetic(True)
        self._selection_item.setPen(pen)
        self._selection_item.setBrush(QColor(30, 99, 200, 50 if dashed else 80))
        self._selection_item.setPos(self._items[number - 1].pos())
        self._selection_item.setPath(path)

    # -- annotations ---------------------------------------------------------------------

    def set_annotations(self, annotations: list, colors: dict[str, str]) -> None:
        """Draw the region annotations of this document, replacing those drawn."""
        for item in self._annotations.values():
            self._scene.removeItem(item)
        self._annotations = {}
        for ann in annotations:
            region = getattr(ann, "region", None)
            if (region is None or getattr(ann, "deleted", False)
                    or not 1 <= region.page <= len(self._pages)
                    or (ann.document_id and ann.document_id != self._doc_key)):
                continue
            color = QColor(colors.get(ann.id) or ann.color or DEFAULT_COLOR)
            item = AnnotationItem(ann.id, _region_path(region),
                                  color if color.isValid() else QColor(DEFAULT_COLOR))
            item.setPos(self._items[region.page - 1].pos())
            self._scene.addItem(item)
            self._annotations[ann.id] = item
        if self._selected in self._annotations:
            self._annotations[self._selected].set_selected(True)
        else:
            self._selected = None

    def select_annotation(self, annotation_id: str | None) -> None:
        """Outline an annotation more thickly and scroll it into view."""
        if self._selected in self._annotations:
            self._annotations[self._selected].set_selected(False)
        self._selected = annotation_id if annotation_id in self._annotations else None
        if self._selected is not None:
            item = self._annotations[self._selected]
            item.set_selected(True)
            self._view.ensureVisible(item.sceneBoundingRect(), 40, 40)
            self._refresh_timer.start()

    def annotation_scene_rect(self, annotation_id: str) -> QRectF | None:
        """Where an annotation is drawn in the scene (its shape, not its outline)."""
        item = self._annotations.get(annotation_id)
        return item.mapRectToScene(item.path().boundingRect()) if item is not None else None

    # -- keys, wheel, resize (called by ScanGraphicsView) --------------------------------

    def handle_key(self, event: QKeyEvent) -> bool:
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
                ctrl and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus)):
            self.zoom_in()
        elif event.matches(QKeySequence.StandardKey.ZoomOut) or (ctrl and key == Qt.Key.Key_Minus):
            self.zoom_out()
        elif ctrl and key == Qt.Key.Key_0:
            self.fit_width()
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp, Qt.Key.Key_Home, Qt.Key.Key_End):
            target = {Qt.Key.Key_PageDown: self._current + 1, Qt.Key.Key_PageUp: self._current - 1,
                      Qt.Key.Key_Home: 1, Qt.Key.Key_End: len(self._pages)}[key]
            self.go_to_page(target)
        else:
            return False
        return True

    def handle_wheel_zoom(self, steps: float, pos: QPointF) -> None:
        self._fit = None
        self._set_zoom(self._zoom * ZOOM_STEP ** steps, pos)

    def handle_resize(self) -> None:
        if self._fit is not None and self._stack.currentWidget() is self._view:
            self._apply_fit()
        self._refresh_timer.start()

    # -- thumbnails ----------------------------------------------------------------------

    def thumbnails_widget(self) -> QWidget:
        """The page thumbnails (made once; rendered lazily on this view's worker)."""
        if self._thumbs is None:
            from annotator.gui.thumbnails import ThumbnailList

            self._thumbs = ThumbnailList(self.renderer)
            self._thumbs.pageActivated.connect(self.go_to_page)
            self._thumbs.set_pages(self._doc_key, self._pages)
            if self._current:
                self._thumbs.set_current_page(self._current)
        return self._thumbs


def _covered(word: Word, rect: QRectF) -> float:
    """The share of a word's box inside ``rect``."""
    x0, y0, x1, y1 = word[:4]
    w = max(0.0, min(x1, rect.right()) - max(x0, rect.left()))
    h = max(0.0, min(y1, rect.bottom()) - max(y0, rect.top()))
    return w * h / max((x1 - x0) * (y1 - y0), 1e-6)


def _nearest_word(words: list[Word], point: QPointF) -> int:
    """The index of the word under ``point``, else of the nearest word box."""
    best, best_distance = 0, math.inf
    for index, (x0, y0, x1, y1, _) in enumerate(words):
        dx = max(x0 - point.x(), 0.0, point.x() - x1)
        dy = max(y0 - point.y(), 0.0, point.y() - y1)
        distance = dx * dx + 4 * dy * dy  # the line above is further than a word aside
        if distance < best_distance:
            best, best_distance = index, distance
            if distance == 0:
                break
    return best


def _region_path(region: RegionSelector) -> QPainterPath:
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


class ScanGraphicsView(QGraphicsView):
    """The QGraphicsView: hands mouse, wheel, keys and resizes to its ScanView."""

    def __init__(self, scene: QGraphicsScene, owner: ScanView) -> None:
        super().__init__(scene, owner)
        self._owner = owner
        self._dragging = False
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QColor("#5f6368"))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        # always shown, so that fitting the width cannot make it appear and refit
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.set_mode("pan")

    def set_mode(self, mode: str) -> None:
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if mode == "pan"
                         else QGraphicsView.DragMode.NoDrag)
        cursor = {"region": Qt.CursorShape.CrossCursor, "text": Qt.CursorShape.IBeamCursor}
        if mode in cursor:
            self.viewport().setCursor(cursor[mode])
        else:
            self.viewport().unsetCursor()

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
            super().mouseMoveEvent(event)

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
