"""What an operation changed, so a view redraws only that (like Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class OpChanges:
    """Ids of the rows an operation touched, per kind. Empty sets mean untouched."""

    documents: set[str] = field(default_factory=set)
    annotations: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    authors: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    document_links: set[str] = field(default_factory=set)
    #: relations, their evidence and the relation types (ids of any of the three)
    relations: set[str] = field(default_factory=set)
    project: bool = False  # title or settings

    def __bool__(self) -> bool:
        return self.project or any(
            (self.documents, self.annotations, self.tags, self.entities, self.authors,
             self.links, self.document_links, self.relations)
        )

    def update(self, other: OpChanges) -> OpChanges:
        for name in ("documents", "annotations", "tags", "entities", "authors", "links",
                     "document_links", "relations"):
            getattr(self, name).update(getattr(other, name))
        self.project = self.project or other.project
        return self


@dataclass(slots=True)
class OpResult(Generic[T]):
    """An operation's value (the new or deleted record) and what it changed. A
    delete's value is the full record, so undo can restore it with the same id."""

    value: T
    changes: OpChanges
