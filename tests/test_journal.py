"""The change journal: every action is one change set; undo and redo replay it exactly.

The property test runs random sequences of real operations, then undoes all of them
(the file must equal its first state, row for row) and redoes all of them (the file must
equal its last state)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import journal, journal_record
from annotator.core.errors import AnnotatorError
from annotator.core.journal import NothingToUndo
from annotator.core.project import Project

TEXT = ("Dear M. Briand, the Soviet delegation under Leonid Krasin met Édouard Herriot "
        "in Paris on 28 October 1924; the League of Nations was not consulted. "
        "Грузинская эмиграция в Париже ждала ответа. 𝔊𝔢𝔬𝔯𝔤𝔦𝔞 remained occupied.\n")


def snapshot(p: Project) -> dict[str, list[tuple]]:
    """Every journaled table, row for row (the search index is derived, not compared)."""
    out = {}
    for table, keys in journal.KEYS.items():
        out[table] = p.conn.execute(
            f"SELECT * FROM {table} ORDER BY {', '.join(keys)}").fetchall()
    return out


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "j.annot", "Journal", author="Alice")
    p.documents.import_bytes(TEXT.encode(), "letter.txt")
    yield p
    p.close()


def doc_id(p: Project) -> str:
    return p.documents.list()[0].id


def test_each_action_is_one_change_set_with_label_and_author(project):
    before = len(project.history())
    tag = project.tags.list()[0]
    s, e = project.annotations.locate(doc_id(project), "Leonid Krasin")
    with project.transaction("Tag “Leonid Krasin”"):
        ann = project.annotations.add(doc_id(project), start=s, end=e, tag_ids=[tag.id]).value
        project.annotations.update(ann.id, note="plenipotentiary")
    history = project.history()
    assert len(history) == before + 1
    latest = history[0]
    assert latest.label == "Tag “Leonid Krasin”"
    assert latest.author == "Alice"
    assert latest.state == "done"
    assert project.history(row_id=ann.id)[0].id == latest.id


def test_undo_redo_of_add_edit_delete(project):
    d = doc_id(project)
    start = snapshot(project)
    ann = project.annotations.add(d, start=5, end=14, note="addressee").value
    after_add = snapshot(project)
    project.annotations.update(ann.id, note="the addressee")
    project.annotations.delete(ann.id)
    assert project.annotations.get(ann.id).deleted
    assert project.undo().value.label == "Delete annotation"
    assert project.annotations.get(ann.id).note == "the addressee"
    project.undo()
    assert project.annotations.get(ann.id).note == "addressee"
    assert snapshot(project) == after_add
    project.undo()
    assert snapshot(project) == start
    assert project.annotations.get(ann.id) is None
    project.redo()
    assert snapshot(project) == after_add
    project.redo()
    project.redo()
    assert project.annotations.get(ann.id).deleted
    with pytest.raises(NothingToUndo):
        project.redo()


def test_new_action_ends_the_redo_chain(project):
    d = doc_id(project)
    project.annotations.add(d, start=0, end=4)
    project.undo()
    project.annotations.add(d, start=5, end=9)
    with pytest.raises(NothingToUndo):
        project.redo()
    assert [cs.state for cs in project.history(limit=2)] == ["done", "dropped"]


def test_undo_survives_closing_the_project(tmp_path, project):
    ann = project.annotations.add(doc_id(project), start=0, end=4, note="kept").value
    path = project.path
    project.close()
    with Project.open(path, author="Alice") as again:
        assert again.undo().value.label == "Add annotation"
        assert again.annotations.get(ann.id) is None


def test_undo_leaves_a_later_change_alone(project):
    """Undoing an older change set (by id) does not overwrite what a later one wrote."""
    ann = project.annotations.add(doc_id(project), start=0, end=4, note="one").value
    project.annotations.update(ann.id, note="two")
    first_edit = project.last_changeset
    project.annotations.update(ann.id, note="three", color="#ff0000")
    result = project.undo(first_edit)
    assert project.annotations.get(ann.id).note == "three"
    assert result.value.skipped == 1


def test_failed_inner_block_rolls_back_only_itself(project):
    d = doc_id(project)
    with project.transaction("Two passages"):
        kept = project.annotations.add(d, start=0, end=4).value
        with pytest.raises(AnnotatorError):
            with project.transaction():
                project.annotations.add(d, start=5, end=9)
                project.annotations.add(d, start=-5, end=2)  # refused: inner block fails
        assert len(project.annotations.list()) == 1
    assert [a.id for a in project.annotations.list()] == [kept.id]
    assert project.history()[0].label == "Two passages"
    assert project.history()[0].count == 1


def test_failed_action_records_nothing(project):
    n = len(project.history())
    with pytest.raises(AnnotatorError):
        project.annotations.add(doc_id(project), start=0, end=10**6)
    assert len(project.history()) == n


def test_note_typing_coalesces_into_one_step(project):
    ann = project.annotations.add(doc_id(project), start=0, end=4).value
    for note in ("K", "Kr", "Krasin"):
        with project.transaction("Edit note", coalesce=f"note:{ann.id}"):
            project.annotations.update(ann.id, note=note)
    assert project.history()[0].label == "Edit note"
    project.undo()
    assert project.annotations.get(ann.id).note == ""


def test_undo_of_an_import_removes_the_source_and_redo_brings_its_bytes(project):
    start = snapshot(project)
    report = project.documents.import_bytes(b"%PDF-no, just a text", "second.txt")
    assert report.changes.documents
    added = snapshot(project)
    project.undo()
    assert snapshot(project) == start
    project.redo()
    assert snapshot(project) == added


def test_history_of_a_hostile_journal_is_refused_cleanly(project):
    ann = project.annotations.add(doc_id(project), start=0, end=4).value
    project.conn.execute("UPDATE changes SET table_name = 'sqlite_master' "
                         "WHERE row_id = ?", (ann.id,))
    with pytest.raises(AnnotatorError):
        project.undo()
    assert project.annotations.get(ann.id) is not None


# -- random sequences ----------------------------------------------------------------

OPS = st.lists(st.tuples(st.sampled_from(
    ["add", "note", "tags", "delete", "tag", "entity", "retext", "link",
     "meta"]), st.integers(0, 10_000)), min_size=1, max_size=8)


def _run(p: Project, op: str, n: int) -> None:
    d = doc_id(p)
    anns = p.annotations.list()
    text = p.documents.text(d)
    tags = p.tags.list()
    try:
        if op == "add":
            s = n % max(1, len(text) - 10)
            p.annotations.add(d, start=s, end=s + 1 + n % 9, tag_ids=[tags[n % len(tags)].id])
        elif op == "note" and anns:
            p.annotations.update(anns[n % len(anns)].id, note=f"note {n} — «Krasin»")
        elif op == "tags" and anns:
            p.annotations.update(anns[n % len(anns)].id,
                                 tag_ids=[t.id for t in tags[: n % len(tags)]])
        elif op == "delete" and anns:
            p.annotations.delete(anns[n % len(anns)].id)
        elif op == "tag":
            p.tags.ensure(f"Theme {n % 5}/Sub {n % 3}")
        elif op == "entity":
            p.entities.create(f"Person {n}", tags[0].id, aliases=[f"P. {n}"])
        elif op == "retext":
            p.documents.set_text(d, text.replace("Paris", "Paris " * (1 + n % 2), 1))
        elif op == "link" and len(anns) >= 2:
            p.links.create(anns[0].id, anns[n % len(anns)].id)
        elif op == "meta":
            p.set_title(f"Project {n}")
    except AnnotatorError:
        pass


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_undo_all_then_redo_all_is_exact(tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("j") / "p.annot"
    with Project.create(path, "P", author="Alice") as p:
        p.documents.import_bytes(TEXT.encode(), "letter.txt")
        p.annotations.add(doc_id(p), start=0, end=4, note="first")
        states = [snapshot(p)]
        done = 0
        for op, n in ops:
            p.last_changeset = None
            _run(p, op, n)
            if p.last_changeset is not None:
                done += 1
                states.append(snapshot(p))
        for i in range(done):
            p.undo()
            assert snapshot(p) == states[-2 - i]
        for i in range(done):
            p.redo()
            assert snapshot(p) == states[i + 1]
        assert p.check().ok


def test_journal_tables_are_type_checked_on_open(tmp_path, project):
    project.annotations.add(doc_id(project), start=0, end=4)
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE changesets SET created_at = x'00'")
    conn.commit()
    conn.close()
    from annotator.core.errors import ProjectError

    with pytest.raises(ProjectError):
        Project.open(path)


def _tagged_annotations(project, n: int) -> list:
    """``n`` new tagged annotations of the first document, not yet added."""
    from annotator.core.model import AnchorState, Annotation, TextSelector
    from annotator.core.util import new_id, now

    d = doc_id(project)
    tag = project.tags.list()[0]
    with project.transaction():
        author = project.author_id()
    stamp = now()
    return [Annotation(new_id(), d, author, TextSelector(i, i + 4, TEXT[i:i + 4], "", ""),
                       None, [tag.id], f"n{i}", "", None, "", AnchorState.OK, stamp, stamp)
            for i in range(n)]


def _undo_redo_undo(project, start: dict, added: dict) -> None:
    """Undo gives back ``start``, redo ``added``, undo ``start`` again."""
    project.undo()
    assert snapshot(project) == start
    project.redo()
    assert snapshot(project) == added
    project.undo()
    assert snapshot(project) == start


def test_a_bulk_import_is_one_compact_change_that_undoes_and_redoes(project):
    anns = _tagged_annotations(project, journal.BULK * 3)
    start = snapshot(project)
    project.annotations.add_many(anns)
    added = snapshot(project)
    rows = project.conn.execute("SELECT count(*) FROM changes WHERE changeset_id = ?",
                                (project.last_changeset,)).fetchone()[0]
    assert rows == 2  # annotations and their tags, one journal row each
    history = project.history(row_id=anns[5].id, with_changes=True)
    assert history[0].changes[0].op == "insert"
    assert project.history()[0].label == f"Add {journal.BULK * 3} annotations"
    _undo_redo_undo(project, start, added)


def test_a_big_bulk_import_is_journaled_in_rows_of_bounded_size(project, monkeypatch):
    """The journal's b-tree compares a seek with whole rows: a million keys in one row
    made every later action at 1M pay 50-150 ms. Rows of at most BULK_ROW keys, and
    undo, redo, the label and the history read them all."""
    monkeypatch.setattr(journal, "BULK_ROW", 50)
    n = journal.BULK * 3  # 192: four rows of annotations, four of their tags
    anns = _tagged_annotations(project, n)
    start = snapshot(project)
    project.annotations.add_many(anns)
    added = snapshot(project)
    sizes = [json.loads(k) for k, in project.conn.execute(
        "SELECT row_key FROM changes WHERE changeset_id = ? AND table_name = 'annotations' "
        "ORDER BY seq", (project.last_changeset,))]
    assert [len(k) for k in sizes] == [50, 50, 50, 42]
    assert sorted(k[0] for chunk in sizes for k in chunk) == sorted(a.id for a in anns)
    assert project.history()[0].label == f"Add {n} annotations"
    assert project.history(row_id=anns[-1].id, with_changes=True)[0].changes
    _undo_redo_undo(project, start, added)


def test_correcting_a_long_transcription_keeps_only_the_changed_stretch(project):
    d = doc_id(project)
    long_text = TEXT * 200  # ~40k characters
    project.documents.set_text(d, long_text)
    ann = project.annotations.add(d, start=20_000, end=20_010).value
    corrected = long_text[:30_000] + "Édouard Herriot" + long_text[30_005:]
    project.documents.set_text(d, corrected)
    size = project.conn.execute(
        "SELECT sum(length(before) + length(after)) FROM changes WHERE changeset_id = ?",
        (project.last_changeset,)).fetchone()[0]
    assert size < 2_000
    project.undo()
    assert project.documents.text(d) == long_text
    assert project.annotations.get(ann.id).text.start == 20_000
    project.redo()
    assert project.documents.text(d) == corrected
    # a later correction elsewhere is kept when the earlier one is undone by id
    first = project.last_changeset
    project.documents.set_text(d, "PREFACE. " + corrected)
    project.undo(first)
    assert project.documents.text(d) == "PREFACE. " + corrected


@given(st.text(max_size=60), st.text(max_size=60))
def test_a_splice_turns_one_text_into_the_other_and_back(a, b):
    before, after = journal_record._splice(a, b)
    assert journal_record._spliced(a, before, after) == (True, b)
    assert journal_record._spliced(b, after, before) == (True, a)


def test_undo_and_redo_of_a_large_merge_are_exact(tmp_path):
    import shutil

    from annotator.core.merge import merge
    from annotator.core.model import AnchorState, Annotation, TextSelector
    from annotator.core.util import new_id, now

    mine = tmp_path / "mine.annot"
    with Project.create(mine, "M", author="Alice") as p:
        p.documents.import_bytes(TEXT.encode(), "letter.txt")
    shutil.copy(mine, tmp_path / "theirs.annot")
    with Project.open(tmp_path / "theirs.annot", author="Bob") as b:
        d, tag = doc_id(b), b.tags.list()[1]
        with b.transaction():
            bob = b.author_id()
        stamp = now()
        b.annotations.add_many(
            Annotation(new_id(), d, bob, TextSelector(i, i + 3, TEXT[i:i + 3], "", ""), None,
                       [tag.id], "", "", None, "", AnchorState.OK, stamp, stamp)
            for i in range(journal.BULK * 2))
    with Project.open(mine, author="Alice") as p:
        p.annotations.add(doc_id(p), start=0, end=4, note="mine")
        start = snapshot(p)
        merge(p, tmp_path / "theirs.annot", backup=False)
        merged = snapshot(p)
        assert len(p.annotations.list()) == journal.BULK * 2 + 1
        assert p.history()[0].kind == "merge"
        p.undo()
        assert snapshot(p) == start
        p.redo()
        assert snapshot(p) == merged


def test_check_reports_a_damaged_journal(project):
    project.annotations.add(doc_id(project), start=0, end=4)
    assert project.check().ok
    assert project.check().stats["changes"] >= 2
    with project.transaction(record=False):
        project.conn.execute("UPDATE changes SET table_name = 'sqlite_master'")
    report = project.check()
    assert any("journal" in p for p in report.problems)


def test_an_upgrade_killed_before_its_checkpoint_still_opens(tmp_path):
    """The header's version is stale while the WAL holds the upgrade: open must read the
    version through SQLite, not refuse the journal tables as foreign objects."""
    import os
    import shutil
    import signal
    from pathlib import Path

    from annotator.core import schema

    sample = Path(__file__).resolve().parent.parent / "sample_documents" / "sample.annot"
    path = tmp_path / "old.annot"
    shutil.copy(sample, path)
    conn = sqlite3.connect(path, isolation_level=None)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    if version >= schema.SCHEMA_VERSION:
        pytest.skip("the sample project is already of the current format")
    pid = os.fork()
    if pid == 0:  # upgrade in WAL mode, never checkpointed, then die
        try:
            c = sqlite3.connect(path, isolation_level=None)
            c.execute("PRAGMA journal_mode = WAL")
            c.execute("PRAGMA wal_autocheckpoint = 0")
            c.execute("BEGIN IMMEDIATE")
            schema.migrate(c, version)
            c.execute("COMMIT")
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    with open(path, "rb") as fh:
        assert int.from_bytes(fh.read(100)[60:64], "big") == version  # header is stale
    with Project.open(path, author="Alice") as p:
        assert p.schema_version == schema.SCHEMA_VERSION
        assert p.annotations.list()


def test_a_journal_with_deeply_nested_json_is_refused_not_crashed(project):
    ann = project.annotations.add(doc_id(project), start=0, end=4, note="x").value
    project.annotations.update(ann.id, note="y")
    with project.transaction(record=False):
        project.conn.execute("UPDATE changes SET after = ? WHERE row_id = ? AND op = 'update'",
                             ("[" * 100_000 + "]" * 100_000, ann.id))
    with pytest.raises(AnnotatorError, match="damaged"):
        project.undo()
    with pytest.raises(AnnotatorError, match="damaged"):
        project.history(row_id=ann.id, with_changes=True)
