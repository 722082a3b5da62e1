"""Previews of large page images stored at import (issue 17: a 100-megapixel TIFF
showed nothing for ~4 s, its whole decode, on its first showing)."""

from __future__ import annotations

import io
import sqlite3
import struct

import pytest

from annotator.core import stored_previews
from annotator.core.errors import ImportFailed
from annotator.core.project import Project

PIL = pytest.importorskip("PIL.Image")


def _tiff(width: int, height: int, colour: tuple[int, int, int] = (30, 60, 200),
          orientation: int = 1) -> bytes:
    image = PIL.new("RGB", (width, height), (240, 236, 220))
    image.paste(colour, (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    out = io.BytesIO()
    exif = PIL.Exif()
    if orientation != 1:
        exif[274] = orientation
    image.save(out, format="TIFF", compression="tiff_lzw", dpi=(300, 300), exif=exif)
    return out.getvalue()


@pytest.fixture
def small_threshold(monkeypatch):
    """A 'large' page of 120,000 pixels, so the test needs no 8-megapixel file."""
    monkeypatch.setattr(stored_previews, "LARGE_PIXELS", 100_000)
    monkeypatch.setattr(stored_previews, "PREVIEW_PIXELS", 20_000)


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p.annot", author="T") as project:
        yield project


def _load(project: Project, doc: str, page: int = 1) -> stored_previews.Preview | None:
    made_from = stored_previews.stored_fingerprint(project, doc)
    assert made_from == stored_previews.fingerprint(project.documents.data(doc))
    return stored_previews.load(project, doc, page, made_from)


def _import(project: Project, tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return project.documents.import_file(path).value.document.id


def test_a_large_image_gets_a_preview_and_a_small_one_none(project, tmp_path, small_threshold):
    large = _import(project, tmp_path, "large.tif", _tiff(400, 300))
    small = _import(project, tmp_path, "small.tif", _tiff(200, 150))
    preview = _load(project, large)
    assert preview is not None and preview.orientation == 1
    shown = PIL.open(io.BytesIO(preview.jpeg))
    assert shown.format == "JPEG" and shown.width * shown.height <= 20_000
    assert shown.width / shown.height == pytest.approx(400 / 300, rel=0.02)
    r, g, b = shown.convert("RGB").getpixel((shown.width // 2, shown.height // 2))
    assert b > r + 80  # the image's own blue block
    assert _load(project, small) is None
    assert project.conn.execute("SELECT count(*) FROM page_previews").fetchone()[0] == 1


def test_a_jpeg_gets_none_since_mupdf_decodes_it_reduced(project, tmp_path, small_threshold):
    out = io.BytesIO()
    PIL.new("RGB", (400, 300), (200, 10, 10)).save(out, format="JPEG")
    doc = _import(project, tmp_path, "large.jpg", out.getvalue())
    assert _load(project, doc) is None


def test_a_turned_tiff_keeps_the_turn_the_viewer_applies(project, tmp_path, small_threshold):
    doc = _import(project, tmp_path, "turned.tif", _tiff(400, 300, orientation=6))
    preview = _load(project, doc)
    assert preview is not None and preview.orientation == 6  # MuPDF does not turn TIFFs


def test_a_changed_source_or_page_never_shows_a_stale_preview(project, tmp_path,
                                                                small_threshold):
    doc = _import(project, tmp_path, "large.tif", _tiff(400, 300))
    assert _load(project, doc) is not None
    conn = project.conn
    other = _tiff(400, 300, colour=(200, 30, 30))
    with project.transaction(record=False):  # the bytes replaced behind our back
        conn.execute("UPDATE document_data SET data = ? WHERE document_id = ?", (other, doc))
    assert _load(project, doc) is None  # other bytes
    original = _tiff(400, 300)
    with project.transaction(record=False):
        conn.execute("UPDATE document_data SET data = ? WHERE document_id = ?",
                     (original, doc))
    assert _load(project, doc) is not None
    with project.transaction(record=False):  # another fingerprint recorded
        conn.execute("UPDATE documents SET sha256 = ? WHERE id = ?", ("0" * 64, doc))
    assert _load(project, doc) is None
    with project.transaction(record=False):
        conn.execute("UPDATE documents SET sha256 = (SELECT sha256 FROM page_previews) "
                     "WHERE id = ?", (doc,))
        conn.execute("UPDATE pages SET width = height, height = width WHERE document_id = ?",
                     (doc,))
    assert _load(project, doc) is None  # the page is another size now


def test_previews_are_derived_not_journaled(project, tmp_path, small_threshold):
    doc = _import(project, tmp_path, "large.tif", _tiff(400, 300))
    changes = project.conn.execute(
        "SELECT count(*) FROM changes WHERE table_name = 'page_previews'").fetchone()[0]
    assert changes == 0
    assert _load(project, doc) is not None


def test_a_read_only_project_keeps_nothing(tmp_path, small_threshold):
    with Project.create(tmp_path / "p.annot", author="T") as project:
        doc = _import(project, tmp_path, "small.tif", _tiff(200, 150))
    with Project.open(tmp_path / "p.annot", read_only=True) as project:
        assert not stored_previews.keep(project, doc, "fp", stored_previews.Preview(1, b"j"))
    conn = sqlite3.connect(tmp_path / "p.annot")
    assert conn.execute("SELECT count(*) FROM page_previews").fetchone()[0] == 0
    conn.close()


def test_hostile_images_are_refused_clearly(project, tmp_path, small_threshold):
    """A truncated large TIFF fails its preview's decode: refused with the damage
    named; a header declaring 400 million pixels is refused before any decode."""
    data = _tiff(400, 300)
    path = tmp_path / "truncated.tif"
    path.write_bytes(data[:len(data) // 3])
    with pytest.raises(ImportFailed, match="damaged or incomplete") as info:
        project.documents.import_file(path)
    assert "Traceback" not in str(info.value)
    side = 20_000
    entries = struct.pack("<HHII", 256, 4, 1, side) + struct.pack("<HHII", 257, 4, 1, side)
    path = tmp_path / "bomb.tif"
    path.write_bytes(b"II*\x00" + struct.pack("<IH", 8, 2) + entries + b"\x00" * 4)
    with pytest.raises(ImportFailed, match="decompression bomb"):
        project.documents.import_file(path)
    assert project.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert project.conn.execute("SELECT count(*) FROM page_previews").fetchone()[0] == 0
