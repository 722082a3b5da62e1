"""A page slow to render keeps a stored preview, shown at once the next time the page
is opened, before its sharp render arrives (issue 17: a 100-megapixel TIFF showed
nothing for 4 s on every opening)."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")
pymupdf = pytest.importorskip("pymupdf")

from annotator.core.project import Project  # noqa: E402
from annotator.gui import page_previews  # noqa: E402
from annotator.gui.scan_view import ScanView  # noqa: E402

pytestmark = pytest.mark.gui


def _open(qtbot, project, doc_id) -> ScanView:
    view = ScanView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(project, doc_id)
    return view


@pytest.fixture
def scan(tmp_path, monkeypatch):
    monkeypatch.setattr(page_previews, "folder", lambda: tmp_path / "previews")
    doc = pymupdf.open()
    for i in range(2):
        page = doc.new_page(width=595, height=842)
        page.draw_rect(pymupdf.Rect(80, 80, 500, 700), color=(0, 0, 0), fill=(0.2, 0.3, 0.8))
        page.insert_text((72, 760), f"page {i + 1}", fontsize=14)
    doc.save(tmp_path / "scan.pdf")
    project = Project.create(tmp_path / "p.annot", author="T")
    doc_id = project.documents.import_file(tmp_path / "scan.pdf").value.document.id
    yield project, doc_id, tmp_path / "previews"
    project.close()


def test_slow_page_is_shown_from_its_preview_next_time(qtbot, scan, monkeypatch):
    project, doc_id, folder = scan
    monkeypatch.setattr(page_previews, "SLOW_SECONDS", 0.0)  # every render counts as slow
    first = _open(qtbot, project, doc_id)
    qtbot.waitUntil(lambda: first.is_page_sharp(1), timeout=10000)
    first.renderer.stop()
    stored = list(folder.glob("*-p1-*.jpg"))
    assert len(stored) == 1

    second = _open(qtbot, project, doc_id)
    gate = threading.Event()
    second.renderer.before_render = lambda job: gate.wait(5)  # the sharp render waits
    qtbot.wait(50)
    item = second._items[0]
    try:
        assert item.image is not None and not second.is_page_sharp(1)  # the preview
        assert item.image.width() * item.image.height() <= page_previews.PREVIEW_PIXELS
        dark = item.image.pixelColor(item.image.width() // 2, item.image.height() // 2)
        assert dark.blue() > dark.red() + 40  # the page's blue block, not a placeholder
    finally:
        second.renderer.before_render = None
        gate.set()
    qtbot.waitUntil(lambda: second.is_page_sharp(1), timeout=10000)
    second.renderer.stop()


def test_a_fast_page_keeps_no_preview(qtbot, scan, monkeypatch):
    project, doc_id, folder = scan
    monkeypatch.setattr(page_previews, "SLOW_SECONDS", 60.0)
    view = _open(qtbot, project, doc_id)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    view.renderer.stop()
    assert not folder.exists() or not list(folder.iterdir())
