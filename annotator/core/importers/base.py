"""What every importer hands to the project: the source's bytes and what was read
from them. Importers never touch the project file; the project writes the result in
one transaction, so a failed import leaves nothing behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.core.model import DocumentKind


@dataclass(slots=True)
class ImportedPage:
    """``number`` is 1-based; sizes and word boxes are in page points."""

    number: int
    width: float
    height: float
    text: str = ""
    # a PDF's words are read-only and made on first use (importers.pdf_words.WordBoxes)
    words: Sequence[tuple[float, float, float, float, str]] = field(default_factory=list)
    is_scan: bool = False  # no text layer: an image to be read by eye (or OCR'd elsewhere)


@dataclass(slots=True)
class ImportedSource:
    title: str
    kind: DocumentKind
    media_type: str
    filename: str
    data: bytes
    text: str | None = None  # text documents: normalised (LF, NFC) plain text
    pages: list[ImportedPage] = field(default_factory=list)
    language: str = ""
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # shown to the scholar, stored in metadata
    # reduced JPEGs of pages slow to decode (core.stored_previews.Preview), derived data
    previews: list = field(default_factory=list)
