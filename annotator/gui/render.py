"""Rendering pages off the GUI thread: one worker thread, one PyMuPDF document in it.

PyMuPDF is not thread-safe: a ``pymupdf.Document`` is opened, used and closed in the
worker thread only, from the source bytes handed over (bytes are immutable, so
sharing them is safe). The GUI thread never imports PyMuPDF for showing pages; the
import costs ~300 ms and happens in the worker on the first page wanted.

PyMuPDF also holds Python's GIL for the whole of each call, so a 90 ms render would
freeze the GUI for 90 ms even on another thread. Pages are therefore rendered from a
display list in horizontal bands of about a million pixels (~20 ms for a scanned
page): between bands the GUI thread gets the GIL back, and a render nobody wants any
more (the user scrolled on or zoomed again) is abandoned at the next band.

Requests come per channel ("page" for the scan view, "thumb" for the thumbnails);
a new request replaces whatever of that channel is still pending, so when the user
scrolls fast only the pages now in view are rendered. Page jobs go before thumbnails.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtGui import QImage

from annotator.core.importers.pdf import MUPDF_LOCK
from annotator.core.util import gc_paused
from annotator.gui import render_pillow
from annotator.gui.page_cache import scale_of
from annotator.gui.render_jobs import (  # re-exported: the view, thumbnails and tests import them here
    RenderJob,
    RenderSource,
    filetype_of,  # noqa: F401
    orient,
    orientations_to_apply,  # noqa: F401
)

CHANNELS = ("page", "thumb")  # in priority order
BAND_PIXELS = 1024 * 1024  # per MuPDF call (~20 ms for a scan): bounds the GUI's wait for the GIL
PREFETCH_DELAY = 0.03  # s: a page not yet in view waits, so the one in view is painted first
MAX_RENDER_PIXELS = 40_000_000  # a page larger than this is rendered smaller, then scaled
PASSWORD_NEEDED = "password"  # the message of a failure that a password would cure
SMALL_IMAGE_PIXELS = 250_000  # decoded whole or in parts alike (~2 ms)

class _Cancelled(Exception):
    """The job was superseded while it rendered."""


class _Worker(QThread):
    """The render thread. Everything PyMuPDF lives in :meth:`run`'s locals."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__()
        self.setObjectName("annotator-render")
        self._renderer = renderer
        self._cond = threading.Condition()
        self._queues: dict[str, deque[RenderJob]] = {c: deque() for c in CHANNELS}
        self._wanted: dict[str, set[RenderJob]] = {c: set() for c in CHANNELS}
        self._urgent: set[RenderJob] = set()  # wanted now, not as a prefetch
        self._sources: dict[Hashable, RenderSource] = {}
        self._current: RenderJob | None = None
        # rendered, but the GUI has not received them yet: asking again would render twice
        self._in_transit: set[RenderJob] = set()
        self._stopping = False

    # -- called from the GUI thread ----------------------------------------------------

    def set_source(self, source: RenderSource) -> None:
        with self._cond:
            self._sources[source.key] = source
            self._cond.notify()

    def remove_source(self, key: Hashable) -> None:
        with self._cond:
            self._sources.pop(key, None)
            self._cond.notify()

    def request(self, channel: str, jobs: list[RenderJob]) -> int:
        """Replace the channel's pending jobs; returns how many were dropped."""
        with self._cond:
            queue = self._queues[channel]
            # the job in hand goes on if still wanted; it is not queued a second time
            new = [j for j in dict.fromkeys(jobs)
                   if j != self._current and j not in self._in_transit]
            dropped = sum(1 for j in queue if j not in new)
            queue.clear()
            queue.extend(new)
            self._wanted[channel] = set(jobs)
            self._urgent = {j for j in jobs if not j.prefetch}
            if new or dropped or self._current is not None:  # else it sleeps on: no GIL
                self._cond.notify_all()  # handed to a thread that has nothing to do
        return dropped

    def delivered(self, job: RenderJob) -> None:
        with self._cond:
            self._in_transit.discard(job)

    def stop(self) -> None:
        """Finish the band in hand, close the documents and end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        try:
            if self.isRunning() and QThread.currentThread() is not self:
                self.wait()
        except RuntimeError:  # Qt already deleted the thread object (at interpreter exit)
            pass

    # -- the worker thread -------------------------------------------------------------

    def _next(self) -> tuple[RenderJob, RenderSource | None] | None:
        with self._cond:
            while not self._stopping and not any(self._queues.values()):
                self._cond.wait()
            if self._stopping:
                return None
            for channel in CHANNELS:
                if self._queues[channel]:
                    job = self._queues[channel].popleft()
                    self._current = job
                    return job, self._sources.get(job.doc_key)
        return None

    def _still_wanted(self, job: RenderJob) -> bool:
        with self._cond:
            return not self._stopping and job in self._wanted[job.channel]

    def run(self) -> None:
        try:
            from annotator.core.importers.pdf import load_pymupdf

            state = _DocState(load_pymupdf())
        except Exception as exc:  # a broken installation: say so on every page asked for
            state = _Unavailable(f"PyMuPDF cannot be loaded ({exc})")
        try:
            while True:
                item = self._next()
                if item is None:
                    break
                job, source = item
                with self._cond:
                    live = set(self._sources)
                with MUPDF_LOCK:
                    state.forget_except(live)
                if source is not None:
                    self._render(state, job, source)
                with self._cond:
                    self._current = None
        finally:
            with MUPDF_LOCK:
                state.close_all()

    def _render(self, state: _DocState | _Unavailable, job: RenderJob, source: RenderSource) -> None:
        renderer = self._renderer
        try:
            hook = renderer.before_render
            if hook is not None:
                hook(job)
            if job.prefetch:  # let the GUI take the GIL and paint what just arrived
                with self._cond:  # ... unless the page is wanted in view meanwhile
                    self._cond.wait_for(lambda: self._stopping or job in self._urgent,
                                        PREFETCH_DELAY)
            if not self._still_wanted(job):
                renderer._note_dropped()
                return
            started = time.perf_counter()
            # MuPDF is single-threaded: no import reads a PDF meanwhile, and no
            # collection on another thread lets go of a MuPDF object while it draws
            with MUPDF_LOCK, gc_paused():
                image = state.render(source, job, lambda: self._still_wanted(job))
            renderer._note_rendered(job, time.perf_counter() - started)
            with self._cond:
                self._in_transit.add(job)
            renderer.rendered.emit(job, image)
        except _Cancelled:
            renderer._note_dropped()
        except Exception as exc:  # MuPDF raises many types for damaged pages
            message = str(exc).strip() or type(exc).__name__
            renderer.failed.emit(job, message.splitlines()[0][:200])


class _Unavailable:
    """Stands in for _DocState when PyMuPDF cannot be imported."""

    def __init__(self, message: str) -> None:
        self.message = message

    def forget_except(self, live: set[Hashable]) -> None:
        pass

    def close_all(self) -> None:
        pass

    def render(self, source: RenderSource, job: RenderJob, wanted: Callable[[], bool]) -> QImage:
        raise RuntimeError(self.message)


class _DocState:
    """Open documents, display lists and colour decisions of the worker thread."""

    def __init__(self, pymupdf: Any) -> None:
        self.pymupdf = pymupdf
        self.docs: dict[Hashable, Any] = {}
        self.lists: OrderedDict[tuple[Hashable, int], _Page] = OrderedDict()
        self.decoded = render_pillow.Decoded()  # the last large TIFF/PNG page, by Pillow

    def forget_except(self, live: set[Hashable]) -> None:
        if self.decoded.key is not None and self.decoded.key[0] not in live:
            self.decoded = render_pillow.Decoded()
        for key in [k for k in self.docs if k not in live]:
            for page_key in [p for p in self.lists if p[0] == key]:
                del self.lists[page_key]
            self.docs.pop(key).close()

    def close_all(self) -> None:
        self.lists.clear()
        for doc in self.docs.values():
            doc.close()
        self.docs.clear()

    def _document(self, source: RenderSource) -> Any:
        doc = self.docs.get(source.key)
        if doc is None:
            doc = self.pymupdf.open(stream=source.data, filetype=source.filetype)
            if doc.needs_pass and not doc.authenticate(source.password or ""):
                doc.close()
                raise RuntimeError(PASSWORD_NEEDED)
            self.docs[source.key] = doc
        return doc

    def _display_list(self, source: RenderSource, number: int) -> _Page:
        """The page's display list (re-rendering at another zoom skips parsing the
        page again), whether it is grey only (rendered with 1 byte a pixel) and its
        images."""
        key = (source.key, number)
        entry = self.lists.get(key)
        if entry is None:
            # MuPDF keeps decoded images in its own store (up to 256 MB, beside our
            # cache): keep only those of the pages being re-rendered at a new zoom.
            self.pymupdf.TOOLS.store_shrink(100)
            for kept in self.lists.values():
                kept.decoded = False  # their images left the store too
            page = self._document(source).load_page(number - 1)
            images = _image_info(page)
            entry = _Page(page, page.get_displaylist(), _is_grey(page, images), images)
            self.lists[key] = entry
            while len(self.lists) > 4:
                self.lists.popitem(last=False)
        else:
            self.lists.move_to_end(key)
        return entry

    def render(self, source: RenderSource, job: RenderJob,
               wanted: Callable[[], bool]) -> QImage:
        image = render_pillow.render_page(self.decoded, source, job.page,
                                          job.scale or scale_of(job.bucket), MAX_RENDER_PIXELS)
        if image is not None:  # a large TIFF/PNG page, decoded by Pillow, upright
            return image
        image = self._render(source, job, wanted)
        orientation = source.orientations.get(job.page, 1)  # what MuPDF did not turn
        return orient(image, orientation) if orientation != 1 else image

    def _render(self, source: RenderSource, job: RenderJob,
                wanted: Callable[[], bool]) -> QImage:
        pymupdf = self.pymupdf
        entry = self._display_list(source, job.page)
        dlist, grey = entry.dlist, entry.grey
        rect = dlist.rect
        scale = job.scale or scale_of(job.bucket)
        if rect.width * rect.height * scale * scale > MAX_RENDER_PIXELS:
            scale = (MAX_RENDER_PIXELS / max(rect.width * rect.height, 1.0)) ** 0.5
        matrix = pymupdf.Matrix(scale, scale)
        full = (rect * matrix).irect
        width, height = max(full.width, 1), max(full.height, 1)
        fmt = QImage.Format.Format_Grayscale8 if grey else QImage.Format.Format_RGB888
        colorspace = pymupdf.csGRAY if grey else pymupdf.csRGB
        channels = 1 if grey else 3
        image = QImage(width, height, fmt)  # every row is written by a band below
        out = image.bits()
        out_stride = image.bytesPerLine()
        rows = max(16, BAND_PIXELS // width)
        if rows < height and not entry.decoded and _decoded_whole(entry.images, scale):
            entry.decoded = _decode_images(entry.page)
        for top in range(0, height, rows):
            if not wanted():
                raise _Cancelled
            bottom = min(height, top + rows)
            clip = pymupdf.Rect(rect.x0, rect.y0 + top / scale, rect.x1, rect.y0 + bottom / scale)
            band = dlist.get_pixmap(matrix=matrix, colorspace=colorspace, alpha=False, clip=clip)
            _blit(out, out_stride, width, height, band, full.x0, full.y0, channels)
            del band
        return image


def _blit(out: memoryview, out_stride: int, width: int, height: int, band: Any,
          x0: int, y0: int, channels: int) -> None:
    """Copy a band's rows into the page image at its own position (bands are
    rounded outwards by MuPDF, so neighbouring bands may share a row)."""
    src, stride = band.samples_mv, band.stride
    bx, by, bw, bh = band.x, band.y, band.width, band.height
    left, skip = max(0, bx - x0), max(0, x0 - bx)
    count = min(bw - skip, width - left) * channels
    if count <= 0:
        return
    first, last = max(0, y0 - by), min(bh, height + y0 - by)
    if stride == out_stride and left == skip == 0 and count == stride:  # one block
        start = (by - y0 + first) * out_stride
        out[start:start + (last - first) * stride] = src[first * stride:last * stride]
        return
    for row in range(first, last):
        start = (by - y0 + row) * out_stride + left * channels
        begin = row * stride + skip * channels
        out[start:start + count] = src[begin:begin + count]


class _Page:
    """A page of the worker's: its display list, colours and images, and whether
    MuPDF's store was given its images decoded whole."""

    __slots__ = ("page", "dlist", "grey", "images", "decoded")

    def __init__(self, page: Any, dlist: Any, grey: bool, images: list[dict] | None) -> None:
        self.page, self.dlist, self.grey, self.images = page, dlist, grey, images
        self.decoded = False


def _image_info(page: Any) -> list[dict] | None:
    """The page's images as MuPDF lists them (None: the page could not be run)."""
    try:
        return page.get_image_info()
    except Exception:  # a damaged page: rendering will say what is wrong
        return None


def _decoded_whole(images: list[dict] | None, scale: float) -> bool:
    """Whether MuPDF would decode every large image of the page at full size at this
    scale (drawn at more than half its pixels each way: MuPDF's ``l2factor`` 0), so
    that one whole decode of each serves every band. Small images (a printer's logo
    drawn reduced beside a scan) cost little either way."""
    if not images:
        return False
    for info in images:
        a, b, c, d = tuple(info.get("transform") or (0, 0, 0, 0))[:4]
        width, height = info.get("width") or 0, info.get("height") or 0
        if width * height < SMALL_IMAGE_PIXELS:
            continue
        drawn_w = min(width, int((a * a + b * b) ** 0.5 * scale))
        drawn_h = min(height, int((c * c + d * d) ** 0.5 * scale))
        if width >> 1 >= drawn_w + 2 and height >> 1 >= drawn_h + 2:
            return False  # decoded reduced: whole at full size would cost more
    return True


def _decode_images(page: Any) -> bool:
    """Have MuPDF decode the page's images whole into its store (hashing an image
    decodes it whole, at full size). A band needs only part of an image and MuPDF
    then decodes only that part, but a JPEG or Flate stream is read from its start:
    each band of a scanned page decoded most of the image again (3 bands: ~1.5x the
    time of the whole page in one call, issue 17). The bands find it whole there."""
    try:
        page.get_image_info(hashes=True)
    except Exception:  # a damaged image: the bands will meet it and say so
        return False
    return True


def _is_grey(page: Any, images: list[dict] | None) -> bool:
    """Whether the page shows only greys: every image has one colour component, it
    has no vector drawings, and its text is invisible (an OCR layer) or grey. A
    scanned page then renders at a third of the memory; any doubt renders colour."""
    try:
        if not images or any(info.get("colorspace") != 1 for info in images):
            return False
        if page.get_cdrawings():
            return False
        for span in page.get_texttrace():
            r, g, b = (tuple(span.get("color") or (0, 0, 0)) + (0, 0, 0))[:3]
            if span.get("type") != 3 and not (r == g == b):
                return False
        return True
    except Exception:  # a damaged page: render it in colour rather than guess
        return False


_LIVE: set[_Worker] = set()


def _stop_all() -> None:
    """Threads must end before Python tears Qt down, or Qt aborts the process."""
    for worker in list(_LIVE):
        worker.stop()
    _LIVE.clear()


atexit.register(_stop_all)


class Renderer(QObject):
    """The scan view's and the thumbnails' access to the render thread.

    ``rendered(job, QImage)`` and ``failed(job, message)`` arrive in the GUI thread.
    ``before_render(job)``, if set, is called in the worker before each job (tests
    use it to hold the worker); ``history`` lists the jobs actually rendered."""

    rendered = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.before_render: Callable[[RenderJob], None] | None = None
        self.history: deque[RenderJob] = deque(maxlen=5000)
        self.render_seconds: deque[float] = deque(maxlen=5000)
        self.render_count = 0
        self.dropped_count = 0
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._stopped = False  # for good: nothing starts a thread again
        # sources whose bytes are read when a page of them is first asked for
        self._unread: dict[Hashable, tuple[RenderSource, Callable[[], bytes]]] = {}
        self.rendered.connect(self._delivered)  # first, so before any view's slot

    def _delivered(self, job: RenderJob, image: QImage) -> None:
        if self._worker is not None:
            self._worker.delivered(job)

    def _ensure_worker(self) -> _Worker | None:
        if self._worker is None and not self._stopped:
            worker = _Worker(self)
            _LIVE.add(worker)
            app = QCoreApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(worker.stop)
            self._worker = worker
            worker.start()
        return self._worker

    def set_source(self, source: RenderSource,
                   read: Callable[[], bytes] | None = None) -> None:
        """The document jobs of ``source.key`` render. ``read``: reads its bytes (on
        this thread) when a page of it is first asked for, so that a stored preview
        is shown before a 300 MB scan is read from the project file."""
        if read is not None:
            self._unread[source.key] = (source, read)
            return
        worker = self._ensure_worker()
        if worker is not None:
            worker.set_source(source)

    def remove_source(self, key: Hashable) -> None:
        self._unread.pop(key, None)
        if self._worker is not None:
            self._worker.remove_source(key)

    def _read_sources(self, jobs: list[RenderJob]) -> list[RenderJob]:
        """Read the bytes of the sources ``jobs`` need for the first time; the jobs of
        a source that cannot be read fail with the reason."""
        for key in {job.doc_key for job in jobs}.intersection(self._unread):
            source, read = self._unread.pop(key)
            try:
                source.data = read()
            except Exception as exc:  # bytes missing or damaged: said on the page
                for job in [j for j in jobs if j.doc_key == key]:
                    self.failed.emit(job, str(exc)[:200] or type(exc).__name__)
                jobs = [j for j in jobs if j.doc_key != key]
                continue
            self.set_source(source)
        return jobs

    def request(self, channel: str, jobs: Iterable[RenderJob]) -> None:
        """Render ``jobs`` in order, dropping the channel's older pending ones."""
        jobs = self._read_sources(list(jobs)) if self._unread else list(jobs)
        worker = self._ensure_worker() if jobs else self._worker
        if worker is None:
            return
        dropped = worker.request(channel, jobs)
        with self._lock:
            self.dropped_count += dropped

    def stop(self) -> None:
        """End the worker thread for good (idempotent); called when the owner goes."""
        self._stopped = True
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
            _LIVE.discard(worker)

    def _note_rendered(self, job: RenderJob, seconds: float) -> None:
        with self._lock:
            self.render_count += 1
            self.history.append(job)
            self.render_seconds.append(seconds)

    def _note_dropped(self) -> None:
        with self._lock:
            self.dropped_count += 1
