"""Relations between entities, on the evidence of the sources: Krasin *represented* the
USSR, as the passage where he is appointed plenipotentiary in France says.

A relation joins two entity records (the first is the active party: TEI's
``@active``, the second ``@passive``) with a type from a small editable vocabulary
(``relation_types``: name and colour, like a codebook's tags), an optional date
normalised like an annotation's (ISO 8601 at the precision the scholar gives), a note,
and any number of annotations cited as evidence. Every operation is one transaction,
so one change set: undo, history and the merge of two copies treat relations like
every other row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.dates import iso_interval, parse_date, precision_of
from annotator.core.errors import AnnotatorError
from annotator.core.names import fold
from annotator.core.rows import Table
from annotator.core.util import new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

_TYPES = Table("relation_types")
_RELATIONS = Table("relations")
_EVIDENCE = Table("relation_evidence")

#: The vocabulary a project starts with (created on first use), with colours that read
#: on a white network view.
DEFAULT_TYPES: tuple[tuple[str, str], ...] = (
    ("wrote to", "#1f77b4"), ("member of", "#2ca02c"), ("represented", "#d62728"),
    ("signed", "#9467bd"), ("met", "#ff7f0e"), ("located in", "#8c564b"),
    ("took part in", "#e377c2"),
)


@dataclass(slots=True)
class RelationType:
    id: str
    name: str
    color: str = "#607d8b"
    description: str = ""
    position: int = 0
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False


@dataclass(slots=True)
class Relation:
    """``source`` (active) —type→ ``target`` (passive), with the ids of its evidence."""

    id: str
    relation_type_id: str
    source_id: str
    target_id: str
    date_value: str = ""
    note: str = ""
    created_at: str = ""
    modified_at: str = ""
    deleted: bool = False
    evidence: list[str] = field(default_factory=list)  # annotation ids, oldest first

    @property
    def precision(self) -> str:
        found = precision_of(self.date_value) if self.date_value else None
        return str(found) if found else ""


@dataclass(slots=True)
class Evidence:
    """A cited passage as the entity page shows it (quote, where, jump target)."""

    annotation_id: str
    document_id: str
    document_title: str
    quote: str
    start: int | None
    page: int | None
    end: int | None = None


# -- the vocabulary ----------------------------------------------------------------------


def types(project: Project, *, include_deleted: bool = False) -> list[RelationType]:
    sql = _TYPES.select + ("" if include_deleted else " WHERE deleted = 0")
    return [_TYPES.record(RelationType, r, deleted=bool)
            for r in project.conn.execute(sql + " ORDER BY position, name")]


def ensure_default_types(project: Project) -> list[RelationType]:
    """The project's vocabulary, made from DEFAULT_TYPES when it has none yet (once:
    a scholar who deleted them all gets them back only by asking again)."""
    found = types(project, include_deleted=True)
    if found:
        return [t for t in found if not t.deleted]
    with project.transaction("Add the relation types"):
        for i, (name, color) in enumerate(DEFAULT_TYPES):
            add_type(project, name, color, position=i)
    return types(project)


def find_type(project: Project, ref: str) -> RelationType | None:
    """By id or by name (folded: case and diacritics do not matter)."""
    key = fold(ref)
    for t in types(project):
        if t.id == ref or fold(t.name) == key:
            return t
    return None


def add_type(project: Project, name: str, color: str = "#607d8b", *,
             description: str = "", position: int | None = None) -> OpResult[RelationType]:
    name = " ".join(name.split())
    if not name:
        raise AnnotatorError("a relation type needs a name.")
    if find_type(project, name) is not None:
        raise AnnotatorError(f"there is already a relation type “{name}”.")
    if position is None:
        position = len(types(project, include_deleted=True))
    stamp = now()
    rtype = RelationType(new_id(), name, color, description, position, stamp, stamp)
    with project.transaction(f"Add relation type “{name}”") as conn:
        conn.execute(_TYPES.insert(), _TYPES.values(rtype, deleted=int))
    return OpResult(rtype, OpChanges(relations={rtype.id}))


def update_type(project: Project, type_id: str, **fields: object) -> OpResult[RelationType]:
    """Rename, recolour, describe or move a relation type; ``deleted=True`` retires it
    (relations of that type keep it, and come back with an undo)."""
    allowed = {"name", "color", "description", "position", "deleted"}
    if set(fields) - allowed:
        raise TypeError(f"cannot update {sorted(set(fields) - allowed)} of a relation type")
    if "name" in fields:
        name = " ".join(str(fields["name"]).split())
        other = find_type(project, name)
        if not name or (other is not None and other.id != type_id):
            raise AnnotatorError(f"“{name}” is empty or the name of another relation type.")
        fields["name"] = name
    cols = ", ".join(f"{k} = ?" for k in fields)
    values = [int(v) if k == "deleted" else v for k, v in fields.items()]
    with project.transaction("Edit relation type") as conn:
        done = conn.execute(f"UPDATE relation_types SET {cols}, modified_at = ? WHERE id = ?",
                            (*values, now(), type_id)).rowcount
    if not done:
        raise AnnotatorError(f"no relation type {type_id!r}.")
    found = next(t for t in types(project, include_deleted=True) if t.id == type_id)
    return OpResult(found, OpChanges(relations={type_id}))


# -- dates -------------------------------------------------------------------------------


def normalise_date(text: str) -> str:
    """ISO 8601 at the precision given: "1924-11-14" stays, "14 November 1924" becomes
    "1924-11-14", "1924/1927" an interval; anything else is refused (never guessed)."""
    text = text.strip()
    if not text:
        return ""
    if iso_interval(text) is not None:
        return text
    found = parse_date(text)
    if found is None:
        raise AnnotatorError(f"“{text}” is not a date (write 1924-11-14, 1924-11, 1924, "
                             "1924/1927 or “14 November 1924”).")
    return found.iso


# -- relations ---------------------------------------------------------------------------


def _live_entity(project: Project, entity_id: str) -> None:
    entity = project.entities.get(entity_id)
    if entity is None or entity.deleted:
        raise AnnotatorError(f"no entity {entity_id!r} in this project.")


def _live_annotation(project: Project, annotation_id: str) -> None:
    row = project.conn.execute("SELECT deleted FROM annotations WHERE id = ?",
                               (annotation_id,)).fetchone()
    if row is None or row[0]:
        raise AnnotatorError(f"no annotation {annotation_id!r} to cite as evidence.")


def create(project: Project, source_id: str, type_ref: str, target_id: str, *,
           evidence: list[str] = (), date: str = "", note: str = "") -> OpResult[Relation]:
    """A new relation ``source`` —type→ ``target`` citing ``evidence`` (annotation ids).
    The type is named or given by id; the project's vocabulary is made on first use,
    and a name it lacks is added to it."""
    if source_id == target_id:
        raise AnnotatorError("a relation joins two different entities.")
    for entity_id in (source_id, target_id):
        _live_entity(project, entity_id)
    for ann in evidence:
        _live_annotation(project, ann)
    value = normalise_date(date)
    changes = OpChanges()
    with project.transaction("Add relation"):
        ensure_default_types(project)
        rtype = find_type(project, type_ref)
        if rtype is None:
            rtype = add_type(project, type_ref).value
        stamp = now()
        rel = Relation(new_id(), rtype.id, source_id, target_id, value, note.strip(), stamp,
                       stamp)
        project.conn.execute(_RELATIONS.insert(), _RELATIONS.values(rel, deleted=int))
        for ann in dict.fromkeys(evidence):
            _insert_evidence(project, rel.id, ann, changes)
    rel.evidence = list(dict.fromkeys(evidence))
    changes.relations |= {rel.id, rtype.id}
    changes.entities |= {source_id, target_id}
    return OpResult(rel, changes)


def _insert_evidence(project: Project, relation_id: str, annotation_id: str,
                     changes: OpChanges) -> None:
    stamp = now()
    row_id = new_id()
    project.conn.execute(_EVIDENCE.insert(), (row_id, relation_id, annotation_id, stamp,
                                              stamp, 0))
    changes.relations.add(row_id)
    changes.annotations.add(annotation_id)


def get(project: Project, relation_id: str) -> Relation | None:
    row = project.conn.execute(f"{_RELATIONS.select} WHERE id = ?", (relation_id,)).fetchone()
    if row is None:
        return None
    rel = _RELATIONS.record(Relation, row, deleted=bool)
    rel.evidence = evidence_ids(project, relation_id)
    return rel


def evidence_ids(project: Project, relation_id: str) -> list[str]:
    return [r[0] for r in project.conn.execute(
        "SELECT annotation_id FROM relation_evidence WHERE relation_id = ? AND deleted = 0 "
        "ORDER BY created_at, id", (relation_id,))]


def _live(project: Project, relation_id: str) -> Relation:
    rel = get(project, relation_id)
    if rel is None or rel.deleted:
        raise AnnotatorError(f"no relation {relation_id!r} in this project.")
    return rel


def add_evidence(project: Project, relation_id: str, annotation_id: str) -> OpResult[Relation]:
    """Cite one more passage (citing one twice changes nothing)."""
    rel = _live(project, relation_id)
    _live_annotation(project, annotation_id)
    changes = OpChanges(relations={relation_id})
    if annotation_id not in rel.evidence:
        with project.transaction("Cite evidence"):
            _insert_evidence(project, relation_id, annotation_id, changes)
    return OpResult(_live(project, relation_id), changes)


def remove_evidence(project: Project, relation_id: str,
                    annotation_id: str) -> OpResult[Relation]:
    with project.transaction("Remove evidence") as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM relation_evidence WHERE relation_id = ? AND annotation_id = ? "
            "AND deleted = 0", (relation_id, annotation_id))]
        conn.executemany("UPDATE relation_evidence SET deleted = 1, modified_at = ? "
                         "WHERE id = ?", [(now(), i) for i in ids])
    return OpResult(_live(project, relation_id),
                    OpChanges(relations={relation_id, *ids}, annotations={annotation_id}))


def update(project: Project, relation_id: str, *, type_ref: str | None = None,
           date: str | None = None, note: str | None = None) -> OpResult[Relation]:
    rel = _live(project, relation_id)
    fields: dict[str, str] = {}
    if type_ref is not None:
        rtype = find_type(project, type_ref)
        if rtype is None:
            raise AnnotatorError(f"no relation type “{type_ref}”.")
        fields["relation_type_id"] = rtype.id
    if date is not None:
        fields["date_value"] = normalise_date(date)
    if note is not None:
        fields["note"] = note.strip()
    if fields:
        cols = ", ".join(f"{k} = ?" for k in fields)
        with project.transaction("Edit relation") as conn:
            conn.execute(f"UPDATE relations SET {cols}, modified_at = ? WHERE id = ?",
                         (*fields.values(), now(), relation_id))
    return OpResult(_live(project, relation_id),
                    OpChanges(relations={relation_id}, entities={rel.source_id, rel.target_id}))


def delete(project: Project, relation_id: str) -> OpResult[Relation]:
    """Tombstone (its evidence rows stay, so undo and a merge find them as they were)."""
    rel = _live(project, relation_id)
    with project.transaction("Delete relation") as conn:
        conn.execute("UPDATE relations SET deleted = 1, modified_at = ? WHERE id = ?",
                     (now(), relation_id))
    return OpResult(rel, OpChanges(relations={relation_id},
                                   entities={rel.source_id, rel.target_id}))


def listing(project: Project, entity_id: str | None = None) -> list[Relation]:
    """Live relations whose two entities are live (of one entity, if given), each with
    its live evidence, oldest first."""
    sql = (f"SELECT {_RELATIONS.aliased('r')} FROM relations r "
           "JOIN entities s ON s.id = r.source_id AND s.deleted = 0 "
           "JOIN entities t ON t.id = r.target_id AND t.deleted = 0 WHERE r.deleted = 0")
    args: tuple = ()
    if entity_id is not None:
        sql += " AND (r.source_id = ? OR r.target_id = ?)"
        args = (entity_id, entity_id)
    out = [_RELATIONS.record(Relation, row, deleted=bool)
           for row in project.conn.execute(sql + " ORDER BY r.date_value, r.created_at", args)]
    by_id = {r.id: r for r in out}
    if by_id:
        for rel_id, ann in project.conn.execute(
                "SELECT e.relation_id, e.annotation_id FROM relation_evidence e "
                "JOIN annotations a ON a.id = e.annotation_id AND a.deleted = 0 "
                "WHERE e.deleted = 0 ORDER BY e.created_at, e.id"):
            if rel_id in by_id:
                by_id[rel_id].evidence.append(ann)
    return out


def evidence(project: Project, annotation_ids: list[str]) -> list[Evidence]:
    """The cited passages, with their document's title, in the order given."""
    out = []
    for ann_id in annotation_ids:
        row = project.conn.execute(
            "SELECT a.document_id, d.title, coalesce(a.exact, ''), a.start_offset, a.page, "
            "a.end_offset "
            "FROM annotations a JOIN documents d ON d.id = a.document_id "
            "WHERE a.id = ? AND a.deleted = 0", (ann_id,)).fetchone()
        if row:
            out.append(Evidence(ann_id, row[0], row[1], " ".join(row[2].split()), row[3],
                                row[4], row[5]))
    return out


def move_entity(project: Project, source_id: str, target_id: str) -> set[str]:
    """When ``source`` is merged into ``target``, its relations follow it (inside the
    merge's transaction). A relation that would join the target with itself is
    tombstoned: "Herriot met Errio" means nothing once they are one man."""
    conn, stamp, moved = project.conn, now(), set()
    for rel_id, src, tgt in conn.execute(
            "SELECT id, source_id, target_id FROM relations WHERE deleted = 0 AND "
            "(source_id = ? OR target_id = ?)", (source_id, source_id)).fetchall():
        src = target_id if src == source_id else src
        tgt = target_id if tgt == source_id else tgt
        conn.execute("UPDATE relations SET source_id = ?, target_id = ?, deleted = ?, "
                     "modified_at = ? WHERE id = ?", (src, tgt, int(src == tgt), stamp, rel_id))
        moved.add(rel_id)
    return moved
