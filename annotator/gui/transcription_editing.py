"""Correcting a transcription (Ctrl+E, or the pane's "Edit text"): the text becomes
editable, "Finish editing" saves it in one step and the core re-anchors every
annotation on the corrected text; the status bar says how many kept their place,
moved, or could not be found (kept, for review). Undo is the journal's: the old text
and every annotation exactly as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from annotator.core.anchoring import Anchor
    from annotator.gui.desk import Desk
    from annotator.gui.document_pane import DocumentPane
    from annotator.gui.project_model import ProjectModel

TEXT = "text"


def reanchoring_summary(anchors: dict[str, Anchor]) -> str:
    """What correcting the text did to its annotations, in one line."""
    states = [str(a.state) for a in anchors.values()]
    moved, lost = states.count("moved"), states.count("orphaned")
    kept = len(states) - moved - lost
    parts = [f"{kept} annotation(s) in place"]
    if moved:
        parts.append(f"{moved} moved with their words")
    if lost:
        parts.append(f"{lost} not found (kept, marked for review)")
    return "Transcription saved: " + ", ".join(parts) + "."


class TranscriptionEditing(QObject):
    """Edit mode of the panes' texts, and saving the correction."""

    editingChanged = Signal()  # a pane went into or out of edit mode
    reviewRequested = Signal(str)  # show what the correction moved or lost (document id)

    def __init__(self, model: ProjectModel, desk: Desk, status: QStatusBar) -> None:
        super().__init__(desk)
        self.model, self.desk, self.status = model, desk, status
        # offered beside the summary while it is shown; gone with the next message
        self.review_button = QPushButton("Review…", flat=True)
        self.review_button.hide()
        self.review_button.clicked.connect(self._review)
        status.addPermanentWidget(self.review_button)
        status.messageChanged.connect(lambda text: text or self.review_button.hide())
        self._reviewed: str | None = None
        for pane in desk.panes:
            pane.editRequested.connect(self._edit_clicked)
            pane.done_button.clicked.connect(lambda _c=False, p=pane: self.finish(p))
            pane.cancel_button.clicked.connect(lambda _c=False, p=pane: self.discard(p))

    def toggle(self) -> None:
        """Edit the text in the pane in use, or finish editing it (Ctrl+E)."""
        pane = self.desk.active
        if pane.kind == TEXT:
            if pane.text_view.editing:
                self.finish(pane)
            else:
                pane.text_view.set_editing(True)
                pane.banner.show()
                pane.text_view.setFocus()
        self.editingChanged.emit()

    def _edit_clicked(self, pane: DocumentPane) -> None:
        self.desk.activate(pane)
        self.toggle()

    def finish(self, pane: DocumentPane) -> None:
        """Save the corrected text (one undo step); a refused one is put back."""
        view = pane.text_view
        if not view.editing:
            return
        new_text = view.edited_text()
        view.set_editing(False)
        pane.banner.hide()
        if new_text != view.text() and pane.document_id:
            top = view.top_offset()
            result = self.model.do("Edit transcription", self.model.p.documents.set_text,
                                   pane.document_id, new_text)
            if result is None:
                view.cancel_editing()
            else:
                self.status.showMessage(reanchoring_summary(result.value), 15000)
                changed = sum(str(a.state) != "ok" for a in result.value.values())
                self._reviewed = pane.document_id if changed else None
                self.review_button.setText(f"Review {changed}…")
                self.review_button.setVisible(bool(changed))
            view.go_to_offset(min(top, len(view.text())))
        self.editingChanged.emit()

    def _review(self) -> None:
        self.review_button.hide()
        if self._reviewed:
            self.reviewRequested.emit(self._reviewed)

    def discard(self, pane: DocumentPane) -> None:
        pane.text_view.cancel_editing()
        pane.banner.hide()
        self.editingChanged.emit()

    def finish_all(self) -> None:
        """Save what is being edited (the window is closing)."""
        for pane in self.desk.panes:
            if pane.text_view.editing:
                self.finish(pane)
