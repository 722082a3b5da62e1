"""File ▸ Restore from backup…: the project's rolling backups, newest first, with their
reason and size; OK restores the one chosen (the window does the restoring)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover - the loop always returns


class BackupsDialog(QDialog):
    """Lists ``backups.list_backups(project_path)``; :meth:`chosen` is the selected one."""

    def __init__(self, project_path: str | Path, parent: QWidget | None = None) -> None:
        from annotator.core import backups

        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.resize(520, 360)
        self.project_path = Path(project_path)
        self.backups = backups.list_backups(self.project_path)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Replace <b>{self.project_path.name}</b> with one of its backups. The file "
            "replaced is kept beside it, never deleted." if self.backups else
            f"<b>{self.project_path.name}</b> has no backups yet. They are made once a day "
            "of use and before every merge.", wordWrap=True)
        layout.addWidget(intro)
        self.list = QListWidget()
        for backup in self.backups:
            try:
                size = human_size(backup.path.stat().st_size)
            except OSError:
                size = "?"
            item = QListWidgetItem(f"{backup.label}   ({size})")
            item.setData(Qt.ItemDataRole.UserRole, str(backup.path))
            item.setToolTip(str(backup.path))
            self.list.addItem(item)
        if self.backups:
            self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.list, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Restore")
        ok.setEnabled(bool(self.backups))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def chosen(self):
        row = self.list.currentRow()
        return self.backups[row] if 0 <= row < len(self.backups) else None
