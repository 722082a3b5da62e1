"""Recording a change set: the temporary triggers of one connection, and how their
events fold into one change per row (see :mod:`annotator.core.journal`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from annotator.core import schema
from annotator.core.journal import (
    BLOB_COLUMNS,
    BULK,
    BULK_KEY,
    BULK_ROW,
    KEYS,
    SPLICE,
    SPLICE_OVER,
    Change,
    _row_image,
    bulk_changes,
    reserve,
    staged_seq,
)

#: the page cache of the connection's temporary tables (the journal's events), KiB
TEMP_CACHE_KB = 32 * 1024


@dataclass(frozen=True, slots=True)
class KeysInSQL:
    """New rows' keys as a query that yields one JSON array of them (built by SQLite:
    a merge of a million rows holds no list of them, issue 17). The recorder writes
    that array into the journal at once, as one bulk change of the action."""

    sql: str
    args: tuple = ()


class Recorder:
    """The temporary triggers of one connection and the events they collect."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._installed = False
        self._bulk: dict[str, list] = {}
        self._staged: int | None = None  # the change set bulk changes were written under
        self._staged_n = 0
        self._on: bool | None = None  # the recording flag as last set
        self._triggers: dict[str, str] = {}  # name -> what follows CREATE TEMP TRIGGER name

    def install(self) -> None:
        """Create the temporary event table and triggers (once per connection)."""
        if self._installed:
            return
        c = self.conn
        # the events stay in a page cache of their own and go to a temporary file only
        # beyond it: a merge's before and after images of 110,000 edited rows took
        # ~400 MB in memory (issue 17); an everyday action never leaves the cache
        c.execute("PRAGMA temp_store = FILE")
        c.execute(f"PRAGMA temp.cache_size = {-TEMP_CACHE_KB}")
        c.execute("CREATE TEMP TABLE IF NOT EXISTS journal_events (seq INTEGER PRIMARY KEY, "
                  "tbl TEXT, k1, k2, op TEXT, before TEXT, after TEXT, blob BLOB)")
        c.execute("CREATE TEMP TABLE IF NOT EXISTS journal_state (recording INTEGER)")
        if c.execute("SELECT count(*) FROM temp.journal_state").fetchone()[0] == 0:
            c.execute("INSERT INTO temp.journal_state VALUES (1)")
        for table, keys in KEYS.items():
            cols = list(schema.columns(table))
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
        if self._on is not on:  # one statement less per action when nothing changes
            self.conn.execute("UPDATE temp.journal_state SET recording = ?", (int(on),))
            self._on = on

    def forget(self) -> None:
        """After a rollback: the flag in the database may differ from ours."""
        self._on = None
        self._bulk = {}
        self._staged, self._staged_n = None, 0

    def clear(self) -> None:
        """Drop what was collected (a committed or rolled-back action leaves the event
        table empty anyway: the rows are written inside the action's transaction)."""
        self._bulk = {}
        self._staged, self._staged_n = None, 0

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

    def inserted(self, table: str, keys: Iterable[tuple] | str | KeysInSQL) -> None:
        """New rows written while :meth:`paused`, by key; or a JSON array of their
        keys (a string, or a query that builds it: :class:`KeysInSQL`), written into
        the journal at once as one bulk change, so that what a merge of a million rows
        journals is never held in memory until it commits (issue 17)."""
        if isinstance(keys, str):
            keys = KeysInSQL("SELECT ?", (keys,))
        if isinstance(keys, KeysInSQL):
            self._stage(table, keys)
        else:
            self._bulk.setdefault(table, []).extend(keys)

    def _stage(self, table: str, keys: KeysInSQL) -> None:
        """One bulk change written now, under the change set reserved for the action
        (its seq keeps undo's order: :func:`journal.staged_seq`)."""
        if table in BLOB_COLUMNS:
            raise ValueError(f"{table} rows cannot be journaled by key alone")
        if self._staged is None:
            self._staged = reserve(self.conn)
        # cut into rows of BULK_ROW keys by SQLite (a merge's stretch of 50,000 tag keys
        # was one 4.5 MB row, which every later seek past it read again)
        cur = self.conn.execute(
            "INSERT INTO main.changes (changeset_id, seq, table_name, row_id, row_sub, "
            "row_key, op) SELECT ?, ? + g, ?, ?, '', json_group_array(json(value)), "
            f"'insert' FROM (SELECT k.key / {BULK_ROW} AS g, k.value FROM (SELECT "
            f"({keys.sql}) AS a) CROSS JOIN json_each(a) k WHERE a IS NOT NULL "
            "ORDER BY k.key) GROUP BY g ORDER BY g",
            (self._staged, staged_seq(table, self._staged_n), table, BULK_KEY, *keys.args))
        self._staged_n += max(0, cur.rowcount)

    def take(self) -> list[Change]:
        """The events since :meth:`clear`, folded to one change per row, with the rows
        reported by :meth:`inserted`. Many new rows of one table (an import, a merge)
        become one bulk change that lists their keys."""
        bulk, self._bulk = self._bulk, {}
        staged, self._staged, written = self._staged, None, self._staged_n
        self._staged_n = 0
        changes = self._from_events()
        if staged is not None and not written:  # every array was empty
            self.conn.execute("DELETE FROM changesets WHERE id = ?", (staged,))
        elif staged is not None:  # written already: :func:`journal.store` completes it
            changes.append(Change("project", (staged,), "insert", None, None, staged=True))
        if not bulk:
            return changes
        for table, keys in bulk.items():
            if len(keys) > BULK and table not in BLOB_COLUMNS:
                changes.extend(bulk_changes(table, [list(k) for k in keys]))
            else:
                changes.extend(Change(table, tuple(k), "insert", None, None) for k in keys)
        order = list(KEYS)  # new rows parents first, so undo can go backwards
        inserts = sorted((c for c in changes if c.op == "insert"),
                         key=lambda c: order.index(c.table))
        return inserts + [c for c in changes if c.op != "insert"]

    def _inserts(self, rows: list[tuple]) -> list[Change]:
        """New rows, per table (parents first, so undo can go backwards); more than
        BULK of one table are one bulk change."""
        keys: dict[str, list[list]] = {}
        for tbl, k1, k2, *_ in rows:
            keys.setdefault(tbl, []).append([k1] if len(KEYS[tbl]) == 1 else [k1, k2])
        changes = []
        for tbl in sorted(keys, key=list(KEYS).index):
            found = keys[tbl]
            if len(found) > BULK and tbl not in BLOB_COLUMNS:
                changes.extend(bulk_changes(tbl, found))
            else:
                changes.extend(Change(tbl, tuple(k), "insert", None, None) for k in found)
        return changes

    def _from_events(self) -> list[Change]:
        c = self.conn
        if c.execute("SELECT 1 FROM temp.journal_events LIMIT 1").fetchone() is None:
            return []
        if c.execute("SELECT 1 FROM temp.journal_events WHERE op != 'i' LIMIT 1").fetchone() \
                is None:  # only new rows: every key occurs once
            rows = c.execute("SELECT tbl, k1, k2 FROM temp.journal_events ORDER BY seq").fetchall()
            c.execute("DELETE FROM temp.journal_events")
            return self._inserts(rows)
        # each row's first before and last after, folded by SQLite and read one row at a
        # time: a merge's 110,000 edited rows were held twice in Python (issue 17)
        changes = [change for row in c.execute(
            "SELECT f.tbl, f.k1, f.k2, f.op, f.before, f.blob, l.op, l.after FROM (SELECT "
            "min(seq) AS first, max(seq) AS last FROM temp.journal_events GROUP BY tbl, k1, "
            "k2) g JOIN temp.journal_events f ON f.seq = g.first JOIN temp.journal_events l "
            "ON l.seq = g.last ORDER BY g.first") if (change := self._net(*row)) is not None]
        c.execute("DELETE FROM temp.journal_events")
        return changes

    def _net(self, tbl: str, k1: object, k2: object, first: str, before: str | None,
             blob: bytes | None, last: str, after: str | None) -> Change | None:
        """One row's change from its first and its last event in the action."""
        key = (k1,) if k2 is None and len(KEYS[tbl]) == 1 else (k1, k2)
        existed, exists = first != "i", last != "d"
        if not existed and not exists:
            return None
        if not existed:
            return Change(tbl, key, "insert", None, None)
        old = json.loads(before)
        if blob is not None:
            old[BLOB_COLUMNS[tbl]] = blob
        if not exists:
            return Change(tbl, key, "delete", old, None)
        if first == "d":  # deleted, then inserted again under the same key
            new = _row_image(self.conn, tbl, key, list(schema.columns(tbl)))
            return Change(tbl, key, "update", *_diff(old, new or {}))
        if after is None:  # updated then replaced: read what is there now
            new = _row_image(self.conn, tbl, key, list(schema.columns(tbl))) or {}
        else:
            new = json.loads(after)
        b, a = _diff(old, new)
        return Change(tbl, key, "update", b, a) if b else None


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
