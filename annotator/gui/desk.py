"""The two panes on the desk: which documents lie open, side by side, and which one the
scholar works in. Opening a transcription puts its scan beside it; any two documents
can be read side by side (two accounts of the same event).

The desk moves documents between panes and says so with signals; what the window
does about it (the welcome page, the menus, remembering the arrangement) and how the
scan follows the text (page_sync.py) are wired by MainWindow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSplitter, QStackedWidget, QWidget

    from annotator.core.model import Document, DocumentLink
    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.document_pane import DocumentPane
    from annotator.gui.panels.annotations_table import AnnotationsPanel
    from annotator.gui.panels.documents import DocumentsPanel
    from annotator.gui.project_model import ProjectModel

TEXT, PAGED = "text", "paged"  # DocumentKind values (a StrEnum compares equal to them)


class Desk(QObject):
    """The left and right panes, the one in use (:attr:`active`) and the gestures
    that open, close and swap documents."""

    documentActivated = Signal(object)  # the id of the document the scholar now works in
    paneActivated = Signal(object)  # the pane now in use
    opening = Signal()  # a document is about to open (its scrolling is not reading)
    besideScan = Signal(object)  # a transcription (this pane) now lies beside its scan
    arranged = Signal(bool)  # documents opened or closed; True: remember the arrangement

    def __init__(self, model: ProjectModel, left: DocumentPane, right: DocumentPane,
                 splitter: QSplitter, pages: QStackedWidget, annotations: AnnotationsPanel,
                 documents: DocumentsPanel, dialogs: Dialogs) -> None:
        super().__init__(splitter)  # the desk lives as long as the panes' splitter
        self.model, self.left, self.right = model, left, right
        self.splitter, self.pages = splitter, pages
        self.annotations, self.documents, self.dialogs = annotations, documents, dialogs
        self.active: DocumentPane = left
        for pane in (left, right):
            pane.closeRequested.connect(self.close_pane)
        from PySide6.QtWidgets import QApplication

        QApplication.instance().focusChanged.connect(self._focus_changed)  # type: ignore[union-attr]

    @property
    def panes(self) -> tuple[DocumentPane, DocumentPane]:
        return self.left, self.right

    def other(self, pane: DocumentPane) -> DocumentPane:
        return self.right if pane is self.left else self.left

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        for pane in self.panes:
            if new is not None and (new is pane or pane.isAncestorOf(new)):
                self.activate(pane)

    def activate(self, pane: DocumentPane) -> None:
        """Work in this pane: the menus, the Pages panel and the table follow it."""
        if pane is self.active:
            return
        self.active = pane
        self.paneActivated.emit(pane)
        self._show_pages(pane)
        self.documentActivated.emit(pane.document_id)
        if pane.document_id:
            self.annotations.set_document(pane.document_id)

    # -- opening and closing ---------------------------------------------------------------

    def companion_of(self, document_id: str) -> tuple[DocumentLink, str] | None:
        """The document a text transcribes (or that transcribes a scan), if linked."""
        links: list[DocumentLink] = self.model.p.documents.links(document_id)  # type: ignore[assignment]
        docs = self.model.documents()
        for link in sorted(links, key=lambda link: link.relation != "transcription"):
            other = link.target_id if link.source_id == document_id else link.source_id
            if other in docs:
                return link, other
        return None

    def open_document(self, document_id: str, beside: bool = False,
                      remember: bool = True) -> None:
        """Open a document; a linked transcription/scan opens beside it. ``beside`` puts
        it in the other pane instead (two accounts of the same event)."""
        if document_id not in self.model.documents():
            return
        self.opening.emit()
        left, right = self.left, self.right
        if beside:
            pane = right if left.document_id else left
            if pane.document_id != document_id:
                pane.open(document_id)
            pane.show()
        else:
            pane = left
            if pane.document_id != document_id:
                pane.open(document_id)
            companion = self.companion_of(document_id)
            if companion is not None:
                if right.document_id != companion[1]:
                    right.open(companion[1])
                right.show()
                self.besideScan.emit(left if left.kind == TEXT else right)
            elif right.document_id and self.companion_of(right.document_id):
                self.close_pane(right)  # the old document's companion
        if right.isVisible() and sum(self.splitter.sizes()[1:]) == 0:
            self.splitter.setSizes([1, 1])
        self.activate(pane)
        for shown in self.panes:
            self._show_pages(shown)
        self.annotations.set_document(pane.document_id)
        self.documents.select(document_id)
        self.documentActivated.emit(pane.document_id)
        self.arranged.emit(remember)

    def open_beside_dialog(self) -> None:
        docs = list(self.model.documents().values())
        if not docs:
            return
        titles = [d.title for d in docs]
        title = self.dialogs.get_item("Open beside", "Document to open beside:", titles)
        if title is not None:
            self.open_document(docs[titles.index(title)].id, beside=True)
            self._propose_link()

    def _propose_link(self) -> None:
        """A text put beside a scan it is not linked to: ask, where the scholar is,
        whether it transcribes that scan (then reading turns the scan's pages)."""
        pair = [self.model.document(p.document_id) for p in (self.left, self.right)]
        if None in pair:
            return
        texts = [d for d in pair if d.kind == TEXT]
        scans = [d for d in pair if d.kind == PAGED]
        if len(texts) != 1 or len(scans) != 1:
            return
        text, scan = texts[0], scans[0]
        if any({link.source_id, link.target_id} == {text.id, scan.id}
               for link in self.model.p.documents.links(text.id)):
            return
        if self.dialogs.ask("Link transcription", f"Is “{text.title}” a transcription of "
                            f"“{scan.title}”? Linked, they open side by side and reading the "
                            "text turns the scan's pages."):
            self._link(text, scan)

    def _link(self, text: Document, scan: Document) -> bool:
        if self.model.do("Link transcription to its scan", self.model.p.documents.link,
                         text.id, scan.id, "transcription", {1: 0}) is None:
            return False
        self.model.message.emit(f"“{text.title}” is linked as the transcription of "
                                f"“{scan.title}”: they open side by side, and Annotate ▸ "
                                "This text starts page… aligns its pages.")
        return True

    def pane_of(self, document_id: str, open_it: bool = True) -> DocumentPane | None:
        """The pane showing a document (opening it on the left if asked)."""
        for pane in self.panes:
            if pane.document_id == document_id:
                return pane
        if not open_it or document_id not in self.model.documents():
            return None
        self.open_document(document_id)
        return self.left

    def close_pane(self, pane: DocumentPane) -> None:
        pane.close_document()
        if pane is self.left and self.right.document_id:
            self.swap_panes()
            pane = self.right
        if pane is self.right:
            self.right.close_document()
            self.right.hide()
        self.activate(self.left)
        self.arranged.emit(True)

    def close_active_pane(self) -> None:
        self.close_pane(self.active)

    def close_all(self) -> None:
        """Empty both panes (another project opened)."""
        self.left.close_document()
        self.right.close_document()
        self.right.hide()

    def swap_panes(self) -> None:
        left, right = self.left.document_id, self.right.document_id
        if not right:
            return
        self.left.open(right)
        if left:
            self.right.open(left)
        self.arranged.emit(True)

    # -- documents, from the navigator ------------------------------------------------------

    def link_documents_dialog(self, document_id: str) -> None:
        """Say that this text transcribes a scan (chosen from the paged documents)."""
        scans = [d for d in self.model.documents().values()
                 if d.kind == PAGED and d.id != document_id]
        doc = self.model.document(document_id)
        if doc is None or doc.kind != TEXT or not scans:
            self.model.failed.emit("Only a text can be linked, as transcription, to a scan.")
            return
        titles = [d.title for d in scans]
        title = self.dialogs.get_item("Link transcription", f"“{doc.title}” transcribes:", titles)
        if title is None:
            return
        if self._link(doc, scans[titles.index(title)]):
            self.open_document(document_id)

    def delete_document(self, document_id: str) -> None:
        from annotator.gui.undo import short

        doc = self.model.document(document_id)
        for pane in self.panes:
            if pane.document_id == document_id:
                self.close_pane(pane)
        self.model.do(f"Delete document “{short(doc.title if doc else '?')}”",
                      self.model.p.documents.delete, document_id)

    # -- showing a place ------------------------------------------------------------------

    def show_span(self, document_id: str, start: int, end: int) -> None:
        """Show and select a passage (a search hit, a suggestion), without tagging it."""
        pane = self.pane_of(document_id)
        if pane is None or pane.kind != TEXT:
            return
        self.activate(pane)
        pane.text_view.select_codepoints(start, end)

    def show_page(self, document_id: str, page: int) -> None:
        pane = self.pane_of(document_id)
        if pane is not None and pane.kind == PAGED:
            self.activate(pane)
            pane.scan.go_to_page(page)  # type: ignore[attr-defined]

    def zoom(self, step: int) -> None:
        pane = self.active
        if pane.kind == TEXT:
            pane.text_view.zoomIn(step)
        elif pane.kind == PAGED:
            (pane.scan.zoom_in if step > 0 else pane.scan.zoom_out)()  # type: ignore[attr-defined]

    def _show_pages(self, pane: DocumentPane) -> None:
        """The thumbnails of the scan in this pane, in the Pages panel."""
        if pane.kind != PAGED or not pane.has_scan():
            return
        try:
            widget = pane.scan.thumbnails_widget()  # type: ignore[attr-defined]
        except Exception:
            return
        if self.pages.indexOf(widget) < 0:
            self.pages.addWidget(widget)
        self.pages.setCurrentWidget(widget)
