"""`annotator info`'s counts (annotator.core.tally): kept with a stamp of the journal, and
never stale — after tagging, deleting, undo, redo, a text edit, or a crafted table."""

from __future__ import annotations

import json
from collections import Counter

from annotator.cli import main
from annotator.core import journal, tally
from annotator.core.project import Project


def _fresh(project: Project) -> dict:
    """The counts as a plain query over every row gives them."""
    conn = project.conn
    by_doc = Counter(dict(conn.execute(
        "SELECT document_id, count(*) FROM annotations WHERE deleted = 0 GROUP BY 1")))
    by_tag = Counter(dict(conn.execute(
        "SELECT at.tag_id, count(*) FROM annotation_tags at JOIN annotations a "
        "ON a.id = at.annotation_id WHERE a.deleted = 0 GROUP BY 1")))
    return {"documents": by_doc, "tags": by_tag}


def _shown(project: Project) -> dict:
    counts = tally.counts(project)
    return {"documents": +counts.by_document, "tags": +counts.by_tag}


def test_counts_follow_every_kind_of_change(project, letter):
    person, place = (project.tags.create(n, "entity_type").value for n in ("P", "L"))
    ids = [project.annotations.add(letter.id, start=i, end=i + 3, tag_ids=[person.id]).value.id
           for i in range(0, 30, 5)]
    assert _shown(project) == _fresh(project)
    project.annotations.update(ids[0], tag_ids=[person.id, place.id])
    project.annotations.delete(ids[1])
    assert _shown(project) == _fresh(project) and _fresh(project)["tags"][place.id] == 1
    project.undo()
    assert _shown(project) == _fresh(project)
    project.undo()
    assert _shown(project) == _fresh(project) and _fresh(project)["tags"][place.id] == 0
    project.redo()
    assert _shown(project) == _fresh(project)
    assert sum(_shown(project)["documents"].values()) == 6  # the deletion stays undone


def test_info_reads_kept_counts_after_close_and_counts_afresh_when_stale(tmp_path, letter,
                                                                          project):
    tag = project.tags.create("Theme", "theme").value
    for i in range(4):
        project.annotations.add(letter.id, start=i, end=i + 2, tag_ids=[tag.id])
    path = project.path
    project.close()
    with Project.open(path, read_only=True) as ro:
        stamp = journal.stamp(ro.conn)
        assert ("stamp", stamp, 0) in ro.conn.execute("SELECT * FROM tallies").fetchall()
        assert ro.info()["annotations"] == 4
    # a count kept under an old stamp is never shown: the journal moved on
    with Project.open(path) as p:
        p.annotations.add(letter.id, start=10, end=12, tag_ids=[tag.id])
        p.conn.execute("UPDATE tallies SET n = 99 WHERE kind = 'tag'")  # the old counts
        p.conn.commit()
        assert p.info()["annotations"] == 5
        assert {t["name"]: t["annotations"] for t in p.info()["tags"]}["Theme"] == 5


def test_a_crafted_tally_cannot_break_info(tmp_path, project, letter, capsys):
    project.annotations.add(letter.id, start=0, end=3)
    stamp = journal.stamp(project.conn)
    with project.transaction(record=False) as conn:
        conn.execute("DELETE FROM tallies")
        conn.executemany("INSERT INTO tallies VALUES (?, ?, ?)", [
            ("stamp", stamp, 0), ("document", letter.id, "many"), ("tag", "x", -4)])
        conn.execute("INSERT OR REPLACE INTO document_lengths VALUES (?, ?, 'long')",
                     (letter.id, letter.modified_at))
    path = project.path
    project.close()
    assert main(["info", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    doc = next(d for d in data["documents"] if d["id"] == letter.id)
    assert isinstance(doc["annotations"], int) and isinstance(doc["chars"], int)
    assert doc["chars"] == len(letter.text or "") or doc["chars"] > 0


def test_text_lengths_follow_an_edited_text(project, letter):
    before = tally.text_lengths(project.conn, remember=False)[letter.id]
    assert before == len(project.documents.text(letter.id))
    with project.transaction(record=False):
        tally.text_lengths(project.conn, remember=True)
    project.documents.set_text(letter.id, project.documents.text(letter.id) + "P.S. 𐌰")
    after = tally.text_lengths(project.conn, remember=False)[letter.id]
    assert after == before + 6


def test_info_counts_match_a_plain_count(project, letter, capsys):
    tag = project.tags.create("Theme", "theme").value
    for i in range(3):
        project.annotations.add(letter.id, start=i, end=i + 2, tag_ids=[tag.id])
    gone = project.annotations.add(letter.id, start=20, end=22, tag_ids=[tag.id]).value
    project.annotations.delete(gone.id)
    data = project.info()
    assert data["annotations"] == 3
    assert [t["annotations"] for t in data["tags"] if t["name"] == "Theme"] == [3]
    assert [d["annotations"] for d in data["documents"]] == [3]
    assert data["authors"][0]["annotations"] == 3


def test_the_journal_stamp_moves_with_a_folded_edit_and_the_index_follows_it(
        project, letter):
    """Typing a note folds into one undo step (no new change set): derived data kept
    under the journal's stamp must still see that something changed; the word index
    follows the edit (annotator.core.search_follow) under the new stamp."""
    from annotator.core import search_index

    ann = project.annotations.add(letter.id, start=0, end=3).value
    marks, steps = [], set()
    for note in ("first", "first draft", "first draft of the hinterland"):
        with project.transaction("Edit note", coalesce=f"note:{ann.id}"):
            project.annotations.update(ann.id, note=note)
        marks.append(journal.stamp(project.conn))
        steps.add(project.conn.execute("SELECT count(*) FROM changesets").fetchone()[0])
    assert len(steps) == 1  # one undo step
    assert len(set(marks)) == 3
    search_index.settle(project)
    assert search_index.settled(project.conn)
    before = search_index.settled_mark(project.conn)
    with project.transaction("Edit note", coalesce=f"note:{ann.id}"):
        project.annotations.update(ann.id, note="hinterland and steppe")
    assert search_index.settled_mark(project.conn) != before
    assert search_index.settled(project.conn)
    path = project.path
    project.close()
    with Project.open(path, read_only=True) as ro:
        from annotator.core.search import search_annotations

        assert search_index.settled(ro.conn)
        assert [h for h in search_annotations(ro, "steppe")]


def test_closing_a_changed_project_keeps_its_text_lengths(project, letter):
    with project.transaction(record=False):
        project.conn.execute("DELETE FROM document_lengths")
    project.annotations.add(letter.id, start=0, end=3)
    path = project.path
    project.close()
    with Project.open(path, read_only=True) as ro:
        kept = dict(ro.conn.execute("SELECT document_id, chars FROM document_lengths"))
        assert kept == {letter.id: len(ro.documents.text(letter.id))}


def test_the_untagged_count_is_kept_at_close_and_the_table_reads_it(tmp_path, letter,
                                                                    project):
    """The annotations table sorted by tags, descending, starts with the untagged ones:
    their count read every tagging (1.1-2.2 s at 1M). Kept at close under the journal's
    stamp, it is read back on reopening; an edit makes it stale, and it is counted."""
    from annotator.core.table_window import TableWindow

    tag = project.tags.create("Theme", "theme").value
    for i in range(6):
        project.annotations.add(letter.id, start=i, end=i + 2,
                                tag_ids=[tag.id] if i % 3 else [])
    path = project.path
    project.close()

    def untagged_first(p: Project) -> tuple[list, list[str]]:
        statements: list[str] = []
        p.conn.set_trace_callback(statements.append)
        try:
            # from the second row: the untagged ones' count says where they end
            rows = TableWindow(p, None, "tags", True).rows(1, 10)
        finally:
            p.conn.set_trace_callback(None)
        return rows, statements

    with Project.open(path) as p:
        assert tally.kept_count(p.conn, "untagged") == 2
        rows, statements = untagged_first(p)
        untagged = sorted(a.id for a in p.annotations.for_document(letter.id)
                          if not a.tag_ids)[::-1]
        assert [r[0] for r in rows[:1]] == untagged[1:]
        assert not any("GROUP BY x.annotation_id" in s for s in statements)  # not counted
        p.annotations.add(letter.id, start=20, end=22)  # a third untagged one: stale now
        assert tally.kept_count(p.conn, "untagged") is None
        rows, statements = untagged_first(p)
        assert sum(1 for s in statements if "GROUP BY x.annotation_id" in s) == 1
    with Project.open(path) as p:
        assert tally.kept_count(p.conn, "untagged") == 3  # kept again at close
