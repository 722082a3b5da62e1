"""A page is rendered at the exact zoom and copied to the screen pixel for pixel, so
going back to a page seen a moment ago copies its cached image, never converting all
of it nor scaling it with smoothing (issue 17: the render of the zoom step above, up to 9 %
larger, was drawn scaled on every revisit: 7.3x a viewer keeping its images)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pymupdf = pytest.importorskip("pymupdf")

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
