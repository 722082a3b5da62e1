"""One filter, one rule: ``annotator list``, the annotations table, every export and
search's annotation filter let the same annotations through, and the ones a scholar
would expect (checked against a plain-Python reading of each filter)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import overview, search
from annotator.core.dates import overlaps
from annotator.core.exporters.base import ExportFilter, count_annotations, iter_annotations
from annotator.core.filters import AnnotationFilter, date_range, document_date
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind, TagKind
from annotator.core.project import Project

TEXTS = {
    "recognition": ("On October 28, 1924 the French premier Édouard Herriot sent a telegram. "
                    "Herriot proposed to exchange ambassadors; 100% of the_staff agreed.",
                    "1924-10-28"),
    "letter": ("His Excellency Mr. Aristide Briand, Minister for Foreign Affairs. Paris, "
               "17 June 1927. The treaty of Locarno; the treaties of Paris.", "1927-06"),
    "undated": ("Jean Herbette was the first ambassador. Hérriot's government recognised "
                "the Soviet Union.", ""),
    "withdrawn": ("A draft, withdrawn: Herriot and Briand met in Geneva.", "1925"),
}
WORDS = ["Herriot", "herriot", "HERR", "ambassador", "100%", "the_staff", "_", "%", "é",
         "Briand", "note", "Édouard", "nothing like it"]
DATES = [None, date(1924, 1, 1), date(1924, 12, 31), date(1925, 6, 1), date(1927, 6, 30)]


def _add(project, title, text, when):
    meta = {"date": when} if when else {}
    src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                         text.encode("utf-8"), text=text, metadata=meta)
    return project.documents.add_source(src)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small project with something for every filter to keep or leave out."""
    p = Project.create(tmp_path_factory.mktemp("filters") / "f.annot", "Filters",
                       author="Ada")
    docs = {k: _add(p, k, text, when) for k, (text, when) in TEXTS.items()}
    person, place = p.tags.find("Person").id, p.tags.find("Place").id
    theme = p.tags.create("Recognition", TagKind.THEME).value.id
    sub = p.tags.create("De jure", TagKind.THEME, parent_id=theme).value.id
    herriot = p.entities.create("Édouard Herriot", person).value.id
    briand = p.entities.create("Aristide Briand", person).value.id
    paris = p.entities.create("Paris", place).value.id

    def mark(doc, quote, n=1, **kw):
        start, end = p.annotations.locate(docs[doc].id, quote, n)
        return p.annotations.add(docs[doc].id, start=start, end=end, **kw).value.id

    mark("recognition", "Herriot", tag_ids=[person], entity_id=herriot)
    mark("recognition", "October 28, 1924", tag_ids=[theme], date_value="1924-10-28")
    mark("recognition", "exchange ambassadors", tag_ids=[sub], note="de jure, 100% sure")
    mark("recognition", "the_staff", note="an underscore_in a note")
    p.set_author("Bob")
    mark("letter", "Aristide Briand", tag_ids=[person], entity_id=briand)
    mark("letter", "Paris", tag_ids=[place], entity_id=paris, date_value="1927-06-17")
    mark("letter", "Paris", 2, tag_ids=[place, sub], note="the treaties")
    mark("letter", "Locarno", date_value="1925-10/1925-12", note="Édouard's note")
    gone = mark("letter", "treaty", tag_ids=[theme])
    mark("undated", "Hérriot", tag_ids=[person], entity_id=herriot, note="spelling")
    mark("undated", "ambassador", date_value="1924")
    mark("withdrawn", "Herriot", tag_ids=[person], entity_id=herriot)
    p.set_author("Ada")
    mark("undated", "Soviet Union", tag_ids=[place])
    p.annotations.delete(gone)
    p.documents.delete(docs["withdrawn"].id)
    moved = mark("undated", "Jean Herbette", tag_ids=[person])
    p.conn.execute("UPDATE annotations SET anchor_state = 'orphaned' WHERE id = ?", (moved,))
    yield p, docs, [person, place, theme, sub], [herriot, briand, paris]
    p.close()


def filters(world):
    p, docs, tags, entities = world
    authors = [a.id for a in p.authors.list()]

    def maybe(values):
        return st.one_of(st.none(), st.sampled_from(values))

    return st.builds(
        AnnotationFilter, document_id=maybe([d.id for d in docs.values()]),
        tag_id=maybe(tags), subtags=st.booleans(), author_id=maybe(authors),
        entity_id=maybe(entities), anchor_state=maybe(["ok", "moved", "orphaned"]),
        contains=maybe(WORDS), date_from=st.sampled_from(DATES),
        date_to=st.sampled_from(DATES))


def expected(project, filt: AnnotationFilter) -> set[str]:
    """The filter read out in plain Python, over every record."""
    docs = {d.id: d for d in project.documents.list(include_deleted=True)}
    names = {e.id: e.name for e in project.entities.list()}
    tags = set(project.tags.descendants(filt.tag_id) if filt.subtags else [filt.tag_id]) \
        if filt.tag_id else set()
    out = set()
    for a in project.annotations.list(include_deleted=True):
        doc = docs[a.document_id]
        if a.deleted or doc.deleted:
            continue
        if filt.document_id and a.document_id != filt.document_id:
            continue
        if filt.tag_id and not tags & set(a.tag_ids):
            continue
        if any(value and value != have for value, have in (
                (filt.author_id, a.author_id), (filt.entity_id, a.entity_id),
                (filt.anchor_state, str(a.anchor_state)))):
            continue
        if filt.contains and not any(_like(filt.contains, text) for text in (
                a.quote, a.note, names.get(a.entity_id or "", ""))):
            continue
        if filt.has_dates and not overlaps(a.date_value or doc.metadata.get("date", ""),
                                           filt.date_from, filt.date_to):
            continue
        out.add(a.id)
    return out


def _like(words: str, text: str | None) -> bool:
    """SQLite's LIKE: ASCII letters in either case, other characters as they are."""
    ascii_lower = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    return words.translate(ascii_lower) in (text or "").translate(ascii_lower)


def every_user(project, filt: AnnotationFilter) -> dict[str, set[str]]:
    return {
        "list": {a.id for a in project.annotations.list(filt)},
        "export": {a.id for a in iter_annotations(project, filt)},
        "search": set(search.matching_annotations(project, filt)),
        "table": {r[overview.ROW_ID] for rows in overview.table_rows(project, filt)
                  for r in rows},
    }


def test_the_world_has_something_for_every_filter(world):
    p = world[0]
    assert len(expected(p, AnnotationFilter())) == 12
    assert {str(a.anchor_state) for a in p.annotations.list()} == {"ok", "orphaned"}
    assert len({a.author_id for a in p.annotations.list()}) == 2


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_user_of_a_filter_lets_the_same_annotations_through(world, data):
    p = world[0]
    filt = data.draw(filters(world))
    found = every_user(p, filt)
    want = expected(p, filt)
    assert found == dict.fromkeys(found, want)
    assert count_annotations(p, filt) == len(want)


def test_words_are_found_in_the_entity_name_everywhere(world):
    """Once only the table did so: an export "of the table" left these out."""
    p = world[0]
    filt = AnnotationFilter(contains="Édouard")  # in an entity's name, and in one note
    found = every_user(p, filt)
    assert len(found["list"]) == 3  # two live mentions of Herriot, and one note
    assert found == dict.fromkeys(found, found["list"])


def test_wildcards_are_plain_characters(world):
    p = world[0]
    quotes = {a.quote for a in p.annotations.list(contains="_")}
    assert quotes == {"the_staff"}  # its quote and note; no other has an underscore
    assert {a.note for a in p.annotations.list(contains="100%")} == {"de jure, 100% sure"}


def test_an_undated_annotation_takes_its_documents_date(world):
    p = world[0]
    first, last = date_range("1927")
    quotes = {a.quote for a in p.annotations.list(date_from=first, date_to=last)}
    assert quotes == {"Aristide Briand", "Paris"}  # the letter's date, or their own
    assert date_range("") == (None, None)
    assert document_date('{"date": "1924"}') == "1924"
    assert document_date("[1, 2]") == document_date("not json") == ""


def test_the_old_names_are_the_one_filter():
    assert ExportFilter is AnnotationFilter is search.Filters
    assert not AnnotationFilter().narrows
    assert AnnotationFilter(contains="x").on_annotations
    assert AnnotationFilter(date_to=date(1924, 1, 1)).has_dates
