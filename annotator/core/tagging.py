"""Tagging a passage: one use case behind the workbench's tag keys and ``annotator
annotate``, so both decide alike which entity a passage names, what date it is, and
what tagging a passage that is annotated already does.

The rules:

- **The entity.** A name given (``entity``: a name, an alias or an id) is looked up
  among the entities of its type by :func:`annotator.core.names.fold` (case,
  diacritics, script: "Jan Lukasiewicz" is "Jan Łukasiewicz", "Chicherin" is
  "Чичерин") and created when there is none. Without a name, a passage tagged with an
  entity type names the entity its quote spells, if there is one: nothing is created
  from a quote alone ("the Commissar" is not a new person).
- **The date.** A passage tagged Date gets the date its quote reads as (see
  :func:`annotator.core.dates.parse_date`) unless one is given.
- **One highlight per passage.** Tagging exactly the passage of an annotation adds the
  tags to it, unless it names another entity or date or carries another note (then
  the new one stands beside it). :func:`toggle_tag` is the key pressed on an
  annotation: the tag comes off when it is on.
- **One change.** Each call is one transaction, so one step of undo and history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.dates import document_date, parse_date, year_context
from annotator.core.errors import AnnotatorError
from annotator.core.model import (
    Annotation,
    DocumentKind,
    Entity,
    RegionSelector,
    Tag,
    TagKind,
)

if TYPE_CHECKING:
    from annotator.core.project import Project


def tag_passage(project: Project, document_id: str, *, start: int | None = None,
                end: int | None = None, region: RegionSelector | None = None,
                tag_ids: Sequence[str] = (), entity: str | None = None,
                entity_type: str | None = None, date: str | None = None,
                note: str = "") -> OpResult[Annotation]:
    """Annotate the passage [start, end) of a text, or a ``region`` of a page, with
    these tags. ``entity_type`` (a tag id) is the type of the entity named by
    ``entity``; by default the first entity type among the tags. The value is the
    annotation, new or the passage's own."""
    doc = project.documents.get(document_id)
    if doc is None or doc.deleted:
        raise AnnotatorError(f"no document {document_id!r} in this project.")
    tags = [_live_tag(project, t) for t in dict.fromkeys(tag_ids)]
    if region is not None:
        quote = region.text
    elif doc.kind == DocumentKind.TEXT and start is not None and end is not None:
        quote = project.documents.text(document_id)[max(0, start):max(0, end)]
    else:
        quote = ""
    label = _label(quote or "region", tags)
    changes = OpChanges()
    with project.transaction(label):
        type_tag = _live_tag(project, entity_type) if entity_type else next(
            (t for t in tags if t.kind == TagKind.ENTITY_TYPE), None)
        found = _entity(project, entity, type_tag, quote, changes)
        entity_id = found.id if found else None
        if date is None:
            date = _date_of(tags, quote, doc.language,
                            lambda: year_from(project, document_id, start))
        same = None if region is not None else passage(project, document_id, start, end)
        if same is not None and _joins(same, entity_id, date, note):
            result = project.annotations.update(
                same.id, tag_ids=[*same.tag_ids, *(t.id for t in tags)],
                entity_id=same.entity_id or entity_id, date_value=same.date_value or date,
                note=same.note or note)
        else:
            result = project.annotations.add(document_id, start=start, end=end,
                                             region=region, tag_ids=[t.id for t in tags],
                                             entity_id=entity_id, date_value=date, note=note)
    return OpResult(result.value, changes.update(result.changes))


def toggle_tag(project: Project, annotation_id: str, tag_id: str) -> OpResult[Annotation]:
    """The tag comes off the annotation when it is on; else it goes on, and with it
    (when the annotation has none) the entity its quote names and the date it reads as."""
    ann = project.annotations.get(annotation_id)
    if ann is None or ann.deleted:
        raise AnnotatorError(f"no annotation {annotation_id!r} in this project.")
    tag = _live_tag(project, tag_id)
    off = tag.id in ann.tag_ids
    with project.transaction(f"Remove tag {tag.name}" if off else _label(ann.quote, [tag])):
        if off:
            return project.annotations.update(
                ann.id, tag_ids=[t for t in ann.tag_ids if t != tag.id])
        fields: dict[str, object] = {"tag_ids": [*ann.tag_ids, tag.id]}
        found = None if ann.entity_id else _entity(project, None, tag, ann.quote, OpChanges())
        if found is not None:
            fields["entity_id"] = found.id
        doc = project.documents.get(ann.document_id)
        date = "" if ann.date_value else _date_of(
            [tag], ann.quote, doc.language if doc else "",
            lambda: year_from(project, ann.document_id, ann.text.start if ann.text else None))
        if date:
            fields["date_value"] = date
        return project.annotations.update(ann.id, **fields)


def passage(project: Project, document_id: str, start: int | None,
            end: int | None) -> Annotation | None:
    """The live annotation of exactly this passage (the first made), if any."""
    if start is None or end is None:
        return None
    row = project.conn.execute(
        "SELECT id FROM annotations WHERE document_id = ? AND deleted = 0 "
        "AND start_offset = ? AND end_offset = ? AND anchor_state != 'orphaned' "
        "ORDER BY created_at, id LIMIT 1", (document_id, start, end)).fetchone()
    return project.annotations.get(row[0]) if row else None


def _joins(same: Annotation, entity_id: str | None, date: str, note: str) -> bool:
    """Whether tagging the passage again may add to its annotation: nothing it says
    (entity, date, note) contradicts what the annotation says already."""
    return ((entity_id is None or same.entity_id in (None, entity_id))
            and (not date or same.date_value in ("", date))
            and (not note or same.note in ("", note)))


def is_date_tag(tag: Tag) -> bool:
    """The codebook's Date type (by name: a scholar may have renamed it "Dates")."""
    return tag.kind == TagKind.ENTITY_TYPE and tag.name.casefold() in ("date", "dates")


def _label(quote: str, tags: Sequence[Tag]) -> str:
    """The action as history lists it: Tag “Aristide Briand” as Person."""
    quote = " ".join(quote.split())
    quote = quote if len(quote) <= 40 else quote[:39] + "…"
    return f"Tag “{quote}” as {', '.join(t.name for t in tags)}" if tags else \
        f"Annotate “{quote}”"


def _live_tag(project: Project, tag_id: str) -> Tag:
    tag = project.tags.get(tag_id)
    if tag is None or tag.deleted:
        raise AnnotatorError(f"no tag {tag_id!r} in this project.")
    return tag


def _entity(project: Project, name: str | None, type_tag: Tag | None, quote: str,
            changes: OpChanges) -> Entity | None:
    """The entity named (found, else created), or the one the quote spells."""
    if name is None or not name.strip():
        if type_tag is None or type_tag.kind != TagKind.ENTITY_TYPE or not quote.strip():
            return None
        return project.entities.find(quote, type_tag.id)
    if type_tag is None or type_tag.kind != TagKind.ENTITY_TYPE:
        raise AnnotatorError("an entity needs an entity type: tag the passage Person, "
                             "Place, ... or give the entity's type.")
    found = project.entities.find(name, type_tag.id)
    if found is None:
        created = project.entities.create(name, type_tag.id)
        changes.update(created.changes)
        found = created.value
    return found


def _date_of(tags: Sequence[Tag], quote: str, language: str,
             context: Callable[[], str] = str) -> str:
    """The ISO date a passage tagged Date reads as, when all of it is one date; a day
    and month without a year take it from ``context`` (see :func:`year_from`)."""
    if not quote.strip() or not any(is_date_tag(t) for t in tags):
        return ""
    value = parse_date(quote, language) or parse_date(quote, language, context())
    return value.iso if value is not None else ""


def year_from(project: Project, document_id: str, offset: int | None) -> str:
    """The date whose year a day and month written at ``offset`` without one take:
    the nearest full date before it in the text, else the document's date (its
    metadata), as :mod:`annotator.core.dates` says."""
    doc = project.documents.get(document_id)
    if doc is None:
        return ""
    own = document_date(doc.metadata)
    if doc.kind != DocumentKind.TEXT or offset is None:
        return own
    return year_context(project.documents.text(document_id), max(0, offset), doc.language,
                        own)
