"""A scan's text layer back out as ALTO v4 or PAGE XML 2019, so a scholar can take the
corrected words back to eScriptorium, Transkribus or an OCR-D workflow.

One file per page (the unit both tools import, beside the page images), named after
the document and the page, in pixels of the image the page came from (the
``pixels`` of its provenance, or of the image; else 300 dpi), origin top left. The
file names the image the page was imported from, so the folder re-imports with its
images. What is written is what the project holds: the words, their lines (by the
words' line numbers, or, for a born-digital PDF's words, by where they stand) and
confidences; the original regions are not kept by a text layer, so each page is one
text block (ALTO) or one text region (PAGE) in reading order."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.exporters.base import (
    ExportCancelled,
    ExportFilter,
    ExportResult,
    Progress,
    atomic_file,
    inside,
    safe_filename,
    xml_safe,
)
from annotator.core.model import Document, DocumentKind, Page
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DEFAULT_DPI = 300


def lines_of(words: Sequence[tuple]) -> list[list[tuple]]:
    """The words grouped into lines: by their line number where they carry one, else a
    new line where a word starts left of the one before or below it."""
    lines: list[list[tuple]] = []
    for word in words:
        last = lines[-1][-1] if lines else None
        if last is None:
            lines.append([word])
        elif len(word) >= 7 and len(last) >= 7:
            if word[5] == last[5]:
                lines[-1].append(word)
            else:
                lines.append([word])
        elif word[0] >= last[0] and min(last[3], word[3]) - max(last[1], word[1]) > 0.5 * (
                word[3] - word[1]):
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def _pixels(doc: Document, page: Page) -> tuple[float, float]:
    """Image pixels per page point, on x and y."""
    layer = (doc.metadata.get("text_layers") or {}).get(str(page.number)) or {}
    pixels = layer.get("pixels") or (doc.metadata.get("pixels") if page.number == 1 else None)
    try:
        w, h = float(pixels[0]), float(pixels[1])  # type: ignore[index]
        if w > 0 and h > 0 and page.width > 0 and page.height > 0:
            return w / page.width, h / page.height
    except (TypeError, ValueError, IndexError):
        pass
    return DEFAULT_DPI / 72, DEFAULT_DPI / 72


def _image_name(doc: Document, page: Page) -> str:
    layer = (doc.metadata.get("text_layers") or {}).get(str(page.number)) or {}
    return str(layer.get("image") or doc.filename or doc.title)


def _box(word: Sequence, sx: float, sy: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (max(0, round(v * s)) for v, s in zip(word[:4], (sx, sy, sx, sy),
                                                           strict=True))
    return x0, y0, max(x0, x1), max(y0, y1)


def _union(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _confidence(word: Sequence) -> float | None:
    value = word[6] if len(word) >= 7 else -1
    return value / 100 if isinstance(value, int | float) and 0 <= value <= 100 else None


def _alto_pos(element: ET.Element, box: tuple[int, int, int, int]) -> None:
    element.set("HPOS", str(box[0]))
    element.set("VPOS", str(box[1]))
    element.set("WIDTH", str(box[2] - box[0]))
    element.set("HEIGHT", str(box[3] - box[1]))


def alto(doc: Document, page: Page) -> ET.Element:
    sx, sy = _pixels(doc, page)
    root = ET.Element("alto", {"xmlns": ALTO_NS, "xmlns:xsi": XSI, "xsi:schemaLocation":
                               f"{ALTO_NS} http://www.loc.gov/alto/v4/alto-4-4.xsd"})
    description = ET.SubElement(root, "Description")
    ET.SubElement(description, "MeasurementUnit").text = "pixel"
    info = ET.SubElement(description, "sourceImageInformation")
    ET.SubElement(info, "fileName").text = xml_safe(_image_name(doc, page))
    processing = ET.SubElement(description, "Processing", {"ID": "annotator"})
    ET.SubElement(processing, "processingDateTime").text = now()
    software = ET.SubElement(processing, "processingSoftware")
    ET.SubElement(software, "softwareName").text = "annotator"
    layout = ET.SubElement(root, "Layout")
    width, height = round(page.width * sx), round(page.height * sy)
    alto_page = ET.SubElement(layout, "Page", {"ID": "page1", "PHYSICAL_IMG_NR": "1",
                                               "WIDTH": str(width), "HEIGHT": str(height)})
    space = ET.SubElement(alto_page, "PrintSpace")
    _alto_pos(space, (0, 0, width, height))
    lines = lines_of(page.words)
    if not lines:
        return root
    block = ET.SubElement(space, "TextBlock", {"ID": "block1"})
    blocks = []
    for n, line in enumerate(lines, 1):
        boxes = [_box(w, sx, sy) for w in line]
        blocks.extend(boxes)
        element = ET.SubElement(block, "TextLine", {"ID": f"line{n}"})
        _alto_pos(element, _union(boxes))
        for i, (word, box) in enumerate(zip(line, boxes, strict=True)):
            if i:
                ET.SubElement(element, "SP")
            string = ET.SubElement(element, "String", {"ID": f"w{n}_{i + 1}",
                                                       "CONTENT": xml_safe(str(word[4]))})
            _alto_pos(string, box)
            conf = _confidence(word)
            if conf is not None:
                string.set("WC", f"{conf:.3f}".rstrip("0").rstrip(".") or "0")
    _alto_pos(block, _union(blocks))
    return root


def _coords(parent: ET.Element, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    ET.SubElement(parent, "Coords", {"points": f"{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}"})


def _equiv(parent: ET.Element, text: str, conf: float | None = None) -> None:
    equiv = ET.SubElement(parent, "TextEquiv")
    if conf is not None:
        equiv.set("conf", f"{conf:.3f}".rstrip("0").rstrip(".") or "0")
    ET.SubElement(equiv, "Unicode").text = xml_safe(text)


def page_xml(doc: Document, page: Page) -> ET.Element:
    sx, sy = _pixels(doc, page)
    root = ET.Element("PcGts", {"xmlns": PAGE_NS, "xmlns:xsi": XSI, "xsi:schemaLocation":
                                f"{PAGE_NS} {PAGE_NS}/pagecontent.xsd"})
    metadata = ET.SubElement(root, "Metadata")
    ET.SubElement(metadata, "Creator").text = "annotator"
    stamp = now()
    ET.SubElement(metadata, "Created").text = stamp
    ET.SubElement(metadata, "LastChange").text = stamp
    element = ET.SubElement(root, "Page", {
        "imageFilename": xml_safe(_image_name(doc, page)),
        "imageWidth": str(round(page.width * sx)), "imageHeight": str(round(page.height * sy))})
    lines = lines_of(page.words)
    if not lines:
        return root
    order = ET.SubElement(ET.SubElement(element, "ReadingOrder"), "OrderedGroup",
                          {"id": "ro1"})
    ET.SubElement(order, "RegionRefIndexed", {"index": "0", "regionRef": "r1"})
    region = ET.SubElement(element, "TextRegion", {"id": "r1"})
    all_boxes = [_box(w, sx, sy) for line in lines for w in line]
    _coords(region, _union(all_boxes))
    for n, line in enumerate(lines, 1):
        boxes = [_box(w, sx, sy) for w in line]
        text_line = ET.SubElement(region, "TextLine", {"id": f"l{n}"})
        _coords(text_line, _union(boxes))
        for i, (word, box) in enumerate(zip(line, boxes, strict=True)):
            w = ET.SubElement(text_line, "Word", {"id": f"w{n}_{i + 1}"})
            _coords(w, box)
            _equiv(w, str(word[4]), _confidence(word))
        _equiv(text_line, " ".join(str(w[4]) for w in line))
    _equiv(region, "\n".join(" ".join(str(w[4]) for w in line) for line in lines))
    return root


def export_layout(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                  progress: Progress = None, fmt: str = "alto") -> ExportResult:
    """One ALTO (``fmt="alto"``) or PAGE XML (``"pagexml"``) file per page that has a
    text layer, of every paged document (or the one the filter names), into the
    folder ``out``."""
    out = Path(out)
    filt = filt or ExportFilter()
    build, ending = (alto, ".alto.xml") if fmt == "alto" else (page_xml, ".page.xml")
    docs = [d for d in project.documents.list() if d.kind == DocumentKind.PAGED
            and (not filt.document_id or d.id == filt.document_id)]
    result = ExportResult()
    todo = [(d, p) for d in docs for p in project.documents.pages(d.id, with_words=True)
            if p.words]
    if not todo:
        result.warnings.append("no page of the documents exported has a text layer (words "
                               "with their boxes): nothing was written")
        return result
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for i, (doc, page) in enumerate(todo):
        if progress is not None and progress(i, len(todo)) is False:
            for path in result.paths:
                path.unlink(missing_ok=True)
            raise ExportCancelled("export cancelled; nothing was left behind.")
        name = safe_filename(f"{doc.title}_{page.number:04d}", ending, used)
        target = inside(out, name)
        root = build(doc, page)
        ET.indent(root)
        with atomic_file(target, "wb") as fh:
            ET.ElementTree(root).write(fh, encoding="UTF-8", xml_declaration=True)
        result.paths.append(target)
    if progress is not None:
        progress(len(todo), len(todo))
    return result
