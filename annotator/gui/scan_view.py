"""The scan view: a paged document's pages stacked in one scrolling column.

The scene is laid out in page points (1/72 inch) and zoom is only the view's
transform, so a region stored in page points is drawn at the same place on the
page at any zoom, and a rectangle dragged at any zoom maps back to the same page
points. Pages are grey placeholders of their true size until rendered; rendering
runs in :mod:`annotator.gui.render`'s thread, for the pages in view (and one ahead)
only, into a :class:`PageCache`. While a new zoom renders, the page is drawn from
the nearest cached image, scaled. PyMuPDF is never imported here (~300 ms).

This widget holds the document and the current page and wires its helpers together:
:class:`PageColumn` (layout, lazy rendering), :class:`ZoomControl`,
:class:`AnnotationLayer` (region annotations), :class:`RegionGestures` (drawing
regions, selecting text) and :class:`ScanGraphicsView` (hands it the input).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStackedLayout,
    QWidget,
)

from annotator.core.model import DocumentKind
from annotator.gui.page_cache import PageCache, PageItem
from annotator.gui.page_previews import Previews
from annotator.gui.render import (
    PASSWORD_NEEDED,
    Renderer,
    RenderJob,
    RenderSource,
    filetype_of,
    orientations_to_apply,
)
from annotator.gui.scan_annotations import AnnotationItem, AnnotationLayer, TextHighlightLayer
from annotator.gui.scan_graphics import ScanGraphicsView
from annotator.gui.scan_lock import PasswordPage
from annotator.gui.scan_pages import GAP, PageColumn
from annotator.gui.scan_regions import RegionGestures
from annotator.gui.scan_zoom import ZOOM_STEP, ZoomControl

if TYPE_CHECKING:
    from annotator.core.project import Project

EMPTY_TEXT = "No scan — open a PDF or image document"
CACHE_BUDGET = 256 * 1024 * 1024


def _page_words(project: Project, document_id: str, number: int) -> list:
    """A page's words as stored ([] if the page is gone or they cannot be read: the
    page is then shown without a text layer, as a scan)."""
    try:
        page = project.documents.page(document_id, number)
    except Exception:  # a damaged row: no text selection on that page, no crash
        return []
    return page.words if page is not None else []


class ScanView(QWidget):
    """Pages of a scan, with region and text-layer selection; see the module doc."""

    pageChanged = Signal(int)
    regionDrawn = Signal(object)
    textSelected = Signal(object)
    annotationClicked = Signal(str)
    pageRendered = Signal(int)  # a page in view is now sharp at the current zoom
    pointPressed = Signal(int, float, float)  # page, x, y in page points (a word clicked)
    pointHovered = Signal(int, float, float)  # the same under the pointer; page 0: off pages

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = PageCache(CACHE_BUDGET)
        self.renderer = Renderer(self)
        self.renderer.rendered.connect(self._on_rendered)
        self.renderer.failed.connect(self._on_failed)
        self.destroyed.connect(self.renderer.stop)  # the thread must end before Qt's objects
        self._scene = QGraphicsScene(self)
        self._view = ScanGraphicsView(self._scene, self, self)
        self._column = PageColumn(self._scene, self._view, self.cache, self.renderer,
                                  self.zoom)
        self._view.covered = self._column.page_rects  # the backdrop is not painted under them
        self._zoomer = ZoomControl(self._view, self._column, self.current_page,
                                   self.go_to_page, self._schedule_refresh)
        self._overlay = AnnotationLayer(self._scene, self._column)
        self._text_marks = TextHighlightLayer(self._scene, self._column)
        self._regions = RegionGestures(self._scene, self._view, self._column,
                                       self.regionDrawn.emit, self.textSelected.emit,
                                       self.annotationClicked.emit)
        self._empty = QLabel(EMPTY_TEXT, self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._lock = PasswordPage(self._unlock, self)
        self._lock_label, self._lock_edit = self._lock.label, self._lock.edit  # for the tests
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
        self._reset_state()

    def _reset_state(self) -> None:
        self._project = None
        self._doc = None
        self._source: RenderSource | None = None
        self._column.reset()
        self._overlay.reset()
        self._text_marks.reset()
        self._regions.reset()
        self._zoomer.reset()
        self._current = 0
        self._pinned_scroll: int | None = None  # go_to_page's page stays current here

    # -- the state the tests look into, kept by the helpers ------------------------------

    @property
    def _items(self) -> list[PageItem]:
        return self._column.items

    @property
    def _annotations(self) -> dict[str, AnnotationItem]:
        return self._overlay.items

    @property
    def _selection_item(self) -> QGraphicsPathItem | None:
        return self._regions.selection_item

    # -- the document --------------------------------------------------------------------

    def set_document(self, project: Project | None, document_id: str | None) -> None:
        """Show a paged document; the empty state for None, a text or a missing one.
        The document already shown stays as it is (place, zoom): its bytes never change."""
        column = self._column
        if project is not None and project is self._project and document_id == column.doc_key \
                and document_id is not None and column.items:
            return
        self._scene.clear()
        self.renderer.request("page", [])
        if column.doc_key is not None:
            self.renderer.remove_source(column.doc_key)
        self._reset_state()
        doc = project.documents.get(document_id) if project and document_id else None
        if doc is None or doc.deleted or doc.kind != DocumentKind.PAGED:
            self._show_empty(EMPTY_TEXT)
            return
        try:  # without their words: a page's are read when wanted (PageColumn.words)
            pages = project.documents.pages(doc.id)
        except Exception as exc:  # missing bytes, a damaged file: say so rather than crash
            self._show_empty(f"This scan cannot be shown: {exc}")
            return
        if not pages:
            self._show_empty(f"“{doc.title}” has no pages to show.")
            return
        self._project, self._doc = project, doc
        self._source = RenderSource(doc.id, b"", filetype_of(doc.media_type),
                                    self._passwords.get(doc.id),
                                    orientations_to_apply(doc.media_type, doc.metadata),
                                    {p.number: (p.width, p.height) for p in pages})
        column.lay_out(doc.id, pages, Previews(project, doc.id),
                       lambda number: _page_words(project, doc.id, number))
        if self._thumbs is not None:
            self._thumbs.set_pages(column.doc_key, column.pages, column.previews)
        if doc.metadata.get("password_required") and doc.id not in self._passwords:
            self._ask_password("This PDF is locked with a password.")
        else:
            self._start()

    def _start(self) -> None:
        source, project = self._source, self._project
        # the bytes are read when a page is first rendered: after a preview painted
        self.renderer.set_source(source, None if source.data else
                                 lambda: project.documents.data(source.key))
        self._stack.setCurrentWidget(self._view)
        self._current = 1
        self._zoomer.apply_fit()
        self._view.scroll_to_scene_y(0.0, self._zoomer.zoom)
        self.pageChanged.emit(1)
        self._refresh_timer.start()

    def _show_empty(self, text: str) -> None:
        self._empty.setText(text)
        self._stack.setCurrentWidget(self._empty)
        if self._thumbs is not None:
            self._thumbs.set_pages(None, [])

    def _ask_password(self, text: str) -> None:
        self._lock.ask(text)
        self._stack.setCurrentWidget(self._lock)

    def _unlock(self) -> None:
        if self._doc is None or self._source is None:
            return
        self._passwords[self._doc.id] = self._source.password = self._lock.edit.text()
        self.renderer.remove_source(self._column.doc_key)  # reopened with the password
        self._start()

    # -- zoom ----------------------------------------------------------------------------

    def zoom(self) -> float:
        """Logical screen pixels per page point (1.0 shows a page at 72 dpi)."""
        return self._zoomer.zoom

    def zoom_in(self) -> None:
        self.set_zoom(self._zoomer.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoomer.zoom / ZOOM_STEP)

    def set_zoom(self, zoom: float) -> None:
        """An exact zoom, which ends fitting to the width or the page."""
        self._zoomer.set(zoom)

    def fit_width(self) -> None:
        self._zoomer.fit_to("width")

    def fit_page(self) -> None:
        self._zoomer.fit_to("page")

    # -- pages ---------------------------------------------------------------------------

    def current_page(self) -> int:
        """The 1-based page mostly in view (0 without a document)."""
        return self._current

    def page_count(self) -> int:
        return len(self._column.pages)

    def go_to_page(self, number: int) -> None:
        """Scroll page ``number`` to the top of the view; it becomes the current page."""
        if not self._column.pages:
            return
        number = min(max(1, number), len(self._column.pages))
        self._view.scroll_to_scene_y(self._column.tops[number - 1] - GAP / 2, self._zoomer.zoom)
        self._pinned_scroll = self._view.verticalScrollBar().value()
        self._set_current(number)
        self._refresh_now()

    def _refresh_now(self) -> None:
        """Refresh before the jump's paint rather than after it: a page in the cache is
        set on its item first, so the viewport paints once, with the page, instead of a
        grey placeholder and then the page (two full paints a revisit)."""
        if self._view.isVisible():
            self._refresh_timer.stop()
            self._refresh()
        else:  # not laid out yet: the pages in view are known after the layout
            self._refresh_timer.start()

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

    def visible_pages(self) -> list[int]:
        """Page numbers intersecting the viewport, top to bottom."""
        if not self._column.pages or self._stack.currentWidget() is not self._view:
            return []
        return self._column.pages_in(self._view.visible_scene_rect())

    def page_bucket(self, number: int) -> int:
        """A page's render bucket at the current zoom (see PageColumn.bucket)."""
        return self._column.bucket(number)

    def _refresh(self) -> None:
        """Follow the page mostly in view (unless go_to_page pinned one) and have the
        pages in view shown or rendered."""
        visible = self.visible_pages()
        if not visible:
            return
        if self._pinned_scroll is None:
            rect = self._view.visible_scene_rect()
            self._set_current(self._column.most_shown(visible, rect))
        self._column.request(visible)

    def is_page_sharp(self, number: int) -> bool:
        """Whether page ``number`` shows an image rendered for the current zoom."""
        return self._column.is_sharp(number)

    def _on_rendered(self, job: RenderJob, image: QImage) -> None:
        column = self._column
        if job.channel != "page" or job.doc_key != column.doc_key or not column.items:
            return
        if column.take_rendered(job, image):
            self.pageRendered.emit(job.page)

    def _on_failed(self, job: RenderJob, message: str) -> None:
        doc_key = self._column.doc_key
        if job.doc_key != doc_key or not self._column.items:
            return
        if message == PASSWORD_NEEDED:
            self._passwords.pop(doc_key, None)
            self.renderer.remove_source(doc_key)
            self._ask_password("Wrong password, or this PDF needs one; try again.")
        elif job.channel == "page":
            self._column.mark_failed(job, message)

    # -- coordinates ---------------------------------------------------------------------

    def viewport_to_scene(self, point: QPointF) -> QPointF:
        """Exact (sub-pixel) mapping; QGraphicsView.mapToScene rounds to pixels."""
        return self._view.viewport_to_scene(point)

    def page_to_scene(self, number: int, x: float, y: float) -> QPointF:
        return self._column.items[number - 1].pos() + QPointF(x, y)

    def page_to_viewport(self, number: int, x: float, y: float) -> QPointF:
        """Where page point (x, y) of page ``number`` is, in viewport pixels."""
        return self._view.viewportTransform().map(self.page_to_scene(number, x, y))

    def viewport_to_page(self, point: QPointF) -> tuple[int, float, float] | None:
        """(page, x, y) in page points under a viewport point, or None between pages."""
        scene = self.viewport_to_scene(point)
        number = self._column.page_at(scene)
        if number is None:
            return None
        local = scene - self._column.items[number - 1].pos()
        return number, local.x(), local.y()

    def graphics_view(self) -> QGraphicsView:
        return self._view

    # -- modes and the mouse (called by ScanGraphicsView) --------------------------------

    def set_mode(self, mode: str) -> None:
        """"pan" (drag scrolls, Shift+drag draws a region), "region" or "text"."""
        if mode not in ("pan", "region", "text"):
            raise ValueError(f"unknown scan view mode {mode!r}")
        self._regions.mode = mode
        self._view.set_mode(mode)
        self.clear_selection()

    def mode(self) -> str:
        return self._regions.mode

    def clear_selection(self) -> None:
        """Remove the dragged rectangle or text selection left on the page."""
        self._regions.clear_selection()

    def mouse_press(self, pos: QPointF, shift: bool) -> bool:
        """True when the press starts a region or text drag (no panning then)."""
        where = self.viewport_to_page(pos)
        if where is not None:
            self.pointPressed.emit(*where)
        return self._regions.press(pos, shift)

    def mouse_move(self, pos: QPointF) -> None:
        self._regions.move(pos)

    def mouse_hover(self, pos: QPointF | None) -> None:
        """The pointer moved with no button down (None: it left the view)."""
        where = self.viewport_to_page(pos) if pos is not None else None
        self.pointHovered.emit(*(where or (0, 0.0, 0.0)))

    def mouse_release(self, pos: QPointF) -> None:
        self._regions.release(pos)

    # -- annotations ---------------------------------------------------------------------

    def set_annotations(self, annotations: list, colors: dict[str, str]) -> None:
        """Draw the region annotations of this document, replacing those drawn."""
        self._overlay.set_annotations(annotations, colors)

    def set_text_highlights(self, highlights: list[tuple[str, int, list, str]]) -> None:
        """Draw the highlights of the transcription beside this scan on the boxes of
        their aligned words: (annotation id, page, boxes, colour)."""
        self._text_marks.set_highlights(highlights)

    def text_highlight_items(self) -> dict:
        """{(annotation id, page): item} of the transcription's highlights drawn here."""
        return self._text_marks.items

    def mark_word(self, page: int | None, box: tuple | None) -> None:
        """Outline the word the transcription's caret is on (None: none)."""
        self._text_marks.mark(page, box)

    def hover_word(self, page: int | None, box: tuple | None, aligned: bool = True) -> None:
        """Outline the word hovered in the text, or (``aligned`` False) a scan word
        hovered that has no place in the text, dashed red (None: none)."""
        self._text_marks.hover(page, box, aligned)

    def set_unaligned(self, pages: dict[int, list]) -> None:
        """Underline, dotted red, the words of these pages that no word of the
        transcription beside is ({page: [(x0, y0, x1, y1)]}; {} clears)."""
        self._text_marks.set_unaligned(pages)

    def show_point(self, page: int, y: float) -> None:
        """Scroll so that height ``y`` of ``page`` (a line being read) is near the top."""
        if not 1 <= page <= len(self._column.items):
            return
        self._view.scroll_to_scene_y(self.page_to_scene(page, 0, max(0.0, y - 40)).y(),
                                     self._zoomer.zoom)
        self._pinned_scroll = self._view.verticalScrollBar().value()
        self._set_current(page)
        self._refresh_now()

    def select_annotation(self, annotation_id: str | None) -> None:
        """Outline an annotation more thickly and scroll it into view."""
        item = self._overlay.select(annotation_id)
        if item is not None:
            self._view.ensureVisible(item.sceneBoundingRect(), 40, 40)
            self._refresh_timer.start()

    def annotation_scene_rect(self, annotation_id: str) -> QRectF | None:
        """Where an annotation is drawn in the scene (its shape, not its outline)."""
        return self._overlay.scene_rect(annotation_id)

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
        elif key == Qt.Key.Key_Escape and not event.modifiers():
            self.clear_selection()  # the drawn region goes, and the selection with it
            self.annotationClicked.emit("")
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp, Qt.Key.Key_Home, Qt.Key.Key_End):
            target = {Qt.Key.Key_PageDown: self._current + 1, Qt.Key.Key_PageUp: self._current - 1,
                      Qt.Key.Key_Home: 1, Qt.Key.Key_End: len(self._column.pages)}[key]
            self.go_to_page(target)
        else:
            return False
        return True

    def handle_wheel_zoom(self, steps: float, pos: QPointF) -> None:
        self._zoomer.wheel(steps, pos)

    def handle_resize(self) -> None:
        if self._zoomer.fit is not None and self._stack.currentWidget() is self._view:
            self._zoomer.apply_fit()
        self._refresh_timer.start()

    # -- thumbnails ----------------------------------------------------------------------

    def thumbnails_widget(self) -> QWidget:
        """The page thumbnails (made once; rendered lazily on this view's worker)."""
        if self._thumbs is None:
            from annotator.gui.thumbnails import ThumbnailList

            self._thumbs = ThumbnailList(self.renderer)
            self._thumbs.pageActivated.connect(self.go_to_page)
            self._thumbs.set_pages(self._column.doc_key, self._column.pages,
                                   self._column.previews)
            if self._current:
                self._thumbs.set_current_page(self._current)
        return self._thumbs
