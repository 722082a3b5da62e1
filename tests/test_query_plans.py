"""The queries the workbench runs on every selection and edit read what concerns the
passage, never every annotation (issue 17, format 7). Without statistics SQLite takes
an equality on an index's first column for a selective one: an index starting with
``deleted`` made it drive "deleted = 0" joins through every annotation (a passage's
links took 0.55 s at a million annotations). Checked on the plans SQLite chooses for
the statements the operations really run, so a new index or query that brings a full
pass back fails here, at any size."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.core.project import Project


@pytest.fixture
def project(tmp_path):
    text = tmp_path / "letter.txt"
    text.write_text("The delegation of Georgia and of Azerbaijan asks the Minister. " * 20,
                    encoding="utf-8")
    p = Project.create(tmp_path / "p.annot", "Plans", author="Historian")
    doc = p.documents.import_file(text).value.document
    person = p.tags.find("Person")
    briand = p.entities.create("Aristide Briand", person.id).value
    made = [p.annotations.add(doc.id, start=i * 10, end=i * 10 + 5, tag_ids=[person.id],
                              entity_id=briand.id if i % 2 else None).value
            for i in range(20)]
    p.links.create(made[0].id, made[1].id, "same person")
    p.annotations.delete(made[5].id)
    entity = briand
    yield p, doc.id, made, entity
    p.close()


def statements(conn: sqlite3.Connection, action) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def full_passes(conn: sqlite3.Connection, sql: str) -> list[str]:
    """Steps of the plan that visit every annotation: a scan of the table or of a
    non-covering index, or a search on ``deleted`` alone."""
    bad = []
    for *_ids, step in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
        on_annotations = " annotations " in f" {step} " or step.startswith(("SCAN a ", "SCAN s ",
                                                                            "SEARCH s ",
                                                                            "SEARCH a "))
        if not on_annotations:
            continue
        if step.startswith("SCAN") and "COVERING" not in step:
            bad.append(step)
        if "(deleted=?)" in step:
            bad.append(step)
    return bad


@pytest.mark.parametrize("what", ["links of a passage", "counts of one document",
                                  "mentions per entity", "passages on screen"])
def test_a_hot_query_reads_no_annotation_it_does_not_need(project, what):
    p, doc, made, _entity = project
    action = {
        "links of a passage": lambda: p.links.for_annotation(made[0].id),
        "counts of one document": lambda: p.documents.annotation_counts([doc]),
        "mentions per entity": lambda: p.entities.mention_counts(),
        "passages on screen": lambda: __import__(
            "annotator.core.spans", fromlist=["spans_between"]).spans_between(p, doc, 0, 100),
    }[what]
    run = statements(p.conn, action)
    assert run, what
    for sql in run:
        assert full_passes(p.conn, sql) == [], (what, sql)


def test_the_check_itself_sees_a_pass_over_every_annotation(project):
    """The same check flags the plan format 6's index gave the links query."""
    p, _doc, made, _entity = project
    p.conn.execute("CREATE INDEX deleted_first ON annotations (deleted, document_id)")
    sql = statements(p.conn, lambda: p.links.for_annotation(made[0].id))[0]
    assert full_passes(p.conn, sql)
    p.conn.execute("DROP INDEX deleted_first")
