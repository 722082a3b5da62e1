"""Agreement between two annotators: per tag, Krippendorff's alpha (the core's
annotator.core.agreement), and one text side by side — each annotator's passages with
the chosen tag marked green where both agree, orange where their spans differ, red
where only one marked it — with curation: adopt the left or the right version of a
passage (one undoable action; both versions stay in the history).

Thin: every number and every pairing comes from the core; the view redraws from the
model's change signal (so undo of a curation shows at once).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from annotator.core.agreement import Pair
    from annotator.gui.project_model import ProjectModel

#: the marks of the side-by-side view
COLORS = {"same": "#b7e4c7", "differs": "#ffd6a5", "only_a": "#ffadad", "only_b": "#ffadad"}
STATES = {"same": "agree", "differs": "spans differ", "only_a": "only left",
          "only_b": "only right"}


class AgreementDialog(QDialog):
    """Compare two annotators; curate their passages into one agreed version."""

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.pairs: list[Pair] = []
        self.setWindowTitle("Agreement between annotators")
        self.resize(1100, 700)
        self.author_a, self.author_b = QComboBox(), QComboBox()
        self.tag, self.document = QComboBox(), QComboBox()
        pickers = QGridLayout()
        for col, (label, box) in enumerate((("Left", self.author_a), ("Right", self.author_b),
                                            ("Tag", self.tag), ("Text", self.document))):
            pickers.addWidget(QLabel(label), 0, col)
            pickers.addWidget(box, 1, col)
        self.summary = QLabel()
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Tag", "alpha", "left", "right", "same span"])
        self.table.setMaximumHeight(160)
        self.left, self.right = QTextBrowser(), QTextBrowser()
        texts = QHBoxLayout()
        texts.addWidget(self.left)
        texts.addWidget(self.right)
        self.passages = QListWidget()
        self.passages.setMaximumHeight(150)
        self.adopt_left = QPushButton("Adopt the &left version")
        self.adopt_right = QPushButton("Adopt the &right version")
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.adopt_left)
        buttons.addWidget(self.adopt_right)
        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addLayout(texts, 1)
        layout.addWidget(self.passages)
        layout.addLayout(buttons)
        self._fill_pickers()
        for box in (self.author_a, self.author_b, self.tag, self.document):
            box.currentIndexChanged.connect(self.refresh)
        self.adopt_left.clicked.connect(lambda: self.adopt(left=True))
        self.adopt_right.clicked.connect(lambda: self.adopt(left=False))
        self.passages.currentRowChanged.connect(self._enable)
        model.changed.connect(self.refresh)
        self.refresh()

    def _fill_pickers(self) -> None:
        from annotator.core.model import DocumentKind

        model = self.model
        authors = sorted(model.authors().values(), key=lambda a: a.name.casefold())
        for box, pick in ((self.author_a, 0), (self.author_b, 1)):
            box.blockSignals(True)
            for author in authors:
                box.addItem(author.name, author.id)
            box.setCurrentIndex(min(pick, max(0, len(authors) - 1)))
            box.blockSignals(False)
        self.tag.addItem("(choose a tag)", None)
        for tag in sorted(model.tags().values(), key=lambda t: model.tag_path(t.id)):
            self.tag.addItem(model.tag_path(tag.id), tag.id)
        for doc in sorted(model.documents().values(), key=lambda d: d.title.casefold()):
            if doc.kind == DocumentKind.TEXT:
                self.document.addItem(doc.title, doc.id)

    def refresh(self, *_args: object) -> None:
        """Recompute from the project: the table of alphas and the side-by-side view."""
        from annotator.core.agreement import agreement, compare
        from annotator.core.errors import AnnotatorError

        if not self.model.is_open:
            return
        project = self.model.p
        a, b = self.author_a.currentData(), self.author_b.currentData()
        self.table.setRowCount(0)
        self.pairs = []
        if not a or not b or a == b:
            self.summary.setText("Choose two different annotators.")
            self._draw("")
            return
        try:
            result = agreement(project, a, b)
        except AnnotatorError as exc:
            self.summary.setText(str(exc))
            return
        self.summary.setText(f"{result.measure}; {result.characters:,} characters of "
                             f"{result.documents} text(s) both annotated.")
        for t in result.tags:
            row = self.table.rowCount()
            self.table.insertRow(row)
            alpha = "n/a" if t.alpha is None else f"{t.alpha:.3f}"
            for col, value in enumerate((t.tag, alpha, str(t.units_a), str(t.units_b),
                                         str(t.agreed))):
                self.table.setItem(row, col, QTableWidgetItem(value))
        doc_id, tag_id = self.document.currentData(), self.tag.currentData()
        if doc_id and tag_id:
            self.pairs = compare(project, doc_id, a, b, tag_id)
        self._draw(project.documents.text(doc_id) if doc_id else "")

    def _draw(self, text: str) -> None:
        self.left.setHtml(_marked(text, [(p.a, p.state) for p in self.pairs if p.a]))
        self.right.setHtml(_marked(text, [(p.b, p.state) for p in self.pairs if p.b]))
        row = self.passages.currentRow()
        self.passages.clear()
        for pair in self.pairs:
            left = f"“{pair.a.quote}”" if pair.a else "—"
            right = f"“{pair.b.quote}”" if pair.b else "—"
            item = QListWidgetItem(f"{STATES[pair.state]}:  {left}   |   {right}")
            self.passages.addItem(item)
        if 0 <= row < self.passages.count():
            self.passages.setCurrentRow(row)
        self._enable()

    def _enable(self, *_args: object) -> None:
        pair = self.current()
        can = pair is not None and pair.state == "differs" and not self.model.p.read_only
        self.adopt_left.setEnabled(can)
        self.adopt_right.setEnabled(can)

    def current(self) -> Pair | None:
        row = self.passages.currentRow()
        return self.pairs[row] if 0 <= row < len(self.pairs) else None

    def adopt(self, *, left: bool) -> None:
        """The chosen side's span becomes the other's too: one undoable action."""
        from annotator.core.agreement import adopt_span

        pair = self.current()
        if pair is None or pair.a is None or pair.b is None:
            return
        chosen, other = (pair.a, pair.b) if left else (pair.b, pair.a)
        self.model.do(f"Curate “{chosen.quote[:30]}”", adopt_span, self.model.p,
                      chosen.id, other.id)


def _marked(text: str, spans: list) -> str:
    """``text`` as HTML with each (annotation, state) passage in its state's colour."""
    out, at = [], 0
    for ann, state in sorted(spans, key=lambda s: s[0].text.start):
        start, end = max(ann.text.start, at), ann.text.end
        if end <= start:
            continue
        out.append(html.escape(text[at:start]))
        out.append(f'<span style="background:{COLORS[state]}">'
                   f'{html.escape(text[start:end])}</span>')
        at = end
    out.append(html.escape(text[at:]))
    return f'<div style="white-space:pre-wrap">{"".join(out)}</div>'
