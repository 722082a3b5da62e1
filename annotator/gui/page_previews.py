"""The scan view's side of the previews stored in the project file.

MuPDF decodes a TIFF (or PNG) page whole whatever the zoom: a 100-megapixel scan
takes ~4 s before anything can be shown. One rule (annotator.core.stored_previews):
a large page image gets a reduced JPEG at import, and any other page that took
SLOW_SECONDS to render gets one the first time; the view puts it on screen at once
(a 1.5 MP JPEG decodes in ~20 ms) until the sharp render arrives (issue 17).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage

from annotator.core import stored_previews
from annotator.gui.render import orient

if TYPE_CHECKING:
    from annotator.core.project import Project

PREVIEW_PIXELS = stored_previews.PREVIEW_PIXELS
SLOW_SECONDS = 1.0  # a page that took longer than this to render gets a preview


class Previews:
    """The stored previews of one document, read and written through the core."""

    def __init__(self, project: Project, document_id: str) -> None:
        self._project = project
        self._document_id = document_id
        self._made_from = ""  # the fingerprint of the source's bytes, read once

    def load(self, page: int) -> QImage | None:
        """The page's fresh preview, upright, or None (none stored, or stale)."""
        try:
            preview = stored_previews.load(self._project, self._document_id, page,
                                             self._fingerprint())
        except Exception:  # derived data: a damaged row costs a wait, not an error
            return None
        if preview is None:
            return None
        image = QImage.fromData(preview.jpeg, "JPG")
        if image.isNull():
            return None
        return orient(image, preview.orientation) if preview.orientation != 1 else image

    def _fingerprint(self) -> str:
        if not self._made_from:
            self._made_from = stored_previews.stored_fingerprint(self._project,
                                                                 self._document_id)
        return self._made_from

    def keep(self, page: int, image: QImage) -> bool:
        """Store a reduced copy of a page's (upright) render; False if it could not be."""
        jpeg = encode(image)
        return bool(jpeg) and stored_previews.keep(
            self._project, self._document_id, self._fingerprint(),
            stored_previews.Preview(page, jpeg, 1))


def encode(image: QImage) -> bytes:
    """The image at most PREVIEW_PIXELS large, as JPEG bytes (b"" if it cannot be)."""
    if image.isNull():
        return b""
    pixels = image.width() * image.height()
    if pixels > PREVIEW_PIXELS:
        factor = (PREVIEW_PIXELS / pixels) ** 0.5
        image = image.scaled(max(1, int(image.width() * factor)),
                             max(1, int(image.height() * factor)),
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, "JPG", stored_previews.JPEG_QUALITY)
    buffer.close()
    return bytes(data.data()) if ok else b""
