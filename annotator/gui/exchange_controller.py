"""Exchanging work with other people and programs (the File menu): export, import
annotations, merge a colleague's project, save a copy for her, restore a backup.

An import or a merge runs under a progress dialog in one journaled transaction, then
goes on the undo stack as one step (ProjectModel.record_step). Nothing here imports
the core at import time (start-up speed): each action imports what it calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar, QWidget

    from annotator.core.backups import Backup
    from annotator.core.filters import AnnotationFilter
    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.panels.annotations_table import AnnotationsPanel
    from annotator.gui.project_files import ProjectFiles
    from annotator.gui.project_model import ProjectModel

#: Export ▸ entries: format key (annotator.core.exporters.FORMATS) and menu text.
EXPORT_ENTRIES = (("csv", "CSV…"), ("xlsx", "Excel workbook (.xlsx)…"), ("w3c", "W3C Web Annotation…"), ("tei", "TEI…"),
                  ("qdpx", "REFI-QDA (.qdpx)…"), ("pdf", "Annotated PDF…"),
                  ("html", "Quotation report (HTML)…"), ("md", "Quotation report (Markdown)…"),
                  ("iiif", "IIIF manifest (Mirador)…"), ("alto", "Text layer as ALTO…"), ("pagexml", "Text layer as PAGE XML…"),
                  ("gexf", "Network as GEXF (Gephi)…"), ("graphml", "Network as GraphML…"),
                  ("palladio", "Network as Palladio CSV…"), ("geojson", "Places as GeoJSON…"),
                  ("kml", "Places as KML…"))


def run_with_progress(parent: QWidget | None, title: str, label: str,
                      fn: Callable[[Callable[[int, int], bool]], Any]) -> Any:
    """Call ``fn(progress)`` under a modal, cancellable progress dialog; ``progress(done,
    total)`` returns False once the user has pressed Cancel."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from annotator.gui.project_model import busy

    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(done: int, total: int) -> bool:
        if total > 0:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        QApplication.processEvents()
        return not dialog.wasCanceled()

    try:
        with busy():
            return fn(progress)
    finally:
        dialog.close()
        dialog.deleteLater()


class ExchangeController(QObject):
    """Export ▸, Import annotations, Merge, Save a copy, Restore from backup.
    ``annotations``: the table whose filter an export follows; ``files``: opens the
    project again after a backup replaced it."""

    def __init__(self, model: ProjectModel, dialogs: Dialogs, status: QStatusBar,
                 annotations: AnnotationsPanel, files: ProjectFiles, parent: QWidget) -> None:
        super().__init__(parent)
        self.model, self.dialogs, self.status = model, dialogs, status
        self.annotations, self.files, self.window = annotations, files, parent

    def say(self, text: str, ms: int = 10000) -> None:
        self.status.showMessage(text, ms)

    # -- export ------------------------------------------------------------------------------

    def _export_filter(self) -> AnnotationFilter | None:
        """The Annotations panel's filter, when it narrows what is shown."""
        try:
            filt = self.annotations.filters()
        except Exception:
            return None
        return filt if filt is not None and filt.narrows else None

    def _which_annotations(self) -> tuple[bool, AnnotationFilter | None]:
        """(go on, filter): all annotations, unless the scholar, asked because the
        table is filtered, takes the n it shows. A filter left on the table once
        exported 1 of 57 annotations without a word; now it is a choice, all first."""
        filt = self._export_filter()
        if filt is None:
            return True, None
        project = self.model.p
        table = self.annotations.table
        shown = len(project.annotations.list(filt)) if table.loading else len(table.rows)
        total = project.annotations.count()
        everything = f"All {total} annotations of the project"
        filtered = f"Only the {shown} shown in the Annotations panel (its filter)"
        answer = self.dialogs.get_item("Export", "Which annotations should be exported?",
                                       [everything, filtered], 0)
        if answer is None:
            return False, None
        return True, filt if answer == filtered else None

    def _export_folder(self) -> Path:
        """Where an export is proposed: beside the project, unless the project lives
        in the hidden data folder (the first-run sample): then the Documents folder."""
        from PySide6.QtCore import QStandardPaths

        from annotator.gui import settings

        folder = self.model.p.path.parent.resolve()
        if folder.is_relative_to(settings.data_dir().resolve()):
            documents = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation)
            return Path(documents) if documents and Path(documents).is_dir() else Path.home()
        return folder

    def export_as(self, key: str, out: str | Path | None = None) -> Path | None:
        """Export the annotations in format ``key``: all of them, or those the table's
        filter shows if the scholar says so; asks where unless ``out`` is given."""
        from annotator.core.errors import AnnotatorError
        from annotator.core.exporters import FORMATS, ExportCancelled, export

        if not self.model.is_open:
            return None
        spec = FORMATS[key]
        project = self.model.p
        go_on, filt = self._which_annotations()
        if not go_on:
            return None
        if out is None:
            folder = self._export_folder()
            if spec.folder:
                out = self.dialogs.choose_folder(f"Export {spec.label} into", folder)
            else:
                out = self.dialogs.save_file(
                    f"Export {spec.label}", folder / f"{project.path.stem}{spec.extension}",
                    f"{spec.label} (*{spec.extension})", suffix=spec.extension)
            if not out:
                return None
        target = out
        try:
            result = run_with_progress(
                self.window, "Export", f"Exporting {spec.label}…",
                lambda progress: export(project, key, target, filt=filt, progress=progress))
        except ExportCancelled:
            self.say("Export cancelled; nothing was written.")
            return None
        except AnnotatorError as exc:
            self.dialogs.warn("Export failed", str(exc))
            return None
        where = result.paths[0] if len(result.paths) == 1 else Path(out)
        note = " (only those the Annotations panel's filter shows)" if filt else ""
        self.say(f"Exported {result.annotations} annotation(s) to {where}{note}", 15000)
        if result.warnings:
            self.dialogs.report("Export", f"Exported to {where}, with remarks:",
                                result.warnings, warning=True)
        return where

    # -- import, merge, copy --------------------------------------------------------------

    def import_annotations(self, path: str | None = None) -> Any:
        """Bring in annotations made elsewhere (W3C JSON-LD, REFI-QDA): one undo step."""
        from annotator.core.annotation_import import ImportCancelled, import_annotations
        from annotator.core.errors import AnnotatorError

        if not self.model.is_open:
            return None
        model = self.model
        if not path:
            path = self.dialogs.open_file(
                "Import annotations", model.p.path.parent,
                "Annotations (*.jsonld *.json *.qdpx);;All files (*)")
        if not path:
            return None
        name = Path(path).name
        label = f"Import annotations from {name}"

        def run(progress: Callable[[int, int], bool]) -> Any:
            with model.p.transaction(label):  # one action of the journal, named
                return import_annotations(model.p, path, progress=progress)

        try:
            result = run_with_progress(self.window, "Import annotations",
                                       f"Importing {name}…", run)
        except ImportCancelled:
            self.say("Import cancelled; nothing was changed.")
            return None
        except AnnotatorError as exc:
            self.dialogs.warn("Import failed", str(exc))
            return None
        model.announce(result.changes)
        model.record_step(label)
        report = result.value
        details = [f"skipped: {s}" for s in report.skipped] + report.warnings
        tail = "\n\nEdit ▸ Undo removes what it added." if report.annotation_ids else ""
        self.dialogs.report(
            "Import annotations", f"{name}: {report.summary()}, {len(report.skipped)} skipped."
            + tail, details, warning=bool(report.skipped))
        self.say(f"{name}: {report.summary()}")
        return report

    def merge(self, path: str | None = None) -> Any:
        """Add a colleague's annotations, tags and documents: one undo step."""
        from annotator.core.errors import AnnotatorError
        from annotator.core.merge import merge

        if not self.model.is_open:
            return None
        model = self.model
        if not path:
            path = self.dialogs.open_file("Merge a colleague's project", model.p.path.parent,
                                          "Projects (*.annot)")
        if not path:
            return None
        other = Path(path)
        cancelled = [False]

        def run(progress: Callable[[int, int], bool]) -> Any:
            def tracked(done: int, total: int) -> bool:
                cancelled[0] = not progress(done, total)
                return not cancelled[0]
            return model.run(merge, model.p, other, progress=tracked).value

        try:
            report = run_with_progress(self.window, "Merge", f"Merging {other.name}…", run)
        except AnnotatorError as exc:
            if cancelled[0]:
                self.say("Merge cancelled; nothing was changed.")
            else:
                self.dialogs.warn("Merge failed", str(exc))
            return None
        model.record_step(f"Merge {other.stem}")
        from annotator.gui.conflicts_controller import report_lines, show_conflicts

        lines = [f"{other.name}: {report.summary()}.", *report_lines(model.p, report)]
        if report.conflicts:
            show_conflicts(self.window)
        if report.backup:
            lines.append(f"A backup was made first: {report.backup}")
        lines.append("Edit ▸ Undo takes the merge back.")
        self.dialogs.report("Merge", "\n\n".join(lines), list(report.unmatched),
                            warning=bool(report.unmatched))
        self.say(f"Merged {other.name}: {report.summary()}", 15000)
        return report

    def copy_for_colleague(self, target: str | None = None) -> Path | None:
        """A compact, self-contained copy of the project to give away."""
        from annotator.core.colleague_copy import copy_for_colleague
        from annotator.core.errors import AnnotatorError
        from annotator.gui.project_model import busy

        if not self.model.is_open:
            return None
        project = self.model.p
        if not target:
            target = self.dialogs.save_file(
                "Save a copy for a colleague",
                project.path.with_name(f"{project.path.stem} (copy).annot"),
                "Projects (*.annot)", suffix=".annot")
        if not target:
            return None
        try:
            with busy():
                written = copy_for_colleague(project, target).value
        except AnnotatorError as exc:
            self.dialogs.warn("Copy failed", str(exc))
            return None
        self.say(f"Copy saved to {written}", 15000)
        return written

    # -- backups ------------------------------------------------------------------------------

    def restore_backup_dialog(self) -> None:
        if not self.model.is_open:
            return
        chosen = self.dialogs.choose_backup(self.model.p.path)
        if chosen is not None:
            self.restore_backup(chosen)

    def restore_backup(self, backup: Backup) -> bool:
        """Close the project, put ``backup`` in its place, open it again."""
        from annotator.core import backups
        from annotator.core.errors import AnnotatorError

        path = self.model.p.path
        self.model.close()
        try:
            kept = backups.restore(backup, path)
        except (AnnotatorError, OSError) as exc:
            self.dialogs.warn("Restore failed", f"{exc}\n\nThe project is unchanged.")
            self.files.open(path)
            return False
        if not self.files.open(path):
            return False
        text = f"Restored the backup of {backup.label}."
        if kept:
            text += f" The file it replaced is kept as {kept}."
        self.dialogs.report("Restore from backup", text)
        self.say(text, 20000)
        return True
