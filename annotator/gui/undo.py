"""Qt's undo stack over the core's change journal: one generic step for every action.

Every edit is one core call run by :meth:`ProjectModel.do` inside one journaled
transaction; the change set it records is what this step undoes and redoes. So a new
feature needs no undo command of its own, and what the workbench undoes is exactly
what `annotator undo` would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from annotator.gui.project_model import ProjectModel


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
