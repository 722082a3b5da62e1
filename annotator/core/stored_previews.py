"""Reduced previews of pages that are slow to decode, kept in the project file.

MuPDF decodes a TIFF or PNG page whole whatever the zoom: a 100-megapixel scan takes
~4 s before anything can be shown (issue 17). One rule covers every such page: a page
image of at least LARGE_PIXELS (not a JPEG: MuPDF decodes those reduced) gets a JPEG
of at most PREVIEW_PIXELS at import, made from the decode the import does anyway to
prove that the pixels are readable; any other page that the viewer found slow to
render gets one the first time (:func:`keep`). The scan view shows it at once, then
the sharp render replaces it.

Previews are derived data (table ``page_previews``, not in schema.TABLES): never
merged nor journaled, rebuilt by a slow render when missing. Each row carries the
fingerprint of what it was made from (the source's recorded SHA-256, a digest of its
length and first MiB, the page's size in points): a preview whose document bytes or
page changed since is never shown. (A project never rewrites a source's bytes; a file
changed elsewhere is checked in full on open, every source's SHA-256 included, see
core.verified; reading and hashing all of a 300 MB TIFF before its preview is shown
would cost more than the preview saves.) No foreign key: undoing an import leaves its previews orphaned, and
they serve again if the import is redone (same id, same bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.core.project import Project

PREVIEW_PIXELS = 1_500_000  # ~1070 x 1400: enough to read a page's layout at fit zoom
#: A lossless page image of this many pixels takes ~0.3 s to decode here, the budget
#: for a first rendering: larger ones get a preview at import.
LARGE_PIXELS = 8_000_000
JPEG_QUALITY = 80


@dataclass(frozen=True, slots=True)
class Preview:
    """A stored preview: JPEG bytes and the EXIF orientation (1..8) still to apply to
    show the page upright (previews made at import are as MuPDF draws the page)."""

    page: int
    jpeg: bytes
    orientation: int = 1


_SAMPLE = 1 << 20


def fingerprint(data: bytes) -> str:
    """A digest of a source's length and first MiB (~2 ms)."""
    return _digest(len(data), memoryview(data)[:_SAMPLE])


def stored_fingerprint(project: Project, document_id: str) -> str:
    """:func:`fingerprint` of a document's stored bytes, reading only their first MiB
    (the scan view shows a preview before it reads the whole source); "" if none."""
    row = project.conn.execute("SELECT rowid FROM document_data WHERE document_id = ?",
                               (document_id,)).fetchone()
    if row is None:
        return ""
    with project.conn.blobopen("document_data", "data", row[0], readonly=True) as blob:
        return _digest(len(blob), blob.read(_SAMPLE))


def _digest(length: int, head: bytes | memoryview) -> str:
    digest = hashlib.sha256(b"%d:" % length)
    digest.update(head)
    return digest.hexdigest()


def wanted(image_type: str, pixels: int) -> bool:
    """Whether a page image is slow enough to decode to be worth a preview at import."""
    return image_type != "jpeg" and pixels >= LARGE_PIXELS


def render(pymupdf: Any, page: Any) -> bytes:
    """A page drawn at most PREVIEW_PIXELS large, as JPEG (decodes the page's image)."""
    rect = page.rect
    scale = min(1.0, (PREVIEW_PIXELS / max(rect.width * rect.height, 1.0)) ** 0.5)
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False)
    if pixmap.n not in (1, 3):  # CMYK and the like: JPEG wants grey or RGB
        pixmap = pymupdf.Pixmap(pymupdf.csRGB, pixmap)
    return pixmap.tobytes("jpg", jpg_quality=JPEG_QUALITY)


def store(conn: Any, document_id: str, made_from: str, previews: Iterable[Preview]) -> None:
    """Write previews of a document whose row and pages are already in ``conn``
    (inside the caller's transaction); ``made_from``: its bytes' :func:`fingerprint`."""
    conn.executemany(
        "INSERT OR REPLACE INTO page_previews "
        "(document_id, page, sha256, fingerprint, width, height, orientation, image) "
        "SELECT d.id, g.number, d.sha256, ?, g.width, g.height, ?, ? FROM documents d "
        "JOIN pages g ON g.document_id = d.id AND g.number = ? WHERE d.id = ?",
        [(made_from, p.orientation, p.jpeg, p.page, document_id) for p in previews])


def keep(project: Project, document_id: str, made_from: str, preview: Preview) -> bool:
    """Store a preview the viewer made of a page slow to render; False when the file
    is open read-only or cannot be written (derived data: no reason to bother anyone)."""
    if project.read_only:
        return False
    try:
        with project.transaction(record=False) as conn:  # derived: never an undo step
            store(conn, document_id, made_from, [preview])
    except Exception:
        return False
    return True


def load(project: Project, document_id: str, page: int, made_from: str) -> Preview | None:
    """The page's preview if one was made from the document's present bytes (their
    :func:`fingerprint`, ``made_from``) and the page's present size; a stale one is
    never returned."""
    row = project.conn.execute(
        "SELECT p.image, p.orientation FROM page_previews p "
        "JOIN documents d ON d.id = p.document_id AND d.sha256 = p.sha256 "
        "JOIN pages g ON g.document_id = p.document_id AND g.number = p.page "
        "AND g.width = p.width AND g.height = p.height "
        "WHERE p.document_id = ? AND p.page = ? AND p.fingerprint = ?",
        (document_id, page, made_from)).fetchone()
    return Preview(page, bytes(row[0]), int(row[1])) if row else None

