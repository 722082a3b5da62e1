"""A scan's text layer exported as ALTO v4 and PAGE XML 2019: valid against the
schemas bundled in tests/data/validators, and read back to the same words and boxes."""

from __future__ import annotations

import shutil
from functools import cache

import pytest

from annotator.core.exporters import export
from annotator.core.filters import AnnotationFilter
from annotator.core.importers import read_source
from tests.conftest import DATA
from tests.test_transcription_import import ALTO, HOCR, IMAGE, PAGE

lxml = pytest.importorskip("lxml.etree")
SCHEMAS = {"alto": DATA / "validators" / "alto" / "alto-4-4.xsd",
           "pagexml": DATA / "validators" / "page" / "pagecontent-2019-07-15.xsd"}


@cache
def schema(fmt: str):
    return lxml.XMLSchema(lxml.parse(str(SCHEMAS[fmt])))


def _valid(fmt: str, path) -> None:
    s = schema(fmt)
    assert s.validate(lxml.parse(str(path))), s.error_log


@pytest.mark.parametrize("fmt", ["alto", "pagexml"])
@pytest.mark.parametrize("source", [ALTO, PAGE, HOCR])
def test_round_trip(project, tmp_path, fmt, source) -> None:
    doc = project.documents.import_file(source).value.document
    before = project.documents.pages(doc.id, with_words=True)[0].words
    result = export(project, fmt, tmp_path / "out", filt=AnnotationFilter(document_id=doc.id))
    (path,) = result.paths
    _valid(fmt, path)
    again = read_source(path, image=IMAGE)
    after = again.pages[0].words
    assert [w[4:6] for w in after] == [w[4:6] for w in before]  # words and lines
    assert [w[:4] for w in after] == [w[:4] for w in before]  # boxes, to the 1/100 point
    assert [w[6] for w in after] == [w[6] for w in before]  # confidence
    assert again.metadata["text_layers"]["1"]["source"] == ("alto" if fmt == "alto" else "page")


def test_folder_round_trip_names_the_images(project, tmp_path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    for n in (1, 2):
        shutil.copy(IMAGE, folder / f"leaf{n}.png")
        shutil.copy(ALTO, folder / f"leaf{n}_ALTO.xml")
    doc = project.documents.import_files([folder])[0].document
    out = tmp_path / "out"
    result = export(project, "pagexml", out)
    assert len(result.paths) == 2
    for n, path in enumerate(result.paths, 1):
        _valid("pagexml", path)
        assert f'imageFilename="leaf{n}.png"' in path.read_text()  # the image it came from
        shutil.copy(IMAGE, out / f"leaf{n}.png")
    again = read_source(out)
    mine = project.documents.pages(doc.id, with_words=True)
    assert [p.words for p in again.pages] == [p.words for p in mine]


def test_no_text_layer_writes_nothing(project, tmp_path) -> None:
    project.documents.import_file(IMAGE)
    result = export(project, "alto", tmp_path / "out")
    assert result.paths == [] and "no page" in result.warnings[0]
    assert not (tmp_path / "out").exists()


def test_cli_export(project, tmp_path, capsys) -> None:
    from annotator.cli import main

    project.documents.import_file(ALTO)
    path = project.path
    project.close()
    assert main(["export", str(path), "--format", "alto", "-o", str(tmp_path / "o")]) == 0
    (written,) = (tmp_path / "o").iterdir()
    _valid("alto", written)
