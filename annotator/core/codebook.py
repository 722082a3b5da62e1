"""The codebook: entity types (Person, Place, ...) and the scholar's tree of themes."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping
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

#: Deepest a theme may sit in the codebook tree (a root theme is level 1). Scholars'
#: codebooks use 3 or 4 levels; a crafted file or exchange file 5,000 deep made every
#: command that walks the tree (tags, exports) die, so every way in refuses deeper ones.
MAX_TAG_DEPTH = 32
_KINDS = "('entity_type', 'theme')"


class TagTooDeep(AnnotatorError):
    """A theme would sit deeper in the codebook than MAX_TAG_DEPTH."""


def check_tag_depth(depth: int, name: str = "") -> None:
    """Refuse a tag at level ``depth`` (1 = a root) beyond MAX_TAG_DEPTH: the one rule
    the CLI, the GUI, the W3C and REFI-QDA importers and the merge share."""
    if depth > MAX_TAG_DEPTH:
        what = f"the theme “{name[:60]}”" if name else "a theme"
        raise TagTooDeep(f"{what} would be {depth} levels deep; a codebook may have at "
                         f"most {MAX_TAG_DEPTH} levels. Nothing was changed.")


def check_codebook_depth(conn) -> None:
    """Refuse a codebook (as it stands in ``conn``, e.g. inside a merge's transaction)
    with a tag deeper than MAX_TAG_DEPTH or in a parent cycle: raises TagTooDeep, so
    the caller's transaction is rolled back."""
    bad = deep_tags(conn, limit=1)
    if bad:
        name, depth = bad[0]
        if depth is None:
            raise TagTooDeep(f"the theme “{name[:60]}” is its own ancestor (a cycle in the "
                             "codebook tree). Nothing was changed.")
        check_tag_depth(depth, name)


def deep_tags(conn, *, limit: int | None = None) -> list[tuple[str, int | None]]:
    """(name, level) of tags deeper than MAX_TAG_DEPTH, deepest first, and (name, None)
    of tags no root reaches (in or under a parent cycle): what ``check`` reports and
    the merge refuses. Linear in the number of tags (parents read once, walked in
    Python: the schema has no index on parent_id to walk down in SQL)."""
    names: dict[str, str] = {}
    parent_of: dict[str, str | None] = {}
    for tag_id, name, parent_id in conn.execute("SELECT id, name, parent_id FROM tags"):
        names[tag_id], parent_of[tag_id] = name, parent_id
    found = [(lvl if lvl is not None else -1, tag_id)
             for tag_id, lvl in levels(parent_of).items()
             if lvl is None or lvl > MAX_TAG_DEPTH]
    found.sort(reverse=True)
    return [(names[tag_id], lvl if lvl >= 0 else None) for lvl, tag_id in found[:limit]]


def levels(parent_of: Mapping[str, str | None]) -> dict[str, int | None]:
    """Each tag's level (1 = a root; a missing parent makes a root), None for a tag in
    or under a parent cycle. Iterative: every tag is walked up once."""
    level: dict[str, int | None] = {}
    for start in parent_of:
        if start in level:
            continue
        chain, current = _climb(start, parent_of, level)
        above = 0 if current is None else level.get(current)  # None: a cycle, or under one
        for tag_id in reversed(chain):
            above = None if above is None else above + 1
            level[tag_id] = above
    return level


def _climb(start: str, parent_of: Mapping[str, str | None],
           known: Mapping[str, object]) -> tuple[list[str], str | None]:
    """Walk up from ``start`` to a root, a tag in ``known`` or a tag already passed (a
    cycle): the tags passed, lowest first, and the one it stopped at (None: a root)."""
    chain: list[str] = []
    on_chain: set[str] = set()
    current: str | None = start
    while current is not None and current not in known and current not in on_chain:
        chain.append(current)
        on_chain.add(current)
        up = parent_of[current]
        current = up if up in parent_of else None
    return chain, current


def safe_parents(tags: Mapping[str, Tag]) -> dict[str, str | None]:
    """Each tag's parent in a tree that is safe to walk, even for a crafted codebook: a
    missing parent or a cycle makes a root; a tag deeper than MAX_TAG_DEPTH hangs from
    its ancestor at level MAX_TAG_DEPTH. Iterative, linear in the number of tags."""
    level: dict[str, int] = {}
    parent: dict[str, str | None] = {}
    parent_of = {tag_id: tag.parent_id for tag_id, tag in tags.items()}
    for start in tags:
        chain, current = _climb(start, parent_of, level)
        if current is not None and current not in level:  # a cycle: cut it at `current`
            parent[current], level[current] = None, 1
            chain = chain[:chain.index(current)]
        above = current
        for tag_id in reversed(chain):
            if above is None:
                parent[tag_id], level[tag_id] = None, 1
            elif level[above] < MAX_TAG_DEPTH:
                parent[tag_id], level[tag_id] = above, level[above] + 1
            else:  # hang it from the deepest allowed ancestor
                parent[tag_id] = above if level[above] == MAX_TAG_DEPTH else parent[above]
                level[tag_id] = MAX_TAG_DEPTH + 1
                tag_id = parent[tag_id]  # type: ignore[assignment]
            above = tag_id
    return parent


def tag_path(tags: Mapping[str, Tag], tag_id: str) -> str:
    """"Recognition/De jure recognition": a tag's name under its ancestors, walked
    iteratively, stopping at a cycle and at MAX_TAG_DEPTH levels ("…/" marks the cut)."""
    parts: list[str] = []
    seen: set[str] = set()
    current = tags.get(tag_id)
    while current is not None and current.id not in seen:
        if len(parts) == MAX_TAG_DEPTH:
            parts.append("…")
            break
        seen.add(current.id)
        parts.append(current.name.replace("/", "∕"))
        current = tags.get(current.parent_id or "")
    return "/".join(reversed(parts))


def walk(tags: Mapping[str, Tag]) -> Iterator[tuple[Tag, int]]:
    """Every tag with its level (0 = a root), parents before children in codebook
    order (as ``tags`` are given), without recursion: a crafted tree cannot exhaust the
    stack, and no tag is shown deeper than MAX_TAG_DEPTH."""
    children: dict[str | None, list[Tag]] = {}
    for tag_id, up in safe_parents(tags).items():
        children.setdefault(up, []).append(tags[tag_id])
    order = {tag_id: i for i, tag_id in enumerate(tags)}
    for kids in children.values():
        kids.sort(key=lambda t: order[t.id])
    stack = [(t, 0) for t in reversed(children.get(None, []))]
    while stack:
        tag, depth = stack.pop()
        yield tag, depth
        stack.extend((t, depth + 1) for t in reversed(children.get(tag.id, [])))

#: What a new project starts with: the entity types a historian tags first, on keys 1-5.
DEFAULT_ENTITY_TYPES = (
    ("Person", "#f4a261", "1", "People, by any spelling the sources use."),
    ("Place", "#2a9d8f", "2", "Cities, regions, countries, buildings."),
    ("Organisation", "#8ab17d", "3", "States, governments, parties, societies, firms."),
    ("Date", "#e9c46a", "4", "Dates and periods, normalised to ISO 8601."),
    ("Event", "#e76f51", "5", "Treaties, conferences, wars, elections."),
)


def _tag(row: tuple) -> Tag:
    return _T.record(Tag, row, kind=TagKind.read, deleted=bool)


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
        sql = f"{_T.select} WHERE kind IN {_KINDS}"  # a crafted kind: skipped (check names it)
        args: list = []
        if not include_deleted:
            sql += " AND deleted = 0"
        if kind is not None:
            sql += " AND kind = ?"
            args.append(str(kind))
        sql += " ORDER BY kind, position, name COLLATE NOCASE"
        return [_tag(r) for r in self._p.conn.execute(sql, args)]

    def get(self, tag_id: str) -> Tag | None:
        row = self._p.conn.execute(f"{_T.select} WHERE id = ? AND kind IN {_KINDS}",
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
                f"{_T.select} WHERE deleted = 0 AND name = ? COLLATE NOCASE "
                f"AND kind IN {_KINDS}",
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

    def tree(self) -> list[tuple[Tag, int]]:
        """Live tags in codebook order with their level (0 = a root), parents first;
        safe to print or show however deep or tangled a crafted file's tree is."""
        return list(walk({t.id: t for t in self.list()}))

    def level(self, tag_id: str | None) -> int:
        """How deep ``tag_id`` sits (1 = a root, 0 for None), counted up its parents at
        most MAX_TAG_DEPTH + 1 steps (a cycle counts as too deep)."""
        if tag_id is None:
            return 0
        return self._p.conn.execute(
            "WITH RECURSIVE up(id, n) AS (SELECT ?, 1 UNION ALL SELECT t.parent_id, up.n + 1 "
            "FROM tags t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL "
            f"AND up.n <= {MAX_TAG_DEPTH}) SELECT max(n) FROM up", (tag_id,)).fetchone()[0]

    def height(self, tag_id: str) -> int:
        """Levels of the subtree under ``tag_id``, itself included (1 for a leaf),
        counted down at most MAX_TAG_DEPTH + 1 levels."""
        return self._p.conn.execute(
            "WITH RECURSIVE sub(id, n) AS (SELECT ?, 1 UNION ALL SELECT t.id, sub.n + 1 "
            "FROM tags t JOIN sub ON t.parent_id = sub.id WHERE t.deleted = 0 "
            f"AND sub.n <= {MAX_TAG_DEPTH}) SELECT max(n) FROM sub", (tag_id,)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        """Live annotations per tag (see :func:`tag_uses`)."""
        return dict(tag_uses(self._p.conn))

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
            check_tag_depth(self.level(parent_id) + 1, name)
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
        parts = [p.strip() for p in name.split("/") if p.strip()]
        if not parts:
            raise AnnotatorError("a tag needs a name.")
        check_tag_depth(len(parts), parts[-1])
        with self._p.transaction():
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
            check_tag_depth(self.level(str(fields["parent_id"])) + self.height(tag_id),
                            tag.name)
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
        source = self._live(source_id)
        self._live(target_id)
        check_tag_depth(self.level(target_id) + self.height(source_id) - 1, source.name)
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


def tag_uses(conn: sqlite3.Connection) -> Counter[str]:
    """Live annotations per tag, the one full count (the codebook, `info`'s kept tally):
    every tagging (one scan of the tag index), less those of deleted annotations,
    found through the small index of deleted ones and kept in that order (CROSS JOIN)
    — probing the annotation of every tagging cost ~20x more at 100k. 0.14 s at 1M."""
    counts = Counter(dict(conn.execute(
        "SELECT tag_id, count(*) FROM annotation_tags GROUP BY tag_id")))
    for tag_id, gone in conn.execute(
            "SELECT at.tag_id, count(*) FROM annotations a INDEXED BY annotations_gone "
            "CROSS JOIN annotation_tags at ON at.annotation_id = a.id WHERE a.deleted = 1 "
            "GROUP BY at.tag_id"):
        counts[tag_id] -= gone
    return Counter({tag_id: n for tag_id, n in counts.items() if n > 0})
