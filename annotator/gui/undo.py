"""Qt's undo stack over the core's change journal: one generic step for every action.

Every edit is one core call run by :meth:`ProjectModel.do` inside one journaled
transaction; the change set it records is what this step undoes and redoes. So a new
feature needs no undo command of its own, and what the workbench undoes is exactly
what `annotator undo` would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeySequence, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent

    from annotator.gui.project_model import ProjectModel

#: the widgets that would take Ctrl+Z for their own text
FIELDS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)


def short(text: str, limit: int = 40) -> str:
    """A quote as it fits in a menu entry."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class JournalStep(QUndoCommand):
    """One change set of the journal on the undo stack. The action already ran when it
    is pushed (QUndoStack.push calls redo: the first call does nothing)."""

    #: every step shares one id, so QUndoStack asks :meth:`mergeWith`: successive
    #: actions the core folded into one change set (typing a note) are one step here too
    STEP_ID = 4242

    def __init__(self, model: ProjectModel, changeset_id: int, label: str) -> None:
        super().__init__(label)
        self.m = model
        self.changeset_id = changeset_id
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self.m.replay(self.changeset_id, backwards=False)

    def undo(self) -> None:
        self.m.replay(self.changeset_id, backwards=True)

    def id(self) -> int:
        return self.STEP_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        return isinstance(other, JournalStep) and other.changeset_id == self.changeset_id


class UndoKeys(QObject):
    """Ctrl+Z and the Redo keys undo the project's last step wherever the focus is in
    the window, as Edit ▸ Undo says. A line or text field would take them for its own
    text undo (and, with nothing of its own to undo, do nothing): in a field the key
    first saves what was typed (``commit``: the inspector's note and date), which thus
    becomes the step undone. A transcription being corrected keeps its own text undo
    until Finish editing."""

    def __init__(self, window: QWidget, commit: Callable[[], object]) -> None:
        super().__init__(window)
        self.window, self.commit = window, commit
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(obj, FIELDS):
            return False
        if getattr(obj, "editing", False) or obj.window() is not self.window:
            return False
        key = cast("QKeyEvent", event)
        if not (key.matches(QKeySequence.StandardKey.Undo)
                or key.matches(QKeySequence.StandardKey.Redo)
                or key.keyCombination() == QKeyCombination(
                    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
                    Qt.Key.Key_Z)):
            return False
        self.commit()
        event.ignore()  # not the field's: the window's Undo/Redo action takes the key
        return True
