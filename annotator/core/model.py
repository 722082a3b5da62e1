"""The scholar's objects as plain dataclasses.

The core returns these and nothing else, so the CLI, the GUI and the tests read the
same values. Offsets are Unicode code points of the stored text (the W3C Web
Annotation model counts code points); page numbers are 1-based, as a scholar cites
them; regions are in page points (1/72 inch) so they survive any zoom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AnchorState(StrEnum):
    """Where an annotation stands after its document's text changed."""

    OK = "ok"  # found where it was
    MOVED = "moved"  # found elsewhere (by quote and context, or fuzzily)
    ORPHANED = "orphaned"  # not found; kept and shown, never dropped

    @classmethod
    def read(cls, value: str) -> AnchorState:
        """A stored state; one outside the schema's CHECK (a crafted file) reads as
        orphaned — kept and shown, its place in doubt — and ``check`` names it."""
        return cls._value2member_map_.get(value, cls.ORPHANED)  # type: ignore[return-value]


class DocumentKind(StrEnum):
    TEXT = "text"  # a transcription, web text, Markdown ...: annotated by code points
    PAGED = "paged"  # a PDF or page images: annotated by regions (and text layer words)

    @classmethod
    def read(cls, value: str) -> DocumentKind:
        """A stored kind; one outside the schema's CHECK (a crafted file) reads as a
        text document, which every reader can show, and ``check`` names it."""
        return cls._value2member_map_.get(value, cls.TEXT)  # type: ignore[return-value]


class TagKind(StrEnum):
    ENTITY_TYPE = "entity_type"  # Person, Place, Organisation, Date, Event
    THEME = "theme"  # the scholar's own codebook, a tree

    @classmethod
    def read(cls, value: str) -> TagKind:
        """A stored kind; one outside the schema's CHECK reads as a theme."""
        return cls._value2member_map_.get(value, cls.THEME)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class TextSelector:
    """A passage of a text: code-point offsets plus the quote with its context,
    so the passage can be found again when the transcription is corrected."""

    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""


#: Largest coordinate a region may have, in page points (a page 350 km wide): beyond
#: it, or infinite, a crafted value would overflow the arithmetic of exports.
MAX_COORDINATE = 1e9


@dataclass(frozen=True, slots=True)
class RegionSelector:
    """A rectangle on a page, in page points from the page's top-left corner.
    ``quads`` are the line boxes (x0, y0, x1, y1) of text selected on a PDF's text
    layer, so a highlight follows the lines rather than covering their bounding box."""

    page: int
    x: float
    y: float
    w: float
    h: float
    quads: tuple[tuple[float, float, float, float], ...] = ()
    text: str = ""  # the words under the region, where the page has a text layer


@dataclass(slots=True)
class Author:
    id: str
    name: str
    color: str = "#4a7bd0"
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False


@dataclass(slots=True)
class Page:
    """One page of a paged document. ``words`` are the text layer's word boxes in page
    points (origin top left), in reading order, empty for an image-only scan: either
    (x0, y0, x1, y1, word) or (x0, y0, x1, y1, word, line, confidence), where ``line``
    numbers the page's lines in reading order and ``confidence`` is 0–100 (-1 unknown;
    OCR and imported ALTO/PAGE/hOCR layers carry both). Where the layer came from is in
    the document's metadata under "text_layers" ({page: {"source": "ocr" | "alto" |
    "page" | "hocr" | "born-digital", "engine", "language", "date"}})."""

    document_id: str
    number: int
    width: float
    height: float
    text: str = ""
    words: list[tuple] = field(default_factory=list)
    is_scan: bool = False


@dataclass(slots=True)
class Document:
    id: str
    title: str
    kind: DocumentKind
    media_type: str
    filename: str
    sha256: str
    page_count: int = 0
    language: str = ""
    metadata: dict = field(default_factory=dict)
    text: str | None = None  # loaded on demand: a 5 MB text is not read to list documents
    size: int = 0
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False


@dataclass(slots=True)
class DocumentLink:
    """A transcription (or translation, edition) of another document. ``alignment``
    maps page numbers of the paged document to the text offset where each page
    starts, so moving through the text can turn the scan."""

    id: str
    source_id: str  # the text: transcription, translation, edition
    target_id: str  # what it renders: usually the scan
    relation: str = "transcription"
    alignment: dict[int, int] = field(default_factory=dict)
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False


@dataclass(slots=True)
class Tag:
    id: str
    name: str
    kind: TagKind
    parent_id: str | None = None
    color: str = "#ffd54f"
    shortcut: str = ""
    description: str = ""
    position: int = 0
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False


@dataclass(slots=True)
class Entity:
    """One person, place, organisation, event ... under one canonical name, with the
    variant spellings the sources use ("Eduard Errio" for Édouard Herriot)."""

    id: str
    type_id: str  # a Tag of kind entity_type
    name: str
    aliases: list[str] = field(default_factory=list)
    identifiers: dict[str, str] = field(default_factory=dict)  # {"wikidata": "Q...", ...}
    description: str = ""
    dates: str = ""  # free text or ISO range, e.g. "1872-01-08/1957-03-26"
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False


@dataclass(slots=True)
class Annotation:
    id: str
    document_id: str
    author_id: str
    text: TextSelector | None = None
    region: RegionSelector | None = None
    tag_ids: list[str] = field(default_factory=list)
    note: str = ""
    color: str = ""
    entity_id: str | None = None
    date_value: str = ""  # ISO 8601 for dates: "1927-06-17", "1927", "1920/1929"
    anchor_state: AnchorState = AnchorState.OK
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False

    @property
    def quote(self) -> str:
        if self.text is not None:
            return self.text.exact
        return self.region.text if self.region is not None else ""


@dataclass(slots=True)
class Link:
    """Two annotations that belong together: a passage and the scan region it
    transcribes, two accounts of one event, a quotation and its source."""

    id: str
    source_id: str
    target_id: str
    relation: str = "related"
    note: str = ""
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False
