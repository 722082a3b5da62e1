"""The relations part of an entity's page (issue 15): each relation of the entity
(type, the other entity, date) with its evidence quotes under it; clicking a quote
jumps to it, clicking the other entity opens its page. Below, a row to add a relation
from here (type, other entity: citing the selected mention, if any).

Redrawn from the model's change signal; every gesture is one core call.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import relations
from annotator.core.changes import OpChanges
from annotator.gui.project_model import ProjectModel

ROLE = Qt.ItemDataRole.UserRole


class EntityRelations(QWidget):
    jumpRequested = Signal(str, int, int)
    pageRequested = Signal(str, int)
    annotationActivated = Signal(str)
    entityActivated = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.entity_id: str | None = None
        self.cite: str | None = None  # the mention selected on the page, cited when adding
        self.heading = QLabel(textFormat=Qt.TextFormat.RichText)
        self.tree = QTreeWidget(columnCount=3, uniformRowHeights=True)
        self.tree.setHeaderLabels(["Relation", "With", "Date"])
        self.tree.itemClicked.connect(self._activated)
        self.tree.itemActivated.connect(self._activated)
        self.type_box = QComboBox(toolTip="Relation type (the vocabulary of the project)")
        self.type_box.setEditable(True)
        self.other_box = QComboBox(toolTip="The other entity")
        add = QPushButton("Relate", toolTip="Add the relation (citing the selected mention)")
        add.clicked.connect(self.add_relation)
        delete = QPushButton("Delete relation")
        delete.clicked.connect(self.delete_selected)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.type_box, 1), (self.other_box, 2), (add, 0), (delete, 0)):
            row.addWidget(w, stretch)
        self.date_edit = QLineEdit(placeholderText="date: 1924-11-14, 1924, 1924/1927")
        self.note_edit = QLineEdit(placeholderText="note")
        save = QPushButton("Save", toolTip="The date and note of the selected relation")
        save.clicked.connect(self.save_selected)
        details = QHBoxLayout()
        details.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.date_edit, 1), (self.note_edit, 2), (save, 0)):
            w.setMinimumWidth(0)
            details.addWidget(w, stretch)
        self.tree.currentItemChanged.connect(self._selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addLayout(details)
        layout.addLayout(row)
        model.changed.connect(self._changed)

    def show_entity(self, entity_id: str | None) -> None:
        self.entity_id = entity_id
        self.reload()

    def reload(self) -> None:
        self.tree.clear()
        self.type_box.clear()
        self.other_box.clear()
        if not self.entity_id or not self.m.is_open:
            self.heading.setText("")
            return
        p = self.m.p
        kinds = {t.id: t for t in relations.types(p, include_deleted=True)}
        entities = self.m.entities()
        found = relations.listing(p, self.entity_id)
        self.heading.setText(f"<b>Relations</b> ({len(found)})")
        for rel in found:
            kind = kinds.get(rel.relation_type_id)
            outgoing = rel.source_id == self.entity_id
            other = entities.get(rel.target_id if outgoing else rel.source_id)
            name = kind.name if kind else "?"
            item = QTreeWidgetItem([name if outgoing else f"{name} (by)",
                                    other.name if other else "?", rel.date_value])
            item.setData(0, ROLE, ("relation", rel.id, other.id if other else ""))
            if kind:
                item.setForeground(0, QBrush(QColor(kind.color)))
            item.setToolTip(0, escape(rel.note) if rel.note else name)
            for ev in relations.evidence(p, rel.evidence):
                child = QTreeWidgetItem([f"“{ev.quote[:60]}”", ev.document_title, ""])
                child.setData(0, ROLE, ("evidence", ev))
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        names = [t.name for t in relations.types(p)] or \
            [n for n, _c in relations.DEFAULT_TYPES]
        self.type_box.addItems(names)
        for other in sorted(entities.values(), key=lambda e: e.name.casefold()):
            if other.id != self.entity_id:
                self.other_box.addItem(other.name, other.id)

    # -- gestures ----------------------------------------------------------------------

    def add_relation(self) -> bool:
        other = self.other_box.currentData()
        rtype = self.type_box.currentText().strip()
        if not (self.entity_id and other and rtype):
            return False
        cite = [self.cite] if self.cite else []
        return self.m.do("Add relation", relations.create, self.m.p, self.entity_id, rtype,
                         other, evidence=cite) is not None

    def selected_relation(self) -> relations.Relation | None:
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        data = item.data(0, ROLE) if item is not None else None
        return relations.get(self.m.p, data[1]) if data else None

    def save_selected(self) -> bool:
        """The date (normalised: "14 November 1924" becomes 1924-11-14) and the note."""
        rel = self.selected_relation()
        return rel is not None and self.m.do(
            "Edit relation", relations.update, self.m.p, rel.id,
            date=self.date_edit.text(), note=self.note_edit.text()) is not None

    def _selected(self, _item=None, _previous=None) -> None:
        rel = self.selected_relation() if self.m.is_open else None
        self.date_edit.setText(rel.date_value if rel else "")
        self.note_edit.setText(rel.note if rel else "")

    def delete_selected(self) -> bool:
        rel = self.selected_relation()
        return rel is not None and self.m.do("Delete relation", relations.delete, self.m.p,
                                             rel.id) is not None

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        data = item.data(0, ROLE)
        if not data:
            return
        if data[0] == "relation":
            if column == 1 and data[2]:
                self.entityActivated.emit(data[2])
            return
        ev = data[1]
        if ev.start is not None and ev.end is not None:
            self.jumpRequested.emit(ev.document_id, ev.start, ev.end)
        elif ev.page:
            self.pageRequested.emit(ev.document_id, ev.page)
        self.annotationActivated.emit(ev.annotation_id)

    def _changed(self, changes: OpChanges) -> None:
        if self.entity_id and (changes.relations or self.entity_id in changes.entities
                               or changes.annotations):
            self.reload()
