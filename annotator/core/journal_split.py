"""Bulk changes of older journals split into rows of bounded size (issue 17).

``changes`` is a WITHOUT ROWID table: a seek in its b-tree compares the key it looks
for with whole cells, overflow pages and all. Before ``journal.BULK_ROW``, an import of
a million annotations journaled their keys as one row (42 MB, and 93 MB for their
tags), and every later action read those rows again on its way into the journal
(50-150 ms an action at 1M). The first time such a file is opened writable, each
change set holding a bulk row of more keys is rewritten with its bulk rows cut into
rows of BULK_ROW keys, in the same order, in one transaction (a kill leaves the
journal as it was). A mark in the user's cache folder (beside the records of
:mod:`verified`, never in the file: opening must not change a project's rows) says
it was done for the file at that path, so later opens of that file as we left it look
no further. A file put there since (a restored backup, a copy) is not the one we left
(:mod:`verified`'s fingerprint): it is looked at again, its journal read once more (a
fraction of a second at 1M, beside the full checks such a file gets anyway). What a
change set undoes and redoes is unchanged: a bulk change
is the set of its keys, read from all of its rows. A bulk row that was undone holds
its rows' images in ``after`` and is left whole; a row whose JSON does not parse (a
damaged or crafted journal) is left for undo to refuse with its message.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core import journal, verified
from annotator.core.journal import BULK_KEY

if TYPE_CHECKING:
    from annotator.core.project import Project

#: a bulk row longer than this (characters of JSON) is cut; ~40-80 a key
LONGER_THAN = 250_000

_BIG = "row_id = ? AND op = 'insert' AND after IS NULL AND length(row_key) > ?"
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def bound_bulk_rows(project: Project, as_left: bool = True) -> int:
    """Split the oversized bulk rows of a writable project's journal, once; returns the
    number of change sets rewritten. ``as_left``: the file is the one we closed last
    (:func:`verified.is_verified`), so the mark speaks for it; a file changed, copied
    or restored since is looked at again whatever the mark says."""
    conn = project.conn
    mark = marker(project.path)
    if project.read_only or (as_left and mark.exists()):
        return 0
    size, done = journal.BULK_ROW, 0
    with project.transaction(record=False):  # the journal's own layout: no undo step
        found = [r[0] for r in conn.execute(
            f"SELECT DISTINCT changeset_id FROM changes WHERE {_BIG}", (BULK_KEY, LONGER_THAN))]
        for changeset_id in found:
            done += _split(conn, changeset_id, size)
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.touch()
    except OSError:
        pass  # looked at again next time
    return done


def marker(path: Path) -> Path:
    """Where the mark for the project file at ``path`` lives."""
    return verified.cache_dir() / "journal-split" / f"{verified.path_key(path)}-{journal.BULK_ROW}"


def _split(conn: sqlite3.Connection, changeset_id: int, size: int) -> bool:
    """Rewrite one change set's rows in their order, its oversized bulk rows cut into
    rows of ``size`` keys; seq numbered afresh from 0 (only their order is read). A
    bulk row that is not a JSON array leaves the change set as it was (False)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS journal_split (n INTEGER PRIMARY KEY, "
                 "table_name, row_id, row_sub, row_key, op, before, after, blob)")
    try:
        rows = conn.execute(f"SELECT seq, {_BIG} FROM changes WHERE changeset_id = ? "
                            "ORDER BY seq", (BULK_KEY, LONGER_THAN, changeset_id)).fetchall()
        for seq, big in rows:
            if big:
                table, sub, keys = conn.execute(
                    "SELECT table_name, row_sub, row_key FROM changes WHERE changeset_id = ? "
                    "AND seq = ?", (changeset_id, seq)).fetchone()
                conn.executemany(
                    "INSERT INTO temp.journal_split (table_name, row_id, row_sub, row_key, op) "
                    "VALUES (?, ?, ?, ?, 'insert')",
                    ((table, BULK_KEY, sub, part) for part in _parts(keys, size)))
            else:
                conn.execute(
                    "INSERT INTO temp.journal_split (table_name, row_id, row_sub, row_key, op, "
                    "before, after, blob) SELECT table_name, row_id, row_sub, row_key, op, "
                    "before, after, blob FROM main.changes WHERE changeset_id = ? AND seq = ?",
                    (changeset_id, seq))
        conn.execute("DELETE FROM main.changes WHERE changeset_id = ?", (changeset_id,))
        conn.execute(
            "INSERT INTO main.changes (changeset_id, seq, table_name, row_id, row_sub, row_key, "
            "op, before, after, blob) SELECT ?, n - (SELECT min(n) FROM temp.journal_split), "
            "table_name, row_id, row_sub, row_key, op, before, after, blob "
            "FROM temp.journal_split ORDER BY n", (changeset_id,))
        return True
    except (ValueError, TypeError, RecursionError):  # not a JSON array of keys (nested
        return False  # without end in a crafted file): undo will say so
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.journal_split")


def _parts(text: str, size: int) -> Iterator[str]:
    """The JSON array ``text`` as arrays of ``size`` elements, each as it was written
    (one element decoded at a time: a million keys are never all objects at once)."""
    if not isinstance(text, str):
        raise TypeError("a bulk change's keys are JSON text")
    i = _SPACE.match(text, 0).end()
    if text[i:i + 1] != "[":
        raise ValueError("not a JSON array")
    i = _SPACE.match(text, i + 1).end()
    if text[i:i + 1] == "]":
        return
    part: list[str] = []
    while True:
        _, end = _DECODER.raw_decode(text, i)
        part.append(text[i:end])
        if len(part) == size:
            yield "[" + ",".join(part) + "]"
            part = []
        i = _SPACE.match(text, end).end()
        if text[i:i + 1] == ",":
            i = _SPACE.match(text, i + 1).end()
        elif text[i:i + 1] == "]":
            break
        else:
            raise ValueError("not a JSON array")
    if part:
        yield "[" + ",".join(part) + "]"
