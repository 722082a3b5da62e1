"""What the render thread is asked for: a job (a page at a render scale) and a source
(a document's bytes and how to read them), and the turns MuPDF does not apply.

Split from :mod:`annotator.gui.render` (the worker thread), which re-exports them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from PySide6.QtGui import QImage, QTransform

# EXIF orientation (2..8) -> the transform that turns the stored pixels upright.
_ORIENT = {2: QTransform(-1, 0, 0, 1, 0, 0), 3: QTransform(-1, 0, 0, -1, 0, 0),
           4: QTransform(1, 0, 0, -1, 0, 0), 5: QTransform(0, 1, 1, 0, 0, 0),
           6: QTransform(0, 1, -1, 0, 0, 0), 7: QTransform(0, -1, -1, 0, 0, 0),
           8: QTransform(0, -1, 1, 0, 0, 0)}


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One page of one source at one render scale (see page_cache.bucket_for)."""

    doc_key: Hashable
    page: int  # 1-based
    bucket: int
    channel: str = "page"
    prefetch: bool = field(default=False, compare=False)  # the page after those in view
    #: the exact render scale (at most the bucket's), so that a page at the zoom it was
    #: asked for is blitted pixel for pixel, never scaled; 0: the bucket's own scale
    scale: float = field(default=0.0, compare=False)

    @property
    def key(self) -> tuple[Hashable, int, int]:
        return (self.doc_key, self.page, self.bucket)


@dataclass(slots=True)
class RenderSource:
    """What the worker needs to open a document: its bytes and how to read them.
    ``orientations`` maps page numbers to an EXIF orientation MuPDF does not apply
    itself (TIFF, PNG eXIf), which the worker applies to the rendered image."""

    key: Hashable
    data: bytes
    filetype: str  # "pdf", "png", "jpeg", "tiff", ...
    password: str | None = None
    orientations: dict[int, int] = field(default_factory=dict)
    #: upright page sizes in points, for pages decoded without MuPDF (render_pillow)
    page_sizes: dict[int, tuple[float, float]] = field(default_factory=dict)


def filetype_of(media_type: str) -> str:
    """PyMuPDF's filetype for a Document.media_type ("image/tiff" -> "tiff")."""
    sub = media_type.split("/", 1)[-1].lower()
    return {"x-ms-bmp": "bmp", "jpg": "jpeg", "tif": "tiff"}.get(sub, sub)


def orientations_to_apply(media_type: str, metadata: dict) -> dict[int, int]:
    """Pages whose pixels the viewer must turn, from the image importer's metadata:
    MuPDF turns JPEGs by their EXIF orientation but not TIFFs nor PNGs."""
    if media_type == "application/pdf":
        return {}
    from annotator.core.importers.image import turns_to_apply  # the importers: 0.1 s

    if metadata.get("mupdf_applies_orientation") is None:  # files from before the flag
        metadata = {**metadata, "mupdf_applies_orientation": media_type == "image/jpeg"}
    return turns_to_apply(metadata)


def orient(image: QImage, orientation: int) -> QImage:
    """The image turned upright for an EXIF orientation (1 = as stored)."""
    transform = _ORIENT.get(orientation)
    return image if transform is None else image.transformed(transform)
