"""Issue 12, items 8-11 and 17: W3C files as Recogito and Hypothesis write them come in
with the right spans, twice without duplicates; a foreign file can be attached from
the CLI; export names a document by its URL; CSV regions are not numbers; xlsx."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.annotation_import import import_annotations
from annotator.core.exporters import export
from annotator.core.model import RegionSelector
from annotator.core.project import Project
from tests.test_export_common import TEXT, make_pdf
from tests.test_export_w3c import wat_failures

DATA = Path(__file__).parent / "data" / "exchange"
URL = "https://example.org/letter"


@pytest.fixture
def letter(tmp_path):
    path = tmp_path / "p.annot"
    p = Project.create(path, "p", author="Me")
    p.documents.import_bytes(TEXT.encode("utf-8"), "letter.txt")
    p.close()
    return path


def _quotes(path: Path) -> list[tuple[str, str]]:
    with Project.open(path) as p:
        return sorted((a.quote, a.note) for a in p.annotations.list())


@pytest.mark.parametrize("name", ["recogito_style.jsonld", "hypothesis_api.jsonld"])
def test_foreign_files_come_in_twice_without_duplicates(letter, name, capsys):
    # before the document has the URL the file names: skipped, and told what to do
    assert main(["import-annotations", str(letter), str(DATA / name)]) == 1
    out = capsys.readouterr().out
    assert "annotator set" in out and "--document" in out
    assert main(["set", str(letter), "letter", "--url", URL]) == 0
    assert main(["import-annotations", str(letter), str(DATA / name)]) == 0
    first = _quotes(letter)
    assert main(["import-annotations", str(letter), str(DATA / name)]) == 0
    assert "2 already in the project" in capsys.readouterr().out
    assert _quotes(letter) == first and len(first) == 2
    with Project.open(letter) as p:
        for a in p.annotations.list():
            assert TEXT[a.text.start:a.text.end] == a.quote  # the right span
        if name.startswith("recogito"):
            assert first == [("Aristide Briand", "the addressee"), ("Paris", "")]
            entities = {e.name: (e.identifiers, p.tags.get(e.type_id).name)
                        for e in p.entities.list() if e.identifiers.get("geonames")
                        or e.identifiers.get("wikidata") == "Q134965"}
            assert entities["Paris"] == ({"geonames": "2988507"}, "Place")
            briand = next(a for a in p.annotations.list() if a.quote == "Aristide Briand")
            assert p.entities.get(briand.entity_id).identifiers == {"wikidata": "Q134965"}
        else:
            assert first == [("Georgia", "Who signed for Georgia?"),
                             ("debt", "debt of the Empire")]


def test_document_option_attaches_every_target(letter, tmp_path):
    assert main(["import-annotations", str(letter), str(DATA / "hypothesis_api.jsonld"),
                 "--document", "letter"]) == 0
    assert _quotes(letter) == [("Georgia", "Who signed for Georgia?"),
                               ("debt", "debt of the Empire")]


def test_export_names_the_url_and_its_page_stands_alone(letter, tmp_path):
    with Project.open(letter) as p:
        doc = p.documents.list()[0]
        p.documents.update(doc.id, metadata={"url": URL})
        p.annotations.add(doc.id, start=19, end=34, note="x")
        out = tmp_path / "w.jsonld"
        export(p, "w3c", out)
        data = json.loads(out.read_text("utf-8"))
        target = data["first"]["items"][0]["target"]
        assert target["source"]["id"] == URL and target["scope"] == f"urn:uuid:{doc.id}"
        assert wat_failures("collections/pages/pageMusts.test", [data["first"]]) == []
        again = Project.create(tmp_path / "again.annot", "a", author="X")
        again.documents.import_bytes(TEXT.encode("utf-8"), "other name.txt")
        report = import_annotations(again, out).value  # found by the urn in scope/bytes
        assert report.added == 1
        again.close()


def test_csv_regions_are_not_numbers_and_passages_are_located(tmp_path):
    p = Project.create(tmp_path / "c.annot", "c", author="Me")
    text = p.documents.import_bytes(TEXT.encode("utf-8"), "letter.txt").value.document
    pdf = p.documents.import_bytes(make_pdf(2), "scan.pdf").value.document
    p.annotations.add(text.id, start=TEXT.index("debt"), end=TEXT.index("debt") + 4,
                      note="=1+2")
    p.annotations.add(pdf.id, region=RegionSelector(2, 30, 120, 280, 300, (), ""))
    export(p, "csv", tmp_path / "a.csv")
    with open(tmp_path / "a.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {r["quote"] or "region": r for r in csv.DictReader(fh)}
    assert rows["region"]["region"] == "x=30 y=120 w=280 h=300"
    assert rows["region"]["location"] == "p. 2"
    assert rows["debt"]["location"] == "line 5"
    openpyxl = pytest.importorskip("openpyxl")
    export(p, "xlsx", tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = [dict(zip(header, [c for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    note = next(r for r in cells if r["note"].value == "=1+2")
    assert note["note"].data_type == "s"  # text, not a formula
    assert note["start"].value == TEXT.index("debt")
    assert next(r for r in cells if r["page"].value == 2)["region"].value == \
        "x=30 y=120 w=280 h=300"
    p.close()


def test_help_does_not_import_openpyxl():
    code = ("import sys, contextlib, io\nfrom annotator.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['--help'])\nprint('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
