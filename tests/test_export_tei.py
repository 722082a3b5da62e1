"""TEI P5: valid against tei_all.rng (jing, else lxml), every #pointer resolves (the
schema does not check that), and overlapping annotations are all there."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.exporters import ExportFilter, export
from annotator.core.exporters.tei_text import Span, render
from annotator.core.project import Project
from tests.test_export_common import (
    HOSTILE_NOTE,
    jing_or_lxml_relaxng,
    rich_project,
    sample_copy,
    validators,
)

TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
POINTERS = ("ref", "ana", "facs", "target", "next", "prev", "corresp", "resp")


def dangling(path) -> list[str]:
    """Pointers (#id) that name no xml:id of the file; also fails on duplicate ids."""
    root = ET.parse(path).getroot()
    ids = [e.get(XML_ID) for e in root.iter() if e.get(XML_ID)]
    assert len(ids) == len(set(ids)), "duplicate xml:id"
    known = set(ids)
    return [f"{e.tag}@{att}={tok}" for e in root.iter() for att in POINTERS
            for tok in (e.get(att) or "").split() if tok.startswith("#") and tok[1:] not in known]


@pytest.fixture(scope="module")
def validate():
    return jing_or_lxml_relaxng(validators("tei", "tei_all.rng"))


def test_files_per_document_and_corpus_are_valid_and_resolve(tmp_path, validate):
    p = rich_project(tmp_path / "rich.annot")
    sample = Project.open(sample_copy(tmp_path))
    outputs = []
    for project, name in ((p, "rich"), (sample, "sample")):
        outputs += export(project, "tei", tmp_path / name).paths
        outputs += export(project, "tei", tmp_path / f"{name}-corpus.xml").paths
    bogus = tmp_path / "bogus.xml"  # proves the validator runs and reports
    bogus.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"><bogus/></TEI>')
    errors = validate(*outputs, bogus)
    assert errors and all("bogus.xml" in e for e in errors), errors
    for path in outputs:
        assert dangling(path) == [], path
    sample.close()
    p.close()


def test_every_annotation_is_in_the_file(tmp_path, validate):
    p = rich_project(tmp_path / "rich.annot")
    [path] = export(p, "tei", tmp_path / "corpus.xml").paths
    root = ET.parse(path).getroot()
    ids = {e.get(XML_ID) for e in root.iter() if e.get(XML_ID)}
    for ann in p.annotations.list():
        assert (f"a-{ann.id}" if ann.text else f"z-{ann.id}") in ids
    # fragments of split annotations chain with next/prev and give back the quote
    text_doc = next(d for d in p.documents.list() if d.kind == "text")
    body = next(e for e in root.iter(f"{TEI}TEI") if e.get(XML_ID) == f"d-{text_doc.id}")
    elements = {e.get(XML_ID): e for e in body.iter() if e.get(XML_ID)}
    for ann in p.annotations.for_document(text_doc.id):
        first = elements[f"a-{ann.id}"]
        pieces, node = [], first
        while node is not None:
            pieces.append("".join(node.itertext()))
            nxt = node.get("next")
            node = elements[nxt[1:]] if nxt else None
        got = "".join(pieces).replace("\n", "")
        want = "".join(ann.quote.split("\n"))
        assert got == want or not ann.quote.strip("\n"), (ann.note, got, want)
    # the note stands off, escaped, and comes back as text
    notes = [n for n in root.iter(f"{TEI}note") if n.text == HOSTILE_NOTE]
    assert len(notes) == 1 and notes[0].get("target").startswith("#a-")
    assert "<script>" not in path.read_text().replace("&lt;script&gt;", "")
    # entities with their identifiers, the codebook as a taxonomy, pages and zones
    person = next(e for e in root.iter(f"{TEI}person"))
    assert {i.get("type"): i.text for i in person.iter(f"{TEI}idno")}["wikidata"] == "Q134965"
    assert any(c.get(XML_ID) for c in root.iter(f"{TEI}category"))
    assert [pb.get("n") for pb in root.iter(f"{TEI}pb")][:2] == ["1", "2"]
    assert len([z for z in root.iter(f"{TEI}zone") if z.get("type") != "words"]) == 3
    linked = [e for e in root.iter() if (e.get("facs") or "").startswith("#z-")]
    assert len(linked) == 1 and linked[0].tag == f"{TEI}persName"
    dates = {e.get("when") for e in root.iter(f"{TEI}date")}
    assert "1927-06-17" in dates
    p.close()


def test_a_filtered_export_is_valid_too(tmp_path, validate):
    p = rich_project(tmp_path / "rich.annot")
    place = p.tags.find("Place")
    paths = export(p, "tei", tmp_path / "places", filt=ExportFilter(tag_id=place.id)).paths
    assert validate(*paths) == []
    for path in paths:
        assert dangling(path) == []
    p.close()


spans_strategy = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet="ab \n𐌰é", min_size=0, max_size=40), spans=spans_strategy)
def test_overlaps_render_well_formed_and_lose_nothing(text, spans):
    made = []
    for n, (start, length) in enumerate(spans):
        start = min(start, len(text))
        made.append(Span(f"a{n}", start, min(len(text), start + length), "seg"))
    xml = render(text, [Span(s.key, s.start, s.end, s.name) for s in made])
    root = ET.fromstring(f"<div xmlns:xml='http://www.w3.org/XML/1998/namespace'>{xml}</div>")
    elements = {e.get(XML_ID): e for e in root.iter() if e.get(XML_ID)}
    for span in made:
        assert span.key in elements  # every annotation is there, as element or anchor
        node, pieces = elements[span.key], []
        while node is not None:
            pieces.append("".join(node.itertext()))
            node = elements[node.get("next")[1:]] if node.get("next") else None
        quote = text[span.start:span.end]
        got = "".join(pieces)
        # paragraph breaks between fragments are structure, not text
        assert "".join(got.split()) == "".join(quote.split()) or quote.strip() == ""
    flat = "".join(root.itertext())
    assert "".join(flat.split()) == "".join(text.split())  # the text itself is intact
