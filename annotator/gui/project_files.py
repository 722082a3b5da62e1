"""The project file's life: open one (read-only when another program has it; its
newest good backup offered when it is damaged), create one, bring documents into it
(Import, or files dropped on the window).

Nothing needs saving: every action is committed by the core as it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar, QWidget

    from annotator.core.prepared_import import ImportReport
    from annotator.gui.desk import Desk
    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.project_model import ProjectModel

PROJECTS = "Projects (*.annot)"


class ProjectFiles(QObject):
    """Opening, creating and importing into the project. ``author`` gives the name the
    scholar works under when a project is opened (asked once the window is shown)."""

    def __init__(self, model: ProjectModel, desk: Desk, dialogs: Dialogs, status: QStatusBar,
                 parent: QWidget, author: Callable[[], str | None]) -> None:
        super().__init__(parent)
        self.model, self.desk, self.dialogs, self.status = model, desk, dialogs, status
        self.window, self.author = parent, author
        self._asked_about: set[str] = set()  # conflicted copies asked about this session

    def open(self, path: str | Path) -> bool:
        """Open a project file; False (and the scholar told why) when it was not."""
        from annotator.core.errors import AnnotatorError, ProjectCorrupt, ProjectLocked

        try:
            self.model.open(path, author=self.author())
        except ProjectCorrupt as exc:
            return self.offer_restore(path, exc)
        except ProjectLocked as exc:
            if not self.dialogs.ask("Project in use", f"{exc}\n\nOpen it read-only?"):
                return False
            try:
                self.model.open(path, author=self.author(), read_only=True)
            except AnnotatorError as again:
                self.dialogs.warn("Cannot open project", str(again))
                return False
        except AnnotatorError as exc:
            self.dialogs.warn("Cannot open project", str(exc))
            return False
        self.offer_cloud_copies()
        return True

    def offer_cloud_copies(self) -> int:
        """A sync client (Dropbox, Nextcloud, OneDrive) left conflicted copies of the
        project beside it: ask, once per copy, whether to merge each in (through the
        window's merge, one undo step). Returns how many were merged."""
        from annotator.core.cloud_copies import conflicted_copies

        model = self.model
        if not model.is_open or model.p.read_only:
            return 0
        merged = 0
        for copy in conflicted_copies(model.p.path, model.p.id):
            if str(copy.path) in self._asked_about:
                continue
            self._asked_about.add(str(copy.path))
            if not self.dialogs.ask(
                    "Conflicted copy", f"{copy.service} left a conflicted copy of this project "
                    f"beside it:\n{copy.path.name}\n\nMerge it into this project? Where the "
                    "two differ, both versions are kept; Edit ▸ Undo takes the merge back."):
                continue
            exchange = getattr(self.window, "exchange", None)
            if exchange is not None and exchange.merge(str(copy.path)) is not None:
                merged += 1
        return merged

    def create(self, path: str | Path, title: str = "") -> bool:
        from annotator.core.errors import AnnotatorError

        try:
            self.model.create(path, title, author=self.author())
        except AnnotatorError as exc:
            self.dialogs.warn("Cannot create project", str(exc))
            return False
        return True

    def new_dialog(self) -> None:
        path = self.dialogs.save_file("New project", Path.home() / "My project.annot",
                                      PROJECTS, suffix=".annot")
        if path:
            self.create(path)

    def open_dialog(self) -> None:
        path = self.dialogs.open_file("Open project", Path.home(),
                                      f"{PROJECTS};;All files (*)")
        if path:
            self.open(path)

    def offer_restore(self, path: str | Path, error: Exception) -> bool:
        """Opening found ``path`` damaged: offer its newest good backup."""
        from annotator.core import backups
        from annotator.core.errors import AnnotatorError

        path = Path(path)
        good = backups.newest_good(path)
        if good is None:
            self.dialogs.warn("Project damaged", f"{error}\n\nNo good backup was found.")
            self.status.showMessage(f"{path.name} was not opened: it is damaged.", 10000)
            return False
        if not self.dialogs.ask("Project damaged", f"{error}\n\nRestore the newest good "
                                f"backup ({good.label})?"):
            self.status.showMessage(f"{path.name} was not opened: it is damaged.", 10000)
            return False
        try:
            kept = backups.restore(good, path)
            self.model.open(path, author=self.author())
        except (AnnotatorError, OSError) as exc:
            self.dialogs.warn("Cannot open project", str(exc))
            return False
        self.status.showMessage(f"Restored the backup of {good.label}; the damaged file is "
                                f"kept as {kept}.", 20000)
        return True

    # -- documents in --------------------------------------------------------------------

    def import_dialog(self) -> None:
        from annotator.gui.dialogs import importing

        if not self.model.is_open:
            return
        paths = self.dialogs.open_files("Import documents", Path.home(), importing.FILE_FILTER)
        if paths:
            self.import_files(paths)

    def import_files(self, paths: list[str]) -> list[ImportReport]:
        """Import documents (one undo step); what failed is listed in a box that does
        not block. The first one opens when no document is open."""
        from annotator.gui.dialogs import importing

        reports = importing.import_paths(self.window, self.model, paths, self.dialogs)
        line, details = importing.summary(reports)
        self.status.showMessage(line, 10000)
        if details:
            self.dialogs.report("Import", line, details, warning=True)
        imported = [r.document for r in reports if r.status in ("imported", "existing")
                    and r.document]
        if imported and not self.desk.left.document_id:
            self.desk.open_document(imported[0].id)
        return reports

    def dropped(self, paths: list[str]) -> None:
        """Files dropped on the window: a project opens, documents are imported."""
        projects = [p for p in paths if p.endswith(".annot")]
        if projects:
            self.open(projects[0])
        elif paths:
            self.import_files(paths)
