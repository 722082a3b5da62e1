"""The three-way rules of a merge: with the common ancestor (``base``) of the two
copies attached beside theirs, a row is compared field by field with what it was.

- changed on one side only: that side's value is taken;
- changed on both sides to different values: the later ``modified_at`` wins (the
  same tie rule as the two-way merge, so A+B and B+A keep the same values) **and the
  other version is kept** as a row of ``conflicts`` (:mod:`annotator.core.conflicts`);
- deleted on one side and edited on the other: a conflict on ``deleted`` — the edit
  is applied to the row either way, and the later change decides whether it is
  deleted; nothing is silently resurrected or lost;
- an annotation's tags merge as sets against the base (added on one side, removed on
  the other), never as a conflict.

A passage (offsets, quote, context, anchor state) and a region (page, box, quads) are
one field each: half of one side's passage with half of the other's means nothing. A
conflict already recorded for the same row, field and pair of values (a merge done
before, or one settled by the scholar) is not raised again and changes nothing, so
merging the result with either copy again changes nothing.
"""

from __future__ import annotations

import json

from annotator.core.annotation_import.project_rows import (
    _UPDATE,
    Reject,
    RowStore,
)
from annotator.core.util import dumps, new_id, now

#: columns that change together and are one field of a conflict
GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "annotations": {"passage": ("start_offset", "end_offset", "exact", "prefix", "suffix",
                                "anchor_state"),
                    "region": ("page", "x", "y", "w", "h", "quads")},
}
#: columns that refer to rows of another table, mapped from their ids to ours
_REFS = {"author_id": "authors", "entity_id": "entities", "type_id": "tags",
         "parent_id": "tags", "document_id": "documents"}


def fields(table: str) -> list[tuple[str, tuple[str, ...]]]:
    """The fields a row of ``table`` merges by: (name, columns), ``deleted`` last."""
    groups = GROUPS.get(table, {})
    grouped = {c for cols in groups.values() for c in cols}
    out = [(c, (c,)) for c in _UPDATE[table]
           if c not in grouped and c not in ("modified_at", "deleted")]
    return [*out, *groups.items(), ("deleted", ("deleted",))]


class ThreeWay(RowStore):
    """RowStore with the common ancestor: base rows read and checked like theirs, the
    field-level merge, and the conflicts it finds (written by :meth:`write_conflicts`)."""

    def __init__(self, project, report, *, base: bool = False) -> None:
        super().__init__(project, report)
        self.base = base
        self.found: list[dict] = []  # conflicts of this merge, authors filled in at the end
        self.merge_id = new_id()
        self.known: set[tuple] = set()
        self._changed: dict[str, str] = {}
        if base:
            for table, row_id, fld, mine, theirs in self.c.execute(
                    "SELECT table_name, row_id, field, mine, theirs FROM main.conflicts"):
                self.known.add((table, row_id, fld, frozenset((mine, theirs))))

    # -- the base ----------------------------------------------------------------------

    def changed(self, table: str) -> str:
        """SQL over their table ``t``: the rows worth reading. With a base, a row we
        have that they left as the base had it is skipped unread (never written, so
        not worth checking: a 100k-row merge reads only what moved). Found by one scan
        of each table's ids and stamps compared here: 100k lookups by id in SQL, two
        per row, cost more than the rest of such a merge."""
        if not self.base:
            return ""
        if table not in self._changed:
            base = dict(self.c.execute(f"SELECT id, modified_at FROM base.{table}"))
            mine = {r[0] for r in self.c.execute(f"SELECT id FROM main.{table}")}
            rowids = [rowid for rowid, key, stamp in self.c.execute(
                f"SELECT rowid, id, modified_at FROM theirs.{table}")
                if key not in mine or key not in base or base[key] != stamp]
            # rowids are integers: the list is written into the SQL as it is
            self._changed[table] = (f"t.rowid IN (SELECT value FROM json_each("
                                    f"'{json.dumps([int(r) for r in rowids])}'))")
        return self._changed[table]

    def base_rows(self, table: str, keys: list[str]) -> dict[str, dict]:
        """The base's rows of ``keys``, checked like theirs (a bad one counts as absent:
        that row merges by the two-way rule), their references mapped like theirs."""
        if not self.base or not keys:
            return {}
        cols, out = [c for c in self.cols[table] if c != "data"], {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            for values in self.c.execute(
                    f"SELECT {', '.join(cols)} FROM base.{table} WHERE {cols[0]} IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                row = dict(zip(cols, values, strict=True))
                try:
                    out[row[cols[0]]] = self.mapped(self.clean(table, row))
                except Reject:
                    continue
        return out

    def base_row(self, table: str, ours_id: str, their_id: str) -> dict | None:
        """The base's row under our id, else under theirs (a row matched under another
        id: a tag or entity by name or identifier, a document by its bytes)."""
        found = self.base_rows(table, list(dict.fromkeys((ours_id, their_id))))
        return found.get(ours_id) or found.get(their_id)

    def mapped(self, row: dict) -> dict:
        """References of a row of theirs (or the base's) as our ids, where we know them."""
        for col, table in _REFS.items():
            if row.get(col) is not None:
                row[col] = self.map[table].get(row[col], row[col])
        return row

    # -- one row -----------------------------------------------------------------------

    def merged(self, table: str, ours: dict, theirs: dict, base: dict,
               tags: tuple[bool, bool] = (False, False), skip: tuple[str, ...] = ()) -> dict:
        """Ours and theirs merged field by field against ``base``; conflicts recorded.
        ``tags``: whether we, and they, changed the row's tags (an edit too); ``skip``:
        fields the caller merges itself (ours kept here). A JSON object field (a
        document's metadata) merges key by key, a conflict only where one key differs."""
        later = self.wins(ours, theirs, table)
        out = dict(ours)
        edited = {"mine": tags[0], "theirs": tags[1]}
        for name, cols in fields(table):
            if name in skip:
                continue
            o, t, b = ([r.get(c) for c in cols] for r in (ours, theirs, base))
            if name in JSON_OBJECTS and o != b and t != b and t != o:
                joined = merge_objects(o[0], t[0], b[0])
                if joined is not None:
                    edited["mine"] = edited["theirs"] = True
                    out[name] = joined
                    continue
            if name == "deleted":
                if o == t:
                    continue
                side = "theirs" if o == b else "mine"  # who deleted (or restored) it
                if not edited["mine" if side == "theirs" else "theirs"]:
                    out["deleted"] = theirs["deleted"] if side == "theirs" else ours["deleted"]
                    continue
            else:
                edited["mine"] |= o != b
                edited["theirs"] |= t != b
                if t == o or t == b:
                    continue
                if o == b:
                    out.update((c, theirs[c]) for c in cols)
                    continue
            if self.conflict(table, ours, theirs, name, cols, later) and later:
                out.update((c, theirs[c]) for c in cols)
        if out != ours:
            out["modified_at"] = max(ours["modified_at"], theirs["modified_at"])
        return out

    def conflict(self, table: str, ours: dict, theirs: dict, name: str,
                 cols: tuple[str, ...], later: bool) -> bool:
        """Record the conflict on ``name`` unless it is known; False when known (then
        ours stands: the scholar or an earlier merge has seen it)."""
        mine = dumps({c: ours[c] for c in cols})
        other = dumps({c: theirs[c] for c in cols})
        key = (table, ours[self.cols[table][0]], name, frozenset((mine, other)))
        if key in self.known:
            return False
        self.known.add(key)
        self.found.append({
            "id": new_id(), "table_name": table, "row_id": key[1], "field": name,
            "mine": mine, "theirs": other, "mine_at": ours["modified_at"],
            "theirs_at": theirs["modified_at"], "winner": "theirs" if later else "mine"})
        return True

    def merge_same(self, table: str, ours: dict, theirs: dict, same_id: bool = True) -> bool:
        """Three-way when the base has the row (under either id): True if done (else
        the caller uses the two-way rule)."""
        pk = self.cols[table][0]
        base = self.base_row(table, ours[pk], theirs[pk]) if self.base else None
        if base is None:
            return False
        theirs = {**self.mapped(dict(theirs)), pk: ours[pk]}
        self.update(table, ours, self.merged(table, ours, theirs, base), clock=same_id)
        return True

    # -- an annotation's tags ----------------------------------------------------------

    def tag_sets(self, schema_name: str, ids: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {i: set() for i in ids}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for a, t in self.c.execute(
                    f"SELECT annotation_id, tag_id FROM {schema_name}.annotation_tags WHERE "
                    f"annotation_id IN ({','.join('?' * len(chunk))})", chunk):
                out[a].add(t if schema_name == "main" else self.map["tags"].get(t, t))
        return out

    def their_tags(self, ids: list[str]) -> dict[str, list[str]]:
        """Their tag ids of these annotations (as they are in their file)."""
        out: dict[str, list[str]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for a, t in self.c.execute(
                    "SELECT annotation_id, tag_id FROM theirs.annotation_tags WHERE "
                    f"annotation_id IN ({','.join('?' * len(chunk))})", chunk):
                out.setdefault(a, []).append(t)
        return out

    def merge_tags(self, ann_id: str, ours: set[str], theirs: set[str],
                   base: set[str]) -> None:
        """Added by either side stays added, removed by either stays removed."""
        known = set(self.map["tags"].values()) | ours
        theirs = {t for t in theirs if t in known}
        result = (ours & theirs) | (ours - base) | (theirs - base)
        if result == ours:
            return
        self.c.executemany("DELETE FROM main.annotation_tags WHERE annotation_id = ? AND "
                           "tag_id = ?", [(ann_id, t) for t in ours - result])
        self.c.executemany("INSERT INTO main.annotation_tags VALUES (?, ?)",
                           [(ann_id, t) for t in sorted(result - ours)])
        self.r.changes.annotations.add(ann_id)

    # -- writing the conflicts ---------------------------------------------------------

    def write_conflicts(self, their_version: int) -> None:
        """The conflicts found, with who made each version (the author of the last
        change set that touched the row, in each file's journal; else the row's author)."""
        if not self.found:
            return
        mine = self.last_authors("main", [c["row_id"] for c in self.found])
        theirs = self.last_authors("theirs", [c["row_id"] for c in self.found]) \
            if their_version >= 4 else {}
        anns = [c["row_id"] for c in self.found if c["table_name"] == "annotations"]
        mine = {**self.row_authors("main", [i for i in anns if i not in mine]), **mine}
        theirs = {**self.row_authors("theirs", [i for i in anns if i not in theirs]), **theirs}
        stamp = now()
        rows = []
        for c in self.found:
            c["mine_author"] = mine.get(c["row_id"], "")
            c["theirs_author"] = theirs.get(c["row_id"], "")
            rows.append({**c, "merge_id": self.merge_id, "resolution": "open",
                         "created_at": stamp, "modified_at": stamp, "deleted": 0})
        cols = self.cols["conflicts"]
        self.c.executemany(f"INSERT INTO main.conflicts ({', '.join(cols)}) VALUES "
                           f"({', '.join('?' * len(cols))})", [[r[c] for c in cols] for r in rows])
        self.r.conflicts = [dict(zip(cols, [r[c] for c in cols], strict=True)) for r in rows]

    def last_authors(self, schema_name: str, ids: list[str]) -> dict[str, str]:
        """Row id -> name of whoever last changed it, from one file's change journal."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = list(dict.fromkeys(ids[i:i + 500]))
            for row_id, name in self.c.execute(
                    f"SELECT c.row_id, substr(a.name, 1, 200) FROM {schema_name}.changes c "
                    f"JOIN {schema_name}.changesets s ON s.id = c.changeset_id "
                    f"JOIN {schema_name}.authors a ON a.id = s.author_id "
                    f"WHERE c.row_id IN ({','.join('?' * len(chunk))}) AND s.state = 'done' "
                    "ORDER BY s.id", chunk):
                if isinstance(name, str):
                    out[row_id] = name  # the last one read is the latest
        return out

    def row_authors(self, schema_name: str, ids: list[str]) -> dict[str, str]:
        """Annotation id -> the name of the author the row itself names, for conflicts
        whose row the journal does not name (bulk inserts, files without one)."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = list(dict.fromkeys(ids[i:i + 500]))
            for row_id, name in self.c.execute(
                    f"SELECT n.id, substr(a.name, 1, 200) FROM {schema_name}.annotations n "
                    f"JOIN {schema_name}.authors a ON a.id = n.author_id WHERE n.id IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                if isinstance(name, str):
                    out[row_id] = name
        return out


#: JSON object columns merged key by key (both sides' different keys both kept)
JSON_OBJECTS = {"metadata"}


def merge_objects(mine: str | None, theirs: str | None, base: str | None) -> str | None:
    """Three JSON objects merged key by key (nested objects likewise), keys sorted so
    either order gives the same text; None when one key was changed differently on
    both sides (a conflict on the whole field) or a value is not an object."""
    try:
        o, t, b = (json.loads(v) if v else {} for v in (mine, theirs, base))
    except (ValueError, RecursionError):
        return None
    joined = _join(o, t, b)
    return None if joined is _CLASH else dumps(joined)


_CLASH = object()
_GONE = object()


def _join(o, t, b):
    if not all(isinstance(v, dict) for v in (o, t, b)):
        return _CLASH
    out = {}
    for key in sorted({*o, *t, *b}):
        ov, tv, bv = (d.get(key, _GONE) for d in (o, t, b))
        if ov == tv or tv == bv:
            value = ov
        elif ov == bv:
            value = tv
        elif all(isinstance(v, dict) for v in (ov, tv)):
            value = _join(ov, tv, bv if isinstance(bv, dict) else {})
            if value is _CLASH:
                return _CLASH
        else:
            return _CLASH
        if value is not _GONE:
            out[key] = value
    return out


def decode(value: str) -> dict:
    """A conflict's stored version (JSON object of columns); {} if damaged."""
    try:
        found = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}
