"""A word filter's count read from the indexes of quotes and notes (issue 17: a common
word at 1M annotations) is the count of the filter's LIKE, and the word index's
candidates hold every annotation LIKE finds: for random quotes, notes, entity names
and words (inside words, ASCII and other case, diacritics, Cyrillic, LIKE's own
wildcards), with deleted annotations, entities and documents. LIKE folds the case of
ASCII letters only: the oracle below is that, in Python."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import search_index, table_words
from annotator.core.filters import AnnotationFilter
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind, TagKind
from annotator.core.table_window import TableWindow

ALPHABET = "aAbBeEéÉдДжЖß _%\\"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
pieces = st.text(alphabet=ALPHABET, min_size=1, max_size=8)


def fold(value: str) -> str:
    return value.translate(_ASCII_LOWER)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    from annotator.core.project import Project

    project = Project.create(tmp_path_factory.mktemp("twc") / "c.annot", "C", author="Ann")
    kind = project.tags.create("Person", TagKind.ENTITY_TYPE).value.id
    ents = [project.entities.create(n, kind).value.id for n in ("Bé", "Жаб", "a_b", "ÉE%")]
    text = "ÉE% aab Жаб"
    doc = project.documents.add_source(ImportedSource(
        "x", DocumentKind.TEXT, "text/plain", "x.txt", text.encode(), text=text)).id
    project.annotations.add(doc, start=0, end=2, entity_id=ents[3])
    project.entities.delete(ents[3])  # its name no longer finds its annotations
    yield project, ents[:3]
    project.close()


def like_matches(project, word: str) -> set[int]:
    """Rowids of the live annotations of live documents whose quote, note or live
    entity's name holds ``word``, ASCII letters in any case."""
    needle = fold(word)
    found = set()
    for rowid, exact, note, name, entity_deleted in project.conn.execute(
            "SELECT a.rowid, a.exact, a.note, e.name, e.deleted FROM annotations a "
            "JOIN documents d ON d.id = a.document_id LEFT JOIN entities e "
            "ON e.id = a.entity_id WHERE a.deleted = 0 AND d.deleted = 0"):
        if (needle in fold(exact or "") or needle in fold(note)
                or (name is not None and not entity_deleted and needle in fold(name))):
            found.add(rowid)
    return found


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=ALPHABET, min_size=12, max_size=50),
       notes=st.lists(st.one_of(st.just(""), pieces), min_size=1, max_size=4),
       data=st.data())
def test_the_count_of_a_word_is_the_count_of_its_like(made, text, notes, data):
    project, ents = made
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    added = []
    for note in notes:
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start, min(len(text), start + 12)))
        added.append(project.annotations.add(
            doc, start=start, end=end, note=note,
            entity_id=data.draw(st.sampled_from([None, *ents]))).value.id)
    if data.draw(st.booleans()):
        project.annotations.delete(added[0])
    if data.draw(st.integers(0, 4)) == 0:
        project.documents.delete(doc)
    search_index.refresh(project)  # as a search does: the word index is current
    source = data.draw(st.sampled_from([text, *[n for n in notes if n], "Жаб", "a_b"]))
    i = data.draw(st.integers(0, len(source) - 1))
    piece = source[i:data.draw(st.integers(i + 1, len(source)))]
    word = data.draw(st.one_of(
        st.just(piece), st.just(piece.swapcase()), st.just(piece.upper()), pieces))
    want = like_matches(project, word)
    filt = AnnotationFilter(contains=word)
    read = TableWindow(project, filt, find_words=False)
    assert read._count_words() == len(want)  # from the indexes
    assert read.count() == len(want)
    assert set(read.rowids(0, len(want) + 5)) == want
    candidates = table_words.word_candidates(project, word)
    if candidates is not None:  # a superset, LIKE deciding
        assert want <= set(candidates)
        assert TableWindow(project, filt).count() == len(want)


def test_a_settled_index_is_used_on_a_writable_project_and_follows_an_edit(tmp_path):
    """The mark the index is settled under (the journal's stamp) tells the writable
    connection too that its word index is current: no search needed first; an edit
    follows it (annotator.core.search_follow): the new note is found at once."""
    from annotator.core.project import Project

    path = tmp_path / "s.annot"
    project = Project.create(path, "S", author="Ann")
    text = "Paris Tiflis Baku Herriot " * 10
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    first = project.annotations.add(doc, start=6, end=12).value.id  # "Tiflis"
    assert table_words.word_candidates(project, "iflis") is None  # not settled
    project.close()  # settles the index under the journal's stamp
    project = Project.open(path)
    try:
        assert not table_words.index_current(project)  # no search on this connection
        found = table_words.word_candidates(project, "iflis")
        assert found is not None and table_words.rowids_of(project, [first]) == found
        project.annotations.update(first, note="Bakuvian")
        assert search_index.settled(project.conn)
        assert table_words.word_candidates(project, "akuvia") == found
    finally:
        project.close()


def test_a_word_common_as_a_whole_word_skips_the_vocabulary(project, monkeypatch):
    """More than FEW annotations hold the word itself: the candidates would be more
    than FEW, so the index's vocabulary (~0.3 s at 1M) is not read; the count and
    rows come from LIKE, and a rarer word still finds its candidates."""
    text = "Tiflis Baku Tiflis Herriot " * 10
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    for i in range(4):
        project.annotations.add(doc, start=0, end=6, note="Baku" if i == 3 else "")
    search_index.refresh(project)
    monkeypatch.setattr(table_words, "FEW", 3)
    real = table_words._vocabulary
    monkeypatch.setattr(table_words, "_vocabulary", lambda *a: pytest.fail("vocabulary read"))
    assert table_words.word_candidates(project, "tiflis") is None
    assert TableWindow(project, AnnotationFilter(contains="TIFLIS")).count() == 4
    monkeypatch.setattr(table_words, "_vocabulary", real)
    assert len(table_words.word_candidates(project, "aku")) == 1
