"""The number of untagged annotations kept current while the scholar edits (issue 17).
The annotations table sorted by tags, descending, begins with them and needs their
count first; counting reads every tagging (``tally.UNTAGGED``: 0.5-0.9 s at 1M). It is
kept at close under the journal's stamp (``tally.kept_count``), but the first edit
moved the stamp and the next sort counted again.

Here a writable connection keeps, in a temporary table, by how much the count has
moved since it started watching: temporary triggers (never in the file) on
``annotations`` and ``annotation_tags`` add, after each row is written, what that row
changed of its annotation's share of the count (reckoned from the state just after
it, so a write that nests another, REPLACE's delete, sums right). Every write on the
connection passes through them (an action, undo and redo, a merge, a bulk import),
and a rolled back write rolls the temporary table back with it, so the sum is exact
whatever the journal makes of the writes. A count known exactly at one stamp (kept
at close, or counted) then gives the count at any later stamp sampled on the same
connection: that count plus the movement between the two samples. The triggers also
keep the ids of annotations that may have become untagged (up to TOUCHED): with none
untagged when the count was known, the table reads the few untagged by key.

Never a wrong count: the movement is trusted only between samples of one connection
with no commit by another connection between them (``PRAGMA data_version``), and a
tag deleted, restored or given another id while annotations hold it (every one of
them changes) marks the movement as broken instead of summing it: counted afresh
then. An annotation's share mirrors ``tally.UNTAGGED`` term by term (live annotations
less those holding a live tag that are not deleted), so the sum equals a full count
even on a file whose rows do not agree with each other (ids that are NULL aside: not
followed)."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core.journal import stamp

if TYPE_CHECKING:
    from annotator.core.project import Project

#: Samples kept per connection (each a stamp the table may be asked about).
SAMPLES = 32
#: Exact counts remembered per (project file, journal stamp).
REMEMBERED = 64

#: Annotations written (added, restored, a tagging taken away) kept by id while fewer
#: than this: those that may have become untagged since the watch began
TOUCHED = 5000

_KNOWN: dict[tuple[str, str], int] = {}
_CANDIDATES: dict[tuple[str, str], tuple[str, ...]] = {}
_KNOWN_LOCK = threading.Lock()  # the GUI's thread and the table's reader thread


#: a tagging's tag is live (UNTAGGED's ``IN (SELECT id FROM tags WHERE deleted = 0)``,
#: as a lookup by key: an IN list would be built again for every row written)
_LIVE = "EXISTS (SELECT 1 FROM main.tags t WHERE t.id = {} AND t.deleted = 0)"


def _tagged(k: str) -> str:
    """Whether annotation ``k`` holds a live tag (the taggings UNTAGGED subtracts)."""
    return (f"EXISTS (SELECT 1 FROM main.annotation_tags x WHERE x.annotation_id = {k} "
            f"AND {_LIVE.format('x.tag_id')})")


def _annotation(row: str) -> str:
    """By how much an annotations row adds to UNTAGGED (its share less what it would be
    without the row): live, +1; deleted = 1 while it holds a live tag, +1 (a tagging
    of an annotation that is not deleted is subtracted, one that is, is not). CASE:
    the tagging is looked up only for a deleted row."""
    return (f"(CASE WHEN {row}.deleted = 0 THEN 1 WHEN {row}.deleted = 1 AND "
            f"{_tagged(f'{row}.id')} THEN 1 ELSE 0 END)")


def _tagging(row: str) -> str:
    """By how much an annotation_tags row takes from UNTAGGED: 1 if its tag is live,
    its annotation is not deleted (= 1) and holds no other live tag."""
    a = f"{row}.annotation_id"
    return (f"(CASE WHEN NOT {_LIVE.format(f'{row}.tag_id')} THEN 0 WHEN EXISTS (SELECT 1 "
            f"FROM main.annotations WHERE id = {a} AND deleted = 1) THEN 0 WHEN EXISTS "
            f"(SELECT 1 FROM main.annotation_tags x WHERE x.annotation_id = {a} AND x.tag_id "
            f"IS NOT {row}.tag_id AND {_LIVE.format('x.tag_id')}) THEN 0 ELSE 1 END)")


def _triggers() -> dict[str, str]:
    """AFTER triggers only, each reckoning its own row from the state just after it:
    a write that nests others (REPLACE deletes the row it replaces, with recursive
    triggers on) is summed right, where a BEFORE/AFTER pair would count twice."""
    moved = "BEGIN UPDATE untagged_watch SET moved = moved {} ({}); END"
    # and the annotation, which may be untagged now (see candidates)
    may = ("BEGIN UPDATE untagged_watch SET moved = moved {} ({}); "
           "INSERT OR IGNORE INTO untagged_touched SELECT {} FROM untagged_watch "
           f"WHERE touched < {TOUCHED}; UPDATE untagged_watch SET touched = touched + 1; END")
    broken = "BEGIN UPDATE untagged_watch SET broken = broken + 1; END"
    holds = "EXISTS (SELECT 1 FROM main.annotation_tags WHERE tag_id = {})"
    on_a, on_t = "ON main.annotations", "ON main.annotation_tags"
    return {
        # an id that is NULL: UNTAGGED's NOT IN then drops every tagging: not summed
        "untagged_a_insert": f"AFTER INSERT {on_a} WHEN NEW.id IS NOT NULL "
                             f"{may.format('+', _annotation('NEW'), 'NEW.id')}",
        "untagged_a_delete": f"AFTER DELETE {on_a} WHEN OLD.id IS NOT NULL "
                             f"{moved.format('-', _annotation('OLD'))}",
        "untagged_a_update": f"AFTER UPDATE OF id, deleted {on_a} WHEN NEW.id IS NOT NULL "
                             "AND OLD.id IS NOT NULL " + may.format(
                                 "+", f"{_annotation('NEW')} - {_annotation('OLD')}", "NEW.id"),
        "untagged_a_null_insert": f"AFTER INSERT {on_a} WHEN NEW.id IS NULL {broken}",
        "untagged_a_null_delete": f"AFTER DELETE {on_a} WHEN OLD.id IS NULL {broken}",
        "untagged_a_null_update": f"AFTER UPDATE OF id, deleted {on_a} WHEN NEW.id IS NULL "
                                  f"OR OLD.id IS NULL {broken}",
        "untagged_t_insert": f"AFTER INSERT {on_t} {moved.format('-', _tagging('NEW'))}",
        "untagged_t_delete": f"AFTER DELETE {on_t} "
                             f"{may.format('+', _tagging('OLD'), 'OLD.annotation_id')}",
        # never done by the workbench: counted afresh after it
        "untagged_t_update": f"AFTER UPDATE OF annotation_id, tag_id {on_t} WHEN "
                             "NEW.annotation_id IS NOT OLD.annotation_id OR NEW.tag_id "
                             f"IS NOT OLD.tag_id {broken}",
        # every annotation holding the tag changes: counted afresh after it
        "untagged_tags_insert": f"AFTER INSERT ON main.tags WHEN {holds.format('NEW.id')} "
                                f"{broken}",
        "untagged_tags_delete": f"AFTER DELETE ON main.tags WHEN {holds.format('OLD.id')} "
                                f"{broken}",
        "untagged_tags_update": "AFTER UPDATE OF id, deleted ON main.tags WHEN (NEW.id IS "
                                "NOT OLD.id OR NEW.deleted IS NOT OLD.deleted) AND ("
                                f"{holds.format('OLD.id')} OR {holds.format('NEW.id')}) "
                                f"{broken}",
    }


TRIGGERS = _triggers()


@dataclass
class _Watch:
    """A connection's samples: (stamp, movement) taken in one epoch (data_version,
    broken): only samples of the same epoch may be compared."""

    conn: sqlite3.Connection
    epoch: tuple[int, int] = (0, 0)
    samples: list[tuple[str, int]] = field(default_factory=list)


_WATCHES: weakref.WeakKeyDictionary[Project, _Watch] = weakref.WeakKeyDictionary()


def watch(conn: sqlite3.Connection) -> None:
    """Start keeping the movement on this (writable) connection."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS untagged_watch "
                 "(moved INTEGER NOT NULL, broken INTEGER NOT NULL, touched INTEGER NOT NULL)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS untagged_touched (id PRIMARY KEY)")
    if conn.execute("SELECT count(*) FROM temp.untagged_watch").fetchone()[0] == 0:
        conn.execute("INSERT INTO temp.untagged_watch VALUES (0, 0, 0)")
    for name, body in TRIGGERS.items():
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {name} {body}")


def unwatch(project: Project) -> None:
    """Stop keeping it (the table no longer sorts by tags): the triggers cost a bulk
    write ~8 µs per tagging (+15-20 % on an import of annotations with their tags)."""
    w = _WATCHES.pop(project, None)
    if w is not None and w.conn is project.conn and not project.conn.in_transaction:
        for name in TRIGGERS:
            project.conn.execute(f"DROP TRIGGER IF EXISTS temp.{name}")
        project.conn.execute("DROP TABLE IF EXISTS temp.untagged_watch")
        project.conn.execute("DROP TABLE IF EXISTS temp.untagged_touched")


def known(path: str, at: str) -> int | None:
    """The count remembered for this file at this journal stamp, if any."""
    with _KNOWN_LOCK:
        return _KNOWN.get((path, at))


def candidates(path: str, at: str) -> tuple[str, ...] | None:
    """Annotation ids that hold every untagged one at this stamp, if known: there were
    none when the count was last known and these are the ones written since. The
    table reads the untagged rows among them (a few among a million are otherwise
    found by reading every annotation: ~1 s at 1M)."""
    with _KNOWN_LOCK:
        return _CANDIDATES.get((path, at))


def remember(path: str, at: str, n: int, among: tuple[str, ...] | None = None) -> None:
    """An exact count at a stamp (counted, kept at close, or followed from one), and
    the ids that hold the untagged ones, if known."""
    with _KNOWN_LOCK:
        _KNOWN.pop((path, at), None)
        _KNOWN[(path, at)] = n
        if among is not None:
            _CANDIDATES[(path, at)] = among
        while len(_KNOWN) > REMEMBERED:
            _CANDIDATES.pop(gone := next(iter(_KNOWN)), None)
            _KNOWN.pop(gone)


def follow(project: Project, *, start: bool = True) -> int | None:
    """Sample the movement of a writable project's connection now (between actions,
    on the thread that writes; ``start``: watching it from now if it was not) and
    return the count at the current stamp if it can be told without counting: remembered (counted, or kept at close and read by the
    table), or a remembered count at an earlier sample plus the movement since. The
    result is remembered for the table's reader thread."""
    conn = project.conn
    if project.read_only or conn.in_transaction:
        return None
    w = _WATCHES.get(project)
    if w is None or w.conn is not conn:
        if not start:
            return None
        watch(conn)
        w = _WATCHES[project] = _Watch(conn)
    moved, broken, touched = conn.execute(
        "SELECT moved, broken, touched FROM temp.untagged_watch").fetchone()
    if conn.execute("SELECT 1 FROM annotations WHERE id IS NULL LIMIT 1").fetchone():
        return None  # UNTAGGED's NOT IN drops every tagging then: no share is an
        # annotation's own (a crafted file only)
    epoch = (conn.execute("PRAGMA data_version").fetchone()[0], broken)
    if epoch != w.epoch:  # another connection wrote, or a tag's share was not summed
        w.epoch, w.samples = epoch, []
    now, path = stamp(conn), str(project.path)
    n, among = known(path, now), None
    if n is None:
        for then, moved_then in reversed(w.samples):
            base = known(path, then)
            if base is not None:
                n = base + moved - moved_then
                if base == 0 and touched < TOUCHED:  # untagged now: among those written
                    among = tuple(r[0] for r in conn.execute(
                        "SELECT id FROM temp.untagged_touched"))
                break
    w.samples = [s for s in w.samples if s[0] != now][-(SAMPLES - 1):] + [(now, moved)]
    if n is not None:
        remember(path, now, n, among)
    return n
