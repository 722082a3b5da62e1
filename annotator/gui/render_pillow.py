"""Large TIFF and PNG pages decoded by Pillow in the render thread, not by MuPDF.

MuPDF decodes such a page whole at ``load_page`` and holds Python's GIL throughout:
a 100-megapixel LZW TIFF froze the window for 3-6 s once its preview was shown
(issue 17). Pillow decodes strip by strip and lets the GIL go in between (the GUI
thread waited at most ~0.1 s while the same file decoded in 4.4 s, MuPDF 6.6 s).
Only pages of at least ``stored_previews.LARGE_PIXELS`` take this path, the pages a
preview is made for: one rule. Anything Pillow cannot read (a compression it lacks, a
mode it would convert wrongly) returns None and MuPDF renders the page as before.

The image is drawn as the scholar sees the page: upright (Pillow turns a TIFF by its
Orientation as it loads it; a PNG's eXIf is applied here), scaled to the page's size
in points times the render scale, grey when the image is grey, else RGB on white.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from annotator.core import stored_previews

if TYPE_CHECKING:
    from annotator.gui.render import RenderSource

_GREY = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def large_page(filetype: str, data: bytes, number: int) -> bool:
    """Whether page ``number`` is a TIFF or PNG page large enough to be decoded here."""
    if filetype not in ("tiff", "png"):
        return False
    from annotator.core.importers.image import read_header  # in the render thread

    sizes = read_header(filetype, data).sizes
    if not 1 <= number <= len(sizes):
        return False
    width, height = sizes[number - 1]
    return width * height >= stored_previews.LARGE_PIXELS


class Decoded:
    """The last page decoded (a zoom renders it again without decoding it again, as
    MuPDF's display list did): one page, ~300 MB for 100 MP in colour."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.image: object = None

    def get(self, key: tuple, data: bytes, number: int) -> object:
        if key != self.key:
            self.key, self.image = None, None  # let go of the old one before decoding
            self.image, self.key = _decode(data, number), key
        return self.image


def _decode(data: bytes, number: int) -> object:
    """The page as an "L" or "RGB" Pillow image, or None if Pillow cannot do it
    faithfully (MuPDF renders it then)."""
    import io
    import warnings

    try:
        from PIL import Image, ImageOps
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():  # sizes were checked at import (MAX_PIXELS)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        image.seek(number - 1)
        if image.mode not in _GREY | {"RGB", "RGBA", "P", "PA"}:
            return None  # CMYK, YCbCr, LAB...: MuPDF's colour management is better
        image.load()  # Pillow turns a TIFF by its Orientation here, not a PNG
        if (image.getexif().get(274) or 1) != 1:
            image = ImageOps.exif_transpose(image)
        grey = image.mode in _GREY or (image.mode in ("P", "PA") and _grey_palette(image))
        if "A" in image.mode or image.info.get("transparency") is not None:
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image.convert("RGBA"))
        return image.convert("L" if grey else "RGB")
    except Exception:  # Pillow lacks the compression, a damaged strip...: MuPDF tries
        return None


def render_page(decoded: Decoded, source: RenderSource, number: int, scale: float,
                max_pixels: int) -> QImage | None:
    """Page ``number`` of ``source`` at ``scale`` (at most ``max_pixels``) if it is a
    large TIFF or PNG page that Pillow can decode, upright; None for every other page."""
    upright = source.page_sizes.get(number)
    if upright is None or not large_page(source.filetype, source.data, number):
        return None
    width, height = upright
    if width * height * scale * scale > max_pixels:
        scale = (max_pixels / max(width * height, 1.0)) ** 0.5
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return render(decoded, (source.key, number), source.data, number, size)


def render(decoded: Decoded, key: tuple, data: bytes, number: int,
           size: tuple[int, int]) -> QImage | None:
    """Page ``number`` upright, scaled to ``size`` (device pixels), or None if Pillow
    cannot decode it faithfully."""
    from PIL import Image

    image = decoded.get(key, data, number)
    if image is None:
        return None
    width, height = max(1, size[0]), max(1, size[1])
    grey = image.mode == "L"  # type: ignore[attr-defined]
    try:
        factor = math.floor(min(image.width / width, image.height / height))  # type: ignore[attr-defined]
        if factor >= 2:  # a box average first, as MuPDF subsamples: fast
            image = image.reduce(factor)  # type: ignore[attr-defined]
        if image.size != (width, height):  # type: ignore[attr-defined]
            image = image.resize((width, height), Image.Resampling.BILINEAR)  # type: ignore[attr-defined]
        raw = image.tobytes()  # type: ignore[attr-defined]
    except Exception:  # memory: MuPDF tries
        return None
    channels = 1 if grey else 3
    fmt = QImage.Format.Format_Grayscale8 if grey else QImage.Format.Format_RGB888
    return QImage(raw, width, height, width * channels, fmt).copy()


def _grey_palette(image: object) -> bool:
    palette = image.getpalette() or []  # type: ignore[attr-defined]
    return all(palette[i] == palette[i + 1] == palette[i + 2]
               for i in range(0, len(palette) - 2, 3))
