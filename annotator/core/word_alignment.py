"""The word alignment of each transcription with its scan, kept in the project file.

Why a derived table (``word_alignment``, schema v5) and not a column of the link:
the alignment is a function of the two documents (the transcription's text and the
scan's text layer), so, like the search index, it is recomputed rather than merged
or journaled. Each link's rows carry a *fingerprint* of what they were computed from
(both documents' ``modified_at``, the link's, the size of the scan's layer and the
algorithm's version); a reader that finds another fingerprint recomputes the whole
link (a 300-page book in well under 2 s, so re-aligning only an edited stretch was
not worth its complexity). Hence a merge, an undo, an OCR run or a corrected
transcription need no code of their own here: the next reader re-aligns. A project
open read-only keeps its recomputed alignment in memory.

The link's page alignment (``document_links.alignment``, {page: offset}) stays the
page-level view the scholar can set by hand; :meth:`DocumentStore.link` and
``align`` fill it from the word alignment.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.alignment import WordLink, align

if TYPE_CHECKING:
    from annotator.core.changes import OpResult
    from annotator.core.model import Annotation, DocumentLink, RegionSelector
    from annotator.core.project import Project

#: Bumped when the algorithm changes, so stored alignments are recomputed.
VERSION = 2  # 2: words keep their combining marks; boxes of joined OCR words split
_MEMORY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # read-only projects


@dataclass(frozen=True, slots=True)
class Placement:
    """What an alignment placed: ``placed`` of the transcription's ``words`` words, and
    how many on each page."""

    placed: int
    words: int
    pages: dict[int, int]

    def describe(self) -> str:
        if not self.words:
            return "the transcription has no words"
        share = 100 * self.placed / self.words
        where = ", ".join(f"{p}: {n}" for p, n in sorted(self.pages.items()))
        return (f"{self.placed:,} of {self.words:,} words ({share:.0f} %) placed on the scan"
                + (f" (page: words {where})" if where else ""))


def _fingerprint(project: Project, link: DocumentLink) -> str:
    conn = project.conn
    stamps = dict(conn.execute("SELECT id, modified_at FROM documents WHERE id IN (?, ?)",
                               (link.source_id, link.target_id)))
    count, size = conn.execute("SELECT count(*), total(length(words)) FROM pages "
                               "WHERE document_id = ?", (link.target_id,)).fetchone()
    return (f"{VERSION}|{stamps.get(link.source_id)}|{stamps.get(link.target_id)}|"
            f"{link.modified_at}|{count}|{int(size)}")


def compute(project: Project, link: DocumentLink) -> list[WordLink]:
    """Align the link's transcription with its scan afresh (nothing stored)."""
    text = project.documents.text(link.source_id)
    rows = project.conn.execute(
        "SELECT number, words FROM pages WHERE document_id = ? ORDER BY number",
        (link.target_id,))
    from annotator.core.util import loads

    pages = [(number, [w for w in loads(words, []) if isinstance(w, list) and len(w) >= 5])
             for number, words in rows]
    return align(text, pages)


def links_of(project: Project, link: DocumentLink) -> list[WordLink]:
    """The link's word alignment, recomputed first if either side changed."""
    fingerprint = _fingerprint(project, link)
    if project.read_only:
        memory = _MEMORY.setdefault(project, {})
        held = memory.get(link.id)
        if held is None or held[0] != fingerprint:
            held = memory[link.id] = (fingerprint, compute(project, link))
        return held[1]
    conn = project.conn
    row = conn.execute("SELECT fingerprint FROM word_alignment_state WHERE link_id = ?",
                       (link.id,)).fetchone()
    if row is None or row[0] != fingerprint:
        return store(project, link, compute(project, link), fingerprint)
    return [WordLink(*r) for r in conn.execute(
        "SELECT start_offset, end_offset, page, word FROM word_alignment WHERE link_id = ? "
        "ORDER BY start_offset, page, word", (link.id,))]


def store(project: Project, link: DocumentLink, links: Sequence[WordLink],
          fingerprint: str | None = None) -> list[WordLink]:
    """Write a link's alignment (derived rows: not journaled, not merged)."""
    with project.transaction() as conn:
        conn.execute("DELETE FROM word_alignment WHERE link_id = ?", (link.id,))
        conn.executemany("INSERT INTO word_alignment (link_id, start_offset, end_offset, "
                         "page, word) VALUES (?, ?, ?, ?, ?)",
                         [(link.id, *lk) for lk in links])
        conn.execute("INSERT OR REPLACE INTO word_alignment_state (link_id, fingerprint) "
                     "VALUES (?, ?)", (link.id, fingerprint or _fingerprint(project, link)))
    return list(links)


def placement(project: Project, link: DocumentLink,
              links: Sequence[WordLink] | None = None) -> Placement:
    from annotator.core.alignment import text_tokens

    links = links_of(project, link) if links is None else links
    pages: dict[int, set[int]] = {}
    for lk in links:
        pages.setdefault(lk.page, set()).add(lk.start)
    words = len(text_tokens(project.documents.text(link.source_id)))
    return Placement(len({lk.start for lk in links}), words,
                     {p: len(s) for p, s in pages.items()})


def scan_has_words(project: Project, document_id: str) -> bool:
    return project.conn.execute(
        "SELECT 1 FROM pages WHERE document_id = ? AND words NOT IN ('', '[]') LIMIT 1",
        (document_id,)).fetchone() is not None


def transcription_links(project: Project, document_id: str) -> list[DocumentLink]:
    """The live links in which ``document_id`` is the transcription or the scan."""
    return [lk for lk in project.documents.links(document_id)
            if lk.relation == "transcription"]


class AlignedScan:
    """A link's alignment with the geometry of its scan's words, for questions asked
    many times in a row (every annotation of a document listed or drawn)."""

    def __init__(self, project: Project, link: DocumentLink) -> None:
        self.link = link
        self.links = links_of(project, link)  # sorted by start
        self._starts = [lk.start for lk in self.links]
        self._project = project
        self._text: str | None = None
        self._pages: dict[int, list] = {}
        by_word: dict[tuple[int, int], list[WordLink]] = {}
        for lk in self.links:
            by_word.setdefault((lk.page, lk.word), []).append(lk)
        self.by_word = by_word
        self.pages = {lk.page for lk in self.links}  # the pages it has words on

    def words(self, page: int) -> list:
        """The layer words of a page of the scan."""
        words = self._pages.get(page)
        if words is None:
            found = self._project.documents.page(self.link.target_id, page)
            words = self._pages[page] = list(found.words) if found else []
        return words

    def within(self, start: int, end: int) -> list[WordLink]:
        """The word links of the transcription's words that overlap start–end."""
        from bisect import bisect_left

        k = bisect_left(self._starts, start)
        while k > 0 and self.links[k - 1].end > start:
            k -= 1
        out = []
        for lk in self.links[k:]:
            if lk.start >= end:
                break
            if lk.end > start:
                out.append(lk)
        return out

    def box_of(self, lk: WordLink) -> tuple[float, float, float, float] | None:
        """Where a transcription word is on the scan: its layer word's box, or its share
        of it when OCR joined several words into one (alignment.word_box)."""
        from annotator.core.alignment import word_box
        from annotator.core.names import fold

        words = self.words(lk.page)
        if not 0 <= lk.word < len(words):
            return None
        if self._text is None:
            self._text = self._project.documents.text(self.link.source_id)
        return word_box(words[lk.word], fold(self._text[lk.start:lk.end]))

    def boxes(self, start: int, end: int) -> dict[int, list[tuple[float, ...]]]:
        """{page: [(x0, y0, x1, y1), ...]}: the boxes of the scan words of start–end."""
        out: dict[int, list[tuple[float, ...]]] = {}
        for lk in self.within(start, end):
            box = self.box_of(lk)
            if box is not None:
                page = out.setdefault(lk.page, [])
                if box not in page:
                    page.append(box)
        return out

    def span(self, page: int, x0: float, y0: float, x1: float, y1: float
             ) -> tuple[int, int] | None:
        """The passage of the transcription whose words lie (by their centre) in a
        rectangle of a page, or None when no aligned word does."""
        found = []
        for index, word in enumerate(self.words(page)):
            cx, cy = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
            if x0 <= cx <= x1 and y0 <= cy <= y1:
                found.extend(self.by_word.get((page, index), ()))
        if not found:
            return None
        return min(lk.start for lk in found), max(lk.end for lk in found)

    def word_at(self, page: int, x: float, y: float) -> int | None:
        """The index of the layer word of ``page`` under the point, if any."""
        for index, word in enumerate(self.words(page)):
            if word[0] <= x <= word[2] and word[1] <= y <= word[3]:
                return index
        return None

    def unaligned(self, page: int) -> list[tuple[float, ...]]:
        """The boxes of the scan words of ``page`` that no transcription word is (shown
        as such on the scan, never guessed)."""
        return [tuple(float(v) for v in word[:4]) for index, word in enumerate(self.words(page))
                if (page, index) not in self.by_word]

    def following(self, offset: int) -> WordLink | None:
        """The first aligned word at or after ``offset`` (where the scan is, there)."""
        from bisect import bisect_left

        k = bisect_left(self._starts, offset)
        if k > 0 and self.links[k - 1].end > offset:
            k -= 1
        return self.links[k] if k < len(self.links) else None

    def at(self, offset: int) -> WordLink | None:
        """The link of the transcription word at ``offset`` (None: not aligned)."""
        hits = self.within(offset, offset + 1)
        return hits[0] if hits else None


def on_scan(project: Project, document_id: str, start: int, end: int,
            cache: dict | None = None) -> list[dict]:
    """Where a passage of a transcription is on the scans it is linked to:
    [{"document", "page", "boxes"}] (page points, origin top left)."""
    out = []
    for scan in aligned_scans(project, document_id, "source_id", cache):
        for page, boxes in sorted(scan.boxes(start, end).items()):
            out.append({"document": scan.link.target_id, "page": page,
                        "boxes": [[round(v, 2) for v in b] for b in boxes]})
    return out


def in_text(project: Project, document_id: str, page: int, x: float, y: float, w: float,
            h: float, cache: dict | None = None) -> list[dict]:
    """Which passage of each transcription of a scan a region covers:
    [{"document", "start", "end"}]."""
    out = []
    for scan in aligned_scans(project, document_id, "target_id", cache):
        span = scan.span(page, x, y, x + w, y + h)
        if span is not None:
            out.append({"document": scan.link.source_id, "start": span[0], "end": span[1]})
    return out


def aligned_scans(project: Project, document_id: str, side: str,
             cache: dict | None) -> list[AlignedScan]:
    key = (document_id, side)
    if cache is not None and key in cache:
        return cache[key]
    found = [AlignedScan(project, lk) for lk in transcription_links(project, document_id)
             if getattr(lk, side) == document_id and scan_has_words(project, lk.target_id)]
    if cache is not None:
        cache[key] = found
    return found


def region_passage(project: Project, scan_id: str, region: RegionSelector
                   ) -> dict | None:
    """The passage of a transcription a region of the scan covers (the first
    transcription aligned with the scan that has words in it), or None."""
    found = in_text(project, scan_id, region.page, region.x, region.y, region.w, region.h)
    return found[0] if found else None


def annotate_region_text(project: Project, scan_id: str, *,
                         region: RegionSelector | None = None,
                         annotation_id: str | None = None) -> OpResult[Annotation]:
    """A region of the scan turned into a text annotation of the transcription: the
    passage its aligned words are. A region annotation given by ``annotation_id`` lends
    the new one its tags, entity, date and note and is linked to it ("transcribes",
    as Ctrl+L links them); it stays, so nothing is lost. One change set."""
    from annotator.core import tagging
    from annotator.core.changes import OpChanges, OpResult
    from annotator.core.errors import AnnotatorError

    source = project.annotations.get(annotation_id) if annotation_id else None
    if annotation_id and (source is None or source.deleted or source.region is None):
        raise AnnotatorError("Select a region of the scan (or draw one) first.")
    region = source.region if source is not None else region
    if region is None:
        raise AnnotatorError("Draw a region on the scan (or select one) first.")
    passage = region_passage(project, scan_id, region)
    if passage is None:
        raise AnnotatorError(f"The region on page {region.page} covers no word aligned with "
                             "a transcription (link the transcription, or recognise the "
                             "scan's text first).")
    changes = OpChanges()
    with project.transaction("Annotate the transcription where the region is"):
        made = tagging.tag_passage(
            project, passage["document"], start=passage["start"], end=passage["end"],
            tag_ids=source.tag_ids if source else (),
            entity=None, date=source.date_value if source else None,
            note=source.note if source else "")
        changes.update(made.changes)
        ann = made.value
        if source is not None:
            if source.entity_id and not ann.entity_id:
                changes.update(project.annotations.update(ann.id,
                                                          entity_id=source.entity_id).changes)
                ann = project.annotations.get(ann.id) or ann
            changes.update(project.links.create(ann.id, source.id, "transcribes").changes)
    return OpResult(ann, changes)
