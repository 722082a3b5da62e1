"""The scan view on its own (no main window): rendering off the GUI thread, the page
cache, regions that keep their page coordinates at any zoom, text-layer selection,
page navigation, thumbnails and the empty state. Runs offscreen."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pymupdf = pytest.importorskip("pymupdf")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QWheelEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.core.model import Annotation, RegionSelector  # noqa: E402
from annotator.core.project import Project  # noqa: E402
from annotator.gui.page_cache import PageCache, bucket_for, scale_of  # noqa: E402
from annotator.gui.render import (  # noqa: E402
    Renderer,
    RenderJob,
    RenderSource,
    orient,
    orientations_to_apply,
)
from annotator.gui.scan_view import EMPTY_TEXT, ScanView  # noqa: E402

pytestmark = pytest.mark.gui
DATA = Path(__file__).resolve().parents[1] / "data"
LINES = ("Alpha beta gamma", "delta epsilon zeta")


def make_pdf(path, pages: int = 3, rotate: int = 0) -> None:
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), LINES[0], fontsize=16)
        page.insert_text((72, 124), LINES[1], fontsize=16)
        page.insert_text((72, 700), f"page {i + 1}", fontsize=12)
        page.draw_rect(pymupdf.Rect(100, 300, 400, 500), color=(0.8, 0, 0), fill=(0.9, 0.9, 1))
        if rotate:
            page.set_rotation(rotate)
    doc.save(path)
    doc.close()


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "scan.annot", author="T")
    yield p
    p.close()


@pytest.fixture
def pdf_doc(project, tmp_path):
    make_pdf(tmp_path / "three.pdf")
    return project.documents.import_file(tmp_path / "three.pdf").value.document


@pytest.fixture
def view(qtbot, project, pdf_doc):
    v = ScanView()
    qtbot.addWidget(v)
    v.resize(600, 500)
    v.show()
    qtbot.waitExposed(v)
    v.set_document(project, pdf_doc.id)
    qtbot.waitUntil(lambda: v.is_page_sharp(1), timeout=10000)
    yield v
    v.renderer.before_render = None
    v.renderer.stop()


def drag(widget, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, modifier, start)
    QTest.mouseMove(widget, (start + end) / 2)
    QTest.mouseMove(widget, end)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, modifier, end)


def drag_on_page(qtbot, view: ScanView, signal, rect, modifier=Qt.KeyboardModifier.NoModifier):
    """Drag from page point rect[:2] to rect[2:] on page 1; the emitted selector."""
    a = view.page_to_viewport(1, rect[0], rect[1]).toPoint()
    b = view.page_to_viewport(1, rect[2], rect[3]).toPoint()
    with qtbot.waitSignal(signal, timeout=3000) as blocker:
        drag(view.graphics_view().viewport(), a, b, modifier)
    return blocker.args[0]


def assert_region(region: RegionSelector, rect, tolerance: float = 1.0) -> None:
    x0, y0, x1, y1 = rect
    assert region.page == 1
    assert abs(region.x - x0) <= tolerance and abs(region.y - y0) <= tolerance
    assert abs(region.w - (x1 - x0)) <= tolerance and abs(region.h - (y1 - y0)) <= tolerance


def test_region_keeps_page_points_across_zoom(qtbot, view, pdf_doc):
    rect = (100.0, 150.0, 300.0, 260.0)
    view.set_mode("region")
    first = drag_on_page(qtbot, view, view.regionDrawn, rect)
    assert isinstance(first, RegionSelector)
    assert_region(first, rect)

    before = view.zoom()
    view.zoom_in()
    view.zoom_in()
    assert view.zoom() > before * 1.3
    qtbot.waitUntil(lambda: view.is_page_sharp(view.current_page()), timeout=10000)
    ann = Annotation("a1", pdf_doc.id, "author", region=first)
    view.set_annotations([ann], {"a1": "#d04a4a"})
    drawn = view.annotation_scene_rect("a1")
    corner = view.page_to_scene(1, first.x, first.y)
    assert abs(drawn.x() - corner.x()) < 0.01 and abs(drawn.y() - corner.y()) < 0.01
    assert abs(drawn.width() - first.w) < 0.01 and abs(drawn.height() - first.h) < 0.01
    on_screen = view.graphics_view().mapFromScene(drawn.topLeft())
    expected = view.page_to_viewport(1, first.x, first.y)
    assert abs(on_screen.x() - expected.x()) <= 1 and abs(on_screen.y() - expected.y()) <= 1

    view.go_to_page(1)
    second = drag_on_page(qtbot, view, view.regionDrawn, rect)
    assert_region(second, rect)
    assert abs(second.x - first.x) <= 1 and abs(second.h - first.h) <= 1

    # a click (no drag) on the drawn region names its annotation
    centre = view.page_to_viewport(1, 200, 205).toPoint()
    with qtbot.waitSignal(view.annotationClicked, timeout=3000) as clicked:
        QTest.mouseClick(view.graphics_view().viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, centre)
    assert clicked.args == ["a1"]
    view.select_annotation("a1")
    assert view._annotations["a1"].zValue() == 11  # drawn above the others, thicker


def test_shift_drag_in_pan_mode_draws_region_clipped_to_page(qtbot, view):
    view.set_mode("pan")
    region = drag_on_page(qtbot, view, view.regionDrawn, (400.0, 600.0, 700.0, 900.0),
                          Qt.KeyboardModifier.ShiftModifier)
    assert region.page == 1
    assert abs(region.x - 400) <= 1 and abs(region.y - 600) <= 1
    assert region.x + region.w <= 595.01 and region.y + region.h <= 842.01


def test_region_over_words_carries_their_text(qtbot, view):
    view.set_mode("region")
    region = drag_on_page(qtbot, view, view.regionDrawn, (60.0, 80.0, 400.0, 110.0))
    assert region.text == LINES[0]


def test_go_to_page_and_keys(qtbot, view):
    with qtbot.waitSignal(view.pageChanged, timeout=3000) as blocker:
        view.go_to_page(3)
    assert blocker.args == [3] and view.current_page() == 3
    qtbot.waitUntil(lambda: view.is_page_sharp(3), timeout=10000)
    assert 3 in view.visible_pages()
    target = view.graphics_view()
    target.setFocus()
    with qtbot.waitSignal(view.pageChanged, timeout=3000) as blocker:
        QTest.keyClick(target, Qt.Key.Key_PageUp)
    assert blocker.args == [2]
    with qtbot.waitSignal(view.pageChanged, timeout=3000) as blocker:
        QTest.keyClick(target, Qt.Key.Key_Home)
    assert blocker.args == [1]
    with qtbot.waitSignal(view.pageChanged, timeout=3000) as blocker:
        QTest.keyClick(target, Qt.Key.Key_End)
    assert blocker.args == [3]


def test_zoom_keys_and_ctrl_wheel(qtbot, view):
    target = view.graphics_view()
    target.setFocus()
    fit = view.zoom()
    QTest.keyClick(target, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() > fit
    QTest.keyClick(target, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(target, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() < fit
    QTest.keyClick(target, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() == pytest.approx(fit, rel=1e-3)
    pos = QPointF(200, 200)
    under = view.viewport_to_page(pos)
    event = QWheelEvent(pos, target.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(target.viewport(), event)
    assert view.zoom() > fit * 1.1
    after = view.viewport_to_page(pos)  # the point under the mouse stays put
    assert after[0] == under[0] and abs(after[1] - under[1]) < 2 and abs(after[2] - under[2]) < 2
    view.fit_page()
    assert 842 * view.zoom() <= target.viewport().height()
    assert view.visible_pages()[0] == view.current_page()


def test_text_mode_selects_words_in_reading_order(qtbot, view, project, pdf_doc):
    words = project.documents.pages(pdf_doc.id, with_words=True)[0].words
    beta = next(w for w in words if w[4] == "beta")
    epsilon = next(w for w in words if w[4] == "epsilon")
    view.set_mode("text")
    selected = drag_on_page(qtbot, view, view.textSelected,
                            ((beta[0] + beta[2]) / 2, (beta[1] + beta[3]) / 2,
                             (epsilon[0] + epsilon[2]) / 2, (epsilon[1] + epsilon[3]) / 2))
    assert selected.text == "beta gamma delta epsilon"
    assert len(selected.quads) == 2
    assert selected.quads[0][0] == pytest.approx(beta[0], abs=0.01)
    assert selected.quads[1][2] == pytest.approx(epsilon[2], abs=0.01)
    assert view._selection_item is not None  # the selection stays shown


def test_revisiting_a_page_is_a_cache_hit(qtbot, view):
    bucket = view.page_bucket(1)
    view.go_to_page(3)
    qtbot.waitUntil(lambda: view.is_page_sharp(3), timeout=10000)
    assert not view._items[0].image  # a page out of view lets go of its image
    hits = view.cache.hits
    view.go_to_page(1)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=3000)
    assert view.cache.hits > hits
    renders = [j for j in view.renderer.history if (j.page, j.bucket) == (1, bucket)]
    assert len(renders) == 1


def test_fast_zoom_renders_only_the_last_zoom(qtbot, view):
    gate, entered = threading.Event(), threading.Event()

    def hold(job):
        entered.set()
        gate.wait(5)

    view.renderer.before_render = hold
    buckets = []
    for _ in range(3):
        view.zoom_in()
        qtbot.wait(30)  # each zoom asks for its render (the ask is coalesced per event loop)
        buckets.append(view.page_bucket(1))
        qtbot.waitUntil(entered.is_set, timeout=3000)
    view.renderer.before_render = None
    gate.set()
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    rendered = {j.bucket for j in view.renderer.history if j.page == 1}
    assert buckets[-1] in rendered
    assert buckets[1] not in rendered  # superseded before the worker took it
    assert view.renderer.dropped_count >= 1


def test_renderer_drops_stale_requests(qtbot, tmp_path):
    make_pdf(tmp_path / "r.pdf", pages=3)
    renderer = Renderer()
    gate, entered = threading.Event(), threading.Event()

    def hold(job):
        if job.page == 1:
            entered.set()
            gate.wait(5)

    renderer.before_render = hold
    done = []
    renderer.rendered.connect(lambda job, image: done.append((job.page, image.size())))
    renderer.set_source(RenderSource("r", (tmp_path / "r.pdf").read_bytes(), "pdf"))
    try:
        renderer.request("page", [RenderJob("r", 1, 0)])
        qtbot.waitUntil(entered.is_set, timeout=5000)
        renderer.request("page", [RenderJob("r", 1, 0), RenderJob("r", 2, 0)])
        renderer.request("page", [RenderJob("r", 1, 0), RenderJob("r", 3, 0)])  # 2 is stale
        gate.set()
        qtbot.waitUntil(lambda: len(done) >= 2, timeout=5000)
        qtbot.wait(50)
        assert [p for p, _ in done] == [1, 3]
        assert renderer.dropped_count == 1
        assert done[0][1].width() == 595 and done[0][1].height() == 842
    finally:
        gate.set()
        renderer.stop()


def test_rotated_page_uses_its_shown_size(qtbot, project, tmp_path):
    make_pdf(tmp_path / "rot.pdf", pages=1, rotate=90)
    doc = project.documents.import_file(tmp_path / "rot.pdf").value.document
    v = ScanView()
    qtbot.addWidget(v)
    v.resize(600, 500)
    v.show()
    v.set_document(project, doc.id)
    qtbot.waitUntil(lambda: v.is_page_sharp(1), timeout=10000)
    item = v._items[0]
    assert (item.boundingRect().width(), item.boundingRect().height()) == (842, 595)
    assert item.image.width() > item.image.height()
    v.renderer.stop()


def test_empty_state_and_thumbnails(qtbot, view, project):
    thumbs = view.thumbnails_widget()
    assert view.thumbnails_widget() is thumbs
    qtbot.addWidget(thumbs)
    thumbs.resize(160, 400)
    thumbs.show()
    model = thumbs.thumbnail_model()
    qtbot.waitUntil(lambda: model.key(0) in model.cache, timeout=10000)
    thumb_jobs = [j for j in view.renderer.history if j.channel == "thumb"]
    assert len(thumb_jobs) <= len(thumbs.visible_rows())
    with qtbot.waitSignal(view.pageChanged, timeout=3000) as blocker:
        rect = thumbs.visualRect(model.index(1))
        QTest.mouseClick(thumbs.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, rect.center())
    assert blocker.args == [2]

    view.set_document(project, None)
    assert view._empty.text() == EMPTY_TEXT and view._empty.isVisible()
    assert view.current_page() == 0 and model.rowCount() == 0


def test_page_cache_lru_by_bytes_and_fallback():
    evicted = []
    cache = PageCache(budget_bytes=300, on_evict=evicted.append)
    cache.put(("d", 1, 0), b"x" * 100)
    cache.put(("d", 2, 0), b"x" * 100)
    cache.put(("d", 1, 8), b"x" * 100)
    assert cache.get(("d", 1, 0)) is not None  # now the most recent
    cache.put(("d", 3, 0), b"x" * 100)
    assert evicted == [("d", 2, 0)] and cache.nbytes == 300
    assert cache.best("d", 1, 4)[0] == 0  # the sharpest below the bucket wanted
    assert cache.best("d", 1, 12)[0] == 8
    assert cache.best("d", 2, 0) is None
    assert bucket_for(1.0) == 0 and scale_of(bucket_for(1.05)) >= 1.05


def test_image_orientation_is_applied_where_mupdf_does_not():
    tiff = {"orientation": 6, "mupdf_applies_orientation": False, "page_orientations": {"2": 8}}
    assert orientations_to_apply("image/tiff", tiff) == {2: 8}
    assert orientations_to_apply("image/png", {"orientation": 6}) == {1: 6}
    assert orientations_to_apply("image/jpeg", {"orientation": 6}) == {}
    image = QImage(2, 1, QImage.Format.Format_RGB888)
    image.setPixelColor(0, 0, QColor("red"))
    image.setPixelColor(1, 0, QColor("blue"))
    turned = orient(image, 6)  # 90° clockwise: the left pixel ends on top
    assert (turned.width(), turned.height()) == (1, 2)
    assert turned.pixelColor(0, 0) == QColor("red")


def test_password_protected_pdf_asks_then_renders(qtbot, project, tmp_path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret words")
    doc.save(tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256,
             user_pw="pw", owner_pw="owner")
    locked = project.documents.import_file(tmp_path / "locked.pdf", password="pw").value.document
    v = ScanView()
    qtbot.addWidget(v)
    v.resize(500, 400)
    v.show()
    v.set_document(project, locked.id)
    assert v._lock.isVisible()
    v._lock_edit.setText("wrong")
    v._unlock()
    qtbot.waitUntil(lambda: v._lock.isVisible() and "Wrong" in v._lock_label.text(), timeout=10000)
    v._lock_edit.setText("pw")
    v._unlock()
    qtbot.waitUntil(lambda: v.is_page_sharp(1), timeout=10000)
    v.renderer.stop()


def test_multiframe_tiff_pages_keep_their_own_sizes(qtbot, project):
    tiff = project.documents.import_file(DATA / "generated" / "multipage.tif").value.document
    v = ScanView()
    qtbot.addWidget(v)
    v.resize(500, 400)
    v.show()
    v.set_document(project, tiff.id)
    qtbot.waitUntil(lambda: v.is_page_sharp(1), timeout=10000)
    pages = project.documents.pages(tiff.id)
    assert [(i.boundingRect().width(), i.boundingRect().height()) for i in v._items] == \
        [(p.width, p.height) for p in pages]
    v.go_to_page(3)
    qtbot.waitUntil(lambda: v.is_page_sharp(3), timeout=10000)
    image = v._items[2].image
    assert image.width() / image.height() == pytest.approx(pages[2].width / pages[2].height,
                                                           rel=0.1)
    v.renderer.stop()


# -- opening reads no page's words (issue 17: a 300-page text PDF spent 0.45-0.7 s
# -- reading every page's words before page 1 could be painted) -------------------------


@pytest.fixture
def reads(project, monkeypatch):
    """The document store's page reads from here on: ("pages", with_words), ("page", n)."""
    store = project.documents
    done = []
    pages, page = store.pages, store.page

    def all_pages(document_id, *, with_words=False):
        done.append(("pages", with_words))
        return pages(document_id, with_words=with_words)

    def one_page(document_id, number):
        done.append(("page", number))
        return page(document_id, number)

    monkeypatch.setattr(store, "pages", all_pages)
    monkeypatch.setattr(store, "page", one_page)
    return done


def test_page_one_shows_without_any_words_read_then_a_page_reads_its_own(qtbot, reads, view):
    assert reads == [("pages", False)]  # fails when every page's words are read
    view.set_mode("region")
    region = drag_on_page(qtbot, view, view.regionDrawn, (60.0, 80.0, 400.0, 110.0))
    assert region.text == LINES[0]  # the words under the region, read for page 1 only
    assert reads[1:] == [("page", 1)]
    view.set_mode("text")
    selected = drag_on_page(qtbot, view, view.textSelected, (75.0, 95.0, 200.0, 120.0))
    assert selected.text.startswith("Alpha")
    assert reads[1:] == [("page", 1)]  # kept: not read again


def test_a_page_without_words_still_takes_a_region(qtbot, reads, view, project, tmp_path):
    doc = pymupdf.open()
    doc.new_page(width=595, height=842).draw_rect(pymupdf.Rect(50, 50, 300, 300), fill=(0, 0, 0))
    doc.save(tmp_path / "blank.pdf")
    scan = project.documents.import_file(tmp_path / "blank.pdf").value.document
    view.set_document(project, scan.id)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    region = drag_on_page(qtbot, view, view.regionDrawn, (60.0, 80.0, 200.0, 200.0),
                          Qt.KeyboardModifier.ShiftModifier)
    assert region.page == 1 and region.text == ""
    assert reads[-1] == ("page", 1)  # its (empty) words, read once the region wanted them
