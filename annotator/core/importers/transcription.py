"""Transcriptions made elsewhere (ALTO, PAGE XML, hOCR) with their images: one paged
document whose text layer is the file's lines and words, so nothing needs OCR.

The image is the one the file names (beside it: a path that leaves the file's folder
is never followed, since the file may come from anyone), else one beside it with the
file's own name less a ``_ALTO``/``_PAGE``/``.hocr`` ending, else the one the scholar
gives (``--image``). One page on one image (or one frame of a multi-page TIFF per
page) stores the image's bytes as an image import does, so regions and words share
its page size; pages on several images are put into one PDF, one image a page, each
page the size the image has when imported alone. A folder becomes one document: its
transcription files in file-name order, their pages in the order each gives.

Boxes go from the file's units to page points by the page's size in those units
(``WIDTH``/``imageWidth``/``bbox``) over the image's size in points; a box beyond the
page is clipped to it, with a warning. Nothing is written until the whole set is
read: any error leaves the project as it was."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath

from annotator.core.errors import ImportFailed
from annotator.core.importers.base import ImportedPage, ImportedSource
from annotator.core.importers.layer import MAX_LAYER_WORDS, Layer, LayerPage, spread
from annotator.core.importers.pdf import mupdf_locked
from annotator.core.importers.text import title_from_filename

IMAGE_KINDS = ("png", "jpeg", "tiff", "gif", "bmp")
LAYER_EXTENSIONS = (".xml", ".hocr")
_ROOT = re.compile(rb"\A(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*"
                   rb"<(?:[\w.-]+:)?(alto|PcGts)[\s>/]", re.S | re.I)
_STEM_ENDINGS = re.compile(r"([._-](alto|page|pagexml|hocr|ocr|gt))+$", re.I)
#: ASPECT_TOLERANCE: how far the XML's page shape may differ from the image's before
#: the image is taken to be the wrong one (scans are cropped by a few pixels).
ASPECT_TOLERANCE = 0.03


def sniff_layer(data: bytes) -> str | None:
    """'alto', 'page' or 'hocr' when the bytes are one of them, else None."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf")
    found = _ROOT.match(head)
    if found:
        return "alto" if found.group(1).lower() == b"alto" else "page"
    lowered = head.lower()
    if (b"ocr_page" in lowered or b"ocr-system" in lowered) and b"<html" in lowered:
        return "hocr"
    return None


def read_layer(kind: str, data: bytes, filename: str) -> Layer:
    if kind == "alto":
        from annotator.core.importers.alto import read_alto

        return read_alto(data, filename)
    if kind == "page":
        from annotator.core.importers.page_xml import read_page_xml

        return read_page_xml(data, filename)
    from annotator.core.importers.hocr import read_hocr

    return read_hocr(data, filename)


# -- finding the images ------------------------------------------------------------------

def _beside(folder: Path, named: str) -> list[Path]:
    """Where an image the file names may be, inside the file's folder only."""
    named = re.sub(r"^file://", "", named.strip())
    if not named or "://" in named:
        return []
    parts = PureWindowsPath(named).parts if "\\" in named else PurePosixPath(named).parts
    candidates = []
    relative = [p for p in parts if p not in ("", ".", "/")]
    if relative and not PurePosixPath(named).is_absolute() and ".." not in relative:
        candidates.append(folder.joinpath(*relative))
    if parts:
        candidates.append(folder / parts[-1])
    return candidates


def _same_stem(xml: Path) -> list[Path]:
    stem = _STEM_ENDINGS.sub("", xml.stem)
    if not stem or not xml.parent.is_dir():
        return []
    return sorted(p for p in xml.parent.iterdir()
                  if p.stem == stem and p != xml and p.suffix.lower() in _IMAGE_SUFFIXES)


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".gif", ".bmp")


def find_image(xml: Path, named: str) -> Path | None:
    """The image a transcription names, beside it; else the one with its name."""
    for path in [*_beside(xml.parent, named), *_same_stem(xml)]:
        if path.is_file():
            return path
    return None


class _Images:
    """Image files read once each (a multi-page ALTO names one TIFF for every page)."""

    def __init__(self, reader: Callable[[Path], bytes]) -> None:
        self.read_bytes = reader
        self.sources: dict[Path, ImportedSource] = {}

    def get(self, path: Path) -> ImportedSource:
        if path not in self.sources:
            from annotator.core.importers import sniff
            from annotator.core.importers.image import read_image

            data = self.read_bytes(path)
            kind = sniff(data)
            if kind == "pdf":
                from annotator.core.importers.pdf import read_pdf

                self.sources[path] = read_pdf(path.name, data)
            elif kind in IMAGE_KINDS:
                self.sources[path] = read_image(path.name, data, kind)
            else:
                raise ImportFailed(f"{path.name} is not an image (PNG, JPEG, TIFF, GIF, BMP) "
                                   "nor a PDF; give the scan with --image.")
        return self.sources[path]


# -- from file units to page points --------------------------------------------------------

def _scale(layer_page: LayerPage, page: ImportedPage, pixels: tuple[int, int] | None,
           name: str, warnings: list[str]) -> tuple[float, float]:
    """Page points per unit of the file, on x and y."""
    if layer_page.width > 0 and layer_page.height > 0:
        sx, sy = page.width / layer_page.width, page.height / layer_page.height
        if abs(sx / sy - 1) > ASPECT_TOLERANCE:
            raise ImportFailed(
                f"{name} describes a page of {layer_page.width:g} x {layer_page.height:g}, "
                f"which is not the shape of its image ({page.width:g} x {page.height:g} "
                "points): it is probably the wrong image; give the right one with --image.")
        if (layer_page.points_per_unit is None and pixels
                and (round(layer_page.width), round(layer_page.height)) != pixels):
            warnings.append(f"{name} describes an image of {layer_page.width:g} x "
                            f"{layer_page.height:g} pixels; the image is {pixels[0]} x "
                            f"{pixels[1]}: its words were scaled to fit")
        return sx, sy
    if layer_page.points_per_unit is not None:
        return layer_page.points_per_unit, layer_page.points_per_unit
    if pixels:
        return page.width / pixels[0], page.height / pixels[1]
    return 1.0, 1.0


def _words(layer_page: LayerPage, page: ImportedPage, scale: tuple[float, float],
           counts: dict[str, int]) -> tuple[list[tuple], str]:
    """The page's words in page points (clipped to the page) and its text."""
    sx, sy = scale
    words: list[tuple] = []
    lines: list[str] = []
    for number, line in enumerate(layer_page.lines):
        counts["estimated"] += spread(line)
        for word in line.words:
            if word.box is None:
                counts["unplaced"] += 1
                box = (0.0, 0.0, 0.0, 0.0)
            else:
                x0, y0, x1, y1 = word.box
                box = (x0 * sx, y0 * sy, x1 * sx, y1 * sy)
                clipped = (min(max(box[0], 0), page.width), min(max(box[1], 0), page.height),
                           min(max(box[2], 0), page.width), min(max(box[3], 0), page.height))
                if any(abs(a - b) > 0.5 for a, b in zip(clipped, box, strict=True)):
                    counts["clipped"] += 1
                box = clipped
            words.append((round(box[0], 2), round(box[1], 2), round(box[2], 2),
                          round(box[3], 2), word.text, number, word.confidence))
        lines.append(" ".join(w.text for w in line.words))
    return words, "\n".join(lines)


def _provenance(layer: Layer, name: str, counts: dict[str, int], language: str,
                image: str, pixels: tuple | None) -> dict:
    """Where a page's words came from; ``image`` and ``pixels`` let the export write
    them back in the image's own pixels, naming it."""
    entry = {"source": layer.source, "engine": layer.engine or None,
             "language": language or None, "date": layer.date or None, "file": name,
             "image": image, "pixels": list(pixels) if pixels else None}
    if counts["estimated"]:
        entry["estimated_word_boxes"] = counts["estimated"]
    return {k: v for k, v in entry.items() if v is not None}


# -- one document from one or several transcription files ---------------------------------

def _natural(path: Path) -> list:
    """File-name order as a person reads it: page2 before page10."""
    return [int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", path.name)]


@mupdf_locked  # MuPDF is single-threaded: the render thread draws too
def _combine(plan: list[tuple[ImportedSource, int]]) -> bytes:
    """One PDF of the pages, one image (or PDF page) each, at the size each has when
    imported alone; written without a new /ID so the same set gives the same bytes."""
    from annotator.core.importers.pdf import load_pymupdf

    pymupdf = load_pymupdf()
    out = pymupdf.open()
    opened: dict[int, object] = {}
    try:
        for source, frame in plan:
            doc = opened.get(id(source))
            if doc is None:
                kind = source.media_type.split("/")[-1]
                doc = pymupdf.open(stream=source.data, filetype=kind)
                if kind != "pdf":
                    doc = pymupdf.open("pdf", doc.convert_to_pdf())
                opened[id(source)] = doc
            out.insert_pdf(doc, from_page=frame, to_page=frame)
        out.set_metadata({})
        return out.tobytes(garbage=3, deflate=True, no_new_id=True)
    except Exception as exc:  # MuPDF raises several types
        raise ImportFailed(f"the images could not be put together into one document: "
                           f"{str(exc)[:200]}") from None
    finally:
        for doc in opened.values():
            doc.close()  # type: ignore[attr-defined]
        out.close()


def build_source(layers: list[tuple[str, Layer, Path | None]], title: str,
                 image: Path | None = None,
                 reader: Callable[[Path], bytes] | None = None) -> ImportedSource:
    """One paged document from parsed transcription files (name, layer, path on disk)
    and their images; ``image`` overrides the images they name."""
    from annotator.core.importers import read_source_bytes

    images = _Images(reader or read_source_bytes)
    plan: list[tuple[str, Layer, LayerPage, ImportedSource, int]] = []
    for name, layer, xml in layers:
        used: dict[Path, int] = {}
        for layer_page in layer.pages:
            path = image if image is not None else (
                find_image(xml, layer_page.image) if xml is not None else None)
            if path is None:
                named = f"names the image “{layer_page.image}”, which is not beside it" \
                    if layer_page.image else "names no image, and none beside it has its name"
                raise ImportFailed(f"{name} {named}; give the scan with --image (or put it "
                                   "beside the file). Nothing was imported.")
            source = images.get(path)
            frame = used.get(path, 0)
            used[path] = frame + 1
            if frame >= len(source.pages):
                raise ImportFailed(f"{name} has more pages than its image {path.name} "
                                   f"({len(source.pages)}); give the right one with --image.")
            plan.append((name, layer, layer_page, source, frame))
    first = plan[0][3]
    single = all(p[3] is first for p in plan) and [p[4] for p in plan] == list(
        range(len(first.pages)))
    warnings = [w for _, layer, _ in layers for w in layer.warnings]
    warnings += [w for s in images.sources.values() for w in s.warnings]
    if single:
        data, media_type, filename = first.data, first.media_type, first.filename
        metadata = dict(first.metadata)
    else:
        data = _combine([(p[3], p[4]) for p in plan])
        media_type, filename, metadata = "application/pdf", f"{title}.pdf", {}
        if any(s.metadata.get("orientation") for s in images.sources.values()):
            warnings.append("an image declares that it is turned; check that its words "
                            "lie on the words of the scan")
    counts = {"estimated": 0, "unplaced": 0, "clipped": 0}
    pages, layers_meta, total = [], {}, 0
    for number, (name, layer, layer_page, source, frame) in enumerate(plan, 1):
        shown = source.pages[frame]
        pixels = tuple(source.metadata["pixels"]) if (
            frame == 0 and source.metadata.get("pixels")) else None
        if pixels is None and layer_page.points_per_unit is None and layer_page.width > 0:
            pixels = (round(layer_page.width), round(layer_page.height))
        scale = _scale(layer_page, shown, pixels, name, warnings)  # type: ignore[arg-type]
        page = ImportedPage(number, shown.width, shown.height)
        before = counts["estimated"]
        page.words, page.text = _words(layer_page, page, scale, counts)
        page.is_scan = not page.words
        total += len(page.words)
        if total > MAX_LAYER_WORDS:
            raise ImportFailed(f"{name} holds more than {MAX_LAYER_WORDS:,} words; split it.")
        pages.append(page)
        layers_meta[str(number)] = _provenance(
            layer, name, {"estimated": counts["estimated"] - before}, layer_page.language,
            source.filename, pixels)
    if counts["clipped"]:
        warnings.append(f"{counts['clipped']} word box(es) reached beyond the page and were "
                        "clipped to it")
    if counts["unplaced"]:
        warnings.append(f"{counts['unplaced']} word(s) have no box in the file, nor their "
                        "line: they are kept, at the page's top left corner")
    metadata["text_layers"] = layers_meta
    metadata["transcription_files"] = list(dict.fromkeys(name for name, _, _ in layers))
    languages = {p[2].language for p in plan if p[2].language}
    return ImportedSource(title=title, kind=first.kind, media_type=media_type,
                          filename=filename, data=data, pages=pages,
                          language=languages.pop() if len(languages) == 1 else "",
                          metadata=metadata, warnings=list(dict.fromkeys(warnings)))


def read_transcription(path: Path, data: bytes, kind: str,
                       image: Path | None = None) -> ImportedSource:
    """A transcription file (ALTO, PAGE XML, hOCR) and its image as one document."""
    name = path.name or str(path)
    layer = read_layer(kind, data, name)
    return build_source([(name, layer, path)], title_from_filename(
        _STEM_ENDINGS.sub("", PurePosixPath(name).stem) or name), image)


def read_transcription_folder(folder: Path) -> ImportedSource | None:
    """The transcription files of a folder (and the images they name) as one document
    of several pages, in file-name order; None when the folder holds none."""
    from annotator.core.importers import read_source_bytes

    try:
        files = sorted((p for p in folder.iterdir() if p.is_file()
                        and p.suffix.lower() in (*LAYER_EXTENSIONS, ".html", ".htm")),
                       key=_natural)
    except OSError as exc:
        raise ImportFailed(f"{folder} cannot be read: {exc.strerror or exc}.") from None
    layers = []
    for path in files:
        data = read_source_bytes(path)
        kind = sniff_layer(data)
        if kind is not None:
            layers.append((path.name, read_layer(kind, data, path.name), path))
    if not layers:
        return None
    return build_source(layers, title_from_filename(folder.name))
