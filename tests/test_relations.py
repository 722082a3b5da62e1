"""Relations between entities on evidence (issue 15): create, cite, date, undo, merge of
entities moves them, and the merge of two copies of a project brings them over."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from annotator.core import entity_ops, relations
from annotator.core.errors import AnnotatorError
from annotator.core.importers.base import ImportedSource
from annotator.core.merge import merge
from annotator.core.model import DocumentKind
from annotator.core.project import Project
from annotator.core.util import now

TEXT = ("On 14 November 1924 Leonid Krasin was appointed plenipotentiary of the USSR in "
        "France.\nKrassin met Herriot at the Quai d'Orsay.\n")


@pytest.fixture
def world(project):
    src = ImportedSource("t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)
    doc = project.documents.add_source(src)
    person = project.tags.find("Person").id
    org = project.tags.find("Organisation").id
    e = project.entities
    krasin = e.create("Leonid Krasin", person).value
    krassin = e.create("Krassin", person).value
    ussr = e.create("USSR", org).value
    herriot = e.create("Édouard Herriot", person).value

    def mention(quote, entity, tag):
        start, end = project.annotations.locate(doc.id, quote, 1)
        return project.annotations.add(doc.id, start=start, end=end, tag_ids=[tag],
                                       entity_id=entity.id).value

    return dict(doc=doc, krasin=krasin, krassin=krassin, ussr=ussr, herriot=herriot,
                m_krasin=mention("Leonid Krasin", krasin, person),
                m_ussr=mention("USSR", ussr, org),
                m_krassin=mention("Krassin", krassin, person),
                m_herriot=mention("Herriot", herriot, person))


def test_create_with_evidence_and_date_then_undo(project, world):
    result = relations.create(project, world["krasin"].id, "represented", world["ussr"].id,
                              evidence=[world["m_krasin"].id, world["m_ussr"].id],
                              date="14 November 1924", note="appointed")
    rel = result.value
    assert rel.date_value == "1924-11-14" and rel.precision == "day"
    assert [t.name for t in relations.types(project)][:3] == ["wrote to", "member of",
                                                              "represented"]
    listed = relations.listing(project, world["ussr"].id)
    assert [r.id for r in listed] == [rel.id]
    assert listed[0].evidence == [world["m_krasin"].id, world["m_ussr"].id]
    quotes = relations.evidence(project, listed[0].evidence)
    assert [q.quote for q in quotes] == ["Leonid Krasin", "USSR"]
    assert result.changes.relations >= {rel.id}

    project.undo()  # one user action: relation, its evidence and the vocabulary go
    assert relations.listing(project) == []
    project.redo()
    assert relations.listing(project)[0].evidence == [world["m_krasin"].id,
                                                      world["m_ussr"].id]


def test_evidence_added_once_removed_and_dates_refused(project, world):
    rel = relations.create(project, world["krassin"].id, "met", world["herriot"].id).value
    assert rel.evidence == []
    relations.add_evidence(project, rel.id, world["m_herriot"].id)
    relations.add_evidence(project, rel.id, world["m_herriot"].id)  # twice: once
    assert relations.get(project, rel.id).evidence == [world["m_herriot"].id]
    relations.remove_evidence(project, rel.id, world["m_herriot"].id)
    assert relations.get(project, rel.id).evidence == []
    project.undo()
    assert relations.get(project, rel.id).evidence == [world["m_herriot"].id]
    assert relations.update(project, rel.id, date="1924/1925").value.precision == "decade" \
        or relations.get(project, rel.id).date_value == "1924/1925"
    with pytest.raises(AnnotatorError, match="not a date"):
        relations.update(project, rel.id, date="soon after")
    with pytest.raises(AnnotatorError, match="two different"):
        relations.create(project, world["ussr"].id, "met", world["ussr"].id)
    with pytest.raises(AnnotatorError, match="no annotation"):
        relations.create(project, world["ussr"].id, "met", world["krasin"].id,
                         evidence=["nope"])
    custom = relations.create(project, world["krasin"].id, "negotiated with",
                              world["herriot"].id).value
    assert relations.find_type(project, "Negotiated With").id == custom.relation_type_id


def test_merging_entities_moves_relations(project, world):
    met = relations.create(project, world["krassin"].id, "met", world["herriot"].id).value
    rep = relations.create(project, world["krasin"].id, "represented", world["ussr"].id).value
    loop = relations.create(project, world["krassin"].id, "met", world["krasin"].id).value
    entity_ops.merge(project, world["krassin"].id, world["krasin"].id)
    assert relations.get(project, met.id).source_id == world["krasin"].id
    assert relations.get(project, loop.id).deleted  # Krasin met himself: gone
    assert {r.id for r in relations.listing(project, world["krasin"].id)} == {met.id, rep.id}
    project.undo()
    assert relations.get(project, met.id).source_id == world["krassin"].id
    assert not relations.get(project, loop.id).deleted


def test_deleted_relation_and_deleted_entity_are_not_listed(project, world):
    rel = relations.create(project, world["krasin"].id, "represented", world["ussr"].id).value
    project.entities.delete(world["ussr"].id)
    assert relations.listing(project) == []
    project.undo()
    relations.delete(project, rel.id)
    assert relations.listing(project) == []


def test_merge_of_two_copies_unites_relations_and_evidence(project, world, tmp_path):
    rel = relations.create(project, world["krasin"].id, "represented", world["ussr"].id,
                           evidence=[world["m_krasin"].id]).value
    project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "colleague.annot"
    shutil.copy(project.path, copy)
    other = Project.open(copy)
    try:  # the colleague cites one more passage, dates it, and adds a relation
        relations.add_evidence(other, rel.id, world["m_ussr"].id)
        relations.update(other, rel.id, date="1924-11")
        met = relations.create(other, world["krassin"].id, "met", world["herriot"].id,
                               evidence=[world["m_herriot"].id]).value
    finally:
        other.close()
    relations.add_evidence(project, rel.id, world["m_ussr"].id)  # we cite it too
    report = merge(project, copy).value
    assert not [u for u in report.unmatched if "relation" in u], report.unmatched
    merged = relations.get(project, rel.id)
    assert merged.date_value == "1924-11"
    assert merged.evidence.count(world["m_ussr"].id) == 1  # one citation, not two
    assert relations.get(project, met.id).evidence == [world["m_herriot"].id]
    assert len(relations.types(project)) == len(relations.DEFAULT_TYPES)
    project.undo()
    assert relations.get(project, met.id) is None
    again = merge(project, copy).value  # merging twice changes nothing more
    assert relations.get(project, met.id) is not None
    merge(project, copy)
    assert len(relations.listing(project)) == 2
    assert again.added.get("relations") == 1


def test_hostile_relation_rows_are_refused(project, world, tmp_path):
    rel = relations.create(project, world["krasin"].id, "represented", world["ussr"].id).value
    project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "hostile.annot"
    shutil.copy(project.path, copy)
    with sqlite3.connect(copy) as conn:  # written behind the app's back
        conn.execute("UPDATE relations SET source_id = 'no-such', modified_at = ? "
                     "WHERE id = ?", (now(), rel.id))
    conn.close()
    report = merge(project, copy).value
    assert any("relations" in u for u in report.unmatched)
    assert relations.get(project, rel.id).source_id == world["krasin"].id


def test_cli_relate_list_types_and_refusals(project, world, capsys):
    from annotator.cli import main

    path = str(project.path)
    ann = world["m_krasin"].id
    project.close()
    assert main(["relate", path, "Leonid Krasin", "represented", "USSR", "--evidence",
                 ann[:8], "--date", "1924-11-14"]) == 0
    assert "Leonid Krasin —represented→ USSR (1924-11-14), 1 passage(s) cited" in \
        capsys.readouterr().out
    assert main(["relations", path, "USSR", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["evidence"][0]["quote"] == "Leonid Krasin" and row["date"] == "1924-11-14"
    assert main(["relations", path, "--add-type", "negotiated with", "--color",
                 "#123456"]) == 0
    assert "negotiated with" in capsys.readouterr().out
    assert main(["relations", path, "--edit", row["id"][:8], "--set-date", "November 1924",
                 "--set-note", "plenipotentiary"]) == 0
    assert "USSR  1924-11" in capsys.readouterr().out
    assert main(["relations", path, "--edit-type", "represented", "--rename",
                 "represented abroad", "--color", "#000000"]) == 0
    assert "#000000  represented abroad" in capsys.readouterr().out
    assert main(["relations", path, "--edit-type", "met", "--rename", "wrote to"]) == 2
    assert main(["relate", path, "Nobody", "met", "USSR"]) == 2
    assert main(["relate", path, "Krassin", "met", "USSR", "--date", "soon"]) == 2
    assert main(["relations", path, "--add-type", "x", "--color", "red"]) == 2
    err = capsys.readouterr().err
    assert "name of another relation type" in err
    assert "no entity 'Nobody'" in err and "not a date" in err and "#rrggbb" in err
    p = Project.open(path)
    assert len(relations.listing(p)) == 1  # the refused ones changed nothing
    p.close()


def test_three_way_merge_of_relations_keeps_a_conflict(project, world, tmp_path):
    from annotator.core import conflicts
    from annotator.core.merge import copy_for_colleague

    rel = relations.create(project, world["krasin"].id, "represented", world["ussr"].id,
                           note="appointed").value
    colleague = tmp_path / "colleague.annot"
    copy_for_colleague(project, colleague)
    other = Project.open(colleague)
    try:  # the colleague changes the note and dates it; we change the note too
        relations.update(other, rel.id, note="plenipotentiary in Paris", date="1924-11")
    finally:
        other.close()
    relations.update(project, rel.id, note="appointed 14 November")
    report = merge(project, colleague).value
    assert report.three_way
    merged = relations.get(project, rel.id)
    assert merged.date_value == "1924-11"  # changed on their side only: taken
    [conflict] = [c for c in report.conflicts if c["table_name"] == "relations"]
    assert conflict["field"] == "note" and conflict["row_id"] == rel.id
    [listed] = conflicts.list_conflicts(project)
    assert listed.field == "note" and "relation" in listed.what
    after_merge = relations.get(project, rel.id).note  # the later change (ours) stands
    assert after_merge == "appointed 14 November"
    conflicts.resolve(project, listed.id, "both")  # a note: both texts kept
    note = relations.get(project, rel.id).note
    assert "appointed 14 November" in note and "plenipotentiary in Paris" in note
    project.undo()
    assert relations.get(project, rel.id).note == after_merge
