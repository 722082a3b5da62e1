"""The document navigator: every source in the project, with a filter box.

Double-click opens a document; the details (metadata) are one click away on the bar
above the list or in the context menu. An empty project says what to do next.
"""

from __future__ import annotations

import html

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.changes import OpChanges
from annotator.core.model import Document, DocumentKind
from annotator.core.overview import span_info
from annotator.gui.project_model import ProjectModel

COLUMNS = ("Title", "Kind", "Pages", "Annot.", "Date", "Creator", "Language")
#: Edits of more annotations than this (a merge, an import) recount every document.
RECOUNT_ALL_ABOVE = 5_000
HIDDEN = (1, 4, 5, 6)  # shown from the header's context menu (the kind is an icon)


def kind_icon(kind: str, size: int = 16) -> QIcon:
    """A small page glyph: ruled lines for a text, a grey picture for a scan."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QColor("#7a7f87"))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(2, 1, size - 5, size - 3)
    if kind == "text":
        for y in range(4, size - 3, 3):
            painter.drawLine(4, y, size - 5, y)
    else:
        painter.fillRect(4, 3, size - 8, size - 7, QColor("#9aa3ad"))
    painter.end()
    return QIcon(pixmap)
Index = QModelIndex | QPersistentModelIndex


def describe_kind(doc: Document) -> str:
    if doc.kind == DocumentKind.TEXT:
        return {"text/markdown": "Markdown", "text/html": "HTML"}.get(doc.media_type, "Text")
    if doc.media_type == "application/pdf":
        return "PDF"
    return "Image" if doc.media_type.startswith("image/") else "Pages"


class DocumentsModel(QAbstractTableModel):
    def __init__(self, model: ProjectModel) -> None:
        super().__init__()
        self.m = model
        self.docs: list[Document] = []
        self.counts: dict[str, int] = {}
        self._icons: dict[str, QIcon] = {}

    def reload(self) -> None:
        self.beginResetModel()
        if self.m.is_open:
            self.docs = list(self.m.documents().values())
            self.counts = self.m.p.documents.annotation_counts()
        else:
            self.docs, self.counts = [], {}
        self.endResetModel()

    def recount(self, document_ids: set[str]) -> None:
        """New annotation counts of these documents only (an edit touches one or two
        of them: counting all took 0.36 s at 1M on the GUI thread after every edit)."""
        if not self.m.is_open or not document_ids:
            return
        self.counts.update(self.m.p.documents.annotation_counts(document_ids))
        column = COLUMNS.index("Annot.")
        for row, doc in enumerate(self.docs):
            if doc.id in document_ids:
                index = self.index(row, column)
                self.dataChanged.emit(index, index)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.docs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        doc = self.docs[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (doc.title, describe_kind(doc),
                    doc.page_count if doc.kind == DocumentKind.PAGED else "",
                    self.counts.get(doc.id, 0), doc.metadata.get("date", ""),
                    doc.metadata.get("creator", ""), doc.language)[col]
        if role == Qt.ItemDataRole.UserRole:
            return doc.id
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            key = "text" if doc.kind == DocumentKind.TEXT else "paged"
            if key not in self._icons:
                self._icons[key] = kind_icon(key)
            return self._icons[key]
        if role == Qt.ItemDataRole.UserRole + 1:  # sort key
            return (doc.title.casefold(), describe_kind(doc), doc.page_count,
                    self.counts.get(doc.id, 0), str(doc.metadata.get("date", "")),
                    str(doc.metadata.get("creator", "")), doc.language)[col]
        if role == Qt.ItemDataRole.UserRole + 2:  # filter text
            return " ".join([doc.title, doc.filename, doc.language,
                             *(str(v) for v in doc.metadata.values())]).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"<b>{html.escape(doc.title)}</b>",
                     html.escape(f"{describe_kind(doc)} · {doc.filename}")]
            lines += [html.escape(f"{k}: {v}") for k, v in doc.metadata.items()
                      if k not in ("import_warnings", "encoding") and v]
            for warning in doc.metadata.get("import_warnings", []):
                lines.append(f"<span style='color:#c62828'>⚠ {warning}</span>")
            return "<br>".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DocumentFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.setSortRole(Qt.ItemDataRole.UserRole + 1)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.words = text.casefold().split()
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if not self.words:
            return True
        hay = self.sourceModel().index(row, 0, parent).data(Qt.ItemDataRole.UserRole + 2)
        return all(w in hay for w in self.words)


class DocumentsPanel(QWidget):
    openRequested = Signal(str, bool)  # document id, beside (in the other pane)
    detailsRequested = Signal(str)
    deleteRequested = Signal(str)
    linkRequested = Signal(str)
    importRequested = Signal()

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.docs = DocumentsModel(model)
        self.proxy = DocumentFilter()
        self.proxy.setSourceModel(self.docs)
        self.filter = QLineEdit(placeholderText="Filter documents…", clearButtonEnabled=True)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.details = QToolButton(text="Details…", autoRaise=True,
                                   toolTip="Edit the details of the selected document: date, "
                                           "creator, archive, shelfmark, language, URL, rights")
        self.details.clicked.connect(self._details)
        add = QToolButton(text="Import…", autoRaise=True,
                          toolTip="Import documents (text, Markdown, HTML, PDF, images)")
        add.clicked.connect(self.importRequested)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.details)
        bar.addWidget(add)

        self.view = QTreeView(rootIsDecorated=False, uniformRowHeights=True,
                              sortingEnabled=True, alternatingRowColors=True)
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.doubleClicked.connect(lambda i: self._open(i, False))
        self.view.activated.connect(lambda i: self._open(i, False))
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.view.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(28)
        for col in HIDDEN:
            self.view.setColumnHidden(col, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.empty = QLabel(objectName="emptyState", wordWrap=True,
                            alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.setText("<p><b>No documents yet</b></p><p><a href='import'>Import…</a> "
                           "or drop files here</p><p><small>Text, Markdown, HTML, PDF and "
                           "page images</small></p>")
        self.empty.linkActivated.connect(lambda _l: self.importRequested.emit())
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.reload)
        #: the document of each annotation an edit touched lately: undoing a creation
        #: removes the row, and its document must still be recounted
        self._where: dict[str, str] = {}
        model.changed.connect(self._changed)
        model.projectOpened.connect(self.reload)
        model.projectClosed.connect(self.reload)

    def reload(self) -> None:
        selected = self.selected_id()
        self.docs.reload()
        for col in range(1, len(COLUMNS)):
            self.view.resizeColumnToContents(col)
        self.stack.setCurrentWidget(self.view if self.docs.docs else self.empty)
        if selected:
            self.select(selected)

    def _changed(self, changes: OpChanges) -> None:
        if changes.documents:
            self.reload()
        elif changes.annotations:  # counts only: of the documents the edits touched
            if len(changes.annotations) > RECOUNT_ALL_ABOVE:
                self._timer.start()  # a merge or an import: coalesce, count all
                return
            info = span_info(self.m.p, changes.annotations)
            where = self._where
            if len(where) > 10_000:
                where.clear()
            where.update((i, document) for i, (document, _length) in info.items())
            if any(i not in where for i in changes.annotations):  # gone from the file
                self._timer.start()  # (an undone creation we never saw): count all
                return
            self.docs.recount({where[i] for i in changes.annotations})

    def selected_id(self) -> str | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    def select(self, document_id: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(Qt.ItemDataRole.UserRole) == document_id:
                self.view.setCurrentIndex(index)
                return

    def _open(self, index: QModelIndex, beside: bool) -> None:
        doc_id = index.sibling(index.row(), 0).data(Qt.ItemDataRole.UserRole)
        if doc_id:
            self.openRequested.emit(doc_id, beside)

    def _details(self) -> None:
        doc_id = self.selected_id()
        if doc_id:
            self.detailsRequested.emit(doc_id)

    def _header_menu(self, pos) -> None:
        menu = QMenu(self)
        for col in range(1, len(COLUMNS)):
            action = menu.addAction(COLUMNS[col])
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(col))
            action.toggled.connect(lambda on, c=col: self.view.setColumnHidden(c, not on))
        menu.exec(self.view.header().mapToGlobal(pos))

    def _menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        menu = QMenu(self)
        if index.isValid():
            doc_id = index.sibling(index.row(), 0).data(Qt.ItemDataRole.UserRole)
            menu.addAction("Open", lambda: self.openRequested.emit(doc_id, False))
            menu.addAction("Open beside", lambda: self.openRequested.emit(doc_id, True))
            menu.addSeparator()
            menu.addAction("Details…", lambda: self.detailsRequested.emit(doc_id))
            menu.addAction("Link as transcription of…", lambda: self.linkRequested.emit(doc_id))
            menu.addSeparator()
            delete = QAction("Delete document", menu)
            delete.triggered.connect(lambda: self.deleteRequested.emit(doc_id))
            menu.addAction(delete)
        else:
            menu.addAction("Import documents…", self.importRequested.emit)
        menu.exec(self.view.viewport().mapToGlobal(pos))
