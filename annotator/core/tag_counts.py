"""How an action changed the uses of each tag, from what it touched (issue 17: the
codebook's counts follow OpChanges instead of counting every tagging again, seconds at
a million annotations).

The journal keeps, for each row an action changed, the row's key and the columns it
changed: a tagging ``(annotation, tag)`` added or removed, an annotation added,
deleted or restored. With the state of those few annotations now, that gives the state
on the other side of the action (before it, or before the undo/redo that replayed it)
and so the difference per tag. A change too big to be worth it (an import or a merge:
bulk rows; thousands of annotations) answers None: count afresh.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from annotator.core import journal
from annotator.core.codebook import tag_uses

if TYPE_CHECKING:
    from annotator.core.journal import Change
    from annotator.core.project import Project

#: More annotations touched than this: a full count is about as cheap (and simpler).
MAX_ANNOTATIONS = 2000


def counts(project: Project) -> Counter[str]:
    """Live annotations per tag, counted afresh (every tagging)."""
    return tag_uses(project.conn)


def change_in_counts(project: Project, changeset_id: int | None, *, backwards: bool = False,
                     folded: bool = False) -> Counter[str] | None:
    """The change per tag that the change set made when it was done (``backwards``:
    undone) just now, or None when only a full count can tell (no journal entry, a bulk
    change, too many annotations; ``folded``: an action coalesced into the previous
    one's change set, whose before is older than the last step, if it moved tags)."""
    if changeset_id is None:
        return None
    found = journal.get(project.conn, changeset_id)
    if found is None or found.count > 4 * MAX_ANNOTATIONS:
        return None  # not read at all: a merge of tags over 100k annotations
    found = journal.get(project.conn, changeset_id, with_changes=True)
    if found is None:
        return None
    rows = [c for c in found.changes if c.table in ("annotations", "annotation_tags")]
    if any(c.keys is not None for c in rows):
        return None  # a bulk insert (import, merge)
    moved = [c for c in rows if c.table == "annotation_tags" or c.op != "update"
             or "deleted" in (c.before or {})]
    if not moved:
        return Counter()  # a note, a date, a quote: no count changes
    if folded:
        return None
    ids = {str(c.key[0]) for c in moved}
    if len(ids) > MAX_ANNOTATIONS:
        return None
    live_now, tags_now = _state(project, ids)
    live_then = dict(live_now)  # annotation -> live (absent: no such row)
    tags_then = {a: set(t) for a, t in tags_now.items()}
    for c in moved:
        _undo_one(c, backwards, live_now, tags_now, live_then, tags_then)
    delta: Counter[str] = Counter()
    for a in ids:
        if live_now.get(a):
            delta.update(tags_now.get(a, ()))
        if live_then.get(a):
            delta.subtract(tags_then.get(a, ()))
    return Counter({t: n for t, n in delta.items() if n})


def _state(project: Project, ids: set[str]) -> tuple[dict[str, bool], dict[str, set[str]]]:
    """(annotation -> live, annotation -> its tags) for the annotations that exist."""
    live: dict[str, bool] = {}
    tags: dict[str, set[str]] = {}
    conn, order = project.conn, sorted(ids)
    for i in range(0, len(order), 500):
        chunk = order[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for a, deleted in conn.execute(
                f"SELECT id, deleted FROM annotations WHERE id IN ({marks})", chunk):
            live[a] = not deleted
        for a, t in conn.execute(
                f"SELECT annotation_id, tag_id FROM annotation_tags WHERE annotation_id IN "
                f"({marks})", chunk):
            tags.setdefault(a, set()).add(t)
    return live, tags


def _undo_one(c: Change, backwards: bool, live_now: dict[str, bool],
              tags_now: dict[str, set[str]], live_then: dict[str, bool],
              tags_then: dict[str, set[str]]) -> None:
    """Put one row's part back to the other side of the action, where the row is now
    as the action (or its undo) left it; a field a later action changed was left alone
    by the replay (``skipped``), so its other side is what it is now."""
    a = str(c.key[0])
    if c.table == "annotation_tags":
        if c.op == "update":
            return  # a tagging's other columns
        present = str(c.key[1]) in tags_now.get(a, ())
        left_present = (c.op == "insert") != backwards  # where the action left it
        if present == left_present:
            (tags_then.setdefault(a, set()).discard if present
             else tags_then.setdefault(a, set()).add)(str(c.key[1]))
        return
    if c.op == "update":  # deleted or restored
        before, after = c.before or {}, c.after or {}
        left, other = (before, after) if backwards else (after, before)
        if a in live_now and live_now[a] == (not left.get("deleted")):
            live_then[a] = not other.get("deleted")
        return
    exists = a in live_now
    left_exists = (c.op == "insert") != backwards
    if exists == left_exists:
        if exists:
            live_then.pop(a, None)
        else:
            image = (c.after if c.op == "insert" else c.before) or {}
            live_then[a] = not image.get("deleted")
