"""The untagged annotations' count followed through edits (annotator.core.untagged):
after any sequence of tagging, untagging, deleting, adding, undo and redo it equals a
full count (tally.UNTAGGED), and the table sorted by tags, descending, reads it
without counting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotator.core import journal, tally, untagged
from annotator.core.errors import AnnotatorError
from annotator.core.importers.base import ImportedSource
from annotator.core.journal import NothingToUndo
from annotator.core.model import DocumentKind, TagKind
from annotator.core.project import Project
from annotator.core.table_window import TableWindow

TEXT = "Paris Tiflis Baku Herriot Krasin " * 20

STEP = st.one_of(
    st.tuples(st.just("tag"), st.integers(0, 11), st.lists(st.integers(0, 2), max_size=3)),
    st.tuples(st.just("delete"), st.integers(0, 11)),
    st.tuples(st.just("add"), st.lists(st.integers(0, 2), max_size=2)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
    st.tuples(st.just("tag deleted"), st.integers(0, 2)),
    st.tuples(st.just("failed"), st.integers(0, 11)),
    st.tuples(st.just("taggings gone"), st.integers(0, 11)),
)


def full(p: Project) -> int:
    return p.conn.execute(tally.UNTAGGED).fetchone()[0]


def untagged_ids(p: Project) -> set[str]:
    return {a.id for a in p.annotations.list() if not a.tag_ids}


def act(p: Project, step: tuple, ids: list[str], tags: list[str], doc: str) -> None:
    """One step; refused ones (a deleted annotation or tag) roll back and change nothing."""
    try:
        _act(p, step, ids, tags, doc)
    except AnnotatorError:
        pass


def _act(p: Project, step: tuple, ids: list[str], tags: list[str], doc: str) -> None:
    kind = step[0]
    if kind == "tag":
        p.annotations.update(ids[step[1] % len(ids)], tag_ids=[tags[t] for t in set(step[2])])
    elif kind == "delete":
        p.annotations.delete(ids[step[1] % len(ids)])
    elif kind == "add":
        ids.append(p.annotations.add(doc, start=len(ids), end=len(ids) + 4,
                                     tag_ids=[tags[t] for t in set(step[1])]).value.id)
    elif kind in ("undo", "redo"):
        try:
            p.undo() if kind == "undo" else p.redo()
        except NothingToUndo:
            pass
    elif kind == "tag deleted":
        p.tags.delete(tags[step[1]])
    elif kind == "taggings gone":  # as a merge or an undo may write: the taggings alone
        with p.transaction("Taggings gone"):
            p.conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?",
                           (ids[step[1] % len(ids)],))
    else:  # an action that fails halfway: rolled back, the temporary table with it
        with pytest.raises(RuntimeError), p.transaction("fails"):
            p.annotations.update(ids[step[1] % len(ids)], tag_ids=[])
            p.annotations.delete(ids[(step[1] + 1) % len(ids)])
            raise RuntimeError


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[bool, tuple[Path, str, list[str], list[str]]]:
    """Twelve annotations holding none, one or two of three tags, or (True) every one
    tagged: then the untagged ones are read among those written (copied per example)."""
    found = {}
    for all_tagged in (False, True):
        p = Project.create(tmp_path_factory.mktemp("u") / "u.annot", "U", author="Ann")
        doc = p.documents.add_source(ImportedSource(
            "t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)).id
        tags = [p.tags.create(n, TagKind.THEME).value.id for n in ("a", "b", "c")]
        ids = [p.annotations.add(doc, start=i, end=i + 3,
                                 tag_ids=tags[:all_tagged + i % 3]).value.id
               for i in range(12)]
        found[all_tagged] = (p.path, doc, tags, ids)
        p.close()
    return found


@example(steps=[("taggings gone", 3), ("undo",), ("redo",)], all_tagged=True)
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=14), all_tagged=st.booleans())
def test_the_followed_count_equals_a_full_count(made, tmp_path_factory, steps, all_tagged):
    """Exact after each step, or unknown (a tag deleted while held: counted afresh);
    never a wrong count; the untagged ones all among the candidates, if any."""
    template, doc, tags, ids = made[all_tagged]
    ids = list(ids)
    copy = tmp_path_factory.mktemp("c") / "u.annot"
    shutil.copy(template, copy)
    p = Project.open(copy)
    try:
        path = str(p.path)
        assert untagged.follow(p) is None  # nothing known yet: the table counts
        untagged.remember(path, journal.stamp(p.conn), full(p))
        tag_gone = False
        for step in steps:
            act(p, step, ids, tags, doc)
            tag_gone = tag_gone or step[0] == "tag deleted"
            n = untagged.follow(p)
            if n is None and tag_gone:  # deleted, or that undone or redone: unknown
                untagged.remember(path, journal.stamp(p.conn), full(p))  # as counted
                continue
            assert n == full(p), step
            among = untagged.candidates(path, journal.stamp(p.conn))
            if among is not None:  # every untagged annotation is among them
                assert untagged_ids(p) <= set(among), step
    finally:
        p.close()


def test_an_edit_is_followed_and_the_table_does_not_count(tmp_path):
    """Sorted by tags, descending, after an edit: the count comes from the edit's
    movement, not from reading every tagging (fails without untagged.follow)."""
    p = Project.create(tmp_path / "e.annot", "E", author="Ann")
    try:
        doc = p.documents.add_source(ImportedSource(
            "t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)).id
        tag = p.tags.create("a", TagKind.THEME).value.id
        ids = [p.annotations.add(doc, start=i, end=i + 3,
                                 tag_ids=[tag] if i % 2 else []).value.id for i in range(8)]
        untagged.follow(p)
        TableWindow(p, None, "tags", True).rows(2, 3)  # counted once: the base
        for edit in (lambda: p.annotations.update(ids[0], tag_ids=[tag]),
                     lambda: p.annotations.delete(ids[2]), p.undo, p.undo, p.redo):
            edit()
            untagged.follow(p)  # what the table's model does after each edit
            statements: list[str] = []
            p.conn.set_trace_callback(statements.append)
            window = TableWindow(p, None, "tags", True)
            rows = window.rows(1, 10)
            p.conn.set_trace_callback(None)
            assert not any("GROUP BY x.annotation_id" in s for s in statements)
            assert window._segments[0].count == full(p)
            live = {a.id: a for a in p.annotations.for_document(doc)}
            want = sorted((i for i, a in live.items() if not a.tag_ids), reverse=True)
            assert [r[0] for r in rows[:len(want) - 1]] == want[1:]
    finally:
        p.close()


def test_a_commit_by_another_connection_is_not_followed(tmp_path):
    """Another connection's write is not seen by the triggers: the count is unknown
    (counted afresh) rather than wrong."""
    import sqlite3

    p = Project.create(tmp_path / "o.annot", "O", author="Ann")
    try:
        doc = p.documents.add_source(ImportedSource(
            "t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)).id
        ids = [p.annotations.add(doc, start=i, end=i + 3).value.id for i in range(4)]
        untagged.follow(p)
        untagged.remember(str(p.path), journal.stamp(p.conn), full(p))
        other = sqlite3.connect(p.path)
        other.execute("UPDATE annotations SET deleted = 1 WHERE id = ?", (ids[0],))
        other.commit()
        other.close()
        p.annotations.delete(ids[1])  # the stamp moves here
        assert untagged.follow(p) is None
    finally:
        p.close()


def test_a_crafted_kept_count_beyond_the_live_annotations_is_ignored(tmp_path):
    p = Project.create(tmp_path / "c.annot", "C", author="Ann")
    doc = p.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)).id
    for i in range(3):
        p.annotations.add(doc, start=i, end=i + 3)
    path = p.path
    p.close()
    with Project.open(path) as q:
        assert tally.kept_untagged(q.conn) == 3
        q.conn.execute("UPDATE tallies SET n = 4 WHERE kind = 'count' AND key = 'untagged'")
        assert tally.kept_count(q.conn, "untagged") == 4
        assert tally.kept_untagged(q.conn) is None


def test_none_untagged_then_a_few_are_read_among_those_written(tmp_path):
    """With none untagged when the count was known, the untagged rows after edits are
    among the annotations written since: read by key, not by reading every one (the
    oldest annotation untagged: ~1 s at 1M before), the same rows."""
    p = Project.create(tmp_path / "n.annot", "N", author="Ann")
    try:
        doc = p.documents.add_source(ImportedSource(
            "t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)).id
        tag = p.tags.create("a", TagKind.THEME).value.id
        ids = sorted(p.annotations.add(doc, start=i, end=i + 3, tag_ids=[tag]).value.id
                     for i in range(30))
        untagged.follow(p)
        assert TableWindow(p, None, "tags", True).count() == 30
        TableWindow(p, None, "tags", True).rows(5, 3)  # counted: none untagged
        p.annotations.update(ids[0], tag_ids=[])  # the oldest id: read last by a scan
        p.annotations.add(doc, start=40, end=44)
        untagged.follow(p)
        statements: list[str] = []
        p.conn.set_trace_callback(statements.append)
        rows = TableWindow(p, None, "tags", True).rows(0, 3)
        p.conn.set_trace_callback(None)
        assert [r[0] for r in rows[:2]] == sorted(untagged_ids(p), reverse=True)
        assert any(" AND a.id IN (" in s for s in statements)
        assert not any("GROUP BY x.annotation_id" in s for s in statements)
    finally:
        p.close()
