"""A transcription and its aligned scan, word by word, under the pointer (issue 10,
part 3): a region drawn on the scan shows the passage of the transcription it covers
(marked in the text, quoted in the status bar) and Annotate ▸ Region to text
annotation makes it a text annotation; hovering a word on either side marks it on the
other; a word that has no counterpart is shown as such (dashed red on the scan, a red
wave in the text, and said in the status bar), never guessed.

The passage marks in the text are the text view's extra selections (its highlights
are painted by its own layer, so they are free for this).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit

from annotator.gui.lazy import LazyModule

if TYPE_CHECKING:
    from annotator.core.model import Annotation, RegionSelector
    from annotator.gui.document_pane import DocumentPane
    from annotator.gui.page_sync import PageSync
    from annotator.gui.project_model import ProjectModel

core_alignment = LazyModule("annotator.core.word_alignment")
TEXT, PAGED = "text", "paged"
#: the key of Annotate ▸ Region to text annotation
REGION_TO_TEXT_KEY = "Ctrl+Shift+T"


def region_in_text(model: ProjectModel, ann: Annotation) -> list[str]:
    """For the inspector: where in its transcriptions a region annotation's words are
    ("in “Letter”: “…”"), as HTML; [] when the scan is aligned with none."""
    region = ann.region
    if region is None or not model.is_open:
        return []
    p = model.p
    out = []
    for found in core_alignment.in_text(p, ann.document_id, region.page, region.x,
                                        region.y, region.w, region.h):
        doc = model.document(found["document"])
        quote = p.documents.text(found["document"])[found["start"]:found["end"]]
        quote = quote if len(quote) <= 120 else quote[:119] + "…"
        out.append(f"in “{html.escape(doc.title if doc else '?')}”: "
                   f"“{html.escape(' '.join(quote.split()))}”")
    return out


def _mark(view, spans: list[tuple[int, int, str]]) -> None:
    """Mark passages of a text view: (start, end, "passage" | "word" | "unaligned")."""
    marks = []
    for start, end, kind in spans:
        cursor = QTextCursor(view.document())
        cursor.setPosition(view.umap.to_utf16(start))
        cursor.setPosition(view.umap.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        if kind == "unaligned":
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor("#d32f2f"))
        else:
            fmt.setBackground(QColor(30, 99, 200, 45 if kind == "passage" else 70))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QColor("#1e63c8"))
        selection = QTextEdit.ExtraSelection()
        selection.cursor, selection.format = cursor, fmt
        marks.append(selection)
    view.setExtraSelections(marks)


def _word_around(text: str, offset: int) -> tuple[int, int] | None:
    """The word (letters and digits) at ``offset``, or just before it."""
    if not (0 <= offset < len(text) and text[offset].isalnum()):
        offset -= 1
        if not (0 <= offset < len(text) and text[offset].isalnum()):
            return None
    start = end = offset
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


class ScanPassages(QObject):
    """Regions, hovering and unaligned words between a transcription and its scan."""

    def __init__(self, sync: PageSync) -> None:
        super().__init__(sync)
        self.sync, self.model, self.desk, self.status = sync, sync.model, sync.desk, sync.status
        self._hovered: object = None  # what is marked for the pointer now
        self._passage: dict[int, tuple[int, int]] = {}  # id(text view) -> region's passage
        self._wired: set[int] = set()
        self._views = {}
        for pane in self.desk.panes:
            pane.regionDrawn.connect(self.region_drawn)
            pane.annotationClicked.connect(lambda p, _i: self._let_go(p))
            viewport = pane.text_view.viewport()
            viewport.installEventFilter(self)
            self._views[viewport] = pane

    def _show(self, view, hovered: list[tuple[int, int, str]]) -> None:
        """The marks of a text view: the passage of the region drawn, and what the
        pointer is on."""
        passage = self._passage.get(id(view))
        _mark(view, ([(*passage, "passage")] if passage else []) + hovered)

    def _let_go(self, scan_pane: DocumentPane) -> None:
        """A click on the scan let the drawn region go: its passage is unmarked."""
        if scan_pane.kind == PAGED:
            view = self.desk.other(scan_pane).text_view
            if self._passage.pop(id(view), None) is not None:
                self._show(view, [])

    def wire(self, scan_pane: DocumentPane) -> None:
        scan = scan_pane.scan
        if id(scan) in self._wired or not hasattr(scan, "pointHovered"):
            return
        self._wired.add(id(scan))
        scan.pointHovered.connect(  # type: ignore[attr-defined]
            lambda page, x, y, p=scan_pane: self.scan_hovered(p, page, x, y))

    # -- a region drawn ------------------------------------------------------------------

    def region_drawn(self, pane: DocumentPane, region: RegionSelector) -> None:
        """Mark in the transcription the passage the region's words are, and say it."""
        text_pane = self.desk.other(pane)
        aligned = self.sync.aligned(text_pane) if pane.kind == PAGED else None
        if aligned is None:
            return
        x1, y1 = region.x + region.w, region.y + region.h
        span = aligned.span(region.page, region.x, region.y, x1, y1)
        view = text_pane.text_view
        self._passage.pop(id(view), None)
        if span is None:
            self._show(view, [])
            self.status.showMessage(f"The region on page {region.page} covers no word "
                                    "aligned with the transcription.", 8000)
            return
        start, end = self._passage[id(view)] = span
        self._show(view, [])
        if not view.visible_range()[0] <= start <= view.visible_range()[1]:
            self.sync.hold()  # the text moves to the region, not the scan to the text
            block = view.document().findBlock(view.umap.to_utf16(start))
            view.blockBoundingRect(block)
            line = block.layout().lineForTextPosition(view.umap.to_utf16(start)
                                                      - block.position())
            view.verticalScrollBar().setValue(
                max(0, block.firstLineNumber() + (line.lineNumber() if line.isValid() else 0)
                    - 2))
        quote = " ".join(view.text()[start:end].split())
        quote = quote if len(quote) <= 70 else quote[:69] + "…"
        self.status.showMessage(
            f"Region on page {region.page} is “{quote}” in the transcription: "
            f"{REGION_TO_TEXT_KEY} annotates it there, a tag's key (1–9) tags the region.",
            10000)

    def region_to_text(self) -> None:
        """Annotate ▸ Region to text annotation: the region drawn (or the region
        annotation selected) on the scan becomes a text annotation of the passage of the
        transcription its words are, selected, ready for a tag's key."""
        from annotator.gui.undo import short

        active = self.desk.active
        scan_pane = active if active.kind == PAGED else self.desk.other(active)
        region = scan_pane.pending_region if scan_pane.kind == PAGED else None
        source = None
        if scan_pane.kind == PAGED and region is None and scan_pane.selected_annotation:
            ann = self.model.p.annotations.get(scan_pane.selected_annotation)
            if ann is not None and ann.region is not None \
                    and ann.document_id == scan_pane.document_id:
                source = ann.id
        if region is None and source is None:
            self.status.showMessage("Draw a region on a scan (or select one) beside its "
                                    "aligned transcription first.", 6000)
            return
        result = self.model.do("Annotate the transcription where the region is",
                               core_alignment.annotate_region_text, self.model.p,
                               scan_pane.document_id, region=region, annotation_id=source)
        if result is None:
            return
        if region is not None:
            scan_pane.take_region()
        self._let_go(scan_pane)
        # selected everywhere (and shown in the text) as a click on it would
        scan_pane.annotationClicked.emit(scan_pane, result.value.id)
        self.status.showMessage(f"“{short(result.value.quote, 50)}” annotated in the "
                                "transcription: press a tag's key to tag it.", 8000)

    # -- hovering ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        pane = self._views.get(watched)
        if pane is not None:
            kind = event.type()
            if kind == QEvent.Type.MouseMove and event.buttons() == Qt.MouseButton.NoButton:  # type: ignore[attr-defined]
                view = pane.text_view
                position = view.cursorForPosition(event.position().toPoint()).position()  # type: ignore[attr-defined]
                self.text_hovered(pane, view.umap.to_codepoint(position))
            elif kind == QEvent.Type.Leave:
                self.text_hovered(pane, None)
        return False

    def text_hovered(self, pane: DocumentPane, offset: int | None) -> None:
        """A word of the transcription under the pointer: outlined on the scan, or, when
        it has no place there, waved red and said."""
        aligned = self.sync.aligned(pane) if self.model.is_open else None
        if aligned is None or pane.text_view.editing:
            return
        text = pane.text_view.text()
        word = _word_around(text, offset) if offset is not None else None
        if word == self._hovered:
            return
        self._hovered = word
        scan = self.desk.other(pane).scan
        if word is None:
            scan.hover_word(None, None)  # type: ignore[attr-defined]
            self._show(pane.text_view, [])
            return
        links = aligned.within(*word)
        if links:
            scan.hover_word(links[0].page, aligned.box_of(links[0]))  # type: ignore[attr-defined]
            self._show(pane.text_view, [])
            return
        scan.hover_word(None, None)  # type: ignore[attr-defined]
        self._show(pane.text_view, [(*word, "unaligned")])
        self.status.showMessage(f"“{text[word[0]:word[1]]}” is not aligned with the scan.",
                                3000)

    def scan_hovered(self, scan_pane: DocumentPane, page: int, x: float, y: float) -> None:
        """A word of the scan under the pointer: marked in the transcription, or, when it
        has no place there, outlined dashed red and said."""
        text_pane = self.desk.other(scan_pane)
        aligned = self.sync.aligned(text_pane) if self.model.is_open else None
        if aligned is None:
            return
        index = aligned.word_at(page, x, y) if page else None
        key = (page, index) if index is not None else None
        if key == self._hovered:
            return
        self._hovered = key
        scan = scan_pane.scan
        if index is None:
            scan.hover_word(None, None)  # type: ignore[attr-defined]
            self._show(text_pane.text_view, [])
            return
        word = aligned.words(page)[index]
        links = aligned.by_word.get((page, index))
        if links:
            scan.hover_word(None, None)  # type: ignore[attr-defined]
            self._show(text_pane.text_view, [(links[0].start, links[-1].end, "word")])
            return
        scan.hover_word(page, word, aligned=False)  # type: ignore[attr-defined]
        self._show(text_pane.text_view, [])
        self.status.showMessage(f"“{word[4]}” is not aligned with the transcription.", 3000)
