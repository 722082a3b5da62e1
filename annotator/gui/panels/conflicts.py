"""The Conflicts review: what merges kept for the scholar to decide, walked by keyboard.

Each row is one field two copies changed differently: both versions, who made each
and when, and which one the merge put in place. M keeps mine, T keeps theirs, B keeps
both (a note: both texts under their authors' names; a passage or other field of an
annotation: two annotations); each is one core call (conflicts.resolve), one step of
Edit ▸ Undo. Like the suggestions review queue, and redrawn from the model's change
signal, so an undo brings a settled conflict back into the list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import conflicts
from annotator.core.conflicts import Conflict
from annotator.gui.project_model import ProjectModel

_KEYS = {Qt.Key.Key_M: "mine", Qt.Key.Key_T: "theirs", Qt.Key.Key_B: "both"}


def _version(c: Conflict, side: str) -> str:
    who = c.mine_author if side == "mine" else c.theirs_author
    when = (c.mine_at if side == "mine" else c.theirs_at)[:16].replace("T", " ")
    kept = " ✓" if c.winner == side else ""
    return f"{c.shown(side)}{kept}  — {who or '?'}, {when}"


class ConflictsPanel(QWidget):
    annotationActivated = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.items: list[Conflict] = []
        self.tree = QTreeWidget(columnCount=4, rootIsDecorated=False, uniformRowHeights=True,
                                alternatingRowColors=True)
        self.tree.setHeaderLabels(["Field", "Of", "Mine", "Theirs"])
        for col in (2, 3):
            self.tree.header().setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.installEventFilter(self)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for text, tip, choice in (("Keep mine", "M", "mine"), ("Keep theirs", "T", "theirs"),
                                  ("Keep both", "B", "both")):
            b = QPushButton(text, toolTip=tip)
            b.clicked.connect(lambda _=False, c=choice: self.settle(c))
            buttons.addWidget(b)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        model.changed.connect(lambda _changes: self.refresh())
        model.projectOpened.connect(self.refresh)
        model.projectClosed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """The open conflicts of the project, the current one kept where it was."""
        row = max(0, self.tree.indexOfTopLevelItem(self.tree.currentItem()))
        self.items = conflicts.list_conflicts(self.m.p) if self.m.is_open else []
        self.tree.blockSignals(True)
        self.tree.clear()
        for c in self.items:
            item = QTreeWidgetItem([c.field, c.what or c.table, _version(c, "mine"),
                                    _version(c, "theirs")])
            item.setToolTip(2, c.shown("mine"))
            item.setToolTip(3, c.shown("theirs"))
            item.setData(0, Qt.ItemDataRole.UserRole, c)
            self.tree.addTopLevelItem(item)
        if self.items:
            self.tree.setCurrentItem(self.tree.topLevelItem(min(row, len(self.items) - 1)))
        self.tree.blockSignals(False)
        n = len(self.items)
        self.status.setText(f"{n} conflict{'s' if n != 1 else ''} — M keep mine, T keep "
                            "theirs, B keep both (✓: the version in place)" if n else
                            "No conflicts to review.")

    def current(self) -> Conflict | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def settle(self, choice: str) -> bool:
        """Keep mine, theirs or both for the current conflict: one undoable step."""
        c = self.current()
        if c is None:
            return False
        label = f"Keep {choice} ({c.field})"
        return self.m.do(label, conflicts.resolve, self.m.p, c.id, choice) is not None

    def eventFilter(self, obj, event) -> bool:
        if obj is self.tree and isinstance(event, QKeyEvent) and \
                event.type() == QKeyEvent.Type.KeyPress and event.key() in _KEYS and \
                not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
            self.settle(_KEYS[Qt.Key(event.key())])
            return True
        return super().eventFilter(obj, event)

    def _current_changed(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        c = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if c is not None and c.table == "annotations":
            self.annotationActivated.emit(c.row_id)
