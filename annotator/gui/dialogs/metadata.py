"""Document details: the catalogue facts a historian cites (date, creator, archive,
shelfmark, language, URL, rights, notes), saved as one step of Edit ▸ Undo."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Document
from annotator.gui.project_model import ProjectModel
from annotator.gui.undo import short

FIELDS = (("date", "Date", "1927-06-17, or as the source has it"),
          ("creator", "Creator", "author, sender, issuing office"),
          ("archive", "Archive", "holding institution"),
          ("shelfmark", "Shelfmark", "fonds, box, folder, item"),
          ("url", "URL", "where the source was found"),
          ("rights", "Rights", "licence or permission"))


class MetadataDialog(QDialog):
    """Edit a document's details; accepting saves them (one undo step) if anything changed."""

    def __init__(self, model: ProjectModel, document: Document,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m, self.doc = model, document
        self.setWindowTitle(f"Details — {document.title}")
        self.setMinimumWidth(480)
        self.title = QLineEdit(document.title)
        self.language = QLineEdit(document.language, placeholderText="en, fr, ru …")
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Title", self.title)
        for key, label, hint in FIELDS:
            edit = QLineEdit(str(document.metadata.get(key, "")), placeholderText=hint)
            self.fields[key] = edit
            form.addRow(label, edit)
            if key == "creator":
                form.addRow("Language", self.language)
        self.notes = QPlainTextEdit(str(document.metadata.get("notes", "")))
        self.notes.setMaximumHeight(90)
        form.addRow("Notes", self.notes)
        facts = [f"{document.filename} · {document.media_type} · {document.size:,} bytes"]
        if document.page_count:
            facts.append(f"{document.page_count} page(s)")
        facts.append(f"SHA-256 {document.sha256[:16]}…")
        info = QLabel(" · ".join(facts), objectName="paneSubtitle", wordWrap=True)
        warnings = document.metadata.get("import_warnings") or []
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        for warning in warnings:
            layout.addWidget(QLabel(f"⚠ {warning}", wordWrap=True))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str, dict]:
        metadata = {k: e.text().strip() for k, e in self.fields.items()}
        metadata["notes"] = self.notes.toPlainText().strip()
        return self.title.text().strip(), self.language.text().strip(), metadata

    def accept(self) -> None:
        title, language, metadata = self.values()
        changed = {k: v for k, v in metadata.items()
                   if v != str(self.doc.metadata.get(k, "") or "")}
        if changed or title != self.doc.title or language != self.doc.language:
            self.m.do(
                f"Edit details of “{short(self.doc.title)}”", self.m.p.documents.update,
                self.doc.id, title=title if title != self.doc.title else None,
                language=language if language != self.doc.language else None,
                metadata=changed)
        super().accept()
