"""Fetching each canvas's image through the IIIF Image API, at a chosen size, into a
partial download folder that survives a cancel or a crash.

Size: ``max`` (the default: the largest the server gives, ``full`` for Image API 2)
or ``W,`` / ``,H`` / ``W,H`` / ``pct:N`` as the Image API writes them. A level-0
server (static tiles, as ``iiif_static`` makes them) answers no size it has not
stored: then the size listed in ``info.json`` that fits is taken, else the image is
put together from its tiles at the scale that gives at least the size asked.

Resume: each page is written to ``NNNNN.<ext>`` through a temporary name and a
rename, so a file there is whole; a second run fetches only the pages missing. The
folder is named from the manifest's address and the size, so another size starts
afresh."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import ImportFailed
from annotator.core.iiif.manifest import Canvas, ImageRef
from annotator.core.iiif.net import MAX_IMAGE_BYTES, MAX_INFO_BYTES, Cancelled, Web
from annotator.core.importers.pdf import mupdf_locked

#: ``progress(done, total, what)``; returning False cancels (fetched pages are kept).
FetchProgress = Callable[[int, int, str], bool] | None
_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "tiff": ".tif", "gif": ".gif", "bmp": ".bmp"}
MAX_TILES = 10_000


def partial_folder(root: Path, manifest_url: str, size: str) -> Path:
    """Where the pages of this manifest at this size are gathered."""
    key = hashlib.sha256(f"{manifest_url}\n{size}".encode()).hexdigest()[:16]
    return root / key


def fetched_pages(folder: Path) -> dict[int, Path]:
    """The whole pages already in ``folder``, by index (0-based)."""
    found: dict[int, Path] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            if path.stem.isdigit() and path.suffix in _EXTENSIONS.values():
                found[int(path.stem)] = path
    return found


@dataclass(slots=True)
class _Size:
    """The size asked for: ``max``, or a width and/or height in pixels, or a percent."""

    width: int = 0
    height: int = 0
    percent: float = 0.0

    @classmethod
    def parse(cls, text: str) -> _Size:
        text = (text or "max").strip().lower()
        if text in ("max", "full"):
            return cls()
        try:
            if text.startswith("pct:"):
                value = float(text[4:])
                if 0 < value <= 100:
                    return cls(percent=value)
            else:
                w, _, h = text.lstrip("!").partition(",")
                size = cls(int(w) if w else 0, int(h) if h else 0)
                if (size.width or size.height) and size.width >= 0 and size.height >= 0:
                    return size
        except ValueError:
            pass
        raise ImportFailed(f"--size {text!r} is not a IIIF size: give max, W, (a width), ,H, "
                           "W,H or pct:N.")

    def target_width(self, width: int, height: int) -> int:
        """The width wanted of an image of ``width`` x ``height`` pixels."""
        if self.percent:
            return max(1, round(width * self.percent / 100))
        if self.width:
            return min(self.width, width) if self.height == 0 else min(self.width, width)
        if self.height:
            return max(1, min(width, round(width * self.height / height)))
        return width

    def request(self, version: int) -> str:
        if self.percent:
            return f"pct:{self.percent:g}"
        if self.width or self.height:
            return f"{self.width or ''},{self.height or ''}"
        return "max" if version >= 3 else "full"


def _sniff_image(data: bytes, url: str) -> str:
    from annotator.core.importers import sniff

    kind = sniff(data)
    if kind not in _EXTENSIONS:
        what = "an HTML page" if kind == "html" else "not an image"
        raise ImportFailed(f"{url[:160]} sent {what}, not the page's image.")
    return kind


def _write(folder: Path, index: int, data: bytes, kind: str) -> Path:
    path = folder / f"{index:05d}{_EXTENSIONS[kind]}"
    tmp = folder / f".{index:05d}.{os.urandom(4).hex()}.part"
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


class Fetcher:
    """Fetches the canvases' images of one manifest into one partial folder."""

    def __init__(self, web: Web, folder: Path, size: str = "max") -> None:
        self.web = web
        self.folder = folder
        self.size = _Size.parse(size)
        self.cancelled: Callable[[], bool] | None = None

    def fetch_all(self, canvases: list[Canvas], progress: FetchProgress = None) -> list[Path]:
        """Every canvas's image, fetched or found in the folder, in canvas order."""
        self.folder.mkdir(parents=True, exist_ok=True)
        have = fetched_pages(self.folder)
        paths: list[Path] = []
        total = len(canvases)
        for index, canvas in enumerate(canvases):
            if progress is not None and progress(index, total, canvas.label) is False:
                raise Cancelled(f"the import was cancelled after {index} of {total} page(s); "
                                "they are kept, and the next import of this manifest "
                                "fetches only the rest.")
            if index in have:
                paths.append(have[index])
                continue
            if canvas.image is None:
                raise ImportFailed(f"canvas {index + 1} ({canvas.label or canvas.id}) has no "
                                   "image; nothing was imported.")
            data = self.image(canvas.image)
            paths.append(_write(self.folder, index, data, _sniff_image(data, canvas.id)))
        if progress is not None:
            progress(total, total, "")
        return paths

    def _get(self, url: str, limit: int) -> bytes:
        return self.web.get(url, limit, cancelled=self.cancelled)[0]

    def image(self, ref: ImageRef) -> bytes:
        """One image's bytes: through its service at the size asked, else its URL."""
        if not ref.service:
            data = self._get(ref.url, MAX_IMAGE_BYTES)
            _sniff_image(data, ref.url)
            return data
        if ref.level0 is False and not self.size.percent:
            return self._get(f"{ref.service}/full/{self.size.request(ref.service_version)}"
                             "/0/default.jpg", MAX_IMAGE_BYTES)
        try:
            info = json.loads(self._get(f"{ref.service}/info.json", MAX_INFO_BYTES))
        except (ValueError, RecursionError):
            raise ImportFailed(f"{ref.service}/info.json is not valid JSON.") from None
        if not isinstance(info, dict):
            raise ImportFailed(f"{ref.service}/info.json is not an image description.")
        return self._from_info(ref, info)

    def _from_info(self, ref: ImageRef, info: dict) -> bytes:
        version = 3 if "image/3" in json.dumps(info.get("@context", "")) else 2
        width, height = info.get("width"), info.get("height")
        if not all(isinstance(v, int) and 0 < v < 1_000_000 for v in (width, height)):
            raise ImportFailed(f"{ref.service}/info.json gives no image size.")
        assert isinstance(width, int) and isinstance(height, int)
        level0 = "level0" in json.dumps(info.get("profile", ""))
        if not level0:
            return self._get(f"{ref.service}/full/{self.size.request(version)}/0/default.jpg",
                             MAX_IMAGE_BYTES)
        wanted = self.target_width(width, height)
        sizes = sorted((s["width"], s["height"]) for s in info.get("sizes") or []
                       if isinstance(s, dict) and isinstance(s.get("width"), int)
                       and isinstance(s.get("height"), int))
        fitting = [s for s in sizes if s[0] >= wanted]
        if fitting and (wanted < width or fitting[0][0] == width):
            w, h = fitting[0]
            size = f"{w}," if version == 2 else f"{w},{h}"
            return self._get(f"{ref.service}/full/{size}/0/default.jpg", MAX_IMAGE_BYTES)
        return self._tiles(ref.service, version, info, width, height, wanted)

    def target_width(self, width: int, height: int) -> int:
        return self.size.target_width(width, height)

    @mupdf_locked  # MuPDF is single-threaded: the render thread draws too
    def _tiles(self, base: str, version: int, info: dict, width: int, height: int,
               wanted: int) -> bytes:
        """The image put together from a level-0 server's tiles."""
        from annotator.core.importers.pdf import load_pymupdf

        tiles = [t for t in info.get("tiles") or [] if isinstance(t, dict)
                 and isinstance(t.get("width"), int) and t["width"] > 0]
        if not tiles:
            raise ImportFailed(f"{base} serves neither the size asked nor tiles; try "
                               "another --size.")
        tile = tiles[0]
        tw, th = tile["width"], tile.get("height") if isinstance(tile.get("height"), int) \
            else tile["width"]
        factors = sorted(f for f in tile.get("scaleFactors") or [1] if isinstance(f, int)
                         and f > 0) or [1]
        factor = max([f for f in factors if math.ceil(width / f) >= wanted] or [factors[0]])
        out_w, out_h = math.ceil(width / factor), math.ceil(height / factor)
        columns, rows = math.ceil(width / (tw * factor)), math.ceil(height / (th * factor))
        if columns * rows > MAX_TILES:
            raise ImportFailed(f"{base} would take {columns * rows:,} tiles; choose a smaller "
                               "--size.")
        pymupdf = load_pymupdf()
        canvas = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, out_w, out_h), False)
        for row in range(rows):
            for column in range(columns):
                x, y = column * tw * factor, row * th * factor
                w, h = min(tw * factor, width - x), min(th * factor, height - y)
                sw, sh = math.ceil(w / factor), math.ceil(h / factor)
                region = "full" if (w, h) == (width, height) else f"{x},{y},{w},{h}"
                size = f"{sw}," if version == 2 else f"{sw},{sh}"
                data = self._get(f"{base}/{region}/{size}/0/default.jpg", MAX_IMAGE_BYTES)
                _sniff_image(data, base)
                try:
                    piece = pymupdf.Pixmap(data)
                    if piece.n != 3 or piece.alpha:
                        piece = pymupdf.Pixmap(pymupdf.csRGB, piece, 0)
                    piece.set_origin(x // factor, y // factor)
                    canvas.copy(piece, piece.irect)
                except Exception as exc:  # MuPDF raises several types
                    raise ImportFailed(f"a tile of {base} could not be read: "
                                       f"{str(exc)[:120]}") from None
        return canvas.tobytes("jpeg", jpg_quality=92)
