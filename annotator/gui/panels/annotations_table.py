"""The annotations table: every annotation of the project (or of the open document),
filtered by tag, author, entity or words; double-click jumps to it.

It may hold a million rows, so the model keeps plain tuples (core/overview.py),
loads them in a worker thread on a second read-only connection (no second check of
the file), sorted by SQL there (a click on a header reloads in that order: no Python
sort on the GUI thread), and applies small change sets row by row instead of
reloading.
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.changes import OpChanges
from annotator.core.documents import page_for_offset
from annotator.core.filters import NEEDS_REVIEW, AnnotationFilter
from annotator.core.overview import (
    ROW_AUTHOR,
    ROW_DATE,
    ROW_DOC,
    ROW_DOC_ID,
    ROW_ENTITY,
    ROW_ID,
    ROW_MODIFIED,
    ROW_NOTE,
    ROW_PAGE,
    ROW_QUOTE,
    ROW_START,
    ROW_STATE,
    ROW_TAGS,
    reader,
    table_rows,
)
from annotator.gui.project_model import ProjectModel

COLUMNS = ("Document", "Quote", "Page", "Tags", "Entity", "Date", "Note", "Author",
           "Modified")
#: What each column sorts by in SQL (core.overview.SORT_KEYS); None: reading order.
SORT_BY = (None, "quote", "page", "tags", "entity", "date", "note", "author", "modified")
INCREMENTAL_UP_TO = 500
Index = QModelIndex | QPersistentModelIndex


class RowLoader(QThread):
    """Reads the table rows on a read-only connection of its own (WAL lets it read
    while the GUI writes), and hands them over in batches."""

    batch = Signal(int, list)  # generation, rows
    done = Signal(int)
    failed = Signal(int, str)  # generation, why: the table then loads on the GUI thread

    def __init__(self, path: str, generation: int, filters: AnnotationFilter,
                 order: dict) -> None:
        super().__init__()
        self.path, self.generation, self.filters, self.order = path, generation, filters, order

    def run(self) -> None:
        try:
            project = reader(self.path)
        except Exception as exc:
            self.failed.emit(self.generation, str(exc))
            return
        try:
            for rows in table_rows(project, self.filters, batch=2000, **self.order):
                if self.isInterruptionRequested():
                    return
                self.batch.emit(self.generation, rows)
                self.msleep(3)  # let the GUI thread have the interpreter lock
        finally:
            project.close()
            self.done.emit(self.generation)


class AnnotationsModel(QAbstractTableModel):
    loaded = Signal()

    def __init__(self, model: ProjectModel) -> None:
        super().__init__()
        self.m = model
        self.rows: list[tuple] = []
        self.filters = AnnotationFilter()
        self.loading = False
        self.settling = False  # rows come and go after an edit (see apply)
        self._generation = 0
        self._loader: RowLoader | None = None
        self._running: set[RowLoader] = set()  # alive until their thread has finished
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._alignments: dict[str, dict[int, int]] | None = None

    # -- loading ----------------------------------------------------------------------------

    def reload(self, filters: AnnotationFilter | None = None) -> None:
        """Reload all rows in the background with these filters."""
        if filters is not None:
            self.filters = filters
        self.stop()
        self._generation += 1
        self._alignments = None
        self.beginResetModel()
        self.rows = []
        self.endResetModel()
        if not self.m.is_open:
            return
        self.loading = True
        loader = RowLoader(str(self.m.p.path), self._generation, self.filters, self._order())
        loader.batch.connect(self._batch)
        loader.done.connect(self._done)
        loader.failed.connect(self._load_here)
        loader.finished.connect(self._thread_finished)  # queued: runs on the GUI thread
        self._loader = loader
        self._running.add(loader)
        loader.start()

    def _thread_finished(self) -> None:
        self._running.discard(self.sender())  # type: ignore[arg-type]

    def stop(self) -> None:
        if self._loader is not None:
            self._loader.requestInterruption()
            self._loader.wait()
            self._loader = None
        self.loading = False

    def _batch(self, generation: int, rows: list) -> None:
        if generation != self._generation:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def _load_here(self, generation: int, _why: str) -> None:
        """The background reader could not open the file: read on the GUI's connection."""
        if generation != self._generation or not self.m.is_open:
            return
        for rows in table_rows(self.m.p, self.filters, **self._order()):
            self._batch(generation, rows)
        self._done(generation)

    def _done(self, generation: int) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self._loader = None
        self.loaded.emit()

    def apply(self, changes: OpChanges) -> None:
        """Update the rows of changed annotations in place; reload for big changes."""
        if changes.document_links:
            self._alignments = None
        ids = changes.annotations
        if changes.entities or changes.documents or changes.authors:
            self.reload()
            return
        if changes.tags and not ids:  # a rename or recolour: names and colours are looked up
            if self.rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1,
                                                                   len(COLUMNS) - 1))
            return
        if not ids:
            return
        if len(ids) > INCREMENTAL_UP_TO or self.loading:
            self.reload()
            return
        fresh = {r[ROW_ID]: r
                 for batch in table_rows(self.m.p, self.filters, ids=ids) for r in batch}
        positions = {r[ROW_ID]: i for i, r in enumerate(self.rows)
                     if r[ROW_ID] in ids}
        removals, insertions = [], []
        for ann_id in ids:
            row, new = positions.get(ann_id), fresh.get(ann_id)
            if row is not None and new is not None and self._key(new) == self._key(self.rows[row]):
                self.rows[row] = new
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                continue
            if row is not None:
                removals.append(row)
            if new is not None:
                insertions.append(new)
        self.settling = True  # the view's current row moves: that is not a choice
        try:
            for row in sorted(removals, reverse=True):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                self.endRemoveRows()
            for new in insertions:
                at = self._position(new)
                self.beginInsertRows(QModelIndex(), at, at)
                self.rows.insert(at, new)
                self.endInsertRows()
        finally:
            self.settling = False

    def _position(self, row: tuple) -> int:
        """Where a row goes in the current order (binary search, O(log n) keys)."""
        key = self._key(row)
        if self._sort is None or self._sort[1] == Qt.SortOrder.AscendingOrder:
            return bisect_left(self.rows, key, key=self._key)
        lo, hi = 0, len(self.rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key(self.rows[mid]) > key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # -- sorting -----------------------------------------------------------------------------

    def _key(self, row: tuple) -> tuple:
        if self._sort is None:
            return (row[ROW_DOC].casefold(), row[ROW_DOC_ID], row[ROW_START] or -1,
                    row[ROW_PAGE] or 0)
        col = self._sort[0]
        value = self.display(row, col)
        if col == 2:
            value = value if isinstance(value, int) else 0
        return (value.casefold() if isinstance(value, str) else value, row[ROW_START] or -1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reload in that order, sorted by SQL in the loader thread."""
        wanted = (column, order) if 0 <= column < len(COLUMNS) else None
        if wanted == self._sort:
            return
        self._sort = wanted
        if self.m.is_open and (self.rows or self.loading):
            self.reload()

    def _order(self) -> dict:
        if self._sort is None:
            return {}
        return {"sort": SORT_BY[self._sort[0]],
                "descending": self._sort[1] == Qt.SortOrder.DescendingOrder}

    # -- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def page_of(self, row: tuple) -> int | str:
        if row[ROW_PAGE] is not None:
            return row[ROW_PAGE]
        if self._alignments is None:
            self._alignments = {}
            for link in self.m.p.documents.links():
                if link.alignment:
                    self._alignments.setdefault(link.source_id, link.alignment)
        alignment = self._alignments.get(row[ROW_DOC_ID])
        if alignment and row[ROW_START] is not None:
            return page_for_offset(alignment, row[ROW_START]) or ""
        return ""

    def display(self, row: tuple, col: int) -> object:
        if col == 0:
            return row[ROW_DOC]
        if col == 1:
            return " ".join(row[ROW_QUOTE].split())
        if col == 2:
            return self.page_of(row)
        if col == 3:
            tags = row[ROW_TAGS].split(" ") if row[ROW_TAGS] else []
            return ", ".join(self.m.tag_path(t) for t in tags if self.m.tag(t))
        if col == 4:
            return row[ROW_ENTITY] or ""
        if col == 5:  # the normalised date (ISO 8601), sorts as text
            return row[ROW_DATE] or ""
        if col == 6:
            return " ".join((row[ROW_NOTE] or "").split())
        if col == 7:
            return row[ROW_AUTHOR] or ""
        return (row[ROW_MODIFIED] or "")[:16].replace("T", " ")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, col)
        if role == Qt.ItemDataRole.UserRole:
            return row[ROW_ID]
        if role == Qt.ItemDataRole.DecorationRole and col == 3 and row[ROW_TAGS]:
            return QColor(self.m.color_for(tuple(row[ROW_TAGS].split(" "))))
        if role == Qt.ItemDataRole.ToolTipRole and col in (1, 6):
            return row[ROW_QUOTE] if col == 1 else row[ROW_NOTE]  # quote and note tips
        if role == Qt.ItemDataRole.ForegroundRole and row[ROW_STATE] == "orphaned":
            return QColor("#d32f2f")
        return None

    def row_of(self, annotation_id: str) -> int:
        for i, row in enumerate(self.rows):
            if row[ROW_ID] == annotation_id:
                return i
        return -1


class AnnotationsPanel(QWidget):
    annotationSelected = Signal(str)
    jumpRequested = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.current_document: str | None = None
        self.entity_id: str | None = None
        self.review_document: str | None = None  # what a correction moved or lost, there
        self.table = AnnotationsModel(model)
        self.text = QLineEdit(placeholderText="Filter by words in quote, note or entity…",
                              clearButtonEnabled=True)
        self.scope = QComboBox(toolTip="Annotations of the whole project or of the open "
                                       "document")
        self.scope.addItems(["All documents", "This document"])
        self.tag = QComboBox(toolTip="Only annotations with this tag (or its sub-tags)")
        self.author = QComboBox(toolTip="Only annotations by this author")
        self.entity_label = QLabel()
        self.entity_clear = QToolButton(text="✕", autoRaise=True, toolTip="Show all entities")
        self.entity_clear.clicked.connect(lambda: self.set_entity(None))
        self.review_label = QLabel()
        self.review_clear = QToolButton(text="✕", autoRaise=True,
                                        toolTip="Show every annotation again")
        self.review_clear.clicked.connect(lambda: self.review_anchors(None))
        self.count = QLabel()
        for combo in (self.scope, self.tag, self.author):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.text.setMinimumWidth(120)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.text, 2), (self.scope, 0), (self.tag, 1), (self.author, 1),
                           (self.entity_label, 0), (self.entity_clear, 0),
                           (self.review_label, 0), (self.review_clear, 0), (self.count, 0)):
            bar.addWidget(w, stretch)
        self.view = QTableView(sortingEnabled=True, alternatingRowColors=True,
                               wordWrap=False, showGrid=False)
        self.view.setModel(self.table)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((180, 280, 44, 150, 140, 90, 160, 110, 120)):
            self.view.setColumnWidth(col, width)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.doubleClicked.connect(self._jump)
        self.view.activated.connect(self._jump)
        self.view.selectionModel().currentRowChanged.connect(self._current)
        self.empty = QLabel(objectName="emptyState", alignment=Qt.AlignmentFlag.AlignCenter,
                            wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._open_timer = QTimer(self, singleShot=True, interval=600)
        self._open_timer.timeout.connect(self.refilter)
        self._filter_timer = QTimer(self, singleShot=True, interval=300)
        self._filter_timer.timeout.connect(self.refilter)
        self.text.textChanged.connect(lambda _t: self._filter_timer.start())
        for combo in (self.scope, self.tag, self.author):
            combo.activated.connect(lambda _i: self.refilter())
        self.table.loaded.connect(self._update_count)
        self.table.loaded.connect(lambda: self.select(self.chosen))
        self.table.rowsRemoved.connect(lambda *_: self._unless_gone())
        self.table.rowsInserted.connect(lambda *_: self._update_count())
        self.table.rowsRemoved.connect(lambda *_: self._update_count())
        self.table.modelReset.connect(self._update_count)
        model.changed.connect(self._changed)
        model.projectOpened.connect(self._opened)
        model.projectClosed.connect(self.table.stop)
        self.set_entity(None, reload=False)
        self.review_anchors(None, reload=False)
        self._selecting = False
        self.chosen: str | None = None  # the annotation selected, shown or not

    def _opened(self) -> None:
        self._fill_combos()
        self._open_timer.start()  # after the first document is on screen

    def _fill_combos(self) -> None:
        for combo, items in ((self.tag, [(self.m.tag_path(t.id), t.id)
                                         for t in self.m.tags().values()]),
                             (self.author, [(a.name, a.id) for a in self.m.authors().values()])):
            current = combo.currentData()
            combo.clear()
            combo.addItem("All tags" if combo is self.tag else "All authors", None)
            for name, key in sorted(items, key=lambda x: x[0].casefold()):
                combo.addItem(name, key)
            i = combo.findData(current)
            combo.setCurrentIndex(max(0, i))

    def filters(self) -> AnnotationFilter:
        """What the table shows (an export of "the table" takes the same filter)."""
        if self.review_document:
            return AnnotationFilter(document_id=self.review_document,
                                    anchor_state=NEEDS_REVIEW)
        return AnnotationFilter(
            contains=self.text.text().strip() or None, tag_id=self.tag.currentData(),
            author_id=self.author.currentData(), entity_id=self.entity_id,
            document_id=self.current_document if self.scope.currentIndex() == 1 else None)

    def refilter(self) -> None:
        self._open_timer.stop()
        if self.m.is_open:
            self.table.reload(self.filters())

    def set_document(self, document_id: str | None) -> None:
        self.current_document = document_id
        if self.scope.currentIndex() == 1:
            self.refilter()

    def set_entity(self, entity_id: str | None, reload: bool = True) -> None:
        self.entity_id = entity_id
        entity = self.m.entity(entity_id) if self.m.is_open else None
        self.entity_label.setText(f"Entity: <b>{entity.name}</b>" if entity else "")
        self.entity_label.setVisible(entity is not None)
        self.entity_clear.setVisible(entity is not None)
        if reload:
            self.refilter()

    def review_anchors(self, document_id: str | None, reload: bool = True) -> None:
        """Show only what a transcription correction moved or could not find in
        ``document_id`` (None: back to the usual filters), so the scholar can check
        each one; the other filters wait meanwhile."""
        self.review_document = document_id
        doc = self.m.documents().get(document_id) if document_id and self.m.is_open else None
        self.review_label.setText(f"Moved or not found in <b>{doc.title}</b>" if doc else "")
        self.review_label.setVisible(doc is not None)
        self.review_clear.setVisible(doc is not None)
        if reload:
            self.refilter()

    def set_tag(self, tag_id: str | None) -> None:
        self.tag.setCurrentIndex(max(0, self.tag.findData(tag_id)))
        self.refilter()

    def _changed(self, changes: OpChanges) -> None:
        if changes.tags or changes.authors or changes.annotations:
            self._fill_combos()
        self.table.apply(changes)

    def _update_count(self) -> None:
        n = len(self.table.rows)
        self.count.setText(f"{n:,} annotation{'s' if n != 1 else ''}"
                           + (" …" if self.table.loading else ""))

    def _current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """The scholar chose a row. A row that left the filter after an edit moves the
        view's current row to a neighbour: that is no choice, and must not send the
        inspector (and what she types next) to another annotation."""
        if current.isValid() and not self._selecting and not self.table.settling:
            self.chosen = current.data(Qt.ItemDataRole.UserRole)
            self.annotationSelected.emit(self.chosen)

    def _unless_gone(self) -> None:
        """The selected annotation left the table: no other row looks selected."""
        if self.chosen is not None and self.table.row_of(self.chosen) < 0:
            self.select(self.chosen)

    def _jump(self, index: QModelIndex) -> None:
        if index.isValid():
            self.jumpRequested.emit(index.data(Qt.ItemDataRole.UserRole))

    def select(self, annotation_id: str | None) -> None:
        """Show an annotation selected elsewhere, without echoing the selection back."""
        self.chosen = annotation_id
        row = self.table.row_of(annotation_id) if annotation_id else -1
        self._selecting = True
        try:
            if row < 0:
                self.view.selectionModel().clear()
                return
            index = self.table.index(row, 1)
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.view.scrollTo(index)
        finally:
            self._selecting = False
