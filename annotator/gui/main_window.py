"""The workbench window: two document panes in a splitter, the panels in docks, menus.

The window owns the layout, the docks and the wiring (what it remembers of its layout
between sessions: window_layout.py); the work is done by small controllers it creates
and hands what they act on: the desk (which documents are open where, desk.py), the selected annotation
(selected_annotation.py), tagging (tagging_controller.py), correcting a transcription
(transcription_editing.py), page sync (page_sync.py), the project file
(project_files.py) and exchanging work (exchange_controller.py); menus.py offers their
methods as actions. They ask questions through one dialog service (dialogs/service.py).
Nothing needs saving: every action is committed by the core as it happens, so closing
never asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from annotator.gui import settings
from annotator.gui.collector import CollectorHold
from annotator.gui.project_model import ProjectModel
from annotator.gui.window_layout import (  # noqa: F401 - re-exported
    MIN_PANE,
    STATE_VERSION,
    LayoutMemory,
    available_room,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from PySide6.QtGui import (
        QCloseEvent,
        QDragEnterEvent,
        QDragMoveEvent,
        QDropEvent,
    )
    from PySide6.QtWidgets import QDockWidget

    from annotator.core.changes import OpChanges
    from annotator.gui.dialogs.service import Dialogs


class MainWindow(LayoutMemory):
    """The workbench. Built in two steps so start-up shows a window at once: the frame
    (title, geometry, a "Loading…" page) in ``__init__``, the panes, panels, controllers
    and menus in :meth:`build`, which :func:`annotator.gui.app.run` calls after the
    first paint. ``dialogs``: the dialog service (a test hands in a scripted one)."""

    documentActivated = Signal(object)  # the id of the document the user now works in

    def __init__(self, model: ProjectModel | None = None, author: str | None = None,
                 build: bool = True, dialogs: Dialogs | None = None) -> None:
        super().__init__()
        # the cyclic collector runs on this thread only while the window lives: run
        # on a worker thread, it can free Qt objects there and crash (gui/collector.py)
        self._collecting = CollectorHold()
        self.destroyed.connect(self._collecting.release)
        self.model = model or ProjectModel(self)
        self.author = author
        self._dialogs = dialogs
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

    def after_first_paint(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` from the event loop once the window has been painted."""
        self._first_paint = _FirstPaint(self, callback)

    def build(self) -> None:
        """Panes, panels, the controllers and the menus that offer them."""
        if self.built:
            return
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

        from annotator.gui.dialogs.service import Dialogs
        from annotator.gui.dialogs.tag_finder import TagFinder
        from annotator.gui.document_pane import DocumentPane
        from annotator.gui.panels.annotations_table import AnnotationsPanel
        from annotator.gui.panels.codebook import CodebookPanel
        from annotator.gui.panels.documents import DocumentsPanel
        from annotator.gui.panels.entities import EntitiesPanel
        from annotator.gui.panels.inspector import InspectorPanel
        from annotator.gui.research_docks import add_research_panels

        self.dialogs = self._dialogs or Dialogs(self)
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.left = DocumentPane(self.model, "left")
        self.right = DocumentPane(self.model, "right")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.splitterMoved.connect(lambda *_: self._remember_documents())
        self.right.hide()
        self.welcome = QLabel("")
        self.welcome.setObjectName("welcome")
        self.welcome.setWordWrap(True)
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.linkActivated.connect(self._welcome_link)
        self.workspace = QWidget()  # the panes, and the find bar under them
        workspace = self.workspace_layout = QVBoxLayout(self.workspace)
        workspace.setContentsMargins(0, 0, 0, 0)
        workspace.setSpacing(0)
        workspace.addWidget(self.splitter, 1)
        self.central = QStackedWidget()
        self.central.addWidget(self.welcome)
        self.central.addWidget(self.workspace)
        self.setCentralWidget(self.central)

        self.documents = DocumentsPanel(self.model)
        self.codebook = CodebookPanel(self.model, dialogs=self.dialogs)
        self.annotations = AnnotationsPanel(self.model)
        self.inspector = InspectorPanel(self.model)
        self.entities = EntitiesPanel(self.model, dialogs=self.dialogs)
        self.docks: dict[str, QDockWidget] = {}
        for name, title, widget, area in (
                ("documents", "Documents", self.documents, "left"),
                ("codebook", "Codebook", self.codebook, "left"),
                ("inspector", "Inspector", self.inspector, "right"),
                ("entities", "Entities", self.entities, "right"),
                ("annotations", "Annotations", self.annotations, "bottom")):
            self._dock(name, title, widget, area)
        self.pages = QStackedWidget()
        empty = QLabel("No scan open")
        empty.setObjectName("emptyState")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(empty)
        self._dock("pages", "Pages", self.pages, "left")
        self.tabifyDockWidget(self.docks["codebook"], self.docks["pages"])
        self.docks["codebook"].raise_()
        self.tabifyDockWidget(self.docks["inspector"], self.docks["entities"])
        self.docks["inspector"].raise_()

        self.finder = TagFinder(self.model, self)
        self.status_author = QLabel()
        self.status_sticky = QLabel()
        self.statusBar().addPermanentWidget(self.status_sticky)
        self.statusBar().addPermanentWidget(self.status_author)
        self._build_controllers()
        self.model.projectOpened.connect(self._project_opened)
        self.model.projectClosed.connect(self._remember_documents)
        self.model.changed.connect(self._changed)
        self.model.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.model.failed.connect(lambda m: self.statusBar().showMessage(f"⚠ {m}", 10000))
        self.model.undo_stack.indexChanged.connect(lambda _i: self.menus.update())
        self.find_bar: QWidget | None = None  # made at the first Ctrl+F
        self.research: Mapping[str, QWidget] = {}  # each built when first shown or asked for
        add_research_panels(self)
        self.built = True
        self._update_welcome()
        self.restore_layout()
        if self.isVisible():
            self._size_docks()

    def _build_controllers(self) -> None:
        """The controllers, each given what it acts on, and the wiring between them."""
        from annotator.gui.desk import Desk
        from annotator.gui.exchange_controller import ExchangeController
        from annotator.gui.menus import Menus
        from annotator.gui.page_sync import PageSync
        from annotator.gui.project_files import ProjectFiles
        from annotator.gui.selected_annotation import SelectedAnnotation
        from annotator.gui.tagging_controller import TaggingController
        from annotator.gui.transcription_editing import TranscriptionEditing

        model, status, dialogs = self.model, self.statusBar(), self.dialogs
        desk = self.desk = Desk(model, self.left, self.right, self.splitter, self.pages,
                                self.annotations, self.documents, dialogs)
        self.selected = SelectedAnnotation(model, desk, self.inspector, self.annotations,
                                           status)
        self.tagging = TaggingController(model, desk, self.selected, self.finder,
                                         self.codebook, status)
        self.editing = TranscriptionEditing(model, desk, status)
        self.editing.reviewRequested.connect(self._review_anchors)
        self.page_sync = PageSync(model, desk, dialogs, status)
        self.files = ProjectFiles(model, desk, dialogs, status, self, lambda: self.author)
        self.exchange = ExchangeController(model, dialogs, status, self.annotations,
                                           self.files, self)
        self.menus = Menus(self, model, files=self.files, desk=desk, selected=self.selected,
                           tagging=self.tagging, editing=self.editing,
                           page_sync=self.page_sync, exchange=self.exchange,
                           about=self.about, details=self.edit_details_current)
        self.menus.build(self.docks)
        from annotator.gui.ocr_controller import OcrController

        self.ocr = OcrController(model, desk, dialogs, status, self)
        self.ocr.install(self.menus.document_menu)
        from annotator.gui.iiif_controller import IIIFController

        self.iiif = IIIFController(model, dialogs, self)
        self.iiif.install(self.menus.file_menu)
        from annotator.gui.undo import UndoKeys

        self.undo_keys = UndoKeys(self, self.inspector.commit_fields)
        from annotator.gui.status import StatusMessages

        self.status_messages = StatusMessages(status, model, desk, self.selected,
                                              self.annotations)

        desk.documentActivated.connect(self.documentActivated)
        desk.paneActivated.connect(lambda _pane: self.menus.update())
        desk.arranged.connect(self._arranged)
        self.editing.editingChanged.connect(self.menus.update)
        self.tagging.stickyChanged.connect(self._show_sticky)
        self.inspector.deleteRequested.connect(self.tagging.delete_annotation)
        self.codebook.tagActivated.connect(self.show_tag)
        self.entities.entityActivated.connect(self.show_entity)
        self.documents.openRequested.connect(self.open_document)
        self.documents.detailsRequested.connect(self.edit_details)
        self.documents.deleteRequested.connect(desk.delete_document)
        self.documents.linkRequested.connect(desk.link_documents_dialog)
        self.documents.importRequested.connect(self.files.import_dialog)
        self.tagging.show_sticky()

    def _dock(self, name: str, title: str, widget: QWidget, area: str) -> QDockWidget:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        where = {"left": Qt.DockWidgetArea.LeftDockWidgetArea,
                 "right": Qt.DockWidgetArea.RightDockWidgetArea,
                 "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}[area]
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(where, dock)
        self.docks[name] = dock
        return dock

    def add_panel(self, name: str, title: str, widget: QWidget,
                  area: str = "right") -> QDockWidget:
        """Dock another panel (search, timeline …) with the others: its place and size
        are remembered with the layout, and View lists it."""
        dock = self._dock(name, title, widget, area)
        self.menus.view_menu.addAction(dock.toggleViewAction())
        return dock

    # -- the project (project_files.py does the work) ----------------------------------------

    def open_project(self, path: str | Path) -> bool:
        """Open a project file (what app.start and a dropped file call)."""
        return self.files.open(path)

    def new_project(self, path: str | Path, title: str = "") -> bool:
        return self.files.create(path, title)

    def open_document(self, document_id: str, beside: bool = False,
                      remember: bool = True) -> None:
        """Open a document (its linked scan or transcription beside it): see Desk."""
        self.desk.open_document(document_id, beside, remember)

    def _project_opened(self) -> None:
        p = self.model.p
        settings.add_recent(p.path)
        read_only = " (read-only)" if p.read_only else ""
        self.setWindowTitle(f"{p.title}{read_only} — annotator")
        self.status_author.setText(f"{p.author_name} · {p.path.name}{read_only}")
        self.desk.close_all()
        self._update_welcome()
        self.menus.fill_tag_menu()
        self.menus.rebuild_tag_keys()
        right = settings.project_value(p.path, "right")
        docs = self.model.documents()
        # never opened here: a transcription beside its scan (the first glance's rule)
        left = p.documents.first_to_read(settings.left_open(p.path))
        if left in docs:
            self.open_document(str(left), remember=False)
            if right in docs and right != self.right.document_id:
                self.open_document(str(right), beside=True, remember=False)
        share = settings.project_value(p.path, "splitter_share")
        if not self.right.isHidden():  # once the panes have their width (see _share_panes)
            QTimer.singleShot(0, self, lambda: self._share_panes(share))
        self.statusBar().showMessage(f"Opened {p.path}", 4000)

    def _changed(self, changes: OpChanges) -> None:
        for pane in (self.left, self.right):
            pane.on_changes(changes)
        if changes.tags:
            self.menus.rebuild_tag_keys()
            self.tagging.show_sticky()
        if changes.documents:
            self._update_welcome()

    def _arranged(self, remember: bool) -> None:
        """Documents were opened or closed in the panes."""
        self._update_welcome()
        self.menus.update()
        if remember:
            self._remember_documents()

    def _show_sticky(self, tag_name: str | None) -> None:
        on = self.tagging.sticky and tag_name is not None
        self.status_sticky.setText(f"Sticky tag: {tag_name}" if on else "")
        self.menus.show_sticky(tag_name)

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
        self.welcome.setText(text + "<p><small><a href='help'>Getting started</a></small></p>")
        self.central.setCurrentWidget(self.workspace if self.left.document_id else self.welcome)

    def _welcome_link(self, link: str) -> None:
        {"new": self.files.new_dialog, "open": self.files.open_dialog,
         "import": self.files.import_dialog, "help": self.menus.show_getting_started}[link]()

    # -- panels ---------------------------------------------------------------------------------

    def show_tag(self, tag_id: str) -> None:
        """A tag's annotations, in the table."""
        self._raise("annotations")
        self.annotations.set_tag(tag_id)

    def show_entity(self, entity_id: str) -> None:
        """An entity's page (if that panel is there) and its mentions in the table."""
        page = self.research.get("entity")
        if page is not None:
            page.show_entity(entity_id)  # type: ignore[attr-defined]
            self._raise("entity")
        self._raise("annotations")
        self.annotations.set_entity(entity_id)

    def _review_anchors(self, document_id: str) -> None:
        self._raise("annotations")
        self.annotations.review_anchors(document_id)

    def _raise(self, dock: str) -> None:
        self.docks[dock].show()
        self.docks[dock].raise_()

    def edit_details(self, document_id: str) -> None:
        from annotator.gui.dialogs.metadata import MetadataDialog

        doc = self.model.p.documents.get(document_id)
        if doc is not None:
            self._details = MetadataDialog(self.model, doc, self)
            self._details.open()

    def edit_details_current(self) -> None:
        doc_id = self.desk.active.document_id or self.documents.selected_id()
        if doc_id:
            self.edit_details(doc_id)

    def about(self) -> None:
        from annotator.gui.dialogs.about import AboutDialog

        self._about = AboutDialog(self, str(self.model.p.path) if self.model.is_open else "")
        self._about.open()

    # -- files dropped on the window ------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.model.is_open:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.files.dropped(paths))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Nothing to save: every action was committed when it was made. The window
        goes once its layout is saved, closing the project after (and quitting.py
        ends the process at once)."""
        self._collecting.release()
        if not self.built:
            self.model.close()
            event.accept()
            return
        self.editing.finish_all()
        self.inspector.show_annotation(None)  # commits a note being typed
        self.save_layout()
        self.hide()
        self.page_sync.stop()
        self.annotations.table.stop()
        self.model.close()
        event.accept()


class _FirstPaint(QObject):
    """Calls back (from the event loop) after the watched widget's first paint."""

    def __init__(self, widget: QWidget, callback: Callable[[], object]) -> None:
        super().__init__(widget)
        self.callback: Callable[[], object] | None = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.callback is not None:
            callback, self.callback = self.callback, None
            obj.removeEventFilter(self)
            QTimer.singleShot(0, callback)
        return False
