"""The transcription: a read-only QPlainTextEdit with lazily painted highlights.

Offsets cross the Qt boundary here and only here: the core counts code points,
QTextDocument counts UTF-16 units, and a :class:`Utf16Map` built once per text
converts between them. Reading is read-only (keys 1–9 tag the selection, letters
open the tag finder); "edit transcription" mode makes the text editable and hands
the corrected text to the core, which re-anchors the annotations.

Qt lays out a word wider than the line in time that grows with the square of its
length (a 1M-character token: 51 s): a text holding such a token wraps anywhere.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from annotator.core.changes import OpChanges
from annotator.core.overview import LONG_SPAN, Span, long_spans, span_info, spans_between
from annotator.core.utf16 import Utf16Map
from annotator.gui.highlighter import HighlightLayer, SpanCache
from annotator.gui.project_model import ProjectModel
from annotator.gui.reading import set_for_reading

RELOAD_ABOVE = 1000  # changed annotations above which the view reloads all passages
LONG_TOKEN = 1000  # characters without a place to break a line: the text wraps anywhere
#: where Qt may break a line: white space, and between CJK ideographs, kana and hangul
_BREAKABLE = re.compile("[\\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def has_long_token(text: str, length: int = LONG_TOKEN) -> bool:
    """Whether ``text`` holds a run of about ``length`` characters (at least half of
    it) that Qt cannot break. Linear, and fast on prose: a run of ``length`` covers a
    whole aligned stretch of ``length // 2``, and a stretch with a space or a line
    end (nearly all of them) is skipped by ``str.find`` without a regex."""
    step = max(1, length // 2)
    for i in range(0, len(text) - step + 1, step):
        j = i + step
        if text.find(" ", i, j) < 0 and text.find("\n", i, j) < 0 \
                and _BREAKABLE.search(text, i, j) is None:
            return True
    return False


class TextView(QPlainTextEdit):
    tagKey = Signal(str)  # a digit pressed while reading (tag the selection)
    typeToFind = Signal(str)  # a letter pressed over a selection: find a tag by name
    annotationClicked = Signal(object)  # annotation id, or None for a click on plain text
    selectionMade = Signal()  # the mouse made a selection (sticky tag mode tags it)
    offsetChanged = Signal(int)  # first visible code point, after scrolling (page sync)
    caretMoved = Signal(int)  # caret position in code points

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.document_id: str | None = None
        self._text = ""
        self.umap = Utf16Map("")
        self.cache = SpanCache(self._fetch_window, self._fetch_long)
        self.layer = HighlightLayer(self.cache, self.umap, self._color_of)
        self.editing = False
        self.show_highlights = True
        self._press: QPoint | None = None
        self._width = 0
        set_for_reading(self)
        self._reading_flags()
        self.setAcceptDrops(False)  # files dropped here go to the window (import)
        self.setMouseTracking(True)
        self._scroll_timer = QTimer(self, singleShot=True, interval=40)
        self._scroll_timer.timeout.connect(lambda: self.offsetChanged.emit(self.top_offset()))
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._scroll_timer.start())
        self.cursorPositionChanged.connect(self._caret_moved)
        self._warm_timer = QTimer(self, singleShot=True, interval=0)
        self._warm_timer.timeout.connect(self.warm_up)
        self.setPlaceholderText("")

    # -- the document --------------------------------------------------------------------

    def set_document(self, document_id: str | None) -> None:
        """Show a text document (None: nothing). Highlights are fetched when painted."""
        self.document_id = document_id
        text = self.model.p.documents.text(document_id) if document_id else ""
        self._set_text(text)

    def _set_text(self, text: str) -> None:
        self._text = text
        self.umap = Utf16Map(text)
        self.layer.umap = self.umap
        self.cache.invalidate(long_too=True)
        self.layer.invalidate()
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere if has_long_token(text)
                             else QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def text(self) -> str:
        return self._text

    def _fetch_window(self, start: int, end: int) -> list[Span]:
        if not self.document_id or not self.model.is_open:
            return []
        return spans_between(self.model.p, self.document_id, start, end)

    def _fetch_long(self, before: int | None = None, reaching: int = 0) -> list[Span]:
        if not self.document_id or not self.model.is_open:
            return []
        return long_spans(self.model.p, self.document_id, before, reaching)

    def _color_of(self, span: Span) -> str:
        return self.model.color_for(span.tag_ids, span.color)

    def on_changes(self, changes: OpChanges) -> None:
        """Redraw what a core operation changed, if it concerns this document."""
        if not self.document_id or not self.model.is_open:
            return
        if self.document_id in changes.documents and not self.editing:
            doc = self.model.p.documents.get(self.document_id)
            if doc is None or doc.deleted:
                return  # the pane closes it
            text = self.model.p.documents.text(self.document_id)
            if text is not self._text and text != self._text:
                top = self.top_offset()
                self._set_text(text)
                self.go_to_offset(top)
                return
        repaint = bool(changes.tags)
        if changes.annotations:
            if len(changes.annotations) > RELOAD_ABOVE:
                self.cache.invalidate(long_too=True)
                repaint = True
            else:
                info = span_info(self.model.p, changes.annotations)
                mine = {i for i, (doc, _n) in info.items() if doc == self.document_id}
                if len(info) < len(changes.annotations):
                    # gone from the file (an undone creation): wherever it was, it must
                    # not stay painted
                    self.cache.invalidate(long_too=True)
                    repaint = True
                elif mine:
                    long_ids = self.cache.long_ids
                    long_too = any(info[i][1] > LONG_SPAN or i in long_ids for i in mine)
                    self.cache.invalidate(long_too=long_too)
                    repaint = True
        if repaint:
            self.layer.invalidate()
            self.viewport().update()

    # -- offsets ---------------------------------------------------------------------------

    def selection(self) -> tuple[int, int] | None:
        """The selected passage in code points, or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return (self.umap.to_codepoint(cursor.selectionStart()),
                self.umap.to_codepoint(cursor.selectionEnd()))

    def select_codepoints(self, start: int, end: int, *, scroll: bool = True) -> None:
        cursor = self.textCursor()
        cursor.setPosition(self.umap.to_utf16(start))
        cursor.setPosition(self.umap.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        if scroll:
            self.ensureCursorVisible()

    def go_to_offset(self, offset: int, *, top: bool = True) -> None:
        """Scroll so the code point ``offset`` is on screen (its line at the top if ``top``)."""
        pos16 = self.umap.to_utf16(offset)
        block = self.document().findBlock(pos16)
        if not block.isValid():
            return
        if top:
            self.blockBoundingRect(block)  # lays the block out, so its lines are known
            line = block.layout().lineForTextPosition(pos16 - block.position())
            within = line.lineNumber() if line.isValid() else 0
            self.verticalScrollBar().setValue(block.firstLineNumber() + within)
        cursor = self.textCursor()
        cursor.setPosition(pos16)
        self.setTextCursor(cursor)
        if not top:
            self.ensureCursorVisible()

    def top_offset(self) -> int:
        """The code point at the top of the viewport (what the reader is reading)."""
        block = self.firstVisibleBlock()
        return self.umap.to_codepoint(block.position()) if block.isValid() else 0

    def reading_offset(self) -> int:
        """The code point a quarter down the viewport: where the eye is, for page sync
        (the top block may have started on the previous page)."""
        bar = self.verticalScrollBar()
        at_end = bar.maximum() > 0 and bar.value() >= bar.maximum()
        height = self.viewport().height()
        point = QPoint(self.viewport().width() // 2, height - 4 if at_end else height // 4)
        return self.umap.to_codepoint(self.cursorForPosition(point).position())

    def visible_range(self) -> tuple[int, int]:
        start = self.cursorForPosition(QPoint(0, 0)).position()
        vp = self.viewport().rect()
        end = self.cursorForPosition(QPoint(vp.right(), vp.bottom())).position()
        return self.umap.to_codepoint(start), self.umap.to_codepoint(end)

    def _caret_moved(self) -> None:
        self.caretMoved.emit(self.umap.to_codepoint(self.textCursor().position()))

    def select_annotation(self, annotation_id: str | None) -> None:
        if self.layer.selected != annotation_id:
            self.layer.selected = annotation_id
            self.viewport().update()

    def spans_at(self, point: QPoint) -> list[Span]:
        """Passages under a viewport point, shortest (innermost) first."""
        found = []
        for block, origin in self._visible_blocks():
            for piece in self.layer.block_rects(block):
                if piece.rect.translated(origin).contains(QPointF(point)):
                    found.append(piece.span)
        found.sort(key=lambda s: s.end - s.start)
        return list({s.id: s for s in found}.values())

    # -- editing mode ---------------------------------------------------------------------

    def _reading_flags(self) -> None:
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)

    def set_editing(self, on: bool) -> None:
        """Make the transcription editable (highlights hide: their offsets would lie)."""
        self.editing = on
        self.setReadOnly(not on)
        if on:
            self.document().setUndoRedoEnabled(True)
            self.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        else:
            self.document().setUndoRedoEnabled(False)
            self._reading_flags()
        self.viewport().update()

    def edited_text(self) -> str:
        """The text being edited, as the core stores it (LF line ends, no-break spaces kept)."""
        return self.document().toRawText().replace("\u2029", "\n")

    def cancel_editing(self) -> None:
        self.set_editing(False)
        top = self.top_offset()
        self._set_text(self._text)
        self.go_to_offset(top)

    # -- painting ---------------------------------------------------------------------------

    def _visible_blocks(self) -> list:
        out = []
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        height = self.viewport().height()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > height:
                break
            if block.isVisible() and block.layout() is not None:
                out.append((block, geometry.topLeft() + block.layout().position()))
            block = block.next()
        return out

    def _range_of(self, blocks: list) -> tuple[int, int]:
        """The code points from the first to the end of the last of ``blocks``."""
        last = blocks[-1][0]
        return (self.umap.to_codepoint(blocks[0][0].position()),
                self.umap.to_codepoint(last.position() + last.length()))

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.show_highlights and not self.editing and self.document_id:
            painter = QPainter(self.viewport())
            painter.setClipRect(event.rect())
            dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
            blocks = self._visible_blocks()
            if blocks:  # one query for what is on screen (after a jump: just that)
                self.cache.prepare(*self.visible_range())
            self.layer.paint(painter, blocks, dark)
            painter.end()
            self._warm_timer.start()
        super().paintEvent(event)

    def warm_up(self) -> None:
        """In idle time after a paint, list the long passages (once per document) and lay
        out and measure the highlights of a screenful above and below, so scrolling
        there paints from the cache."""
        if not self.document_id or self.editing or not self.show_highlights:
            return
        if not self.cache.has_long_list and self.cache.long_spans():
            self.layer.invalidate()  # a long passage may cover what is on screen
            self.viewport().update()
        height = self.viewport().height()
        first = self.firstVisibleBlock()
        if not first.isValid():
            return
        blocks = self._visible_blocks()
        if blocks:
            self.cache.widen(*self._range_of(blocks))
        for step in (1, -1):
            block, extent = first, 0.0
            while block.isValid() and extent < 2.2 * height:
                extent += self.blockBoundingRect(block).height()  # lays the block out
                self.layer.block_rects(block)
                block = block.next() if step > 0 else block.previous()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.viewport().width() != self._width:
            self._width = self.viewport().width()
            self.layer.invalidate()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.layer.invalidate()

    # -- gestures -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.editing:
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            text = event.text()
            if mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
                if len(text) == 1 and text in "123456789":
                    self.tagKey.emit(text)
                    return
                if len(text) == 1 and text.isalpha() and self.textCursor().hasSelection():
                    self.typeToFind.emit(text)
                    return
                if event.key() == Qt.Key.Key_Escape:
                    cursor = self.textCursor()
                    cursor.clearSelection()
                    self.setTextCursor(cursor)
                    self.annotationClicked.emit(None)
                    return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self.editing or event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position().toPoint()
        if self.textCursor().hasSelection():
            self.selectionMade.emit()
        elif self._press is not None and (point - self._press).manhattanLength() < 4:
            spans = self.spans_at(point)
            self.annotationClicked.emit(spans[0].id if spans else None)
        self._press = None

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.editing:
            spans = self.spans_at(event.pos())  # type: ignore[attr-defined]
            if spans:
                QToolTip.showText(event.globalPos(), self.tooltip_for(spans),  # type: ignore[attr-defined]
                                  self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_for(self, spans: list[Span]) -> str:
        """Tags, entity, note and author of the passages under the pointer."""
        parts = []
        for span in spans[:4]:
            ann = self.model.p.annotations.get(span.id)
            if ann is None:
                continue
            tags = ", ".join(
                f"<span style='color:{QColor(self.model.color_for([t])).darker(150).name()}'>"
                f"■</span> {html.escape(self.model.tag_path(t))}" for t in ann.tag_ids)
            lines = [f"<b>{tags or '(no tag)'}</b>"]
            entity = self.model.entity(ann.entity_id)
            if entity is not None:
                lines.append(f"Entity: {html.escape(entity.name)}")
            if ann.date_value:
                lines.append(f"Date: {html.escape(ann.date_value)}")
            if ann.note:
                note = ann.note if len(ann.note) < 200 else ann.note[:199] + "…"
                lines.append(f"<i>{html.escape(note)}</i>")
            lines.append(f"<span style='color:gray'>{html.escape(self.model.author_name(ann.author_id))}"
                         f", {ann.modified_at[:10]}</span>")
            if ann.anchor_state != "ok":
                lines.append(f"<span style='color:#d32f2f'>Anchor: {ann.anchor_state}</span>")
            parts.append("<br>".join(lines))
        return "<hr>".join(parts)
