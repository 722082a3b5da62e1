"""An entity's page: its record (names, identifiers as links, dates, description) and
every mention across the documents, quote in context; click jumps to it.

From here the scholar merges another record into this one, splits a mention off into
a record of its own, adds a mention's spelling as an alias and types identifiers.
Below the mentions, where the name or an alias stands in a text *not yet annotated*
with the entity (core.occurrences.entity_occurrences): A (or the Annotate button)
annotates the one selected. Each is one core call, one step of Edit ▸ Undo.

At a dock's width each row shows the quote with a little context, the document's
title elided; the whole context, title and note are in the row's tooltip.

Signals for the main window: ``jumpRequested(document_id, start, end)``,
``pageRequested(document_id, page)``, ``annotationActivated(annotation_id)``,
``entityActivated(entity_id)`` (show another page, e.g. after a merge).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import entity_ops, occurrences, tagging
from annotator.core.changes import OpChanges
from annotator.core.suggestions import Suggestion
from annotator.gui.panels.entity_place import EntityPlace
from annotator.gui.panels.entity_relations import EntityRelations
from annotator.gui.panels.flow_row import narrow
from annotator.gui.project_model import ProjectModel
from annotator.gui.undo import short

ROLE = Qt.ItemDataRole.UserRole
TITLE_WIDTH = 64  # px: the document column at a dock's width (its title elided)


def parse_identifiers(text: str) -> dict[str, str]:
    """"wikidata=Q193375; viaf=12345" -> {"wikidata": "Q193375", "viaf": "12345"}."""
    out = {}
    for part in text.replace("\n", ";").split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            out[key.strip()] = value.strip()
    return out


class EntityPage(QWidget):
    jumpRequested = Signal(str, int, int)
    pageRequested = Signal(str, int)
    annotationActivated = Signal(str)
    entityActivated = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.entity_id: str | None = None
        self.title = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.details = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.linkActivated.connect(self.open_link)
        self.identifiers = QLineEdit(placeholderText="wikidata=Q193375; viaf=…; geonames=…")
        save_ids = QPushButton("Save", toolTip="Save the identifiers")
        save_ids.clicked.connect(self.save_identifiers)
        ids_row = QHBoxLayout()
        ids_row.setContentsMargins(0, 0, 0, 0)
        ids_row.addWidget(self.identifiers, 1)
        ids_row.addWidget(save_ids)
        self.merge_from = QComboBox(toolTip="Another record of the same person, place …")
        merge = QPushButton("Merge", toolTip="Merge that record into this one: its mentions "
                            "and spellings move here (undoable)")
        merge.clicked.connect(self.merge_selected)
        merge_row = QHBoxLayout()
        merge_row.setContentsMargins(0, 0, 0, 0)
        merge_row.addWidget(QLabel("Same as:"))
        merge_row.addWidget(self.merge_from, 1)
        merge_row.addWidget(merge)
        self._stale = False
        self._fill_timer = QTimer(self, singleShot=True, interval=0)
        self._fill_timer.timeout.connect(self._fill_unannotated)
        self.mentions = QTreeWidget(columnCount=2, uniformRowHeights=True,
                                    alternatingRowColors=True, indentation=6,
                                    rootIsDecorated=False, itemsExpandable=False)
        self.mentions.setHeaderLabels(["In context", "Document"])
        header = self.mentions.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(30)
        self.mentions.setColumnWidth(1, TITLE_WIDTH)
        self.mentions.setTextElideMode(Qt.TextElideMode.ElideRight)  # the quote comes early
        self.mentions.itemActivated.connect(self._activated)
        self.mentions.itemClicked.connect(self._activated)
        self.mentions.currentItemChanged.connect(lambda *_: self._enable())
        self.mentions.installEventFilter(self)
        self.annotated = QTreeWidgetItem(["Annotated"])
        self.unannotated = QTreeWidgetItem(["Not yet annotated"])
        self.annotate = QPushButton("Annotate", toolTip="Annotate the selected "
                                    "unannotated mention with this entity (key A; undoable)")
        self.annotate.clicked.connect(self.annotate_selected)
        alias = QPushButton("As alias", toolTip="Add spelling as alias: the selected mention's "
                            "spelling becomes an alias of this record")
        alias.clicked.connect(self.alias_selected)
        split = QPushButton("Split off", toolTip="Split mention off: the selected mention gets a "
                            "record of its own")
        split.clicked.connect(self.split_selected)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.annotate)
        actions.addWidget(alias)
        actions.addWidget(split)
        actions.addStretch(1)
        self.mention_buttons = (alias, split)
        for button in (save_ids, merge, self.annotate, alias, split):
            button.setMinimumWidth(40)  # its text cut rather than the page widened
        narrow(self.merge_from)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for w in (self.title, self.details):
            layout.addWidget(w)
        layout.addLayout(ids_row)
        self.place = EntityPlace(model, self)  # issue 15: where a place is
        layout.addWidget(self.place)
        layout.addLayout(merge_row)
        layout.addWidget(self.mentions, 1)
        layout.addLayout(actions)
        self.relations = EntityRelations(model, self)  # issue 15: its own module
        # the page must fit its dock (1280×720): the section takes the width it is given
        self.relations.setSizePolicy(QSizePolicy.Policy.Ignored,
                                     self.relations.sizePolicy().verticalPolicy())
        layout.addWidget(self.relations, 1)
        for name in ("jumpRequested", "pageRequested", "annotationActivated",
                     "entityActivated"):
            getattr(self.relations, name).connect(getattr(self, name))
        self.mentions.currentItemChanged.connect(
            lambda item, _old: setattr(self.relations, "cite", getattr(
                item.data(0, ROLE) if item else None, "annotation_id", None)))
        model.changed.connect(self._changed)
        model.projectClosed.connect(lambda: self.show_entity(None))
        self.show_entity(None)

    def show_entity(self, entity_id: str | None) -> None:
        self.entity_id = entity_id
        self.reload()

    def reload(self) -> None:
        entity = self.m.entity(self.entity_id) if self.m.is_open else None
        self.mentions.clear()
        self.relations.show_entity(entity.id if entity else None)
        self.place.show_entity(entity.id if entity else None)
        if entity is None:
            self.entity_id = None
            self.title.setText("<i>Choose an entity to see its mentions.</i>")
            self.details.setText("")
            self.identifiers.setText("")
            self.merge_from.clear()
            return
        tag = self.m.tag(entity.type_id)
        self.title.setText(f"<h3>{escape(entity.name)}</h3>{escape(tag.name if tag else '')}"
                           + (f" · {escape(entity.dates)}" if entity.dates else ""))
        lines = []
        if entity.aliases:
            lines.append("Also written: " + "; ".join(escape(a) for a in entity.aliases))
        links = []
        for key, value in entity.identifiers.items():
            url = entity_ops.identifier_url(key, value)
            shown = f"{escape(key)}: {escape(value)}"
            links.append(f'<a href="{escape(url)}">{shown}</a>' if url else shown)
        if links:
            lines.append(" · ".join(links))
        if entity.description:
            lines.append(escape(entity.description))
        self.details.setText("<br>".join(lines))
        self.identifiers.setText("; ".join(f"{k}={v}" for k, v in entity.identifiers.items()))
        self.merge_from.clear()
        for other in sorted(self.m.entities().values(), key=lambda e: e.name.casefold()):
            if other.id != entity.id:
                self.merge_from.addItem(other.name, other.id)
        self.annotated = QTreeWidgetItem(self.mentions)
        for mention in entity_ops.mentions(self.m.p, entity.id):
            where = f"p. {mention.page}" if mention.page else f"@{mention.start}"
            item = self._row(self.annotated, mention.left, mention.quote, mention.right,
                             mention.document_title, where, mention.note)
            item.setData(0, ROLE, mention)
        self.annotated.setText(0, f"Annotated ({self.annotated.childCount()})")
        self.unannotated = QTreeWidgetItem(self.mentions, ["Not yet annotated …"])
        for item in (self.annotated, self.unannotated):
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setFirstColumnSpanned(True)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setExpanded(True)
        self._stale = True
        self._fill_timer.start()
        self._enable()

    def _row(self, group: QTreeWidgetItem, left: str, quote: str, right: str, title: str,
             where: str, note: str = "") -> QTreeWidgetItem:
        """One mention: the quote with a little context (the quote stays in view at a
        dock's width) and the document; all of it, and where, in the tooltip."""
        left, right = " ".join(left.split()), " ".join(right.split())
        shown = f"{'…' if len(left) > 8 else ''}{left[-8:]} [{quote}] {right[:40]}"
        item = QTreeWidgetItem(group, [shown, title])
        tip = f"{title}, {where}\n…{left} [{quote}] {right}…" + (f"\n\n{note}" if note else "")
        for column in range(2):
            item.setToolTip(column, tip)
        return item

    def _fill_unannotated(self) -> None:
        """Where the name or an alias stands unannotated: looked for once the page is
        shown (every text is read), after the gesture that asked for it."""
        if not self._stale or not self.isVisible() or self.entity_id is None:
            return
        self._stale = False
        group = self.unannotated
        titles = {d.id: d.title for d in self.m.documents().values()}
        for s in occurrences.entity_occurrences(self.m.p, self.entity_id):
            item = self._row(group, s.left, s.quote, s.right, titles.get(s.document_id, "?"),
                             f"@{s.start}")
            item.setData(0, ROLE, s)
        group.setText(0, f"Not yet annotated ({group.childCount()}): A annotates")
        self._enable()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fill_timer.start()

    def selected_mention(self) -> entity_ops.Mention | None:
        item = self.mentions.currentItem()
        found = item.data(0, ROLE) if item is not None else None
        return found if isinstance(found, entity_ops.Mention) else None

    def selected_unannotated(self) -> Suggestion | None:
        item = self.mentions.currentItem()
        found = item.data(0, ROLE) if item is not None else None
        return found if isinstance(found, Suggestion) else None

    def _enable(self) -> None:
        self.annotate.setEnabled(self.selected_unannotated() is not None)
        for button in self.mention_buttons:
            button.setEnabled(self.selected_mention() is not None)

    # -- gestures ----------------------------------------------------------------------

    def merge_selected(self) -> bool:
        source_id = self.merge_from.currentData()
        if not source_id or not self.entity_id:
            return False
        source, target = self.m.entity(source_id), self.m.entity(self.entity_id)
        return self.m.do(f"Merge “{short(source.name if source else '?')}” into "
                         f"“{short(target.name if target else '?')}”", entity_ops.merge,
                         self.m.p, source_id, self.entity_id) is not None

    def split_selected(self) -> bool:
        mention = self.selected_mention()
        return mention is not None and self.m.do(
            "Split mention off", entity_ops.split_mention, self.m.p,
            mention.annotation_id) is not None

    def alias_selected(self) -> bool:
        mention = self.selected_mention()
        return mention is not None and self.m.do(
            "Add spelling as alias", entity_ops.add_mention_alias, self.m.p,
            mention.annotation_id) is not None

    def annotate_selected(self) -> bool:
        """Annotate the selected unannotated mention with this entity (joining an
        annotation of exactly that passage, if there is one); the next stays selected."""
        found, entity = self.selected_unannotated(), self.m.entity(self.entity_id)
        if found is None or entity is None:
            return False
        row = self.unannotated.indexOfChild(self.mentions.currentItem())
        done = self.m.do(f"Annotate “{short(found.quote)}” as {short(entity.name)}",
                         tagging.tag_passage, self.m.p, found.document_id, start=found.start,
                         end=found.end, tag_ids=[entity.type_id], entity=entity.name,
                         entity_type=entity.type_id) is not None
        if done:
            self._fill_unannotated()
            left = self.unannotated.childCount()
            if left:
                self.mentions.setCurrentItem(self.unannotated.child(min(row, left - 1)))
        return done

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.mentions and event.type() == QEvent.Type.KeyPress and \
                event.key() == Qt.Key.Key_A and not event.modifiers():  # type: ignore[attr-defined]
            self.annotate_selected()
            return True
        return super().eventFilter(obj, event)

    def save_identifiers(self) -> bool:
        if not self.entity_id:
            return False
        return self.m.do("Edit identifiers", entity_ops.set_identifiers, self.m.p,
                         self.entity_id, parse_identifiers(self.identifiers.text())) is not None

    def open_link(self, url: str) -> None:
        """Identifiers open in the browser (when there is a network: nothing is fetched
        by the app itself)."""
        QDesktopServices.openUrl(QUrl(url))

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        mention = item.data(0, ROLE)
        if mention is None:
            return
        if mention.start is not None and mention.anchor_state != "orphaned":
            self.jumpRequested.emit(mention.document_id, mention.start, mention.end)
        elif mention.page:
            self.pageRequested.emit(mention.document_id, mention.page)
        self.annotationActivated.emit(mention.annotation_id)

    def _changed(self, changes: OpChanges) -> None:
        if self.entity_id is None:
            return
        if self.entity_id in changes.entities or changes.annotations or changes.documents:
            entity = self.m.entity(self.entity_id)
            self.reload()
            if entity is None and changes.entities:  # merged away: follow to the target
                for other in changes.entities - {self.entity_id}:
                    if self.m.entity(other) is not None:
                        self.entityActivated.emit(other)
                        break
