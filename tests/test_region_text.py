"""A region drawn on an aligned scan is the passage of the transcription its words are,
and becomes a text annotation there in one step (issue 10, part 3)."""

from __future__ import annotations

import pytest

from annotator.core import word_alignment
from annotator.core.errors import AnnotatorError
from annotator.core.model import RegionSelector
from tests.test_word_alignment_store import scan_and_text  # noqa: F401  (fixture)


def _box_of(project, scan_id, page, *texts):
    words = [w for w in project.documents.page(scan_id, page).words
             if w[4].strip(",.") in texts]
    assert len(words) == len(texts)
    x0, y0 = min(w[0] for w in words), min(w[1] for w in words)
    x1, y1 = max(w[2] for w in words), max(w[3] for w in words)
    return RegionSelector(page, x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2)


def test_a_region_becomes_the_passage_it_covers(project, scan_and_text):  # noqa: F811
    scan, letter = scan_and_text
    project.documents.link(letter.id, scan.id)
    text = project.documents.text(letter.id)
    region = _box_of(project, scan.id, 2, "Azerbaijan", "Georgia")
    start = text.index("Azerbaijan")
    assert word_alignment.region_passage(project, scan.id, region) == {
        "document": letter.id, "start": start, "end": text.index("Georgia") + 7}
    with project.transaction("Region to text"):
        made = word_alignment.annotate_region_text(project, scan.id, region=region).value
    assert (made.document_id, made.text.start, made.quote) == (
        letter.id, start, "Azerbaijan, Georgia")
    project.undo()  # one change set
    assert project.annotations.get(made.id) is None or project.annotations.get(made.id).deleted


def test_a_region_annotation_lends_its_tags_and_is_linked(project, scan_and_text):  # noqa: F811
    scan, letter = scan_and_text
    project.documents.link(letter.id, scan.id)
    tag = project.tags.create("Place", "theme").value
    region = _box_of(project, scan.id, 1, "Aristide", "Briand")
    source = project.annotations.add(scan.id, region=region, tag_ids=[tag.id],
                                     note="the addressee").value
    with project.transaction("Region to text"):
        made = word_alignment.annotate_region_text(project, scan.id,
                                                   annotation_id=source.id).value
    assert made.quote == "Aristide Briand" and made.tag_ids == [tag.id]
    assert made.note == "the addressee"
    links = project.links.for_annotation(made.id)
    assert [(lk.source_id, lk.target_id, lk.relation) for lk in links] == [
        (made.id, source.id, "transcribes")]
    assert not project.annotations.get(source.id).deleted  # the region stays


def test_a_region_over_unaligned_words_is_refused(project, scan_and_text):  # noqa: F811
    scan, letter = scan_and_text
    project.documents.link(letter.id, scan.id)
    before = project.annotations.count()
    blank = RegionSelector(1, 300, 400, 50, 40)  # below the text: no word there
    with pytest.raises(AnnotatorError, match="covers no word"):
        with project.transaction("Region to text"):
            word_alignment.annotate_region_text(project, scan.id, region=blank)
    assert project.annotations.count() == before
