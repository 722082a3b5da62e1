"""The page thumbnails beside a scan: click one to go to its page.

A 1,000-page register must not render 1,000 thumbnails to open: only the rows in
view are asked for, on the scan view's render thread (its "thumb" channel, after
the pages themselves), and kept in a small cache of their own; a row scrolled out
of view and evicted is simply asked for again when it comes back.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from annotator.core.model import Page
from annotator.gui.page_cache import PageCache, bucket_for
from annotator.gui.page_previews import Previews
from annotator.gui.render import Renderer, RenderJob

BOX = QSize(96, 128)  # logical pixels a thumbnail fits in
BUDGET = 12 * 1024 * 1024  # ~300 thumbnails at 96 x 128 in colour
_Index = QModelIndex | QPersistentModelIndex


class ThumbnailModel(QAbstractListModel):
    """One row per page; the decoration is the thumbnail if cached, else a grey
    placeholder of the page's shape (and the list is asked to fetch what it shows)."""

    missing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc_key: Hashable = None
        self.pages: list[Page] = []
        self.cache = PageCache(BUDGET)
        self.failed: set[tuple] = set()  # keys MuPDF could not render: not asked again
        self.dpr = 1.0
        self._placeholders: dict[tuple[int, int], QPixmap] = {}

    def set_pages(self, doc_key: Hashable, pages: list[Page]) -> None:
        self.beginResetModel()
        self.doc_key, self.pages = doc_key, list(pages)
        self.failed.clear()
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.pages)

    def bucket(self, page: Page) -> int:
        scale = min(BOX.width() / max(page.width, 1.0), BOX.height() / max(page.height, 1.0))
        return bucket_for(scale * self.dpr)

    def key(self, row: int) -> tuple[Hashable, int, int]:
        page = self.pages[row]
        return (self.doc_key, page.number, self.bucket(page))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.pages):
            return None
        page = self.pages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(page.number)
        if role == Qt.ItemDataRole.DecorationRole:
            key = self.key(index.row())
            pixmap = self.cache.get(key)
            if pixmap is None:
                if key not in self.failed:
                    self.missing.emit()
                return self._placeholder(page)
            return pixmap
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Page {page.number}"
        return None

    def _placeholder(self, page: Page) -> QPixmap:
        size = QSize(round(page.width), round(page.height)).scaled(
            BOX, Qt.AspectRatioMode.KeepAspectRatio)
        size = size.expandedTo(QSize(1, 1))
        found = self._placeholders.get((size.width(), size.height()))
        if found is None:
            found = QPixmap(size)
            found.fill(QColor("#c8c8c8"))
            self._placeholders[(size.width(), size.height())] = found
        return found

    def add(self, job: RenderJob, image: QImage) -> None:
        """Keep a rendered thumbnail (scaled to the box) and repaint its row."""
        if job.doc_key != self.doc_key or not 1 <= job.page <= len(self.pages):
            return
        box = BOX * self.dpr
        if image.width() > box.width() or image.height() > box.height():
            image = image.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        pixmap = QPixmap.fromImage(image)
        painter = QPainter(pixmap)  # an edge, or a white page vanishes into the list
        painter.setPen(QColor("#9a9a9a"))
        painter.drawRect(pixmap.rect().adjusted(0, 0, -1, -1))
        painter.end()
        pixmap.setDevicePixelRatio(self.dpr)
        self.cache.put(job.key, pixmap)
        index = self.index(job.page - 1)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class ThumbnailList(QListView):
    """The thumbnails widget of :class:`~annotator.gui.scan_view.ScanView`;
    ``pageActivated(n)`` when the scholar clicks page ``n``."""

    pageActivated = Signal(int)

    def __init__(self, renderer: Renderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._renderer: Renderer | None = renderer
        self._previews: Previews | None = None  # the document's stored page previews
        self._model = ThumbnailModel(self)
        self.setModel(self._model)
        # a contact sheet: one column in a narrow dock, more when it is widened
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setMovement(QListView.Movement.Static)
        self.setGridSize(QSize(BOX.width() + 16, BOX.height() + self.fontMetrics().height() + 12))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)  # no data() for rows out of view
        self.setIconSize(BOX)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMinimumWidth(BOX.width() + 40)
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)
        self._fetch_timer.timeout.connect(self.fetch_visible)
        self._model.missing.connect(self._schedule_fetch)
        self.verticalScrollBar().valueChanged.connect(self._schedule_fetch)
        self.clicked.connect(self._activated)
        self.activated.connect(self._activated)
        renderer.rendered.connect(self._on_rendered)
        renderer.failed.connect(self._on_failed)
        renderer.destroyed.connect(self._detach)

    def thumbnail_model(self) -> ThumbnailModel:
        return self._model

    def set_pages(self, doc_key: Hashable, pages: list[Page],
                  previews: Previews | None = None) -> None:
        self._previews = previews
        self._model.dpr = self.devicePixelRatioF()
        self._model.set_pages(doc_key, pages)
        if self._renderer is not None:
            self._renderer.request("thumb", [])
        self._fetch_timer.start()

    def set_current_page(self, number: int) -> None:
        """Follow the scan view: mark and show its page (without emitting)."""
        if 1 <= number <= self._model.rowCount():
            index = self._model.index(number - 1)
            self.setCurrentIndex(index)
            self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def visible_rows(self) -> list[int]:
        """Rows at least partly in the viewport. Cells are laid out row by row, so a
        binary search finds the first, and the rest follow to the viewport's bottom."""
        count = self._model.rowCount()
        if not count or not self.isVisible():
            return []
        height = self.viewport().height()
        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.visualRect(self._model.index(mid)).bottom() < 0:
                lo = mid + 1
            else:
                hi = mid
        rows = []
        for row in range(lo, count):
            if self.visualRect(self._model.index(row)).top() > height:
                break
            rows.append(row)
        return rows

    def _schedule_fetch(self, *_: object) -> None:
        self._fetch_timer.start()  # not connected directly: start(int) takes an interval

    def fetch_visible(self) -> None:
        """Ask for the thumbnails in view that are not cached; older asks go."""
        if self._renderer is None or self._model.doc_key is None:
            return
        jobs = []
        for row in self.visible_rows():
            key = self._model.key(row)
            if key in self._model.cache or key in self._model.failed:
                continue
            job = RenderJob(key[0], key[1], key[2], "thumb")
            # a page slow to decode is shown from its stored preview: rendering it
            # would hold the GIL for seconds before the page itself is shown
            preview = self._previews.load(key[1]) if self._previews is not None else None
            if preview is not None:
                self._model.add(job, preview)
            else:
                jobs.append(job)
        self._renderer.request("thumb", jobs)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fetch_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fetch_timer.start()

    def _on_rendered(self, job: RenderJob, image: QImage) -> None:
        if job.channel == "thumb":
            self._model.add(job, image)

    def _on_failed(self, job: RenderJob, message: str) -> None:
        if job.channel == "thumb" and job.doc_key == self._model.doc_key:
            self._model.failed.add(job.key)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.pageActivated.emit(index.row() + 1)

    def _detach(self) -> None:
        self._renderer = None
