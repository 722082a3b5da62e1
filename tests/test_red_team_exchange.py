"""The red team's hostile exchange files (issue 16, items 11-14), each rebuilt here:
a damaged or crafted .qdpx or W3C file is refused with a clear message (exit 2, the
project byte-identical) or imported with what cannot be used reported, never a
traceback; limits on depth and size hold; a large codebook imports in linear time.

Every file is built in the test."""

from __future__ import annotations

import json
import sqlite3
import struct
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.core.annotation_import import common, import_annotations, qdpx, w3c
from annotator.core.errors import AnnotatorError
from annotator.core.project import Project
from tests.test_export_common import make_pdf

TEXT = "Hello Aristide Briand in Paris, 17 June 1927."
UID = "12345678-1234-4234-8234-123456789abc"
QDE = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
       'name="hostile">{}</Project>')


@pytest.fixture
def made(tmp_path) -> tuple[Path, str, str]:
    """A closed project file with a letter and a two-page PDF: (path, text id, PDF id)."""
    path = tmp_path / "letters.annot"
    (tmp_path / "letter.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(make_pdf(2))
    with Project.create(path, "Letters", author="Alice") as p:
        text = p.documents.import_file(tmp_path / "letter.txt").value.document.id
        pdf = p.documents.import_file(tmp_path / "scan.pdf").value.document.id
    return path, text, pdf


def cli(project: Path, file: Path, capsys) -> tuple[int, str]:
    """``annotator import-annotations``: its exit status and what it printed."""
    rc = main(["import-annotations", str(project), str(file)])
    out = capsys.readouterr()
    return rc, out.out + out.err


def refused(project: Path, file: Path, capsys, message: str) -> None:
    """The CLI refuses ``file`` with ``message``, exit 2, the project byte-identical."""
    before = project.read_bytes()
    rc, said = cli(project, file, capsys)
    assert rc == 2, said
    assert said.startswith("annotator: ") and message in said, said
    assert "Traceback" not in said
    assert project.read_bytes() == before


# -- .qdpx: damaged, encrypted, oddly packed, nested --------------------------------


def _zip(path: Path, members: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _patch(path: Path, fix) -> None:
    """Rewrite bytes of the archive's headers: ``fix(data, local, central)``, with the
    offsets of the first local header and of the first central directory entry."""
    data = bytearray(path.read_bytes())
    fix(data, 0, data.rfind(b"PK\x01\x02"))
    path.write_bytes(bytes(data))


def _codebook(depth: int) -> str:
    opened = "".join(f'<Code guid="{i:08x}-0000-4000-8000-000000000000" name="level {i}">'
                     for i in range(depth))
    return QDE.format(f"<CodeBook><Codes>{opened}{'</Code>' * depth}</Codes></CodeBook>")


def _flip_content_byte(data, local, central):
    data[data.find(b"<Project") + 3] ^= 1  # stored, so the CRC no longer matches


def _smaller_size(data, local, central):
    struct.pack_into("<I", data, local + 22, 10)  # says 10 bytes; unpacks to more
    struct.pack_into("<I", data, central + 24, 10)


def _smaller_packed(data, local, central):
    struct.pack_into("<I", data, central + 20, 5)  # the packed data is cut short


def _encrypted(data, local, central):
    data[local + 6] |= 1
    data[central + 8] |= 1


def _deflate64(data, local, central):
    struct.pack_into("<H", data, local + 8, 9)
    struct.pack_into("<H", data, central + 10, 9)


@pytest.mark.parametrize(("fix", "method", "message"), [
    (_flip_content_byte, zipfile.ZIP_STORED, "is damaged (Bad CRC-32"),
    (_smaller_size, zipfile.ZIP_DEFLATED, "is damaged"),
    (_smaller_packed, zipfile.ZIP_DEFLATED, "is damaged"),
    (_encrypted, zipfile.ZIP_DEFLATED, "is encrypted"),
    (_deflate64, zipfile.ZIP_DEFLATED, "ZIP method 9"),
])
def test_a_lying_or_odd_zip_header_is_refused(made, tmp_path, capsys, fix, method, message):
    archive = tmp_path / "odd.qdpx"
    _zip(archive, {"project.qde": QDE.format("<Sources/>" * 50)}, method)
    _patch(archive, fix)
    refused(made[0], archive, capsys, message)


def test_a_damaged_source_member_refuses_the_whole_archive(made, tmp_path, capsys):
    archive = tmp_path / "src.qdpx"
    body = (f'<Sources><TextSource guid="{UID}" name="letter 2" '
            f'plainTextPath="internal://{UID}.txt"/></Sources>')
    _zip(archive, {"project.qde": QDE.format(body), f"Sources/{UID}.txt": "A text " * 40},
         zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    data[data.find(b"A text") + 2] ^= 1
    archive.write_bytes(bytes(data))
    refused(made[0], archive, capsys, f"{UID}.txt in the archive is damaged")


def test_a_decompression_bomb_member_is_refused_before_unpacking(made, tmp_path, capsys):
    archive = tmp_path / "bomb.qdpx"
    _zip(archive, {"project.qde": QDE.format(""), "Sources/zeros.txt": b"\0" * (4 * 2**20)})
    refused(made[0], archive, capsys, "times its packed size")


@pytest.mark.parametrize(("depth", "message"), [
    (40, "a tag path is 33 levels deep"),            # within the XML bound, beyond the codebook's
    (2_000, "nested more than 256"),   # was a RecursionError
    (50_000, "nested more than 256"),
])
def test_a_deeply_nested_codebook_is_refused(made, tmp_path, capsys, depth, message):
    archive = tmp_path / "deep.qdpx"
    _zip(archive, {"project.qde": _codebook(depth)})
    refused(made[0], archive, capsys, message)


def test_a_codebook_as_deep_as_allowed_imports(made, tmp_path, capsys):
    archive = tmp_path / "ok.qdpx"
    _zip(archive, {"project.qde": _codebook(common.MAX_TAG_DEPTH)})
    rc, said = cli(made[0], archive, capsys)
    assert rc == 0, said
    with Project.open(made[0], read_only=True) as p:
        assert len([t for t in p.tags.list() if t.name.startswith("level")]) == 32


# -- W3C: tag paths, numbers, surrogates, repeated ids ------------------------------


def _annotation(source: str, selector: list | dict | None = None, **fields) -> dict:
    selector = selector or [{"type": "TextPositionSelector", "start": 6, "end": 21}]
    return {"type": "Annotation", "target": {"source": f"urn:uuid:{source}",
                                             "selector": selector}, **fields}


def _w3c(tmp_path: Path, items: list, name: str = "hostile.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", [
    "/".join(f"t{i}" for i in range(5000)),   # a 29 KB file that broke the project
    "x/" * 100_000,                            # took 515 s and 12 GB
])
def test_a_tag_path_deeper_than_the_codebook_allows_is_refused(made, tmp_path, capsys, path):
    item = _annotation(made[1], body=[{"type": "TextualBody", "purpose": "tagging",
                                       "value": path}])
    refused(made[0], _w3c(tmp_path, [item]), capsys, "the codebook allows 32")


@pytest.mark.parametrize("value", ["xywh=1.2.3,4,5,6", "xywh=pixel:1,2,3..4,5",
                                   "xywh=percent:.,.,.,."])
def test_a_malformed_media_fragment_skips_its_annotation(made, tmp_path, capsys, value):
    bad = _annotation(made[2], [{"type": "FragmentSelector", "value": value}])
    good = _annotation(made[2], [{"type": "FragmentSelector", "value": "xywh=10,20,30,40"}])
    rc, said = cli(made[0], _w3c(tmp_path, [bad, good]), capsys)
    assert rc == 1 and "annotation 1: no usable region" in said, said
    assert "1 annotation(s) imported" in said


@pytest.mark.parametrize("rect", ['<rect x="1-2" y="3" width="4" height="5"/>',
                                  '<rect x="e" y="." width="+" height="-"/>',
                                  '<rect x="1" y="2" width="3" height="1e5e5"/>'])
def test_an_svg_rectangle_with_a_non_number_skips_its_annotation(made, tmp_path, capsys, rect):
    bad = _annotation(made[2], [{"type": "SvgSelector", "value": f"<svg>{rect}</svg>"}])
    rc, said = cli(made[0], _w3c(tmp_path, [bad]), capsys)
    assert rc == 1 and "annotation 1: no usable region" in said, said


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.text("0123456789.-+eE", max_size=6), frag=st.text("0123456789.,", max_size=12))
def test_any_number_in_a_region_selector_is_read_or_ignored(tmp_path_factory, x, frag):
    """Whatever the digits, a region selector gives a rectangle or none, never an error."""
    path = tmp_path_factory.getbasetemp() / "regions.annot"
    if not path.exists():
        (path.parent / "scan.pdf").write_bytes(make_pdf(1))
        with Project.create(path, "Regions", author="Alice") as p:
            p.documents.import_file(path.parent / "scan.pdf")
    with Project.open(path, read_only=True) as p:
        docs = w3c._Documents(p)
        doc = p.documents.list()[0]
        selectors = [{"type": "SvgSelector", "value": f'<rect x="{x}" y="1" width="2" height="3"/>'},
                     {"type": "FragmentSelector", "value": f"xywh={frag}"}]
        region = w3c._region(docs, doc, selectors, "")
    assert region is None or all(abs(v) < 1e9 for v in (region.x, region.y, region.w, region.h))


def test_lone_surrogates_in_aliases_and_identifiers_become_replacement_characters(
        made, tmp_path, capsys):
    entity = {"type": "SpecificResource", "purpose": "identifying",
              "source": {"id": "urn:x", "label": "Aristide Briand",
                         "schema:additionalType": "Person", "skos:altLabel": ["Bri\ud800and"],
                         "schema:identifier": [{"schema:propertyID": "wiki\udc00data",
                                                "schema:value": "Q\ud800134965"}]}}
    rc, said = cli(made[0], _w3c(tmp_path, [_annotation(made[1], body=[entity])]), capsys)
    assert rc == 0, said
    with Project.open(made[0], read_only=True) as p:
        record = p.entities.list()[0]
    assert record.aliases == ["Bri\ufffdand"]
    assert record.identifiers == {"wiki\ufffddata": "Q\ufffd134965"}


@pytest.mark.parametrize("second", [f"urn:uuid:{UID}", f"urn:uuid:{UID.upper()}", UID])
def test_the_same_annotation_id_twice_in_one_file_keeps_the_first(made, tmp_path, capsys,
                                                                  second):
    items = [_annotation(made[1], id=f"urn:uuid:{UID}", bodyValue="first"),
             _annotation(made[1], id=second, bodyValue="second")]
    rc, said = cli(made[0], _w3c(tmp_path, items), capsys)
    assert rc == 1 and "annotation 2: it has the id of annotation 1" in said, said
    with Project.open(made[0], read_only=True) as p:
        assert [(a.id, a.note) for a in p.annotations.list()] == [(UID, "first")]


def test_a_timestamp_at_the_edge_of_the_calendar_is_replaced(made, tmp_path, capsys):
    items = [_annotation(made[1], created="0001-01-01T00:00+01:00",
                         modified="9999-12-31T23:59-01:00")]
    rc, said = cli(made[0], _w3c(tmp_path, items), capsys)
    assert rc == 0, said


# -- limits on what one import may create --------------------------------------------


def test_more_annotations_than_one_import_takes_are_refused(made, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.setattr(w3c, "MAX_ANNOTATIONS", 5)
    items = [_annotation(made[1]) for _ in range(6)]
    refused(made[0], _w3c(tmp_path, items), capsys, "the file holds 6 annotations")
    monkeypatch.setattr(qdpx, "MAX_ANNOTATIONS", 1)
    sels = "".join(f'<PlainTextSelection guid="{n:08x}-2222-4000-8000-000000000000" '
                   f'startPosition="0" endPosition="5"/>' for n in range(2))
    archive = tmp_path / "many.qdpx"
    _zip(archive, {"project.qde": QDE.format(
        f'<Sources><TextSource guid="{UID}" name="t"><PlainTextContent>Hello there'
        f"</PlainTextContent>{sels}</TextSource></Sources>")})
    refused(made[0], archive, capsys, "the file holds 2 selections")


def test_a_json_file_beyond_its_size_or_shape_bounds_is_refused(made, tmp_path, capsys,
                                                                monkeypatch):
    path = _w3c(tmp_path, [_annotation(made[1]), [[[]]] * 50])
    monkeypatch.setattr(w3c, "MAX_JSON_CONTAINERS", 100)
    refused(made[0], path, capsys, "JSON objects and arrays")
    monkeypatch.setattr(w3c, "MAX_JSON_BYTES", 100)
    refused(made[0], path, capsys, "larger than 0 MB")


def test_more_new_tags_or_entities_than_one_import_makes_are_refused(made, tmp_path, capsys,
                                                                     monkeypatch):
    monkeypatch.setattr(common, "MAX_NEW_TAGS", 3)
    items = [_annotation(made[1], body=[{"type": "TextualBody", "purpose": "tagging",
                                         "value": f"theme {n}"}]) for n in range(4)]
    refused(made[0], _w3c(tmp_path, items), capsys, "4 new codebook entries")
    monkeypatch.setattr(common, "MAX_NEW_TAGS", 100)
    monkeypatch.setattr(common, "MAX_NEW_ENTITIES", 1)
    people = [_annotation(made[1], body=[{"type": "SpecificResource", "purpose": "identifying",
                                          "source": {"id": f"urn:p{n}", "label": f"P {n}"}}])
              for n in range(2)]
    refused(made[0], _w3c(tmp_path, people, "people.jsonld"), capsys, "2 new entity records")


# -- a large codebook in linear time -------------------------------------------------


def _flat_codebook(codes: int) -> str:
    """``codes`` codes, ten per parent (a tenth of them parents)."""
    return QDE.format("<CodeBook><Codes>" + "".join(
        f'<Code guid="{i:08x}-0000-4000-8000-{i:012x}" name="code {i}">'
        + "".join(f'<Code guid="{i:08x}-1111-4000-8000-{j:012x}" name="sub {j}"/>'
                  for j in range(9)) + "</Code>" for i in range(codes // 10))
        + "</Codes></CodeBook>")


def test_a_large_codebook_is_written_in_bulk(tmp_path):
    """No statement per code (an unindexed max(position) per code made 40k codes take
    48 s): the tags go in with positions counted in Python. The time is printed as a
    measurement (``pytest -s``), not asserted; 100k codes took 3.4 s CPU (20k: 28 s
    before)."""
    archive = tmp_path / "codebook.qdpx"
    codes = 10_000
    _zip(archive, {"project.qde": _flat_codebook(codes)})
    statements: list[str] = []
    with Project.create(tmp_path / "big.annot", "Big", author="Alice") as p:
        p.conn.set_trace_callback(statements.append)
        start = time.perf_counter()
        report = import_annotations(p, archive).value
        took = time.perf_counter() - start
        p.conn.set_trace_callback(None)
        tags = [t for t in p.tags.list() if t.kind == "theme"]
    print(f"\n{codes:,} codes imported in {took:.2f} s ({len(statements):,} statements)")
    assert len(report.tags) == len(tags) == codes
    assert not [s for s in statements if "max(position)" in s and "GROUP BY" not in s]
    # executemany shows each row's INSERT; everything else is a constant few statements
    assert len([s for s in statements if not s.startswith("INSERT INTO tags")]) < 300
    by_parent: dict = {}
    for t in tags:
        by_parent.setdefault(t.parent_id, []).append(t.position)
    # numbered on from the entity types at the root, from 0 under each parent
    assert all(sorted(v) == list(range(min(v), min(v) + len(v))) for v in by_parent.values())
    assert sorted(by_parent[None])[0] == 5 and all(min(v) == 0 for k, v in by_parent.items() if k)


def test_a_codebook_import_is_undone_and_redone_as_one_action(made, tmp_path):
    archive = tmp_path / "codebook.qdpx"
    _zip(archive, {"project.qde": _flat_codebook(200)})
    with Project.open(made[0], author="Alice") as p:
        before = {t.id for t in p.tags.list()}
        with p.transaction("a theme of mine"):
            mine = p.tags.create("Mine").value
        statements: list[str] = []
        p.conn.set_trace_callback(statements.append)
        import_annotations(p, archive)
        p.conn.set_trace_callback(None)
        assert len([s for s in statements if not s.startswith("INSERT INTO tags")]) < 300
        after = {t.id for t in p.tags.list()}
        assert len(after - before) == 201
        p.undo()
        assert {t.id for t in p.tags.list()} == before | {mine.id}
        p.redo()
        assert {t.id for t in p.tags.list()} == after
        assert p.tags.get(f"{0:08x}-0000-4000-8000-{0:012x}").position == mine.position + 1
    conn = sqlite3.connect(made[0])
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_a_refused_import_through_the_core_leaves_the_open_project_as_it_was(made, tmp_path):
    item = _annotation(made[1], body=[{"type": "TextualBody", "purpose": "tagging",
                                       "value": "a/" * 40}])
    with Project.open(made[0], author="Alice") as p:
        tags = p.tags.list()
        with pytest.raises(AnnotatorError, match="the codebook allows 32"):
            import_annotations(p, _w3c(tmp_path, [_annotation(made[1]), item]))
        assert p.tags.list() == tags and p.annotations.count() == 0


def test_the_annotation_count_is_bounded_before_the_json_is_parsed(made, tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.setattr(w3c, "MAX_ANNOTATIONS", 5)
    path = _w3c(tmp_path, [_annotation(made[1]) for _ in range(6)])
    path.write_bytes(path.read_bytes()[:-1] + b", {unparsed")  # never read that far
    refused(made[0], path, capsys, "the file holds 6 annotations")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1,
                      max_size=4))
def test_any_damage_to_an_archive_is_refused_or_read(made, tmp_path, flips):
    """Bytes changed anywhere in a small archive (headers included): an AnnotatorError
    or an import, never another exception."""
    archive = tmp_path / "flipped.qdpx"
    body = (f'<Sources><TextSource guid="{UID}" name="letter 2" '
            f'plainTextPath="internal://{UID}.txt"><PlainTextSelection startPosition="0" '
            f'endPosition="4"/></TextSource></Sources>')
    _zip(archive, {"project.qde": QDE.format(body), f"Sources/{UID}.txt": "A text " * 40})
    data = bytearray(archive.read_bytes())
    for at, mask in flips:
        data[at % len(data)] ^= mask
    archive.write_bytes(bytes(data))
    with Project.open(made[0], author="Alice") as p:
        try:
            import_annotations(p, archive)
        except AnnotatorError:
            pass
