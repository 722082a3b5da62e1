"""A large merge journals its new rows as it goes (issue 17): their keys are written
into the journal batch by batch, by SQL, under a change set reserved for the action,
in the order undo needs (parents, the bulk of new rows, their children, then the
edits); the journal's events are folded by SQLite; the report names a bounded number
of ids. Undo and redo of such a merge must still give back exactly the state before
and after it."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from annotator.core import journal, journal_record, merge_annotations
from annotator.core.importers.base import ImportedSource
from annotator.core.journal import BULK_KEY, KEYS, STAGED_SEQ
from annotator.core.journal_record import KeysInSQL
from annotator.core.merge import merge
from annotator.core.model import DocumentKind
from annotator.core.project import Project
from tests.test_merge_memory import WORDS, _annotations, _copies

N = 400


def _state(path: Path) -> dict[str, list]:
    """Every row of every journaled table, as a set: what undo must give back."""
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}")))
                for t in KEYS if t != "project"}
    finally:
        conn.close()


def _with_new_document(theirs: Path) -> int:
    """The colleague adds a document of their own with passages on it: the document
    comes in through the journal's triggers, its passages in bulk (children after
    their parent, so undo must take them back first)."""
    rng = random.Random(7)
    with Project.open(theirs, author="Theirs", backup_now=False) as p:
        text = " ".join(rng.choice(WORDS) for _ in range(3000))
        with p.transaction():
            doc = p.documents.add_source(ImportedSource(
                "Their letter", DocumentKind.TEXT, "text/plain", "theirs.txt",
                text.encode(), text=text)).id
            me = p.author_id()
        theme = p.conn.execute("SELECT id FROM tags WHERE name = 'Trade'").fetchone()[0]
        p.annotations.add_many(_annotations(rng, {doc: text}, me, theme, 150))
    return 150


@pytest.mark.parametrize("three_way", [False, True], ids=["two-way", "three-way"])
def test_undo_of_a_batched_merge_gives_back_exactly_the_state_before(
        tmp_path, monkeypatch, three_way):
    monkeypatch.setattr(merge_annotations, "BATCH", 60)
    monkeypatch.setattr(merge_annotations, "SHOWN_IDS", 25)
    monkeypatch.setattr(journal_record, "BULK_ROW", 25)  # a batch's keys in three rows
    ours, theirs, base = _copies(tmp_path / "copies", N)
    extra = _with_new_document(theirs)
    before = _state(ours)
    with Project.open(ours, author="Ours", backup_now=False) as p:
        report = merge(p, theirs, base=base if three_way else None, backup=False).value
        assert report.three_way is three_way
        assert report.added["annotations"] == N + extra  # counted whole
        assert report.added["documents"] == 1
        # the report names a bounded sample of the rows copied in bulk (and the edits)
        assert len(report.changes.annotations) <= 25 + report.updated["annotations"]
        rows = p.conn.execute(
            "SELECT seq, table_name, row_id, op FROM changes WHERE changeset_id = ? "
            "ORDER BY seq", (report.changeset,)).fetchall()
        bulk = [r for r in rows if r[2] == BULK_KEY and r[1] == "annotations"]
        assert len(bulk) >= N // 25  # each batch's keys as it went, in rows of 25
        sizes = [len(json.loads(k)) for (k,) in p.conn.execute(
            "SELECT row_key FROM changes WHERE changeset_id = ? AND row_id = ?",
            (report.changeset, BULK_KEY))]
        assert max(sizes) <= 25  # a later seek never reads a long row again
        order = [(r[1], r[3]) for r in rows]
        slot = list(KEYS)
        firsts = [(slot.index(t) if op == "insert" else len(slot)) for t, op in order]
        assert firsts == sorted(firsts)  # parents' new rows, children's, then edits
        assert order.index(("documents", "insert")) < order.index(("annotations", "insert"))
        assert any(seq >= STAGED_SEQ for seq, *_ in rows)
        after = _state(ours)
        p.undo(report.changeset)
    assert _state(ours) == before  # removed, not tombstoned; edits given back
    with Project.open(ours, author="Ours", backup_now=False) as p:
        p.redo(report.changeset)
    assert _state(ours) == after


def test_keys_given_as_sql_are_journaled_at_once_and_rolled_back_with_the_action(tmp_path):
    with Project.create(tmp_path / "a.annot", author="Alice") as p:
        with p.transaction():
            p.author_id()
        n = p.conn.execute("SELECT count(*) FROM changesets").fetchone()[0]
        with pytest.raises(RuntimeError), p.transaction("Failing"), \
                p.bulk_insert() as journal_keys:
            journal_keys("tags", KeysInSQL("SELECT json_array(json_array(?))", ("x",)))
            assert p.conn.execute("SELECT count(*) FROM changes WHERE row_id = ?",
                                  (BULK_KEY,)).fetchone()[0] == 1  # written already
            raise RuntimeError
        assert p.conn.execute("SELECT count(*) FROM changesets").fetchone()[0] == n
        with p.transaction("Nothing new"), p.bulk_insert() as journal_keys:
            journal_keys("tags", KeysInSQL("SELECT json_array()"))  # an empty batch
        assert p.conn.execute("SELECT count(*) FROM changesets").fetchone()[0] == n


def test_a_large_edit_is_folded_by_sqlite_first_before_and_last_after(tmp_path):
    """Each row written twice in one action keeps its first before and last after;
    a row added and removed in it leaves nothing (the fold is SQL now)."""
    with Project.create(tmp_path / "a.annot", author="Alice") as p:
        ids = [p.tags.create(f"t{i}").value.id for i in range(300)]
        with p.transaction("Twice"):
            p.conn.execute("UPDATE tags SET name = name || '-a'")
            p.conn.execute("UPDATE tags SET name = name || '-b'")
            p.conn.execute("INSERT INTO tags (id, name, kind, color, created_at, modified_at,"
                           " deleted) SELECT 'gone', 'gone', kind, color, created_at, "
                           "modified_at, 0 FROM tags LIMIT 1")
            p.conn.execute("DELETE FROM tags WHERE id = 'gone'")
        cs = journal.get(p.conn, p.last_changeset, with_changes=True)
        by_key = {c.key[0]: c for c in cs.changes}
        assert "gone" not in by_key
        assert by_key[ids[5]].before == {"name": "t5"}
        assert by_key[ids[5]].after == {"name": "t5-a-b"}
        p.undo()
        assert p.conn.execute("SELECT name FROM tags WHERE id = ?", (ids[5],)).fetchone()[0] \
            == "t5"
