"""The codebook's uses per tag follow each action, undo and redo by what it changed
(issue 17): after any sequence of them, the counts kept that way equal a full count."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import tag_counts
from annotator.core.anchoring import describe
from annotator.core.errors import AnnotatorError
from annotator.core.importers.base import ImportedSource
from annotator.core.model import AnchorState, Annotation, DocumentKind, TagKind
from annotator.core.project import Project
from annotator.core.util import new_id, now

TEXT = "The treaty of Rapallo was signed by Chicherin and Rathenau in April 1922. " * 8
STEPS = st.lists(st.tuples(
    st.sampled_from(["tag", "retag", "untag", "delete", "undo", "redo", "merge", "bulk"]),
    st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=14)


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    """A project with one text and four themes, copied for each example."""
    path = tmp_path_factory.mktemp("counts") / "blank.annot"
    p = Project.create(path, "Counts", author="Historian")
    with p.transaction():
        p.documents.add_source(ImportedSource("Rapallo", DocumentKind.TEXT, "text/plain",
                                              "rapallo.txt", TEXT.encode(), text=TEXT))
    for name in ("Treaty", "Diplomat", "Date", "Place"):
        p.tags.create(name, TagKind.THEME)
    p.close()
    return path.read_bytes()


def _live(p: Project) -> list[Annotation]:
    return sorted(p.annotations.list(), key=lambda a: a.id)


def _step(p: Project, op: str, x: int, y: int) -> tuple[int | None, bool] | None:
    """Do one action; (its change set, undone?) or None when there was nothing to do."""
    tags = sorted(t.id for t in p.tags.list())
    doc = p.documents.list()[0].id
    live = _live(p)
    try:
        if op == "undo":
            return p.undo().value.id, True
        if op == "redo":
            return p.redo().value.id, False
        with p.transaction(op):
            if op == "tag" or (op in ("retag", "untag", "delete") and not live):
                start = x % (len(TEXT) - 20)
                p.annotations.add(doc, start=start, end=start + 1 + y % 19,
                                  tag_ids=[t for i, t in enumerate(tags) if (y >> i) & 1])
            elif op == "retag":
                p.annotations.update(live[x % len(live)].id,
                                     tag_ids=[t for i, t in enumerate(tags) if (y >> i) & 1])
            elif op == "untag":
                ann = live[x % len(live)]
                p.annotations.update(ann.id, tag_ids=ann.tag_ids[1:])
            elif op == "delete":
                p.annotations.delete(live[x % len(live)].id)
            elif op == "merge" and len(tags) > 1:
                p.tags.merge(tags[x % len(tags)], tags[(x + 1 + y % (len(tags) - 1)) % len(tags)])
            elif op == "bulk":  # an import: more rows than the journal keeps one by one
                stamp = now()
                p.annotations.add_many(
                    Annotation(new_id(), doc, p.author_id(), describe(TEXT, i, i + 5), None,
                               tags[:1 + y % len(tags)] if tags else [], "", "", None, "",
                               AnchorState.OK, stamp, stamp) for i in range(80))
    except AnnotatorError:  # nothing to undo or redo, a merge refused
        return None
    return p.last_changeset, False


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_counts_kept_from_changes_equal_a_full_count(blank, tmp_path_factory, steps):
    path = tmp_path_factory.mktemp("c") / "p.annot"
    path.write_bytes(blank)
    p = Project.open(path, author="Historian", backup_now=False)
    try:
        kept = tag_counts.counts(p)
        for op, x, y in steps:
            step = _step(p, op, x, y)
            if step is None:
                continue
            delta = tag_counts.change_in_counts(p, step[0], backwards=step[1])
            if op == "bulk" and not step[1]:
                assert delta is None  # counted afresh, not followed row by row
            if delta is None:
                kept = tag_counts.counts(p)
            else:
                kept.update(delta)
            assert +kept == Counter(p.tags.counts()), (op, delta)
    finally:
        p.close()


def test_a_note_changes_no_count_and_needs_no_full_count(tmp_path, blank):
    path = tmp_path / "p.annot"
    path.write_bytes(blank)
    p = Project.open(path, author="Historian", backup_now=False)
    theme = p.tags.list()[0].id
    with p.transaction("Tag"):
        ann = p.annotations.add(p.documents.list()[0].id, start=4, end=10,
                                tag_ids=[theme]).value
    assert tag_counts.change_in_counts(p, p.last_changeset) == Counter({theme: 1})
    with p.transaction("Note", coalesce=f"note:{ann.id}"):
        p.annotations.update(ann.id, note="Signed at Genoa.")
    assert tag_counts.change_in_counts(p, p.last_changeset, folded=True) == Counter()
    p.close()
