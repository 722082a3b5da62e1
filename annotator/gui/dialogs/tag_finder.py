"""Type-to-find a tag: a small popup over the text, filtered as you type, Enter applies.

For codebooks with more tags than keys 1–9. A name that matches nothing offers to
create a theme of that name.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from annotator.core.names import fold
from annotator.gui.panels.codebook import swatch
from annotator.gui.project_model import ProjectModel

CREATE = "__create__"


class TagFinder(QFrame):
    chosen = Signal(str)  # tag id
    createRequested = Signal(str)  # a new theme's name

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.m = model
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.edit = QLineEdit(placeholderText="Tag…")
        self.list = QListWidget()
        self.list.setMinimumWidth(260)
        self.list.setMaximumHeight(240)
        self.list.itemActivated.connect(self._choose)
        self.edit.textChanged.connect(self._filter)
        self.edit.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)

    def popup(self, at: QPoint, text: str = "") -> None:
        self.edit.setText(text)
        self._filter(text)
        self.adjustSize()
        self.move(at)
        self.show()
        self.edit.setFocus()

    def _filter(self, text: str) -> None:
        key = fold(text)
        self.list.clear()
        exact = False
        for tag in sorted(self.m.tags().values(), key=lambda t: self.m.tag_path(t.id).casefold()):
            path = self.m.tag_path(tag.id)
            if key and key not in fold(path):
                continue
            exact = exact or fold(tag.name) == key
            item = QListWidgetItem(swatch(tag.color), path + (f"   {tag.shortcut}"
                                                             if tag.shortcut else ""))
            item.setData(Qt.ItemDataRole.UserRole, tag.id)
            self.list.addItem(item)
        if text.strip() and not exact:
            item = QListWidgetItem(f"Create theme “{text.strip()}”")
            item.setData(Qt.ItemDataRole.UserRole, CREATE)
            self.list.addItem(item)
        self.list.setCurrentRow(0)

    def _choose(self, item: QListWidgetItem | None = None) -> None:
        item = item or self.list.currentItem()
        if item is None:
            return
        value = item.data(Qt.ItemDataRole.UserRole)
        self.hide()
        if value == CREATE:
            self.createRequested.emit(self.edit.text().strip())
        else:
            self.chosen.emit(value)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.edit and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(obj, event)
