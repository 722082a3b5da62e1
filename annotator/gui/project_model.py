"""The open project, seen from Qt: every core call goes through here and is announced.

Views never poll the database: they listen to :attr:`ProjectModel.changed`, which
carries the OpChanges the core returned, and redraw only what it names. Every edit
is :meth:`ProjectModel.do`: one core call, one journaled change set, one generic step
on the undo stack (undo.py), which lives here too, one per open project.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from annotator.core.spans import passage_color

if TYPE_CHECKING:  # the core is imported on first use, after the window is on screen
    from annotator.core.backups import BackgroundBackup
    from annotator.core.changes import OpChanges, OpResult
    from annotator.core.model import Author, Document, Entity, Tag
    from annotator.core.project import Project



@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor while the core works (re-anchoring a long text, a big merge)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class ProjectModel(QObject):
    """Holds the core Project, small caches (tags, authors, entities) and the undo stack."""

    changed = Signal(object)  # OpChanges, after every core call
    projectOpened = Signal()
    projectClosed = Signal()
    message = Signal(str)  # for the status bar
    failed = Signal(str)  # an operation was refused: tell the user why

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.backup: BackgroundBackup | None = None  # the day's copy, in a thread
        self.undo_stack = QUndoStack(self)
        self._tags: dict[str, Tag] | None = None
        self._authors: dict[str, Author] | None = None
        self._entities: dict[str, Entity] | None = None
        self._documents: dict[str, Document] | None = None
        #: while ``changed`` is emitted for an action, undo or redo: (its change set,
        #: undone?, coalesced into the previous one?), so a view can read what the
        #: journal kept of it (the codebook's counts); None for other announcements
        self.step: tuple[int | None, bool, bool] | None = None

    # -- opening -------------------------------------------------------------------

    def open(self, path: str | Path, author: str | None = None,
             read_only: bool = False) -> Project:
        """Open a project file (raising ProjectError with a message for the user)."""
        from annotator.core.backups import BackgroundBackup
        from annotator.core.project import Project

        # the day's backup is copied beside the work, not before the window shows
        project = Project.open(path, author=author, read_only=read_only, backup_now=False)
        self._set(project)
        if project.backup_due:
            self.backup = BackgroundBackup(project.path).start()
        return project

    def create(self, path: str | Path, title: str = "", author: str | None = None) -> Project:
        from annotator.core.project import Project

        project = Project.create(path, title, author=author)
        self._set(project)
        return project

    def _set(self, project: Project) -> None:
        self.close()
        self.project = project
        self._forget()
        self.projectOpened.emit()

    def close(self) -> None:
        if self.project is None:
            return
        self.undo_stack.clear()
        self.projectClosed.emit()
        if self.backup is not None:
            self.backup.stop()  # between two steps: at most a few milliseconds
            self.backup = None
        self.project.close()
        self.project = None
        self._forget()

    @property
    def is_open(self) -> bool:
        return self.project is not None

    @property
    def p(self) -> Project:
        """The open project (callers only run when one is open)."""
        if self.project is None:
            from annotator.core.errors import AnnotatorError

            raise AnnotatorError("no project is open.")
        return self.project

    # -- running core operations ---------------------------------------------------

    def run(self, fn: Callable[..., OpResult[Any]], *args: Any, **kwargs: Any) -> OpResult[Any]:
        """Call one core operation and announce what it changed."""
        result = fn(*args, **kwargs)
        self.announce(result.changes)
        return result

    def announce(self, changes: OpChanges) -> None:
        if not changes:
            return
        if changes.tags:
            self._tags = None
        if changes.authors or changes.annotations:
            self._authors = None  # the first annotation of a new author creates the author
        if changes.entities:
            self._entities = None
        if changes.documents or changes.project:
            self._documents = None
        self.changed.emit(changes)

    def do(self, label: str, fn: Callable[..., OpResult[Any]], *args: Any,
           coalesce: str = "", **kwargs: Any) -> OpResult[Any] | None:
        """Run one user action: the core call ``fn`` in one journaled transaction named
        ``label``, announced, and put on the undo stack. A refused action is reported
        (``failed``) and returns None; nothing is left half done. ``coalesce``: repeated
        actions with the same key (typing a note) become one undo step."""
        from annotator.core.errors import AnnotatorError

        project = self.p
        try:
            with busy(), project.transaction(label, coalesce=coalesce):
                result = fn(*args, **kwargs)
        except AnnotatorError as exc:
            self.failed.emit(str(exc))
            return None
        self.step = (project.last_changeset, False, bool(coalesce))
        try:
            self.announce(result.changes)
        finally:
            self.step = None
        self.record_step(label)
        return result

    def record_step(self, label: str) -> None:
        """Put the change set the last action recorded on the undo stack (for actions
        that ran with their own progress dialog, such as an import or a merge)."""
        changeset = self.p.last_changeset
        if changeset is not None:
            from annotator.gui.undo import JournalStep

            self.undo_stack.push(JournalStep(self, changeset, label))

    def replay(self, changeset_id: int, *, backwards: bool) -> None:
        """Undo or redo one change set; what a later action changed is kept and said."""
        from annotator.core.errors import AnnotatorError

        try:
            with busy():
                result = (self.p.undo if backwards else self.p.redo)(changeset_id)
        except AnnotatorError as exc:
            self.failed.emit(f"Could not {'undo' if backwards else 'redo'}: {exc}")
            return
        self._forget()
        self.step = (changeset_id, backwards, False)
        try:
            self.announce(result.changes)
        finally:
            self.step = None
        if result.value.skipped:
            self.message.emit(f"{'Undid' if backwards else 'Redid'} “{result.value.label}”; "
                              f"{result.value.skipped} field(s) changed since were kept.")

    # -- caches (small tables, read often while painting) --------------------------

    def _forget(self) -> None:
        self._tags = self._authors = self._entities = self._documents = None

    def tags(self) -> dict[str, Tag]:
        if self._tags is None:
            self._tags = {t.id: t for t in self.p.tags.list()} if self.project else {}
        return self._tags

    def tag(self, tag_id: str) -> Tag | None:
        return self.tags().get(tag_id)

    def tag_by_shortcut(self, key: str) -> Tag | None:
        for tag in self.tags().values():
            if tag.shortcut == key:
                return tag
        return None

    def tag_path(self, tag_id: str) -> str:
        """"Recognition/De jure recognition": a tag's name with its parents (at most
        MAX_TAG_DEPTH of them: a crafted 5,000-deep chain made opening take minutes)."""
        from annotator.core.codebook import MAX_TAG_DEPTH

        parts, seen = [], set()
        tag = self.tag(tag_id)
        while tag is not None and tag.id not in seen and len(parts) < MAX_TAG_DEPTH:
            seen.add(tag.id)
            parts.append(tag.name)
            tag = self.tag(tag.parent_id) if tag.parent_id else None
        return "/".join(reversed(parts))

    def entity_types(self) -> list[Tag]:
        return [t for t in self.tags().values() if t.kind == "entity_type"]

    def color_for(self, tag_ids: tuple[str, ...] | list[str], own: str = "") -> str:
        """An annotation's colour: its own, else its first tag's, else the default."""
        return passage_color(own, tag_ids, self._tag_color)

    def _tag_color(self, tag_id: str) -> str | None:
        tag = self.tag(tag_id)
        return tag.color if tag is not None else None

    def authors(self) -> dict[str, Author]:
        if self._authors is None:
            self._authors = {a.id: a for a in self.p.authors.list()} if self.project else {}
        return self._authors

    def author_name(self, author_id: str) -> str:
        author = self.authors().get(author_id)
        if author is None and self.project is not None:
            author = self.p.authors.get(author_id)
        return author.name if author else ""

    def entities(self) -> dict[str, Entity]:
        if self._entities is None:
            self._entities = {e.id: e for e in self.p.entities.list()} if self.project else {}
        return self._entities

    def entity(self, entity_id: str | None) -> Entity | None:
        return self.entities().get(entity_id) if entity_id else None

    def documents(self) -> dict[str, Document]:
        if self._documents is None:
            self._documents = ({d.id: d for d in self.p.documents.list()}
                               if self.project else {})
        return self._documents

    def document(self, document_id: str | None) -> Document | None:
        return self.documents().get(document_id) if document_id else None
