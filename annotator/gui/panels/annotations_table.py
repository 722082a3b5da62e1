"""The annotations table: every annotation of the project (or of the open document),
filtered by tag, author, entity or words; double-click jumps to it.

It may show a million rows: its model (annotations_model.py) is virtual, counting the
rows in SQL and reading the windows the view shows; sorts and filters run in SQL.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
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
from annotator.core.filters import NEEDS_REVIEW, AnnotationFilter
from annotator.gui.panels.annotations_cells import CellPainter
from annotator.gui.panels.annotations_model import COLUMNS, SORT_BY, AnnotationsModel
from annotator.gui.project_model import ProjectModel

__all__ = ["COLUMNS", "SORT_BY", "AnnotationsModel", "AnnotationsPanel"]


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
        self.view.setItemDelegate(CellPainter(self.table))  # see annotations_cells
        # always there: a scroll bar that comes and goes with the rows (a sort empties
        # the table until its first rows come) resized the viewport, two more repaints
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        # the rows laid out at once when they come or go: left to the view's zero
        # timer, its layout came after the first paint and painted every cell again
        # (a sort at 1M: 4-5 full repaints -> 2-3, each ~12-20 ms of the GUI thread)
        for signal in (self.table.modelReset, self.table.rowsInserted, self.table.rowsRemoved):
            signal.connect(lambda *_: self.view.doItemsLayout())
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        rows = self.view.verticalHeader()
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no row measured: a
        # million of them are laid out by arithmetic (a reset of 1M rows: 5.5 -> 1.8 ms)
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
        self.text.textChanged.connect(self._typed)
        for combo in (self.scope, self.tag, self.author):
            combo.activated.connect(lambda _i: self.refilter())
        self.table.loaded.connect(self._update_count)
        self.table.loaded.connect(lambda: self.select(self.chosen))
        self.table.located.connect(self._located)
        self.table.rowsInserted.connect(lambda *_: self._update_count())
        self.table.rowsRemoved.connect(lambda *_: self._update_count())
        self.table.modelReset.connect(self._update_count)
        self.table.counting.connect(self._update_count)
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

    def _typed(self, text: str) -> None:
        self._filter_timer.start()  # applied 300 ms after the last key
        if text.strip():
            self.table.prepare_words(text)

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
        """The number of rows, said to be partial while the reader thread counts: the
        first rows of a common filter word show at once, its count up to ~1 s later."""
        n = self.table.rowCount()
        noun = f"annotation{'s' if n != 1 else ''}"
        if self.table.counted:
            self.count.setText(f"{n:,} {noun}")
            self.count.setToolTip("")
        elif self.table.loading:
            self.count.setText(f"at least {n:,} {noun} (counting…)" if n else "counting…")
            self.count.setToolTip("The first rows are shown; the rest are being counted")
        else:
            self.count.setText(f"{n:,} {noun} before the change (counting…)")
            self.count.setToolTip("The change is being counted; the rows shown are current")

    def _current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """The scholar chose a row. A row that left the filter after an edit moves the
        view's current row to a neighbour: that is no choice, and must not send the
        inspector (and what she types next) to another annotation."""
        if current.isValid() and not self._selecting and not self.table.settling:
            self.chosen = self.table.row(current.row())[0]  # read now if not yet shown
            self.annotationSelected.emit(self.chosen)

    def _jump(self, index: QModelIndex) -> None:
        if index.isValid():
            self.jumpRequested.emit(self.table.row(index.row())[0])

    def select(self, annotation_id: str | None) -> None:
        """Show an annotation selected elsewhere, without echoing the selection back;
        if its row is not among those read, it is looked up off the GUI thread."""
        self.chosen = annotation_id
        row = self.table.find_row(annotation_id) if annotation_id else -1
        self._show_row(-1 if row is None else row)  # None: none until located() answers

    def _located(self, annotation_id: str, row: int) -> None:
        if annotation_id == self.chosen:
            self._show_row(row)

    def _show_row(self, row: int) -> None:
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
