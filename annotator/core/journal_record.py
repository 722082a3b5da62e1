"""Recording a change set: the temporary triggers of one connection, and how their
events fold into one change per row (see :mod:`annotator.core.journal`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from annotator.core import schema
from annotator.core.journal import (
    BLOB_COLUMNS,
    BULK,
    BULK_KEY,
    KEYS,
    SPLICE,
    SPLICE_OVER,
    Change,
    _row_image,
)


class Recorder:
    """The temporary triggers of one connection and the events they collect."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._installed = False
        self._bulk: dict[str, list] = {}
        self._bulk_json: list[tuple[str, str]] = []  # (table, JSON array of keys)
        self._on: bool | None = None  # the recording flag as last set
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
        self._bulk_json = []

    def clear(self) -> None:
        """Drop what was collected (a committed or rolled-back action leaves the event
        table empty anyway: the rows are written inside the action's transaction)."""
        self._bulk = {}
        self._bulk_json = []

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

    def inserted(self, table: str, keys: Iterable[tuple] | str) -> None:
        """New rows written while :meth:`paused`, by key; or, as a string, a JSON array
        of their keys that the writer built in SQL (a merge of a million rows then
        holds no list of them: issue 17), stored as it is as one bulk change."""
        if isinstance(keys, str):
            self._bulk_json.append((table, keys))
        else:
            self._bulk.setdefault(table, []).extend(keys)

    def take(self) -> list[Change]:
        """The events since :meth:`clear`, folded to one change per row, with the rows
        reported by :meth:`inserted`. Many new rows of one table (an import, a merge)
        become one bulk change that lists their keys."""
        bulk, self._bulk = self._bulk, {}
        encoded, self._bulk_json = self._bulk_json, []
        changes = self._from_events()
        changes += [Change(table, (BULK_KEY,), "insert", None, None, keys=keys)
                    for table, keys in encoded]
        if not bulk and not encoded:
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
                changes.append(Change(tbl, (BULK_KEY,), "insert", None, None,
                                      keys=json.dumps(found)))
            else:
                changes.extend(Change(tbl, tuple(k), "insert", None, None) for k in found)
        return changes

    def _from_events(self) -> list[Change]:
        rows = self.conn.execute(
            "SELECT tbl, k1, k2, op, before, after, blob FROM temp.journal_events ORDER BY seq"
        ).fetchall()
        if not rows:
            return []
        self.conn.execute("DELETE FROM temp.journal_events")
        if all(r[3] == "i" for r in rows):  # only new rows: every key occurs once
            return self._inserts(rows)
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
                new = _row_image(self.conn, tbl, key, list(schema.columns(tbl)))
                changes.append(Change(tbl, key, "update", *_diff(old, new or {})))
                continue
            if after is None:  # updated then replaced: read what is there now
                new = _row_image(self.conn, tbl, key, list(schema.columns(tbl))) or {}
            else:
                new = json.loads(after)
            b, a = _diff(old, new)
            if b:
                changes.append(Change(tbl, key, "update", b, a))
        return changes

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
