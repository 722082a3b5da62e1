"""W3C Web Annotation JSON-LD: accepted by the W3C test suite's MUST assertions (run
offline, in process), checked for what that suite does not check (motivations,
xywh=, code points), and imported back: the round trip gives the same annotations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.core.annotation_import import import_annotations
from annotator.core.errors import AnnotatorError
from annotator.core.exporters import export
from annotator.core.project import Project
from tests.test_export_common import HOSTILE_NOTE, rich_project, sample_copy, validators

DATA = Path(__file__).resolve().parent / "data" / "exchange"
MOTIVATIONS = {"assessing", "bookmarking", "classifying", "commenting", "describing",
               "editing", "highlighting", "identifying", "linking", "moderating",
               "questioning", "replying", "tagging"}


def wat_failures(test_name: str, docs: list[dict]) -> list[tuple]:
    """Every assertion of a web-annotation-tests .test file on ``docs`` (as the suite's
    runner does, with URI and date-time formats checked)."""
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("rfc3986_validator")  # else format "uri" is silently not checked
    pytest.importorskip("rfc3339_validator")  # else format "date-time" is not checked
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    root = validators("web-annotation", "web-annotation-tests")
    test = json.loads((root / test_name).read_text())
    registry = Registry().with_resources(
        (p.name, Resource.from_contents(json.loads(p.read_text()),
                                        default_specification=DRAFT4))
        for p in (root / "definitions").glob("*.json"))
    failures = []
    for rel in test["assertions"]:
        schema = {**json.loads((root / rel).read_text()), "id": Path(rel).name}
        validator = jsonschema.Draft4Validator(schema, registry=registry,
                                               format_checker=jsonschema.FormatChecker())
        for i, doc in enumerate(docs):
            error = next(iter(validator.iter_errors(doc)), None)
            if error is not None:
                failures.append((rel, i, schema.get("assertionType"), error.message[:200]))
    return failures


def content(p: Project) -> set:
    """The annotations as a scholar sees them, ids and timestamps included."""
    docs = {d.id: d.sha256 for d in p.documents.list()}
    tags = {t.id: (t.name, str(t.kind)) for t in p.tags.list()}
    ents = {e.id: (e.name, tuple(e.aliases), tuple(sorted(e.identifiers.items())),
                   p.tags.get(e.type_id).name) for e in p.entities.list()}
    authors = {a.id: a.name for a in p.authors.list()}
    return {(a.id, docs[a.document_id], a.text, a.region, tuple(sorted(tags[t] for t in a.tag_ids)),
             ents.get(a.entity_id), a.date_value, a.note, a.color, authors[a.author_id],
             a.created_at, a.modified_at, str(a.anchor_state)) for a in p.annotations.list()}


@pytest.fixture
def rich(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    yield p
    p.close()


def _export(p: Project, path: Path) -> dict:
    export(p, "w3c", path)
    return json.loads(path.read_text("utf-8"))


def test_collection_pages_and_annotations_pass_the_w3c_suite(tmp_path, rich):
    sample = Project.open(sample_copy(tmp_path))
    for project, name in ((rich, "rich.jsonld"), (sample, "sample.jsonld")):
        doc = _export(project, tmp_path / name)
        items = doc["first"]["items"]
        assert items and doc["total"] == len(items)
        assert wat_failures("annotations/annotationMusts.test", items) == []
        assert wat_failures("collections/collectionMusts.test", [doc]) == []
        assert wat_failures("collections/pages/pageMusts.test", [doc]) == []
        page = {"@context": doc["@context"], **doc["first"]}
        assert wat_failures("collections/pages/pageMusts.test", [page]) == []
    sample.close()


def test_what_the_suite_does_not_check(tmp_path, rich):
    doc = _export(rich, tmp_path / "a.jsonld")
    items = doc["first"]["items"]
    texts = {d.id: rich.documents.text(d.id) for d in rich.documents.list() if d.kind == "text"}
    pages = {(d.id, pg.number): pg for d in rich.documents.list() if d.kind == "paged"
             for pg in rich.documents.pages(d.id)}
    seen_xywh = 0
    for item in items:
        assert item["motivation"] in MOTIVATIONS
        for body in item.get("body", []):
            assert body.get("purpose", "identifying") in MOTIVATIONS
        if item["motivation"] == "linking":
            continue
        target = item["target"]
        if isinstance(target, list):  # a passage of an aligned transcription: the text's
            target = target[0]  # own target first, then where its words are on the scan
        # a document with a URL is its source; our id is then the scope
        doc_id = target.get("scope", target["source"]["id"]).removeprefix("urn:uuid:")
        if doc_id in texts:
            quote, pos = target["selector"]
            assert texts[doc_id][pos["start"]:pos["end"]] == quote["exact"]  # code points
            continue
        ann = rich.annotations.get(item["id"].removeprefix("urn:uuid:"))
        for alternative in target["selector"]:
            assert re.fullmatch(r"page=\d+", alternative["value"])
            refined = alternative["refinedBy"]
            if refined["type"] != "FragmentSelector":
                assert refined["type"] == "SvgSelector" and "<rect" in refined["value"]
                continue
            seen_xywh += 1
            x, y, w, h = map(int, re.fullmatch(r"xywh=(\d+),(\d+),(\d+),(\d+)",
                                               refined["value"]).groups())
            g = ann.region
            page = pages[(ann.document_id, g.page)]
            doc_ = rich.documents.get(ann.document_id)
            scale = doc_.metadata["pixels"][0] / page.width if "pixels" in doc_.metadata else 1
            assert x <= g.x * scale and y <= g.y * scale  # whole units covering the region
            assert x + w >= (g.x + g.w) * scale - 1e-6 and y + h >= (g.y + g.h) * scale - 1e-6
    assert seen_xywh == 3
    identifying = [b for i in items for b in i.get("body", [])
                   if b.get("type") == "SpecificResource"]
    briand = next(b["source"] for b in identifying if b["source"]["label"] == "Aristide Briand")
    assert "http://www.wikidata.org/entity/Q134965" in briand["schema:sameAs"]
    assert {"schema:propertyID": "local", "schema:value": "no/such thing"} in \
        briand["schema:identifier"]


def test_round_trip_into_an_empty_project(tmp_path, rich):
    out = tmp_path / "a.jsonld"
    _export(rich, out)
    empty = Project.create(tmp_path / "empty.annot", author="Someone Else")
    for d in rich.documents.list():  # the same sources, nothing else
        empty.documents.import_bytes(rich.documents.data(d.id), d.filename)
    report = import_annotations(empty, out).value
    assert report.skipped == [] and report.added == rich.annotations.count()
    assert content(empty) == content(rich)
    assert {(lk.id, lk.relation) for lk in empty.links.list()} == \
        {(lk.id, lk.relation) for lk in rich.links.list()}
    assert any(a.note == HOSTILE_NOTE for a in empty.annotations.list())
    again = import_annotations(empty, out).value  # importing twice changes nothing
    assert again.added == 0 and again.existing == rich.annotations.count()
    assert content(empty) == content(rich)
    empty.close()


def test_foreign_annotations_are_placed_or_reported(tmp_path, rich):
    before = rich.annotations.count()
    report = import_annotations(rich, DATA / "hypothesis_style.jsonld").value
    assert report.added == 3 and report.orphaned == 1
    assert len(report.skipped) == 1 and "not in this project" in report.skipped[0]
    new = [rich.annotations.get(i) for i in report.annotation_ids]
    by_note = {a.note: a for a in new}
    note = "A note from another tool <b>with markup</b> & an ampersand"
    assert by_note[note].quote == "Aristide Briand"
    moved = next(a for a in new if a.quote == "Paris, 17 June")  # absurd offsets: found
    assert str(moved.anchor_state) == "moved"
    assert [rich.tags.get(t).name for t in moved.tag_ids] == ["Letters"]
    orphan = next(a for a in new if str(a.anchor_state) == "orphaned")
    assert orphan.text.exact == "a passage that is not in the text at all"  # kept
    assert rich.annotations.count() == before + 3


def test_lone_surrogates_and_odd_shapes_do_not_crash(tmp_path, rich):
    doc = next(d for d in rich.documents.list() if d.kind == "text")
    item = {"type": "Annotation", "id": "urn:uuid:not-a-uuid", "creator": {"name": "X\ud800"},
            "bodyValue": "note \udfff", "body": [5, None, {"purpose": ["tagging"], "value": 3},
                                                 {"type": "TextualBody", "value": "A\ud800"}],
            "target": [7, {"source": f"urn:uuid:{doc.id}",
                           "selector": [{"type": "TextPositionSelector", "start": 0, "end": 3},
                                        "junk"]}]}
    path = tmp_path / "odd.jsonld"
    path.write_text(json.dumps([item, 42, "x", {"type": ["Annotation"], "target": None}]))
    report = import_annotations(rich, path).value
    assert report.added == 1 and len(report.skipped) == 1
    ann = rich.annotations.get(report.annotation_ids[0])
    assert ann.note == "note \ufffd\n\nA\ufffd" and ann.text.start == 0


def test_every_item_of_a_big_collection_is_read():
    from annotator.core.annotation_import.w3c import collect_items

    page = {"type": "AnnotationPage", "items": [{"type": "Annotation", "n": i}
                                               for i in range(120_000)]}
    doc = {"type": "AnnotationCollection", "first": page}
    assert [i["n"] for i in collect_items(doc)] == list(range(120_000))
    assert len(collect_items([doc, {"type": "Annotation"}])) == 120_001


@pytest.mark.parametrize("payload", [b"{not json", b"[]", b'{"type": "Annotation"}' * 2,
                                     b"\xff\xfe\x00garbage", b'{"items": 5}'])
def test_bad_files_change_nothing(tmp_path, rich, payload):
    bad = tmp_path / "bad.jsonld"
    bad.write_bytes(payload)
    before = content(rich)
    with pytest.raises(AnnotatorError):
        import_annotations(rich, bad)
    assert content(rich) == before
