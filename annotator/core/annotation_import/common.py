"""Finding or creating what imported annotations point at: tags (by kind, name and
parent, ignoring case, as a merge matches them), entity records (by id, shared
identifier, or type and name), authors (by id, then name). Runs inside the import's
transaction; remembers what it created for the report and for undo."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from annotator.core.annotation_import import (
    AnnotationImportReport,
    ImportCancelled,
    ImportRefused,
    Progress,
)
from annotator.core.changes import OpChanges
from annotator.core.codebook import MAX_TAG_DEPTH, _next_color
from annotator.core.model import Entity, Tag, TagKind
from annotator.core.names import fold
from annotator.core.rows import Table
from annotator.core.util import new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)?")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")
MAX_TEXT = 1_000_000  # characters of a note or quote taken from a foreign file
#: The codebook's bounds (a 5000-level path made every later `tags` and four exports
#: fail): levels of a tag path (the codebook's MAX_TAG_DEPTH, the one rule for every
#: way in), characters of one name (longer names are cut).
MAX_TAG_NAME = 200
#: The most one import may create; a file asking for more is refused whole.
MAX_ANNOTATIONS = 200_000
MAX_NEW_TAGS = 100_000
MAX_NEW_ENTITIES = 100_000
_TAGS = Table("tags")


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """A string from a foreign file: non-strings become '', absurd lengths are cut, lone
    surrogates (JSON can carry them, SQLite cannot store them) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", value[:limit]) if isinstance(value, str) else ""


def clean_color(value: object) -> str:
    return value if isinstance(value, str) and _COLOR.fullmatch(value) else ""


def stamp(value: object) -> str:
    """An ISO 8601 UTC timestamp as we store them, from a foreign one (else now)."""
    if isinstance(value, str) and _STAMP.fullmatch(value.strip()):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        except (ValueError, OverflowError):  # year 1 at +01:00 falls before year 1
            pass
    return now()


def finite(*values: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               and abs(v) < 1e7 for v in values)


def uuid_of(value: object) -> str | None:
    """The UUID in ``urn:uuid:X``, ``{X}`` or ``X`` (lower case), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip().removeprefix("urn:uuid:").strip("{}")
    return text.lower() if UUID.fullmatch(text) else None


def refuse_count(what: str, count: int, limit: int) -> None:
    """Refuse a file that holds (or would create) more than ``limit`` of ``what``."""
    if count > limit:
        raise ImportRefused(f"the file holds {count:,} {what}; one import takes at most "
                            f"{limit:,}. Nothing was imported (split the file).")


class Tick:
    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def step(self) -> None:
        self.done += 1
        if self.progress is not None and (self.done % 200 == 0 or self.done == self.total):
            if self.progress(self.done, self.total) is False:
                raise ImportCancelled("the import was cancelled; nothing was written.")


class Resolver:
    """Ids of tags, entities and authors for imported annotations, created on demand.
    New tags are written in bulk (:meth:`flush`), their positions counted here: one
    query per tag made a 40k-code codebook take 48 s."""

    def __init__(self, project: Project, report: AnnotationImportReport) -> None:
        self.p = project
        self.report = report
        self.changes = OpChanges()
        self._tags: dict[tuple[str, str | None], str] = {}
        live = project.tags.list()
        for tag in live:
            self._tags.setdefault((fold(tag.name), tag.parent_id), tag.id)
        self._kinds = {t.id: t.kind for t in live}
        self._by_identifier: dict[tuple[str, str], str] = {}
        self._by_name: dict[tuple[str, str], str] = {}
        for entity in project.entities.list():
            self._index(entity)
        self._authors: dict[str, str] = {}
        self._pending: list[Tag] = []  # new tags not yet written, parents first
        self._positions: dict[str | None, int] = {}  # next position per parent
        self._taken: set[str] | None = None  # every tag id, tombstones too
        self._stamp = now()  # one action, one time for all it creates

    # -- tags -----------------------------------------------------------------------

    def tag(self, parts: list[str], kind: TagKind, *, tag_id: str | None = None,
            color: str = "", description: str = "") -> str | None:
        """The tag at path ``parts`` (each level matched by name, ignoring case and
        accents), the missing levels created with ``kind``. A path deeper than the
        codebook allows refuses the whole import."""
        parent: str | None = None
        parts = [p.strip()[:MAX_TAG_NAME] for p in parts if p and p.strip()]
        if len(parts) > MAX_TAG_DEPTH:
            raise ImportRefused(
                f"a tag path is {len(parts):,} levels deep (“{'/'.join(parts[:3])[:80]}/…”); "
                f"the codebook allows {MAX_TAG_DEPTH}. Nothing was imported.")
        for i, part in enumerate(parts):
            key = (fold(part), parent)
            found = self._tags.get(key)
            if found is None:
                last = i == len(parts) - 1
                found = self._new_tag(part, kind, parent, uuid_of(tag_id) if last else None,
                                      clean_color(color) if last else "",
                                      clean_text(description) if last else "")
                self._tags[key] = found
                self.report.tags.append("/".join(parts[: i + 1]))
            parent = found
        return parent

    def _new_tag(self, name: str, kind: TagKind, parent: str | None, wanted: str | None,
                 color: str, description: str) -> str:
        """A new tag, queued for :meth:`flush` (its id kept if free)."""
        refuse_count("new codebook entries", len(self.changes.tags) + 1, MAX_NEW_TAGS)
        if self._taken is None:  # ids and positions as TagStore.create sees them, once
            self._taken = {r[0] for r in self.p.conn.execute("SELECT id FROM tags")}
            self._positions = dict(self.p.conn.execute(
                "SELECT parent_id, max(position) + 1 FROM tags GROUP BY parent_id"))
        if wanted in self._taken:
            wanted = None
        position = self._positions.get(parent, 0)
        self._positions[parent] = position + 1
        tag = Tag(wanted or new_id(), name, kind, parent, color or _next_color(position), "",
                  description, position, self._stamp, self._stamp)
        self._pending.append(tag)
        self._taken.add(tag.id)
        self._kinds[tag.id] = kind
        self.changes.tags.add(tag.id)
        return tag.id

    def flush(self) -> None:
        """Write the queued new tags, in one statement (before anything points at them)."""
        if not self._pending:
            return
        tags, self._pending = self._pending, []
        with self.p.transaction() as conn, self.p.bulk_insert() as report:
            conn.executemany(_TAGS.insert(), [_TAGS.values(t, kind=str, deleted=int)
                                              for t in tags])
            report("tags", [(t.id,) for t in tags])

    def kind(self, tag_id: str) -> TagKind | None:
        return self._kinds.get(tag_id)

    def entity_type(self, name: str) -> str:
        """The entity-type tag called ``name`` (created if new)."""
        tag_id = self.tag([name or "Entity"], TagKind.ENTITY_TYPE)
        assert tag_id is not None
        if self._kinds.get(tag_id) != TagKind.ENTITY_TYPE:  # a theme of that name exists
            tag_id = self.tag([f"{name} (entity)"], TagKind.ENTITY_TYPE)
        assert tag_id is not None
        return tag_id

    # -- entities -------------------------------------------------------------------

    def _index(self, entity: Entity) -> None:
        for key, value in entity.identifiers.items():
            self._by_identifier.setdefault((str(key).lower(), str(value)), entity.id)
        for name in (entity.name, *entity.aliases):
            self._by_name.setdefault((entity.type_id, fold(name)), entity.id)

    def entity(self, *, entity_id: str | None, name: str, type_id: str,
               aliases: list[str] | None = None, identifiers: dict[str, str] | None = None,
               description: str = "", dates: str = "") -> str | None:
        """An entity record: the same id, else one sharing an identifier, else one of
        the same type and name (or alias); else a new record."""
        self.flush()  # its type may be a tag created just now
        wanted = uuid_of(entity_id)
        if wanted:
            existing = self.p.entities.get(wanted)
            if existing is not None and not existing.deleted:
                return existing.id
        identifiers = {clean_text(str(k), 100): clean_text(str(v), 500)
                       for k, v in (identifiers or {}).items()}
        for pair in identifiers.items():
            found = self._by_identifier.get((pair[0].lower(), pair[1]))
            if found:
                return found
        found = self._by_name.get((type_id, fold(name)))
        if found:
            return found
        if not name.strip():
            return None
        if wanted and self.p.entities.get(wanted) is not None:
            wanted = None
        refuse_count("new entity records", len(self.changes.entities) + 1, MAX_NEW_ENTITIES)
        created: Entity = self.p.entities.create(
            clean_text(name, 500), type_id,
            aliases=[clean_text(a, 500) for a in (aliases or [])[:200]],
            identifiers=identifiers, description=clean_text(description, 10_000),
            dates=clean_text(dates, 200), entity_id=wanted).value
        self._index(created)
        self.changes.entities.add(created.id)
        self.report.entities.append(created.name)
        return created.id

    # -- authors --------------------------------------------------------------------

    def author(self, author_id: str | None, name: str) -> str:
        """The author with this id, else this name, else a new author (keeping the id
        so later imports of the same file find her again)."""
        name = " ".join(clean_text(name, 200).split())
        wanted = uuid_of(author_id)
        cache_key = f"{wanted}|{name}"
        if cache_key in self._authors:
            return self._authors[cache_key]
        found = self.p.authors.get(wanted) if wanted else None
        if found is None and name:
            found = self.p.authors.find(name)
        if found is None and not name:
            result = self.p.author_id()
        elif found is not None:
            result = found.id
        else:
            result = wanted if wanted else new_id()
            stamp_ = now()
            count = self.p.conn.execute("SELECT count(*) FROM authors").fetchone()[0]
            palette = ("#4a7bd0", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6")
            self.p.conn.execute(
                "INSERT INTO authors (id, name, color, created_at, modified_at, deleted) "
                "VALUES (?, ?, ?, ?, ?, 0)", (result, name, palette[count % len(palette)],
                                              stamp_, stamp_))
            self.changes.authors.add(result)
            self.report.authors.append(name)
        self._authors[cache_key] = result
        return result
