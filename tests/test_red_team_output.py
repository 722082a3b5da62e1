"""The red team's output and fault holes (issue 16, items 15-18): what exports and the
command line write must be safe to open and to print, and a fault (a full disk, one
damaged source) must end in a clear message, never a traceback or a lost project."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from annotator.core.exporters import export
from annotator.core.exporters.csv_export import neutralise
from annotator.core.project import Project

TEXT = "Paris, 17 June 1927. The delegates of Georgia wrote to Briand about the debt."


def _project(path: Path) -> tuple[Project, str]:
    """A project with one text document; returns it and the document's id."""
    project = Project.create(path, "Red team", author="Alice")
    doc = project.documents.import_bytes(TEXT.encode(), "letter.txt").value.document
    return project, doc.id


def _annotate(project: Project, doc_id: str, quote: str, note: str) -> None:
    start, end = project.annotations.locate(doc_id, quote)
    project.annotations.add(doc_id, start=start, end=end, note=note)


# -- item 16: formula injection and control characters in exports --------------------


@pytest.mark.parametrize("cell", [" =HYPERLINK(\"http://x\")", "\n=1+1", " \n @SUM(A1)",
                                  "|calc", " |calc", "\u00a0=1", "｜calc"])
def test_csv_neutralises_formulas_behind_white_space_and_pipes(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["a|b", " Briand", "1927 = 1927", "\nParis"])
def test_csv_leaves_ordinary_cells_with_pipes_and_spaces_alone(cell):
    assert neutralise(cell) == cell


HOSTILE = "\x00nul \x1b[31mred\x1b[0m \x0bvt \x0cff \x08bs \x07bel"


def test_exports_carry_no_control_characters(tmp_path):
    project, doc_id = _project(tmp_path / "p.annot")
    _annotate(project, doc_id, "Paris", HOSTILE)
    _annotate(project, doc_id, "Georgia", " =HYPERLINK(\"http://evil\")")
    _annotate(project, doc_id, "Briand", "|cmd")
    controls = {chr(c) for c in (*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}
    for fmt in ("csv", "html", "md"):
        out = tmp_path / f"out.{fmt}"
        export(project, fmt, out)
        text = out.read_text(encoding="utf-8-sig")
        assert not controls & set(text), (fmt, sorted(controls & set(text)))
        assert "red" in text and "bel" in text  # the words stay, the controls go
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8-sig"),
                                           newline="")))
    notes = {r["note"] for r in rows}
    assert "' =HYPERLINK(\"http://evil\")" in notes and "'|cmd" in notes
    assert "\ufffdnul \ufffd[31mred\ufffd[0m \ufffdvt \ufffdff \ufffdbs \ufffdbel" in notes
    project.close()


# -- item 18: one damaged PDF does not stop a PDF export -----------------------------


def _damaged_pdf() -> bytes:
    """A two-page PDF whose first page object cannot be parsed: MuPDF opens it (the
    page reads as null) and imports it, but cannot annotate that page."""
    import pymupdf

    from tests.test_export_common import make_pdf

    raw = pymupdf.open(stream=make_pdf(2)).tobytes(expand=255, garbage=0)
    first_page = pymupdf.open(stream=raw)[0].xref
    return raw.replace(b"\n%d 0 obj" % first_page, b"\n%d ? obj" % first_page, 1)


def test_a_damaged_pdf_is_reported_and_the_others_are_exported(tmp_path, capsys):
    from annotator.cli import main
    from annotator.core.model import RegionSelector
    from tests.test_export_common import make_pdf

    project, text_id = _project(tmp_path / "p.annot")
    _annotate(project, text_id, "Paris", "the city")
    for name, data in (("damaged.pdf", _damaged_pdf()), ("good.pdf", make_pdf(1))):
        doc = project.documents.import_bytes(data, name).value.document
        project.annotations.add(doc.id, region=RegionSelector(1, 72, 88, 128, 46, (), ""))
    project.close()
    out = tmp_path / "pdfs"
    assert main(["export", str(tmp_path / "p.annot"), "-f", "pdf", "-o", str(out)]) == 1
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    assert sorted(p.name for p in out.iterdir()) == ["good.pdf", "letter.pdf"]
    warning = next(line for line in said.out.splitlines() if line.startswith("warning:"))
    assert "damaged" in warning and "“damaged”" in warning
