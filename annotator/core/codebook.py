"""The codebook: entity types (Person, Place, ...) and the scholar's tree of themes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import Tag, TagKind
from annotator.core.rows import Table
from annotator.core.util import new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

_T = Table("tags")

#: What a new project starts with: the entity types a historian tags first, on keys 1-5.
DEFAULT_ENTITY_TYPES = (
    ("Person", "#f4a261", "1", "People, by any spelling the sources use."),
    ("Place", "#2a9d8f", "2", "Cities, regions, countries, buildings."),
    ("Organisation", "#8ab17d", "3", "States, governments, parties, societies, firms."),
    ("Date", "#e9c46a", "4", "Dates and periods, normalised to ISO 8601."),
    ("Event", "#e76f51", "5", "Treaties, conferences, wars, elections."),
)


def _tag(row: tuple) -> Tag:
    return _T.record(Tag, row, kind=TagKind, deleted=bool)


class TagStore:
    def __init__(self, project: Project) -> None:
        self._p = project

    def create_default_codebook(self) -> list[Tag]:
        with self._p.transaction():
            return [self.create(name, TagKind.ENTITY_TYPE, color=color, shortcut=key,
                                description=desc).value
                    for name, color, key, desc in DEFAULT_ENTITY_TYPES]

    # -- reading ---------------------------------------------------------------------

    def list(self, kind: TagKind | None = None, *, include_deleted: bool = False) -> list[Tag]:
        sql = f"{_T.select} WHERE 1"
        args: list = []
        if not include_deleted:
            sql += " AND deleted = 0"
        if kind is not None:
            sql += " AND kind = ?"
            args.append(str(kind))
        sql += " ORDER BY kind, position, name COLLATE NOCASE"
        return [_tag(r) for r in self._p.conn.execute(sql, args)]

    def get(self, tag_id: str) -> Tag | None:
        row = self._p.conn.execute(f"{_T.select} WHERE id = ?",
                                   (tag_id,)).fetchone()
        return _tag(row) if row else None

    def find(self, name_or_id: str) -> Tag | None:
        """A tag by id, by name (case-insensitive), or by path "Theme/Sub-theme"."""
        tag = self.get(name_or_id)
        if tag is not None and not tag.deleted:
            return tag
        parent_id = None
        found = None
        for part in [p.strip() for p in name_or_id.split("/") if p.strip()] or [name_or_id]:
            rows = self._p.conn.execute(
                f"{_T.select} WHERE deleted = 0 AND name = ? COLLATE NOCASE",
                (part,)).fetchall()
            tags = [_tag(r) for r in rows]
            if found is not None or "/" in name_or_id:
                tags = [t for t in tags if t.parent_id == parent_id]
            if not tags:
                return None
            found = tags[0]
            parent_id = found.id
        return found

    def descendants(self, tag_id: str) -> list[str]:
        """The ids of a tag and every sub-tag under it (a theme filter includes sub-themes)."""
        rows = self._p.conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT ? UNION "
            "SELECT t.id FROM tags t JOIN sub ON t.parent_id = sub.id WHERE t.deleted = 0) "
            "SELECT id FROM sub", (tag_id,))
        return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        """Live annotations per tag."""
        rows = self._p.conn.execute(
            "SELECT at.tag_id, count(*) FROM annotation_tags at "
            "JOIN annotations a ON a.id = at.annotation_id AND a.deleted = 0 GROUP BY at.tag_id")
        return dict(rows.fetchall())

    # -- writing ---------------------------------------------------------------------

    def create(self, name: str, kind: TagKind | str = TagKind.THEME, *,
               parent_id: str | None = None, color: str = "", shortcut: str = "",
               description: str = "", tag_id: str | None = None) -> OpResult[Tag]:
        name = name.strip()
        if not name:
            raise AnnotatorError("a tag needs a name.")
        kind = TagKind(kind)
        if parent_id is not None:
            parent = self.get(parent_id)
            if parent is None or parent.deleted:
                raise AnnotatorError("the parent tag does not exist.")
        stamp = now()
        with self._p.transaction() as conn:
            position = conn.execute(
                "SELECT coalesce(max(position) + 1, 0) FROM tags WHERE parent_id IS ?",
                (parent_id,)).fetchone()[0]
            tag = Tag(tag_id or new_id(), name, kind, parent_id, color or _next_color(position),
                      shortcut, description, position, stamp, stamp)
            conn.execute(_T.insert(), _T.values(tag, kind=str, deleted=int))
        return OpResult(tag, OpChanges(tags={tag.id}))

    def ensure(self, name: str, kind: TagKind | str = TagKind.THEME) -> Tag:
        """The tag called ``name`` (or path "A/B"), created as a theme if new."""
        tag = self.find(name)
        if tag is not None:
            return tag
        parent_id = None
        with self._p.transaction():
            parts = [p.strip() for p in name.split("/") if p.strip()]
            for i, part in enumerate(parts):
                path = "/".join(parts[: i + 1])
                existing = self.find(path)
                tag = existing or self.create(part, kind, parent_id=parent_id).value
                parent_id = tag.id
        assert tag is not None
        return tag

    def update(self, tag_id: str, **fields: object) -> OpResult[Tag]:
        """Change name, color, shortcut, description, parent_id or position."""
        allowed = {"name", "color", "shortcut", "description", "parent_id", "position"}
        unknown = set(fields) - allowed
        if unknown:
            raise TypeError(f"cannot update {', '.join(sorted(unknown))} of a tag")
        tag = self._live(tag_id)
        if "parent_id" in fields and fields["parent_id"] is not None:
            if fields["parent_id"] in self.descendants(tag_id):
                raise AnnotatorError("a tag cannot be moved under itself.")
        new = replace(tag, **fields, modified_at=now())  # type: ignore[arg-type]
        with self._p.transaction() as conn:
            conn.execute(
                "UPDATE tags SET name=?, color=?, shortcut=?, description=?, parent_id=?, "
                "position=?, modified_at=? WHERE id=?",
                (new.name, new.color, new.shortcut, new.description, new.parent_id,
                 new.position, new.modified_at, tag_id))
        return OpResult(new, OpChanges(tags={tag_id}))

    def set_shortcut(self, tag_id: str, key: str) -> OpResult[Tag]:
        """Give a tag the key ``key`` (1–9; "" for none). A key tags with one tag only,
        so the tag that had it gives it up, in the same action (one undo step)."""
        self._live(tag_id)
        changed = {tag_id}
        with self._p.transaction():
            for other in self.list() if key else ():
                if other.shortcut == key and other.id != tag_id:
                    self.update(other.id, shortcut="")
                    changed.add(other.id)
            tag = self.update(tag_id, shortcut=key).value
        return OpResult(tag, OpChanges(tags=changed))

    def delete(self, tag_id: str) -> OpResult[Tag]:
        """Tombstone a tag and its sub-tags. Annotation links are kept, so undoing the
        delete (the journal) brings its annotations back exactly."""
        tag = self._live(tag_id)
        ids = self.descendants(tag_id)
        stamp = now()
        with self._p.transaction() as conn:
            conn.executemany("UPDATE tags SET deleted = 1, modified_at = ? WHERE id = ?",
                             [(stamp, i) for i in ids])
            affected = _annotations_with(conn, ids)
        return OpResult(tag, OpChanges(tags=set(ids), annotations=affected))

    def merge(self, source_id: str, target_id: str) -> OpResult[list[str]]:
        """Fold ``source`` into ``target``: its annotations get the target tag, its
        sub-tags move under the target, and the source is tombstoned. The value lists
        the annotations that had the source tag."""
        if source_id == target_id:
            raise AnnotatorError("a tag cannot be merged into itself.")
        self._live(source_id)
        self._live(target_id)
        stamp = now()
        with self._p.transaction() as conn:
            moved = [r[0] for r in conn.execute(
                "SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", (source_id,))]
            conn.execute("DELETE FROM annotation_tags WHERE tag_id = ?", (source_id,))
            conn.executemany("INSERT OR IGNORE INTO annotation_tags VALUES (?, ?)",
                             [(a, target_id) for a in moved])
            conn.executemany("UPDATE annotations SET modified_at = ? WHERE id = ?",
                             [(stamp, a) for a in moved])
            conn.execute("UPDATE tags SET parent_id = ?, modified_at = ? "
                         "WHERE parent_id = ? AND deleted = 0", (target_id, stamp, source_id))
            conn.execute("UPDATE tags SET deleted = 1, modified_at = ? WHERE id = ?",
                         (stamp, source_id))
        return OpResult(moved, OpChanges(tags={source_id, target_id}, annotations=set(moved)))

    # -- helpers ---------------------------------------------------------------------

    def _live(self, tag_id: str) -> Tag:
        tag = self.get(tag_id)
        if tag is None or tag.deleted:
            raise AnnotatorError(f"no tag {tag_id!r} in this project.")
        return tag


def _annotations_with(conn, tag_ids: list[str]) -> set[str]:
    marks = ",".join("?" * len(tag_ids))
    return {r[0] for r in conn.execute(
        f"SELECT annotation_id FROM annotation_tags WHERE tag_id IN ({marks})", tag_ids)}


_THEME_COLORS = ("#90caf9", "#ce93d8", "#a5d6a7", "#ffcc80", "#ef9a9a", "#80deea", "#e6ee9c",
                 "#bcaaa4")


def _next_color(position: int) -> str:
    return _THEME_COLORS[position % len(_THEME_COLORS)]

