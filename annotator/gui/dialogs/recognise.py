"""Document ▸ Recognise text…: which languages (only those installed are offered),
which pages, and whether pages that have a text layer are read again."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Document

#: What a scholar reads beside Tesseract's model names.
LANGUAGE_NAMES = {
    "eng": "English", "fra": "French", "deu": "German", "rus": "Russian",
    "frk": "German Fraktur", "Latin": "Latin script (any language)",
    "Cyrillic": "Cyrillic script (any language)", "Fraktur": "Fraktur script",
    "lat": "Latin", "ita": "Italian", "spa": "Spanish", "pol": "Polish", "ukr": "Ukrainian",
    "nld": "Dutch", "por": "Portuguese",
}


class RecogniseDialog(QDialog):
    """Choose languages and pages; :meth:`choice` reads the answer."""

    def __init__(self, document: Document, installed: Sequence[str], chosen: str,
                 engine: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Recognise text — {document.title}")
        self.setMinimumWidth(440)
        wanted = set(chosen.split("+"))
        self.languages = QListWidget()
        for code in installed:
            item = QListWidgetItem(f"{LANGUAGE_NAMES.get(code, code)} ({code})")
            item.setData(256, code)  # Qt.UserRole
            item.setCheckState(_checked(code in wanted))
            self.languages.addItem(item)
        self.pages = QLineEdit(placeholderText=f"all {document.page_count}, or e.g. 1-5,8")
        self.force = QCheckBox("Also pages that have a text layer (replace it)")
        form = QFormLayout()
        form.addRow("Languages:", self.languages)
        form.addRow("Pages:", self.pages)
        form.addRow("", self.force)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Recognise")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(f"Offline, with {engine}. Tick every language the pages use; a script "
                      "model reads any language in that script.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def set_languages(self, codes: Sequence[str]) -> None:
        for i in range(self.languages.count()):
            item = self.languages.item(i)
            item.setCheckState(_checked(item.data(256) in codes))

    def choice(self) -> tuple[str, str, bool]:
        """(languages as "eng+fra", pages as typed, force)."""
        from PySide6.QtCore import Qt

        codes = [self.languages.item(i).data(256) for i in range(self.languages.count())
                 if self.languages.item(i).checkState() == Qt.CheckState.Checked]
        return "+".join(codes), self.pages.text().strip(), self.force.isChecked()


def _checked(on: bool):
    from PySide6.QtCore import Qt

    return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
