"""How a cell of the annotations table is painted (issue 17: "fills without a GUI freeze
over 50 ms"), and what it says (CellTexts, a part of the table's model). Qt's own
delegate asks the model for seven roles of each cell, lays the text out and elides it,
on every paint: at 1M rows a repaint of the ~300 cells on screen took 13-28 ms of the
GUI thread, the same texts shaped again on each of the two to five repaints a sort
caused. This delegate reads the row the model holds, once per cell, and keeps each
text laid out (QStaticText, already cut to the column) per text, width and height: a
repaint of the same rows 13-14 -> ~7 ms. The look is the style's: the row's
background (alternate, selected), the tag colour as a square, the text in the
palette's colour (red for an orphaned annotation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QStaticText, QTransform
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from annotator.core.documents import page_for_offset
from annotator.core.overview import (
    ROW_AUTHOR,
    ROW_DATE,
    ROW_DOC,
    ROW_DOC_ID,
    ROW_ENTITY,
    ROW_MODIFIED,
    ROW_NOTE,
    ROW_PAGE,
    ROW_QUOTE,
    ROW_START,
    ROW_STATE,
    ROW_TAGS,
)

if TYPE_CHECKING:
    from annotator.gui.panels.annotations_model import AnnotationsModel
    from annotator.gui.project_model import ProjectModel

#: Elided strings kept ((text, width, height) -> what fits, its baseline); cleared when full.
KEPT = 4000
_MARGIN = 3  # px of text from the cell's edges (the style's focus frame margin + 1)
_ORPHANED = QColor("#d32f2f")
_SELECTED = QStyle.StateFlag.State_Selected.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_FOCUS = QStyle.StateFlag.State_HasFocus.value
_DISABLED, _NORMAL, _INACTIVE = (QPalette.ColorGroup.Disabled, QPalette.ColorGroup.Normal,
                                 QPalette.ColorGroup.Inactive)
_TEXT, _HIGHLIGHTED_TEXT = QPalette.ColorRole.Text, QPalette.ColorRole.HighlightedText


class CellTexts:
    """What a cell of the table says, from a row of core.table_window (a part of
    AnnotationsModel: the model's ``data`` and the painter below read it)."""

    m: ProjectModel
    _alignments: dict[str, dict[int, int]] | None
    _colors: dict[str, QColor]

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

    def _color(self, tags: str) -> QColor:
        """The colour of an annotation with these tags, looked up once per painting."""
        color = self._colors.get(tags)
        if color is None:
            if len(self._colors) > 1000:
                self._colors.clear()
            color = self._colors[tags] = QColor(self.m.color_for(tuple(tags.split(" "))))
        return color


class CellPainter(QStyledItemDelegate):
    """Paints the table's cells from the rows its model holds (see the module's doc)."""

    def __init__(self, table: AnnotationsModel) -> None:
        super().__init__(table)
        self.table = table
        self._elided: dict[tuple[object, int, int], tuple[QStaticText, int]] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        state = option.state.value  # an int: Python's enum operators cost ~2 ms a paint
        if state & _SELECTED:  # the highlight (the alternate row colour is the view's)
            widget = option.widget
            style = widget.style() if widget is not None else QApplication.style()
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                                widget)
        if state & _FOCUS:  # the current cell, where the arrow keys move from: a line of
            # its own (the style's faint frame vanished in a selected row)
            painter.save()
            painter.setPen(option.palette.color(
                _HIGHLIGHTED_TEXT if state & _SELECTED else QPalette.ColorRole.Highlight))
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
            painter.restore()
        row = self.table.shown(index.row())
        if row is None:  # not read yet: painted when its window comes
            return
        col = index.column()
        rect = option.rect.adjusted(_MARGIN, 0, -_MARGIN, 0)
        if col == 3 and row[ROW_TAGS]:
            side = min(16, rect.height() - 4)
            painter.fillRect(QRect(rect.left(), rect.center().y() - side // 2 + 1, side, side),
                             self.table._color(row[ROW_TAGS]))
            rect.setLeft(rect.left() + side + _MARGIN)
        text = self.table.display(row, col)
        width = rect.width()
        if text == "" or width <= 0:
            return
        key = (text, width, rect.height())
        elided = self._elided.get(key)
        if elided is None:
            if len(self._elided) >= KEPT:
                self._elided.clear()
            metrics = option.fontMetrics
            static = QStaticText(metrics.elidedText(str(text), Qt.TextElideMode.ElideRight,
                                                    width))
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), option.font)
            elided = self._elided[key] = (static, (rect.height() - metrics.height()) // 2)
        group = (_DISABLED if not state & _ENABLED
                 else _NORMAL if state & _ACTIVE else _INACTIVE)
        if state & _SELECTED:
            painter.setPen(option.palette.color(group, _HIGHLIGHTED_TEXT))
        elif row[ROW_STATE] == "orphaned":
            painter.setPen(_ORPHANED)
        else:
            painter.setPen(option.palette.color(group, _TEXT))
        # laid out once (QStaticText): drawText shaped each text again on every paint
        # (~48 us a cell, half of the delegate's time)
        painter.drawStaticText(rect.left(), rect.top() + elided[1], elided[0])

