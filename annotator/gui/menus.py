"""The workbench's actions (each with its shortcut and tooltip) and its menus: each
action calls a method of the controller that does the work, so this module only says
what is offered where, under which key.

Like the window module, it must not touch the Qt namespace at import time (start-up
speed): Qt enums are reached inside the methods.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from annotator.gui import settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

    from annotator.gui.desk import Desk
    from annotator.gui.exchange_controller import ExchangeController
    from annotator.gui.page_sync import PageSync
    from annotator.gui.project_files import ProjectFiles
    from annotator.gui.project_model import ProjectModel
    from annotator.gui.selected_annotation import SelectedAnnotation
    from annotator.gui.tagging_controller import TaggingController
    from annotator.gui.transcription_editing import TranscriptionEditing

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


class Menus:
    """The actions, put on the window (so their keys work everywhere in it) and in
    its menu bar. ``about`` and ``details`` are the window's own dialogs."""

    def __init__(self, window: QMainWindow, model: ProjectModel, *, files: ProjectFiles,
                 desk: Desk, selected: SelectedAnnotation, tagging: TaggingController,
                 editing: TranscriptionEditing, page_sync: PageSync,
                 exchange: ExchangeController, about: Callable[[], object],
                 details: Callable[[], object]) -> None:
        self.window, self.model = window, model
        self.files, self.desk, self.tagging, self.editing = files, desk, tagging, editing
        self.exchange = exchange
        self.tag_keys: list[QAction] = []
        self.extra_annotate: list[QAction] = []  # Annotate entries of other controllers
        K = QKeySequence.StandardKey
        act = self.act
        self.new_project = act("&New project…", files.new_dialog, K.New,
                               "Create a new, empty project file")
        self.open_project = act("&Open project…", files.open_dialog, K.Open,
                                "Open a project file (.annot)")
        self.import_documents = act("&Import documents…", files.import_dialog, "Ctrl+I",
                                    "Import text, Markdown, HTML, PDF or image files")
        self.details = act("Document &details…", details, "Ctrl+Shift+D",
                           "Date, creator, archive, shelfmark, language, URL and rights of "
                           "the document")
        self.close_document = act("&Close document", desk.close_active_pane, K.Close)
        self.quit = act("&Quit", window.close, K.Quit)
        self.undo = model.undo_stack.createUndoAction(window, "&Undo")
        self.undo.setShortcuts(QKeySequence.keyBindings(K.Undo))
        self.redo = model.undo_stack.createRedoAction(window, "&Redo")
        # the platform's Redo keys, plus Ctrl+Shift+Z where they lack it (once: a key
        # bound twice is "ambiguous" to Qt and does nothing)
        redo_keys = QKeySequence.keyBindings(K.Redo)
        if QKeySequence("Ctrl+Shift+Z") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
        self.redo.setShortcuts(redo_keys)
        window.addActions([self.undo, self.redo])
        self.edit_text = act("&Edit transcription", editing.toggle, "Ctrl+E",
                             "Correct the transcription; annotations are re-anchored",
                             checkable=True)
        self.fit = act("&Fit highlight to selection", tagging.fit_highlight, "Ctrl+B",
                       "Move the selected highlight's boundaries to the selected text")
        self.delete = act("&Delete annotation", tagging.delete_selected, K.Delete,
                          "Delete the selected annotation (undo brings it back)")
        self.find_tag = act("Find &tag…", lambda: tagging.find_tag(), "Ctrl+T",
                            "Tag the selection with a tag found by name")
        self.sticky = act("&Sticky tag", tagging.set_sticky, "Ctrl+K",
                          "Tag every new selection with the current tag", checkable=True)
        self.link = act("&Link the two selections", tagging.link_selections, "Ctrl+L",
                        "Link the passage or region selected in each pane")
        from annotator.gui.scan_passages import REGION_TO_TEXT_KEY

        self.region_text = act("&Region to text annotation", page_sync.region_to_text,
                               REGION_TO_TEXT_KEY, "Annotate the passage of the aligned "
                               "transcription that the region drawn on the scan covers")
        self.page_start = act("This text &starts page…", page_sync.page_starts_here, None,
                              "Align the scan: the caret's position starts a page")
        self.beside = act("Open &beside…", desk.open_beside_dialog, "Ctrl+Shift+O",
                          "Put another document in the right-hand pane")
        self.swap = act("S&wap panes", desk.swap_panes, None)
        self.about = act("&About annotator", about, None)
        self.shortcuts = act("&Keyboard shortcuts", self.show_shortcuts, K.HelpContents,
                             "Every key of the workbench, read from its actions")
        self.getting_started = act("&Getting started", self.show_getting_started, None,
                                   "A short tour of the workbench, with its keys")
        self.next = act("&Next highlight", lambda: selected.next_highlight(False), "Alt+Down",
                        "Select the next highlight in the text")
        self.previous = act("&Previous highlight", lambda: selected.next_highlight(True),
                            "Alt+Up", "Select the previous highlight in the text")
        self.zoom_in = act("Zoom &in", lambda: desk.zoom(1), K.ZoomIn)
        self.zoom_out = act("Zoom &out", lambda: desk.zoom(-1), K.ZoomOut)
        self.export_actions: dict[str, QAction] = {}
        self._exchange_actions(exchange)

    def act(self, text: str, slot: Callable[..., object], shortcut: Shortcut = None,
            tip: str = "", checkable: bool = False) -> QAction:
        """An action of the window: its key works wherever the focus is in it."""
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _exchange_actions(self, exchange: ExchangeController) -> None:
        from annotator.gui.exchange_controller import EXPORT_ENTRIES

        for key, text in EXPORT_ENTRIES:
            self.export_actions[key] = self.act(
                text, lambda _c=False, k=key: exchange.export_as(k), None,
                "Export the annotations (all, or those the Annotations panel shows)")
        self.import_annotations = self.act(
            "Import &annotations (W3C JSON-LD, REFI-QDA)…", lambda: exchange.import_annotations(),
            None, "Bring in annotations made in another program or by a colleague")
        self.merge = self.act("&Merge a colleague's project…", lambda: exchange.merge(), None,
                              "Add a colleague's annotations, tags and documents (undoable)")
        self.copy = self.act("Save a &copy for a colleague…",
                             lambda: exchange.copy_for_colleague(), None,
                             "A compact, self-contained copy of this project")
        self.restore = self.act("Restore from &backup…", exchange.restore_backup_dialog, None,
                                "Replace this project with one of its automatic backups")
        self.agreement = self.act("A&greement between annotators…", self.show_agreement, None,
                                  "Compare two annotators per tag and curate their passages")

    def show_agreement(self) -> None:
        """The agreement view (panels/agreement.py), on the open project."""
        from annotator.gui.panels.agreement import AgreementDialog

        if self.model.is_open:
            self.agreement_dialog = AgreementDialog(self.model, self.window)
            self.agreement_dialog.show()

    def build(self, docks: dict[str, QDockWidget]) -> None:
        """The menu bar: File, Edit, Annotate, View (with every dock), Help."""
        bar = self.window.menuBar()
        file = self.file_menu = bar.addMenu("&File")
        file.addActions([self.new_project, self.open_project])
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        file.addSeparator()
        file.addActions([self.import_documents, self.details])
        file.addSeparator()
        self.export_menu = file.addMenu("&Export")
        self.export_menu.addActions(list(self.export_actions.values()))
        file.addActions([self.import_annotations, self.merge, self.copy, self.agreement])
        file.addSeparator()
        file.addAction(self.restore)
        file.addSeparator()
        file.addActions([self.close_document, self.quit])
        edit = self.edit_menu = bar.addMenu("&Edit")
        edit.addActions([self.undo, self.redo])
        edit.addSeparator()
        edit.addActions([self.edit_text, self.fit, self.delete])
        self.document_menu = bar.addMenu("&Document")  # Recognise text… (ocr_controller)
        self.tag_menu = bar.addMenu("&Annotate")
        self.tag_menu.aboutToShow.connect(self.fill_tag_menu)
        self.fill_tag_menu()
        view = self.view_menu = bar.addMenu("&View")
        view.addActions([self.beside, self.swap])
        view.addSeparator()
        view.addActions([self.zoom_in, self.zoom_out])
        from annotator.gui import theme

        self.theme_actions = theme.add_menu(view.addMenu("&Theme"), self.window)
        view.addSeparator()
        for dock in docks.values():
            view.addAction(dock.toggleViewAction())
        help_menu: QMenu = bar.addMenu("&Help")
        help_menu.addActions([self.getting_started, self.shortcuts, self.about])

    def fill_tag_menu(self) -> None:
        """Annotate: "Tag as …" for the tags (those with keys first), then the rest."""
        from PySide6.QtCore import Qt

        menu = self.tag_menu
        menu.clear()
        model = self.model
        tags = sorted(model.tags().values(),
                      key=lambda t: (t.shortcut or "z", model.tag_path(t.id)))
        for tag in tags[:30]:
            action = menu.addAction(f"Tag as {model.tag_path(tag.id)}")
            action.setShortcut(QKeySequence(tag.shortcut) if tag.shortcut else QKeySequence())
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # keys: tag_keys
            action.triggered.connect(lambda _c=False, t=tag.id: self.tagging.tag_with(t))
        if tags:
            menu.addSeparator()
        menu.addActions([self.find_tag, self.sticky, self.link, *self.extra_annotate,
                         self.region_text, self.page_start])
        menu.addSeparator()
        menu.addActions([self.next, self.previous])

    def rebuild_tag_keys(self) -> None:
        """Window-wide keys 1–9 for the tags that have them (text and scan alike)."""
        for action in self.tag_keys:
            self.window.removeAction(action)
            action.deleteLater()
        self.tag_keys = []
        for tag in self.model.tags().values() if self.model.is_open else []:
            if tag.shortcut:
                self.tag_keys.append(self.act(
                    f"Tag as {tag.name}", lambda _c=False, t=tag.id: self.tagging.tag_with(t),
                    tag.shortcut))

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard shortcuts (not modal: it can stay open beside the work)."""
        from annotator.gui.dialogs.shortcuts import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self.window)
        self.shortcuts_dialog.show()

    def show_getting_started(self) -> None:
        """Help ▸ Getting started (not modal either: the tour is read while trying it)."""
        from annotator.gui.dialogs.getting_started import GettingStartedDialog

        self.getting_started_dialog = GettingStartedDialog(self.window)
        self.getting_started_dialog.show()

    def fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_projects():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.files.open(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def show_sticky(self, tag_name: str | None) -> None:
        self.sticky.setText(f"&Sticky tag ({tag_name})" if tag_name else "&Sticky tag")

    def update(self) -> None:
        """Enable what applies to the pane in use."""
        pane = self.desk.active
        text = pane.kind == "text"
        self.edit_text.setEnabled(text)
        self.edit_text.setChecked(text and pane.text_view.editing)
        for p in self.desk.panes:
            p.edit_button.setChecked(p.text_view.editing)
        self.details.setEnabled(pane.document_id is not None)
        self.close_document.setEnabled(pane.document_id is not None)
