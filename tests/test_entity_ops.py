"""Entity records: merge, split a mention off, create from a mention, a mention's
spelling as alias, identifiers, the mentions list, co-occurrence. Each is one action,
which the journal's undo and redo take back and do again whole."""

from __future__ import annotations

import pytest

from annotator.core import entity_ops
from annotator.core.errors import AnnotatorError
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind

TEXT = ("On October 28, 1924 the French premier Eduard Errio sent a telegram to Kalinin.\n"
        "Édouard Herriot's government recognised the Soviet Union; Kalinin replied.\n"
        "Herriot alone.")


@pytest.fixture
def world(project):
    src = ImportedSource("t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)
    doc = project.documents.add_source(src)
    person = project.tags.find("Person").id
    e = project.entities
    herriot = e.create("Édouard Herriot", person, identifiers={"wikidata": "Q193375"},
                       dates="1872/1957").value
    errio = e.create("Eduard Errio", person, aliases=["Errio"],
                     identifiers={"wikidata": "Q1", "viaf": "12345"},
                     description="As the Russian sources write him.").value
    kalinin = e.create("Mikhail Kalinin", person).value

    def mention(quote, entity, occurrence=1):
        start, end = project.annotations.locate(doc.id, quote, occurrence)
        return project.annotations.add(doc.id, start=start, end=end, tag_ids=[person],
                                       entity_id=entity.id if entity else None).value

    anns = {
        "m_errio": mention("Eduard Errio", errio),
        "m_herriot": mention("Édouard Herriot", herriot),
        "kalinin1": mention("Kalinin", kalinin),
        "kalinin2": mention("Kalinin", kalinin, 2),
        "alone": mention("Herriot", None, 2),
    }
    return dict(doc=doc, person=person, herriot=herriot, errio=errio, kalinin=kalinin, **anns)


def test_merge_moves_mentions_and_spellings_and_undo_restores(project, world):
    result = entity_ops.merge(project, world["errio"].id, world["herriot"].id)
    record = result.value
    assert record.moved == [world["m_errio"].id]
    target = project.entities.get(world["herriot"].id)
    assert target.aliases == ["Eduard Errio", "Errio"]
    assert target.identifiers == {"wikidata": "Q193375", "wikidata (merged)": "Q1",
                                  "viaf": "12345"}
    assert target.description == "As the Russian sources write him."
    assert target.dates == "1872/1957"
    assert project.entities.get(world["errio"].id).deleted
    assert project.annotations.get(world["m_errio"].id).entity_id == world["herriot"].id
    assert project.entities.mention_counts()[world["herriot"].id] == 2
    assert result.changes.entities == {world["errio"].id, world["herriot"].id}

    project.undo()
    assert project.entities.get(world["herriot"].id).aliases == []
    assert project.entities.get(world["herriot"].id).identifiers == {"wikidata": "Q193375"}
    assert project.entities.get(world["herriot"].id).description == ""
    restored = project.entities.get(world["errio"].id)
    assert not restored.deleted and restored.aliases == ["Errio"]
    assert project.annotations.get(world["m_errio"].id).entity_id == world["errio"].id

    project.redo()
    assert project.entities.get(world["errio"].id).deleted
    assert project.annotations.get(world["m_errio"].id).entity_id == world["herriot"].id
    assert project.entities.get(world["herriot"].id).aliases == ["Eduard Errio", "Errio"]


def test_merge_refuses_itself_and_unknown(project, world):
    with pytest.raises(AnnotatorError):
        entity_ops.merge(project, world["herriot"].id, world["herriot"].id)
    with pytest.raises(AnnotatorError):
        entity_ops.merge(project, "nope", world["herriot"].id)


def test_split_a_mention_off_and_back(project, world):
    record = entity_ops.split_mention(project, world["kalinin2"].id, name="Another Kalinin").value
    assert record.created.name == "Another Kalinin"
    assert project.annotations.get(world["kalinin2"].id).entity_id == record.created.id
    assert project.entities.mention_counts()[world["kalinin"].id] == 1
    project.undo()
    assert project.annotations.get(world["kalinin2"].id).entity_id == world["kalinin"].id
    assert project.entities.get(record.created.id) is None  # undoing its creation
    project.redo()
    assert project.annotations.get(world["kalinin2"].id).entity_id == record.created.id
    assert project.entities.get(record.created.id).name == "Another Kalinin"  # same id
    # to an existing entity
    moved = entity_ops.split_mention(project, world["kalinin1"].id,
                                     entity_id=world["herriot"].id).value
    assert moved.created is None
    assert project.annotations.get(world["kalinin1"].id).entity_id == world["herriot"].id
    with pytest.raises(AnnotatorError):
        entity_ops.split_mention(project, world["alone"].id)


def test_create_entity_from_a_mention_and_alias_from_a_mention(project, world):
    record = entity_ops.create_from_mention(project, world["alone"].id).value
    assert record.created.name == "Herriot" and record.created.type_id == world["person"]
    assert project.annotations.get(world["alone"].id).entity_id == record.created.id
    project.undo()
    assert project.annotations.get(world["alone"].id).entity_id is None
    assert project.entities.get(record.created.id) is None

    project.annotations.update(world["alone"].id, entity_id=world["herriot"].id)
    before, after = entity_ops.add_mention_alias(project, world["alone"].id).value
    assert before.aliases == [] and after.aliases == ["Herriot"]
    project.undo()
    assert project.entities.get(world["herriot"].id).aliases == []
    untagged = project.annotations.add(world["doc"].id, start=0, end=2).value
    with pytest.raises(AnnotatorError, match="entity type"):
        entity_ops.create_from_mention(project, untagged.id)
    with pytest.raises(AnnotatorError):
        entity_ops.add_mention_alias(project, untagged.id)


def test_identifiers_and_their_links(project, world):
    before, after = entity_ops.set_identifiers(
        project, world["herriot"].id, {"wikidata": " Q193375 ", "viaf": "", "other": "x"}).value
    assert after.identifiers == {"wikidata": "Q193375", "other": "x"}
    assert entity_ops.identifier_url("wikidata", "Q193375") == \
        "https://www.wikidata.org/wiki/Q193375"
    assert entity_ops.identifier_url("GeoNames", "2988507") == "https://www.geonames.org/2988507"
    assert entity_ops.identifier_url("shelfmark", "F7 13 958") is None
    assert entity_ops.identifier_url("web", "https://example.org/x") == "https://example.org/x"


def test_mentions_in_context_and_cooccurrence(project, world):
    listed = entity_ops.mentions(project, world["kalinin"].id)
    assert [m.quote for m in listed] == ["Kalinin", "Kalinin"]
    assert listed[0].left.endswith("telegram to") and listed[0].document_title == "t"
    assert TEXT[listed[1].start:listed[1].end] == "Kalinin"
    entities, pairs = entity_ops.cooccurrence(project)
    key = tuple(sorted((world["errio"].id, world["kalinin"].id)))
    assert pairs[key] == 1  # first paragraph
    key = tuple(sorted((world["herriot"].id, world["kalinin"].id)))
    assert pairs[key] == 1  # second paragraph
    assert {e.id for e in entities} == {world["errio"].id, world["herriot"].id,
                                        world["kalinin"].id}
