"""Tagging a passage, the one use case of the workbench's keys and `annotator annotate`:
the entity by the one fold (found, or created when named), a Date tag's date read from
the quote, one highlight per passage, the key on an annotation toggling its tag, and
all of it one transaction."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import cli
from annotator.core import tagging
from annotator.core.errors import AnnotatorError
from annotator.core.model import RegionSelector
from tests.conftest import LETTER


@pytest.fixture
def types(project):
    return {t.name: t.id for t in project.tags.list()}


def span(quote: str) -> dict[str, int]:
    start = LETTER.index(quote)
    return {"start": start, "end": start + len(quote)}


def statements(project) -> list[str]:
    """Every statement the connection runs from now on (to count transactions)."""
    seen: list[str] = []
    project.conn.set_trace_callback(seen.append)
    return seen


def test_the_quote_names_a_known_entity_and_none_is_made_from_a_quote(project, letter, types):
    briand = project.entities.create("Aristide BRIAND", types["Person"]).value
    ann = tagging.tag_passage(project, letter.id, **span("Aristide Briand"),
                              tag_ids=[types["Person"]]).value
    assert ann.entity_id == briand.id and ann.tag_ids == [types["Person"]]
    ann = tagging.tag_passage(project, letter.id, **span("TOPTIBACHY"),
                              tag_ids=[types["Person"]]).value
    assert ann.entity_id is None and len(project.entities.list()) == 1


def test_a_named_entity_is_found_by_the_one_fold_else_created(project, letter, types):
    jan = project.entities.create("Jan Łukasiewicz", types["Person"]).value
    result = tagging.tag_passage(project, letter.id, **span("TOPTIBACHY"),
                                 tag_ids=[types["Person"]], entity="Jan Lukasiewicz")
    assert result.value.entity_id == jan.id and not result.changes.entities
    result = tagging.tag_passage(project, letter.id, **span("Ukraine"),
                                 tag_ids=[types["Place"]], entity="Ukraine")
    made = project.entities.get(result.value.entity_id)
    assert made.name == "Ukraine" and made.type_id == types["Place"]
    assert result.changes.entities == {made.id} and result.changes.annotations
    with pytest.raises(AnnotatorError, match="entity type"):
        tagging.tag_passage(project, letter.id, **span("Georgia"), entity="Georgia")


def test_one_transaction_and_nothing_left_when_it_fails(project, letter, types):
    seen = statements(project)
    tagging.tag_passage(project, letter.id, **span("Azerbaijan"), tag_ids=[types["Place"]],
                        entity="Azerbaijan", note="the Republic")
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert len(begins) == 1 and seen.count("COMMIT") == 1
    before = len(project.entities.list())
    with pytest.raises(AnnotatorError):  # the entity is made, then the passage is refused
        tagging.tag_passage(project, letter.id, start=5, end=10_000,
                            tag_ids=[types["Place"]], entity="Atlantis")
    assert len(project.entities.list()) == before
    assert project.entities.find("Atlantis") is None


def test_a_date_tag_reads_the_date_unless_one_is_given(project, letter, types):
    ann = tagging.tag_passage(project, letter.id, **span("17 June 1927"),
                              tag_ids=[types["Date"]]).value
    assert ann.date_value == "1927-06-17"
    ann = tagging.tag_passage(project, letter.id, **span("Paris, 17 June 1927"),
                              tag_ids=[types["Date"]]).value
    assert ann.date_value == ""  # not all of it is a date
    ann = tagging.tag_passage(project, letter.id, **span("Paris"), tag_ids=[types["Place"]],
                              date="1927-06").value
    assert ann.date_value == "1927-06"


def test_one_highlight_per_passage(project, letter, types):
    theme = project.tags.ensure("Émigré politics").id
    first = tagging.tag_passage(project, letter.id, **span("Georgia"),
                                tag_ids=[types["Place"]]).value
    again = tagging.tag_passage(project, letter.id, **span("Georgia"), tag_ids=[theme],
                                note="a republic in exile").value
    assert again.id == first.id and again.tag_ids == [types["Place"], theme]
    assert again.note == "a republic in exile"
    other = tagging.tag_passage(project, letter.id, **span("Georgia"), tag_ids=[theme],
                                note="another reading").value
    assert other.id != first.id  # a second note stands beside the first
    assert tagging.passage(project, letter.id, **span("Georgia")).id == first.id


def test_toggle_tag_on_and_off(project, letter, types):
    briand = project.entities.create("Aristide Briand", types["Person"]).value
    ann = project.annotations.add(letter.id, **span("Aristide Briand")).value
    on = tagging.toggle_tag(project, ann.id, types["Person"]).value
    assert on.tag_ids == [types["Person"]] and on.entity_id == briand.id
    off = tagging.toggle_tag(project, ann.id, types["Person"]).value
    assert off.tag_ids == [] and off.entity_id == briand.id  # the link stays: undo is for that
    date = project.annotations.add(letter.id, **span("17 June 1927")).value
    assert tagging.toggle_tag(project, date.id, types["Date"]).value.date_value == "1927-06-17"
    with pytest.raises(AnnotatorError, match="no tag"):
        tagging.toggle_tag(project, ann.id, "nonesuch")


def test_a_region_takes_its_words_as_the_quote(project, tmp_path, types):
    pymupdf = pytest.importorskip("pymupdf")
    pdf = pymupdf.open()
    pdf.new_page(width=595, height=842).insert_text((72, 100), "Herriot", fontsize=12)
    path = tmp_path / "scan.pdf"
    pdf.save(path)
    doc = project.documents.import_file(path).value.document
    herriot = project.entities.create("Édouard Herriot", types["Person"],
                                      aliases=["Herriot"]).value
    region = RegionSelector(1, 70, 85, 120, 20, text="HÉRRIOT")
    ann = tagging.tag_passage(project, doc.id, region=region, tag_ids=[types["Person"]]).value
    assert ann.region == region and ann.entity_id == herriot.id


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(-3, len(LETTER) + 3), st.integers(-3, len(LETTER) + 3),
       st.sampled_from(["Person", "Date", "Place", None]))
def test_any_span_is_tagged_or_refused_never_half_done(project, letter, types, start, end,
                                                       type_name):
    tag_ids = [types[type_name]] if type_name else []
    before = (project.annotations.count(), len(project.entities.list()))
    try:
        ann = tagging.tag_passage(project, letter.id, start=start, end=end,
                                  tag_ids=tag_ids).value
    except AnnotatorError:
        assert (project.annotations.count(), len(project.entities.list())) == before
        return
    assert 0 <= start <= end <= len(LETTER)
    assert ann.quote == LETTER[start:end] and set(tag_ids) <= set(ann.tag_ids)
    assert len(project.entities.list()) == before[1]  # no entity from a quote alone


# -- the command line goes through the same use case --------------------------------------


def test_cli_annotate_finds_the_entity_by_the_one_fold(project, letter, types, capsys):
    jan = project.entities.create("Jan Łukasiewicz", types["Person"]).value
    path = str(project.path)
    project.close()
    assert cli.main(["annotate", path, letter.id, "--quote", "TOPTIBACHY", "--tag", "Person",
                     "--entity", "Jan Lukasiewicz"]) == 0
    assert cli.main(["annotate", path, letter.id, "--quote", "17 June 1927",
                     "--tag", "Date"]) == 0
    assert cli.main(["annotate", path, letter.id, "--quote", "17 June 1927",
                     "--tag", "Collective security"]) == 0  # an unknown theme is created
    assert cli.main(["annotate", path, letter.id, "--quote", "Paris", "--entity", "Paris"]) == 2
    assert "entity type" in capsys.readouterr().err
    from annotator.core.project import Project

    with Project.open(path) as again:
        assert [e.id for e in again.entities.list()] == [jan.id]  # no duplicate record
        anns = {a.quote: a for a in again.annotations.for_document(letter.id)}
        assert anns["TOPTIBACHY"].entity_id == jan.id
        date = anns["17 June 1927"]
        assert date.date_value == "1927-06-17" and len(date.tag_ids) == 2
        assert len(again.annotations.for_document(letter.id)) == 2


def test_the_journal_keeps_one_change_set_that_undo_takes_back(project, letter, types):
    before = len(project.history())
    ann = tagging.tag_passage(project, letter.id, **span("Azerbaijan"),
                              tag_ids=[types["Place"]], entity="Azerbaijan").value
    history = project.history()
    assert len(history) == before + 1
    assert history[0].label == "Tag “Azerbaijan” as Place"
    project.undo()
    assert project.entities.find("Azerbaijan") is None
    gone = project.annotations.get(ann.id)
    assert gone is None or gone.deleted
