"""The annotations table's cells are painted by annotations_cells.CellPainter (issue 17:
a repaint at 1M rows cost 24-28 ms of the GUI thread with Qt's own delegate): what it
draws is what the model says each cell holds, cut to the column with an ellipsis, and
a repaint asks the model no role at all (Qt's delegate asked seven per cell)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.gui.panels import annotations_model
from annotator.gui.panels.annotations_cells import CellPainter


def test_cells_show_the_models_text_cut_to_the_column_without_asking_roles(
        window, qtbot, monkeypatch):
    panel, table, view = window.annotations, window.annotations.table, window.annotations.view
    panel.refilter()
    qtbot.waitUntil(lambda: table.counted and table.rowCount() > 3, timeout=5000)
    view.setColumnWidth(1, 60)  # the quotes are cut
    painter = view.itemDelegate()
    assert isinstance(painter, CellPainter)
    asked: list[int] = []
    data = annotations_model.AnnotationsModel.data
    monkeypatch.setattr(annotations_model.AnnotationsModel, "data",
                        lambda self, index, role=0: asked.append(role) or data(self, index, role))
    painter._elided.clear()
    view.viewport().grab()  # painted as on screen (whether its dock is shown or not)
    assert not asked  # the cells were painted from the rows held
    drawn = {str(key[0]): static.text() for key, (static, _top) in painter._elided.items()}
    texts = {str(table.display(table.row(r), c)) for r in range(min(40, table.rowCount()))
             for c in range(len(annotations_model.COLUMNS))}
    assert drawn and set(drawn) <= texts  # what the model says the cells hold
    for text, shown in drawn.items():
        assert shown == text or (shown.endswith("…") and text.startswith(shown[:-1])), (
            text, shown)
    assert any(shown != text for text, shown in drawn.items())  # the narrow quotes cut
    row = table.row(0)
    assert table.index(0, 1).data(Qt.ItemDataRole.DisplayRole) == table.display(row, 1)


def test_the_current_cell_shows_a_focus_frame(window, qtbot):
    """Moving through the table with the arrow keys, the scholar sees which cell is
    current: the painter draws the style's focus frame around the cell that has the
    focus, and nothing of it around another."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    panel, table, view = window.annotations, window.annotations.table, window.annotations.view
    panel.refilter()
    qtbot.waitUntil(lambda: table.counted and table.rowCount() > 3, timeout=5000)
    painter = view.itemDelegate()

    def painted(state) -> QImage:
        option = QStyleOptionViewItem()
        option.rect = QRect(0, 0, 120, 22)
        option.state = state
        option.widget = view
        option.palette = view.palette()
        option.font = view.font()
        option.fontMetrics = view.fontMetrics()
        image = QImage(120, 22, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        with_painter = QPainter(image)
        painter.paint(with_painter, option, table.index(0, 2))
        with_painter.end()
        return image

    plain = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Active
    assert painted(plain | QStyle.StateFlag.State_HasFocus) != painted(plain)
    assert painted(plain) == painted(plain)
