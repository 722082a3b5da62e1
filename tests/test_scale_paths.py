"""The annotations table's loader at scale (issue 17): rows come in reading order
document by document through the index, sorts run in SQL (quote and last change
through their own index, no sort of every row first), filters and ids keep working,
and the loader's second connection does not check the file again."""

from __future__ import annotations

import random

import pytest

from annotator.core import overview
from annotator.core.filters import AnnotationFilter
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind

WORDS = ("Briand", "treaty", "debt", "loan", "Krasin", "ambassador", "note", "émigré")


@pytest.fixture
def filled(project):
    rng = random.Random(17)
    docs = []
    for title in ("beta", "Alpha", "gamma"):
        text = " ".join(rng.choice(WORDS) for _ in range(400))
        src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                             text.encode(), text=text)
        docs.append((project.documents.add_source(src), text))
    tag = project.tags.list()[0].id
    with project.transaction("many"):
        for doc, text in docs:
            for _ in range(25):
                start = rng.randrange(0, len(text) - 30)
                project.annotations.add(doc.id, start=start, end=start + rng.randint(3, 25),
                                        note=rng.choice(("", "see Krasin", "a loan")),
                                        tag_ids=[tag] if rng.random() < 0.5 else [])
    return project


def rows(project, **kw):
    return [r for batch in overview.table_rows(project, batch=7, **kw) for r in batch]


def test_reading_order_document_by_document(filled):
    got = rows(filled)
    assert len(got) == 75
    keys = [(r[overview.ROW_DOC].casefold(), r[overview.ROW_START]) for r in got]
    assert keys == sorted(keys) and got[0][overview.ROW_DOC] == "Alpha"
    back = rows(filled, descending=True)
    assert [r[0] for r in back] == [r[0] for r in reversed(got)]


@pytest.mark.parametrize("sort,column", [("quote", overview.ROW_QUOTE),
                                         ("modified", overview.ROW_MODIFIED),
                                         ("note", overview.ROW_NOTE),
                                         ("author", overview.ROW_AUTHOR)])
def test_sorts_in_sql(filled, sort, column):
    def key(r):
        v = r[column] or ""
        return v.lower() if sort in ("quote", "note", "author") else v
    for descending in (False, True):
        got = [key(r) for r in rows(filled, sort=sort, descending=descending)]
        assert len(got) == 75 and got == sorted(got, reverse=descending)


@pytest.mark.parametrize("sort,index", [("quote", "annotations_live_quote"),
                                        ("modified", "annotations_live_modified")])
def test_quote_and_modified_are_read_through_their_index(filled, sort, index):
    seen = []
    real = filled.conn

    class Spy:
        def execute(self, sql, *args):
            seen.append(sql)
            return real.execute(sql, *args)

    filled.conn = Spy()
    try:
        rows(filled, sort=sort)
    finally:
        filled.conn = real
    (sql,) = [s for s in seen if s.startswith("SELECT a.id")]
    plan = " ".join(r[3] for r in real.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert index in plan and "TEMP B-TREE" not in plan


def test_filters_and_ids_with_a_sort(filled):
    tag = filled.tags.list()[0].id
    tagged = rows(filled, filt=AnnotationFilter(tag_id=tag), sort="quote")
    assert 0 < len(tagged) < 75
    assert {r[0] for r in tagged} == {a.id for a in filled.annotations.list()
                                      if tag in a.tag_ids}
    krasin = rows(filled, filt=AnnotationFilter(contains="krasin"))
    assert krasin and all("krasin" in (r[overview.ROW_QUOTE] + (r[overview.ROW_NOTE] or ""))
                          .lower() for r in krasin)
    some = [r[0] for r in rows(filled)][:5]
    assert sorted(r[0] for r in rows(filled, ids=some)) == sorted(some)


def test_the_loader_connection_does_not_check_the_file_again(filled, monkeypatch):
    from annotator.core import project as project_module

    def no(*_a, **_k):
        raise AssertionError("the file was checked again")

    monkeypatch.setattr(project_module, "_validate", no)
    second = overview.reader(filled.path)
    try:
        assert second.read_only
        assert len(rows(second)) == 75
    finally:
        second.close()


def test_the_live_row_indexes_are_read_alone(project):
    """A count or an OFFSET of the table reads its index, never the rows: SQLite does not
    take a partial index's WHERE column as held by the index, so each ends with it."""
    conn = project.conn
    for sql in (
            "SELECT count(*) FROM annotations a INDEXED BY annotations_live_reading "
            "WHERE a.deleted = 0 AND a.document_id = 'x'",
            "SELECT a.rowid FROM annotations a INDEXED BY annotations_live_quote "
            "WHERE a.deleted = 0 ORDER BY a.exact COLLATE NOCASE LIMIT 5 OFFSET 10",
            "SELECT a.rowid FROM annotation_tags t0 JOIN annotations a INDEXED BY "
            "annotations_live_id ON a.id = t0.annotation_id WHERE a.deleted = 0 "
            "AND t0.tag_id = 'x'",
            "SELECT document_id, author_id, count(*) FROM annotations INDEXED BY "
            "annotations_tally WHERE deleted = 0 GROUP BY document_id, author_id"):
        plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX" in plan, plan
