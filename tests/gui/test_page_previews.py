"""A page slow to render keeps a preview in the project file, shown at once the next
time the page is opened, before its sharp render arrives; a large page image has one
from its import, shown on its very first showing (issue 17: a 100-megapixel TIFF
showed nothing for 4 s, its whole decode)."""

from __future__ import annotations

import io
import threading

import pytest

pytest.importorskip("pytestqt")
pymupdf = pytest.importorskip("pymupdf")

from annotator.core import stored_previews  # noqa: E402
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
    doc = pymupdf.open()
    for i in range(2):
        page = doc.new_page(width=595, height=842)
        page.draw_rect(pymupdf.Rect(80, 80, 500, 700), color=(0, 0, 0), fill=(0.2, 0.3, 0.8))
        page.insert_text((72, 760), f"page {i + 1}", fontsize=14)
    doc.save(tmp_path / "scan.pdf")
    project = Project.create(tmp_path / "p.annot", author="T")
    doc_id = project.documents.import_file(tmp_path / "scan.pdf").value.document.id
    yield project, doc_id
    project.close()


def _stored(project, doc_id) -> int:
    return project.conn.execute("SELECT count(*) FROM page_previews WHERE document_id = ?",
                                (doc_id,)).fetchone()[0]


def _held(view):
    """Hold the view's render worker until the returned event is set."""
    gate = threading.Event()
    view.renderer.before_render = lambda job: gate.wait(5)
    return gate


def _shows_preview(view, number: int = 1) -> bool:
    item = view._items[number - 1]
    return (item.image is not None and not view.is_page_sharp(number)
            and item.image.width() * item.image.height() <= page_previews.PREVIEW_PIXELS)


def test_slow_page_is_shown_from_its_preview_next_time(qtbot, scan, monkeypatch):
    project, doc_id = scan
    monkeypatch.setattr(page_previews, "SLOW_SECONDS", 0.0)  # every render counts as slow
    first = _open(qtbot, project, doc_id)
    qtbot.waitUntil(lambda: first.is_page_sharp(1), timeout=10000)
    first.renderer.stop()
    assert _stored(project, doc_id) >= 1

    second = _open(qtbot, project, doc_id)
    gate = _held(second)  # the sharp render waits
    qtbot.wait(50)
    item = second._items[0]
    try:
        assert _shows_preview(second)
        dark = item.image.pixelColor(item.image.width() // 2, item.image.height() // 2)
        assert dark.blue() > dark.red() + 40  # the page's blue block, not a placeholder
    finally:
        second.renderer.before_render = None
        gate.set()
    qtbot.waitUntil(lambda: second.is_page_sharp(1), timeout=10000)
    second.renderer.stop()


def test_a_fast_page_keeps_no_preview(qtbot, scan, monkeypatch):
    project, doc_id = scan
    monkeypatch.setattr(page_previews, "SLOW_SECONDS", 60.0)
    view = _open(qtbot, project, doc_id)
    qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
    view.renderer.stop()
    assert _stored(project, doc_id) == 0


def test_a_large_tiff_shows_its_imported_preview_on_its_first_showing(qtbot, tmp_path,
                                                                       monkeypatch):
    from PIL import Image

    monkeypatch.setattr(stored_previews, "LARGE_PIXELS", 100_000)  # a small file will do
    image = Image.new("RGB", (500, 400), (240, 236, 220))
    image.paste((30, 60, 200), (100, 80, 400, 320))
    out = io.BytesIO()
    image.save(out, format="TIFF", compression="tiff_lzw", dpi=(150, 150))
    (tmp_path / "folio.tif").write_bytes(out.getvalue())
    with Project.create(tmp_path / "p.annot", author="T") as project:
        doc_id = project.documents.import_file(tmp_path / "folio.tif").value.document.id
        assert _stored(project, doc_id) == 1  # made at import, never rendered yet
        view = ScanView()
        qtbot.addWidget(view)
        view.resize(600, 500)
        view.show()
        qtbot.waitExposed(view)
        thumbs = view.thumbnails_widget()
        qtbot.addWidget(thumbs)
        thumbs.show()
        gate = _held(view)
        try:
            view.set_document(project, doc_id)
            qtbot.waitUntil(lambda: _shows_preview(view), timeout=3000)
            model = thumbs.thumbnail_model()  # the thumbnail too, from the preview
            qtbot.waitUntil(lambda: model.key(0) in model.cache, timeout=3000)
            item = view._items[0].image
            blue = item.pixelColor(item.width() // 2, item.height() // 2)
            assert blue.blue() > blue.red() + 80
            assert view.renderer.render_count == 0  # nothing decoded the TIFF yet
        finally:
            view.renderer.before_render = None
            gate.set()
        qtbot.waitUntil(lambda: view.is_page_sharp(1), timeout=10000)
        view.renderer.stop()


def test_a_source_without_its_bytes_says_so_on_the_page(qtbot, scan):
    """The bytes are read when a page is first rendered (after any preview painted),
    no longer before the view shows anything: missing ones are still said."""
    project, doc_id = scan
    with project.transaction(record=False):
        project.conn.execute("DELETE FROM document_data WHERE document_id = ?", (doc_id,))
    view = _open(qtbot, project, doc_id)
    qtbot.waitUntil(lambda: "missing" in view._items[0].error, timeout=5000)
    view.renderer.stop()
