"""The review queue: suggestions the scholar walks with the keyboard.

A accept (creates the annotation, alias or entity), Shift+A accept all like this (one
entity's, one name's), R reject (remembered in the project, never proposed again),
S or Space skip, 1-9 accept a new name as the entity type on that key. Nothing is
annotated without her say; every accept and reject is one core call, one step of
Edit ▸ Undo.

Standalone: the main window feeds it (``set_suggestions``, ``set_current_document``)
and wires ``jumpRequested(document_id, start, end)`` to show each suggestion in the
text as it becomes current.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import entity_ops, gazetteer, suggestions
from annotator.core.model import TagKind
from annotator.core.suggestion_ranking import queue_items
from annotator.core.suggestions import Suggestion
from annotator.gui.project_model import ProjectModel
from annotator.gui.undo import short

KIND_NAMES = {"mention": "Mention", "alias": "Spelling", "date": "Date", "name": "Name",
              "place": "Place", "occurrence": "Occurrence"}


def ranked(project, found: list[Suggestion]) -> list[Suggestion]:
    """The queue's order (issue 15): the best-supported name, entity or date first, each
    one's occurrences together, the first telling how many Shift+A takes."""
    out = []
    for item in queue_items(project, found):
        if item.count > 1:
            item.members[0].label += f" (Shift+A: all {item.count})"
        out.extend(item.members)
    return out


class ReviewQueue(QWidget):
    jumpRequested = Signal(str, int, int)  # document id, start, end (code points)
    accepted = Signal(object)  # list of Accepted
    rejected = Signal(object)  # list of Suggestion

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.document_id: str | None = None
        self.items: list[Suggestion] = []
        self.scope = QComboBox()
        self.scope.addItems(["Open document", "Whole project"])
        self.kind = QComboBox()
        self.kind.addItem("All kinds", None)
        for kind in suggestions.KINDS:
            self.kind.addItem(KIND_NAMES[kind] + "s", kind)
        find = QPushButton("Suggest", toolTip="Look for names, spellings, dates and "
                           "mentions not yet annotated")
        find.clicked.connect(self.suggest)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        for w in (self.scope, self.kind, find):
            top.addWidget(w)
        top.addStretch(1)
        self.tree = QTreeWidget(columnCount=4, rootIsDecorated=False, uniformRowHeights=True,
                                alternatingRowColors=True)
        self.tree.setHeaderLabels(["Kind", "In context", "Proposal", "Document"])
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.installEventFilter(self)
        self.status = QLabel("No suggestions yet: press Suggest.")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for text, tip, slot in (
                ("Accept", "A or Enter", self.accept_current),
                ("Accept all like this", "Shift+A: every suggestion of this entity or name",
                 self.accept_group),
                ("Reject", "R or Delete: never propose this again", self.reject_current),
                ("Skip", "S or Space", self.skip)):
            b = QPushButton(text, toolTip=tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        model.projectClosed.connect(lambda: self.set_suggestions([]))

    # -- filling -----------------------------------------------------------------------

    def set_current_document(self, document_id: str | None) -> None:
        self.document_id = document_id

    def suggest(self) -> None:
        """Look for suggestions in the open document or the whole project."""
        if not self.m.is_open:
            return
        whole = self.scope.currentIndex() == 1 or not self.document_id
        kind = self.kind.currentData()
        found = suggestions.suggest(self.m.p, document_id=None if whole else self.document_id,
                                    kinds=(kind,) if kind else suggestions.KINDS)
        self.set_suggestions(ranked(self.m.p, found))
        if not gazetteer.ready():
            self.status.setText(self.status.text() + " — places are proposed once the "
                                "offline gazetteer is indexed (annotator gazetteer NAME, "
                                "once, ~15 s)")

    def set_suggestions(self, items: Sequence[Suggestion]) -> None:
        """Show these suggestions (from Suggest, "tag all occurrences", "annotate all
        hits"), the first one current."""
        self.items = list(items)
        self.tree.clear()
        docs = self.m.documents() if self.m.is_open else {}
        for s in self.items:
            left = " ".join(s.left.split())[-40:]
            right = " ".join(s.right.split())[:40]
            doc = docs.get(s.document_id)
            item = QTreeWidgetItem([KIND_NAMES.get(s.kind, s.kind), f"{left} [{s.quote}] {right}",
                                    s.label, doc.title if doc else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, s)
            item.setToolTip(1, f"{s.left}[{s.quote}]{s.right}")
            self.tree.addTopLevelItem(item)
        if self.items:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._update_status()

    def current(self) -> Suggestion | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    # -- deciding ----------------------------------------------------------------------

    def accept_current(self, type_id: str | None = None) -> bool:
        s = self.current()
        return bool(s) and self._accept([s], type_id)  # type: ignore[list-item]

    def accept_group(self) -> bool:
        s = self.current()
        if s is None:
            return False
        return self._accept([x for x in self.items if x.group == s.group], None)

    def accept_as(self, key: str) -> bool:
        """Accept the current suggestion as the entity type on ``key`` (1-9)."""
        tag = self.m.tag_by_shortcut(key)
        if tag is None or tag.kind != TagKind.ENTITY_TYPE:
            return False
        return self.accept_current(tag.id)

    def reject_current(self) -> bool:
        s = self.current()
        if s is None:
            return False
        if self.m.do(f"Reject “{short(s.quote)}”", suggestions.reject, self.m.p, [s]) is None:
            return False
        self.rejected.emit([s])
        self._remove([s])
        return True

    def skip(self) -> None:
        row = self.tree.indexOfTopLevelItem(self.tree.currentItem())
        if row + 1 < self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(row + 1))

    def _accept(self, items: list[Suggestion], type_id: str | None) -> bool:
        if not items:
            return False
        if items[0].kind == "name" and not (type_id or items[0].type_id):
            self.status.setText("Which type is it? Press the key of an entity type "
                                "(1 Person, 2 Place …), or skip.")
            return False
        label = (f"Accept “{short(items[0].quote)}”" if len(items) == 1
                 else f"Accept {len(items)} suggestions")
        result = self.m.do(label, entity_ops.accept_many, self.m.p, items, type_id=type_id)
        if result is None:
            return False
        self.accepted.emit(result.value)
        self._remove(items)
        return True

    def _remove(self, done: list[Suggestion]) -> None:
        """Drop the decided suggestions and those that overlap what was accepted."""
        row = max(0, self.tree.indexOfTopLevelItem(self.tree.currentItem()))
        gone = {id(s) for s in done}
        spans = [(s.document_id, s.start, s.end) for s in done]
        self.tree.blockSignals(True)
        for i in reversed(range(self.tree.topLevelItemCount())):
            s = self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
            if id(s) in gone or any(d == s.document_id and s.start < e and a < s.end
                                    for d, a, e in spans):
                self.tree.takeTopLevelItem(i)
        self.tree.blockSignals(False)
        self.items = [self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                      for i in range(self.tree.topLevelItemCount())]
        if self.items:
            self.tree.setCurrentItem(self.tree.topLevelItem(min(row, len(self.items) - 1)))
        self._update_status()

    # -- keys --------------------------------------------------------------------------

    def eventFilter(self, obj, event) -> bool:
        if obj is self.tree and isinstance(event, QKeyEvent) and \
                event.type() == QKeyEvent.Type.KeyPress:
            return self.handle_key(event)
        return super().eventFilter(obj, event)

    def handle_key(self, event: QKeyEvent) -> bool:
        key, text = event.key(), event.text()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_A and shift:
            self.accept_group()
        elif key in (Qt.Key.Key_A, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_current()
        elif key in (Qt.Key.Key_R, Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.reject_current()
        elif key in (Qt.Key.Key_S, Qt.Key.Key_Space):
            self.skip()
        elif text.isdigit() and text != "0":
            self.accept_as(text)
        else:
            return False
        return True

    # -- helpers -----------------------------------------------------------------------

    def _current_changed(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        s = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if s is not None:
            self.jumpRequested.emit(s.document_id, s.start, s.end)

    def _update_status(self) -> None:
        n = len(self.items)
        self.status.setText(f"{n} suggestion{'s' if n != 1 else ''} — A accept, Shift+A all "
                            "like this, R reject, S skip, 1-9 accept as type" if n else
                            "Nothing left to review.")
