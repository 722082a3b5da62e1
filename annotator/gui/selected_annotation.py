"""The annotation the scholar is looking at, shown as selected everywhere at once: in
the pane that holds it, in the table, in the inspector, and (when it is linked to a
passage or region of the document beside it) in the other pane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from annotator.gui.lazy import LazyModule

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from annotator.gui.desk import Desk
    from annotator.gui.panels.annotations_table import AnnotationsPanel
    from annotator.gui.panels.inspector import InspectorPanel
    from annotator.gui.project_model import ProjectModel

overview = LazyModule("annotator.core.overview")
TEXT = "text"


class SelectedAnnotation(QObject):
    """Which annotation is selected (:attr:`id`), and the gestures that move it."""

    def __init__(self, model: ProjectModel, desk: Desk, inspector: InspectorPanel,
                 annotations: AnnotationsPanel, status: QStatusBar) -> None:
        super().__init__(desk)
        self.model, self.desk, self.status = model, desk, status
        self.inspector, self.annotations = inspector, annotations
        self.id: str | None = None
        for pane in desk.panes:
            pane.annotationClicked.connect(lambda p, i: self.show(i, origin=p))
        annotations.annotationSelected.connect(lambda i: self.show(i, origin="table"))
        annotations.jumpRequested.connect(self.jump_to)
        inspector.showAnnotation.connect(self.jump_to)

    def show(self, annotation_id: str | None, origin: object = None) -> None:
        """Select one annotation everywhere (None: none). ``origin`` (a pane, "table",
        the inspector) is where the scholar chose it: that view is not scrolled."""
        self.id = annotation_id
        desk = self.desk
        if origin is not self.inspector:
            self.inspector.show_annotation(annotation_id)
        if origin != "table":
            self.annotations.select(annotation_id)
        p = self.model.p
        ann = p.annotations.get(annotation_id) if annotation_id else None
        linked = []
        if ann is not None:
            for link in p.links.for_annotation(ann.id):
                other_id = link.target_id if link.source_id == ann.id else link.source_id
                other = p.annotations.get(other_id)
                if other is not None:
                    linked.append(other)
        for pane in desk.panes:
            if ann is not None and ann.document_id == pane.document_id:
                pane.select_annotation(ann.id, reveal=origin is not pane)
            else:
                shown = next((o for o in linked if o.document_id == pane.document_id), None)
                pane.select_annotation(shown.id if shown else None, reveal=True)
        if ann is not None and origin not in desk.panes and \
                ann.document_id not in (desk.left.document_id, desk.right.document_id):
            desk.open_document(ann.document_id)
            desk.left.select_annotation(ann.id)

    def jump_to(self, annotation_id: str) -> None:
        """Open the annotation's document (if needed), scroll to it, work there."""
        ann = self.model.p.annotations.get(annotation_id)
        if ann is None:
            return
        desk = self.desk
        if ann.document_id not in (desk.left.document_id, desk.right.document_id):
            desk.open_document(ann.document_id)
        self.show(annotation_id, origin="jump")
        pane = desk.left if desk.left.document_id == ann.document_id else desk.right
        desk.activate(pane)
        (pane.text_view if pane.kind == TEXT else pane).setFocus()

    def next_highlight(self, backwards: bool = False) -> None:
        """Walk the highlights of the text in reading order (Alt+Down / Alt+Up)."""
        pane = self.desk.active
        if pane.kind != TEXT or not pane.document_id:
            return
        view = pane.text_view
        offset = view.umap.to_codepoint(view.textCursor().selectionStart())
        span = overview.first_span_after(self.model.p, pane.document_id, offset,
                                         backwards=backwards)
        if span is None:
            self.status.showMessage("No more highlights " + ("above." if backwards
                                                             else "below."), 3000)
            return
        view.go_to_offset(span.start, top=False)
        self.show(span.id, origin="jump")
