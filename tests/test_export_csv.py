"""CSV export: a BOM for spreadsheets, one row per annotation, formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from annotator.core.exporters import ExportFilter, export
from annotator.core.exporters.csv_export import COLUMNS, neutralise
from tests.test_export_common import HOSTILE_NOTE, rich_project


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\tx", "\rx", "＝1+1"])
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Briand", "1927", "a=b", "", None, 42])
def test_ordinary_cells_are_left_alone(cell):
    assert neutralise(cell) == ("" if cell is None else str(cell))


def test_csv_one_row_per_annotation(tmp_path):
    p = rich_project(tmp_path / "p.annot")
    # a note a spreadsheet would run
    ann = next(a for a in p.annotations.list() if a.note == "overlaps")
    p.annotations.update(ann.id, note="=cmd|' /C calc'!A0")
    out = tmp_path / "a.csv"
    result = export(p, "csv", out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == result.annotations == p.annotations.count()
    by_id = {r["id"]: r for r in rows}
    assert by_id[ann.id]["note"] == "'=cmd|' /C calc'!A0"
    hostile = next(r for r in rows if r["note"].startswith("<script>"))
    assert hostile["note"] == HOSTILE_NOTE
    assert hostile["entity"] == "Aristide Briand" and hostile["entity_type"] == "Person"
    astral = next(r for r in rows if r["note"] == "astral")
    assert astral["quote"] == "Georgia 🇬🇪 and Ukraine 𐌰𐌱"
    text = p.documents.text(p.annotations.get(astral["id"]).document_id)
    assert text[int(astral["start"]):int(astral["end"])] == astral["quote"]  # code points
    assert astral["page"] == "2"  # the page of its scan (page 2 starts at offset 84)
    region = next(r for r in rows if r["note"] == "on the scan")
    assert region["page"] == "1" and region["region"] == "x=72 y=88 w=128 h=46"  # not a number
    dated = {r["date"] for r in rows if r["date"]}
    assert {"1927-06-17", "about 1927", "1927"} <= dated
    assert all(r["author"] == "Test Historian" and r["created"] and r["modified"]
               for r in rows)
    assert "Debt/Imperial debt" in {t for r in rows for t in r["tags"].split("; ")}
    p.close()


def test_csv_filtered_like_the_table(tmp_path):
    p = rich_project(tmp_path / "p.annot")
    place = p.tags.find("Place")
    out = tmp_path / "places.csv"
    export(p, "csv", out, filt=ExportFilter(tag_id=place.id))
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"), newline="")))
    assert rows and all("Place" in r["tags"] for r in rows)
    assert len(rows) == len(p.annotations.list(tag_id=place.id))
    p.close()
