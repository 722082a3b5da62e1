"""Status messages that do not outlive what they describe.

"Linked." or "Tagged “Georgia” as Place" speaks of one step, one document, one
selection. Every message the window shows has a timeout; this watcher also takes it
away as soon as what it spoke of changes: a step is done or undone, the scholar
works in another document or selects another annotation, or the project is closed.
It watches the status bar itself, so the controllers keep calling ``showMessage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from annotator.gui.desk import Desk
    from annotator.gui.panels.annotations_table import AnnotationsPanel
    from annotator.gui.project_model import ProjectModel
    from annotator.gui.selected_annotation import SelectedAnnotation

#: what a message speaks of: the undo step, the document in use, the selection
Context = tuple[int, object, object]


class StatusMessages(QObject):
    """Clears the status bar's message when its context changes. A message's context
    is taken when the gesture that said it is over (a gesture often says something,
    then selects what it made), and compared after each later change."""

    def __init__(self, bar: QStatusBar, model: ProjectModel, desk: Desk,
                 selected: SelectedAnnotation, annotations: AnnotationsPanel) -> None:
        super().__init__(bar)
        self.bar, self.model, self.desk, self.selected = bar, model, desk, selected
        self.about: Context | None = None  # None: no message, or one not yet settled
        bar.messageChanged.connect(self._shown)
        model.undo_stack.indexChanged.connect(lambda _i: self._later())
        model.projectClosed.connect(self.clear)
        desk.documentActivated.connect(lambda _d: self._later())
        for pane in desk.panes:
            pane.annotationClicked.connect(lambda *_: self._later())
        annotations.annotationSelected.connect(lambda _i: self._later())

    def context(self) -> Context:
        active = self.desk.active.document_id if self.desk.active is not None else None
        return self.model.undo_stack.index(), active, self.selected.id

    def clear(self) -> None:
        self.about = None
        self.bar.clearMessage()

    def _shown(self, text: str) -> None:
        self.about = None
        if text:
            QTimer.singleShot(0, self, self._settle)

    def _settle(self) -> None:
        if self.bar.currentMessage():
            self.about = self.context()

    def _later(self) -> None:
        QTimer.singleShot(0, self, self._check)

    def _check(self) -> None:
        if self.about is not None and self.context() != self.about:
            self.clear()
