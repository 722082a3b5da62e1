"""The workbench's actions (each with its shortcut and tooltip) and its menus.

A mixin of MainWindow, kept apart so the window module stays about layout and the
project's life cycle. Like the window module, it must not touch the Qt namespace at
import time (start-up speed): Qt is imported inside the methods.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

from annotator.gui import settings


class MenusMixin:
    """Needs: model, panes, docks and the slots the actions call (see MainWindow)."""

    # -- actions and menus ---------------------------------------------------------------------

    def act(self, text: str, slot, shortcut: QKeySequence | str | None = None,  # noqa: ANN001
            tip: str = "", checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey  # noqa: N806
        self.a_new = self.act("&New project…", self.new_project_dialog, K.New,
                              "Create a new, empty project file")
        self.a_open = self.act("&Open project…", self.open_project_dialog, K.Open,
                               "Open a project file (.annot)")
        self.a_import = self.act("&Import documents…", self.import_dialog, "Ctrl+I",
                                 "Import text, Markdown, HTML, PDF or image files")
        self.a_details = self.act("Document &details…", self.edit_details_current,
                                  "Ctrl+Shift+D", "Date, creator, archive, shelfmark, "
                                  "language, URL and rights of the document")
        self.a_close_doc = self.act("&Close document", self.close_active_pane, K.Close)
        self.a_quit = self.act("&Quit", self.close, K.Quit)
        self.a_undo = self.model.undo_stack.createUndoAction(self, "&Undo")
        self.a_undo.setShortcuts(QKeySequence.keyBindings(K.Undo))
        self.a_redo = self.model.undo_stack.createRedoAction(self, "&Redo")
        self.a_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"),
                                  *QKeySequence.keyBindings(K.Redo)])
        self.a_edit_text = self.act("&Edit transcription", self.toggle_editing, "Ctrl+E",
                                    "Correct the transcription; annotations are re-anchored",
                                    checkable=True)
        self.a_fit = self.act("&Fit highlight to selection", self.fit_highlight, "Ctrl+B",
                              "Move the selected highlight's boundaries to the selected text")
        self.a_delete = self.act("&Delete annotation", self.delete_selected, K.Delete,
                                 "Delete the selected annotation (undo brings it back)")
        self.a_find_tag = self.act("Find &tag…", self.find_tag, "Ctrl+T",
                                   "Tag the selection with a tag found by name")
        self.a_sticky = self.act("&Sticky tag", self.toggle_sticky, "Ctrl+K",
                                 "Tag every new selection with the current tag",
                                 checkable=True)
        self.a_link = self.act("&Link the two selections", self.link_selections, "Ctrl+L",
                               "Link the passage or region selected in each pane")
        self.a_page_start = self.act("This text &starts page…", self.page_starts_here, None,
                                     "Align the scan: the caret's position starts a page")
        self.a_beside = self.act("Open &beside…", self.open_beside_dialog, "Ctrl+Shift+O",
                                 "Put another document in the right-hand pane")
        self.a_swap = self.act("S&wap panes", self.swap_panes, None)
        self.a_about = self.act("&About annotator", self.about, None)
        self.a_next = self.act("&Next highlight", lambda: self.next_highlight(False), "Alt+Down",
                               "Select the next highlight in the text")
        self.a_previous = self.act("&Previous highlight", lambda: self.next_highlight(True),
                                   "Alt+Up", "Select the previous highlight in the text")
        self.a_zoom_in = self.act("Zoom &in", lambda: self.zoom(1), K.ZoomIn)
        self.a_zoom_out = self.act("Zoom &out", lambda: self.zoom(-1), K.ZoomOut)
        for a in (self.a_undo, self.a_redo):
            self.addAction(a)
        self.left.done_button.clicked.connect(lambda: self.finish_editing(self.left))
        self.left.cancel_button.clicked.connect(lambda: self.discard_editing(self.left))
        self.right.done_button.clicked.connect(lambda: self.finish_editing(self.right))
        self.right.cancel_button.clicked.connect(lambda: self.discard_editing(self.right))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.a_new, self.a_open])
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        file.addActions([self.a_import, self.a_details])
        file.addSeparator()
        self.add_exchange_menu(file)  # Export ▸, merge, backups: exchange_actions.py
        file.addSeparator()
        file.addActions([self.a_close_doc, self.a_quit])
        edit = self.edit_menu = bar.addMenu("&Edit")
        edit.addActions([self.a_undo, self.a_redo])
        edit.addSeparator()
        edit.addActions([self.a_edit_text, self.a_fit, self.a_delete])
        self.tag_menu = bar.addMenu("&Annotate")
        self.tag_menu.aboutToShow.connect(self._fill_tag_menu)
        self._fill_tag_menu()
        view = self.view_menu = bar.addMenu("&View")
        view.addActions([self.a_beside, self.a_swap])
        view.addSeparator()
        view.addActions([self.a_zoom_in, self.a_zoom_out])
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.a_about)

    def _fill_tag_menu(self) -> None:
        from PySide6.QtCore import Qt

        menu = self.tag_menu
        menu.clear()
        tags = sorted(self.model.tags().values(), key=lambda t: (t.shortcut or "z",
                                                                self.model.tag_path(t.id)))
        for tag in tags[:30]:
            action = menu.addAction(f"Tag as {self.model.tag_path(tag.id)}")
            action.setShortcut(QKeySequence(tag.shortcut) if tag.shortcut else QKeySequence())
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # keys: tag_actions
            action.triggered.connect(lambda _c=False, t=tag.id: self.tag_with(t))
        if tags:
            menu.addSeparator()
        menu.addActions([self.a_find_tag, self.a_sticky, self.a_link, self.a_page_start])
        menu.addSeparator()
        menu.addActions([self.a_next, self.a_previous])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_projects():
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open_project(p)) \
                .setToolTip(path)
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _update_actions(self) -> None:
        pane = self.active_pane
        text = pane.kind == "text"
        self.a_edit_text.setEnabled(text)
        self.a_edit_text.setChecked(text and pane.text_view.editing)
        for p in (self.left, self.right):
            p.edit_button.setChecked(p.text_view.editing)
        self.a_details.setEnabled(pane.document_id is not None)
        self.a_close_doc.setEnabled(pane.document_id is not None)
