"""Reading a transcription beside its scan: the scan turns to the page being read (and
the text follows the scan), "this text starts page N" aligns them, and "edit
transcription" corrects the text while the core re-anchors its annotations.

A mixin of MainWindow (with GesturesMixin), kept apart so each module stays readable.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog

from annotator.gui.lazy import LazyModule

if TYPE_CHECKING:
    from annotator.core.model import DocumentLink
    from annotator.gui.document_pane import DocumentPane

cmd = LazyModule("annotator.gui.commands")
core_documents = LazyModule("annotator.core.documents")
TEXT, PAGED = "text", "paged"
SYNC_PAUSE = 0.35  # seconds during which scrolling we caused does not turn the scan back


class PageSyncMixin:
    """Needs: model, left, right, active_pane, other(), activate(), statusBar()."""

    # -- correcting a transcription ---------------------------------------------------------------

    def toggle_editing(self) -> None:
        pane = self.active_pane
        if pane.kind != TEXT:
            self.a_edit_text.setChecked(False)
            return
        if pane.text_view.editing:
            self.finish_editing(pane)
        else:
            pane.text_view.set_editing(True)
            pane.banner.show()
            pane.text_view.setFocus()
        self._update_actions()

    def _edit_clicked(self, pane: DocumentPane) -> None:
        self.activate(pane)
        self.toggle_editing()

    def finish_editing(self, pane: DocumentPane) -> None:
        view = pane.text_view
        if not view.editing:
            return
        new_text = view.edited_text()
        view.set_editing(False)
        pane.banner.hide()
        if new_text != view.text() and pane.document_id:
            top = view.top_offset()
            if not self.model.push(cmd.EditTranscription(self.model, pane.document_id, new_text)):
                view.cancel_editing()
            view.go_to_offset(min(top, len(view.text())))
        self._update_actions()

    def discard_editing(self, pane: DocumentPane) -> None:
        pane.text_view.cancel_editing()
        pane.banner.hide()
        self._update_actions()

    # -- page sync ------------------------------------------------------------------------------------

    def _text_link(self, text_pane: DocumentPane) -> DocumentLink | None:
        """The link between the text in this pane and the scan in the other, if any."""
        scan_pane = self.other(text_pane)
        if text_pane.kind != TEXT or scan_pane.kind != PAGED:
            return None
        for link in self.model.p.documents.links(text_pane.document_id):
            if {link.source_id, link.target_id} == {text_pane.document_id, scan_pane.document_id}:
                return link
        return None

    def _text_moved(self, pane: DocumentPane, reading: bool) -> None:
        if not self.model.is_open:
            return
        wait = self._sync_quiet_until - time.monotonic()
        if wait > 0:  # our own scrolling, or just opened: look again when it settles
            self._resync_pane = pane
            self._resync.start(int(wait * 1000) + 10)
            return
        self._sync_from_text(pane, reading)

    def _sync_from_text(self, pane: DocumentPane, reading: bool = True,
                        force: bool = False) -> None:
        """Turn the scan beside a transcription to the page being read."""
        link = self._text_link(pane)
        if link is None or not link.alignment:
            return
        view = pane.text_view
        offset = view.reading_offset() if reading else \
            view.umap.to_codepoint(view.textCursor().position())
        page = core_documents.page_for_offset(link.alignment, offset)
        scan = self.other(pane).scan
        if page is not None and (force or page != scan.current_page()):  # type: ignore[attr-defined]
            self._sync_quiet_until = time.monotonic() + SYNC_PAUSE
            scan.go_to_page(page)  # type: ignore[attr-defined]

    def _page_changed(self, pane: DocumentPane, page: int) -> None:
        """The reader turned the scan: bring the transcription to that page's text."""
        if not self.model.is_open or time.monotonic() < self._sync_quiet_until:
            return
        text_pane = self.other(pane)
        link = self._text_link(text_pane)
        if link is None or page not in link.alignment:
            return
        view = text_pane.text_view
        if core_documents.page_for_offset(link.alignment, view.reading_offset()) == page:
            return
        self._sync_quiet_until = time.monotonic() + SYNC_PAUSE
        view.go_to_offset(link.alignment[page])

    def page_starts_here(self) -> None:
        """"This text offset starts page N": align the transcription with its scan."""
        pane = self.active_pane if self.active_pane.kind == TEXT else \
            self.other(self.active_pane)
        scan_pane = self.other(pane)
        if pane.kind != TEXT or scan_pane.kind != PAGED:
            self.statusBar().showMessage("Put a transcription beside its scan first.", 6000)
            return
        view = pane.text_view
        offset = view.umap.to_codepoint(view.textCursor().selectionStart())
        doc = self.model.document(scan_pane.document_id)
        page, ok = QInputDialog.getInt(self, "Page alignment", "The caret's position starts "
                                       "page:", scan_pane.scan.current_page(), 1,  # type: ignore[attr-defined]
                                       max(1, doc.page_count if doc else 1))
        if not ok:
            return
        link = self._text_link(pane)
        if link is None:
            self.model.push(cmd.LinkDocuments(self.model, pane.document_id,
                                              scan_pane.document_id, "transcription",
                                              {page: offset}))
        else:
            self.model.push(cmd.SetAlignment(self.model, link.id, {**link.alignment, page: offset},
                                             f"Page {page} starts at character {offset:,}"))
