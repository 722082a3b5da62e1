"""The annotations table's windows (core.table_window, issue 17): for random projects,
filters and sort orders, the windows read one after the other are exactly the full
filtered list sorted in Python by the documented order, descending its reverse, and
position() finds every row where the windows put it."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import overview, search_index
from annotator.core.filters import AnnotationFilter
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind, TagKind
from annotator.core.table_window import SORTS, TableWindow

WORDS = ("Briand", "treaty", "debt", "loan", "Krasin", "ambassador", "note", "émigré",
         "Zeta", "alpha")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nocase(value: str) -> str:
    """SQLite's NOCASE: ASCII letters folded, everything else by code point."""
    return value.translate(_ASCII_LOWER)


def nulls_first(value: object) -> tuple:
    return (value is not None, value if value is not None else 0)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A project with titles, tags, entities, notes, dates, regions and deletions of
    every kind the order has to handle; made once, filtered and sorted many times."""
    from annotator.core.project import Project

    project = Project.create(tmp_path_factory.mktemp("tw") / "t.annot", "T", author="Ann")
    rng = random.Random(5)
    tags = [project.tags.create(n, TagKind.THEME).value.id
            for n in ("beta", "Alpha", "gamma", "alpha")]
    gone_tag = project.tags.create("deleted tag", TagKind.THEME).value.id
    etype = project.tags.create("Person", TagKind.ENTITY_TYPE).value.id
    ents = [project.entities.create(n, etype).value.id for n in ("Krasin", "briand", "Åland")]
    docs = []
    for title in ("beta", "Alpha", "gamma", "delta"):
        text = " ".join(rng.choice(WORDS) for _ in range(300))
        src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                             text.encode(), text=text)
        docs.append((project.documents.add_source(src).id, text))
    ids = []
    for n in range(90):
        doc, text = rng.choice(docs)
        start = rng.randrange(0, len(text) - 30) if rng.random() < 0.2 else rng.randrange(0, 40)
        kw = {"start": start, "end": start + rng.randint(0, 25)}  # ties at a start too
        ann = project.annotations.add(
            doc, tag_ids=rng.sample([*tags, gone_tag], rng.randint(0, 3)),
            note=rng.choice(("", "", "see Krasin", "a Loan", "Émigré")),
            entity_id=rng.choice([None, None, *ents]),
            date_value=rng.choice(("", "", "1924", "1923-05")), **kw).value
        ids.append(ann.id)
        if n % 7 == 0:
            project.set_author(rng.choice(("Ann", "bob", "Cleo")))
    for ann_id in rng.sample(ids, 8):
        project.annotations.delete(ann_id)
    project.tags.delete(gone_tag)
    project.entities.delete(ents[2])
    project.documents.delete(docs[3][0])
    search_index.refresh(project)  # as a search does: word filters use the index
    yield project, tags, ents
    project.close()


def oracle(project, filt, sort, descending):
    """The table's rows in the documented order, sorted in Python."""
    rows = [r for batch in overview.table_rows(project, filt) for r in batch]
    extra = {r[0]: r[1:] for r in project.conn.execute(
        "SELECT a.id, a.rowid, a.exact, a.note, a.y, a.x, a.entity_id, e.deleted, a.author_id "
        "FROM annotations a LEFT JOIN entities e ON e.id = a.entity_id")}
    live_tags = {t.id: t.name for t in project.tags.list() if not t.deleted}
    first_tag: dict[str, int] = {}
    tag_rank = {tid: i for i, tid in enumerate(
        sorted(live_tags, key=lambda t: (live_tags[t].casefold(), t)))}
    for ann_id, tag_id in project.conn.execute("SELECT annotation_id, tag_id FROM "
                                               "annotation_tags"):
        if tag_id in tag_rank:
            first_tag[ann_id] = min(first_tag.get(ann_id, 99), tag_rank[tag_id])
    entities = {e.id: e.name for e in project.entities.list()}
    authors = {a.id: a.name for a in project.authors.list()}

    def key(r):
        rowid, exact, note, y, x, entity_id, entity_deleted, author_id = extra[r[0]]
        if sort is None:
            return (r[overview.ROW_DOC].casefold(), r[overview.ROW_DOC_ID],
                    nulls_first(r[overview.ROW_START]), nulls_first(r[overview.ROW_PAGE]),
                    nulls_first(y), nulls_first(x), rowid)
        if sort in ("quote", "note"):
            return (nocase((exact or "") if sort == "quote" else note), rowid)
        if sort in ("date", "modified"):
            return (r[overview.ROW_DATE if sort == "date" else overview.ROW_MODIFIED], rowid)
        if sort == "page":
            return (nulls_first(r[overview.ROW_PAGE]), rowid)
        if sort == "entity":
            if entity_id is None:
                return (0, "", "", rowid)
            if entity_deleted:
                return (1, "", "", rowid)
            return (2, entities[entity_id].casefold(), entity_id, rowid)
        if sort == "author":
            return (authors[author_id].casefold(), author_id, rowid)
        assert sort == "tags"
        if r[0] not in first_tag:
            return (len(tag_rank), r[0], 0)
        return (first_tag[r[0]], r[0], 0)

    return [r[0] for r in sorted(rows, key=key, reverse=descending)]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sort=st.sampled_from(SORTS), descending=st.booleans(),
       which=st.sampled_from(("none", "tag", "author", "word", "document", "entity")),
       size=st.integers(1, 40), data=st.data())
def test_windows_are_the_sorted_filtered_list(made, sort, descending, which, size, data):
    project, tags, ents = made
    docs = [d.id for d in project.documents.list()]
    filt = {"none": None,
            "tag": AnnotationFilter(tag_id=data.draw(st.sampled_from(tags))),
            "author": AnnotationFilter(author_id=data.draw(st.sampled_from(
                [a.id for a in project.authors.list()]))),
            "word": AnnotationFilter(contains=data.draw(st.sampled_from(
                ("krasin", "LOAN", "é", "zzz", "rasi", "MIGR", "émi", "gré",
                 "see k", "Zeta")))),
            "document": AnnotationFilter(document_id=data.draw(st.sampled_from(docs))),
            "entity": AnnotationFilter(entity_id=data.draw(st.sampled_from(ents)))}[which]
    want = oracle(project, filt, sort, descending)
    if which == "word" and data.draw(st.booleans()):
        # the word index's candidates, as the table's reader hands them over: a
        # superset of the matches (LIKE decides), segments holding none left out
        every = [r[0] for r in project.conn.execute("SELECT rowid FROM annotations")]
        matches = [r[0] for r in project.conn.execute(
            f"SELECT rowid FROM annotations WHERE id IN ({','.join('?' * len(want))})", want)]
        extra = data.draw(st.lists(st.sampled_from(every), max_size=8))
        window = TableWindow(project, filt, sort, descending, sorted({*matches, *extra}),
                             find_words=False)
    else:
        window = TableWindow(project, filt, sort, descending)
    assert window.count() == len(want)
    got = []
    for start in range(0, len(want) + size, size):
        got += [r[0] for r in window.rows(start, size)]
    assert got == want
    for i in data.draw(st.lists(st.integers(0, max(0, len(want) - 1)), max_size=3)):
        if want:
            assert window.position(want[i]) == i
            assert window.rows(i, 1)[0][0] == want[i]


def test_far_windows_read_from_the_nearer_end(made, monkeypatch):
    """A window past the middle of a segment is read backwards from its end: the same
    rows as reading forwards."""
    from annotator.core import table_window

    project, _tags, _ents = made
    want = oracle(project, None, "quote", False)
    monkeypatch.setattr(table_window, "FAR", 5)
    window = TableWindow(project, None, "quote", False)
    assert [r[0] for r in window.rows(len(want) - 12, 10)] == want[-12:-2]
    assert window.position("no such annotation") == -1


def test_an_unknown_sort_is_refused(made):
    with pytest.raises(ValueError):
        TableWindow(made[0], None, "colour")


def test_a_word_filter_finds_through_the_word_index_what_like_finds(project):
    """A rare word's few candidates come from the word index, refreshed after an edit;
    its LIKE still decides (case of ASCII only, inside words too), and a read-only
    reader of an index not settled since the last change reads in order instead."""
    from annotator.core import table_words

    text = "Paris Tiflis Baku Herriot émigrés " * 20
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    first = project.annotations.add(doc, start=0, end=17).value  # "Paris Tiflis Baku"
    project.annotations.add(doc, start=18, end=33)  # "Herriot émigrés"

    def ids(word):
        return [r[0] for r in TableWindow(project, AnnotationFilter(contains=word)).rows(0, 99)]

    assert table_words.word_candidates(project, "iflis") is None  # index not current
    assert ids("iflis") == [first.id]  # read in order instead
    search_index.refresh(project)  # a search brings it up to date
    assert table_words.word_candidates(project, "iflis") is not None
    assert ids("iflis") == [first.id] and ids("TIFLIS") == [first.id]
    assert ids("emigr") == [] and len(ids("émigr")) == 1  # LIKE: é is not e
    project.annotations.update(first.id, note="a Zanzibar note")
    assert table_words.word_candidates(project, "zibar") is None  # stale: not used
    assert ids("zibar") == [first.id]
    search_index.refresh(project)
    assert table_words.word_candidates(project, "zibar") == [
        r[0] for r in project.conn.execute("SELECT rowid FROM annotations WHERE id = ?",
                                           (first.id,))]
    reader = overview.reader(project.path)
    try:
        assert table_words.word_candidates(reader, "zibar") is None  # not settled
        assert [r[0] for r in TableWindow(reader, AnnotationFilter(contains="zibar"))
                .rows(0, 9)] == [first.id]
    finally:
        reader.close()


def test_tags_sorted_without_a_filter_count_the_untagged_from_annotation_tags(project):
    """With no filter the untagged rows are counted as all less the tagged (deleted
    annotations and tags left out): both ways, every window, as sorted in Python."""
    text = "Paris Tiflis Baku Herriot " * 30
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    tags = [project.tags.create(n, TagKind.THEME).value.id for n in ("b", "A", "c")]
    made = [project.annotations.add(doc, start=i * 7, end=i * 7 + 5,
                                    tag_ids=tags[:i % 4]).value.id for i in range(40)]
    project.annotations.delete(made[5])
    project.annotations.delete(made[6])
    project.tags.delete(tags[2])
    for descending in (False, True):
        want = oracle(project, None, "tags", descending)
        for size in (1, 3, 7, 50):
            window = TableWindow(project, None, "tags", descending)
            got = [r[0] for start in range(0, len(want), size)
                   for r in window.rows(start, size)]
            assert got == want, (descending, size)


def test_the_untagged_count_is_remembered_until_the_journal_moves(project):
    """Counted once per stamp of the journal (it reads every tagging at 1M): sorting
    again reads it from memory, and tagging an untagged annotation moves the stamp,
    so the next window counts afresh, the rows as sorted in Python."""
    from annotator.core import table_window

    text = "Paris Tiflis Baku Herriot " * 30
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    tag = project.tags.create("b", TagKind.THEME).value.id
    made = [project.annotations.add(doc, start=i * 7, end=i * 7 + 5,
                                    tag_ids=[tag] if i % 3 else []).value.id
            for i in range(30)]
    want = oracle(project, None, "tags", True)
    assert [r[0] for r in TableWindow(project, None, "tags", True).rows(12, 10)] == want[12:22]
    assert any(key[0] == str(project.path) for key in table_window._COUNTED)
    project.annotations.update(made[0], tag_ids=[tag])  # untagged no more
    want = oracle(project, None, "tags", True)
    assert [r[0] for r in TableWindow(project, None, "tags", True).rows(12, 10)] == want[12:22]


@pytest.mark.parametrize("brief", [-1.0, 10.0])
def test_the_untagged_first_rows_are_read_at_once_or_after_counting(project, monkeypatch,
                                                                     brief):
    """Descending, the untagged rows come first: read at once if found within BRIEF
    (their count then known if fewer than asked), else counted first; the same rows."""
    from annotator.core import table_window
    from annotator.core import untagged as untagged_counts

    monkeypatch.setattr(table_window, "BRIEF", brief)
    monkeypatch.setattr(table_window, "_STEPS", 1)  # the clock looked at at once
    text = "Paris Tiflis Baku Herriot " * 30
    doc = project.documents.add_source(ImportedSource(
        "t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)).id
    tags = [project.tags.create(n, TagKind.THEME).value.id for n in ("b", "A")]
    for i in range(40):
        project.annotations.add(doc, start=i * 7, end=i * 7 + 5,
                                tag_ids=tags[:1 + i % 2] if i % 5 else [])
    want = oracle(project, None, "tags", True)
    for size in (3, 8, 12, 40):
        untagged_counts._KNOWN.clear()  # each size as if first: counted by none before
        table_window._COUNTED.clear()
        window = TableWindow(project, None, "tags", True)
        assert [r[0] for r in window.rows(0, size)] == want[:size], size
        untagged = window._segments[0]
        assert untagged.count == (8 if brief > 0 and size > 8 else
                                  None if brief > 0 else 8)
        assert [r[0] for r in window.rows(size, 10)] == want[size:size + 10]
