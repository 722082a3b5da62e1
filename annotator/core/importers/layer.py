"""What an ALTO, PAGE XML or hOCR file says about a page, before it meets its image:
lines of words with boxes in the file's own units (pixels, 1/10 mm, 1/1200 inch).

The readers (alto.py, page_xml.py, hocr.py) fill these; transcription.py finds the
image, turns the boxes into page points and builds the document. Parsing is kept
apart from the image so that a malformed or hostile file is refused before any image
is opened, and so that the readers can be tested on the XML alone."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pyexpat import ExpatError, ParserCreate

from annotator.core.errors import ImportFailed

Box = tuple[float, float, float, float]

#: An XML transcription is parsed into a tree ~10x its size in memory: a page's ALTO is
#: tens of kB, a whole book's a few MB; beyond this it is not a transcription of pages.
MAX_LAYER_BYTES = 200 * 1024 * 1024
#: Words of one file (a 1,000-page book has ~400,000).
MAX_LAYER_WORDS = 2_000_000


@dataclass(slots=True)
class LayerWord:
    text: str
    box: Box | None  # None: the file gives no box; spread over its line (``estimated``)
    confidence: float = -1.0  # 0..100, -1 unknown


@dataclass(slots=True)
class LayerLine:
    box: Box | None
    words: list[LayerWord] = field(default_factory=list)


@dataclass(slots=True)
class LayerPage:
    """One page as the file describes it. ``width``/``height`` are the page's size in
    the file's units (0 when not given); ``points_per_unit`` is set when the units are
    physical (ALTO mm10, inch1200), None for pixels."""

    image: str  # the image file name the file gives ('' if none)
    width: float
    height: float
    lines: list[LayerLine] = field(default_factory=list)
    points_per_unit: float | None = None
    language: str = ""


@dataclass(slots=True)
class Layer:
    """A parsed transcription file: its pages in reading order and where it came from."""

    source: str  # "alto" | "page" | "hocr"
    pages: list[LayerPage]
    engine: str = ""
    date: str = ""
    warnings: list[str] = field(default_factory=list)


class _Doctype(Exception):
    pass


class _Root(Exception):
    pass


def _refuse_doctype(data: bytes, filename: str) -> None:
    """ALTO and PAGE XML never need a DOCTYPE; one in a transcription can only be there
    to declare entities (a 'billion laughs' bomb, or a reference to a file on this
    computer). Read the prolog alone, with expat, whatever the encoding."""
    parser = ParserCreate()

    def doctype(*_args: object) -> None:
        raise _Doctype

    def root(*_args: object) -> None:
        raise _Root  # the DOCTYPE comes before the root element: no need to read on

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        parser.Parse(data, True)
    except _Doctype:
        raise ImportFailed(f"{filename} declares a DOCTYPE (entities); ALTO and PAGE XML "
                           "never need one, and it may be a hostile file. Nothing was "
                           "imported.") from None
    except (_Root, ExpatError):
        return  # malformed XML is reported, with its line, by the real parse


def parse_xml(data: bytes, filename: str) -> ET.Element:
    """The root of a transcription's XML, parsed by the standard library's expat (no
    external entity or DTD is ever loaded) after refusing any DOCTYPE. Malformed XML
    is an ImportFailed naming the file, line and column."""
    if len(data) > MAX_LAYER_BYTES:
        raise ImportFailed(f"{filename} is {len(data) // 2**20} MB; a transcription file "
                           f"can be up to {MAX_LAYER_BYTES // 2**20} MB. Split it by page.")
    _refuse_doctype(data, filename)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":", 1)[0]
        raise ImportFailed(f"{filename} is not well-formed XML: {reason} at line {line}, "
                           f"column {column + 1}. Nothing was imported.") from None


def local(tag: object) -> str:
    """An element's name without its namespace: ALTO v2, v3 and v4 (and PAGE 2013 and
    2019) differ in namespace only, for what is read here."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def number(value: str | None, what: str, filename: str) -> float:
    """A coordinate as a finite float; anything else refuses the file, naming it."""
    try:
        result = float(value or "")
    except ValueError:
        raise ImportFailed(f"{filename}: {what} is “{(value or '')[:40]}”, not a number. "
                           "Nothing was imported.") from None
    if not math.isfinite(result):
        raise ImportFailed(f"{filename}: {what} is “{value}”, not a coordinate. Nothing was "
                           "imported.")
    return result


def confidence(value: str | None, scale: float) -> float:
    """A word's confidence on 0..100 (``scale`` 100 for ALTO's and PAGE's 0..1), -1
    when absent or not a number."""
    if value is None:
        return -1.0
    try:
        result = float(value) * scale
    except ValueError:
        return -1.0
    return round(min(100.0, max(0.0, result)), 1) if math.isfinite(result) else -1.0


def points_box(points: str, what: str, filename: str) -> Box | None:
    """The bounding box of a PAGE polygon ("x,y x,y ..."); None when empty."""
    xs, ys = [], []
    for pair in points.split():
        x, _, y = pair.partition(",")
        xs.append(number(x, what, filename))
        ys.append(number(y, what, filename))
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def spread(line: LayerLine) -> int:
    """Give the words of a line that have no box of their own a share of the line's
    box proportional to their length (a space counts as one character): the PAGE
    files of Transkribus often stop at lines. Returns how many boxes were estimated."""
    missing = [w for w in line.words if w.box is None]
    if not missing:
        return 0
    box = line.box
    known = [w.box for w in line.words if w.box is not None]
    if box is None and known:
        box = (min(b[0] for b in known), min(b[1] for b in known),
               max(b[2] for b in known), max(b[3] for b in known))
    if box is None:
        return 0  # nowhere to put them: transcription.py reports the words as unplaced
    x0, y0, x1, y1 = box
    total = sum(len(w.text) for w in missing) + len(missing) - 1
    step = (x1 - x0) / max(total, 1)
    x = x0
    for word in missing:
        word.box = (x, y0, x + step * len(word.text), y1)
        x += step * (len(word.text) + 1)
    return len(missing)
