"""Full-text search: KWIC with code-point offsets, diacritics, phrases, prefixes,
ranking, user syntax errors, the lazily refreshed index, filters, Ctrl+F."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from annotator.core import search
from annotator.core.importers.base import ImportedPage, ImportedSource
from annotator.core.model import AnchorState, DocumentKind, TagKind
from annotator.core.project import Project

TEXTS = {
    "recognition": "On October 28, 1924 the French premier Édouard Herriot sent a telegram. "
                   "Herriot proposed to exchange ambassadors 🇫🇷. HERRIOT again.",
    "letter": "His Excellency Mr. Aristide Briand 𐌰𐌱 Minister for Foreign Affairs\n"
              "Paris, 17 June 1927. The treaty of Locarno; the treaties of Paris.",
    "article": "Jean Herbette was the first ambassador. Hérriot's government recognised "
               "the Soviet Union in 1924.",
}


def add_text(project, title, text, **meta):
    src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                         text.encode("utf-8"), text=text, metadata=meta)
    return project.documents.add_source(src)


@pytest.fixture
def docs(project):
    return {k: add_text(project, k, v) for k, v in TEXTS.items()}


def check_offsets(project, hits):
    for h in hits:
        if h.kind == "text":
            assert project.documents.text(h.document_id)[h.start:h.end] == h.hit


def test_kwic_hits_carry_code_point_offsets(project, docs):
    hits = search.search(project, "herriot", limit=50)
    check_offsets(project, hits)
    assert {h.hit for h in hits} == {"Herriot", "HERRIOT", "Hérriot"}
    h = next(h for h in hits if h.hit == "Herriot" and h.document_id == docs["recognition"].id)
    assert h.left.endswith("Édouard ") and h.right.startswith(" sent")
    assert h.page is None and h.kind == "text"


def test_beyond_the_bmp_offsets(project, docs):
    hits = search.search(project, "minister", document_id=docs["letter"].id)
    check_offsets(project, hits)  # 𐌰𐌱 before the hit: code points, not UTF-16 units
    assert hits[0].start == TEXTS["letter"].index("Minister")


def test_diacritics_case_phrases_prefixes_or_not(project, docs):
    assert len(search.search(project, "Hérriot", limit=50)) == 4
    assert [h.hit for h in search.search(project, '"Aristide Briand"')] == ["Aristide Briand"]
    assert {h.hit for h in search.search(project, "treat*")} == {"treaty", "treaties"}
    assert {h.hit for h in search.search(project, "Locarno OR Herbette")} == \
        {"Locarno", "Herbette"}
    no_letter = search.search(project, "Paris -Locarno")
    assert no_letter == []
    assert {h.document_id for h in search.search(project, "ambassador*")} == \
        {docs["recognition"].id, docs["article"].id}
    assert {h.document_id for h in search.search(project, "ambassador* NOT herbette")} == \
        {docs["recognition"].id}


@pytest.mark.parametrize("query", ['"unbalanced', "-", "AND", "OR", "NOT", "(", ")",
                                   "herriot AND", '"', "*", "a:b", "NEAR(x y)", "^herriot",
                                   "herriot -", "--", "'", "¿?", "\\"])
def test_user_syntax_errors_never_crash(project, docs, query):
    hits = search.search(project, query)
    check_offsets(project, hits)
    assert isinstance(search.search_annotations(project, query), list)
    assert isinstance(search.count_documents(project, query), int)


def test_unbalanced_quote_is_a_phrase_and_operators_alone_are_words(project, docs):
    assert [h.hit for h in search.search(project, '"Aristide Briand')] == ["Aristide Briand"]
    assert search.fts_query("AND") == '"AND"'
    assert search.fts_query("-") == "" and search.fts_query("-herriot") == ""


def test_ranking_and_grouping(project, docs):
    hits = search.search(project, "herriot", limit=50)
    # the recognition text (three hits in a short text) ranks before the article (one)
    assert hits[0].document_id == docs["recognition"].id
    by_doc = [h.document_id for h in hits]
    assert by_doc == sorted(by_doc, key=by_doc.index)  # grouped: a document's hits together
    starts = [h.start for h in hits if h.document_id == docs["recognition"].id]
    assert starts == sorted(starts)
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)
    assert len(search.search(project, "herriot", limit=2)) == 2
    one_each = search.search(project, "herriot", per_document=1)
    assert [h.document_id for h in one_each] == [docs["recognition"].id, docs["article"].id]


def test_pages_are_searched_with_offsets_into_the_page_text(project):
    src = ImportedSource("scan", DocumentKind.PAGED, "application/pdf", "scan.pdf", b"%PDF",
                         pages=[ImportedPage(1, 595, 842, "Nothing here."),
                                ImportedPage(2, 595, 842, "The Siege of Vicksburg, 1863.")])
    doc = project.documents.add_source(src)
    (hit,) = search.search(project, "vicksburg")
    assert (hit.kind, hit.document_id, hit.page) == ("page", doc.id, 2)
    assert "The Siege of Vicksburg, 1863."[hit.start:hit.end] == "Vicksburg"


def test_index_follows_edits_lazily(project, docs):
    assert search.search(project, "Locarno")
    project.documents.set_text(docs["letter"].id, "A corrected letter about Rapallo.")
    assert search.search(project, "Locarno") == []
    assert search.search(project, "Rapallo")[0].start == len("A corrected letter about ")
    record = project.documents.delete(docs["letter"].id).value
    assert search.search(project, "Rapallo") == []
    project.documents.restore(record)
    assert search.search(project, "Rapallo")
    new = add_text(project, "new", "Litvinov in Geneva.")
    assert search.search(project, "geneva")[0].document_id == new.id


def test_annotation_quotes_and_notes(project, docs):
    text = TEXTS["recognition"]
    start = text.index("Herriot")
    ann = project.annotations.add(docs["recognition"].id, start=start, end=start + 7,
                                  note="Back-transliterated as Errio").value
    (hit,) = search.search_annotations(project, "errio")
    assert (hit.kind, hit.annotation_id, hit.start, hit.end) == ("note", ann.id, start,
                                                                 start + 7)
    (hit,) = search.search_annotations(project, "herriot")
    assert hit.kind == "quote" and text[hit.start:hit.end] == "Herriot"
    project.annotations.update(ann.id, note="now about Kalinin")
    assert search.search_annotations(project, "errio") == []
    assert search.search_annotations(project, "kalinin")
    project.annotations.delete(ann.id)
    assert search.search_annotations(project, "kalinin") == []


def test_rebuild_keeps_the_file_valid(project, docs, tmp_path):
    search.rebuild_index(project)
    assert len(search.search(project, "herriot", limit=50)) == 4
    path = project.path
    project.close()
    with Project.open(path) as again:  # schema check on open: the index is ours
        assert again.check().ok
        assert len(search.search(again, "herriot", limit=50)) == 4


def test_read_only_project_searches_a_temporary_index(tmp_path):
    path = tmp_path / "ro.annot"
    with Project.create(path) as p:
        add_text(p, "t", "Herriot and Briand")
    before = path.read_bytes()
    with Project.open(path) as p:  # index the text, then annotate: the notes are stale
        search.refresh(p)
        p.annotations.add(p.documents.list()[0].id, start=0, end=7, note="a note on Herriot")
    before = path.read_bytes()
    with Project.open(path, read_only=True) as ro:
        assert len(search.search_annotations(ro, "herriot")) == 2
        assert [h.hit for h in search.search(ro, "briand")] == ["Briand"]
        assert [h.hit for h in search.search(ro, "herriot")] == ["Herriot"]
    assert path.read_bytes() == before


def test_version_1_file_is_migrated_and_indexed(tmp_path, monkeypatch):
    from annotator.core import schema

    path = tmp_path / "v1.annot"
    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)  # made by the first release
    with Project.create(path) as p:
        add_text(p, "t", "Kalinin in Moscow")
    assert "search_text" not in {r[0] for r in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master")}
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current)
    with Project.open(path) as p:
        assert p.schema_version == current
        assert search.search(p, "moscow")[0].hit == "Moscow"


def test_filters(project, docs):
    person = project.tags.find("Person")
    theme = project.tags.create("Recognition", TagKind.THEME).value
    sub = project.tags.create("De jure", TagKind.THEME, parent_id=theme.id).value
    herriot = project.entities.create("Édouard Herriot", person.id).value
    text = TEXTS["recognition"]
    s1 = text.index("Herriot")
    a1 = project.annotations.add(docs["recognition"].id, start=s1 - 8, end=s1 + 7,
                                 tag_ids=[person.id], entity_id=herriot.id,
                                 date_value="1924-10-28").value
    s2 = text.index("Herriot proposed")
    a2 = project.annotations.add(docs["recognition"].id, start=s2, end=s2 + 50,
                                 tag_ids=[sub.id], note="exchange").value
    ids = search.matching_annotations
    assert ids(project, search.Filters(tag_id=theme.id)) == [a2.id]  # sub-tags included
    assert ids(project, search.Filters(entity_id=herriot.id)) == [a1.id]
    assert ids(project, search.Filters(date_from=date(1924, 1, 1),
                                       date_to=date(1924, 12, 31))) == [a1.id]
    assert ids(project, search.Filters(anchor_state=str(AnchorState.OK))) == [a1.id, a2.id]
    author = project.authors.find("Test Historian")
    assert len(ids(project, search.Filters(author_id=author.id))) == 2
    assert ids(project, search.Filters(document_id=docs["letter"].id)) == []
    # text hits inside passages that pass the filter
    hits = search.search(project, "herriot", limit=50,
                         filters=search.Filters(tag_id=theme.id))
    assert [h.start for h in hits] == [s2]
    # the date range of text hits is the document's date
    add_text(project, "dated", "Herriot in 1924", date="1924-10-28")
    hits = search.search(project, "herriot", filters=search.Filters(
        date_from=date(1924, 1, 1), date_to=date(1924, 12, 31)))
    assert [h.hit for h in hits] == ["Herriot"]
    notes = search.search_annotations(project, "exchange",
                                      filters=search.Filters(entity_id=herriot.id))
    assert notes == []


def test_find_in_text_for_ctrl_f():
    text = "Édouard HERRIOT and\nherriot; Hérriot 𐌰 herriot"
    found = search.find_in_text(text, "herriot")
    assert [text[a:b] for a, b in found] == ["HERRIOT", "herriot", "Hérriot", "herriot"]
    assert [text[a:b] for a, b in search.find_in_text(text, "herriot and herriot")] == \
        ["HERRIOT and\nherriot"]
    assert search.find_in_text(text, "   ") == []
    assert search.fold_preserving("Straße") == "straße"  # ß keeps its place
