"""ALTO (v2, v3, v4; v1 where it says the same): the format of OCR-D, ABBYY FineReader
exports, eScriptorium/kraken, Tesseract's ``alto`` output and most library
digitisation projects.

Read: each ``Layout/Page`` (its ``WIDTH``/``HEIGHT`` in the ``MeasurementUnit`` of
``Description``: pixel, mm10 or inch1200), its ``TextLine``s in document order (the
order ALTO gives for reading), their ``String``s (``CONTENT``, ``HPOS``/``VPOS``/
``WIDTH``/``HEIGHT``, ``WC`` confidence 0..1); a ``HYP`` at a line's end is the printed
hyphen and joins the word before it ("Auf" + "-" = "Auf-"), so a word's text is what
the page shows (``SUBS_CONTENT``, the whole hyphenated word, is not a word of the page).
The image is ``sourceImageInformation/fileName``; the engine is the
``OCRProcessing``/``Processing`` software's name and version."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from annotator.core.errors import ImportFailed
from annotator.core.importers.layer import (
    Layer,
    LayerLine,
    LayerPage,
    LayerWord,
    confidence,
    local,
    number,
    parse_xml,
)

#: page points per unit of ALTO's MeasurementUnit (pixel: from the image)
UNITS = {"pixel": None, "mm10": 72 / 254, "inch1200": 72 / 1200}


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element if local(e.tag) == name]


def _first_text(root: ET.Element, name: str) -> str:
    for element in root.iter():
        if local(element.tag) == name and (element.text or "").strip():
            return " ".join(element.text.split())  # type: ignore[union-attr]
    return ""


def _box(element: ET.Element, filename: str) -> tuple[float, float, float, float] | None:
    values = [element.get(k) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
    if any(v is None for v in values):
        return None
    where = f"{local(element.tag)} {element.get('ID') or ''}".strip()
    x, y, w, h = (number(v, f"a position of {where}", filename) for v in values)
    return (x, y, x + max(w, 0.0), y + max(h, 0.0))


def _line(element: ET.Element, filename: str) -> LayerLine:
    line = LayerLine(_box(element, filename))
    for child in element:
        name = local(child.tag)
        if name == "String":
            text = " ".join((child.get("CONTENT") or "").split())
            if text:
                line.words.append(LayerWord(text, _box(child, filename),
                                            confidence(child.get("WC"), 100)))
        elif name == "HYP" and line.words:
            last = line.words[-1]
            last.text += child.get("CONTENT") or "-"
            box = _box(child, filename)
            if box is not None and last.box is not None:
                last.box = (min(last.box[0], box[0]), min(last.box[1], box[1]),
                            max(last.box[2], box[2]), max(last.box[3], box[3]))
    return line


def read_alto(data: bytes, filename: str) -> Layer:
    """The pages of an ALTO file, in its order; ImportFailed if it is not ALTO."""
    root = parse_xml(data, filename)
    if local(root.tag).lower() != "alto":
        raise ImportFailed(f"{filename} is not an ALTO file (its root is "
                           f"<{local(root.tag)}>).")
    unit_name = _first_text(root, "MeasurementUnit") or "pixel"
    if unit_name not in UNITS:
        raise ImportFailed(f"{filename} measures in “{unit_name[:30]}”; ALTO's units are "
                           "pixel, mm10 and inch1200.")
    image = _first_text(root, "fileName")
    description = next((e for e in root if local(e.tag) == "Description"), None)
    engine, date = "", ""
    if description is not None:
        engine = " ".join(filter(None, (_first_text(description, "softwareName"),
                                        _first_text(description, "softwareVersion"))))
        date = _first_text(description, "processingDateTime")
    layer = Layer("alto", [], engine=engine, date=date)
    for page in root.iter():
        if local(page.tag) != "Page":
            continue
        width = number(page.get("WIDTH") or "0", "the page's WIDTH", filename)
        height = number(page.get("HEIGHT") or "0", "the page's HEIGHT", filename)
        result = LayerPage(image, width, height, points_per_unit=UNITS[unit_name])
        result.lines = [_line(e, filename) for e in page.iter() if local(e.tag) == "TextLine"]
        result.language = page.get("LANG") or ""
        layer.pages.append(result)
    if not layer.pages:
        raise ImportFailed(f"{filename} is ALTO without a Layout/Page: there is no page to "
                           "import.")
    return layer
