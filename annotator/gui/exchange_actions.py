"""File menu actions that exchange work with other people and programs: export, import
annotations, merge a colleague's project, save a copy for her, restore a backup.

A mixin of MainWindow (needs ``model``, ``act``, ``annotations``, ``open_project`` and
the status bar). Nothing here imports the core at import time (start-up speed): each
slot imports what it calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu


#: Export ▸ entries: format key (annotator.core.exporters.FORMATS) and menu text.
EXPORT_ENTRIES = (("csv", "CSV…"), ("w3c", "W3C Web Annotation…"), ("tei", "TEI…"),
                  ("qdpx", "REFI-QDA (.qdpx)…"), ("pdf", "Annotated PDF…"),
                  ("html", "Quotation report (HTML)…"), ("md", "Quotation report (Markdown)…"))


def run_with_progress(parent, title: str, label: str,  # noqa: ANN001
                      fn: Callable[[Callable[[int, int], bool]], Any]) -> Any:
    """Call ``fn(progress)`` under a modal, cancellable progress dialog; ``progress(done,
    total)`` returns False once the user has pressed Cancel."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QProgressDialog

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
        from annotator.gui.project_model import busy

        with busy():
            return fn(progress)
    finally:
        dialog.close()
        dialog.deleteLater()


class ExchangeMixin:
    """Export ▸, Import annotations, Merge, Save a copy, Restore from backup."""

    def add_exchange_menu(self, menu: QMenu) -> None:
        """Put the exchange actions in ``menu`` (the File menu)."""
        export = self.export_menu = menu.addMenu("&Export")
        self.export_actions = {}
        for key, text in EXPORT_ENTRIES:
            self.export_actions[key] = action = self.act(
                text, lambda _c=False, k=key: self.export_as(k), None,
                "Export the annotations (as filtered in the Annotations panel)")
            export.addAction(action)
        self.a_import_annotations = self.act(
            "Import &annotations (W3C JSON-LD, REFI-QDA)…", self.import_annotations_dialog,
            None, "Bring in annotations made in another program or by a colleague")
        self.a_merge = self.act("&Merge a colleague's project…", self.merge_dialog, None,
                                "Add a colleague's annotations, tags and documents (undoable)")
        self.a_copy = self.act("Save a &copy for a colleague…", self.copy_for_colleague_dialog,
                               None, "A compact, self-contained copy of this project")
        self.a_restore = self.act("Restore from &backup…", self.restore_backup_dialog, None,
                                  "Replace this project with one of its automatic backups")
        menu.addActions([self.a_import_annotations, self.a_merge, self.a_copy])
        menu.addSeparator()
        menu.addAction(self.a_restore)

    def _show_box(self, title: str, text: str, details: list[str] | None = None,
                  warning: bool = False) -> None:
        """A message that does not block (the work is done): kept in ``_last_box``."""
        from PySide6.QtWidgets import QMessageBox

        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, parent=self)
        if details:
            box.setInformativeText("\n".join(details[:8]))
            box.setDetailedText("\n".join(details))
        box.open()
        self._last_box = box

    def _status(self, text: str, ms: int = 10000) -> None:
        self.statusBar().showMessage(text, ms)

    # -- export ------------------------------------------------------------------------------

    def _export_filter(self):  # noqa: ANN202 - the table's AnnotationFilter, or None
        panel = getattr(self, "annotations", None)
        try:
            filt = panel.filters() if panel is not None else None
        except Exception:  # noqa: BLE001 - no filter then: export everything
            return None
        return filt if filt is not None and filt.narrows else None

    def export_as(self, key: str, out: str | Path | None = None) -> Path | None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from annotator.core.errors import AnnotatorError
        from annotator.core.exporters import FORMATS, ExportCancelled, export

        if not self.model.is_open:
            return None
        spec = FORMATS[key]
        project = self.model.p
        if out is None:
            start = str(project.path.with_name(f"{project.path.stem}{spec.extension}"))
            if spec.folder:
                out = QFileDialog.getExistingDirectory(self, f"Export {spec.label} into",
                                                       str(project.path.parent))
            else:
                out, _ = QFileDialog.getSaveFileName(self, f"Export {spec.label}", start,
                                                     f"{spec.label} (*{spec.extension})")
                if out and not out.endswith(spec.extension):
                    out += spec.extension
            if not out:
                return None
        filt = self._export_filter()
        try:
            result = run_with_progress(
                self, "Export", f"Exporting {spec.label}…",
                lambda progress: export(project, key, out, filt=filt, progress=progress))
        except ExportCancelled:
            self._status("Export cancelled; nothing was written.")
            return None
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return None
        where = result.paths[0] if len(result.paths) == 1 else Path(out)
        note = " (as filtered in the Annotations panel)" if filt else ""
        self._status(f"Exported {result.annotations} annotation(s) to {where}{note}", 15000)
        if result.warnings:
            self._show_box("Export", f"Exported to {where}, with remarks:", result.warnings,
                           warning=True)
        return where

    # -- import, merge, copy --------------------------------------------------------------

    def import_annotations_dialog(self, path: str | None = None) -> Any:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from annotator.core.annotation_import import ImportCancelled, import_annotations
        from annotator.core.errors import AnnotatorError

        if not self.model.is_open:
            return None
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import annotations", str(self.model.p.path.parent),
                "Annotations (*.jsonld *.json *.qdpx);;All files (*)")
        if not path:
            return None
        model = self.model
        try:
            result = run_with_progress(
                self, "Import annotations", f"Importing {Path(path).name}…",
                lambda progress: model.run(import_annotations, model.p, path, progress=progress))
        except ImportCancelled:
            self._status("Import cancelled; nothing was changed.")
            return None
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Import failed", str(exc))
            return None
        report = result.value
        undoable = bool(report.annotation_ids) and not (report.documents or report.tags
                                                        or report.entities or report.links)
        if undoable:
            from annotator.gui.exchange_commands import ImportAnnotations

            model.push(ImportAnnotations(model, report.annotation_ids, Path(path).name))
            tail = "Edit ▸ Undo removes the annotations added."
        else:
            tail = ("This import cannot be undone (it created documents, tags, entities or "
                    "links): a backup is made daily (File ▸ Restore from backup)."
                    if report.annotation_ids else "")
        details = [f"skipped: {s}" for s in report.skipped] + report.warnings
        self._show_box("Import annotations",
                       f"{Path(path).name}: {report.summary()}, {len(report.skipped)} skipped."
                       + (f"\n\n{tail}" if tail else ""), details, warning=bool(report.skipped))
        self._status(f"{Path(path).name}: {report.summary()}")
        return report

    def merge_dialog(self, path: str | None = None) -> Any:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from annotator.core.errors import AnnotatorError

        if not self.model.is_open:
            return None
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Merge a colleague's project",
                                                  str(self.model.p.path.parent),
                                                  "Projects (*.annot)")
        if not path:
            return None
        cancelled = [False]

        def run(progress: Callable[[int, int], bool]) -> None:
            def tracked(done: int, total: int) -> bool:
                cancelled[0] = not progress(done, total)
                return not cancelled[0]
            command.progress = tracked
            command.first_run()

        from annotator.gui.exchange_commands import MergeProject

        command = MergeProject(self.model, path)
        try:
            run_with_progress(self, "Merge", f"Merging {Path(path).name}…", run)
        except AnnotatorError as exc:
            if cancelled[0]:
                self._status("Merge cancelled; nothing was changed.")
            else:
                QMessageBox.warning(self, "Merge failed", str(exc))
            return None
        self.model.undo_stack.push(command)
        report = command.report
        lines = [f"{Path(path).name}: {report.summary()}."]
        if report.backup:
            lines.append(f"A backup was made first: {report.backup}")
        lines.append("Edit ▸ Undo takes the merge back.")
        self._show_box("Merge", "\n\n".join(lines), list(report.unmatched),
                       warning=bool(report.unmatched))
        self._status(f"Merged {Path(path).name}: {report.summary()}", 15000)
        return report

    def copy_for_colleague_dialog(self, target: str | None = None) -> Path | None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from annotator.core.errors import AnnotatorError
        from annotator.core.merge import copy_for_colleague

        if not self.model.is_open:
            return None
        project = self.model.p
        if not target:
            target, _ = QFileDialog.getSaveFileName(
                self, "Save a copy for a colleague",
                str(project.path.with_name(f"{project.path.stem} (copy).annot")),
                "Projects (*.annot)")
            if target and not target.endswith(".annot"):
                target += ".annot"
        if not target:
            return None
        try:
            from annotator.gui.project_model import busy

            with busy():
                written = copy_for_colleague(project, target).value
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Copy failed", str(exc))
            return None
        self._status(f"Copy saved to {written}", 15000)
        return written

    # -- backups ------------------------------------------------------------------------------

    def restore_backup_dialog(self) -> None:
        from PySide6.QtWidgets import QDialog

        from annotator.gui.dialogs.backups import BackupsDialog

        if not self.model.is_open:
            return
        dialog = BackupsDialog(self.model.p.path, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen() is not None:
            self.restore_backup(dialog.chosen())

    def restore_backup(self, backup) -> bool:  # noqa: ANN001 - a core Backup
        """Close the project, put ``backup`` in its place, open it again."""
        from PySide6.QtWidgets import QMessageBox

        from annotator.core import backups
        from annotator.core.errors import AnnotatorError

        path = self.model.p.path
        self._remember_documents()
        self.model.close()
        try:
            kept = backups.restore(backup, path)
        except (AnnotatorError, OSError) as exc:
            QMessageBox.warning(self, "Restore failed", f"{exc}\n\nThe project is unchanged.")
            self.open_project(path)
            return False
        if not self.open_project(path):
            return False
        text = f"Restored the backup of {backup.label}."
        if kept:
            text += f" The file it replaced is kept as {kept}."
        self._show_box("Restore from backup", text)
        self._status(text, 20000)
        return True

    def offer_restore(self, path: str | Path, error: Exception) -> bool:
        """Opening found ``path`` damaged: offer its newest good backup."""
        from PySide6.QtWidgets import QMessageBox

        from annotator.core import backups
        from annotator.core.errors import AnnotatorError

        path = Path(path)
        good = backups.newest_good(path)
        if good is None:
            QMessageBox.warning(self, "Project damaged", f"{error}\n\nNo good backup was found.")
            self._status(f"{path.name} was not opened: it is damaged.")
            return False
        answer = QMessageBox.question(
            self, "Project damaged",
            f"{error}\n\nRestore the newest good backup ({good.label})?")
        if answer != QMessageBox.StandardButton.Yes:
            self._status(f"{path.name} was not opened: it is damaged.")
            return False
        try:
            kept = backups.restore(good, path)
            self.model.open(path, author=self.author)
        except (AnnotatorError, OSError) as exc:
            QMessageBox.warning(self, "Cannot open project", str(exc))
            return False
        self._status(f"Restored the backup of {good.label}; the damaged file is kept as "
                     f"{kept}.", 20000)
        return True
