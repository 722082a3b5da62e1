"""File ▸ Import from IIIF…: a manifest's address (or file) and the image size, then
its pages fetched off the GUI thread under a progress dialog with Cancel.

The worker runs :func:`annotator.core.iiif.prepare_iiif` (it never touches the
project; pages gather in a folder beside the project, so a cancel keeps them for the
next try), and the GUI thread stores the result in one action (undoable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from annotator.gui.cancellable import CancellableWorker

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu, QProgressDialog, QWidget

    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.project_model import ProjectModel

TITLE = "Import from IIIF"


class IIIFWorker(CancellableWorker):
    """Reads the manifest and fetches its pages; ``ready`` hands the result over."""

    step = Signal(int, int, str)
    ready = Signal(object)  # PreparedIIIF
    failed = Signal(str)

    def __init__(self, ref: str, root: Any, size: str) -> None:
        super().__init__()
        self.setObjectName("annotator-iiif")
        self.ref, self.root, self.size = ref, root, size

    def run(self) -> None:
        from annotator.core.errors import AnnotatorError
        from annotator.core.iiif import prepare_iiif

        def progress(done: int, total: int, what: str) -> bool:
            self.step.emit(done, total, what)
            return not self.cancelled

        try:
            self.ready.emit(prepare_iiif(self.ref, self.root, size=self.size,
                                         progress=progress, cancelled=self._stop.is_set))
        except AnnotatorError as exc:
            self.failed.emit(str(exc))


class IIIFController(QObject):
    """File ▸ Import from IIIF…"""

    def __init__(self, model: ProjectModel, dialogs: Dialogs, window: QWidget) -> None:
        super().__init__(window)
        self.model, self.dialogs, self.window = model, dialogs, window
        self.worker: IIIFWorker | None = None
        self.progress: QProgressDialog | None = None
        model.projectClosed.connect(self.shutdown)

    def install(self, menu: QMenu) -> None:
        from PySide6.QtGui import QAction

        self.action = QAction("Import from &IIIF…", self.window)
        self.action.setStatusTip("Import a scan published as a IIIF manifest (its pages, "
                                 "metadata and annotations)")
        self.action.triggered.connect(self.ask)
        self.window.addAction(self.action)
        menu.addAction(self.action)

    def ask(self) -> None:
        """The manifest's address (or file) and the image size, asked through the
        dialog service like every question of the window (so a test can answer it)."""
        if self.worker is not None or not self.model.is_open:
            return
        address = self.dialogs.get_text(TITLE, "Manifest (https://…/manifest.json, or a "
                                        "manifest file):")
        if not address or not address.strip():
            return
        size = self.dialogs.get_text(TITLE, "Image size: max (the largest the server "
                                     "gives), a width such as 2000, or pct:50", "max")
        if size is None:
            return
        value = size.strip() or "max"
        self.start(address.strip(), value if value.startswith(("max", "full", "pct:", ","))
                   or "," in value else f"{value},")

    def start(self, ref: str, size: str = "max") -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QProgressDialog

        from annotator.core.iiif import partial_root

        self.worker = IIIFWorker(ref, partial_root(self.model.p.path), size)
        progress = self.progress = QProgressDialog("Reading the manifest…", "Cancel", 0, 0,
                                                   self.window)
        progress.setWindowTitle(TITLE)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.worker.cancel)
        self.worker.step.connect(self._step)
        self.worker.ready.connect(self._store)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._finished)
        self.worker.start()

    def _step(self, done: int, total: int, what: str) -> None:
        # a modal progress dialog's setValue processes events: the run may finish (and
        # drop self.progress) inside it, so the dialog is held here
        progress = self.progress
        if progress is not None:
            progress.setMaximum(total)
            progress.setLabelText(f"Fetching page {min(done + 1, total)} of {total}"
                                  + (f" ({what})" if what else "") + "…")
            progress.setValue(done)

    def _store(self, ready: Any) -> None:
        """On the GUI thread: the document and its annotations, one undoable action."""
        from annotator.core.errors import AnnotatorError
        from annotator.core.iiif import store_iiif

        if not self.model.is_open or (self.worker is not None and self.worker.cancelled):
            # Cancel pressed while the last page came in: nothing is imported (the pages
            # fetched stay in the folder beside the project, for the next try)
            return
        try:
            result = store_iiif(self.model.p, ready)
        except AnnotatorError as exc:
            self._failed(str(exc))
            return
        self.model.record_step(f"Import from IIIF “{ready.manifest.label[:60]}”")
        self.model.announce(result.changes)
        report = result.value
        lines = [f"“{report.document.title}”: {report.document.page_count} page(s)"
                 if report.document else report.message]
        if report.message:
            lines.append(report.message)
        lines += [f"warning: {w}" for w in report.warnings[:10]]
        self.dialogs.inform(TITLE, "\n".join(lines))

    def _failed(self, message: str) -> None:
        self.dialogs.warn(TITLE, message)

    def _finished(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
        self.progress = None
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = None

    def shutdown(self) -> None:
        worker = self.worker
        if worker is not None:
            worker.cancel()
            worker.wait()
