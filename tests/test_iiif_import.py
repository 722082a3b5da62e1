"""IIIF import against a real level-0 Image API tile set on localhost (tests/iiif_server):
manifests v3 (built with iiif-prezi3) and v2, metadata and canvases kept, the
manifest's annotations as regions, sizes, cancel and resume, hostile manifests."""

from __future__ import annotations

import json

import pytest

from annotator.core.errors import ImportFailed
from annotator.core.iiif import Cancelled, Web, import_iiif, partial_root, prepare_iiif
from annotator.core.project import Project
from tests import iiif_server

pytest.importorskip("iiif_prezi3")
LOCAL = Web({"127.0.0.1"}, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = iiif_server.start(tmp_path_factory.mktemp("iiif"))
    yield state
    iiif_server.stop(state)


def v3_manifest(server, name: str = "m3.json", notes: bool = True) -> str:
    """A Presentation 3 manifest of the two scans, made with iiif-prezi3."""
    from iiif_prezi3 import Manifest, config

    config.configs["helpers.auto_fields.AutoLang"].auto_lang = "en"
    manifest = Manifest(id=server.url(name), label="Letters to Briand",
                        summary="Two pages", rights="http://creativecommons.org/licenses/by/4.0/",
                        requiredStatement={"label": {"en": ["Attribution"]},
                                           "value": {"en": ["Archives nationales"]}},
                        seeAlso=[{"id": server.url("alto.xml"), "type": "Dataset"}],
                        metadata=[{"label": {"en": ["Shelfmark"]}, "value": {"en": ["F7/123"]}}])
    for i, scan in enumerate(iiif_server.SCANS):
        canvas = manifest.make_canvas_from_iiif(
            url=server.image_service(scan), id=server.url(f"{name}/canvas/{i}"),
            label=f"p. {i + 1}", anno_id=server.url(f"{name}/paint/{i}"),
            anno_page_id=server.url(f"{name}/paintpage/{i}"))
        if notes:
            canvas.make_annotation(
                id=server.url(f"{name}/note/{i}"), motivation="commenting",
                body=[{"type": "TextualBody", "format": "text/plain", "value": f"signature {i}"},
                      {"type": "TextualBody", "purpose": "tagging", "value": "Signature"}],
                target=f"{canvas.id}#xywh=60,90,120,30",
                anno_page_id=server.url(f"{name}/annos/{i}"))
    return server.put(name, manifest.json(indent=1))


def _project(tmp_path) -> Project:
    return Project.create(tmp_path / "p.annot", "IIIF")


def test_v3_manifest_imports_pages_metadata_and_annotations(server, tmp_path):
    url = v3_manifest(server)
    with _project(tmp_path) as project:
        report = import_iiif(project, url, web=LOCAL).value
        doc = report.document
        assert report.status == "imported" and doc.page_count == 2
        assert doc.title == "Letters to Briand"
        iiif = doc.metadata["iiif"]
        assert iiif["manifest"] == url and iiif["version"] == 3
        assert [c["id"] for c in iiif["canvases"]] == [server.url(f"m3.json/canvas/{i}")
                                                      for i in range(2)]
        assert iiif["attribution"] == "Archives nationales"
        assert iiif["seeAlso"] == [server.url("alto.xml")]
        assert ["Shelfmark", "F7/123"] in iiif["metadata"]
        assert "creativecommons" in doc.metadata["rights"]
        # full size: the level-0 server has no full image, so it came from its tiles
        assert [c["pixels"] for c in iiif["canvases"]] == [[600, 450], [600, 469]]
        assert server.fetched("/0,0,256,256/256,/0/default.jpg") >= 2
        anns = project.annotations.list()
        assert sorted(a.note for a in anns) == ["signature 0", "signature 1"]
        pages = {p.number: p for p in project.documents.pages(doc.id)}
        for ann in anns:
            scale = pages[ann.region.page].width / 600
            assert ann.region.x == pytest.approx(60 * scale)
            assert ann.region.w == pytest.approx(120 * scale)
            assert [project.tags.get(t).name for t in ann.tag_ids] == ["Signature"]
        again = import_iiif(project, url, web=LOCAL).value
        assert again.status == "existing" and project.annotations.count() == 2
    assert not partial_root(tmp_path / "p.annot").exists()


def test_cli_imports_a_manifest_url_with_a_size(server, tmp_path, monkeypatch, capsys):
    from annotator.cli import main

    monkeypatch.setenv("ANNOTATOR_NET_ALLOW", "127.0.0.1")
    url = v3_manifest(server, "cli.json", notes=False)
    Project.create(tmp_path / "p.annot", "IIIF").close()
    assert main(["import", str(tmp_path / "p.annot"), url, "--size", "300,"]) == 0
    assert "imported as “Letters to Briand” (2 page(s))" in capsys.readouterr().out
    with Project.open(tmp_path / "p.annot") as project:
        doc = project.documents.list()[0]
        assert [c["pixels"][0] for c in doc.metadata["iiif"]["canvases"]] == [300, 300]


def test_v2_manifest_with_an_annotation_list(server, tmp_path):
    canvas = server.url("v2/canvas/1")
    listing = {"@context": "http://iiif.io/api/presentation/2/context.json",
               "@id": server.url("v2/list/1.json"), "@type": "sc:AnnotationList",
               "resources": [{"@id": server.url("v2/anno/1"), "@type": "oa:Annotation",
                              "motivation": "oa:commenting",
                              "resource": {"@type": "dctypes:Text", "format": "text/html",
                                           "chars": "<p>Marginal <b>note</b></p>"},
                              "on": {"@type": "oa:SpecificResource", "full": canvas,
                                     "selector": {"@type": "oa:FragmentSelector",
                                                  "value": "xywh=0,0,300,225"}}}]}
    server.put("v2/list/1.json", json.dumps(listing))
    service = {"@context": "http://iiif.io/api/image/2/context.json",
               "@id": server.image_service("tesseract_phototest"),
               "profile": "http://iiif.io/api/image/2/level0.json"}
    manifest = {"@context": "http://iiif.io/api/presentation/2/context.json",
                "@id": server.url("v2/manifest.json"), "@type": "sc:Manifest",
                "label": [{"@value": "Phototest", "@language": "en"}],
                "attribution": "Tesseract test data", "license": "https://www.apache.org/licenses/LICENSE-2.0",
                "sequences": [{"@type": "sc:Sequence", "canvases": [{
                    "@id": canvas, "@type": "sc:Canvas", "label": "1r", "width": 1200,
                    "height": 900, "images": [{"@type": "oa:Annotation",
                                               "motivation": "sc:painting", "on": canvas,
                                               "resource": {"@id": "x", "service": service}}],
                    "otherContent": [{"@id": server.url("v2/list/1.json"),
                                      "@type": "sc:AnnotationList"}]}]}]}
    url = server.put("v2/manifest.json", json.dumps(manifest))
    with _project(tmp_path) as project:
        doc = import_iiif(project, url, web=LOCAL).value.document
        assert doc.title == "Phototest" and doc.page_count == 1
        assert doc.media_type == "image/jpeg"  # one canvas: the image as it came
        assert doc.metadata["iiif"]["attribution"] == "Tesseract test data"
        (ann,) = project.annotations.list()
        page = project.documents.pages(doc.id)[0]
        assert ann.note == "Marginal note"
        # the canvas is 1200 units wide, the page is the image: a quarter of it
        assert ann.region.w == pytest.approx(page.width / 4, abs=0.01)
        assert ann.region.h == pytest.approx(page.height / 4, abs=0.01)


def test_cancel_keeps_fetched_pages_and_resume_fetches_only_the_rest(server, tmp_path):
    url = v3_manifest(server, "resume.json", notes=False)
    root = partial_root(tmp_path / "p.annot")
    with _project(tmp_path) as project:
        with pytest.raises(Cancelled):
            prepare_iiif(url, root, web=LOCAL, progress=lambda done, total, what: done < 1)
        assert project.documents.list() == [] and len(list(root.rglob("0000*.jpg"))) == 1
        first = iiif_server.SCANS[0]
        before = server.fetched(f"/{first}/")
        report = import_iiif(project, url, web=LOCAL).value
        assert report.document.page_count == 2
        assert server.fetched(f"/{first}/") == before  # page 1 was not fetched again
        assert server.fetched(f"/{iiif_server.SCANS[1]}/0,0,256,256") >= 1
    assert not root.exists()


@pytest.mark.parametrize(("path", "body", "said"), [
    ("bad/notjson.json", b"{ not json", "not valid JSON"),
    ("bad/page.json", b"<!DOCTYPE html><html><title>Not found</title></html>", "HTML"),
    ("bad/list.json", b"[1, 2, 3]", "not an object"),
    ("bad/collection.json", json.dumps({"@context": "http://iiif.io/api/presentation/3/context.json",
                                        "type": "Collection", "id": "x"}).encode(), "collection"),
    ("bad/types.json", json.dumps({"type": "Manifest", "label": 5, "items": "canvas",
                                   "metadata": 3}).encode(), "no canvas"),
    ("bad/deep.json", b"[" * 100_000 + b"]" * 100_000, "JSON"),
])
def test_hostile_manifests_are_refused_and_nothing_is_written(server, tmp_path, path, body,
                                                             said):
    url = server.put(path, body)
    with _project(tmp_path) as project:
        with pytest.raises(ImportFailed, match=said):
            import_iiif(project, url, web=LOCAL)
        assert project.documents.list(include_deleted=True) == []


@pytest.mark.parametrize(("ref", "said"), [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://127.0.0.1/manifest.json", "only http and https"),
    ("/redirect-away", "example.invalid is not among the hosts"),
    ("/redirect-file", "not allowed"),
    ("/huge", "MB"),
    ("/missing.json", "404"),
])
def test_addresses_refused(server, tmp_path, ref, said):
    if ref.startswith("/"):
        ref = server.url(ref)
    with _project(tmp_path) as project:
        with pytest.raises(ImportFailed, match=said):
            import_iiif(project, ref, web=LOCAL)
        assert project.documents.list() == []
    assert server.fetched("example.invalid") == 0


def test_an_image_that_is_an_html_page_is_refused(server, tmp_path):
    server.put("html-image.jpg", b"<html><body>Access denied</body></html>")
    manifest = {"@context": "http://iiif.io/api/presentation/3/context.json",
                "id": server.url("hi.json"), "type": "Manifest", "label": {"none": ["x"]},
                "items": [{"id": server.url("hi/c1"), "type": "Canvas", "width": 10,
                           "height": 10, "items": [{"type": "AnnotationPage", "items": [{
                               "type": "Annotation", "motivation": "painting",
                               "body": {"id": server.url("html-image.jpg"), "type": "Image"},
                               "target": server.url("hi/c1")}]}]}]}
    url = server.put("hi.json", json.dumps(manifest))
    with _project(tmp_path) as project:
        with pytest.raises(ImportFailed, match="HTML page"):
            import_iiif(project, url, web=LOCAL)
        assert project.documents.list() == []


def test_a_local_manifest_file_is_recognised(server, tmp_path):
    from annotator.core.iiif import is_manifest_ref

    url = v3_manifest(server, "local.json", notes=False)
    local = tmp_path / "manifest.json"
    local.write_bytes(server.root.joinpath("local.json").read_bytes())
    assert is_manifest_ref(str(local)) and is_manifest_ref(url)
    assert not is_manifest_ref(str(iiif_server.DATA / "tesseract_phototest.jpg"))
    with _project(tmp_path) as project:
        doc = import_iiif(project, str(local), web=LOCAL).value.document
        assert doc.metadata["iiif"]["manifest"] == url  # its own id names it
