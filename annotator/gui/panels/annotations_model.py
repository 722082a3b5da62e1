"""The annotations table's model: virtual (issue 17). It knows how many rows the
filter lets through and asks core.table_window for the rows the view shows, a window
of WINDOW rows at a time, keeping the last few windows: memory stays bounded whatever
the project's size, and the first rows of a million show in a few ms. Sorting and
filtering happen in SQL, through indexes (see core.table_window for what each column
sorts by)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from annotator.core import untagged
from annotator.core.changes import OpChanges
from annotator.core.filters import AnnotationFilter
from annotator.core.overview import (
    ROW_ID,
    ROW_NOTE,
    ROW_QUOTE,
    ROW_STATE,
    ROW_TAGS,
)
from annotator.core.table_window import TableWindow
from annotator.core.table_words import index_current, rowids_of
from annotator.gui.panels.annotations_cells import CellTexts
from annotator.gui.panels.annotations_reader import Ask, WindowReader
from annotator.gui.panels.annotations_rows import Rows
from annotator.gui.project_model import ProjectModel

COLUMNS = ("Document", "Quote", "Page", "Tags", "Entity", "Date", "Note", "Author",
           "Modified")
#: What each column sorts by (core.table_window.SORTS); None: documents in reading order.
SORT_BY = (None, "quote", "page", "tags", "entity", "date", "note", "author", "modified")
#: Rows fetched at once, and windows kept (8,000 rows at most in memory).
WINDOW = 1000
KEPT = 8
INCREMENTAL_UP_TO = 500
Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_TIP = int(Qt.ItemDataRole.ToolTipRole.value)
#: The roles the table answers (the Foreground of an orphaned annotation, besides).
_ROLES = frozenset((_DISPLAY, _USER, _DECORATION, _TIP,
                    int(Qt.ItemDataRole.ForegroundRole.value)))
_ORPHANED = QColor("#d32f2f")


class AnnotationsModel(CellTexts, QAbstractTableModel):
    loaded = Signal()
    #: the count became partial (rows shown while counting) or exact: see :attr:`counted`
    counting = Signal()
    located = Signal(str, int)  # an annotation asked of find_row, and its row (-1: none)

    def __init__(self, model: ProjectModel) -> None:
        super().__init__()
        self.m = model
        self.filters = AnnotationFilter()
        self.loading = False  # counting in the reader thread
        self.settling = False  # rows come and go after an edit (see apply)
        self.recounting = False  # counted again in the reader after an edit
        self.rows = Rows(self)
        self._window: TableWindow | None = None  # on the GUI's connection
        self._count = 0
        self._windows: OrderedDict[int, tuple[list[int], list[tuple]]] = OrderedDict()
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._alignments: dict[str, dict[int, int]] | None = None
        self._generation = 0
        self._asked: set[int] = set()  # windows asked of the reader, not yet come
        self._candidates: tuple[int, ...] | None = None
        self._reader: WindowReader | None = None
        #: after an edit: the window that was on screen and its rows (see _settle_order)
        self._order_check: tuple[int, list[int]] | None = None
        self._colors: dict[str, QColor] = {}  # tags -> colour, cleared when tags change

    # -- loading ----------------------------------------------------------------------------

    def reload(self, filters: AnnotationFilter | None = None) -> None:
        """Count the rows that pass these filters (in the reader thread); their windows
        are read when shown."""
        if filters is not None:
            if filters != self.filters:
                self._candidates = None
            self.filters = filters
        self._alignments = None
        self._generation += 1
        self._asked.clear()
        self._order_check = None
        self.beginResetModel()
        self._windows.clear()
        self._fresh_window()
        self._count = 0
        self.recounting = False
        self.endResetModel()
        if self._window is None:
            return
        self._follow_untagged()
        reader = self._reader_for()
        if reader is None:
            self._count_here()
            return
        self.loading = True
        self.counting.emit()
        reader.ask(self._ask(count=True, firsts=(0,)))

    def _follow_untagged(self) -> None:
        """Sorted by tags, the untagged annotations' count (read first, descending) is
        followed through the edits (core.untagged): an edit no longer means counting
        every tagging again (0.9 s at 1M). Not watched otherwise: it costs bulk writes."""
        if self.m.p.read_only:
            return
        if self._order()[0] == "tags":
            untagged.follow(self.m.p)
        else:
            untagged.unwatch(self.m.p)

    @property
    def counted(self) -> bool:
        """Whether :meth:`rowCount` is the exact number of rows the filter lets through;
        else the first rows are shown (at least that many) or an edit is being counted
        (the count shown is the one before it) in the reader thread. The status says
        which: a scholar must never take a partial count for the final one."""
        return not (self.loading or self.recounting)

    def _order(self) -> tuple[str | None, bool]:
        if self._sort is None:
            return None, False
        return SORT_BY[self._sort[0]], self._sort[1] == Qt.SortOrder.DescendingOrder

    def _fresh_window(self) -> None:
        """A TableWindow on the GUI's connection. A word filter's candidates are found
        by the reader thread (:meth:`_narrowed`), not here: reading the word index's
        vocabulary takes ~0.3 s at 1M annotations; a read-only project, which has no
        reader thread, finds them here."""
        if not self.m.is_open:
            self._window, self._candidates = None, None
            return
        sort, descending = self._order()
        p = self.m.p
        self._window = TableWindow(
            p, self.filters, sort, descending,
            list(self._candidates) if self._candidates is not None else None,
            find_words=p.read_only and self._candidates is None)
        if p.read_only and self._candidates is None:
            found = self._window.narrowed_to()
            self._candidates = tuple(found) if found is not None else None

    def _narrowed(self, generation: int, found: list[int]) -> None:
        """The reader found the word filter's candidates in the word index: kept (with
        the annotations edits touch added, see apply) for this filter's next reads."""
        if generation == self._generation and self._candidates is None and self.m.is_open:
            self._candidates = tuple(found)
            sort, descending = self._order()
            self._window = TableWindow(self.m.p, self.filters, sort, descending, list(found),
                                       find_words=False)

    def prepare_words(self, words: str) -> None:
        """The scholar types a filter word: the reader reads the word index's vocabulary
        meanwhile (the filter applies 300 ms after the last key), not after."""
        if self.m.is_open and self._window is not None and (reader := self._reader_for()):
            reader.ask(replace(self._ask(count=False, firsts=()), prepare=words))

    def _touched(self, changes: OpChanges) -> None:
        """An edit keeps the candidates a superset of the word's matches if the
        annotations it touched are added; an entity renamed may match the word now."""
        if self._candidates is None or not self.m.is_open:
            return
        if changes.entities or len(changes.annotations) > 20 * WINDOW:
            self._candidates = None
        elif changes.annotations:
            self._candidates = tuple(sorted(set(self._candidates).union(
                rowids_of(self.m.p, changes.annotations))))

    def _ask(self, count: bool, firsts: tuple[int, ...]) -> Ask:
        sort, descending = self._order()
        return Ask(self._generation, self.filters, sort, descending, self._candidates,
                   count, firsts, WINDOW, words_current=index_current(self.m.p))

    def _reader_for(self) -> WindowReader | None:
        path = str(self.m.p.path)
        if self._reader is not None and self._reader.path != path:
            self._end_reader()
        if self._reader is None and not self.m.p.read_only:
            self._reader = WindowReader(path, self)
            self._reader.answered.connect(self._answered)
            self._reader.located.connect(self._located)
            self._reader.narrowed.connect(self._narrowed)
            self._reader.failed.connect(self._failed)
            self._reader.start()
        return self._reader

    def _answered(self, generation: int, answer: tuple) -> None:
        if generation != self._generation or self._window is None:
            return
        count, windows = answer
        if count is not None and not self.loading:  # counted again after an edit
            if not self._settle_order(windows):
                self._show(windows)
            self._recounted(count)
            return
        if count is not None:
            self._hold(windows)
            if 0 < self._count <= count:  # the first rows are shown: add the rest
                if count > self._count:
                    self.beginInsertRows(QModelIndex(), self._count, count - 1)
                    self._count = count
                    self.endInsertRows()
            else:
                self.beginResetModel()
                self._count = count
                self.endResetModel()
            self.loading = False
            self.counting.emit()
            self.loaded.emit()
            return
        if self.loading and 0 in windows and not self._count:  # shown while counting
            self.beginResetModel()
            self._hold(windows)
            self._count = len(windows[0][1])
            self.endResetModel()
            self.counting.emit()  # "at least" this many
            return
        if not self._settle_order(windows):
            self._show(windows)

    def _show(self, windows: dict[int, tuple[list[int], list[tuple]]]) -> None:
        """Windows come from the reader: their rows are painted."""
        for first, (_keys, rows) in windows.items():
            self._asked.discard(first)
            if rows:
                self.dataChanged.emit(self.index(first, 0),
                                      self.index(first + len(rows) - 1, len(COLUMNS) - 1))

    def _settle_order(self, windows: dict[int, tuple[list[int], list[tuple]]]) -> bool:
        """Hold windows read after an edit; if the one that was on screen now holds
        other rows (a sort by the value edited, a row gone), reset the view: True."""
        self._hold(windows)
        check = self._order_check
        if check is None or check[0] not in windows:
            return False
        self._order_check = None
        if windows[check[0]][0] == check[1]:
            return False  # the same rows in the same places: values changed only
        self._asked.clear()
        self._rows_moved()
        return True

    def _rows_moved(self) -> None:
        """An edit moved the rows on screen: the view starts again from the model."""
        self.settling = True  # the view's current row moves: that is not a choice
        try:
            self.beginResetModel()
            self.endResetModel()
        finally:
            self.settling = False
        self.loaded.emit()

    def _recounted(self, count: int) -> None:
        """Rows beyond those on screen came or went with an edit: at the end (the rows
        past the screen are read again when shown)."""
        self.recounting = False
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            for first in [f for f in self._windows if f >= count]:
                del self._windows[first]
            self.endRemoveRows()
        self.counting.emit()  # exact again

    def _failed(self, generation: int, _why: str) -> None:
        """The reader thread could not read: count and read here instead."""
        if generation == self._generation and (self.loading or self.recounting):
            self._count_here()
        self._asked.clear()

    def _count_here(self) -> None:
        assert self._window is not None
        self.beginResetModel()
        self._count = self._window.count()
        self.endResetModel()
        self.loading = self.recounting = False
        self.counting.emit()
        self.loaded.emit()

    def _hold(self, windows: dict[int, tuple[list[int], list[tuple]]]) -> None:
        for first, window in windows.items():
            self._windows[first] = window
            self._windows.move_to_end(first)
        while len(self._windows) > KEPT:
            self._windows.popitem(last=False)

    def stop(self) -> None:
        """The project closes: show nothing, end the reader thread."""
        self._generation += 1
        self._end_reader()
        self.beginResetModel()
        self._window, self._count, self.loading, self.recounting = None, 0, False, False
        self._candidates = None
        self._windows.clear()
        self._asked.clear()
        self.endResetModel()

    def _end_reader(self) -> None:
        """End the reader thread; the object goes on the GUI thread, not in a garbage
        collection that may run on any thread."""
        if self._reader is not None:
            self._reader.finish()
            self._reader.deleteLater()
            self._reader = None

    def row(self, i: int) -> tuple:
        """Row ``i``, read here (on the GUI's connection) if its window is not held."""
        first = i - i % WINDOW
        held = self._windows.get(first)
        if held is None:
            assert self._window is not None
            held = self._window.rows_with_keys(first, WINDOW)
            self._hold({first: held})
        else:
            self._windows.move_to_end(first)
        rows = held[1]
        return rows[i - first] if i - first < len(rows) else rows[-1]

    def shown(self, i: int) -> tuple | None:
        """Row ``i`` if its window is held, else None, its window asked of the reader
        (the view paints it when it comes: no read on the GUI thread)."""
        first = i - i % WINDOW
        held = self._windows.get(first)
        if held is not None:
            self._windows.move_to_end(first)  # painted: the last one is on screen
            rows = held[1]
            return rows[i - first] if i - first < len(rows) else None
        if self._reader is None or self.loading:
            return self.row(i) if not self.loading else None
        if first not in self._asked:
            self._asked.add(first)
            self._reader.ask(self._ask(count=False, firsts=(first,)))
        return None

    def apply(self, changes: OpChanges) -> None:
        """Show an edit: rows changed where they stand in place, else count again."""
        if changes.document_links:
            self._alignments = None
        if changes.tags:
            self._colors.clear()
        self._touched(changes)
        ids = changes.annotations
        if changes.tags and not ids and not (changes.entities or changes.documents
                                             or changes.authors):
            if self._count:  # a rename or recolour: names and colours are looked up
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(self._count - 1, len(COLUMNS) - 1))
            return
        if not (ids or changes.entities or changes.documents or changes.authors):
            return
        if not self.m.is_open or self._window is None:
            return
        untagged.follow(self.m.p, start=False)  # before the reader is asked to count
        if self.loading or len(ids) > INCREMENTAL_UP_TO:
            self.reload()
            return
        held = list(self._windows.items())[-1:]  # the one read last: on screen
        count = self._count
        self._generation += 1  # what the reader is reading now is stale
        self._asked.clear()
        self._windows.clear()
        self._fresh_window()
        if held and (held[0][0] or self._order()[0] == "tags") and self._reader is not None:
            # a window deep in the table: reading it again here meant counting the rows
            # before it (0.2-0.7 s at 1M on every edit); sorted by tags, the first rows
            # too (a few untagged among a million are found by reading every one, 2.8 s
            # at 1M after untagging one where none were). The reader counts and reads it
            # again; the rows stay shown as they were until then (a few ms); if they
            # moved, the view is reset when the answer comes (_settle_order)
            first, window = held[0]
            self._windows[first] = window
            self.recounting = True
            self.counting.emit()
            self._order_check = (first, window[0])
            self._reader.ask(self._ask(count=True, firsts=(first,)))
            return
        if held and self._reader is not None and self._same_order(held):
            # the first rows, read again at once (cheap): they stand where they stood,
            # values changed only there or the edit was elsewhere; the count comes
            # from the reader, rows come or go at the end if it changed
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(max(0, count - 1), len(COLUMNS) - 1))
            self.recounting = True
            self.counting.emit()
            self._reader.ask(self._ask(count=True, firsts=()))
            return
        self._count = self._window.count() if self._window else 0
        if self.recounting:  # counted here: exact
            self.recounting = False
            self.counting.emit()
        if self._count == count and self._same_order(held):
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(max(0, count - 1), len(COLUMNS) - 1))
            return
        self._rows_moved()

    def _same_order(self, held: list[tuple[int, tuple[list[int], list[tuple]]]]) -> bool:
        """Whether the window on screen shows the same rows in the same places (then an
        edit changed values only); read again."""
        assert self._window is not None
        for first, (keys, _rows) in held:
            fresh = self._window.rows_with_keys(first, WINDOW)
            if fresh[0] != keys:
                return False
            self._hold({first: fresh})
        return True

    # -- sorting -----------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Read the rows in that order (SQL through an index: see core.table_window)."""
        wanted = (column, order) if 0 <= column < len(COLUMNS) else None
        if wanted == self._sort:
            return
        self._sort = wanted
        if self.m.is_open and (self._window is not None or self.loading):
            self.reload()

    # -- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # the view asks each cell for ~8 roles as it paints: those we answer none of
        # return before any lookup (at 1M rows, painting after a sort spent 60 ms here)
        if role not in _ROLES:
            return None
        row = self.shown(index.row())
        if row is None:
            return None
        col = index.column()
        if role == _DISPLAY:
            return self.display(row, col)
        if role == _USER:
            return row[ROW_ID]
        if role == _DECORATION:
            return self._color(row[ROW_TAGS]) if col == 3 and row[ROW_TAGS] else None
        if role == _TIP:
            return (row[ROW_QUOTE] if col == 1 else row[ROW_NOTE]) if col in (1, 6) else None
        return _ORPHANED if row[ROW_STATE] == "orphaned" else None  # foreground

    def _held_row(self, annotation_id: str) -> int | None:
        for first, (_keys, rows) in self._windows.items():
            for i, row in enumerate(rows):
                if row[ROW_ID] == annotation_id:
                    return first + i
        return None

    def find_row(self, annotation_id: str) -> int | None:
        """The row showing an annotation if a window held has it; else None, and
        :attr:`located` tells later (counted off the GUI thread: deep in a million
        sorted rows that takes up to 1.6 s), or -1 now if nothing can tell."""
        row = self._held_row(annotation_id)
        if row is not None or self._window is None or self._reader is None:
            return self.row_of(annotation_id) if row is None else row
        self._reader.ask(replace(self._ask(count=False, firsts=()), locate=annotation_id))
        return None

    def _located(self, generation: int, annotation_id: str, row: int) -> None:
        if generation == self._generation:
            self.located.emit(annotation_id, row)

    def row_of(self, annotation_id: str) -> int:
        """The row showing an annotation (-1: the filter leaves it out): looked up in
        the windows held, else counted in SQL here."""
        row = self._held_row(annotation_id)
        if row is not None:
            return row
        return -1 if self._window is None else self._window.position(annotation_id)
