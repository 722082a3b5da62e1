"""A paged document's pages stacked down the scan view's scene, rendered lazily.

Every page is laid out at once as a grey placeholder of its true size (so the scroll
bar and the place of every region are right from the start), but only the pages in
view, and one ahead in the scrolling direction, are asked of the render thread; a page
out of view lets go of its image, which stays in the :class:`PageCache` for a while.
A page's words (its text layer) are read when first wanted, not at opening.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable
from itertools import islice

from PySide6.QtCore import QPointF, QRectF, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

from annotator.core.model import Page
from annotator.gui import page_previews
from annotator.gui.page_cache import PageCache, PageItem, bucket_for, scale_of
from annotator.gui.page_previews import Previews
from annotator.gui.render import MAX_RENDER_PIXELS, Renderer, RenderJob

GAP = 12.0  # points between pages and around them
AFTER_PAINT_MS = 150  # a render waiting for a preview's paint waits no longer


class PageColumn:
    """The pages of one document in scene points, and which of them are rendered.

    ``zoom`` gives the view's current zoom (page points to logical pixels): the render
    scale wanted depends on it and on the screen's pixel ratio."""

    def __init__(self, scene: QGraphicsScene, view: QGraphicsView, cache: PageCache,
                 renderer: Renderer, zoom: Callable[[], float]) -> None:
        self._scene = scene
        self._view = view
        self._cache = cache
        self._renderer = renderer
        self._zoom = zoom
        self.reset()

    def reset(self) -> None:
        """Forget the document (its items went with the scene's clear())."""
        self.doc_key: Hashable = None
        self.pages: list[Page] = []
        self.items: list[PageItem] = []
        self.tops: list[float] = []
        self.width = 0.0
        self._last_scroll = 0
        self._shown: set[int] = set()
        self._failed: set[tuple] = set()  # (doc, page, bucket) that MuPDF could not render
        self._previewed: set[int] = set()  # pages whose stored preview exists or was shown
        self.previews: Previews | None = None  # the document's stored page previews
        self._deferred: list[RenderJob] | None = None  # jobs waiting for a paint
        self._read_words: Callable[[int], list] | None = None
        self._words: dict[int, list] = {}  # page number -> its words, read when wanted

    def lay_out(self, doc_key: Hashable, pages: list[Page],
                previews: Previews | None = None,
                read_words: Callable[[int], list] | None = None) -> None:
        """One placeholder item a page, centred in a column as wide as the widest;
        ``previews``: the document's stored previews, shown until a page renders;
        ``read_words(number)``: a page's words, for pages given without them."""
        self.doc_key, self.pages, self.previews = doc_key, pages, previews
        self._read_words = read_words
        self.width = max(p.width for p in pages)
        y = GAP
        for page in pages:
            item = PageItem(page.number, page.width, page.height)
            item.setPos((self.width - page.width) / 2 + GAP, y)
            self._scene.addItem(item)
            self.items.append(item)
            self.tops.append(y)
            y += page.height + GAP
        self._scene.setSceneRect(0, 0, self.width + 2 * GAP, y)

    def words(self, number: int) -> list:
        """Page ``number``'s words (its text layer), read once when first wanted:
        reading every page's words on opening cost 0.45-0.7 s for 300 pages of text
        before page 1 could be painted (issue 17)."""
        words = self._words.get(number)
        if words is None:
            words = self.pages[number - 1].words
            if not words and self._read_words is not None:
                words = self._read_words(number)
            self._words[number] = words
        return words

    # -- where the pages are -------------------------------------------------------------

    def pages_in(self, rect: QRectF) -> list[int]:
        """Page numbers intersecting a scene rectangle, top to bottom."""
        index = max(0, bisect.bisect_right(self.tops, rect.top()) - 1)
        found = []
        while index < len(self.pages) and self.tops[index] <= rect.bottom():
            if self.tops[index] + self.pages[index].height >= rect.top():
                found.append(index + 1)
            index += 1
        return found

    def page_rects(self, rect: QRectF) -> list[QRectF]:
        """The scene rectangles of the pages intersecting ``rect`` (each page paints
        all of its rectangle: its image or the grey placeholder)."""
        return [self.items[n - 1].sceneBoundingRect() for n in self.pages_in(rect)]

    def most_shown(self, numbers: list[int], rect: QRectF) -> int:
        """Of ``numbers``, the page with the most of its height inside ``rect``."""

        def shown(n: int) -> float:
            top = self.tops[n - 1]
            return min(rect.bottom(), top + self.pages[n - 1].height) - max(rect.top(), top)

        return max(numbers, key=shown)

    def page_at(self, scene: QPointF) -> int | None:
        """The page under a scene point, or None between pages."""
        if not self.pages:
            return None
        index = max(0, bisect.bisect_right(self.tops, scene.y()) - 1)
        return index + 1 if self.items[index].sceneBoundingRect().contains(scene) else None

    # -- rendering -----------------------------------------------------------------------

    def bucket(self, number: int) -> int:
        """A page's render bucket at the current zoom, lowered for a page so large it
        would exceed MAX_RENDER_PIXELS (then drawn enlarged, a little soft)."""
        page = self.pages[number - 1]
        bucket = bucket_for(self._zoom() * self._view.viewport().devicePixelRatioF())
        while bucket > -64 and page.width * page.height * scale_of(bucket) ** 2 > MAX_RENDER_PIXELS:
            bucket -= 1
        return bucket

    def _exact_scale(self, bucket: int) -> float:
        """Device pixels per page point at the current zoom, at most the bucket's scale
        (lower for a page too large to render at full size)."""
        wanted = self._zoom() * self._view.viewport().devicePixelRatioF()
        return min(wanted, scale_of(bucket))

    def request(self, visible: list[int]) -> None:
        """Show what is cached for the pages in view and ask for the rest (and for the
        next page in the scrolling direction); pages out of view let go of theirs."""
        value = self._view.verticalScrollBar().value()
        ahead = visible[0] - 1 if value < self._last_scroll else visible[-1] + 1
        self._last_scroll = value
        jobs = []
        previewed = False
        for number in visible:
            bucket, item = self.bucket(number), self.items[number - 1]
            image = self._cache.get((self.doc_key, number, bucket))
            if image is not None:
                item.set_image(image, bucket)
                continue
            if (self.doc_key, number, bucket) not in self._failed:
                jobs.append(RenderJob(self.doc_key, number, bucket,
                                      scale=self._exact_scale(bucket)))
            stand_in = self._cache.best(self.doc_key, number, bucket)
            if stand_in is not None and (item.image is None or
                                         abs(stand_in[0] - bucket) < abs(item.bucket - bucket)):
                item.set_image(stand_in[1], stand_in[0])
            elif stand_in is None and item.image is None:
                previewed = self._show_preview(number) or previewed
        if 1 <= ahead <= len(self.pages):
            key = (self.doc_key, ahead, self.bucket(ahead))
            if key not in self._cache and key not in self._failed:
                jobs.append(RenderJob(*key, prefetch=True, scale=self._exact_scale(key[2])))
        for number in self._shown.difference(visible):
            self.items[number - 1].set_image(None, 0)
        self._shown = set(visible)
        self._deferred = None
        if previewed:  # painted first: the worker holds the GIL for a whole decode
            self._request_after_paint(jobs)
        else:
            self._renderer.request("page", jobs)

    def _request_after_paint(self, jobs: list[RenderJob]) -> None:
        """Ask for ``jobs`` once the view has painted the previews just set (or after
        AFTER_PAINT_MS if it does not paint, hidden), unless another request came."""
        self._deferred = jobs

        def send() -> None:
            if self._deferred is jobs:
                self._deferred = None
                self._renderer.request("page", jobs)

        if hasattr(self._view, "after_paint"):
            self._view.after_paint = send
        QTimer.singleShot(AFTER_PAINT_MS, send)
        self._view.viewport().update()

    def _show_preview(self, number: int) -> bool:
        """A page slow to render (see page_previews) shows its stored reduced copy at
        once; it goes into the cache like any render of a lower zoom."""
        page = self.pages[number - 1]
        preview = self.previews.load(number) if self.previews is not None else None
        if preview is None or not page.width:
            return False
        self._previewed.add(number)
        bucket = bucket_for(preview.width() / page.width) - 1  # never taken for sharp
        self._cache.put((self.doc_key, number, bucket), preview)
        self.items[number - 1].set_image(preview, bucket)
        return True

    def _keep_preview(self, job: RenderJob, image: QImage) -> None:
        """Store a reduced copy of a page that took long to render, once."""
        if job.page in self._previewed or self.previews is None:
            return
        renderer = self._renderer
        with renderer._lock:  # the worker appends both as it renders
            recent = list(islice(zip(reversed(renderer.history),
                                     reversed(renderer.render_seconds), strict=False), 16))
        seconds = next((s for j, s in recent if j == job), 0.0)
        if seconds >= page_previews.SLOW_SECONDS:
            self._previewed.add(job.page)
            self.previews.keep(job.page, image)

    def is_sharp(self, number: int) -> bool:
        """Whether page ``number`` shows an image rendered for the current zoom."""
        if not 1 <= number <= len(self.items):
            return False
        item = self.items[number - 1]
        return item.image is not None and item.bucket == self.bucket(number)

    def take_rendered(self, job: RenderJob, image: QImage) -> bool:
        """Cache a page the worker rendered and show it if in view; True when that page
        is now sharp at the current zoom."""
        self._cache.put(job.key, image)
        self._keep_preview(job, image)
        item = self.items[job.page - 1]
        if job.page not in self._shown:
            return False
        if job.bucket == self.bucket(job.page):
            item.set_image(image, job.bucket)
            return True
        if item.image is None:
            item.set_image(image, job.bucket)
        return False

    def mark_failed(self, job: RenderJob, message: str) -> None:
        """Show the error on the page; it is not asked for again at this zoom."""
        self._failed.add(job.key)
        self.items[job.page - 1].set_error(message)
