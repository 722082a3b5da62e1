"""Their tags of the annotations a merge copies in bulk are copied afterwards in the
order of the key, a stretch at a time (issue 17: per batch, each row's tags were a
lookup at a random place of both indexes, which at a million rows missed the page
cache nearly every time). A stretch never splits an annotation's tags, so each key
is journaled once, and undo gives back exactly the state before."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.core import merge_annotations
from annotator.core.journal import BULK_KEY
from annotator.core.merge import merge
from annotator.core.project import Project
from tests.test_merge_followups import start


def _everything(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}")))
                for t in ("annotations", "annotation_tags", "tags")}
    finally:
        conn.close()


@pytest.mark.parametrize("stretch", [2, 4, 7, 50_000])
def test_tags_in_stretches_come_in_whole_journaled_once_and_undo_gives_back_the_state(
        tmp_path, monkeypatch, stretch):
    monkeypatch.setattr(merge_annotations, "TAG_STRETCH", stretch)
    monkeypatch.setattr(merge_annotations, "BATCH", 4)
    p, _ids, bob = start(tmp_path)
    p.close()
    ours = tmp_path / "alice.annot"
    with Project.open(bob, author="Bob", backup_now=False) as b:
        doc = b.documents.list()[0].id
        tags = [b.tags.ensure(name).id for name in ("Loans", "Reparations", "Gold")]
        expected = set()
        for n, quote in enumerate(("debt", "Herriot", "1924") * 3):
            s, e = b.annotations.locate(doc, quote)
            mine = tags[:1 + n % 3]  # one, two or three tags each
            new = b.annotations.add(doc, start=s, end=e, tag_ids=mine, note=str(n)).value.id
            names = {b.tags.get(t).name for t in mine}
            expected.add((new, frozenset(names)))
    before = _everything(ours)
    with Project.open(ours, author="Alice", backup_now=False) as a:
        report = merge(a, bob, backup=False).value
        got = {}
        for ann, name in a.conn.execute(
                "SELECT x.annotation_id, t.name FROM annotation_tags x JOIN tags t "
                "ON t.id = x.tag_id"):
            got.setdefault(ann, set()).add(name)
        assert {(i, frozenset(got.get(i, ()))) for i, _ in expected} == expected
        keys = [tuple(k) for (row_key,) in a.conn.execute(
            "SELECT row_key FROM changes WHERE changeset_id = ? AND table_name = "
            "'annotation_tags' AND row_id = ?", (report.changeset, BULK_KEY))
            for k in json.loads(row_key)]
        new_tags = set(a.conn.execute(
            "SELECT annotation_id, tag_id FROM annotation_tags WHERE annotation_id IN "
            f"({', '.join('?' * len(expected))})", [i for i, _ in expected]))
        assert len(keys) == len(set(keys)) and set(keys) == new_tags
        a.undo(report.changeset)
    assert _everything(ours) == before
