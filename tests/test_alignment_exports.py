"""Exports of an aligned transcription use the alignment (issue 10, part 3): TEI links
each passage to the zone of its words in the facsimile, the scan's annotated PDF
highlights the words themselves, and W3C gives a passage a second target on the
scan."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pymupdf
import pytest

from annotator.core.annotation_import import import_annotations
from annotator.core.exporters import ExportFilter, export
from tests.test_export_common import jing_or_lxml_relaxng, validators
from tests.test_export_tei import TEI, XML_ID, dangling
from tests.test_export_w3c import wat_failures
from tests.test_word_alignment_store import scan_and_text  # noqa: F401  (fixture)


@pytest.fixture
def aligned(project, scan_and_text):  # noqa: F811
    """The letter linked (aligned) to its scan, "Azerbaijan, Georgia" (page 2) and
    "Aristide Briand" (page 1) tagged, and the commentary's first words (on no page)."""
    scan, letter = scan_and_text
    project.documents.link(letter.id, scan.id)
    text = project.documents.text(letter.id)
    tag = project.tags.create("Place", "theme").value
    made = {}
    for quote in ("Azerbaijan, Georgia", "Aristide Briand", "An introduction"):
        start = text.index(quote)
        made[quote] = project.annotations.add(letter.id, start=start, end=start + len(quote),
                                              tag_ids=[tag.id]).value
    return scan, letter, made


def _words(project, scan_id, page, *texts):
    found = [w for w in project.documents.page(scan_id, page).words
             if w[4].strip(",.") in texts]
    assert len(found) == len(texts)
    return found


def test_tei_points_each_passage_at_the_zone_of_its_words(project, aligned, tmp_path):
    scan, letter, made = aligned
    out = export(project, "tei", tmp_path / "tei").paths
    assert len(out) == 1  # the scan is the letter's facsimile, not a file of its own
    root = ET.parse(out[0]).getroot()
    ids = {e.get(XML_ID): e for e in root.iter()}
    seg = next(e for e in root.iter() if e.get("facs") and "".join(e.itertext())
               == "Azerbaijan, Georgia")
    (pointer,) = seg.get("facs").split()
    zone = ids[pointer[1:]]
    assert zone.tag == f"{TEI}zone" and zone.get("type") == "words"
    assert ids[zone.get(XML_ID)] is zone
    surface = next(s for s in root.iter(f"{TEI}surface") if zone in list(s))
    assert surface.get("n") == "2"
    boxes = _words(project, scan.id, 2, "Azerbaijan", "Georgia")
    assert float(zone.get("ulx")) == pytest.approx(min(b[0] for b in boxes), abs=0.01)
    assert float(zone.get("lrx")) == pytest.approx(max(b[2] for b in boxes), abs=0.01)
    assert float(zone.get("lry")) == pytest.approx(max(b[3] for b in boxes), abs=0.01)
    # the commentary is on no page: no @facs, never a guessed zone
    intro = next(e for e in root.iter() if "".join(e.itertext()) == "An introduction")
    assert intro.get("facs") is None
    assert dangling(out[0]) == []


@pytest.mark.slow  # lxml loads tei_all.rng in ~20 s here (jing is not installed)
def test_tei_with_word_zones_is_valid(project, aligned, tmp_path):
    out = export(project, "tei", tmp_path / "tei").paths
    out += export(project, "tei", tmp_path / "corpus.xml").paths
    validate = jing_or_lxml_relaxng(validators("tei", "tei_all.rng"))
    assert validate(*out) == []
    assert all(dangling(path) == [] for path in out)


def test_the_scans_pdf_highlights_the_words_themselves(project, aligned, tmp_path):
    scan, letter, made = aligned
    out = export(project, "pdf", tmp_path / "scan.pdf",
                 filt=ExportFilter(document_id=scan.id)).paths
    pdf = pymupdf.open(out[0])
    on_page = {}
    for page in pdf:
        for annot in page.annots():
            on_page.setdefault(page.number + 1, []).append(annot)
    assert sorted(on_page) == [1, 2] and all(len(v) == 1 for v in on_page.values())
    annot = on_page[2][0]
    assert annot.type[1] == "Highlight"
    assert annot.info["id"] == made["Azerbaijan, Georgia"].id + "#scan2"
    vertices = annot.vertices  # 4 points a word box (the two words share a line here)
    xs, ys = [v[0] for v in vertices], [v[1] for v in vertices]
    boxes = _words(project, scan.id, 2, "Azerbaijan", "Georgia")
    assert min(xs) == pytest.approx(min(b[0] for b in boxes), abs=0.05)
    assert max(xs) == pytest.approx(max(b[2] for b in boxes), abs=0.05)
    assert min(ys) == pytest.approx(min(b[1] for b in boxes), abs=0.05)
    assert len(vertices) == 4 * len(boxes)
    pdf.close()
    # bringing the PDF back adds nothing and does not take it for the transcription
    before = project.annotations.count()
    import_annotations(project, out[0])
    assert project.annotations.count() == before


def test_w3c_gives_a_passage_a_second_target_on_the_scan(project, aligned, tmp_path):
    scan, letter, made = aligned
    export(project, "w3c", tmp_path / "a.jsonld")
    doc = json.loads((tmp_path / "a.jsonld").read_text("utf-8"))
    items = {i["id"].removeprefix("urn:uuid:"): i for i in doc["first"]["items"]}
    text_target, scan_target = items[made["Azerbaijan, Georgia"].id]["target"]
    assert text_target["source"]["id"] == f"urn:uuid:{letter.id}"
    assert scan_target["source"]["id"] == f"urn:uuid:{scan.id}"
    page, svg = scan_target["selector"]
    assert page["value"] == "page=2"
    x, y, w, h = map(int, page["refinedBy"]["value"].removeprefix("xywh=").split(","))
    boxes = _words(project, scan.id, 2, "Azerbaijan", "Georgia")
    assert x <= min(b[0] for b in boxes) < x + 1 and x + w >= max(b[2] for b in boxes)
    assert y <= min(b[1] for b in boxes) and y + h >= max(b[3] for b in boxes)
    assert svg["refinedBy"]["value"].count("<rect") == 1 + len(boxes)
    assert isinstance(items[made["An introduction"].id]["target"], dict)  # on no page
    assert wat_failures("annotations/annotationMusts.test", list(items.values())) == []
