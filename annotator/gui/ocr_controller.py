"""Document ▸ Recognise text…: Tesseract on a scan's pages, off the GUI thread.

The worker thread has its own PyMuPDF document (PyMuPDF is not thread-safe) and never
touches the project: each recognised page comes back to the GUI thread, which stores
it at once (one transaction per page, the run folded into one undo step), so a
cancelled run keeps its finished pages and the search sees them immediately.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from annotator.gui.cancellable import CancellableWorker

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu, QProgressDialog, QStatusBar, QWidget

    from annotator.core.model import Document
    from annotator.core.ocr import RecognisedPage
    from annotator.gui.desk import Desk
    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.project_model import ProjectModel

TITLE = "Recognise text"


class OcrWorker(CancellableWorker):
    """Recognises the pages one by one; ``pageDone`` hands each to the GUI thread."""

    pageDone = Signal(object)  # RecognisedPage
    failed = Signal(str)

    def __init__(self, document: Document, data: bytes, pages: list[int],
                 language: str) -> None:
        super().__init__()
        self.setObjectName("annotator-ocr")
        self.document, self.data, self.pages, self.language = document, data, pages, language

    def run(self) -> None:
        from annotator.core import ocr
        from annotator.core.errors import AnnotatorError
        from annotator.core.importers.pdf import MUPDF_LOCK, load_pymupdf

        pymupdf = load_pymupdf()
        subtype = self.document.media_type.split("/")[-1]
        try:
            with MUPDF_LOCK:  # MuPDF is single-threaded: the render thread draws too
                pdoc = pymupdf.open(stream=self.data, filetype=subtype)
        except Exception as exc:  # MuPDF raises several types for unreadable files
            self.failed.emit(f"the scan cannot be read ({exc}).")
            return
        try:
            for number in self.pages:
                if self.cancelled:
                    return
                page = ocr.recognise_page(pdoc, self.document, number, self.language,
                                          self.data, cancelled=self._stop.is_set)
                self.pageDone.emit(page)
        except ocr.Cancelled:
            return
        except AnnotatorError as exc:
            self.failed.emit(str(exc))
        finally:
            with MUPDF_LOCK:
                pdoc.close()


class OcrController(QObject):
    """Document ▸ Recognise text…; ``running`` while a run is under way."""

    finished = Signal()

    def __init__(self, model: ProjectModel, desk: Desk, dialogs: Dialogs, status: QStatusBar,
                 window: QWidget) -> None:
        super().__init__(window)
        self.model, self.desk, self.dialogs, self.status = model, desk, dialogs, status
        self.window = window
        self.worker: OcrWorker | None = None
        self.progress: QProgressDialog | None = None
        self.stored: list[int] = []
        self._run: dict[str, Any] = {}
        model.projectClosed.connect(self.shutdown)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def install(self, menu: QMenu) -> None:
        from PySide6.QtGui import QAction

        self.action = QAction("Recognise &text…", self.window)
        self.action.setStatusTip("Read the text of the scan's pages with Tesseract "
                                 "(offline): then it can be searched, selected and tagged")
        self.action.triggered.connect(self.recognise)
        self.window.addAction(self.action)
        menu.addAction(self.action)

    # -- asking ---------------------------------------------------------------------------

    def recognise(self) -> None:
        """Ask languages and pages for the scan in use, then start the run."""
        from annotator.core import ocr
        from annotator.core.errors import AnnotatorError
        from annotator.core.model import DocumentKind

        if self.running or not self.model.is_open:
            return
        doc = self.model.p.documents.get(self.desk.active.document_id or "")
        if doc is None or doc.kind != DocumentKind.PAGED:
            self.dialogs.inform(TITLE, "Open a scan (a PDF or page images) first: text is "
                                "recognised on the pages of the scan in use.")
            return
        try:
            engine = ocr.engine()
        except ocr.OcrUnavailable as exc:
            self.dialogs.warn(TITLE, str(exc))
            return
        from annotator.gui.dialogs.recognise import RecogniseDialog

        dialog = RecogniseDialog(doc, engine.languages,
                                 ocr.default_languages(doc, engine.languages), engine.version,
                                 self.window)
        if not self.dialogs.run_dialog(dialog):
            return
        language, pages, force = dialog.choice()
        try:
            language = ocr.check_languages(language, engine.languages)
            work = ocr.plan(self.model.p, doc.id, pages or None, force=force)
        except AnnotatorError as exc:
            self.dialogs.warn(TITLE, str(exc))
            return
        if not work.pages:
            self.dialogs.inform(TITLE, "Every page asked for has a text layer already; tick "
                                "“Also pages that have a text layer” to read them again.")
            return
        self.start(doc, work.pages, language)

    # -- running --------------------------------------------------------------------------

    def start(self, doc: Document, pages: list[int], language: str) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QProgressDialog

        from annotator.core import ocr

        self._run = {"doc": doc, "total": len(pages), "key": ocr.run_key(doc.id),
                     "label": f"Recognise text on “{doc.title}”", "error": ""}
        self.stored = []
        self.worker = OcrWorker(doc, self.model.p.documents.data(doc.id), pages, language)
        self.worker.pageDone.connect(self._store)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._finished)
        progress = self.progress = QProgressDialog(
            f"Recognising page {pages[0]} ({1} of {len(pages)})…", "Cancel", 0, len(pages),
            self.window)
        progress.setWindowTitle(TITLE)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.worker.cancel)
        progress.setValue(0)
        self.worker.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self) -> None:
        """The project is closing: stop the run and wait for its thread (its Tesseract
        process is ended within a fifth of a second); what was stored stays."""
        worker = self.worker
        if worker is not None:
            worker.cancel()
            worker.wait()

    def _store(self, page: RecognisedPage) -> None:
        """On the GUI thread: one page, one transaction, announced at once."""
        from annotator.core import ocr
        from annotator.core.errors import AnnotatorError

        run = self._run
        if not self.model.is_open or (self.worker is not None and self.worker.cancelled):
            # a page read while the scholar pressed Cancel arrives after it: what Cancel
            # left stored is what stays, not one page more
            return
        try:
            result = ocr.store_page(self.model.p, run["doc"].id, page, label=run["label"],
                                    coalesce=run["key"])
        except AnnotatorError as exc:
            run["error"] = str(exc)
            self.cancel()
            return
        self.stored.append(page.number)
        self.model.announce(result.changes)
        if self.progress is not None:
            if self.progress.wasCanceled():  # Escape, or closed, rather than the button
                self.cancel()
            done = len(self.stored)
            self.progress.setValue(done)
            if done < run["total"]:
                self.progress.setLabelText(f"Recognising page {done + 1} of {run['total']}…")

    def _failed(self, message: str) -> None:
        self._run["error"] = message

    def _finished(self) -> None:
        run, worker = self._run, self.worker
        self.worker = None
        if worker is not None:
            worker.deleteLater()
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        if not self.model.is_open:
            self.finished.emit()
            return
        if self.stored:
            self.model.record_step(run["label"])
            self._show_layer(run["doc"].id)
        words = sum(len(p.words) for p in self.model.p.documents.pages(
            run["doc"].id, with_words=True) if p.number in self.stored)
        said = (f"Recognised {len(self.stored)} of {run['total']} page(s) of "
                f"“{run['doc'].title}”: {words:,} words")
        if run["error"]:
            self.dialogs.warn(TITLE, f"{said}. Then: {run['error']}")
        else:
            self.status.showMessage(said + ("" if len(self.stored) == run["total"]
                                            else " (cancelled; the pages read are kept)"), 10000)
        self.finished.emit()

    def _show_layer(self, document_id: str) -> None:
        """The scan views showing the document take its new words (they keep a
        document's pages once laid out)."""
        for pane in self.desk.panes:
            if pane.document_id == document_id and pane.kind == "paged":
                pane.scan.set_document(None, None)  # type: ignore[attr-defined]
                pane.open(document_id)
