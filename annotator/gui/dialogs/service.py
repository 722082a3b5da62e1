"""The questions the workbench asks the scholar (which file, which folder, yes or no,
what name), in one place.

Controllers ask through a :class:`Dialogs` they are given instead of calling Qt's
static dialogs, so the window decides where the dialogs appear and a test hands in
one that answers from a script (tests/gui/conftest.py) instead of patching Qt.
Nothing here is imported before the window is built: Qt's dialog classes load on
first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

    from annotator.core.backups import Backup


class Dialogs:
    """Modal questions and messages, parented to one window. Every question returns
    the answer, or an empty value (``""``, ``[]``, None, False) when cancelled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        self.last_report: QMessageBox | None = None  # kept alive while it is shown

    # -- files and folders ---------------------------------------------------------------

    def open_file(self, title: str, folder: str | Path, kinds: str = "") -> str:
        from PySide6.QtWidgets import QFileDialog

        return QFileDialog.getOpenFileName(self.parent, title, str(folder), kinds)[0]

    def open_files(self, title: str, folder: str | Path, kinds: str = "") -> list[str]:
        from PySide6.QtWidgets import QFileDialog

        return QFileDialog.getOpenFileNames(self.parent, title, str(folder), kinds)[0]

    def save_file(self, title: str, suggested: str | Path, kinds: str = "",
                  suffix: str = "") -> str:
        """Where to write; ``suffix`` is added when the name typed lacks it."""
        from PySide6.QtWidgets import QFileDialog

        path = QFileDialog.getSaveFileName(self.parent, title, str(suggested), kinds)[0]
        return with_suffix(path, suffix)

    def choose_folder(self, title: str, folder: str | Path) -> str:
        from PySide6.QtWidgets import QFileDialog

        return QFileDialog.getExistingDirectory(self.parent, title, str(folder))

    # -- questions -----------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """A dialog of our own (choices a standard box cannot ask), shown modally: True
        when accepted. Through here so that a test can answer it like any question."""
        return bool(dialog.exec())

    def ask(self, title: str, question: str) -> bool:
        """Yes or no; closing the box is no."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self.parent, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def get_text(self, title: str, label: str, text: str = "", *,
                 secret: bool = False) -> str | None:
        """A line of text (``secret``: typed unseen, for a password)."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        echo = QLineEdit.EchoMode.Password if secret else QLineEdit.EchoMode.Normal
        value, ok = QInputDialog.getText(self.parent, title, label, echo, text)
        return value if ok else None

    def get_item(self, title: str, label: str, items: Sequence[str],
                 current: int = 0) -> str | None:
        """One of ``items``."""
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getItem(self.parent, title, label, list(items), current, False)
        return value if ok else None

    def choose_color(self, title: str, current: str) -> str:
        """A colour as #rrggbb, starting from ``current``; "" when cancelled."""
        from PySide6.QtGui import QColor
        from PySide6.QtWidgets import QColorDialog

        color = QColorDialog.getColor(QColor(current), self.parent, title)
        return color.name() if color.isValid() else ""

    def get_int(self, title: str, label: str, value: int, low: int, high: int) -> int | None:
        from PySide6.QtWidgets import QInputDialog

        number, ok = QInputDialog.getInt(self.parent, title, label, value, low, high)
        return number if ok else None

    def choose_backup(self, project_path: Path) -> Backup | None:
        """One of the project's automatic backups, from the list with their dates."""
        from PySide6.QtWidgets import QDialog

        from annotator.gui.dialogs.backups import BackupsDialog

        dialog = BackupsDialog(project_path, self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()

    # -- messages ------------------------------------------------------------------------

    def inform(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(self.parent, title, text)

    def warn(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(self.parent, title, text)

    def report(self, title: str, text: str, details: Sequence[str] = (), *,
               warning: bool = False) -> None:
        """What a finished piece of work did (an import, a merge): a box that does not
        block, since nothing waits for the answer; the first lines of ``details`` show,
        all of them behind "Show Details"."""
        from PySide6.QtWidgets import QMessageBox

        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, parent=self.parent)
        if details:
            box.setInformativeText("\n".join(details[:8]))
            box.setDetailedText("\n".join(details))
        box.open()
        self.last_report = box


def with_suffix(path: str, suffix: str) -> str:
    """The path a save dialog returned, with ``suffix`` when the name typed lacks it."""
    return path + suffix if path and suffix and not path.endswith(suffix) else path
