"""Tagging from the keyboard: select a passage (or draw a region) and press a tag's
key, find a tag by name (Ctrl+T, or just start typing), keep tagging with one sticky
tag, link what is selected in each pane (Ctrl+L), fit or delete a highlight.

Each gesture is one core call run by ProjectModel.do, so it is one step of undo; the
rules of tagging (which entity a passage names, what date it reads as) are the
core's (annotator.core.tagging).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Signal

from annotator.gui.lazy import LazyModule

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from annotator.core.changes import OpResult
    from annotator.core.model import Link, RegionSelector
    from annotator.core.project import Project
    from annotator.gui.desk import Desk
    from annotator.gui.dialogs.tag_finder import TagFinder
    from annotator.gui.document_pane import DocumentPane
    from annotator.gui.panels.codebook import CodebookPanel
    from annotator.gui.project_model import ProjectModel
    from annotator.gui.selected_annotation import SelectedAnnotation

tagging = LazyModule("annotator.core.tagging")
TEXT, PAGED = "text", "paged"


@dataclass(frozen=True)
class Passage:
    """One end of a link: an annotation the pane shows, or the passage or region
    selected in it (annotated when the link is made)."""

    document_id: str
    annotation_id: str | None = None
    start: int | None = None
    end: int | None = None
    region: RegionSelector | None = None


def link_passages(project: Project, first: Passage, second: Passage,
                  relation: str) -> OpResult[Link]:
    """Annotate the ends that are not annotations yet and link the two: one action,
    so one step of undo."""
    from annotator.core.changes import OpChanges, OpResult

    changes = OpChanges()
    ids = []
    for end in (first, second):
        if end.annotation_id is None:
            made = project.annotations.add(end.document_id, start=end.start, end=end.end,
                                           region=end.region)
            changes.update(made.changes)
            ids.append(made.value.id)
        else:
            ids.append(end.annotation_id)
    link = project.links.create(ids[0], ids[1], relation)
    return OpResult(link.value, changes.update(link.changes))


class TaggingController(QObject):
    """The tag keys of both panes, the tag finder, the current (sticky) tag, links."""

    #: the current tag changed or went sticky: its name (None: no current tag)
    stickyChanged = Signal(object)

    def __init__(self, model: ProjectModel, desk: Desk, selected: SelectedAnnotation,
                 finder: TagFinder, codebook: CodebookPanel, status: QStatusBar) -> None:
        super().__init__(desk)
        self.model, self.desk, self.selected = model, desk, selected
        self.finder, self.codebook, self.status = finder, codebook, status
        self.current_tag_id: str | None = None
        self.sticky = False
        for pane in desk.panes:
            pane.regionDrawn.connect(self._region_drawn)
            view = pane.text_view
            view.tagKey.connect(lambda key, p=pane: self._tag_key(p, key))
            view.typeToFind.connect(lambda text, p=pane: self._type_to_find(p, text))
            view.selectionMade.connect(lambda p=pane: self._selection_made(p))
        codebook.currentTagChanged.connect(self._current_tag_changed)
        finder.chosen.connect(lambda tag_id: self.tag_with(tag_id))
        finder.createRequested.connect(self.create_and_tag)

    def say(self, text: str, ms: int = 5000) -> None:
        self.status.showMessage(text, ms)

    # -- tagging ------------------------------------------------------------------------------

    def tag_with(self, tag_id: str, pane: DocumentPane | None = None) -> str | None:
        """Tag what is selected in the pane in use: a passage, a drawn region, or else
        the selected annotation (pressing the key again removes the tag). Returns the
        annotation tagged."""
        from annotator.gui.undo import short

        pane = pane or self.desk.active
        tag = self.model.tag(tag_id)
        if tag is None or pane.document_id is None:
            return None
        self.current_tag_id = tag_id
        self.show_sticky()
        p = self.model.p
        selection = pane.text_selection()
        if selection is not None:
            start, end = selection
            same = tagging.passage(p, pane.document_id, start, end)
            if same is not None:
                return self.toggle_tag(same.id, tag_id)
            quote = pane.text_view.text()[start:end]
            result = self.model.do(f"Tag “{short(quote, 30)}” as {tag.name}",
                                   tagging.tag_passage, p, pane.document_id, start=start,
                                   end=end, tag_ids=[tag_id])
            if result is None:
                return None
            cursor = pane.text_view.textCursor()
            cursor.clearSelection()
            pane.text_view.setTextCursor(cursor)
            entity = self.model.entity(result.value.entity_id) if result.value.entity_id \
                else None
            self.selected.show(result.value.id, origin=pane)
            self.say(f"Tagged “{short(quote, 50)}” as {tag.name}"
                     + (f" ({entity.name})" if entity else ""))
            return result.value.id
        if pane.pending_region is not None:
            region = pane.take_region()
            assert region is not None
            result = self.model.do(f"Tag region on page {region.page} as {tag.name}",
                                   tagging.tag_passage, p, pane.document_id, region=region,
                                   tag_ids=[tag_id])
            if result is None:
                return None
            self.selected.show(result.value.id, origin=pane)
            return result.value.id
        if self.selected.id is not None:
            return self.toggle_tag(self.selected.id, tag_id)
        self.say("Select a passage (or draw a region) first, then press the tag's key.")
        return None

    def toggle_tag(self, annotation_id: str, tag_id: str) -> str:
        """The tag comes off the annotation when it is on, else goes on."""
        ann = self.model.p.annotations.get(annotation_id)
        tag = self.model.tag(tag_id)
        if ann is None or tag is None:
            return annotation_id
        label = f"Remove tag {tag.name}" if tag_id in ann.tag_ids else f"Tag as {tag.name}"
        self.model.do(label, tagging.toggle_tag, self.model.p, annotation_id, tag_id)
        self.selected.show(annotation_id)
        return annotation_id

    def _tag_key(self, pane: DocumentPane, key: str) -> None:
        self.desk.activate(pane)
        tag = self.model.tag_by_shortcut(key)
        if tag is None:
            self.say(f"No tag has the key {key}: give one a key in the codebook "
                     "(right-click ▸ Key).", 6000)
            return
        self.tag_with(tag.id)

    def find_tag(self, text: str = "") -> None:
        """The tag finder, under the caret (Ctrl+T, or typing a letter in the text)."""
        pane = self.desk.active
        view = pane.text_view
        if pane.kind == TEXT:
            rect = view.cursorRect()
            at = view.viewport().mapToGlobal(rect.bottomLeft() + QPoint(0, 4))
        else:
            at = pane.mapToGlobal(pane.rect().center())
        self.finder.popup(at, text)

    def _type_to_find(self, pane: DocumentPane, text: str) -> None:
        self.desk.activate(pane)
        self.find_tag(text)

    def create_and_tag(self, name: str) -> None:
        """A theme the finder did not find: create it and tag with it, one undo step."""
        from annotator.gui.undo import short

        stack = self.model.undo_stack
        stack.beginMacro(f"Create theme “{name}” and tag")
        try:
            result = self.model.do(f"Create tag “{short(name)}”", self.model.p.tags.create,
                                   name, "theme")
            if result is not None:
                self.tag_with(result.value.id)
        finally:
            stack.endMacro()

    # -- the current tag, sticky ----------------------------------------------------------

    def _current_tag_changed(self, tag_id: str | None) -> None:
        if tag_id:
            self.current_tag_id = tag_id
            self.show_sticky()

    def set_sticky(self, on: bool) -> None:
        """Tag every new selection with the current tag (the codebook's, at first)."""
        self.sticky = on
        if on and self.current_tag_id is None:
            self.current_tag_id = self.codebook.current_tag()
        self.show_sticky()

    def show_sticky(self) -> None:
        """Say which tag is current (a deleted one no longer is)."""
        tag = self.model.tag(self.current_tag_id) if self.current_tag_id else None
        if tag is None:
            self.current_tag_id = None
        self.stickyChanged.emit(tag.name if tag else None)

    def _selection_made(self, pane: DocumentPane) -> None:
        if self.sticky and self.current_tag_id:
            self.desk.activate(pane)
            self.tag_with(self.current_tag_id, pane)

    def _region_drawn(self, pane: DocumentPane, region: RegionSelector) -> None:
        self.desk.activate(pane)
        if self.sticky and self.current_tag_id:
            self.tag_with(self.current_tag_id, pane)
        else:
            self.say(f"Region on page {region.page}: press a tag's key (1–9), Ctrl+T to "
                     "find a tag, or Ctrl+L to link it.", 8000)

    # -- the selected highlight ----------------------------------------------------------------

    def fit_highlight(self) -> None:
        """Move the selected highlight's boundaries to the selected text."""
        pane = self.desk.active
        selection = pane.text_selection()
        current = self.selected.id
        ann = self.model.p.annotations.get(current) if current else None
        if selection is None or ann is None or ann.text is None or \
                ann.document_id != pane.document_id:
            self.say("Click a highlight, select the passage it should cover, then Fit "
                     "highlight to selection.", 6000)
            return
        self.model.do("Adjust highlight", self.model.p.annotations.update, ann.id,
                      start=selection[0], end=selection[1])
        self.selected.show(ann.id, origin=pane)

    def delete_selected(self) -> None:
        if self.selected.id:
            self.delete_annotation(self.selected.id)

    def delete_annotation(self, annotation_id: str) -> None:
        from annotator.gui.undo import short

        ann = self.model.p.annotations.get(annotation_id)
        if ann is None:
            return
        label = short(ann.quote or "region", 30)
        if self.model.do(f"Delete annotation “{label}”", self.model.p.annotations.delete,
                         annotation_id) is not None:
            self.selected.show(None)

    # -- links between the panes -----------------------------------------------------------

    def _passage_in(self, pane: DocumentPane) -> Passage | None:
        """What the scholar selected last in the pane, as the tag keys take it: a
        selected passage or a drawn region (each replaces a highlight clicked before;
        a click lets them go), else the selected annotation."""
        if pane.document_id is None:
            return None
        selection = pane.text_selection()
        if selection is not None:
            return Passage(pane.document_id, start=selection[0], end=selection[1])
        if pane.pending_region is not None:
            return Passage(pane.document_id, region=pane.pending_region)
        if pane.selected_annotation:
            ann = self.model.p.annotations.get(pane.selected_annotation)
            if ann is not None and ann.document_id == pane.document_id:
                return Passage(pane.document_id, ann.id)
        return None

    def link_selections(self) -> None:
        """Link what is selected in the left pane with what is selected in the right
        (Ctrl+L): a transcription's passage "transcribes" a scan's region."""
        left, right = self.desk.left, self.desk.right
        if not (left.document_id and right.document_id):
            self.say("Open two documents side by side and select a passage or region in "
                     "each to link them.", 6000)
            return
        first, second = self._passage_in(left), self._passage_in(right)
        if first is None or second is None:
            self.say("Select a passage or region (or a highlight) in each pane first.", 6000)
            return
        relation = "transcribes" if {left.kind, right.kind} == {TEXT, PAGED} else "related"
        result = self.model.do("Link passages", link_passages, self.model.p, first, second,
                               relation)
        if result is None:
            return
        for pane, passage in ((left, first), (right, second)):
            if passage.region is not None:
                pane.take_region()
        self.say("Linked.", 4000)
        self.selected.show(result.value.source_id, origin=left)
