"""Exchange with QualCoder (issue 12, items 1-7): our .qdpx read the way QualCoder
reads it and written back the way it writes (tests/qualcoder_shape.py, a model of its
refi.py) comes back without losing an annotation, note, region or source, and
without duplicating the documents when it goes into the project it came from."""

from __future__ import annotations

import zipfile

import pytest

from annotator.core.annotation_import import import_annotations
from annotator.core.exporters import export
from annotator.core.model import RegionSelector
from annotator.core.project import Project
from tests.qualcoder_shape import qualcoder_round_trip
from tests.test_export_common import make_pdf, sample_copy

NS = "{urn:QDA-XML:project:1.0}"


def _content(project: Project) -> dict:
    """What a scholar would miss: per document title, the passages with their notes,
    tags and entity, and the regions (rounded to the point)."""
    out: dict = {}
    titles = {d.id: d.title.removesuffix(".pdf") for d in project.documents.list()}
    for doc_id, title in titles.items():
        rows = []
        for a in project.annotations.for_document(doc_id):
            tags = sorted(project.tags.get(t).name for t in a.tag_ids)
            entity = project.entities.get(a.entity_id).name if a.entity_id else None
            where = (a.text.start, a.text.end) if a.text else \
                (a.region.page, *(round(v) for v in (a.region.x, a.region.y, a.region.w,
                                                     a.region.h)))
            rows.append((where, a.quote if a.text else "", a.note, tuple(tags), entity))
        out[title] = sorted(rows, key=repr)
    return out


@pytest.fixture
def sample(tmp_path):
    p = Project.open(sample_copy(tmp_path))
    yield p
    p.close()


def _through_qualcoder(project: Project, tmp_path, **kw) -> object:
    ours = tmp_path / "ours.qdpx"
    export(project, "qdpx", ours, area_origin="top-left")
    back = tmp_path / "from_qualcoder.qdpx"
    back.write_bytes(qualcoder_round_trip(ours.read_bytes(), **kw))
    return back


@pytest.mark.parametrize("crlf", [False, True])
def test_sample_survives_qualcoder(sample, tmp_path, crlf):
    before = _content(sample)
    back = _through_qualcoder(sample, tmp_path, crlf=crlf)
    fresh = Project.create(tmp_path / f"fresh{crlf}.annot", "fresh", author="Reader")
    report = import_annotations(fresh, back).value
    assert report.skipped == []
    after = _content(fresh)
    assert sorted(after) == sorted(before)  # every source
    for title in before:
        assert after[title] == before[title], title  # every passage, note, tag, region
    assert sum(1 for rows in after.values() for r in rows if r[2]) == 13  # notes
    fresh.close()


def test_reimport_into_the_project_matches_its_documents(sample, tmp_path):
    back = _through_qualcoder(sample, tmp_path, crlf=True)
    documents = len(sample.documents.list())
    report = import_annotations(sample, back).value
    assert report.documents == [] and len(sample.documents.list()) == documents
    assert len(report.matched) == documents


def test_notes_are_written_as_qualcoder_reads_them(sample, tmp_path):
    out = tmp_path / "s.qdpx"
    export(sample, "qdpx", out)
    root = zipfile.ZipFile(out).open("project.qde")
    import xml.etree.ElementTree as ET

    tree = ET.parse(root).getroot()
    notes = {n.get("guid"): n for n in tree.iter(NS + "Note")}
    source_refs = [r.get("targetGUID") for s in tree.iter(NS + "TextSource")
                   for r in s.findall(NS + "NoteRef")]
    spans = [notes[g].find(NS + "PlainTextSelection") for g in source_refs]
    assert len(source_refs) == 11 and all(s is not None for s in spans)  # the text notes
    for pdf in tree.iter(NS + "PDFSource"):  # a Representation for every PDF, scans too
        rep = pdf.find(NS + "Representation")
        assert rep is not None and rep.get("plainTextPath")


def test_qualcoder_text_annotations_come_in(project, tmp_path):
    """QualCoder's own text annotations: Notes with a passage, one NoteRef per source
    (the others unreferenced), a BOM and CRLF counted as two."""
    text = "Dear Sir,\r\nJohn Smith wrote.\r\nYours."
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project name="q" origin="QualCoder 4.0 '
           'Beta" xmlns="urn:QDA-XML:project:1.0"><Sources><TextSource '
           'plainTextPath="internal://t.txt" guid="00000000-0000-4000-8000-000000000001" '
           'name="letter.txt"><NoteRef targetGUID="00000000-0000-4000-8000-000000000002"/>'
           '</TextSource></Sources><Notes>'
           '<Note guid="00000000-0000-4000-8000-000000000002"><PlainTextContent>who?'
           '</PlainTextContent><PlainTextSelection guid="00000000-0000-4000-8000-00000000000a"'
           f' startPosition="{text.index("John")}" endPosition="{text.index(" wrote")}"/></Note>'
           '<Note guid="00000000-0000-4000-8000-000000000003"><PlainTextContent>closing'
           '</PlainTextContent><PlainTextSelection guid="00000000-0000-4000-8000-00000000000b"'
           f' startPosition="{text.index("Yours")}" endPosition="{len(text) - 1}"/></Note>'
           "</Notes></Project>")
    path = tmp_path / "qc.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/t.txt", ("\ufeff" + text).encode("utf-8"))
    report = import_annotations(project, path).value
    assert not any("memo" in w for w in report.warnings)
    got = sorted((a.quote, a.note) for a in project.annotations.list())
    assert got == [("John Smith", "who?"), ("Yours", "closing")]


def test_crlf_selections_are_counted_as_their_names_say(project, tmp_path):
    """ATLAS.ti and QualCoder's MAXQDA option count a CRLF as one; the name decides."""
    text = "Line one\r\nLine two\r\nSigned John Smith.\r\n"
    lf = text.replace("\r\n", "\n")
    s = lf.index("John Smith")
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project name="q" origin="ATLAS.ti" '
           'xmlns="urn:QDA-XML:project:1.0"><Sources><TextSource '
           'plainTextPath="internal://t.txt" guid="00000000-0000-4000-8000-000000000001" '
           'name="crlf"><PlainTextSelection guid="00000000-0000-4000-8000-000000000002" '
           f'name="John Smith" startPosition="{s}" endPosition="{s + 10}"/>'
           '<PlainTextSelection guid="00000000-0000-4000-8000-000000000003" '
           f'name="Nobody" startPosition="0" endPosition="4"/></TextSource></Sources></Project>')
    path = tmp_path / "crlf.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/t.txt", text.encode("utf-8"))
    report = import_annotations(project, path).value
    quotes = sorted(a.quote for a in project.annotations.list())
    assert quotes == ["John Smith", "Line"]
    assert any("Nobody" in w for w in report.warnings)


def test_pictures_keep_their_bytes_and_extension(project, tmp_path):
    import io

    image = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    image.new("RGB", (640, 480), (200, 180, 150)).save(buffer, "TIFF", dpi=(300, 300))
    tiff = buffer.getvalue()
    doc = project.documents.import_bytes(tiff, "map.tif").value.document
    project.annotations.add(doc.id, region=RegionSelector(1, 10, 10, 50, 40, (), ""),
                            note="a mark")
    out = tmp_path / "p.qdpx"
    export(project, "qdpx", out)
    with zipfile.ZipFile(out) as zf:
        members = [n for n in zf.namelist() if n.startswith("Sources/")]
        assert members == [f"Sources/{doc.id}.tif"]
        assert zf.read(members[0]) == tiff
        assert b'name="map.tif"' in zf.read("project.qde")  # the name has its extension
    again = Project.create(tmp_path / "again.annot", "again", author="X")
    import_annotations(again, out)
    assert [d.sha256 for d in again.documents.list()] == [doc.sha256]


def test_top_left_areas_are_told_apart(project, tmp_path):
    pdf = project.documents.import_bytes(make_pdf(1), "scan.pdf").value.document
    project.annotations.add(pdf.id, region=RegionSelector(1, 72, 100, 200, 30, (), ""),
                            note="top")
    for origin in ("bottom-left", "top-left"):
        out = tmp_path / f"{origin}.qdpx"
        export(project, "qdpx", out, area_origin=origin)
        other = Project.create(tmp_path / f"{origin}.annot", "o", author="X")
        import_annotations(other, out)
        (ann,) = other.annotations.list()
        assert (round(ann.region.y), round(ann.region.h)) == (100, 30), origin
        other.close()
