"""REFI-QDA .qdpx export: valid against Project-mrt2019.xsd, with ``origin`` set, no
dangling reference (the XSD lets those pass; real importers crash on them), sources
as LF-only UTF-8, selections in code points."""

from __future__ import annotations

import zipfile

import pytest

from annotator.core.annotation_import import import_annotations
from annotator.core.exporters import ExportFilter, export
from annotator.core.project import Project
from tests.test_export_common import rich_project, sample_copy, validators

NS = "{urn:QDA-XML:project:1.0}"
REFS = ("targetGUID", "creatingUser", "modifyingUser", "originGUID", "creatingUserGUID",
        "modifyingUserGUID")


def check_archive(path) -> object:
    """Validate a .qdpx as an importer would need it; returns the parsed project."""
    etree = pytest.importorskip("lxml.etree")
    xsd = etree.XMLSchema(etree.parse(str(validators("refi-qda", "Project-mrt2019.xsd"))))
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        root = etree.fromstring(zf.read("project.qde"))
        assert xsd.validate(root), xsd.error_log
        assert root.get("origin", "").startswith("annotator")
        guids = {e.get("guid").lower() for e in root.iter() if e.get("guid")}
        dangling = [(e.tag, a, e.get(a)) for e in root.iter() for a in REFS
                    if e.get(a) and e.get(a).lower() not in guids]
        assert dangling == []
        for e in root.iter():
            for attr in ("path", "plainTextPath"):
                value = e.get(attr)
                if value:
                    assert value.startswith("internal://")
                    assert "Sources/" + value.removeprefix("internal://") in names
        for name in names:
            if name.endswith(".txt"):
                raw = zf.read(name)
                assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
                raw.decode("utf-8")
    return root


def test_archives_are_valid_and_complete(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    sample = Project.open(sample_copy(tmp_path))
    for project, name in ((p, "rich"), (sample, "sample")):
        out = tmp_path / f"{name}.qdpx"
        result = export(project, "qdpx", out)
        assert result.annotations == project.annotations.count()
        root = check_archive(out)
        # the selections of the sources (a Note repeats its passage's span for QualCoder)
        sources = root.find(f"{NS}Sources")
        selections = [e for e in sources.iter() if e.tag.endswith("Selection")]
        assert len({e.get("guid") for e in selections}) == project.annotations.count()
    sample.close()
    p.close()


def test_positions_are_code_points_and_codes_a_tree(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    out = tmp_path / "rich.qdpx"
    export(p, "qdpx", out)
    root = check_archive(out)
    text_doc = next(d for d in p.documents.list() if d.kind == "text")
    with zipfile.ZipFile(out) as zf:
        text = zf.read(f"Sources/{text_doc.id}.txt").decode("utf-8")
    assert text == p.documents.text(text_doc.id)
    for sel in root.iter(f"{NS}PlainTextSelection"):
        ann = p.annotations.get(sel.get("guid"))
        if ann is not None:
            assert text[int(sel.get("startPosition")):int(sel.get("endPosition"))] == ann.quote
    codes = {c.get("name"): c for c in root.iter(f"{NS}Code")}
    assert codes["Imperial debt"] in list(codes["Debt"])  # hierarchy kept
    assert codes["Aristide Briand"] in list(codes["Person"])  # entities under their type
    assert codes["Person"].get("color", "").startswith("#")
    pdf_sel = next(root.iter(f"{NS}PDFSelection"))
    assert pdf_sel.get("page") == "0"  # counted from 0, as ATLAS.ti does
    assert int(pdf_sel.get("firstY")) < int(pdf_sel.get("secondY"))  # from the bottom
    notes = list(root.iter(f"{NS}Note"))
    assert notes and all(n.find(f"{NS}PlainTextContent") is not None for n in notes)
    p.close()


def test_round_trip_through_qdpx(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    out = tmp_path / "rich.qdpx"
    export(p, "qdpx", out)
    fresh = Project.create(tmp_path / "fresh.annot", author="Someone Else")
    report = import_annotations(fresh, out).value
    assert report.added == p.annotations.count() and report.skipped == []
    assert len(report.documents) == 3

    def seen(project):
        names = {t.id: t.name for t in project.tags.list()}
        ents = {e.id: e.name for e in project.entities.list()}
        out = set()
        for a in project.annotations.list():
            where = (a.text.start, a.text.end) if a.text else (a.region.page, round(a.region.x),
                                               round(a.region.w))
            out.add((a.id, a.quote if a.text else "", where, a.note, a.date_value,
                     tuple(sorted(names[t] for t in a.tag_ids)), ents.get(a.entity_id)))
        return out

    assert seen(fresh) == seen(p)
    briand = fresh.entities.find("Aristide Briand")
    assert briand.identifiers == {"wikidata": "Q134965", "viaf": "12345"}
    assert "Briand" in briand.aliases
    assert len(fresh.links.list()) == 1
    fresh.close()
    p.close()


def test_a_filtered_archive_has_no_dangling_references(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    doc = next(d for d in p.documents.list() if d.kind == "text")
    out = tmp_path / "one.qdpx"
    export(p, "qdpx", out, filt=ExportFilter(document_id=doc.id, tag_id=p.tags.find("Place").id))
    root = check_archive(out)
    assert len(list(root.iter(f"{NS}TextSource"))) == 1
    assert root.find(f"{NS}Links") is None  # the linked region is not in this archive
    p.close()
