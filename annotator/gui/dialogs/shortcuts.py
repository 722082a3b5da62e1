"""Help ▸ Keyboard shortcuts: every key of the window, read from its actions when the
dialog opens, so the list cannot drift from what the keys do."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

ELSEWHERE = "Anywhere in the window"
#: keys the panes handle themselves (no action carries them)
IN_THE_TEXT = (("In the text", "Tag the selection with the tag on that key", "1 … 9"),
               ("In the text", "Find a tag by the letters typed (with a selection)", "a … z"),
               ("In the text", "Let go of the selection", "Esc"),
               ("On a scan", "Draw a region", "Shift+drag"),
               ("On a scan", "Let go of the region drawn", "Esc"),
               ("On a scan", "Fit the page's width", "Ctrl+0"))


def plain(text: str) -> str:
    """A menu entry's text without its mnemonic ampersand."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def keys_of(action: QAction) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                     for k in action.shortcuts() if not k.isEmpty())


def _menu_rows(menu: QMenu, path: str, seen: set[int],
               rows: list[tuple[str, str, str]]) -> None:
    for action in menu.actions():
        if action.menu() is not None:
            _menu_rows(action.menu(), f"{path} ▸ {plain(action.text())}", seen, rows)
            continue
        keys = keys_of(action)
        if action.isSeparator() or not keys:
            continue
        seen.add(id(action))
        rows.append((path, plain(action.text()), keys))


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(where, what, keys) for every action of the window that has a key: by menu, in
    menu order, then the window's own actions (the tag keys …), then the panes' keys."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    for action in window.menuBar().actions():
        if action.menu() is not None:
            menu = action.menu()
            if hasattr(menu, "aboutToShow"):
                menu.aboutToShow.emit()  # menus filled on opening (Annotate's tags)
            _menu_rows(menu, plain(action.text()), seen, rows)
    for action in window.actions():
        keys = keys_of(action)
        if keys and id(action) not in seen and action.isEnabled():
            seen.add(id(action))
            rows.append((ELSEWHERE, plain(action.text()), keys))
    return rows + list(IN_THE_TEXT)


class ShortcutsDialog(QDialog):
    """The keys, grouped by where they are offered."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for where, what, keys in shortcut_rows(window):
            group = groups.get(where)
            if group is None:
                group = groups[where] = QTreeWidgetItem(self.tree, [where])
                group.setFirstColumnSpanned(True)
            QTreeWidgetItem(group, [what, keys])
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(520, 560)
