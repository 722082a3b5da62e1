"""How a text is set for reading: one place, so the window's first glance at a
project (first_glance.py) and the text view it gives way to set it alike."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit

#: Room around the text (px), as in a printed page's margin.
TEXT_MARGIN = 14


def set_for_reading(edit: QPlainTextEdit) -> None:
    """Read-only, wrapped at the widget's width, a slightly larger font than the
    interface's (a transcription is read for hours), margins, no undo history."""
    edit.setReadOnly(True)
    edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    edit.setCenterOnScroll(False)
    font = QFont(edit.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.5) * 1.12)
    edit.setFont(font)
    edit.document().setDocumentMargin(TEXT_MARGIN)
    edit.document().setUndoRedoEnabled(False)

#: Opacity (0-255) of a passage's fill over the text; dark themes take a little more.
HIGHLIGHT_ALPHA = 95
