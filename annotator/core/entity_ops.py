"""Operations on entity records and their mentions.

A scholar finds that "Eduard Errio" and "Édouard Herriot" are one man (merge), that
one "Kalinin" is someone else (split a mention off), that a highlighted name deserves
a record (create from a mention), that a spelling belongs to a record (add as alias).
Each is one transaction, so one change set of the journal: ``project.undo()`` takes it
back whole (the very same rows, ids included), as the GUI's Edit ▸ Undo does. The
OpResult value says what was done, for the scholar's report.

Accepting suggestions lives here too: accepting makes mentions.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.filters import AnnotationFilter, annotation_where
from annotator.core.model import Annotation, Entity, TagKind
from annotator.core.relations import move_entity
from annotator.core.suggestions import Suggestion
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project

CONTEXT = 60


# -- mentions --------------------------------------------------------------------------


@dataclass(slots=True)
class Mention:
    """An annotation linked to an entity, as the entity page lists it."""

    annotation_id: str
    document_id: str
    document_title: str
    quote: str
    left: str
    right: str
    start: int | None
    end: int | None
    page: int | None
    anchor_state: str
    note: str


def mentions(project: Project, entity_id: str, context: int = CONTEXT) -> list[Mention]:
    """Every live mention of an entity across documents, with the quote in context,
    by document title and position."""
    rows = project.conn.execute(
        "SELECT a.id, a.document_id, d.title, coalesce(a.exact, ''), a.start_offset, "
        "a.end_offset, a.page, a.anchor_state, a.note, coalesce(a.prefix, ''), "
        "coalesce(a.suffix, '') FROM annotations a JOIN documents d ON d.id = a.document_id "
        "WHERE a.entity_id = ? AND a.deleted = 0 AND d.deleted = 0 "
        "ORDER BY d.title COLLATE NOCASE, a.document_id, a.start_offset, a.page, a.y, a.x",
        (entity_id,))
    out = []
    for ann_id, doc_id, title, quote, start, end, page, state, note, prefix, suffix in rows:
        left, right = prefix, suffix
        if start is not None and state != "orphaned":
            text = project.documents.text(doc_id)
            left = text[max(0, start - context):start]
            right = text[end:end + context]
        out.append(Mention(ann_id, doc_id, title, quote, " ".join(left.split()),
                           " ".join(right.split()), start, end, page, state, note))
    return out


def cooccurrence(project: Project, filt: AnnotationFilter | None = None
                 ) -> tuple[list[Entity], dict[tuple[str, str], int]]:
    """Entities mentioned in the same paragraph (a line of a text, a page of a scan):
    the entities that co-occur at least once, and the count per unordered pair;
    ``filt``: only the mentions the annotation table's filter keeps (the network's)."""
    where, args = annotation_where(project, filt)
    rows = project.conn.execute(
        "SELECT a.document_id, a.entity_id, a.start_offset, a.page FROM annotations a "
        "JOIN entities e ON e.id = a.entity_id AND e.deleted = 0 "
        f"WHERE {where} ORDER BY a.document_id", args)
    units: dict[tuple[str, int], set[str]] = {}
    breaks: dict[str, list[int]] = {}
    for doc_id, entity_id, start, page in rows:
        if start is not None:
            if doc_id not in breaks:
                text = project.documents.text(doc_id)
                breaks[doc_id] = [i for i, ch in enumerate(text) if ch == "\n"]
            unit = bisect.bisect_left(breaks[doc_id], start)
        else:
            unit = -(page or 0) - 1
        units.setdefault((doc_id, unit), set()).add(entity_id)
    pairs: dict[tuple[str, str], int] = {}
    for members in units.values():
        ordered = sorted(members)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
    involved = {e for pair in pairs for e in pair}
    entities = [e for e in project.entities.list() if e.id in involved]
    return entities, pairs


# -- merge -----------------------------------------------------------------------------


@dataclass(slots=True)
class MergeRecord:
    """What a merge did: the records before and after, the mentions it moved."""

    source: Entity  # as it was, before it was tombstoned
    target_before: Entity
    target_after: Entity
    moved: list[str]  # annotations that pointed at the source


def merge(project: Project, source_id: str, target_id: str) -> OpResult[MergeRecord]:
    """Fold ``source`` into ``target``: its mentions point at the target, its name and
    aliases become the target's aliases, identifiers the target lacks are added (a
    conflicting one is kept as "key (merged)"), an empty description or dates filled.
    The source is tombstoned; its relations now join the target."""
    if source_id == target_id:
        raise AnnotatorError("an entity cannot be merged into itself.")
    source = _live(project, source_id)
    target = _live(project, target_id)
    identifiers = dict(target.identifiers)
    for key, value in source.identifiers.items():
        if key not in identifiers:
            identifiers[key] = value
        elif identifiers[key] != value:
            identifiers[f"{key} (merged)"] = value
    stamp = now()
    with project.transaction() as conn:
        moved = [r[0] for r in conn.execute(
            "SELECT id FROM annotations WHERE entity_id = ? AND deleted = 0", (source_id,))]
        conn.executemany("UPDATE annotations SET entity_id = ?, modified_at = ? WHERE id = ?",
                         [(target_id, stamp, a) for a in moved])
        after = project.entities.update(
            target_id, aliases=[*target.aliases, source.name, *source.aliases],
            identifiers=identifiers, description=target.description or source.description,
            dates=target.dates or source.dates).value
        project.entities.delete(source_id)
        relations = move_entity(project, source_id, target_id)  # they follow the person
    return OpResult(MergeRecord(source, target, after, moved),
                    OpChanges(entities={source_id, target_id}, annotations=set(moved),
                              relations=relations))


# -- split, create from a mention, alias from a mention ----------------------------------


@dataclass(slots=True)
class MentionRecord:
    """A mention before and after it was linked elsewhere, and the entity made for it."""

    before: Annotation
    after: Annotation
    created: Entity | None = None


def split_mention(project: Project, annotation_id: str, *, entity_id: str | None = None,
                  name: str | None = None, type_id: str | None = None) -> OpResult[MentionRecord]:
    """Move one mention off its entity: to ``entity_id``, or to a new entity called
    ``name`` (default: the quote) of the old entity's type."""
    ann = _annotation(project, annotation_id)
    if ann.entity_id is None:
        raise AnnotatorError("this annotation is not a mention of an entity.")
    if entity_id == ann.entity_id:
        raise AnnotatorError("the mention already belongs to that entity.")
    old = project.entities.get(ann.entity_id)
    return _relink(project, ann, entity_id, name, type_id or (old.type_id if old else None))


def create_from_mention(project: Project, annotation_id: str, *, name: str | None = None,
                        type_id: str | None = None) -> OpResult[MentionRecord]:
    """Make an entity record from a highlighted name: named as the quote (or
    ``name``), of the annotation's entity type (or ``type_id``), the annotation its
    first mention."""
    ann = _annotation(project, annotation_id)
    if type_id is None:
        types = {t.id for t in project.tags.list(TagKind.ENTITY_TYPE)}
        type_id = next((t for t in ann.tag_ids if t in types), None)
    if type_id is None:
        raise AnnotatorError("tag the passage with an entity type (Person, Place …) or "
                             "choose one for the new entity.")
    return _relink(project, ann, None, name, type_id)


def _relink(project: Project, ann: Annotation, entity_id: str | None, name: str | None,
            type_id: str | None) -> OpResult[MentionRecord]:
    created = None
    with project.transaction():
        if entity_id is None:
            name = " ".join((name or ann.quote).split())
            if not name or not type_id:
                raise AnnotatorError("the new entity needs a name and a type.")
            created = project.entities.create(name, type_id).value
            entity_id = created.id
        entity = _live(project, entity_id)
        tags = ann.tag_ids if entity.type_id in ann.tag_ids else [entity.type_id, *ann.tag_ids]
        after = project.annotations.update(ann.id, entity_id=entity_id, tag_ids=tags).value
    changes = OpChanges(annotations={ann.id}, entities={entity_id} | (
        {ann.entity_id} if ann.entity_id else set()))
    return OpResult(MentionRecord(ann, after, created), changes)


def add_mention_alias(project: Project, annotation_id: str) -> OpResult[tuple[Entity, Entity]]:
    """Add the mention's spelling ("Eduard Errio") to its entity's aliases. The value
    is the entity (before, after)."""
    ann = _annotation(project, annotation_id)
    if ann.entity_id is None:
        raise AnnotatorError("link the annotation to an entity first.")
    spelling = " ".join(ann.quote.split())
    if not spelling:
        raise AnnotatorError("this mention has no text to add as a spelling.")
    before = _live(project, ann.entity_id)
    result = project.entities.add_alias(before.id, spelling)
    return OpResult((before, result.value), result.changes)


def set_identifiers(project: Project, entity_id: str,
                    identifiers: dict[str, str]) -> OpResult[tuple[Entity, Entity]]:
    """Replace an entity's identifiers (typed by hand: Wikidata QID, VIAF, GeoNames,
    anything else), dropping empty ones. The value is (before, after)."""
    before = _live(project, entity_id)
    clean = {k.strip(): v.strip() for k, v in identifiers.items() if k.strip() and v.strip()}
    result = project.entities.update(entity_id, identifiers=clean)
    return OpResult((before, result.value), result.changes)


IDENTIFIER_URLS = {
    "wikidata": "https://www.wikidata.org/wiki/{}",
    "viaf": "https://viaf.org/viaf/{}",
    "geonames": "https://www.geonames.org/{}",
    "gnd": "https://d-nb.info/gnd/{}",
    "isni": "https://isni.org/isni/{}",
    "loc": "https://id.loc.gov/authorities/names/{}",
}


def identifier_url(key: str, value: str) -> str | None:
    """The web page of an identifier (a link the GUI opens when online), or None."""
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    pattern = IDENTIFIER_URLS.get(key.strip().casefold().split(" ")[0])
    if pattern is None or not value:
        return None
    return pattern.format(value.replace(" ", ""))


# -- accepting suggestions ---------------------------------------------------------------


@dataclass(slots=True)
class Accepted:
    """What accepting one suggestion did: the annotation made, the entity created or
    the entity given a new spelling (before and after)."""

    suggestion: Suggestion
    annotation: Annotation
    created_entity: Entity | None = None
    entity_before: Entity | None = None  # when an alias was added
    entity_after: Entity | None = None


def accept(project: Project, suggestion: Suggestion, *,
           type_id: str | None = None) -> OpResult[Accepted]:
    """Annotate as the suggestion says (a new name needs an entity type: the
    suggestion's guess or ``type_id``). The value says what was made."""
    result = accept_many(project, [suggestion], type_id=type_id)
    return OpResult(result.value[0], result.changes)


def accept_many(project: Project, suggestions: Sequence[Suggestion], *,
                type_id: str | None = None) -> OpResult[list[Accepted]]:
    """Accept several in one transaction (accept-all for one entity): all or none."""
    changes = OpChanges()
    done: list[Accepted] = []
    with project.transaction():
        for s in suggestions:
            done.append(_accept_one(project, s, type_id, changes))
    return OpResult(done, changes)


def _accept_one(project: Project, s: Suggestion, type_id: str | None,
                changes: OpChanges) -> Accepted:
    text = project.documents.text(s.document_id)
    if s.region is None and text[s.start:s.end] != s.quote:
        raise AnnotatorError(f"“{s.quote}” is no longer at that place (the text changed); "
                             "look for suggestions again.")
    tag_ids = list(s.tag_ids)
    entity_id = s.entity_id
    created = before = after = None
    if s.kind == "name":
        type_id = type_id or s.type_id
        if not type_id:
            raise AnnotatorError(f"choose the entity type of “{s.quote}” (Person, Place …).")
        entity = project.entities.find(s.quote, type_id)
        if entity is None:
            created = project.entities.create(" ".join(s.quote.split()), type_id).value
            entity = created
            changes.entities.add(entity.id)
        entity_id = entity.id
    if s.kind == "alias" and entity_id:
        before = project.entities.get(entity_id)
        result = project.entities.add_alias(entity_id, " ".join(s.quote.split()))
        after = result.value
        changes.update(result.changes)
    if entity_id:
        entity = project.entities.get(entity_id)
        if entity is None or entity.deleted:
            raise AnnotatorError("the entity of this suggestion no longer exists.")
        if entity.type_id not in tag_ids:
            tag_ids.insert(0, entity.type_id)
    elif s.kind == "date" and s.type_id and s.type_id not in tag_ids:
        tag_ids.insert(0, s.type_id)
    where = {"region": s.region} if s.region is not None else {"start": s.start, "end": s.end}
    result = project.annotations.add(s.document_id, **where, tag_ids=tag_ids,
                                     entity_id=entity_id, note=s.note,
                                     date_value=s.date_value)
    changes.update(result.changes)
    return Accepted(s, result.value, created, before, after)


def _live(project: Project, entity_id: str) -> Entity:
    entity = project.entities.get(entity_id)
    if entity is None or entity.deleted:
        raise AnnotatorError(f"no entity {entity_id!r} in this project.")
    return entity


def _annotation(project: Project, annotation_id: str) -> Annotation:
    ann = project.annotations.get(annotation_id)
    if ann is None or ann.deleted:
        raise AnnotatorError(f"no annotation {annotation_id!r} in this project.")
    return ann
