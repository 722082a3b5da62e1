"""The codebook: entity types and the tree of themes, with colours, keys and counts.

Create, rename (F2 or in place), recolour, re-key, move (drag a theme onto another),
merge and delete tags; each is one core call, one step of Edit ▸ Undo. Selecting a tag makes it the
current tag (the one "sticky tag" mode applies); double-click lists its annotations.

The uses per tag are counted in full once (when the panel is on screen) and then follow
each action, undo and redo by what it changed (core ``tag_counts``): tagging a passage
at a million annotations must not count every tagging again (seconds). A change the
journal cannot tell cheaply (an import, a merge) makes them counted afresh, the next
time the panel is shown.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core import tag_counts
from annotator.core.changes import OpChanges
from annotator.core.model import Tag, TagKind
from annotator.gui.dialogs.service import Dialogs
from annotator.gui.project_model import ProjectModel
from annotator.gui.undo import short
from annotator.gui.when_shown import WhenShown

ROLE_ID = Qt.ItemDataRole.UserRole
GROUPS = ((TagKind.ENTITY_TYPE, "Entity types"), (TagKind.THEME, "Themes"))


def swatch(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class TagTree(QTreeWidget):
    """A tree that turns a drop into a move of the tag (in the core) instead of moving
    items itself."""

    moved = Signal(str, object)  # tag id, new parent id (None: top level)

    def dropEvent(self, event: QDropEvent) -> None:
        dragged = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if dragged is None or target is None or dragged.data(0, ROLE_ID) is None:
            return
        indicator = self.dropIndicatorPosition()
        parent = target if indicator == QAbstractItemView.DropIndicatorPosition.OnItem \
            else target.parent()
        parent_id = parent.data(0, ROLE_ID) if parent is not None else None
        self.moved.emit(dragged.data(0, ROLE_ID), parent_id)


class CodebookPanel(QWidget):
    currentTagChanged = Signal(object)  # tag id or None
    tagActivated = Signal(str)  # double-click: show its annotations

    def __init__(self, model: ProjectModel, parent: QWidget | None = None,
                 dialogs: Dialogs | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.dialogs = dialogs or Dialogs(self)
        self.tree = TagTree(columnCount=3, headerLabels=["Tag", "Key", "Uses"],
                            uniformRowHeights=True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.itemChanged.connect(self._renamed)
        self.tree.currentItemChanged.connect(
            lambda cur, _prev: self.currentTagChanged.emit(cur.data(0, ROLE_ID) if cur else None))
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.moved.connect(self._move)
        add = QToolButton(text="+ Theme", autoRaise=True, toolTip="Create a theme")
        add.clicked.connect(lambda: self.new_tag(None))
        sub = QToolButton(text="+ Sub-theme", autoRaise=True,
                          toolTip="Create a theme under the selected one")
        sub.clicked.connect(lambda: self.new_tag(self.current_tag()))
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(add)
        bar.addWidget(sub)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        self.when_shown = WhenShown(self, self._update_counts)  # hidden, it counts nothing
        self._counts_timer = QTimer(self, singleShot=True, interval=400)
        self._counts_timer.timeout.connect(self.when_shown.request)
        self._loading = False
        self.counts: Counter[str] | None = None  # uses per tag; None: to count afresh
        model.changed.connect(self._changed)
        model.projectOpened.connect(self._opened)
        model.projectClosed.connect(self._opened)

    # -- showing --------------------------------------------------------------------------------

    def _opened(self) -> None:
        self.counts = None
        self.reload()

    def reload(self) -> None:
        current = self.current_tag()
        self._loading = True
        self.tree.clear()
        if not self.m.is_open:
            self._loading = False
            return
        tags = sorted(self.m.tags().values(), key=lambda t: (t.position, t.name.casefold()))
        if self.counts is None and self.when_shown.on_screen():
            self.counts = tag_counts.counts(self.m.p)
        counts = self.counts or {}
        if self.counts is None:
            self.when_shown.request()  # the counts when the codebook comes forward
        items: dict[str, QTreeWidgetItem] = {}
        for kind, label in GROUPS:
            group = QTreeWidgetItem(self.tree, [label])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled)
            group.setData(0, ROLE_ID, None)
            group.setData(1, ROLE_ID, str(kind))
            pending = [t for t in tags if t.kind == kind]
            while pending:  # parents before children, whatever the order
                rest = []
                for tag in pending:
                    parent = items.get(tag.parent_id) if tag.parent_id else group
                    if parent is None and tag.parent_id in self.m.tags():
                        rest.append(tag)
                        continue
                    items[tag.id] = self._item(parent or group, tag, counts.get(tag.id, 0))
                if len(rest) == len(pending):
                    break
                pending = rest
        self.tree.expandAll()
        self.tree.resizeColumnToContents(1)
        self.tree.resizeColumnToContents(2)
        self._loading = False
        if current and current in items:
            self.tree.setCurrentItem(items[current])

    def _item(self, parent: QTreeWidgetItem, tag: Tag, count: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [tag.name, tag.shortcut, str(count)])
        item.setData(0, ROLE_ID, tag.id)
        item.setIcon(0, swatch(tag.color))
        item.setToolTip(0, tag.description or tag.name)
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        flags = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                 | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDropEnabled)
        if tag.kind == TagKind.THEME:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        item.setFlags(flags)
        return item

    def _changed(self, changes: OpChanges) -> None:
        moved: set[str] = set()
        if (changes.annotations or changes.tags) and self.counts is not None:
            step = self.m.step
            delta = None if step is None else tag_counts.change_in_counts(
                self.m.p, step[0], backwards=step[1], folded=step[2])
            if delta is None:
                self.counts = None  # counted afresh when the panel is on screen
            else:
                self.counts.update(delta)
                moved = set(delta)
        if changes.tags:
            self.reload()
        elif self.counts is None and changes.annotations:
            self._counts_timer.start()
        elif moved:
            self._show_counts(moved)

    def _update_counts(self) -> None:
        """Count every tag's uses afresh (the panel is on screen)."""
        if not self.m.is_open:
            return
        self.counts = tag_counts.counts(self.m.p)
        self._show_counts(None)

    def _show_counts(self, tag_ids: set[str] | None) -> None:
        counts = self.counts or {}
        self._loading = True
        for item in self._all_items():
            tag_id = item.data(0, ROLE_ID)
            if tag_ids is None or tag_id in tag_ids:
                item.setText(2, str(counts.get(tag_id, 0)))
        self._loading = False
        self.tree.resizeColumnToContents(2)  # counts in the hundred thousands: never "11…"

    def _all_items(self) -> list[QTreeWidgetItem]:
        out, stack = [], [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item.data(0, ROLE_ID):
                out.append(item)
            stack.extend(item.child(i) for i in range(item.childCount()))
        return out

    def item_for(self, tag_id: str) -> QTreeWidgetItem | None:
        return next((i for i in self._all_items() if i.data(0, ROLE_ID) == tag_id), None)

    def current_tag(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, ROLE_ID) if item is not None else None

    def set_current_tag(self, tag_id: str | None) -> None:
        item = self.item_for(tag_id) if tag_id else None
        if item is not None:
            self.tree.setCurrentItem(item)

    # -- editing ----------------------------------------------------------------------------------

    def new_tag(self, parent_id: str | None, name: str | None = None) -> str | None:
        parent = self.m.tag(parent_id) if parent_id else None
        if name is None:
            name = self.dialogs.get_text(
                "New theme", f"Name of the new sub-theme of “{parent.name}”:" if parent
                else "Name of the new theme:")
            if not name or not name.strip():
                return None
        kind = parent.kind if parent else TagKind.THEME
        result = self.m.do(f"Create tag “{short(name.strip())}”", self.m.p.tags.create,
                           name.strip(), kind, parent_id=parent_id)
        if result is None:
            return None
        self.set_current_tag(result.value.id)
        return result.value.id

    def _renamed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._loading or column != 0:
            return
        tag_id = item.data(0, ROLE_ID)
        tag = self.m.tag(tag_id) if tag_id else None
        name = item.text(0).strip()
        if tag is not None and name and name != tag.name:
            if self.m.do(f"Rename tag “{tag.name}” to “{short(name)}”", self.m.p.tags.update,
                         tag_id, name=name) is None:
                self.reload()
        elif tag is not None:
            self._loading = True
            item.setText(0, tag.name)
            self._loading = False

    def rename(self, tag_id: str) -> None:
        item = self.item_for(tag_id)
        if item is not None:
            self.tree.editItem(item, 0)

    def recolor(self, tag_id: str) -> None:
        tag = self.m.tag(tag_id)
        if tag is None:
            return
        color = self.dialogs.choose_color(f"Colour of “{tag.name}”", tag.color)
        if color and color != tag.color:
            self.m.do(f"Recolour tag “{tag.name}”", self.m.p.tags.update, tag_id, color=color)

    def set_shortcut(self, tag_id: str, key: str) -> None:
        """Give a tag a key 1–9 (taking it from the tag that had it)."""
        self.m.do(f"Key {key or 'none'} for “{self.m.tag_path(tag_id)}”",
                  self.m.p.tags.set_shortcut, tag_id, key)

    def _move(self, tag_id: str, parent_id: str | None) -> None:
        tag = self.m.tag(tag_id)
        if tag is None or tag.parent_id == parent_id:
            return
        parent = self.m.tag(parent_id) if parent_id else None
        if parent is not None and parent.kind != tag.kind:
            self.m.failed.emit("A theme can only be moved among themes.")
            return
        self.m.do(f"Move tag “{tag.name}”", self.m.p.tags.update, tag_id, parent_id=parent_id)

    def merge(self, source_id: str, target_id: str) -> None:
        source, target = self.m.tag(source_id), self.m.tag(target_id)
        self.m.do(f"Merge tag “{source.name if source else '?'}” into "
                  f"“{target.name if target else '?'}”", self.m.p.tags.merge,
                  source_id, target_id)

    def delete(self, tag_id: str) -> None:
        tag = self.m.tag(tag_id)
        if tag is None:
            return
        subtags = len(self.m.p.tags.descendants(tag_id)) - 1
        counts = self.counts if self.counts is not None else tag_counts.counts(self.m.p)
        uses = sum(counts.get(t, 0) for t in self.m.p.tags.descendants(tag_id))
        if uses or subtags:
            what = [f"{subtags} sub-theme(s) go with it" if subtags else "",
                    f"it is used by {uses} annotation(s)" if uses else ""]
            if not self.dialogs.ask("Delete tag", f"Delete “{tag.name}”? "
                                    f"{'; '.join(w for w in what if w).capitalize()}. "
                                    "(Undo brings everything back.)"):
                return
        self.m.do(f"Delete tag “{tag.name}”", self.m.p.tags.delete, tag_id)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        tag_id = item.data(0, ROLE_ID)
        if tag_id:
            self.tagActivated.emit(tag_id)

    def _menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        tag_id = item.data(0, ROLE_ID) if item is not None else None
        menu = QMenu(self)
        menu.addAction("New theme…", lambda: self.new_tag(None))
        if tag_id:
            tag = self.m.tag(tag_id)
            assert tag is not None
            menu.addAction("New sub-tag…", lambda: self.new_tag(tag_id))
            menu.addSeparator()
            menu.addAction("Rename", lambda: self.rename(tag_id))
            menu.addAction("Colour…", lambda: self.recolor(tag_id))
            keys = menu.addMenu("Key")
            keys.addAction("None", lambda: self.set_shortcut(tag_id, ""))
            for key in "123456789":
                other = self.m.tag_by_shortcut(key)
                label = f"{key}" + (f"  (now {other.name})" if other and other.id != tag_id else "")
                keys.addAction(label, lambda k=key: self.set_shortcut(tag_id, k))
            merge = menu.addMenu("Merge into")
            for other in sorted(self.m.tags().values(), key=lambda t: self.m.tag_path(t.id)):
                if other.id != tag_id and other.kind == tag.kind:
                    merge.addAction(self.m.tag_path(other.id),
                                    lambda o=other.id: self.merge(tag_id, o))
            if tag.parent_id:
                menu.addAction("Move to top level", lambda: self._move(tag_id, None))
            menu.addSeparator()
            menu.addAction("Show its annotations", lambda: self.tagActivated.emit(tag_id))
            menu.addSeparator()
            menu.addAction("Delete", lambda: self.delete(tag_id))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
