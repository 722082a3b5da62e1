"""IIIF export: a Presentation 3 manifest valid against the IIIF JSON schema (bundled in
tests/data/validators/iiif), carrying every annotation on the right canvas at the
right place: a manifest imported from the localhost server round trips onto its
own canvases; a local scan gets canvases and images of its own; a transcription's
passage reaches its scan through the word alignment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.core.exporters import export
from annotator.core.iiif import Web, import_iiif
from annotator.core.model import RegionSelector
from annotator.core.project import Project
from tests import iiif_server
from tests.test_iiif_import import v3_manifest

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = Path(__file__).parent / "data" / "validators" / "iiif" / "iiif_3_0.json"
DATA = Path(__file__).parent / "data"
LOCAL = Web({"127.0.0.1"}, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = iiif_server.start(tmp_path_factory.mktemp("iiif"))
    yield state
    iiif_server.stop(state)


def validate(path: Path) -> dict:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(
        manifest)]
    assert errors == []
    return manifest


def annotations_of(manifest: dict) -> dict[str, list[dict]]:
    return {c["id"]: [a for page in c.get("annotations", []) for a in page["items"]]
            for c in manifest["items"]}


def _xywh(target: str) -> list[int]:
    return [int(v) for v in re.search(r"#xywh=([\d,]+)$", target).group(1).split(",")]


def test_import_export_validate_carries_every_annotation(server, tmp_path):
    url = v3_manifest(server, "roundtrip.json")
    with Project.create(tmp_path / "p.annot", "Round trip") as project:
        doc = import_iiif(project, url, web=LOCAL).value.document
        page = project.documents.pages(doc.id)[1]
        person = project.tags.find("Person")
        mine = project.annotations.add(
            doc.id, region=RegionSelector(2, page.width / 2, page.height / 4, page.width / 4,
                                          page.height / 8),
            note="Briand's hand", tag_ids=[person.id]).value
        result = export(project, "iiif", tmp_path / "out.json")
        total = project.annotations.count()
    manifest = validate(tmp_path / "out.json")
    assert result.annotations == total == 3
    on = annotations_of(manifest)
    # the archive's canvases, not new ones, and nothing else painted
    assert list(on) == [server.url(f"roundtrip.json/canvas/{i}") for i in range(2)]
    assert all(c["partOf"][0]["id"] == url for c in manifest["items"])
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]
    assert service["id"] == server.image_service(iiif_server.SCANS[0])
    assert not (tmp_path / "out-images").exists()
    second = on[server.url("roundtrip.json/canvas/1")]
    assert sorted(b["value"] for a in second for b in a["body"]
                  if b["purpose"] == "commenting") == ["Briand's hand", "signature 1"]
    assert sorted(b["value"] for a in second for b in a["body"]
                  if b["purpose"] == "tagging") == ["Person", "Signature"]
    # the manifest's own annotation comes back where it was, in canvas units
    theirs = next(a for a in second if any(b["value"] == "signature 1" for b in a["body"]))
    assert _xywh(theirs["target"]) == [60, 90, 120, 30]
    ours = next(a for a in second if a["id"].endswith(mine.id))
    assert _xywh(ours["target"]) == [300, round(469 / 4), 150, round(469 / 8)]


def test_local_scan_and_aligned_transcription(tmp_path):
    scan_png = DATA / "transcriptions" / "ocrd_kant_aufklaerung_1784_0017.png"
    alto = DATA / "transcriptions" / "ocrd_kant_aufklaerung_1784_0017_ALTO.xml"
    with Project.create(tmp_path / "p.annot", "Kant") as project:
        scan = project.documents.import_file(alto, image=scan_png).value.document
        page = project.documents.pages(scan.id, with_words=True)[0]
        text_path = tmp_path / "kant.txt"
        text_path.write_text(page.text, encoding="utf-8")
        text = project.documents.import_file(text_path).value.document
        project.documents.link(text.id, scan.id)
        word = next(w for w in page.words[20:] if len(w[4]) >= 6 and w[4].isalpha()
                    and page.text.count(w[4]) == 1)
        start = page.text.index(word[4])
        passage = project.annotations.add(text.id, start=start, end=start + len(word[4]),
                                          note="a word on the scan").value
        region = project.annotations.add(scan.id, region=RegionSelector(
            1, 10, 20, 100, 50), note="top left").value
        result = export(project, "iiif", tmp_path / "kant.json",
                        base_url="http://localhost:8000/")
    manifest = validate(tmp_path / "kant.json")
    assert result.annotations == 2
    (canvas,) = manifest["items"]
    body = canvas["items"][0]["items"][0]["body"]
    image = tmp_path / "kant-images" / body["id"].rsplit("/", 1)[1]
    assert image.is_file() and body["id"].startswith("http://localhost:8000/kant-images/")
    items = {a["id"].rsplit("/", 1)[1]: a for a in annotations_of(manifest)[canvas["id"]]}
    sx = canvas["width"] / page.width
    x, y, w, h = _xywh(items[passage.id]["target"])
    assert x == pytest.approx(word[0] * sx, abs=1) and w == pytest.approx(
        (word[2] - word[0]) * sx, abs=1)
    assert items[passage.id]["body"][-1] == {"type": "TextualBody", "purpose": "describing",
                                             "format": "text/plain", "value": word[4]}
    assert _xywh(items[region.id]["target"]) == [round(10 * sx), round(20 * sx),
                                                 round(100 * sx), round(50 * sx)]


def test_nothing_on_a_scan_is_said(tmp_path):
    from annotator.core.errors import AnnotatorError

    with Project.create(tmp_path / "p.annot", "Text") as project:
        text_path = tmp_path / "t.txt"
        text_path.write_text("A letter to Briand.", encoding="utf-8")
        doc = project.documents.import_file(text_path).value.document
        project.annotations.add(doc.id, start=12, end=18)
        with pytest.raises(AnnotatorError, match="nothing to show"):
            export(project, "iiif", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
