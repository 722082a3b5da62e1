"""Page images (PNG, JPEG, TIFF, GIF, BMP): one page per image, or per TIFF frame.

The declared size is read from the header before anything is decoded: a 100-byte
file can declare 100,000 x 100,000 pixels, and decoding it would take 40 GB. Then a
tiny thumbnail is rendered to prove that the pixels decode at all, so a file that
cannot be shown is refused now rather than stored and found blank later.

Orientation: page width and height are always the upright size, as the scholar
sees the page. MuPDF turns a JPEG by its EXIF Orientation itself, but not a TIFF
nor a PNG (eXIf); then ``metadata["orientation"]`` (EXIF value 1..8) is set with
``metadata["mupdf_applies_orientation"] = False``, and whoever renders the page
must turn MuPDF's pixmap accordingly (``page_orientations``: one value per page,
for a multi-page TIFF whose frames differ)."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

from annotator.core import stored_previews
from annotator.core.errors import ImportFailed
from annotator.core.importers.base import ImportedPage, ImportedSource
from annotator.core.importers.pdf import MAX_PAGES, load_pymupdf, mupdf_locked
from annotator.core.importers.text import title_from_filename
from annotator.core.model import DocumentKind

MAX_PIXELS = 200_000_000  # per page: a 600-dpi A2 scan is ~70 million
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff",
               "gif": "image/gif", "bmp": "image/bmp"}
LABELS = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF", "gif": "GIF", "bmp": "BMP"}
_MAX_IFDS = 10_000  # TIFF frames read from the header; also stops IFD loops
_CHECK_ALL_UP_TO = 20  # pages rendered as thumbnails; beyond, the first and the last
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass
class Header:
    """What an image file declares about itself, read without decoding pixels."""

    sizes: list[tuple[int, int]] = field(default_factory=list)  # per frame, as stored
    orientations: list[int] = field(default_factory=list)  # EXIF/TIFF Orientation per frame
    bigtiff: bool = False

    def orientation(self, index: int) -> int:
        """1..8 as in EXIF (1 = upright, 6 = turn 90° clockwise to view); 1 if unknown."""
        value = self.orientations[index] if index < len(self.orientations) else 1
        return value if 1 <= value <= 8 else 1


def _tiff_ifds(data: bytes, max_ifds: int = _MAX_IFDS) -> tuple[list[dict[int, int]], bool]:
    """Width (256), length (257) and Orientation (274) of each IFD of a TIFF (or of
    the TIFF inside an EXIF block); classic and BigTIFF. Stops quietly at damage."""
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 8:
        return [], False
    magic = struct.unpack(order + "H", data[2:4])[0]
    big = magic == 43
    if magic not in (42, 43) or (big and len(data) < 16):
        return [], big
    offset = struct.unpack(order + ("Q" if big else "I"), data[8:16] if big else data[4:8])[0]
    count_fmt, count_size, entry_size = ("Q", 8, 20) if big else ("H", 2, 12)
    ifds: list[dict[int, int]] = []
    seen: set[int] = set()
    while offset and offset not in seen and len(ifds) < max_ifds:
        seen.add(offset)
        if offset + count_size > len(data):
            break
        count = struct.unpack(order + count_fmt, data[offset:offset + count_size])[0]
        start = offset + count_size
        count = min(count, max(0, (len(data) - start) // entry_size))
        tags: dict[int, int] = {}
        for i in range(count):
            entry = data[start + i * entry_size:start + (i + 1) * entry_size]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag not in (256, 257, 274):
                continue
            value = entry[12:] if big else entry[8:]
            fmt = {3: "H", 4: "I", 16: "Q"}.get(kind)
            if fmt is not None and struct.calcsize(fmt) <= len(value):
                tags[tag] = struct.unpack(order + fmt, value[:struct.calcsize(fmt)])[0]
        ifds.append(tags)
        end = start + count * entry_size
        next_fmt, next_size = ("Q", 8) if big else ("I", 4)
        if end + next_size > len(data):
            break
        offset = struct.unpack(order + next_fmt, data[end:end + next_size])[0]
    return ifds, big


def _tiff(data: bytes) -> Header:
    ifds, big = _tiff_ifds(data)
    header = Header(bigtiff=big)
    header.sizes = [(t[256], t[257]) for t in ifds if 256 in t and 257 in t]
    header.orientations = [t.get(274, 1) for t in ifds]
    return header


def _png(data: bytes) -> Header:
    header = Header()
    if data[12:16] != b"IHDR" or len(data) < 24:
        return header
    header.sizes.append(struct.unpack(">II", data[16:24]))
    pos, chunks = 8, 0
    while pos + 8 <= len(data) and chunks < 10_000:
        length, name = struct.unpack(">I4s", data[pos:pos + 8])
        if name == b"eXIf":
            ifds, _ = _tiff_ifds(data[pos + 8:pos + 8 + length], max_ifds=1)
            header.orientations = [ifds[0].get(274, 1)] if ifds else []
        if name in (b"IDAT", b"IEND"):
            break
        pos, chunks = pos + 12 + length, chunks + 1
    return header


def _jpeg(data: bytes) -> Header:
    header, pos = Header(), 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no header left
            break
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment = data[pos + 4:pos + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            ifds, _ = _tiff_ifds(segment[6:], max_ifds=1)
            header.orientations = [ifds[0].get(274, 1)] if ifds else []
        elif marker in _SOF and len(segment) >= 5:
            height, width = struct.unpack(">HH", segment[1:5])
            header.sizes.append((width, height))
            break
        pos += 2 + length
    return header


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def _gif(data: bytes) -> Header:
    """The logical screen and every frame's extent (left + width, top + height):
    decoders allocate for a frame placed far off the screen, too."""
    header = Header()
    if len(data) < 13:
        return header
    width, height, flags = struct.unpack("<HHB", data[6:11])
    header.sizes.append((width, height))
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while pos < len(data) and len(header.sizes) < _MAX_IFDS:
        block = data[pos]
        if block == 0x2C and pos + 10 <= len(data):
            left, top, w, h, packed = struct.unpack("<HHHHB", data[pos + 1:pos + 10])
            header.sizes.append((left + w, top + h))
            pos += 10 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
            pos = _skip_sub_blocks(data, pos + 1)  # after the LZW minimum code size
        elif block == 0x21:
            pos = _skip_sub_blocks(data, pos + 2)
        else:  # trailer (0x3B) or damage
            break
    return header


def _bmp(data: bytes) -> Header:
    header = Header()
    if len(data) < 26:
        return header
    size = struct.unpack("<I", data[14:18])[0]
    if size == 12:
        header.sizes.append(struct.unpack("<HH", data[18:22]))
    else:
        width, height = struct.unpack("<ii", data[18:26])
        header.sizes.append((abs(width), abs(height)))
    return header


def turns_to_apply(metadata: dict) -> dict[int, int]:
    """Pages whose pixels a renderer must turn itself, {page number: EXIF orientation
    2..8}, from what :func:`read_image` stored: nothing when MuPDF turns them (JPEG),
    else ``page_orientations`` (a list, one value per page; a dict keyed by page is
    read too) or the first page's ``orientation``. The one reader of that metadata."""
    if metadata.get("mupdf_applies_orientation", True):
        return {}
    per_page = metadata.get("page_orientations")
    if isinstance(per_page, list):
        pairs = list(enumerate(per_page, start=1))
    elif isinstance(per_page, dict):
        pairs = [(int(k), v) for k, v in per_page.items() if str(k).isdigit()]
    else:
        pairs = [(1, metadata.get("orientation"))]
    return {page: value for page, value in pairs
            if isinstance(value, int) and not isinstance(value, bool) and 2 <= value <= 8}


def read_header(image_type: str, data: bytes) -> Header:
    """The declared sizes and orientation of an image; empty where unreadable."""
    parser = {"png": _png, "jpeg": _jpeg, "tiff": _tiff, "gif": _gif, "bmp": _bmp}[image_type]
    try:
        return parser(data)
    except (struct.error, IndexError, ValueError, OverflowError):
        return Header()


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImportFailed(f"this image declares {width} x {height} pixels — too large to be "
                           "a page scan; it may be a decompression bomb.")


def _reason(exc: BaseException) -> str:
    text = re.sub(r"^code=\d+:\s*", "", str(exc).strip()) or type(exc).__name__
    return text.splitlines()[0][:200]


def _mupdf_damage(text: str) -> str:
    """MuPDF's warnings, minus its 'repeated n times' bookkeeping."""
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.startswith("... repeated")]
    return "; ".join(dict.fromkeys(lines))[:200]


def _mupdf_turned(info: list[dict]) -> bool:
    """Whether MuPDF drew the image turned or mirrored, as its Orientation asks: it
    does for JPEG (EXIF), not for TIFF nor for a PNG's eXIf chunk (MuPDF 1.28)."""
    if not info:
        return False
    a, b, c, d = info[0]["transform"][:4]
    return not (b == 0 and c == 0 and a > 0 and d > 0)


def _check_resolution(metadata: dict, page: ImportedPage, warnings: list[str]) -> None:
    """MuPDF replaces an absurd declared resolution (scanners write 1 or 2 dpi) by
    a default; say so, since the page's size in points depends on it."""
    declared, pixels = metadata.get("dpi"), metadata.get("pixels")
    if not declared or not pixels:
        return
    used = round(max(pixels) * 72 / max(page.width, page.height))
    if declared[0] and abs(used - declared[0]) > 1:
        warnings.append(f"this image declares a resolution of {declared[0]} dpi, which cannot "
                        f"be right; its page size assumes {used} dpi")
        metadata["dpi_used"] = [used, used]


@mupdf_locked  # MuPDF is single-threaded: the render thread may be drawing
def read_image(filename: str, data: bytes, image_type: str) -> ImportedSource:
    """Import a page image; ``image_type`` is what the bytes are (png, jpeg, tiff,
    gif, bmp), sniffed by the caller, whatever the file's name says."""
    label = LABELS[image_type]
    if not data:
        raise ImportFailed("the file is empty (0 bytes): there is nothing to import.")
    header = read_header(image_type, data)
    for width, height in header.sizes:
        _check_size(width, height)
    if header.bigtiff:
        raise ImportFailed("this is a BigTIFF image, a TIFF variant that cannot be read "
                           "here; save it as an ordinary TIFF, PNG or JPEG and import that.")
    pymupdf = load_pymupdf()
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    damaged = (f"this {label} image is damaged or incomplete and cannot be read ({{}}); if it "
               "was downloaded or copied, try to get it again.")
    try:
        doc = pymupdf.open(stream=data, filetype=image_type)
    except Exception as exc:  # MuPDF raises several types for unreadable images
        raise ImportFailed(damaged.format(_reason(exc))) from None
    try:
        count = doc.page_count
        if count == 0:
            raise ImportFailed(damaged.format("no image found in the file"))
        if count > MAX_PAGES:
            raise ImportFailed(f"this image file holds {count:,} pages; annotator imports up "
                               f"to {MAX_PAGES:,} — split it first.")
        pages, metadata, turned = [], {}, []
        previews: list[stored_previews.Preview] = []
        check = set(range(count)) if count <= _CHECK_ALL_UP_TO else {0, count - 1}
        for index in range(count):
            try:
                page = doc.load_page(index)
                info = page.get_image_info()
                for image in info:
                    _check_size(image["width"], image["height"])
                pixels = max((i["width"] * i["height"] for i in info), default=0)
                if stored_previews.wanted(image_type, pixels):  # decodes it: proof too
                    previews.append(stored_previews.Preview(
                        index + 1, stored_previews.render(pymupdf, page),
                        1 if _mupdf_turned(info) else header.orientation(index)))
                elif index in check:
                    page.get_pixmap(matrix=pymupdf.Matrix(0.05, 0.05))  # proves it decodes
                rect = page.rect
            except ImportFailed:
                raise
            except Exception as exc:
                where = f"frame {index + 1}: " if count > 1 else ""
                raise ImportFailed(damaged.format(where + _reason(exc))) from None
            if rect.width <= 0 or rect.height <= 0:
                raise ImportFailed(damaged.format("it has no width or height"))
            width, height = rect.width, rect.height
            orientation = header.orientation(index)
            swaps = orientation >= 5  # 5..8 turn the image a quarter
            turned.append(orientation)
            if swaps and not _mupdf_turned(info):
                width, height = height, width  # the upright size; the viewer turns it
            if index == 0 and info:
                w, h = info[0]["width"], info[0]["height"]
                metadata["pixels"] = [h, w] if swaps else [w, h]
                metadata["dpi"] = [info[0]["xres"], info[0]["yres"]]
                if orientation != 1:
                    metadata["orientation"] = orientation
                    metadata["mupdf_applies_orientation"] = _mupdf_turned(info)
            pages.append(ImportedPage(number=index + 1, width=round(width, 2),
                                      height=round(height, 2), is_scan=True))
        if count > 1 and any(o != 1 for o in turned):
            metadata["page_orientations"] = turned  # one per page, 1 = upright
    finally:
        doc.close()
    warnings = []
    damage = _mupdf_damage(pymupdf.TOOLS.mupdf_warnings(reset=True) or "")
    if damage:
        warnings.append(f"this image is damaged or incomplete ({damage}); part of it may be "
                        "missing or grey — check it against the original")
    if count > 1:
        metadata["frames"] = count
    _check_resolution(metadata, pages[0], warnings)
    return ImportedSource(title=title_from_filename(filename), kind=DocumentKind.PAGED,
                          media_type=MEDIA_TYPES[image_type], filename=filename, data=data,
                          pages=pages, metadata=metadata, warnings=warnings,
                          previews=previews)
