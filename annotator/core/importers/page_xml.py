"""PAGE XML (PRImA, 2013-07-15 and 2019-07-15): the format of Transkribus, OCR-D and
eScriptorium's exports.

Read: ``Page/@imageFilename``, ``@imageWidth``/``@imageHeight`` (pixels); the text
regions in the ``ReadingOrder`` (ordered groups by ``@index``, nested groups in
place; regions it does not name follow in document order), each region's
``TextLine``s, each line's ``Word``s with their ``Coords/@points`` and
``TextEquiv/Unicode`` (``@conf`` 0..1). A line that has text but no words (Transkribus
stops at lines) is split at spaces and its words share the line's box in proportion
to their length; the page's provenance counts them as estimated. The engine is
``Metadata/Creator``."""

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
    points_box,
)


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in element if local(e.tag) == name), None)


def _text_equiv(element: ET.Element) -> tuple[str, float]:
    """The element's own transcription: of several TextEquivs, the one with the lowest
    @index (PAGE's primary reading), else the first."""
    equivs = [e for e in element if local(e.tag) == "TextEquiv"]
    if not equivs:
        return "", -1.0

    def rank(e: ET.Element) -> float:
        try:
            return float(e.get("index", "inf"))
        except ValueError:
            return float("inf")

    best = min(equivs, key=rank)
    unicode = _child(best, "Unicode")
    return (unicode.text or "") if unicode is not None else "", confidence(best.get("conf"), 100)


def _coords(element: ET.Element, filename: str) -> tuple[float, float, float, float] | None:
    coords = _child(element, "Coords")
    if coords is None:
        return None
    what = f"the Coords of {local(element.tag)} {element.get('id') or ''}".strip()
    return points_box(coords.get("points") or "", what, filename)


def _reading_order(page: ET.Element) -> list[str]:
    """Region ids in reading order: an OrderedGroup's members by @index, nested
    groups where they stand (an unordered group in document order)."""
    order = _child(page, "ReadingOrder")
    ids: list[str] = []
    if order is None:
        return ids

    def rank(e: ET.Element) -> int:
        try:
            return int(e.get("index", "0"))
        except ValueError:
            return 0

    stack: list[ET.Element] = [g for g in reversed(list(order))]
    while stack:
        element = stack.pop()
        name = local(element.tag)
        if name.startswith("RegionRef") and element.get("regionRef"):
            ids.append(element.get("regionRef") or "")
        members = [e for e in element if local(e.tag) != "Labels"]
        if name.startswith("OrderedGroup"):
            members.sort(key=rank)
        if name.endswith("Group") or name.endswith("GroupIndexed"):
            stack.extend(reversed(members))
    return ids


def _line(element: ET.Element, filename: str) -> tuple[LayerLine, bool]:
    """A TextLine and whether its words were split from the line's text."""
    line = LayerLine(_coords(element, filename))
    for word in (e for e in element if local(e.tag) == "Word"):
        text, conf = _text_equiv(word)
        text = " ".join(text.split())
        if text:
            line.words.append(LayerWord(text, _coords(word, filename), conf))
    if line.words:
        return line, False
    text, conf = _text_equiv(element)
    line.words = [LayerWord(t, None, conf) for t in text.split()]
    return line, bool(line.words)


def read_page_xml(data: bytes, filename: str) -> Layer:
    """The page of a PAGE XML file; ImportFailed if it is not PAGE XML."""
    root = parse_xml(data, filename)
    if local(root.tag) != "PcGts":
        raise ImportFailed(f"{filename} is not a PAGE XML file (its root is "
                           f"<{local(root.tag)}>).")
    metadata = _child(root, "Metadata")
    engine = date = ""
    if metadata is not None:
        creator, created = _child(metadata, "Creator"), _child(metadata, "LastChange")
        engine = " ".join((creator.text or "").split()) if creator is not None else ""
        date = (created.text or "").strip() if created is not None else ""
    page = _child(root, "Page")
    if page is None:
        raise ImportFailed(f"{filename} is PAGE XML without a Page: there is nothing to "
                           "import.")
    result = LayerPage(page.get("imageFilename") or "",
                       number(page.get("imageWidth") or "0", "the imageWidth", filename),
                       number(page.get("imageHeight") or "0", "the imageHeight", filename),
                       language=page.get("primaryLanguage") or "")
    regions = {r.get("id") or f"#{i}": r for i, r in
               enumerate(e for e in page.iter() if local(e.tag) == "TextRegion")}
    ordered = [regions[i] for i in dict.fromkeys(_reading_order(page)) if i in regions]
    seen = {id(r) for r in ordered}
    ordered += [r for r in regions.values() if id(r) not in seen]
    layer = Layer("page", [result], engine=engine, date=date)
    split = 0
    for region in ordered:
        for element in region:
            if local(element.tag) == "TextLine":
                line, was_split = _line(element, filename)
                split += was_split
                if line.words:
                    result.lines.append(line)
    if split:
        layer.warnings.append(f"{filename}: {split} line(s) have no word boxes; their "
                              "words were placed along the line in proportion to their "
                              "length (estimated)")
    return layer
