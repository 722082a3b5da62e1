"""Entity records: one person, place, organisation or event under one canonical name,
with the variant spellings the sources use ("Eduard Errio" is Édouard Herriot)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import Entity, TagKind
from annotator.core.names import fold
from annotator.core.rows import Table
from annotator.core.util import dumps, loads, new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

_T = Table("entities")


def _entity(row: tuple) -> Entity:
    return _T.record(Entity, row, aliases=lambda v: loads(v, []),
                     identifiers=lambda v: loads(v, {}), deleted=bool)


class EntityStore:
    def __init__(self, project: Project) -> None:
        self._p = project

    def list(self, type_id: str | None = None, *, include_deleted: bool = False) -> list[Entity]:
        sql = f"{_T.select} WHERE 1"
        args: list = []
        if not include_deleted:
            sql += " AND deleted = 0"
        if type_id:
            sql += " AND type_id = ?"
            args.append(type_id)
        return [_entity(r) for r in self._p.conn.execute(sql + " ORDER BY name", args)]

    def get(self, entity_id: str) -> Entity | None:
        row = self._p.conn.execute(f"{_T.select} WHERE id = ?",
                                   (entity_id,)).fetchone()
        return _entity(row) if row else None

    def find(self, name: str, type_id: str | None = None) -> Entity | None:
        """By id, canonical name or alias, spelt the same by :func:`names.fold`
        (case, diacritics, script: "Jan Lukasiewicz" finds "Jan Łukasiewicz")."""
        entity = self.get(name)
        if entity is not None and not entity.deleted:
            return entity
        key = fold(name)
        for entity in self.list(type_id):
            if fold(entity.name) == key or any(fold(a) == key for a in entity.aliases):
                return entity
        return None

    def mention_counts(self) -> dict[str, int]:
        """Live mentions per entity: SQLite reads the covering index of live mentions
        (annotations_live_entity) since format 7 (with format 6's tally index it read
        every annotation: 1.07 s at 1M; tests/test_query_plans.py watches it)."""
        return dict(self._p.conn.execute(
            "SELECT entity_id, count(*) FROM annotations WHERE deleted = 0 "
            "AND entity_id IS NOT NULL GROUP BY entity_id").fetchall())

    def create(self, name: str, type_id: str, *, aliases: list[str] | None = None,
               identifiers: dict[str, str] | None = None, description: str = "",
               dates: str = "", entity_id: str | None = None) -> OpResult[Entity]:
        name = name.strip()
        if not name:
            raise AnnotatorError("an entity needs a name.")
        tag = self._p.tags.get(type_id)
        if tag is None or tag.deleted or tag.kind != TagKind.ENTITY_TYPE:
            raise AnnotatorError("an entity's type must be an entity type of the codebook "
                                 "(Person, Place, Organisation, ...).")
        stamp = now()
        entity = Entity(entity_id or new_id(), type_id, name, _unique(aliases or [], name),
                        dict(identifiers or {}), description, dates, stamp, stamp)
        with self._p.transaction() as conn:
            conn.execute(_T.insert(), _T.values(entity, aliases=dumps, identifiers=dumps,
                                                deleted=int))
        return OpResult(entity, OpChanges(entities={entity.id}))

    def ensure(self, name: str, type_id: str) -> Entity:
        return self.find(name, type_id) or self.create(name, type_id).value

    def update(self, entity_id: str, **fields: object) -> OpResult[Entity]:
        """Change name, type_id, aliases, identifiers, description or dates."""
        allowed = {"name", "type_id", "aliases", "identifiers", "description", "dates"}
        if set(fields) - allowed:
            raise TypeError(f"cannot update {sorted(set(fields) - allowed)} of an entity")
        entity = self._live(entity_id)
        new = replace(entity, **fields, modified_at=now())  # type: ignore[arg-type]
        new.aliases = _unique(new.aliases, new.name)
        with self._p.transaction() as conn:
            conn.execute(
                "UPDATE entities SET type_id=?, name=?, aliases=?, identifiers=?, "
                "description=?, dates=?, modified_at=? WHERE id=?",
                (new.type_id, new.name, dumps(new.aliases), dumps(new.identifiers),
                 new.description, new.dates, new.modified_at, entity_id))
        return OpResult(new, OpChanges(entities={entity_id}))

    def add_alias(self, entity_id: str, alias: str) -> OpResult[Entity]:
        entity = self._live(entity_id)
        return self.update(entity_id, aliases=[*entity.aliases, alias.strip()])

    def delete(self, entity_id: str) -> OpResult[Entity]:
        """Tombstone; mentions keep their entity_id, so undo (the journal) finds them
        as they were."""
        entity = self._live(entity_id)
        with self._p.transaction() as conn:
            conn.execute("UPDATE entities SET deleted = 1, modified_at = ? WHERE id = ?",
                         (now(), entity_id))
            mentions = {r[0] for r in conn.execute(
                "SELECT id FROM annotations WHERE entity_id = ?", (entity_id,))}
        return OpResult(entity, OpChanges(entities={entity_id}, annotations=mentions))

    def _live(self, entity_id: str) -> Entity:
        entity = self.get(entity_id)
        if entity is None or entity.deleted:
            raise AnnotatorError(f"no entity {entity_id!r} in this project.")
        return entity


def _unique(aliases: list[str], name: str) -> list[str]:
    """Aliases without blanks, duplicates (by folded form) or the canonical name itself."""
    seen = {fold(name)}
    out = []
    for alias in aliases:
        alias = alias.strip()
        if alias and fold(alias) not in seen:
            seen.add(fold(alias))
            out.append(alias)
    return out
