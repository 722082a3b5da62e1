"""The change journal: every user action is one change set, from which undo, redo and
history come (and, later, the three-way merge).

Why SQL triggers: an operation writes through whatever SQL it needs (a store method,
a merge, an importer), and every row it touches must be recorded, or undo would leave
that row behind. Temporary triggers on our own connection (never in the file, so the
schema check on open is unchanged) copy each row's before and after image into a
temporary table while an action runs; when the outermost transaction commits, those
events are folded into one change set per action (a row written twice keeps its first
before and its last after) and stored in ``changesets`` / ``changes``.

Images are JSON objects of a row's columns. An insert records only the row's key (a
bulk import stays cheap); its full image is captured when it is undone, so redo can put
it back. An update keeps only the columns that changed. ``document_data`` bytes travel
in a BLOB column beside the JSON (JSON cannot hold bytes).

Undo replays a change set backwards, redo forwards, each in one transaction, field by
field: a column is only set back when it still holds the value this change set wrote,
so nothing a later action (or a merge) wrote is overwritten. A row put back whole gets
its old ``modified_at`` too (undo leaves it as it was: an undone merge brings the
colleague's rows in again when merged again); a row only partly put back is stamped now.

This module holds the change sets and how they are stored and read; recording them is
journal_record.py, replaying them journal_replay.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from annotator.core.changes import OpChanges
from annotator.core.errors import AnnotatorError
from annotator.core.util import connection_state, new_id, now

#: Journaled tables and their key columns. Derived tables (the search index) are not
#: journaled: they are rebuilt from these.
KEYS: dict[str, tuple[str, ...]] = {
    "project": ("key",),
    "authors": ("id",),
    "documents": ("id",),
    "document_data": ("document_id",),
    "pages": ("document_id", "number"),
    "document_links": ("id",),
    "tags": ("id",),
    "entities": ("id",),
    "annotations": ("id",),
    "annotation_tags": ("annotation_id", "tag_id"),
    "links": ("id",),
    "rejected_suggestions": ("key",),
    "conflicts": ("id",),
    "relation_types": ("id",),
    "relations": ("id",),
    "relation_evidence": ("id",),
}
#: Columns that are bytes, not JSON-able: kept in the ``blob`` column of a change.
BLOB_COLUMNS = {"document_data": "data"}
#: What each table's rows are, for OpChanges (the row's first key column is the id).
_CHANGE_KIND = {
    "documents": "documents", "document_data": "documents", "pages": "documents",
    "document_links": "document_links", "tags": "tags", "entities": "entities",
    "annotations": "annotations", "annotation_tags": "annotations", "links": "links",
    "authors": "authors", "relation_types": "relations", "relations": "relations",
    "relation_evidence": "relations",
}
KINDS = ("edit", "merge", "import", "mechanical")
#: More new rows of one table than this in one action are kept as one bulk change
#: (their keys in one JSON list): a 100,000-row import costs one journal row, not 100,000.
BULK = 64
#: The row_id of a bulk change.
BULK_KEY = "*"
#: Keys in one bulk change row. ``changes`` is a WITHOUT ROWID table: a seek compares
#: its key with whole cells, overflow pages and all, so one row of a million keys
#: (42 MB) on the path cost every later action 50-150 ms at 1M (issue 17); 2,000 keys
#: are ~85 KB.
BULK_ROW = 2000


def bulk_changes(table: str, keys: list) -> list[Change]:
    """New rows of ``table`` by key, as bulk changes of at most BULK_ROW keys each."""
    return [Change(table, (BULK_KEY,), "insert", None, None,
                   keys=json.dumps(keys[i:i + BULK_ROW])) for i in range(0, len(keys), BULK_ROW)]


def staged_seq(table: str | None, n: int) -> int:
    """The ``seq`` of a change in a change set whose bulk changes were written while
    the action ran (a merge: issue 17, a million keys are never held in Python). The
    order undo and redo need is kept with gaps: new rows table by table, parents
    first (``table``'s place in KEYS; the bulk changes of a table before the other
    new rows of it), then every update and delete (``table`` None)."""
    slot = len(KEYS) + 1 if table is None else list(KEYS).index(table) + 1
    return (slot << 32) + n


#: where the changes folded at commit start within their table's slot (after the
#: bulk changes written before)
STAGED_SEQ = 1 << 31


class NothingToUndo(AnnotatorError):
    """There is no change set to undo (or redo)."""


@dataclass(slots=True)
class Change:
    """One row's part in a change set: ``op`` is insert, update or delete; ``before``
    and ``after`` are the columns it changed (a delete's ``before`` and an undone
    insert's ``after`` are whole rows)."""

    table: str
    key: tuple
    op: str
    before: dict | None
    after: dict | list | None
    keys: str | None = None  # a bulk insert: the JSON list of the rows' keys
    #: not a change but a mark from the recorder: this action's bulk changes were
    #: already written under the change set ``key[0]`` (see :data:`STAGED_SEQ`)
    staged: bool = False


@dataclass(slots=True)
class ChangeSet:
    """One user action as the journal keeps it."""

    id: int
    uid: str
    label: str
    kind: str
    author: str
    created_at: str
    state: str  # done | undone | dropped (undone, then replaced by a new action)
    changes: list[Change] = field(default_factory=list)
    count: int = 0
    skipped: int = 0  # after undo/redo: fields left alone because a later action changed them

    def touched(self) -> OpChanges:
        """The OpChanges of this change set: what a view must redraw after undo/redo."""
        return touched(self.changes)


def touched(changes: Iterable[Change]) -> OpChanges:
    result = OpChanges()
    for c in changes:
        kind = _CHANGE_KIND.get(c.table)
        if kind is None:
            result.project = True
        elif c.keys is not None:
            getattr(result, kind).update(str(k[0]) for k in json.loads(c.keys))
        else:
            getattr(result, kind).add(str(c.key[0]))
    return result


#: A text longer than this that an update changed is kept as the changed stretch only
#: (a splice), so correcting one word of a 5 MB transcription costs bytes, not 10 MB.
SPLICE_OVER = 4096
SPLICE = "$splice"


def _where(table: str) -> str:
    return " AND ".join(f"{k} = ?" for k in KEYS[table])


def _row_image(conn: sqlite3.Connection, table: str, key: tuple,
               columns: list[str]) -> dict | None:
    row = conn.execute(f"SELECT {', '.join(columns)} FROM main.{table} WHERE {_where(table)}",
                       key).fetchone()
    return dict(zip(columns, row, strict=True)) if row else None


# -- storing -------------------------------------------------------------------------


def _dump(image: dict | list | None, table: str) -> tuple[str | None, bytes | None]:
    if image is None:
        return None, None
    if isinstance(image, list):  # a bulk insert's rows (never a table with bytes)
        return json.dumps(image, ensure_ascii=False), None
    blob_col = BLOB_COLUMNS.get(table)
    if blob_col and blob_col in image:
        image = dict(image)
        blob = image.pop(blob_col)
        return json.dumps(image, ensure_ascii=False), blob
    return json.dumps(image, ensure_ascii=False), None


def _load(text: str | None, blob: bytes | None, table: str) -> dict | list | None:
    if text is None:
        return None
    image = json.loads(text)
    if isinstance(image, list):
        return image
    if not isinstance(image, dict):
        raise AnnotatorError("a change in the journal is damaged (not a row image).")
    if blob is not None and table in BLOB_COLUMNS:
        image[BLOB_COLUMNS[table]] = blob
    return image


def store(conn: sqlite3.Connection, changes: list[Change], *, label: str, kind: str,
          author_id: str | None, coalesce: str = "", drop_undone: bool = True) -> int:
    """Write one change set (inside the caller's transaction) and return its id. A new
    action ends the redo chain: change sets that were undone can no longer be redone
    (``drop_undone=False``: the caller knows there are none)."""
    if kind not in KINDS:
        raise ValueError(f"unknown change set kind {kind!r}")
    if drop_undone:
        conn.execute("UPDATE changesets SET state = 'dropped' WHERE state = 'undone'")
    staged = [c for c in changes if c.staged]
    if staged:
        return _store_staged(conn, staged[0].key[0], [c for c in changes if not c.staged],
                             label=label, kind=kind, author_id=author_id)
    spliced = any(isinstance(v, dict) and SPLICE in v
                  for c in changes for v in (c.after or {}).values()
                  if isinstance(c.after, dict))
    if coalesce and not spliced:  # two splices of one text do not fold into one
        last = conn.execute("SELECT id, coalesce_key, state, author_id FROM changesets "
                            "ORDER BY id DESC LIMIT 1").fetchone()
        if last and last[1] == coalesce and last[2] == "done" and last[3] == author_id:
            _fold_into(conn, last[0], changes)
            # the step's time is its last edit's, and the journal's stamp moves with it
            conn.execute("UPDATE changesets SET created_at = ? WHERE id = ?", (now(), last[0]))
            return last[0]
    cur = conn.execute(
        "INSERT INTO changesets (uid, label, kind, author_id, created_at, state, coalesce_key) "
        "VALUES (?, ?, ?, ?, ?, 'done', ?)",
        (new_id(), label or describe(changes), kind, author_id, now(), coalesce))
    changeset_id = int(cur.lastrowid)  # type: ignore[arg-type]
    _insert(conn, changeset_id, 0, changes)
    return changeset_id


def reserve(conn: sqlite3.Connection) -> int:
    """A change set row for an action that writes its bulk changes as it goes (inside
    its transaction); :func:`store` fills in its label, kind, author and time."""
    cur = conn.execute(
        "INSERT INTO changesets (uid, label, kind, author_id, created_at, state, coalesce_key) "
        "VALUES (?, 'Change', 'edit', NULL, ?, 'done', '')", (new_id(), now()))
    return int(cur.lastrowid)  # type: ignore[arg-type]


def _store_staged(conn: sqlite3.Connection, changeset_id: int, changes: list[Change], *,
                  label: str, kind: str, author_id: str | None) -> int:
    """The rest of an action whose bulk changes are in ``changes`` already (never
    folded into an earlier step: a bulk action is a step of its own)."""
    if not label:
        label = describe(changes + [
            Change(t, (BULK_KEY,), "insert", None, None, keys=k) for t, k in conn.execute(
                "SELECT table_name, row_key FROM changes WHERE changeset_id = ? AND row_id = ? "
                "ORDER BY seq LIMIT 1", (changeset_id, BULK_KEY))])
    conn.execute(
        "INSERT INTO changesets (id, uid, label, kind, author_id, created_at, state, "
        "coalesce_key) VALUES (?, ?, ?, ?, ?, ?, 'done', '') ON CONFLICT (id) DO UPDATE SET "
        "label = excluded.label, kind = excluded.kind, author_id = excluded.author_id, "
        "created_at = excluded.created_at",
        (changeset_id, new_id(), label, kind, author_id, now()))
    counts: dict[str | None, int] = {}
    numbered = []
    for c in changes:
        slot = c.table if c.op == "insert" else None
        n = counts.get(slot, STAGED_SEQ if slot is not None else 0)
        counts[slot] = n + 1
        numbered.append((staged_seq(slot, n), c))
    _insert_numbered(conn, changeset_id, numbered)
    return changeset_id


def stamp(conn: sqlite3.Connection) -> str:
    """A mark of the journaled data that changes whenever it may have: a new change set,
    an edit folded into the newest (typing a note: its time moves), an undo, a redo, a
    redo chain dropped, or old change sets compacted away. Derived data (the search
    index, the counts of `info`) is kept under it.

    Reading it is a scan of every change set (18 ms at 100,000), so outside a
    transaction it is kept per connection until the connection writes anything or
    another one commits (``total_changes``, ``PRAGMA data_version``): the views that
    ask for it after an action read it once."""
    seen = None if conn.in_transaction else connection_state(conn)
    if seen is not None:
        held = _STAMPS.get(id(conn))
        if held is not None and held[0] is conn and held[1] == seen:
            return held[2]
    newest, n, done, n_done = conn.execute(
        "SELECT coalesce(max(id), 0), count(*), total(CASE WHEN state = 'done' THEN id END), "
        "total(state = 'done') FROM changesets").fetchone()
    last = conn.execute("SELECT created_at FROM changesets WHERE id = ?", (newest,)).fetchone()
    found = f"{newest}/{n}/{int(done)}/{int(n_done)}/{last[0] if last else ''}"
    if seen is not None:
        remember_stamp(conn, seen, found)
    return found


#: the stamp last read or made on a connection: id -> (connection, state, stamp)
_STAMPS: dict[int, tuple[sqlite3.Connection, tuple[int, int], str]] = {}


def remember_stamp(conn: sqlite3.Connection, seen: tuple[int, int], value: str) -> None:
    """``value`` is the stamp while the connection stands at ``seen`` (its
    total_changes and data_version, after a commit): a writer that made the stamp
    itself (annotator.core.search_follow) spares the next reader the scan."""
    _STAMPS.pop(id(conn), None)
    _STAMPS[id(conn)] = (conn, seen, value)
    while len(_STAMPS) > 8:  # a few connections are open at a time
        _STAMPS.pop(next(iter(_STAMPS)))


def stamp_after_store(before: str, conn: sqlite3.Connection, changeset_id: int) -> str | None:
    """The stamp after :func:`store` wrote change set ``changeset_id`` (or folded an
    edit into it), from the stamp just before, reading that one row: :func:`stamp`
    reads every change set (18 ms at 100,000). None: not one of those two cases (the
    caller reads the stamp). Dropping the redo chain moves no part of the stamp."""
    try:
        newest, n, done, n_done, _last = before.split("/", 4)
        newest_id, count, done_sum, done_n = int(newest), int(n), int(done), int(n_done)
    except ValueError:
        return None
    row = conn.execute("SELECT id, created_at, state FROM changesets ORDER BY id DESC "
                       "LIMIT 1").fetchone()
    if row is None or row[0] != changeset_id or row[2] != "done":
        return None
    if changeset_id == newest_id:  # folded into the newest: only its time moved
        return f"{newest_id}/{count}/{done_sum}/{done_n}/{row[1]}"
    if changeset_id > newest_id:  # one new change set, done
        return f"{changeset_id}/{count + 1}/{done_sum + changeset_id}/{done_n + 1}/{row[1]}"
    return None


def _insert(conn: sqlite3.Connection, changeset_id: int, first_seq: int,
            changes: list[Change]) -> None:
    _insert_numbered(conn, changeset_id, enumerate(changes, first_seq))


def _insert_numbered(conn: sqlite3.Connection, changeset_id: int,
                     numbered: Iterable[tuple[int, Change]]) -> None:
    def rows():
        for seq, c in numbered:
            before, blob = _dump(c.before, c.table)
            after, after_blob = _dump(c.after, c.table)
            row_key = c.keys if c.keys is not None else json.dumps(list(c.key))
            yield (changeset_id, seq, c.table, str(c.key[0]),
                   str(c.key[1]) if len(c.key) > 1 else "", row_key, c.op,
                   before, after, blob if blob is not None else after_blob)

    conn.executemany(
        "INSERT INTO changes (changeset_id, seq, table_name, row_id, row_sub, row_key, op, "
        "before, after, blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())


def _fold_into(conn: sqlite3.Connection, changeset_id: int, changes: list[Change]) -> None:
    """Successive edits of one thing (typing a note) become one step: the first before,
    the last after of every row."""
    old = {(c.table, c.key): (seq, c) for seq, c in _changes(conn, changeset_id)}
    next_seq = max((seq for seq, _ in old.values()), default=-1) + 1
    fresh = []
    for c in changes:
        found = old.get((c.table, c.key)) if c.keys is None else None
        if found is None:
            fresh.append(c)
            continue
        seq, prev = found
        if prev.op == "insert" or c.op == "insert":
            merged = Change(c.table, c.key, prev.op if prev.op == "insert" else "update",
                            prev.before, None)
        elif c.op == "delete":
            merged = Change(c.table, c.key, "delete",
                            {**(c.before or {}), **(prev.before or {})}, None)
        else:
            before = {**(c.before or {}), **(prev.before or {})}
            after = {**(prev.after or {}), **(c.after or {})}
            merged = Change(c.table, c.key, prev.op, before, after)
        conn.execute("DELETE FROM changes WHERE changeset_id = ? AND seq = ?",
                     (changeset_id, seq))
        _insert(conn, changeset_id, seq, [merged])
    _insert(conn, changeset_id, next_seq, fresh)
    conn.execute("UPDATE changesets SET created_at = ? WHERE id = ?", (now(), changeset_id))


def _changes(conn: sqlite3.Connection, changeset_id: int) -> list[tuple[int, Change]]:
    """The changes of one change set, in order; a damaged journal (JSON that does not
    parse or nests without end, in a crafted file) is refused with a message."""
    try:
        return _read_changes(conn, changeset_id)
    except (ValueError, TypeError, RecursionError):
        raise AnnotatorError(f"change {changeset_id} of the journal is damaged; it cannot "
                             "be replayed (annotator check names it).") from None


def _read_changes(conn: sqlite3.Connection, changeset_id: int) -> list[tuple[int, Change]]:
    out = []
    for seq, table, row_id, row_key, op, before, after, blob in conn.execute(
            "SELECT seq, table_name, row_id, row_key, op, before, after, blob FROM changes "
            "WHERE changeset_id = ? ORDER BY seq", (changeset_id,)):
        if table not in KEYS or op not in ("insert", "update", "delete"):
            raise AnnotatorError("a change in the journal is damaged (unknown table).")
        if row_id == BULK_KEY and op == "insert":
            out.append((seq, Change(table, (BULK_KEY,), op, None,
                                    json.loads(after) if after else None, keys=row_key)))
            continue
        key = tuple(json.loads(row_key))
        out.append((seq, Change(table, key, op,
                                _load(before, blob if op == "delete" else None, table),
                                _load(after, blob if op == "insert" else None, table))))
    return out


_NOUNS = {"annotations": "annotation", "documents": "document", "tags": "tag",
          "entities": "entity", "links": "link", "document_links": "document link",
          "authors": "author", "rejected_suggestions": "suggestion", "conflicts": "conflict",
          "relations": "relation", "relation_evidence": "evidence",
          "relation_types": "relation type"}


def describe(changes: list[Change]) -> str:
    """A label for a change set whose caller gave none: "Add annotation", "Edit 3 tags"."""
    for table, noun in _NOUNS.items():
        mine = [c for c in changes if c.table == table]
        if not mine:
            continue
        if all(c.op == "insert" for c in mine):
            verb = "Add"
        elif all(c.op == "update" and (c.after or {}).get("deleted") == 1 for c in mine):
            verb = "Delete"
        elif all(c.op == "update" and (c.after or {}).get("deleted") == 0
                 and "deleted" in (c.before or {}) for c in mine):
            verb = "Restore"
        else:
            verb = "Edit"
        n = sum(len(json.loads(c.keys)) if c.keys else 1 for c in mine)
        plural = "entities" if noun == "entity" else noun + "s"
        return f"{verb} {noun}" if n == 1 else f"{verb} {n} {plural}"
    if any(c.table == "project" for c in changes):
        return "Edit project details"
    return "Change"


# -- reading -------------------------------------------------------------------------

_SELECT = ("SELECT c.id, c.uid, c.label, c.kind, coalesce(a.name, ''), c.created_at, "
           "c.state, (SELECT count(*) FROM changes WHERE changeset_id = c.id) "
           "FROM changesets c LEFT JOIN authors a ON a.id = c.author_id")


def _changeset(row: tuple) -> ChangeSet:
    return ChangeSet(row[0], row[1], row[2], row[3], row[4], row[5], row[6], count=row[7])


def get(conn: sqlite3.Connection, changeset_id: int, *,
        with_changes: bool = False) -> ChangeSet | None:
    row = conn.execute(f"{_SELECT} WHERE c.id = ?", (changeset_id,)).fetchone()
    if row is None:
        return None
    cs = _changeset(row)
    if with_changes:
        cs.changes = [c for _, c in _changes(conn, changeset_id)]
    return cs


def next_undo(conn: sqlite3.Connection) -> ChangeSet | None:
    """The latest action that is done (mechanical updates are not steps of their own)."""
    row = conn.execute(f"{_SELECT} WHERE c.state = 'done' AND c.kind != 'mechanical' "
                       "ORDER BY c.id DESC LIMIT 1").fetchone()
    return _changeset(row) if row else None


def next_redo(conn: sqlite3.Connection) -> ChangeSet | None:
    """The earliest undone action after the last one done."""
    row = conn.execute(f"{_SELECT} WHERE c.state = 'undone' AND c.id > coalesce("
                       "(SELECT max(id) FROM changesets WHERE state = 'done' AND "
                       "kind != 'mechanical'), 0) ORDER BY c.id LIMIT 1").fetchone()
    return _changeset(row) if row else None


def history(conn: sqlite3.Connection, *, row_id: str | None = None,
            limit: int | None = None, with_changes: bool = False) -> list[ChangeSet]:
    """Change sets, newest first; with ``row_id`` only those that touched that row (an
    annotation's history includes its tags, by the annotation id)."""
    if row_id is None:
        sql, args = f"{_SELECT} ORDER BY c.id DESC", []
    else:
        sql = (f"{_SELECT} WHERE c.id IN (SELECT changeset_id FROM changes WHERE row_id = ? "
               "OR (row_id = ? AND instr(row_key, ?))) ORDER BY c.id DESC")
        args = [row_id, BULK_KEY, json.dumps(row_id)]
    if limit:
        sql += f" LIMIT {int(limit)}"
    found = [_changeset(r) for r in conn.execute(sql, args)]
    if with_changes:
        for cs in found:
            cs.changes = []
            for _, c in _changes(conn, cs.id):
                if c.keys is not None:  # a bulk insert: the rows of it that are asked for
                    cs.changes.extend(Change(c.table, tuple(k), "insert", None, None)
                                      for k in json.loads(c.keys)
                                      if row_id is None or str(k[0]) == row_id)
                elif row_id is None or str(c.key[0]) == row_id:
                    cs.changes.append(c)
    return found
