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
        if not self.model.is_open:
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
        page = core_documents.page_for_offset(link.alignment, offset)
        scan = self.desk.other(pane).scan
        if page is not None and (force or page != scan.current_page()):  # type: ignore[attr-defined]
            self.pause()
            scan.go_to_page(page)  # type: ignore[attr-defined]

    def _page_changed(self, pane: DocumentPane, page: int) -> None:
        """The reader turned the scan: bring the transcription to that page's text."""
        if not self.model.is_open or time.monotonic() < self.quiet_until:
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
