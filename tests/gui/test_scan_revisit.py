"""A page is rendered at the exact zoom and copied to the screen pixel for pixel, so
going back to a page seen a moment ago copies its cached image, never converting all
of it nor scaling it with smoothing (issue 17: the render of the zoom step above, up to 9 %
larger, was drawn scaled on every revisit: 7.3x a viewer keeping its images)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pymupdf = pytest.importorskip("pymupdf")

from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.core.project import Project  # noqa: E402
from annotator.gui.page_cache import PageItem, bucket_for, scale_of  # noqa: E402
from annotator.gui.scan_view import ScanView  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot, tmp_path):
    doc = pymupdf.open()
    for i in range(3):
        page = doc.new_page(width=595, height=842)
        page.draw_rect(pymupdf.Rect(100, 300, 400, 500), color=(0.8, 0, 0), fill=(0.9, 0.9, 1))
        page.insert_text((72, 700), f"page {i + 1}", fontsize=12)
    doc.save(tmp_path / "three.pdf")
    project = Project.create(tmp_path / "p.annot", author="T")
    doc_id = project.documents.import_file(tmp_path / "three.pdf").value.document.id
    widget = ScanView()
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_document(project, doc_id)
    yield widget
    widget.renderer.stop()
    project.close()


def test_a_page_renders_at_the_exact_zoom_and_is_blitted(qtbot, view, monkeypatch):
    zoom = 1.3  # between two render steps: the step above is ~9 % larger
    assert scale_of(bucket_for(zoom)) > zoom * 1.05
    view.set_zoom(zoom)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    image = view._items[0].image
    ratio = view.graphics_view().viewport().devicePixelRatioF()
    assert abs(image.width() - 595 * zoom * ratio) <= 1.5
    assert abs(image.height() - 842 * zoom * ratio) <= 1.5

    blits = []
    blit = PageItem._blit

    def spy(item, painter, image, widget):
        done = blit(item, painter, image, widget)
        blits.append(done)
        return done

    monkeypatch.setattr(PageItem, "_blit", spy)
    view.go_to_page(3)
    qtbot.waitUntil(lambda: view.is_page_sharp(3), timeout=10000)
    blits.clear()
    view.go_to_page(1)  # the revisit: from the cache
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    view.graphics_view().viewport().repaint()
    assert blits and all(blits)  # copied pixel for pixel, not drawn scaled

    view.set_zoom(zoom * 1.02)  # same render step: the cached page is drawn scaled
    blits.clear()
    view.graphics_view().viewport().repaint()
    assert view.is_page_sharp(1) and blits and not any(blits)


def _shown(view) -> object:
    """What the viewport shows, as pixels."""
    return view.graphics_view().viewport().grab().toImage()


def test_a_revisit_shows_the_cached_page_in_its_first_paint(qtbot, view):
    """Going back to a page seen a moment ago starts no render and paints the viewport
    once, with the page: the page's image is set before the jump's paint (it used to be
    set from a timer after it, so the jump first painted the grey placeholder, then the
    page again), and the pixels equal the first showing's."""
    view.go_to_page(1)  # the place the revisit goes back to
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    first = _shown(view)
    view.go_to_page(3)
    qtbot.waitUntil(lambda: view.is_page_sharp(3), timeout=10000)
    qtbot.wait(50)  # the prefetch of page 2 (or none) settles
    rendered = len(view.renderer.history)

    painted = []  # at each paint of the viewport: does page 1 have its image?
    viewport = view.graphics_view().viewport()

    class Watch(QObject):
        def eventFilter(self, obj, event):
            if obj is viewport and event.type() == QEvent.Type.Paint:
                painted.append(view._items[0].image is not None)
            return False

    watch = Watch()
    viewport.installEventFilter(watch)
    view.go_to_page(1)
    assert view.is_page_sharp(1)  # at once, from the cache: no timer, no render
    QApplication.processEvents()  # the jump's paint
    viewport.removeEventFilter(watch)
    assert painted == [True]  # once, with the page: never the placeholder first
    qtbot.wait(100)
    assert len(view.renderer.history) == rendered  # nothing rendered again
    assert _shown(view) == first


def test_a_page_changed_by_a_zoom_is_not_served_stale(qtbot, view):
    """After a zoom to another render step, the revisited page is not taken for sharp
    from the old render: it renders at the new zoom and shows that."""
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    old = view._items[0].image
    view.go_to_page(3)
    qtbot.waitUntil(lambda: view.is_page_sharp(3), timeout=10000)
    view.set_zoom(view.zoom() * 1.5)
    qtbot.waitUntil(lambda: view.is_page_sharp(3), timeout=10000)
    view.go_to_page(1)
    assert not view.is_page_sharp(1)  # the old render is only a stand-in
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    image = view._items[0].image
    assert image is not old and image.width() > old.width() * 1.4
    assert any(j.page == 1 and j.bucket == view.page_bucket(1) for j in view.renderer.history)


def test_a_request_with_nothing_to_render_lets_the_worker_sleep(qtbot, view):
    """A revisit asks the worker for nothing: it is not woken (waking it has it take
    the GIL from the GUI thread in the middle of the jump's paint)."""
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    qtbot.wait(100)
    worker = view.renderer._worker
    woken = []
    cond = worker._cond
    notify_all = cond.notify_all

    def spy(*args):
        woken.append(True)
        notify_all(*args)

    cond.notify_all = spy
    try:
        view.renderer.request("page", [])
        assert not woken
        view.set_zoom(view.zoom() * 1.5)
        qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
        assert woken  # a render wanted does wake it
    finally:
        cond.notify_all = notify_all


@pytest.mark.parametrize("zoom", [None, 0.537, 1.3, 2.71])
def test_the_backdrop_skipped_under_pages_leaves_the_same_pixels(qtbot, view, zoom):
    """The backdrop is painted only around the pages (under them it was painted over):
    the viewport shows the same pixels as with the full backdrop, at the edges and
    between pages too, at zooms that put the edges between pixels."""
    if zoom is not None:
        view.set_zoom(zoom)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    graphics = view.graphics_view()
    bar = graphics.verticalScrollBar()
    bar.setValue(int(view._column.tops[1] * view.zoom()) - 100)  # the gap between 1 and 2
    qtbot.waitUntil(lambda: all(view.is_page_sharp(n) for n in view.visible_pages()),
                    timeout=10000)
    graphics.viewport().repaint()
    lean = _shown(view)
    covered, graphics.covered = graphics.covered, None  # the full backdrop
    try:
        graphics.viewport().repaint()
        full = _shown(view)
    finally:
        graphics.covered = covered
    assert covered is not None and lean == full


def test_the_render_thread_waits_while_mupdf_is_used_elsewhere(qtbot, view):
    """PyMuPDF runs MuPDF single-threaded: while an import reads a PDF (it holds the
    lock), no page is drawn; once it lets go, the page is drawn."""
    from annotator.core.importers.pdf import MUPDF_LOCK

    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    drawn: list = []
    view.renderer.rendered.connect(lambda job, image: drawn.append(job))
    with MUPDF_LOCK:
        view.set_zoom(view.zoom() * 1.7)
        qtbot.wait(1500)
        assert not drawn
    qtbot.waitUntil(lambda: bool(drawn), timeout=10000)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
