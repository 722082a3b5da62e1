"""Conflicts a three-way merge kept for review, and settling them.

A merge that finds one field changed differently in both copies puts the later
version in place and keeps the other here (:mod:`annotator.core.merge_three_way`);
nothing is lost, and the scholar decides at leisure. Settling one is one undoable
action: ``mine`` or ``theirs`` puts that version in place; ``both`` keeps the two:

- a note (or a description): both texts, each under a line naming its author;
- a deletion against an edit: the row stays, with the edit;
- any other field of an annotation (its passage, region, colour, entity, date): the
  annotation as it stands, plus a copy of it with the other version (two annotations,
  same tags), so both readings stay in the file;
- anything else (a tag's colour, a name, a document's title or transcription): cannot
  be kept twice; choose one. A transcription put back is a correction: the passages
  on it are re-anchored, as when the scholar corrects it by hand.

A conflict row travels with merges like other rows (settling it travels too). A
version stored in it comes from a colleague's file, so it is checked again as hostile
input before it is written (columns of that field only, types, the quote at its
offsets in the text as it is now).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from annotator.core.anchoring import describe
from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.merge_three_way import decode, fields
from annotator.core.util import new_id, now

CHOICES = ("mine", "theirs", "both")
#: free text that "keep both" concatenates
TEXT_FIELDS = {"note", "description"}
_KINDS = {"annotations": "annotations", "tags": "tags", "entities": "entities",
          "documents": "documents", "document_links": "document_links", "links": "links",
          "authors": "authors", "relations": "relations", "relation_types": "relations",
          "relation_evidence": "relations"}  # issue 15: a relation's conflicts too


@dataclass(slots=True)
class Conflict:
    """One field two copies changed differently; ``mine`` and ``theirs`` map the
    field's columns to each version (mine = the project that merged)."""

    id: str
    table: str
    row_id: str
    field: str
    mine: dict
    theirs: dict
    mine_author: str
    theirs_author: str
    mine_at: str
    theirs_at: str
    winner: str
    resolution: str
    merge_id: str
    what: str = ""  # the row in the scholar's words: an annotation's quote

    @property
    def is_open(self) -> bool:
        return self.resolution == "open"

    def shown(self, side: str) -> str:
        """One version as text for a list: the value itself for a one-column field."""
        values = self.mine if side == "mine" else self.theirs
        if self.field == "deleted":
            return "deleted" if values.get("deleted") else "kept (edited)"
        if len(values) == 1:
            value = next(iter(values.values()))
            return "" if value is None else str(value)
        if self.field == "passage":
            return f"“{values.get('exact') or ''}” at {values.get('start_offset')}"
        return ", ".join(f"{k}={v}" for k, v in values.items())


_COLS = ("id, table_name, row_id, field, mine, theirs, mine_author, theirs_author, mine_at, "
         "theirs_at, winner, resolution, merge_id")


def _conflict(conn, row: tuple) -> Conflict:
    c = Conflict(row[0], row[1], row[2], row[3], decode(row[4]), decode(row[5]), *row[6:])
    if c.table == "annotations":
        found = conn.execute("SELECT coalesce(a.exact, ''), d.title FROM annotations a JOIN "
                             "documents d ON d.id = a.document_id WHERE a.id = ?",
                             (c.row_id,)).fetchone()
        if found:
            c.what = f"“{found[0][:80]}” in {found[1]}" if found[0] else f"a region in {found[1]}"
    elif c.table in _KINDS:
        col = {"documents": "title", "document_links": "relation", "links": "relation",
               "relations": "note", "relation_evidence": "annotation_id"}.get(c.table, "name")
        found = conn.execute(f"SELECT {col} FROM {c.table} WHERE id = ?", (c.row_id,)).fetchone()
        if found:
            c.what = f"{c.table[:-1].replace('_', ' ')} {found[0]}"
    return c


def list_conflicts(project, *, include_settled: bool = False) -> list[Conflict]:
    """Conflicts, open ones only unless ``include_settled``, newest merge first."""
    if project.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'conflicts'").fetchone() \
            is None:  # a file opened read-only before format 5
        return []
    where = "deleted = 0" + ("" if include_settled else " AND resolution = 'open'")
    conn = project.conn
    return [_conflict(conn, r) for r in conn.execute(
        f"SELECT {_COLS} FROM conflicts WHERE {where} ORDER BY created_at DESC, table_name, "
        "row_id, field")]


def get(project, conflict_id: str) -> Conflict:
    """A conflict by id or by a unique prefix of it (as ``annotator conflicts`` shows)."""
    rows = project.conn.execute(
        f"SELECT {_COLS} FROM conflicts WHERE deleted = 0 AND id LIKE ? ESCAPE '\\' LIMIT 2",
        (conflict_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",)
    ).fetchall()
    if len(rows) != 1 or not conflict_id:
        raise AnnotatorError(f"no conflict {conflict_id!r}" if not rows else
                             f"{conflict_id!r} names more than one conflict; give more of its id.")
    return _conflict(project.conn, rows[0])


def resolve(project, conflict_id: str, choice: str) -> OpResult[Conflict]:
    """Settle one conflict (see the module docstring for ``both``), as one action."""
    if choice not in CHOICES:
        raise AnnotatorError(f"choose one of {', '.join(CHOICES)}, not {choice!r}.")
    c = get(project, conflict_id)
    columns = dict(fields(c.table)).get(c.field) if c.table in _KINDS else None
    if columns is None or set(c.mine) != set(columns) or set(c.theirs) != set(columns):
        raise AnnotatorError("this conflict's record is damaged (its versions do not name "
                             "the columns of its field); it cannot be settled.")
    row = _row(project, c.table, c.row_id)
    changes = OpChanges(project=True)
    try:
        _settle(project, c, choice, row, columns, changes)
    except sqlite3.IntegrityError as exc:  # a version naming a row we do not have
        raise AnnotatorError(f"that version cannot be put back ({exc}); nothing was "
                             "changed.") from None
    getattr(changes, _KINDS[c.table]).add(c.row_id)
    project.forget_caches()
    c.resolution = choice
    return OpResult(c, changes)


def _settle(project, c: Conflict, choice: str, row: dict, columns: tuple[str, ...],
            changes: OpChanges) -> None:
    with project.transaction(f"Settle conflict ({c.field}): {choice}"):
        if choice != "both" and (c.table, c.field) == ("documents", "text"):
            _set_text(project, row, c.mine if choice == "mine" else c.theirs)
            changes.annotations.update(a.id for a in project.annotations.for_document(row["id"]))
        elif choice != "both":
            _write(project, c.table, row, (c.mine if choice == "mine" else c.theirs))
        elif c.field in TEXT_FIELDS:
            _write(project, c.table, row, {c.field: _both_texts(c)})
        elif c.field == "deleted":
            _write(project, c.table, row, {"deleted": 0})
        elif c.table == "annotations":
            stands = {k: row[k] for k in columns}
            other = c.theirs if stands == c.mine else c.mine
            copy_id = _copy_annotation(project, row, other)
            changes.annotations.add(copy_id)
        else:
            raise AnnotatorError(f"a {c.field} cannot be kept twice; choose mine or theirs.")
        project.conn.execute("UPDATE conflicts SET resolution = ?, modified_at = ? WHERE id = ?",
                             (choice, now(), c.id))


def _both_texts(c: Conflict) -> str:
    mine, theirs = (str(v.get(c.field) or "") for v in (c.mine, c.theirs))
    return (f"——— {c.mine_author or 'this copy'} ———\n{mine}\n"
            f"——— {c.theirs_author or 'the other copy'} ———\n{theirs}")


def _row(project, table: str, row_id: str) -> dict:
    cur = project.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
    found = cur.fetchone()
    if found is None:
        raise AnnotatorError("the row this conflict is about is no longer in the project.")
    return dict(zip([d[0] for d in cur.description], found, strict=True))


def _checked(project, table: str, row: dict) -> dict:
    """``row`` as it would be written, checked like a colleague's row (the versions come
    from a colleague's file): types, lengths, JSON, and a passage's quote re-read from
    the text as it is now."""
    from annotator.core.annotation_import.project_rows import Reject, RowStore
    from annotator.core.merge import MergeReport

    try:
        row = RowStore(project, MergeReport("")).clean(table, dict(row))
    except Reject as exc:
        raise AnnotatorError(f"that version cannot be put back: {exc}.") from None
    if table == "annotations" and row["start_offset"] is not None:
        text = project.documents.text(row["document_id"])
        s, e = row["start_offset"], row["end_offset"]
        if e is None or not 0 <= s <= e <= len(text) or (
                row["anchor_state"] != "orphaned" and text[s:e] != row["exact"]):
            raise AnnotatorError("that version's passage no longer stands in the text (it "
                                 "was corrected since); mark the passage again instead.")
        sel = describe(text, s, e)
        row.update(prefix=sel.prefix, suffix=sel.suffix)
    return row


def _write(project, table: str, row: dict, values: dict) -> None:
    new = _checked(project, table, {**row, **values, "modified_at": now()})
    cols = [c for c in new if new[c] != row[c]]
    if cols:
        project.conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)} "
                             "WHERE id = ?", [new[c] for c in cols] + [row["id"]])


def _set_text(project, row: dict, values: dict) -> None:
    """A transcription put back as a correction: its passages re-anchored onto it."""
    new = _checked(project, "documents", {**row, **values, "modified_at": now()})
    if new["text"] != row["text"]:
        project.documents.set_text(row["id"], new["text"] or "")


def _copy_annotation(project, row: dict, values: dict) -> str:
    """A second annotation: this one with the other version of the field, same tags."""
    stamp = now()
    new = _checked(project, "annotations", {**row, **values, "id": new_id(), "created_at": stamp,
                                            "modified_at": stamp, "deleted": 0})
    cols = list(new)
    project.conn.execute(f"INSERT INTO annotations ({', '.join(cols)}) VALUES "
                         f"({', '.join('?' * len(cols))})", [new[c] for c in cols])
    project.conn.execute("INSERT INTO annotation_tags SELECT ?, tag_id FROM annotation_tags "
                         "WHERE annotation_id = ?", (new["id"], row["id"]))
    return new["id"]
