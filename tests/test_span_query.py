"""The text view's passages fetched with one join (issue 17) are the passages the
correlated tag subquery gave: same offsets, colour, live tags in the same order and
anchor state, for random passages, tags, deleted tags and deleted passages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import overview
from annotator.core.overview import LONG_SPAN, long_spans, spans_between

TEXT = "".join(f"Line {i:05d}: Briand wrote to Paris again 𐌰. " for i in range(300))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from annotator.core.project import Project

    p = Project.create(tmp_path_factory.mktemp("spans") / "s.annot", "S", author="T")
    yield p
    p.close()


def old_query(project, where: str, args: list) -> list[overview.Span]:
    """What spans_between and long_spans returned before the join (the reference)."""
    rows = project.conn.execute(f"{overview._SPAN} WHERE {where} ORDER BY a.start_offset", args)
    return [overview._span(r) for r in rows]


def in_order(spans: list[overview.Span]) -> list[overview.Span]:
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    return sorted(spans, key=lambda s: (s.start, s.id))


passage = st.tuples(st.integers(0, len(TEXT) - 1),
                    st.one_of(st.integers(0, 80), st.integers(LONG_SPAN - 5, LONG_SPAN * 2)),
                    st.sets(st.integers(0, 3), max_size=4), st.booleans(), st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(passages=st.lists(passage, min_size=1, max_size=25), gone_tag=st.integers(-1, 3),
       windows=st.lists(st.tuples(st.integers(0, len(TEXT)), st.integers(0, 6000)),
                        min_size=1, max_size=4))
def test_the_join_gives_the_passages_the_subquery_gave(project, tmp_path_factory, passages,
                                                       gone_tag, windows):
    path = tmp_path_factory.mktemp("t") / "t.txt"
    path.write_text(TEXT, encoding="utf-8")
    doc = project.documents.import_file(path).value.document
    tags = [project.tags.create(f"T{doc.id[:8]}-{i}").value.id for i in range(4)]
    for start, length, tag_set, own_colour, deleted in passages:
        ann = project.annotations.add(
            doc.id, start=start, end=min(len(TEXT), start + length),
            tag_ids=[tags[i] for i in sorted(tag_set)],
            color="#336699" if own_colour else "").value
        if deleted:
            project.annotations.delete(ann.id)
    if gone_tag >= 0:
        project.tags.delete(tags[gone_tag])
    window = ("a.document_id = ? AND a.deleted = 0 AND a.start_offset >= ? AND "
              "a.start_offset <= ? AND a.end_offset >= ? AND a.end_offset - a.start_offset <= ?")
    for start, width in windows:
        end = start + width
        assert in_order(spans_between(project, doc.id, start, end)) == in_order(old_query(
            project, window, [doc.id, max(0, start - LONG_SPAN), end, start, LONG_SPAN]))
        long_where = ("a.document_id = ? AND a.deleted = 0 AND a.start_offset IS NOT NULL AND "
                      "a.end_offset - a.start_offset > ?")
        assert in_order(long_spans(project, doc.id, start + 1, start)) == in_order(old_query(
            project, long_where + " AND a.start_offset < ? AND a.end_offset > ?",
            [doc.id, LONG_SPAN, start + 1, start]))
    assert in_order(long_spans(project, doc.id)) == in_order(
        old_query(project, long_where, [doc.id, LONG_SPAN]))
