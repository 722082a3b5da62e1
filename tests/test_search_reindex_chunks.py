"""The annotations' word index is brought up to date a stretch of rows at a time (bounded
memory at a million annotations): every stretch, edits and deletions included."""

from __future__ import annotations

from annotator.core import search_index
from annotator.core.search import search_annotations


def test_reindexing_in_stretches_finds_every_note(project, letter, monkeypatch):
    monkeypatch.setattr(search_index, "_ROWS_AT_A_TIME", 3)
    ids = [project.annotations.add(letter.id, start=i, end=i + 2, note=f"marker{i} common").value.id
           for i in range(10)]
    assert len(search_annotations(project, "common")) == 10
    project.annotations.update(ids[4], note="steppe")
    project.annotations.delete(ids[7])
    assert {h.annotation_id
            for h in search_annotations(project, "common")} == set(ids) - {ids[4], ids[7]}
    assert len(search_annotations(project, "steppe")) == 1
    assert not search_annotations(project, "marker7")
