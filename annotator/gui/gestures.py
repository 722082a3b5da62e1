"""What the scholar's gestures do: open documents side by side, tag a selection with a
key, select an annotation everywhere at once, link passages, keep the scan on the page
being read, correct a transcription. Each edit is one command on the undo stack.

A mixin of MainWindow, kept apart so the window module stays about layout.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QWidget

from annotator.gui.lazy import LazyModule
from annotator.gui.page_sync import SYNC_PAUSE

if TYPE_CHECKING:
    from annotator.core.model import DocumentLink
    from annotator.gui.document_pane import DocumentPane

cmd = LazyModule("annotator.gui.commands")
tagging = LazyModule("annotator.core.tagging")
gs = LazyModule("annotator.core.overview")
TEXT, PAGED = "text", "paged"  # DocumentKind values (a StrEnum compares equal to them)



class GesturesMixin:
    """Needs: model, left, right, splitter, panels, finder, actions (see MainWindow)."""

    def setup_gestures(self) -> None:
        self.active_pane = self.left
        self.current_annotation: str | None = None
        self.current_tag_id: str | None = None
        self.tag_actions: list[QAction] = []
        self._sync_quiet_until = 0.0
        self._resync_pane = self.left
        self._resync = QTimer(self, singleShot=True)
        self._resync.timeout.connect(lambda: self._text_moved(self._resync_pane, True))
        for pane in (self.left, self.right):
            pane.closeRequested.connect(self.close_pane)
            pane.annotationClicked.connect(
                lambda p, i: self.select_annotation(i, origin=p))
            pane.regionDrawn.connect(self._region_drawn)
            pane.pageChanged.connect(self._page_changed)
            pane.editRequested.connect(self._edit_clicked)
            tv = pane.text_view
            tv.tagKey.connect(lambda key, p=pane: self._tag_key(p, key))
            tv.typeToFind.connect(lambda text, p=pane: self._type_to_find(p, text))
            tv.selectionMade.connect(lambda p=pane: self._selection_made(p))
            tv.offsetChanged.connect(lambda _o, p=pane: self._text_moved(p, reading=True))
            tv.caretMoved.connect(lambda _o, p=pane: self._text_moved(p, reading=False))
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self.annotations.annotationSelected.connect(
            lambda i: self.select_annotation(i, origin="table"))
        self.annotations.jumpRequested.connect(self.jump_to)
        self.inspector.showAnnotation.connect(self.jump_to)
        self.inspector.deleteRequested.connect(self.delete_annotation)
        self.codebook.currentTagChanged.connect(self._current_tag_changed)
        self.codebook.tagActivated.connect(self._show_tag)
        self.entities.entityActivated.connect(self.show_entity)
        self.finder.chosen.connect(lambda tag_id: self.tag_with(tag_id))
        self.finder.createRequested.connect(self._create_and_tag)
        self._update_sticky()

    # -- panes ------------------------------------------------------------------------------------

    def other(self, pane: DocumentPane) -> DocumentPane:
        return self.right if pane is self.left else self.left

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        for pane in (self.left, self.right):
            if new is not None and (new is pane or pane.isAncestorOf(new)):
                self.activate(pane)

    def activate(self, pane: DocumentPane) -> None:
        if pane is not self.active_pane:
            self.active_pane = pane
            self._update_actions()
            self._show_pages(pane)
            self.documentActivated.emit(pane.document_id)
            if pane.document_id:
                self.annotations.set_document(pane.document_id)

    def companion_of(self, document_id: str) -> tuple[DocumentLink, str] | None:
        """The document a text transcribes (or that transcribes a scan), if linked."""
        links = self.model.p.documents.links(document_id)
        docs = self.model.documents()
        links.sort(key=lambda link: link.relation != "transcription")
        for link in links:
            other = link.target_id if link.source_id == document_id else link.source_id
            if other in docs:
                return link, other
        return None

    def open_document(self, document_id: str, beside: bool = False,
                      remember: bool = True) -> None:
        """Open a document; a linked transcription/scan opens beside it. ``beside`` puts
        it in the other pane instead (two accounts of the same event)."""
        if document_id not in self.model.documents():
            return
        self._sync_quiet_until = time.monotonic() + SYNC_PAUSE  # opening is not reading
        if beside:
            pane = self.right if self.left.document_id else self.left
            if pane.document_id != document_id:
                pane.open(document_id)
            pane.show()
        else:
            pane = self.left
            if pane.document_id != document_id:
                pane.open(document_id)
            companion = self.companion_of(document_id)
            if companion is not None:
                if self.right.document_id != companion[1]:
                    self.right.open(companion[1])
                self.right.show()
                self._sync_from_text(self.left if self.left.kind == TEXT
                                     else self.right, force=True)
            elif self.right.document_id and self.companion_of(self.right.document_id):
                self.close_pane(self.right)  # the old document's companion
        if self.right.isVisible() and sum(self.splitter.sizes()[1:]) == 0:
            self.splitter.setSizes([1, 1])
        self.activate(pane)
        for shown in (self.left, self.right):
            self._show_pages(shown)
        self.annotations.set_document(pane.document_id)
        self.documents.select(document_id)
        self.documentActivated.emit(pane.document_id)
        self._update_welcome()
        self._update_actions()
        if remember:
            self._remember_documents()

    def close_pane(self, pane: DocumentPane) -> None:
        pane.close_document()
        if pane is self.left and self.right.document_id:
            self.swap_panes()
            pane = self.right
        if pane is self.right:
            self.right.close_document()
            self.right.hide()
        self.activate(self.left)
        self._update_welcome()
        self._remember_documents()

    def close_active_pane(self) -> None:
        self.close_pane(self.active_pane)

    def swap_panes(self) -> None:
        left, right = self.left.document_id, self.right.document_id
        if not right:
            return
        self.left.open(right)
        if left:
            self.right.open(left)
        self._remember_documents()

    def open_beside_dialog(self) -> None:
        docs = list(self.model.documents().values())
        if not docs:
            return
        titles = [d.title for d in docs]
        title, ok = QInputDialog.getItem(self, "Open beside", "Document to open beside:",
                                         titles, 0, False)
        if ok:
            self.open_document(docs[titles.index(title)].id, beside=True)

    def link_documents_dialog(self, document_id: str) -> None:
        """Say that this text transcribes a scan (chosen from the paged documents)."""
        scans = [d for d in self.model.documents().values()
                 if d.kind == PAGED and d.id != document_id]
        doc = self.model.document(document_id)
        if doc is None or doc.kind != TEXT or not scans:
            self.model.failed.emit("Only a text can be linked, as transcription, to a scan.")
            return
        titles = [d.title for d in scans]
        title, ok = QInputDialog.getItem(self, "Link transcription", f"“{doc.title}” "
                                         "transcribes:", titles, 0, False)
        if ok:
            target = scans[titles.index(title)].id
            if self.model.push(cmd.LinkDocuments(self.model, document_id, target, "transcription",
                                                 {1: 0})):
                self.open_document(document_id)

    def delete_document(self, document_id: str) -> None:
        for pane in (self.left, self.right):
            if pane.document_id == document_id:
                self.close_pane(pane)
        self.model.push(cmd.DeleteDocument(self.model, document_id))

    # -- tagging --------------------------------------------------------------------------------------

    def rebuild_tag_shortcuts(self) -> None:
        """Window-wide keys 1–9 for the tags that have them (text and scan alike)."""
        for action in self.tag_actions:
            self.removeAction(action)
            action.deleteLater()
        self.tag_actions = []
        for tag in self.model.tags().values() if self.model.is_open else []:
            if tag.shortcut:
                action = QAction(f"Tag as {tag.name}", self)
                action.setShortcut(QKeySequence(tag.shortcut))
                action.triggered.connect(lambda _c=False, t=tag.id: self.tag_with(t))
                self.addAction(action)
                self.tag_actions.append(action)

    def _tag_key(self, pane: DocumentPane, key: str) -> None:
        self.activate(pane)
        tag = self.model.tag_by_shortcut(key)
        if tag is None:
            self.statusBar().showMessage(f"No tag has the key {key}: give one a key in the "
                                         "codebook (right-click ▸ Key).", 6000)
            return
        self.tag_with(tag.id)

    def tag_with(self, tag_id: str, pane: DocumentPane | None = None) -> str | None:
        """Tag what is selected in the active pane: a passage, a drawn region, or else the
        selected annotation (pressing the key again removes the tag)."""
        pane = pane or self.active_pane
        tag = self.model.tag(tag_id)
        if tag is None or pane.document_id is None:
            return None
        self.current_tag_id = tag_id
        self._update_sticky()
        selection = pane.text_selection()
        if selection is not None:
            start, end = selection
            same = tagging.passage(self.model.p, pane.document_id, start, end)
            if same is not None:
                return self._toggle_tag(same.id, tag_id)
            quote = pane.text_view.text()[start:end]
            command = cmd.AddAnnotation(
                self.model, pane.document_id, text=f"Tag “{cmd.short(quote, 30)}” as {tag.name}",
                core=partial(tagging.tag_passage, self.model.p, pane.document_id, start=start,
                             end=end, tag_ids=[tag_id]))
            if self.model.push(command):
                cursor = pane.text_view.textCursor()
                cursor.clearSelection()
                pane.text_view.setTextCursor(cursor)
                new_id = command.record.id  # type: ignore[union-attr]
                entity = self.model.entity(command.record.entity_id)  # type: ignore[union-attr]
                self.select_annotation(new_id, origin=pane)
                self.statusBar().showMessage(f"Tagged “{cmd.short(quote, 50)}” as {tag.name}"
                                             + (f" ({entity.name})" if entity else ""), 5000)
                return new_id
            return None
        if pane.pending_region is not None:
            region, pane.pending_region = pane.pending_region, None
            command = cmd.AddAnnotation(
                self.model, pane.document_id, text=f"Tag region on page {region.page} as "
                f"{tag.name}", core=partial(tagging.tag_passage, self.model.p, pane.document_id,
                                            region=region, tag_ids=[tag_id]))
            if self.model.push(command):
                self.select_annotation(command.record.id, origin=pane)  # type: ignore[union-attr]
                return command.record.id  # type: ignore[union-attr]
            return None
        if self.current_annotation is not None:
            return self._toggle_tag(self.current_annotation, tag_id)
        self.statusBar().showMessage("Select a passage (or draw a region) first, then press "
                                     "the tag's key.", 5000)
        return None

    def _toggle_tag(self, annotation_id: str, tag_id: str) -> str:
        ann = self.model.p.annotations.get(annotation_id)
        tag = self.model.tag(tag_id)
        if ann is None or tag is None:
            return annotation_id
        text = f"Remove tag {tag.name}" if tag_id in ann.tag_ids else f"Tag as {tag.name}"
        self.model.push(cmd.UpdateAnnotation(self.model, annotation_id, text, core=partial(
            tagging.toggle_tag, self.model.p, annotation_id, tag_id)))
        self.select_annotation(annotation_id)
        return annotation_id

    def find_tag(self, text: str = "") -> None:
        pane = self.active_pane
        view = pane.text_view
        if pane.kind == TEXT:
            rect = view.cursorRect()
            at = view.viewport().mapToGlobal(rect.bottomLeft() + QPoint(0, 4))
        else:
            at = pane.mapToGlobal(pane.rect().center())
        self.finder.popup(at, text)

    def _type_to_find(self, pane: DocumentPane, text: str) -> None:
        self.activate(pane)
        self.find_tag(text)

    def _create_and_tag(self, name: str) -> None:
        self.model.undo_stack.beginMacro(f"Create theme “{name}” and tag")
        create = cmd.CreateTag(self.model, name, "theme")
        if self.model.push(create):
            self.tag_with(create.tag.id)  # type: ignore[union-attr]
        self.model.undo_stack.endMacro()

    def _current_tag_changed(self, tag_id: str | None) -> None:
        if tag_id:
            self.current_tag_id = tag_id
            self._update_sticky()

    def toggle_sticky(self) -> None:
        if self.a_sticky.isChecked() and self.current_tag_id is None:
            self.current_tag_id = self.codebook.current_tag()
        self._update_sticky()

    def _update_sticky(self) -> None:
        tag = self.model.tag(self.current_tag_id) if self.current_tag_id else None
        if tag is None:
            self.current_tag_id = None
        on = self.a_sticky.isChecked() and tag is not None
        self.status_sticky.setText(f"Sticky tag: {tag.name}" if on else "")  # type: ignore[union-attr]
        self.a_sticky.setText(f"&Sticky tag ({tag.name})" if tag else "&Sticky tag")

    def _selection_made(self, pane: DocumentPane) -> None:
        if self.a_sticky.isChecked() and self.current_tag_id:
            self.activate(pane)
            self.tag_with(self.current_tag_id, pane)

    def _region_drawn(self, pane: DocumentPane, region) -> None:  # noqa: ANN001
        self.activate(pane)
        if self.a_sticky.isChecked() and self.current_tag_id:
            self.tag_with(self.current_tag_id, pane)
        else:
            self.statusBar().showMessage(f"Region on page {region.page}: press a tag's key "
                                         "(1–9), Ctrl+T to find a tag, or Ctrl+L to link it.",
                                         8000)

    # -- the selected annotation -----------------------------------------------------------------

    def select_annotation(self, annotation_id: str | None, origin: object = None) -> None:
        """Show one annotation as selected everywhere: panes, table, inspector; a linked
        annotation is shown in the other pane."""
        self.current_annotation = annotation_id
        if origin is not self.inspector:
            self.inspector.show_annotation(annotation_id)
        if origin != "table":
            self.annotations.select(annotation_id)
        ann = self.model.p.annotations.get(annotation_id) if annotation_id else None
        linked = []
        if ann is not None:
            for link in self.model.p.links.for_annotation(ann.id):
                other_id = link.target_id if link.source_id == ann.id else link.source_id
                other = self.model.p.annotations.get(other_id)
                if other is not None:
                    linked.append(other)
        for pane in (self.left, self.right):
            if ann is not None and ann.document_id == pane.document_id:
                pane.select_annotation(ann.id, reveal=origin is not pane)
            else:
                shown = next((o for o in linked if o.document_id == pane.document_id), None)
                pane.select_annotation(shown.id if shown else None, reveal=True)
        if ann is not None and origin not in (self.left, self.right) and \
                ann.document_id not in (self.left.document_id, self.right.document_id):
            self.open_document(ann.document_id)
            self.left.select_annotation(ann.id)

    def pane_of(self, document_id: str, open_it: bool = True) -> DocumentPane | None:
        """The pane showing a document (opening it on the left if asked)."""
        for pane in (self.left, self.right):
            if pane.document_id == document_id:
                return pane
        if not open_it or document_id not in self.model.documents():
            return None
        self.open_document(document_id)
        return self.left

    def show_span(self, document_id: str, start: int, end: int) -> None:
        """Show and select a passage (a search hit, a suggestion), without tagging it."""
        pane = self.pane_of(document_id)
        if pane is None or pane.kind != TEXT:
            return
        self.activate(pane)
        pane.text_view.select_codepoints(start, end)

    def show_page(self, document_id: str, page: int) -> None:
        pane = self.pane_of(document_id)
        if pane is not None and pane.kind == PAGED:
            self.activate(pane)
            pane.scan.go_to_page(page)  # type: ignore[attr-defined]

    def show_entity(self, entity_id: str) -> None:
        """An entity's page (if that panel is there) and its mentions in the table."""
        page = getattr(self, "research", {}).get("entity")
        if page is not None:
            page.show_entity(entity_id)
            self.docks["entity"].show()
            self.docks["entity"].raise_()
        self._show_entity(entity_id)

    def jump_to(self, annotation_id: str) -> None:
        """Open the annotation's document (if needed) and scroll to it."""
        ann = self.model.p.annotations.get(annotation_id)
        if ann is None:
            return
        if ann.document_id not in (self.left.document_id, self.right.document_id):
            self.open_document(ann.document_id)
        self.select_annotation(annotation_id, origin="jump")
        pane = self.left if self.left.document_id == ann.document_id else self.right
        self.activate(pane)
        (pane.text_view if pane.kind == TEXT else pane).setFocus()

    def delete_selected(self) -> None:
        if self.current_annotation:
            self.delete_annotation(self.current_annotation)

    def delete_annotation(self, annotation_id: str) -> None:
        ann = self.model.p.annotations.get(annotation_id)
        if ann is None:
            return
        label = cmd.short(ann.quote or "region", 30)
        if self.model.push(cmd.DeleteAnnotation(self.model, annotation_id,
                                                f"Delete annotation “{label}”")):
            self.select_annotation(None)

    def fit_highlight(self) -> None:
        """Move the selected highlight's boundaries to the selected text."""
        pane = self.active_pane
        selection = pane.text_selection()
        ann = self.model.p.annotations.get(self.current_annotation) \
            if self.current_annotation else None
        if selection is None or ann is None or ann.text is None or \
                ann.document_id != pane.document_id:
            self.statusBar().showMessage("Click a highlight, select the passage it should "
                                         "cover, then Fit highlight to selection.", 6000)
            return
        self.model.push(cmd.UpdateAnnotation(self.model, ann.id, "Adjust highlight",
                                             start=selection[0], end=selection[1]))
        self.select_annotation(ann.id, origin=pane)

    def _annotation_in(self, pane: DocumentPane, macro: list[bool]) -> str | None:
        """The pane's selected annotation, or one made from its selection (untagged)."""
        if pane.selected_annotation:
            ann = self.model.p.annotations.get(pane.selected_annotation)
            if ann is not None and ann.document_id == pane.document_id:
                return ann.id
        selection = pane.text_selection()
        if selection is None and pane.pending_region is None:
            return None
        if not macro[0]:
            self.model.undo_stack.beginMacro("Link passages")
            macro[0] = True
        command = (cmd.AddAnnotation(self.model, pane.document_id, start=selection[0],
                                     end=selection[1]) if selection else
                   cmd.AddAnnotation(self.model, pane.document_id, region=pane.pending_region))
        pane.pending_region = None
        return command.record.id if self.model.push(command) else None  # type: ignore[union-attr]

    def link_selections(self) -> None:
        """Link what is selected in the left pane with what is selected in the right."""
        if not (self.left.document_id and self.right.document_id):
            self.statusBar().showMessage("Open two documents side by side and select a "
                                         "passage or region in each to link them.", 6000)
            return
        macro = [False]
        a = self._annotation_in(self.left, macro)
        b = self._annotation_in(self.right, macro) if a else None
        if a and b:
            kinds = {self.left.kind, self.right.kind}
            relation = "transcribes" if kinds == {TEXT, PAGED} \
                else "related"
            if self.model.push(cmd.LinkAnnotations(self.model, a, b, relation)):
                self.statusBar().showMessage("Linked.", 4000)
        if macro[0]:
            self.model.undo_stack.endMacro()
        if not (a and b):
            self.statusBar().showMessage("Select a passage or region (or a highlight) in "
                                         "each pane first.", 6000)
            return
        self.select_annotation(a, origin=self.left)

    def next_highlight(self, backwards: bool = False) -> None:
        """Walk the highlights of the text in reading order (Alt+Down / Alt+Up)."""
        pane = self.active_pane
        if pane.kind != TEXT or not pane.document_id:
            return
        view = pane.text_view
        offset = view.umap.to_codepoint(view.textCursor().selectionStart())
        span = gs.first_span_after(self.model.p, pane.document_id, offset,
                                backwards=backwards)
        if span is None:
            self.statusBar().showMessage("No more highlights " + ("above." if backwards
                                                                  else "below."), 3000)
            return
        view.go_to_offset(span.start, top=False)
        self.select_annotation(span.id, origin="jump")

    def _show_pages(self, pane: DocumentPane) -> None:
        """The thumbnails of the scan in this pane, in the Pages panel."""
        if pane.kind != PAGED or not pane.has_scan():
            return
        try:
            widget = pane.scan.thumbnails_widget()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the placeholder has none worth showing
            return
        if self.pages.indexOf(widget) < 0:
            self.pages.addWidget(widget)
        self.pages.setCurrentWidget(widget)

    def _show_tag(self, tag_id: str) -> None:
        self.docks["annotations"].show()
        self.docks["annotations"].raise_()
        self.annotations.set_tag(tag_id)

    def _show_entity(self, entity_id: str) -> None:
        self.docks["annotations"].show()
        self.docks["annotations"].raise_()
        self.annotations.set_entity(entity_id)

    # -- view ---------------------------------------------------------------------------------------

    def zoom(self, step: int) -> None:
        pane = self.active_pane
        if pane.kind == TEXT:
            pane.text_view.zoomIn(step)
        elif pane.kind == PAGED:
            (pane.scan.zoom_in if step > 0 else pane.scan.zoom_out)()  # type: ignore[attr-defined]
