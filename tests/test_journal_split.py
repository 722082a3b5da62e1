"""An older journal's oversized bulk rows are split on the first writable open (issue
17): every later action sought through them in the journal's b-tree (50-150 ms at 1M).
What undo and redo do with the change set is unchanged."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import journal, journal_split
from annotator.core.project import Project
from tests.test_journal import _tagged_annotations, snapshot


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))


def _old_style(tmp_path, monkeypatch) -> tuple:
    """A project whose import journaled its keys in one row each, as before BULK_ROW;
    its snapshots before and after the import, and the import's change set."""
    path = tmp_path / "old.annot"
    p = Project.create(path, "Old", author="Alice")
    p.documents.import_bytes(("Leonid Krasin met Édouard Herriot in Paris. " * 20).encode(),
                             "letter.txt")
    monkeypatch.setattr(journal, "BULK_ROW", 10**9)
    anns = _tagged_annotations(p, journal.BULK * 3)
    start = snapshot(p)
    p.annotations.add_many(anns)
    added, changeset = snapshot(p), p.last_changeset
    p.close()
    journal_split.marker(path).unlink(missing_ok=True)
    monkeypatch.setattr(journal, "BULK_ROW", 50)
    monkeypatch.setattr(journal_split, "LONGER_THAN", 100)
    return path, start, added, changeset


def _rows(path, changeset: int) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT seq, table_name, row_id, row_key FROM changes "
                            "WHERE changeset_id = ? ORDER BY seq", (changeset,)).fetchall()
    finally:
        conn.close()


def test_an_old_bulk_row_is_split_once_and_undoes_and_redoes_as_before(tmp_path, monkeypatch):
    path, start, added, changeset = _old_style(tmp_path, monkeypatch)
    before = _rows(path, changeset)
    assert [len(json.loads(r[3])) for r in before if r[2] == "*"] == [192, 192]
    with Project.open(path) as p:  # split on opening
        after = _rows(path, changeset)
        bulk = [(r[1], json.loads(r[3])) for r in after if r[2] == "*"]
        assert [len(k) for _t, k in bulk] == [50, 50, 50, 42] * 2
        for table in ("annotations", "annotation_tags"):  # same keys, same order
            was = next(json.loads(r[3]) for r in before if r[1] == table and r[2] == "*")
            assert [k for t, keys in bulk if t == table for k in keys] == was
        assert [r[1] for r in after] == sorted((r[1] for r in after),
                                               key=list(journal.KEYS).index)
        assert p.history()[0].label == "Add 192 annotations"
        p.undo()
        assert snapshot(p) == start
        p.redo()
        assert snapshot(p) == added
    assert journal_split.marker(path).exists()
    with Project.open(path) as p:
        seen: list[str] = []
        p.conn.set_trace_callback(seen.append)
        assert journal_split.bound_bulk_rows(p) == 0  # remembered: not looked at again
        p.conn.set_trace_callback(None)
        assert not [s for s in seen if "changes" in s]
        p.undo()
        assert snapshot(p) == start


def test_a_file_put_where_a_split_one_was_is_looked_at_again(tmp_path, monkeypatch):
    """The mark speaks for the file as we left it: an old copy put back at the same
    path (a restored backup) is split on its first writable open too."""
    path, start, _added, changeset = _old_style(tmp_path, monkeypatch)
    kept = tmp_path / "kept.annot"
    shutil.copyfile(path, kept)
    with Project.open(path):
        pass
    assert journal_split.marker(path).exists()
    with Project.open(path) as p:  # as we left it: not looked at again
        seen: list[str] = []
        p.conn.set_trace_callback(seen.append)
        assert journal_split.bound_bulk_rows(p, as_left=True) == 0
        p.conn.set_trace_callback(None)
        assert not [s for s in seen if "changes" in s]
    shutil.copyfile(kept, path)
    assert [len(json.loads(r[3])) for r in _rows(path, changeset) if r[2] == "*"] == [192, 192]
    with Project.open(path) as p:
        assert [len(json.loads(r[3])) for r in _rows(path, changeset)
                if r[2] == "*"] == [50, 50, 50, 42] * 2
        p.undo()
        assert snapshot(p) == start


@pytest.mark.parametrize("damage", ["'[[\"a\"], [\"b\"' || substr(row_key, 2)",
                                    "'[' || replace(hex(zeroblob(60000)), '00', '[') || ']'"])
def test_a_bulk_row_that_is_no_json_array_is_left_as_it_is(tmp_path, monkeypatch, damage):
    path, _start, _added, changeset = _old_style(tmp_path, monkeypatch)
    conn = sqlite3.connect(path)
    conn.execute(f"UPDATE changes SET row_key = {damage} "
                 "WHERE changeset_id = ? AND table_name = 'annotations'", (changeset,))
    conn.commit()
    conn.close()
    before = _rows(path, changeset)
    with Project.open(path):
        assert _rows(path, changeset) == before  # the change set as it was


keys = st.lists(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
                         min_size=1, max_size=2), max_size=40)


@settings(max_examples=150, deadline=None)
@given(keys, st.integers(1, 7), st.sampled_from(["", " ", "\n  "]))
def test_parts_keep_every_key_in_order(found, size, space):
    text = json.dumps(found, indent=None, separators=("," + space, ":"))
    if space:
        text = f"{space}[{space}{text[1:-1]}{space}]{space}" if found else text
    parts = [json.loads(p) for p in journal_split._parts(text, size)]
    assert [k for part in parts for k in part] == found
    assert all(0 < len(part) <= size for part in parts)
