"""Rejected suggestions kept under the keys of an older name fold, moved to today's.

A rejection is remembered by a hash of the folded name (suggestions.suggestion_key);
when the fold changes (format 4: anyascii transliteration), the old keys would no longer
match and every rejected name would come back. The schema migration calls
:func:`rekey_rejections` once.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from annotator.core import names
from annotator.core.suggestions import _digest

#: names.fold of schema 3 and before, frozen: only to recognise the keys it made (it
#: left Cyrillic, Greek, Georgian and Armenian as they were).
_V3_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d",
                             "ı": "i", "ð": "d", "þ": "th", "ə": "a", "ʼ": "", "’": "",
                             "'": ""})
_NAME_LABEL = re.compile(r"New [^“]*“(.*)”", re.S)
_ALIAS_LABEL = re.compile(r"“([^”]*)” as another spelling of ", re.S)


def _fold_v3(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_V3_LETTERS))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def rekeyed(conn: sqlite3.Connection, key: str, kind: str, label: str) -> str:
    """The key today's fold gives a rejection of a name or an alias that an older fold
    stored under ``key``; ``key`` itself when it cannot tell. The row keeps no quote,
    so it is read back from the label, and the old key must confirm it (and, for an
    alias, tell which entity it was: the label names the entity as it was called)."""
    m = (_NAME_LABEL.fullmatch(label) if kind == "name" else
         _ALIAS_LABEL.match(label) if kind == "alias" else None)
    if m is None:
        return key
    quote = m.group(1)
    targets = [""]
    if kind == "alias":
        rows = conn.execute("SELECT id, name FROM entities").fetchall()
        targets = [i for i, name in sorted(rows, key=lambda r: f"of {r[1]} (" not in label)]
    old = _fold_v3(quote)
    for target in targets:
        if _digest(kind, target, old) == key:
            return _digest(kind, target, names.fold(quote))
    return key


def rekey_rejections(conn: sqlite3.Connection) -> int:
    """Move the remembered rejections of names and aliases to the keys of today's
    fold, so that changing the fold brings back nothing the scholar said no to. Two
    rows that now share a key become one: the earlier creation, and the state, label
    and document of the later change (as a merge of colleagues' rejections does). Runs
    in the caller's transaction (a schema migration); the value is how many rows moved."""
    rows = conn.execute("SELECT key, kind, label FROM rejected_suggestions "
                        "WHERE kind IN ('name', 'alias')").fetchall()
    moved = 0
    for key, kind, label in rows:
        new = rekeyed(conn, key, kind, label)
        if new == key:
            continue
        moved += 1
        columns = "document_id, label, created_at, modified_at, deleted"
        mine = conn.execute(f"SELECT {columns} FROM rejected_suggestions WHERE key = ?",
                            (key,)).fetchone()
        there = conn.execute(f"SELECT {columns} FROM rejected_suggestions WHERE key = ?",
                             (new,)).fetchone()
        if there is None:
            conn.execute("UPDATE rejected_suggestions SET key = ? WHERE key = ?", (new, key))
            continue
        later = max(mine, there, key=lambda r: r[3])
        conn.execute("UPDATE rejected_suggestions SET document_id = ?, label = ?, "
                     "created_at = ?, modified_at = ?, deleted = ? WHERE key = ?",
                     (later[0], later[1], min(mine[2], there[2]), later[3], later[4], new))
        conn.execute("DELETE FROM rejected_suggestions WHERE key = ?", (key,))
    return moved
