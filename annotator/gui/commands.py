"""One QUndoCommand per gesture, each wrapping one core call and its inverse.

The work is done in ``first_run`` (called by ProjectModel.push before the command goes
on the stack), so a refused operation never lands on the stack. Undo uses the record
the core returned (deletes return the full record; ``restore`` puts it back with the
same id), so redo after undo brings back the *same* ids, never fresh copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import Annotation, Document, RegionSelector, TagKind
from annotator.core.overview import restore_document_link

if TYPE_CHECKING:
    from annotator.gui.project_model import ProjectModel


def short(text: str, limit: int = 40) -> str:
    """A quote as it fits in a menu entry."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Command(QUndoCommand):
    """Base: ``do`` runs the operation, ``undo_it`` its inverse; errors are reported."""

    def __init__(self, model: ProjectModel, text: str) -> None:
        super().__init__(text)
        self.m = model
        self._on_stack = False

    @property
    def p(self):  # noqa: ANN201 - the core Project
        return self.m.p

    def first_run(self) -> None:
        self.do(first=True)

    def redo(self) -> None:
        if not self._on_stack:  # QUndoStack.push calls redo: first_run already did it
            self._on_stack = True
            return
        self._guard(lambda: self.do(first=False))

    def undo(self) -> None:
        self._guard(self.undo_it)

    def _guard(self, fn: Any) -> None:
        from annotator.gui.project_model import busy

        try:
            with busy():
                fn()
        except AnnotatorError as exc:
            self.m.failed.emit(f"Could not {self.text().lower()}: {exc}")

    def do(self, first: bool) -> None:
        raise NotImplementedError

    def undo_it(self) -> None:
        raise NotImplementedError


# -- annotations -------------------------------------------------------------------------


class AddAnnotation(Command):
    def __init__(self, model: ProjectModel, document_id: str, *, start: int | None = None,
                 end: int | None = None, region: RegionSelector | None = None,
                 tag_ids: Sequence[str] = (), entity_id: str | None = None, note: str = "",
                 date_value: str = "", text: str = "Add annotation",
                 core: Callable[[], OpResult[Annotation]] | None = None) -> None:
        """``core``: the core use case that makes the annotation, when it is more than
        a plain add (tagging.tag_passage); it must make a new one."""
        super().__init__(model, text)
        self.args = dict(start=start, end=end, region=region, tag_ids=list(tag_ids),
                         entity_id=entity_id, note=note, date_value=date_value)
        self.document_id = document_id
        self.core = core
        self.record: Annotation | None = None

    def do(self, first: bool) -> None:
        if first:
            self.record = (self.m.run(self.core) if self.core else self.m.run(
                self.p.annotations.add, self.document_id, **self.args)).value
        else:
            assert self.record is not None
            self.m.run(self.p.annotations.restore, self.record)

    def undo_it(self) -> None:
        assert self.record is not None
        self.m.run(self.p.annotations.delete, self.record.id)


class DeleteAnnotation(Command):
    def __init__(self, model: ProjectModel, annotation_id: str, text: str = "") -> None:
        super().__init__(model, text or "Delete annotation")
        self.annotation_id = annotation_id
        self.record: Annotation | None = None

    def do(self, first: bool) -> None:
        self.record = self.m.run(self.p.annotations.delete, self.annotation_id).value

    def undo_it(self) -> None:
        assert self.record is not None
        self.m.run(self.p.annotations.restore, self.record)


class UpdateAnnotation(Command):
    """Tags, note, entity, date or boundaries of one annotation. Successive note edits
    of the same annotation merge into one undo step."""

    NOTE_ID = 1001

    def __init__(self, model: ProjectModel, annotation_id: str, text: str = "", *,
                 core: Callable[[], OpResult[Annotation]] | None = None,
                 **fields: Any) -> None:
        """``core``: the core use case that changes it (tagging.toggle_tag), else
        an update of ``fields``."""
        super().__init__(model, text or "Edit annotation")
        self.annotation_id = annotation_id
        self.fields = fields
        self.core = core
        self.before: Annotation | None = None
        self.after: Annotation | None = None

    def do(self, first: bool) -> None:
        if first:
            self.before = self.p.annotations.get(self.annotation_id)
            self.after = (self.m.run(self.core) if self.core else self.m.run(
                self.p.annotations.update, self.annotation_id, **self.fields)).value
        else:
            assert self.after is not None
            self.m.run(self.p.annotations.restore, self.after)

    def undo_it(self) -> None:
        assert self.before is not None
        self.m.run(self.p.annotations.restore, self.before)

    def id(self) -> int:
        return self.NOTE_ID if set(self.fields) == {"note"} else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if (isinstance(other, UpdateAnnotation) and other.annotation_id == self.annotation_id
                and set(other.fields) == {"note"}):
            self.after = other.after
            self.fields = other.fields
            return True
        return False


# -- the codebook ------------------------------------------------------------------------


class CreateTag(Command):
    def __init__(self, model: ProjectModel, name: str, kind: TagKind | str = TagKind.THEME, *,
                 parent_id: str | None = None, color: str = "", shortcut: str = "",
                 description: str = "") -> None:
        super().__init__(model, f"Create tag “{short(name)}”")
        self.args = dict(parent_id=parent_id, color=color, shortcut=shortcut,
                         description=description)
        self.name, self.kind = name, kind
        self.tag = None

    def do(self, first: bool) -> None:
        if first:
            self.tag = self.m.run(self.p.tags.create, self.name, self.kind, **self.args).value
        else:
            self.m.run(self.p.tags.restore, self.tag)

    def undo_it(self) -> None:
        self.m.run(self.p.tags.delete, self.tag.id)  # type: ignore[union-attr]


class UpdateTag(Command):
    """Rename, recolour, move or re-key a tag; undo writes the old values back."""

    def __init__(self, model: ProjectModel, tag_id: str, text: str = "", **fields: Any) -> None:
        tag = model.tag(tag_id)
        super().__init__(model, text or f"Edit tag “{tag.name if tag else '?'}”")
        self.tag_id, self.fields = tag_id, fields
        self.before: dict[str, Any] = {}

    def do(self, first: bool) -> None:
        if first:
            tag = self.p.tags.get(self.tag_id)
            if tag is None or tag.deleted:
                raise AnnotatorError("this tag no longer exists.")
            self.before = {k: getattr(tag, k) for k in self.fields}
        self.m.run(self.p.tags.update, self.tag_id, **self.fields)

    def undo_it(self) -> None:
        self.m.run(self.p.tags.update, self.tag_id, **self.before)


class RenameTag(UpdateTag):
    def __init__(self, model: ProjectModel, tag_id: str, name: str) -> None:
        tag = model.tag(tag_id)
        super().__init__(model, tag_id, f"Rename tag “{tag.name if tag else '?'}” to "
                         f"“{short(name)}”", name=name.strip())


class RecolorTag(UpdateTag):
    def __init__(self, model: ProjectModel, tag_id: str, color: str) -> None:
        tag = model.tag(tag_id)
        super().__init__(model, tag_id, f"Recolour tag “{tag.name if tag else '?'}”",
                         color=color)


class MoveTag(UpdateTag):
    def __init__(self, model: ProjectModel, tag_id: str, parent_id: str | None,
                 position: int | None = None) -> None:
        tag = model.tag(tag_id)
        fields: dict[str, Any] = {"parent_id": parent_id}
        if position is not None:
            fields["position"] = position
        super().__init__(model, tag_id, f"Move tag “{tag.name if tag else '?'}”", **fields)


class DeleteTag(Command):
    def __init__(self, model: ProjectModel, tag_id: str) -> None:
        tag = model.tag(tag_id)
        super().__init__(model, f"Delete tag “{tag.name if tag else '?'}”")
        self.tag_id = tag_id
        self.record = None

    def do(self, first: bool) -> None:
        self.record = self.m.run(self.p.tags.delete, self.tag_id).value

    def undo_it(self) -> None:
        self.m.run(self.p.tags.restore, self.record)


class MergeTag(Command):
    def __init__(self, model: ProjectModel, source_id: str, target_id: str) -> None:
        src, dst = model.tag(source_id), model.tag(target_id)
        super().__init__(model, f"Merge tag “{src.name if src else '?'}” into "
                         f"“{dst.name if dst else '?'}”")
        self.source_id, self.target_id = source_id, target_id
        self.source = None
        self.moved: list[str] = []

    def do(self, first: bool) -> None:
        self.source = self.p.tags.get(self.source_id)
        self.moved = self.m.run(self.p.tags.merge, self.source_id, self.target_id).value

    def undo_it(self) -> None:
        self.m.run(self.p.tags.unmerge, self.source, self.target_id, self.moved)


# -- entities and links ------------------------------------------------------------------


class CreateEntity(Command):
    def __init__(self, model: ProjectModel, name: str, type_id: str,
                 aliases: Sequence[str] = (), description: str = "") -> None:
        super().__init__(model, f"Create entity “{short(name)}”")
        self.name, self.type_id = name, type_id
        self.aliases, self.description = list(aliases), description
        self.entity = None

    def do(self, first: bool) -> None:
        if first:
            self.entity = self.m.run(self.p.entities.create, self.name, self.type_id,
                                     aliases=self.aliases, description=self.description).value
        else:
            self.m.run(self.p.entities.restore, self.entity)

    def undo_it(self) -> None:
        self.m.run(self.p.entities.delete, self.entity.id)  # type: ignore[union-attr]


class UpdateEntity(Command):
    def __init__(self, model: ProjectModel, entity_id: str, text: str = "",
                 **fields: Any) -> None:
        entity = model.entity(entity_id)
        super().__init__(model, text or f"Edit entity “{entity.name if entity else '?'}”")
        self.entity_id, self.fields = entity_id, fields
        self.before: dict[str, Any] = {}

    def do(self, first: bool) -> None:
        if first:
            entity = self.p.entities.get(self.entity_id)
            if entity is None:
                raise AnnotatorError("this entity no longer exists.")
            self.before = {k: getattr(entity, k) for k in self.fields}
        self.m.run(self.p.entities.update, self.entity_id, **self.fields)

    def undo_it(self) -> None:
        self.m.run(self.p.entities.update, self.entity_id, **self.before)


class DeleteEntity(Command):
    def __init__(self, model: ProjectModel, entity_id: str) -> None:
        entity = model.entity(entity_id)
        super().__init__(model, f"Delete entity “{entity.name if entity else '?'}”")
        self.entity_id = entity_id
        self.record = None

    def do(self, first: bool) -> None:
        self.record = self.m.run(self.p.entities.delete, self.entity_id).value

    def undo_it(self) -> None:
        self.m.run(self.p.entities.restore, self.record)


class LinkAnnotations(Command):
    def __init__(self, model: ProjectModel, source_id: str, target_id: str,
                 relation: str = "related") -> None:
        super().__init__(model, "Link annotations")
        self.source_id, self.target_id, self.relation = source_id, target_id, relation
        self.link = None

    def do(self, first: bool) -> None:
        if first:
            self.link = self.m.run(self.p.links.create, self.source_id, self.target_id,
                                   self.relation).value
        else:
            self.m.run(self.p.links.restore, self.link)

    def undo_it(self) -> None:
        self.m.run(self.p.links.delete, self.link.id)  # type: ignore[union-attr]


class DeleteLink(Command):
    def __init__(self, model: ProjectModel, link_id: str) -> None:
        super().__init__(model, "Remove link")
        self.link_id = link_id
        self.record = None

    def do(self, first: bool) -> None:
        self.record = self.m.run(self.p.links.delete, self.link_id).value

    def undo_it(self) -> None:
        self.m.run(self.p.links.restore, self.record)


# -- documents ---------------------------------------------------------------------------


class EditTranscription(Command):
    """Correct a transcription; the core re-anchors its annotations. Undo puts the old
    text back *and* every annotation exactly as it was (re-anchoring back might land
    a fuzzy match elsewhere)."""

    def __init__(self, model: ProjectModel, document_id: str, new_text: str) -> None:
        super().__init__(model, "Edit transcription")
        self.document_id, self.new_text = document_id, new_text
        self.old_text = ""
        self.before: dict[str, Annotation] = {}
        self.after: dict[str, Annotation] = {}

    def _records(self) -> dict[str, Annotation]:
        return {a.id: a for a in self.p.annotations.for_document(self.document_id)
                if a.text is not None}

    def do(self, first: bool) -> None:
        if first:
            self.old_text = self.p.documents.text(self.document_id)
            self.before = self._records()
            self.m.run(self.p.documents.set_text, self.document_id, self.new_text)
            self.after = self._records()
        else:
            self._set_exactly(self.new_text, self.after)

    def undo_it(self) -> None:
        self._set_exactly(self.old_text, self.before)

    def _set_exactly(self, text: str, records: dict[str, Annotation]) -> None:
        changes = OpChanges()
        with self.p.transaction():
            changes.update(self.p.documents.set_text(self.document_id, text).changes)
            now = self._records()
            for ann_id, record in records.items():
                current = now.get(ann_id)
                if current is None or (current.text, current.anchor_state) != (
                        record.text, record.anchor_state):
                    changes.update(self.p.annotations.restore(record).changes)
        self.m.announce(changes)


class UpdateDocumentMetadata(Command):
    def __init__(self, model: ProjectModel, document_id: str, *, title: str | None = None,
                 language: str | None = None, metadata: dict | None = None) -> None:
        doc = model.document(document_id)
        super().__init__(model, f"Edit details of “{short(doc.title if doc else '?')}”")
        self.document_id = document_id
        self.args = dict(title=title, language=language, metadata=metadata or {})
        self.before: Document | None = None

    def do(self, first: bool) -> None:
        if first:
            self.before = self.p.documents.get(self.document_id)
        self.m.run(self.p.documents.update, self.document_id, **self.args)

    def undo_it(self) -> None:
        assert self.before is not None
        keys = set(self.before.metadata) | set(self.args["metadata"])  # type: ignore[arg-type]
        self.m.run(self.p.documents.update, self.document_id, title=self.before.title,
                   language=self.before.language,
                   metadata={k: self.before.metadata.get(k) for k in keys})


class ImportDocuments(Command):
    """The import already happened (with a progress dialog); undo removes the documents
    it added, redo brings the same ones back."""

    def __init__(self, model: ProjectModel, documents: list[Document]) -> None:
        n = len(documents)
        super().__init__(model, f"Import {n} document{'s' if n != 1 else ''}")
        self.documents = documents

    def do(self, first: bool) -> None:
        if first:
            return
        self._each(self.p.documents.restore, self.documents)

    def undo_it(self) -> None:
        self._each(self.p.documents.delete, [d.id for d in self.documents])

    def _each(self, fn: Any, items: list) -> None:
        changes = OpChanges()
        with self.p.transaction():
            for item in items:
                changes.update(fn(item).changes)
        self.m.announce(changes)


class DeleteDocument(Command):
    def __init__(self, model: ProjectModel, document_id: str) -> None:
        doc = model.document(document_id)
        super().__init__(model, f"Delete document “{short(doc.title if doc else '?')}”")
        self.document_id = document_id
        self.record = None

    def do(self, first: bool) -> None:
        self.record = self.m.run(self.p.documents.delete, self.document_id).value

    def undo_it(self) -> None:
        self.m.run(self.p.documents.restore, self.record)


class LinkDocuments(Command):
    """Say that a text transcribes a scan (so they open side by side and turn together)."""

    def __init__(self, model: ProjectModel, source_id: str, target_id: str,
                 relation: str = "transcription", alignment: dict[int, int] | None = None) -> None:
        super().__init__(model, "Link transcription to its scan")
        self.source_id, self.target_id = source_id, target_id
        self.relation, self.alignment = relation, dict(alignment or {})
        self.link = None

    def do(self, first: bool) -> None:
        if first:
            self.link = self.m.run(self.p.documents.link, self.source_id, self.target_id,
                                   self.relation, self.alignment).value
        else:
            self.m.run(restore_document_link, self.p, self.link)

    def undo_it(self) -> None:
        self.m.run(self.p.documents.unlink, self.link.id)  # type: ignore[union-attr]


class SetAlignment(Command):
    """"This text offset starts page N"."""

    def __init__(self, model: ProjectModel, link_id: str, alignment: dict[int, int],
                 text: str = "Set page alignment") -> None:
        super().__init__(model, text)
        self.link_id, self.alignment = link_id, dict(alignment)
        self.before: dict[int, int] = {}

    def do(self, first: bool) -> None:
        if first:
            link = self.p.documents.get_link(self.link_id)
            if link is None:
                raise AnnotatorError("the documents are no longer linked.")
            self.before = dict(link.alignment)
        self.m.run(self.p.documents.set_alignment, self.link_id, self.alignment)

    def undo_it(self) -> None:
        self.m.run(self.p.documents.set_alignment, self.link_id, self.before)
