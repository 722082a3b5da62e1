"""Rendered pages kept within a memory budget, and the scene item that shows one.

A 300-page scan at screen resolution is ~1.5 GB of pixels, so rendered pages cannot
all be kept; a scholar flips back and forth between a few pages, so the recent ones
must be. The budget counts the bytes of the images themselves (what dominates the
process's memory), not the number of pages: a page at 400 % costs 16 pages at 100 %.

Keys are ``(document_key, page, bucket)``; ``bucket`` is the quantised render scale
(see :func:`bucket_for`), so a small change of zoom still hits the cache and a page
can be shown from a cached image of another zoom, scaled, while the right one
renders. The cache is used from the GUI thread only (the worker hands images over
through a queued signal), so it needs no lock.

The cache keeps images compact (1 byte a pixel for a grey scan, 3 for colour). A page
rendered at the exact zoom is copied to the screen as it is (Qt converts only the part
in view, ~0.5 ms; converting the whole page to a QPixmap first took ~5 ms on every
revisit); a :class:`PageItem` drawn scaled (another zoom's render, a preview) converts
its page once to the screen's format, which paints four times faster scaled, and lets
go of it out of view.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

#: Render scales are quantised to steps of 2**(1/8) (about 9 %): a zoom between two
#: steps renders at the step above and is drawn scaled down a little, which is
#: sharp, and a wheel zoom of a few percent does not render everything again.
STEPS_PER_DOUBLING = 8

Key = tuple[Hashable, int, int]


def bucket_for(scale: float) -> int:
    """The bucket of a render scale (device pixels per page point), rounding up so
    that a page is never drawn enlarged from a render of the bucket."""
    return math.ceil(math.log2(max(scale, 1e-6)) * STEPS_PER_DOUBLING - 1e-6)


def scale_of(bucket: int) -> float:
    """The render scale a bucket stands for."""
    return 2.0 ** (bucket / STEPS_PER_DOUBLING)


def image_bytes(image: Any) -> int:
    """Bytes held by a QImage, a QPixmap (width x height x depth) or a bytes-like."""
    size = getattr(image, "sizeInBytes", None)
    if size is not None:
        return int(size())
    if hasattr(image, "depth"):
        return image.width() * image.height() * max(image.depth(), 8) // 8
    return len(image)


class PageCache:
    """An LRU of rendered pages bounded by bytes. ``on_evict(key)`` is called for
    each image pushed out, so a view can let go of its own reference too."""

    def __init__(self, budget_bytes: int = 256 * 1024 * 1024,
                 on_evict: Callable[[Key], None] | None = None) -> None:
        self.budget = int(budget_bytes)
        self.on_evict = on_evict
        self._items: OrderedDict[Key, tuple[Any, int]] = OrderedDict()
        self._by_page: dict[tuple[Hashable, int], set[int]] = {}
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: Key) -> Any | None:
        """The image under ``key`` (now the most recently used), or None."""
        entry = self._items.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, key: Key, image: Any) -> None:
        """Keep ``image``; older images go until the total fits the budget. An image
        larger than the whole budget is not kept (it is still shown by its caller)."""
        size = image_bytes(image)
        self._remove(key)
        if size > self.budget:
            return
        self._items[key] = (image, size)
        self._by_page.setdefault((key[0], key[1]), set()).add(key[2])
        self.nbytes += size
        while self.nbytes > self.budget and self._items:
            old = next(iter(self._items))
            self._remove(old)
            if self.on_evict is not None:
                self.on_evict(old)

    def best(self, doc: Hashable, page: int, bucket: int) -> tuple[int, Any] | None:
        """A stand-in while ``bucket`` renders: the sharpest cached image not above
        ``bucket`` (scaled up a little), else the smallest one above it."""
        buckets = self._by_page.get((doc, page))
        if not buckets:
            return None
        below = [b for b in buckets if b <= bucket]
        chosen = max(below) if below else min(buckets)
        return chosen, self._items[(doc, page, chosen)][0]

    def clear(self) -> None:
        self._items.clear()
        self._by_page.clear()
        self.nbytes = 0

    def _remove(self, key: Key) -> None:
        entry = self._items.pop(key, None)
        if entry is None:
            return
        self.nbytes -= entry[1]
        buckets = self._by_page.get((key[0], key[1]))
        if buckets is not None:
            buckets.discard(key[2])
            if not buckets:
                del self._by_page[(key[0], key[1])]


class PageItem(QGraphicsItem):
    """One page in the scene, sized in page points: its rendered image stretched
    over the page (so an image of any zoom fits, the stand-in of another zoom
    included), or a grey placeholder of the page's true size until it renders."""

    def __init__(self, number: int, width: float, height: float) -> None:
        super().__init__()
        self.number = number
        self.image: QImage | None = None  # the cached image shown (for its bucket)
        self.bucket = 0
        self.error = ""
        self._pixmap: QPixmap | None = None  # the same in the screen's format, if drawn scaled
        self._rect = QRectF(0, 0, width, height)

    def boundingRect(self) -> QRectF:
        return self._rect

    def set_image(self, image: QImage | None, bucket: int) -> None:
        if image is self.image and bucket == self.bucket:
            return
        self.image, self.bucket = image, bucket
        self._pixmap = None  # made when first drawn scaled
        self._repaint()

    def _repaint(self) -> None:
        """Mark where the page is on screen dirty at once. QGraphicsItem.update() marks
        it from a queued call, after a pending paint: a jump that sets the page's image
        before its paint then painted the whole viewport twice."""
        scene = self.scene()
        views = scene.views() if scene is not None else []
        if not views:
            self.update()
            return
        rect = self.sceneBoundingRect()
        for view in views:
            view.viewport().update(view.viewportTransform().mapRect(rect).toAlignedRect()
                                   .adjusted(-1, -1, 1, 1))

    def _blit(self, painter: QPainter, image: QImage, widget: QWidget | None) -> bool:
        """Copy a page rendered at the exact zoom pixel for pixel (~10x faster than
        converting it and drawing it scaled with smoothing); False if it is not of
        that size. Only the part in view is converted: converting the whole page to
        the screen's format once it is shown (a QPixmap) costs more than it saves on
        later paints (measured: the page's pixels are cold in the CPU's caches)."""
        world = painter.worldTransform()
        if world.type().value > QTransform.TransformationType.TxScale.value:  # turned
            return False
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        target = world.mapRect(self._rect)
        if (abs(target.width() * ratio - image.width()) > 1.5
                or abs(target.height() * ratio - image.height()) > 1.5):
            return False
        if image.devicePixelRatio() != ratio:
            image.setDevicePixelRatio(ratio)
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.drawImage(QPointF(round(target.x() * ratio) / ratio,
                                  round(target.y() * ratio) / ratio), image)
        painter.restore()
        return True

    def set_error(self, message: str) -> None:
        self.error = message
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        image = self.image
        if image is not None:
            if not self._blit(painter, image, widget):
                if self._pixmap is None:
                    self._pixmap = QPixmap.fromImage(image)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                painter.drawPixmap(self._rect, self._pixmap, QRectF(self._pixmap.rect()))
            return
        painter.fillRect(self._rect, QColor("#d4d4d4"))
        painter.setPen(QColor("#7a7a7a"))
        text = f"Page {self.number}" + (f"\ncannot be shown: {self.error}" if self.error else "")
        painter.drawText(self._rect.adjusted(12, 12, -12, -12),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
