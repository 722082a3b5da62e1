"""The inspector: the selected annotation's quote, tags, entity, normalised date, note
and links, each editable in place (every edit one core call, one step of Edit ▸ Undo;
typing a note is one step however many times it is saved)."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.changes import OpChanges
from annotator.core.model import Annotation, TagKind
from annotator.core.names import fold
from annotator.gui.panels.flow_row import FlowRow, narrow
from annotator.gui.panels.history_reader import HistoryReader
from annotator.gui.project_model import ProjectModel
from annotator.gui.undo import short

CHIP_TEXT = 140  # px: a longer tag path is shortened in the middle (whole in the tooltip)
ISO_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?(/-?\d{4}(-\d{2}(-\d{2})?)?)?$")


def best_tag(model: ProjectModel, typed: str, exclude: set[str] = frozenset()) -> str | None:
    """The tag a name typed in part means: the one whose name or path is it, else
    the only one containing it, else the best of those (name begins with it, then
    the shortest path)."""
    key = fold(typed)
    found = []
    for tag in model.tags().values():
        if tag.id in exclude:
            continue
        name, path = fold(tag.name), fold(model.tag_path(tag.id))
        if key in (name, path):
            return tag.id
        if key in path:
            found.append((not name.startswith(key), len(path), path, tag.id))
    return min(found)[3] if found else None


class InspectorPanel(QWidget):
    showAnnotation = Signal(str)
    deleteRequested = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.annotation: Annotation | None = None

        self.quote = QLabel(wordWrap=True, objectName="inspectorQuote",
                            textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = QLabel(wordWrap=True, objectName="paneSubtitle")
        self.chips = FlowRow()
        self.add_tag = QComboBox(editable=True, toolTip="Add a tag: type its name, Enter")
        self.add_tag.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        narrow(self.add_tag)
        self.add_tag.lineEdit().setPlaceholderText("Add tag…")
        self.add_tag.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.add_tag.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_tag.activated.connect(self._add_tag)
        self.add_tag.lineEdit().returnPressed.connect(self._add_typed_tag)
        self.entity = QComboBox(editable=True, toolTip="The person, place, organisation … this "
                                "passage names; type a name or alias, Enter. A new name "
                                "creates a record.")
        self.entity.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        narrow(self.entity)
        for combo in (self.add_tag, self.entity):  # never as wide as the longest name: a
            # style change (View ▸ Theme) would size them so and overflow the inspector
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.entity.lineEdit().setPlaceholderText("Link to entity…")
        self.entity.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.entity.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.entity.activated.connect(lambda _i: self._set_entity())
        self.entity.lineEdit().returnPressed.connect(self._set_entity)
        self.unlink_entity = QToolButton(text="✕", autoRaise=True, toolTip="Unlink the entity")
        self.unlink_entity.clicked.connect(lambda: self._update(entity_id=None,
                                                               text="Unlink entity"))
        entity_row = QHBoxLayout()
        entity_row.addWidget(self.entity, 1)
        entity_row.addWidget(self.unlink_entity)
        self.date = QLineEdit(placeholderText="ISO 8601: 1927-06-17, 1927, 1920/1929",
                              toolTip="The date this passage means, normalised (for sorting "
                                      "and export)")
        self.date.editingFinished.connect(self._set_date)
        self.note = QPlainTextEdit(placeholderText="Write a note…", tabChangesFocus=True)
        self.note.setMinimumHeight(90)
        self.note.setMaximumHeight(220)
        self.note.textChanged.connect(lambda: self._note_timer.start())
        self.note.installEventFilter(self)
        self._note_timer = QTimer(self, singleShot=True, interval=700)
        self._note_timer.timeout.connect(self._commit_note)
        self.links = QListWidget(toolTip="Linked annotations: double-click to show")
        self.links.setMaximumHeight(110)
        self.links.setWordWrap(True)
        self.links.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.links.itemActivated.connect(lambda it: self.showAnnotation.emit(
            it.data(Qt.ItemDataRole.UserRole)))
        # the annotation's change sets from the project's journal: who did what, when
        self.history = QListWidget(objectName="annotationHistory")
        self.history.setMaximumHeight(110)
        self.history.setWordWrap(True)
        self.history.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.delete = QPushButton("Delete annotation")
        self.delete.clicked.connect(lambda: self.annotation and self.deleteRequested.emit(
            self.annotation.id))

        form = self.form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Tags", self.chips)
        form.addRow("", self.add_tag)
        form.addRow("Entity", entity_row)
        form.addRow("Date", self.date)
        form.addRow("Note", self.note)
        form.addRow("Links", self.links)
        form.addRow("History", self.history)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.quote)
        body_layout.addWidget(self.where)
        body_layout.addLayout(form)
        body_layout.addWidget(self.delete, 0, Qt.AlignmentFlag.AlignRight)
        body_layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.empty = QLabel("Select a highlight to see and edit its tags, entity, date and "
                            "note.", objectName="emptyState", wordWrap=True,
                            alignment=Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        model.changed.connect(self._changed)
        model.projectClosed.connect(self._closed)
        self._history_reader = HistoryReader(self)  # a million passages: seconds
        self._history_reader.read.connect(self._history_read)

    # -- showing ------------------------------------------------------------------------------

    def show_annotation(self, annotation_id: str | None) -> None:
        if self.annotation is not None and annotation_id != self.annotation.id:
            self._commit_note()
        ann = self.m.p.annotations.get(annotation_id) if annotation_id and self.m.is_open else None
        self.annotation = ann if ann is not None and not ann.deleted else None
        self.refresh()

    def refresh(self, keep_note: bool = False, keep_date: bool = False) -> None:
        """Show the annotation as the file has it; ``keep_note``/``keep_date``: unless
        the scholar is typing in that field."""
        ann = self.annotation
        if ann is None:
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentIndex(1)
        quote = ann.quote or "(a region without text)"
        self.quote.setText(f"“{html.escape(quote if len(quote) < 400 else quote[:399] + '…')}”")
        doc = self.m.document(ann.document_id)
        where = [html.escape(doc.title) if doc else "?"]
        if ann.region is not None:
            from annotator.gui.scan_passages import region_in_text

            where.append(f"page {ann.region.page}")
            where.extend(region_in_text(self.m, ann))  # its words in the transcription
        elif ann.text is not None:
            where.append(f"characters {ann.text.start:,}–{ann.text.end:,}")
        where.append(f"by {html.escape(self.m.author_name(ann.author_id))}, "
                     f"{ann.modified_at[:16].replace('T', ' ')}")
        if ann.anchor_state != "ok":
            where.append(f"<span style='color:#d32f2f'>anchor {ann.anchor_state}</span>")
        self.where.setText(" · ".join(where))
        chips = [self._chip(t) for t in ann.tag_ids if self.m.tag(t)]
        self.chips.set_widgets(chips or [QLabel("<i>no tags</i>")])
        self._fill_tag_combo()
        self._fill_entity_combo()
        if not (keep_note and self.note.hasFocus()):
            self.note.blockSignals(True)
            self.note.setPlainText(ann.note)
            self.note.blockSignals(False)
        if not (keep_date and self.date.hasFocus()):
            self.date.setText(ann.date_value)
        self.links.clear()
        for link in self.m.p.links.for_annotation(ann.id):
            other_id = link.target_id if link.source_id == ann.id else link.source_id
            other = self.m.p.annotations.get(other_id)
            if other is None:
                continue
            other_doc = self.m.document(other.document_id)
            label = other.quote or (f"region, page {other.region.page}" if other.region else "")
            item = QListWidgetItem(f"{link.relation}: “{short(label, 50)}” — "
                                   f"{other_doc.title if other_doc else '?'}")
            item.setData(Qt.ItemDataRole.UserRole, other_id)
            self.links.addItem(item)
        self.links.setVisible(self.links.count() > 0)
        label = self.form.labelForField(self.links)
        if label is not None:  # no "Links" over nothing
            label.setVisible(self.links.count() > 0)
        self._show_history(ann.id)

    def _show_history(self, annotation_id: str, shown: int = 20) -> None:
        """The latest change sets of this annotation, newest first (`annotator history
        --annotation` gives them field by field), read off the GUI thread."""
        self.history.clear()
        self.history.addItem("reading…")
        self._history_reader.ask(self.m.p.path, annotation_id, shown)

    def _history_read(self, annotation_id: str, found: list) -> None:
        if self.annotation is None or self.annotation.id != annotation_id:
            return  # another passage is shown by now
        self.history.clear()
        for cs in found:
            state = "" if cs.state == "done" else f" ({cs.state})"
            self.history.addItem(f"{cs.label}{state} — {cs.author or '?'}, "
                                 f"{cs.created_at[:16].replace('T', ' ')}")
        if not self.history.count():
            self.history.addItem("no recorded changes")

    def _closed(self) -> None:
        self._history_reader.stop()
        self.show_annotation(None)

    def _chip(self, tag_id: str) -> QWidget:
        tag = self.m.tag(tag_id)
        assert tag is not None
        path = self.m.tag_path(tag_id)
        shown = self.fontMetrics().elidedText(path, Qt.TextElideMode.ElideMiddle, CHIP_TEXT)
        button = QToolButton(text=f"{shown}  ✕", objectName="tagChip",
                             toolTip=f"{path}\nClick to remove this tag")
        color = QColor(tag.color)
        text = "#000000" if color.lightness() > 140 else "#ffffff"
        button.setStyleSheet(f"QToolButton#tagChip {{ background: {tag.color}; color: {text}; "
                             "border-radius: 8px; padding: 1px 8px; border: none; }")
        button.clicked.connect(lambda: self._remove_tag(tag_id))
        return button

    def _fill_tag_combo(self) -> None:
        self.add_tag.blockSignals(True)
        self.add_tag.clear()
        have = set(self.annotation.tag_ids) if self.annotation else set()
        for tag in sorted(self.m.tags().values(), key=lambda t: (t.kind != TagKind.ENTITY_TYPE,
                                                                 self.m.tag_path(t.id))):
            if tag.id not in have:
                self.add_tag.addItem(self.m.tag_path(tag.id), tag.id)
        self.add_tag.setCurrentIndex(-1)
        self.add_tag.blockSignals(False)

    def _fill_entity_combo(self) -> None:
        self.entity.blockSignals(True)
        self.entity.clear()
        for entity in sorted(self.m.entities().values(), key=lambda e: e.name.casefold()):
            self.entity.addItem(entity.name, entity.id)
            for alias in entity.aliases:
                self.entity.addItem(f"{alias} → {entity.name}", entity.id)
        current = self.m.entity(self.annotation.entity_id) if self.annotation else None
        self.entity.setCurrentIndex(self.entity.findData(current.id) if current else -1)
        if current is None:
            self.entity.setEditText("")
        self.unlink_entity.setEnabled(current is not None)
        self.entity.blockSignals(False)

    def _changed(self, changes: OpChanges) -> None:
        if self.annotation is None:
            return
        if (self.annotation.id in changes.annotations or changes.tags or changes.entities
                or changes.links or changes.documents):
            # a note being typed is kept; one already saved shows what the file now says
            # (an undo of it, say)
            typing = self.note.toPlainText() != self.annotation.note
            dating = self.date.text().strip() != self.annotation.date_value
            ann = self.m.p.annotations.get(self.annotation.id)
            self.annotation = ann if ann is not None and not ann.deleted else None
            self.refresh(keep_note=typing, keep_date=dating)

    # -- editing --------------------------------------------------------------------------------

    def _update(self, text: str = "", **fields: object) -> None:
        """Change fields of the shown annotation; saving the note again and again (as
        she types) stays one undo step."""
        ann = self.annotation
        if ann is not None:
            self.m.do(text or "Edit annotation", self.m.p.annotations.update, ann.id,
                      coalesce=f"note:{ann.id}" if set(fields) == {"note"} else "", **fields)

    def _add_tag(self, _index: int = -1) -> None:
        if self.annotation is None:
            return
        tag_id = self.add_tag.currentData()
        if tag_id is None:
            tag = self.m.p.tags.find(self.add_tag.currentText().strip())
            tag_id = tag.id if tag else None
        if tag_id and tag_id not in self.annotation.tag_ids:
            self._update(f"Tag as {self.m.tag_path(tag_id)}",
                         tag_ids=[*self.annotation.tag_ids, tag_id])

    def _add_typed_tag(self) -> None:
        """Enter on a name typed in part: the tag it names (the only one that contains
        it, else the best: the name that begins with it, then the shortest), or a word
        that nothing matches. Before, Enter on a partial name did nothing, silently."""
        typed = self.add_tag.currentText().strip()
        if self.annotation is None or not typed:
            return
        tag_id = best_tag(self.m, typed, exclude=set(self.annotation.tag_ids))
        if tag_id is None:
            self.m.failed.emit(f"No tag matches “{short(typed)}”: type part of a tag's name "
                               "(the Codebook makes new ones).")
            return
        self.add_tag.setCurrentIndex(self.add_tag.findData(tag_id))
        self._add_tag()

    def _remove_tag(self, tag_id: str) -> None:
        if self.annotation is not None:
            self._update(f"Remove tag {self.m.tag_path(tag_id)}",
                         tag_ids=[t for t in self.annotation.tag_ids if t != tag_id])

    def _set_entity(self) -> None:
        ann = self.annotation
        name = self.entity.currentText().split(" → ")[-1].strip()
        if ann is None or not name:
            return
        entity = self.m.p.entities.find(name)
        if entity is not None:
            if entity.id != ann.entity_id:
                self._update(f"Link entity “{entity.name}”", entity_id=entity.id)
            return
        types = [t for t in ann.tag_ids if (tag := self.m.tag(t)) and
                 tag.kind == TagKind.ENTITY_TYPE]
        type_id = types[0] if types else next(iter(t.id for t in self.m.entity_types()), None)
        if type_id is None:
            self.m.failed.emit("The codebook has no entity types to give a new entity.")
            return
        from annotator.core.entity_ops import create_from_mention

        self.m.do(f"Link new entity “{short(name)}”", create_from_mention, self.m.p, ann.id,
                  name=name, type_id=type_id)

    def _set_date(self) -> None:
        ann = self.annotation
        value = self.date.text().strip()
        if ann is None or value == ann.date_value:
            return
        if value and not ISO_DATE.match(value):
            parsed = None
            try:  # "17 June 1927", "le 1er mai 1935", "15 October" -> ISO 8601
                from annotator.core.dates import parse_date
                from annotator.core.tagging import year_from

                doc = self.m.document(ann.document_id)
                parsed = parse_date(value, doc.language if doc else "") or parse_date(
                    value, doc.language if doc else "", year_from(
                        self.m.p, ann.document_id, ann.text.start if ann.text else None))
            except Exception:
                parsed = None
            if parsed is None:
                self.date.setStyleSheet("color: #d32f2f")
                self.date.setToolTip("Not a date I can read: write 1927-06-17, 1927-06, "
                                     "1927, 1920/1929 or “17 June 1927”")
                return
            value = parsed.iso
            self.date.setText(value)
            if value == ann.date_value:
                return
        self.date.setStyleSheet("")
        self._update("Set date", date_value=value)

    def commit_fields(self) -> None:
        """Save what is typed in the note and date fields now (before Ctrl+Z, so that
        what was typed is the step undone)."""
        self._commit_note()
        if self.date.hasFocus():
            self._set_date()

    def _commit_note(self) -> None:
        self._note_timer.stop()
        ann = self.annotation
        if ann is not None and self.note.toPlainText() != ann.note:
            self._update("Edit note", note=self.note.toPlainText())

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.note and event.type() == QEvent.Type.FocusOut:
            self._commit_note()
        return super().eventFilter(obj, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.quote.setStyleSheet(
                f"color: {self.palette().color(QPalette.ColorRole.Text).name()};")
