"""The page a scan view shows instead of a password-locked PDF's pages.

The password is asked for in place (no dialog), so a scholar paging through the
documents meets it only on the locked one; what is typed is never stored.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


class PasswordPage(QWidget):
    """A message, a password field and Unlock; ``on_submit`` is called on Unlock or
    Return and reads :attr:`edit` itself."""

    def __init__(self, on_submit: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.edit = QLineEdit(self)
        layout = QVBoxLayout(self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText("Password (kept only while the project is open)")
        button = QPushButton("Unlock", self)
        button.clicked.connect(on_submit)
        self.edit.returnPressed.connect(on_submit)
        layout.addStretch()
        for widget in (self.label, self.edit, button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch()

    def ask(self, text: str) -> None:
        """Say why the password is wanted, with an empty field."""
        self.label.setText(text)
        self.edit.clear()
