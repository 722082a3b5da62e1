"""Stored previews of pages that are slow to render.

MuPDF decodes a TIFF (or PNG) page whole whatever the zoom: a 100-megapixel scan
takes ~4 s before anything can be shown, and then again each time the document is
opened. The first time such a page is rendered, a reduced copy (at most
PREVIEW_PIXELS, JPEG) is kept in the user's cache folder; every later showing puts
it on screen at once (~20 ms) until the sharp render arrives (issue 17).

Previews are derived data, outside the project file: losing them costs one slow
render. They are named by the document's id (its bytes never change), the page and
the page's size in points (a page turned by the scholar has other sizes, so never
shows a preview of the other way round).
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QImage

from annotator.core.model import Page

PREVIEW_PIXELS = 1_500_000  # ~1200 x 1250: sharp enough to read the layout of a page
SLOW_SECONDS = 1.0  # a page that took longer than this to show gets a preview


def folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericCacheLocation)
    return Path(base or Path.home() / ".cache") / "annotator" / "previews"


def path_of(doc_key: Hashable, page: Page) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(doc_key))[:80]
    return folder() / f"{name}-p{page.number}-{page.width:.0f}x{page.height:.0f}.jpg"


def load(doc_key: Hashable, page: Page) -> QImage | None:
    """The stored preview of a page, or None."""
    path = path_of(doc_key, page)
    if not path.is_file():
        return None
    image = QImage(str(path))
    return None if image.isNull() else image


def save(doc_key: Hashable, page: Page, image: QImage) -> None:
    """Keep a reduced copy of a page's render (written beside, then renamed); a cache
    that cannot be written is no reason to bother the scholar."""
    if image.isNull():
        return
    pixels = image.width() * image.height()
    if pixels > PREVIEW_PIXELS:
        factor = (PREVIEW_PIXELS / pixels) ** 0.5
        image = image.scaled(max(1, int(image.width() * factor)),
                             max(1, int(image.height() * factor)),
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    path = path_of(doc_key, page)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if image.save(str(tmp), "JPG", 85):
            os.replace(tmp, path)
    except OSError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
