"""Taking a merge back (``annotator unmerge``), and refusing to when later work
depends on it.

Undo replays a change set field by field and leaves alone what a later action changed
again, so taking back a merge that later edits built on would leave a mixture: half of
an edited annotation back as it was, a note someone wrote on a passage that is then
tombstoned. So an unmerge first asks which later actions (change sets done after the
merge and not undone) touched a row the merge wrote — the same row, or a new row that
refers to one (a tag put on an annotation the merge brought in, a link to it, a passage
in a document it added) — and refuses, naming them, unless forced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError
from annotator.core.journal import BULK_KEY, KEYS

if TYPE_CHECKING:
    from annotator.core.project import Project


@dataclass(frozen=True, slots=True)
class Dependent:
    """A later action that touched what the merge wrote."""

    changeset: int
    label: str
    author: str
    created_at: str

    def __str__(self) -> str:
        who = f"{self.author}, " if self.author else ""
        return f"#{self.changeset} “{self.label}” ({who}{self.created_at[:16].replace('T', ' ')})"


class MergeDependedOn(AnnotatorError):
    """Later actions built on the merge; nothing was changed."""

    def __init__(self, label: str, dependents: list[Dependent]) -> None:
        shown = "; ".join(map(str, dependents[:10]))
        more = f"; and {len(dependents) - 10} more" if len(dependents) > 10 else ""
        super().__init__(
            f"“{label}” was not taken back: {len(dependents)} later action(s) changed what it "
            f"brought in: {shown}{more}. Nothing was changed. Undo those first, or take the "
            "merge back anyway with --force (what they changed then stays as they left it).")
        self.dependents = dependents


def _keys(row_id: str, row_key: str) -> list[str]:
    """The first key column of each row a change names (a bulk change lists many)."""
    if row_id != BULK_KEY:
        return [row_id]
    try:
        return [str(k[0]) for k in json.loads(row_key)]
    except (ValueError, TypeError, IndexError, KeyError):
        return []


def written_rows(project: Project, changeset_id: int) -> tuple[set[str], set[str]]:
    """The ids of the rows a change set wrote, and of those it added (its own
    author's row left out: every later action of ours names it, and undo keeps it)."""
    conn = project.conn
    author = (conn.execute("SELECT author_id FROM changesets WHERE id = ?",
                           (changeset_id,)).fetchone() or [None])[0]
    written: set[str] = set()
    added: set[str] = set()
    for table, row_id, row_key, op in conn.execute(
            "SELECT table_name, row_id, row_key, op FROM changes WHERE changeset_id = ?",
            (changeset_id,)):
        if table != "project":
            keys = _keys(row_id, row_key)
            written.update(keys)
            if op == "insert":
                added.update(keys)
    written.discard(author)
    added.discard(author)
    return written, added


def dependents(project: Project, changeset_id: int) -> list[Dependent]:
    """Later actions still in effect that changed a row the change set wrote, or
    added a row that refers to one it added (undo would have to tombstone it)."""
    conn = project.conn
    written, added = written_rows(project, changeset_id)
    found: dict[int, Dependent] = {}
    later = conn.execute(
        "SELECT s.id, s.label, coalesce(a.name, ''), s.created_at, c.table_name, c.row_id, "
        "c.row_key, c.op FROM changesets s JOIN changes c ON c.changeset_id = s.id "
        "LEFT JOIN authors a ON a.id = s.author_id WHERE s.id > ? AND s.state = 'done' "
        "ORDER BY s.id, c.seq", (changeset_id,)).fetchall()
    for cs_id, label, author, created, table, row_id, row_key, op in later:
        if cs_id in found or table == "project":
            continue
        keys = _keys(row_id, row_key)
        hit = any(k in written for k in keys)
        if not hit and added and op == "insert" and table in KEYS:
            hit = _refers(project, table, keys, added)
        if hit:
            found[cs_id] = Dependent(cs_id, label, author, created)
    return list(found.values())


def _refers(project: Project, table: str, keys: list[str], added: set[str]) -> bool:
    """Whether a row of ``keys`` (first key column) names one of ``added`` in any of
    its text columns (ids are UUIDs: a match is that row)."""
    first = KEYS[table][0]
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        cur = project.conn.execute(
            f"SELECT * FROM main.{table} WHERE {first} IN ({','.join('?' * len(chunk))})", chunk)
        names = [d[0] for d in cur.description]
        skip = {n for n in names if n in ("data", "text", "words", "note", "exact")}
        for row in cur:
            if any(isinstance(v, str) and v in added
                   for n, v in zip(names, row, strict=True) if n not in skip):
                return True
    return False


def latest_merge(project: Project) -> int:
    """The latest merge still in effect."""
    found = project.conn.execute(
        "SELECT id FROM changesets WHERE kind = 'merge' AND state = 'done' "
        "ORDER BY id DESC LIMIT 1").fetchone()
    if found is None:
        raise AnnotatorError(f"{project.path.name} has no merge to take back.")
    return found[0]


def check_undoable(project: Project, changeset_id: int, *, force: bool) -> list[Dependent]:
    """Raise MergeDependedOn when later actions depend on the merge (unless ``force``);
    returns them either way."""
    found = dependents(project, changeset_id)
    if found and not force:
        label = project.conn.execute("SELECT label FROM changesets WHERE id = ?",
                                     (changeset_id,)).fetchone()[0]
        raise MergeDependedOn(label, found)
    return found
