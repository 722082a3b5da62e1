"""What a .qdpx from another program needs before its selections can be trusted:
- its sources matched to the documents the project has (a round trip through
  QualCoder gives back our letter as UTF-8 with a BOM, perhaps with CRLF, and new
  GUIDs; a picture re-encoded): by GUID, then by the text once normalised, then by
  the decoded pixels, so that importing it does not create the document twice;
- the way its text selections count a CRLF (as two code points, as the standard's
  plain text file has them, or as one, as ATLAS.ti and QualCoder's MAXQDA option
  do), decided by the selection's ``name`` where it quotes the passage;
- the codings one program wrote as separate selections of the same span (QualCoder
  keeps one coding per code) recombined into one annotation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING

from annotator.core.model import Annotation, Document, DocumentKind

if TYPE_CHECKING:
    from annotator.core.project import Project

_SPACE = re.compile(r"\s+")


def normalised_text(text: str) -> str:
    """A text as two copies of one source agree on it: no BOM, LF line ends, NFC,
    no white space at the ends."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").removeprefix("\ufeff")


class DocumentMatcher:
    """Finds the project's document for a foreign source before one is created."""

    def __init__(self, project: Project) -> None:
        self.p = project
        self._texts: dict[str, str] | None = None
        self._pixels: dict[tuple[int, int, str], str] | None = None

    def by_guid(self, guid: str | None) -> Document | None:
        doc = self.p.documents.get(guid) if guid else None
        return doc if doc is not None and not doc.deleted else None

    def by_text(self, raw: bytes) -> Document | None:
        if self._texts is None:
            self._texts = {}
            for doc in self.p.documents.list():
                if doc.kind == DocumentKind.TEXT:
                    key = _digest(normalised_text(self.p.documents.text(doc.id)))
                    self._texts.setdefault(key, doc.id)
        found = self._texts.get(_digest(normalised_text(decode(raw))))
        return self.p.documents.get(found) if found else None

    def by_pixels(self, data: bytes) -> Document | None:
        """A one-page image document whose decoded pixels are these (PNG or TIFF of the
        same picture); images are decoded only when their size is the same."""
        key = _pixel_key(data)
        if key is None:
            return None
        if self._pixels is None:
            self._pixels = {}
            for doc in self.p.documents.list():
                pixels = doc.metadata.get("pixels") if isinstance(doc.metadata, dict) else None
                if doc.media_type.startswith("image/") and doc.page_count == 1 and \
                        isinstance(pixels, list) and len(pixels) >= 2 and \
                        [int(pixels[0]), int(pixels[1])] == [key[0], key[1]]:
                    row = self.p.conn.execute("SELECT data FROM document_data WHERE "
                                              "document_id = ?", (doc.id,)).fetchone()
                    theirs = _pixel_key(bytes(row[0])) if row and row[0] else None
                    if theirs is not None:
                        self._pixels.setdefault(theirs, doc.id)
        found = self._pixels.get(key)
        return self.p.documents.get(found) if found else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _pixel_key(data: bytes) -> tuple[int, int, str] | None:
    import pymupdf

    try:
        pix = pymupdf.Pixmap(data)
        if pix.alpha:
            pix = pymupdf.Pixmap(pix, 0)
        if pix.n != 3:
            pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
        return pix.width, pix.height, hashlib.sha256(pix.samples).hexdigest()
    except (RuntimeError, ValueError, TypeError):
        return None


# -- CRLF -----------------------------------------------------------------------------


def _fits(name: str, passage: str) -> bool | None:
    """Whether a selection's name quotes this passage (None: the name says nothing,
    e.g. empty or a generic label)."""
    name = _SPACE.sub(" ", name).strip()
    if not name or name == "Selection":
        return None
    passage = _SPACE.sub(" ", passage).strip()
    if name.endswith("…"):  # our exporter cuts names at 80 characters
        return passage.startswith(name[:-1].rstrip())
    return passage == name


def line_end_readings(raw_text: str, spans: list[tuple[int, int, str]]
                      ) -> tuple[list[str], list[int], int, list[str]]:
    """The text each selection counts in: ``raw_text`` as it is (a CRLF is two code
    points) or with CRLF as one. Returns (texts, the index of the text per span, the
    index of the file's majority reading, the warnings). A span whose name fits neither reading keeps the file's majority
    reading and is named in a warning; nothing is stored but the slice it points at."""
    texts = [raw_text]
    if "\r\n" in raw_text:
        texts.append(raw_text.replace("\r\n", "\n"))
    votes = [0] * len(texts)
    fits: list[list[bool | None]] = []
    for start, end, name in spans:
        row = [(_fits(name, t[start:end]) if 0 <= start <= end <= len(t) else False)
               for t in texts]
        fits.append(row)
        for i, ok in enumerate(row):
            votes[i] += ok is True
    default = max(range(len(texts)), key=lambda i: (votes[i], -i))
    chosen, warnings = [], []
    for (start, end, name), row in zip(spans, fits, strict=True):
        if row[default] is not False:
            chosen.append(default)
            continue
        other = next((i for i, ok in enumerate(row) if ok), None)
        if other is None:
            warnings.append(f"the selection at {start}–{end} is named “{name[:60]}” but the "
                            "text there differs (with CRLF counted as two characters or as "
                            "one); placed by its positions")
        chosen.append(default if other is None else other)
    return texts, chosen, default, warnings


# -- recombining codings --------------------------------------------------------------


def recombine(batch: list[Annotation]) -> tuple[list[Annotation], dict[str, str]]:
    """One annotation per span and author: the codings another program wrote as
    separate selections of one passage or area (tags, entity, note and date joined).
    Returns the annotations kept and a map from each folded id to the one kept."""
    kept: dict[tuple, Annotation] = {}
    folded: dict[str, str] = {}
    out: list[Annotation] = []
    for ann in batch:
        span = (ann.text.start, ann.text.end) if ann.text is not None else \
            (ann.region.page, ann.region.x, ann.region.y, ann.region.w, ann.region.h) \
            if ann.region is not None else None
        key = (ann.document_id, ann.author_id, span)
        first = kept.get(key) if span is not None else None
        if first is None:
            if span is not None:
                kept[key] = ann
            out.append(ann)
            continue
        first.tag_ids = list(dict.fromkeys(first.tag_ids + ann.tag_ids))
        first.entity_id = first.entity_id or ann.entity_id
        first.date_value = first.date_value or ann.date_value
        if ann.note and ann.note not in first.note:
            first.note = f"{first.note}\n\n{ann.note}" if first.note else ann.note
        folded[ann.id] = first.id
    return out, folded
