"""Undo and redo: a change set replayed backwards or forwards, field by field (see
:mod:`annotator.core.journal`)."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from annotator.core import schema
from annotator.core.errors import AnnotatorError
from annotator.core.journal import (
    KEYS,
    ChangeSet,
    NothingToUndo,
    _changes,
    _dump,
    _row_image,
    _where,
    get,
)
from annotator.core.journal_record import _spliced
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project


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
            # the row as it was; a row only partly put back is a change made now; a
            # mechanical change (re-anchoring) that kept modified_at is undone keeping it
            if skipped:
                assign["modified_at"] = self.stamp
            elif "modified_at" in target:
                assign["modified_at"] = target["modified_at"]
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
