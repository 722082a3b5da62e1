"""Undo commands for exchanging work with others (merge a colleague's project, import
annotations). Kept apart from the File-menu slots so those load nothing of the core at
start-up; the slots import this module when first used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges
from annotator.gui.commands import Command

if TYPE_CHECKING:
    from annotator.gui.project_model import ProjectModel


class MergeProject(Command):
    """Merge a colleague's file; undo unmerges with the report, redo merges again."""

    def __init__(self, model: ProjectModel, other: str | Path,
                 progress: Callable[[int, int], bool] | None = None) -> None:
        super().__init__(model, f"Merge {Path(other).stem}")
        self.other, self.progress = Path(other), progress
        self.report = None

    def do(self, first: bool) -> None:
        from annotator.core.merge import merge

        progress, self.progress = self.progress if first else None, None
        self.report = self.m.run(merge, self.m.p, self.other, backup=first,
                                 progress=progress).value

    def undo_it(self) -> None:
        from annotator.core.merge import unmerge

        self.m.run(unmerge, self.m.p, self.report)


class ImportAnnotations(Command):
    """The import already happened; undo deletes the annotations it added, redo puts
    the same records back."""

    def __init__(self, model: ProjectModel, annotation_ids: list[str], name: str) -> None:
        super().__init__(model, f"Import annotations from {name}")
        self.ids = list(annotation_ids)
        self.records: list = []

    def do(self, first: bool) -> None:
        if first:
            self.records = [a for a in map(self.m.p.annotations.get, self.ids) if a]
            return
        self._each(self.m.p.annotations.restore, self.records)

    def undo_it(self) -> None:
        self._each(self.m.p.annotations.delete, [a.id for a in self.records])

    def _each(self, fn: Callable, items: list) -> None:
        changes = OpChanges()
        with self.m.p.transaction():
            for item in items:
                changes.update(fn(item).changes)
        self.m.announce(changes)
