"""The word index of quotes and notes follows each action (annotator.core.search_follow):
whenever it says it is settled, every annotation's entry is what its row holds now,
through random actions, undo, redo, bulk adds and failed actions; the table's word
filter then finds a word LIKE finds; a vocabulary read before an edit is brought
forward with the terms the edit indexed, on the writer's and a reader's connection,
and read again when the index was written another way."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import search_follow, search_index, table_words
from annotator.core.errors import AnnotatorError
from annotator.core.importers.base import ImportedSource
from annotator.core.model import AnchorState, Annotation, DocumentKind, TagKind, TextSelector
from annotator.core.overview import reader
from annotator.core.util import new_id, now

TEXT = "Herriot met Tchitcherine at Genoa; Жорес писал Эррио. Lausanne, Tiflis, Baku. " * 4
WORDS = st.text(alphabet="abeéжЖзZq ", min_size=1, max_size=10)


def _open(tmp_path, name="f.annot"):
    from annotator.core.project import Project

    path = tmp_path / name
    project = Project.create(path, "F", author="Ann")
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)).id
    project.annotations.add(doc, start=0, end=7, note="the premier")
    project.close()  # settles the index under the journal's stamp
    return Project.open(path), doc


def _mismatches(project) -> list[str]:
    """Annotations whose entry in the index is not what their row holds."""
    wrong = []
    for ann_id, deleted, quote, note, iq, inote in project.conn.execute(
            "SELECT a.id, a.deleted, coalesce(a.exact, ''), a.note, n.quote, n.note FROM "
            "annotations a LEFT JOIN search_annotations s ON s.annotation_id = a.id "
            "LEFT JOIN search_notes n ON n.rowid = s.id"):
        expected = (quote, note) if not deleted and (quote or note) else (None, None)
        if (iq, inote) != expected:
            wrong.append(ann_id)
    # entries left behind by rows that are gone (an undone insert, a hard delete)
    wrong += [f"entry of {a}" for (a,) in project.conn.execute(
        "SELECT s.annotation_id FROM search_annotations s WHERE NOT EXISTS "
        "(SELECT 1 FROM annotations a WHERE a.id = s.annotation_id)")]
    wrong += [f"words of {r}" for (r,) in project.conn.execute(
        "SELECT rowid FROM search_notes WHERE rowid NOT IN (SELECT id FROM search_annotations)")]
    return wrong


def _like(project, word: str) -> set[int]:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return {r[0] for r in project.conn.execute(
        "SELECT rowid FROM annotations WHERE deleted = 0 AND (exact LIKE ?1 ESCAPE '\\' "
        "OR note LIKE ?1 ESCAPE '\\')", (pattern,))}


ACTIONS = st.lists(st.tuples(
    st.sampled_from(["add", "note", "type", "delete", "tag", "move", "many", "undo", "redo",
                     "fail"]),
    st.integers(0, 10_000), WORDS), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, probe=WORDS)
def test_a_settled_index_holds_every_row_as_it_is_after_any_actions(tmp_path_factory,
                                                                     actions, probe):
    project, doc = _open(tmp_path_factory.mktemp("follow"))
    tag = project.tags.create("Theme", TagKind.THEME).value.id
    try:
        assert search_index.settled(project.conn)
        for what, n, word in actions:
            live = [r[0] for r in project.conn.execute(
                "SELECT id FROM annotations WHERE deleted = 0 ORDER BY rowid")]
            some = live[n % len(live)] if live else None
            try:
                if what == "add":
                    start = n % (len(TEXT) - 8)
                    project.annotations.add(doc, start=start, end=start + 1 + n % 7, note=word)
                elif what == "note" and some:
                    project.annotations.update(some, note=word)
                elif what == "type" and some:  # typing a note: folded into one step
                    with project.transaction("Edit note", coalesce=f"note:{some}"):
                        project.annotations.update(some, note=word)
                elif what == "delete" and some:
                    project.annotations.delete(some)
                elif what == "tag" and some:
                    project.annotations.update(some, tag_ids=[tag])
                elif what == "move" and some:
                    project.annotations.update(some, start=n % 40, end=n % 40 + 5)
                elif what == "many":  # more than journal.BULK: one bulk change
                    stamp = now()
                    project.annotations.add_many(
                        Annotation(new_id(), doc, project.author_id(), TextSelector(i, i + 3, TEXT[i:i + 3]),
                                   None, [], word if i % 2 else "", "", None, "",
                                   AnchorState.OK, stamp, stamp) for i in range(70))
                elif what == "undo":
                    project.undo()
                elif what == "redo":
                    project.redo()
                elif what == "fail" and some:
                    with pytest.raises(RuntimeError), project.transaction() as conn:
                        conn.execute("UPDATE annotations SET note = ? WHERE id = ?",
                                     (word + " lost", some))
                        raise RuntimeError("the action fails: nothing of it is kept")
            except (AnnotatorError, sqlite3.IntegrityError):  # nothing to undo or redo;
                pass  # prepared annotations on a document an undo took away
            if search_index.settled(project.conn):
                assert _mismatches(project) == []
        assert search_index.settled(project.conn)  # every one of these was followed
        want = _like(project, probe)
        found = table_words.word_candidates(project, probe)
        if found is not None:
            assert want <= set(found)
    finally:
        project.close()


def test_an_action_too_large_to_follow_leaves_the_index_unsettled(tmp_path, monkeypatch):
    """More annotations than FOLLOW_UP_TO: the mark stays behind the journal, the table
    does not trust the index, and closing settles it as before."""
    project, doc = _open(tmp_path)
    path = project.path
    monkeypatch.setattr(search_follow, "FOLLOW_UP_TO", 2)
    for start in (10, 20, 30):
        project.annotations.add(doc, start=start, end=start + 4)
    assert search_index.settled(project.conn)  # one at a time: followed
    stamp = now()
    project.annotations.add_many(
        Annotation(new_id(), doc, project.author_id(), TextSelector(i, i + 5, TEXT[i:i + 5]), None, [],
                   "Zyxwvut", "", None, "", AnchorState.OK, stamp, stamp) for i in range(3))
    assert not search_index.settled(project.conn)
    assert table_words.word_candidates(project, "yxwv") is None  # read in order instead
    project.close()
    from annotator.core.project import Project

    project = Project.open(path)
    try:
        assert search_index.settled(project.conn) and _mismatches(project) == []
        assert len(table_words.word_candidates(project, "yxwv")) == 3
    finally:
        project.close()


def _spy(monkeypatch) -> list:
    seen: list = []
    real = search_follow.terms_since

    def spy(*args):
        seen.append(found := real(*args))
        return found

    monkeypatch.setattr(search_follow, "terms_since", spy)
    return seen


def test_the_vocabulary_is_brought_forward_on_a_readers_connection(tmp_path, monkeypatch):
    """The table's reader thread reads the vocabulary on its own connection; after an
    edit on the writer's it finds the new word with the terms the edit indexed, not by
    reading the vocabulary again; an index written another way is read again."""
    project, doc = _open(tmp_path)
    seen = _spy(monkeypatch)
    other = reader(project.path)
    try:
        assert table_words.word_candidates(other, "emie") is not None  # read once
        assert seen == []
        ann = project.annotations.add(doc, start=12, end=24, note="Chicherin's Qzwlk").value
        rowid = table_words.rowids_of(project, [ann.id])[0]
        assert table_words.word_candidates(other, "zwl") == [rowid]
        assert seen[-1] == {"tchitcherine", "chicherin", "s", "qzwlk"}
        project.annotations.update(ann.id, note="")  # the term leaves the index
        assert table_words.word_candidates(other, "zwl") == []  # a superset: MATCH decides
        assert seen[-1] == {"tchitcherine"}  # the quote, indexed again
        # a write the index did not follow (the journal moves, the mark stays), then
        # brought up to date by a search: the vocabulary is read again
        monkeypatch.setattr(search_follow, "FOLLOW_UP_TO", 0)
        project.annotations.update(ann.id, note="Vxqjk")
        assert table_words.word_candidates(other, "xqj") is None  # not settled
        search_index.settle(project)
        assert search_index.settled(other.conn)
        assert table_words.word_candidates(other, "xqj") == [rowid]
        assert seen[-1] is None  # not brought forward: read again
    finally:
        other.close()
        project.close()


def test_links_are_recorded_only_once_a_vocabulary_is_held(tmp_path, monkeypatch):
    """Without a table's vocabulary of the file in this process an action follows the
    index without reading its state or recording what it indexed (a tenth of a plain
    action, for nothing); once one is held, the next action's words bring it forward."""
    project, doc = _open(tmp_path, "unwatched.annot")
    states: list = []
    real_state = search_follow.index_state
    monkeypatch.setattr(search_follow, "index_state",
                        lambda *a: states.append(1) or real_state(*a))
    links = len(search_follow._LINKS)
    other = reader(project.path)
    try:
        ann = project.annotations.add(doc, start=12, end=24, note="Pzrvk").value
        assert search_index.settled(project.conn) and _mismatches(project) == []
        assert states == [] and len(search_follow._LINKS) == links  # nothing recorded
        seen = _spy(monkeypatch)
        assert table_words.word_candidates(other, "zrv") is not None  # the vocabulary read
        project.annotations.update(ann.id, note="Pzrvk Wqxtl")
        assert table_words.word_candidates(other, "qxt") == table_words.rowids_of(
            project, [ann.id])
        assert seen[-1] == {"tchitcherine", "pzrvk", "wqxtl"}  # brought forward
    finally:
        other.close()
        project.close()


def test_an_action_that_wrote_the_index_inside_it_is_not_followed(tmp_path):
    """A search inside an action brings the index up to date within it; the action's
    record of the terms it indexed would then be short: it is not followed."""
    project, doc = _open(tmp_path)
    try:
        with project.transaction("Note and search") as conn:
            conn.execute("UPDATE annotations SET note = 'Wqpzt', modified_at = ?", (now(),))
            search_index.refresh(project)
        assert not search_index.settled(project.conn)
        project.annotations.add(doc, start=3, end=9)  # the next one is not followed either
        assert not search_index.settled(project.conn)
    finally:
        project.close()


def test_an_action_right_after_a_followed_one_does_not_read_the_journal(tmp_path,
                                                                         monkeypatch):
    """The journal's stamp is a scan of every change set (18 ms at 100,000): an action
    right after another on the same connection knows whether the index is settled
    without it, and makes the new mark from the stamp it wrote last; after a write of
    derived data it reads the stamp once, for the mark; after a write it did not see
    (outside an action, or another connection's) once, to know; after an action that
    did not follow, not at all. Each mark is the journal's stamp as read in full."""
    from annotator.core import journal

    project, doc = _open(tmp_path)
    try:
        project.annotations.add(doc, start=1, end=5)
        calls: list[int] = []
        real = journal.stamp
        monkeypatch.setattr(journal, "stamp", lambda conn: calls.append(1) or real(conn))

        def act(start: int, coalesce: str = "") -> int:
            calls.clear()
            with project.transaction("Mark", coalesce=coalesce):
                project.annotations.add(doc, start=start, end=start + 4)
            return len(calls)

        assert act(6) == 0 and search_index.settled(project.conn)
        assert act(8, "typing") == 0 and act(9, "typing") == 0  # folded: its time moves
        assert search_index.settled(project.conn)
        with project.transaction(record=False):  # derived data between two actions
            project.conn.execute("DELETE FROM document_lengths")
        assert act(10) == 1 and search_index.settled(project.conn)
        project.conn.execute("CREATE TEMP TABLE elsewhere (n)")  # a write it did not see
        project.conn.execute("INSERT INTO temp.elsewhere VALUES (1)")
        assert act(15) == 1 and search_index.settled(project.conn)
        project.undo()
        assert act(17) == 0 and search_index.settled(project.conn)
        monkeypatch.setattr(search_follow, "FOLLOW_UP_TO", 0)
        act(20)  # not followed: unsettled
        monkeypatch.setattr(search_follow, "FOLLOW_UP_TO", 5000)
        calls.clear()
        project.annotations.add(doc, start=25, end=29)
        assert calls == [] and not search_index.settled(project.conn)
    finally:
        project.close()


def test_the_journal_stamp_is_read_once_until_the_file_changes(tmp_path):
    """journal.stamp scans every change set; outside a transaction it is kept per
    connection until that connection writes or another one commits, and after an
    action that followed the index it is known without a scan at all."""
    from annotator.core import journal

    project, doc = _open(tmp_path)
    other = reader(project.path)
    scans: list[str] = []
    try:
        project.conn.set_trace_callback(
            lambda sql: scans.append(sql) if "count(*)" in sql and "changesets" in sql else None)
        project.annotations.add(doc, start=1, end=5)  # the first action reads it once
        scans.clear()
        project.annotations.add(doc, start=6, end=9)  # followed: made, not read
        first = journal.stamp(project.conn)
        assert journal.stamp(project.conn) == first and scans == []
        assert first == journal.stamp(other.conn)  # read on the reader's connection
        with project.transaction(record=False):  # a write: read again, the same value
            project.conn.execute("DELETE FROM document_lengths")
            assert journal.stamp(project.conn) == first and len(scans) == 1
            journal.stamp(project.conn)  # inside a transaction: never kept
            assert len(scans) == 2
        project.annotations.add(doc, start=10, end=14)
        assert journal.stamp(other.conn) != first  # the writer's commit seen by the reader
        assert journal.stamp(other.conn) == journal.stamp(project.conn)
    finally:
        project.conn.set_trace_callback(None)
        other.close()
        project.close()


def test_a_search_after_followed_actions_does_not_scan_the_annotations(tmp_path,
                                                                        monkeypatch):
    """Searching quotes and notes after edits the index followed trusts it (the scan
    for stale entries reads every annotation: ~1 s at 1M); after a write it did not
    follow, the scan runs and finds the new words, writable or read-only."""
    from annotator.core import search

    project, doc = _open(tmp_path)
    scans: list[str] = []
    real = search_index._UPDATES["annotations"]
    monkeypatch.setitem(search_index._UPDATES, "annotations",
                        lambda conn, s: scans.append(s) or real(conn, s))
    try:
        project.annotations.add(doc, start=12, end=24, note="Qlorbix")
        assert [h.annotation_id for h in search.search_annotations(project, "qlorbix")]
        assert scans == []
        monkeypatch.setattr(search_follow, "FOLLOW_UP_TO", 0)  # the next is not followed
        project.annotations.add(doc, start=30, end=40, note="Vendrak")
        with reader(project.path) as other:  # read-only: trusts only a settled index
            assert search.search_annotations(other, "vendrak")
        assert search.search_annotations(project, "vendrak")
        assert scans == ["temp", "main"]
    finally:
        project.close()
