"""One side of the workbench: a document's header bar over its view (text or scan).

Two panes sit in a splitter, so a transcription can be read beside its scan, or two
accounts of one event beside each other. The scan view is written separately
(scan_view.py) and imported on first use only: it brings PyMuPDF, which must not slow
down start-up. Until it exists, a placeholder with the same interface stands in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.changes import OpChanges
from annotator.core.model import DocumentKind, RegionSelector
from annotator.gui.project_model import ProjectModel
from annotator.gui.text_view import TextView


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of widening the pane."""

    def __init__(self, parent: QWidget | None = None, objectName: str = "") -> None:
        super().__init__(parent, objectName=objectName)
        self._full = ""
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        super().setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight,
                                           max(10, self.width())))


class ScanPlaceholder(QWidget):
    """Stands in for ScanView while it is unavailable: same signals and methods, and it
    remembers the page it was asked to show, so page sync still works."""

    pageChanged = Signal(int)
    regionDrawn = Signal(object)
    textSelected = Signal(object)
    annotationClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._page, self._pages, self._title = 1, 0, ""
        self._label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self._label.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.addWidget(self._label)
        self._show()

    def _show(self) -> None:
        self._label.setText(f"<b>{self._title}</b><br>Page {self._page} of {self._pages}<br>"
                            "<small>(the scan viewer is not installed)</small>")

    def set_document(self, project, document_id: str | None) -> None:
        doc = project.documents.get(document_id) if document_id else None
        self._pages = doc.page_count if doc else 0
        self._title = doc.title if doc else ""
        self._page = 1
        self._show()

    def set_annotations(self, annotations: list, colors: dict[str, str]) -> None:
        pass

    def select_annotation(self, annotation_id: str | None) -> None:
        pass

    def go_to_page(self, number: int) -> None:
        number = max(1, min(number, self._pages or 1))
        if number != self._page:
            self._page = number
            self._show()
            self.pageChanged.emit(number)

    def current_page(self) -> int:
        return self._page

    def set_mode(self, mode: str) -> None:
        pass

    def fit_width(self) -> None:
        pass

    def fit_page(self) -> None:
        pass

    def zoom_in(self) -> None:
        pass

    def zoom_out(self) -> None:
        pass

    def thumbnails_widget(self) -> QWidget:
        return QWidget()


def make_scan_view(parent: QWidget | None = None) -> QWidget:
    """The real scan view if it is there, else the placeholder."""
    try:
        from annotator.gui.scan_view import ScanView
    except ImportError:
        return ScanPlaceholder(parent)
    return ScanView(parent)


class DocumentPane(QWidget):
    """A header (title, what it is, actions) over a text view or a scan view."""

    activated = Signal(object)  # this pane, when the user works in it
    closeRequested = Signal(object)
    annotationClicked = Signal(object, object)  # pane, annotation id or None
    regionDrawn = Signal(object, object)  # pane, RegionSelector
    pageChanged = Signal(object, int)  # pane, page now shown on the scan
    editRequested = Signal(object)  # the "Edit text" button

    def __init__(self, model: ProjectModel, side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.side = model, side
        self.document_id: str | None = None
        self.kind: DocumentKind | None = None
        self.pending_region: RegionSelector | None = None
        self.selected_annotation: str | None = None
        self._scan: QWidget | None = None

        self.title = ElidedLabel(objectName="paneTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle = ElidedLabel(objectName="paneSubtitle")
        self.tools = QHBoxLayout()
        self.tools.setSpacing(2)
        close = QToolButton(text="✕", autoRaise=True, toolTip="Close this document (Ctrl+W)")
        close.clicked.connect(lambda: self.closeRequested.emit(self))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(close)
        second = QHBoxLayout()
        second.addWidget(self.subtitle, 1)
        second.addLayout(self.tools)
        self._build_tools()
        header = QVBoxLayout()
        header.setContentsMargins(8, 3, 4, 2)
        header.setSpacing(0)
        header.addLayout(top)
        header.addLayout(second)
        self.header = QWidget(objectName="paneHeader")
        self.header.setLayout(header)

        self.banner = QWidget(objectName="editBanner")
        banner = QHBoxLayout(self.banner)
        banner.setContentsMargins(8, 3, 8, 3)
        banner.addWidget(QLabel("Editing the transcription: highlights are re-anchored "
                                "when you finish.", wordWrap=True), 1)
        self.done_button = QPushButton("Finish editing")
        self.cancel_button = QPushButton("Discard changes")
        banner.addWidget(self.done_button)
        banner.addWidget(self.cancel_button)
        self.banner.hide()

        self.text_view = TextView(model)
        self.text_view.annotationClicked.connect(lambda i: self.annotationClicked.emit(self, i))
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True,
                            objectName="emptyState")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.text_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self.header.hide()
        self.set_empty_text("")

    def _build_tools(self) -> None:
        """"Edit text" for a transcription; mode, fit and zoom buttons for a scan."""
        self.edit_button = QToolButton(text="Edit text", checkable=True, autoRaise=True,
                                       toolTip="Correct the transcription (Ctrl+E); "
                                               "annotations are re-anchored when you finish")
        self.edit_button.clicked.connect(lambda: self.editRequested.emit(self))
        self.tools.addWidget(self.edit_button)
        self.mode_buttons: dict[str, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for mode, label, tip in (
                ("pan", "Pan", "Drag to move around the page (Shift+drag draws a region)"),
                ("region", "Region", "Drag a rectangle to annotate it"),
                ("text", "Text", "Select words on the page's text layer")):
            button = QToolButton(text=label, checkable=True, autoRaise=True, toolTip=tip)
            button.clicked.connect(lambda _c=False, m=mode: self.set_scan_mode(m))
            group.addButton(button)
            self.mode_buttons[mode] = button
            self.tools.addWidget(button)
        self.mode_buttons["pan"].setChecked(True)
        self._mode_group = group
        self.scan_buttons = list(self.mode_buttons.values())
        for label, tip, slot in (("Fit width", "Fit the page width to the pane",
                                  lambda: self.scan.fit_width()),
                                 ("Fit page", "Show the whole page", lambda: self.scan.fit_page()),
                                 ("−", "Zoom out", lambda: self.scan.zoom_out()),
                                 ("+", "Zoom in", lambda: self.scan.zoom_in())):
            button = QToolButton(text=label, autoRaise=True, toolTip=tip)
            button.clicked.connect(slot)
            self.tools.addWidget(button)
            self.scan_buttons.append(button)

    def set_scan_mode(self, mode: str) -> None:
        self.scan.set_mode(mode)  # type: ignore[attr-defined]
        self.mode_buttons[mode].setChecked(True)

    def _show_tools(self) -> None:
        paged = self.kind == DocumentKind.PAGED
        self.edit_button.setVisible(self.kind == DocumentKind.TEXT)
        self.edit_button.setChecked(self.text_view.editing)
        for button in self.scan_buttons:
            button.setVisible(paged)
        if paged and self.document_id:
            has_text = any(page.text.strip()
                           for page in self.model.p.documents.pages(self.document_id))
            self.mode_buttons["text"].setEnabled(has_text)
            if not has_text:
                self.mode_buttons["text"].setToolTip("This scan has no text layer")

    # -- what is shown ---------------------------------------------------------------------

    def set_empty_text(self, html: str) -> None:
        self.empty.setText(html)

    @property
    def scan(self) -> QWidget:
        """The scan view, created (and PyMuPDF imported) on first use."""
        if self._scan is None:
            self._scan = make_scan_view(self)
            self.stack.addWidget(self._scan)
            self._scan.pageChanged.connect(self._page_changed)  # type: ignore[attr-defined]
            self._scan.regionDrawn.connect(self._region)  # type: ignore[attr-defined]
            self._scan.textSelected.connect(self._region)  # type: ignore[attr-defined]
            self._scan.annotationClicked.connect(self._scan_clicked)  # type: ignore[attr-defined]
        return self._scan

    def has_scan(self) -> bool:
        return self._scan is not None

    def _page_changed(self, page: int) -> None:
        self._update_subtitle()
        self.pageChanged.emit(self, page)

    def _region(self, region: RegionSelector) -> None:
        """A region drawn: the newest gesture, so it (not a region clicked before) is
        what a tag key or Ctrl+L acts on."""
        self.pending_region = region
        self.activated.emit(self)
        self.regionDrawn.emit(self, region)

    def _scan_clicked(self, annotation_id: str) -> None:
        """A click on the scan (or Escape): the region drawn before is let go; a click
        on bare scan ("") selects nothing."""
        self.pending_region = None
        self.annotationClicked.emit(self, annotation_id or None)

    def take_region(self) -> RegionSelector | None:
        """The drawn region, now being saved: forgotten here, its dashed outline gone."""
        region, self.pending_region = self.pending_region, None
        if self._scan is not None:
            self._scan.clear_selection()  # type: ignore[attr-defined]
        return region

    def open(self, document_id: str) -> None:
        doc = self.model.document(document_id) or self.model.p.documents.get(document_id)
        if doc is None:
            return
        if self.text_view.editing:
            self.text_view.cancel_editing()
            self.banner.hide()
        self.document_id, self.kind = doc.id, doc.kind
        self.pending_region = None
        self.selected_annotation = None
        if doc.kind == DocumentKind.TEXT:
            self.text_view.set_document(doc.id)
            self.stack.setCurrentWidget(self.text_view)
        else:
            self.text_view.set_document(None)
            scan = self.scan
            scan.set_document(self.model.p, doc.id)  # type: ignore[attr-defined]
            self.refresh_regions()
            self.stack.setCurrentWidget(scan)
        self.header.show()
        self._show_tools()
        self._update_header()

    def close_document(self) -> None:
        if self.text_view.editing:
            self.text_view.cancel_editing()
            self.banner.hide()
        self.document_id = self.kind = None
        self.text_view.set_document(None)
        if self._scan is not None:
            self._scan.set_document(self.model.p if self.model.is_open else None, None)  # type: ignore[attr-defined]
        self.stack.setCurrentWidget(self.empty)
        self.header.hide()

    def _update_header(self) -> None:
        doc = self.model.document(self.document_id)
        if doc is None:
            return
        self.title.setText(doc.title)
        self.title.setToolTip(f"{doc.title}\n{doc.filename}")
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        doc = self.model.document(self.document_id)
        if doc is None:
            return
        bits = []
        if doc.kind == DocumentKind.PAGED:
            page = self._scan.current_page() if self._scan is not None else 1  # type: ignore[attr-defined]
            bits.append(f"page {page} of {doc.page_count}")
        else:
            bits.append("transcription" if self.model.p.documents.links(doc.id) else "text")
            bits.append(f"{len(self.text_view.text()):,} characters")
        for key in ("date", "creator", "archive", "shelfmark"):
            if doc.metadata.get(key):
                bits.append(str(doc.metadata[key]))
        if "generated" in (doc.metadata.get("title", "") + doc.title).lower():
            bits.append("generated facsimile")
        self.subtitle.setText(" · ".join(bits))

    # -- selection --------------------------------------------------------------------------

    def text_selection(self) -> tuple[int, int] | None:
        if self.kind == DocumentKind.TEXT and not self.text_view.editing:
            sel = self.text_view.selection()
            if sel and sel[1] > sel[0]:
                return sel
        return None

    def select_annotation(self, annotation_id: str | None, *, reveal: bool = True) -> None:
        """Mark an annotation as selected here, scrolling to it if it belongs here."""
        self.selected_annotation = annotation_id
        ann = self.model.p.annotations.get(annotation_id) if annotation_id else None
        mine = ann is not None and ann.document_id == self.document_id
        if self.kind == DocumentKind.TEXT:
            self.text_view.select_annotation(annotation_id if mine else None)
            if mine and reveal and ann.text is not None:  # type: ignore[union-attr]
                tv = self.text_view
                start, end = ann.text.start, ann.text.end  # type: ignore[union-attr]
                vis = tv.visible_range()
                if not (vis[0] <= start and end <= vis[1]):
                    tv.go_to_offset(max(0, start - 200), top=True)
                    tv.go_to_offset(start, top=False)
        elif self._scan is not None:
            self._scan.select_annotation(annotation_id if mine else None)  # type: ignore[attr-defined]
            if mine and reveal and ann.region is not None:  # type: ignore[union-attr]
                self._scan.go_to_page(ann.region.page)  # type: ignore[attr-defined,union-attr]

    def refresh_regions(self) -> None:
        """Give the scan view its region annotations and their colours."""
        if self._scan is None or self.kind != DocumentKind.PAGED or not self.document_id:
            return
        anns = [a for a in self.model.p.annotations.for_document(self.document_id)
                if a.region is not None]
        colors = {a.id: self.model.color_for(a.tag_ids, a.color) for a in anns}
        self._scan.set_annotations(anns, colors)  # type: ignore[attr-defined]

    def on_changes(self, changes: OpChanges) -> None:
        if not self.document_id:
            return
        mine = self.document_id in changes.documents
        if mine and self.model.document(self.document_id) is None:
            self.closeRequested.emit(self)
            return
        if self.kind == DocumentKind.TEXT:
            self.text_view.on_changes(changes)
        elif changes.annotations or changes.tags:
            self.refresh_regions()
        if mine:  # after the view took the new text: the count is of what it shows
            self._update_header()

