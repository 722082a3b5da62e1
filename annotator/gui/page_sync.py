"""Reading a transcription beside its scan: the scan turns to the page being read, the
text follows when the scan is turned, and "This text starts page…" aligns them.

Scrolling that the sync itself caused (or that opening a document caused) is not
reading: for :data:`SYNC_PAUSE` after it the other side is left alone, then looked at
again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from annotator.gui.lazy import LazyModule

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from annotator.core.model import DocumentLink
    from annotator.gui.desk import Desk
    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.document_pane import DocumentPane
    from annotator.gui.project_model import ProjectModel

core_documents = LazyModule("annotator.core.documents")
core_alignment = LazyModule("annotator.core.word_alignment")
TEXT, PAGED = "text", "paged"
SYNC_PAUSE = 0.35  # seconds during which scrolling we caused does not turn the scan back


class PageSync(QObject):
    """Keeps a transcription and its scan on the same page."""

    def __init__(self, model: ProjectModel, desk: Desk, dialogs: Dialogs,
                 status: QStatusBar) -> None:
        super().__init__(desk)
        self.model, self.desk, self.dialogs, self.status = model, desk, dialogs, status
        self.quiet_until = 0.0  # time.monotonic() before which moves are ours, not reading
        self._resync_pane = desk.left
        self._resync = QTimer(self, singleShot=True)
        self._resync.timeout.connect(lambda: self._text_moved(self._resync_pane, True))
        desk.opening.connect(self.pause)
        desk.besideScan.connect(lambda pane: self.sync_from_text(pane, force=True))
        desk.besideScan.connect(self.refresh_highlights)
        model.changed.connect(self._on_changes)
        self._aligned: dict[str, object] = {}  # link id -> AlignedScan, until a change
        self._wired: set[int] = set()  # scan views whose clicks we hear
        self.hold_until = 0.0  # before this, the text moving does not move the scan
        from annotator.gui.scan_passages import ScanPassages

        self.passages = ScanPassages(self)
        for pane in desk.panes:
            pane.pageChanged.connect(self._page_changed)
            view = pane.text_view
            view.offsetChanged.connect(lambda _o, p=pane: self._text_moved(p, reading=True))
            view.caretMoved.connect(lambda _o, p=pane: self._text_moved(p, reading=False))

    def pause(self) -> None:
        """What scrolls now is ours (opening a document, turning a page): not reading."""
        self.quiet_until = time.monotonic() + SYNC_PAUSE

    def stop(self) -> None:
        self._resync.stop()

    def hold(self) -> None:
        """The text is scrolled to the scan (a region's passage shown): the scan stays."""
        self.hold_until = time.monotonic() + SYNC_PAUSE
        self._resync.stop()

    def region_to_text(self) -> None:
        """Annotate ▸ Region to text annotation (see ScanPassages)."""
        self.passages.region_to_text()

    # -- word alignment: highlights on the scan, the caret's word, clicks on words ------

    def aligned(self, text_pane: DocumentPane):
        """The word alignment of the text in this pane with the scan beside it (an
        AlignedScan), or None when they are not linked or the scan has no words."""
        link = self.text_link(text_pane)
        if link is None or link.source_id != text_pane.document_id:
            return None
        found = self._aligned.get(link.id)
        if found is None:
            p = self.model.p
            if not core_alignment.scan_has_words(p, link.target_id):
                return None
            found = self._aligned[link.id] = core_alignment.AlignedScan(p, link)
        return found

    def _on_changes(self, _changes: object) -> None:
        self._aligned.clear()
        if self.model.is_open:
            for pane in self.desk.panes:
                if pane.kind == TEXT:
                    self.refresh_highlights(pane)

    def refresh_highlights(self, text_pane: DocumentPane) -> None:
        """Draw every highlight of the transcription on the scan beside it, as the
        boxes of its words in its tag's colour."""
        scan_pane = self.desk.other(text_pane)
        if scan_pane.kind != PAGED or not scan_pane.has_scan():
            return
        scan = scan_pane.scan
        self._wire(scan_pane)
        aligned = self.aligned(text_pane)
        highlights = []
        if aligned is not None:
            for ann in self.model.p.annotations.for_document(text_pane.document_id):
                if ann.text is None:
                    continue
                colour = self.model.color_for(ann.tag_ids, ann.color)
                for page, boxes in aligned.boxes(ann.text.start, ann.text.end).items():
                    highlights.append((ann.id, page, boxes, colour))
        if hasattr(scan, "set_text_highlights"):
            scan.set_text_highlights(highlights)  # type: ignore[attr-defined]
        self.show_unaligned(scan_pane)

    def show_unaligned(self, scan_pane: DocumentPane) -> None:
        """Underline the words of the pages in view that the transcription beside has no
        word for (only pages it is aligned with at all: another part of the book is not
        "unaligned")."""
        text_pane = self.desk.other(scan_pane)
        aligned = self.aligned(text_pane) if text_pane.kind == TEXT else None
        scan = scan_pane.scan
        if not hasattr(scan, "set_unaligned"):
            return
        pages: dict[int, list] = {}
        if aligned is not None:
            current = scan.current_page()  # type: ignore[attr-defined]
            pages = {n: aligned.unaligned(n) for n in (current - 1, current, current + 1)
                     if n in aligned.pages}
        scan.set_unaligned(pages)  # type: ignore[attr-defined]

    def _wire(self, scan_pane: DocumentPane) -> None:
        scan = scan_pane.scan
        if id(scan) in self._wired or not hasattr(scan, "pointPressed"):
            return
        self._wired.add(id(scan))
        self.passages.wire(scan_pane)
        scan.pointPressed.connect(  # type: ignore[attr-defined]
            lambda page, x, y, p=scan_pane: self.word_clicked(p, page, x, y))

    def word_clicked(self, scan_pane: DocumentPane, page: int, x: float, y: float) -> None:
        """A word clicked on the scan: the caret goes to it in the transcription, or
        the status bar says it has no place there."""
        text_pane = self.desk.other(scan_pane)
        aligned = self.aligned(text_pane) if text_pane.kind == TEXT else None
        if aligned is None:
            return
        for index, word in enumerate(aligned.words(page)):
            if word[0] <= x <= word[2] and word[1] <= y <= word[3]:
                links = aligned.by_word.get((page, index))
                if not links:
                    self.status.showMessage(f"“{word[4]}” is not aligned with the "
                                            "transcription.", 6000)
                    return
                self.pause()
                view = text_pane.text_view
                view.select_codepoints(links[0].start, links[-1].end)
                scan_pane.scan.mark_word(page, word)  # type: ignore[attr-defined]
                return

    def _mark_caret_word(self, pane: DocumentPane, offset: int) -> None:
        aligned = self.aligned(pane)
        if aligned is None:
            return
        scan = self.desk.other(pane).scan
        link = aligned.at(offset)
        if link is None:
            scan.mark_word(None, None)  # type: ignore[attr-defined]
            text = self.model.p.documents.text(pane.document_id)
            if offset < len(text) and text[offset].isalnum():
                self.status.showMessage("This word is not aligned with the scan.", 4000)
            return
        box = aligned.box_of(link)
        if box is not None:
            scan.mark_word(link.page, box)  # type: ignore[attr-defined]

    def text_link(self, text_pane: DocumentPane) -> DocumentLink | None:
        """The link between the text in this pane and the scan in the other, if any."""
        scan_pane = self.desk.other(text_pane)
        if text_pane.kind != TEXT or scan_pane.kind != PAGED:
            return None
        links: list[DocumentLink] = self.model.p.documents.links(text_pane.document_id)  # type: ignore[assignment]
        for link in links:
            if {link.source_id, link.target_id} == {text_pane.document_id, scan_pane.document_id}:
                return link
        return None

    def _text_moved(self, pane: DocumentPane, reading: bool) -> None:
        if not self.model.is_open or time.monotonic() < self.hold_until:
            return
        wait = self.quiet_until - time.monotonic()
        if wait > 0:  # our own scrolling, or just opened: look again when it settles
            self._resync_pane = pane
            self._resync.start(int(wait * 1000) + 10)
            return
        self.sync_from_text(pane, reading)

    def sync_from_text(self, pane: DocumentPane, reading: bool = True,
                       force: bool = False) -> None:
        """Turn the scan beside a transcription to the page being read (``reading``:
        at the top of the view; else where the caret is)."""
        link = self.text_link(pane)
        if link is None or not link.alignment:
            return
        view = pane.text_view
        offset = view.reading_offset() if reading else \
            view.umap.to_codepoint(view.textCursor().position())
        scan = self.desk.other(pane).scan
        aligned = self.aligned(pane)
        if aligned is not None:
            if not reading:
                self._mark_caret_word(pane, offset)
            after = aligned.following(offset)
            if after is not None and hasattr(scan, "show_point"):  # line by line
                words = aligned.words(after.page)
                if 0 <= after.word < len(words):
                    self.pause()
                    scan.show_point(after.page, words[after.word][1])  # type: ignore[attr-defined]
                    return
        page = core_documents.page_for_offset(link.alignment, offset)
        if page is not None and (force or page != scan.current_page()):  # type: ignore[attr-defined]
            self.pause()
            scan.go_to_page(page)  # type: ignore[attr-defined]

    def _page_changed(self, pane: DocumentPane, page: int) -> None:
        """The reader turned the scan: bring the transcription to that page's text."""
        if not self.model.is_open:
            return
        if pane.kind == PAGED and pane.has_scan():
            self.show_unaligned(pane)
        if time.monotonic() < self.quiet_until:
            return
        text_pane = self.desk.other(pane)
        link = self.text_link(text_pane)
        if link is None or page not in link.alignment:
            return
        view = text_pane.text_view
        if core_documents.page_for_offset(link.alignment, view.reading_offset()) == page:
            return
        self.pause()
        view.go_to_offset(link.alignment[page])

    def page_starts_here(self) -> None:
        """"This text starts page N": the caret's position in the transcription is where
        page N of the scan beside it begins."""
        active = self.desk.active
        pane = active if active.kind == TEXT else self.desk.other(active)
        scan_pane = self.desk.other(pane)
        if pane.kind != TEXT or scan_pane.kind != PAGED or not pane.document_id \
                or not scan_pane.document_id:
            self.status.showMessage("Put a transcription beside its scan first.", 6000)
            return
        view = pane.text_view
        offset = view.umap.to_codepoint(view.textCursor().selectionStart())
        doc = self.model.document(scan_pane.document_id)
        page = self.dialogs.get_int("Page alignment", "The caret's position starts page:",
                                    scan_pane.scan.current_page(),  # type: ignore[attr-defined]
                                    1, max(1, doc.page_count if doc else 1))
        if page is None:
            return
        documents = self.model.p.documents
        link = self.text_link(pane)
        if link is None:
            self.model.do("Link transcription to its scan", documents.link, pane.document_id,
                          scan_pane.document_id, "transcription", {page: offset})
        else:
            self.model.do(f"Page {page} starts at character {offset:,}",
                          documents.set_alignment, link.id, {**link.alignment, page: offset})
