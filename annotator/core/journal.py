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
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core import schema
from annotator.core.changes import OpChanges
from annotator.core.errors import AnnotatorError
from annotator.core.util import new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

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
}
#: Columns that are bytes, not JSON-able: kept in the ``blob`` column of a change.
BLOB_COLUMNS = {"document_data": "data"}
#: What each table's rows are, for OpChanges (the row's first key column is the id).
_CHANGE_KIND = {
    "documents": "documents", "document_data": "documents", "pages": "documents",
    "document_links": "document_links", "tags": "tags", "entities": "entities",
    "annotations": "annotations", "annotation_tags": "annotations", "links": "links",
    "authors": "authors",
}
KINDS = ("edit", "merge", "import", "mechanical")
#: More new rows of one table than this in one action are kept as one bulk change
#: (their keys in one JSON list): a 100,000-row import costs one journal row, not 100,000.
BULK = 64
#: The row_id of a bulk change.
BULK_KEY = "*"


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


# -- recording -----------------------------------------------------------------------


class Recorder:
    """The temporary triggers of one connection and the events they collect."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.columns: dict[str, list[str]] = {}
        self._installed = False
        self._bulk: dict[str, list] = {}
        self._triggers: dict[str, str] = {}  # name -> what follows CREATE TEMP TRIGGER name

    def install(self) -> None:
        """Create the temporary event table and triggers (once per connection)."""
        if self._installed:
            return
        c = self.conn
        c.execute("PRAGMA temp_store = MEMORY")  # the events never touch the disk
        c.execute("CREATE TEMP TABLE IF NOT EXISTS journal_events (seq INTEGER PRIMARY KEY, "
                  "tbl TEXT, k1, k2, op TEXT, before TEXT, after TEXT, blob BLOB)")
        c.execute("CREATE TEMP TABLE IF NOT EXISTS journal_state (recording INTEGER)")
        if c.execute("SELECT count(*) FROM temp.journal_state").fetchone()[0] == 0:
            c.execute("INSERT INTO temp.journal_state VALUES (1)")
        for table, keys in KEYS.items():
            cols = list(schema.columns(table))
            self.columns[table] = cols
            blob = BLOB_COLUMNS.get(table)
            plain = [col for col in cols if col != blob]
            k = [f"{{row}}.{keys[0]}", f"{{row}}.{keys[1]}" if len(keys) > 1 else "NULL"]

            def image(row: str, plain: list[str] = plain) -> str:
                return "json_object(" + ", ".join(f"'{col}', {row}.{col}" for col in plain) + ")"

            when = "WHEN (SELECT recording FROM journal_state)"
            ins = "INSERT INTO journal_events (tbl, k1, k2, op, before, after, blob) VALUES"
            key_new = ", ".join(x.format(row="NEW") for x in k)
            key_old = ", ".join(x.format(row="OLD") for x in k)
            blob_old = f"OLD.{blob}" if blob else "NULL"
            self._triggers[f"journal_{table}_i"] = (
                f"AFTER INSERT ON main.{table} {when} BEGIN {ins} ('{table}', {key_new}, 'i', "
                "NULL, NULL, NULL); END")
            self._triggers[f"journal_{table}_u"] = (
                f"AFTER UPDATE ON main.{table} {when} BEGIN {ins} ('{table}', {key_old}, 'u', "
                f"{image('OLD')}, {image('NEW')}, NULL); END")
            self._triggers[f"journal_{table}_d"] = (
                f"AFTER DELETE ON main.{table} {when} BEGIN {ins} ('{table}', {key_old}, 'd', "
                f"{image('OLD')}, NULL, {blob_old}); END")
        self._create_triggers()
        # REPLACE deletes the old row: recursive triggers make that delete visible.
        c.execute("PRAGMA recursive_triggers = ON")
        self._installed = True

    def _create_triggers(self) -> None:
        for name, body in self._triggers.items():
            self.conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {name} {body}")

    def _drop_triggers(self) -> None:
        for name in self._triggers:
            self.conn.execute(f"DROP TRIGGER IF EXISTS temp.{name}")

    def recording(self, on: bool) -> None:
        self.conn.execute("UPDATE temp.journal_state SET recording = ?", (int(on),))

    def clear(self) -> None:
        self.conn.execute("DELETE FROM temp.journal_events")
        self._bulk: dict[str, list] = {}

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No trigger records what is written inside (the writer reports the keys it
        inserted with :meth:`inserted`): the triggers are dropped meanwhile, because
        even one that records nothing costs ~7 µs a row (bulk-insert benchmark)."""
        self._drop_triggers()
        try:
            yield
        finally:
            self._create_triggers()

    def inserted(self, table: str, keys: Iterable[tuple]) -> None:
        """New rows written while :meth:`paused`, by key."""
        self._bulk.setdefault(table, []).extend(keys)

    def take(self) -> list[Change]:
        """The events since :meth:`clear`, folded to one change per row, with the rows
        reported by :meth:`inserted`. Many new rows of one table (an import, a merge)
        become one bulk change that lists their keys."""
        bulk, self._bulk = self._bulk, {}
        changes = self._from_events()
        if not bulk:
            return changes
        for table, keys in bulk.items():
            if len(keys) > BULK and table not in BLOB_COLUMNS:
                changes.append(Change(table, (BULK_KEY,), "insert", None, None,
                                      keys=json.dumps([list(k) for k in keys])))
            else:
                changes.extend(Change(table, tuple(k), "insert", None, None) for k in keys)
        order = list(KEYS)  # new rows parents first, so undo can go backwards
        inserts = sorted((c for c in changes if c.op == "insert"),
                         key=lambda c: order.index(c.table))
        return inserts + [c for c in changes if c.op != "insert"]

    def _from_events(self) -> list[Change]:
        c = self.conn
        if c.execute("SELECT NOT EXISTS (SELECT 1 FROM temp.journal_events "
                     "WHERE op != 'i')").fetchone()[0]:
            # only inserts (the common bulk case): every key occurs once, grouped in SQL
            found = c.execute(
                "SELECT tbl, count(*), CASE WHEN count(k2) THEN json_group_array(json_array("
                "k1, k2)) ELSE json_group_array(json_array(k1)) END, min(seq) "
                "FROM temp.journal_events GROUP BY tbl").fetchall()
            self.clear()
            changes = []
            order = list(KEYS)  # parents before children, so undo can go backwards
            for tbl, n, keys, _ in sorted(found, key=lambda f: order.index(f[0])):
                if n > BULK and tbl not in BLOB_COLUMNS:
                    changes.append(Change(tbl, (BULK_KEY,), "insert", None, None,
                                          keys=keys))
                else:
                    changes.extend(Change(tbl, tuple(k), "insert", None, None)
                                   for k in json.loads(keys))
            return changes
        rows = c.execute(
            "SELECT tbl, k1, k2, op, before, after, blob FROM temp.journal_events ORDER BY seq"
        ).fetchall()
        self.clear()
        if not rows:
            return []
        # table, key -> [op of first event, before, op of last event, after, blob]
        net: dict[tuple, list] = {}
        for tbl, k1, k2, op, before, after, blob in rows:
            key = (tbl, (k1,) if k2 is None and len(KEYS[tbl]) == 1 else (k1, k2))
            entry = net.get(key)
            if entry is None:
                net[key] = [op, before, op, after, blob]
            else:
                entry[2], entry[3] = op, after
        changes = []
        for (tbl, key), (first, before, last, after, blob) in net.items():
            existed, exists = first != "i", last != "d"
            if not existed and not exists:
                continue
            if not existed:
                changes.append(Change(tbl, key, "insert", None, None))
                continue
            old = json.loads(before)
            if blob is not None:
                old[BLOB_COLUMNS[tbl]] = blob
            if not exists:
                changes.append(Change(tbl, key, "delete", old, None))
                continue
            if first == "d":  # deleted, then inserted again under the same key
                new = _row_image(self.conn, tbl, key, self.columns[tbl])
                changes.append(Change(tbl, key, "update", *_diff(old, new or {})))
                continue
            if after is None:  # updated then replaced: read what is there now
                new = _row_image(self.conn, tbl, key, self.columns[tbl]) or {}
            else:
                new = json.loads(after)
            b, a = _diff(old, new)
            if b:
                changes.append(Change(tbl, key, "update", b, a))
        return changes


#: A text longer than this that an update changed is kept as the changed stretch only
#: (a splice), so correcting one word of a 5 MB transcription costs bytes, not 10 MB.
SPLICE_OVER = 4096
SPLICE = "$splice"


def _diff(old: dict, new: dict) -> tuple[dict, dict]:
    cols = [c for c in new if old.get(c) != new.get(c)]
    before, after = {}, {}
    for c in cols:
        a, b = old.get(c), new[c]
        if isinstance(a, str) and isinstance(b, str) and max(len(a), len(b)) > SPLICE_OVER:
            before[c], after[c] = _splice(a, b)
        else:
            before[c], after[c] = a, b
    return before, after


def _splice(a: str, b: str) -> tuple[dict, dict]:
    """The stretch where ``a`` and ``b`` differ, as {"$splice": [head, tail, middle]}:
    both sides keep ``head`` characters at the start and ``tail`` at the end."""
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    return ({SPLICE: [head, tail, a[head:len(a) - tail]]},
            {SPLICE: [head, tail, b[head:len(b) - tail]]})


def _spliced(current: object, expected: object, target: object) -> tuple[bool, object]:
    """Does ``current`` hold ``expected``, and the value ``target`` makes of it. Plain
    values compare as they are; splices compare and replace the changed stretch."""
    if not (isinstance(expected, dict) and SPLICE in expected):
        return current == expected, target
    if not isinstance(current, str) or not isinstance(target, dict):
        return False, None
    head, tail, middle = expected[SPLICE]
    end = len(current) - tail
    if len(current) != head + len(middle) + tail or current[head:end] != middle:
        return False, None
    return True, current[:head] + target[SPLICE][2] + current[end:]


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
          author_id: str | None, coalesce: str = "") -> int:
    """Write one change set (inside the caller's transaction) and return its id. A new
    action ends the redo chain: change sets that were undone can no longer be redone."""
    if kind not in KINDS:
        raise ValueError(f"unknown change set kind {kind!r}")
    conn.execute("UPDATE changesets SET state = 'dropped' WHERE state = 'undone'")
    spliced = any(isinstance(v, dict) and SPLICE in v
                  for c in changes for v in (c.after or {}).values()
                  if isinstance(c.after, dict))
    if coalesce and not spliced:  # two splices of one text do not fold into one
        last = conn.execute("SELECT id, coalesce_key, state, author_id FROM changesets "
                            "ORDER BY id DESC LIMIT 1").fetchone()
        if last and last[1] == coalesce and last[2] == "done" and last[3] == author_id:
            _fold_into(conn, last[0], changes)
            return last[0]
    cur = conn.execute(
        "INSERT INTO changesets (uid, label, kind, author_id, created_at, state, coalesce_key) "
        "VALUES (?, ?, ?, ?, ?, 'done', ?)",
        (new_id(), label or describe(changes), kind, author_id, now(), coalesce))
    changeset_id = int(cur.lastrowid)  # type: ignore[arg-type]
    _insert(conn, changeset_id, 0, changes)
    return changeset_id


def _insert(conn: sqlite3.Connection, changeset_id: int, first_seq: int,
            changes: list[Change]) -> None:
    def rows():
        for seq, c in enumerate(changes, first_seq):
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
          "authors": "author", "rejected_suggestions": "suggestion"}


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


# -- undo and redo -------------------------------------------------------------------


class _Applier:
    """Writes images back field by field; counts what a later action had changed."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.stamp = now()
        self.skipped = 0
        self._cols: dict[str, list[str]] = {}

    def cols(self, table: str) -> list[str]:
        if table not in self._cols:
            self._cols[table] = list(schema.columns(table))
        return self._cols[table]

    def current(self, table: str, key: tuple) -> dict | None:
        return _row_image(self.conn, table, key, self.cols(table))

    def set_fields(self, table: str, key: tuple, target: dict, expected: dict) -> None:
        """Set each column to ``target`` where it still holds ``expected``."""
        row = self.current(table, key)
        if row is None:
            self.skipped += 1
            return
        cols = self.cols(table)
        assign, skipped = {}, 0
        for col, value in target.items():
            if col not in cols or col == "modified_at":
                continue
            holds, new = _spliced(row.get(col), expected.get(col), value)
            if not holds:
                skipped += 1  # a later action changed it: leave its value
                continue
            assign[col] = new
        if "modified_at" in cols and (assign or "modified_at" in target):
            # the row as it was; a row only partly put back is a change made now
            assign["modified_at"] = target.get("modified_at") if not skipped else self.stamp
        self.skipped += skipped
        if assign:
            self.conn.execute(
                f"UPDATE main.{table} SET {', '.join(f'{c} = ?' for c in assign)} "
                f"WHERE {_where(table)}", (*assign.values(), *key))

    def put(self, table: str, key: tuple, image: dict) -> None:
        """Make the row exist with ``image`` (its key included)."""
        cols = self.cols(table)
        image = {c: v for c, v in image.items() if c in cols}
        if self.current(table, key) is not None:
            rest = {c: v for c, v in image.items() if c not in KEYS[table]}
            self.conn.execute(f"UPDATE main.{table} SET {', '.join(f'{c} = ?' for c in rest)} "
                              f"WHERE {_where(table)}", (*rest.values(), *key))
        else:
            self.conn.execute(f"INSERT INTO main.{table} ({', '.join(image)}) "
                              f"VALUES ({', '.join('?' * len(image))})", tuple(image.values()))

    def _match(self, table: str) -> str:
        """``(key columns) IN`` the keys of a JSON list of key arrays (bound as ?)."""
        keys = KEYS[table]
        parts = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(keys)))
        return f"({', '.join(keys)}) IN (SELECT {parts} FROM json_each(?))"

    def remove_many(self, table: str, keys: str) -> str:
        """Delete the rows of a bulk insert, set-wise; return their images (a JSON list)
        so redo can put them back. Rows still in use elsewhere go one by one."""
        cols = self.cols(table)
        image = "json_object(" + ", ".join(f"'{c}', {c}" for c in cols) + ")"
        rows = self.conn.execute(f"SELECT json_group_array({image}) FROM main.{table} "
                                 f"WHERE {self._match(table)}", (keys,)).fetchone()[0]
        self.conn.execute("SAVEPOINT journal_remove")
        try:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {self._match(table)}", (keys,))
            self.conn.execute("RELEASE journal_remove")
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK TO journal_remove")
            self.conn.execute("RELEASE journal_remove")
            for key in json.loads(keys):
                self.remove(table, tuple(key))
        return rows or "[]"

    def put_many(self, table: str, rows: list) -> None:
        """Insert the rows a bulk undo took away (those not back already)."""
        cols = self.cols(table)
        values = ", ".join(f"json_extract(value, '$.{c}')" for c in cols)
        self.conn.execute(f"INSERT OR IGNORE INTO main.{table} ({', '.join(cols)}) "
                          f"SELECT {values} FROM json_each(?)", (json.dumps(rows),))

    def remove(self, table: str, key: tuple) -> dict | None:
        """Delete the row and return its image; a row that something outside this change
        set still refers to is tombstoned instead (its image then says so)."""
        image = self.current(table, key)
        if image is None:
            return None
        self.conn.execute("SAVEPOINT journal_remove")
        try:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {_where(table)}", key)
            self.conn.execute("RELEASE journal_remove")
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK TO journal_remove")
            self.conn.execute("RELEASE journal_remove")
            if "deleted" not in image:
                raise AnnotatorError(f"a {table} row is still in use elsewhere; it cannot be "
                                     "taken back.") from None
            self.conn.execute(f"UPDATE main.{table} SET deleted = 1, modified_at = ? "
                              f"WHERE {_where(table)}", (self.stamp, *key))
        return image


def apply(project: Project, changeset_id: int, *, backwards: bool) -> tuple[ChangeSet, int]:
    """Undo (``backwards``) or redo one change set in one transaction; returns it and
    the number of fields left alone because a later action had changed them."""
    conn = project.conn
    cs = get(conn, changeset_id, with_changes=True)
    if cs is None:
        raise NothingToUndo(f"there is no change {changeset_id} in this project.")
    want = "done" if backwards else "undone"
    if cs.state != want:
        raise NothingToUndo(f"“{cs.label}” is {cs.state}, so it cannot be "
                            f"{'undone' if backwards else 'redone'}.")
    author_id = conn.execute("SELECT author_id FROM changesets WHERE id = ?",
                             (changeset_id,)).fetchone()[0]
    with project.transaction(record=False):
        a = _Applier(conn)
        numbered = _changes(conn, changeset_id)
        for seq, c in (reversed(numbered) if backwards else numbered):
            if c.keys is not None:  # a bulk insert
                if backwards:
                    rows = a.remove_many(c.table, c.keys)
                    if c.after is None:
                        conn.execute("UPDATE changes SET after = ? WHERE changeset_id = ? "
                                     "AND seq = ?", (rows, cs.id, seq))
                elif c.after is not None:
                    a.put_many(c.table, c.after)
                continue
            if backwards:
                if c.op == "insert" and c.table == "authors" and c.key[0] == author_id:
                    continue  # who did it stays known: history refers to its author
                if c.op == "insert":
                    image = a.remove(c.table, c.key)
                    if image is not None and c.after is None:
                        c.after = image
                        after, blob = _dump(image, c.table)
                        conn.execute("UPDATE changes SET after = ?, blob = ? WHERE "
                                     "changeset_id = ? AND seq = ?",
                                     (after, blob, cs.id, seq))
                elif c.op == "update":
                    a.set_fields(c.table, c.key, c.before or {}, c.after or {})
                else:
                    a.put(c.table, c.key, c.before or {})
            else:
                if c.op == "insert":
                    if c.after is None:
                        if a.current(c.table, c.key) is None:
                            a.skipped += 1
                        continue
                    a.put(c.table, c.key, c.after)
                elif c.op == "update":
                    a.set_fields(c.table, c.key, c.after or {}, c.before or {})
                else:
                    a.remove(c.table, c.key)
        conn.execute("UPDATE changesets SET state = ? WHERE id = ?",
                     ("undone" if backwards else "done", cs.id))
        cs.state = "undone" if backwards else "done"
    return cs, a.skipped


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
