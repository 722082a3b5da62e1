"""The workbench window: two document panes in a splitter, the panels in docks, menus.

The window owns the layout and the project's life cycle (open, new, recent, import,
drop); what gestures do to annotations lives in gestures.py. Nothing needs saving:
every action is committed by the core as it happens, so closing never asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from annotator.gui import settings
from annotator.gui.exchange_actions import ExchangeMixin
from annotator.gui.gestures import GesturesMixin
from annotator.gui.menus import MenusMixin
from annotator.gui.page_sync import PageSyncMixin
from annotator.gui.project_model import ProjectModel

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QDockWidget

STATE_VERSION = 1


class MainWindow(MenusMixin, ExchangeMixin, PageSyncMixin, GesturesMixin, QMainWindow):
    """The workbench. Built in two steps so start-up shows a window at once: the frame
    (title, geometry, a "Loading…" page) in ``__init__``, the panes, panels and menus in
    :meth:`build`, which :func:`annotator.gui.app.run` calls after the first paint."""

    documentActivated = Signal(object)  # the id of the document the user now works in

    def __init__(self, model: ProjectModel | None = None, author: str | None = None,
                 build: bool = True) -> None:
        super().__init__()
        self.model = model or ProjectModel(self)
        self.author = author
        self.built = False
        self._sized = False
        self.setWindowTitle("annotator")
        self.resize(1400, 880)
        self.setAcceptDrops(True)
        # Nothing here may touch the Qt namespace (creating its enums costs ~30 ms), lay
        # out a central widget or measure text (both load the fonts first): the frame
        # must show as fast as a bare window. build() fills it in a moment later.
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if build:
            self.build()

    def after_first_paint(self, callback) -> None:  # noqa: ANN001
        """Run ``callback`` from the event loop once the window has been painted."""
        self._first_paint = _FirstPaint(self, callback)

    def build(self) -> None:
        """Panes, panels, menus and the gestures that tie them together."""
        if self.built:
            return
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget, QSplitter, QStackedWidget, QVBoxLayout, QWidget

        from annotator.gui.dialogs.tag_finder import TagFinder
        from annotator.gui.document_pane import DocumentPane
        from annotator.gui.panels.annotations_table import AnnotationsPanel
        from annotator.gui.panels.codebook import CodebookPanel
        from annotator.gui.panels.documents import DocumentsPanel
        from annotator.gui.panels.entities import EntitiesPanel
        from annotator.gui.panels.inspector import InspectorPanel
        from annotator.gui.research_docks import add_research_panels

        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.left = DocumentPane(self.model, "left")
        self.right = DocumentPane(self.model, "right")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.splitterMoved.connect(lambda *_: self._remember_documents())
        self.right.hide()
        self.welcome = QLabel("", objectName="welcome", wordWrap=True,
                              alignment=Qt.AlignmentFlag.AlignCenter)
        self.welcome.linkActivated.connect(self._welcome_link)
        self.workspace = QWidget()  # the panes, and the find bar under them
        workspace = QVBoxLayout(self.workspace)
        workspace.setContentsMargins(0, 0, 0, 0)
        workspace.setSpacing(0)
        workspace.addWidget(self.splitter, 1)
        self.central = QStackedWidget()
        self.central.addWidget(self.welcome)
        self.central.addWidget(self.workspace)
        self.setCentralWidget(self.central)

        self.documents = DocumentsPanel(self.model)
        self.codebook = CodebookPanel(self.model)
        self.annotations = AnnotationsPanel(self.model)
        self.inspector = InspectorPanel(self.model)
        self.entities = EntitiesPanel(self.model)
        self.docks: dict[str, QDockWidget] = {}
        area = Qt.DockWidgetArea
        for name, title, widget, where in (
                ("documents", "Documents", self.documents, area.LeftDockWidgetArea),
                ("codebook", "Codebook", self.codebook, area.LeftDockWidgetArea),
                ("inspector", "Inspector", self.inspector, area.RightDockWidgetArea),
                ("entities", "Entities", self.entities, area.RightDockWidgetArea),
                ("annotations", "Annotations", self.annotations, area.BottomDockWidgetArea)):
            dock = QDockWidget(title, self, objectName=f"dock_{name}")
            dock.setWidget(widget)
            self.addDockWidget(where, dock)
            self.docks[name] = dock
        self.pages = QStackedWidget()
        self.pages.addWidget(QLabel("No scan open", objectName="emptyState",
                                    alignment=Qt.AlignmentFlag.AlignCenter))
        dock = QDockWidget("Pages", self, objectName="dock_pages")
        dock.setWidget(self.pages)
        self.addDockWidget(area.LeftDockWidgetArea, dock)
        self.docks["pages"] = dock
        self.tabifyDockWidget(self.docks["codebook"], dock)
        self.docks["codebook"].raise_()
        self.tabifyDockWidget(self.docks["inspector"], self.docks["entities"])
        self.docks["inspector"].raise_()

        self.finder = TagFinder(self.model, self)
        self.status_author = QLabel()
        self.status_sticky = QLabel()
        self.statusBar().addPermanentWidget(self.status_sticky)
        self.statusBar().addPermanentWidget(self.status_author)
        self._build_actions()
        self._build_menus()
        self.setup_gestures()
        self.documents.openRequested.connect(self.open_document)
        self.documents.detailsRequested.connect(self.edit_details)
        self.documents.deleteRequested.connect(self.delete_document)
        self.documents.linkRequested.connect(self.link_documents_dialog)
        self.documents.importRequested.connect(self.import_dialog)
        self.model.projectOpened.connect(self._project_opened)
        self.model.changed.connect(self._changed)
        self.model.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.model.failed.connect(lambda m: self.statusBar().showMessage(f"⚠ {m}", 10000))
        self.model.undo_stack.indexChanged.connect(lambda _i: self._update_actions())
        self.research: dict = {}
        self.find_bar = None
        add_research_panels(self)
        self.built = True
        self._update_welcome()
        self.restore_layout()
        if self.isVisible():
            self._size_docks()

    def add_panel(self, name: str, title: str, widget, area: str = "right") -> QDockWidget:  # noqa: ANN001
        """Dock another panel (search, timeline …) with the others: its place and size
        are remembered with the layout, and View lists it."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        where = {"left": Qt.DockWidgetArea.LeftDockWidgetArea,
                 "right": Qt.DockWidgetArea.RightDockWidgetArea,
                 "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}[area]
        dock = QDockWidget(title, self, objectName=f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(where, dock)
        self.docks[name] = dock
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    # -- the project -----------------------------------------------------------------------------

    def open_project(self, path: str | Path) -> bool:
        from PySide6.QtWidgets import QMessageBox

        from annotator.core.errors import AnnotatorError, ProjectCorrupt, ProjectLocked

        try:
            self._remember_documents()
            self.model.open(path, author=self.author)
        except ProjectCorrupt as exc:
            return self.offer_restore(path, exc)
        except ProjectLocked as exc:
            answer = QMessageBox.question(self, "Project in use", f"{exc}\n\nOpen it read-only?")
            if answer != QMessageBox.StandardButton.Yes:
                return False
            try:
                self.model.open(path, author=self.author, read_only=True)
            except AnnotatorError as exc2:
                QMessageBox.warning(self, "Cannot open project", str(exc2))
                return False
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Cannot open project", str(exc))
            return False
        return True

    def new_project(self, path: str | Path, title: str = "") -> bool:
        from PySide6.QtWidgets import QMessageBox

        from annotator.core.errors import AnnotatorError

        try:
            self._remember_documents()
            self.model.create(path, title, author=self.author)
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Cannot create project", str(exc))
            return False
        return True

    def new_project_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "New project", str(Path.home() /
                                              "My project.annot"), "Projects (*.annot)")
        if path:
            self.new_project(path if path.endswith(".annot") else path + ".annot")

    def open_project_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(Path.home()),
                                              "Projects (*.annot);;All files (*)")
        if path:
            self.open_project(path)

    def _project_opened(self) -> None:
        p = self.model.p
        settings.add_recent(p.path)
        read_only = " (read-only)" if p.read_only else ""
        self.setWindowTitle(f"{p.title}{read_only} — annotator")
        self.status_author.setText(f"{p.author_name} · {p.path.name}{read_only}")
        self.left.close_document()
        self.right.close_document()
        self.right.hide()
        self._update_welcome()
        self._fill_tag_menu()
        self.rebuild_tag_shortcuts()
        left = settings.project_value(p.path, "left")
        right = settings.project_value(p.path, "right")
        docs = self.model.documents()
        if left is None:  # never opened here: show a transcription beside its scan
            linked = [d for d in docs.values() if d.kind == "text" and self.companion_of(d.id)]
            left = linked[0].id if linked else None
        if left in docs:
            self.open_document(str(left), remember=False)
            if right in docs and right != self.right.document_id:
                self.open_document(str(right), beside=True, remember=False)
        sizes = settings.project_value(p.path, "splitter")
        if sizes:
            self.splitter.setSizes([int(s) for s in sizes])  # type: ignore[union-attr]
        self.statusBar().showMessage(f"Opened {p.path}", 4000)

    def _changed(self, changes) -> None:  # noqa: ANN001
        for pane in (self.left, self.right):
            pane.on_changes(changes)
        if changes.tags:
            self.rebuild_tag_shortcuts()
            self._update_sticky()
        if changes.documents:
            self._update_welcome()

    def _update_welcome(self) -> None:
        if not self.model.is_open:
            text = "<h2>No project open</h2><p><a href='new'>New project…</a> · " \
                   "<a href='open'>Open project…</a></p>"
        elif not self.model.documents():
            text = ("<h2>No documents yet</h2><p><a href='import'>Import…</a> or drop files "
                    "here</p><p><small>Text, Markdown and HTML transcriptions, PDFs (born-digital "
                    "or scanned) and page photos</small></p>")
        else:
            text = ("<h2>Open a document</h2><p>Double-click a document in the navigator on "
                    "the left.</p><p><small>Select a passage and press 1–9 to tag it · "
                    "Ctrl+T finds a tag by name · Ctrl+Z undoes anything</small></p>")
        self.welcome.setText(text)
        self.central.setCurrentWidget(self.workspace if self.left.document_id else self.welcome)

    def _welcome_link(self, link: str) -> None:
        {"new": self.new_project_dialog, "open": self.open_project_dialog,
         "import": self.import_dialog}[link]()

    # -- documents ----------------------------------------------------------------------------------

    def import_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from annotator.gui.dialogs import importing

        if not self.model.is_open:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, "Import documents", str(Path.home()),
                                                importing.FILE_FILTER)
        if paths:
            self.import_files(paths)

    def import_files(self, paths: list[str]) -> list:
        from PySide6.QtWidgets import QMessageBox

        from annotator.gui.dialogs import importing

        reports = importing.import_paths(self, self.model, paths)
        line, details = importing.summary(reports)
        self.statusBar().showMessage(line, 10000)
        if details:
            box = QMessageBox(QMessageBox.Icon.Warning, "Import", line, parent=self)
            box.setDetailedText("\n".join(details))
            box.setInformativeText("\n".join(details[:5]))
            box.open()  # not modal-blocking: the import is done
            self._last_box = box
        imported = [r.document for r in reports if r.status in ("imported", "existing")
                    and r.document]
        if imported and not self.left.document_id:
            self.open_document(imported[0].id)
        return reports

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls() and self.model.is_open:
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        projects = [p for p in paths if p.endswith(".annot")]
        if projects:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_project(projects[0]))
            return
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.import_files(paths))

    def edit_details(self, document_id: str) -> None:
        from annotator.gui.dialogs.metadata import MetadataDialog

        doc = self.model.p.documents.get(document_id)
        if doc is not None:
            self._details = MetadataDialog(self.model, doc, self)
            self._details.open()

    def edit_details_current(self) -> None:
        doc_id = self.active_pane.document_id or self.documents.selected_id()
        if doc_id:
            self.edit_details(doc_id)

    def about(self) -> None:
        from annotator.gui.dialogs.about import AboutDialog

        self._about = AboutDialog(self, str(self.model.p.path) if self.model.is_open else "")
        self._about.open()

    # -- layout memory -------------------------------------------------------------------------------

    def _remember_documents(self) -> None:
        if not self.model.is_open:
            return
        path = self.model.p.path
        settings.set_project_value(path, "left", self.left.document_id or "")
        settings.set_project_value(path, "right", self.right.document_id or ""
                                   if self.right.isVisible() else "")
        if self.right.isVisible():
            settings.set_project_value(path, "splitter", self.splitter.sizes())

    def restore_layout(self) -> None:
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self._sized = self.restoreState(state, STATE_VERSION)

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        super().showEvent(event)
        self._size_docks()

    def _size_docks(self) -> None:
        if self.built and not self._sized:  # first run: room for the panels (later: as left)
            self._sized = True
            QTimer.singleShot(0, self, self._default_dock_sizes)  # once laid out

    def _default_dock_sizes(self) -> None:
        from PySide6.QtCore import Qt

        width, height = self.width(), self.height()
        self.resizeDocks([self.docks["documents"], self.docks["inspector"]],
                         [max(260, width // 5), max(280, width // 5)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["annotations"]], [max(180, height // 4)],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["documents"], self.docks["codebook"]],
                         [max(150, height // 4), max(250, height // 3)],
                         Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        if not self.built:
            return
        settings.set_value("window/geometry", self.saveGeometry())
        settings.set_value("window/state", self.saveState(STATE_VERSION))
        self._remember_documents()
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Nothing to save: every action was committed when it was made."""
        if not self.built:
            self.model.close()
            event.accept()
            return
        for pane in (self.left, self.right):
            if pane.text_view.editing:
                self.finish_editing(pane)
        self.inspector.show_annotation(None)  # commits a note being typed
        self.save_layout()
        self._resync.stop()
        self.annotations.table.stop()
        self.model.close()
        event.accept()


class _FirstPaint(QObject):
    """Calls back (from the event loop) after the watched widget's first paint."""

    def __init__(self, widget, callback) -> None:  # noqa: ANN001
        super().__init__(widget)
        self.callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint and self.callback is not None:
            callback, self.callback = self.callback, None
            obj.removeEventFilter(self)
            QTimer.singleShot(0, callback)
        return False
