"""An entity's page: its record (names, identifiers as links, dates, description) and
every mention across the documents, quote in context; click jumps to it.

From here the scholar merges another record into this one, splits a mention off into
a record of its own, adds a mention's spelling as an alias and types identifiers.
Each is one undoable command (below), which the main window and the inspector may
push too (``CreateEntityFromMention`` for "create an entity from this annotation").

Signals for the main window: ``jumpRequested(document_id, start, end)``,
``pageRequested(document_id, page)``, ``annotationActivated(annotation_id)``,
``entityActivated(entity_id)`` (show another page, e.g. after a merge).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import entity_ops
from annotator.core.changes import OpChanges
from annotator.gui.commands import Command, short
from annotator.gui.project_model import ProjectModel

ROLE = Qt.ItemDataRole.UserRole


# -- commands --------------------------------------------------------------------------


class MergeEntities(Command):
    def __init__(self, model: ProjectModel, source_id: str, target_id: str) -> None:
        src, dst = model.entity(source_id), model.entity(target_id)
        super().__init__(model, f"Merge “{short(src.name if src else '?')}” into "
                         f"“{short(dst.name if dst else '?')}”")
        self.source_id, self.target_id = source_id, target_id
        self.record: entity_ops.MergeRecord | None = None

    def do(self, first: bool) -> None:
        if first:
            self.record = self.m.run(entity_ops.merge, self.p, self.source_id,
                                     self.target_id).value
        else:
            self.record = self.m.run(entity_ops.remerge, self.p, self.record).value

    def undo_it(self) -> None:
        self.m.run(entity_ops.unmerge, self.p, self.record)


class _MentionCommand(Command):
    """Split a mention off, or make an entity from one: undo puts the annotation back
    and tombstones the entity made for it."""

    def __init__(self, model: ProjectModel, text: str, fn, annotation_id: str, **kw) -> None:
        super().__init__(model, text)
        self.fn, self.annotation_id, self.kw = fn, annotation_id, kw
        self.record: entity_ops.MentionRecord | None = None

    def do(self, first: bool) -> None:
        if first:
            self.record = self.m.run(self.fn, self.p, self.annotation_id, **self.kw).value
        else:
            self.m.run(entity_ops.resplit, self.p, self.record)

    def undo_it(self) -> None:
        self.m.run(entity_ops.unsplit, self.p, self.record)


class SplitMention(_MentionCommand):
    def __init__(self, model: ProjectModel, annotation_id: str, *, entity_id: str | None = None,
                 name: str | None = None) -> None:
        super().__init__(model, "Split mention off", entity_ops.split_mention, annotation_id,
                         entity_id=entity_id, name=name)


class CreateEntityFromMention(_MentionCommand):
    def __init__(self, model: ProjectModel, annotation_id: str, *, name: str | None = None,
                 type_id: str | None = None) -> None:
        super().__init__(model, "Create entity from mention", entity_ops.create_from_mention,
                         annotation_id, name=name, type_id=type_id)


class _EntityChange(Command):
    """A change whose value is (before, after) of one entity: undo writes before back."""

    def __init__(self, model: ProjectModel, text: str, fn, *args) -> None:
        super().__init__(model, text)
        self.fn, self.args = fn, args
        self.before = self.after = None

    def do(self, first: bool) -> None:
        if first:
            self.before, self.after = self.m.run(self.fn, self.p, *self.args).value
        else:
            self._write(self.after)

    def undo_it(self) -> None:
        self._write(self.before)

    def _write(self, e) -> None:  # noqa: ANN001 - Entity
        self.m.run(self.p.entities.update, e.id, aliases=e.aliases, identifiers=e.identifiers)


class AddMentionAlias(_EntityChange):
    def __init__(self, model: ProjectModel, annotation_id: str) -> None:
        super().__init__(model, "Add spelling as alias", entity_ops.add_mention_alias,
                         annotation_id)


class SetIdentifiers(_EntityChange):
    def __init__(self, model: ProjectModel, entity_id: str, identifiers: dict) -> None:
        super().__init__(model, "Edit identifiers", entity_ops.set_identifiers, entity_id,
                         identifiers)


# -- the page --------------------------------------------------------------------------


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
        save_ids = QPushButton("Save identifiers")
        save_ids.clicked.connect(self.save_identifiers)
        ids_row = QHBoxLayout()
        ids_row.setContentsMargins(0, 0, 0, 0)
        ids_row.addWidget(self.identifiers, 1)
        ids_row.addWidget(save_ids)
        self.merge_from = QComboBox(toolTip="Another record of the same person, place …")
        merge = QPushButton("Merge into this", toolTip="Its mentions and spellings move here "
                            "(undoable)")
        merge.clicked.connect(self.merge_selected)
        merge_row = QHBoxLayout()
        merge_row.setContentsMargins(0, 0, 0, 0)
        merge_row.addWidget(QLabel("Same as:"))
        merge_row.addWidget(self.merge_from, 1)
        merge_row.addWidget(merge)
        self.mentions = QTreeWidget(columnCount=3, rootIsDecorated=False,
                                    uniformRowHeights=True, alternatingRowColors=True)
        self.mentions.setHeaderLabels(["Document", "Where", "In context"])
        self.mentions.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.mentions.itemActivated.connect(self._activated)
        self.mentions.itemClicked.connect(self._activated)
        alias = QPushButton("Add spelling as alias", toolTip="The selected mention's "
                            "spelling becomes an alias of this record")
        alias.clicked.connect(self.alias_selected)
        split = QPushButton("Split mention off", toolTip="The selected mention gets a "
                            "record of its own")
        split.clicked.connect(self.split_selected)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(alias)
        actions.addWidget(split)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for w in (self.title, self.details):
            layout.addWidget(w)
        layout.addLayout(ids_row)
        layout.addLayout(merge_row)
        layout.addWidget(self.mentions, 1)
        layout.addLayout(actions)
        model.changed.connect(self._changed)
        model.projectClosed.connect(lambda: self.show_entity(None))
        self.show_entity(None)

    def show_entity(self, entity_id: str | None) -> None:
        self.entity_id = entity_id
        self.reload()

    def reload(self) -> None:
        entity = self.m.entity(self.entity_id) if self.m.is_open else None
        self.mentions.clear()
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
        for mention in entity_ops.mentions(self.m.p, entity.id):
            where = f"p. {mention.page}" if mention.page else f"@{mention.start}"
            context = f"{mention.left[-50:]} [{mention.quote}] {mention.right[:50]}"
            item = QTreeWidgetItem([mention.document_title, where, context])
            item.setData(0, ROLE, mention)
            item.setToolTip(2, mention.note or context)
            self.mentions.addTopLevelItem(item)
        self.mentions.resizeColumnToContents(0)

    def selected_mention(self) -> entity_ops.Mention | None:
        item = self.mentions.currentItem()
        return item.data(0, ROLE) if item is not None else None

    # -- gestures ----------------------------------------------------------------------

    def merge_selected(self) -> bool:
        source_id = self.merge_from.currentData()
        if not source_id or not self.entity_id:
            return False
        return self.m.push(MergeEntities(self.m, source_id, self.entity_id))

    def split_selected(self) -> bool:
        mention = self.selected_mention()
        return bool(mention) and self.m.push(SplitMention(self.m, mention.annotation_id))

    def alias_selected(self) -> bool:
        mention = self.selected_mention()
        return bool(mention) and self.m.push(AddMentionAlias(self.m, mention.annotation_id))

    def save_identifiers(self) -> bool:
        if not self.entity_id:
            return False
        return self.m.push(SetIdentifiers(self.m, self.entity_id,
                                          parse_identifiers(self.identifiers.text())))

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
