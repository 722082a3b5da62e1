"""The row level of a merge (:mod:`annotator.core.merge`): a colleague's project file,
attached as ``theirs``, read as hostile input (every value of its declared type, within
bounds, JSON that parses and nests no deeper than util.loads reads, timestamps not
from the future, text that was not UTF-8 marked), and our rows written (the change
journal records them, so the merge can be undone as one step).

The per-table policy (what matches what, who wins) is in ``project_tables``; merge.py
checks, attaches and detaches the file. Nothing here opens a file or runs outside the
merge's transaction.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from annotator.core import schema
from annotator.core.changes import OpChanges
from annotator.core.util import too_deep

if TYPE_CHECKING:
    from annotator.core.merge import MergeReport
    from annotator.core.project import Project

_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
_ID = re.compile(r"[0-9A-Za-z{}._:-]{1,100}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_ENUMS = {("documents", "kind"): {"text", "paged"}, ("tags", "kind"): {"entity_type", "theme"},
          ("annotations", "anchor_state"): {"ok", "moved", "orphaned"},
          ("conflicts", "winner"): {"mine", "theirs"},
          ("conflicts", "resolution"): {"open", "mine", "theirs", "both"},
          ("conflicts", "table_name"): {"authors", "tags", "entities", "documents",
                                        "document_links", "annotations", "links",
                                        "relation_types", "relations",
                                        "relation_evidence"}}
_JSON = {"metadata": dict, "aliases": list, "identifiers": dict, "alignment": dict,
         "words": list, "quads": list, "mine": dict, "theirs": dict}
_CAPS = {"text": 200_000_000, "note": 1_000_000, "exact": 1_000_000, "words": 50_000_000,
         "metadata": 1_000_000, "description": 100_000, "prefix": 1000, "suffix": 1000,
         "mine": 200_000_000, "theirs": 200_000_000, "mine_author": 1000,
         "theirs_author": 1000}
#: columns a newer row overwrites (the rest — id, created_at, the bytes — never change)
_UPDATE = {
    "authors": ("name", "color", "modified_at", "deleted"),
    "tags": ("name", "color", "shortcut", "description", "parent_id", "position",
             "modified_at", "deleted"),
    "entities": ("type_id", "name", "aliases", "identifiers", "description", "dates",
                 "modified_at", "deleted"),
    "documents": ("title", "language", "metadata", "text", "modified_at", "deleted"),
    "document_links": ("relation", "alignment", "modified_at", "deleted"),
    "annotations": ("author_id", "start_offset", "end_offset", "exact", "prefix", "suffix",
                    "page", "x", "y", "w", "h", "quads", "note", "color", "entity_id",
                    "date_value", "anchor_state", "modified_at", "deleted"),
    "links": ("relation", "note", "modified_at", "deleted"),
    "rejected_suggestions": ("kind", "document_id", "label", "modified_at", "deleted"),
    "conflicts": ("resolution", "modified_at", "deleted"),  # settling one travels
    "relation_types": ("name", "color", "description", "position", "modified_at", "deleted"),
    "relations": ("relation_type_id", "source_id", "target_id", "date_value", "note",
                  "modified_at", "deleted"),
    "relation_evidence": ("modified_at", "deleted"),
}
#: what a merge (and its undo) writes; rejected_suggestions only from format 2 on,
#: conflicts from format 5 on
MERGED_TABLES = tuple(_UPDATE)


class Garbled(str):
    """Text of theirs that was not UTF-8, read with U+FFFD where its bad bytes were. A
    new row may bring it in so repaired (and says so); it never replaces text of ours:
    compared as text it would even win a tie, U+FFFD sorting after every letter."""


def garbled_text(raw: bytes) -> str:
    """The text factory while their file is attached: bad bytes marked, not fatal."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Garbled(raw.decode("utf-8", "replace"))


_PY_TYPES = {"INTEGER": (int,), "REAL": (float, int), "TEXT": (str, Garbled),
             "BLOB": (bytes,)}


#: the SQLite storage classes a value of each declared type may have, as _PY_TYPES
_SQL_TYPES = {"INTEGER": "'integer'", "REAL": "'real', 'integer'", "TEXT": "'text'",
              "BLOB": "'blob'"}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Reject(Exception):
    """A row of theirs that cannot be merged; the message says why."""


def _json_is(text: str, kind: type) -> bool:
    """``text`` is JSON of ``kind``, nested no deeper than any reader of ours allows."""
    try:
        return not too_deep(text) and isinstance(json.loads(text), kind)
    except (ValueError, RecursionError):
        return False


def garbled(row: dict) -> list[str]:
    """The columns of their row whose text was not UTF-8 (rare: looked for in C first)."""
    if Garbled not in map(type, row.values()):
        return []
    return [col for col, value in row.items() if type(value) is Garbled]


def tally(d: dict[str, int], key: str) -> None:
    d[key] = d.get(key, 0) + 1


class RowStore:
    """Their rows read and checked, ours written with a before-image: what every table
    of a merge needs (the tables themselves are in project_tables.RowMerger).
    ``map`` takes each of their ids to ours (the same, or the row it matched)."""

    def __init__(self, project: Project, report: MergeReport) -> None:
        self.p, self.c, self.r = project, project.conn, report
        info = {t: self.c.execute(f"PRAGMA main.table_info({t})").fetchall()
                for t in {*schema.TABLES, *MERGED_TABLES}}
        self.cols = {t: [r[1] for r in rows] for t, rows in info.items()}
        self.types = {t: {r[1]: ((r[2] or "").upper(), bool(r[3] or r[5])) for r in rows}
                      for t, rows in info.items()}
        self.map: dict[str, dict[str, str]] = {t: {} for t in MERGED_TABLES}
        self.future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
        #: our doc id -> (their doc id or None, whether their passages move onto our text)
        self.texts: dict[str, tuple[str | None, bool]] = {}
        self.plans: dict[str, list[tuple]] = {}

    # -- reading and checking their rows ---------------------------------------------

    def rows(self, table: str, order: str = "rowid", where: str = ""):
        """Their rows as dicts of our columns, text cut one past its cap (so an absurd
        value is seen as too long without being read whole); ``where``: only those
        (their table is ``t``)."""
        cols = self.cols[table]
        sel = ", ".join(f"substr({c}, 1, {_CAPS[c] + 1})" if c in _CAPS else c for c in cols
                        if c != "data")
        for values in self.c.execute(f"SELECT {sel} FROM theirs.{table} AS t "
                                     f"{'WHERE ' + where if where else ''} ORDER BY {order}"):
            yield dict(zip([c for c in cols if c != "data"], values, strict=True))

    def plan(self, table: str) -> list[tuple]:
        """What to check per column of ``table`` (worked out once per table): the rule
        both :meth:`clean` and :meth:`clean_sql` follow."""
        plan = self.plans.get(table)
        if plan is None:
            plan = self.plans[table] = [
                (col, kind, notnull, _CAPS.get(col), _JSON.get(col), _ENUMS.get((table, col)))
                for col, (kind, notnull) in self.types[table].items() if col != "data"]
        return plan

    def clean(self, table: str, row: dict) -> dict:
        """``row`` if every value has its column's declared type and sane contents."""
        for col, kind, notnull, cap, json_kind, enum in self.plan(table):
            value = row[col]
            if value is None:
                if notnull:
                    raise Reject(f"{col} is empty")
                continue
            if type(value) not in _PY_TYPES.get(kind, (type(value),)):
                raise Reject(f"{col} holds the wrong type of value")
            if cap is not None and len(value) > cap:
                raise Reject(f"{col} is too long")
            if json_kind is not None and not _json_is(value, json_kind):
                raise Reject(f"{col} is not valid JSON")
            if type(value) is float and not (math.isfinite(value) and abs(value) < 1e7):
                raise Reject(f"{col} is not a sensible number")
            if type(value) is int and abs(value) > 2**40:
                raise Reject(f"{col} is out of range")
            if enum is not None and value not in enum:
                raise Reject(f"{col} is not one of {sorted(enum)}")
        return self.clean_row(row)

    def clean_row(self, row: dict) -> dict:
        """The checks of :meth:`clean` across columns (id, timestamps, deleted), for a
        row whose every value has passed its column's checks (in SQL:
        :meth:`clean_sql`); cheaper in Python's regexes than in SQLite's GLOB."""
        if "id" in row and not _ID.fullmatch(row["id"]):
            raise Reject("its id is not an id")
        for col in ("created_at", "modified_at"):
            if col in row and not _STAMP.fullmatch(row[col]):
                raise Reject(f"{col} is not a timestamp")
        if row.get("modified_at", "") > self.future:
            raise Reject("it was modified in the future")
        if row.get("deleted", 0) not in (0, 1):
            raise Reject("deleted is not 0 or 1")
        return row

    def clean_sql(self, table: str, alias: str = "t") -> str:
        """An SQL condition on their row ``alias`` that holds only for rows whose every
        value passes its column's checks in :meth:`clean`: the same plan, each check as
        strict or stricter in SQL, so such a row needs only :meth:`clean_row` in Python
        (the checks per value took a merge of a million rows ~20 s, issue 17); a row
        that fails it is checked by :meth:`clean`, which says why. Stricter where SQL
        cannot say the same thing cheaply: JSON only when NULL (too_deep and json.loads
        are Python's), lengths in bytes (a code point takes at least one)."""
        checks = []
        for col, kind, notnull, cap, json_kind, enum in self.plan(table):
            c = f"{alias}.{col}"
            parts = []
            allowed = _SQL_TYPES.get(kind)  # None: any (clean checks no type)
            if allowed is not None:
                parts.append(f"typeof({c}) IN ({allowed})")
            if cap is not None:
                parts.append(f"length(CAST({c} AS BLOB)) <= {int(cap)}")
            if json_kind is not None:
                parts.append("0")  # (with NULL allowed below: JSON only when NULL)
            if allowed is None or "real" in allowed:
                parts.append(f"(typeof({c}) != 'real' OR abs({c}) < 1e7)")
            if allowed is None or "integer" in allowed:
                parts.append(f"(typeof({c}) != 'integer' OR {c} BETWEEN -{2**40} AND {2**40})")
            if enum is not None:
                parts.append(f"{c} IN ({', '.join(_quoted(v) for v in sorted(enum))})")
            value = " AND ".join(parts) or "1"
            checks.append(f"({c} IS NOT NULL AND {value})" if notnull else
                          f"({c} IS NULL OR ({value}))")
        return " AND ".join(checks)

    def reject(self, table: str, row: dict, reason: str) -> None:
        self.r.unmatched.append(f"{table} {str(row.get('id', row))[:40]}: {reason}")

    def spoiled(self, table: str, row: dict) -> bool:
        """Whether their row, meeting one of ours, holds text that was not UTF-8: then
        it loses, whatever the timestamps say (read with U+FFFD, it would replace good
        text with damaged text), and is reported; the match itself still holds."""
        bad = garbled(row)
        if bad:
            self.reject(table, row, f"its {', '.join(bad)} is not valid UTF-8 text; "
                                    "ours is kept")
        return bool(bad)

    def repaired(self, table: str, rows: list[dict]) -> None:
        """New rows brought in with U+FFFD where their text was not UTF-8: said so."""
        key = self.cols[table][0]
        self.r.notes.extend(f"{table} {str(row[key])[:40]}: brought in with U+FFFD in its "
                            f"{', '.join(bad)} (the text was not valid UTF-8)"
                            for row in rows if (bad := garbled(row)))

    # -- writing --------------------------------------------------------------------

    def ours(self, table: str, key: str) -> dict | None:
        pk = self.cols[table][0]
        found = self.c.execute(f"SELECT * FROM main.{table} WHERE {pk} = ?", (key,)).fetchone()
        return dict(zip(self.cols[table], found, strict=True)) if found else None

    def insert(self, table: str, row: dict) -> None:
        cols = self.cols[table]
        self.repaired(table, [row])
        self.c.execute(f"INSERT INTO main.{table} ({', '.join(cols)}) VALUES "
                       f"({', '.join('?' * len(cols))})", [row.get(c) for c in cols])
        tally(self.r.added, table)
        getattr(self.r.changes, table, set()).add(row[cols[0]])

    def insert_many(self, table: str, rows: list[dict], counted: list[str] = ()) -> None:
        """New rows in one statement (the common case of a merge: 100,000 of them);
        ``counted``: keys of rows inserted otherwise, to be recorded the same way."""
        cols = self.cols[table]
        self.repaired(table, rows)
        self.c.executemany(f"INSERT INTO main.{table} ({', '.join(cols)}) VALUES "
                           f"({', '.join('?' * len(cols))})", [[r.get(c) for c in cols]
                                                                 for r in rows])
        keys = [*(r[cols[0]] for r in rows), *counted]
        if keys:
            self.r.added[table] = self.r.added.get(table, 0) + len(keys)
            getattr(self.r.changes, table, set()).update(keys)

    def ours_many(self, table: str, keys: list[str]) -> dict[str, dict]:
        cols, out = self.cols[table], {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            out.update((r[0], dict(zip(cols, r, strict=True))) for r in self.c.execute(
                f"SELECT * FROM main.{table} WHERE {cols[0]} IN ({','.join('?' * len(chunk))})",
                chunk))
        return out

    def update(self, table: str, ours: dict, new: dict, *, clock: bool = True) -> bool:
        """Overwrite our row's changeable columns; ``clock=False`` (a row matched under
        another id) ignores a difference in modified_at alone."""
        cols = [c for c in _UPDATE[table] if c in new and new[c] != ours[c]]
        if not cols or (not clock and cols == ["modified_at"]):
            return False
        pk = self.cols[table][0]
        self.c.execute(f"UPDATE main.{table} SET {', '.join(f'{c} = ?' for c in cols)} "
                       f"WHERE {pk} = ?", [new[c] for c in cols] + [ours[pk]])
        tally(self.r.updated, table)
        getattr(self.r.changes, table, set()).add(ours[pk])
        return True

    @staticmethod
    def wins(ours: dict, theirs: dict, table: str) -> bool:
        """The later modified_at wins; on a tie the larger content, so A+B = B+A."""
        if theirs["modified_at"] != ours["modified_at"]:
            return theirs["modified_at"] > ours["modified_at"]
        mine, other = ([r.get(c) for c in _UPDATE[table]] for r in (ours, theirs))
        return mine != other and repr(other) > repr(mine)

    def upsert(self, table: str, row: dict, match: str | None, *, same_id: bool) -> str:
        """Insert ``row`` or let it update the row ``match``; returns our id."""
        if match is None:
            self.insert(table, row)
            return row[self.cols[table][0]]
        ours = self.ours(table, match)
        assert ours is not None
        if not same_id:
            tally(self.r.matched, table)
            row = {**row, "deleted": ours["deleted"]}  # a tombstone deletes its own row only
        if self.spoiled(table, row) or self.merge_same(table, ours, row, same_id):
            return match
        if self.wins(ours, row, table):
            self.update(table, ours, row, clock=same_id)
        return match

    def merge_same(self, table: str, ours: dict, theirs: dict, same_id: bool = True) -> bool:
        """The three-way rule for a row both copies have, under the same id or matched
        (merge_three_way overrides it when the common ancestor is known); False: the
        two-way rule applies."""
        return False

    # -- tables, in dependency order ---------------------------------------------------


def stale_index(conn: sqlite3.Connection, changes: OpChanges) -> None:
    """Rows a merge (or its undo) changed must be re-indexed by the next search, even
    those whose modified_at it kept (passages re-anchored onto the other text)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master")}
    for table, key, ids in (("search_annotations", "annotation_id", changes.annotations),
                            ("search_documents", "document_id", changes.documents)):
        if table in tables:
            conn.executemany(f"UPDATE main.{table} SET modified_at = '' WHERE {key} = ?",
                             [(i,) for i in ids])
