"""Search across the project, as KWIC lines grouped by document; and the find bar
(Ctrl+F) of the open document.

The panel runs :func:`annotator.core.search.search` (texts and page text layers) and,
when asked, :func:`~annotator.core.search.search_annotations` (quotes and notes),
with the annotation table's filters. A click emits ``jumpRequested(document_id,
start, end)`` (``pageRequested(document_id, page)`` for a page hit,
``annotationActivated(id)`` for a note); "Annotate all hits" turns the hits into
suggestions and hands them to the review queue (``suggestionsReady``), so nothing is
annotated without the scholar's say.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import occurrences, search
from annotator.core.search import Filters, Hit
from annotator.gui.project_model import ProjectModel

ROLE = Qt.ItemDataRole.UserRole


class SearchPanel(QWidget):
    jumpRequested = Signal(str, int, int)  # document id, start, end (code points)
    pageRequested = Signal(str, int)  # document id, page number
    annotationActivated = Signal(str)  # a hit in an annotation's quote or note
    suggestionsReady = Signal(object)  # list[Suggestion] for the review queue

    def __init__(self, model: ProjectModel, parent: QWidget | None = None,
                 limit: int = 200) -> None:
        super().__init__(parent)
        self.m = model
        self.limit = limit
        self.document_id: str | None = None
        self.hits: list[Hit] = []
        self.query = QLineEdit(placeholderText='Search: words, "a phrase", prefix*, OR, -not',
                               clearButtonEnabled=True)
        self.query.returnPressed.connect(self.run)
        self._timer = QTimer(self, singleShot=True, interval=300)
        self._timer.timeout.connect(self.run)
        self.query.textEdited.connect(lambda _t: self._timer.start())
        self.scope = QComboBox()
        self.scope.addItems(["Whole project", "Open document"])
        self.scope.currentIndexChanged.connect(lambda _i: self.run())
        self.notes = QCheckBox("Notes and quotes", toolTip="Also search annotation quotes "
                               "and notes")
        self.notes.toggled.connect(lambda _c: self.run())
        toggle = QToolButton(text="Filters", checkable=True, autoRaise=True)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.query, self.scope, self.notes, toggle):
            bar.addWidget(w, 1 if w is self.query else 0)
        self.filters_box = QWidget(visible=False)
        toggle.toggled.connect(self.filters_box.setVisible)
        grid = QGridLayout(self.filters_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.f_tag, self.f_entity, self.f_author, self.f_doc, self.f_state = (
            QComboBox() for _ in range(5))
        self.f_from = QLineEdit(placeholderText="from (1924, 1924-10)")
        self.f_to = QLineEdit(placeholderText="to")
        for i, (label, w) in enumerate((("Tag", self.f_tag), ("Entity", self.f_entity),
                                        ("Author", self.f_author), ("Document", self.f_doc),
                                        ("Anchor", self.f_state), ("Dates", self.f_from))):
            grid.addWidget(QLabel(label), i // 3, (i % 3) * 2)
            grid.addWidget(w, i // 3, (i % 3) * 2 + 1)
        grid.addWidget(self.f_to, 2, 1)
        for combo in (self.f_tag, self.f_entity, self.f_author, self.f_doc, self.f_state):
            combo.currentIndexChanged.connect(lambda _i: self.run())
        for edit in (self.f_from, self.f_to):
            edit.editingFinished.connect(self.run)
        self.tree = QTreeWidget(columnCount=3, uniformRowHeights=True)
        self.tree.setHeaderLabels(["", "Hit", ""])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemClicked.connect(self._activated)
        self.as_tag = QComboBox(toolTip="Tag to give every hit")
        annotate = QPushButton("Annotate all hits…", toolTip="Propose every hit, tagged so, "
                               "in the review queue")
        annotate.clicked.connect(self.annotate_all)
        self.status = QLabel()
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.as_tag)
        bottom.addWidget(annotate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.filters_box)
        layout.addWidget(self.tree, 1)
        layout.addLayout(bottom)
        model.projectOpened.connect(self.reload_filters)
        model.projectClosed.connect(self.clear)
        model.changed.connect(self._changed)
        if model.is_open:
            self.reload_filters()

    # -- filters -----------------------------------------------------------------------

    def reload_filters(self) -> None:
        """Fill the filter lists from the project (tags as paths, with sub-tags)."""
        if not self.m.is_open:
            return
        m = self.m
        tags = sorted(m.tags().values(), key=lambda t: m.tag_path(t.id).casefold())
        entities = sorted(m.entities().values(), key=lambda e: e.name.casefold())
        for combo, everything, entries in (
                (self.f_tag, "any tag", [(m.tag_path(t.id), t.id) for t in tags]),
                (self.f_entity, "any entity", [(e.name, e.id) for e in entities]),
                (self.f_author, "any author", [(a.name, a.id) for a in m.authors().values()]),
                (self.f_doc, "any document", [(d.title, d.id) for d in m.documents().values()]),
                (self.f_state, "any anchor", [(s, s) for s in ("ok", "moved", "orphaned")]),
                (self.as_tag, "(choose a tag)", [(m.tag_path(t.id), t.id) for t in tags])):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for text, data in entries:
                combo.addItem(text, data)
            index = combo.findData(current)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)

    def filters(self) -> Filters:
        first, _ = search.date_range(self.f_from.text())
        _, last = search.date_range(self.f_to.text() or self.f_from.text()) \
            if self.f_to.text() else (None, None)
        doc = self.f_doc.currentData()
        return Filters(document_id=doc, tag_id=self.f_tag.currentData(),
                       entity_id=self.f_entity.currentData(),
                       author_id=self.f_author.currentData(),
                       anchor_state=self.f_state.currentData(), date_from=first, date_to=last)

    # -- searching ---------------------------------------------------------------------

    def set_current_document(self, document_id: str | None) -> None:
        self.document_id = document_id
        if self.scope.currentIndex() == 1:
            self.run()

    def search_for(self, text: str) -> None:
        self.query.setText(text)
        self.run()

    def run(self) -> None:
        self._timer.stop()
        text = self.query.text().strip()
        if not self.m.is_open or not text:
            self.clear()
            return
        doc = self.document_id if self.scope.currentIndex() == 1 else None
        if self.scope.currentIndex() == 1 and not doc:
            self.clear()
            self.status.setText("No document is open.")
            return
        filters = self.filters()
        hits = search.search(self.m.p, text, limit=self.limit, document_id=doc, filters=filters)
        if self.notes.isChecked():
            if doc:
                filters = replace(filters, document_id=doc)
            hits += search.search_annotations(self.m.p, text, limit=self.limit, filters=filters)
        self.show_hits(hits)

    def show_hits(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        bold = QFont()
        bold.setBold(True)
        docs = self.m.documents() if self.m.is_open else {}
        for hit in hits:
            group = groups.get(hit.document_id)
            if group is None:
                doc = docs.get(hit.document_id)
                group = QTreeWidgetItem([doc.title if doc else hit.document_id, "", ""])
                group.setFirstColumnSpanned(True)
                group.setFont(0, bold)
                groups[hit.document_id] = group
                self.tree.addTopLevelItem(group)
            where = f"p. {hit.page}: " if hit.page else ""
            label = {"quote": "(quote) ", "note": "(note) "}.get(hit.kind, "")
            item = QTreeWidgetItem(group, [where + label + hit.left, hit.hit, hit.right])
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setFont(1, bold)
            item.setData(0, ROLE, hit)
        for group in groups.values():
            n = group.childCount()
            group.setText(0, f"{group.text(0)} — {n} hit{'s' if n != 1 else ''}")
        self.tree.expandAll()
        more = " (showing the first ones)" if len(hits) >= self.limit else ""
        self.status.setText(f"{len(hits)} hit{'s' if len(hits) != 1 else ''} in "
                            f"{len(groups)} document{'s' if len(groups) != 1 else ''}{more}"
                            if hits else "No hits.")

    def clear(self) -> None:
        self.hits = []
        self.tree.clear()
        self.status.setText("")

    def annotate_all(self) -> list:
        """Propose every text hit, with the chosen tag, in the review queue."""
        tag_id = self.as_tag.currentData()
        if not self.m.is_open or not self.hits:
            return []
        if tag_id is None:
            self.status.setText("Choose the tag to give the hits first.")
            return []
        found = occurrences.from_hits(self.m.p, self.hits, tag_ids=[tag_id])
        self.suggestionsReady.emit(found)
        return found

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        hit = item.data(0, ROLE)
        if hit is None:
            return
        if hit.page:
            self.pageRequested.emit(hit.document_id, hit.page)
        else:
            self.jumpRequested.emit(hit.document_id, hit.start, hit.end)
        if hit.annotation_id:
            self.annotationActivated.emit(hit.annotation_id)

    def _changed(self, changes) -> None:
        if changes.tags or changes.entities or changes.authors or changes.documents:
            self.reload_filters()


class FindBar(QWidget):
    """Find in the open document (Ctrl+F): case- and accent-blind, next and previous
    (Enter, Shift+Enter, F3); each found place is shown through ``jumpRequested``."""

    jumpRequested = Signal(str, int, int)
    closed = Signal()

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.document_id: str | None = None
        self.matches: list[tuple[int, int]] = []
        self.index = -1
        self.edit = QLineEdit(placeholderText="Find in document", clearButtonEnabled=True)
        self.edit.textChanged.connect(self._refind)
        self.edit.returnPressed.connect(self.next)
        self.count = QLabel()
        prev_b = QToolButton(text="▲", autoRaise=True, toolTip="Previous (Shift+Enter)")
        next_b = QToolButton(text="▼", autoRaise=True, toolTip="Next (Enter)")
        close_b = QToolButton(text="✕", autoRaise=True, toolTip="Close (Esc)")
        prev_b.clicked.connect(self.previous)
        next_b.clicked.connect(self.next)
        close_b.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for w in (self.edit, self.count, prev_b, next_b, close_b):
            layout.addWidget(w, 1 if w is self.edit else 0)
        for seq, slot in (("Shift+Return", self.previous), ("Shift+Enter", self.previous),
                          ("F3", self.next), ("Shift+F3", self.previous),
                          ("Escape", self.close_bar)):
            shortcut = QShortcut(QKeySequence(seq), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def set_document(self, document_id: str | None) -> None:
        self.document_id = document_id
        self._refind()

    def open(self, text: str = "") -> None:
        self.show()
        if text:
            self.edit.setText(text)
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def next(self) -> None:
        self._step(1)

    def previous(self) -> None:
        self._step(-1)

    def _refind(self) -> None:
        self.matches, self.index = [], -1
        doc = self.m.document(self.document_id) if self.m.is_open else None
        if doc is not None and self.edit.text().strip():
            self.matches = search.find_in_text(self.m.p.documents.text(doc.id),
                                               self.edit.text())
        self._show_count()

    def _step(self, delta: int) -> None:
        if not self.matches or self.document_id is None:
            return
        self.index = (self.index + delta) % len(self.matches)
        start, end = self.matches[self.index]
        self._show_count()
        self.jumpRequested.emit(self.document_id, start, end)

    def _show_count(self) -> None:
        n = len(self.matches)
        if not self.edit.text().strip():
            self.count.setText("")
        elif not n:
            self.count.setText("not found")
        else:
            self.count.setText(f"{self.index + 1 if self.index >= 0 else 0} of {n}")
