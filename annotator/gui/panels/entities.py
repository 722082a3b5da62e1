"""The entities list: one record per person, place, organisation … under its canonical
name, with the variant spellings the sources use and how often it is mentioned."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.changes import OpChanges
from annotator.core.names import fold
from annotator.gui.dialogs.service import Dialogs
from annotator.gui.panels.codebook import swatch
from annotator.gui.project_model import ProjectModel
from annotator.gui.undo import short
from annotator.gui.when_shown import WhenShown

ROLE_ID = Qt.ItemDataRole.UserRole


class EntitiesPanel(QWidget):
    entityActivated = Signal(str)  # show its mentions

    def __init__(self, model: ProjectModel, parent: QWidget | None = None,
                 dialogs: Dialogs | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.dialogs = dialogs or Dialogs(self)
        self.filter = QLineEdit(placeholderText="Filter by name or alias…", clearButtonEnabled=True)
        self.filter.textChanged.connect(self._apply_filter)
        add = QToolButton(text="+ Entity", autoRaise=True, toolTip="Create an entity record")
        add.clicked.connect(lambda: self.new_entity())
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter, 1)
        bar.addWidget(add)
        self.tree = QTreeWidget(columnCount=4, rootIsDecorated=False, sortingEnabled=True,
                                uniformRowHeights=True, alternatingRowColors=True)
        self.tree.setHeaderLabels(["Name", "Type", "Also written", "Mentions"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 170)
        self.tree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.tree.itemDoubleClicked.connect(
            lambda item, _c: self.entityActivated.emit(item.data(0, ROLE_ID)))
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        self.when_shown = WhenShown(self, self.reload)  # hidden, it counts nothing
        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.when_shown.request)
        model.changed.connect(self._changed)
        model.projectOpened.connect(self.when_shown.request)
        model.projectClosed.connect(self.tree.clear)

    def reload(self) -> None:
        self.tree.setSortingEnabled(False)
        self.tree.clear()
        if not self.m.is_open:
            return
        counts = self.m.p.entities.mention_counts()
        for entity in self.m.entities().values():
            tag = self.m.tag(entity.type_id)
            item = QTreeWidgetItem(self.tree, [entity.name, tag.name if tag else "",
                                               "; ".join(entity.aliases), ""])
            item.setData(0, ROLE_ID, entity.id)
            item.setData(3, Qt.ItemDataRole.DisplayRole, counts.get(entity.id, 0))
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if tag:
                item.setIcon(1, swatch(tag.color))
            tip = [entity.name] + ([f"also: {', '.join(entity.aliases)}"] if entity.aliases else [])
            tip += [x for x in (entity.dates, entity.description) if x]
            tip += [f"{k}: {v}" for k, v in entity.identifiers.items()]
            item.setToolTip(0, "\n".join(tip))
        self.tree.setSortingEnabled(True)
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        key = fold(text)
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            item.setHidden(bool(key) and key not in fold(item.text(0) + " " + item.text(2)))

    def _changed(self, changes: OpChanges) -> None:
        if changes.entities or changes.tags:
            self.when_shown.request()
        elif changes.annotations:
            self._timer.start()

    def new_entity(self, name: str | None = None, type_id: str | None = None) -> str | None:
        types = self.m.entity_types()
        if not types:
            self.m.failed.emit("The codebook has no entity types (Person, Place …).")
            return None
        if type_id is None:
            names = [t.name for t in types]
            choice = self.dialogs.get_item("New entity", "Type:", names)
            if choice is None:
                return None
            type_id = types[names.index(choice)].id
        if name is None:
            name = self.dialogs.get_text("New entity", "Canonical name:")
            if not name or not name.strip():
                return None
        name = name.strip()
        result = self.m.do(f"Create entity “{short(name)}”", self.m.p.entities.create, name,
                           type_id)
        return result.value.id if result is not None else None

    def _menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        menu = QMenu(self)
        menu.addAction("New entity…", lambda: self.new_entity())
        if item is not None:
            entity_id = item.data(0, ROLE_ID)
            menu.addAction("Show mentions", lambda: self.entityActivated.emit(entity_id))
            menu.addAction("Rename…", lambda: self.rename(entity_id))
            menu.addAction("Edit spellings…", lambda: self.edit_aliases(entity_id))
            menu.addSeparator()
            menu.addAction("Delete", lambda: self.delete(entity_id))
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def rename(self, entity_id: str) -> None:
        entity = self.m.entity(entity_id)
        if entity is None:
            return
        name = self.dialogs.get_text("Rename entity", "Canonical name:", entity.name)
        if name and name.strip() and name.strip() != entity.name:
            self.m.do(f"Rename entity “{entity.name}”", self.m.p.entities.update, entity_id,
                      name=name.strip())

    def edit_aliases(self, entity_id: str) -> None:
        entity = self.m.entity(entity_id)
        if entity is None:
            return
        text = self.dialogs.get_text("Other spellings",
                                     f"Other spellings of “{entity.name}”, separated by ';':",
                                     "; ".join(entity.aliases))
        if text is not None:
            aliases = [a.strip() for a in text.split(";") if a.strip()]
            self.m.do(f"Edit spellings of “{entity.name}”", self.m.p.entities.update,
                      entity_id, aliases=aliases)

    def delete(self, entity_id: str) -> None:
        """Tombstone the record; its mentions keep pointing at it, so undo is exact."""
        entity = self.m.entity(entity_id)
        self.m.do(f"Delete entity “{entity.name if entity else '?'}”",
                  self.m.p.entities.delete, entity_id)
