"""Importing files with a cancellable progress dialog; the batch is one undo step.

The slow part (reading a PDF's pages and text layer) runs in a worker thread, which
never touches the project: it hands each parsed file to the GUI thread, which writes
it. Both halves are core's, the very path the command line's ``import`` takes
(``prepared_import.prepare_import``, then ``DocumentStore.store_import``). A bad file is
reported and never stops the others (each is written in a savepoint of its own);
an encrypted PDF asks for its password. The whole batch is one action of the change
journal, so Edit ▸ Undo (or ``annotator undo``) removes the documents it added and
redo brings the same ones back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from annotator.core.changes import OpChanges
from annotator.core.errors import ImportFailed
from annotator.core.prepared_import import ImportReport, PreparedImport, prepare_import
from annotator.gui.cancellable import CancellableWorker
from annotator.gui.dialogs.service import Dialogs
from annotator.gui.project_model import ProjectModel

FILE_FILTER = ("Sources (*.txt *.md *.markdown *.html *.htm *.pdf *.png *.jpg *.jpeg *.tif "
               "*.tiff *.gif *.bmp *.xml *.hocr);;All files (*)")


class ImportWorker(CancellableWorker):
    """Reads and parses files one by one, with no connection to the project: the
    fingerprints of the sources it already has (read beforehand) spare parsing them."""

    starting = Signal(int, str)  # index, file name
    prepared = Signal(int, object)  # index, PreparedImport

    def __init__(self, known: set[str], paths: Sequence[Path],
                 passwords: dict[str, str]) -> None:
        super().__init__()
        self.known, self.paths, self.passwords = frozenset(known), list(paths), passwords

    def run(self) -> None:
        for i, path in enumerate(self.paths):
            if self.cancelled:
                return
            self.starting.emit(i, path.name)
            self.prepared.emit(i, prepare_import(path, self.passwords.get(str(path)),
                                                 self.known.__contains__))


def ask_password(dialogs: Dialogs, name: str) -> str | None:
    return dialogs.get_text("Password", f"{name} is encrypted. Password:", secret=True) or None


def _run_batch(parent: QWidget | None, model: ProjectModel, paths: list[Path],
               passwords: dict[str, str],
               changes: OpChanges) -> tuple[list[ImportReport], list[str]]:
    """One pass over ``paths`` under a progress dialog: reports in the files' order, and
    the files that need a password. After Cancel nothing more is stored: the files
    stored before it stay (one undo step takes them back)."""
    n = len(paths)
    progress = QProgressDialog("Importing…", "Cancel", 0, n, parent)
    progress.setWindowTitle("Import documents")
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(400)
    reports: dict[int, ImportReport] = {}
    prepared: dict[int, PreparedImport] = {}
    worker = ImportWorker(model.p.documents.source_fingerprints(), paths, passwords)
    loop = QEventLoop()

    def starting(i: int, name: str) -> None:
        progress.setLabelText(f"Importing {name} ({i + 1} of {n})…")

    def store(i: int, item: PreparedImport) -> None:
        if worker.cancelled:  # read before Cancel, arrived after: not stored
            return
        prepared[i] = item
        try:
            result = model.p.documents.store_import(item)
            reports[i] = result.value
            changes.update(result.changes)
        except ImportFailed as exc:
            reports[i] = ImportReport(item.path, "failed", str(exc))
        progress.setValue(i + 1)

    worker.starting.connect(starting)
    worker.prepared.connect(store)
    worker.finished.connect(loop.quit)
    progress.canceled.connect(worker.cancel)
    worker.start()
    loop.exec()
    worker.wait()
    progress.setValue(n)
    progress.deleteLater()
    # the passwords are asked for only in a batch the scholar let run to its end
    locked = ([] if worker.cancelled
              else [item.path for item in prepared.values() if item.needs_password])
    return [reports[i] for i in sorted(reports)], locked


def import_paths(parent: QWidget | None, model: ProjectModel,
                 paths: Sequence[str | Path], dialogs: Dialogs | None = None) -> list[ImportReport]:
    """Import files (asking for the passwords of encrypted PDFs); returns a report per
    file. The documents added are one action, so one step of Edit ▸ Undo."""
    files = [Path(p) for p in paths]
    changes = OpChanges()
    project = model.p
    label = ""
    with project.transaction():
        reports, locked = _run_batch(parent, model, files, {}, changes)
        passwords = {}
        for path in locked:
            password = ask_password(dialogs or Dialogs(parent), Path(path).name)
            if password:
                passwords[path] = password
        if passwords:
            again, _ = _run_batch(parent, model, [Path(p) for p in passwords], passwords,
                                  changes)
            retried = {r.path: r for r in again}
            reports = [retried.get(r.path, r) for r in reports]
        n = sum(r.status == "imported" for r in reports)
        if n:
            label = f"Import {n} document{'s' if n != 1 else ''}"
            with project.transaction(label):  # names the action, now that its size is known
                pass
    model.announce(changes)
    if label:
        model.record_step(label)
    return reports


def summary(reports: list[ImportReport]) -> tuple[str, list[str]]:
    """One line for the status bar, and the problems worth a closer look."""
    done = sum(r.status == "imported" for r in reports)
    existing = sum(r.status == "existing" for r in reports)
    failed = [r for r in reports if r.status == "failed"]
    parts = [f"Imported {done} document{'s' if done != 1 else ''}"]
    if existing:
        parts.append(f"{existing} already in the project")
    if failed:
        parts.append(f"{len(failed)} failed")
    details = [f"{Path(r.path).name}: {r.message}" for r in failed]
    details += [f"{Path(r.path).name}: {w}" for r in reports for w in r.warnings]
    return "; ".join(parts) + ".", details
