"""About annotator: what it is, and the versions a bug report needs."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from annotator import __version__
from annotator.core import versions as core_versions


def versions() -> dict[str, str]:
    """Versions of everything involved: core's list and Qt's."""
    return {**core_versions.versions(), "Qt": qVersion(), "PySide6": PySide6.__version__}


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, project_path: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("About annotator")
        rows = "".join(f"<tr><td>{k}</td><td>&nbsp;&nbsp;{v}</td></tr>"
                       for k, v in versions().items())
        text = QLabel(
            f"<h2>annotator {__version__}</h2>"
            "<p>A workbench in which historians annotate their sources: transcriptions "
            "beside their scans, entities, themes and notes, in one SQLite project file "
            "that you can mail to a colleague.</p>"
            f"<table>{rows}</table>"
            + (f"<p><small>Project: {project_path}</small></p>" if project_path else ""))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
