"""The window's first glance at a project: the text it opens on, highlighted, shown
in the frame before the workbench is built (core/glance.py reads it).

Building the panes, panels, controllers and menus and opening the project for work
takes most of a second; a bare viewer shows a text in a fifth of that. So the frame's
first paint already shows the top of the text the workbench will open on, set as the
text view sets it, with its passages' colours; :meth:`MainWindow.build` then puts the
workbench in its place. The glance is only looked at: it takes no input.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMainWindow, QPlainTextEdit, QTextEdit

from annotator.core.glance import Glance, read_glance
from annotator.core.utf16 import Utf16Map
from annotator.gui import settings
from annotator.gui.reading import HIGHLIGHT_ALPHA, set_for_reading


def show_glance(window: QMainWindow, path: str | Path | None) -> Glance | None:
    """Put the glance at ``path`` in the window's centre (before it is shown), or
    nothing if there is none to show (a scan, an empty project, an unreadable file)."""
    if path is None:
        return None
    glance = read_glance(path, settings.left_open(path))
    if glance is None:
        return None
    view = QPlainTextEdit()
    view.setObjectName("firstGlance")
    set_for_reading(view)
    # read-only, selectable, nothing more; no Qt.* flags: creating that namespace's enums
    # costs ~30 ms, a sixth of the time this glance has
    view.setPlainText(glance.text)
    view.setExtraSelections(_highlights(view, glance))
    window.setCentralWidget(view)
    if glance.project_title:
        window.setWindowTitle(f"{glance.project_title} — annotator")
    return glance


def _highlights(view: QPlainTextEdit, glance: Glance) -> list[QTextEdit.ExtraSelection]:
    units = Utf16Map(glance.text).to_utf16  # Qt counts astral characters twice
    formats: dict[str, QTextCharFormat] = {}
    out = []
    document = view.document()
    for start, end, color in glance.passages:
        fmt = formats.get(color)
        if fmt is None:
            fill = QColor(color)
            fill.setAlpha(HIGHLIGHT_ALPHA)
            fmt = formats[color] = QTextCharFormat()
            fmt.setBackground(fill)
        cursor = QTextCursor(document)
        cursor.setPosition(units(start))
        cursor.setPosition(units(end), QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor  # type: ignore[attr-defined]
        selection.format = fmt  # type: ignore[attr-defined]
        out.append(selection)
    return out
